"""Build a graph septuple from a network's operators, folding affine maps into w and b.

Readers (ONNX, PyTorch, Keras) walk a model's graph and call one method per operator. Between two
neuron nodes, every operator is affine, so the builder keeps an *affine expression* per tensor
(:class:`TensorRef`): a sum over earlier neuron nodes u of :math:`W_u x_u` (each W_u a
composition/sum of :class:`~learning.graph.maps.LinearMap`) plus a bias.  An activation turns the
expression into a neuron node :math:`x_v = f(Σ_u W_{vu} x_u + b_v)` (2.5): a convolution, BatchNorm,
Add, Concat or Reshape never becomes a node of its own, and :math:`W_{vu}` is never a dense matrix.
This is the convention of docs/beyond_mlps.md: the neurons are the inputs, the outputs of
activations (and of non-component-wise functions) and the network's outputs; a different grouping
gives a different G.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.activations import LINEAR, Activation, elu, graph_activation, leaky_relu
from learning.graph.maps import (
    DenseMap,
    EmbedMap,
    IdentityMap,
    LinearMap,
    NodeFunction,
    ScaleMap,
    add,
    compose,
    reshape_map,
)
from learning.graph.septuple import GraphNode, GraphSeptuple

__all__ = ["GraphBuilder", "TensorRef"]

Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TensorRef:
    """A tensor of the network being built: Σ_u W_u x_u + bias over earlier nodes u.

    Opaque to readers except :attr:`shape`.
    """

    shape: tuple[int, ...]
    terms: tuple[tuple[int, LinearMap], ...]
    bias: Array | None
    owner: int

    def node(self) -> int | None:
        """The node this tensor *is* (identity of one node, no bias), else ``None``."""
        if self.bias is None and len(self.terms) == 1:
            u, m = self.terms[0]
            if isinstance(m, IdentityMap):
                return u
        return None


def _finite_array(value: ArrayLike, argument: str, shape: tuple[int, ...] | None = None) -> Array:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be an array of numbers, got "
                        f"{type(value).__name__}") from None
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{argument} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument} contains non-finite entries")
    return arr


class GraphBuilder:
    """Record a feedforward network operator by operator (GRAPH_INTERFACE.md).

    Parameters
    ----------
    input_shape
        The shape of the network's input tensor (its boundary input neurons, :math:`P_{in}`).
    input_activation
        f of the input neurons (used only for the input bias (2.8)); default linear.

    Examples
    --------
    >>> import numpy as np
    >>> b = GraphBuilder(input_shape=(3,))
    >>> t = b.dense(b.input, np.ones((2, 3)), bias=np.array([0.0, 1.0]))
    >>> t = b.batch_norm(t, scale=np.array([1.0, 2.0]), shift=np.zeros(2),
    ...                  mean=np.zeros(2), var=np.ones(2), eps=0.0)
    >>> net = b.build(outputs=b.activation(t, "relu"))
    >>> [n.kind for n in net.nodes], net.n_neurons
    (['input', 'neuron'], 5)
    >>> net.forward(np.ones((1, 3)))[0, 3:].tolist()
    [3.0, 8.0]
    """

    def __init__(self, input_shape: tuple[int, ...],
                 input_activation: Activation | str = LINEAR) -> None:
        shape = self._check_shape(input_shape, "input_shape")
        self._nodes: list[GraphNode] = [
            GraphNode("input", shape, "input", activation=graph_activation(input_activation))]
        self._id = id(self)
        self.input = self._ref(0)

    # ---- helpers ------------------------------------------------------------------------
    @staticmethod
    def _check_shape(shape: object, argument: str) -> tuple[int, ...]:
        try:
            out = tuple(int(s) for s in shape)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            raise TypeError(f"{argument} must be a tuple of ints, got {shape!r}") from None
        if not out or any(s <= 0 for s in out):
            raise ValueError(f"{argument} must be a non-empty tuple of positive ints, got {out}")
        return out

    def _ref(self, v: int) -> TensorRef:
        shape = self._nodes[v].shape
        return TensorRef(shape, ((v, IdentityMap(shape)),), None, self._id)

    def _check(self, t: object, argument: str) -> TensorRef:
        if not isinstance(t, TensorRef) or t.owner != self._id:
            raise TypeError(f"{argument} must be a TensorRef of this builder, got "
                            f"{type(t).__name__}")
        return t

    def _map_terms(self, t: TensorRef, m: LinearMap) -> TensorRef:
        terms = tuple((u, compose(m, w)) for u, w in t.terms)
        bias = None if t.bias is None else np.asarray(m.matmat(t.bias[None]))[0]
        return TensorRef(tuple(m.out_shape), terms, bias, self._id)

    # ---- affine operators (folded into the next node's W and b) -----------------------
    def linear(self, t: TensorRef, linear_map: LinearMap, bias: ArrayLike | None = None
               ) -> TensorRef:
        """``linear_map(t) + bias``: any LinearMap (dense, convolution, pooling, ...), a factor of
        the next node's block :math:`W_{vu}` and bias b_v (2.1), (2.5)."""
        t = self._check(t, "t")
        if tuple(linear_map.in_shape) != t.shape:
            raise ValueError(f"linear_map takes shape {tuple(linear_map.in_shape)}, the "
                             f"tensor has shape {t.shape}")
        out = self._map_terms(t, linear_map)
        if bias is None:
            return out
        b = _finite_array(bias, "bias", out.shape)
        return TensorRef(out.shape, out.terms, b if out.bias is None else out.bias + b,
                         self._id)

    def dense(self, t: TensorRef, weight: ArrayLike, bias: ArrayLike | None = None
              ) -> TensorRef:
        """``weight @ flatten(t) + bias`` with weight (out, in) as torch.nn.Linear (2.1)."""
        t = self._check(t, "t")
        w = _finite_array(weight, "weight")
        if w.ndim != 2 or w.shape[1] != math.prod(t.shape):
            raise ValueError(f"weight must have shape (out, {math.prod(t.shape)}) for a "
                             f"tensor of shape {t.shape}, got {w.shape}")
        return self.linear(t, DenseMap(w, in_shape=t.shape), bias)

    def batch_norm(self, t: TensorRef, scale: ArrayLike, shift: ArrayLike, mean: ArrayLike,
                   var: ArrayLike, eps: float = 1e-5) -> TensorRef:
        """Inference BatchNorm over channels (axis 0): s (x - mean) + shift with
        s = scale / sqrt(var + eps), folded as a per-channel ScaleMap into w and a bias into
        b (2.1), (2.5)."""
        t = self._check(t, "t")
        c = (t.shape[0],)
        arrays = [_finite_array(a, n, c) for a, n in ((scale, "scale"), (shift, "shift"),
                                                      (mean, "mean"), (var, "var"))]
        if not np.isfinite(eps) or eps < 0 or np.any(arrays[3] + eps <= 0):
            raise ValueError(f"batch_norm needs var + eps > 0, got eps = {eps}")
        s = arrays[0] / np.sqrt(arrays[3] + eps)
        channel_bias = arrays[1] - arrays[2] * s
        bias = np.broadcast_to(channel_bias.reshape(c + (1,) * (len(t.shape) - 1)), t.shape)
        return self.linear(t, ScaleMap(t.shape, s), np.array(bias))

    def add(self, *tensors: TensorRef) -> TensorRef:
        """The sum of tensors of one shape (a residual connection: W blocks from several
        earlier nodes, summed where they come from the same node), (2.1)."""
        ts = [self._check(t, f"tensors[{i}]") for i, t in enumerate(tensors)]
        if len(ts) < 2:
            raise ValueError(f"add needs at least two tensors, got {len(ts)}")
        shapes = {t.shape for t in ts}
        if len(shapes) != 1:
            raise ValueError(f"add needs tensors of one shape, got {[t.shape for t in ts]}")
        return self._merge(ts[0].shape, [term for t in ts for term in t.terms],
                           [t.bias for t in ts])

    def _merge(self, shape: tuple[int, ...], terms: list[tuple[int, LinearMap]],
               biases: list[Array | None]) -> TensorRef:
        merged: dict[int, LinearMap] = {}
        for u, m in terms:
            merged[u] = add(merged[u], m) if u in merged else m
        present = [b for b in biases if b is not None]
        bias = np.sum(present, axis=0) if present else None
        return TensorRef(shape, tuple(sorted(merged.items())), bias, self._id)

    def concat(self, tensors: Sequence[TensorRef], axis: int = 0) -> TensorRef:
        """Concatenate along ``axis`` (of the tensor, batch excluded): stacked blocks of w (2.1)."""
        ts = [self._check(t, f"tensors[{i}]") for i, t in enumerate(tensors)]
        if not ts:
            raise ValueError("concat needs at least one tensor")
        ndim = len(ts[0].shape)
        if not isinstance(axis, int) or not -ndim <= axis < ndim:
            raise ValueError(f"axis must be an int in [-{ndim}, {ndim}), got {axis!r}")
        axis %= ndim
        out_shape = list(ts[0].shape)
        out_shape[axis] = sum(t.shape[axis] for t in ts)
        shape = tuple(out_shape)
        terms: list[tuple[int, LinearMap]] = []
        biases: list[Array | None] = []
        offset = 0
        for t in ts:
            part = self._map_terms(t, EmbedMap(t.shape, shape, axis, offset))
            terms.extend(part.terms)
            biases.append(part.bias)
            offset += t.shape[axis]
        return self._merge(shape, terms, biases)

    def reshape(self, t: TensorRef, shape: Sequence[int]) -> TensorRef:
        """A relabelling of the same neurons (C order), the identity block of w (2.1); one entry
        may be -1."""
        t = self._check(t, "t")
        want = [int(s) for s in shape]
        if want.count(-1) == 1:
            rest = math.prod(s for s in want if s != -1)
            want[want.index(-1)] = math.prod(t.shape) // rest if rest > 0 else -1
        return self.linear(t, reshape_map(t.shape, tuple(want)))

    def flatten(self, t: TensorRef) -> TensorRef:
        """The tensor as a vector (C order), a relabelling (2.1)."""
        t = self._check(t, "t")
        return self.reshape(t, (math.prod(t.shape),))

    # ---- nodes --------------------------------------------------------------------------
    def _node(self, t: TensorRef, shape: tuple[int, ...], kind: str, label: str,
              activation: Activation | None = None,
              function: NodeFunction | None = None) -> TensorRef:
        sources = tuple(u for u, _ in t.terms)
        blocks = tuple(m for _, m in t.terms)
        self._nodes.append(GraphNode(label, shape, kind, sources, blocks, t.bias,
                                     activation, function))
        return self._ref(len(self._nodes) - 1)

    def activation(self, t: TensorRef, name: str | Activation, *, alpha: float | None = None,
                   label: str | None = None) -> TensorRef:
        """A neuron node x_v = f(t) (2.5): tanh sigmoid relu leaky_relu(alpha) linear gelu
        silu elu(alpha) softplus, or any component-wise :class:`Activation`."""
        t = self._check(t, "t")
        if name in ("leaky_relu", "elu") and alpha is not None:
            act = leaky_relu(alpha) if name == "leaky_relu" else elu(alpha)
        elif alpha is not None:
            raise ValueError(f"alpha is a parameter of leaky_relu and elu, not of {name!r}")
        else:
            act = graph_activation(name)
        lab = label or f"{act.name}_{len(self._nodes)}"
        return self._node(t, t.shape, "neuron", lab, activation=act)

    def function(self, t: TensorRef, node_function: NodeFunction, label: str = "function"
                 ) -> TensorRef:
        """A non-component-wise node x_v = φ(t) (max pooling, softmax, LayerNorm),
        linearised in the generalised G (marked in every result)."""
        t = self._check(t, "t")
        if not isinstance(node_function, NodeFunction):
            raise TypeError(f"node_function must have in_shape, out_shape, value and "
                            f"jacobian, got {type(node_function).__name__}")
        if tuple(node_function.in_shape) != t.shape:
            raise ValueError(f"node function {label!r} takes shape "
                             f"{tuple(node_function.in_shape)}, the tensor has {t.shape}")
        return self._node(t, tuple(node_function.out_shape), "function",
                          f"{label}_{len(self._nodes)}", function=node_function)

    def build(self, outputs: TensorRef | Sequence[TensorRef], loss: str = "bulk"
              ) -> GraphSeptuple:
        """The :class:`GraphSeptuple`; an output that is not a node becomes a neuron node
        with f = identity; w is nilpotent by construction (2.1)-(2.3)."""
        outs = [outputs] if isinstance(outputs, TensorRef) else list(outputs)
        indices = []
        for i, t in enumerate(outs):
            t = self._check(t, f"outputs[{i}]")
            v = t.node()
            if v is None or v == 0 or v in indices:
                v = self._node(t, t.shape, "neuron", f"output_{len(self._nodes)}",
                               activation=LINEAR).node()
            assert v is not None
            indices.append(v)
        return GraphSeptuple(tuple(self._nodes), tuple(indices), loss)
