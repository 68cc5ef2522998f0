"""ONNX graphs (through the ``onnx`` package): chains of Gemm, or MatMul + Add, with Tanh,
Sigmoid or Relu nodes.

``Gemm`` computes ``alpha * A @ op(B) + beta * C`` with ``op(B) = B^T`` when ``transB = 1``
(PyTorch's export, B of shape ``(n_out, n_in)``) and ``B`` otherwise (``(n_in, n_out)``);
the weight is ``alpha * op(B)^T`` and the bias ``beta * C``. ``MatMul`` with an initializer
``B`` of shape ``(n_in, n_out)`` followed by ``Add`` of a bias is the same layer. A dense
layer not followed by an activation node is linear. The graph must be a single chain from
its one data input to its output: a node reading any tensor but the previous node's output
(a skip connection, an ``Add`` of two computed tensors, a branch) is refused, and so is
every operator other than Gemm, MatMul, Add, Tanh, Sigmoid, Relu, Identity, Dropout and a
leading Flatten, each by name. Constants are folded: ``Constant`` nodes, and ``Transpose``
of an initializer (the dynamo exporter's ``Transpose(weight) -> MatMul -> Add``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from learning.io.layers import DenseLayer, NetworkFileError, NotAChainError, check_path

__all__ = ["read_onnx"]

_ACTIVATIONS = {"Tanh": "tanh", "Sigmoid": "sigmoid", "Relu": "relu"}
_NO_OPS = {"Identity", "Dropout"}


def _attributes(node, helper) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _load(path):
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise NetworkFileError(path, "reading ONNX needs the 'onnx' package: "
                               "pip install 'neural-thermodynamics[io]'") from None
    try:
        model = onnx.load(os.fspath(path))
    except Exception as err:  # noqa: BLE001 - protobuf raises its own DecodeError types
        raise NetworkFileError(path, f"cannot be read as ONNX (truncated or corrupt?): "
                               f"{type(err).__name__}: {err}") from None
    return model, helper, numpy_helper


def read_onnx(path: str | os.PathLike, layers: Sequence[str] | None = None
              ) -> tuple[list[DenseLayer], None]:
    """The dense layers of an ONNX graph, in the order of the chain."""
    path = check_path(path)
    model, helper, numpy_helper = _load(path)
    graph = model.graph
    constants, folded = _constants(graph, helper, numpy_helper)
    start = _chain_input(path, graph, constants, folded)
    dense, current = _chain_layers(path, graph, constants, folded, start, helper)
    outputs = [o.name for o in graph.output]
    if outputs != [current]:
        raise NotAChainError(path, f"the graph's outputs {outputs} are not the end of the "
                               f"chain {current!r}")
    if layers is not None and list(layers) != [d.name for d in dense]:
        raise NetworkFileError(path, f"layers={list(layers)} conflicts with the graph's order "
                               f"{[d.name for d in dense]}")
    return dense, None


def _constants(graph, helper, numpy_helper) -> tuple[dict, set]:
    """Initializers and the outputs of nodes that compute a constant (not part of the chain)."""
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    folded = set()
    for node in graph.node:
        if node.op_type == "Constant":
            value = _attributes(node, helper).get("value")
            if value is not None:
                constants[node.output[0]] = numpy_helper.to_array(value)
            folded.add(node.output[0])
        elif node.op_type == "Transpose" and node.input[0] in constants:
            # torch.onnx's dynamo exporter writes Linear as Transpose(weight) -> MatMul -> Add.
            perm = _attributes(node, helper).get("perm")
            constants[node.output[0]] = np.transpose(constants[node.input[0]], perm)
            folded.add(node.output[0])
    return constants, folded


def _chain_input(path: str, graph, constants: dict, folded: set) -> str:
    """The one data input of an MLP graph whose operators are all a chain's."""
    data_inputs = [i.name for i in graph.input if i.name not in constants]
    if len(data_inputs) != 1:
        raise NotAChainError(path, f"the graph has {len(data_inputs)} data inputs "
                               f"{data_inputs}; an MLP has one")
    unsupported = [f"{n.op_type} (node {n.name or n.output[0]!r})" for n in graph.node
                   if n.output[0] not in folded
                   and n.op_type not in {"Gemm", "MatMul", "Add", "Flatten", *_ACTIVATIONS,
                                         *_NO_OPS}]
    if unsupported:
        raise NotAChainError(path, "unsupported operators for a feedforward MLP: "
                               + ", ".join(unsupported))
    return data_inputs[0]


def _chain_layers(path: str, graph, constants: dict, folded: set, current: str, helper
                  ) -> tuple[list[DenseLayer], str]:
    """Walk the nodes from the data input: dense layers with their biases and activations."""
    dense: list[DenseLayer] = []
    pending_bias = False  # the last layer is a MatMul still waiting for its Add
    for node in graph.node:
        if node.output[0] in folded:
            continue
        label = f"{node.op_type} node {node.name or node.output[0]!r}"
        computed = [i for i in node.input if i and i not in constants]
        if computed != [current]:
            raise NotAChainError(path, f"{label} reads {computed}, not only the previous "
                                   f"output {current!r}: a skip connection or a branch, not a "
                                   "chain")
        current = node.output[0]
        pending_bias = _chain_step(path, node, label, computed, constants, dense, pending_bias,
                                   helper)
    return dense, current


def _chain_step(path: str, node, label: str, computed: list, constants: dict,
                dense: list[DenseLayer], pending_bias: bool, helper) -> bool:
    """Apply one node to the layers read so far; return whether a MatMul awaits its bias."""
    op = node.op_type
    if op == "Flatten":
        if dense:
            raise NotAChainError(path, f"{label} after a dense layer: not an MLP")
        return pending_bias
    if op in _NO_OPS:
        return pending_bias
    if op == "Gemm":
        dense.append(_gemm(path, node, label, constants, helper))
        return False
    if op == "MatMul":
        b = constants[node.input[1]] if node.input[0] == computed[0] else None
        if b is None or b.ndim != 2:
            raise NotAChainError(path, f"{label} must multiply the data on the right by "
                                   "a 2-D initializer")
        dense.append(DenseLayer(node.name or node.output[0], b.T, None, "linear"))
        return True
    if op == "Add":
        if not pending_bias:
            raise NotAChainError(path, f"{label} is not the bias of a MatMul")
        (bias_name,) = [i for i in node.input if i in constants]
        last = dense[-1]
        bias = _one_row(path, label, constants[bias_name], last.weight.shape[0])
        dense[-1] = DenseLayer(last.name, last.weight, bias, last.activation)
        return False
    # an activation
    if not dense or dense[-1].activation != "linear":
        raise NotAChainError(path, f"{label} does not follow a linear dense layer")
    last = dense[-1]
    dense[-1] = DenseLayer(last.name, last.weight, last.bias, _ACTIVATIONS[op])
    return False


def _gemm(path, node, label: str, constants: dict, helper) -> DenseLayer:
    attrs = _attributes(node, helper)
    if attrs.get("transA", 0):
        raise NetworkFileError(path, f"{label} transposes its data input (transA = 1)")
    if node.input[1] not in constants:
        raise NotAChainError(path, f"{label} has a computed weight, not an initializer")
    b = np.asarray(constants[node.input[1]], dtype=np.float64)
    weight = attrs.get("alpha", 1.0) * (b if attrs.get("transB", 0) else b.T)
    bias = None
    if len(node.input) > 2 and node.input[2]:
        bias = attrs.get("beta", 1.0) * _one_row(path, label, constants[node.input[2]],
                                                 weight.shape[0])
    return DenseLayer(node.name or node.output[0], weight, bias, "linear")


def _one_row(path, label: str, value, n_out: int) -> np.ndarray:
    """A bias as ONNX broadcasts it onto a (batch, n_out) output: one value per output, from
    a stored (), (1,), (n_out,), (1, 1) or (1, n_out) tensor."""
    c = np.asarray(value, dtype=np.float64)
    try:
        if c.ndim > 2:
            raise ValueError
        return np.broadcast_to(c, (1, n_out))[0].copy()
    except ValueError:
        raise NetworkFileError(path, f"{label} adds a bias of shape {c.shape}, which does not "
                               f"broadcast to one row of its {n_out} outputs") from None
