"""Sections 8-9 numbers against independent references: dense spectra, quadrature, closed forms."""

import numpy as np
import pytest
from scipy.integrate import quad

from learning.architecture import (
    entropy_density_log_ratio,
    entropy_density_log_ratio_paper,
    laplacian_free_energy,
    odd_trace_moments,
    paper_extremum_9_4,
    two_level_extrema,
    two_level_minus_laplacian,
    two_level_phase,
)
from learning.spectrum import spectrum_from_eigenvalues


@pytest.mark.parametrize(("gamma", "n_neurons"), [(1 / 3, 9), (0.25, 8), (0.6, 10)])
def test_two_level_9_3_is_minus_the_laplacian_8_10_of_its_spectrum(gamma, n_neurons):
    # Build the two-level spectrum of (9.2) explicitly (γN eigenvalues at λ, the rest at
    # λ^{γ/(γ-1)}) and take ΔF from (8.10) on it: the two functions share no code path.
    for log_lam in (-3.0, -0.4, 0.0, 1.1, 5.0):
        for beta in (0.2, 0.73, 4.0):
            n_low = round(gamma * n_neurons)
            lam = np.r_[np.full(n_low, np.exp(log_lam)),
                        np.full(n_neurons - n_low, np.exp(log_lam * gamma / (gamma - 1)))]
            assert np.sum(np.log(lam)) == pytest.approx(0.0, abs=1e-12)  # det G = 1 (9.2)
            expected = -laplacian_free_energy(lam, beta)
            got = two_level_minus_laplacian([log_lam], beta, gamma, n_neurons)[0]
            assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("gamma", [0.2, 1 / 3, 0.45, 0.7])
@pytest.mark.parametrize("beta", [0.3, 0.6, 0.9, 1.5])
def test_two_level_extrema_are_critical_points_of_the_right_kind(gamma, beta):
    ext = two_level_extrema(beta, gamma, n=50)
    f = lambda x: two_level_minus_laplacian(np.atleast_1d(x), beta, gamma, 50)  # noqa: E731
    assert np.any(np.abs(ext.positions) < 1e-10)  # log λ = 0 is always critical (det G = 1)
    for x, kind, value in zip(ext.positions, ext.kinds, ext.values, strict=True):
        h = 1e-3
        # Central differences: the slope is O(h²) ~ 1e-6 relative at a critical point; the
        # curvature's sign decides min/max (|f''| > 1e-4 f here, far above round-off).
        slope = (f(x + h) - f(x - h))[0] / (2 * h)
        curvature = (f(x + h) - 2 * f(x) + f(x - h))[0] / h**2
        assert abs(slope) < 1e-5 * abs(value)
        assert kind == ("min" if curvature > 0 else "max")
        assert value == pytest.approx(f(x)[0], rel=1e-14)
    # Between consecutive extrema the kinds alternate.
    assert all(a != b for a, b in zip(ext.kinds, ext.kinds[1:], strict=False))


def test_two_level_closed_form_for_gamma_one_third_and_the_paper_9_4():
    ext = two_level_extrema(0.25)
    assert ext.exact_gamma_third == pytest.approx(2 * np.log(3.0), rel=1e-15)  # 2 log((1-β)/β)
    np.testing.assert_allclose(ext.positions, [0.0, 2 * np.log(3.0)], atol=1e-9)
    assert ext.kinds == ("max", "min")
    assert np.isnan(two_level_extrema(1.5).exact_gamma_third)
    assert np.isnan(two_level_extrema(0.25, gamma=0.3).exact_gamma_third)
    # (9.4) at β = ¼: 3 log(-½ + √(17)/2), by hand.
    assert paper_extremum_9_4(0.25) == pytest.approx(3 * np.log((np.sqrt(17) - 1) / 2),
                                                     rel=1e-15)


@pytest.mark.parametrize(("beta", "phase"), [
    (0.49, "initial"), (0.51, "intermediate"), (0.99, "intermediate"), (1.01, "final"),
    (0.1, "initial"), (30.0, "final")])
def test_two_level_phase_boundaries_are_half_and_one_for_gamma_one_third(beta, phase):
    assert two_level_phase(beta) == phase


def test_entropy_density_solution_against_quadrature_on_both_branches():
    # βλ straddles 1e-3, where K switches from the closed form to its series.
    lam = np.array([0.0, 1e-7, 3e-4, 9e-4, 2e-3, 0.5, 40.0])
    alpha = 1.3
    for beta0, beta in ((0.0, 1.0), (0.5, 2.0), (0.1, 0.4)):
        integrand = lambda b: alpha * laplacian_free_energy(lam, b)  # noqa: E731
        ref, err = quad(integrand, beta0, beta, epsabs=1e-14, epsrel=1e-13)
        # quad's error estimate is < 1e-13; the series is truncated at x³ (x < 1e-3): 1e-12.
        assert entropy_density_log_ratio(lam, beta, alpha, beta0) == pytest.approx(ref,
                                                                                   rel=1e-10)


def test_entropy_density_paper_8_11_value():
    # -(α/2) Σ (1 + βλ)^{-2} for λ = (0, 1), β = 1, α = 2: -(1 + 1/4).
    assert entropy_density_log_ratio_paper([0.0, 1.0], 1.0, 2.0) == pytest.approx(-1.25,
                                                                                  rel=1e-15)


def test_laplacian_free_energy_value():
    # -(β/2) Σ (1 + βλ)^{-2}, λ = (0, 1, 3), β = 2: -(1)(1 + 1/9 + 1/49).
    assert laplacian_free_energy([0.0, 1.0, 3.0], 2.0) == pytest.approx(
        -(1 + 1 / 9 + 1 / 49), rel=1e-15)


def test_odd_trace_moments_against_the_eigenvalues():
    lam = np.exp(np.array([2.0, 0.5, -0.3, -1.7]))
    moments = odd_trace_moments(spectrum_from_eigenvalues(lam), max_order=5)
    assert sorted(moments) == [1, 3, 5]
    for k, v in moments.items():
        assert v == pytest.approx(np.sum(np.log(lam) ** k), rel=1e-12, abs=1e-12)


def test_architecture_refusals():
    with pytest.raises(ValueError, match="resolution"):
        two_level_extrema(0.5, resolution=10**10)
    with pytest.raises(TypeError, match="resolution"):
        two_level_extrema(0.5, resolution=2.5)
    with pytest.raises(ValueError, match="window"):
        two_level_extrema(0.5, window=(3.0, -3.0))
    with pytest.raises(ValueError, match="max_order"):
        odd_trace_moments(spectrum_from_eigenvalues([1.0]), max_order=0)
    with pytest.raises(ValueError, match="alpha"):
        entropy_density_log_ratio([1.0], 1.0, float("nan"))


def test_figure1_marks_the_computed_extrema_and_the_paper_positions(tmp_path):
    from learning.architecture import figure1

    out = figure1(tmp_path / "f.png", betas=(0.25, 0.73, 2.0), window=(-4.0, 4.0))
    assert (tmp_path / "f.png").stat().st_size > 10_000
    assert sorted(out) == [0.25, 0.73, 2.0]
    for beta, ext in out.items():
        reference = two_level_extrema(beta)
        np.testing.assert_allclose(ext.positions, reference.positions, atol=1e-12)
        assert ext.kinds == reference.kinds
    with pytest.raises(ValueError, match="betas"):
        figure1(tmp_path / "g.png", betas=())
