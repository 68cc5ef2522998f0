"""learning.io: networks written by NumPy, safetensors, Keras (h5py layout), ONNX and PyTorch
read back as the same layered septuple; every malformed or non-MLP file refused by name."""

from __future__ import annotations

import doctest
import importlib.util
import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import learning.io
import learning.io.layers
import learning.io.load
import learning.io.npz
from learning.feedforward import (
    feedforward,
    forward_state,
    from_layers,
    layer_biases,
    layer_weights,
)
from learning.io import NetworkFileError, load_network, read_network, save_network
from tests.learning import model_files as mf

pytest.importorskip("safetensors")
pytest.importorskip("h5py")
pytest.importorskip("onnx")
HAS_TORCH = importlib.util.find_spec("torch") is not None

SIZES = (7, 5, 4, 3)


@pytest.fixture(scope="module")
def net():
    return feedforward(SIZES, "tanh", seed=3, bias_scale=0.3)


def blocks(septuple):
    return ([np.array(w) for w in layer_weights(septuple)],
            [np.array(b) for b in layer_biases(septuple)])


def same_septuple(a, b):
    # Every writer stores float64 and every reader copies it, so the septuples agree to the
    # last bit; 1e-15 is the bound (an orientation or order bug is O(1)).
    assert a.layer_sizes == b.layer_sizes
    (wa, ba), (wb, bb) = blocks(a), blocks(b)
    for x, y in zip(wa + ba, wb + bb, strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-15)
    assert a.activation.name == b.activation.name


def test_doctests_of_learning_io_pass():
    for module in (learning.io.npz, learning.io.load, learning.io.layers):
        assert doctest.testmod(module).failed == 0


# ---- round trips from each library --------------------------------------------------------

def write_each(tmp_path, septuple):
    """The same network written by each installed library; {format: path}."""
    w, b = blocks(septuple)
    act = septuple.activation.name
    paths = {"npz": tmp_path / "m.npz", "safetensors": tmp_path / "m.safetensors",
             "keras-h5": tmp_path / "m.h5", "keras": tmp_path / "m.keras",
             "onnx": tmp_path / "m.onnx", "onnx-matmul": tmp_path / "mm.onnx"}
    save_network(septuple, paths["npz"])
    mf.write_safetensors(paths["safetensors"], w, b, activation=act)
    mf.write_keras_h5(paths["keras-h5"], w, b, [act] * len(w))
    mf.write_keras_archive(paths["keras"], w, b, [act] * len(w))
    op = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}[act]
    mf.write_onnx(paths["onnx"], w, b, op)
    mf.write_onnx(paths["onnx-matmul"], w, b, op, matmul=True)
    return paths


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_every_library_round_trips_to_the_same_septuple(tmp_path, activation):
    net = feedforward(SIZES, activation, seed=5, bias_scale=0.2)
    paths = write_each(tmp_path, net)
    expected = {"npz": "npz", "safetensors": "safetensors", "keras-h5": "keras",
                "keras": "keras", "onnx": "onnx", "onnx-matmul": "onnx"}
    for kind, path in paths.items():
        loaded = read_network(path)
        assert loaded.format == expected[kind], kind
        same_septuple(loaded.septuple, net)


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (it is not a dependency; "
                    "the safetensors route covers its files)")
def test_pytorch_state_dict_and_sequential_round_trip(tmp_path, net):
    import torch

    w, b = blocks(net)
    mods = []
    for wl, bl in zip(w, b, strict=True):
        lin = torch.nn.Linear(wl.shape[1], wl.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(wl))
            lin.bias.copy_(torch.from_numpy(bl))
        mods += [lin, torch.nn.Tanh()]
    model = torch.nn.Sequential(*mods)
    torch.save(model.state_dict(), tmp_path / "state.pt")
    torch.save(model, tmp_path / "seq.pth")
    same_septuple(load_network(tmp_path / "state.pt", activation="tanh"), net)
    same_septuple(load_network(tmp_path / "seq.pth"), net)


def test_save_network_round_trips_exactly(tmp_path, net):
    save_network(net, tmp_path / "a.npz")
    back = load_network(tmp_path / "a.npz")
    assert all(np.array_equal(x, y) for x, y in zip(sum(blocks(back), []), sum(blocks(net), []),
                                                    strict=True))
    save_network(back, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_save_network_refuses_non_layered_and_unnamed_activation(tmp_path, net):
    from learning.activations import Activation
    from learning.septuple import Septuple

    flat = Septuple(np.zeros((3, 3)), np.zeros(3), "tanh", [0], [2])
    with pytest.raises(ValueError, match="layer structure"):
        save_network(flat, tmp_path / "x.npz")
    custom = Activation("softsign", lambda y: y / (1 + abs(y)), lambda y: 1 / (1 + abs(y)) ** 2)
    w, b = blocks(net)
    with pytest.raises(ValueError, match="softsign"):
        save_network(from_layers(w, b, custom), tmp_path / "y.npz")
    assert not (tmp_path / "y.npz").exists()


def test_npz_from_plain_numpy_with_one_activation_per_layer(tmp_path, net):
    w, b = blocks(net)
    arrays = {f"W{l}": w[l] for l in range(3)} | {f"b{l}": b[l] for l in range(3)}
    np.savez(tmp_path / "p.npz", **arrays, activation=np.array(["tanh"] * 3))
    same_septuple(load_network(tmp_path / "p.npz"), net)
    np.savez(tmp_path / "q.npz", **arrays)  # no activation in the file: taken from the argument
    loaded = read_network(tmp_path / "q.npz", activation="tanh")
    assert loaded.activation_source == "argument"
    same_septuple(loaded.septuple, net)


# ---- layer order in flat safetensors files ----------------------------------------------

def test_safetensors_order_from_natural_names(tmp_path):
    # Twelve layers: keys are stored sorted as strings (fc1, fc10, fc11, fc12, fc2, ...); the
    # natural order fc1 < fc2 < ... < fc12 is the network's.
    sizes = tuple(range(14, 1, -1))
    net = feedforward(sizes, seed=0, bias_scale=0.1)
    w, b = blocks(net)
    mf.write_safetensors(tmp_path / "n.safetensors", w, b,
                         names=[f"fc{l + 1}" for l in range(len(w))], activation="tanh")
    loaded = read_network(tmp_path / "n.safetensors")
    assert loaded.notes == ()  # the shapes (all different) decide: nothing to say
    assert loaded.read_as == "read as a chain: " + " -> ".join(f"fc{l + 1}" for l in range(12))
    same_septuple(loaded.septuple, net)


def test_safetensors_order_from_shapes_when_names_do_not_chain(tmp_path, net):
    w, b = blocks(net)
    # Alphabetical: "hidden" < "input" < "output", which does not chain; the shapes do, once.
    mf.write_safetensors(tmp_path / "s.safetensors", w, b, names=["input", "hidden", "output"],
                         activation="tanh")
    loaded = read_network(tmp_path / "s.safetensors")
    assert loaded.layer_names == ("input", "hidden", "output")
    assert "recovered from the shapes" in loaded.notes[0]
    same_septuple(loaded.septuple, net)


def test_safetensors_ambiguous_square_layers_say_the_names_decided(tmp_path):
    net = feedforward((6, 4, 4, 4, 2), seed=1, bias_scale=0.1)
    w, b = blocks(net)
    mf.write_safetensors(tmp_path / "a.safetensors", w, b, activation="tanh")
    with pytest.warns(UserWarning, match="taken from the names"):
        same_septuple(load_network(tmp_path / "a.safetensors"), net)
    # Names that do not chain and several shape orders: refused, asking for layers=.
    mf.write_safetensors(tmp_path / "b.safetensors", w, b, names=["z", "b", "a", "c"],
                         activation="tanh")
    with pytest.raises(ValueError, match="ambiguous.*layers="):
        load_network(tmp_path / "b.safetensors")
    same_septuple(load_network(tmp_path / "b.safetensors", layers=["z", "b", "a", "c"]), net)
    # The order stated in the file's metadata needs no guess.
    mf.write_safetensors(tmp_path / "c.safetensors", w, b, names=["z", "b", "a", "c"],
                         activation="tanh", layers=["z", "b", "a", "c"])
    loaded = read_network(tmp_path / "c.safetensors")
    assert loaded.notes == ()
    same_septuple(loaded.septuple, net)


# ---- refusals ------------------------------------------------------------------------------

def _arrays(net):
    w, b = blocks(net)
    return w, b


def _npz(path, net, **changes):
    w, b = _arrays(net)
    arrays = {f"W{l}": w[l] for l in range(3)} | {f"b{l}": b[l] for l in range(3)}
    arrays["activation"] = np.array(["tanh"])
    arrays.update(changes)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})


def _truncate(path, keep=0.6):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def case_unknown_format(p, net):
    p = p / "model.xyz"
    p.write_bytes(b"\x00\x01not a model at all")
    return p, {}, "unknown model format"


def case_unknown_format_argument(p, net):
    p = p / "m.npz"
    save_network(net, p)
    return p, {"format": "caffe"}, "unknown format 'caffe'"


def case_keras_convolution(p, net):
    w, b = _arrays(net)
    conv = {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 8}}
    p = p / "c.h5"
    mf.write_keras_h5(p, w, b, ["tanh"] * 3, extra=[conv])
    return p, {}, "'conv2d' (Conv2D)"


def case_keras_batchnorm(p, net):
    w, b = _arrays(net)
    bn = {"class_name": "BatchNormalization", "config": {"name": "bn"}}
    p = p / "bn.h5"
    mf.write_keras_h5(p, w, b, ["tanh"] * 3, extra=[bn])
    return p, {}, "'bn' (BatchNormalization)"


def case_keras_skip_connection(p, net):
    w, b = _arrays(net)
    cfg = {"class_name": "Functional", "config": {"layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"name": "in"},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "dense_0",
         "config": {"name": "dense_0", "units": 5, "activation": "tanh"},
         "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "dense_1",
         "config": {"name": "dense_1", "units": 4, "activation": "tanh"},
         "inbound_nodes": [[["dense_0", 0, 0, {}]]]},
        {"class_name": "Add", "name": "add", "config": {"name": "add"},
         "inbound_nodes": [[["dense_1", 0, 0, {}], ["dense_0", 0, 0, {}]]]}]}}
    p = p / "skip.h5"
    mf.write_keras_h5(p, w, b, None, config=cfg)
    return p, {}, "'add' (Add"


def case_onnx_unsupported_operator(p, net):
    w, b = _arrays(net)
    p = p / "sin.onnx"
    mf.write_onnx(p, w, b, extra_nodes=["Sin"])
    return p, {}, "Sin node 'my_Sin': operator Sin is not supported"


def test_onnx_softmax_head_and_skip_connection_are_read_as_a_graph(tmp_path, net):
    # Refused while only chains were read: a softmax head is a linearised node, a skip
    # connection a second block of the node it enters (docs/beyond_mlps.md).
    w, b = _arrays(net)
    mf.write_onnx(tmp_path / "soft.onnx", w, b, extra_nodes=["Softmax"])
    soft = load_network(tmp_path / "soft.onnx")
    assert len(soft.linearised_labels) == 1
    x = np.random.default_rng(0).uniform(-1, 1, (2, SIZES[0]))
    logits = forward_state(net, x)[:, net.output_indices]
    want = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(soft.forward(x)[:, soft.output_indices], want, atol=1e-14)
    w2, b2 = [w[0], w[1], w[1].T], [b[0], b[1], np.zeros(5)]  # the skip adds layer 0's output
    mf.write_onnx(tmp_path / "res.onnx", w2, b2, skip=True)
    res = load_network(tmp_path / "res.onnx")
    h0 = np.tanh(x @ w2[0].T + b2[0])
    h2 = np.tanh(np.tanh(h0 @ w2[1].T + b2[1]) @ w2[2].T + b2[2])
    np.testing.assert_allclose(res.forward(x)[:, res.output_indices], h2 + h0, atol=1e-14)


def test_onnx_dense_layer_without_bias_has_bias_zero(tmp_path, net):
    from onnx import TensorProto, helper, numpy_helper

    w, _ = _arrays(net)
    nodes = [helper.make_node("MatMul", ["x", "W0"], ["y"], name="mm0"),
             helper.make_node("Tanh", ["y"], ["a"], name="act0")]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, 7])],
        [helper.make_tensor_value_info("a", TensorProto.DOUBLE, [None, 5])],
        [numpy_helper.from_array(np.ascontiguousarray(w[0].T), "W0")])
    import onnx

    onnx.save(helper.make_model(graph), str(tmp_path / "nobias.onnx"))
    loaded = load_network(tmp_path / "nobias.onnx")
    x = np.random.default_rng(1).uniform(-1, 1, (3, 7))
    np.testing.assert_allclose(loaded.forward(x)[:, loaded.output_indices],
                               np.tanh(x @ w[0].T), atol=1e-15)


def case_safetensors_normalisation(p, net):
    from safetensors.numpy import save_file

    w, b = _arrays(net)
    p = p / "bn.safetensors"
    save_file({"0.weight": w[0], "0.bias": b[0], "1.running_mean": np.zeros(5),
               "1.running_var": np.ones(5), "1.weight": np.ones(5), "1.bias": np.zeros(5)},
              str(p))
    return p, {"activation": "tanh"}, "'1': normalisation"


def case_safetensors_convolution(p, net):
    from safetensors.numpy import save_file

    p = p / "conv.safetensors"
    save_file({"conv1.weight": np.ones((4, 1, 3, 3)), "conv1.bias": np.zeros(4)}, str(p))
    return p, {"activation": "tanh"}, "'conv1': convolution"


def case_non_chaining_shapes(p, net):
    p = p / "chain.npz"
    _npz(p, net, W1=np.ones((4, 6)))
    return p, {}, "shapes do not chain"


def case_weights_stored_for_x_at_w(p, net):
    # A NumPy MLP written as x @ W + b keeps W as (n_in, n_out); the refusal says so.
    w, _ = _arrays(net)
    p = p / "xw.npz"
    _npz(p, net, **{f"W{l}": w[l].T for l in range(3)})
    return p, {}, "is W stored (n_in, n_out), as for x @ W + b?"


def case_non_chaining_safetensors(p, net):
    w, b = _arrays(net)
    p = p / "chain.safetensors"
    mf.write_safetensors(p, [w[0], np.ones((4, 6)), w[2]], b, activation="tanh")
    return p, {}, "do not chain in any order"


def case_missing_bias(p, net):
    p = p / "nobias.npz"
    _npz(p, net, b1=None)
    return p, {}, "'W1' (layer 1) has no bias"


def case_conflicting_activation(p, net):
    p = p / "m.npz"
    save_network(net, p)
    return p, {"activation": "relu"}, "activation='relu' conflicts"


def test_keras_softmax_output_is_a_linearised_node(tmp_path, net):
    # Refused while only chains were read; softmax is not component-wise, so it is a
    # linearised node of the graph septuple (docs/beyond_mlps.md).
    w, b = _arrays(net)
    mf.write_keras_h5(tmp_path / "mixed.h5", w, b, ["relu", "relu", "softmax"])
    loaded = read_network(tmp_path / "mixed.h5")
    assert "1 linearised: Softmax" in loaded.read_as


def case_activation_conflicts_with_one_layer(p, net):
    # Different activations per layer are read (tests/learning/test_layerwise.py); an
    # activation= that disagrees with one of them is still a conflict, naming the layer.
    w, b = _arrays(net)
    p = p / "mixed2.keras"
    mf.write_keras_archive(p, w, b, ["tanh", "tanh", "linear"])
    return p, {"activation": "tanh"}, "layer 'dense_2' uses 'linear'"


def case_activation_count_differs_from_layers(p, net):
    w, b = _arrays(net)
    p = p / "m.safetensors"
    mf.write_safetensors(p, w, b)
    return p, {"activation": "tanh,relu"}, "2 activations for 3 layers"


def case_no_activation(p, net):
    w, b = _arrays(net)
    p = p / "plain.safetensors"
    mf.write_safetensors(p, w, b)
    return p, {}, "does not say the activation"


def case_nan_weights(p, net):
    w, _ = _arrays(net)
    bad = w[1].copy()
    bad[0, 0] = np.nan
    p = p / "nan.npz"
    _npz(p, net, W1=bad)
    return p, {}, "1 non-finite"


def case_truncated_npz(p, net):
    p = p / "t.npz"
    save_network(net, p)
    _truncate(p)
    return p, {}, "truncated"


def case_truncated_safetensors(p, net):
    w, b = _arrays(net)
    p = p / "t.safetensors"
    mf.write_safetensors(p, w, b, activation="tanh")
    _truncate(p)
    return p, {"format": "safetensors"}, "truncated"


def case_truncated_keras(p, net):
    w, b = _arrays(net)
    p = p / "t.h5"
    mf.write_keras_h5(p, w, b, ["tanh"] * 3)
    _truncate(p, 0.3)
    return p, {}, "truncated"


def case_truncated_onnx(p, net):
    w, b = _arrays(net)
    p = p / "t.onnx"
    mf.write_onnx(p, w, b)
    _truncate(p, 0.5)
    return p, {}, "truncated"


def case_layers_conflict_with_file(p, net):
    p = p / "m.npz"
    save_network(net, p)
    return p, {"layers": ["W1", "W0", "W2"]}, "conflicts with the file's order"


REFUSALS = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.__name__[5:])
def test_refused_inputs_name_the_file_and_the_problem(tmp_path, net, case):
    path, kwargs, problem = case(tmp_path, net)
    with pytest.raises(ValueError) as info:
        load_network(path, **kwargs)
    assert isinstance(info.value, NetworkFileError)
    assert str(info.value).startswith(os.fspath(path))
    assert problem in str(info.value)


@pytest.mark.skipif(HAS_TORCH, reason="checks the message shown when PyTorch is missing")
def test_pytorch_file_without_torch_names_the_safetensors_route(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"PK\x03\x04 a torch zip would be here")
    with pytest.raises(ValueError, match="torch, which is not installed.*safetensors"):
        load_network(path)


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (it is not a dependency; "
                    "the safetensors route covers its files)")
def test_pytorch_sequential_with_a_normalisation_layer_is_refused(tmp_path):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh())
    torch.save(model, tmp_path / "bn.pt")
    with pytest.raises(ValueError, match="BatchNorm1d"):
        load_network(tmp_path / "bn.pt")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model file"):
        load_network(tmp_path / "absent.npz")


def test_keras_config_activation_and_functional_chain_are_read(tmp_path, net):
    w, b = blocks(net)
    cfg = {"class_name": "Functional", "config": {"layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"name": "in"}, "inbound_nodes": []},
        {"class_name": "Dense", "name": "dense_0", "config": {"name": "dense_0", "units": 5},
         "inbound_nodes": [{"args": [{"config": {"keras_history": ["in", 0, 0]}}]}]},
        {"class_name": "Activation", "name": "act", "config": {"name": "act",
                                                                "activation": "tanh"},
         "inbound_nodes": [{"args": [{"config": {"keras_history": ["dense_0", 0, 0]}}]}]},
        {"class_name": "Dense", "name": "dense_1",
         "config": {"name": "dense_1", "units": 4, "activation": "tanh"},
         "inbound_nodes": [{"args": [{"config": {"keras_history": ["act", 0, 0]}}]}]},
        {"class_name": "Dropout", "name": "drop", "config": {"name": "drop"},
         "inbound_nodes": [{"args": [{"config": {"keras_history": ["dense_1", 0, 0]}}]}]},
        {"class_name": "Dense", "name": "dense_2",
         "config": {"name": "dense_2", "units": 3, "activation": "tanh"},
         "inbound_nodes": [{"args": [{"config": {"keras_history": ["drop", 0, 0]}}]}]}]}}
    mf.write_keras_h5(tmp_path / "f.h5", w, b, None, config=json.loads(json.dumps(cfg)))
    loaded = read_network(tmp_path / "f.h5")
    assert loaded.layer_names == ("dense_0", "dense_1", "dense_2")
    same_septuple(loaded.septuple, net)


@pytest.mark.parametrize("names", [["hidden", "hidden_2", "out"],  # the user's own names
                                   ["dense_3", "dense_4", "dense_5"],  # a second model
                                   ["dense_2", "dense_1", "dense"]])  # names against slots
@pytest.mark.parametrize("root", ["layers", "_layer_checkpoint_dependencies"])
def test_keras3_archive_weights_are_found_by_position_not_by_layer_name(tmp_path, net, names,
                                                                        root):
    # Keras 3 stores the k-th Dense layer's weights at layers/dense_<k>/vars whatever the
    # layer is called (saving_lib names them by class and position), so a model with named
    # layers, or built after another one in the same session (dense_3, ...), must read; the
    # third case would swap layers if they were looked up by name.
    w, b = blocks(net)
    dropout = {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}}
    path = tmp_path / "named.keras"
    mf.write_keras_archive(path, w, b, ["tanh"] * 3, names=names, extra={1: dropout},
                           root=root)
    loaded = read_network(path)
    assert loaded.layer_names == tuple(names)
    same_septuple(loaded.septuple, net)


def test_bfloat16_safetensors_are_read_exactly(tmp_path, net):
    # PyTorch checkpoints are often bfloat16, which NumPy lacks; such a valid file was
    # refused as "truncated or corrupt". bfloat16 -> float32 is exact (the top 16 bits), so
    # the septuple must equal the stored values to the last bit.
    w, b = blocks(net)
    w16, b16 = mf.write_safetensors_bfloat16(tmp_path / "bf16.safetensors", w, b)
    back = load_network(tmp_path / "bf16.safetensors", activation="tanh")
    for x, y in zip(w16 + b16, list(layer_weights(back)) + list(layer_biases(back)),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(y), x.astype(np.float64))
    assert np.max(np.abs(np.asarray(layer_weights(back)[0]) - w[0])) > 0  # really rounded


@pytest.mark.parametrize("matmul", [False, True], ids=["Gemm", "MatMul+Add"])
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_onnx_biases_broadcast_as_onnx_broadcasts_them(tmp_path, matmul, shape):
    # ONNX broadcasts Gemm's C and Add's second input: a bias stored as a scalar, (1,) or
    # (1, 1) is one value for every output. (1, 1) on a one-output Gemm raised NumPy's
    # "input operand has more dimensions than allowed by the axis remapping"; a scalar Add
    # bias was refused as misshapen.
    import onnx

    rng = np.random.default_rng(2)
    w = [rng.normal(size=(4, 3)), rng.normal(size=(1, 4))]  # one output, as a regressor
    path = tmp_path / "broadcast.onnx"
    onnx.save(mf.onnx_model(w, [np.full(shape, 0.25), np.full(shape, -0.5)], matmul=matmul),
              path)
    same_septuple(load_network(path), from_layers(w, [np.full(4, 0.25), np.full(1, -0.5)]))


def test_onnx_bias_that_does_not_broadcast_to_one_row_is_refused(tmp_path):
    import onnx

    rng = np.random.default_rng(2)
    w = [rng.normal(size=(4, 3)), rng.normal(size=(1, 4))]
    path = tmp_path / "rows.onnx"
    onnx.save(mf.onnx_model(w, [np.zeros((2, 4)), np.zeros(1)]), path)
    with pytest.raises(NetworkFileError, match=r"bias .*shape \(2, 4\)"):
        load_network(path)


def test_onnx_linear_as_the_dynamo_exporter_writes_it_is_read(tmp_path, net):
    # torch.onnx's dynamo exporter (onnxscript's aten_linear) writes nn.Linear as
    # Transpose(weight) -> MatMul -> Add, the Transpose left in the graph unless the model
    # is optimised; it was refused as an unsupported operator. A Transpose of an initializer
    # is a constant, folded like a Constant node; one of the data is still refused.
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w, b = blocks(net)
    nodes, inits, current = [], [], "input"
    for l, (wl, bl) in enumerate(zip(w, b, strict=True)):
        inits += [numpy_helper.from_array(wl, f"fc{l}.weight"),
                  numpy_helper.from_array(bl, f"fc{l}.bias")]
        nodes += [helper.make_node("Transpose", [f"fc{l}.weight"], [f"t{l}"], perm=[1, 0]),
                  helper.make_node("MatMul", [current, f"t{l}"], [f"m{l}"]),
                  helper.make_node("Add", [f"m{l}", f"fc{l}.bias"], [f"a{l}"]),
                  helper.make_node("Tanh", [f"a{l}"], [f"h{l}"])]
        current = f"h{l}"
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.DOUBLE, ["batch", SIZES[0]])],
        [helper.make_tensor_value_info(current, TensorProto.DOUBLE, ["batch", SIZES[-1]])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(model)
    onnx.save(model, tmp_path / "dynamo.onnx")
    same_septuple(load_network(tmp_path / "dynamo.onnx"), net)
    model.graph.node.insert(0, helper.make_node("Transpose", ["input"], ["xt"], perm=[1, 0]))
    model.graph.node[1].input[0] = "xt"
    onnx.save(model, tmp_path / "data_transposed.onnx")
    with pytest.raises(NetworkFileError, match="Transpose node"):
        load_network(tmp_path / "data_transposed.onnx")


def test_keras3_weights_only_file_is_read_in_dense_order(tmp_path):
    # model.save_weights("net.weights.h5") in Keras 3 writes the archive's layout with no
    # configuration; it was refused as "not a Keras model". Twelve layers, so that the
    # slots' lexical order (dense_10 before dense_2) differs from the network's.
    rng = np.random.default_rng(4)
    sizes = [3, *range(4, 15), 2]
    w = [rng.normal(size=(m, n)) for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    b = [rng.normal(size=m) for m in sizes[1:]]
    path = tmp_path / "net.weights.h5"
    mf.write_keras3_weights(path, w, b, extra_slots=["dropout"])
    loaded = read_network(path, activation="relu")
    assert loaded.layer_names[:3] == ("dense", "dense_1", "dense_2")
    same_septuple(loaded.septuple, from_layers(w, b, "relu"))
    with pytest.raises(NetworkFileError, match="pass activation="):
        read_network(path)
    mf.write_keras3_weights(path, w, b, extra_slots=["batch_normalization"])
    with pytest.raises(NetworkFileError, match="batch_normalization"):
        read_network(path, activation="relu")


def test_keras_bfloat16_variables_are_read_exactly(tmp_path, net):
    # A Keras 3 model in bfloat16 stores its variables as 2-byte opaque HDF5 data (NumPy has
    # no bfloat16); they were refused as "weights of type |V2". Widened to float32 exactly.
    import h5py

    w, b = blocks(net)
    path = tmp_path / "bf16.keras"
    mf.write_keras_archive(path, w, b, ["tanh"] * 3)
    stored = []
    with zipfile.ZipFile(path) as z:
        config, weights = z.read("config.json"), z.read("model.weights.h5")
    buffer = io.BytesIO(weights)
    with h5py.File(buffer, "a") as f:
        for l in range(3):
            group = f[f"layers/{'dense' if l == 0 else f'dense_{l}'}/vars"]
            pair = []
            for k in ("0", "1"):
                bits = (group[k][()].astype("<f4").view("<u4") >> 16).astype("<u2")
                del group[k]
                group.create_dataset(k, data=bits.view("V2")).attrs["dtype"] = "bfloat16"
                pair.append((bits.astype("<u4") << 16).view("<f4").astype(np.float64))
            stored.append(pair)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", config)
        z.writestr("model.weights.h5", buffer.getvalue())
    back = load_network(path)
    for (kernel, bias), wl, bl in zip(stored, layer_weights(back), layer_biases(back),
                                      strict=True):
        np.testing.assert_array_equal(np.asarray(wl), kernel.T)
        np.testing.assert_array_equal(np.asarray(bl), bias)


# ---- properties ----------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
       activation=st.sampled_from(["tanh", "sigmoid", "relu", "linear"]),
       seed=st.integers(0, 2**16))
def test_save_then_load_is_the_identity(sizes, activation, seed):
    import tempfile

    net = feedforward(sizes, activation, seed=seed, bias_scale=0.5)
    with tempfile.TemporaryDirectory() as tmp:
        save_network(net, os.path.join(tmp, "n.npz"))
        back = load_network(os.path.join(tmp, "n.npz"))
    assert back.activation.name == activation
    for x, y in zip(sum(blocks(back), []), sum(blocks(net), []), strict=True):
        assert np.array_equal(x, y)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_safetensors_order_is_recovered_from_distinct_shapes_whatever_the_names(data):
    import tempfile

    n_layers = data.draw(st.integers(2, 6))
    sizes = data.draw(st.lists(st.integers(1, 30), min_size=n_layers + 1,
                               max_size=n_layers + 1, unique=True))
    names = data.draw(st.lists(st.text("abcxyz", min_size=1, max_size=4), min_size=n_layers,
                               max_size=n_layers, unique=True))
    net = feedforward(sizes, seed=0, bias_scale=0.1)
    w, b = blocks(net)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p.safetensors")
        mf.write_safetensors(path, w, b, names=names, activation="tanh")
        loaded = read_network(path)
    # Distinct layer widths chain in exactly one order: the network's, whatever the names.
    assert loaded.layer_names == tuple(names)
    same_septuple(loaded.septuple, net)
