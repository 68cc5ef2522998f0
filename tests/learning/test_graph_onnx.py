"""ONNX graphs read as graph septuples (issue 22, item 3) without PyTorch: the operators'
semantics checked against onnxruntime (an independent implementation of the ONNX operator
docs), the exporters' patterns (Erf GELU, SiLU, thresholded softplus), and every refusal
named with the node and the route that works."""

from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import learning.io.onnx_graph  # noqa: E402
import learning.io.onnx_spatial  # noqa: E402
from learning.io import NetworkFileError, load_network, read_network  # noqa: E402
from learning.io.onnx_graph import MAX_NEURONS, read_onnx_graph  # noqa: E402

RNG = np.random.default_rng(7)


def model(nodes, in_shape, out_name, inits=(), *, opset=18, inputs=None):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *in_shape])
    y = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)
    inits = [numpy_helper.from_array(np.asarray(v, np.int64 if k == "shape" else np.float32), k)
             for k, v in dict(inits).items()]
    graph = helper.make_graph(nodes, "g", inputs or [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def runtime_output(m, x):
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    rows = [session.run(None, {"x": xi[None].astype(np.float32)})[0].ravel() for xi in x]
    return np.array(rows, dtype=float)


def check_forward(m, in_shape, atol=3e-6):
    net = read_onnx_graph(m).septuple
    x = RNG.uniform(-1, 1, (2, *in_shape))
    got = net.forward(x)[:, net.output_indices]
    np.testing.assert_allclose(got, runtime_output(m, x), atol=atol, rtol=1e-5)
    return net


def test_doctests_pass():
    for module in (learning.io.onnx_graph, learning.io.onnx_spatial):
        assert doctest.testmod(module).failed == 0


def test_conv_pool_batchnorm_residual_match_onnxruntime():
    c = 3
    inits = {"w": RNG.normal(size=(c, 2, 3, 3)), "b": RNG.normal(size=c),
             "w2": RNG.normal(size=(c, c, 3, 3)), "g": RNG.uniform(0.5, 1.5, c),
             "be": RNG.normal(size=c), "mu": RNG.normal(size=c), "var": RNG.uniform(.5, 2, c),
             "fc": RNG.normal(size=(4, c)), "shape": np.array([1, -1])}
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], auto_pad="SAME_UPPER"),
        helper.make_node("BatchNormalization", ["c2", "g", "be", "mu", "var"], ["bn"],
                         epsilon=1e-3),
        helper.make_node("Add", ["bn", "r1"], ["s"]),
        helper.make_node("Tanh", ["s"], ["t"]),
        helper.make_node("AveragePool", ["t"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["gp"]),
        helper.make_node("Reshape", ["gp", "shape"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc"], ["y"], transB=1)]
    net = check_forward(model(nodes, (2, 6, 6), "y", inits.items()), (2, 6, 6))
    assert [n.kind for n in net.nodes] == ["input", "neuron", "neuron", "neuron"]


def test_asymmetric_same_padding_matches_onnxruntime():
    # kernel 2 (stride 1) and kernel 3 with stride 2 on 5 x 5: one row/column of padding,
    # at the end (SAME_UPPER) or at the start (SAME_LOWER).
    inits = {"w": RNG.normal(size=(2, 1, 2, 2)), "v": RNG.normal(size=(2, 1, 3, 3))}
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], auto_pad="SAME_UPPER"),
             helper.make_node("Conv", ["x", "w"], ["b"], auto_pad="SAME_LOWER"),
             helper.make_node("Conv", ["x", "v"], ["c"], auto_pad="SAME_UPPER", strides=[2, 2]),
             helper.make_node("AveragePool", ["c"], ["d"], kernel_shape=[2, 2],
                              auto_pad="SAME_LOWER"),
             helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
             helper.make_node("Flatten", ["ab"], ["f1"]),
             helper.make_node("Flatten", ["d"], ["f2"]),
             helper.make_node("Concat", ["f1", "f2"], ["cat"], axis=1),
             helper.make_node("Tanh", ["cat"], ["y"])]
    check_forward(model(nodes, (1, 5, 5), "y", inits.items()), (1, 5, 5))


def test_erf_gelu_silu_and_constant_arithmetic_match_onnxruntime():
    inits = {"w": RNG.normal(size=(4, 5)), "sqrt2": np.array(np.sqrt(2.0)), "one": 1.0,
             "half": 0.5, "w2": RNG.normal(size=(5, 3)), "shift": RNG.normal(size=3),
             "two": 2.0}
    nodes = [
        helper.make_node("Gemm", ["x", "w"], ["h"], transB=0),
        helper.make_node("Div", ["h", "sqrt2"], ["d"]),
        helper.make_node("Erf", ["d"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["a"]),
        helper.make_node("Mul", ["h", "a"], ["m"]),
        helper.make_node("Mul", ["m", "half"], ["gelu"]),
        helper.make_node("MatMul", ["gelu", "w2"], ["z"]),
        helper.make_node("Sub", ["z", "shift"], ["z2"]),
        helper.make_node("Div", ["z2", "two"], ["z3"]),
        helper.make_node("Sigmoid", ["z3"], ["s"]),
        helper.make_node("Mul", ["s", "z3"], ["y"])]
    net = check_forward(model(nodes, (4,), "y", inits.items(), opset=17), (4,))
    assert [n.activation.name for n in net.nodes[1:]] == ["gelu", "silu"]


def test_maxpool_softmax_layernorm_are_linearised_nodes_matching_onnxruntime():
    inits = {"w": RNG.normal(size=(2, 1, 3, 3)), "sc": RNG.uniform(.5, 1.5, 8),
             "sh": RNG.normal(size=8), "shape": np.array([1, 8])}
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["c"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["m", "shape"], ["f"]),
        helper.make_node("LayerNormalization", ["f", "sc", "sh"], ["ln"], axis=-1),
        helper.make_node("Softmax", ["ln"], ["y"], axis=-1)]
    net = check_forward(model(nodes, (1, 4, 4), "y", inits.items()), (1, 4, 4))
    assert [n.kind for n in net.nodes] == ["input", "function", "function", "function"]
    assert len(net.linearised_labels) == 3


def test_conv1d_transposed_grouped_strided_dilated_concat_match_onnxruntime():
    inits = {"w": RNG.normal(size=(4, 1, 3)), "t": RNG.normal(size=(4, 1, 2, 2)),
             "g": RNG.normal(size=(4, 2, 2, 2)), "shape": np.array([1, 4, 2, 3]),
             "tb": RNG.normal(size=2)}
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1], strides=[2], group=2),
        helper.make_node("Elu", ["c"], ["e"], alpha=0.7),
        helper.make_node("Reshape", ["e", "shape"], ["r"]),
        helper.make_node("Conv", ["r", "g"], ["gc"], pads=[1, 0, 1, 0], dilations=[1, 2],
                         group=2),
        helper.make_node("LeakyRelu", ["gc"], ["lr"], alpha=0.2),
        helper.make_node("ConvTranspose", ["lr", "t", "tb"], ["ct"], strides=[2, 2],
                         group=2, output_padding=[1, 0]),
        helper.make_node("Softplus", ["ct"], ["sp"]),
        helper.make_node("Flatten", ["sp"], ["f1"]),
        helper.make_node("Flatten", ["lr"], ["f2"]),
        helper.make_node("Concat", ["f1", "f2"], ["y"], axis=1)]
    check_forward(model(nodes, (2, 12), "y", inits.items()), (2, 12))


def test_logits_option_leaves_out_the_final_softmax():
    nodes = [helper.make_node("Gemm", ["x", "w"], ["z"], transB=1),
             helper.make_node("Softmax", ["z"], ["y"])]
    m = model(nodes, (3,), "y", {"w": RNG.normal(size=(4, 3))}.items())
    read = read_onnx_graph(m, logits=True)
    assert read.septuple.linearised_labels == () and "analysed at the logits" in read.notes[0]
    x = RNG.uniform(-1, 1, (2, 3))
    np.testing.assert_allclose(read.septuple.forward(x)[:, read.septuple.output_indices],
                               x @ numpy_helper.to_array(m.graph.initializer[0]).astype(float).T,
                               atol=1e-12)
    with pytest.raises(NetworkFileError, match="needs a final Softmax"):
        read_onnx_graph(model(nodes[:1], (3,), "z", {"w": np.ones((4, 3))}.items()),
                        logits=True)


# ---- refusals -------------------------------------------------------------------------------

def _save(tmp_path, m, name="m.onnx"):
    path = tmp_path / name
    onnx.save(m, str(path))
    return path


def gemm(w, extra=()):
    return model([helper.make_node("Gemm", ["x", "w"], ["z"], transB=1, name="fc"),
                  helper.make_node("Tanh", ["z"], ["h"], name="act"), *extra],
                 (w.shape[1],), extra[-1].output[0] if extra else "h", {"w": w}.items())


def case_unknown_operator(tmp_path):
    m = gemm(np.ones((2, 3)), [helper.make_node("HardSwish", ["h"], ["y"], name="odd")])
    return _save(tmp_path, m), "HardSwish node 'odd': operator HardSwish is not supported"


def case_unknown_operator_route(tmp_path):
    m = gemm(np.ones((2, 3)), [helper.make_node("Selu", ["h"], ["y"], name="selu")])
    return _save(tmp_path, m), "learning.graph.GraphBuilder"


def case_tanh_approximate_gelu(tmp_path):
    m = gemm(np.ones((2, 3)), [helper.make_node("Gelu", ["h"], ["y"], name="g",
                                                approximate="tanh")])
    return _save(tmp_path, m), "Gelu node 'g': GELU with approximate='tanh'"


def case_shapes_do_not_chain(tmp_path):
    m = gemm(np.ones((2, 3)), [helper.make_node("Gemm", ["h", "w"], ["y"], transB=1,
                                                name="fc2")])
    return _save(tmp_path, m), "Gemm node 'fc2': takes 3 inputs but its input has shape (2,)"


def case_nan_weights(tmp_path):
    w = np.ones((2, 3))
    w[1, 2] = np.nan
    return _save(tmp_path, gemm(w)), "has 1 non-finite (NaN or inf) entries"


def case_inf_bias(tmp_path):
    m = model([helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv")], (1, 3, 3),
              "y", {"w": np.ones((2, 1, 2, 2)), "b": [np.inf, 0]}.items())
    return _save(tmp_path, m), "Conv node 'conv': input 2 ('b') has 1 non-finite"


def case_two_data_inputs(tmp_path):
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3]) for n in "xu"]
    m = model([helper.make_node("Add", ["x", "u"], ["y"])], (3,), "y", inputs=inputs)
    return _save(tmp_path, m), "2 data inputs"


def case_dynamic_spatial_shape(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, "h", "w"])
    m = model([helper.make_node("Relu", ["x"], ["y"])], (1,), "y", inputs=[x])
    return _save(tmp_path, m), "known sizes after it"


def case_training_batchnorm(tmp_path):
    c = np.ones(2)
    m = model([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
                                name="bn", training_mode=1)], (2, 2, 2), "y",
              {"s": c, "b": c, "m": c, "v": c}.items(), opset=15)
    return _save(tmp_path, m), "BatchNormalization node 'bn': is in training mode"


def case_absurd_size(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 100_000, 100_000])
    m = model([helper.make_node("Relu", ["x"], ["y"])], (1,), "y", inputs=[x])
    return _save(tmp_path, m), f"above the {MAX_NEURONS:,}"


def case_absurd_size_inside(tmp_path):
    m = model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up",
                                strides=[4000, 4000])], (1, 2, 2), "y",
              {"w": np.ones((1, 4, 2, 2))}.items())  # 4 x 4002 x 4002 outputs
    return _save(tmp_path, m), "(4, 4002, 4002): more than 50,000,000 neurons"


def case_json_file(tmp_path):
    path = tmp_path / "config.onnx"
    path.write_text('{"model": "not one"}')
    return path, "cannot be read as ONNX"


def case_empty_onnx(tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    return path, "no nodes: not a model"


def case_png_file(tmp_path):
    path = tmp_path / "picture.onnx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return path, "cannot be read as ONNX"


def case_cycle(tmp_path):
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="first"),
             helper.make_node("Relu", ["a2"], ["b"], name="second"),
             helper.make_node("Tanh", ["a"], ["a2"], name="third")]
    return _save(tmp_path, model(nodes, (3,), "b")), "is part of a cycle"


def test_a_deep_chain_of_nodes_is_walked(tmp_path):
    nodes, current = [], "x"
    for i in range(1500):  # 1500 activation nodes in a row: recursion deeper than the default
        nodes.append(helper.make_node("Tanh", [current], [f"t{i}"]))
        current = f"t{i}"
    net = read_onnx_graph(model(nodes, (2,), current)).septuple
    assert len(net.nodes) == 1501
    x = np.array([[0.3, -0.2]])
    want = x
    for _ in range(1500):
        want = np.tanh(want)
    np.testing.assert_allclose(net.forward(x)[:, net.output_indices], want, atol=1e-15)


def case_transposed_data(tmp_path):
    m = model([helper.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 1], name="tr")],
              (2, 3), "y")
    return _save(tmp_path, m), "Transpose node 'tr': permutes the axes"


def case_multiplied_tensors(tmp_path):
    m = model([helper.make_node("Mul", ["x", "x"], ["y"], name="sq")], (3,), "y")
    return _save(tmp_path, m), "Mul node 'sq': multiplies two computed tensors"


REFUSALS = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.__name__[5:])
def test_refusals_name_the_file_the_node_and_the_problem(tmp_path, case):
    path, problem = case(tmp_path)
    with pytest.raises(NetworkFileError) as info:
        load_network(path)
    assert str(info.value).startswith(str(path)) and problem in str(info.value)


@pytest.mark.parametrize("case", [case_unknown_operator, case_nan_weights, case_absurd_size,
                                  case_shapes_do_not_chain], ids=lambda c: c.__name__[5:])
def test_analyze_refuses_with_status_2_and_writes_nothing(tmp_path, case, capsys):
    from learning.cli import main as cli_main

    path, problem = case(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        cli_main(["analyze", str(path), "--out", str(out)])
    assert info.value.code == 2 and problem in capsys.readouterr().err
    assert not out.exists()


def test_analyze_refuses_a_file_of_another_tool_without_a_traceback(tmp_path):
    path, problem = case_png_file(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "learning", "analyze", str(path), "--out",
                           str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and problem in proc.stderr
    assert not out.exists()


def test_graph_refuses_activation_and_layers_arguments(tmp_path):
    path = _save(tmp_path, gemm(np.ones((2, 3)), [helper.make_node("Softmax", ["h"], ["y"])]))
    with pytest.raises(NetworkFileError, match="activation= applies to files"):
        read_network(path, activation="tanh")
    assert "read as a graph of 3 nodes" in read_network(path).read_as
