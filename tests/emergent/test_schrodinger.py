"""The Schrödinger equation (11.9): exact solutions, error tables, unitarity."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from emergent.grids import Grid
from emergent.schrodinger import (
    coherent_state,
    crank_nicolson,
    free_gaussian_packet,
    harmonic_potential,
    split_step,
)

D = 0.8


def test_exact_solutions_solve_the_equation_symbolically():
    """The closed forms used as references satisfy i∂Ψ/∂t = -(D/2)Ψ'' + VΨ identically."""
    x, t = sp.symbols("x t", real=True)
    d, s0, w = sp.symbols("D sigma0 omega", positive=True)
    x0, k0, q0, p0 = sp.symbols("x0 k0 q0 p0", real=True)
    s = 1 + sp.I * d * t / (2 * s0**2)
    free = (s**sp.Rational(-1, 2) * sp.exp(-(x - x0 - d * k0 * t) ** 2 / (4 * s0**2 * s)
                                          + sp.I * k0 * x - sp.I * d * k0**2 * t / 2))
    res = sp.I * sp.diff(free, t) + d / 2 * sp.diff(free, x, 2)
    assert sp.simplify(res / free) == 0
    q = q0 * sp.cos(w * t) + d * p0 * sp.sin(w * t) / w
    pi = p0 * sp.cos(w * t) - q0 * w * sp.sin(w * t) / d
    coh = sp.exp(-(x - q) ** 2 * w / (2 * d) + sp.I * pi * (x - q / 2) - sp.I * w * t / 2)
    res = sp.I * sp.diff(coh, t) + d / 2 * sp.diff(coh, x, 2) - w**2 * x**2 / (2 * d) * coh
    assert sp.simplify(sp.expand(res / coh)) == 0


@pytest.mark.parametrize("shape", [(256,), (96, 96)])
def test_split_step_free_packet_error_below_1e_10(shape):
    # V = 0: the kinetic factor is exact in time; the periodic image sum is the exact
    # reference, so only round-off (1e-15) and the band-limit tail (exp(-2σ0² k_ny²)) remain
    g = Grid(shape, (40.0,) * len(shape))
    c, k = [-3.0] * len(shape), [1.5] * len(shape)
    ex = free_gaussian_packet(g, [0.0, 3.0], D, 1.0, c, k)
    sol = split_step(g, ex[0], D, 3.0, 7)
    assert np.abs(sol.psi[-1] - ex[1]).max() < 1e-10
    assert np.abs(sol.norm - 1).max() < 1e-12


def test_split_step_on_reflecting_grid_away_from_walls():
    g = Grid((256,), (40.0,), "reflecting")
    ex = free_gaussian_packet(g, [0.0, 2.0], D, 1.0, [0.0], [0.0])
    sol = split_step(g, ex[0], D, 2.0, 5)
    # the packet is 1e-40 at the walls, so the Neumann problem has the free solution
    assert np.abs(sol.psi[-1] - ex[1]).max() < 1e-10


def test_crank_nicolson_error_table_is_second_order_and_unitary():
    """Error table: max |Ψ - Ψ_exact| at T = 2, n points, n/2 steps (dt ∝ h)."""
    errs = []
    for n in (128, 256, 512):
        g = Grid((n,), (40.0,))
        ex = free_gaussian_packet(g, [0.0, 2.0], D, 1.0, [-3.0], [1.5])
        sol = crank_nicolson(g, ex[0], D, 2.0, n // 2)
        errs.append(np.abs(sol.psi[-1] - ex[1]).max())
        # the Cayley transform of a Hermitian matrix is unitary: norm to round-off
        assert np.abs(sol.norm - 1).max() < 1e-12
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 2) < 0.1), (errs, orders)


def test_strang_splitting_coherent_state_error_table_is_second_order():
    g = Grid((256,), (30.0,))
    omega = 1.3
    v = harmonic_potential(g, D, omega)
    ex = coherent_state(g, [0.0, 2.0], D, omega, [2.0], [0.5])
    errs = []
    for steps in (40, 80, 160):
        sol = split_step(g, ex[0], D, 2.0, steps, potential=v)
        errs.append(np.abs(sol.psi[-1] - ex[1]).max())
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 2) < 0.05), (errs, orders)


def test_coherent_state_in_2d_with_crank_nicolson():
    g = Grid((96, 96), (16.0, 16.0))
    v = harmonic_potential(g, 1.0, 1.0)
    ex = coherent_state(g, [0.0, 1.0], 1.0, 1.0, [1.5, -1.0], [0.0, 1.0])
    sol = crank_nicolson(g, ex[0], 1.0, 1.0, 100, potential=v)
    # O(h² + dt²), h = 1/6, dt = 0.01: about 1e-2 of max |Ψ| ~ 0.56
    assert np.abs(sol.psi[-1] - ex[1]).max() < 2e-2
    assert abs(sol.norm[-1] - 1) < 1e-12


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 6))
def test_split_step_is_unitary_for_any_state_and_potential(seed, steps):
    rng = np.random.default_rng(seed)
    g = Grid((32,), (6.0,))
    psi = rng.normal(size=32) + 1j * rng.normal(size=32)
    v = rng.uniform(-5, 5, 32)
    sol = split_step(g, psi, 1.0, 0.5, steps, potential=v, band_limit_tol=None)
    assert np.abs(sol.norm - 1).max() < 1e-12


def test_bad_input():
    g = Grid((64,), (10.0,))
    psi = free_gaussian_packet(g, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="D must be finite and > 0"):
        split_step(g, psi, 0.0, 1.0, 2)
    with pytest.raises(ValueError, match="D must be finite and > 0"):
        crank_nicolson(g, psi, -1.0, 1.0, 2)
    with pytest.raises(ValueError, match="identically zero"):
        split_step(g, 0 * psi, 1.0, 1.0, 2)
    with pytest.raises(ValueError, match="grid too coarse"):
        free_gaussian_packet(g, 0.0, 1.0, 0.05)
    with pytest.raises(ValueError, match="grid too coarse"):
        free_gaussian_packet(g, 0.0, 1.0, 1.0, k0=[30.0])
    with pytest.raises(ValueError, match="potential has shape"):
        split_step(g, psi, 1.0, 1.0, 2, potential=np.zeros(10))
    with pytest.raises(TypeError, match="potential must be real"):
        split_step(g, psi, 1.0, 1.0, 2, potential=np.zeros(64) * 1j)
    with pytest.raises(ValueError, match="finite time"):
        free_gaussian_packet(g, np.nan, 1.0, 1.0)
    with pytest.raises(ValueError, match="n_steps"):
        split_step(g, psi, 1.0, 1.0, 0)
    rough = np.exp(-g.axes[0] ** 2 / 0.01)  # width 0.07 on h = 0.16: under-resolved
    with pytest.raises(ValueError, match="grid too coarse for psi0"):
        split_step(g, rough, 1.0, 1.0, 2)


@pytest.mark.slow
def test_crank_nicolson_2d_error_table_is_second_order():
    """Longer check: 2D Crank-Nicolson on 64², 128², 256² with dt ∝ h, against the exact packet."""
    errs = []
    for n in (64, 128, 256):
        g = Grid((n, n), (20.0, 20.0))
        ex = free_gaussian_packet(g, [0.0, 1.0], 1.0, 1.0, [-2.0, 1.0], [1.0, 0.5])
        sol = crank_nicolson(g, ex[0], 1.0, 1.0, n // 4)
        errs.append(np.abs(sol.psi[-1] - ex[1]).max())
        assert abs(sol.norm[-1] - 1) < 1e-12
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 2) < 0.15), (errs, orders)


def test_exact_packet_through_the_seam_and_off_the_walls():
    """The Fourier-series image sums stay exact when the packet travels several periods or
    reflects from a wall (split-step with V = 0 is exact in time, so they must agree)."""
    g = Grid((256,), (40.0,))
    ex = free_gaussian_packet(g, [0.0, 20.0], 1.0, 1.0, [0.0], [10.0])  # 5 periods of travel
    sol = split_step(g, ex[0], 1.0, 20.0, 10)
    assert abs(g.integrate(np.abs(ex[1]) ** 2) - 1) < 1e-12
    assert np.abs(sol.psi[-1] - ex[1]).max() < 1e-11
    box = Grid((256,), (20.0,), "reflecting")
    ex = free_gaussian_packet(box, [0.0, 3.0], 1.0, 1.0, [5.0], [3.0])  # hits the wall at 10
    sol = split_step(box, ex[0], 1.0, 3.0, 10)
    assert abs(box.integrate(np.abs(ex[1]) ** 2) - 1) < 1e-12
    assert np.abs(sol.psi[-1] - ex[1]).max() < 1e-11


def test_coherent_state_input_checks():
    g = Grid((64,), (16.0,))
    with pytest.raises(ValueError, match="q0 must have 1 finite entries"):
        coherent_state(g, 0.0, 1.0, 1.0, q0=[1.0, 2.0])
    with pytest.raises(ValueError, match="grid too coarse for the coherent state"):
        coherent_state(g, 0.0, 1e-4, 1.0)
    assert coherent_state(g, 0.0, 1.0, 1.0, q0=1.0).shape == (64,)  # a scalar per axis is fine
