"""The printed forms of (11.6)-(11.7), one function each, against closed forms; the kinds of the
Section 11 audit computed from claims, driven both ways (issues 14 and 15)."""

from dataclasses import replace

import numpy as np
import pytest

from emergent.candidate_paths import (
    PathFit,
    diffusion_path,
    frozen_gaussian_path,
    schrodinger_path,
)
from emergent.constraints import moment_constraints, multipliers_from_wave_function
from emergent.derivation_audit import (
    AuditConfig,
    _context,
    kind_approximation,
    kind_exact,
    kind_on_shell,
    kind_stationarity,
    step_wave_function,
)
from emergent.entropic_action import (
    FORM_FUNCTIONS,
    FORMS,
    Path,
    action,
    action_parts,
    evaluate_form,
)
from emergent.grids import Grid
from emergent.schrodinger import free_gaussian_packet
from ntcore.verdict import within_tolerance

GRID = Grid((256,), (40.0,))
CONS = moment_constraints(GRID, 2)
# 128 points still resolve σ0 = 1 spectrally (h = 0.31; the start's power above 2/3 Nyquist is
# < 1e-10, checked by gaussian_heat_kernel): for the long time series, where cost matters
COARSE = moment_constraints(Grid((128,), (40.0,)), 2)
D, S0, T = 1.0, 1.0, 2.0


def _entropy_log_ratio() -> float:
    # Gaussian of variance σ0² + Dt: H = ½ log(2πe σ²), and 2D∫|∇√p|² = D/(2σ²) whose time
    # integral is the same ½ log((σ0² + DT)/σ0²): the on-shell identity of (11.6), closed form.
    return 0.5 * np.log((S0**2 + D * T) / S0**2)


def test_registry_has_one_function_per_printed_form():
    assert tuple(FORM_FUNCTIONS) == FORMS
    assert len(set(FORM_FUNCTIONS.values())) == len(FORMS)
    with pytest.raises(ValueError, match="form must be one of"):
        evaluate_form(diffusion_path(CONS, D, np.linspace(0, T, 5), S0), "11.8")


def test_entropy_change_of_11_6a_is_the_closed_form():
    path = diffusion_path(CONS, D, np.linspace(0, T, 11), S0, [-2.0])
    # H is evaluated at the end points only: spectral accuracy, no time discretisation
    assert abs(evaluate_form(path, "11.6a").entropy_part - _entropy_log_ratio()) < 1e-12


@pytest.mark.parametrize("form", ["11.6b", "11.7a", "11.7b"])
def test_entropy_production_parts_are_the_closed_form_integral(form):
    # The trapezoid rule in t on f = D/(2(σ0² + Dt)) errs by (dt²/12)(f'(T) - f'(0)) + O(dt⁴)
    # (Euler-Maclaurin), f' = -D²/(2(σ0² + Dt)²); the spatial part is spectral (round-off).
    # So the error itself is predicted, to O(dt²) relative: 4e-3 at dt = 0.02.
    def fprime(t):
        return -D**2 / (2 * (S0**2 + D * t) ** 2)

    for nt in (101, 201):
        dt = T / (nt - 1)
        path = diffusion_path(COARSE, D, np.linspace(0, T, nt), S0, [-2.0])
        error = evaluate_form(path, form).entropy_part - _entropy_log_ratio()
        predicted = dt**2 / 12 * (fprime(T) - fprime(0.0))
        assert abs(error - predicted) < 4e-3 * abs(predicted), (error, predicted)


def test_constraint_part_is_the_closed_form_for_linear_multipliers():
    # Φ_{Q²} = a t on the diffusion path centred at 0: Σ Φ̇⟨Θ⟩ = a(σ0² + Dt), integral
    # a(σ0² T + D T²/2); ⟨Θ⟩ is linear in t, so the midpoint rule is exact (round-off only).
    t = np.linspace(0, T, 9)
    a = 0.7
    phi = np.stack([np.zeros_like(t), a * t], axis=1)
    path = diffusion_path(CONS, D, t, S0, [0.0], Phi=phi)
    for form in ("11.6a", "11.6b", "11.7a", "11.7b"):
        assert abs(evaluate_form(path, form).constraint_part
                   - a * (S0**2 * T + D * T**2 / 2)) < 1e-12


def test_kinetic_part_of_11_7c_is_twice_d_times_the_mean_square_wavenumber():
    # Free packet: ⟨k²⟩ = k0² + 1/(4σ0²) at all t, so -4∫dt∫Ψ*(D/2)ΔΨ = 2D T ⟨k²⟩ exactly;
    # spectral derivatives of a resolved packet: round-off (the phase fit is exact to 3e-15).
    k0 = 1.0
    path = schrodinger_path(CONS, D, np.linspace(0, T, 21), S0, [-2.0], [k0]).path
    parts = evaluate_form(path, "11.7c")
    assert abs(parts.entropy_part - 2 * D * T * (k0**2 + 1 / (4 * S0**2))) < 1e-12
    assert abs(parts.imaginary) < 1e-12


def test_time_derivative_part_of_11_7c_is_the_constraint_term_to_second_order():
    # Re(-4i∫Ψ*∂_tΨ) = 4∫p ∂_tθ = Σ Φ̇_k⟨Θ_k⟩: the same continuum quantity computed two ways
    # (phase overlaps vs the midpoint rule on ⟨Θ⟩); they differ at O(dt²).
    diffs = []
    for nt in (41, 81):
        path = schrodinger_path(CONS, D, np.linspace(0, T, nt), S0, [-2.0], [1.0]).path
        diffs.append(abs(evaluate_form(path, "11.7c").constraint_part
                         - evaluate_form(path, "11.7b").constraint_part))
    assert diffs[1] < 1e-3 * abs(evaluate_form(path, "11.7b").constraint_part)
    assert abs(np.log2(diffs[0] / diffs[1]) - 2) < 0.2, diffs


def test_typed_parts_and_the_compatibility_view_agree():
    path = frozen_gaussian_path(CONS, D, np.linspace(0, T, 11), S0, [0.0])
    for form in FORMS:
        parts = evaluate_form(path, form)
        legacy = action_parts(path, form)
        assert [v for k, v in legacy.items() if k != "imaginary"] == list(parts.parts())
        assert action(path, form) == parts.total


def test_schrodinger_path_is_typed_and_still_unpacks():
    fit = schrodinger_path(CONS, D, np.linspace(0, T, 5), S0, [-2.0], [1.0])
    assert isinstance(fit, PathFit) and isinstance(fit.path, Path)
    path, residual = fit
    assert path is fit.path and residual == fit.phase_residual < 1e-10


def test_fitted_multipliers_are_the_analytic_phase_of_the_free_packet():
    # Ψ ∝ exp(-x²/(4σ0²(1 + iτ)) + ...), τ = Dt/(2σ0²): the phase has x² τ/(4σ0²(1 + τ²)), so
    # Φ_{Q²} = τ/(σ0²(1 + τ²)) (θ = ΣΘΦ/4), and Φ_Q follows from the drift and k0.
    t = np.linspace(0, T, 5)
    psi = free_gaussian_packet(GRID, t, D, S0, [-2.0], [1.0])
    fit = multipliers_from_wave_function(CONS, psi)
    tau = D * t / (2 * S0**2)
    # 4e-16 measured: the phase gradient of a resolved packet is spectral (round-off)
    assert np.abs(fit.Phi[:, 1] - tau / (S0**2 * (1 + tau**2))).max() < 1e-12


# ---- the kinds of the audit, computed from claims, both ways ----------------------------

def _c(ok: bool):
    return within_tolerance("c", measured=0.0 if ok else 1.0, tolerance=0.5)


def test_kind_rules_drive_both_ways():
    assert kind_exact((_c(True), _c(True))) == "exact"
    assert kind_exact((_c(True), _c(False))) == "fails"
    assert kind_on_shell(_c(True), _c(False)) == "on-shell"
    assert kind_on_shell(_c(True), _c(True)) == "exact"
    assert kind_on_shell(_c(False), _c(False)) == "fails"
    assert kind_approximation(_c(False), _c(True)) == "approximation"
    assert kind_approximation(_c(True), _c(True)) == "exact"
    assert kind_approximation(_c(False), _c(False)) == "fails"
    assert kind_stationarity(_c(True), _c(False)) == "fails for (11.6) as stated"
    assert kind_stationarity(_c(True), _c(True)) == "exact"
    assert kind_stationarity(_c(False), _c(False)) == "fails"


def test_a_step_kind_follows_its_measurement():
    ctx = _context(AuditConfig(n_times=11), table={})
    assert step_wave_function(ctx).kind == "exact"
    bad = step_wave_function(replace(ctx, phase_residual=0.3))  # a phase outside the span
    assert bad.kind == "fails" and bad.claims[0].verdict.value == "fails"


def test_dropped_phase_gradient_term_is_the_closed_form():
    # Free packet: ∫p|∇θ|² = ⟨k²⟩ - ∫|∇√p|² = k0² + 1/(4σ0²) - 1/(4σ(t)²), σ(t)² = σ0²(1 + τ²),
    # τ = Dt/(2σ0²).  Time integrals: dropped = 2D(k0² + 1/(4σ0²))T - arctan(τ_T), kept entropy
    # production 2D∫|∇√p|² integrates to arctan(τ_T).  The trapezoid error is
    # (dt²/12)|f'(T) - f'(0)| ≈ 1.0e-6 at 201 samples (f' <= 1/8 here); 2e-6 allows for it.
    from emergent.entropic_action import dropped_term_sizes, phase_gradient_term

    k0 = 1.0
    path = schrodinger_path(COARSE, D, np.linspace(0, T, 201), S0, [-2.0], [k0]).path
    kept = np.arctan(D * T / (2 * S0**2))
    dropped = 2 * D * (k0**2 + 1 / (4 * S0**2)) * T - kept
    assert abs(phase_gradient_term(path) - dropped) < 2e-6
    assert abs(dropped_term_sizes(path).vs_entropy_production - dropped / kept) < 2e-5


def test_audit_configuration_and_orders_refuse_bad_values_by_name():
    from emergent.derivation_audit import AuditStep, audit_section11, convergence_order

    for field, value, match in (("n", 16, "n must be an integer >= 32"),
                                ("n_times", 4.0, "n_times must be an integer"),
                                ("D", 0.0, "D must be finite and > 0"),
                                ("k0", float("inf"), "k0 must be finite")):
        with pytest.raises((TypeError, ValueError), match=match):
            AuditConfig(**{field: value})
    assert AuditConfig(length=40).length == 40.0  # ints are coerced, not refused
    with pytest.raises(ValueError, match="e_fine must be an error >= 0"):
        convergence_order(1.0, -0.5)
    with pytest.raises(ValueError, match="ratio must be a refinement ratio > 1"):
        convergence_order(1.0, 0.5, ratio=0.5)
    assert convergence_order(1.0, 0.0) == float("inf")  # converged to round-off
    with pytest.raises(TypeError, match="claims must be a sequence of Claim"):
        AuditStep("(11.5)", "exact", "", "", claims=("holds",))
    with pytest.raises(ValueError, match="table lacks the rows"):
        audit_section11(AuditConfig(), table={})
