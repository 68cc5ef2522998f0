"""Thermodynamic identities of Sections 5-8 as property tests, and the paper's claims."""

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.special import logsumexp

from learning.architecture import (
    entropy_density_log_ratio,
    entropy_density_log_ratio_paper,
    laplacian_free_energy,
    paper_extremum_9_4,
    two_level_extrema,
    two_level_minus_laplacian,
    two_level_phase,
)
from learning.spectrum import spectrum_from_eigenvalues
from learning.testing import eigenvalue_spectra, inverse_temperatures, spectra
from learning.thermodynamics import (
    complexity_n,
    decomposition,
    first_law_check,
    gaussian_thermodynamics,
    second_law_check,
    thermodynamic_entropy,
    thermodynamic_free_energy,
)

H = 1e-6  # central-difference step in log β


def _d_dbeta(fn, beta):
    # Derivative in β by central differences in log β: truncation O(h²) ~ 1e-12 relative,
    # round-off O(eps/h) ~ 1e-10 relative to the function's size.
    return (fn(beta * np.exp(H)) - fn(beta * np.exp(-H))) / (beta * 2 * np.sinh(H))


@given(s=eigenvalue_spectra(), beta=inverse_temperatures(1e-2, 1e2),
       m=st.floats(-1, 1), with_mean=st.booleans(), seed=st.integers(0, 1000))
@example(s=spectrum_from_eigenvalues(np.exp([-6.0])), beta=1.2252256118773075, m=0.81640625,
         with_mean=False, seed=0)  # near the pole x = 1 - βm + βλ = 2.7e-3
def test_internal_energy_entropy_free_energy_identities(s, beta, m, with_mean, seed):
    assume(np.all(1 - beta * m + beta * s.eigenvalues > 1e-3))
    a = np.random.default_rng(seed).normal(size=s.eigenvalues.size) if with_mean else None
    t = gaussian_thermodynamics(s, beta, m, a)

    def log_z(b):
        return gaussian_thermodynamics(s, b, m, a).log_partition_function

    def f(b):
        return gaussian_thermodynamics(s, b, m, a).free_energy

    scale = 1 + abs(t.log_partition_function) + abs(beta * t.internal_energy)
    # U = -∂ log Z/∂β (6.1)
    assert t.internal_energy == pytest.approx(-_d_dbeta(log_z, beta), abs=1e-6 * scale / beta)
    # S = β² ∂F/∂β (7.1): the code forms S as log Z + βU, this differentiates F = -log Z/β.
    assert t.entropy == pytest.approx(beta**2 * _d_dbeta(f, beta), abs=1e-6 * scale)
    # ∂U/∂β = -∂² log Z/∂β² by a second difference of the analytic U (h² truncation). Near a
    # pole of U (x_i = 1 - βm + βλ_i -> 0) the step moves x_i by β h |λ_i - m|, and the
    # relative truncation error of the difference is ~ (β h |λ_i - m| / x_i)², not 1e-12:
    # hypothesis found x = 2.7e-3, where it is 1.4e-7 of |∂U/∂β| = 4.4e4.
    x = 1 - beta * m + beta * s.eigenvalues
    truncation = float(np.max((beta * H * np.abs(s.eigenvalues - m) / x) ** 2))
    dudb = _d_dbeta(lambda b: gaussian_thermodynamics(s, b, m, a).internal_energy, beta)
    assert t.heat_capacity_term == pytest.approx(dudb, rel=10 * truncation,
                                                 abs=1e-5 * scale / beta**2)


# --- (5.9)/(5.11) against the Gaussian integral itself, by tensor quadrature -------------
# A dense, non-diagonal G (N = 2), m != 0 and <x> != 0: the integrand of the second line of
# (5.9), exp(-β/2 (x-<x>)ᵀG(x-<x>) - (1-βm)/2 xᵀx), on a 240 x 240 Gauss-Legendre grid over
# [-14, 14]².  The integrand is an entire Gaussian of width <= 1.3 centred within 1 of the
# origin, so the rule converges to round-off (checked: 160 nodes agree to 1e-14) and the
# tails beyond |x| = 14 carry < e^{-50}.  Its moments give U = <H> and ∂U/∂β = -Var(H).
G_DENSE = np.array([[1.7, -0.6], [-0.6, 0.9]])


def _quadrature_thermodynamics(g, x_mean, beta, m, n=240, half_width=14.0):
    t, w = np.polynomial.legendre.leggauss(n)
    x1, lw1 = half_width * t, np.log(w * half_width)
    xx = np.stack(np.meshgrid(x1, x1, indexing="ij"), axis=-1).reshape(-1, 2)
    log_w = (lw1[:, None] + lw1[None, :]).ravel()
    d = xx - x_mean
    h = 0.5 * np.einsum("ki,ij,kj->k", d, g, d) - 0.5 * m * np.sum(xx * xx, axis=1)  # (5.5)
    log_integrand = log_w - beta * h - 0.5 * np.sum(xx * xx, axis=1)  # window of (5.8)
    log_z = logsumexp(log_integrand)
    p = np.exp(log_integrand - log_z)
    u = p @ h
    return log_z, u, -(p @ (h - u) ** 2)


def _eigen_inputs(g, x_mean):
    lam, vec = np.linalg.eigh(g)
    return lam, vec.T @ x_mean  # a_i of (5.12)


@pytest.mark.parametrize(("beta", "m", "x_mean"), [
    (1.5, 0.3, np.array([0.03, -0.02])),   # small <x>: the <x> term is ~1e-3 of log Z
    (0.7, -0.4, np.array([0.6, 0.35])),    # large <x>
    (2.0, 0.45, np.array([-0.25, 0.4])),   # 1 - βm = 0.1: the (1 - βm) factor matters
])
def test_5_11_with_mass_and_mean_matches_the_gaussian_integral(beta, m, x_mean):
    lam, a = _eigen_inputs(G_DENSE, x_mean)
    t = gaussian_thermodynamics(lam, beta, m, a)
    log_z, u, dudb = _quadrature_thermodynamics(G_DENSE, x_mean, beta, m)
    # Round-off of a 57 600-term log-sum-exp and of the moments: ~1e-13; 1e-10 leaves margin
    # and is far below the <x> term (>= 1e-4 in the first case).
    assert t.log_partition_function == pytest.approx(log_z, abs=1e-10)
    assert t.internal_energy == pytest.approx(u, abs=1e-10)
    assert t.heat_capacity_term == pytest.approx(dudb, abs=1e-10)
    assert t.free_energy == pytest.approx(-log_z / beta, abs=1e-10)
    # The (5.14) form without the <x> term is the same integral with <x> = 0 ...
    log_z0, u0, dudb0 = _quadrature_thermodynamics(G_DENSE, np.zeros(2), beta, m)
    t0 = gaussian_thermodynamics(lam, beta, m)
    assert t0.log_partition_function == pytest.approx(log_z0, abs=1e-10)
    assert t0.internal_energy == pytest.approx(u0, abs=1e-10)
    assert t0.heat_capacity_term == pytest.approx(dudb0, abs=1e-10)
    # ... so the <x> term's contribution to each quantity, sign included, is measured too.
    assert abs(log_z - log_z0) > 1e-4
    assert (t.log_partition_function - t0.log_partition_function) == pytest.approx(
        log_z - log_z0, rel=1e-6)
    assert (t.heat_capacity_term - t0.heat_capacity_term) == pytest.approx(dudb - dudb0,
                                                                           rel=1e-6)


def test_mean_term_of_the_second_beta_derivative_by_value():
    # One eigenvalue, closed form: the <x> term of log Z is -½ a² g(β), g = (1-βm)βλ/(1-βm+βλ).
    # For λ = 2, m = 1/4: g(β) = 2β(4 - β)/(4 + 7β), whose g''(1) = -512/1331 exactly
    # (sp.diff(2*b*(4 - b)/(7*b + 4), b, 2).subs(b, 1)).
    lam, m, a, beta = 2.0, 0.25, 0.5, 1.0
    t = gaussian_thermodynamics([lam], beta, m, [a])
    t0 = gaussian_thermodynamics([lam], beta, m)
    g2 = -512.0 / 1331.0
    # ∂U/∂β = -∂² log Z/∂β², and log Z gains -½ a² g: ∂U/∂β gains +½ a² g''.
    assert t.heat_capacity_term - t0.heat_capacity_term == pytest.approx(0.5 * a * a * g2,
                                                                         rel=1e-12)


@given(s=eigenvalue_spectra(), beta=inverse_temperatures(1e-2, 1e2))
def test_internal_energy_decreases_with_beta(s, beta):
    t = gaussian_thermodynamics(s, beta)
    assert t.heat_capacity_term <= 0  # ∂U/∂β = -Var(H) <= 0
    lam = s.eigenvalues
    assert t.internal_energy == pytest.approx(0.5 * np.sum(lam / (1 + beta * lam)))


@given(s=eigenvalue_spectra(), beta=inverse_temperatures(1e-2, 1e2))
def test_decomposition_6_4_and_its_residual(s, beta):
    d = decomposition(s, beta)
    lam = s.eigenvalues
    large = lam > 1 / beta
    n_large, n = int(large.sum()), lam.size
    # Each piece from its printed formula on the raw eigenvalues: A (6.8), C (6.7), F (6.5).
    a_ref = n_large / (2 * beta) * np.log(beta)
    c_ref = -0.5 * np.sum(np.log(lam[large])) + 0.5 * n * np.log(2 * np.pi)
    f_ref = 0.5 / beta * np.sum(np.log1p(beta * lam)) - 0.5 * n * np.log(2 * np.pi) / beta
    scale = 1 + abs(c_ref) + abs(f_ref) * beta
    assert d.n_large == n_large
    assert d.thermodynamic_free_energy == pytest.approx(a_ref, rel=1e-12, abs=1e-12)
    assert d.complexity == pytest.approx(c_ref, abs=1e-12 * scale)
    assert d.free_energy == pytest.approx(f_ref, abs=1e-12 * scale / beta)
    assert d.free_energy_split == pytest.approx(a_ref - c_ref / beta, abs=1e-12 * scale / beta)
    assert d.internal_energy_exact == pytest.approx(0.5 * np.sum(lam / (1 + beta * lam)),
                                                    rel=1e-12)
    assert d.internal_energy_split == pytest.approx(n_large / (2 * beta), rel=1e-12)  # (7.5)
    neglected = 0.5 / beta * (np.sum(np.log1p(1 / (beta * lam[large])))
                              + np.sum(np.log1p(beta * lam[~large])))
    # F - (A - C/β) is exactly the neglected terms of (6.6): 1e-10 covers round-off of sums.
    assert d.residual == pytest.approx(neglected, rel=1e-9, abs=1e-10)
    # S_0 = β(U - A) (7.3) with U = N_>/(2β) of (7.5)
    assert d.thermodynamic_entropy == pytest.approx(
        beta * (d.internal_energy_split - d.thermodynamic_free_energy), rel=1e-12, abs=1e-12)


@given(n_large=st.integers(1, 500), beta=inverse_temperatures(1e-2, 1e2))
def test_s0_is_beta_squared_dA_dbeta_7_3_and_7_4(n_large, beta):
    s0 = thermodynamic_entropy(n_large, beta)
    assert s0 == pytest.approx(beta**2 * _d_dbeta(lambda b: thermodynamic_free_energy(n_large, b),
                                                  beta), rel=1e-6, abs=1e-6)
    u = n_large / (2 * beta)  # (7.5)
    rhs = n_large / 2 * np.log(u) + n_large / 2 * (1 - np.log(n_large / 2))  # (7.4), 2nd line
    assert s0 == pytest.approx(rhs, rel=1e-10, abs=1e-9)


@given(s=spectra(), beta=inverse_temperatures(1e-2, 1e2))
def test_laplacian_is_negative_and_is_the_trace_9_1(s, beta):
    lap = laplacian_free_energy(s, beta)
    assert lap < 0
    # ΔF via second differences of F (8.9) in each λ_j (8.10). F is a sum of one term per
    # eigenvalue, so each term is differenced alone with a relative step h = 1e-3 λ_j:
    # truncation O(h²) ~ 1e-6 relative, round-off O(eps f_j / h²) ≲ 1e-8 relative.
    f = lambda lam: 0.5 / beta * np.log1p(beta * lam)  # noqa: E731
    lam = s.eigenvalues
    h = 1e-3 * lam
    second = (f(lam + h) - 2 * f(lam) + f(lam - h)) / h**2
    assert lap == pytest.approx(np.sum(second), rel=1e-5)


def test_entropy_density_exact_solution_and_the_paper_8_11():
    lam = np.array([0.0, 1e-4, 0.3, 2.0, 50.0])
    alpha, b0, b1 = 0.8, 0.2, 3.0
    sol = solve_ivp(lambda b, y: alpha * laplacian_free_energy(lam, b) * y, (b0, b1), [1.0],
                    rtol=1e-12, atol=1e-15)
    # A stiff-free ODE integrated to rtol 1e-12: the closed form must agree to ~1e-10.
    assert np.log(sol.y[0, -1]) == pytest.approx(entropy_density_log_ratio(lam, b1, alpha, b0),
                                                 rel=1e-9)
    exact = entropy_density_log_ratio(lam, b1, alpha)
    paper = entropy_density_log_ratio_paper(lam, b1, alpha)
    assert abs(exact - paper) > 0.1  # (8.11) is not the solution of (8.6) with (8.10)


@given(beta=st.floats(0.02, 0.98))
def test_two_level_extrema_gamma_one_third(beta):
    assume(abs(beta - 0.5) > 0.02)
    ext = two_level_extrema(beta)
    expected = sorted([0.0, 2 * np.log((1 - beta) / beta)])
    np.testing.assert_allclose(ext.positions, expected, atol=1e-8)
    # (9.4) misses the non-trivial extremum
    assert abs(ext.paper_9_4 - 2 * np.log((1 - beta) / beta)) > 0.05


@given(beta=st.floats(1.0, 200.0), n=st.floats(10, 1e6))
def test_final_phase_starts_at_beta_one_independent_of_n(beta, n):
    ext = two_level_extrema(beta, n=n)
    np.testing.assert_allclose(ext.positions, [0.0], atol=1e-8)
    assert ext.kinds == ("min",)
    assert two_level_phase(beta, n=n) == "final"


def test_phases_and_n_independence():
    assert two_level_phase(0.25) == "initial"
    assert two_level_phase(0.73) == "intermediate"
    assert two_level_phase(1.0) == "final"
    # The paper puts the final phase at β > √N - 1 ≈ 28.2 for N = 854; already β = 2 is final.
    assert two_level_phase(2.0) == "final"
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(two_level_minus_laplacian(x, 0.7, n=10) * 85.4,
                               two_level_minus_laplacian(x, 0.7, n=854), rtol=1e-12)
    assert paper_extremum_9_4(0.5) == pytest.approx(0.0, abs=1e-12)  # the β = ½ point agrees


def test_laws_of_learning_checks():
    lam0 = np.exp(np.array([3.0, 2.0, 0.0, 0.0, -2.0, -3.0]))
    lam1 = np.exp(np.array([3.5, 2.2, 0.0, 0.0, -2.2, -3.5]))
    s0, s1 = spectrum_from_eigenvalues(lam0), spectrum_from_eigenvalues(lam1)
    second = second_law_check([s0, s1], betas=[1.0, 1.5])
    assert second.residuals.shape == (1,)
    first = first_law_check([s0, s1], beta=1.0)
    assert first.residuals.shape == (1,) and np.isfinite(first.residuals[0])
    # Same state twice: both laws hold trivially (zero residual).
    assert first_law_check([s0, s0], beta=1.0).holds
    assert second_law_check([s0, s0], betas=1.0).holds


def test_thermodynamics_errors():
    s = spectrum_from_eigenvalues([0.5, 2.0])
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        gaussian_thermodynamics(s, 0.0)
    with pytest.raises(ValueError, match=r"1 - beta\*m \+ beta\*lambda_i"):
        gaussian_thermodynamics(s, 2.0, m=2.0)
    with pytest.raises(ValueError, match="non-finite"):
        gaussian_thermodynamics([1.0, np.nan], 1.0)
    with pytest.raises(ValueError, match="mean_components must have 2"):
        gaussian_thermodynamics(s, 1.0, mean_components=[1.0])
    with pytest.raises(ValueError, match=r"C_n needs n <= N = 2"):
        complexity_n(s, 3)
    with pytest.raises(ValueError, match="at least two states"):
        first_law_check([s], 1.0)
    with pytest.raises(TypeError, match="spectra must be a sequence"):
        first_law_check(iter([s, s]), 1.0)  # a one-pass iterator would be consumed silently
    with pytest.raises(TypeError, match="spectra must be a sequence"):
        second_law_check(s, 1.0)
    with pytest.raises(ValueError, match="gamma must lie in"):
        two_level_extrema(1.0, gamma=1.5)
    with pytest.raises(ValueError, match="beta must be finite and > 0"):
        laplacian_free_energy(s, -1.0)


def test_entropy_production_8_4_and_8_5_under_the_transport_8_1():
    # (8.1) ∂p/∂β = -Σ (dQ_k/dβ) ∂p/∂Q_k with dQ/dβ = α ∂F/∂Q (8.2) transports values of p
    # but not its mass when ΔF != 0. Take F = -Q²/2 (ΔF = -1): p(β, Q) = p0(Q e^{αβ}).
    alpha, beta, big_m = 0.7, 0.4, 0.5
    q = np.linspace(-12, 12, 200_001)
    dq = q[1] - q[0]
    p0 = lambda x: np.exp(-(x - 0.3) ** 2 / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    p = p0(q * np.exp(alpha * beta))

    def shannon(b):  # S(β) of (8.3)
        pb = p0(q * np.exp(alpha * b))
        return -np.sum(pb * np.log(big_m * pb)) * dq

    h = 1e-5
    lhs = (shannon(beta + h) - shannon(beta - h)) / (2 * h)
    lap = -1.0
    paper_8_4 = alpha * np.sum(lap * p * (1 - np.log(big_m * p))) * dq
    exact_8_5 = -alpha * np.sum(lap * p * np.log(big_m * p)) * dq
    # Riemann sums of smooth rapidly decaying integrands are spectrally accurate; the
    # β-derivative by central differences is good to ~1e-9.
    assert lhs == pytest.approx(exact_8_5, rel=1e-7)
    # (8.4)'s last line is off by +α∫ΔF p dQ = -α e^{-αβ}: the term -∫ ∂p/∂β dQ it drops
    # as if p stayed normalised, which (8.1) does not ensure.
    assert paper_8_4 - lhs == pytest.approx(-alpha * np.exp(-alpha * beta), rel=1e-7)


def test_the_one_number_wrappers_and_mean_components_against_quadrature():
    from learning import feedforward
    from learning.spectrum import g_operator
    from learning.thermodynamics import (
        complexity,
        entropy,
        free_energy,
        internal_energy,
        log_partition_function,
        mean_state_components,
    )

    beta, m, x_mean = 1.5, 0.3, np.array([0.03, -0.02])
    lam, a = _eigen_inputs(G_DENSE, x_mean)
    log_z, u, _ = _quadrature_thermodynamics(G_DENSE, x_mean, beta, m)
    assert log_partition_function(lam, beta, m, a) == pytest.approx(log_z, abs=1e-10)
    assert internal_energy(lam, beta, m, a) == pytest.approx(u, abs=1e-10)
    assert free_energy(lam, beta, m, a) == pytest.approx(-log_z / beta, abs=1e-10)
    assert entropy(lam, beta, m, a) == pytest.approx(log_z + beta * u, abs=1e-10)
    # (5.12): eigenvalues descending, and Σ a_i v_i reconstructs <x> with G's eigenvectors.
    net = feedforward((2, 3, 2), seed=1)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, net.n_neurons)
    lam_n, a_n = mean_state_components(net, x)
    g = g_operator(net, x)
    np.testing.assert_allclose(lam_n, np.sort(np.linalg.eigvalsh(g))[::-1], atol=1e-12)
    assert np.sum(a_n**2) == pytest.approx(x @ x, rel=1e-12)  # an orthogonal change of basis
    assert a_n @ (lam_n * a_n) == pytest.approx(x @ g @ x, rel=1e-10)  # xᵀGx = Σ λ_i a_i²
    # C of (6.7): the large eigenvalues (λ > 1/β) of a hand-made spectrum.
    s = spectrum_from_eigenvalues([0.1, 0.5, 3.0, 20.0])
    assert complexity(s, 1.0) == pytest.approx(-0.5 * np.log(60.0) + 2 * np.log(2 * np.pi),
                                               rel=1e-14)
    assert complexity(s, 1.0, factor=5.0) == pytest.approx(
        -0.5 * np.log(20.0) + 2 * np.log(2 * np.pi), rel=1e-14)
