"""The driver of (3.2): validate, choose the solver, run the batches of samples and, per
batch, every start, keeping per sample the lowest minimum; report one typed result."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from learning.bulk_minimum.costs import choose_solver
from learning.bulk_minimum.network import (
    AnyCouplings,
    Network,
    check_network,
    couplings_of,
    loss_of,
)
from learning.bulk_minimum.options import Options, validate
from learning.bulk_minimum.primitives import projected_gradient
from learning.bulk_minimum.problem import Problem
from learning.bulk_minimum.result import BulkMinimumResult, SolverRun, concatenate, status_codes
from learning.bulk_minimum.solvers import SOLVERS
from learning.bulk_minimum.starts import starts
from learning.bulk_minimum.unbounded import check_bounded_below
from learning.losses import LocalObjective

__all__ = ["constrained_bulk_minimum"]

Array = NDArray[np.float64]


def constrained_bulk_minimum(
    septuple: Network,
    x_boundary: ArrayLike,
    *,
    objective: LocalObjective | None = None,
    x0: ArrayLike | None = None,
    method: str = "newton",
    gtol: float = 1e-10,
    max_iter: int = 100,
    margin: float = 1e-9,
    progress: bool = False,
    solver: str = "auto",
    n_starts: int = 1,
    seed: int | np.random.Generator | None = None,
    memory_limit: float | None = None,
) -> BulkMinimumResult:
    """Minimise the bulk loss (3.1)/(3.4) over the hidden neurons with the boundary clamped, (3.2).

    Returns a *local* minimum per sample (see the module docstring): a point where the
    projected gradient is below ``gtol``, never above H at the start; with ``n_starts > 1``
    the lowest of several local minima, never above the single-start one.

    Parameters
    ----------
    septuple
        The network: any :class:`~learning.septuple.Septuple` (layered ones are not required), or a
        :class:`~learning.graph.septuple.GraphSeptuple` whose nodes are all exact septuple nodes
        :math:`x_v = f(Σ_u W_{vu} x_u + b_v)`, solved matrix-free through its node blocks
        (convolution, pooling, folded BatchNorm, Add), never an N x N array.
    x_boundary
        Boundary data x_∂, shape ``(N,)`` or ``(n, N)``, e.g. from
        :func:`learning.septuple.boundary_state`.  Supervised: inputs and outputs;
        unsupervised: a septuple without outputs; auto-encoder: outputs = inputs.
    objective
        Local objective of (3.3)-(3.4): tachyonic m and couplings :math:`g^{ij}`.
    x0
        Starting states ``(n, N)`` (hidden components used); default
        :func:`~learning.bulk_minimum.bulk_minimum_start`.
    method
        ``"newton"`` (exact Hessian, needs ``activation.second_derivative``) or
        ``"gauss-newton"``; both are damped / line-searched and bound-projected.
    gtol
        Convergence: max-norm of the projected gradient of H over hidden neurons.
    max_iter
        Newton-iteration cap per sample.
    margin
        The box for an open activation range is closed ``margin * width`` inside it.
    progress
        Show a tqdm bar over the samples (advancing as they stop, with the iteration and the
        largest projected gradient still running).
    solver
        ``"auto"`` (by :func:`~learning.bulk_minimum.solver_costs`), ``"dense"``
        (per-sample Newton systems) or ``"matrix_free"`` (batched projected Newton-CG).
    n_starts
        Number of starts: the default one plus ``n_starts - 1`` seeded uniform random hidden
        states in the box (for an unbounded range: the default start plus unit normal noise).
    seed
        Seed of the extra starts.
    memory_limit
        Bytes a solve may plan to use (default: 60% of the available memory).  The
        matrix-free solver then runs in batches of samples that fit (same minima: the samples
        are independent); the dense solver above it, or the matrix-free one when a single
        sample does not fit, raises a ValueError naming the size and the other route.

    Returns
    -------
    BulkMinimumResult
        With per-sample ``status`` (see :data:`~learning.bulk_minimum.STATUS_MESSAGES`) and
        a summary ``message``.

    Raises
    ------
    ValueError
        On bad shapes, non-finite data, data outside the activation's range, an unknown
        method or solver, a request above ``memory_limit``, or a bulk loss unbounded below
        (m too large for an unbounded activation).

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward, boundary_state
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> res = constrained_bulk_minimum(net, xb)
    >>> bool(res.all_converged), bool(res.loss[0] <= res.start_loss[0]), res.solver
    (True, True, 'dense')
    >>> free = constrained_bulk_minimum(net, xb, solver="matrix_free")
    >>> bool(abs(free.loss[0] - res.loss[0]) <= 1e-8 * res.loss[0])
    True
    """
    septuple = check_network(septuple)
    opts = validate(septuple, x_boundary, x0, method=method, gtol=gtol, max_iter=max_iter,
                    margin=margin, solver=solver, n_starts=n_starts, progress=progress)
    couplings = couplings_of(septuple)
    if couplings.hidden.size == 0:
        return _without_hidden_neurons(septuple, opts, objective)
    n = opts.n_samples
    chosen, batch = choose_solver(couplings, n, solver, memory_limit)
    rng = np.random.default_rng(seed)  # one stream through the batches: reproducible
    firsts = range(0, n, batch)
    if batch < n:
        firsts = tqdm(firsts, disable=not progress, leave=False,
                      desc=f"bulk minimum (3.2), batches of {batch}")
    parts = [_solve_batch(septuple, objective, couplings, opts.samples(slice(i, i + batch)),
                          chosen, rng) for i in firsts]
    return parts[0] if len(parts) == 1 else concatenate(parts)


def _without_hidden_neurons(septuple: Network, opts: Options,
                            objective: LocalObjective | None) -> BulkMinimumResult:
    """Nothing to minimise: H at the data."""
    xb, n = opts.xb, opts.n_samples
    loss = loss_of(septuple, xb, xb, objective)
    zeros = np.zeros(n, int)
    return BulkMinimumResult(xb.copy(), loss, np.ones(n, bool), zeros, np.zeros(n),
                             loss.copy(), opts.method, zeros, "dense", zeros)


def _best_of_starts(problem: Problem, opts: Options, solver: str, rng: np.random.Generator
                    ) -> tuple[SolverRun, NDArray[np.int_]]:
    """Run ``solver`` from every start; per sample the lowest minimum and the start it came
    from (strictly lower only: the default start wins ties, so multi-start never does worse)."""
    hidden = problem.hidden
    run = SOLVERS[solver]
    best: SolverRun | None = None
    best_start = np.zeros(opts.n_samples, int)
    for k, z0 in enumerate(starts(opts.start[:, hidden], opts.lo, opts.hi, opts.n_starts, rng)):
        # Both solvers evaluate H at the start first: that is start_loss (no separate pass).
        this = run(problem, z0, opts)
        if best is None:
            best = this
            continue
        best, better = best.better_of(this)
        best_start[better] = k
    assert best is not None
    return best, best_start


def _solve_batch(septuple: Network, objective: LocalObjective | None, couplings: AnyCouplings,
                 opts: Options, solver: str, rng: np.random.Generator) -> BulkMinimumResult:
    """(3.2) for the samples of ``opts`` with the solver ``solver``: every start, the check
    that a minimum exists, the result."""
    xb = opts.xb
    problem = Problem(septuple, xb, objective, couplings, dense=solver == "dense")
    best, best_start = _best_of_starts(problem, opts, solver, rng)
    if not opts.bounded:
        check_bounded_below(problem, best.z, opts.newton, opts.lo, opts.hi)
    pgrad = projected_gradient(best.z, best.grad, opts.lo, opts.hi)
    gnorm = np.max(np.abs(pgrad), axis=1)
    state = xb.copy()
    state[:, couplings.hidden] = best.z
    if solver == "dense":
        # Report H through the public loss function: one definition of (3.4) for all callers.
        final_loss = loss_of(septuple, state, xb, objective)
    else:
        # The matrix-free path avoids any N x N product: H (3.4) at the accepted point, as
        # evaluated layer-wise (float64) by the iteration itself.
        final_loss = best.loss
    return BulkMinimumResult(state=state, loss=final_loss, converged=gnorm <= opts.gtol,
                             iterations=best.iterations, gradient_norm=gnorm,
                             start_loss=best.start_loss, method=opts.method,
                             status=status_codes(pgrad, opts.gtol, best.stalled),
                             solver=solver, best_start=best_start)
