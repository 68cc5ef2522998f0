"""Keras 3 models with convolutions, pooling, BatchNormalization and Add as graph septuples
(``.keras`` archives and legacy ``.h5``; Section 2, (2.1)-(2.6); docs/beyond_mlps.md).

Keras stores images channels-last (N, H, W, C); the graph septuple, like ONNX and PyTorch,
channels-first. Each tensor is held channels-first here: the input (H, W, C) becomes the
input node (C, H, W) (the same neurons relabelled; for one channel the same order), a
``Conv2D`` kernel (kh, kw, C_in, C_out) becomes the weight (C_out, C_in, kh, kw), and the
``Dense`` layer right after a ``Flatten`` of an image gets its kernel's rows permuted from
Keras's (h, w, c) order to (c, h, w), so that it computes the same function. Padding
``"same"`` is TensorFlow's (the extra row/column at the end).

Layers read: InputLayer, Conv1D, Conv2D (strides, dilation, groups), Dense, Flatten,
Reshape (of a vector), AveragePooling1D/2D, GlobalAveragePooling1D/2D, MaxPooling1D/2D
(linearised), BatchNormalization (inference, channel axis), Add, Concatenate (channels),
Activation/ReLU/LeakyReLU/ELU/Softmax layers, Dropout (a no-op); activations tanh, sigmoid,
relu, leaky_relu, elu, gelu, silu/swish, softplus, linear and softmax (a linearised node).
Anything else is refused by name with the route that works (ONNX, e.g. via tf2onnx).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import zipfile

import numpy as np

from learning.graph.builder import GraphBuilder
from learning.io.keras_io import _h5py, _inbound_names, _legacy_weights
from learning.io.layers import NetworkFileError, check_path
from learning.io.onnx_graph import GraphRead
from learning.io.onnx_spatial import same_pads

__all__ = ["read_keras_graph", "snake_case"]

_ACTIVATIONS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "linear": "linear",
                "elu": "elu", "gelu": "gelu", "silu": "silu", "swish": "silu",
                "softplus": "softplus", "leaky_relu": "leaky_relu"}
_ROUTE = ("convert the model to ONNX (e.g. python -m tf2onnx.convert, or keras's "
          "model.export(..., format='onnx')) and analyse that, or build its graph with "
          "learning.graph.GraphBuilder")


def snake_case(name: str) -> str:
    """Keras's name for a layer class in its weights file (``Conv2D`` -> ``conv2d``).

    Examples
    --------
    >>> snake_case("BatchNormalization"), snake_case("Conv2D"), snake_case("Dense")
    ('batch_normalization', 'conv2d', 'dense')
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a layer class name (a str), got {type(name).__name__}")
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class _Weights:
    """The variables of each layer: by class slot in a ``.keras`` archive, by name in
    ``.h5``."""

    def __init__(self, path: str, h5, archive: bool, layers: list[dict]):
        self.path, self.h5, self.archive = path, h5, archive
        self.slot: dict[str, str] = {}
        counts: dict[str, int] = {}
        for layer in layers:
            key = snake_case(layer["class_name"])
            k = counts.get(key, 0)
            counts[key] = k + 1
            self.slot[layer["name"]] = key if k == 0 else f"{key}_{k}"

    def of(self, name: str, leaves: tuple[str, ...]) -> dict[str, np.ndarray]:
        if self.archive:
            key = f"layers/{self.slot[name]}/vars"
            if key not in self.h5:
                raise NetworkFileError(self.path, f"no weights for layer {name!r} (looked for "
                                       f"{key!r})")
            values = [self.h5[key][k][()] for k in sorted(self.h5[key].keys(), key=int)]
            return dict(zip(leaves, values, strict=False))
        root = self.h5["model_weights"] if "model_weights" in self.h5 else self.h5
        if name not in root:
            raise NetworkFileError(self.path, f"no weights group for layer {name!r}")
        return _legacy_weights(root[name])


def _finite(r, name: str, arr) -> np.ndarray:
    a = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise r.fail(name, f"has {int(np.sum(~np.isfinite(a)))} non-finite (NaN or inf) weights")
    return a


class _Reader:
    def __init__(self, path: str, layers: list[dict], weights: _Weights, logits: bool):
        self.path, self.layers, self.weights, self.logits = path, layers, weights, logits
        self.notes: list[str] = []
        self.refs: dict[str, object] = {}
        self.flat_from: dict[str, tuple[int, ...]] = {}  # Flatten output -> channels-first shape
        self.builder: GraphBuilder | None = None

    def fail(self, name: str, problem: str) -> NetworkFileError:
        return NetworkFileError(self.path, f"layer {name!r}: {problem}")

    def var(self, layer: dict, leaves: tuple[str, ...]) -> dict[str, np.ndarray]:
        got = self.weights.of(layer["name"], leaves)
        return {k: _finite(self, layer["name"], v) for k, v in got.items()}

    def activation(self, t, name: str, spec, label: str):
        if isinstance(spec, dict):
            spec = spec.get("config", {}).get("name", spec.get("class_name"))
        key = str(spec).lower()
        if key == "softmax":
            return self.softmax(t, label)
        if key not in _ACTIVATIONS:
            raise self.fail(name, f"activation {spec!r} is not supported (supported: "
                            f"{', '.join(sorted(_ACTIVATIONS))}, softmax); {_ROUTE}")
        if key == "linear":
            return t
        return self.builder.activation(t, _ACTIVATIONS[key])  # type: ignore[union-attr]

    def softmax(self, t, label: str):
        from learning.graph.nonlocal_maps import Softmax

        if self.logits and label == self.layers[-1]["name"]:
            self.notes.append(f"analysed at the logits: the softmax of layer {label!r} is "
                              "left out")
            return t
        fn = Softmax(axis=0, in_shape=tuple(t.shape))  # Keras's last axis is channels: 0
        return self.builder.function(t, fn, label=f"Softmax:{label}")  # type: ignore[union-attr]


def _window(r: _Reader, layer: dict, t, kernel, stride, dilation=None):
    cfg = layer["config"]
    d = len(kernel)
    dilation = tuple(dilation or (1,) * d)
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise r.fail(layer["name"], "data_format='channels_first' is not read; save the "
                     "model channels-last (Keras's default)")
    if len(t.shape) != d + 1:
        raise r.fail(layer["name"], f"a {d}-D window on a tensor of shape (channels-first) "
                     f"{tuple(t.shape)}")
    mode = {"same": "SAME_UPPER", "valid": "VALID"}.get(cfg.get("padding", "valid"))
    if mode is None:
        raise r.fail(layer["name"], f"padding {cfg.get('padding')!r} is not read")
    return same_pads(t.shape[1:], kernel, stride, dilation, mode), dilation


def _conv(r: _Reader, layer: dict, t):
    from learning.graph.convolution import Conv

    cfg = layer["config"]
    v = r.var(layer, ("kernel", "bias"))
    kernel = v["kernel"]
    d = kernel.ndim - 2
    stride = tuple(cfg.get("strides", (1,) * d))
    pads, dilation = _window(r, layer, t, kernel.shape[:d], stride, cfg.get("dilation_rate"))
    weight = np.moveaxis(kernel, (-1, -2), (0, 1))  # (*k, C_in/g, C_out) -> (C_out, C_in/g, *k)
    conv = Conv(np.ascontiguousarray(weight), stride=stride, padding=pads, dilation=dilation,
                groups=int(cfg.get("groups", 1)), in_shape=tuple(t.shape))
    bias = None
    if cfg.get("use_bias", True) and "bias" in v:
        bias = np.broadcast_to(v["bias"].reshape((-1,) + (1,) * d), conv.out_shape).copy()
    out = r.builder.linear(t, conv, bias=bias)  # type: ignore[union-attr]
    return r.activation(out, layer["name"], cfg.get("activation", "linear"), layer["name"])


def _dense(r: _Reader, layer: dict, t):
    cfg = layer["config"]
    v = r.var(layer, ("kernel", "bias"))
    kernel = v["kernel"]
    src = layer["inbound"][0]
    if src in r.flat_from:  # Keras flattened (h, w, c); the tensor is (c, h, w)
        shape = r.flat_from[src]
        spatial = shape[1:]
        kernel = kernel.reshape(*spatial, shape[0], -1)
        kernel = np.moveaxis(kernel, -2, 0).reshape(math.prod(shape), -1)
    if len(t.shape) != 1:
        raise r.fail(layer["name"], f"a Dense layer on a tensor of shape {tuple(t.shape)} "
                     "(channels-first); flatten it first")
    bias = v.get("bias") if cfg.get("use_bias", True) else None
    out = r.builder.dense(t, kernel.T, bias=bias)  # type: ignore[union-attr]
    return r.activation(out, layer["name"], cfg.get("activation", "linear"), layer["name"])


def _batch_norm(r: _Reader, layer: dict, t):
    cfg = layer["config"]
    axis = cfg.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, len(t.shape)):
        raise r.fail(layer["name"], f"normalises axis {axis}; only the channel axis (-1) is "
                     "read")
    leaves = (("gamma",) if cfg.get("scale", True) else ()) + \
        (("beta",) if cfg.get("center", True) else ()) + ("moving_mean", "moving_variance")
    v = r.var(layer, leaves)
    c = t.shape[0]
    return r.builder.batch_norm(t, v.get("gamma", np.ones(c)),  # type: ignore[union-attr]
                                v.get("beta", np.zeros(c)), v["moving_mean"],
                                v["moving_variance"], float(cfg.get("epsilon", 1e-3)))


def _pool(r: _Reader, layer: dict, t):
    from learning.graph.nonlocal_maps import MaxPool
    from learning.graph.pooling import AvgPool

    cfg = layer["config"]
    kernel = tuple(cfg["pool_size"])
    stride = tuple(cfg.get("strides") or kernel)
    pads, _ = _window(r, layer, t, kernel, stride)
    if layer["class_name"].startswith("Max"):
        fn = MaxPool(kernel, stride=stride, padding=pads, in_shape=tuple(t.shape))
        return r.builder.function(t, fn, label=f"MaxPool:{layer['name']}")  # type: ignore
    pool = AvgPool(kernel, stride=stride, padding=pads, count_include_pad=False,
                   in_shape=tuple(t.shape))
    return r.builder.linear(t, pool)  # type: ignore[union-attr]


def _global_pool(r: _Reader, layer: dict, t):
    from learning.graph.pooling import GlobalAvgPool

    _window(r, layer, t, (1,) * (len(t.shape) - 1), (1,) * (len(t.shape) - 1))
    out = r.builder.linear(t, GlobalAvgPool(tuple(t.shape)))  # type: ignore[union-attr]
    if layer["config"].get("keepdims", False):
        raise r.fail(layer["name"], "keepdims=True is not read; use keepdims=False")
    return r.builder.reshape(out, (t.shape[0],))  # type: ignore[union-attr]


def _flatten(r: _Reader, layer: dict, t):
    out = r.builder.flatten(t)  # type: ignore[union-attr]
    if len(t.shape) > 1 and t.shape[0] > 1:
        users = [x for x in r.layers if layer["name"] in x["inbound"]]
        if any(u["class_name"] not in ("Dense", "Dropout") for u in users) or \
                any(u["class_name"] == "Dropout" for u in users):
            raise r.fail(layer["name"], "flattens a multi-channel image into something other "
                         "than a Dense layer; Keras's (h, w, c) order is read only there")
        r.flat_from[layer["name"]] = tuple(t.shape)
    return out


def _reshape(r: _Reader, layer: dict, t):
    target = tuple(layer["config"]["target_shape"])
    if len(t.shape) != 1 or len(target) != 1:
        raise r.fail(layer["name"], f"reshapes {tuple(t.shape)} to {target}; only vectors to "
                     "vectors are read (the channels-last order is not kept otherwise)")
    return r.builder.reshape(t, target)  # type: ignore[union-attr]


def _merge(r: _Reader, layer: dict, ts: list):
    if layer["class_name"] == "Add":
        return r.builder.add(*ts)  # type: ignore[union-attr]
    axis = layer["config"].get("axis", -1)
    if axis not in (-1, len(ts[0].shape)):
        raise r.fail(layer["name"], f"concatenates along axis {axis}; only the channel axis "
                     "(-1) is read")
    return r.builder.concat(ts, axis=0)  # type: ignore[union-attr]


def _activation_layer(r: _Reader, layer: dict, t):
    cfg = layer["config"]
    kind = layer["class_name"]
    if kind == "Activation":
        return r.activation(t, layer["name"], cfg.get("activation"), layer["name"])
    if kind == "Softmax":
        return r.softmax(t, layer["name"])
    if kind == "ReLU":
        if cfg.get("max_value") is not None or cfg.get("threshold", 0) or \
                cfg.get("negative_slope", 0):
            raise r.fail(layer["name"], "a ReLU with max_value, threshold or negative_slope is "
                         f"not read; {_ROUTE}")
        return r.builder.activation(t, "relu")  # type: ignore[union-attr]
    alpha = float(cfg.get("negative_slope", cfg.get("alpha", 0.3 if kind == "LeakyReLU"
                                                            else 1.0)))
    name = "leaky_relu" if kind == "LeakyReLU" else "elu"
    return r.builder.activation(t, name, alpha=alpha)  # type: ignore[union-attr]


_SINGLE = {"Conv1D": _conv, "Conv2D": _conv, "Dense": _dense,
           "BatchNormalization": _batch_norm, "AveragePooling1D": _pool,
           "AveragePooling2D": _pool, "MaxPooling1D": _pool, "MaxPooling2D": _pool,
           "GlobalAveragePooling1D": _global_pool, "GlobalAveragePooling2D": _global_pool,
           "Flatten": _flatten, "Reshape": _reshape, "Activation": _activation_layer,
           "ReLU": _activation_layer, "LeakyReLU": _activation_layer, "ELU": _activation_layer,
           "Softmax": _activation_layer, "Dropout": lambda r, layer, t: t}
_MERGE = {"Add", "Concatenate"}


def _input_shape(path: str, layers: list[dict]) -> tuple[int, ...]:
    cfg = layers[0]["config"]
    shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
    if not shape or any(s is None for s in shape[1:]):
        raise NetworkFileError(path, f"the input shape {shape} is not fixed; build the model "
                               "with keras.Input(shape=...) of known sizes")
    shape = tuple(int(s) for s in shape[1:])
    return (shape[-1], *shape[:-1]) if len(shape) > 1 else shape  # channels-first


def _walk(r: _Reader) -> object:
    first = r.layers[0]
    shape = _input_shape(r.path, r.layers)
    r.builder = GraphBuilder(input_shape=shape)
    r.refs[first["name"]] = r.builder.input
    if len(shape) > 1 and shape[0] > 1:
        r.notes.append(f"the channels-last input {(*shape[1:], shape[0])} is read "
                       f"channels-first as {shape}")
    for layer in r.layers[1:]:
        kind, name = layer["class_name"], layer["name"]
        inbound = [r.refs[i] for i in layer["inbound"] if i in r.refs]
        if len(inbound) != len(layer["inbound"]) or not inbound:
            raise r.fail(name, f"reads {layer['inbound']}, not all of which are earlier layers")
        try:
            if kind in _MERGE:
                r.refs[name] = _merge(r, layer, inbound)
            elif kind in _SINGLE and len(inbound) == 1:
                r.refs[name] = _SINGLE[kind](r, layer, inbound[0])
            else:
                raise r.fail(name, f"a {kind} layer is not supported (supported: "
                             f"{', '.join(sorted([*_SINGLE, *_MERGE]))}); {_ROUTE}")
        except NetworkFileError:
            raise
        except (ValueError, TypeError) as err:
            raise r.fail(name, str(err)) from None
    return r.refs[r.layers[-1]["name"]]


def _layer_list(path: str, config: dict) -> list[dict]:
    body = config.get("config", config)
    entries = body.get("layers") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not entries:
        raise NetworkFileError(path, "the model configuration has no layer list: not a Keras "
                               "model")
    layers, previous = [], None
    sequential = config.get("class_name") == "Sequential"
    for entry in entries:
        cfg = entry.get("config", {}) or {}
        name = entry.get("name") or cfg.get("name") or entry.get("class_name")
        inbound = ([previous] if previous else []) if sequential else \
            _inbound_names(entry.get("inbound_nodes", []))
        layers.append({"class_name": entry.get("class_name", "?"), "name": name,
                       "config": cfg, "inbound": inbound})
        previous = name
    if layers[0]["class_name"] != "InputLayer":
        shape = layers[0]["config"].get("batch_input_shape") or \
            layers[0]["config"].get("batch_shape")
        layers.insert(0, {"class_name": "InputLayer", "name": "input", "inbound": [],
                          "config": {"batch_shape": shape}})
        if sequential:
            layers[1]["inbound"] = ["input"]
    return layers


def read_keras_graph(path: str | os.PathLike, *, logits: bool = False) -> GraphRead:
    """Read a Keras 3 ``.keras`` or ``.h5`` model as a graph septuple (see the module
    docstring for the layers and the channels-last conversion).

    Raises
    ------
    NetworkFileError
        Unsupported layers or activations (named, with the route that works), non-finite
        weights, shapes that do not chain, a file that is not a Keras model.
    """
    path = check_path(path)
    if not isinstance(logits, bool):
        raise TypeError(f"logits must be a bool, got {type(logits).__name__}")
    h5py = _h5py(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
                blob = archive.read("model.weights.h5")
            h5, archived = h5py.File(io.BytesIO(blob), "r"), True
        else:
            h5, archived = h5py.File(path, "r"), False
            raw = h5.attrs.get("model_config")
            if raw is None:
                raise NetworkFileError(path, "an HDF5 file without a Keras model_config "
                                       "(weights only?): the graph cannot be read")
            config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except NetworkFileError:
        raise
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise NetworkFileError(path, f"cannot be read as a Keras model (truncated or corrupt, "
                               f"or a file of another tool?): {err}") from None
    with h5:
        layers = _layer_list(path, config)
        reader = _Reader(path, layers, _Weights(path, h5, archived, layers[1:]), logits)
        out = _walk(reader)
        try:
            septuple = reader.builder.build(outputs=out)  # type: ignore[union-attr]
        except ValueError as err:
            raise NetworkFileError(path, f"the graph is not a septuple: {err}") from None
    return GraphRead(septuple=septuple, path=path, notes=tuple(reader.notes))
