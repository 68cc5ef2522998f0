"""analyze_network and the spectral summaries on graph septuples (issue 22, item 4)."""

import numpy as np

from learning.analysis import analyze_network
from learning.feedforward import feedforward, layer_biases, layer_weights
from learning.graph.builder import GraphBuilder
from learning.graph.nonlocal_maps import Softmax
from learning.spectral_density import count_large_estimate, spectral_density
from learning.spectral_estimates import (
    extreme_eigenvalues,
    spectral_moments,
)
from learning.spectrum import count_large, g_spectrum, log_gap


def _as_graph(net, head=None):
    """The chain ``net`` written as a graph (dense + tanh per layer; linear last layer)."""
    sizes = net.layer_sizes
    b = GraphBuilder(input_shape=(sizes[0],))
    t = b.input
    ws, bs = layer_weights(net), layer_biases(net)
    for i, (w, bias) in enumerate(zip(ws, bs, strict=True)):
        t = b.dense(t, np.asarray(w), np.asarray(bias))
        if i < len(ws) - 1 or head is None:
            t = b.activation(t, "tanh")
    if head is not None:
        t = b.function(t, head, label="Softmax")
    return b.build(outputs=t)


def test_a_chain_as_a_graph_has_the_chains_spectrum_and_analysis() -> None:
    net = feedforward((12, 9, 7, 4), seed=3, weight_scale=2.0)
    graph = _as_graph(net)
    x = np.tanh(np.random.default_rng(0).normal(size=net.n_neurons))
    chain = g_spectrum(net, x, method="structured").eigenvalues
    np.testing.assert_allclose(g_spectrum(graph, x, method="dense").eigenvalues, chain,
                               rtol=1e-9)
    a, b = analyze_network(net), analyze_network(graph)
    np.testing.assert_allclose([m.value for m in b.spectrum.moments],
                               [m.value for m in a.spectrum.moments], rtol=1e-8, atol=1e-10)
    assert b.layer_sizes == (12, 9, 7, 4) and b.activation == "tanh,tanh,tanh"
    assert b.linearised == () and not b.notes


def test_graph_analysis_with_data_and_a_linearised_softmax_head() -> None:
    net = feedforward((10, 8, 5), seed=1)
    graph = _as_graph(net, head=Softmax(-1, in_shape=(5,)))
    rng = np.random.default_rng(2)
    inputs, targets = rng.normal(size=(20, 10)), np.eye(5)[rng.integers(0, 5, 20)]
    res = analyze_network(graph, inputs, targets)
    assert res.linearised == ("Softmax_2",) and "linearised" in res.notes[0]
    assert res.mean_state.kind == "forward (data)"
    x = graph.forward(inputs)
    expected = np.mean(0.5 * np.sum((x[:, -5:] - targets) ** 2, axis=1))
    assert res.losses is not None and np.isclose(res.losses.boundary, expected, rtol=1e-12)
    assert abs(res.spectrum.moment(1).value) < 1e-10  # det G = 1 (7.7) for the graph


def test_density_counts_gap_and_extremes_of_a_graph_against_dense() -> None:
    net = feedforward((40, 30, 30, 10), seed=4, weight_scale=3.0)
    graph = _as_graph(net)
    x = graph.forward(np.random.default_rng(1).normal(size=(1, 40)))[0]
    dense = g_spectrum(graph, x, method="dense")
    ext = extreme_eigenvalues(graph, x, k=4)
    np.testing.assert_allclose(ext.largest, dense.eigenvalues[:4], rtol=1e-8)
    np.testing.assert_allclose(ext.smallest, dense.eigenvalues[-4:], rtol=1e-8)
    slq = spectral_moments(graph, x, (2,), method="slq", seed=0, n_probes=40,
                           lanczos_steps=60)
    beta = 1.0
    est = count_large_estimate(slq, beta)
    assert abs(est.value - count_large(dense, beta)) < 4 * est.stderr + 3
    dens = spectral_density(slq)
    assert abs(np.trapezoid(dens.density, dens.grid) - graph.n_neurons) < 1e-6
    assert log_gap(dense).width >= 0


def test_different_groupings_give_different_g_but_both_have_log_det_zero() -> None:
    rng = np.random.default_rng(7)
    w1, w2 = rng.normal(size=(6, 5)), rng.normal(size=(4, 6))
    folded = GraphBuilder(input_shape=(5,))
    out_a = folded.activation(folded.dense(folded.dense(folded.input, w1), w2), "tanh")
    split = GraphBuilder(input_shape=(5,))
    mid = split.activation(split.dense(split.input, w1), "linear")  # W1 x as its own neurons
    out_b = split.activation(split.dense(mid, w2), "tanh")
    net_a, net_b = folded.build(outputs=out_a), split.build(outputs=out_b)
    assert (net_a.n_neurons, net_b.n_neurons) == (9, 15)
    x_a = net_a.forward(rng.normal(size=(1, 5)))[0]
    x_b = net_b.forward(x_a[None, :5])[0]
    np.testing.assert_allclose(x_b[-4:], x_a[-4:], atol=1e-12)  # the same function
    mu_a = spectral_moments(net_a, x_a, (1, 2), method="dense").values
    mu_b = spectral_moments(net_b, x_b, (1, 2), method="dense").values
    assert abs(mu_a[0]) < 1e-10 and abs(mu_b[0]) < 1e-10
    assert abs(mu_a[1] - mu_b[1]) > 1e-3 * abs(mu_a[1])


def test_an_exact_graph_with_data_gets_the_bulk_minimum_of_its_dense_form() -> None:
    from learning.bulk_minimum import constrained_bulk_minimum
    from learning.graph.septuple import to_septuple

    rng = np.random.default_rng(8)
    b = GraphBuilder(input_shape=(2, 3))
    h = b.activation(b.dense(b.input, rng.normal(size=(5, 6))), "tanh")
    h2 = b.activation(b.add(b.dense(h, rng.normal(size=(5, 5))), h), "silu")
    graph = b.build(outputs=b.activation(b.dense(h2, rng.normal(size=(2, 5))), "tanh"))
    inputs, targets = rng.normal(size=(6, 6)), rng.uniform(-0.8, 0.8, size=(6, 2))
    res = analyze_network(graph, inputs, targets)
    assert res.mean_state.kind == "bulk minimum" and res.losses is not None
    assert res.losses.status == "computed" and res.losses.converged_fraction == 1.0
    assert res.losses.bulk <= res.losses.boundary + 1e-12  # never above the start (2.11)
    x = graph.forward(inputs)
    x[:, graph.output_indices] = targets
    direct = constrained_bulk_minimum(to_septuple(graph), x, gtol=1e-10)
    np.testing.assert_allclose(res.mean_state.x_mean, direct.state.mean(axis=0), atol=1e-6)
