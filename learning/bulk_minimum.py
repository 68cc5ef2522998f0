"""The constrained bulk minimum of eq. (3.2), batched over samples.

    H(x̄, b, w) = min_{(P_in + P_out) x = x_∂} H(x, b, w)                      (3.2)

with H the bulk loss (3.1), optionally with the local objective (3.3)-(3.4).  The
boundary neurons are clamped to the data, the hidden neurons are the variables, and
they stay inside the range of the activation (the paper notes that the tachyonic term
-m x²/2 of (3.3) does not run away because x is bounded by the range of f; for an open
range such as tanh's (-1, 1) the box is closed a distance ``margin`` inside it).

Method
------
Per sample, a bound-constrained Newton / Levenberg-Marquardt iteration on the n_h
hidden variables, vectorised over samples.  Only the non-input neurons carry residuals
that depend on the hidden state, so with R the non-input rows and h the hidden columns
the work per iteration is that of ``(n, |h|, |R|) @ (n, |R|, |h|)`` batched products
(60 x 70 for the paper's 784-40-20-10 network); the inputs' contribution to the
pre-activations is computed once.  Exact Newton steps use f'' when the activation has
it; Gauss-Newton steps otherwise.  Variables at an active bound are held fixed
(projected Newton); a step is accepted only if it lowers H, with the damping adapted
per sample.  The start is the forward-pass state with the outputs clamped, so the
result never exceeds H there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from learning.activations import Activation
from learning.feedforward import forward_state
from learning.losses import LocalObjective, bulk_loss
from learning.septuple import Septuple, _check_states, fixed_point

__all__ = ["BulkMinimumResult", "constrained_bulk_minimum", "bulk_minimum_start"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BulkMinimumResult:
    """Result of :func:`constrained_bulk_minimum`: the minimisers x̄ of (3.2) with diagnostics.

    Attributes
    ----------
    state
        x̄, shape ``(n, N)``; boundary components equal the data.
    loss
        H(x̄) per sample, shape ``(n,)``.
    converged
        Per sample: projected gradient below ``gtol``.
    iterations
        Newton iterations per sample.
    gradient_norm
        Max-norm of the projected gradient of H over the hidden neurons, per sample.
    start_loss
        H at the starting state, per sample (the result is never above it).
    method
        ``"newton"`` or ``"gauss-newton"``.
    """

    state: Array
    loss: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int_]
    gradient_norm: Array
    start_loss: Array
    method: str

    @property
    def mean_loss(self) -> float:
        """U = <H(x̄)> over the samples, the ensemble-averaged bulk loss of (4.1)."""
        return float(np.mean(self.loss))

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))


def bulk_minimum_start(septuple: Septuple, x_boundary: ArrayLike) -> Array:
    """The forward-pass fixed point (2.9) with the outputs clamped to the data: the default
    starting point of (3.2), at which the bulk loss equals the boundary loss (2.11)."""
    xb = _check_states(septuple, x_boundary, "x_boundary")
    xb2 = np.atleast_2d(xb)
    if septuple.layer_sizes is not None:
        # The layered pass gives the same fixed point (2.9) with dense per-layer products.
        x = forward_state(septuple, xb2[:, septuple.input_indices])
    else:
        x = fixed_point(septuple, xb2, tol=1e-13).state
    x[:, septuple.output_indices] = xb2[:, septuple.output_indices]
    return x


def _box(act: Activation, margin: float) -> tuple[float, float]:
    lo, hi = act.lower, act.upper
    width = hi - lo if np.isfinite(hi - lo) else 1.0
    if np.isfinite(lo) and not act.lower_closed:
        lo = lo + margin * width
    if np.isfinite(hi) and not act.upper_closed:
        hi = hi - margin * width
    return lo, hi


class _Problem:
    """Loss, gradient and Hessian of (3.4) in the hidden variables, for a batch of samples."""

    def __init__(self, septuple: Septuple, xb: Array, objective: LocalObjective | None):
        self.septuple = septuple
        self.act: Activation = septuple.activation  # type: ignore[assignment]
        self.xb = xb
        n_neurons = septuple.n_neurons
        not_input = np.ones(n_neurons, dtype=bool)
        not_input[septuple.input_indices] = False
        self.rows = np.flatnonzero(not_input)  # R: neurons whose residual depends on x
        self.hidden = np.asarray(septuple.hidden_indices)
        w = septuple.weights
        self.w_rh = np.ascontiguousarray(w[np.ix_(self.rows, self.hidden)])  # (|R|, |h|)
        # Position of each hidden neuron within R (hidden ⊂ R).
        self.hidden_in_rows = np.searchsorted(self.rows, self.hidden)
        # The Hessian J^T J (+ Newton term) in the hidden variables, J = E - D W_Rh, is
        #   H[a, b] = sum_j c_j W[j, a] W[j, b] - d_a' W[a', b] - d_b' W[b', a] + delta_ab,
        # (a' = the row of hidden neuron a in R, c = f'^2 - r f'', d = f'), i.e. linear in the
        # per-sample vectors (c on the rows of W_Rh that are non-zero, d on hidden rows).
        # So all samples' Hessians are ONE matrix product [c, d] @ K: no per-sample loops.
        n_h = self.hidden.size
        self.coupled_rows = np.flatnonzero(np.any(self.w_rh != 0, axis=1))
        w_c = self.w_rh[self.coupled_rows]
        k_c = np.einsum("ja,jb->jab", w_c, w_c).reshape(len(self.coupled_rows), n_h * n_h)
        w_h = self.w_rh[self.hidden_in_rows]  # (n_h, n_h): row of hidden neuron a' in R
        k_d = np.zeros((n_h, n_h, n_h))
        ar = np.arange(n_h)
        k_d[ar, ar, :] -= w_h  # -d_a' W[a', b] at (a = a', b)
        k_d[ar, :, ar] -= w_h  # -d_b' W[b', a] at (a, b = b')
        self.hessian_map = np.ascontiguousarray(
            np.concatenate([k_c, k_d.reshape(n_h, n_h * n_h)], axis=0))
        self.diagonal_flat = ar * n_h + ar
        boundary = np.asarray(septuple.boundary_indices)
        # Pre-activation of R from the clamped boundary neurons plus bias: fixed per sample.
        self.y_const = xb[:, boundary] @ w[np.ix_(self.rows, boundary)].T + septuple.bias[self.rows]
        self.x_rows_const = xb[:, self.rows]  # boundary part of x on R (outputs)
        self.objective = objective
        if objective is not None:
            objective.check_size(n_neurons)
            self.g_sym = objective.symmetric_couplings
        else:
            self.g_sym = None
        self.m = 0.0 if objective is None else objective.m

    def full_state(self, z: Array, idx: NDArray[np.intp]) -> Array:
        x = self.xb[idx].copy()
        x[:, self.hidden] = z
        return x

    def evaluate(self, z: Array, idx: NDArray[np.intp], newton: bool,
                 hessian: bool = True) -> tuple[Array, Array, Array | None]:
        """H, ∇_z H and ∇²_z H for samples ``idx`` at hidden states ``z``."""
        y = self.y_const[idx] + z @ self.w_rh.T
        x_rows = self.x_rows_const[idx].copy()
        x_rows[:, self.hidden_in_rows] = z
        fy = self.act(y)
        r = x_rows - fy
        loss = 0.5 * np.sum(r * r, axis=1)
        d = self.act.derivative(y)
        grad = r[:, self.hidden_in_rows] - (d * r) @ self.w_rh
        x_full = None
        if self.objective is not None:
            x_full = self.full_state(z, idx)
            loss = loss - 0.5 * self.m * np.sum(x_full * x_full, axis=1)
            grad = grad - self.m * z
            if self.g_sym is not None:
                loss = loss + np.einsum("ni,ij,nj->n", x_full, self.g_sym, x_full)
                grad = grad + 2.0 * x_full @ self.g_sym[:, self.hidden]
        if not hessian:
            return loss, grad, None
        curvature = d * d
        if newton:
            curvature = curvature - r * self.act.second_derivative(y)  # type: ignore[misc]
        n_h = z.shape[1]
        coefficients = np.concatenate(
            [curvature[:, self.coupled_rows], d[:, self.hidden_in_rows]], axis=1)
        flat = coefficients @ self.hessian_map
        flat[:, self.diagonal_flat] += 1.0 - self.m
        hess = flat.reshape(z.shape[0], n_h, n_h)
        if self.g_sym is not None:
            hess += 2.0 * self.g_sym[np.ix_(self.hidden, self.hidden)][None]
        return loss, grad, hess


def constrained_bulk_minimum(
    septuple: Septuple,
    x_boundary: ArrayLike,
    *,
    objective: LocalObjective | None = None,
    x0: ArrayLike | None = None,
    method: str = "newton",
    gtol: float = 1e-10,
    max_iter: int = 100,
    margin: float = 1e-9,
    progress: bool = False,
) -> BulkMinimumResult:
    """Minimise the bulk loss (3.1)/(3.4) over the hidden neurons with the boundary clamped, (3.2).

    Parameters
    ----------
    septuple
        The network (any septuple; layered ones are not required).
    x_boundary
        Boundary data x_∂, shape ``(N,)`` or ``(n, N)``, e.g. from
        :func:`learning.septuple.boundary_state`.  Supervised: inputs and outputs;
        unsupervised: a septuple without outputs; auto-encoder: outputs = inputs.
    objective
        Local objective of (3.3)-(3.4): tachyonic m and couplings g^{ij}.
    x0
        Starting states ``(n, N)`` (hidden components used); default
        :func:`bulk_minimum_start`.
    method
        ``"newton"`` (exact Hessian, needs ``activation.second_derivative``) or
        ``"gauss-newton"``; both are damped (Levenberg-Marquardt) and bound-projected.
    gtol
        Convergence: max-norm of the projected gradient of H over hidden neurons.
    max_iter
        Iteration cap per sample.
    margin
        The box for an open activation range is closed ``margin * width`` inside it.
    progress
        Show a tqdm bar over iterations.

    Returns
    -------
    BulkMinimumResult

    Raises
    ------
    ValueError
        On bad shapes, non-finite data, data outside the activation's range, an unknown
        method, or a bulk loss unbounded below (m too large for an unbounded activation).

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward, boundary_state
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> res = constrained_bulk_minimum(net, xb)
    >>> bool(res.all_converged), bool(res.loss[0] <= res.start_loss[0])
    (True, True)
    """
    act: Activation = septuple.activation  # type: ignore[assignment]
    xb = np.atleast_2d(_check_states(septuple, x_boundary, "x_boundary"))
    act.check_in_range(xb[:, septuple.input_indices], "x_boundary (inputs)", closure=True)
    act.check_in_range(xb[:, septuple.output_indices], "x_boundary (outputs)")
    if method not in ("newton", "gauss-newton"):
        raise ValueError(f"method must be 'newton' or 'gauss-newton', got {method!r}")
    newton = method == "newton"
    if newton and act.second_derivative is None:
        raise ValueError(f"method='newton' needs the second derivative of activation "
                         f"{act.name!r}; use method='gauss-newton'")
    for name, value in (("gtol", gtol), ("margin", margin)):
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be finite and > 0, got {value}")
    if margin >= 0.25:
        raise ValueError(f"margin must be < 0.25 of the range width, got {margin}")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    lo, hi = _box(act, margin)
    n = xb.shape[0]
    if x0 is None:
        start = bulk_minimum_start(septuple, xb)
    else:
        start = np.atleast_2d(_check_states(septuple, x0, "x0"))
        if start.shape != xb.shape:
            raise ValueError(f"x0 must have the shape of x_boundary {xb.shape}, got {start.shape}")
    problem = _Problem(septuple, xb, objective)
    n_hidden = problem.hidden.size
    state = xb.copy()
    if n_hidden == 0:
        loss = bulk_loss(septuple, state, xb, objective)
        return BulkMinimumResult(state, loss, np.ones(n, bool), np.zeros(n, int),
                                 np.zeros(n), loss.copy(), method)
    z = np.clip(start[:, problem.hidden], lo, hi)
    all_idx = np.arange(n)
    loss, grad, _ = problem.evaluate(z, all_idx, newton, hessian=False)
    start_loss = loss.copy()
    damping = np.full(n, 1e-6)
    iterations = np.zeros(n, dtype=int)
    pgrad = _projected_gradient(z, grad, lo, hi)
    active = np.flatnonzero(np.max(np.abs(pgrad), axis=1) > gtol)
    bar = tqdm(total=max_iter, disable=not progress, desc="bulk minimum (3.2)", leave=False)
    for _ in range(int(max_iter)):
        if active.size == 0:
            break
        bar.update(1)
        za = z[active]
        la, ga, ha = problem.evaluate(za, active, newton)
        # Bertsekas' ε-active set: variables within ε of a bound with the gradient pushing
        # outward are held fixed; plain clipping of Newton steps can stall next to a bound.
        eps = np.minimum(1e-6, np.max(np.abs(_projected_gradient(za, ga, lo, hi)), axis=1))
        at_bound = (((za <= lo + eps[:, None]) & (ga > 0))
                    | ((za >= hi - eps[:, None]) & (ga < 0)))
        idx_d = np.arange(n_hidden)
        # ε-active variables step onto their bound (a descent direction: the gradient
        # pushes outward); the Newton system is solved for the free ones.
        to_bound = np.where(at_bound, np.where(ga > 0, lo, hi) - za, 0.0)
        if at_bound.any():
            ga = np.where(at_bound, 0.0, ga)
            # Fixed variables get an identity row/column and zero gradient.
            ha = np.where(at_bound[:, :, None] | at_bound[:, None, :], 0.0, ha)
            ha[:, idx_d, idx_d] = np.where(at_bound, 1.0, ha[:, idx_d, idx_d])
        iterations[active] += 1
        accepted = np.zeros(active.size, dtype=bool)
        # Up to a few damping increases per outer iteration for samples whose step fails.
        todo = np.arange(active.size)
        for _attempt in range(8):
            if todo.size == 0:
                break
            lam = damping[active[todo]]
            system = ha[todo]  # a fancy-indexed copy: safe to modify
            diagonal = system[:, idx_d, idx_d]
            # Marquardt scaling, floored so that an exactly flat direction is still damped.
            system[:, idx_d, idx_d] = diagonal + lam[:, None] * np.maximum(np.abs(diagonal), 1e-3)
            try:
                step = -np.linalg.solve(system, ga[todo][:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                # An indefinite damped system can still be exactly singular: minimum-norm step.
                step = -(np.linalg.pinv(system) @ ga[todo][:, :, None])[:, :, 0]
            descent = np.sum(step * ga[todo], axis=1) < 0
            moved = to_bound[todo]
            descent |= np.any(moved != 0, axis=1)
            step = step + moved
            z_new = np.clip(za[todo] + step, lo, hi)
            new_loss, new_grad, _ = problem.evaluate(z_new, active[todo], newton, hessian=False)
            # Near the minimum the true decrease (~ g^2 / curvature) falls below the round-off
            # of H itself; accept steps that do not raise H beyond a few ulps, or good Newton
            # steps would be rejected and the damping would blow up before gtol is reached.
            slack = 8.0 * np.finfo(float).eps * np.maximum(np.abs(la[todo]), 1.0)
            ok = descent & np.isfinite(new_loss) & (new_loss <= la[todo] + slack)
            good = todo[ok]
            z[active[good]] = z_new[ok]
            loss[active[good]] = new_loss[ok]
            grad[active[good]] = new_grad[ok]
            damping[active[good]] = np.maximum(damping[active[good]] / 10.0, 1e-12)
            accepted[good] = True
            bad = todo[~ok]
            damping[active[bad]] *= 10.0
            todo = bad[damping[active[bad]] < 1e12]
        if not np.all(np.isfinite(z)) or np.max(np.abs(z)) > 1e12:
            raise ValueError("the bulk loss appears unbounded below over the hidden neurons "
                             "(m too large for an unbounded activation?)")
        pgrad = _projected_gradient(z, grad, lo, hi)
        small = np.max(np.abs(pgrad[active]), axis=1) <= gtol
        stalled = damping[active] >= 1e12
        active = active[~small & ~stalled]
    bar.close()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        _check_bounded_below(problem, z, newton, lo, hi)
    pgrad = _projected_gradient(z, grad, lo, hi)
    gnorm = np.max(np.abs(pgrad), axis=1)
    state[:, problem.hidden] = z
    # Report H through the public loss function: one definition of (3.4) for all callers.
    final_loss = bulk_loss(septuple, state, xb, objective)
    return BulkMinimumResult(state=state, loss=final_loss, converged=gnorm <= gtol,
                             iterations=iterations, gradient_norm=gnorm,
                             start_loss=start_loss, method=method)


def _check_bounded_below(problem: _Problem, z: Array, newton: bool, lo: float,
                         hi: float) -> None:
    """With an unbounded side of the box, negative curvature in a free direction means H is
    unbounded below (or the iteration stopped on a saddle): either way there is no minimum."""
    n_check = min(z.shape[0], 256)  # a sample suffices: the curvature of (3.4) is shared
    idx = np.arange(n_check)
    _, grad, hess = problem.evaluate(z[idx], idx, newton)
    assert hess is not None
    free = ~(((z[idx] <= lo) & (grad > 0)) | ((z[idx] >= hi) & (grad < 0)))
    for k in range(n_check):
        sub = hess[k][np.ix_(free[k], free[k])]
        if sub.size and np.linalg.eigvalsh(sub)[0] < -1e-10 * max(1.0, np.abs(sub).max()):
            raise ValueError("the bulk loss is unbounded below over the hidden neurons: it has "
                             "negative curvature along a direction the activation's range does "
                             "not bound (m too large for an unbounded activation?)")


def _projected_gradient(z: Array, grad: Array, lo: float, hi: float) -> Array:
    """Gradient with components pushing out of the box at active bounds removed."""
    blocked = ((z <= lo) & (grad > 0)) | ((z >= hi) & (grad < 0))
    return np.where(blocked, 0.0, grad)
