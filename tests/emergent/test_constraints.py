"""Constraints (11.3)-(11.4), the wave function (11.8) and the Madelung form of (11.9)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emergent.constraints import (
    Constraints,
    madelung_fields,
    madelung_residuals,
    moment_constraints,
    multipliers_from_wave_function,
    phase,
    wave_function,
)
from emergent.fokker_planck import gaussian_heat_kernel
from emergent.grids import Grid
from emergent.schrodinger import coherent_state, free_gaussian_packet, harmonic_potential


@settings(max_examples=25, deadline=None)
@given(lin=st.lists(st.floats(-5, 5), min_size=2, max_size=2),
       quad=st.lists(st.floats(-1, 1), min_size=2, max_size=2), sigma=st.floats(0.6, 1.25))
def test_wave_function_density_is_p_and_phase_is_recovered(lin, quad, sigma):
    """(11.8): |Ψ|² = p for any Φ, and Φ is recovered from Ψ (its phase lies in span ∇Θ).

    The grid resolves the largest local wavenumber |∇θ| <= 5/4 + 11/2 < 8 (Nyquist 12.5) and
    p/max p < 1e-16 at the edges of the periodic box (σ <= 1.25), so Ψ is band-limited and decayed
    (at σ = 1.5 the edge reaches the 1e-12 density floor and the seam's Gibbs ripple shows).
    """
    phi = lin + quad
    g = Grid((96, 88), (24.0, 22.0))
    c = moment_constraints(g, 2)
    p = gaussian_heat_kernel(g, 0.0, 1.0, sigma)
    p = p / g.integrate(p)
    psi = wave_function(c, p[None], np.asarray(phi)[None])
    assert np.abs(np.abs(psi[0]) ** 2 - p).max() < 1e-15
    fit = multipliers_from_wave_function(c, psi)
    # the phase is Σ Θ Φ/4 with polynomial Θ; np.gradient is exact on quadratics, the
    # spectral ∇Ψ is accurate where p is not negligible: 1e-6 absolute on Φ of size <= 5
    assert np.abs(fit.Phi[0] - phi).max() < 1e-6
    assert fit.residual.max() < 1e-6


def test_constraint_values_and_shapes():
    g = Grid((96,), (30.0,))  # images of the periodic heat kernel below 1e-20 in [-15, 15)
    c = moment_constraints(g, 2, center=[1.0])
    p = gaussian_heat_kernel(g, [0.0, 1.0], 1.0, 1.0, [1.0])
    vals = c.values(p)
    # ⟨Q - 1⟩ = 0 and ⟨(Q - 1)²⟩ = σ² + D t, spectrally accurate quadrature
    assert np.allclose(vals, [[0.0, 1.0], [0.0, 2.0]], atol=1e-12)
    assert c.names == ("Q1", "Q1^2")
    with pytest.raises(ValueError, match=r"theta must have shape \(K̃, \*grid.shape\)"):
        Constraints(g, np.zeros((2, 95)))
    with pytest.raises(ValueError, match="Phi must have shape"):
        phase(c, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="names has 1 entries for 2 constraints"):
        Constraints(g, np.zeros((2, 96)), ("a",))
    # unnamed constraints are numbered from 1, one name each (K̃ = 2 here, not the 96 points)
    assert Constraints(g, np.zeros((2, 96))).names == ("Θ1", "Θ2")
    with pytest.raises(ValueError, match="degree"):
        moment_constraints(g, 0)
    with pytest.raises(ValueError, match="negative"):
        wave_function(c, -p, np.zeros((2, 2)))


def test_madelung_residuals_vanish_at_second_order_on_schrodinger_solutions():
    """Continuity and Hamilton-Jacobi (quantum potential) hold along exact solutions of (11.9)
    to the O(dt²) of the central time differences."""
    g = Grid((256,), (40.0,))
    res = []
    for nt in (21, 41):
        t = np.linspace(0.0, 2.0, nt)
        psi = free_gaussian_packet(g, t, 1.0, 1.0, [-2.0], [1.0])
        m = madelung_residuals(g, t, psi, 1.0)
        res.append((m.continuity.max(), m.hamilton_jacobi.max()))
    (c1, h1), (c2, h2) = res
    assert c1 < 1e-2 and h1 < 1e-2
    assert abs(np.log2(c1 / c2) - 2) < 0.1 and abs(np.log2(h1 / h2) - 2) < 0.1


def test_madelung_with_potential_and_failure_on_diffusion():
    g = Grid((256,), (30.0,))
    t = np.linspace(0.0, 2.0, 81)
    v = harmonic_potential(g, 1.0, 1.3)
    psi = coherent_state(g, t, 1.0, 1.3, [2.0], [0.5])
    m = madelung_residuals(g, t, psi, 1.0, potential=v)
    assert m.continuity.max() < 1e-2 and m.hamilton_jacobi.max() < 1e-2
    # a diffusing density with a flat phase satisfies neither equation
    p = gaussian_heat_kernel(g, t, 1.0, 1.0)
    m = madelung_residuals(g, t, np.sqrt(p) + 0j, 1.0)
    assert m.continuity.min() > 0.9 and m.hamilton_jacobi.min() > 0.9


def test_madelung_fields_of_a_moving_packet():
    """v = D∇θ of the free packet against the closed form of ∇θ (group velocity D k0 at the
    centre plus the spreading chirp)."""
    g = Grid((256,), (40.0,))
    D, s0, k0, t = 0.9, 1.0, 1.2, 1.5
    psi = free_gaussian_packet(g, t, D, s0, [-3.0], [k0])
    f = madelung_fields(g, psi, D)
    x = g.axes[0]
    xc = -3.0 + D * k0 * t
    a = D / 2
    # θ = a t (x - xc)²/(4(σ0⁴ + a²t²)) + k0 x + c(t)  =>  ∇θ = a t (x - xc)/(2(σ0⁴ + a²t²)) + k0
    exact = a * t * (x - xc) / (2 * (s0**4 + a**2 * t**2)) + k0
    live = f.density > 1e-8 * f.density.max()
    assert np.abs(f.phase_gradient[0][live] - exact[live]).max() < 1e-8
    # the mean velocity ∫p v is d⟨Q⟩/dt = D k0 (the centre moves at the group velocity): an
    # independent closed form, not the definition v = D∇θ; spectral accuracy on this grid
    assert abs(g.integrate(f.density * f.velocity[0]) - D * k0) < 1e-8
    assert abs(g.integrate(f.density) - 1) < 1e-12


def test_wave_functions_that_vanish_are_rejected():
    g = Grid((32,), (8.0,))
    zero = np.zeros((3, 32), dtype=complex)
    with pytest.raises(ValueError, match="vanishes identically"):
        madelung_residuals(g, [0.0, 1.0, 2.0], zero, 1.0)
    with pytest.raises(ValueError, match="vanishes identically"):
        multipliers_from_wave_function(moment_constraints(g, 1), zero)
    with pytest.raises(ValueError, match="vanishes identically"):
        madelung_fields(g, zero, 1.0)


def test_constraint_and_potential_input_checks():
    from emergent.constraints import quantum_potential

    g = Grid((32,), (8.0,))
    with pytest.raises(TypeError, match="whole number"):
        moment_constraints(g, 2.7)
    with pytest.raises(ValueError, match="center must have 1 finite entries"):
        moment_constraints(g, 2, center=[1.0, 2.0])
    p = gaussian_heat_kernel(g, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="negative"):
        quantum_potential(g, -p, 1.0)
    t = np.linspace(0, 1, 3)
    psi = np.sqrt(p) * np.ones((3, 1))
    with pytest.raises(ValueError, match="potential must have shape"):
        madelung_residuals(g, t, psi + 0j, 1.0, potential=np.zeros((2, 32)))


def test_madelung_residuals_refuse_a_path_of_the_wrong_shape_or_too_few_times():
    # Each condition of the shape check alone must refuse: a stack of the wrong length, and
    # two times (no interior time for the central differences: an empty, not a failing, result)
    g = Grid((32,), (8.0,))
    psi = np.sqrt(gaussian_heat_kernel(g, 0.0, 1.0, 1.0)) * np.ones((3, 1)) + 0j
    with pytest.raises(ValueError, match="psi must have shape"):
        madelung_residuals(g, [0.0, 1.0, 2.0, 3.0], psi, 1.0)
    with pytest.raises(ValueError, match="psi must have shape"):
        madelung_residuals(g, [0.0, 1.0], psi[:2], 1.0)


@pytest.mark.parametrize("eps", [1e-3, 1e-8])
def test_phase_fit_residual_is_the_relative_part_outside_the_span(eps):
    """PhaseFit.residual = ‖∇θ - Σ∇Θ_kΦ_k/4‖_p / max(‖∇θ‖_p, 1e-6), against the same
    weighted least squares on the analytic ∇θ = ε cos Q (not Im(Ψ*∇Ψ)/|Ψ|²).  ε = 1e-8 puts
    ‖∇θ‖_p ~ 6e-9 below the 1e-6 floor, so the floor itself is pinned."""
    g = Grid((128,), (20.0,))
    x = g.axes[0]
    cons = moment_constraints(g, 2, center=[0.0])
    p = gaussian_heat_kernel(g, 0.0, 1.0, 1.0)
    psi = np.sqrt(p) * np.exp(1j * eps * np.sin(x))
    fit = multipliers_from_wave_function(cons, psi)
    w = np.sqrt(p * g.cell_volume)
    a = np.stack([np.full_like(x, 0.25), x / 2]).T * w[:, None]  # ∇Θ/4 for Θ = {Q, Q²}
    b = eps * np.cos(x) * w
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    expected = np.linalg.norm(a @ sol - b) / max(np.linalg.norm(b), 1e-6)
    assert expected > 1e-3  # cos Q is far from the span {1, Q}: the residual is not round-off
    # the spectral ∇θ is exact to ~1e-14 absolute where p matters, 1e-6 of ε = 1e-8
    assert abs(fit.residual[0] / expected - 1) < 1e-4
    assert np.abs(fit.Phi[0] - sol).max() < 1e-4 * eps
