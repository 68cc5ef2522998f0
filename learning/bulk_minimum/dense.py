"""The dense solver of (3.2): per sample a bound-constrained Newton / Levenberg-Marquardt
iteration on the n_h hidden variables, vectorised over samples (all samples' Hessians are
one matrix product, :meth:`~learning.bulk_minimum.problem.Problem.evaluate`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from learning.bulk_minimum.options import Options
from learning.bulk_minimum.primitives import (
    Progress,
    accept,
    active_set,
    check_runaway,
    damped_newton_step,
    projected_gradient,
    stopped,
)
from learning.bulk_minimum.problem import Problem
from learning.bulk_minimum.result import SolverRun

Array = NDArray[np.float64]

#: Largest Levenberg-Marquardt damping: a sample whose step fails there has stalled.
MAX_DAMPING = 1e12


def _held_fixed(ga: Array, ha: Array, at_bound: NDArray[np.bool_]) -> tuple[Array, Array]:
    """Gradient and Hessians with the variables held at a bound given an identity row/column
    and zero gradient."""
    idx_d = np.arange(ga.shape[1])
    ga = np.where(at_bound, 0.0, ga)
    ha = np.where(at_bound[:, :, None] | at_bound[:, None, :], 0.0, ha)
    ha[:, idx_d, idx_d] = np.where(at_bound, 1.0, ha[:, idx_d, idx_d])
    return ga, ha


class _State:
    """The per-sample arrays the dense iteration updates in place."""

    def __init__(self, problem: Problem, z: Array, options: Options):
        n = z.shape[0]
        self.z = z
        self.loss, self.grad, _ = problem.evaluate(z, np.arange(n), options.newton,
                                                   hessian=False)
        self.damping = np.full(n, 1e-6)
        self.iterations = np.zeros(n, dtype=int)


def _damped_steps(problem: Problem, s: _State, active: NDArray[np.intp], za: Array, la: Array,
                  ga: Array, ha: Array, to_bound: Array, options: Options) -> None:
    """Up to a few damping increases per outer iteration for samples whose step fails."""
    todo = np.arange(active.size)
    for _attempt in range(8):
        if todo.size == 0:
            break
        step = damped_newton_step(ha[todo], ga[todo], s.damping[active[todo]])
        moved = to_bound[todo]
        descent = (np.sum(step * ga[todo], axis=1) < 0) | np.any(moved != 0, axis=1)
        z_new = np.clip(za[todo] + (step + moved), options.lo, options.hi)
        new_loss, new_grad, _ = problem.evaluate(z_new, active[todo], options.newton,
                                                 hessian=False)
        ok = accept(la[todo], new_loss, descent)
        good = active[todo[ok]]
        s.z[good], s.loss[good], s.grad[good] = z_new[ok], new_loss[ok], new_grad[ok]
        s.damping[good] = np.maximum(s.damping[good] / 10.0, 1e-12)
        bad = todo[~ok]
        s.damping[active[bad]] *= 10.0
        todo = bad[s.damping[active[bad]] < MAX_DAMPING]


def dense_newton(problem: Problem, z0: Array, options: Options) -> SolverRun:
    """Damped Newton (Levenberg-Marquardt) with Bertsekas' active set from ``z0``, (3.2): the
    dense solver, one n_h x n_h system per sample and iteration.

    Examples
    --------
    The minimum agrees with SciPy's L-BFGS-B on H (3.1) over the hidden neurons, in the
    same box:

    >>> from scipy.optimize import minimize
    >>> from learning import boundary_state, feedforward
    >>> from learning.bulk_minimum.network import couplings_of, loss_of
    >>> from learning.bulk_minimum.options import validate
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> opts, h = validate(net, xb, None), net.hidden_indices
    >>> run = dense_newton(Problem(net, opts.xb, None, couplings_of(net), dense=True),
    ...                    opts.start[:, h], opts)
    >>> def loss(z):
    ...     x = opts.xb.copy()
    ...     x[0, h] = z
    ...     return loss_of(net, x, opts.xb, None)[0]
    >>> ref = minimize(loss, opts.start[0, h], method="L-BFGS-B", bounds=[(-1, 1)] * 3,
    ...                options={"ftol": 1e-15, "gtol": 1e-12})
    >>> bool(np.allclose(run.z[0], ref.x, atol=1e-6))
    True
    >>> bool(np.isclose(run.loss[0], ref.fun))
    True
    """
    lo, hi, gtol = options.lo, options.hi, options.gtol
    s = _State(problem, z0.copy(), options)
    n = s.z.shape[0]
    start_loss = s.loss.copy()
    active = np.flatnonzero(~stopped(projected_gradient(s.z, s.grad, lo, hi), gtol,
                                     np.zeros(n, bool)))
    bar = Progress(n, active.size, options.progress, "bulk minimum (3.2)")
    for _ in range(options.max_iter):
        if active.size == 0:
            break
        za = s.z[active]
        la, ga, ha = problem.evaluate(za, active, options.newton)
        assert ha is not None
        at_bound, to_bound = active_set(za, ga, lo, hi)
        if at_bound.any():
            ga, ha = _held_fixed(ga, ha, at_bound)
        s.iterations[active] += 1
        _damped_steps(problem, s, active, za, la, ga, ha, to_bound, options)
        check_runaway(s.z)
        pgrad = projected_gradient(s.z[active], s.grad[active], lo, hi)
        done = stopped(pgrad, gtol, s.damping[active] >= MAX_DAMPING)
        bar.update(int(done.sum()), np.max(np.abs(pgrad[~done]), axis=1, initial=0.0))
        active = active[~done]
    bar.close()
    return SolverRun(s.z, s.loss, s.grad, s.iterations, s.damping >= MAX_DAMPING, start_loss)
