"""The graph septuple: a feedforward network as a DAG of tensor nodes (Section 2).

Each node v holds the neurons of one tensor; in topological order its state is

* :math:`x_v = f(Σ_u W_{vu} x_u + b_v)` with f component-wise (2.5)-(2.6): an exact septuple node
  (kind ``"neuron"``); the blocks :math:`W_{vu}` of w (2.1) are kept as
  :class:`~learning.graph.maps.LinearMap` operators, never as a dense matrix; or
* :math:`x_v = φ_v(Σ_u W_{vu} x_u + b_v)` with φ_v not component-wise (max pooling, softmax,
  LayerNorm; kind ``"function"``): linearised in :math:`G = (I - J)^T (I - J)` (5.6) with J the
  Jacobian of the node maps at the state (docs/beyond_mlps.md);
* the network's inputs (kind ``"input"``), clamped to the data (2.7) and without incoming
  weights.

The neurons are numbered node by node (C order inside a tensor), so w is block strictly
lower triangular, hence nilpotent (2.1)-(2.3), and det (I - J) = 1 for every state, which
is the check log det G = 0 of (7.7)-(7.8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.activations import Activation, LayerwiseActivation
from learning.graph.maps import LinearMap, NodeFunction, dense_matrix
from learning.septuple import Septuple
from ntcore.checks import state_array

__all__ = ["GraphNode", "GraphSeptuple", "NODE_KINDS", "to_septuple", "neuron_activation"]

Array = NDArray[np.float64]

NODE_KINDS = ("input", "neuron", "function")


@dataclass(frozen=True, eq=False)
class GraphNode:
    """One tensor of a graph septuple.

    Attributes
    ----------
    label
        A name for reports (e.g. ``"relu_3"``, ``"MaxPool_5"``).
    shape
        The node's tensor shape (its neurons, C order).
    kind
        ``"input"``, ``"neuron"`` (exact: f component-wise) or ``"function"`` (linearised).
    sources
        Indices of the earlier nodes u with a block :math:`W_{vu}`.
    blocks
        The :math:`W_{vu}`, one per source (``blocks[i].in_shape == nodes[sources[i]].shape``).
    bias
        b_v with the shape of the pre-activation (``None``: zero), (2.5).
    activation
        f of a neuron or input node (component-wise), else ``None``.
    function
        φ_v of a function node, else ``None``.
    """

    label: str
    shape: tuple[int, ...]
    kind: str
    sources: tuple[int, ...] = ()
    blocks: tuple[LinearMap, ...] = ()
    bias: Array | None = None
    activation: Activation | None = None
    function: NodeFunction | None = None

    @property
    def size(self) -> int:
        """The number of neurons of the node."""
        return math.prod(self.shape)

    @property
    def pre_shape(self) -> tuple[int, ...]:
        """The shape of :math:`Σ_u W_{vu} x_u + b_v` (the argument of f or φ)."""
        if self.function is not None:
            return tuple(self.function.in_shape)
        return self.shape

    @property
    def exact(self) -> bool:
        """True for input and component-wise neuron nodes (the paper's septuple, (2.5))."""
        return self.kind != "function"

    def preactivation(self, parts: list[Array], k: int) -> Array:
        """:math:`Σ_u W_{vu} x_u + b_v` for states ``parts[u]`` of shape ``(k, *shape_u)``."""
        out = np.zeros((k, *self.pre_shape))
        for u, block in zip(self.sources, self.blocks, strict=True):
            out += block.matmat(parts[u])
        if self.bias is not None:
            out += self.bias
        return out

    def apply(self, z: Array) -> Array:
        """f(z) or φ(z) on a batch of pre-activations ``(k, *pre_shape)``."""
        if self.function is not None:
            return np.asarray(self.function.value(z), dtype=float)
        assert self.activation is not None
        return self.activation.function(z)


@dataclass(frozen=True, eq=False)
class GraphSeptuple:
    """A feedforward septuple :math:`(x, P_{in}, P_{out}, w, b, f, H)` given as a graph of tensors.

    Built by :class:`learning.graph.builder.GraphBuilder`.  w and b are the nodes' blocks and
    biases; :math:`P_{in}` the neurons of the input nodes, :math:`P_{out}` those of the output
    nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.graph.builder import GraphBuilder
    >>> b = GraphBuilder(input_shape=(2,))
    >>> h = b.activation(b.dense(b.input, np.eye(2)), "tanh")
    >>> net = b.build(outputs=b.add(h, b.input))
    >>> net.n_neurons, net.input_indices.tolist(), net.output_indices.tolist()
    (6, [0, 1], [4, 5])
    >>> bool(np.allclose(net.forward(np.ones((1, 2)))[0, 4:], np.tanh(1.0) + 1.0))
    True
    """

    nodes: tuple[GraphNode, ...]
    output_nodes: tuple[int, ...]
    loss: str = "bulk"

    def __post_init__(self) -> None:
        nodes = tuple(self.nodes)
        if not nodes or nodes[0].kind != "input":
            raise ValueError("nodes must start with an input node")
        for v, node in enumerate(nodes):
            if node.kind not in NODE_KINDS:
                raise ValueError(f"node {node.label!r} has kind {node.kind!r}, not one of "
                                 f"{NODE_KINDS}")
            for u, block in zip(node.sources, node.blocks, strict=True):
                if not 0 <= u < v:
                    raise ValueError(f"node {node.label!r} reads node {u}, which is not "
                                     "earlier: a graph septuple is feedforward (2.1)")
                if tuple(block.in_shape) != nodes[u].shape:
                    raise ValueError(f"node {node.label!r}: block from {nodes[u].label!r} "
                                     f"takes shape {block.in_shape}, the node has "
                                     f"{nodes[u].shape}")
        outs = tuple(int(o) for o in self.output_nodes)
        if not outs or any(not 0 < o < len(nodes) for o in outs) or len(set(outs)) != len(outs):
            raise ValueError(f"output_nodes must be distinct non-input node indices, got {outs}")
        if self.loss not in ("bulk", "boundary"):
            raise ValueError(f"loss must be 'bulk' or 'boundary', got {self.loss!r}")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "output_nodes", outs)

    # ---- neurons ----------------------------------------------------------------------
    @cached_property
    def offsets(self) -> NDArray[np.intp]:
        """Index of each node's first neuron, and N at the end."""
        return np.concatenate([[0], np.cumsum([n.size for n in self.nodes])]).astype(np.intp)

    def node_slice(self, v: int) -> slice:
        """The neurons of node ``v`` (its components of the state x, Section 2)."""
        return slice(int(self.offsets[v]), int(self.offsets[v + 1]))

    @property
    def n_neurons(self) -> int:
        """N, the number of neurons."""
        return int(self.offsets[-1])

    def _indices(self, which: list[int]) -> NDArray[np.intp]:
        parts = [np.arange(self.offsets[v], self.offsets[v + 1]) for v in which]
        return np.concatenate(parts).astype(np.intp) if parts else np.zeros(0, np.intp)

    @cached_property
    def input_nodes(self) -> tuple[int, ...]:
        """The nodes of kind ``"input"`` (:math:`P_{in}`, Section 2)."""
        return tuple(v for v, n in enumerate(self.nodes) if n.kind == "input")

    @cached_property
    def input_indices(self) -> NDArray[np.intp]:
        """:math:`P_{in}` as neuron indices (Section 2)."""
        return self._indices(list(self.input_nodes))

    @cached_property
    def output_indices(self) -> NDArray[np.intp]:
        """:math:`P_{out}` as neuron indices (Section 2)."""
        return self._indices(sorted(self.output_nodes))

    @cached_property
    def hidden_indices(self) -> NDArray[np.intp]:
        """The bulk neurons, the range of :math:`I - P_{in} - P_{out}`."""
        mask = np.ones(self.n_neurons, dtype=bool)
        mask[self.input_indices] = False
        mask[self.output_indices] = False
        return np.flatnonzero(mask).astype(np.intp)

    # ---- which nodes are the paper's ---------------------------------------------------
    @property
    def exact(self) -> bool:
        """True when every node is x_v = f(W x + b) with f component-wise (2.5)-(2.6)."""
        return all(n.exact for n in self.nodes)

    @property
    def linearised_labels(self) -> tuple[str, ...]:
        """Labels of the non-component-wise nodes, linearised in the generalised G."""
        return tuple(n.label for n in self.nodes if not n.exact)

    @property
    def nbytes(self) -> int:
        """Memory held by the blocks of w and the biases b (2.1)."""
        return int(sum(sum(b.nbytes for b in n.blocks)
                       + (0 if n.bias is None else n.bias.nbytes) for n in self.nodes))

    def __repr__(self) -> str:
        return (f"GraphSeptuple(N={self.n_neurons}, nodes={len(self.nodes)}, "
                f"linearised={list(self.linearised_labels)})")

    # ---- states -----------------------------------------------------------------------
    def split(self, x: Array) -> list[Array]:
        """The node tensors ``(k, *shape_v)`` of flat states x ``(k, N)`` (Section 2)."""
        k = x.shape[0]
        return [x[:, self.node_slice(v)].reshape((k, *n.shape))
                for v, n in enumerate(self.nodes)]

    def check_state(self, x: ArrayLike, argument: str = "x") -> Array:
        """A state x (Section 2) as a float array ``(N,)`` or ``(k, N)``, finite; else
        ValueError."""
        return state_array(argument, x, self.n_neurons)

    def forward(self, inputs: ArrayLike) -> Array:
        """The fixed point x = f(w x + b) (2.5) of the feedforward net for clamped inputs,
        computed node by node in topological order; shape ``(k, N)``.

        ``inputs`` has shape ``(k, n_in)`` or ``(k, *input_shape)`` (one input node).
        """
        node0 = self.nodes[self.input_nodes[0]]
        if len(self.input_nodes) != 1:
            raise ValueError("forward needs a graph with one input node")
        arr = np.asarray(inputs, dtype=float)
        if arr.ndim < 1 or arr.shape[1:] not in (node0.shape, (node0.size,)):
            raise ValueError(f"inputs must have shape (k, {node0.size}) or (k, "
                             f"{', '.join(map(str, node0.shape))}), got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("inputs contains non-finite entries")
        k = arr.shape[0]
        x = np.zeros((k, self.n_neurons))
        parts: list[Array] = []
        for v, node in enumerate(self.nodes):
            if node.kind == "input":
                value = arr.reshape((k, *node.shape))
            else:
                value = node.apply(node.preactivation(parts, k))
            parts.append(value.reshape((k, *node.shape)))
            x[:, self.node_slice(v)] = value.reshape(k, -1)
        return x

    def preactivations(self, x: ArrayLike) -> list[Array | None]:
        """:math:`Σ_u W_{vu} x_u + b_v` of every non-input node at the states ``x`` (``(k, N)``);
        ``None`` for input nodes."""
        arr = self.check_state(x)
        arr = arr[None, :] if arr.ndim == 1 else arr
        parts = self.split(arr)
        return [None if n.kind == "input" else n.preactivation(parts, arr.shape[0])
                for n in self.nodes]

    def residual(self, x: ArrayLike) -> Array:
        """x_v - φ_v(W x + b) for every non-input neuron (0 on inputs): the bulk residual
        whose half squared norm is the bulk loss H (3.1) generalised to function nodes."""
        arr = self.check_state(x)
        batch = arr[None, :] if arr.ndim == 1 else arr
        out = np.zeros_like(batch)
        for v, (node, z) in enumerate(zip(self.nodes, self.preactivations(batch),
                                          strict=True)):
            if z is not None:
                sl = self.node_slice(v)
                out[:, sl] = batch[:, sl] - node.apply(z).reshape(batch.shape[0], -1)
        return out[0] if arr.ndim == 1 else out


def to_septuple(net: GraphSeptuple, max_bytes: int = 2**30) -> Septuple:
    """The graph septuple as a :class:`~learning.septuple.Septuple` with a dense w (2.1), for
    small networks and the solvers that need the paper's form x = f(w x + b) (2.5), e.g.
    the constrained bulk minimum (3.2); f is one activation per node (2.6).

    Raises
    ------
    ValueError
        For linearised (non-component-wise) nodes, which have no f, or when the N x N
        matrix would take more than ``max_bytes``.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.graph.builder import GraphBuilder
    >>> b = GraphBuilder(input_shape=(2,))
    >>> net = b.build(outputs=b.add(b.activation(b.dense(b.input, np.eye(2)), "tanh"), b.input))
    >>> s = to_septuple(net)
    >>> s.weights[4:, :].tolist()  # the output node: W = I from the tanh node and from the input
    [[1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]]
    """
    if not isinstance(net, GraphSeptuple):
        raise TypeError(f"net must be a GraphSeptuple, got {type(net).__name__}")
    if not net.exact:
        raise ValueError(f"the nodes {list(net.linearised_labels)} are not component-wise: the "
                         "graph has no septuple form x = f(w x + b) (2.5)")
    n = net.n_neurons
    if 8 * n * n > max_bytes:
        raise ValueError(f"a dense w for N = {n} takes {8 * n * n / 2**30:.3g} GiB, above "
                         f"max_bytes = {max_bytes / 2**30:.3g} GiB")
    w, bias = np.zeros((n, n)), np.zeros(n)
    for v, node in enumerate(net.nodes):
        rows = net.node_slice(v)
        if node.bias is not None:
            bias[rows] = np.ravel(node.bias)
        for u, block in zip(node.sources, node.blocks, strict=True):
            w[rows, net.node_slice(u)] += dense_matrix(block)
    return Septuple(w, bias, neuron_activation(net), net.input_indices, net.output_indices,
                    loss=net.loss)


def neuron_activation(net: GraphSeptuple) -> Activation | LayerwiseActivation:
    """f of every neuron (2.6): one :class:`~learning.activations.Activation` when the nodes
    share it, else a :class:`~learning.activations.LayerwiseActivation` node by node.

    Raises
    ------
    ValueError
        For linearised (non-component-wise) nodes, which have no f.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.graph.builder import GraphBuilder
    >>> b = GraphBuilder(input_shape=(2,))
    >>> neuron_activation(b.build(outputs=b.activation(b.input, "tanh"))).name
    'linear,tanh'
    """
    if not isinstance(net, GraphSeptuple):
        raise TypeError(f"net must be a GraphSeptuple, got {type(net).__name__}")
    if not net.exact:
        raise ValueError(f"the nodes {list(net.linearised_labels)} are not component-wise: the "
                         "graph has no septuple form x = f(w x + b) (2.5)")
    acts = [node.activation for node in net.nodes]
    assert all(a is not None for a in acts)
    if all(a is acts[0] for a in acts):
        return acts[0]  # type: ignore[return-value]
    return LayerwiseActivation(tuple(acts), tuple(node.size for node in net.nodes))
