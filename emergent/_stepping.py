"""The shared core of the two-level implicit schemes (scipy.integrate._ivp style: one base,
several methods).

Both the Fokker-Planck equation (11.5), ∂p/∂t = (D/2)Δp, and the Schrödinger equation (11.9),
i∂Ψ/∂t = HΨ, are linear, du/dt = A u with a constant sparse A; a θ-scheme steps them as

    (1 - θ dt A) uⁿ⁺¹ = (1 + (1 - θ) dt A) uⁿ,

θ = ½ Crank-Nicolson (second order; unitary for A = -iH), θ = 1 backward Euler.  The left
matrix is factored once (sparse LU) and reused for every step.  A time-dependent generator
A(t) known at the step times (the Fokker-Planck equation with Nelson's drift,
:mod:`emergent.nelson.grid_fokker_planck`) is stepped by :func:`varying_theta_scheme`,

    (1 - θ dt A(tⁿ⁺¹)) uⁿ⁺¹ = (1 + (1 - θ) dt A(tⁿ)) uⁿ,

with a new factorisation per step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
from tqdm.auto import tqdm

from emergent.grids import sparse_lu
from ntcore import limits
from ntcore.checks import ResourceLimitError, check_memory

__all__ = ["SteppedStates", "theta_scheme", "varying_theta_scheme", "check_stepping",
           "SECONDS_PER_POINT_STEP"]

#: Lower bounds of the seconds per grid point and step, below every timing measured on the
#: 2-core machine (implicit: sparse LU solve, 0.9-2.1 µs measured; split-step: two FFTs,
#: 90-150 ns measured; both under load 12, 2026-12-05).
SECONDS_PER_POINT_STEP = {"implicit": 2e-7, "split-step": 2e-8}


def check_stepping(n_steps: int, save_every: int, size: int, itemsize: int, kind: str) -> None:
    """Refuse, before any work, ``n_steps`` steps of a grid of ``size`` points whose saved
    states would not fit in memory or whose run would exceed
    ``ntcore.limits.STEPPING_MAX_SECONDS``.

    Guards the steppers of (11.5) and (11.9).

    >>> check_stepping(10**6, 1, 256 * 256, 8, "implicit")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ntcore.checks.ResourceLimitError: save_every: 1000002 saved states of 65536 points needs ...
    """
    n_saved = n_steps // save_every + 2
    check_memory("save_every", float(n_saved) * size * itemsize,
                 f"{n_saved} saved states of {size} points",
                 "save fewer states (a larger save_every) or use a coarser grid")
    seconds = n_steps * size * SECONDS_PER_POINT_STEP[kind]
    if seconds > limits.STEPPING_MAX_SECONDS:
        cheaper = ("; for (11.5), propagate_spectral is exact in time and needs no steps"
                   if kind == "implicit" else "")
        raise ResourceLimitError(
            f"n_steps: {n_steps} steps on a grid of {size} points take at least "
            f"{seconds:.0f} s ({kind}; limit {limits.STEPPING_MAX_SECONDS:.0f} s, "
            f"ntcore.limits.STEPPING_MAX_SECONDS): use fewer steps or a coarser grid"
            f"{cheaper}")


@dataclass(frozen=True)
class SteppedStates:
    """The saved states of :func:`theta_scheme`: ``times`` (n_saved,), ``states`` (n_saved,
    *shape)``, the first being the initial state and the last the final one.

    States of (11.5) or (11.9) on a time grid.
    """

    times: np.ndarray
    states: np.ndarray


def theta_scheme(generator: sps.spmatrix, u0: np.ndarray, dt: float, n_steps: int, *,
                 theta: float = 0.5, save_every: int = 1, progress: bool = False,
                 desc: str = "θ-scheme") -> SteppedStates:
    """Step du/dt = A u (A = ``generator``, sparse, constant) ``n_steps`` times by the θ-scheme.

    ``u0`` has any shape whose size matches A; states are saved with that shape every
    ``save_every`` steps (and always at the last step).  The arguments are validated by the
    callers (:func:`emergent.fokker_planck.propagate_implicit`,
    :func:`emergent.schrodinger.crank_nicolson`).

    >>> import scipy.sparse as sps
    >>> a = sps.diags([-1.0, -2.0]).tocsc()
    >>> out = theta_scheme(a, np.array([1.0, 1.0]), 1e-3, 1000)
    >>> bool(np.allclose(out.states[-1], np.exp([-1.0, -2.0]), rtol=1e-6))  # O(dt²) error
    True

    Steps (11.5) and (11.9).
    """
    shape = u0.shape
    eye = sps.identity(generator.shape[0], format="csc", dtype=generator.dtype)
    lu = sparse_lu(eye - theta * dt * generator)
    rhs = (eye + (1 - theta) * dt * generator).tocsr()
    u = u0.ravel().copy()
    saved, times = [u0.copy()], [0.0]
    for n in tqdm(range(1, n_steps + 1), disable=not progress, desc=desc):
        u = lu.solve(rhs @ u)
        if n % save_every == 0 or n == n_steps:
            saved.append(u.reshape(shape).copy())
            times.append(n * dt)
    return SteppedStates(np.asarray(times), np.asarray(saved))


def varying_theta_scheme(step_matrix: Callable[[int, float, float], sps.spmatrix],
                         u0: np.ndarray, times: np.ndarray, *, theta: float = 0.5,
                         factor: Callable = sparse_lu) -> SteppedStates:
    """Step du/dt = A(t) u through ``times`` by the θ-scheme with A taken at both ends of each
    step; every state is saved.

    ``step_matrix(n, scale, identity)`` returns ``identity · I + scale · A(times[n])`` (sparse);
    ``factor(matrix)`` returns an object with ``solve`` (default :func:`sparse_lu`).  The
    arguments are validated by the caller
    (:func:`emergent.nelson.grid_fokker_planck.fokker_planck_with_drift`).

    >>> import scipy.sparse as sps
    >>> def a(n, scale, identity):  # A(t) = -t: u(t) = exp(-t²/2)
    ...     return sps.csc_matrix([[identity - scale * t[n]]])
    >>> t = np.linspace(0.0, 1.0, 1001)
    >>> out = varying_theta_scheme(a, np.array([1.0]), t)
    >>> bool(abs(out.states[-1, 0] - np.exp(-0.5)) < 1e-6)  # O(dt²) error
    True

    Steps (11.5) with a drift, the Fokker-Planck equation of Nelson's process.
    """
    shape = u0.shape
    u = u0.ravel().copy()
    saved = [u0.copy()]
    for n in range(times.size - 1):
        dt = times[n + 1] - times[n]
        rhs = step_matrix(n, (1 - theta) * dt, 1.0) @ u
        u = factor(step_matrix(n + 1, -theta * dt, 1.0)).solve(rhs)
        saved.append(u.reshape(shape).copy())
    return SteppedStates(np.asarray(times), np.asarray(saved))
