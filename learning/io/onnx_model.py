"""An ONNX model as the graph readers see it: its constants folded, its one data input, and
each computed tensor's producing node.

ONNX exporters write weights as initializers but often pass them through small constant
subgraphs: ``Transpose(weight)`` before a ``MatMul`` (torch.onnx's dynamo exporter),
``Identity`` of a shared bias, ``Constant`` shape tensors for ``Reshape``, ``Cast``,
``Unsqueeze`` ... Every node whose inputs are all constants and whose operator is one of
:data:`FOLDABLE` is evaluated here with NumPy, so the graph reader meets only operators on
computed tensors. The semantics follow the ONNX operator documentation.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from learning.io.layers import NetworkFileError

__all__ = ["OnnxModel", "onnx_model", "attributes", "FOLDABLE", "MAX_NEURONS"]

#: Largest number of neurons a graph may have: the analysis keeps tens of vectors of N
#: float64 (Lanczos probes and their products), so beyond 5 * 10^7 neurons the spectrum alone
#: would need more than 4 GiB per 10 vectors; refused before anything is built.
MAX_NEURONS = 50_000_000


def _reshape(x, shape, allowzero=0):
    shape = [int(s) for s in np.asarray(shape).ravel()]
    if not allowzero:
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return np.reshape(x, shape)


def _axes(node_attrs: dict, inputs: list) -> list[int] | None:
    if len(inputs) > 1 and inputs[1] is not None:
        return [int(a) for a in np.asarray(inputs[1]).ravel()]
    axes = node_attrs.get("axes")
    return None if axes is None else [int(a) for a in axes]


def _squeeze(attrs, inputs):
    axes = _axes(attrs, inputs)
    return np.squeeze(inputs[0], axis=None if axes is None else tuple(axes))


def _unsqueeze(attrs, inputs):
    x = inputs[0]
    for a in sorted(_axes(attrs, inputs) or []):
        x = np.expand_dims(x, a if a >= 0 else a + x.ndim + 1)
    return x


#: operator -> NumPy evaluation ``(attributes, input arrays) -> output`` for constant inputs
FOLDABLE: dict[str, Callable[[dict, list], NDArray]] = {
    "Identity": lambda a, x: x[0],
    "Transpose": lambda a, x: np.transpose(x[0], a.get("perm")),
    "Reshape": lambda a, x: _reshape(x[0], x[1], a.get("allowzero", 0)),
    "Cast": lambda a, x: np.asarray(x[0]),
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Concat": lambda a, x: np.concatenate(x, axis=a.get("axis", 0)),
    "Add": lambda a, x: x[0] + x[1],
    "Sub": lambda a, x: x[0] - x[1],
    "Mul": lambda a, x: x[0] * x[1],
    "Div": lambda a, x: x[0] / x[1],
    "Neg": lambda a, x: -x[0],
    "Sqrt": lambda a, x: np.sqrt(x[0]),
    "Reciprocal": lambda a, x: 1.0 / x[0],
}


def attributes(node) -> dict:
    """A node's attributes as Python values (strings decoded).

    Examples
    --------
    >>> from onnx import helper
    >>> attributes(helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1], auto_pad="NOTSET"))
    {'auto_pad': 'NOTSET', 'pads': [1, 1]}
    """
    from onnx import helper

    if not hasattr(node, "attribute"):
        raise TypeError(f"node must be an onnx NodeProto, got {type(node).__name__}")
    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        out[a.name] = value.decode() if isinstance(value, bytes) else value
    return out


@dataclass(frozen=True, eq=False)
class OnnxModel:
    """A loaded ONNX graph with its constants folded.

    Attributes
    ----------
    path
        The file, or a description of where the model came from (messages start with it).
    constants
        Tensor name -> array: initializers, ``Constant`` outputs and folded constant subgraphs.
    producer
        Computed tensor name -> the node that writes it.
    data_input
        The name of the one graph input that is not a constant.
    input_shape
        Its shape without the leading batch axis.
    outputs
        The graph's output names.
    opset
        The default-domain opset version.
    batch
        The batch size the input declares (an export's example batch), ``None`` if dynamic.
    """

    path: str
    constants: dict
    producer: dict
    data_input: str
    input_shape: tuple[int, ...]
    outputs: tuple[str, ...]
    opset: int
    batch: int | None = None

    def constant(self, name: str) -> NDArray | None:
        """The value of a constant tensor, ``None`` for a computed one."""
        return self.constants.get(name)


def _import_onnx(path: str):
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise NetworkFileError(path, "reading ONNX needs the 'onnx' package: "
                               "pip install 'neural-thermodynamics[io]'") from None
    return onnx, numpy_helper


def _fold(model_graph, numpy_helper) -> tuple[dict, dict]:
    constants = {t.name: numpy_helper.to_array(t) for t in model_graph.initializer}
    producer = {}
    for node in model_graph.node:
        attrs = attributes(node) if node.op_type in FOLDABLE or node.op_type == "Constant" \
            else {}
        if node.op_type == "Constant":
            value = next((a for a in node.attribute if a.name == "value"), None)
            if value is not None:
                constants[node.output[0]] = numpy_helper.to_array(value.t)
            else:
                scalars = [attrs[k] for k in ("value_float", "value_int", "value_floats",
                                              "value_ints") if k in attrs]
                if scalars:
                    constants[node.output[0]] = np.asarray(scalars[0])
            continue
        given = [i for i in node.input if i]
        if node.op_type in FOLDABLE and given and all(i in constants for i in given):
            inputs = [constants[i] if i else None for i in node.input]
            constants[node.output[0]] = np.asarray(FOLDABLE[node.op_type](attrs, inputs))
            continue
        for out in node.output:
            if out:
                producer[out] = node
    return constants, producer


def _data_input(path: str, graph, constants: dict) -> tuple[str, tuple[int, ...], int | None]:
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1:
        raise NetworkFileError(path, f"the graph has {len(inputs)} data inputs "
                               f"{[i.name for i in inputs]}; a feedforward network read here has "
                               "one (its input neurons)")
    value = inputs[0]
    dims = value.type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if len(shape) < 2 or any(s is None or s <= 0 for s in shape[1:]):
        raise NetworkFileError(path, f"the data input {value.name!r} has shape {shape}; it needs "
                               "a batch axis first and known sizes after it (export with a "
                               "fixed example input; only the batch axis may be dynamic)")
    return value.name, tuple(int(s) for s in shape[1:]), shape[0]


def onnx_model(source, path: str | os.PathLike | None = None) -> OnnxModel:
    """Load an ONNX model (a file path, or an ``onnx.ModelProto``) and fold its constants.

    Parameters
    ----------
    source
        A path to a ``.onnx`` file, or a ``ModelProto`` (an in-memory export).
    path
        What to call the model in messages (default: the file path).

    Raises
    ------
    NetworkFileError
        Not an ONNX model, no single data input, or an input shape that is not static.
    """
    label = os.fspath(path) if path is not None else os.fspath(source) \
        if isinstance(source, (str, os.PathLike)) else "ONNX model"
    onnx, numpy_helper = _import_onnx(label)
    if isinstance(source, (str, os.PathLike)):
        try:
            model = onnx.load(os.fspath(source))
        except Exception as err:  # noqa: BLE001 - protobuf raises its own DecodeError types
            raise NetworkFileError(label, f"cannot be read as ONNX (truncated or corrupt, or a "
                                   f"file of another tool?): {type(err).__name__}: {err}"
                                   ) from None
    elif isinstance(source, onnx.ModelProto):
        model = source
    else:
        raise TypeError(f"source must be a path or an onnx.ModelProto, got "
                        f"{type(source).__name__}")
    graph = model.graph
    if not graph.node:
        raise NetworkFileError(label, "the ONNX graph has no nodes: not a model")
    constants, producer = _fold(graph, numpy_helper)
    name, shape, batch = _data_input(label, graph, constants)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    return OnnxModel(path=label, constants=constants, producer=producer, data_input=name,
                     input_shape=shape, outputs=tuple(o.name for o in graph.output),
                     opset=int(opset), batch=batch)


def neurons_of(shape: tuple[int, ...]) -> int:
    """The number of neurons of a tensor of ``shape``."""
    return math.prod(shape)
