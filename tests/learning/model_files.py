"""Writers of model files in each library's own layout, built with that library's API (or
h5py for Keras's), independent of learning.io: the round-trip tests read what they write."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np


def write_safetensors(path, weights, biases, *, names=None, activation=None, layers=None):
    from safetensors.numpy import save_file

    names = names or [str(2 * l) for l in range(len(weights))]  # nn.Sequential: 0, 2, 4
    tensors = {}
    for name, w, b in zip(names, weights, biases, strict=True):
        tensors[f"{name}.weight"] = np.ascontiguousarray(w)
        if b is not None:
            tensors[f"{name}.bias"] = np.ascontiguousarray(b)
    metadata = {}
    if activation is not None:
        metadata["activation"] = activation
    if layers is not None:
        metadata["layers"] = ",".join(layers)
    save_file(tensors, str(path), metadata=metadata or None)


def write_safetensors_bfloat16(path, weights, biases, *, names=None):
    """A safetensors file in bfloat16 (PyTorch's ``model.bfloat16()`` then ``save_file``),
    written byte by byte per the format (NumPy has no bfloat16): an 8-byte little-endian
    header length, the JSON header, then each tensor's bytes. Values are rounded to
    bfloat16 by truncating float32; returns the exactly representable float32 values."""
    import struct

    names = names or [str(2 * l) for l in range(len(weights))]
    header, chunks, offset, stored = {}, [], 0, []
    for name, w, b in zip(names, weights, biases, strict=True):
        pair = []
        for leaf, a in (("weight", w), ("bias", b)):
            bits = (np.asarray(a, dtype="<f4").view("<u4") >> 16).astype("<u2")
            raw = bits.tobytes()
            header[f"{name}.{leaf}"] = {"dtype": "BF16", "shape": list(np.shape(a)),
                                        "data_offsets": [offset, offset + len(raw)]}
            chunks.append(raw)
            offset += len(raw)
            pair.append((bits.astype("<u4") << 16).view("<f4"))
        stored.append(pair)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    return [w for w, _ in stored], [b for _, b in stored]


def _keras_layers(weights, activations, extra=(), names=None):
    layers = [{"class_name": "InputLayer",
               "config": {"name": "input", "batch_shape": [None, weights[0].shape[1]]}}]
    names = names or [f"dense_{l}" for l in range(len(weights))]
    for name, w, act in zip(names, weights, activations, strict=True):
        layers.append({"class_name": "Dense",
                       "config": {"name": name, "units": int(w.shape[0]),
                                  "activation": act, "use_bias": True}})
    layers += list(extra)
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def write_keras_h5(path, weights, biases, activations, *, extra=(), config=None):
    """The legacy Keras HDF5 layout of ``model.save('m.h5')`` (kernels (n_in, n_out))."""
    import h5py

    config = config or _keras_layers(weights, activations, extra)
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        root = f.create_group("model_weights")
        names = [f"dense_{l}" for l in range(len(weights))]
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        for name, w, b in zip(names, weights, biases, strict=True):
            g = root.create_group(name)
            wn = [f"{name}/kernel:0".encode()] + ([f"{name}/bias:0".encode()] if b is not None
                                                  else [])
            g.attrs["weight_names"] = np.array(wn)
            g.create_dataset(f"{name}/kernel:0", data=np.asarray(w).T)
            if b is not None:
                g.create_dataset(f"{name}/bias:0", data=b)


def write_keras_archive(path, weights, biases, activations, *, names=None, extra=None,
                        root="layers"):
    """A Keras 3 ``.keras`` zip: config.json, metadata.json and model.weights.h5.

    As Keras's ``saving_lib`` writes it: the weights of the k-th Dense layer of the model's
    layer list sit at ``layers/dense/vars`` (k = 0) or ``layers/dense_<k>/vars``, named by
    class and position, not by the layer's name (``vars/0`` the kernel, ``vars/1`` the bias);
    tf.keras 2.13 wrote ``_layer_checkpoint_dependencies`` for ``layers`` (``root``).
    ``names`` are the layers' own names in the config; ``extra`` maps a position in the
    Dense list to a weightless layer config inserted before it (a Dropout, say)."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write_dense_vars(f, weights, biases, root)
        f.create_group("optimizer/vars")
    config = _keras_layers(weights, activations, names=names)
    for position, layer in sorted((extra or {}).items(), reverse=True):
        config["config"]["layers"].insert(position + 1, layer)  # after the InputLayer
    config["module"] = "keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buffer.getvalue())


def _write_dense_vars(f, weights, biases, root: str) -> None:
    """Keras 3's layout of the model's (empty) ``vars`` and each Dense layer's kernel
    (n_in, n_out) and bias at ``<root>/dense_<k>/vars/0`` and ``/1`` (``dense`` for k = 0)."""
    f.create_group("vars")
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        g = f.create_group(f"{root}/{'dense' if l == 0 else f'dense_{l}'}/vars")
        g.create_dataset("0", data=np.asarray(w).T)
        g.create_dataset("1", data=b)


def write_keras3_weights(path, weights, biases, *, extra_slots=()):
    """What Keras 3's ``model.save_weights("net.weights.h5")`` writes: no configuration, no
    ``layer_names``; the model's own (empty) ``vars`` and the k-th Dense layer's kernel and
    bias at ``layers/dense_<k>/vars/0`` and ``/1`` (``dense`` for k = 0). ``extra_slots``
    adds other layers' groups (``dropout`` with no variables, ``batch_normalization``
    with some)."""
    import h5py

    with h5py.File(path, "w") as f:
        _write_dense_vars(f, weights, biases, "layers")
        for slot in extra_slots:
            g = f.create_group(f"layers/{slot}/vars")
            if slot.startswith("batch_normalization"):
                g.create_dataset("0", data=np.ones(3))


def onnx_model(weights, biases, activation_op="Tanh", *, matmul=False, extra_nodes=(),
               skip=False):
    """A chain Gemm(transB=1) -> activation (PyTorch's export), or MatMul + Add.

    ``activation_op`` is one ONNX operator for every layer, or one per layer (``None``: no
    activation node, a linear layer)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    current = "x"
    ops = ([activation_op] * len(weights) if isinstance(activation_op, str)
           else list(activation_op))
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if matmul:
            inits.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(w).T), f"W{l}"))
            inits.append(numpy_helper.from_array(np.asarray(b), f"B{l}"))
            nodes.append(helper.make_node("MatMul", [current, f"W{l}"], [f"m{l}"], name=f"mm{l}"))
            nodes.append(helper.make_node("Add", [f"m{l}", f"B{l}"], [f"y{l}"], name=f"add{l}"))
        else:
            inits.append(numpy_helper.from_array(np.asarray(w), f"W{l}"))
            inits.append(numpy_helper.from_array(np.asarray(b), f"B{l}"))
            nodes.append(helper.make_node("Gemm", [current, f"W{l}", f"B{l}"], [f"y{l}"],
                                          name=f"fc{l}", transB=1))
        if ops[l] is None:
            current = f"y{l}"
            continue
        nodes.append(helper.make_node(ops[l], [f"y{l}"], [f"a{l}"], name=f"act{l}"))
        current = f"a{l}"
    if skip:
        nodes.append(helper.make_node("Add", [current, "a0"], ["res"], name="residual"))
        current = "res"
    for node in extra_nodes:
        nodes.append(helper.make_node(node, [current], [f"{node}_out"], name=f"my_{node}"))
        current = f"{node}_out"
    n_in, n_out = weights[0].shape[1], weights[-1].shape[0]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, n_in])],
        [helper.make_tensor_value_info(current, TensorProto.DOUBLE, [None, n_out])], inits)
    return helper.make_model(graph)


def write_onnx(path, weights, biases, activation_op="Tanh", **kwargs):
    import onnx

    onnx.save(onnx_model(weights, biases, activation_op, **kwargs), str(path))
