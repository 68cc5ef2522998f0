"""The constrained bulk minimum of eq. (3.2), batched over samples.

    H(x̄, b, w) = min_{(P_in + P_out) x = x_∂} H(x, b, w)                      (3.2)

with H the bulk loss (3.1), optionally with the local objective (3.3)-(3.4).  The
boundary neurons are clamped to the data, the hidden neurons are the variables, and
they stay inside the range of the activation (the paper notes that the tachyonic term
-m x²/2 of (3.3) does not run away because x is bounded by the range of f; for an open
range such as tanh's (-1, 1) the box is closed a distance ``margin`` inside it).

What is computed
----------------
A *local* minimum.  (3.2) is the global minimum over the hidden neurons, but H is not
convex in them (f is nonlinear), and a descent method started from one point returns the
minimum of the basin it starts in.  Each sample's result is a point of the box where the
projected gradient of H is below ``gtol`` (status 0) and H is no higher than at the start.
``n_starts > 1`` adds seeded random starts and keeps, per sample, the lowest minimum found
(never higher than the single-start one, whose start is always included); it lowers the
chance of a non-global minimum but certifies nothing.  Measured on MNIST networks
(784-40-20-10 and 784-60-10, at initialisation and after 3000 SGD steps; docs/bulk_minimum.md):
10 starts found a lower minimum than the single start in 1 of 4000 samples (by 14.6%).

Solvers
-------
``solver="dense"``: per sample, a bound-constrained Newton / Levenberg-Marquardt
iteration on the n_h hidden variables, vectorised over samples.  Only the non-input
neurons R carry residuals that depend on the hidden state; all samples' Hessians are one
matrix product (see :class:`_Problem`), so the memory is ~ n_h³ (the Hessian map) plus
n · n_h² (the per-sample Hessians) and the work per iteration ~ n · (|R| + n_h) · n_h².

``solver="matrix_free"``: projected Newton-CG, batched over samples: the Newton systems
are solved by conjugate gradients with Hessian-vector products (two passes over the
weights each, through the layer blocks of :mod:`learning.feedforward` for layered nets),
truncated at negative curvature, followed by a projected backtracking line search.
Memory ~ 20 n (n_h + |R|) floats; work per CG step ~ 4 n nnz(W_Rh).  For a layered
network (hidden neurons in whole layers, no local objective) CG runs in the residual
coordinates e = J_hh s, J_hh = I - f' w on the hidden neurons (:func:`_chain_cg_direction`):
J_hh is unit block lower triangular, so e -> s is a forward pass of the linearised network,
and the Newton system becomes identity plus a term of rank ~ n_out (+ the Newton term, small
near the minimum): a few CG steps per iteration, each as cheap as one Hessian-vector product.
Gauss-Newton steps are taken until the gradient has fallen tenfold
(``GAUSS_NEWTON_UNTIL``), Newton steps after.

``solver="auto"`` takes the dense solver where its memory fits and its estimated work is
at most :data:`DENSE_ADVANTAGE` times the matrix-free estimate (Newton-CG assumed to take
:data:`CG_STEPS_ESTIMATE` HVPs per iteration), else the matrix-free one; this keeps
Section 10's networks on the dense solver they have always used (see DENSE_ADVANTAGE: for
speed alone, pass ``solver="matrix_free"`` from n_h ~ 80 on).  Both stop at the same
projected-gradient test, so they return the same minima to round-off where both run from
the same start and the sample has one minimum in reach (tested to 1e-8 relative).

Start: the forward-pass state with the outputs clamped, so the result never exceeds H
there.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from learning.activations import Activation, LayerwiseActivation
from learning.feedforward import forward_state, layer_biases, layer_slices, layer_weights
from learning.losses import LocalObjective, bulk_loss
from learning.septuple import Septuple, _check_states, activation_of, fixed_point
from ntcore.checks import count
from ntcore.display import MarkdownSummary

__all__ = [
    "BulkMinimumResult",
    "STATUS_MESSAGES",
    "DENSE_ADVANTAGE",
    "CG_STEPS_ESTIMATE",
    "constrained_bulk_minimum",
    "bulk_minimum_start",
    "solver_costs",
]

Array = NDArray[np.float64]
# A block w_{l+1,l} of a layered network as stored: dense, or a scipy.sparse CSR array.
Block: TypeAlias = Array | sp.csr_array

#: Per-sample stopping reasons of :func:`constrained_bulk_minimum` (``status`` codes).
STATUS_MESSAGES: dict[int, str] = {
    0: "converged: max-norm of the projected gradient <= gtol",
    1: "iteration limit: max_iter reached before gtol",
    2: "stalled: no step lowers H (largest damping / shortest line-search step reached); "
       "usually the round-off floor of H just above gtol",
}

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
#: With float32 Hessian products, the gradient at trial points of samples whose projected
#: gradient is above this (far from the minimum: it only steers the next step) is computed
#: with a float32 product too; below it, and for the stopping test, float64.
ROUGH_ABOVE = 1e-2
#: Fraction of the available memory a solve may plan to use.
MEMORY_FRACTION = 0.6


@dataclass(frozen=True)
class BulkMinimumResult(MarkdownSummary):
    """Result of :func:`constrained_bulk_minimum`: the minimisers x̄ of (3.2) with diagnostics.

    Attributes
    ----------
    state
        x̄, shape ``(n, N)``; boundary components equal the data.
    loss
        H(x̄) per sample, shape ``(n,)``.
    converged
        Per sample: projected gradient below ``gtol`` (``status == 0``).
    iterations
        Newton iterations per sample (summed over the starts).
    gradient_norm
        Max-norm of the projected gradient of H over the hidden neurons, per sample.
    start_loss
        H at the default starting state, per sample (the result is never above it).
    method
        ``"newton"`` or ``"gauss-newton"`` (the Hessian used).
    status
        Per sample, a key of :data:`STATUS_MESSAGES`: why the iteration stopped.
    solver
        ``"dense"`` or ``"matrix_free"`` (the one ``"auto"`` chose).
    best_start
        Per sample, the start that gave the lowest minimum (0 = the default start).
    """

    state: Array
    loss: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int_]
    gradient_norm: Array
    start_loss: Array
    method: str
    status: NDArray[np.int_] | None = None
    solver: str = "dense"
    best_start: NDArray[np.int_] | None = None

    @property
    def mean_loss(self) -> float:
        """U = <H(x̄)> over the samples, the ensemble-averaged bulk loss of (4.1)."""
        return float(np.mean(self.loss))

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))

    @property
    def message(self) -> str:
        """Why the samples stopped: counts per status, e.g. ``"5 of 5 converged: ..."``."""
        status = (np.where(self.converged, 0, 1) if self.status is None else self.status)
        n = status.size
        parts = [f"{int(np.sum(status == code))} of {n} {text}"
                 for code, text in STATUS_MESSAGES.items() if np.any(status == code)]
        return "; ".join(parts) if parts else "no samples"


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


def _box(act: Activation | LayerwiseActivation, margin: float
         ) -> tuple[float, float] | tuple[Array, Array]:
    """The box of the hidden variables: f's range (of each hidden neuron's f, as arrays, for a
    LayerwiseActivation restricted to them), open ends closed ``margin * width`` inside."""
    if isinstance(act, LayerwiseActivation):
        ends = [_box(a, margin) for a in act.activations]
        return (np.repeat([e[0] for e in ends], act.sizes),
                np.repeat([e[1] for e in ends], act.sizes))
    lo, hi = act.lower, act.upper
    width = hi - lo if np.isfinite(hi - lo) else 1.0
    if np.isfinite(lo) and not act.lower_closed:
        lo = lo + margin * width
    if np.isfinite(hi) and not act.upper_closed:
        hi = hi - margin * width
    return lo, hi


def _as_run(positions: NDArray[np.intp]) -> slice | NDArray[np.intp]:
    """``positions`` as a slice when they are consecutive (basic indexing: views, not
    copies), else unchanged."""
    if positions.size and np.array_equal(positions, np.arange(positions[0],
                                                              positions[0] + positions.size)):
        return slice(int(positions[0]), int(positions[0]) + positions.size)
    return positions


def _times_transpose(z: Array, w) -> Array:
    """z @ w.T for a dense or scipy.sparse block w (rows of z are samples)."""
    return np.asarray((w @ z.T).T) if sp.issparse(w) else z @ w.T


def _times(u: Array, w) -> Array:
    """u @ w for a dense or scipy.sparse block w."""
    return np.asarray((w.T @ u.T).T) if sp.issparse(w) else u @ w


def _to_dense(w) -> Array:
    return w.toarray() if sp.issparse(w) else np.asarray(w)


def _count_nonzero(w) -> int:
    """Non-zero entries of a dense or scipy.sparse block w."""
    return int(w.count_nonzero() if sp.issparse(w) else np.count_nonzero(w))


# ----------------------------------------------------------------------------------------
# The couplings W_Rh (hidden -> non-input rows) and W_R∂ (boundary -> rows) as linear maps.
# ----------------------------------------------------------------------------------------

class _Couplings:
    """W restricted to rows R (non-input neurons) and columns hidden h / boundary ∂.

    For a layered septuple whose inputs are its first layer the maps are applied block by
    block through :func:`learning.feedforward.layer_weights` (no N x N array); otherwise
    through the dense rows/columns of ``septuple.weights``.
    """

    def __init__(self, septuple: Septuple):
        n = septuple.n_neurons
        not_input = np.ones(n, dtype=bool)
        not_input[septuple.input_indices] = False
        self.rows = np.flatnonzero(not_input)
        self.hidden = np.asarray(septuple.hidden_indices)
        self.boundary = np.asarray(septuple.boundary_indices)
        self.layered = (septuple.layer_sizes is not None and np.array_equal(
            np.sort(septuple.input_indices), np.arange(septuple.layer_sizes[0])))
        if self.layered:
            self._init_blocks(septuple)
        else:
            self.whole_layers = False
            w = septuple.weights
            self.bias_rows = septuple.bias[self.rows]
            self._w_rh = np.ascontiguousarray(w[np.ix_(self.rows, self.hidden)])
            self._w_rb = w[np.ix_(self.rows, self.boundary)]

    def _init_blocks(self, septuple: Septuple) -> None:
        slices = layer_slices(septuple.layer_sizes)  # type: ignore[arg-type]
        n0 = slices[0].stop
        self.bias_rows = np.concatenate(layer_biases(septuple))
        # Per block l (layer l -> l+1): rows of layer l+1 in R coordinates, and the hidden /
        # boundary columns of layer l with their positions among the hidden / boundary sets.
        self.blocks: list[tuple[slice, slice, Block, NDArray[np.intp], Block]] = []
        for l, w_l in enumerate(layer_weights(septuple)):
            cols = slices[l]
            rows = slice(slices[l + 1].start - n0, slices[l + 1].stop - n0)
            neurons = np.arange(cols.start, cols.stop)
            is_hidden = np.isin(neurons, self.hidden)
            h_local = np.flatnonzero(is_hidden)
            b_local = np.flatnonzero(~is_hidden)
            if h_local.size:
                k0 = int(np.searchsorted(self.hidden, neurons[h_local[0]]))
                h_pos = slice(k0, k0 + h_local.size)
                w_h = w_l if h_local.size == neurons.size else w_l[:, h_local]
            else:
                h_pos, w_h = slice(0, 0), w_l[:, :0]
            b_pos = np.searchsorted(self.boundary, neurons[b_local])
            self.blocks.append((rows, h_pos, w_h, b_pos, w_l[:, b_local]))
        # Per layer: its rows in R and, when the whole layer is hidden, its hidden positions
        # (the chain the preconditioner of the matrix-free solver runs along).
        self.layer_rows = [slice(s.start - n0, s.stop - n0) for s in slices]
        self.layer_hidden: list[slice | None] = []
        split = False
        for s in slices:
            share = np.isin(np.arange(s.start, s.stop), self.hidden)
            k0 = int(np.searchsorted(self.hidden, s.start))
            self.layer_hidden.append(slice(k0, k0 + share.size) if share.all() else None)
            split |= bool(share.any() and not share.all())
        self.whole_layers = not split

    def _single(self) -> list:
        """float32 copies of the hidden blocks (built once), for single-precision HVPs."""
        if not hasattr(self, "_blocks32"):
            if self.layered:
                self._blocks32 = [(rows, h_pos, w_h.astype(np.float32))
                                  for rows, h_pos, w_h, _, _ in self.blocks]
            else:
                self._blocks32 = [(slice(None), slice(None), self._w_rh.astype(np.float32))]
        return self._blocks32

    @property
    def n_rows(self) -> int:
        return self.rows.size

    @property
    def nnz(self) -> int:
        """Non-zero couplings hidden -> rows: the cost of one product, in multiply-adds."""
        if self.layered:
            return sum(_count_nonzero(b[2]) for b in self.blocks)
        return int(np.count_nonzero(self._w_rh))

    def dense(self) -> tuple[Array, Array]:
        """(W_Rh, W_R∂) as dense arrays (for the dense solver: |R| x n_h is then small)."""
        if not self.layered:
            return self._w_rh, self._w_rb
        w_rh = np.zeros((self.n_rows, self.hidden.size))
        w_rb = np.zeros((self.n_rows, self.boundary.size))
        for rows, h_pos, w_h, b_pos, w_b in self.blocks:
            w_rh[rows, h_pos] = _to_dense(w_h)
            w_rb[rows, b_pos] = _to_dense(w_b)
        return w_rh, w_rb

    def hidden_to_rows(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        """W_Rh z for each row of ``z`` (shape (n, n_h) -> (n, |R|)); float32 in, float32 out."""
        if z.dtype == np.float32:
            out32 = np.zeros((z.shape[0], self.n_rows), np.float32)
            for rows, h_pos, w_h in self._single():
                if w_h.shape[1]:
                    out32[:, rows] = _times_transpose(z[:, h_pos], w_h)
            return out32
        if not self.layered:
            return z @ self._w_rh.T
        out = np.zeros((z.shape[0], self.n_rows))
        for rows, h_pos, w_h, _, _ in self.blocks:
            if w_h.shape[1]:
                out[:, rows] = _times_transpose(z[:, h_pos], w_h)
        return out

    def rows_to_hidden(self, u: NDArray[np.floating]) -> NDArray[np.floating]:
        """W_Rh^T u for each row of ``u`` (shape (n, |R|) -> (n, n_h)); float32 in and out."""
        if u.dtype == np.float32:
            out32 = np.zeros((u.shape[0], self.hidden.size), np.float32)
            for rows, h_pos, w_h in self._single():
                if w_h.shape[1]:
                    out32[:, h_pos] += _times(u[:, rows], w_h)
            return out32
        if not self.layered:
            return u @ self._w_rh
        out = np.zeros((u.shape[0], self.hidden.size))
        for rows, h_pos, w_h, _, _ in self.blocks:
            if w_h.shape[1]:
                out[:, h_pos] += _times(u[:, rows], w_h)
        return out

    def boundary_to_rows(self, xb: Array) -> Array:
        """W_R∂ x_∂ + b_R: the fixed part of the pre-activations of R."""
        if not self.layered:
            return xb @ self._w_rb.T + self.bias_rows
        out = np.zeros((xb.shape[0], self.n_rows))
        for rows, _, _, b_pos, w_b in self.blocks:
            if w_b.shape[1]:
                out[:, rows] = _times_transpose(xb[:, b_pos], w_b)
        return out + self.bias_rows


class _ChainPreconditioner:
    """M⁻¹ = (J_hhᵀ J_hh)⁻¹ for the Newton-CG systems of a layered network.

    The residuals of (3.1) on the hidden rows, r_h = x_h - f(y_h), have the Jacobian
    J_hh = I - D_h W_hh in the hidden variables (D = diag f'(y), (5.4)); the Gauss-Newton
    Hessian is J_hhᵀ J_hh + (output rows' term, rank <= n_out) and the Newton term is
    -Wᵀ diag(r f'') W with r small near the minimum.  For a layered network W_hh couples
    hidden layer l to l + 1 only, so J_hh is unit block lower triangular: J_hh⁻¹ is a forward
    pass of the linearised network and J_hh⁻ᵀ a backward pass, each one product with every
    hidden-to-hidden block, and M⁻¹H - I is (close to) low rank: CG needs a few steps
    instead of ~n_h^(1/2) ones.  Built only when every layer is wholly hidden or wholly
    boundary (:attr:`_Couplings.whole_layers`); otherwise CG runs unpreconditioned.
    """

    def __init__(self, couplings: _Couplings):
        self.couplings = couplings
        self.hidden_layers = [j for j, pos in enumerate(couplings.layer_hidden) if pos is not None]

    @staticmethod
    def build(couplings: _Couplings) -> _ChainPreconditioner | None:
        return _ChainPreconditioner(couplings) if couplings.whole_layers else None

    def _block(self, j: int, single: bool):
        """w_{j+1,j} (hidden columns) as stored, or its float32 copy."""
        return (self.couplings._single()[j][2] if single else self.couplings.blocks[j][2])

    def _hidden(self, j: int) -> slice | None:
        layers = self.couplings.layer_hidden
        return layers[j] if 0 <= j < len(layers) else None

    def solve(self, u: NDArray[np.floating], d: Array
              ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """s = J_hh⁻¹ u and q = W_Rh s per row (one forward pass: the products that run the
        substitution s_{j+1} = u_{j+1} + D_{j+1} w_{j+1,j} s_j are the rows of W_Rh s)."""
        c = self.couplings
        single = u.dtype == np.float32
        d = d.astype(np.float32, copy=False) if single else d
        s = u.copy()
        q = np.zeros((u.shape[0], c.n_rows), dtype=u.dtype)
        for j in self.hidden_layers:
            product = _times_transpose(s[:, c.layer_hidden[j]], self._block(j, single))
            q[:, c.layer_rows[j + 1]] = product
            nxt = self._hidden(j + 1)
            if nxt is not None:
                s[:, nxt] += d[:, c.layer_rows[j + 1]] * product
        return s, q

    def transpose_solve(self, v: NDArray[np.floating] | None, d: Array,
                        rows: NDArray[np.floating] | None = None) -> NDArray[np.floating]:
        """t = J_hh⁻ᵀ (v + W_Rhᵀ c) per row, c = ``rows`` on R (one backward pass:
        t_j = v_j + w_{j+1,j}ᵀ (c_{j+1} + D_{j+1} t_{j+1}), last hidden layer first);
        ``v=None`` is v = 0, in the dtype of ``rows``."""
        cp = self.couplings
        if v is None:
            assert rows is not None
            t = np.zeros((rows.shape[0], cp.hidden.size), dtype=rows.dtype)
        else:
            t = v.copy()
        single = t.dtype == np.float32
        d = d.astype(np.float32, copy=False) if single else d
        for j in reversed(self.hidden_layers):
            nxt, rows_next = self._hidden(j + 1), cp.layer_rows[j + 1]
            coefficient = None if rows is None else rows[:, rows_next].astype(t.dtype, copy=False)
            if nxt is not None:
                back = d[:, rows_next] * t[:, nxt]
                coefficient = back if coefficient is None else coefficient + back
            if coefficient is None:
                continue
            t[:, cp.layer_hidden[j]] += _times(coefficient, self._block(j, single))
        return t

    def apply(self, v: NDArray[np.floating], d: Array) -> NDArray[np.floating]:
        """M⁻¹ v = J_hh⁻¹ J_hh⁻ᵀ v per row of ``v`` (hidden coordinates), f' on R in ``d``."""
        return self.solve(self.transpose_solve(v, d), d)[0]


class _Problem:
    """Loss, gradient, Hessian (dense) and Hessian-vector products (matrix-free) of (3.4)
    in the hidden variables, for a batch of samples."""

    def __init__(self, septuple: Septuple, xb: Array, objective: LocalObjective | None,
                 couplings: _Couplings, dense: bool):
        self.septuple = septuple
        self.xb = xb
        self.couplings = couplings
        self.rows, self.hidden = couplings.rows, couplings.hidden
        # f of the rows R (one f per neuron (2.6); the septuple's f when it is uniform).
        self.act = activation_of(septuple, self.rows)
        # Position of each hidden neuron within R (hidden ⊂ R): a slice when they are one run
        # (layered networks), so that the (samples x |R|) arrays are sliced, not gathered.
        self.hidden_in_rows = _as_run(np.searchsorted(self.rows, self.hidden))
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

        ``single`` (matrix-free only): the product of the gradient, W_Rhᵀ (f' r), in float32
        (∇H then carries ~1e-7 relative error: for steps far from the minimum); H itself stays
        float64, so the line search compares like with like.
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
        """∇²_z H v for each row of ``v``: two passes over W_Rh, (J^T J - W^T diag(r f'') W) v."""
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


# ----------------------------------------------------------------------------------------
# Named steps of the iteration (each tested on its own).
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Options:
    """Validated arguments of :func:`constrained_bulk_minimum`."""

    xb: Array
    start: Array
    lo: float | Array  # per hidden neuron when their activations differ
    hi: float | Array
    newton: bool
    gtol: float
    max_iter: int
    n_starts: int


def _validate(septuple: Septuple, x_boundary: ArrayLike, x0: ArrayLike | None, method: str,
              gtol: float, max_iter: int, margin: float, solver: str, n_starts: int
              ) -> _Options:
    """Check every argument (ValueError naming it) and build the start; no solving."""
    act = septuple.activation
    xb = np.atleast_2d(_check_states(septuple, x_boundary, "x_boundary"))
    activation_of(septuple, septuple.input_indices).check_in_range(
        xb[:, septuple.input_indices], "x_boundary (inputs)", closure=True)
    activation_of(septuple, septuple.output_indices).check_in_range(
        xb[:, septuple.output_indices], "x_boundary (outputs)")
    if method not in ("newton", "gauss-newton"):
        raise ValueError(f"method must be 'newton' or 'gauss-newton', got {method!r}")
    if solver not in ("auto", "dense", "matrix_free"):
        raise ValueError(f"solver must be 'auto', 'dense' or 'matrix_free', got {solver!r}")
    newton = method == "newton"
    if newton and act.second_derivative is None:
        raise ValueError(f"method='newton' needs the second derivative of activation "
                         f"{act.name!r}; use method='gauss-newton'")
    for name, value in (("gtol", gtol), ("margin", margin)):
        if not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be finite and > 0, got {value}")
    if margin >= 0.25:
        raise ValueError(f"margin must be < 0.25 of the range width, got {margin}")
    for name, value in (("max_iter", max_iter), ("n_starts", n_starts)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    lo, hi = _box(activation_of(septuple, septuple.hidden_indices), margin)
    if x0 is None:
        start = bulk_minimum_start(septuple, xb)
    else:
        start = np.atleast_2d(_check_states(septuple, x0, "x0"))
        if start.shape != xb.shape:
            raise ValueError(f"x0 must have the shape of x_boundary {xb.shape}, got {start.shape}")
    return _Options(xb, start, lo, hi, newton, float(gtol), int(max_iter), int(n_starts))


def _projected_gradient(z: Array, grad: Array, lo: float, hi: float) -> Array:
    """Gradient with components pushing out of the box at active bounds removed."""
    blocked = ((z <= lo) & (grad > 0)) | ((z >= hi) & (grad < 0))
    return np.where(blocked, 0.0, grad)


def _active_set(z: Array, grad: Array, lo: float, hi: float) -> tuple[NDArray[np.bool_], Array]:
    """Bertsekas' ε-active set and the moves that put its variables on their bound.

    Variables within ε = min(1e-6, |projected gradient|_∞) of a bound with the gradient
    pushing outward are held fixed (plain clipping of Newton steps can stall next to a
    bound); they step onto the bound, a descent direction since the gradient pushes outward.
    Returns ``(at_bound, to_bound)``, both of the shape of ``z``.
    """
    eps = np.minimum(1e-6, np.max(np.abs(_projected_gradient(z, grad, lo, hi)), axis=1))
    at_bound = (((z <= lo + eps[:, None]) & (grad > 0))
                | ((z >= hi - eps[:, None]) & (grad < 0)))
    to_bound = np.where(at_bound, np.where(grad > 0, lo, hi) - z, 0.0)
    return at_bound, to_bound


def _damped_newton_step(hessians: Array, gradients: Array, damping: Array) -> Array:
    """Solve (H + λ diag(max(|H_aa|, 1e-3))) s = -g per sample (Levenberg-Marquardt).

    The Marquardt scaling is floored so that an exactly flat direction is still damped; an
    indefinite damped system can still be exactly singular: then the minimum-norm step.
    """
    idx_d = np.arange(hessians.shape[1])
    system = hessians.copy()
    diagonal = system[:, idx_d, idx_d]
    system[:, idx_d, idx_d] = diagonal + damping[:, None] * np.maximum(np.abs(diagonal), 1e-3)
    try:
        return -np.linalg.solve(system, gradients[:, :, None])[:, :, 0]  # type: ignore[return-value]  # stubs: float64 solve -> floating
    except np.linalg.LinAlgError:
        return -(np.linalg.pinv(system) @ gradients[:, :, None])[:, :, 0]


def _accept(old_loss: Array, new_loss: Array, descent: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Accept a step that is a descent direction and does not raise H beyond round-off.

    Near the minimum the true decrease (~ g² / curvature) falls below the round-off of H
    itself; steps that raise H by a few ulps are accepted, or good Newton steps would be
    rejected and the damping would blow up before gtol is reached.
    """
    slack = 8.0 * np.finfo(float).eps * np.maximum(np.abs(old_loss), 1.0)
    return descent & np.isfinite(new_loss) & (new_loss <= old_loss + slack)


def _stopped(pgrad: Array, gtol: float, stalled: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Convergence test: max-norm of the projected gradient <= gtol, or stalled."""
    return (np.max(np.abs(pgrad), axis=1) <= gtol) | stalled


def _check_runaway(z: Array) -> None:
    # max and min propagate NaN, so `not <=` catches NaN and inf too, without temporaries.
    if z.size and not (np.max(z) <= 1e12 and np.min(z) >= -1e12):
        raise ValueError("the bulk loss appears unbounded below over the hidden neurons "
                         "(m too large for an unbounded activation?)")


def _status(pgrad: Array, gtol: float, stalled: NDArray[np.bool_]) -> NDArray[np.int_]:
    small = np.max(np.abs(pgrad), axis=1) <= gtol if pgrad.shape[1] else np.ones(len(pgrad), bool)
    return np.where(small, 0, np.where(stalled, 2, 1)).astype(int)


# ----------------------------------------------------------------------------------------
# The two solvers: same state in, same (z, loss, grad, iterations, stalled) out.
# ----------------------------------------------------------------------------------------

class _Progress:
    """A tqdm bar over the samples of one solve: it advances as samples stop (converged or
    stalled) and shows the Newton iteration and the largest projected gradient still
    running, so a long solve shows how far it is from gtol (iterations alone have no known
    total)."""

    def __init__(self, n: int, running: int, enabled: bool, desc: str):
        self.bar = tqdm(total=n, disable=not enabled, desc=desc, unit="sample", leave=False)
        self.bar.update(n - running)  # stationary at the start
        self.iteration = 0

    def update(self, stopped: int, running_gmax: Array) -> None:
        self.iteration += 1
        self.bar.update(stopped)
        largest = f"{np.max(running_gmax):.1e}" if running_gmax.size else "-"
        self.bar.set_postfix(iteration=self.iteration, largest_gradient=largest, refresh=False)

    def close(self) -> None:
        self.bar.close()


def _dense_newton(problem: _Problem, z: Array, newton: bool, lo: float, hi: float,
                  gtol: float, max_iter: int, progress: bool):
    n, n_hidden = z.shape
    all_idx = np.arange(n)
    loss, grad, _ = problem.evaluate(z, all_idx, newton, hessian=False)
    start_loss = loss.copy()
    damping = np.full(n, 1e-6)
    iterations = np.zeros(n, dtype=int)
    active = np.flatnonzero(~_stopped(_projected_gradient(z, grad, lo, hi), gtol,
                                      np.zeros(n, bool)))
    idx_d = np.arange(n_hidden)
    bar = _Progress(n, active.size, progress, "bulk minimum (3.2)")
    for _ in range(max_iter):
        if active.size == 0:
            break
        za = z[active]
        la, ga, ha = problem.evaluate(za, active, newton)
        at_bound, to_bound = _active_set(za, ga, lo, hi)
        if at_bound.any():
            # Fixed variables get an identity row/column and zero gradient.
            ga = np.where(at_bound, 0.0, ga)
            ha = np.where(at_bound[:, :, None] | at_bound[:, None, :], 0.0, ha)
            ha[:, idx_d, idx_d] = np.where(at_bound, 1.0, ha[:, idx_d, idx_d])
        iterations[active] += 1
        # Up to a few damping increases per outer iteration for samples whose step fails.
        todo = np.arange(active.size)
        for _attempt in range(8):
            if todo.size == 0:
                break
            step = _damped_newton_step(ha[todo], ga[todo], damping[active[todo]])
            moved = to_bound[todo]
            descent = (np.sum(step * ga[todo], axis=1) < 0) | np.any(moved != 0, axis=1)
            z_new = np.clip(za[todo] + (step + moved), lo, hi)
            new_loss, new_grad, _ = problem.evaluate(z_new, active[todo], newton, hessian=False)
            ok = _accept(la[todo], new_loss, descent)
            good = todo[ok]
            z[active[good]] = z_new[ok]
            loss[active[good]] = new_loss[ok]
            grad[active[good]] = new_grad[ok]
            damping[active[good]] = np.maximum(damping[active[good]] / 10.0, 1e-12)
            bad = todo[~ok]
            damping[active[bad]] *= 10.0
            todo = bad[damping[active[bad]] < 1e12]
        _check_runaway(z)
        pgrad = _projected_gradient(z[active], grad[active], lo, hi)
        done = _stopped(pgrad, gtol, damping[active] >= 1e12)
        bar.update(int(done.sum()), np.max(np.abs(pgrad[~done]), axis=1, initial=0.0))
        active = active[~done]
    bar.close()
    return z, loss, grad, iterations, damping >= 1e12, start_loss


def _forcing(gnorm: Array, single: bool) -> Array:
    """Eisenstat-Walker forcing term min(0.5, ||g||) (quadratic Newton), floored at 1e-4 with
    float32 products (above their ~1e-6 relative error: Newton then converges linearly at rate
    <= 1e-4 once quadratic would ask for more)."""
    forcing = np.minimum(0.5, gnorm)
    return np.maximum(forcing, 1e-4) if single else forcing


def _truncated_cg(apply, b: Array, target: Array, max_steps: int, precondition=None
                  ) -> tuple[Array, NDArray[np.bool_], int]:
    """Batched (preconditioned) CG on A x = b per row, from x = 0.

    ``apply(p, rows)`` returns ``(A p, image)`` for the rows ``rows`` of the batch (an index
    array, or ``slice(None)`` while every row runs: no gathering copies); the result
    accumulates ``image`` (p itself, or p mapped to other coordinates).  ``precondition(r,
    rows)`` returns M⁻¹ r (default: none).  A row stops when ||r|| <= its ``target`` or at
    non-positive curvature (then the sum so far).  Returns the result, the rows that met
    non-positive curvature at the first step (their result is zero), and the steps taken.
    """
    n = len(b)

    def pre(residual, rows):
        return residual if precondition is None else precondition(residual, rows)

    def dot(u, v):
        return np.einsum("ij,ij->i", u, v)

    def index(rows):  # a slice while every row takes part: views, not gathered copies
        return slice(None) if rows.size == n else rows

    out = None
    res = b.copy()
    direction = pre(res, slice(None)).copy()
    ry = dot(res, direction)
    first_negative = np.zeros(n, dtype=bool)
    running = np.flatnonzero(np.any(b != 0, axis=1))
    steps = 0
    for k in range(max_steps):
        if running.size == 0:
            break
        steps += 1
        rows = index(running)
        pk = direction[rows]
        a_p, image = apply(pk, rows)
        if out is None:
            out = np.zeros((n, image.shape[1]))
        curv = dot(pk, a_p)
        neg = curv <= 1e-14 * dot(pk, pk)
        if k == 0:
            first_negative[running[neg]] = True
        if neg.any():
            running, a_p, image, curv = running[~neg], a_p[~neg], image[~neg], curv[~neg]
        rows = index(running)
        alpha = (ry[rows] / curv)[:, None]
        out[rows] += alpha * image
        res[rows] -= alpha * a_p
        res_run = res[rows]
        running = running[np.sqrt(dot(res_run, res_run)) > target[rows]]
        rows = index(running)
        y = pre(res[rows], running)
        ry_new = dot(res[rows], y)
        direction[rows] = y + (ry_new / ry[rows])[:, None] * direction[rows]
        ry[rows] = ry_new
    if out is None:
        out = np.zeros_like(b)
    return out, first_negative, steps


def _cg_direction(problem: _Problem, cache, grad: Array, free: NDArray[np.bool_],
                  max_steps: int, single: bool = False,
                  preconditioner: _ChainPreconditioner | None = None) -> tuple[Array, int]:
    """Truncated (preconditioned) CG on H_FF p = -g_F per sample (batched, :func:`_truncated_cg`):
    stop at the residual ||r|| <= :func:`_forcing` ||g|| or at negative curvature (then the
    direction so far, or -g at the first step).

    ``single``: Hessian-vector products in float32 (half the memory traffic and flops of
    the dominant cost).  The gradient, the line search and the stopping test stay float64.

    ``preconditioner``: M⁻¹ of :class:`_ChainPreconditioner`, restricted to the free
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

    p, first_negative, steps = _truncated_cg(
        apply, -g, _forcing(gnorm, single) * gnorm, max_steps,
        None if preconditioner is None else precondition)
    p[first_negative] = -g[first_negative]
    return p, steps


def _chain_cg_direction(problem: _Problem, cache, grad: Array, free: NDArray[np.bool_],
                        chain: _ChainPreconditioner, max_steps: int, single: bool = False
                        ) -> tuple[Array, int]:
    """The Newton system of :func:`_cg_direction` in the residual coordinates e = J_FF s_F.

    With the variables A held at a bound (s_A = 0), the free ones F and the rows R:
    H_FF = J_FFᵀ J_FF + W_RFᵀ C W_RF, J_FF = I - D_F W_FF (unit block lower triangular, as
    J_hh), C = diag(f'² on the output rows and the held rows A) - diag(r f'') (their rows of
    JᵀJ, and the Newton term).  So J_FF⁻ᵀ H_FF J_FF⁻¹ = I + J_FF⁻ᵀ W_RFᵀ C W_RF J_FF⁻¹, identity
    plus (near) low rank: CG on it (the iterates of CG preconditioned by
    :class:`_ChainPreconditioner`) needs per step one forward pass (s = J_FF⁻¹ e, which yields
    W_RF s) and one backward pass (J_FF⁻ᵀ W_RFᵀ c), as cheap as one unpreconditioned
    Hessian-vector product; the result accumulates s.  J_FF is J_hh with f' zeroed on the
    held rows.  Without a local objective (3.3); the residual is measured in these
    coordinates, ||r̃|| <= :func:`_forcing` ||J_FF⁻ᵀ g_F||.
    """
    d_full, rf2 = cache
    held_rows = np.ones((len(grad), problem.rows.size), dtype=bool)  # outputs and held A
    held_rows[:, problem.hidden_in_rows] = ~free
    dtype = np.float32 if single else np.float64
    weight = (np.where(held_rows, d_full * d_full, 0.0) - rf2).astype(dtype, copy=False)
    d_rows = d_full.astype(dtype)  # a copy: f' is zeroed on the held rows (J_FF)
    d_rows[:, problem.hidden_in_rows] *= free
    g = np.where(free, grad, 0.0)
    gnorm = np.sqrt(np.sum(g * g, axis=1))
    b = np.where(free, -chain.transpose_solve(g.astype(dtype), d_rows), 0.0)

    def apply(e, rows):
        s_k, q_k = chain.solve(e.astype(dtype), d_rows[rows])
        q_k *= weight[rows]
        back = chain.transpose_solve(None, d_rows[rows], rows=q_k)
        return e + np.where(free[rows], back, 0.0), s_k

    target = _forcing(gnorm, single) * np.sqrt(np.sum(b * b, axis=1))
    step, first_negative, steps = _truncated_cg(apply, b, target, max_steps)
    step[first_negative] = -g[first_negative]
    return step, steps


def _newton_cg(problem: _Problem, z: Array, newton: bool, lo: float, hi: float,
               gtol: float, max_iter: int, progress: bool, max_cg: int | None = None):
    n, n_hidden = z.shape
    max_cg = max_cg or min(n_hidden, 500)
    single = problem.couplings.nnz >= SINGLE_PRECISION_NNZ
    preconditioner = _ChainPreconditioner.build(problem.couplings)
    loss, grad, (d_all, rf2_all) = _evaluate_split(problem, z, np.arange(n), newton,
                                                    np.zeros(n, bool))
    start_loss = loss.copy()
    iterations = np.zeros(n, dtype=int)
    stalled = np.zeros(n, dtype=bool)
    precise = np.ones(n, dtype=bool)  # the last evaluation was float64
    gmax = np.max(np.abs(_projected_gradient(z, grad, lo, hi)), axis=1)
    # Gauss-Newton (positive semi-definite: a descent direction far from the minimum, where
    # the Newton term can make H indefinite) until the gradient has fallen to
    # GAUSS_NEWTON_UNTIL of its start, then Newton (quadratic convergence).
    switch = GAUSS_NEWTON_UNTIL * gmax
    active = np.flatnonzero(gmax > gtol)
    bar = _Progress(n, active.size, progress, "bulk minimum (3.2), Newton-CG")
    for _ in range(max_iter):
        if active.size == 0:
            break
        every = active.size == n  # then no gathering copies of the (n, |R|) arrays
        za, la, ga = (z, loss, grad) if every else (z[active], loss[active], grad[active])
        at_bound, to_bound = _active_set(za, ga, lo, hi)
        near = gmax[active] <= switch[active]
        cache = ((d_all, rf2_all * near[:, None]) if every
                 else (d_all[active], rf2_all[active] * near[:, None]))
        if preconditioner is not None and problem.objective is None:
            p, _ = _chain_cg_direction(problem, cache, ga, ~at_bound, preconditioner, max_cg,
                                       single=single)
        else:
            p, _ = _cg_direction(problem, cache, ga, ~at_bound, max_cg, single=single,
                                 preconditioner=preconditioner)
        iterations[active] += 1
        rough = (gmax[active] > ROUGH_ABOVE if single and problem.objective is None
                 else np.zeros(active.size, bool))
        moved, z_new, l_new, g_new, (d_new, rf2_new) = _backtrack(
            problem, za, la, ga, p + to_bound, active, newton, lo, hi, rough)
        if every and moved.all():  # the whole batch moved: take the new arrays as they are
            z, loss, grad, d_all, rf2_all = z_new, l_new, g_new, d_new, rf2_new
        else:
            good = active[moved]
            z[good], loss[good], grad[good] = z_new[moved], l_new[moved], g_new[moved]
            d_all[good], rf2_all[good] = d_new[moved], rf2_new[moved]
        precise[active[moved]] = ~rough[moved]
        stalled[active[~moved]] = True
        # z_new, g_new: the active rows after this iteration (moved or not), as z[active].
        _check_runaway(z_new)
        pgrad = _projected_gradient(z_new, g_new, lo, hi)
        gmax[active] = np.max(np.abs(pgrad), axis=1)
        # Only a float64 gradient can certify gtol.
        done = _stopped(pgrad, gtol, stalled[active]) & (precise[active] | stalled[active])
        bar.update(int(done.sum()), gmax[active[~done]])
        active = active[~done]
    bar.close()
    return z, loss, grad, iterations, stalled, start_loss


def _backtrack(problem: _Problem, za: Array, la: Array, ga: Array, step: Array,
               rows: NDArray[np.intp], newton: bool, lo, hi, rough: NDArray[np.bool_]):
    """Projected backtracking (Armijo on the projected path, with the round-off slack of
    :func:`_accept` near the minimum): halve each sample's step until H does not rise.

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
        new_loss, new_grad, (d, rf2) = _evaluate_split(problem, z_new, rows[todo], newton,
                                                        rough[todo])
        decrease = np.sum(ga[todo] * (z_new - za[todo]), axis=1)
        armijo = new_loss <= la[todo] + 1e-4 * np.minimum(decrease, 0.0)
        ok = _accept(la[todo], new_loss, decrease < 0) & (armijo | (scale[todo] == 1.0))
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


def _evaluate_split(problem: _Problem, z: Array, rows: NDArray[np.intp], newton: bool,
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


# ----------------------------------------------------------------------------------------
# Cost estimate and solver choice.
# ----------------------------------------------------------------------------------------

def _available_memory() -> float:
    """Bytes of memory available now (MemAvailable), else the physical memory."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def solver_costs(septuple: Septuple, n_samples: int) -> dict[str, tuple[float, float]]:
    """Estimated (flops per Newton iteration, peak bytes) of each solver, for ``n_samples``.

    dense: Hessian map (n_c + n_h) n_h² floats (n_c coupled rows; twice, while it is built)
    plus ~4 per-sample n_h x n_h arrays and ~14 of n x |R|; work 2 n (n_c + n_h) n_h²
    (assembly) + (2/3) n n_h³ (LU).  matrix_free: ~20 arrays of n x (n_h + |R|); work
    4 n nnz(W_Rh) per Hessian-vector product, times :data:`CG_STEPS_ESTIMATE` + 2.

    Examples
    --------
    >>> from learning import feedforward
    >>> costs = solver_costs(feedforward((784, 40, 20, 10), seed=0), 1000)
    >>> costs["dense"][1] < 1e9 and costs["matrix_free"][0] < costs["dense"][0]
    True
    """
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    n_samples = count("n_samples", n_samples, minimum=1)
    couplings = _Couplings(septuple)
    return _costs(couplings, n_samples)


def _costs(couplings: _Couplings, n: int) -> dict[str, tuple[float, float]]:
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


def _choose_solver(couplings: _Couplings, n: int, solver: str,
                   memory_limit: float | None) -> tuple[str, int]:
    """The solver and the samples per batch: the matrix-free solver's memory is linear in the
    samples, so above the limit it runs in batches that fit; the dense one has a fixed
    n_h³ part and is refused instead (with the other solver's size)."""
    limit = MEMORY_FRACTION * _available_memory() if memory_limit is None else memory_limit
    costs = _costs(couplings, n)
    (d_flops, d_bytes), (m_flops, m_bytes) = costs["dense"], costs["matrix_free"]
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


# ----------------------------------------------------------------------------------------
# The driver.
# ----------------------------------------------------------------------------------------

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
        ``"auto"`` (by :func:`solver_costs`), ``"dense"`` (per-sample Newton systems) or
        ``"matrix_free"`` (batched projected Newton-CG).
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
        With per-sample ``status`` (see :data:`STATUS_MESSAGES`) and a summary ``message``.

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
    opts = _validate(septuple, x_boundary, x0, method, gtol, max_iter, margin, solver, n_starts)
    xb, n = opts.xb, opts.xb.shape[0]
    couplings = _Couplings(septuple)
    n_hidden = couplings.hidden.size
    if n_hidden == 0:
        loss = bulk_loss(septuple, xb, xb, objective)
        zeros = np.zeros(n, int)
        return BulkMinimumResult(xb.copy(), loss, np.ones(n, bool), zeros, np.zeros(n),
                                 loss.copy(), method, zeros, "dense", zeros)
    chosen, batch = _choose_solver(couplings, n, solver, memory_limit)
    if batch < n:
        rng = np.random.default_rng(seed)  # one stream through the batches: reproducible
        parts = [constrained_bulk_minimum(
            septuple, xb[i:i + batch], objective=objective, x0=opts.start[i:i + batch],
            method=method, gtol=gtol, max_iter=max_iter, margin=margin, progress=progress,
            solver=chosen, n_starts=n_starts, seed=rng, memory_limit=memory_limit)
            for i in tqdm(range(0, n, batch), disable=not progress, leave=False,
                          desc=f"bulk minimum (3.2), batches of {batch}")]
        return _concatenate(parts)
    problem = _Problem(septuple, xb, objective, couplings, dense=chosen == "dense")
    starts = _starts(opts, couplings.hidden, seed)
    best = None
    for k, z0 in enumerate(starts):
        run = _solve(problem, z0, opts, chosen, progress)
        if best is None:
            best = run | {"best_start": np.zeros(n, int)}
            continue
        # Strictly lower only: the default start wins ties, so multi-start never does worse.
        better = run["loss"] < best["loss"]
        for key in ("z", "loss", "grad", "stalled"):
            best[key][better] = run[key][better]
        best["iterations"] = best["iterations"] + run["iterations"]
        best["best_start"][better] = k
    assert best is not None
    z = best["z"]
    if not (np.all(np.isfinite(opts.lo)) and np.all(np.isfinite(opts.hi))):
        _check_bounded_below(problem, z, opts.newton, opts.lo, opts.hi)
    pgrad = _projected_gradient(z, best["grad"], opts.lo, opts.hi)
    gnorm = np.max(np.abs(pgrad), axis=1)
    state = xb.copy()
    state[:, couplings.hidden] = z
    if chosen == "dense":
        # Report H through the public loss function: one definition of (3.4) for all callers.
        final_loss = bulk_loss(septuple, state, xb, objective)
    else:
        # The matrix-free path avoids any N x N product: H (3.4) at the accepted point, as
        # evaluated layer-wise (float64) by the iteration itself.
        final_loss = best["loss"]
    status = _status(pgrad, opts.gtol, best["stalled"])
    return BulkMinimumResult(state=state, loss=final_loss, converged=gnorm <= opts.gtol,
                             iterations=best["iterations"], gradient_norm=gnorm,
                             start_loss=best["start_loss"], method=method, status=status,
                             solver=chosen, best_start=best["best_start"])


def _concatenate(parts: list[BulkMinimumResult]) -> BulkMinimumResult:
    """One result from the results of consecutive batches of samples."""
    first = parts[0]
    values = {}
    for field in dataclasses.fields(BulkMinimumResult):
        value = getattr(first, field.name)
        values[field.name] = (np.concatenate([getattr(p, field.name) for p in parts])
                              if isinstance(value, np.ndarray) else value)
    return BulkMinimumResult(**values)


def _starts(opts: _Options, hidden: NDArray[np.intp], seed) -> list[Array]:
    """Hidden starting states: the default (clipped into the box), then seeded random ones."""
    first = np.clip(opts.start[:, hidden], opts.lo, opts.hi)
    starts = [first]
    if opts.n_starts > 1:
        rng = np.random.default_rng(seed)
        for _ in range(opts.n_starts - 1):
            if np.all(np.isfinite(opts.lo)) and np.all(np.isfinite(opts.hi)):
                starts.append(rng.uniform(opts.lo, opts.hi, first.shape))
            else:
                starts.append(np.clip(first + rng.normal(size=first.shape), opts.lo, opts.hi))
    return starts


def _solve(problem: _Problem, z0: Array, opts: _Options, solver: str, progress: bool) -> dict:
    run = _dense_newton if solver == "dense" else _newton_cg
    # Both solvers evaluate H at the start first: that is start_loss (no separate pass).
    z, loss, grad, iterations, stalled, start_loss = run(
        problem, z0.copy(), opts.newton, opts.lo, opts.hi, opts.gtol, opts.max_iter, progress)
    return {"z": z, "loss": loss, "grad": grad, "iterations": iterations,
            "stalled": stalled, "start_loss": start_loss}


def _gauss_newton_is_exact(problem: _Problem, z: Array, idx: NDArray[np.intp]) -> bool:
    """True when the Hessian of H at ``z`` is JᵀJ, positive semi-definite by construction.

    Without a local objective (3.3), H = ½|x - f(wx + b)|² (3.1) has the Hessian
    JᵀJ - Wᵀ diag(r f'') W; where r f'' vanishes on every row (relu and linear layers, f'' = 0)
    only JᵀJ is left, so there is no negative curvature to search for.  (With the search, a
    784-4096-4096-4096-10 relu network spent ~450 s of its 520 s solve in ``eigsh``.)
    """
    if problem.objective is not None or problem.act.second_derivative is None:
        return False
    _, _, cache = problem.evaluate_cached(z, idx, True)
    assert cache is not None
    return not np.any(cache[1])


def _check_bounded_below(problem: _Problem, z: Array, newton: bool, lo: float,
                         hi: float) -> None:
    """With an unbounded side of the box, negative curvature in a free direction means H is
    unbounded below (or the iteration stopped on a saddle): either way there is no minimum."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    n_check = min(z.shape[0], 256 if problem.dense else 8)  # the curvature of (3.4) is shared
    idx = np.arange(n_check)
    if _gauss_newton_is_exact(problem, z[idx], idx):
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
