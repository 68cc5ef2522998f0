"""Per-layer storage of the weight matrix w of a layered septuple (Section 2, (2.1)-(2.3)).

A layered network numbers its neurons layer by layer (input layer first, output layer
last); its N x N weight matrix w is zero except for the blocks ``w[layer l+1, layer l]``.
:class:`LayeredWeights` keeps only those L - 1 blocks, each a dense ``ndarray`` or a
``scipy.sparse`` array, so a network with N = 10^6 neurons costs memory proportional to
its non-zero weights, never N^2.

Block API (what other modules code against)
-------------------------------------------
* ``LayeredWeights(blocks)``: ``blocks[l]`` has shape ``(n_{l+1}, n_l)``; the sizes are
  read off the blocks.  Blocks are copied (read-only) unless ``copy=False``.
* ``.sizes``, ``.slices``, ``.blocks``, ``.shape``, ``.nnz``, ``.nbytes``.
* ``.product(x)`` = x @ w.T (i.e. w x for each state row) and ``.transpose_product(r)`` =
  r @ w (i.e. w^T r for each row), O(nnz) each, for a state ``(N,)`` or a batch
  ``(n, N)``.
* ``.submatrix(rows, cols)``: the dense ``w[np.ix_(rows, cols)]`` without forming w.
* ``.toarray()``: the dense N x N matrix (callers should go through
  :meth:`learning.septuple.Septuple.dense_weights`, which checks the size first).

On a :class:`~learning.septuple.Septuple` the same blocks are reached with
:func:`learning.feedforward.layer_weights`, :func:`~learning.feedforward.layer_biases` and
:func:`~learning.feedforward.layer_slices`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ntcore.checks import count

__all__ = ["LayeredWeights", "dense_bytes"]

Array = NDArray[np.float64]


def dense_bytes(n: int) -> int:
    """Bytes of an N x N float64 matrix."""
    n = count("n", n)
    return 8 * n * n


def _as_block(value, l: int, copy: bool):
    """A float64 block, read-only if dense; sparse blocks become CSR arrays."""
    if sp.issparse(value):
        blk = sp.csr_array(value, dtype=float, copy=copy)
        blk.sum_duplicates()
        if not np.all(np.isfinite(blk.data)):
            raise ValueError(f"weights[{l}] contains non-finite entries")
        return blk
    blk = np.array(value, dtype=float, copy=copy)
    if blk.ndim != 2:
        raise ValueError(f"weights[{l}] must be a 2-D block, got shape {blk.shape}")
    if not np.all(np.isfinite(blk)):
        raise ValueError(f"weights[{l}] contains non-finite entries")
    if copy or blk.flags.writeable:
        blk.setflags(write=False)
    return blk


class LayeredWeights:
    """The non-zero blocks :math:`w_{l+1,l}` of a layered weight matrix (module docstring).

    Parameters
    ----------
    blocks
        ``blocks[l]`` of shape ``(n_{l+1}, n_l)``, dense or ``scipy.sparse``, l = 0..L-2.
    copy
        Copy the blocks (default); ``False`` only for arrays nobody else holds.

    Raises
    ------
    ValueError
        If there is no block, a block is not 2-D, consecutive shapes do not chain, or an
        entry is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> lw = LayeredWeights([np.ones((2, 3)), np.ones((1, 2))])
    >>> lw.sizes, lw.shape, lw.nnz
    ((3, 2, 1), (6, 6), 8)
    >>> bool(np.array_equal(lw.product(np.ones(6)), lw.toarray() @ np.ones(6)))
    True
    """

    __slots__ = ("blocks", "sizes", "slices", "_offsets")

    def __init__(self, blocks: Sequence[ArrayLike], *, copy: bool = True):
        if isinstance(blocks, np.ndarray) or len(blocks) == 0:
            raise ValueError("blocks must be a non-empty sequence of 2-D weight blocks")
        converted = tuple(_as_block(b, l, copy) for l, b in enumerate(blocks))
        sizes = [converted[0].shape[1]]
        for l, blk in enumerate(converted):
            if blk.shape[1] != sizes[-1]:
                raise ValueError(f"weights[{l}] must have shape (n_{l + 1}, {sizes[-1]}) to "
                                 f"chain with the previous block, got {blk.shape}")
            sizes.append(blk.shape[0])
        if any(s <= 0 for s in sizes):
            raise ValueError(f"sizes: every layer size must be positive, got {tuple(sizes)}")
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.blocks = converted
        self.sizes = tuple(int(s) for s in sizes)
        self._offsets = tuple(int(o) for o in offsets)
        self.slices = tuple(slice(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True))

    # ---- sizes ----------------------------------------------------------------------
    @property
    def n(self) -> int:
        """N, the number of neurons."""
        return self._offsets[-1]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n, self.n)

    @property
    def nnz(self) -> int:
        """Stored non-zero weights (dense blocks: their non-zero entries)."""
        return int(sum(b.nnz if sp.issparse(b) else np.count_nonzero(b) for b in self.blocks))

    @property
    def nbytes(self) -> int:
        """Memory held by the blocks."""
        total = 0
        for b in self.blocks:
            if sp.issparse(b):
                total += b.data.nbytes + b.indices.nbytes + b.indptr.nbytes
            else:
                total += b.nbytes
        return int(total)

    def __repr__(self) -> str:
        kinds = "".join("s" if sp.issparse(b) else "d" for b in self.blocks)
        return f"LayeredWeights(sizes={self.sizes}, nnz={self.nnz}, blocks={kinds!r})"

    # ---- products -------------------------------------------------------------------
    def product(self, x: ArrayLike) -> Array:
        """x @ w.T for a state ``(N,)`` or a batch ``(n, N)``: the w x of (2.5), O(nnz)."""
        x = np.asarray(x, dtype=float)
        y = np.zeros(x.shape)
        for l, blk in enumerate(self.blocks):
            src, dst = self.slices[l], self.slices[l + 1]
            y[..., dst] = right_product(blk, x[..., src])
        return y

    def transpose_product(self, r: ArrayLike) -> Array:
        """r @ w for a vector ``(N,)`` or a batch ``(n, N)``: w^T r, O(nnz)."""
        r = np.asarray(r, dtype=float)
        y = np.zeros(r.shape)
        for l, blk in enumerate(self.blocks):
            src, dst = self.slices[l], self.slices[l + 1]
            y[..., src] = left_product(blk, r[..., dst])
        return y

    def row_max_abs(self) -> Array:
        """max_j |w_ij| for every neuron i (0 for the input layer), without forming w."""
        out = np.zeros(self.n)
        for l, blk in enumerate(self.blocks):
            out[self.slices[l + 1]] = _max_abs(blk, axis=1)
        return out

    def column_max_abs(self) -> Array:
        """max_i |w_ij| for every neuron j (0 for the output layer), without forming w."""
        out = np.zeros(self.n)
        for l, blk in enumerate(self.blocks):
            out[self.slices[l]] = _max_abs(blk, axis=0)
        return out

    def nonzero_masks(self) -> list:
        """Boolean (sparse or dense) masks of the non-zero entries of each block."""
        return [sp.csr_array(b != 0) if sp.issparse(b) else b != 0 for b in self.blocks]

    # ---- dense views ----------------------------------------------------------------
    def submatrix(self, rows: ArrayLike, cols: ArrayLike) -> Array:
        """Dense ``w[np.ix_(rows, cols)]`` from the blocks, never forming w."""
        rows = np.asarray(rows, dtype=np.intp).ravel()
        cols = np.asarray(cols, dtype=np.intp).ravel()
        out = np.zeros((rows.size, cols.size))
        row_layer = np.searchsorted(self._offsets, rows, side="right") - 1
        col_layer = np.searchsorted(self._offsets, cols, side="right") - 1
        for l, blk in enumerate(self.blocks):
            ri = np.flatnonzero(row_layer == l + 1)
            ci = np.flatnonzero(col_layer == l)
            if ri.size == 0 or ci.size == 0:
                continue
            sub = blk[rows[ri] - self._offsets[l + 1]][:, cols[ci] - self._offsets[l]]
            out[np.ix_(ri, ci)] = sub.toarray() if sp.issparse(sub) else sub
        return out

    def toarray(self) -> Array:
        """The dense N x N matrix w (read-only)."""
        w = np.zeros(self.shape)
        for l, blk in enumerate(self.blocks):
            w[self.slices[l + 1], self.slices[l]] = blk.toarray() if sp.issparse(blk) else blk
        w.setflags(write=False)
        return w

    @staticmethod
    def from_dense(w: Array, sizes: Sequence[int]) -> LayeredWeights:
        """Blocks of a dense w with layer sizes ``sizes`` (views, no copy).

        Raises
        ------
        ValueError
            If w has a non-zero entry outside the blocks :math:`w_{l+1,l}` (it is then not the
            layered network that ``sizes`` describes).
        """
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        mask = np.ones(w.shape, dtype=bool)
        blocks = []
        for l in range(len(sizes) - 1):
            rows = slice(offsets[l + 1], offsets[l + 2])
            cols = slice(offsets[l], offsets[l + 1])
            mask[rows, cols] = False
            blocks.append(w[rows, cols])
        off = np.abs(w[mask])
        if off.size and np.max(off) > 0:
            i, j = np.argwhere(mask & (w != 0))[0]
            raise ValueError(
                f"layer_sizes = {tuple(int(s) for s in sizes)} does not describe w: w has "
                f"{int(np.count_nonzero(off))} non-zero entries outside the blocks "
                f"w[layer l+1, layer l] (e.g. w[{i}, {j}] = {w[i, j]:.3g}); pass "
                "layer_sizes=None for a general septuple")
        return LayeredWeights(blocks, copy=False)


def right_product(blk, x: NDArray[np.floating]) -> NDArray[np.floating]:
    """x @ blk.T (blk x per row, the block product of (2.5)) for x of shape (n_l,) or
    (n, n_l), blk dense or scipy.sparse; float32 in, float32 out with float32 blocks.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> blk, x = np.array([[1.0, 2.0], [0.0, 3.0]]), np.array([[1.0, 1.0]])
    >>> right_product(blk, x).tolist(), right_product(sp.csr_array(blk), x).tolist()
    ([[3.0, 3.0]], [[3.0, 3.0]])
    """
    if sp.issparse(blk):
        return blk @ x if x.ndim == 1 else (blk @ x.T).T
    return x @ blk.T


def left_product(blk, r: NDArray[np.floating]) -> NDArray[np.floating]:
    """r @ blk (blkᵀ r per row, the transposed block product) for r of shape :math:`(n_{l+1},)` or
    :math:`(n, n_{l+1})`, blk dense or scipy.sparse.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> blk, r = np.array([[1.0, 2.0], [0.0, 3.0]]), np.array([[1.0, 1.0]])
    >>> left_product(blk, r).tolist(), left_product(sp.csr_array(blk), r).tolist()
    ([[1.0, 5.0]], [[1.0, 5.0]])
    """
    if sp.issparse(blk):
        return blk.T @ r if r.ndim == 1 else (blk.T @ r.T).T
    return r @ blk


def _max_abs(blk, axis: int) -> Array:
    if sp.issparse(blk):
        return np.asarray(abs(blk).max(axis=axis).toarray()).ravel()
    return np.max(np.abs(blk), axis=axis, initial=0.0)
