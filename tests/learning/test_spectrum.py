"""Tests of G (5.6), its spectrum (5.10), the moments (9.5)-(9.6), N_>, the gap and
the trace identities (7.7)-(7.8), (9.7)-(9.11)."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning import Septuple, feedforward
from learning.architecture import odd_trace_moments
from learning.spectrum import (
    beta_from_log_lambda,
    count_large,
    g_operator,
    g_spectrum,
    log_gap,
    spectral_moment,
    spectrum_from_eigenvalues,
)
from learning.testing import feedforward_networks, mean_states, septuples


@given(data=st.data(), net=feedforward_networks())
def test_structured_and_dense_spectra_agree(data, net):
    x = data.draw(mean_states(net))
    s = g_spectrum(net, x)
    d = g_spectrum(net, x, method="dense")
    # Both are backward-stable symmetric eigensolvers: absolute errors ~ eps ‖G‖ ≲ 1e-14 here,
    # i.e. ≲ 1e-12 in log λ for λ ≳ 1e-2; 1e-10 is the target, 1e-6 would hide bugs.
    np.testing.assert_allclose(s.log_eigenvalues, d.log_eigenvalues, rtol=0, atol=1e-10)
    sizes = net.layer_sizes
    assert s.dynamical.size <= (net.n_neurons - sizes[0]) + sizes[1]


@given(data=st.data(), net=feedforward_networks())
def test_det_g_is_one_for_layered_networks_7_7(data, net):
    s = g_spectrum(net, data.draw(mean_states(net)))
    # Σ log λ over ≤ 40 eigenvalues of size e^{±10} at most: round-off ≲ 1e-12.
    assert abs(s.sum_log) < 1e-10
    assert spectral_moment(s, 1) == pytest.approx(s.sum_log, abs=1e-12)


def test_det_g_is_not_one_for_a_recurrent_network():
    rng = np.random.default_rng(0)
    w = 0.5 * rng.normal(size=(5, 5))
    w[0] = 0
    s = Septuple(w, np.zeros(5), "tanh", [0], [4])
    lam = np.linalg.eigvalsh(g_operator(s, np.zeros(5)))
    assert abs(np.sum(np.log(lam))) > 1e-3  # (7.7) needs the nilpotency (2.1)


@given(data=st.data(), net=feedforward_networks(depth=2))
def test_odd_traces_vanish_without_hidden_layers_9_11(data, net):
    s = g_spectrum(net, data.draw(mean_states(net)))
    scale = max(1.0, np.max(np.abs(s.log_dynamical))) ** 7
    for k, value in odd_trace_moments(s, 7).items():
        # Exact zero in exact arithmetic; round-off of Σ (log λ)^k ≤ 40 eps |log λ|^k.
        assert abs(value) < 1e-11 * scale, k


@pytest.mark.parametrize("sizes", [(4, 3, 2), (4, 3, 3, 2)])
def test_odd_traces_do_not_vanish_with_hidden_layers(sizes):
    # The argument (9.8)-(9.11) needs (f'w)^2 = 0, i.e. L = 2; it does not extend.
    net = feedforward(sizes, seed=3, weight_scale=2.5, bias_scale=0.5)
    mu3 = spectral_moment(g_spectrum(net, np.zeros(net.n_neurons)), 3)
    assert abs(mu3) > 1e-3


def test_moment_normalizations_and_counts():
    s = spectrum_from_eigenvalues([np.e**2, 1.0, np.e**-1], n_neurons=10)
    assert spectral_moment(s, 2) == pytest.approx(5.0)
    assert spectral_moment(s, 3) == pytest.approx(7.0)
    assert spectral_moment(s, 2, "per_neuron") == pytest.approx(0.5)
    assert spectral_moment(s, 2, "per_dynamical") == pytest.approx(5.0 / 3)
    assert count_large(s, beta=1.0) == 1  # λ > 1/β: only e²
    assert count_large(s, beta=2.0) == 9  # λ > 1/2: e² and the eight ones (1 given + 7 padded)


def test_gap_and_the_beta_of_9_4():
    logs = np.concatenate([[-6.0, -5.5], np.linspace(-1.0, 1.0, 20)])
    s = spectrum_from_eigenvalues(np.exp(logs))
    gap = log_gap(s)
    assert gap.lower == -5.5 and gap.upper == -1.0 and gap.n_below == 2
    assert gap.position == pytest.approx(-3.25)
    # beta_from_log_lambda inverts (9.4) exactly.
    for beta in (0.3, 1.0, 1.47, 5.0):
        log_lam = 3 * np.log(-0.5 + np.sqrt(0.25 + 1 / beta))
        assert beta_from_log_lambda(log_lam) == pytest.approx(beta, rel=1e-12)


def test_paper_gap_to_beta_numbers_do_not_follow_from_9_4():
    # Section 10: gaps at log λ ≈ -2.3, -2.5, -3.0 "imply" β ≈ 1.37, 1.40, 1.47 via (9.4).
    # (9.4) gives 1.47, 1.60, 1.99: off by far more than the quoted rounding.
    got = [beta_from_log_lambda(x) for x in (-2.3, -2.5, -3.0)]
    np.testing.assert_allclose(got, [1.470, 1.604, 1.987], atol=2e-3)
    assert all(abs(g - p) > 0.09 for g, p in zip(got, (1.37, 1.40, 1.47), strict=True))


def test_spectrum_errors():
    net = feedforward((3, 2), seed=0)
    plain = Septuple(net.weights, net.bias, "tanh", net.input_indices, net.output_indices)
    with pytest.raises(ValueError, match="needs a layered network"):
        g_spectrum(plain, np.zeros(5))
    with pytest.raises(ValueError, match=r"x_mean must have shape \(5,\)"):
        g_spectrum(net, np.zeros(4))
    with pytest.raises(ValueError, match="x_mean contains non-finite"):
        g_spectrum(net, np.full(5, np.nan))
    with pytest.raises(ValueError, match="method must be"):
        g_spectrum(net, np.zeros(5), method="lanczos")
    s = g_spectrum(net, np.zeros(5))
    with pytest.raises(ValueError, match="k must be an integer"):
        spectral_moment(s, 0)
    with pytest.raises(ValueError, match="normalization must be"):
        spectral_moment(s, 2, "z-score")
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        count_large(s, 0.0)
    with pytest.raises(ValueError, match="eigenvalues of G must be > 0"):
        spectrum_from_eigenvalues([1.0, -1.0])
    with pytest.raises(ValueError, match="non-finite"):
        spectrum_from_eigenvalues([np.inf])
    with pytest.raises(ValueError, match="no gap"):
        log_gap(spectrum_from_eigenvalues([1.0, 2.0]))
    with pytest.raises(ValueError, match="singular") as err:
        w = np.array([[0.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])  # I - w singular (recurrent)
        g_spectrum(Septuple(w, np.zeros(3), "linear", [0], None), np.zeros(3), method="dense")
    # The message quotes the smallest eigenvalue (G's are 4, 1, 0): 0 up to round-off.
    quoted = float(re.search(r"non-positive eigenvalue (\S+):", str(err.value)).group(1))
    assert abs(quoted) < 1e-12


@settings(max_examples=20)
@given(data=st.data(), net=septuples())
def test_g_operator_is_the_gram_matrix_of_the_jacobian_of_the_residual_5_6(data, net):
    # G = AᵀA with A = I - f'w the Jacobian of the residual r(x) = x - f(wx + b) at <x>
    # (5.4)-(5.6). Reference: A by central differences of r, for general (recurrent, not
    # layered) septuples, where no sign symmetry hides A = I + f'w. Step 1e-5: truncation
    # ~ h² |f'''| |w|³ ≲ 1e-9, round-off ~ eps/h ~ 1e-11; 1e-7 on entries of size ≳ 1.
    x = data.draw(mean_states(net))
    h = 1e-5
    eye = np.eye(net.n_neurons)

    def residual(state):
        return state - np.tanh(net.weights @ state + net.bias)

    jac = np.stack([(residual(x + h * e) - residual(x - h * e)) / (2 * h) for e in eye], axis=1)
    np.testing.assert_allclose(g_operator(net, x), jac.T @ jac, rtol=0, atol=1e-7)


def test_gap_keeps_min_below_eigenvalues_under_it():
    # Sorted log λ: -8 | -4, -3.9, -3.8 | -1, ...: the widest spacing (4) has one eigenvalue
    # below it; asking for at least 2 or 3 below must skip it and find -3.8 .. -1 (width 2.8).
    logs = np.array([-8.0, -4.0, -3.9, -3.8, -1.0, -0.5, 0.5])
    s = spectrum_from_eigenvalues(np.exp(logs))
    widest = log_gap(s)
    assert widest.lower == pytest.approx(-8.0) and widest.upper == pytest.approx(-4.0)
    assert widest.n_below == 1
    for min_below in (2, 3, 4):
        gap = log_gap(s, min_below=min_below)
        assert gap.lower == pytest.approx(-3.8) and gap.upper == pytest.approx(-1.0)
        assert gap.n_below == 4
    # Below max_log = -2 only -8, -4, -3.9, -3.8 count: with 2 below, the widest left is 0.1.
    assert log_gap(s, max_log=-2.0, min_below=2).width == pytest.approx(0.1)
    # Exactly min_below + 1 eigenvalues below max_log are enough for one gap.
    assert log_gap(s, max_log=-2.0, min_below=3).n_below == 3
    with pytest.raises(ValueError, match="no gap"):
        log_gap(s, max_log=-2.0, min_below=4)
    with pytest.raises(ValueError, match="min_below must be an integer >= 1"):
        log_gap(s, min_below=0)


def test_given_eigenvalues_are_padded_with_ones_and_sorted_descending():
    s = spectrum_from_eigenvalues([0.5, 3.0, 1.2], n_neurons=5)
    np.testing.assert_array_equal(s.eigenvalues, [3.0, 1.2, 1.0, 1.0, 0.5])  # (10.5) order
    np.testing.assert_array_equal(s.dynamical, [3.0, 1.2, 0.5])
    assert s.n_neurons == 5 and s.method == "given"
    with pytest.raises(ValueError, match="n_neurons = 2 is smaller"):
        spectrum_from_eigenvalues([0.5, 3.0, 1.2], n_neurons=2)


def test_eigenvalues_of_accepts_the_range_of_a_gram_matrix_only():
    from learning.spectrum import eigenvalues_of

    # G = AᵀA is positive semi-definite: 0 and values in (0, 1) are valid, negatives are not.
    np.testing.assert_array_equal(eigenvalues_of([[0.0, 0.25], [0.5, 4.0]]),
                                  [0.0, 0.25, 0.5, 4.0])
    s = spectrum_from_eigenvalues([2.0, 0.5], n_neurons=3)
    np.testing.assert_array_equal(eigenvalues_of(s), [2.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="no negative eigenvalues"):
        eigenvalues_of([1.0, -1e-3])
    with pytest.raises(ValueError, match="empty"):
        eigenvalues_of([])
    with pytest.raises(ValueError, match="non-finite"):
        eigenvalues_of([1.0, np.nan])
    with pytest.raises(TypeError, match="spectrum must be a GSpectrum"):
        eigenvalues_of(["one"])
