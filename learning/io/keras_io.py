"""Keras models: ``.keras`` archives (Keras 3) and ``.h5`` files (legacy HDF5), via h5py.

The layer list and each Dense layer's activation come from the saved configuration
(``config.json`` in a ``.keras`` zip, the ``model_config`` attribute of an ``.h5``); the
weights from the HDF5 data (``model.weights.h5``: ``layers/dense_<k>/vars/0`` the kernel
and ``vars/1`` the bias of the k-th Dense layer, found by position as Keras stores them, not
by the layer's name; legacy: ``model_weights/<layer>/<layer>/kernel:0`` and ``bias:0``).
A Keras ``kernel`` has shape ``(n_in, n_out)`` and is transposed to the septuple's
``(n_out, n_in)``. InputLayer, Dropout and Flatten are no-ops at inference and are passed
over; an ``Activation`` layer sets the activation of the Dense layer before it. Any other
layer (convolutions, normalisation, Add/Concatenate skip connections, ...) is refused by
name, and so is a functional model whose layers do not form one chain. An ``.h5`` written
by ``save_weights`` (no configuration) needs ``activation=``: Keras 2's is read in its
``layer_names`` order, Keras 3's (``.weights.h5``, the archive's layout) in the order of
its Dense layers ``dense, dense_1, ...``.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Sequence

import numpy as np

from learning.io.layers import (
    DenseLayer,
    NetworkFileError,
    NotAChainError,
    activation_name,
    bfloat16_to_float32,
    check_path,
)

__all__ = ["read_keras"]

_NO_OPS = {"InputLayer", "Dropout", "Flatten"}


def _h5py(path):
    try:
        import h5py
    except ImportError:
        raise NetworkFileError(path, "reading Keras files needs the 'h5py' package: "
                               "pip install 'neural-thermodynamics[io]'") from None
    return h5py


def _inbound_names(node) -> list[str]:
    """Names of the layers feeding a functional layer (Keras 2 and Keras 3 layouts)."""
    found: list[str] = []
    if isinstance(node, dict):
        history = node.get("keras_history")
        if isinstance(history, list) and history and isinstance(history[0], str):
            return [history[0]]
        for value in node.values():
            found += _inbound_names(value)
    elif isinstance(node, list):
        if len(node) >= 3 and isinstance(node[0], str) and isinstance(node[1], int):
            return [node[0]]
        for value in node:
            found += _inbound_names(value)
    return found


def _activation_of(path, layer_name: str, value) -> str:
    if isinstance(value, dict):  # a serialised activation object
        value = value.get("config", value.get("class_name"))
    return activation_name(path, str(value), f"layer {layer_name!r}")


def _plan(path, config: dict) -> list[tuple[str, str, bool]]:
    """(layer name, activation, use_bias) of each Dense layer, in order, from a model config."""
    body = config.get("config", config)
    entries = body.get("layers", body) if isinstance(body, dict) else body
    if not isinstance(entries, list):
        raise NetworkFileError(path, "the model configuration has no layer list")
    plan: list[list] = []
    refused: list[str] = []
    previous: str | None = None
    for entry in entries:
        kind = entry.get("class_name", "?")
        cfg = entry.get("config", {}) or {}
        name = entry.get("name") or cfg.get("name") or kind
        inbound = _inbound_names(entry.get("inbound_nodes", []))
        if entry.get("inbound_nodes") is not None and previous is not None \
                and inbound != [previous]:
            refused.append(f"{name!r} ({kind} fed by {inbound}, not by the single previous "
                           f"layer {previous!r}: not a chain)")
            previous = name
            continue
        previous = name
        if kind == "Dense":
            plan.append([name, _activation_of(path, name, cfg.get("activation", "linear")),
                         bool(cfg.get("use_bias", True))])
        elif kind == "Activation":
            if not plan or plan[-1][1] != "linear":
                refused.append(f"{name!r} (Activation not right after a linear Dense)")
            else:
                plan[-1][1] = _activation_of(path, name, cfg.get("activation"))
        elif kind not in _NO_OPS:
            refused.append(f"{name!r} ({kind})")
    if refused:
        raise NotAChainError(path, "not a feedforward MLP of Dense layers: "
                               + ", ".join(refused))
    return [(n, a, b) for n, a, b in plan]


def _find_vars(h5, position: int):
    """The ``vars`` group of the Dense layer at ``position`` among the model's Dense layers.

    Keras 3 (``saving_lib``) stores a model's layers by class and position, not by name: the
    k-th Dense layer of the layer list at ``layers/dense/vars`` (k = 0) or
    ``layers/dense_<k>/vars`` (tf.keras 2.13: ``_layer_checkpoint_dependencies/...``), so a
    layer named ``hidden`` or ``dense_3`` (a second model built in one session) is found
    where Keras's own loader finds it.
    """
    slot = "dense" if position == 0 else f"dense_{position}"
    for root in ("layers", "_layer_checkpoint_dependencies"):
        key = f"{root}/{slot}/vars"
        if key in h5:
            return h5[key]
    return None


def _legacy_weights(group) -> dict[str, np.ndarray]:
    """{'kernel': ..., 'bias': ...} of a legacy layer group (by weight_names, or by walking)."""
    out: dict[str, np.ndarray] = {}

    def take(key, obj):
        if hasattr(obj, "shape"):
            leaf = key.split("/")[-1].split(":")[0]
            out[leaf] = _values(obj)

    names = group.attrs.get("weight_names")
    if names is not None and len(names):
        for raw in names:
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            take(key, group[key])
    else:
        group.visititems(take)
    return out


def _dense_layer(path, name: str, activation: str | None, use_bias: bool,
                 arrays: dict[str, np.ndarray]) -> DenseLayer:
    if "kernel" not in arrays:
        raise NetworkFileError(path, f"Dense layer {name!r} has no kernel in the weights")
    bias = arrays.get("bias") if use_bias else None
    return DenseLayer(name, np.asarray(arrays["kernel"]).T, bias, activation)


def _read_archive(path, h5py) -> list[DenseLayer]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "config.json" not in names or "model.weights.h5" not in names:
            raise NetworkFileError(path, f"a zip without config.json and model.weights.h5 "
                                   f"({sorted(names)[:5]}): not a .keras model")
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    plan = _plan(path, config)
    layers = []
    with h5py.File(io.BytesIO(weights), "r") as h5:
        for position, (name, activation, use_bias) in enumerate(plan):
            group = _find_vars(h5, position)
            if group is None:
                slot = "dense" if position == 0 else f"dense_{position}"
                raise NetworkFileError(path, f"no weights ('layers/{slot}/vars', where Keras "
                                       f"stores Dense layer {position}) for Dense layer "
                                       f"{name!r}; the weights file has {sorted(h5.keys())}")
            layers.append(_dense_layer(path, name, activation, use_bias, _vars_arrays(group)))
    return layers


def _vars_arrays(group) -> dict[str, np.ndarray]:
    """{'kernel': ..., 'bias': ...} of a Keras 3 ``vars`` group (``0`` the kernel, ``1`` the
    bias)."""
    values = [_values(group[k]) for k in sorted(group.keys(), key=int)]
    return dict(zip(("kernel", "bias"), values, strict=False))


def _values(dataset) -> np.ndarray:
    """A dataset's values; Keras's bfloat16 variables (stored as 2-byte opaque data, marked
    ``dtype = "bfloat16"`` by Keras 3's saving) widened to float32 exactly."""
    value = np.asarray(dataset[()])
    if value.dtype.kind == "V" and value.dtype.itemsize == 2:
        return bfloat16_to_float32(value)
    return value


def _read_weights_only(path, h5) -> list[DenseLayer] | None:
    """The Dense layers of a Keras 3 weights-only file (``model.save_weights``: the archive's
    ``layers/dense_<k>/vars`` layout, no configuration), in order k; ``None`` if it is not
    one. A layer of another class with variables (a normalisation, say) is refused."""
    top = next((h5[r] for r in ("layers", "_layer_checkpoint_dependencies") if r in h5), None)
    if top is None:
        return None
    slots, refused = [], []
    for slot in top:
        match = re.fullmatch(r"dense(?:_(\d+))?", slot)
        if match:
            slots.append((int(match.group(1) or 0), slot))
        elif "vars" in top[slot] and len(top[slot]["vars"]):
            refused.append(slot)
    if refused:
        raise NotAChainError(path, f"not a feedforward MLP of Dense layers: the weights of "
                               f"{sorted(refused)}")
    slots.sort()
    if [k for k, _ in slots] != list(range(len(slots))):
        raise NetworkFileError(path, f"the Dense layers {[s for _, s in slots]} are not "
                               "dense, dense_1, dense_2, ... (one missing?)")
    return [_dense_layer(path, slot, None, True, _vars_arrays(top[slot]["vars"]))
            for _, slot in slots]


def _read_h5(path, h5py) -> list[DenseLayer]:
    with h5py.File(path, "r") as h5:
        raw = h5.attrs.get("model_config")
        root = h5["model_weights"] if "model_weights" in h5 else h5
        if raw is not None:
            config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
            plan: Sequence[tuple[str, str | None, bool]] = _plan(path, config)
        else:
            order = root.attrs.get("layer_names")
            if order is None:
                weights_only = _read_weights_only(path, h5)
                if weights_only is not None:
                    return weights_only
                raise NetworkFileError(path, "an HDF5 file with neither a Keras model_config "
                                       "nor layer_names: not a Keras model")
            plan = [(n.decode() if isinstance(n, bytes) else str(n), None, True) for n in order]
        layers = []
        for name, activation, use_bias in plan:
            if name not in root:
                raise NetworkFileError(path, f"no weights group for Dense layer {name!r}")
            arrays = _legacy_weights(root[name])
            if raw is None and not arrays:
                continue  # a weightless layer (Dropout, Flatten ...) of a weights-only file
            layers.append(_dense_layer(path, name, activation, use_bias, arrays))
    return layers


def read_keras(path: str | os.PathLike, layers: Sequence[str] | None = None
               ) -> tuple[list[DenseLayer], None]:
    """The Dense layers of a ``.keras`` or Keras ``.h5`` file, in the model's order."""
    path = check_path(path)
    h5py = _h5py(path)
    try:
        if zipfile.is_zipfile(path):
            dense = _read_archive(path, h5py)
        else:
            dense = _read_h5(path, h5py)
    except NetworkFileError:
        raise
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, json.JSONDecodeError) as err:
        raise NetworkFileError(path, f"cannot be read as a Keras model (truncated or "
                               f"corrupt?): {err}") from None
    if layers is not None and list(layers) != [d.name for d in dense]:
        raise NetworkFileError(path, f"layers={list(layers)} conflicts with the model's order "
                               f"{[d.name for d in dense]}")
    return dense, None
