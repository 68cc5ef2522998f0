"""Known-answer tests of the laws of learning (7.6), (7.10)-(7.11).

Each sequence of states is built so that the answer is known in closed form: spectra that
move so that S must fall or rise, and a path along which (7.11) holds exactly. The tests
assert the sign and the value of every residual, so that flipping the sign of the dC term
of ``first_law_check`` or reversing the inequality of ``second_law_check`` fails them.
"""

import numpy as np
import pytest
from scipy import stats

from learning.architecture import two_level_extrema
from learning.laws import (
    beta_from_gap_two_level,
    entropy_along,
    first_law_increments,
    fit_first_law,
    monotonicity,
)
from learning.spectrum import spectrum_from_eigenvalues
from learning.thermodynamics import first_law_check, gaussian_thermodynamics, second_law_check

LAMBDA0 = np.array([6.0, 2.5, 1.0, 0.4, 0.1])


def _reference_entropy(lam, beta):
    """S of (7.1) by an independent route: the differential entropy of the normalised
    Gaussian exp(-β xᵀGx/2 - xᵀx/2)/Z (scipy) minus the window term <xᵀx>/2."""
    var = 1.0 / (1.0 + beta * np.asarray(lam))
    h = stats.multivariate_normal(mean=np.zeros(var.size), cov=np.diag(var)).entropy()
    return float(h - 0.5 * var.sum())


def test_entropy_matches_the_differential_entropy_of_the_gaussian():
    for beta in (0.3, 1.0, 4.0):
        assert entropy_along([LAMBDA0], beta)[0] == pytest.approx(
            _reference_entropy(LAMBDA0, beta), abs=1e-12)  # both O(1): round-off only


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_second_law_holds_when_every_eigenvalue_grows(beta):
    # dS/dλ = -β²λ/(2(1+βλ)²) < 0 for each eigenvalue: S must fall at every step.
    spectra = [spectrum_from_eigenvalues(LAMBDA0 * np.exp(0.4 * k)) for k in range(5)]
    check = second_law_check(spectra, beta)
    expected = np.diff([_reference_entropy(LAMBDA0 * np.exp(0.4 * k), beta) for k in range(5)])
    assert np.all(expected < -1e-3)  # a definite fall, far above round-off
    np.testing.assert_allclose(check.residuals, expected, rtol=1e-10, atol=1e-12)
    assert check.holds


def test_second_law_fails_when_every_eigenvalue_shrinks():
    spectra = [spectrum_from_eigenvalues(LAMBDA0 * np.exp(-0.4 * k)) for k in range(4)]
    check = second_law_check(spectra, 1.0)
    expected = np.diff([_reference_entropy(LAMBDA0 * np.exp(-0.4 * k), 1.0) for k in range(4)])
    assert np.all(expected > 1e-3)
    np.testing.assert_allclose(check.residuals, expected, rtol=1e-10, atol=1e-12)
    assert not check.holds


def test_second_law_with_rising_beta_at_a_fixed_spectrum():
    # dS/dβ = β dU/dβ < 0: cooling alone lowers S.
    s = spectrum_from_eigenvalues(LAMBDA0)
    betas = [0.5, 1.0, 2.0]
    check = second_law_check([s, s, s], betas)
    expected = np.diff([_reference_entropy(LAMBDA0, b) for b in betas])
    assert np.all(expected < 0)
    np.testing.assert_allclose(check.residuals, expected, rtol=1e-10)
    assert check.holds
    assert not second_law_check([s, s, s], betas[::-1]).holds


def _u(lam, beta):
    return lam / (1.0 + beta * lam)  # 2 x the Gaussian U (6.1) per eigenvalue, m = 0


def test_first_law_residual_has_the_closed_form_value():
    # One large eigenvalue grows (N_> fixed at β = 1): ΔS_0 = 0, ΔC = -½ log(λ'/λ), and
    # ΔU = ½ [u(λ') - u(λ)]; residual ΔU - T ΔS_0 - T ΔC = ½Δu + ½ log(λ'/λ) > 0.
    beta = 1.0
    lam1 = LAMBDA0.copy()
    lam1[0] = 9.0
    check = first_law_check([spectrum_from_eigenvalues(LAMBDA0),
                             spectrum_from_eigenvalues(lam1)], beta)
    expected = 0.5 * (_u(9.0, beta) - _u(6.0, beta)) + 0.5 * np.log(9.0 / 6.0) / beta
    assert expected > 0.2
    assert check.residuals[0] == pytest.approx(expected, rel=1e-12)
    assert not check.holds


@pytest.mark.parametrize("beta", [0.8, 1.0, 1.25])
def test_first_law_holds_exactly_on_a_constructed_path(beta):
    # A large eigenvalue grows by 10% per step; a small one (below 1/β) shrinks so that its
    # change of U cancels ΔU - T ΔC of the large one: u(λ_s') = u(λ_s) - [Δu_L + T log r],
    # λ_s' = u/(1 - βu).  N_> is unchanged, so ΔS_0 = 0 and (7.11) holds exactly.
    lam = np.array([6.0, 2.5, 0.7 / beta, 0.4, 0.1])
    path = [lam.copy()]
    for _ in range(3):
        new = path[-1].copy()
        new[0] *= 1.1
        target = _u(new[2], beta) - (_u(new[0], beta) - _u(path[-1][0], beta)) \
            - np.log(1.1) / beta
        assert 0 < target < 1 / beta
        new[2] = target / (1 - beta * target)
        path.append(new)
    spectra = [spectrum_from_eigenvalues(p) for p in path]
    check = first_law_check(spectra, beta, tolerance=1e-12)
    np.testing.assert_allclose(check.residuals, 0.0, atol=1e-12)  # sums of O(1) terms
    assert check.holds
    # The bracket of (7.11) on the same path: T(ΔS_0 + ΔC) = -½ T log 1.1 at each step.
    np.testing.assert_allclose(first_law_increments(spectra, beta), -0.5 * np.log(1.1),
                               rtol=1e-12)


def test_exact_gaussian_first_law_along_equal_free_energy_path():
    # F = U - TS exactly (6.4), (7.1): along states with the same F at fixed T, ΔU = T ΔS.
    beta = 1.5
    a, b = 2.0, 0.3
    prod = (1 + beta * a) * (1 + beta * b)  # F = -(N/2β) log 2π + (1/2β) Σ log(1 + βλ)
    prev = None
    for a_k in (2.0, 2.5, 3.0):
        b_k = (prod / (1 + beta * a_k) - 1) / beta
        t = gaussian_thermodynamics([a_k, b_k, 1.0], beta)
        if prev is not None:
            assert t.free_energy == pytest.approx(prev.free_energy, abs=1e-13)
            du, ds = t.internal_energy - prev.internal_energy, t.entropy - prev.entropy
            assert abs(du) > 1e-2
            assert du == pytest.approx(ds / beta, abs=1e-12)
        prev = t


def test_fit_first_law_against_scipy_linregress_on_mirrored_data():
    # Through-origin least squares equals linregress on {(x, y), (-x, -y)} (mean zero):
    # same slope, and that regression's standard error is ours / √2 (doubled sums, 2n - 2 dof).
    rng = np.random.default_rng(3)
    x = rng.normal(size=12)
    y = 0.7 * x + 0.05 * rng.normal(size=12)
    fit = fit_first_law(y, x)
    ref = stats.linregress(np.r_[x, -x], np.r_[y, -y])
    assert fit.temperature == pytest.approx(ref.slope, rel=1e-12)
    se = np.sqrt(2) * ref.stderr
    assert fit.ci_half_width == pytest.approx(stats.t.ppf(0.975, 11) * se, rel=1e-10)
    assert fit.ci_low < 0.7 < fit.ci_high
    assert 0.9 < fit.r2 <= 1


def test_fit_first_law_status_and_errors():
    assert fit_first_law([1.0, 2.0], [1.0, 2.0]).status == "too_few_points"
    assert fit_first_law([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]).status == "degenerate"
    with pytest.raises(ValueError, match="differ in length"):
        fit_first_law([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="confidence"):
        fit_first_law([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], confidence=1.5)


def test_monotonicity_locates_rises():
    m = monotonicity([5.0, 4.0, 4.5, 3.0, 3.2])
    assert m.rising_steps == (1, 3)
    assert m.max_rise == pytest.approx(0.5)
    assert m.total_rise == pytest.approx(0.7)
    assert m.relative_max_rise == pytest.approx(0.25)
    assert monotonicity([3.0, 2.0, 2.0]).non_increasing
    assert monotonicity([1.0, 1.0 + 1e-12], tolerance=1e-9).non_increasing
    with pytest.raises(ValueError, match="at least two"):
        monotonicity([1.0])
    with pytest.raises(ValueError, match="betas"):
        entropy_along([[1.0], [2.0]], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("beta", [0.55, 0.7, 0.9])
def test_beta_from_gap_inverts_the_computed_maximum_of_9_3(beta):
    ext = two_level_extrema(beta)  # Brent's method on the derivative of (9.3)
    below = [p for p, k in zip(ext.positions, ext.kinds, strict=True) if k == "max" and p < 0]
    assert len(below) == 1
    assert beta_from_gap_two_level(below[0]) == pytest.approx(beta, rel=1e-9)
