"""One Jacobian operator J = f'w for every feedforward septuple (5.4)-(5.6).

G = A^T A with A = I - J and J = f'w at a state (5.6) is what every spectral quantity of the
paper needs (μ_k (9.5)-(9.6), N_> (6.6), C_n (10.5), the gap, the bulk minimum (3.2)).
:class:`JacobianOperator` holds J for

* a :class:`~learning.septuple.Septuple` with dense w (any septuple; products
  ``septuple.preactivation``/``transpose_product``, no substitution);
* a layered Septuple (:class:`~learning.layered_weights.LayeredWeights` blocks
  :math:`w_{l+1,l}`, stored or views of a dense w): products block by block, A⁻¹ and A⁻ᵀ
  by substitution over the layers;
* a :class:`~learning.graph.septuple.GraphSeptuple`: blocks W_vu as LinearMaps, per-node
  f' (exact nodes) or the Jacobian of φ_v (linearised nodes), A⁻¹, A⁻ᵀ by
  substitution in topological order.

All products act on *row batches*: ``V`` of shape ``(k, N)`` (or one vector ``(N,)``), so a
wide probe block is one pass over the weights.  The weights are kept once, in the layout
each product reads (C-contiguous (out, in) blocks, used as ``X @ W.T`` and ``U @ W`` by BLAS
without copies); with ``dtype=np.float32`` a float32 copy is made once and the products run
in float32 (the derivative f' stays exact at the state, rounded to float32).  ``count``
counts products with J, Jᵀ, A, Aᵀ, A⁻¹ or A⁻ᵀ, one per vector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, DTypeLike, NDArray

from learning.blas import MKL_MIN_ENTRIES, BlockPair, active_backend
from learning.graph.maps import LinearMap
from learning.graph.septuple import GraphSeptuple
from learning.layered_weights import left_product, right_product
from learning.septuple import Septuple
from ntcore.checks import real_array

__all__ = ["JacobianOperator", "jacobian_operator", "check_mean_state", "linear_operator"]

Array = NDArray[np.float64]
Network = Septuple | GraphSeptuple


def check_mean_state(network: Network, x_mean: ArrayLike) -> Array:
    """<x> of (5.3) as a finite float array of shape ``(N,)``, else ValueError.

    Examples
    --------
    >>> from learning import feedforward
    >>> check_mean_state(feedforward((2, 1), seed=0), [0.0, 0.1, 0.2]).shape
    (3,)
    """
    if not isinstance(network, Septuple | GraphSeptuple):
        raise TypeError(f"septuple must be a Septuple or a GraphSeptuple, got "
                        f"{type(network).__name__}")
    n = network.n_neurons
    x = real_array("x_mean", x_mean)  # strings, generators, objects refused by name
    if x.shape != (n,):
        raise ValueError(f"x_mean must have shape ({n},), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x_mean contains non-finite entries")
    return x


def _finite_derivative(d: Array) -> Array:
    if not np.all(np.isfinite(d)):
        raise ValueError("f'(w <x> + b) is not finite at x_mean")
    return d


# ---- structures: J and the substitutions for each kind of network ------------------------
class _DenseStructure:
    """J = diag(d) w for a dense w (any septuple); A⁻¹ is not a substitution here."""

    feedforward = False

    def __init__(self, septuple: Septuple, d: Array, dtype: np.dtype) -> None:
        self.n, self.d = septuple.n_neurons, d.astype(dtype, copy=False)
        if dtype == np.float64:
            zero = np.zeros(self.n)
            self.forward: Callable[[Array], Array] = lambda x: septuple.preactivation(x, zero)
            self.backward: Callable[[Array], Array] = septuple.transpose_product
            self.nbytes = int(septuple.weights.nbytes)
        else:
            w = np.ascontiguousarray(septuple.weights, dtype=dtype)
            self.forward, self.backward = (lambda x: x @ w.T), (lambda r: r @ w)
            self.nbytes = int(w.nbytes)

    def j(self, x: Array) -> Array:
        return self.d * self.forward(x)

    def jt(self, u: Array) -> Array:
        return self.backward(self.d * u)


class _LayeredStructure:
    """J = f' w for blocks w_{l+1,l}: products and substitutions layer by layer."""

    feedforward = True

    def __init__(self, septuple: Septuple, d: Array, dtype: np.dtype) -> None:
        lw = septuple.layered_weights
        assert lw is not None
        self.n, self.d, self.slices = septuple.n_neurons, d.astype(dtype, copy=False), lw.slices
        if dtype == np.float64:
            self.blocks = list(lw.blocks)
        else:
            self.blocks = [b.astype(dtype) if sp.issparse(b) else
                           np.ascontiguousarray(b, dtype=dtype) for b in lw.blocks]
        self.nbytes = lw.nbytes if dtype == np.float64 else int(sum(
            b.data.nbytes + b.indices.nbytes + b.indptr.nbytes if sp.issparse(b) else b.nbytes
            for b in self.blocks))
        self.dtype = dtype
        # On MKL, big dense blocks are multiplied with their transposed copy beside them
        # (learning.blas): both products at MKL's fast layout, the weights held twice.
        on_mkl = active_backend() == "mkl"  # resolved once: "auto" asks threadpoolctl
        self.pairs = [BlockPair(b, dtype) if on_mkl and _mkl_sized(b) else None
                      for b in self.blocks]
        # The transposes, and the block itself where it was a strided view (of a dense w).
        self.copy_bytes = sum(p.w.nbytes * (1 if p.w is b else 2)
                              for p, b in zip(self.pairs, self.blocks, strict=True)
                              if p is not None)
        self.nbytes += self.copy_bytes
        self.backend = "mkl" if any(p is not None for p in self.pairs) else "numpy"

    def _times(self, l: int, x: Array) -> NDArray[np.floating]:
        pair = self.pairs[l]
        return right_product(self.blocks[l], x) if pair is None else pair.times(x)

    def _t_times(self, l: int, r: Array) -> NDArray[np.floating]:
        pair = self.pairs[l]
        return left_product(self.blocks[l], r) if pair is None else pair.t_times(r)

    def _wx(self, x: Array) -> Array:
        y = np.zeros_like(x, dtype=np.result_type(x, self.dtype))  # keeps x's memory order
        for l in range(len(self.blocks)):
            y[..., self.slices[l + 1]] = self._times(l, x[..., self.slices[l]])
        return y

    def _rw(self, r: Array) -> Array:
        y = np.zeros_like(r, dtype=np.result_type(r, self.dtype))
        for l in range(len(self.blocks)):
            y[..., self.slices[l]] = self._t_times(l, r[..., self.slices[l + 1]])
        return y

    def j(self, x: Array) -> Array:
        return self.d * self._wx(x)

    def jt(self, u: Array) -> Array:
        return self._rw(self.d * u)

    def a_pair(self, v: Array, sub: Array | None) -> tuple[Array, Array]:
        """P = A V - S and A^T P for float64 rows V, each dense block read once: its row
        panels serve both products while they are in cache (see JacobianOperator.a_and_at)."""
        low = v if self.dtype == np.float64 else v.astype(self.dtype)
        p = np.array(v)
        first = self.slices[0]
        if sub is not None:
            p[:, first] -= sub[:, first]
        jt_p = np.zeros(v.shape, dtype=self.dtype)
        for l, blk in enumerate(self.blocks):
            src, dst = self.slices[l], self.slices[l + 1]
            rows = blk.shape[0] if sp.issparse(blk) else _panel_rows(blk)
            for start in range(0, blk.shape[0], rows):
                panel = blk if rows >= blk.shape[0] else blk[start:start + rows]
                out = slice(dst.start + start, dst.start + start + panel.shape[0])
                d = self.d[out]
                p[:, out] -= d * self._panel_product(panel, low[:, src])
                if sub is not None:
                    p[:, out] -= sub[:, out]
                jt_p[:, src] += left_product(panel, (d * p[:, out]).astype(self.dtype, copy=False))
        return p, p - jt_p

    def _panel_product(self, panel, x: NDArray[np.floating]) -> NDArray[np.floating]:
        # OpenBLAS's float32 kernel is faster with the weights on the left (W X^T)^T at a
        # width of ~30 rows, its float64 kernel with them on the right (issue 29, measured
        # by benchmarks/profile_paths.py --part gemm).
        if self.dtype == np.float64 or sp.issparse(panel):
            return right_product(panel, x)
        return (panel @ x.T).T

    def solve(self, y: Array) -> Array:
        # (A x)_{l+1} = x_{l+1} - D_{l+1} w_{l+1,l} x_l: forward substitution from x_0 = y_0.
        x = np.array(y, dtype=np.result_type(y, self.dtype))
        sl, d = self.slices, self.d
        for l, (blk, pair) in enumerate(zip(self.blocks, self.pairs, strict=True)):
            prev = x[..., sl[l]]
            if pair is not None:
                prod = pair.times(prev)
            else:
                prod = blk @ prev if prev.ndim == 1 else (blk @ prev.T).T
            x[..., sl[l + 1]] += d[sl[l + 1]] * prod
        return x

    def solve_t(self, y: Array) -> Array:
        x = np.array(y, dtype=np.result_type(y, self.dtype))
        sl, d = self.slices, self.d
        for l in range(len(self.blocks) - 1, -1, -1):
            nxt = d[sl[l + 1]] * x[..., sl[l + 1]]
            blk, pair = self.blocks[l], self.pairs[l]
            if pair is not None:
                x[..., sl[l]] += pair.t_times(nxt)
            else:
                x[..., sl[l]] += blk.T @ nxt if nxt.ndim == 1 else (blk.T @ nxt.T).T
        return x


#: Entries of a dense weight block read at a time by :meth:`JacobianOperator.a_and_at`: a
#: row panel this size (512 rows of 4096: 16 MiB in float64, 8 MiB in float32) serves A's
#: product and then A^T's from cache (the fastest of 128-1024 rows, float64 and float32,
#: 1 and 2 threads, in benchmarks/profile_paths.py --part gemm).
PANEL_ENTRIES = 2**21


def _mkl_sized(blk) -> bool:
    """A dense block big enough for the MKL products (learning.blas)."""
    return not sp.issparse(blk) and blk.size >= MKL_MIN_ENTRIES


def _panel_rows(blk: NDArray[np.floating]) -> int:
    return int(max(1, PANEL_ENTRIES // max(1, blk.shape[1])))


class _GraphStructure:
    """J of a graph septuple: row v is D_v Σ_u W_vu, D_v = diag f'(z_v) or dφ_v(z_v)."""

    feedforward = True

    def __init__(self, net: GraphSeptuple, x: Array, dtype: np.dtype) -> None:
        self.net, self.n, self.dtype = net, net.n_neurons, dtype
        z = net.preactivations(x[None, :])
        self.diag: list[Array | None] = []
        self.jac: list[LinearMap | None] = []
        # The maps follow the probes' dtype (float32 copies of their weights made once).
        self.blocks = [node.blocks for node in net.nodes]
        for node, zv in zip(net.nodes, z, strict=True):
            diag, jac = None, None
            if zv is not None and node.function is not None:
                jac = node.function.jacobian(zv[0])
            elif zv is not None and node.activation is not None:
                diag = _finite_derivative(node.activation.derivative(zv[0]))
                diag = diag.reshape(-1).astype(dtype)
            self.diag.append(diag)
            self.jac.append(jac)
        self.d = np.concatenate([np.zeros(n.size) if g is None else g
                                 for n, g in zip(net.nodes, self.diag, strict=True)])
        self.nbytes = int(sum(m.nbytes for bl in self.blocks for m in bl)
                          + sum(j.nbytes for j in self.jac if j is not None) + self.d.nbytes)

    def _part(self, x: Array, u: int) -> Array:
        return x[:, self.net.node_slice(u)].reshape((x.shape[0], *self.net.nodes[u].shape))

    def _row(self, v: int, x: Array) -> Array:
        """D_v Σ_u W_vu x_u as a ``(k, size_v)`` array (x_u read from the flat ``x``)."""
        node, k = self.net.nodes[v], x.shape[0]
        z = None
        for u, m in zip(node.sources, self.blocks[v], strict=True):
            term = m.matmat(self._part(x, u))
            z = term if z is None else z + term
        if z is None:
            return np.zeros((k, node.size), dtype=self.dtype)
        jac, diag = self.jac[v], self.diag[v]
        if jac is not None:
            return np.asarray(jac.matmat(z)).reshape(k, -1)
        assert diag is not None
        return diag * z.reshape(k, -1)

    def _back(self, v: int, r: Array, out: Array) -> None:
        """out_u += W_vu^T D_v^T r for every source u (``r`` of shape ``(k, size_v)``)."""
        node, k = self.net.nodes[v], r.shape[0]
        jac, diag = self.jac[v], self.diag[v]
        if jac is not None:
            s = jac.rmatmat(r.reshape((k, *node.shape)))
        else:
            assert diag is not None
            s = (diag * r).reshape((k, *node.pre_shape))
        for u, m in zip(node.sources, self.blocks[v], strict=True):
            out[:, self.net.node_slice(u)] += np.asarray(m.rmatmat(s)).reshape(k, -1)

    def j(self, x: Array) -> Array:
        out = np.zeros(x.shape, dtype=np.result_type(x, self.dtype))
        for v, node in enumerate(self.net.nodes):
            if node.kind != "input":
                out[:, self.net.node_slice(v)] = self._row(v, x)
        return out

    def jt(self, u: Array) -> Array:
        out = np.zeros(u.shape, dtype=np.result_type(u, self.dtype))
        for v, node in enumerate(self.net.nodes):
            if node.kind != "input":
                self._back(v, u[:, self.net.node_slice(v)], out)
        return out

    def solve(self, y: Array) -> Array:
        # Forward substitution in topological order: x_v = y_v + D_v Σ_u W_vu x_u.
        x = np.array(y, dtype=np.result_type(y, self.dtype))
        for v, node in enumerate(self.net.nodes):
            if node.kind != "input":
                x[:, self.net.node_slice(v)] += self._row(v, x)
        return x

    def solve_t(self, y: Array) -> Array:
        # Backward substitution: x_u = y_u + Σ_v W_vu^T D_v^T x_v over the later nodes v.
        x = np.array(y, dtype=np.result_type(y, self.dtype))
        for v in range(len(self.net.nodes) - 1, -1, -1):
            if self.net.nodes[v].kind != "input":
                self._back(v, x[:, self.net.node_slice(v)], x)
        return x


# ---- the operator ----------------------------------------------------------------------------
_KINDS = ("j", "a", "g", "a_inverse", "g_inverse")


class JacobianOperator:
    """J = f'w of a feedforward septuple at a state (5.4), with A = I - J and G = A^T A (5.6).

    Build it with :func:`jacobian_operator`.  Products take row batches ``(k, N)`` or one
    vector ``(N,)``: ``matmat`` (J V), ``rmatmat`` (J^T U), ``a_matmat``, ``a_rmatmat``,
    ``g_matmat``; for feedforward structures (layered and graph septuples) ``a_solve``
    (A⁻¹ Y) and ``a_solve_t`` (A⁻ᵀ Y) by substitution in topological order,
    O(nnz w) each.  ``count`` counts products per vector.

    Attributes
    ----------
    n
        N, the number of neurons.
    dtype
        The dtype of the products (float64, or float32 for fast wide probe blocks).
    derivative
        f' at the state for every neuron (0 on input neurons of a graph and on
        linearised nodes, whose Jacobians are operators).
    exact
        False when some node is non-component-wise and linearised (generalised G).
    linearised
        Labels of the linearised nodes.
    """

    def __init__(self, structure: Any, dtype: np.dtype, exact: bool,
                 linearised: tuple[str, ...]) -> None:
        if not isinstance(structure, _DenseStructure | _LayeredStructure | _GraphStructure):
            raise TypeError("structure must be one of the operator's structures; build the "
                            "operator with jacobian_operator(network, x_mean)")
        self._s = structure
        self.n: int = structure.n
        self.dtype = dtype
        self.derivative: Array = structure.d
        self.exact = exact
        self.linearised = linearised
        self.count = 0

    def __repr__(self) -> str:
        return (f"JacobianOperator(N={self.n}, structure={type(self._s).__name__[1:]}, "
                f"dtype={self.dtype.name}, exact={self.exact})")

    @property
    def feedforward(self) -> bool:
        """True when A⁻¹ is a substitution (layered or graph septuple)."""
        return bool(self._s.feedforward)

    @property
    def nbytes(self) -> int:
        """Bytes held: the weights (in the product dtype; twice for the dense blocks on MKL,
        :mod:`learning.blas`) and f' at the state."""
        return int(self._s.nbytes + self.derivative.nbytes)

    @property
    def copy_bytes(self) -> int:
        """Bytes of the transposed copies made for MKL (0 on NumPy's BLAS)."""
        return int(getattr(self._s, "copy_bytes", 0))

    @property
    def backend(self) -> str:
        """The BLAS of the dense block products: ``"mkl"`` or ``"numpy"``."""
        return str(getattr(self._s, "backend", "numpy"))

    def memory_estimate(self, k: int) -> int:
        """Bytes of one block product on ``k`` vectors beyond the operator: the result and
        about two temporaries of the block's size (upper estimate)."""
        return int(3 * k * self.n * np.dtype(self.dtype).itemsize)

    def _prepare(self, v: ArrayLike) -> Array:
        arr = np.asarray(v)
        if arr.dtype != self.dtype and self.dtype != np.float64:
            arr = arr.astype(self.dtype)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.n:
            raise ValueError(f"vectors must have shape ({self.n},) or (k, {self.n}), "
                             f"got {arr.shape}")
        self.count += 1 if arr.ndim == 1 else arr.shape[0]
        return arr

    def _batched(self, fn: Callable[[Array], Array], arr: Array) -> Array:
        # The graph structure works on (k, N) batches only; the others take both.
        if arr.ndim == 1 and isinstance(self._s, _GraphStructure):
            return fn(arr[None, :])[0]
        return fn(arr)

    def matmat(self, v: ArrayLike) -> Array:
        """J V for the rows of V."""
        return self._batched(self._s.j, self._prepare(v))

    def rmatmat(self, u: ArrayLike) -> Array:
        """J^T U for the rows of U."""
        return self._batched(self._s.jt, self._prepare(u))

    def a_matmat(self, v: ArrayLike) -> Array:
        """A V = V - J V (5.6)."""
        arr = self._prepare(v)
        return arr - self._batched(self._s.j, arr)

    def a_rmatmat(self, u: ArrayLike) -> Array:
        """A^T U = U - J^T U."""
        arr = self._prepare(u)
        return arr - self._batched(self._s.jt, arr)

    def a_and_at(self, v: ArrayLike, sub: ArrayLike | None = None) -> tuple[Array, Array]:
        """P = A V - S and A^T P (5.6) for float64 rows V, S of shape ``(k, N)``, as one
        step of Golub-Kahan bidiagonalisation needs them; counts two products per row.

        The vectors stay float64 whatever the operator's dtype (only the products with the
        weights are in it).  For a layered septuple with dense blocks each block is read
        once instead of twice: its row panels (``PANEL_ENTRIES``) give the rows of A V they
        feed and, while in cache, their share of A^T P (the products at width
        k ~ 30 are bound by the traffic of the weights, not by arithmetic).

        Examples
        --------
        >>> import numpy as np
        >>> from learning import feedforward
        >>> net = feedforward((3, 4, 2), seed=0)
        >>> op = jacobian_operator(net, np.full(9, 0.3))
        >>> v, s = np.random.default_rng(0).normal(size=(2, 2, 9))
        >>> p, q = op.a_and_at(v, s)
        >>> a = np.eye(9) - op.dense()
        >>> bool(np.allclose(p, v @ a.T - s) and np.allclose(q, p @ a))
        True
        """
        arr = np.asarray(v, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != self.n:
            raise ValueError(f"v must have shape (k, {self.n}), got {arr.shape}")
        shift = None if sub is None else np.asarray(sub, dtype=np.float64)
        if shift is not None and shift.shape != arr.shape:
            raise ValueError(f"sub must have the shape of v, {arr.shape}, got {shift.shape}")
        self.count += 2 * arr.shape[0]
        # On OpenBLAS the row panels serve both products; MKL's pairs multiply separately.
        if isinstance(self._s, _LayeredStructure) and self._s.backend == "numpy":
            return self._s.a_pair(arr, shift)
        low = arr if self.dtype == np.float64 else arr.astype(self.dtype)
        p = arr - self._batched(self._s.j, low)
        if shift is not None:
            p -= shift
        return p, p - self._batched(self._s.jt, p.astype(self.dtype, copy=False))

    def g_matmat(self, v: ArrayLike) -> Array:
        """G V = A^T A V (5.6); counts two products per vector."""
        return self.a_rmatmat(self.a_matmat(v))

    def _need_substitution(self) -> None:
        if not self._s.feedforward:
            raise ValueError("A^{-1} by substitution needs a layered septuple (layer_sizes "
                             "set) or a GraphSeptuple; this septuple has a general dense w")

    def a_solve(self, y: ArrayLike) -> Array:
        """A⁻¹ Y by forward substitution in topological order."""
        self._need_substitution()
        return self._batched(self._s.solve, self._prepare(y))

    def a_solve_t(self, y: ArrayLike) -> Array:
        """A⁻ᵀ Y by backward substitution."""
        self._need_substitution()
        return self._batched(self._s.solve_t, self._prepare(y))

    def dense(self, chunk: int = 256) -> Array:
        """J as an N x N array, column by column (J e_j); for tests and small networks."""
        out = np.empty((self.n, self.n), dtype=self.dtype)
        for start in range(0, self.n, chunk):
            stop = min(start + chunk, self.n)
            eye = np.zeros((stop - start, self.n), dtype=self.dtype)
            eye[np.arange(stop - start), np.arange(start, stop)] = 1.0
            out[:, start:stop] = self.matmat(eye).T
        return out


def _dtype(dtype: DTypeLike) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dt}")
    return dt


def jacobian_operator(network: Network, x_mean: ArrayLike, *,
                      dtype: DTypeLike = np.float64) -> JacobianOperator:
    """The Jacobian J = f'w (5.4) of a septuple or graph septuple at the state <x> (5.3).

    For a Septuple, f' is taken at w <x> + b; for a GraphSeptuple, each node's f' (or the
    Jacobian of its φ) at its pre-activation Σ_u W_vu <x>_u + b_v.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((2, 3, 1), "sigmoid", seed=4)
    >>> op = jacobian_operator(net, np.linspace(0, 1, 6))
    >>> f_prime = net.activation.derivative(net.preactivation(np.linspace(0, 1, 6)))
    >>> bool(np.allclose(op.dense(), f_prime[:, None] * net.weights, atol=1e-15))
    True
    >>> bool(np.allclose(op.a_solve(op.a_matmat(np.eye(6))), np.eye(6)))
    True
    """
    x = check_mean_state(network, x_mean)
    dt = _dtype(dtype)
    if isinstance(network, GraphSeptuple):
        return JacobianOperator(_GraphStructure(network, x, dt), dt, network.exact,
                                network.linearised_labels)
    d = _finite_derivative(
        network.activation.derivative(network.preactivation(x)))  # type: ignore[union-attr]
    structure: Any = (_LayeredStructure(network, d, dt) if network.layered_weights is not None
                      else _DenseStructure(network, d, dt))
    return JacobianOperator(structure, dt, True, ())


def linear_operator(op: JacobianOperator, kind: str = "g") -> spla.LinearOperator:
    """J, A, G, A⁻¹ or G⁻¹ = A⁻¹ A⁻ᵀ of ``op`` as a SciPy ``LinearOperator``
    (5.6), for ``eigsh``/``svds`` and the like.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> op = jacobian_operator(feedforward((3, 2), seed=0), np.zeros(5))
    >>> g = linear_operator(op, "g") @ np.eye(5)
    >>> bool(np.allclose(g, (np.eye(5) - op.dense()).T @ (np.eye(5) - op.dense())))
    True
    """
    if not isinstance(op, JacobianOperator):
        raise TypeError(f"op must be a JacobianOperator, got {type(op).__name__}")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    pairs: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
        "j": (op.matmat, op.rmatmat), "a": (op.a_matmat, op.a_rmatmat),
        "g": (op.g_matmat, op.g_matmat), "a_inverse": (op.a_solve, op.a_solve_t),
        "g_inverse": ((lambda v: op.a_solve(op.a_solve_t(v))),
                      (lambda v: op.a_solve(op.a_solve_t(v))))}
    if kind in ("a_inverse", "g_inverse"):
        op._need_substitution()
    matvec, rmatvec = pairs[kind]
    return spla.LinearOperator(
        (op.n, op.n), matvec=lambda v: matvec(np.asarray(v, dtype=float).ravel()),
        rmatvec=lambda v: rmatvec(np.asarray(v, dtype=float).ravel()),
        matmat=lambda m: matvec(np.asarray(m, dtype=float).T).T,
        rmatmat=lambda m: rmatvec(np.asarray(m, dtype=float).T).T, dtype=np.float64)
