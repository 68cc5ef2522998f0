"""ONNX graphs as graph septuples: each operator becomes a call of
:class:`learning.graph.builder.GraphBuilder` (Section 2, (2.1)-(2.6); docs/beyond_mlps.md).

The graph is walked from its output back to its input, so only what the output depends on is
built (the ``Sigmoid`` inside an exported SiLU is never a node of its own). The mapping:

* affine operators, folded into the next neuron node's W and b: ``Gemm``, ``MatMul`` with a
  constant matrix, ``Conv`` (1D/2D, stride, padding, dilation, groups), ``ConvTranspose``,
  ``AveragePool``, ``GlobalAveragePool`` and ``ReduceMean`` over the spatial axes,
  ``BatchNormalization`` (inference), ``Add`` (of two computed tensors: a residual
  connection; of a constant: a bias), ``Sub``/``Mul``/``Div`` by a constant, ``Concat``,
  ``Flatten``/``Reshape``/``Squeeze``/``Unsqueeze`` (relabellings); ``Identity`` and
  ``Dropout`` are no-ops at inference;
* component-wise activations, each making a neuron node: ``Relu``, ``Tanh``, ``Sigmoid``,
  ``LeakyRelu``, ``Elu``, ``Softplus``, ``Gelu`` (exact), and the patterns exporters write
  for them: ``x * Sigmoid(x)`` (SiLU) and ``0.5 * x * (1 + Erf(x / sqrt 2))`` (GELU before
  opset 20);
* non-component-wise maps, linearised nodes of the generalised G = (I - J)^T (I - J):
  ``MaxPool``, ``Softmax``, ``LayerNormalization``. With ``logits=True`` a final
  ``Softmax`` is dropped and the network analysed at its logits.

Anything else is refused with the node's name and the route that works.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from learning.graph.builder import GraphBuilder
from learning.graph.maps import IdentityMap, ScaleMap
from learning.io.layers import NetworkFileError
from learning.io.onnx_model import FOLDABLE, MAX_NEURONS, OnnxModel, attributes, onnx_model
from learning.io.onnx_spatial import SPATIAL_HANDLERS

__all__ = ["read_onnx_graph", "GraphRead", "OnnxGraphReader", "SUPPORTED_OPERATORS",
           "MAX_NEURONS"]


_ACTIVATIONS = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "LeakyRelu": "leaky_relu",
                "Elu": "elu", "Softplus": "softplus", "Gelu": "gelu"}
_NO_OPS = {"Identity", "Dropout"}
_ROUTE = ("express the network with the supported operators, or build its graph with "
          "learning.graph.GraphBuilder (b.function(...) for a non-component-wise map) and "
          "analyse that")


class OnnxGraphReader:
    """Build a :class:`~learning.graph.septuple.GraphSeptuple` from an :class:`OnnxModel`.

    Parameters
    ----------
    model
        The loaded model (:func:`learning.io.onnx_model.onnx_model`).
    logits
        Drop a final ``Softmax`` and analyse the network at its logits.

    Attributes
    ----------
    notes
        Sentences on choices made while reading (patterns recognised, the logits option).
    """

    def __init__(self, model: OnnxModel, *, logits: bool = False):
        if not isinstance(model, OnnxModel):
            raise TypeError(f"model must be an OnnxModel (learning.io.onnx_model.onnx_model), "
                            f"got {type(model).__name__}")
        self.model = model
        self.logits = bool(logits)
        self.notes: list[str] = []
        self.builder = GraphBuilder(input_shape=model.input_shape)
        self.refs: dict[str, object] = {model.data_input: self.builder.input}
        self.pending: set[str] = set()  # tensors being built: met again, a cycle
        self.neurons = math.prod(model.input_shape)
        if self.neurons > MAX_NEURONS:
            raise NetworkFileError(model.path, f"the input {model.input_shape} alone has "
                                   f"{self.neurons:,} neurons, above the {MAX_NEURONS:,} the "
                                   "analysis can hold: refused before building")

    # -- errors ------------------------------------------------------------------------
    def fail(self, node, problem: str) -> NetworkFileError:
        label = f"{node.op_type} node {node.name or node.output[0]!r}" if node is not None \
            else "the graph"
        return NetworkFileError(self.model.path, f"{label}: {problem}")

    # -- the walk ------------------------------------------------------------------------
    def build(self):
        """The graph septuple of the model's (one) output."""
        outputs = self.model.outputs
        if len(outputs) != 1:
            raise NetworkFileError(self.model.path, f"the graph has {len(outputs)} outputs "
                                   f"{list(outputs)}; a network read here has one")
        name = outputs[0]
        node = self.model.producer.get(name)
        if self.logits:
            if node is None or node.op_type != "Softmax":
                raise NetworkFileError(self.model.path, "logits=True (--logits) needs a final "
                                       "Softmax; the output is computed by "
                                       f"{'the input' if node is None else node.op_type}")
            name = self.data(node, 0)
            self.notes.append(f"analysed at the logits: the final Softmax node "
                              f"{node.name or node.output[0]!r} is left out")
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20_000))  # the walk recurses once per node
        try:
            return self.builder.build(outputs=self.tensor(name))
        except NetworkFileError:
            raise
        except RecursionError:
            raise NetworkFileError(self.model.path, "the graph is too deep to walk (more than "
                                   "about 6000 nodes in a row)") from None
        except ValueError as err:
            raise NetworkFileError(self.model.path, f"the graph is not a septuple: {err}"
                                   ) from None
        finally:
            sys.setrecursionlimit(limit)

    def tensor(self, name: str):
        """The builder's tensor for an ONNX tensor name, building its producer first."""
        if name in self.refs:
            return self.refs[name]
        if name in self.model.constants:
            raise NetworkFileError(self.model.path, f"tensor {name!r} is a constant where a "
                                   "computed tensor is expected")
        node = self.model.producer.get(name)
        if node is None:
            raise NetworkFileError(self.model.path, f"tensor {name!r} has no producing node")
        if name in self.pending:
            raise self.fail(node, f"is part of a cycle (its output {name!r} feeds back into "
                            "its own input): not a feedforward network (2.1)-(2.3)")
        handler = _HANDLERS.get(node.op_type)
        if handler is None:
            raise self.fail(node, f"operator {node.op_type} is not supported (supported: "
                            f"{', '.join(SUPPORTED_OPERATORS)}); {_ROUTE}")
        self.pending.add(name)
        try:
            ref = handler(self, node)
        except NetworkFileError:
            raise
        except (ValueError, TypeError) as err:
            raise self.fail(node, str(err)) from None
        finally:
            self.pending.discard(name)
        self._count(node, ref)
        self.refs[name] = ref
        return ref

    def _count(self, node, ref) -> None:
        shape = tuple(ref.shape)
        self.neurons += math.prod(shape)
        if self.neurons > MAX_NEURONS:
            raise self.fail(node, f"the network has more than {MAX_NEURONS:,} neurons (at least "
                            f"{self.neurons:,} so far, this tensor {shape}); the analysis "
                            "would need more memory than one machine gives it: refused "
                            "before building")

    # -- helpers for the handlers ---------------------------------------------------------
    def data(self, node, position: int = 0) -> str:
        """The name of a node's computed input at ``position`` (a constant is refused)."""
        name = node.input[position]
        if name in self.model.constants:
            raise self.fail(node, f"input {position} ({name!r}) is a constant; a computed "
                            "tensor is expected there")
        return name

    def const(self, node, position: int, *, required: bool = True) -> NDArray | None:
        """A node's constant input at ``position`` as float64 (finite), else an error."""
        if position >= len(node.input) or not node.input[position]:
            if required:
                raise self.fail(node, f"input {position} is missing")
            return None
        value = self.model.constant(node.input[position])
        if value is None:
            source = self.model.producer.get(node.input[position])
            by = "" if source is None else \
                f" by {source.op_type} node {source.name or source.output[0]!r}"
            raise self.fail(node, f"input {position} ({node.input[position]!r}) is computed"
                            f"{by}; a constant (an initializer) is expected there, e.g. the "
                            "weights")
        arr = np.asarray(value)
        if arr.dtype.kind in "fiub":
            arr = arr.astype(np.float64)
            bad = int(np.sum(~np.isfinite(arr)))
            if bad:
                raise self.fail(node, f"input {position} ({node.input[position]!r}) has {bad} "
                                "non-finite (NaN or inf) entries")
        return arr

    def computed(self, node) -> list[str]:
        return [i for i in node.input if i and i not in self.model.constants]

    def per_shape(self, node, value: NDArray, shape: tuple[int, ...], what: str) -> NDArray:
        """A constant as ONNX broadcasts it onto a (batch, *shape) tensor, one value per
        neuron."""
        try:
            return np.broadcast_to(value, (1, *shape))[0].copy() if value.ndim > len(shape) \
                else np.broadcast_to(value, shape).copy()
        except ValueError:
            raise self.fail(node, f"{what} of shape {value.shape} does not broadcast onto the "
                            f"tensor's shape {shape}") from None


# -- handlers: (reader, node) -> builder tensor -----------------------------------------------

def _no_op(r: OnnxGraphReader, node):
    return r.tensor(r.data(node))


def _activation(r: OnnxGraphReader, node):
    a = attributes(node)
    name = _ACTIVATIONS[node.op_type]
    kwargs = {}
    if node.op_type == "LeakyRelu":
        kwargs["alpha"] = float(a.get("alpha", 0.01))
    elif node.op_type == "Elu":
        kwargs["alpha"] = float(a.get("alpha", 1.0))
    elif node.op_type == "Gelu" and a.get("approximate", "none") != "none":
        raise r.fail(node, f"GELU with approximate={a['approximate']!r} is not supported (the "
                     "exact, erf-based GELU is); export with nn.GELU() (approximate='none')")
    return r.builder.activation(r.tensor(r.data(node)), name, **kwargs)


def _gemm(r: OnnxGraphReader, node):
    a = attributes(node)
    if a.get("transA", 0):
        raise r.fail(node, "transposes its data input (transA = 1)")
    b = r.const(node, 1)
    if b.ndim != 2:
        raise r.fail(node, f"weight of shape {b.shape} is not a matrix")
    weight = float(a.get("alpha", 1.0)) * (b if a.get("transB", 0) else b.T)
    c = r.const(node, 2, required=False)
    bias = None if c is None else float(a.get("beta", 1.0)) * r.per_shape(
        node, c, (weight.shape[0],), "the bias C")
    return r.builder.dense(_flat_input(r, node, weight.shape[1]), weight, bias=bias)


def _flat_input(r: OnnxGraphReader, node, n_in: int):
    t = r.tensor(r.data(node))
    if len(t.shape) != 1 or t.shape[0] != n_in:
        raise r.fail(node, f"takes {n_in} inputs but its input has shape {tuple(t.shape)} "
                     "(shapes do not chain)")
    return t


def _matmul(r: OnnxGraphReader, node):
    if node.input[0] in r.model.constants:
        raise r.fail(node, "multiplies the data on the left; only x @ B with a constant B is "
                     "a dense layer")
    b = r.const(node, 1)
    if b.ndim != 2:
        raise r.fail(node, f"multiplies by a constant of shape {b.shape}; a dense layer's is "
                     "a matrix")
    return r.builder.dense(_flat_input(r, node, b.shape[0]), b.T)


def _scale(r: OnnxGraphReader, node, t, factor: NDArray):
    shape = tuple(t.shape)
    return r.builder.linear(t, ScaleMap(shape, r.per_shape(node, factor, shape, "the factor")))


def _shift(r: OnnxGraphReader, node, t, shift: NDArray):
    shape = tuple(t.shape)
    return r.builder.linear(t, IdentityMap(shape), bias=r.per_shape(node, shift, shape,
                                                                      "the constant"))


def _add(r: OnnxGraphReader, node):
    computed = r.computed(node)
    if len(computed) == 2:
        return r.builder.add(r.tensor(computed[0]), r.tensor(computed[1]))
    position = 1 if node.input[0] == computed[0] else 0
    return _shift(r, node, r.tensor(computed[0]), r.const(node, position))


def _sub(r: OnnxGraphReader, node):
    if node.input[0] in r.model.constants:
        t = r.tensor(r.data(node, 1))
        return _shift(r, node, _scale(r, node, t, np.array(-1.0)), r.const(node, 0))
    return _shift(r, node, r.tensor(r.data(node)), -r.const(node, 1))


def _div(r: OnnxGraphReader, node):
    divisor = r.const(node, 1)
    if np.any(divisor == 0):
        raise r.fail(node, "divides by a constant with zero entries")
    return _scale(r, node, r.tensor(r.data(node)), 1.0 / divisor)


def _mul(r: OnnxGraphReader, node):
    computed = r.computed(node)
    gelu = _erf_gelu_input(r, node)
    if gelu is not None:
        r.notes.append(f"the Erf subgraph ending in node {node.name or node.output[0]!r} read "
                       "as GELU")
        return r.builder.activation(r.tensor(gelu), "gelu")
    if len(computed) == 1:
        position = 1 if node.input[0] == computed[0] else 0
        return _scale(r, node, r.tensor(computed[0]), r.const(node, position))
    for x, s in (computed, computed[::-1]):
        producer = r.model.producer.get(s)
        if producer is not None and producer.op_type == "Sigmoid" and producer.input[0] == x:
            return r.builder.activation(r.tensor(x), "silu")
    raise r.fail(node, "multiplies two computed tensors, which is neither an affine map nor "
                 f"a component-wise activation (only x * Sigmoid(x), SiLU, is read); {_ROUTE}")


def _producer(r: OnnxGraphReader, name: str, op: str):
    node = r.model.producer.get(name)
    return node if node is not None and node.op_type == op else None


def _split(r: OnnxGraphReader, node) -> tuple[str, float] | None:
    """(computed input, scalar constant) of a binary node, or None."""
    inputs = list(node.input)
    for i, j in ((0, 1), (1, 0)):
        c = r.model.constant(inputs[j])
        if c is not None and np.asarray(c).size == 1 and inputs[i] not in r.model.constants:
            return inputs[i], float(np.asarray(c).ravel()[0])
    return None


def _erf_gelu_input(r: OnnxGraphReader, node) -> str | None:
    """x if ``node`` ends ``0.5 * x * (1 + erf(x / sqrt 2))`` (any order of the products, the
    1/sqrt 2 as a division or a product), else None."""
    half = _split(r, node)
    inner, outer = (node, None) if half is None else (r.model.producer.get(half[0]), half[1])
    if inner is None or inner.op_type != "Mul" or (outer is not None and abs(outer - .5) > 1e-6):
        return None
    for x, p in (inner.input, inner.input[::-1]):
        factor = 0.5 if outer is not None else None
        add = r.model.producer.get(p)
        if add is not None and add.op_type == "Mul" and factor is None:  # 0.5 * (1 + erf)
            split = _split(r, add)
            if split is None or abs(split[1] - 0.5) > 1e-6:
                continue
            add, factor = r.model.producer.get(split[0]), 0.5
        if factor is None or add is None or add.op_type != "Add":
            continue
        split = _split(r, add)
        erf = None if split is None or abs(split[1] - 1) > 1e-6 else \
            _producer(r, split[0], "Erf")
        if erf is not None and _is_x_over_sqrt2(r, erf.input[0], x):
            return x
    return None


def _is_x_over_sqrt2(r: OnnxGraphReader, name: str, x: str) -> bool:
    node = r.model.producer.get(name)
    split = None if node is None else _split(r, node)
    if split is None or split[0] != x:
        return False
    value = split[1] if node.op_type == "Div" else 1 / split[1] if node.op_type == "Mul" else 0
    return abs(value - math.sqrt(2)) < 1e-5


def _where(r: OnnxGraphReader, node):
    """``Where(Greater(x, t), x, Softplus(x))``, PyTorch's softplus with its threshold t (20:
    the two branches differ there by e^-20 relative), is read as softplus."""
    cond, a, b = node.input
    greater = _producer(r, cond, "Greater")
    soft = _producer(r, b, "Softplus")
    if greater is None or soft is None or greater.input[0] != a or soft.input[0] != a:
        raise r.fail(node, f"a Where is read only as PyTorch's thresholded softplus "
                     f"Where(Greater(x, t), x, Softplus(x)); {_ROUTE}")
    threshold = r.model.constant(greater.input[1])
    if threshold is None or np.asarray(threshold).size != 1 or float(threshold) < 15:
        raise r.fail(node, "a thresholded softplus with a threshold below 15 (or computed) "
                     "differs from softplus")
    r.notes.append(f"node {node.name or node.output[0]!r}: PyTorch's thresholded softplus "
                   f"(threshold {float(threshold):g}) read as softplus")
    return r.builder.activation(r.tensor(a), "softplus")


def _transpose(r: OnnxGraphReader, node):
    perm = attributes(node).get("perm")
    t = r.tensor(r.data(node))
    if perm is None or list(perm) != list(range(len(t.shape) + 1)):
        raise r.fail(node, f"permutes the axes of a computed tensor (perm {perm}); only "
                     "constants (weights) are transposed here; export the network in "
                     "channels-first layout")
    return t


def _batch_norm(r: OnnxGraphReader, node):
    a = attributes(node)
    if a.get("training_mode", 0):
        raise r.fail(node, "is in training mode; export the model in eval() mode")
    if len([o for o in node.output if o]) > 1:
        raise r.fail(node, "outputs running statistics (training mode); export in eval() mode")
    scale, shift, mean, var = (r.const(node, i) for i in (1, 2, 3, 4))
    return r.builder.batch_norm(r.tensor(r.data(node)), scale, shift, mean, var,
                                float(a.get("epsilon", 1e-5)))


def _concat(r: OnnxGraphReader, node):
    refs = [r.tensor(r.data(node, i)) for i in range(len(node.input))]
    axis = int(attributes(node)["axis"])
    rank = len(refs[0].shape) + 1
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise r.fail(node, "concatenates along the batch axis")
    return r.builder.concat(refs, axis=axis - 1)


def _flatten(r: OnnxGraphReader, node):
    t = r.tensor(r.data(node))
    axis = int(attributes(node).get("axis", 1))
    rank = len(t.shape) + 1
    axis = axis + rank if axis < 0 else axis
    if axis != 1:
        raise r.fail(node, f"flattens from axis {axis}; only axis 1 (keep the batch axis) is a "
                     "relabelling of one sample's neurons")
    return r.builder.flatten(t)


def _reshape(r: OnnxGraphReader, node):
    t = r.tensor(r.data(node))
    shape = [int(s) for s in r.const(node, 1).ravel()]
    size = math.prod(t.shape)
    allowzero = int(attributes(node).get("allowzero", 0))
    full = (1, *t.shape)
    if not allowzero:
        shape = [full[i] if s == 0 and i < len(full) else s for i, s in enumerate(shape)]
    if not shape or shape[0] not in (1, -1, r.model.batch):
        raise r.fail(node, f"reshapes to {shape}: the first axis must stay the batch axis")
    rest = shape[1:]
    if rest.count(-1) > 1 or any(s == 0 or s < -1 for s in rest):
        raise r.fail(node, f"reshapes to {shape}")
    known = math.prod(s for s in rest if s != -1)
    if -1 in rest:
        if known == 0 or size % known:
            raise r.fail(node, f"cannot reshape {tuple(t.shape)} to {shape}")
        rest = [size // known if s == -1 else s for s in rest]
    elif shape[0] == -1 and known != size:
        raise r.fail(node, f"reshapes {tuple(t.shape)} to {shape}, which moves neurons into "
                     "the batch axis")
    if math.prod(rest) != size:
        raise r.fail(node, f"cannot reshape {tuple(t.shape)} to {shape} (shapes do not chain)")
    return r.builder.reshape(t, tuple(rest))


def _squeeze_like(r: OnnxGraphReader, node):
    t = r.tensor(r.data(node))
    probe = np.zeros((1, *t.shape))
    inputs = [probe] + [r.model.constant(i) if i else None for i in node.input[1:]]
    shape = FOLDABLE[node.op_type](attributes(node), inputs).shape
    if not shape or shape[0] != 1:
        raise r.fail(node, "removes or moves the batch axis")
    return r.builder.reshape(t, tuple(shape[1:]))


_HANDLERS: dict[str, Callable] = {
    **{op: _activation for op in _ACTIVATIONS},
    **{op: _no_op for op in _NO_OPS},
    "Gemm": _gemm, "MatMul": _matmul, "Add": _add, "Sub": _sub, "Mul": _mul, "Div": _div,
    "BatchNormalization": _batch_norm, "Where": _where,
    "Transpose": _transpose, "Concat": _concat, "Flatten": _flatten,
    "Reshape": _reshape, "Squeeze": _squeeze_like, "Unsqueeze": _squeeze_like,
    **SPATIAL_HANDLERS,
}

#: The operators read (beside the constant subgraphs folded by learning.io.onnx_model).
SUPPORTED_OPERATORS: tuple[str, ...] = (*sorted(_HANDLERS), "x * Sigmoid(x) (SiLU)",
                                        "0.5 x (1 + Erf(x / sqrt 2)) (GELU)")


@dataclass(frozen=True, eq=False)
class GraphRead:
    """A graph septuple read from ONNX, with how it was read.

    Attributes
    ----------
    septuple
        The :class:`~learning.graph.septuple.GraphSeptuple`.
    path
        The file, or where the model came from (``"torch module Net"``).
    notes
        Sentences on choices made while reading (patterns recognised, the logits option).
    """

    septuple: object
    path: str
    notes: tuple[str, ...]


def read_onnx_graph(source, *, logits: bool = False, label: str | None = None) -> GraphRead:
    """Read an ONNX model as a graph septuple (Section 2, (2.1)-(2.6)); see the module
    docstring for the operators and docs/beyond_mlps.md for the conventions.

    Parameters
    ----------
    source
        A ``.onnx`` path or an ``onnx.ModelProto``.
    logits
        Leave out a final ``Softmax`` (the analysis is then at the logits; a note says so).
    label
        What to call the model in messages (default: the path).

    Raises
    ------
    NetworkFileError
        Unsupported operators (named with the node and the route that works), shapes that
        do not chain, non-finite weights, a file that is not an ONNX model, more than
        :data:`MAX_NEURONS` neurons.

    Examples
    --------
    >>> import numpy as np, onnx
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    >>> w = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    >>> nodes = [helper.make_node("Gemm", ["x", "w"], ["h"], transB=1),
    ...          helper.make_node("Tanh", ["h"], ["y"])]
    >>> model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], [w]))
    >>> read_onnx_graph(model).septuple.n_neurons
    5
    """
    if not isinstance(logits, bool):
        raise TypeError(f"logits must be a bool, got {type(logits).__name__}")
    reader = OnnxGraphReader(onnx_model(source, label), logits=logits)
    septuple = reader.build()
    return GraphRead(septuple=septuple, path=reader.model.path, notes=tuple(reader.notes))
