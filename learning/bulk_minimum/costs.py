"""Cost estimates of the two solvers of (3.2) and the choice between them (``solver="auto"``),
with the batch size that fits the memory limit."""

from __future__ import annotations

import os

from learning.bulk_minimum.network import AnyCouplings, Network, check_network, couplings_of
from ntcore import limits
from ntcore.checks import count

__all__ = ["DENSE_ADVANTAGE", "CG_STEPS_ESTIMATE", "solver_costs"]

#: ``solver="auto"`` keeps the dense solver (the method Section 10's U has always used, with
#: Levenberg-Marquardt damping) while its memory fits and its estimated flops are at most
#: this many times the matrix-free estimate: this keeps the 784-40-20-10 / 784-60-10
#: networks on it (ratios 12 and 20) and moves e.g. 784-100-100-10 (ratio 39) to
#: matrix-free.  It is a continuity rule, not a speed optimum: measured (1 thread, 300
#: MNIST samples, docs/benchmarks/bulk_minimum.md) the matrix-free solver is already
#: 2-3.5x faster at n_h = 80, with the same minima to 1e-15.
DENSE_ADVANTAGE = 25.0
#: Hessian-vector products per Newton iteration assumed by the cost estimate.
CG_STEPS_ESTIMATE = 20


def available_memory() -> float:
    """Bytes of memory available now (MemAvailable), else the physical memory."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def solver_costs(septuple: Network, n_samples: int) -> dict[str, tuple[float, float]]:
    """Estimated (flops per Newton iteration, peak bytes) of each solver, for ``n_samples``.

    dense: Hessian map (n_c + n_h) n_h² floats (n_c coupled rows; twice, while it is built) plus ~4
    per-sample n_h x n_h arrays and ~14 of n x |R|; work 2 n (n_c + n_h) n_h² (assembly) + (2/3) n
    n_h³ (LU).  matrix_free: ~20 arrays of n x (n_h + |R|); work 4 n nnz(:math:`W_{Rh}`) per
    Hessian-vector product, times :data:`CG_STEPS_ESTIMATE` + 2.

    Examples
    --------
    >>> from learning import feedforward
    >>> costs = solver_costs(feedforward((784, 40, 20, 10), seed=0), 1000)
    >>> costs["dense"][1] < 1e9 and costs["matrix_free"][0] < costs["dense"][0]
    True
    """
    septuple = check_network(septuple)
    n_samples = count("n_samples", n_samples, minimum=1)
    return costs(couplings_of(septuple), n_samples)


def costs(couplings: AnyCouplings, n: int) -> dict[str, tuple[float, float]]:
    """:func:`solver_costs` for couplings already built."""
    n_h, n_r = couplings.hidden.size, couplings.n_rows
    nnz = couplings.nnz
    n_c = n_r  # coupled rows: at most |R|
    dense_flops = n * (2.0 * (n_c + n_h) * n_h**2 + (2.0 / 3.0) * n_h**3)
    # The Hessian map is held twice while it is built (einsum, then concatenate); a solve keeps
    # ~14 per-sample arrays of n x |R| floats (tracemalloc peaks: test_bulk_minimum.py).
    dense_bytes = 8.0 * (2.0 * (n_c + n_h) * n_h**2 + 4.0 * n * n_h**2 + 14.0 * n * n_r)
    mf_flops = n * 4.0 * nnz * (CG_STEPS_ESTIMATE + 2)
    mf_bytes = 8.0 * 20.0 * n * (n_h + n_r)
    return {"dense": (dense_flops, dense_bytes), "matrix_free": (mf_flops, mf_bytes)}


def choose_solver(couplings: AnyCouplings, n: int, solver: str,
                  memory_limit: float | None) -> tuple[str, int]:
    """The solver and the samples per batch: the matrix-free solver's memory is linear in the
    samples, so above the limit it runs in batches that fit; the dense one has a fixed
    n_h³ part and is refused instead (with the other solver's size)."""
    limit = (limits.BULK_MEMORY_FRACTION * available_memory() if memory_limit is None
             else memory_limit)
    estimate = costs(couplings, n)
    (d_flops, d_bytes), (m_flops, m_bytes) = estimate["dense"], estimate["matrix_free"]
    gib = 2.0**30
    if solver == "auto":
        solver = ("dense" if d_bytes <= limit and d_flops <= DENSE_ADVANTAGE * m_flops
                  else "matrix_free")
    if solver == "matrix_free":
        batch = int(limit // (m_bytes / n))
        if batch >= 1:
            return solver, min(batch, n)
        raise ValueError(f"solver='matrix_free' would need {m_bytes / n / gib:.3g} GiB for one "
                         f"sample with {couplings.hidden.size} hidden neurons, above the limit "
                         f"{limit / gib:.3g} GiB (memory_limit)")
    if d_bytes > limit:
        batch = int(limit // (m_bytes / n))
        hint = (f"; solver='matrix_free' would run in batches of {min(batch, n)} samples"
                if batch >= 1 else "; pass fewer samples per call")
        raise ValueError(f"solver='dense' would need {d_bytes / gib:.2f} GiB for {n} samples "
                         f"with {couplings.hidden.size} hidden neurons, above the limit "
                         f"{limit / gib:.2f} GiB (memory_limit){hint}")
    return solver, n


