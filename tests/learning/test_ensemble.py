"""The canonical ensemble (4.4)-(4.10), exact Z (5.1)/(5.7)/(5.8), and the Gaussian (5.9)-(5.14)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning import feedforward
from learning.architecture import figure1
from learning.cli import main as learning_main
from learning.ensemble import (
    canonical_samples,
    compare_ensembles,
    exact_canonical_ensemble,
    maximum_entropy_check,
    monte_carlo_partition_function,
)
from learning.spectrum import g_spectrum
from learning.testing import feedforward_networks, septuples
from learning.thermodynamics import gaussian_thermodynamics, mean_state_components

small_sizes = st.sampled_from([(1, 1), (2, 1), (1, 2), (1, 1, 1)])


@settings(max_examples=15)
@given(sizes=small_sizes, seed=st.integers(0, 1000), beta=st.floats(0.2, 8.0))
def test_exact_z_identities(sizes, seed, beta):
    net = feedforward(sizes, seed=seed, bias_scale=0.5)
    ens = exact_canonical_ensemble(net, beta)
    assert ens.error_estimate <= 1e-10
    h = 1e-5
    up = exact_canonical_ensemble(net, beta + h).log_partition_function
    down = exact_canonical_ensemble(net, beta - h).log_partition_function
    # U = -∂ log Z/∂β (6.1): central difference, error O(h² U''') + quadrature 1e-10/h.
    assert ens.internal_energy == pytest.approx(-(up - down) / (2 * h), abs=2e-5)
    # S = -<log p> on the grid (4.5), computed here from the probabilities themselves.
    p = np.exp(ens.log_probabilities)
    assert ens.entropy == pytest.approx(-(p @ (ens.log_probabilities - ens.log_weights)),
                                        abs=1e-9)
    assert np.all(np.abs(ens.mean_state) < 1)


def test_exact_z_for_n3_meets_1e_8_and_matches_monte_carlo():
    net = feedforward((1, 1, 1), seed=4, bias_scale=0.5)
    ens = exact_canonical_ensemble(net, 2.0, rtol=1e-12)
    assert ens.error_estimate < 1e-12
    mc = monte_carlo_partition_function(net, 2.0, n_samples=200_000, seed=1)
    # Monte Carlo is unbiased in Z; 5 standard errors is a 1-in-a-million false alarm.
    assert abs(mc.log_partition_function - ens.log_partition_function) < 5 * mc.standard_error
    np.testing.assert_allclose(mc.mean_state, ens.mean_state, atol=0.02)


def test_canonical_ensemble_has_the_largest_entropy_4_10():
    check = maximum_entropy_check(feedforward((1, 1, 1), seed=1, bias_scale=0.3), 1.5,
                                  n_alternatives=12)
    assert check.alternative_entropies.size >= 6
    assert check.energy_mismatch < 1e-9  # every alternative has the same <H> (4.4)
    assert check.holds
    assert np.all(check.alternative_entropies < check.canonical_entropy)


def test_gaussian_approximation_of_the_windowed_integral_is_close_for_one_layer():
    # With a single layer the linearisation (5.2) is exact up to the curvature of tanh: the
    # Gaussian (5.11) should track the exact windowed log Z (5.8) to ~1%.
    net = feedforward((2, 1), seed=2, bias_scale=0.3)
    for beta in (0.5, 2.0):
        # rtol 1e-6 on log Z is four orders below the 1% compared here, and stops the node
        # doubling at 128^3 instead of 256^3 (~10x less time).
        win = exact_canonical_ensemble(net, beta, window="gaussian", rtol=1e-6)
        lam, a = mean_state_components(net, win.mean_state)
        g = gaussian_thermodynamics(lam, beta, mean_components=a).log_partition_function
        assert g == pytest.approx(win.log_partition_function, rel=1e-2)
        box = exact_canonical_ensemble(net, beta)
        # ... but the window (5.8) itself is no stand-in for the box (5.7) at these sizes.
        assert abs(win.log_partition_function - box.log_partition_function) > 0.05


@given(net=feedforward_networks(max_width=4))
def test_strategies_make_valid_layered_networks(net):
    assert net.layer_sizes is not None
    s = g_spectrum(net, np.zeros(net.n_neurons))
    assert s.eigenvalues.size == net.n_neurons and np.all(s.eigenvalues > 0)


@given(s=septuples())
def test_general_septuple_strategy(s):
    assert set(s.input_indices).isdisjoint(s.output_indices)


def test_figure1_and_cli(tmp_path):
    out = tmp_path / "fig1.png"
    extrema = figure1(out)
    assert out.stat().st_size > 10_000
    assert set(extrema) == {0.25, 0.5, 0.73, 1.0}
    assert learning_main(["figure1", "--out", str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f.png").exists()
    assert learning_main(["nonsense"]) == 2


def test_ensemble_errors():
    with pytest.raises(ValueError, match="N <= 3"):
        exact_canonical_ensemble(feedforward((2, 2), seed=0), 1.0)
    with pytest.raises(ValueError, match="bounded activation"):
        exact_canonical_ensemble(feedforward((1, 1), "relu", seed=0), 1.0)
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        exact_canonical_ensemble(feedforward((1, 1), seed=0), 0.0)
    with pytest.raises(ValueError, match="window must be"):
        exact_canonical_ensemble(feedforward((1, 1), seed=0), 1.0, window="flat")
    with pytest.raises(ValueError, match=r"1 - beta\*m > 0"):
        exact_canonical_ensemble(feedforward((1, 1), seed=0), 2.0, m=1.0, window="gaussian")
    with pytest.raises(ValueError, match="n_samples must be"):
        monte_carlo_partition_function(feedforward((1, 1), seed=0), 1.0, n_samples=1)
    with pytest.raises(ValueError, match="did not reach"):
        exact_canonical_ensemble(feedforward((1, 1), seed=0), 1.0, rtol=1e-30, max_nodes=32)


def test_metropolis_samples_reproduce_the_exact_ensemble():
    from learning import bulk_loss
    from learning.ensemble import canonical_samples

    net = feedforward((1, 1, 1), seed=4, bias_scale=0.5)
    exact = exact_canonical_ensemble(net, 2.0)
    xs = canonical_samples(net, 2.0, n_chains=64, n_steps=4000, seed=1)
    # ~19 000 correlated samples: the standard error of <H> is ~0.003 (U ≈ 0.42); 0.015 is
    # five of them, a bias of 3% would fail.
    assert bulk_loss(net, xs).mean() == pytest.approx(exact.internal_energy, abs=0.015)
    np.testing.assert_allclose(xs.mean(axis=0), exact.mean_state, atol=0.03)


def test_ensembles_become_equivalent_as_n_grows():
    from learning.ensemble import compare_ensembles

    small = compare_ensembles(feedforward((2, 2, 2), seed=0, bias_scale=0.3), 2.0)
    large = compare_ensembles(feedforward((32, 32, 32), seed=0, bias_scale=0.3), 2.0)
    # The canonical energy distribution narrows like N^{-1/2} (16x more neurons: ~4x).
    assert large.relative_energy_width < 0.4 * small.relative_energy_width
    # ... and the micro-canonical average approaches the canonical one.
    assert abs(large.difference) < abs(small.difference)
    assert abs(large.difference) < 4 * large.standard_error + 1e-3


# --- exact references -------------------------------------------------------------------
def _linear_net(seed=3, n=2):
    from learning.septuple import Septuple

    rng = np.random.default_rng(seed)
    return Septuple(0.4 * rng.normal(size=(n, n)), 0.3 * rng.normal(size=n), "linear", [0], [])


def _linear_window_closed_form(net, beta, m):
    # H = ½|Bx - b|² - (m/2)|x|², B = I - w, is exactly quadratic: with the window e^{-|x|²/2}
    # the integral of (5.8) is Gaussian, A = βBᵀB + (1 - βm)I, c = βBᵀb.
    n = net.n_neurons
    big_b = np.eye(n) - net.weights
    b = net.bias
    a = beta * big_b.T @ big_b + (1 - beta * m) * np.eye(n)
    c = beta * big_b.T @ b
    mu = np.linalg.solve(a, c)
    cov = np.linalg.inv(a)
    log_z = (0.5 * n * np.log(2 * np.pi) - 0.5 * np.linalg.slogdet(a)[1] + 0.5 * c @ mu
             - 0.5 * beta * b @ b)
    second = cov + np.outer(mu, mu)  # <x xᵀ>
    u = (0.5 * (np.trace(big_b.T @ big_b @ second) - 2 * b @ big_b @ mu + b @ b)
         - 0.5 * m * np.trace(second))
    return log_z, mu, u, log_z + beta * u + 0.5 * np.trace(second)


@pytest.mark.parametrize(("beta", "m"), [(0.8, 0.0), (2.5, 0.2), (1.0, -0.7)])
def test_windowed_exact_ensemble_matches_the_gaussian_closed_form(beta, m):
    net = _linear_net()
    ens = exact_canonical_ensemble(net, beta, m=m, window="gaussian")
    log_z, mu, u, s = _linear_window_closed_form(net, beta, m)
    # Gauss-Legendre on a Gaussian converges geometrically; the doubling stops at |Δ| <= 1e-10.
    assert ens.log_partition_function == pytest.approx(log_z, abs=1e-9)
    np.testing.assert_allclose(ens.mean_state, mu, atol=1e-9)
    assert ens.internal_energy == pytest.approx(u, abs=1e-9)
    assert ens.entropy == pytest.approx(s, abs=1e-9)
    assert ens.m == m and ens.window == "gaussian"
    assert np.exp(ens.log_probabilities).sum() == pytest.approx(1.0, abs=1e-12)


def test_windowed_monte_carlo_matches_the_gaussian_closed_form():
    net = _linear_net()
    mc = monte_carlo_partition_function(net, 1.5, n_samples=100_000, seed=2, m=0.2,
                                        window="gaussian")
    log_z, mu, _, _ = _linear_window_closed_form(net, 1.5, 0.2)
    # Unbiased in Z: 5 standard errors; the error bar itself must be honest (not huge).
    assert abs(mc.log_partition_function - log_z) < 5 * mc.standard_error
    assert mc.standard_error < 0.01
    np.testing.assert_allclose(mc.mean_state, mu, atol=0.03)
    assert 0.05 * mc.n_samples < mc.effective_sample_size <= mc.n_samples


def test_box_ensemble_matches_adaptive_quadrature_in_one_dimension():
    from scipy.integrate import quad

    from learning.septuple import Septuple

    net = Septuple(np.array([[0.8]]), np.array([0.3]), "tanh", [], [])
    beta, m = 3.0, 0.4
    h = lambda x: 0.5 * (x - np.tanh(0.8 * x + 0.3)) ** 2 - 0.5 * m * x * x  # noqa: E731
    z = quad(lambda x: np.exp(-beta * h(x)), -1, 1, epsabs=1e-14, epsrel=1e-13)[0]
    mean = quad(lambda x: x * np.exp(-beta * h(x)), -1, 1, epsabs=1e-14, epsrel=1e-13)[0] / z
    u = quad(lambda x: h(x) * np.exp(-beta * h(x)), -1, 1, epsabs=1e-14, epsrel=1e-13)[0] / z
    ens = exact_canonical_ensemble(net, beta, m=m)
    assert ens.log_partition_function == pytest.approx(np.log(z), abs=1e-10)
    assert ens.mean_state[0] == pytest.approx(mean, abs=1e-10)
    assert ens.internal_energy == pytest.approx(u, abs=1e-10)
    assert ens.entropy == pytest.approx(np.log(z) + beta * u, abs=1e-10)  # (7.1): -<log p>
    mc = monte_carlo_partition_function(net, beta, n_samples=50_000, seed=0, m=m)
    assert abs(mc.log_partition_function - np.log(z)) < 5 * mc.standard_error


def test_ensemble_refusals_name_the_argument():
    net = feedforward((1, 1, 1), seed=0)
    with pytest.raises(ValueError, match="n_chains"):
        canonical_samples(net, 1.0, n_chains=0)
    with pytest.raises(TypeError, match="n_chains"):
        canonical_samples(net, 1.0, n_chains=2.5)
    with pytest.raises(ValueError, match="burn_in"):
        canonical_samples(net, 1.0, n_steps=10, burn_in=10)
    with pytest.raises(MemoryError, match="n_chains"):
        canonical_samples(net, 1.0, n_chains=10**9)
    with pytest.raises(MemoryError, match="n_samples"):
        monte_carlo_partition_function(net, 1.0, n_samples=10**9)
    with pytest.raises(ValueError, match=r"max_nodes.*monte_carlo_partition_function"):
        exact_canonical_ensemble(net, 1.0, rtol=1e-30, max_nodes=1024)
    with pytest.raises(TypeError, match="beta"):
        exact_canonical_ensemble(net, "1.0")
    with pytest.raises(TypeError, match="septuple"):
        exact_canonical_ensemble([[1.0]], 1.0)
    with pytest.raises(ValueError, match="shell"):
        compare_ensembles(net, 1.0, shell=2.0)
    with pytest.raises(ValueError, match="n_alternatives"):
        maximum_entropy_check(net, 1.0, n_alternatives=0)
    one = maximum_entropy_check(feedforward((1, 1), seed=0), 1.0, n_alternatives=1)
    assert one.alternative_entropies.size <= 1  # one alternative is a valid request


def test_canonical_samples_keep_every_tenth_state_after_burn_in():
    net = feedforward((1, 1), seed=0)
    # States at t = burn_in, burn_in + 10, ... < n_steps: ceil((n_steps - burn_in)/10) a chain.
    for n_steps, burn_in, per_chain in ((100, 50, 5), (101, 50, 6), (60, 0, 6), (55, 50, 1)):
        xs = canonical_samples(net, 1.0, n_chains=3, n_steps=n_steps, burn_in=burn_in, seed=0)
        assert xs.shape == (3 * per_chain, net.n_neurons)
        assert np.all(np.abs(xs) < 1)  # inside the box (-1, 1)^N of tanh


def test_box_ensemble_of_an_asymmetric_range_matches_adaptive_quadrature():
    # The sigmoid's box is (0, 1), not centred at 0: the Gauss-Legendre nodes must be
    # mapped to (lo, hi) with the midpoint shift (tanh's (-1, 1) cannot tell). Reference:
    # scipy's adaptive quad in one dimension at 1e-13; the doubling stops at 1e-10.
    from scipy.integrate import quad

    from learning.septuple import Septuple

    net = Septuple(np.array([[1.5]]), np.array([-0.4]), "sigmoid", [], [])
    beta = 4.0

    def h(x):
        return 0.5 * (x - 1 / (1 + np.exp(-(1.5 * x - 0.4)))) ** 2

    z = quad(lambda x: np.exp(-beta * h(x)), 0, 1, epsabs=1e-14, epsrel=1e-13)[0]
    mean = quad(lambda x: x * np.exp(-beta * h(x)), 0, 1, epsabs=1e-14, epsrel=1e-13)[0] / z
    ens = exact_canonical_ensemble(net, beta)
    assert ens.log_partition_function == pytest.approx(np.log(z), abs=1e-10)
    assert ens.mean_state[0] == pytest.approx(mean, abs=1e-10)
    assert np.all((ens.nodes > 0) & (ens.nodes < 1))


def test_monte_carlo_error_bar_matches_the_scatter_over_seeds():
    # The delta-method standard error must describe the actual scatter of log Z over
    # independent seeds: 40 replicas of 4000 samples (1-D box, β = 50, where the weights
    # e^{-βH} vary by orders of magnitude: mean/max ≈ 0.3). The sample sd of 40 values has a
    # relative error ~ 1/sqrt(78) ≈ 11%; a factor 1.4 either way is > 3 of those.
    from learning.septuple import Septuple

    net = Septuple(np.array([[0.8]]), np.array([0.3]), "tanh", [], [])
    runs = [monte_carlo_partition_function(net, 50.0, n_samples=4000, seed=s) for s in range(40)]
    scatter = np.std([r.log_partition_function for r in runs], ddof=1)
    reported = np.mean([r.standard_error for r in runs])
    assert 1 / 1.4 < reported / scatter < 1.4


def test_monte_carlo_stays_finite_where_exp_of_minus_beta_h_overflows():
    # With m > 0 the loss is negative near x = ±1 and -βH reaches ~+360 at β = 2000: e^{-βH}
    # overflows a float (beyond e^709) unless the weights are rescaled by their maximum.
    from learning.septuple import Septuple

    net = Septuple(np.array([[0.8]]), np.array([0.3]), "tanh", [], [])
    beta, m = 2000.0, 0.4
    mc = monte_carlo_partition_function(net, beta, n_samples=20_000, seed=0, m=m)
    assert np.isfinite(mc.standard_error) and np.isfinite(mc.mean_state).all()
    assert 1 <= mc.effective_sample_size <= mc.n_samples


def test_results_are_frozen_and_refusals_quote_the_offending_value():
    from learning.ensemble import (
        CanonicalEnsemble,
        EnsembleComparison,
        MaximumEntropyCheck,
        MonteCarloPartition,
    )

    for cls in (CanonicalEnsemble, MonteCarloPartition, MaximumEntropyCheck, EnsembleComparison):
        result = cls(*range(len(dataclasses.fields(cls))))
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.window = "box"
    # β·m = 1.5 (β/m would be 2.67): the message gives the product that violates 1 - βm > 0.
    with pytest.raises(ValueError, match=r"got beta\*m = 1\.5"):
        exact_canonical_ensemble(feedforward((1, 1), seed=0), 2.0, m=0.75, window="gaussian")


def test_maximum_entropy_check_below_beta_one_and_in_the_equality_case():
    net = feedforward((1, 1, 1), seed=1, bias_scale=0.3)
    # β < 1: the bracket for β' must still contain β (the canonical point) itself.
    low = maximum_entropy_check(net, 0.5, n_alternatives=6)
    assert low.holds and low.alternative_entropies.size == 6
    assert np.all(low.alternative_entropies < low.canonical_entropy)
    # φ of size 1e-13: each alternative is the canonical distribution up to round-off, so
    # Gibbs' inequality holds with equality (entropies equal to ~1e-15): no violation.
    same = maximum_entropy_check(feedforward((1, 1), seed=0), 1.0, n_alternatives=3,
                                 strength=1e-13)
    np.testing.assert_allclose(same.alternative_entropies, same.canonical_entropy, atol=1e-12)
    assert same.holds


def test_default_node_limit_is_the_largest_grid_within_memory():
    # The docstring's limits: 256 nodes a dimension for N = 3 ((3N + 4) 8-byte floats a
    # point: 1.7 GB of the 2.1 GB limit), 512 (the cap) for N <= 2.
    with pytest.raises(ValueError, match="max_nodes <= 256 fits"):
        exact_canonical_ensemble(feedforward((1, 1, 1), seed=0), 1.0, max_nodes=1024)
    with pytest.raises(ValueError, match="max_nodes <= 512 fits"):
        exact_canonical_ensemble(feedforward((1, 1), seed=0), 1.0, max_nodes=32768)


def test_shell_average_error_bar_matches_the_scatter_over_seeds():
    # The standard error of the micro-canonical (shell) average must describe its scatter
    # over independent seeds (64 independent chains, every 10th state kept: nearly
    # uncorrelated samples). 20 seeds: the sample sd has a relative error ~ 1/sqrt(38) ≈ 16%;
    # a factor 1.6 either way is ~3 of those (measured ratio ≈ 0.9).
    net = feedforward((2, 2, 2), seed=0, bias_scale=0.3)
    runs = [compare_ensembles(net, 2.0, seed=s, n_chains=64, n_steps=1200, burn_in=200,
                              shell=0.1) for s in range(20)]
    scatter = np.std([r.microcanonical_observable for r in runs], ddof=1)
    reported = np.mean([r.standard_error for r in runs])
    assert 1 / 1.6 < reported / scatter < 1.6


def test_canonical_samples_memory_estimate_is_the_size_of_the_result(monkeypatch):
    # The refusal must fit what is returned: with the limit at exactly the result's size the
    # call runs, one byte below it is refused (the estimate counts every 10th state after
    # burn-in, as the result keeps them; an estimate off by a thinning of 11 would pass).
    import ntcore.limits as limits
    from learning.ensemble import canonical_samples

    net = feedforward((3, 2, 2), seed=0)
    kwargs = {"n_chains": 3, "n_steps": 95, "burn_in": 20, "seed": 0}
    size = canonical_samples(net, 1.0, **kwargs).nbytes
    monkeypatch.setattr(limits, "ALLOCATION_LIMIT_BYTES", size)
    assert canonical_samples(net, 1.0, **kwargs).nbytes == size
    monkeypatch.setattr(limits, "ALLOCATION_LIMIT_BYTES", size - 1)
    with pytest.raises(ValueError, match="n_chains"):
        canonical_samples(net, 1.0, **kwargs)


def test_quadrature_short_of_rtol_reports_its_accuracy_when_not_strict():
    # Issue 25: partition-table crashed on a quadrature 4.7e-9 short of rtol = 1e-10.
    from learning.ensemble import exact_canonical_ensemble
    from learning.feedforward import feedforward

    net = feedforward((1, 1), seed=0)
    with pytest.raises(ValueError, match="strict=False"):
        exact_canonical_ensemble(net, 1.0, rtol=1e-30, max_nodes=32)
    ens = exact_canonical_ensemble(net, 1.0, rtol=1e-30, max_nodes=32, strict=False)
    # The same 32-node rule, stopped by a tolerance it meets: same log Z, same change.
    ref = exact_canonical_ensemble(net, 1.0, rtol=1.0, max_nodes=32)
    assert ref.converged and not ens.converged and ens.n_nodes == ref.n_nodes == 32
    assert ens.log_partition_function == ref.log_partition_function
    assert ens.error_estimate == ref.error_estimate > 1e-30
