"""The linear maps of the bulk minimum (3.2): the couplings :math:`W_{Rh}`, :math:`W_{R∂}` and the
hidden Jacobian's forward substitution.

This module is the one place where the bulk minimum touches weight blocks (the seam for
the single Jacobian operator of :mod:`learning.jacobian`, when it lands):

* :class:`Couplings` — :math:`W_{Rh} z` (:meth:`~Couplings.hidden_to_rows`), :math:`W_{Rh}^T u`
  (:meth:`~Couplings.rows_to_hidden`) and :math:`W_{R∂} x_∂ + b_R`, rows R = the non-input neurons;
* :class:`ChainPreconditioner` — :math:`s = J_{hh}^{-1} u` (forward substitution with
  :math:`J_{hh} = I - D_h W_{hh}`, i.e. A = I - J on the hidden neurons) and
  :math:`t = J_{hh}^{-T} v` (back substitution).

The block products themselves are :func:`learning.layered_weights.right_product` and
:func:`~learning.layered_weights.left_product`; nothing else in :mod:`learning.bulk_minimum`
multiplies by a block.
"""

from __future__ import annotations

from functools import cached_property
from typing import TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from learning.feedforward import layer_biases, layer_slices, layer_weights
from learning.layered_weights import left_product, right_product
from learning.septuple import Septuple

Array = NDArray[np.float64]
# A block w_{l+1,l} of a layered network as stored: dense, or a scipy.sparse CSR array.
Block: TypeAlias = Array | sp.csr_array


def _to_dense(w: Block) -> Array:
    return w.toarray() if sp.issparse(w) else np.asarray(w)


def _count_nonzero(w: Block) -> int:
    """Non-zero entries of a dense or scipy.sparse block w."""
    return int(w.count_nonzero() if sp.issparse(w) else np.count_nonzero(w))


class Couplings:
    """W restricted to rows R (non-input neurons) and columns hidden h / boundary ∂, (3.1).

    For a layered septuple whose inputs are its first layer the maps are applied block by
    block through :func:`learning.feedforward.layer_weights` (no N x N array); otherwise
    through the dense rows/columns of ``septuple.weights``.

    Examples
    --------
    >>> from learning import feedforward
    >>> net = feedforward((3, 2, 1), seed=0)
    >>> c = Couplings(net)
    >>> c.layered, c.rows.tolist(), c.hidden.tolist()
    (True, [3, 4, 5], [3, 4])
    >>> w_rh, _ = c.dense()
    >>> z = np.array([[1.0, -1.0]])
    >>> bool(np.allclose(c.hidden_to_rows(z), z @ net.weights[np.ix_(c.rows, c.hidden)].T))
    True
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

    @cached_property
    def single_blocks(self) -> list[tuple[slice, slice, Block]]:
        """float32 copies of the hidden blocks ``(rows, hidden positions, w_h)``, built on
        first use, for single-precision Hessian-vector products."""
        if self.layered:
            return [(rows, h_pos, w_h.astype(np.float32))
                    for rows, h_pos, w_h, _, _ in self.blocks]
        return [(slice(None), slice(None), self._w_rh.astype(np.float32))]

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
        """(:math:`W_{Rh}`, :math:`W_{R∂}`) as dense arrays (for the dense solver: |R| x n_h is then
        small)."""
        if not self.layered:
            return self._w_rh, self._w_rb
        w_rh = np.zeros((self.n_rows, self.hidden.size))
        w_rb = np.zeros((self.n_rows, self.boundary.size))
        for rows, h_pos, w_h, b_pos, w_b in self.blocks:
            w_rh[rows, h_pos] = _to_dense(w_h)
            w_rb[rows, b_pos] = _to_dense(w_b)
        return w_rh, w_rb

    def _hidden_blocks(self, dtype: np.dtype) -> list[tuple[slice, slice, Block]]:
        if dtype == np.float32:
            return self.single_blocks
        return [(rows, h_pos, w_h) for rows, h_pos, w_h, _, _ in self.blocks]

    def hidden_to_rows(self, z: NDArray[np.floating]) -> NDArray[np.floating]:
        """:math:`W_{Rh} z` for each row of ``z`` (shape (n, n_h) -> (n, |R|)); float32 in, float32
        out."""
        if not self.layered and z.dtype != np.float32:
            return z @ self._w_rh.T
        out = np.zeros((z.shape[0], self.n_rows), z.dtype)
        for rows, h_pos, w_h in self._hidden_blocks(z.dtype):
            if w_h.shape[1]:
                out[:, rows] = right_product(w_h, z[:, h_pos])
        return out

    def rows_to_hidden(self, u: NDArray[np.floating]) -> NDArray[np.floating]:
        """:math:`W_{Rh}^T u` for each row of ``u`` (shape (n, |R|) -> (n, n_h)); float32 in and
        out."""
        if not self.layered and u.dtype != np.float32:
            return u @ self._w_rh
        out = np.zeros((u.shape[0], self.hidden.size), u.dtype)
        for rows, h_pos, w_h in self._hidden_blocks(u.dtype):
            if w_h.shape[1]:
                out[:, h_pos] += left_product(w_h, u[:, rows])
        return out

    def boundary_to_rows(self, xb: Array) -> Array:
        """:math:`W_{R∂} x_∂ + b_R`: the fixed part of the pre-activations of R."""
        if not self.layered:
            return xb @ self._w_rb.T + self.bias_rows
        out = np.zeros((xb.shape[0], self.n_rows))
        for rows, _, _, b_pos, w_b in self.blocks:
            if w_b.shape[1]:
                out[:, rows] = right_product(w_b, xb[:, b_pos])
        return out + self.bias_rows


def transpose_start(v: NDArray[np.floating] | None, rows: NDArray[np.floating] | None,
                    n_hidden: int) -> NDArray[np.floating]:
    """The start of a back substitution :math:`t = J_{hh}^{-T} (v + W_{Rh}^T c)`, (5.4): a copy of
    ``v``, or zeros in the dtype of ``rows`` (c) when ``v`` is None.

    Examples
    --------
    >>> v = np.ones((2, 3))
    >>> t = transpose_start(v, None, 3)
    >>> t is v, bool(np.array_equal(t, v))  # a copy: the substitution writes into it
    (False, True)
    >>> t = transpose_start(None, np.ones((2, 5), dtype=np.float32), 3)
    >>> t.shape, t.dtype, bool(np.all(t == 0))
    ((2, 3), dtype('float32'), True)
    """
    if v is None:
        assert rows is not None
        return np.zeros((rows.shape[0], n_hidden), dtype=rows.dtype)
    return v.copy()


class ChainPreconditioner:
    """:math:`M^{-1} = (J_{hh}^T J_{hh})^{-1}` for the Newton-CG systems of a layered network,
    (3.2), (5.4).

    The residuals of (3.1) on the hidden rows, r_h = x_h - f(y_h), have the Jacobian
    :math:`J_{hh} = I - D_h W_{hh}` in the hidden variables (D = diag f'(y), (5.4)); the
    Gauss-Newton Hessian is :math:`J_{hh}^T J_{hh}` + (output rows' term, rank <= n_out) and the
    Newton term is -Wᵀ diag(r f'') W with r small near the minimum.  For a layered network
    :math:`W_{hh}` couples hidden layer l to l + 1 only, so :math:`J_{hh}` is unit block lower
    triangular: :math:`J_{hh}^{-1}` is a forward pass of the linearised network and
    :math:`J_{hh}^{-T}` a backward pass, each one product with every hidden-to-hidden block, and
    M⁻¹H - I is (close to) low rank: CG needs a few steps instead of ~√n_h ones.  Built only when
    every layer is wholly hidden or wholly boundary (:attr:`Couplings.whole_layers`); otherwise CG
    runs unpreconditioned.

    Examples
    --------
    >>> from learning import feedforward
    >>> c = Couplings(feedforward((3, 4, 4, 1), seed=0))
    >>> pre = ChainPreconditioner.build(c)
    >>> d = np.full((1, c.n_rows), 0.5)
    >>> w_hh = c.dense()[0][np.searchsorted(c.rows, c.hidden)]
    >>> jac = np.eye(c.hidden.size) - 0.5 * w_hh
    >>> v = np.ones((1, c.hidden.size))
    >>> bool(np.allclose(pre.apply(v, d)[0], np.linalg.solve(jac.T @ jac, v[0])))
    True
    """

    def __init__(self, couplings: Couplings):
        self.couplings = couplings
        self.hidden_layers = [j for j, pos in enumerate(couplings.layer_hidden) if pos is not None]

    @staticmethod
    def build(couplings: Couplings) -> ChainPreconditioner | None:
        """The preconditioner, or None when some layer is split between hidden and boundary."""
        return ChainPreconditioner(couplings) if couplings.whole_layers else None

    def _block(self, j: int, single: bool) -> Block:
        """:math:`w_{j+1,j}` (hidden columns) as stored, or its float32 copy."""
        return (self.couplings.single_blocks[j][2] if single else self.couplings.blocks[j][2])

    def _hidden(self, j: int) -> slice | None:
        layers = self.couplings.layer_hidden
        return layers[j] if 0 <= j < len(layers) else None

    def solve(self, u: NDArray[np.floating], d: Array
              ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """:math:`s = J_{hh}^{-1} u` and :math:`q = W_{Rh} s` per row (one forward pass: the
        products that run the substitution :math:`s_{j+1} = u_{j+1} + D_{j+1} w_{j+1,j} s_j` are the
        rows of :math:`W_{Rh} s`)."""
        c = self.couplings
        single = u.dtype == np.float32
        d = d.astype(np.float32, copy=False) if single else d
        s = u.copy()
        q = np.zeros((u.shape[0], c.n_rows), dtype=u.dtype)
        for j in self.hidden_layers:
            product = right_product(self._block(j, single), s[:, c.layer_hidden[j]])
            q[:, c.layer_rows[j + 1]] = product
            nxt = self._hidden(j + 1)
            if nxt is not None:
                s[:, nxt] += d[:, c.layer_rows[j + 1]] * product
        return s, q

    def transpose_solve(self, v: NDArray[np.floating] | None, d: Array,
                        rows: NDArray[np.floating] | None = None) -> NDArray[np.floating]:
        """:math:`t = J_{hh}^{-T} (v + W_{Rh}^T c)` per row, c = ``rows`` on R (one backward pass:
        :math:`t_j = v_j + w_{j+1,j}^T (c_{j+1} + D_{j+1} t_{j+1})`, last hidden layer first);
        ``v=None`` is v = 0, in the dtype of ``rows``."""
        cp = self.couplings
        t = transpose_start(v, rows, cp.hidden.size)
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
            t[:, cp.layer_hidden[j]] += left_product(self._block(j, single), coefficient)
        return t

    def apply(self, v: NDArray[np.floating], d: Array) -> NDArray[np.floating]:
        """:math:`M^{-1} v = J_{hh}^{-1} J_{hh}^{-T} v` per row of ``v`` (hidden coordinates), f' on
        R in ``d``."""
        return self.solve(self.transpose_solve(v, d), d)[0]
