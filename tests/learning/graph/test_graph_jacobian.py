"""The Jacobian operator of graph septuples against an independently assembled w (issue 22):
J = f'w (5.4) column by column, A^{-1} by substitution, det G = 1 (7.7)-(7.8), SLQ vs dense."""

import numpy as np
import pytest
from hypothesis import given, settings

from learning.graph.builder import GraphBuilder
from learning.graph.maps import DenseMap
from learning.jacobian import jacobian_operator, linear_operator
from learning.spectral_estimates import spectral_moments
from tests.learning.graph import networks as nw


def _state(net, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=net.n_neurons) * 0.7


@settings(max_examples=60)
@given(nw.programs())
def test_operator_dense_matrix_equals_independently_assembled_f_prime_w(program) -> None:
    net = nw.build(program)
    w, b, names, sizes = nw.reference(program)
    assert net.n_neurons == w.shape[0]
    assert [n.size for n in net.nodes] == sizes
    x = _state(net, 0)
    expected = nw.derivative(names, w @ x + b)[:, None] * w
    expected[: sizes[0]] = 0.0  # the input neurons have no incoming weights
    op = jacobian_operator(net, x)
    np.testing.assert_allclose(op.dense(), expected, rtol=0, atol=1e-12)
    # the adjoint, column by column from J^T
    eye = np.eye(net.n_neurons)
    np.testing.assert_allclose(op.rmatmat(eye).T, expected.T, rtol=0, atol=1e-12)


@settings(max_examples=40)
@given(nw.programs())
def test_forward_is_the_fixed_point_of_the_assembled_septuple(program) -> None:
    net = nw.build(program)
    w, b, names, sizes = nw.reference(program)
    inputs = np.random.default_rng(1).normal(size=(1, sizes[0]))
    x = np.zeros(net.n_neurons)
    x[: sizes[0]] = inputs[0]
    for _ in range(len(sizes)):  # w is nilpotent: len(sizes) sweeps reach the fixed point
        y = nw.apply(names, w @ x + b)
        x = np.concatenate([inputs[0], y[sizes[0]:]])
    np.testing.assert_allclose(net.forward(inputs)[0], x, rtol=1e-12, atol=1e-12)


@settings(max_examples=40)
@given(nw.programs())
def test_substitution_inverts_a_and_log_det_g_is_zero(program) -> None:
    net = nw.build(program)
    x = _state(net, 2)
    op = jacobian_operator(net, x)
    a = np.eye(net.n_neurons) - op.dense()
    eye = np.eye(net.n_neurons)
    np.testing.assert_allclose(op.a_solve(eye) @ a.T, eye, atol=1e-9)  # rows: A^{-1} e_i
    np.testing.assert_allclose(op.a_solve_t(eye) @ a, eye, atol=1e-9)
    res = spectral_moments(net, x, (1, 2), method="dense")
    assert abs(res.log_det) < 1e-10  # (7.7)-(7.8): det G = 1 for a feedforward graph


def test_count_memory_and_float32_products() -> None:
    program = ((2, 3), [("dense", 4), ("act", 0), ("skip", 0), ("act", 5), ("dense", 3)], 7)
    net = nw.build(program)
    x = _state(net, 3)
    op = jacobian_operator(net, x)
    v = np.random.default_rng(0).normal(size=(5, net.n_neurons))
    g = op.g_matmat(v)
    assert op.count == 10  # A then A^T on five vectors
    op32 = jacobian_operator(net, x, dtype=np.float32)
    g32 = op32.g_matmat(v)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g, rtol=0, atol=1e-5 * np.abs(g).max())
    assert op.memory_estimate(5) == 3 * 5 * net.n_neurons * 8
    assert op.nbytes >= sum(node.size for node in net.nodes) * 8
    dense = linear_operator(op, "g") @ np.eye(net.n_neurons)
    a = np.eye(net.n_neurons) - op.dense()
    np.testing.assert_allclose(dense, a.T @ a, atol=1e-12)


class _Softmax:
    """A test NodeFunction: softmax over a vector, with its Jacobian diag(p) - p p^T."""

    def __init__(self, n: int) -> None:
        self.in_shape = self.out_shape = (n,)

    def value(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def jacobian(self, x):
        p = self.value(x[None])[0]
        return DenseMap(np.diag(p) - np.outer(p, p))


def test_function_nodes_are_linearised_marked_and_keep_det_g_one() -> None:
    rng = np.random.default_rng(4)
    b = GraphBuilder(input_shape=(3,))
    h = b.activation(b.dense(b.input, rng.normal(size=(4, 3))), "relu")
    w2 = rng.normal(size=(4, 4))
    out = b.function(b.dense(h, w2, np.ones(4)), _Softmax(4), label="Softmax")
    net = b.build(outputs=out)
    assert not net.exact and net.linearised_labels == ("Softmax_2",)
    x = net.forward(rng.normal(size=(1, 3)))[0]
    op = jacobian_operator(net, x)
    # Generalised J: the Jacobian of softmax at its argument times the block (issue 22).
    z = w2 @ x[3:7] + 1.0
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(op.dense()[7:, 3:7], (np.diag(p) - np.outer(p, p)) @ w2,
                               atol=1e-14)
    res = spectral_moments(net, x, (1, 2), method="dense")
    assert abs(res.log_det) < 1e-10 and res.linearised == ("Softmax_2",)


def test_a_graph_state_of_the_wrong_size_is_refused() -> None:
    net = nw.build(((3,), [("act", 0)], 0))
    with pytest.raises(ValueError, match="x_mean must have shape"):
        jacobian_operator(net, np.zeros(2))
    with pytest.raises(ValueError, match="float64 or float32"):
        jacobian_operator(net, np.zeros(net.n_neurons), dtype=np.int64)


def _node_maps(net, x: np.ndarray) -> np.ndarray:
    """(φ_v(Σ_u W_vu x_u + b_v))_v for every non-input node, inputs 0: the map whose
    Jacobian is J (generalised G), evaluated through each node's own function."""
    out = np.zeros(net.n_neurons)
    for v, (node, z) in enumerate(zip(net.nodes, net.preactivations(x[None]), strict=True)):
        if z is not None:
            out[net.node_slice(v)] = node.apply(z).ravel()
    return out


def test_max_pool_and_layer_norm_nodes_match_unit_impulses_of_the_node_maps() -> None:
    from learning.graph.convolution import Conv
    from learning.graph.nonlocal_maps import LayerNorm, MaxPool

    rng = np.random.default_rng(5)
    b = GraphBuilder(input_shape=(1, 6, 6))
    t = b.activation(b.linear(b.input, Conv(rng.normal(size=(2, 1, 3, 3)), padding=1,
                                             in_shape=(1, 6, 6))), "tanh")  # no ties
    t = b.function(t, MaxPool((2, 2), stride=2, in_shape=(2, 6, 6)), label="MaxPool")
    t = b.function(b.flatten(t), LayerNorm((18,), 1e-5, rng.normal(size=18),
                                           rng.normal(size=18), in_shape=(18,)),
                   label="LayerNorm")
    net = b.build(outputs=b.dense(t, rng.normal(size=(3, 18))))
    assert net.linearised_labels == ("MaxPool_2", "LayerNorm_3")
    x = net.forward(rng.normal(size=(1, 36)))[0]
    op = jacobian_operator(net, x)
    h = 1e-6
    fd = np.empty((net.n_neurons, net.n_neurons))
    for j in range(net.n_neurons):
        e = np.zeros(net.n_neurons)
        e[j] = h
        fd[:, j] = (_node_maps(net, x + e) - _node_maps(net, x - e)) / (2 * h)
    fd[:36] = 0.0
    np.testing.assert_allclose(op.dense(), fd, atol=1e-6)
    assert abs(spectral_moments(net, x, (1,), method="dense").log_det) < 1e-10


@settings(max_examples=30)
@given(nw.programs())
def test_dense_septuple_form_has_the_independently_assembled_w_and_b(program) -> None:
    from learning.graph.septuple import to_septuple

    w, b, names, _ = nw.reference(program)
    sept = to_septuple(nw.build(program))
    np.testing.assert_allclose(sept.weights, w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sept.bias, b, rtol=0, atol=1e-12)
    y = np.linspace(-1, 1, w.shape[0])
    np.testing.assert_allclose(sept.activation(y), nw.apply(names, y), atol=1e-15)
