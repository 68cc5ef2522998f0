"""The matrix-free solver of (3.2): projected Newton-CG, batched over samples.

The Newton systems are solved by truncated CG with Hessian-vector products (two passes over the
couplings, :mod:`learning.bulk_minimum.operators`); for a layered network CG runs in the residual
coordinates :math:`e = J_{hh} s` (:func:`chain_cg_direction`), where the system is identity plus low
rank.  A projected backtracking line search follows each direction.  Gauss-Newton steps are taken
until the gradient has fallen to :data:`GAUSS_NEWTON_UNTIL` of its start, Newton steps after.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from learning.bulk_minimum.graph_operators import GraphCouplings
from learning.bulk_minimum.network import AnyChain, chain_of
from learning.bulk_minimum.options import Options
from learning.bulk_minimum.primitives import (
    Bound,
    Progress,
    accept,
    active_set,
    check_runaway,
    forcing,
    kinked,
    projected_gradient,
    stopped,
    truncated_cg,
)
from learning.bulk_minimum.problem import Cache, Problem, evaluate_split
from learning.bulk_minimum.result import SolverRun

Array = NDArray[np.float64]

#: Matrix-free Hessian-vector products run in float32 from this many couplings W_Rh on
#: (there they are bandwidth/BLAS bound; below it float64 costs nothing extra).
SINGLE_PRECISION_NNZ = 2_000_000
#: The matrix-free solver takes Gauss-Newton steps until a sample's projected gradient has
#: fallen to this fraction of its value at the start, then Newton steps.  Measured on
#: 784-1024-1024-1024-10 (100 MNIST samples, iterations max / mean), with the CG forcing
#: min(0.5, sqrt||g||): Newton from the start 11 / 8.0 (the Newton term makes H indefinite
#: at the start: short steps), Gauss-Newton alone 19 / 18.2 (linear convergence), switching
#: at 0.1, 0.01, 0.001: 8 / 7.5, 9 / 8.2, 10 / 9.0; with the forcing min(0.5, ||g||) and
#: 0.1 (the defaults): 6 / 5.9.
GAUSS_NEWTON_UNTIL = 0.1
#: CG steps per Newton iteration when H is piecewise quadratic: a graph septuple whose rows all
#: have relu, leaky relu or linear f (:func:`~learning.bulk_minimum.primitives.kinked`).  There
#: the step is cut short by the activation pattern changing along it (f' jumps where a
#: pre-activation crosses 0), not by an inexact Newton system: on the ResNet-20-shaped network
#: of ``benchmarks/bench_graph_bulk.py`` at 3 x 16 x 16 (2 samples, gtol 1e-6; Newton
#: iterations per sample / CG steps of the batch) a cap of 500 gave 95, 173 / 7315, 40:
#: 104, 179 / 6127, 20: 120, 142 / 2752, 10: 290, 254 / 2879 (docs/bulk_minimum.md).
#: Layered networks and smooth activations keep the cap of 500 (their numbers are unchanged).
KINKED_MAX_CG = 20
#: With float32 Hessian products, the gradient at trial points of samples whose projected
#: gradient is above this (far from the minimum: it only steers the next step) is computed
#: with a float32 product too; below it, and for the stopping test, float64.
ROUGH_ABOVE = 1e-2


def cg_direction(problem: Problem, cache: Cache, grad: Array, free: NDArray[np.bool_],
                 max_steps: int, single: bool = False,
                 preconditioner: AnyChain | None = None) -> tuple[Array, int]:
    """Truncated (preconditioned) CG on :math:`H_{FF} p = -g_F` per sample (batched,
    :func:`truncated_cg`): stop at the residual ||r|| <= :func:`forcing` ||g|| or at negative
    curvature (then the direction so far, or -g at the first step).

    ``single``: Hessian-vector products in float32 (half the memory traffic and flops of
    the dominant cost).  The gradient, the line search and the stopping test stay float64.

    ``preconditioner``: M⁻¹ of :class:`ChainPreconditioner`, restricted to the free
    variables (Π M⁻¹ Π is positive definite on them, so PCG applies unchanged).
    """
    g = np.where(free, grad, 0.0)
    gnorm = np.sqrt(np.sum(g * g, axis=1))

    def apply(p, rows):
        sub = (cache[0][rows], cache[1][rows])
        hp = problem.hessian_vector(p.astype(np.float32) if single else p, sub)
        return np.where(free[rows], hp, 0.0), p

    def precondition(residual, rows):
        vec = residual.astype(np.float32) if single else residual
        return np.where(free[rows], preconditioner.apply(vec, cache[0][rows]), 0.0)

    p, first_negative, steps = truncated_cg(
        apply, -g, forcing(gnorm, single) * gnorm, max_steps,
        None if preconditioner is None else precondition)
    p[first_negative] = -g[first_negative]
    return p, steps


def chain_cg_direction(problem: Problem, cache: Cache, grad: Array, free: NDArray[np.bool_],
                       chain: AnyChain, max_steps: int, single: bool = False
                       ) -> tuple[Array, int]:
    """The Newton system of :func:`cg_direction` in the residual coordinates
    :math:`e = J_{FF} s_F`.

    With the variables A held at a bound (:math:`s_A = 0`), the free ones F and the rows R:
    :math:`H_{FF} = J_{FF}^T J_{FF} + W_{RF}^T C W_{RF}`, :math:`J_{FF} = I - D_F W_{FF}` (unit
    block lower triangular, as :math:`J_{hh}`), C = diag(f'² on the output rows and the held
    rows A) minus diag(r f'') (their rows of JᵀJ, and the Newton term).  So
    :math:`J_{FF}^{-T} H_{FF} J_{FF}^{-1} = I + J_{FF}^{-T} W_{RF}^T C W_{RF} J_{FF}^{-1}`, identity
    plus (near) low rank: CG on it (the iterates of CG preconditioned by
    :class:`ChainPreconditioner`) needs per step one forward pass (:math:`s = J_{FF}^{-1} e`,
    which yields :math:`W_{RF} s`) and one backward pass (:math:`J_{FF}^{-T} W_{RF}^T c`), as
    cheap as one unpreconditioned Hessian-vector product; the result accumulates s.
    :math:`J_{FF}` is :math:`J_{hh}` with f' zeroed on the held rows.  Without a local objective
    (3.3); the residual is measured in these coordinates, ||r̃|| <= :func:`forcing`
    :math:`‖J_{FF}^{-T} g_F‖`.

    Examples
    --------
    Near the minimum z̄ the Newton direction from z̄ + δ is -δ (to second order in δ);
    z̄ from the dense solver:

    >>> from learning import boundary_state, feedforward
    >>> from learning.bulk_minimum.network import couplings_of
    >>> from learning.bulk_minimum.options import validate
    >>> from learning.bulk_minimum.dense import dense_newton
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> opts = validate(net, xb, None)
    >>> c = couplings_of(net)
    >>> z_bar = dense_newton(Problem(net, opts.xb, None, c, dense=True),
    ...                      opts.start[:, net.hidden_indices], opts).z
    >>> problem = Problem(net, opts.xb, None, c, dense=False)
    >>> _, grad, cache = problem.evaluate_cached(z_bar + 1e-3, np.arange(1), True)
    >>> free = np.ones((1, 3), dtype=bool)  # no variable at a bound
    >>> step, _ = chain_cg_direction(problem, cache, grad, free, chain_of(c), 3)
    >>> bool(np.allclose(step, -1e-3, rtol=0.02))
    True
    """
    d_full, rf2 = cache
    held_rows = np.ones((len(grad), problem.rows.size), dtype=bool)  # outputs and held A
    held_rows[:, problem.hidden_in_rows] = ~free
    dtype = np.float32 if single else np.float64
    weight = (np.where(held_rows, d_full * d_full, 0.0) - rf2).astype(dtype, copy=False)
    d_rows = d_full.astype(dtype)  # a copy: f' is zeroed on the held rows (J_FF)
    d_rows[:, problem.hidden_in_rows] *= free  # type: ignore[misc]
    g = np.where(free, grad, 0.0)
    gnorm = np.sqrt(np.sum(g * g, axis=1))
    b = np.where(free, -chain.transpose_solve(g.astype(dtype), d_rows), 0.0)

    def apply(e, rows):
        s_k, q_k = chain.solve(e.astype(dtype), d_rows[rows])
        q_k *= weight[rows]
        back = chain.transpose_solve(None, d_rows[rows], rows=q_k)
        return e + np.where(free[rows], back, 0.0), s_k

    target = forcing(gnorm, single) * np.sqrt(np.sum(b * b, axis=1))
    step, first_negative, steps = truncated_cg(apply, b, target, max_steps)
    step[first_negative] = -g[first_negative]
    return step, steps


class _Iterate:
    """The per-sample arrays of the Newton-CG iteration: the point, H, ∇H and the cache (f',
    r f'') of its last evaluation, whether that evaluation was float64, and the progress."""

    def __init__(self, problem: Problem, z: Array, options: Options):
        n = z.shape[0]
        self.z = z
        self.loss, self.grad, (self.d, self.rf2) = evaluate_split(
            problem, z, np.arange(n), options.newton, np.zeros(n, bool))
        self.iterations = np.zeros(n, dtype=int)
        self.stalled = np.zeros(n, dtype=bool)
        self.precise = np.ones(n, dtype=bool)  # the last evaluation was float64
        self.gmax = np.max(np.abs(projected_gradient(z, self.grad, options.lo, options.hi)),
                           axis=1)

    def take(self, active: NDArray[np.intp], every: bool, moved: NDArray[np.bool_],
             new: tuple[Array, Array, Array, Cache]) -> None:
        """Store the moved rows of ``new`` = (z, H, ∇H, cache) of the active rows."""
        z_new, l_new, g_new, (d_new, rf2_new) = new
        if every and moved.all():  # the whole batch moved: take the new arrays as they are
            self.z, self.loss, self.grad, self.d, self.rf2 = z_new, l_new, g_new, d_new, rf2_new
            return
        good = active[moved]
        self.z[good], self.loss[good], self.grad[good] = z_new[moved], l_new[moved], g_new[moved]
        self.d[good], self.rf2[good] = d_new[moved], rf2_new[moved]


def _direction(problem: Problem, it: _Iterate, active: NDArray[np.intp], every: bool,
               near: NDArray[np.bool_], at_bound: NDArray[np.bool_], ga: Array,
               preconditioner: AnyChain | None, max_cg: int, single: bool) -> Array:
    """The Newton-CG direction of the active rows: Gauss-Newton where not ``near`` (the
    Newton term r f'' zeroed), through the chain coordinates when there is a chain and no
    local objective."""
    cache = ((it.d, it.rf2 * near[:, None]) if every
             else (it.d[active], it.rf2[active] * near[:, None]))
    if preconditioner is not None and problem.objective is None:
        return chain_cg_direction(problem, cache, ga, ~at_bound, preconditioner, max_cg,
                                  single=single)[0]
    return cg_direction(problem, cache, ga, ~at_bound, max_cg, single=single,
                        preconditioner=preconditioner)[0]


def cg_cap(problem: Problem, n_hidden: int) -> int:
    """CG steps per Newton iteration of (3.2) by default: :data:`KINKED_MAX_CG` for a graph
    septuple with a piecewise quadratic H (:func:`~learning.bulk_minimum.primitives.kinked`),
    else 500; never more than the hidden neurons.

    Examples
    --------
    >>> from learning import feedforward, boundary_state
    >>> from learning.bulk_minimum.operators import Couplings
    >>> net = feedforward((3, 30, 1), activation="relu", seed=0)
    >>> xb = boundary_state(net, np.full((1, 3), 0.5), np.array([[0.3]]))
    >>> cg_cap(Problem(net, xb, None, Couplings(net), dense=False), 30)  # layered: as before
    30
    """
    graph = isinstance(problem.couplings, GraphCouplings)
    return min(n_hidden, KINKED_MAX_CG if graph and kinked(problem.act) else 500)


def newton_cg(problem: Problem, z0: Array, options: Options) -> SolverRun:
    """Projected Newton-CG from ``z0``, batched over samples, (3.2): the matrix-free solver.

    Gauss-Newton (positive semi-definite: a descent direction far from the minimum, where the
    Newton term can make H indefinite) until a sample's gradient has fallen to
    :data:`GAUSS_NEWTON_UNTIL` of its start, then Newton (quadratic convergence); Hessian
    products in float32 from :data:`SINGLE_PRECISION_NNZ` couplings on.

    Examples
    --------
    The matrix-free solver finds the minimum of the dense one (a separate Newton iteration
    on the dense Hessian):

    >>> from learning import boundary_state, feedforward
    >>> from learning.bulk_minimum.network import couplings_of
    >>> from learning.bulk_minimum.options import validate
    >>> from learning.bulk_minimum.dense import dense_newton
    >>> net = feedforward((4, 6, 5, 2), seed=1)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> opts = validate(net, xb, None)
    >>> z0, c = opts.start[:, net.hidden_indices], couplings_of(net)
    >>> run = newton_cg(Problem(net, opts.xb, None, c, dense=False), z0, opts)
    >>> dense = dense_newton(Problem(net, opts.xb, None, c, dense=True), z0, opts)
    >>> bool(np.allclose(run.z, dense.z, atol=1e-8)), bool(run.loss[0] < run.start_loss[0])
    (True, True)
    """
    lo, hi, gtol = options.lo, options.hi, options.gtol
    n, n_hidden = z0.shape
    max_cg = options.max_cg or cg_cap(problem, n_hidden)
    single = problem.couplings.nnz >= SINGLE_PRECISION_NNZ
    preconditioner = chain_of(problem.couplings)
    it = _Iterate(problem, z0.copy(), options)
    start_loss = it.loss.copy()
    switch = GAUSS_NEWTON_UNTIL * it.gmax
    active = np.flatnonzero(it.gmax > gtol)
    bar = Progress(n, active.size, options.progress, "bulk minimum (3.2), Newton-CG")
    for _ in range(options.max_iter):
        if active.size == 0:
            break
        every = active.size == n  # then no gathering copies of the (n, |R|) arrays
        za, la, ga = ((it.z, it.loss, it.grad) if every
                      else (it.z[active], it.loss[active], it.grad[active]))
        at_bound, to_bound = active_set(za, ga, lo, hi)
        p = _direction(problem, it, active, every, it.gmax[active] <= switch[active], at_bound,
                       ga, preconditioner, max_cg, single)
        it.iterations[active] += 1
        rough = (it.gmax[active] > ROUGH_ABOVE if single and problem.objective is None
                 else np.zeros(active.size, bool))
        moved, z_new, l_new, g_new, cache = backtrack(
            problem, za, la, ga, p + to_bound, active, options.newton, lo, hi, rough)
        it.take(active, every, moved, (z_new, l_new, g_new, cache))
        it.precise[active[moved]] = ~rough[moved]
        it.stalled[active[~moved]] = True
        # z_new, g_new: the active rows after this iteration (moved or not), as z[active].
        check_runaway(z_new)
        pgrad = projected_gradient(z_new, g_new, lo, hi)
        it.gmax[active] = np.max(np.abs(pgrad), axis=1)
        # Only a float64 gradient can certify gtol.
        done = (stopped(pgrad, gtol, it.stalled[active])
                & (it.precise[active] | it.stalled[active]))
        bar.update(int(done.sum()), it.gmax[active[~done]])
        active = active[~done]
    bar.close()
    return SolverRun(it.z, it.loss, it.grad, it.iterations, it.stalled, start_loss)


def backtrack(problem: Problem, za: Array, la: Array, ga: Array, step: Array,
              rows: NDArray[np.intp], newton: bool, lo: Bound, hi: Bound,
              rough: NDArray[np.bool_]
              ) -> tuple[NDArray[np.bool_], Array, Array, Array, Cache]:
    """Projected backtracking (Armijo on the projected path, with the round-off slack of
    :func:`accept` near the minimum): halve each sample's step until H does not rise.

    Each trial evaluates H, ∇H and f' together: the full step is usually accepted, and then
    the next iteration needs no evaluation of its own.  Returns ``(moved, z, H, ∇H, (f', r
    f''))`` for the rows; where not ``moved`` (no step lowered H: stalled) only ``z`` is
    meaningful (the old point).
    """
    m = len(rows)
    moved = np.zeros(m, dtype=bool)
    out = None
    todo = np.arange(m)
    scale = np.ones(m)
    for _attempt in range(40):
        if todo.size == 0:
            break
        z_new = np.clip(za[todo] + scale[todo, None] * step[todo], lo, hi)
        new_loss, new_grad, (d, rf2) = evaluate_split(problem, z_new, rows[todo], newton,
                                                        rough[todo])
        decrease = np.sum(ga[todo] * (z_new - za[todo]), axis=1)
        armijo = new_loss <= la[todo] + 1e-4 * np.minimum(decrease, 0.0)
        ok = accept(la[todo], new_loss, decrease < 0) & (armijo | (scale[todo] == 1.0))
        if out is None and ok.all():  # every row at the first trial: no copies
            return np.ones(m, dtype=bool), z_new, new_loss, new_grad, (d, rf2)
        if out is None:
            out = [za.copy(), la.copy(), ga.copy(), np.empty((m, d.shape[1])),
                   np.empty((m, d.shape[1]))]
        for array, value in zip(out, (z_new, new_loss, new_grad, d, rf2), strict=True):
            array[todo[ok]] = value[ok]
        moved[todo[ok]] = True
        todo = todo[~ok]
        scale[todo] *= 0.5
    assert out is not None
    return moved, out[0], out[1], out[2], (out[3], out[4])


