"""The linear maps of the bulk minimum (3.2) for a graph septuple, matrix-free.

The counterparts of :class:`~learning.bulk_minimum.operators.Couplings` and
:class:`~learning.bulk_minimum.operators.ChainPreconditioner` for a
:class:`~learning.graph.septuple.GraphSeptuple` whose nodes are all exact septuple nodes
:math:`x_v = f(Σ_u W_{vu} x_u + b_v)` (2.5): every product goes through the graph's own blocks
:math:`W_{vu}` (:class:`~learning.graph.maps.LinearMap`: dense, convolution, pooling, folded
BatchNorm, Add, reshape), batched over the samples, never through an N x N matrix.

The neurons of a node are all input, all hidden or all output, so the rows R (non-input neurons),
the hidden neurons h and the boundary ∂ are unions of whole nodes, and
:math:`J_{hh} = I - D_h W_{hh}` is unit block lower triangular in the topological order of the
nodes: :math:`s = J_{hh}^{-1} u` is a forward substitution node by node (the linearised network),
:math:`J_{hh}^{-T}` a backward one.  Unlike :class:`~learning.jacobian.JacobianOperator`, which
holds f' at one state, D here is per sample (each sample has its own minimiser x̄), passed with each
call.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from learning.bulk_minimum.operators import transpose_start
from learning.graph.convolution import Conv, ConvTranspose
from learning.graph.maps import ComposedMap, DenseMap, LinearMap, SumMap, dense_matrix
from learning.graph.septuple import GraphSeptuple

Array = NDArray[np.float64]
FloatArray = NDArray[np.floating]
# Per non-input node v: its rows in R, its hidden positions (or None for an output node),
# and per source u: (block W_vu, positions of u among the hidden or boundary neurons, hidden?).
Source = tuple[LinearMap, slice, bool]
NodeRows = tuple[int, slice, "slice | None", tuple[Source, ...]]


def multiply_adds(m: LinearMap) -> int:
    """Multiply-adds of one product W x with the block ``m`` (one sample): the weights used
    per output for dense and convolution maps, else one per entry (scale, pooling, reshape).

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv(np.ones((2, 1, 3)), in_shape=(1, 5))  # 2 x 3 outputs, 3 weights each
    >>> multiply_adds(DenseMap(np.ones((3, 4)))), multiply_adds(conv)
    (12, 18)
    """
    if isinstance(m, DenseMap):
        return int(m.weight.size)
    if isinstance(m, Conv):
        return int(math.prod(m.out_shape) * m.weight[0].size)
    if isinstance(m, ConvTranspose):
        return int(math.prod(m.in_shape) * m.weight[0].size)
    if isinstance(m, ComposedMap):
        return multiply_adds(m.outer) + multiply_adds(m.inner)
    if isinstance(m, SumMap):
        return sum(multiply_adds(t) for t in m.terms)
    return max(math.prod(m.in_shape), math.prod(m.out_shape))


def _runs(net: GraphSeptuple, nodes: list[int]) -> dict[int, slice]:
    """Position of each node's neurons within the concatenation of ``nodes`` (in order)."""
    out, start = {}, 0
    for v in nodes:
        size = net.nodes[v].size
        out[v] = slice(start, start + size)
        start += size
    return out


class GraphCouplings:
    """W restricted to rows R (non-input neurons) and columns h / ∂ of a graph septuple, (3.1), as
    products through the node blocks :math:`W_{vu}` (2.1); the interface of
    :class:`~learning.bulk_minimum.operators.Couplings`.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.graph.builder import GraphBuilder
    >>> from learning.graph.septuple import to_septuple
    >>> b = GraphBuilder(input_shape=(2,))
    >>> h = b.activation(b.dense(b.input, np.array([[1.0, 2.0], [3.0, 4.0]])), "tanh")
    >>> net = b.build(outputs=b.add(b.dense(h, np.ones((2, 2))), b.input))
    >>> c = GraphCouplings(net)
    >>> w = to_septuple(net).weights
    >>> z = np.array([[0.5, -1.0]])
    >>> bool(np.allclose(c.hidden_to_rows(z), z @ w[np.ix_(c.rows, c.hidden)].T))
    True
    """

    layered = False
    whole_layers = True  # every node is wholly hidden or wholly boundary

    def __init__(self, net: GraphSeptuple):
        if not net.exact:
            raise ValueError(f"the nodes {list(net.linearised_labels)} are not component-wise:"
                             " the bulk minimum (3.2) needs x_v = f(W x + b) at every node")
        self.net = net
        inputs, outputs = set(net.input_nodes), set(net.output_nodes)
        non_input = [v for v in range(len(net.nodes)) if v not in inputs]
        hidden = [v for v in non_input if v not in outputs]
        boundary = [v for v in range(len(net.nodes)) if v in inputs or v in outputs]
        self.rows = np.flatnonzero(~np.isin(np.arange(net.n_neurons), net.input_indices))
        self.hidden = np.asarray(net.hidden_indices)
        self.boundary = np.sort(np.concatenate([net.input_indices, net.output_indices]))
        row_of, hid_of, bnd_of = (_runs(net, non_input), _runs(net, hidden),
                                  _runs(net, boundary))
        self.nodes: list[NodeRows] = []
        for v in non_input:
            node = net.nodes[v]
            sources = tuple((m, hid_of[u], True) if u in hid_of else (m, bnd_of[u], False)
                            for u, m in zip(node.sources, node.blocks, strict=True))
            self.nodes.append((v, row_of[v], hid_of.get(v), sources))
        self.bias_rows = np.concatenate(
            [np.zeros(net.nodes[v].size) if net.nodes[v].bias is None
             else np.broadcast_to(net.nodes[v].bias, net.nodes[v].shape).ravel()
             for v in non_input]) if non_input else np.zeros(0)

    @property
    def n_rows(self) -> int:
        return int(self.rows.size)

    @property
    def nnz(self) -> int:
        """The multiply-adds of one product hidden -> rows, per sample (the cost measure of
        :func:`~learning.bulk_minimum.costs.solver_costs`)."""
        return sum(multiply_adds(m) for _, _, _, sources in self.nodes
                   for m, _, hidden in sources if hidden)

    def _shape(self, v: int) -> tuple[int, ...]:
        return self.net.nodes[v].shape

    def _apply(self, x: FloatArray, hidden: bool, out: FloatArray) -> FloatArray:
        k = x.shape[0]
        for _, rows, _, sources in self.nodes:
            for m, pos, is_hidden in sources:
                if is_hidden == hidden:
                    part = x[:, pos].reshape((k, *m.in_shape))
                    out[:, rows] += np.asarray(m.matmat(part)).reshape(k, -1)
        return out

    def hidden_to_rows(self, z: FloatArray) -> FloatArray:
        """:math:`W_{Rh} z` for each row of ``z`` (shape (n, n_h) -> (n, |R|)), in the dtype of
        z."""
        return self._apply(z, True, np.zeros((z.shape[0], self.n_rows), z.dtype))

    def rows_to_hidden(self, u: FloatArray) -> FloatArray:
        """:math:`W_{Rh}^T u` for each row of ``u`` (shape (n, |R|) -> (n, n_h)), in the dtype of
        u."""
        k = u.shape[0]
        out = np.zeros((k, self.hidden.size), u.dtype)
        for v, rows, _, sources in self.nodes:
            part = u[:, rows].reshape((k, *self._shape(v)))
            for m, pos, is_hidden in sources:
                if is_hidden:
                    out[:, pos] += np.asarray(m.rmatmat(part)).reshape(k, -1)
        return out

    def boundary_to_rows(self, xb: Array) -> Array:
        """:math:`W_{R∂} x_∂ + b_R`: the fixed part of the pre-activations of R."""
        out = np.zeros((xb.shape[0], self.n_rows))
        return self._apply(xb, False, out) + self.bias_rows

    def dense(self) -> tuple[Array, Array]:
        """(:math:`W_{Rh}`, :math:`W_{R∂}`) as dense arrays (for the dense solver on small
        graphs)."""
        w_rh = np.zeros((self.n_rows, self.hidden.size))
        w_rb = np.zeros((self.n_rows, self.boundary.size))
        for _, rows, _, sources in self.nodes:
            for m, pos, is_hidden in sources:
                (w_rh if is_hidden else w_rb)[rows, pos] += dense_matrix(m)
        return w_rh, w_rb


class GraphChain:
    """:math:`s = J_{hh}^{-1} u` and :math:`t = J_{hh}^{-T} v` for a graph septuple,
    :math:`J_{hh} = I - D_h W_{hh}` (5.4) with a per-sample D = diag f' (rows of ``d``):
    substitution node by node in topological order; the interface of
    :class:`~learning.bulk_minimum.operators.ChainPreconditioner`, (3.2).

    Examples
    --------
    >>> import numpy as np
    >>> from learning.graph.builder import GraphBuilder
    >>> b = GraphBuilder(input_shape=(2,))
    >>> h = b.activation(b.dense(b.input, np.ones((3, 2))), "tanh")
    >>> h2 = b.activation(b.add(b.dense(h, np.full((3, 3), 0.5)), h), "tanh")
    >>> c = GraphCouplings(b.build(outputs=b.dense(h2, np.ones((1, 3)))))
    >>> w_hh = c.dense()[0][np.searchsorted(c.rows, c.hidden)]
    >>> jac = np.eye(6) - 0.3 * w_hh
    >>> d, v = np.full((1, c.n_rows), 0.3), np.arange(6.0)[None]
    >>> bool(np.allclose(GraphChain(c).apply(v, d)[0], np.linalg.solve(jac.T @ jac, v[0])))
    True
    """

    def __init__(self, couplings: GraphCouplings):
        self.couplings = couplings

    def solve(self, u: FloatArray, d: Array) -> tuple[FloatArray, FloatArray]:
        """:math:`s = J_{hh}^{-1} u` and :math:`q = W_{Rh} s` per row (one forward pass: the
        products of the substitution :math:`s_v = u_v + D_v Σ_u W_{vu} s_u` are the rows of
        :math:`W_{Rh} s`)."""
        c, k = self.couplings, u.shape[0]
        d = d.astype(u.dtype, copy=False)
        s = u.copy()
        q = np.zeros((k, c.n_rows), dtype=u.dtype)
        for _, rows, own, sources in c.nodes:
            for m, pos, is_hidden in sources:
                if is_hidden:
                    part = s[:, pos].reshape((k, *m.in_shape))
                    q[:, rows] += np.asarray(m.matmat(part)).reshape(k, -1)
            if own is not None:
                s[:, own] += d[:, rows] * q[:, rows]
        return s, q

    def transpose_solve(self, v: FloatArray | None, d: Array,
                        rows: FloatArray | None = None) -> FloatArray:
        """:math:`t = J_{hh}^{-T} (v + W_{Rh}^T c)` per row, c = ``rows`` on R (one backward pass:
        :math:`t_u = v_u + Σ_v W_{vu}^T (c_v + D_v t_v)`, last node first); ``v=None`` is v = 0."""
        c = self.couplings
        t = transpose_start(v, rows, c.hidden.size)
        k = t.shape[0]
        d = d.astype(t.dtype, copy=False)
        for node, r_v, own, sources in reversed(c.nodes):
            coefficient = None if rows is None else rows[:, r_v].astype(t.dtype, copy=False)
            if own is not None:
                back = d[:, r_v] * t[:, own]
                coefficient = back if coefficient is None else coefficient + back
            if coefficient is None or not any(h for _, _, h in sources):
                continue
            part = coefficient.reshape((k, *c.net.nodes[node].shape))
            for m, pos, is_hidden in sources:
                if is_hidden:
                    t[:, pos] += np.asarray(m.rmatmat(part)).reshape(k, -1)
        return t

    def apply(self, v: FloatArray, d: Array) -> FloatArray:
        """:math:`M^{-1} v = J_{hh}^{-1} J_{hh}^{-T} v` per row of ``v`` (hidden coordinates), f' on
        R in ``d``."""
        return self.solve(self.transpose_solve(v, d), d)[0]
