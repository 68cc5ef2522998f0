"""Is there a minimum at all?  With an unbounded side of the box (linear or relu layers) and
a local objective (3.3), H can be unbounded below over the hidden neurons; a stopping point
with negative curvature along a free direction is then refused, (3.2)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from learning.bulk_minimum.primitives import Bound
from learning.bulk_minimum.problem import Problem

Array = NDArray[np.float64]


def gauss_newton_is_exact(problem: Problem, z: Array, idx: NDArray[np.intp]) -> bool:
    """True when the Hessian of H at ``z`` is JᵀJ, positive semi-definite by construction.

    Without a local objective (3.3), :math:`H = ½ |x - f(w x + b)|^2` (3.1) has the Hessian JᵀJ - Wᵀ
    diag(r f'') W; where r f'' vanishes on every row (relu and linear layers, f'' = 0) only JᵀJ is
    left, so there is no negative curvature to search for.  (With the search, a
    784-4096-4096-4096-10 relu network spent ~450 s of its 520 s solve in ``eigsh``.)

    Examples
    --------
    The answer against the dense Hessians with and without the Newton term: equal for relu,
    different for tanh.

    >>> from learning import boundary_state, feedforward
    >>> from learning.bulk_minimum.network import couplings_of
    >>> for f in ("relu", "tanh"):
    ...     net = feedforward((4, 3, 2), activation=f, seed=0)
    ...     xb = boundary_state(net, np.full((1, 4), 0.5), np.array([[0.8, 0.1]]))
    ...     problem = Problem(net, xb, None, couplings_of(net), dense=True)
    ...     z, one = np.full((1, 3), 0.3), np.arange(1)
    ...     newton, gauss = (problem.evaluate(z, one, n)[2] for n in (True, False))
    ...     exact = gauss_newton_is_exact(problem, z, one)
    ...     print(f, exact, bool(np.allclose(newton, gauss)))
    relu True True
    tanh False False
    """
    if problem.objective is not None or problem.act.second_derivative is None:
        return False
    _, _, cache = problem.evaluate_cached(z, idx, True)
    assert cache is not None
    return not np.any(cache[1])


def check_bounded_below(problem: Problem, z: Array, newton: bool, lo: Bound,
                        hi: Bound) -> None:
    """With an unbounded side of the box, negative curvature in a free direction means H is
    unbounded below (or the iteration stopped on a saddle): either way there is no minimum."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    n_check = min(z.shape[0], 256 if problem.dense else 8)  # the curvature of (3.4) is shared
    idx = np.arange(n_check)
    if gauss_newton_is_exact(problem, z[idx], idx):
        return
    if problem.dense:
        _, grad, hess = problem.evaluate(z[idx], idx, newton)
        assert hess is not None
    else:
        _, grad, cache = problem.evaluate_cached(z[idx], idx, newton)
    free = ~(((z[idx] <= lo) & (grad > 0)) | ((z[idx] >= hi) & (grad < 0)))
    for k in range(n_check):
        if problem.dense:
            sub = hess[k][np.ix_(free[k], free[k])]
            lowest = np.linalg.eigvalsh(sub)[0] if sub.size else 0.0
            scale = max(1.0, np.abs(sub).max()) if sub.size else 1.0
        else:
            one = (cache[0][k:k + 1], cache[1][k:k + 1])  # type: ignore[index]
            mask = free[k]

            def hv(v, one=one, mask=mask):
                full = np.zeros((1, z.shape[1]))
                full[0, mask] = np.ravel(v)
                return problem.hessian_vector(full, one)[0, mask]

            m = int(mask.sum())
            if m == 0:
                continue
            op = LinearOperator((m, m), matvec=hv, dtype=float)
            if m < 3:
                dense_h = np.column_stack([hv(e) for e in np.eye(m)])
                lowest, scale = np.linalg.eigvalsh(dense_h)[0], max(1.0, np.abs(dense_h).max())
            else:
                lowest = eigsh(op, k=1, which="SA", tol=1e-8, return_eigenvectors=False)[0]
                scale = max(1.0, abs(eigsh(op, k=1, which="LM", tol=1e-3,
                                           return_eigenvectors=False)[0]))
        if lowest < -1e-10 * scale:
            raise ValueError("the bulk loss is unbounded below over the hidden neurons: it has "
                             "negative curvature along a direction the activation's range does "
                             "not bound (m too large for an unbounded activation?)")
