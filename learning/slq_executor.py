"""SLQ probe batches on an executor (a process pool or a Dask cluster), for μ_k (9.5)-(9.6).

The probe batches of stochastic Lanczos quadrature are independent: each runs its own Golub-Kahan
bidiagonalisation of A = I - f'w (5.6) (or of A⁻ᵀ, for the G⁻¹ side of two-sided quadrature) from
its own probes.  :func:`executor_runs` draws the probes exactly as :func:`learning.lanczos.slq_runs`
does, sends each batch with the network and ⟨x⟩ to a worker of the executor that ``reproduce`` uses
(:func:`ntcore.executor.run_jobs`: ``"local"`` processes, a Dask scheduler address
``"tcp://host:port"``, or any ``concurrent.futures.Executor``), and joins the rows in batch order:
the same quadrature as the serial run for the same seed (to round-off: a worker's BLAS may sum in
another order).  Each worker holds the network and one batch's Lanczos basis, so a network whose
probe batches do not fit one machine's memory together can be spread over several.

The precision is the one asked for: ``"auto"`` (which compares float32 with float64 on a
first batch) is not available here and means float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from learning.jacobian import JacobianOperator, jacobian_operator
from learning.lanczos import SlqRuns, SpectralQuadrature, batch_rows, concat_rows, slq_runs
from learning.two_sided import Side, two_sided_runs

Array = NDArray[np.float64]


@dataclass(frozen=True)
class JacobianSpec:
    """A picklable recipe for the Jacobian operator J = f'w (5.6) of a network at ⟨x⟩, built in the
    worker: called with a dtype name, as ``make_op`` of :class:`learning.two_sided.Side`."""

    septuple: Any
    x: Array

    def __call__(self, dtype: str) -> JacobianOperator:
        return jacobian_operator(self.septuple, self.x, dtype=np.dtype(dtype))


@dataclass(frozen=True)
class _Batch:
    make_op: Side
    dtype: str
    probes: Array
    steps: int
    max_steps: int
    estimator: Any
    n_total: int
    reorthogonalise: bool = True


def _run_batch(job: _Batch) -> tuple[tuple[Array, Array, Array, Array], int, int]:
    """One probe batch in a worker: its rows, the steps it ran and its products."""
    op = job.make_op(job.dtype)
    rows, reached = batch_rows(op, job.probes, job.steps, job.max_steps, job.estimator,
                               job.n_total, job.reorthogonalise)
    return rows, reached, op.count


def executor_runs(make_op: Side, n: int, n_probes: int, steps: int,
                  probe_batch: int, rng: np.random.Generator, estimator: Any,
                  orders: tuple[int, ...], *, dtype: str = "float64",
                  max_steps: int | None = None, executor: Any = "serial",
                  reorthogonalise: bool = True) -> SlqRuns:
    """:func:`learning.lanczos.slq_runs` with the probe batches as jobs of an executor.

    ``make_op`` and ``estimator`` must be picklable (a :class:`learning.two_sided.Side` of
    a :class:`JacobianSpec`; a module-level function or a ``functools.partial`` of one);
    ``executor`` as in :func:`ntcore.executor.run_jobs` (``"serial"``,
    ``"local"``, a scheduler address or an ``Executor``).  ``orders`` is unused (kept for
    the signature of ``slq_runs``): no round-off bound is computed, the precision being
    fixed.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> from learning.lanczos import slq_runs
    >>> net = feedforward((6, 5, 4), seed=0, weight_scale=2.0)
    >>> spec = Side(JacobianSpec(net, np.full(15, 0.1)), upper=True)
    >>> est = lambda q: (np.zeros(1), None)
    >>> a = executor_runs(spec, 15, 4, 6, 2, np.random.default_rng(3), est, (1,))
    >>> b = slq_runs(spec, 15, 4, 6, 2, np.random.default_rng(3), est, (1,))
    >>> bool(np.allclose(a.full.log_nodes, b.full.log_nodes, rtol=1e-12, atol=1e-12))
    True
    """
    from ntcore.executor import run_jobs

    if dtype not in ("float32", "float64", "auto"):
        raise ValueError(f"dtype must be 'auto', 'float32' or 'float64', got {dtype!r}")
    dtype = "float64" if dtype == "auto" else dtype
    max_steps = steps if max_steps is None else max(steps, max_steps)
    probes = rng.choice([-1.0, 1.0], size=(n_probes, n)) / np.sqrt(n)
    jobs = [_Batch(make_op, dtype, probes[s:s + probe_batch], steps, max_steps, estimator,
                   n_probes, reorthogonalise) for s in range(0, n_probes, probe_batch)]
    done = run_jobs(_run_batch, jobs, executor=executor, progress=False)
    rows = concat_rows([d[0] for d in done])
    return SlqRuns(SpectralQuadrature(rows[0], rows[1], exact=False),
                   SpectralQuadrature(rows[2], rows[3], exact=False),
                   sum(d[2] for d in done) // 2, max(d[1] for d in done), dtype, np.zeros(0))


def run_slq(make_jacobian: Any, n: int, n_probes: int, steps: int, probe_batch: int,
            seed: Any, estimator: Any, orders: tuple[int, ...], *, dtype: str,
            max_steps: int, kind: str, executor: Any = None,
            reorthogonalise: bool = True) -> SlqRuns:
    r"""One-sided or two-sided SLQ (:mod:`learning.two_sided`) for μ_k (9.5)-(9.6), in this
    process (``executor=None``) or with the probe batches on ``executor``.

    ``make_jacobian(dtype)`` gives the Jacobian operator (a :class:`JacobianSpec` with an
    executor); the other arguments are those of :func:`learning.lanczos.slq_runs`, with
    ``seed`` for the probes (both sides of two-sided SLQ start from the same probes; an int
    seed gives those of one-sided SLQ).

    Examples
    --------
    With as many steps as neurons each probe's Gauss rule is exact: both kinds give
    :math:`N v^T (\log G)^k v` per probe v (k = 1, 2; the odd order tells G from G⁻¹), from a
    dense eigendecomposition of G:

    >>> from learning import feedforward
    >>> from learning.spectrum import g_operator
    >>> net, x = feedforward((4, 3, 2), seed=0, weight_scale=3.0), np.full(9, 0.2)
    >>> lam, vec = np.linalg.eigh(g_operator(net, x))
    >>> v = np.random.default_rng(5).choice([-1.0, 1.0], size=(3, 9)) / 3  # the probes
    >>> est = lambda q: (q.per_probe(lambda t: t)[None].mean(axis=1), None)
    >>> for kind in ("one-sided", "two-sided"):
    ...     runs = run_slq(JacobianSpec(net, x), 9, 3, 9, 3, 5, est, (1,), dtype="float64",
    ...                    max_steps=9, kind=kind)
    ...     exact = [9 * ((v @ vec) ** 2) @ np.log(lam) ** k for k in (1, 2)]
    ...     print(kind, all(np.allclose(runs.full.per_probe(lambda t: t ** k), exact[k - 1])
    ...                     for k in (1, 2)))
    one-sided True
    two-sided True
    """
    runner: Any = (slq_runs if executor is None else
                   partial(executor_runs, executor=executor))
    if kind == "two-sided":
        side_seed = (int(seed) if isinstance(seed, int | np.integer) else
                     int(np.random.default_rng(seed).integers(2**63)))
        return two_sided_runs(make_jacobian, n, n_probes, steps, probe_batch, side_seed,
                              estimator, orders, dtype=dtype, max_steps=max_steps,
                              runner=runner, reorthogonalise=reorthogonalise)
    return runner(Side(make_jacobian, True), n, n_probes, steps, probe_batch,
                  np.random.default_rng(seed), estimator, orders, dtype=dtype,
                  max_steps=max_steps, reorthogonalise=reorthogonalise)
