"""The constrained bulk minimum (3.2) of graph septuples, matrix-free through the node blocks,
against the dense path on an independently assembled w (issue 22)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings

from learning.activations import LayerwiseActivation, graph_activation
from learning.bulk_minimum import constrained_bulk_minimum, solver_costs
from learning.bulk_minimum.graph_operators import GraphChain, GraphCouplings
from learning.graph.builder import GraphBuilder
from learning.graph.convolution import Conv
from learning.graph.pooling import AvgPool
from learning.septuple import Septuple
from tests.learning.graph import networks as nw
from tests.learning.graph.networks import Square


def _reference_septuple(program, net) -> Septuple:
    """The paper's septuple from the dense w, b and activations written out by the test's own
    interpreter (tests/learning/graph/networks.py), not from the graph's blocks."""
    w, b, names, sizes = nw.reference(program)
    acts = [graph_activation(names[int(s)]) for s in np.cumsum([0, *sizes[:-1]])]
    act = (acts[0] if all(a is acts[0] for a in acts)
           else LayerwiseActivation(tuple(acts), tuple(sizes)))
    return Septuple(w, b, act, net.input_indices, net.output_indices)


def _data(net, n: int, seed: int, spread: float = 0.05) -> np.ndarray:
    """Forward states of random inputs with the outputs moved a little off the forward
    outputs (kept inside the output activation's range): one minimum in reach per sample."""
    rng = np.random.default_rng(seed)
    x = net.forward(rng.normal(size=(n, net.input_indices.size)))
    outs = net.output_indices
    lo = np.array([net.nodes[v].activation.lower for v in net.output_nodes
                   for _ in range(net.nodes[v].size)])
    hi = np.array([net.nodes[v].activation.upper for v in net.output_nodes
                   for _ in range(net.nodes[v].size)])
    width = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    y = x[:, outs] + spread * rng.normal(size=(n, outs.size))
    x[:, outs] = np.clip(y, lo + 0.05 * width, hi - 0.05 * width)
    return x


def _same_minima(a, b, rtol: float = 1e-8) -> None:
    assert a.all_converged and b.all_converged
    np.testing.assert_allclose(a.loss, b.loss, rtol=rtol, atol=1e-14)


# The draw is derandomized so that CI judges the same programs every time; programs that
# fresh draws found are pinned below.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(nw.programs())
# ARPACK's smallest-eigenvalue iteration of the curvature check (is H bounded below?) did not
# converge here, and the solve raised ArpackNoConvergence (fixed: dense below 400 neurons)
@example(((2, 4, 4), [("bn", 0), ("act", 5), ("concat", 1), ("bn", 0), ("conv", 0), ("bn", 0)],
          0))
# tanh, conv, leaky relu output: on one sample the matrix-free solver's projected gradient
# stalls at a kink of the output activation (4.4e-3 after 100 iterations, 7.8e-4 after 2000;
# H equal to the dense minimum's to 7 digits): max_iter, a known weakness at kinks
# (docs/bulk_minimum.md, "Relu and leaky relu graphs")
@example(((2, 4, 4), [("act", 0), ("conv", 0), ("act", 3)], 0)).xfail(
    raises=AssertionError, reason="matrix-free max_iter at a leaky-relu kink on one sample")
def test_matrix_free_graph_minima_equal_the_dense_path_on_hypothesis_networks(program) -> None:
    net = nw.build(program)
    reference = _reference_septuple(program, net)
    x = _data(net, 3, seed=program[2] % 1000)
    dense = constrained_bulk_minimum(reference, x, solver="dense")
    graph = constrained_bulk_minimum(net, x, solver="matrix_free")
    assert graph.solver == "matrix_free" or net.hidden_indices.size == 0
    _same_minima(graph, dense)
    # The graph's own dense blocks give the dense solver's minima to round-off.
    _same_minima(constrained_bulk_minimum(net, x, solver="dense"), dense, rtol=1e-10)


def small_cnn(seed: int = 0):
    """conv -> tanh, a residual block tanh(BN(conv) + x) with silu, average pooling, a
    dense sigmoid layer and a tanh head: every operator kind the bulk minimum meets."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder(input_shape=(1, 6, 6))
    h = b.activation(b.linear(b.input, Conv(rng.normal(size=(3, 1, 3, 3)) * 0.5, padding=1,
                                            in_shape=(1, 6, 6)), rng.normal(size=(3, 6, 6)) * 0.1),
                     "tanh")
    conv = b.linear(h, Conv(rng.normal(size=(3, 3, 3, 3)) * 0.3, padding=1, in_shape=(3, 6, 6)))
    bn = b.batch_norm(conv, rng.normal(size=3), rng.normal(size=3), rng.normal(size=3),
                      rng.random(3) + 0.5)
    h2 = b.activation(b.add(bn, h), "silu")
    p = b.flatten(b.linear(h2, AvgPool((2, 2), stride=2, in_shape=(3, 6, 6))))
    h3 = b.activation(b.dense(p, rng.normal(size=(8, 27)) * 0.3), "sigmoid")
    return b.build(outputs=b.activation(b.dense(h3, rng.normal(size=(3, 8))), "tanh"))


def test_a_small_cnn_has_the_dense_paths_minima() -> None:
    from learning.graph.septuple import to_septuple

    net = small_cnn()
    x = _data(net, 6, seed=3, spread=0.4)
    dense = constrained_bulk_minimum(to_septuple(net), x, solver="dense")
    graph = constrained_bulk_minimum(net, x, solver="matrix_free")
    _same_minima(graph, dense)
    np.testing.assert_allclose(graph.state, dense.state, atol=1e-7)
    assert np.all(graph.loss <= graph.start_loss)  # never above the forward start (2.11)
    assert np.all(dense.loss < 0.99 * dense.start_loss)  # the minimum is not the start


def test_couplings_and_chain_equal_the_dense_blocks() -> None:
    from learning.graph.septuple import to_septuple

    net = small_cnn(1)
    c = GraphCouplings(net)
    w = to_septuple(net).weights
    w_rh, w_rb = w[np.ix_(c.rows, c.hidden)], w[np.ix_(c.rows, c.boundary)]
    rng = np.random.default_rng(0)
    z, u = rng.normal(size=(2, c.hidden.size)), rng.normal(size=(2, c.n_rows))
    np.testing.assert_allclose(c.hidden_to_rows(z), z @ w_rh.T, atol=1e-12)
    np.testing.assert_allclose(c.rows_to_hidden(u), u @ w_rh, atol=1e-12)
    xb = rng.normal(size=(2, c.boundary.size))
    np.testing.assert_allclose(c.boundary_to_rows(xb), xb @ w_rb.T + to_septuple(net).bias[
        c.rows], atol=1e-12)
    # J_hh = I - D W_hh with a different D per sample: substitution vs dense solves.
    d = rng.uniform(0.1, 1.0, size=(2, c.n_rows))
    hid_rows = np.searchsorted(c.rows, c.hidden)
    chain = GraphChain(c)
    s, q = chain.solve(z, d)
    t = chain.transpose_solve(z, d, rows=u)
    for k in range(2):
        jac = np.eye(c.hidden.size) - d[k, hid_rows, None] * w_rh[hid_rows]
        np.testing.assert_allclose(s[k], np.linalg.solve(jac, z[k]), atol=1e-10)
        np.testing.assert_allclose(q[k], w_rh @ s[k], atol=1e-10)
        np.testing.assert_allclose(t[k], np.linalg.solve(jac.T, z[k] + w_rh.T @ u[k]),
                                   atol=1e-10)


def test_float32_products_keep_the_minima() -> None:
    """Above SINGLE_PRECISION_NNZ multiply-adds the Hessian products run in float32 through
    the same blocks; the gradient and the stopping test stay float64."""
    from learning.bulk_minimum import newton_cg

    net = small_cnn(2)
    x = _data(net, 4, seed=5, spread=0.3)
    exact = constrained_bulk_minimum(net, x, solver="matrix_free")
    old = newton_cg.SINGLE_PRECISION_NNZ
    try:
        newton_cg.SINGLE_PRECISION_NNZ = 1
        single = constrained_bulk_minimum(net, x, solver="matrix_free")
    finally:
        newton_cg.SINGLE_PRECISION_NNZ = old
    _same_minima(single, exact)


def test_linearised_nodes_and_oversized_requests_are_refused_with_the_reason() -> None:
    b = GraphBuilder(input_shape=(2,))
    h = b.function(b.dense(b.input, np.eye(2)), Square(), label="Square")
    net = b.build(outputs=b.dense(h, np.ones((1, 2))))
    with pytest.raises(ValueError, match=r"\['Square_1'\] are not component-wise, so"):
        constrained_bulk_minimum(net, np.zeros((1, net.n_neurons)))
    net = small_cnn()
    x = _data(net, 2, seed=0)
    one = solver_costs(net, 1)["matrix_free"][1]
    with pytest.raises(ValueError, match="GiB for one sample"):
        constrained_bulk_minimum(net, x, solver="matrix_free", memory_limit=one / 2)
    with pytest.raises(ValueError, match="solver='matrix_free' would run in batches"):
        constrained_bulk_minimum(net, x, solver="dense", memory_limit=1.5 * one)
    # In batches of one sample (the limit fits one): the same minima.
    batched = constrained_bulk_minimum(net, x, solver="matrix_free", memory_limit=1.5 * one)
    _same_minima(batched, constrained_bulk_minimum(net, x, solver="matrix_free"), rtol=1e-12)
    with pytest.raises(TypeError, match="Septuple or a GraphSeptuple"):
        constrained_bulk_minimum("net", x)
