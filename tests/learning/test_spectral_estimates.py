"""Tests of the layered (block) storage, the matrix-free G (5.6) and the spectral estimates
(μ_k (9.5)-(9.6), density of log λ, N_> (6.6), extreme eigenvalues for C_n (10.5)) against
dense linear algebra."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from learning import Septuple, check_feedforward, feedforward, forward_state
from learning.feedforward import from_layers, layer_biases, layer_weights
from learning.spectral_density import count_large_estimate, spectral_density
from learning.spectral_estimates import (
    a_inverse_linear_operator,
    complexity_n_from_extremes,
    extreme_eigenvalues,
    g_linear_operator,
    spectral_moments,
)
from learning.spectrum import (
    count_large,
    g_operator,
    g_spectrum,
    log_gap,
    spectrum_from_eigenvalues,
)
from learning.testing import feedforward_networks, mean_states, septuples
from learning.thermodynamics import complexity_n

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


@st.composite
def layered_nets(draw, max_width: int = 60, max_depth: int = 5):
    """Layered nets of several activations with N <= max_depth * max_width, and a state."""
    depth = draw(st.integers(2, max_depth))
    sizes = tuple(draw(st.lists(st.integers(2, max_width), min_size=depth, max_size=depth)))
    net = feedforward(sizes, draw(st.sampled_from(ACTIVATIONS)),
                      seed=draw(st.integers(0, 2**32 - 1)),
                      weight_scale=draw(st.floats(0.3, 2.5)), bias_scale=draw(st.floats(0, 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return net, rng.uniform(-0.9, 0.9, net.n_neurons)


def _dense_twin(net: Septuple) -> Septuple:
    """The same network stored as a dense N x N matrix (the pre-issue-11 representation)."""
    return Septuple(np.array(net.weights), net.bias, net.activation, net.input_indices,
                    net.output_indices, net.loss, net.layer_sizes)


# ---- block storage ---------------------------------------------------------------------
@settings(max_examples=30)
@given(data=st.data(), net=feedforward_networks())
def test_block_storage_reproduces_the_dense_representation(data, net):
    twin = _dense_twin(net)
    x = data.draw(mean_states(net))
    assert net.is_block_stored and not twin.is_block_stored
    for a, b in zip(layer_weights(net), layer_weights(twin), strict=True):
        np.testing.assert_array_equal(a, b)
    # Products: the same sums in a different order; |w x| <= 6 * 3 * 1 here, so round-off
    # is below 1e-14 (a wrong block would be off by O(1)).
    np.testing.assert_allclose(net.preactivation(x), twin.preactivation(x), rtol=0, atol=1e-13)
    np.testing.assert_allclose(net.transpose_product(x), x @ twin.weights, rtol=0, atol=1e-13)
    # The structured method reads the same blocks: identical numbers.
    np.testing.assert_array_equal(g_spectrum(net, x).eigenvalues,
                                  g_spectrum(twin, x).eigenvalues)
    # f' comes from w x + b summed in another order: round-off of O(1) entries.
    np.testing.assert_allclose(g_operator(net, x), g_operator(twin, x), rtol=0, atol=1e-13)


@settings(max_examples=30)
@given(net=feedforward_networks(), n_layers=st.integers(1, 6))
def test_block_wise_feedforward_check_matches_the_dense_one(net, n_layers):
    block, dense = check_feedforward(net, n_layers), check_feedforward(_dense_twin(net), n_layers)
    assert (block.depth, block.holds, block.failures == ()) == (dense.depth, dense.holds,
                                                               dense.failures == ())
    # ‖w^L‖_max from chains of blocks vs full products: round-off of <= 5 factors.
    assert block.nilpotency == pytest.approx(dense.nilpotency, rel=1e-12, abs=1e-300)


def test_sparse_blocks_give_the_same_network_as_dense_blocks():
    net = feedforward((12, 9, 7, 4), seed=3, weight_scale=1.5, bias_scale=0.3)
    sparse = from_layers([sp.csr_array(w) for w in layer_weights(net)], layer_biases(net))
    x = np.linspace(-0.8, 0.8, net.n_neurons)
    np.testing.assert_array_equal(sparse.weights, net.weights)
    np.testing.assert_allclose(forward_state(sparse, x[:12]), forward_state(net, x[:12]),
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(g_spectrum(sparse, x).eigenvalues,
                               g_spectrum(net, x).eigenvalues, rtol=1e-13)


def test_layer_sizes_must_describe_w():
    net = feedforward((3, 2, 2), seed=0)
    w = np.array(net.weights)
    w[6, 0] = 0.5  # an input feeds an output directly: a skip connection, not (3, 2, 2)
    with pytest.raises(ValueError, match=r"layer_sizes = \(3, 2, 2\) does not describe w"):
        Septuple(w, net.bias, "tanh", net.input_indices, net.output_indices,
                 layer_sizes=(3, 2, 2))
    with pytest.raises(ValueError, match="layer_sizes"):
        Septuple(net.layered_weights, net.bias, "tanh", layer_sizes=(3, 4))


def test_dense_weights_refuse_above_the_limit_and_name_the_block_api():
    net = feedforward((30, 20, 10), seed=0)
    with pytest.raises(ValueError, match=r"GiB.*layer_weights"):
        net.dense_weights(max_bytes=1000)
    assert net.dense_weights().shape == (60, 60)


def test_big_layered_network_is_built_without_n_by_n_arrays():
    net = feedforward((500, 3000, 3000, 10), seed=0)
    # 10.5 M weights = 84 MB in blocks; the dense w would be 6510^2 * 8 B = 339 MB.
    assert net.layered_weights.nbytes == 8 * (500 * 3000 + 3000 * 3000 + 3000 * 10)
    assert "_dense_cache" not in net.__dict__


# ---- the operators ---------------------------------------------------------------------
@settings(max_examples=30)
@given(data=st.data(), net=feedforward_networks())
def test_g_linear_operator_is_g(data, net):
    x = data.draw(mean_states(net))
    n = net.n_neurons
    # Round-off of two O(10)-sized products: 1e-12 is 100x above it.
    np.testing.assert_allclose(g_linear_operator(net, x) @ np.eye(n), g_operator(net, x),
                               rtol=0, atol=1e-12)


@settings(max_examples=30)
@given(data=st.data(), net=septuples())
def test_g_linear_operator_on_general_septuples(data, net):
    x = data.draw(mean_states(net))
    n = net.n_neurons
    np.testing.assert_allclose(g_linear_operator(net, x) @ np.eye(n), g_operator(net, x),
                               rtol=0, atol=1e-12)


@settings(max_examples=30)
@given(data=st.data(), net=feedforward_networks())
def test_substitution_inverts_a(data, net):
    x = data.draw(mean_states(net))
    n = net.n_neurons
    inv = a_inverse_linear_operator(net, x)
    g = g_operator(net, x)
    # G^{-1} = A^{-1} A^{-T}; A is unit block-triangular with |f'w| <= 9, depth <= 5.
    g_inv = inv @ (inv.T @ np.eye(n))
    np.testing.assert_allclose(g_inv @ g, np.eye(n), rtol=0, atol=1e-8)


# ---- exact methods ---------------------------------------------------------------------
@settings(max_examples=30)
@given(data=st.data(), net=feedforward_networks())
def test_exact_moments_agree_and_check_log_det(data, net):
    x = data.draw(mean_states(net))
    dense = spectral_moments(net, x, (1, 2, 3), method="dense")
    structured = spectral_moments(net, x, (1, 2, 3), method="structured")
    lam = np.linalg.eigvalsh(g_operator(net, x))
    reference = [np.sum(np.log(lam) ** k) for k in (1, 2, 3)]
    scale = max(1.0, float(np.max(np.abs(np.log(lam))))) ** 3 * net.n_neurons
    np.testing.assert_allclose(dense.values, reference, rtol=0, atol=1e-11 * scale)
    np.testing.assert_allclose(structured.values, reference, rtol=0, atol=1e-9 * scale)
    assert dense.stderr is None and structured.n_matvecs == 0
    assert structured.log_det_check < 1  # (7.8) holds to round-off


def test_log_det_check_flags_a_recurrent_network():
    rng = np.random.default_rng(0)
    w = 0.6 * rng.normal(size=(6, 6))
    net = Septuple(w, np.zeros(6), "tanh", [0], [5])
    res = spectral_moments(net, np.zeros(6), (2,), method="dense")
    assert abs(res.log_det) > 1e-2 and res.log_det_check > 1e5
    assert res.method == "dense"


def test_auto_picks_exact_methods_for_small_networks():
    net = feedforward((40, 20, 10), seed=0)
    assert spectral_moments(net, np.zeros(70)).method == "structured"
    general = Septuple(np.array(net.weights), net.bias, "tanh", net.input_indices,
                       net.output_indices)
    assert spectral_moments(general, np.zeros(70)).method == "dense"


# ---- stochastic Lanczos quadrature -----------------------------------------------------
@settings(max_examples=1, derandomize=True, deadline=None)
@given(cases=st.lists(layered_nets(), min_size=24, max_size=24))
def test_slq_three_sigma_intervals_cover_the_dense_moments(cases):
    """Coverage of the reported 3-sigma intervals over 24 nets x 3 orders = 72 intervals.

    With n_probes = 20 the studentised error has ~19 degrees of freedom, P(|t| > 3) =
    0.0074, so ~0.5 misses are expected; the test allows 3 (>= 95 % coverage).  For
    independent intervals P(>= 4 misses) = 0.006: the false-failure rate if SLQ is right
    (the seeds are fixed, so a given commit passes or fails deterministically).
    """
    misses, total = 0, 0
    for i, (net, x) in enumerate(cases):
        exact = spectral_moments(net, x, (2, 3, 4), method="dense")
        est = spectral_moments(net, x, (2, 3, 4), method="slq", seed=i, n_probes=20,
                               lanczos_steps=40)
        scale = np.maximum(np.abs(exact.values), 1e-12)
        for k in range(3):
            # An interval of zero width is right only when the estimate is exact.
            width = max(3 * est.stderr[k], 1e-9 * scale[k])
            misses += abs(est.values[k] - exact.values[k]) > width
            total += 1
    assert misses <= 3, f"{misses} of {total} 3-sigma intervals miss the exact μ_k"


@pytest.mark.slow
@settings(max_examples=1, derandomize=True, deadline=None)
@given(cases=st.lists(layered_nets(max_width=100, max_depth=3), min_size=80, max_size=80))
def test_slq_coverage_on_80_nets_up_to_300_neurons(cases):
    """As above on 80 nets of up to 300 neurons: 240 intervals, <= 12 misses allowed (95 %);
    ~1.8 expected, P(>= 13) < 1e-7 for independent intervals."""
    misses = 0
    for i, (net, x) in enumerate(cases):
        exact = spectral_moments(net, x, (2, 3, 4), method="dense")
        est = spectral_moments(net, x, (2, 3, 4), method="slq", seed=100 + i, n_probes=20,
                               lanczos_steps=60)
        scale = np.maximum(np.abs(exact.values), 1e-12)
        width = np.maximum(3 * est.stderr, 1e-9 * scale)
        misses += int(np.sum(np.abs(est.values - exact.values) > width))
    assert misses <= 12, misses


def test_density_integrates_to_n_and_brackets_the_histogram():
    net = feedforward((60, 40, 30, 10), "tanh", seed=5, weight_scale=2.0)
    x = np.random.default_rng(1).uniform(-0.9, 0.9, 140)
    est = spectral_moments(net, x, (2,), method="slq", seed=0, n_probes=16,
                           lanczos_steps=40)
    dens = spectral_density(est)
    # Each probe's weights sum to N exactly; the Gaussian kernels are cut 5 widths out,
    # losing ~6e-7 of the mass: |∫ - N| < 1e-3.
    assert abs(np.trapezoid(dens.density, dens.grid) - 140) < 1e-3
    assert np.all(dens.lower <= dens.density) and np.all(dens.density <= dens.upper)
    exact = spectral_density(spectral_moments(net, x, (2,), method="dense"), dens.grid,
                             width=dens.width)
    # The exact smoothed density lies in the 95 % band at most grid points, and the L1
    # distance is a few % of N (measured 2 %; quadrature of a kernel as wide as the node
    # spacing, plus sampling error).
    inside = (exact.density >= dens.lower - 1e-9) & (exact.density <= dens.upper + 1e-9)
    assert np.mean(inside) > 0.8
    assert np.trapezoid(np.abs(dens.density - exact.density), dens.grid) < 0.05 * 140


def test_count_large_estimate():
    net = feedforward((50, 30, 20), seed=2, weight_scale=2.0)
    x = np.full(100, 0.1)
    exact = spectral_moments(net, x, (1,), method="dense")
    for beta in (0.5, 2.0, 10.0):
        ref = count_large(g_spectrum(net, x, "dense"), beta)
        assert count_large_estimate(exact, beta).value == ref
        est = count_large_estimate(spectral_moments(net, x, (1,), method="slq", seed=0,
                                                    n_probes=40, lanczos_steps=40), beta)
        # A step function by Gauss quadrature: sampling error plus up to ~2 eigenvalues of
        # node smearing at the threshold.
        assert abs(est.value - ref) < 4 * est.stderr + 2


def test_slq_sampling_error_falls_as_one_over_root_probes():
    """Measured rate: one run of 384 probes with lanczos_steps = N (exact quadrature, only
    sampling error left) split into disjoint groups of p = 2, 8, 32 probes; the RMS error
    of the group means against the dense μ_2 must fall with slope -1/2 in log-log.  The
    32-probe RMS rests on 12 groups (~20 % scatter), so the slope is known to ~0.1: the
    interval [-0.75, -0.3] fails a plausible bug (a bias, a wrong normalisation) only."""
    net = feedforward((12, 10, 8), seed=4, weight_scale=2.0)
    x = np.random.default_rng(4).uniform(-0.9, 0.9, 30)
    exact = spectral_moments(net, x, (2,), method="dense").values[0]
    run = spectral_moments(net, x, (2,), method="slq", seed=0, n_probes=384,
                           lanczos_steps=30, control_variate=False)
    per_probe = run.quadrature.per_probe(lambda t: t ** 2)
    assert per_probe.mean() == pytest.approx(run.values[0], rel=1e-12)
    budgets = np.array([2, 8, 32])
    rms = [np.sqrt(np.mean((per_probe.reshape(-1, p).mean(axis=1) - exact) ** 2))
           for p in budgets]
    slope = np.polyfit(np.log(budgets), np.log(rms), 1)[0]
    assert -0.75 < slope < -0.3, (slope, rms)


def test_quadrature_error_falls_geometrically_with_lanczos_steps():
    """Same probes (same seed), more steps: the Gauss-quadrature error of μ_2 falls at least
    tenfold per 8 steps here, and to round-off when the Krylov space is complete."""
    net = feedforward((30, 25, 20), seed=1, weight_scale=1.0)
    x = np.random.default_rng(2).uniform(-0.9, 0.9, 75)
    steps = np.array([4, 8, 12, 16])
    full = spectral_moments(net, x, (2,), method="slq", seed=3, n_probes=4,
                            lanczos_steps=75, control_variate=False)
    errs = [abs(spectral_moments(net, x, (2,), method="slq", seed=3, n_probes=4,
                                 lanczos_steps=int(m), control_variate=False).values[0]
                - full.values[0]) for m in steps]
    rate = np.polyfit(steps, np.log(errs), 1)[0]
    assert rate < np.log(0.1) / 8, (rate, errs)
    exact = spectral_moments(net, x, (2,), method="dense").values[0]
    assert full.quadrature_change[0] < 1e-8 * exact


def test_extreme_eigenvalues_and_c_n():
    net = feedforward((40, 30, 20, 10), "tanh", seed=2, weight_scale=2.0)
    x = np.random.default_rng(0).uniform(-0.9, 0.9, 100)
    spec = g_spectrum(net, x, "dense")
    ext = extreme_eigenvalues(net, x, k=5)
    np.testing.assert_allclose(ext.largest, spec.eigenvalues[:5], rtol=1e-8)
    np.testing.assert_allclose(ext.smallest, spec.eigenvalues[-5:], rtol=1e-8)
    for n in (0, 3, 5, 95, 97, 100):
        # log det G = 0 (7.8) closes the sum for n >= N - k.
        assert complexity_n_from_extremes(ext, n) == pytest.approx(complexity_n(spec, n),
                                                                   abs=1e-8)
    with pytest.raises(ValueError, match="n <= k"):
        complexity_n_from_extremes(ext, 50)
    # The gap of Section 10 among the k smallest, as from the full spectrum.
    top = float(np.log(ext.smallest.max()))
    gap = log_gap(spectrum_from_eigenvalues(ext.smallest, 100), max_log=top)
    ref = log_gap(spec, max_log=top)
    assert gap.n_below == ref.n_below
    assert gap.position == pytest.approx(ref.position, abs=1e-8)


def test_extreme_eigenvalues_of_a_general_septuple():
    rng = np.random.default_rng(1)
    w = 0.3 * rng.normal(size=(30, 30)) / np.sqrt(30)
    net = Septuple(w, np.zeros(30), "tanh", [0], [29])
    x = np.zeros(30)
    lam = np.linalg.eigvalsh(g_operator(net, x))[::-1]
    ext = extreme_eigenvalues(net, x, k=3)
    np.testing.assert_allclose(ext.largest, lam[:3], rtol=1e-8)
    np.testing.assert_allclose(ext.smallest, lam[-3:], rtol=1e-6)


# ---- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    ({"x_mean": np.full(25, np.nan)}, "x_mean contains non-finite"),
    ({"x_mean": np.zeros(24)}, r"x_mean must have shape \(25,\)"),
    ({"orders": (0, 2)}, "orders must be"),
    ({"orders": ()}, "orders must be"),
    ({"method": "slq", "n_probes": 1}, "n_probes must be an integer >= 2"),
    ({"method": "slq", "n_probes": 2}, "n_probes must be >= 3 with the control variate"),
    ({"method": "slq", "lanczos_steps": 1}, "lanczos_steps must be an integer >= 2"),
    ({"method": "eig"}, "method must be"),
    ({"method": "dense", "max_bytes": 1000}, r"GiB.*method='slq'"),
    ({"method": "slq", "max_bytes": 1000}, r"GiB.*fewer lanczos_steps"),
])
def test_spectral_moments_rejects_bad_input(kwargs, match):
    net = feedforward((10, 10, 5), seed=0)
    args = {"x_mean": np.zeros(25)} | kwargs
    with pytest.raises(ValueError, match=match):
        spectral_moments(net, **args)


def test_structured_needs_layers_and_log_gap_needs_min_below():
    rng = np.random.default_rng(0)
    net = Septuple(0.3 * rng.normal(size=(5, 5)), np.zeros(5), "tanh", [0], [4])
    with pytest.raises(ValueError, match="layered"):
        spectral_moments(net, np.zeros(5), method="structured")
    spec = g_spectrum(feedforward((8, 6, 4), seed=0, weight_scale=3.0), np.full(18, 0.5))
    with pytest.raises(ValueError, match="min_below must be an integer >= 1"):
        log_gap(spec, min_below=0)
    with pytest.raises(ValueError, match="k must be"):
        extreme_eigenvalues(feedforward((3, 2), seed=0), np.zeros(5), k=4)
