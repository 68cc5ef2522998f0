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


#: Free hidden neurons up to which the curvature check assembles the Hessian (m products) and
#: takes its eigenvalues densely: exact, and ARPACK's smallest-eigenvalue iteration did not
#: converge on a 2 x 4 x 4 graph in CI (321 iterations, 0 of 1 eigenvalues).
DENSE_CURVATURE_MAX = 400


def _lowest_curvature(hv, m: int) -> tuple[float, float]:
    """The smallest eigenvalue of the m x m Hessian whose products are ``hv`` and a scale for
    it (its largest magnitude, at least 1): dense up to :data:`DENSE_CURVATURE_MAX`, ARPACK
    above, retried with a wider Krylov space before giving up with a clear error."""
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    if m <= DENSE_CURVATURE_MAX:
        dense_h = np.column_stack([hv(e) for e in np.eye(m)])
        dense_h = 0.5 * (dense_h + dense_h.T)
        return float(np.linalg.eigvalsh(dense_h)[0]), max(1.0, float(np.abs(dense_h).max()))
    op = LinearOperator((m, m), matvec=hv, dtype=float)
    scale = max(1.0, abs(eigsh(op, k=1, which="LM", tol=1e-3, return_eigenvectors=False)[0]))
    for ncv, maxiter in ((None, None), (min(m - 1, 64), 50 * m)):
        try:
            return float(eigsh(op, k=1, which="SA", tol=1e-8, ncv=ncv, maxiter=maxiter,
                               return_eigenvectors=False)[0]), scale
        except ArpackNoConvergence:
            continue
    raise RuntimeError(f"the check for negative curvature (is H bounded below?) did not converge "
                       f"on {m} free hidden neurons; no minimum is reported unchecked")


def check_bounded_below(problem: Problem, z: Array, newton: bool, lo: Bound,
                        hi: Bound) -> None:
    """With an unbounded side of the box, negative curvature in a free direction means H is
    unbounded below (or the iteration stopped on a saddle): either way there is no minimum."""
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
            lowest, scale = _lowest_curvature(hv, m)
        if lowest < -1e-10 * scale:
            raise ValueError("the bulk loss is unbounded below over the hidden neurons: it has "
                             "negative curvature along a direction the activation's range does "
                             "not bound (m too large for an unbounded activation?)")
