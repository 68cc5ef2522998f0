"""S, S_0, C with log Z of (5.11) and (5.14); the <x> components; the readings of the laws.

References are independent of the code under test: dense eigenvectors of the N x N G, the
entropy as log Z - β d(log Z)/dβ by a central difference, Cook's distance by refitting.
"""

import numpy as np
import pytest

from learning import feedforward
from learning.experiments.depth_study import effective_dynamical_count
from learning.laws import (
    first_law_leverage,
    fit_first_law,
    transient_end,
    trend,
)
from learning.spectrum import g_operator, spectrum_from_eigenvalues
from learning.thermodynamics import (
    MeanComponents,
    entropy_split,
    log_partition_function,
    structured_mean_components,
)


def test_structured_components_match_dense_eigenvectors():
    net = feedforward((30, 6, 4, 3), seed=2)
    x = np.random.default_rng(0).uniform(-0.9, 0.9, net.n_neurons)
    mc = structured_mean_components(net, x)
    lam, vec = np.linalg.eigh(g_operator(net, x))
    a = vec.T @ x
    unit = np.abs(lam - 1) < 1e-9  # G = I outside S: only the norm there is defined
    assert mc.dynamical.size == 6 + 4 + 3 + 6
    np.testing.assert_allclose(mc.outside_norm2, np.sum(a[unit] ** 2), rtol=1e-9)
    for beta in (0.3, 1.0, 2.5):
        # Σ g(λ_i) a_i² of (5.11) is basis-free: compare the whole log Z.
        dense = log_partition_function(lam, beta, mean_components=a)
        mine = log_partition_function(*mc.eigenvalues_and_components()[:1], beta,
                                      mean_components=mc.eigenvalues_and_components()[1])
        assert mine == pytest.approx(dense, rel=1e-12)
    assert mc.norm2 == pytest.approx(x @ x, rel=1e-12)


def _log_z(lam, a2, beta):
    return float(np.sum(0.5 * np.log(2 * np.pi) - 0.5 * np.log(1 + beta * lam)
                        - 0.5 * beta * lam * a2 / (1 + beta * lam)))


@pytest.mark.parametrize("beta", [0.4, 1.0, 3.0])
def test_entropy_split_against_a_finite_difference_of_log_z(beta):
    lam = np.array([40.0, 9.0, 2.5, 1.0, 0.3, 0.01])
    a = np.array([1.5, -0.7, 0.2, 0.0, 2.0, 3.0])
    mc = MeanComponents(lam, a, 0.0, lam.size)
    sp = spectrum_from_eigenvalues(lam)
    h = 1e-5 * beta
    for comps, a2 in ((mc, a**2), (None, np.zeros_like(a))):
        d = (_log_z(lam, a2, beta + h) - _log_z(lam, a2, beta - h)) / (2 * h)
        s_ref = _log_z(lam, a2, beta) - beta * d  # S = log Z + βU, U = -d log Z/dβ
        e = entropy_split(sp, beta, comps)
        assert e.entropy == pytest.approx(s_ref, rel=1e-8)
        assert e.entropy == pytest.approx(e.thermodynamic_entropy + e.complexity, rel=1e-13)
    # the <x> term alone, written out: -½ Σ a_i² (βλ_i)²/(1 + βλ_i)²
    x = beta * lam / (1 + beta * lam)
    assert entropy_split(sp, beta, mc).mean_term == pytest.approx(-0.5 * np.sum(a**2 * x**2))
    # S_0 (7.4) and C (6.7) as printed, and the window's remainder of (5.14)
    e = entropy_split(sp, beta)
    big = lam > 1 / beta
    assert e.thermodynamic_entropy == pytest.approx(0.5 * big.sum() * (1 - np.log(beta)))
    assert e.complexity_split == pytest.approx(-0.5 * np.log(lam[big]).sum()
                                               + 0.5 * lam.size * np.log(2 * np.pi))
    assert e.window_term == pytest.approx(
        e.entropy - e.thermodynamic_entropy - e.complexity_split, abs=1e-12)


def test_entropy_split_refuses_components_of_another_spectrum():
    mc = MeanComponents(np.array([2.0, 0.5]), np.array([1.0, 1.0]), 0.0, 2)
    with pytest.raises(ValueError, match="components"):
        entropy_split(spectrum_from_eigenvalues([3.0, 0.5]), 1.0, mc)


def test_premise_of_5_14():
    small = MeanComponents(np.array([2.0, 0.5]), np.array([0.1, -0.2]), 0.05, 5)
    assert small.premise_holds and small.max_component2 == pytest.approx(0.05)
    # the norm outside S counts as one a_i² (a basis of that eigenspace can carry all of it)
    big = MeanComponents(np.array([2.0, 0.5]), np.array([0.1, -0.2]), 3.0, 5)
    assert not big.premise_holds and big.max_component2 == 3.0
    assert big.norm2 == pytest.approx(0.01 + 0.04 + 3.0)


def test_transient_end_is_half_the_fall():
    # Half of the fall 1.0 -> 0.4 is reached at 0.7 (index 1); "half of the first value",
    # 0.5, would be index 3: a wrong rule fails here.
    assert transient_end([1.0, 0.7, 0.6, 0.5, 0.45, 0.42, 0.4]) == 1
    assert transient_end([1.0, 0.9, 0.8, 0.75, 0.6, 0.5, 0.4]) == 4
    assert transient_end([0.3, 0.4, 0.5]) == 0  # never falls
    with pytest.raises(ValueError, match="boundary_losses"):
        transient_end([])


def test_trend_reads_after_start_only():
    values = [0.0, 5.0, 4.0, 3.5, 2.0, 1.0]
    t_all, t_after = trend(range(6), values), trend(range(6), values, start=1)
    assert t_after.correlation.rho == pytest.approx(-1.0) and t_after.p_value < 0.05
    assert t_all.correlation.rho > -1.0
    assert t_after.correlation.high < 0 < t_all.correlation.high
    assert trend(range(6), values, start=3).status == "too_few_points"
    assert trend(range(5), [1.0] * 5).status == "constant"


def test_leverage_one_point_makes_the_slope():
    rng = np.random.default_rng(1)
    x = np.r_[rng.uniform(-1, 1, 8), 12.0]
    y = np.r_[0.05 * rng.standard_normal(8), 6.0]  # no slope, but the last point says 0.5
    lev = first_law_leverage(y, x)
    assert lev.influential == (8,) and lev.most_influential == 8
    fit = fit_first_law(y, x)
    for i in range(x.size):  # refit without each point: the leave-one-out slopes
        keep = np.arange(x.size) != i
        t_i = fit_first_law(y[keep], x[keep]).temperature
        assert lev.loo_slopes[i] == pytest.approx(t_i, rel=1e-10)
        s2 = np.sum((y - fit.temperature * x) ** 2) / (x.size - 1)
        assert lev.cooks_distance[i] == pytest.approx(
            (fit.temperature - t_i) ** 2 * (x @ x) / s2, rel=1e-9)
    assert abs(lev.loo_slopes[8]) < 0.1 < fit.temperature


def test_effective_count_threshold():
    logs = np.r_[np.full(7, 3e-9), -np.logspace(-3, 1, 20), np.logspace(-3, 0.5, 10)]
    assert effective_dynamical_count(logs) == 30
    assert effective_dynamical_count(logs, threshold=1e-2) < 30
    with pytest.raises(ValueError, match="threshold"):
        effective_dynamical_count(logs, threshold=2.0)
