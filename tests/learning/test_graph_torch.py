"""Graphs from PyTorch (issue 22, items 3-4): the graph septuple read from a module in
memory (learning.io.from_torch) or from its ONNX export computes the module's activations,
and the analysis gives the same μ_k whichever route the network took."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from learning.io import NetworkFileError, from_torch, load_network, read_network  # noqa: E402
from learning.io.torch_graph import torch_to_onnx  # noqa: E402
from tests.learning import torch_models as tm  # noqa: E402


def module_output(module, x):
    with torch.no_grad():
        return module(x).numpy().reshape(1, -1).astype(float)


def graph_output(net, x):
    return net.forward(x.numpy().astype(float))[:, net.output_indices]


def assert_float32_close(got, want):
    # The module computes in float32 (and the exporter folds BatchNorm into the convolution
    # in float32); the graph in float64 from the same float32 weights: they agree to float32
    # round-off relative to the largest activation, a wrong operator is O(1).
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5 * scale)


@pytest.mark.parametrize("name", sorted(tm.MODELS))
def test_graph_forward_equals_the_module_legacy_exporter(name):
    module, x = tm.make(name)
    net = from_torch(module, x)
    assert_float32_close(graph_output(net, x), module_output(module, x))


@pytest.mark.parametrize("name", ["residual_cnn", "image_mlp"])
def test_graph_forward_equals_the_module_dynamo_exporter(name):
    module, x = tm.make(name)
    net = from_torch(module, x, dynamo=True)
    assert_float32_close(graph_output(net, x), module_output(module, x))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lenet5", "zoo", "residual_cnn_softmax", "residual_mlp"])
def test_graph_forward_equals_the_module_dynamo_exporter_slow(name):
    module, x = tm.make(name)
    with pytest.warns(UserWarning, match="softplus") if name == "zoo" else _nothing():
        net = from_torch(module, x, dynamo=True)
    assert_float32_close(graph_output(net, x), module_output(module, x))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_an_example_batch_of_several_inputs_exports_the_same_graph():
    # x.reshape(x.shape[0], -1) is exported with the example's batch size in the shape.
    module, x = tm.make("image_mlp")
    batch = torch.randn(5, *x.shape[1:])
    net = from_torch(module, batch)
    assert_float32_close(net.forward(batch.numpy().astype(float))[:, net.output_indices],
                         module_output(module, batch).reshape(5, -1))


def test_every_intermediate_activation_of_a_residual_block_is_a_node():
    # Not only the output: the neuron nodes are the module's activations (relu outputs).
    module, x = tm.make("residual_cnn")
    seen = {}
    hooks = [m.register_forward_hook(lambda m, i, o, k=k: seen.__setitem__(k, o))
             for k, m in (("bn0", module.bn0), ("bn2", module.bn2))]
    with torch.no_grad():
        module(x)
    for h in hooks:
        h.remove()
    net = from_torch(module, x)
    states = net.split(net.forward(x.numpy().astype(float)))
    stem = torch.relu(seen["bn0"]).numpy()
    # node 1 is relu(BN(conv(x))); the block's output node is relu(BN(conv(.)) + stem)
    assert_float32_close(states[1].reshape(1, -1), stem.reshape(1, -1))
    block = torch.relu(seen["bn2"] + torch.relu(seen["bn0"])).numpy()
    assert_float32_close(states[3].reshape(1, -1), block.reshape(1, -1))


def test_residual_addition_is_one_node_with_two_blocks():
    # relu(BN(conv(y)) + x) is ONE neuron node reading y (conv, BN folded) and x (identity).
    module, x = tm.make("residual_cnn")
    net = from_torch(module, x)
    kinds = [n.kind for n in net.nodes]
    assert kinds == ["input", "neuron", "neuron", "neuron", "neuron"]
    assert net.nodes[3].sources == (1, 2)


def test_softmax_head_is_linearised_or_left_out_at_the_logits():
    module, x = tm.make("residual_cnn_softmax")
    net = from_torch(module, x)
    assert len(net.linearised_labels) == 1 and "Softmax" in net.linearised_labels[0]
    with pytest.warns(UserWarning, match="analysed at the logits"):
        logits = from_torch(module, x, logits=True)
    assert logits.linearised_labels == ()
    module.softmax = False
    assert_float32_close(graph_output(logits, x), module_output(module, x))


def test_module_memory_and_onnx_file_give_the_same_graph(tmp_path):
    module, x = tm.make("lenet5")
    path = tmp_path / "lenet.onnx"
    torch.onnx.export(module, (x,), str(path), dynamo=False)
    a = from_torch(module, x)
    b = load_network(path)
    probe = np.random.default_rng(0).uniform(-1, 1, (3, 1, 28, 28))
    np.testing.assert_array_equal(a.forward(probe), b.forward(probe))


def test_from_torch_leaves_the_module_in_training_mode():
    module, x = tm.make("residual_cnn")
    module.train()
    from_torch(module, x)
    assert module.training


def test_from_torch_refuses_what_is_not_a_module_or_a_tensor():
    module, x = tm.make("residual_mlp")
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        from_torch(lambda t: t, x)
    with pytest.raises(TypeError, match="example_input must be one tensor"):
        from_torch(module, x.numpy())
    with pytest.raises(ValueError, match="leading batch axis"):
        from_torch(module, x[0])


def test_from_torch_names_an_unsupported_operator_with_the_route():
    class Odd(torch.nn.Module):
        def forward(self, x):
            return torch.sin(x) * 2

    with pytest.raises(NetworkFileError, match=r"Sin node .* not supported.*GraphBuilder"):
        from_torch(Odd(), torch.zeros(1, 3))


def test_without_torch_the_error_names_the_onnx_route(monkeypatch):
    import sys

    module, x = tm.make("residual_mlp")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match="torch.onnx.export.*analyse that file"):
        torch_to_onnx(module, x)


def test_the_graph_readers_do_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, learning.io, learning.io.onnx_graph, learning.graph.builder; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_residual_state_dict_is_refused_with_the_graph_route(tmp_path):
    # A residual MLP with two square hidden layers: its state dict names no order that
    # chains and two orders of the shapes do; the file cannot say where the skip goes.
    class Res(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = torch.nn.Linear(6, 5)
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(5, 5), torch.nn.Linear(5, 5)])
            self.out = torch.nn.Linear(5, 3)

        def forward(self, x):
            h = torch.tanh(self.inp(x))
            for b in self.blocks:
                h = torch.tanh(b(h)) + h
            return self.out(h)

    torch.manual_seed(0)
    module = Res()
    path = tmp_path / "res.pt"
    torch.save(module.state_dict(), path)
    with pytest.raises(NetworkFileError, match=r"ambiguous.*cannot record skip connections.*"
                       r"ONNX.*from_torch.*--layers"):
        load_network(path, activation="tanh")
    # --layers reads it as the chain it names, and says so.
    loaded = read_network(path, activation="tanh", layers=["inp", "blocks.0", "blocks.1", "out"])
    assert loaded.read_as == "read as a chain: inp -> blocks.0 -> blocks.1 -> out"
    # The graph routes read the residual network itself: h1 = tanh(W x), h2 = tanh(B0 h1),
    # h3 = tanh(B1 (h2 + h1)), y = W_out (h3 + h2 + h1): the sums are not nodes.
    net = from_torch(module, torch.zeros(1, 6))
    assert [n.sources for n in net.nodes[1:]] == [(0,), (1,), (1, 2), (1, 2, 3)]


# ---- the same μ_k whichever route the network took (issue 22, item 4) ----------------------

def _moments(net, x):
    from learning.spectral_estimates import spectral_moments

    return np.array([m for m in spectral_moments(net, x, (1, 2, 3, 4), method="dense").values])


def test_mlp_moments_agree_from_module_onnx_file_and_state_dict(tmp_path):
    from learning.feedforward import forward_state

    torch.manual_seed(1)
    module = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                                 torch.nn.Tanh(), torch.nn.Linear(4, 3)).eval()
    example = torch.zeros(1, 6)
    torch.save(module.state_dict(), tmp_path / "mlp.pt")
    torch.onnx.export(module, (example,), str(tmp_path / "mlp.onnx"), dynamo=False)
    chain = read_network(tmp_path / "mlp.pt", activation="tanh,tanh,linear")
    assert chain.read_as == "read as a chain: 0 -> 2 -> 4"
    inputs = np.random.default_rng(0).uniform(-1, 1, (1, 6))
    x_chain = forward_state(chain.septuple, inputs)[0]
    graph = from_torch(module, example)
    x_graph = graph.forward(inputs)[0]
    np.testing.assert_allclose(x_graph, x_chain, atol=1e-14)  # same neurons, same order
    mu_chain, mu_graph = _moments(chain.septuple, x_chain), _moments(graph, x_graph)
    onnx_net = load_network(tmp_path / "mlp.onnx")  # a chain: read as the layered septuple
    mu_onnx = _moments(onnx_net, x_chain)
    np.testing.assert_allclose(mu_graph, mu_chain, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mu_onnx, mu_chain, rtol=1e-10, atol=1e-12)
    assert abs(mu_chain[0]) < 1e-10 and mu_chain[1] > 0.01  # log det G = 0; a real spectrum


@pytest.mark.parametrize("name", ["residual_cnn", "lenet5"])
def test_cnn_moments_agree_from_module_and_onnx_file(tmp_path, name):
    module, x = tm.make(name)
    torch.onnx.export(module, (x,), str(tmp_path / "m.onnx"), dynamo=False)
    a, b = from_torch(module, x), load_network(tmp_path / "m.onnx")
    state = a.forward(x.numpy().astype(float))[0]
    if a.n_neurons > 2500:
        from learning.spectral_estimates import spectral_moments

        ma = spectral_moments(a, state, (2, 3), method="slq", seed=0, n_probes=4,
                              lanczos_steps=20)
        mb = spectral_moments(b, state, (2, 3), method="slq", seed=0, n_probes=4,
                              lanczos_steps=20)
        np.testing.assert_array_equal(ma.values, mb.values)
        return
    np.testing.assert_array_equal(_moments(a, state), _moments(b, state))


def test_residual_cnn_state_dict_is_refused_with_the_graph_route(tmp_path):
    module, _ = tm.make("residual_cnn")
    torch.save(module.state_dict(), tmp_path / "cnn.pt")
    with pytest.raises(NetworkFileError, match=r"'bn0': normalisation.*'c1': convolution.*"
                       r"cannot record skip connections.*ONNX.*from_torch"):
        load_network(tmp_path / "cnn.pt", activation="relu")
