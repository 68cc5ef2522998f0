"""One table of the memory and work limits of the project (physics-free).

Every limit a function applies without being asked lives here, named by what it bounds, and
is read at call time (``limits.NAME``), so a test or a user can lower one in one place.
The machine the defaults are sized for has 2 cores and 24 GiB shared by several jobs.

>>> ALLOCATION_LIMIT_BYTES == 2 * GIB and SPECTRAL_ESTIMATE_LIMIT_BYTES == 4 * GIB
True
"""

from __future__ import annotations

__all__ = ["GIB", "ALLOCATION_LIMIT_BYTES", "DENSE_WEIGHTS_LIMIT_BYTES",
           "SPECTRAL_ESTIMATE_LIMIT_BYTES", "BULK_MINIMUM_LIMIT_BYTES", "BULK_MEMORY_FRACTION",
           "WALKER_MEMORY_LIMIT_BYTES", "ONSAGER_MAX_SECONDS", "SECTION11_MAX_SECONDS",
           "STEPPING_MAX_SECONDS"]

#: Bytes in a GiB.
GIB = 2**30

# ---- memory ---------------------------------------------------------------------------
#: Largest single allocation a function may make without being asked
#: (:func:`ntcore.checks.check_memory`'s default): above it, functions refuse and name a
#: cheaper route.
ALLOCATION_LIMIT_BYTES = 2 * GIB
#: Largest dense N x N weight matrix a layered septuple materialises
#: (:meth:`learning.septuple.Septuple.dense_weights`).
DENSE_WEIGHTS_LIMIT_BYTES = 2 * GIB
#: Default ceiling of what one spectral estimate may allocate
#: (:mod:`learning.spectral_estimates`, ``max_bytes``).
SPECTRAL_ESTIMATE_LIMIT_BYTES = 4 * GIB
#: Largest memory the constrained bulk minimum (3.2) run by :mod:`learning.analysis` may plan
#: to use (its solver then picks the dense or matrix-free method and batches the samples to
#: fit): 784-4096-4096-4096-10 with 1000 samples then runs in one batch (3.7 GiB planned,
#: 3.1 GiB peak measured).
BULK_MINIMUM_LIMIT_BYTES = 4 * GIB
#: Fraction of the available memory a bulk-minimum solve may plan to use when not given a
#: ``memory_limit`` (:func:`learning.bulk_minimum.constrained_bulk_minimum`).
BULK_MEMORY_FRACTION = 0.6
#: Bytes one walker simulation may allocate for its drift tables and snapshots
#: (:func:`emergent.nelson.simulate_walkers`).
WALKER_MEMORY_LIMIT_BYTES = 4 * GIB

# ---- work -----------------------------------------------------------------------------
#: Longest an Onsager check (Section 12) may be estimated to take before it is refused.
ONSAGER_MAX_SECONDS = 600.0
#: Longest the Section 11 command (``python -m emergent``) may be estimated to take.
SECTION11_MAX_SECONDS = 3600.0
#: Longest run a time-stepping call of Section 11 (split-step, Crank-Nicolson, implicit
#: Fokker-Planck) starts without being asked differently; the estimate it is compared with
#: (:func:`emergent._stepping.check_stepping`) is a lower bound.
STEPPING_MAX_SECONDS = 3600.0
