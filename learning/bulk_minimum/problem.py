"""The loss of (3.1)/(3.4) in the hidden variables for a batch of samples: H, ∇H, the dense
Hessian (dense solver) and Hessian-vector products (matrix-free solver), (3.2)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from learning.bulk_minimum.network import AnyCouplings, Network, activation_on
from learning.bulk_minimum.primitives import as_run
from learning.losses import LocalObjective

Array = NDArray[np.float64]
#: (f' on R, r f'' on R) at an evaluated point: what Hessian-vector products need.
Cache = tuple[Array, Array]


class Problem:
    """Loss, gradient, Hessian (dense) and Hessian-vector products (matrix-free) of (3.4)
    in the hidden variables, for a batch of samples (the rows of ``xb``).

    Examples
    --------
    >>> from learning import feedforward, boundary_state
    >>> net = feedforward((3, 2, 1), seed=0)
    >>> xb = boundary_state(net, np.full((1, 3), 0.5), np.array([[0.3]]))
    >>> from learning.bulk_minimum.operators import Couplings
    >>> problem = Problem(net, xb, None, Couplings(net), dense=True)
    >>> loss, grad, hess = problem.evaluate(np.zeros((1, 2)), np.arange(1), newton=True)
    >>> loss.shape, grad.shape, hess.shape
    ((1,), (1, 2), (1, 2, 2))
    """

    def __init__(self, septuple: Network, xb: Array, objective: LocalObjective | None,
                 couplings: AnyCouplings, dense: bool):
        self.septuple = septuple
        self.xb = xb
        self.couplings = couplings
        self.rows, self.hidden = couplings.rows, couplings.hidden
        # f of the rows R (one f per neuron (2.6); the septuple's f when it is uniform).
        self.act = activation_on(septuple, self.rows)
        # Position of each hidden neuron within R (hidden ⊂ R): a slice when they are one run
        # (layered networks), so that the (samples x |R|) arrays are sliced, not gathered.
        self.hidden_in_rows = as_run(np.searchsorted(self.rows, self.hidden))
        self.other_rows = np.setdiff1d(np.arange(self.rows.size),
                                       np.arange(self.rows.size)[self.hidden_in_rows])
        boundary = couplings.boundary
        self.dense = dense
        if dense:
            self.w_rh, w_rb = couplings.dense()
            # Pre-activation of R from the clamped boundary neurons plus bias: fixed per sample.
            self.y_const = xb[:, boundary] @ w_rb.T + couplings.bias_rows
            self._build_hessian_map()
        else:
            self.y_const = couplings.boundary_to_rows(xb[:, boundary])
        # x on the rows of R that are not hidden (the clamped outputs).
        self.x_other = xb[:, self.rows[self.other_rows]]
        self.objective = objective
        if objective is not None:
            objective.check_size(septuple.n_neurons)
            self.g_sym = objective.symmetric_couplings
        else:
            self.g_sym = None
        self.m = 0.0 if objective is None else objective.m

    def _build_hessian_map(self) -> None:
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

    def full_state(self, z: Array, idx: NDArray[np.intp]) -> Array:
        x = self.xb[idx].copy()
        x[:, self.hidden] = z
        return x

    def _to_rows(self, z: Array) -> NDArray[np.floating]:
        return z @ self.w_rh.T if self.dense else self.couplings.hidden_to_rows(z)

    def _to_hidden(self, u: Array) -> NDArray[np.floating]:
        return u @ self.w_rh if self.dense else self.couplings.rows_to_hidden(u)

    def evaluate(self, z: Array, idx: NDArray[np.intp], newton: bool,
                 hessian: bool = True) -> tuple[Array, Array, Array | None]:
        """H, ∇_z H and ∇²_z H (dense solver only) for samples ``idx`` at hidden states ``z``."""
        loss, grad, cache = self.evaluate_cached(z, idx, newton, cache=hessian)
        if not hessian:
            return loss, grad, None
        d, curvature_rows = cache  # type: ignore[misc]
        curvature = d * d - curvature_rows
        n_h = z.shape[1]
        coefficients = np.concatenate(
            [curvature[:, self.coupled_rows], d[:, self.hidden_in_rows]], axis=1)
        flat = coefficients @ self.hessian_map
        flat[:, self.diagonal_flat] += 1.0 - self.m
        hess = flat.reshape(z.shape[0], n_h, n_h)
        if self.g_sym is not None:
            hess += 2.0 * self.g_sym[np.ix_(self.hidden, self.hidden)][None]
        return loss, grad, hess

    def evaluate_cached(self, z: Array, idx: NDArray[np.intp], newton: bool, cache: bool = True,
                        single: bool = False
                        ) -> tuple[Array, Array, tuple[Array, Array] | None]:
        """H and ∇_z H, with (f', r f'') on R kept for Hessian products when ``cache``.

        ``single`` (matrix-free only): the product of the gradient, :math:`W_{Rh}^T (f' r)`, in
        float32 (∇H then carries ~1e-7 relative error: for steps far from the minimum); H itself
        stays float64, so the line search compares like with like.
        """
        y = self._to_rows(z)
        y += self.y_const[idx]
        # r = x - f(y) on R, x being z on the hidden rows and clamped on the others
        # (outputs), built in place: these are the largest arrays of the solver.
        r = self.act(y)
        if np.may_share_memory(r, y):  # an f that returns its argument (y is needed below)
            r = r.copy()
        np.negative(r, out=r)
        r[:, self.hidden_in_rows] += z
        r[:, self.other_rows] += self.x_other[idx]
        # np.sum (pairwise summation), not einsum (a running sum): near the minimum the line
        # search compares H to its round-off; with einsum 6 of the benchmark's 1000 samples
        # stalled above gtol = 1e-10 (measured), with np.sum none.
        loss = 0.5 * np.sum(r * r, axis=1)
        d = self.act.derivative(y)
        back = d * r
        grad = r[:, self.hidden_in_rows] - self._to_hidden(
            back.astype(np.float32) if single else back)
        if self.objective is not None:
            x_full = self.full_state(z, idx)
            loss = loss - 0.5 * self.m * np.sum(x_full * x_full, axis=1)
            grad = grad - self.m * z
            if self.g_sym is not None:
                loss = loss + np.einsum("ni,ij,nj->n", x_full, self.g_sym, x_full)
                grad = grad + 2.0 * x_full @ self.g_sym[:, self.hidden]
        if not cache:
            return loss, grad, None
        # Σ_j r_j ∇²r_j = -W^T diag(r f'') W: the Newton part of the Hessian.
        rf2 = r * self.act.second_derivative(y) if newton else np.zeros_like(r)  # type: ignore[misc]
        return loss, grad, (d, rf2)

    def loss_only(self, z: Array, idx: NDArray[np.intp]) -> Array:
        return self.evaluate_cached(z, idx, False, cache=False)[0]

    def hessian_vector(self, v: Array, cache: tuple[Array, Array]) -> Array:
        """∇²_z H v for each row of ``v``: two passes over :math:`W_{Rh}`, (JᵀJ - Wᵀ diag(r f'') W)
        v."""
        d, rf2 = cache
        # float32 v (matrix-free, large networks): the maps and coefficients in float32 too.
        d, rf2 = d.astype(v.dtype, copy=False), rf2.astype(v.dtype, copy=False)
        q = self._to_rows(v)
        jv = -d * q
        jv[:, self.hidden_in_rows] += v
        out = (jv[:, self.hidden_in_rows] - self._to_hidden(d * jv + rf2 * q)).astype(
            float, copy=False)
        v = v.astype(float, copy=False)
        if self.m:
            out -= self.m * v
        if self.g_sym is not None:
            out += 2.0 * v @ self.g_sym[np.ix_(self.hidden, self.hidden)]
        return out


def evaluate_split(problem: Problem, z: Array, rows: NDArray[np.intp], newton: bool,
                   rough: NDArray[np.bool_]) -> tuple[Array, Array, tuple[Array, Array]]:
    """evaluate_cached with float32 products for the ``rough`` samples, float64 for the rest."""
    if not rough.any() or rough.all():
        loss, grad, cache = problem.evaluate_cached(z, rows, newton, single=bool(rough.any()))
        assert cache is not None
        return loss, grad, cache
    loss, grad = np.empty(len(z)), np.empty_like(z)
    d, rf2 = np.empty((len(z), problem.rows.size)), np.empty((len(z), problem.rows.size))
    for part in (rough, ~rough):
        l_p, g_p, c_p = problem.evaluate_cached(z[part], rows[part], newton,
                                                single=bool(part is rough))
        assert c_p is not None
        loss[part], grad[part], d[part], rf2[part] = l_p, g_p, c_p[0], c_p[1]
    return loss, grad, (d, rf2)


