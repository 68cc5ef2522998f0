"""The spatial and non-component-wise ONNX operators of :mod:`learning.io.onnx_graph`:
convolutions and pooling (linear maps folded into W, (2.1)) and the linearised node maps
(max pooling, softmax, layer normalisation) of the generalised G = (I - J)^T (I - J).

Each handler takes the reader (:class:`learning.io.onnx_graph.OnnxGraphReader`) and an
ONNX node and returns the builder's tensor; attributes follow the ONNX operator docs
(``pads`` per side, begins then ends; ``auto_pad`` ``SAME_UPPER``/``SAME_LOWER``/``VALID``
resolved to explicit pads here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from learning.io.onnx_model import MAX_NEURONS, attributes

__all__ = ["SPATIAL_HANDLERS", "same_pads"]


def same_pads(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
              dilation: Sequence[int], mode: str) -> tuple[int, ...]:
    """Explicit pads (begins, then ends) of ONNX's ``auto_pad`` for the spatial ``size``.

    Examples
    --------
    >>> same_pads((5, 5), (3, 3), (1, 1), (1, 1), "SAME_UPPER")
    (1, 1, 1, 1)
    >>> same_pads((4,), (2,), (1,), (1,), "SAME_LOWER")
    (1, 0)
    """
    if mode not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"mode must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, got {mode!r}")
    if not len(size) == len(kernel) == len(stride) == len(dilation):
        raise ValueError(f"size, kernel, stride and dilation must have one entry per spatial "
                         f"axis, got {size}, {kernel}, {stride}, {dilation}")
    if mode in ("NOTSET", "VALID"):
        return (0,) * (2 * len(size))
    begins, ends = [], []
    for n, k, s, d in zip(size, kernel, stride, dilation, strict=True):
        out = -(-n // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - n)
        small, large = total // 2, total - total // 2
        begins.append(small if mode == "SAME_UPPER" else large)
        ends.append(large if mode == "SAME_UPPER" else small)
    return (*begins, *ends)


def _geometry(r, node, t, kernel: Sequence[int]) -> dict:
    """stride, padding, dilation of a Conv/pool node on tensor ``t`` (channels first)."""
    a = attributes(node)
    d = len(kernel)
    if len(t.shape) != d + 1:
        raise r.fail(node, f"a {d}-D kernel on an input of shape {tuple(t.shape)}; it needs "
                     f"(channels, {d} spatial axes)")
    stride = tuple(int(s) for s in a.get("strides", (1,) * d))
    dilation = tuple(int(s) for s in a.get("dilations", (1,) * d))
    mode = a.get("auto_pad", "NOTSET")
    if mode not in ("NOTSET", "VALID") or "pads" not in a:
        pads = same_pads(t.shape[1:], kernel, stride, dilation, mode)
    else:
        pads = tuple(int(p) for p in a["pads"])
    if a.get("ceil_mode", 0):
        raise r.fail(node, "uses ceil_mode = 1; export with ceil_mode=False")
    return {"stride": stride, "padding": pads, "dilation": dilation}


def _expect(r, node, out_shape: tuple[int, ...]) -> None:
    """Refuse an output above the neuron limit from its shape alone, before the operator is
    built (:data:`learning.io.onnx_model.MAX_NEURONS`)."""
    if math.prod(out_shape) > MAX_NEURONS or min(out_shape) < 1:
        raise r.fail(node, f"would output a tensor of shape {out_shape}: more than "
                     f"{MAX_NEURONS:,} neurons, or none; refused before building")


def _check_d(r, node, d: int) -> None:
    if d not in (1, 2):
        raise r.fail(node, f"is {d}-D; convolutions and pooling are read in 1-D and 2-D")


def _conv(r, node):
    from learning.graph.convolution import Conv

    weight = r.const(node, 1)
    _check_d(r, node, weight.ndim - 2)
    t = r.tensor(r.data(node))
    g = _geometry(r, node, t, weight.shape[2:])
    d = weight.ndim - 2
    _expect(r, node, (weight.shape[0], *(
        (n + g["padding"][i] + g["padding"][i + d] - g["dilation"][i] * (k - 1) - 1)
        // g["stride"][i] + 1 for i, (n, k) in enumerate(zip(t.shape[1:], weight.shape[2:],
                                                          strict=True)))))
    conv = Conv(weight, stride=g["stride"], padding=g["padding"], dilation=g["dilation"],
                groups=int(attributes(node).get("group", 1)), in_shape=tuple(t.shape))
    return r.builder.linear(t, conv, bias=_channel_bias(r, node, conv.out_shape))


def _channel_bias(r, node, out_shape: tuple[int, ...]):
    bias = r.const(node, 2, required=False)
    if bias is None:
        return None
    if bias.shape != (out_shape[0],):
        raise r.fail(node, f"bias of shape {bias.shape}, the output has {out_shape[0]} channels")
    return np.broadcast_to(bias.reshape((-1,) + (1,) * (len(out_shape) - 1)), out_shape).copy()


def _conv_transpose(r, node):
    from learning.graph.convolution import ConvTranspose

    a = attributes(node)
    if "output_shape" in a:
        raise r.fail(node, "gives output_shape; export with explicit padding/output_padding")
    weight = r.const(node, 1)
    _check_d(r, node, weight.ndim - 2)
    t = r.tensor(r.data(node))
    d = weight.ndim - 2
    g = _geometry(r, node, t, weight.shape[2:])
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise r.fail(node, f"auto_pad={a['auto_pad']!r} on a transposed convolution; export "
                     "with explicit pads")
    extra = tuple(int(p) for p in a.get("output_padding", (0,) * d))
    _expect(r, node, (weight.shape[1] * int(a.get("group", 1)), *(
        (n - 1) * g["stride"][i] - g["padding"][i] - g["padding"][i + d]
        + g["dilation"][i] * (k - 1) + extra[i] + 1
        for i, (n, k) in enumerate(zip(t.shape[1:], weight.shape[2:], strict=True)))))
    conv = ConvTranspose(weight, stride=g["stride"], padding=g["padding"],
                         output_padding=extra,
                         dilation=g["dilation"], groups=int(a.get("group", 1)),
                         in_shape=tuple(t.shape))
    return r.builder.linear(t, conv, bias=_channel_bias(r, node, conv.out_shape))


def _pool_window(r, node, kind: str):
    """(input tensor, kernel, geometry) of a pooling node (no dilation)."""
    kernel = tuple(int(k) for k in attributes(node)["kernel_shape"])
    _check_d(r, node, len(kernel))
    t = r.tensor(r.data(node))
    g = _geometry(r, node, t, kernel)
    if any(x != 1 for x in g["dilation"]):
        raise r.fail(node, f"is dilated; {kind} pooling is read without dilation")
    return t, kernel, g


def _average_pool(r, node):
    from learning.graph.pooling import AvgPool

    a = attributes(node)
    t, kernel, g = _pool_window(r, node, "average")
    pool = AvgPool(kernel, stride=g["stride"], padding=g["padding"],
                   count_include_pad=bool(a.get("count_include_pad", 0)),
                   in_shape=tuple(t.shape))
    return r.builder.linear(t, pool)


def _global_average(r, node, keepdims: bool = True):
    from learning.graph.pooling import GlobalAvgPool

    t = r.tensor(r.data(node))
    if len(t.shape) < 2:
        raise r.fail(node, f"pools an input of shape {tuple(t.shape)}; it needs (channels, "
                     "spatial axes)")
    out = r.builder.linear(t, GlobalAvgPool(tuple(t.shape)))
    want = (t.shape[0],) + (1,) * (len(t.shape) - 1) if keepdims else (t.shape[0],)
    return out if tuple(out.shape) == want else r.builder.reshape(out, want)


def _reduce_mean(r, node):
    a = attributes(node)
    t = r.tensor(r.data(node))
    axes = a.get("axes")
    if len(node.input) > 1 and node.input[1]:
        axes = r.const(node, 1).ravel().tolist()
    rank = len(t.shape) + 1
    axes = sorted(int(x) + rank if int(x) < 0 else int(x) for x in (axes or []))
    if axes != list(range(2, rank)):
        raise r.fail(node, f"averages over axes {axes}; only the mean over all spatial axes "
                     f"{list(range(2, rank))} (global average pooling) is read")
    return _global_average(r, node, keepdims=bool(a.get("keepdims", 1)))


def _max_pool(r, node):
    from learning.graph.nonlocal_maps import MaxPool

    if len([o for o in node.output if o]) > 1:
        raise r.fail(node, "also outputs indices; export without return_indices")
    t, kernel, g = _pool_window(r, node, "max")
    fn = MaxPool(kernel, stride=g["stride"], padding=g["padding"], in_shape=tuple(t.shape))
    return r.builder.function(t, fn, label=f"MaxPool:{node.name or node.output[0]}")


def _softmax(r, node):
    from learning.graph.nonlocal_maps import Softmax

    t = r.tensor(r.data(node))
    rank = len(t.shape) + 1
    axis = int(attributes(node).get("axis", -1 if r.model.opset >= 13 else 1))
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise r.fail(node, "normalises over the batch axis")
    if r.model.opset < 13 and axis != rank - 1:
        raise r.fail(node, f"opset {r.model.opset} Softmax over axis {axis} of a rank-{rank} "
                     "tensor flattens the trailing axes; export with opset >= 13")
    fn = Softmax(axis=axis - 1, in_shape=tuple(t.shape))
    return r.builder.function(t, fn, label=f"Softmax:{node.name or node.output[0]}")


def _layer_norm(r, node):
    from learning.graph.nonlocal_maps import LayerNorm

    a = attributes(node)
    t = r.tensor(r.data(node))
    rank = len(t.shape) + 1
    axis = int(a.get("axis", -1))
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise r.fail(node, "normalises over the batch axis")
    normalized = tuple(t.shape[axis - 1:])
    scale = r.const(node, 1)
    shift = r.const(node, 2, required=False)
    size = math.prod(normalized)
    scale = np.broadcast_to(scale, normalized).copy()
    shift = np.zeros(normalized) if shift is None else np.broadcast_to(shift, normalized).copy()
    if scale.size != size:
        raise r.fail(node, f"scale of shape {scale.shape} for normalised axes {normalized}")
    fn = LayerNorm(normalized, eps=float(a.get("epsilon", 1e-5)), scale=scale, shift=shift,
                   in_shape=tuple(t.shape))
    return r.builder.function(t, fn, label=f"LayerNormalization:{node.name or node.output[0]}")


#: operator -> handler
SPATIAL_HANDLERS: dict[str, Callable] = {
    "Conv": _conv, "ConvTranspose": _conv_transpose, "AveragePool": _average_pool,
    "GlobalAveragePool": _global_average, "ReduceMean": _reduce_mean, "MaxPool": _max_pool,
    "Softmax": _softmax, "LayerNormalization": _layer_norm,
}
