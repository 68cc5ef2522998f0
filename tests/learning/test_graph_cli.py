"""``python -m learning analyze`` on graphs (issue 22, item 4): the summary and the report
say how the file was read and which nodes are exact septuple nodes and which linearised; a
state dict is reported as the chain it was read as; --logits is stated."""

from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from learning.cli import main as cli_main  # noqa: E402
from learning.feedforward import feedforward, layer_biases, layer_weights  # noqa: E402
from tests.learning import model_files as mf  # noqa: E402

RNG = np.random.default_rng(5)


def residual_cnn_onnx(path, softmax=True):
    """conv -> relu -> [conv -> BN -> + skip] -> relu -> global average -> dense (-> softmax)
    on a 1 x 6 x 6 input, as the legacy exporter writes it."""
    c = 3
    inits = {"w0": RNG.normal(size=(c, 1, 3, 3)) * .5, "b0": RNG.normal(size=c) * .1,
             "w1": RNG.normal(size=(c, c, 3, 3)) * .3, "g": RNG.uniform(.5, 1.5, c),
             "be": RNG.normal(size=c) * .1, "mu": RNG.normal(size=c) * .1,
             "var": RNG.uniform(.5, 2, c), "fc": RNG.normal(size=(4, c)), "fb": np.zeros(4)}
    nodes = [helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c0"], ["r0"]),
             helper.make_node("Conv", ["r0", "w1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c1", "g", "be", "mu", "var"], ["bn"]),
             helper.make_node("Add", ["bn", "r0"], ["s"]),
             helper.make_node("Relu", ["s"], ["r1"]),
             helper.make_node("GlobalAveragePool", ["r1"], ["gp"]),
             helper.make_node("Flatten", ["gp"], ["f"]),
             helper.make_node("Gemm", ["f", "fc", "fb"], ["logits"], transB=1)]
    out = "logits"
    if softmax:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], name="head"))
        out = "probs"
    graph = helper.make_graph(
        nodes, "res", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in inits.items()])
    onnx.save(helper.make_model(graph), str(path))
    return path


def data_file(path, n=5):
    inputs = RNG.uniform(-1, 1, (n, 36))
    targets = np.full((n, 4), 0.05)
    targets[np.arange(n), RNG.integers(0, 4, n)] = 0.85
    np.savez(path, inputs=inputs, targets=targets)
    return path


def test_analyze_a_graph_names_exact_and_linearised_nodes(tmp_path, capsys):
    model = residual_cnn_onnx(tmp_path / "res.onnx")
    out = tmp_path / "o"
    assert cli_main(["analyze", str(model), "--data", str(data_file(tmp_path / "d.npz")),
                     "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # input; relu(conv); relu(BN(conv) + skip); softmax(dense(mean(.))) (the logits are not
    # a node: the dense layer and the pooling fold into the softmax node's W)
    assert "read        read as a graph of 4 nodes (1 input, 2 exact septuple nodes" in printed
    assert "1 linearised: Softmax" in printed
    lines = [ln for ln in printed.splitlines() if ln.startswith("  ") and "reads" in ln]
    kinds = [ln.split()[1] for ln in lines]
    assert kinds == ["input", "exact", "exact", "LINEARISED"]
    # relu(BN(conv(r)) + r) reads node relu_1 through one block, BN∘conv + I
    assert [ln.split("reads ")[1].split()[0] for ln in lines[1:]] == ["input", "relu_1",
                                                                       "relu_2"]
    report = (out / "report.md").read_text()
    assert "## Nodes of the graph" in report and "linearised node x = φ(Wx + b)" in report
    config = json.loads((out / "analysis.json").read_text())["config"]
    assert [n["exact"] for n in config["nodes"]] == [True, True, True, False]
    assert config["read_as"].startswith("read as a graph") and config["logits"] is False


def test_analyze_at_the_logits_says_so(tmp_path, capsys):
    model = residual_cnn_onnx(tmp_path / "res.onnx")
    out = tmp_path / "o"
    assert cli_main(["analyze", str(model), "--logits", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "analysed at the logits: the final Softmax node 'head' is left out" in printed
    assert "none linearised" in printed and "LINEARISED" not in printed
    assert "Analysed at the logits (--logits)" in (out / "report.md").read_text()


def test_logits_refused_where_there_is_no_graph(tmp_path, capsys):
    net = feedforward((4, 3, 2), seed=0)
    mf.write_safetensors(tmp_path / "m.safetensors", [np.array(w) for w in layer_weights(net)],
                         [np.array(b) for b in layer_biases(net)], activation="tanh")
    with pytest.raises(SystemExit) as info:
        cli_main(["analyze", str(tmp_path / "m.safetensors"), "--logits",
                  "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert "--logits" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_a_state_dict_is_reported_as_the_chain_it_was_read_as(tmp_path, capsys):
    net = feedforward((4, 3, 2), seed=0)
    mf.write_safetensors(tmp_path / "m.safetensors", [np.array(w) for w in layer_weights(net)],
                         [np.array(b) for b in layer_biases(net)], activation="tanh",
                         names=["enc", "dec"])
    out = tmp_path / "o"
    assert cli_main(["analyze", str(tmp_path / "m.safetensors"), "--out", str(out)]) == 0
    assert "read        read as a chain: enc -> dec" in capsys.readouterr().out
    assert "**read as a chain: enc -> dec**" in (out / "report.md").read_text()


def test_mnist_on_a_graph_of_the_wrong_size_is_a_usage_error(tmp_path, capsys):
    model = residual_cnn_onnx(tmp_path / "res.onnx")
    with pytest.raises(SystemExit) as info:
        cli_main(["analyze", str(model), "--data", "mnist", "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    assert "needs 784 inputs and 10 outputs; the network has 36 and 4" in capsys.readouterr().err
