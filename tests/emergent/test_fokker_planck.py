"""The Fokker-Planck equation (11.5): exact solutions, convergence orders, conservation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emergent.fokker_planck import (
    entropy_production_rate,
    gaussian_heat_kernel,
    propagate_implicit,
    propagate_spectral,
    shannon_entropy,
)
from emergent.grids import Grid

D = 0.7


@pytest.mark.parametrize("boundary", ["periodic", "reflecting"])
@pytest.mark.parametrize("shape", [(96,), (48, 40)])
def test_spectral_propagation_is_exact(boundary, shape):
    # the image sums are exact solutions and the propagator is exact in time: only round-off
    # (~1e-16 of max p ~ 0.4) remains; 1e-13 leaves room for the FFT's log(n) growth
    g = Grid(shape, (10.0,) * len(shape), boundary)
    c = [2.5] * len(shape)
    t = [0.0, 0.3, 1.5]
    ex = gaussian_heat_kernel(g, t, D, 0.6, c)
    sol = propagate_spectral(g, ex[0], D, t)
    assert np.abs(sol.densities - ex).max() < 1e-13
    assert np.abs(sol.mass - 1).max() < 1e-13


@pytest.mark.parametrize("boundary", ["periodic", "reflecting"])
def test_crank_nicolson_error_table_is_second_order(boundary):
    """Error table: max |p - p_exact| at T = 1 with n points and n steps (dt ∝ h)."""
    errs = []
    for n in (64, 128, 256):
        g = Grid((n,), (10.0,), boundary)
        ex = gaussian_heat_kernel(g, [0.0, 1.0], D, 0.6, [2.5])
        sol = propagate_implicit(g, ex[0], D, 1.0, n)
        errs.append(np.abs(sol.densities[-1] - ex[1]).max())
        # Σp conserved exactly by the zero-column-sum Laplacian: round-off over n steps
        assert np.abs(sol.mass - 1).max() < 1e-12
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert errs[0] < 1e-3
    assert np.all(np.abs(orders - 2) < 0.1), (errs, orders)


def test_backward_euler_is_first_order_in_time_and_positive():
    g = Grid((400,), (10.0,), "reflecting")
    ex = gaussian_heat_kernel(g, [0.0, 1.0], D, 0.6, [2.5])
    errs = []
    for steps in (10, 20, 40):
        sol = propagate_implicit(g, ex[0], D, 1.0, steps, scheme="backward-euler")
        errs.append(np.abs(sol.densities[-1] - ex[1]).max())
        assert sol.min_density.min() >= 0  # M-matrix: positivity for any dt
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 1) < 0.15), orders


def test_crank_nicolson_2d_reflecting_against_exact():
    g = Grid((64, 64), (8.0, 8.0), "reflecting")
    ex = gaussian_heat_kernel(g, [0.0, 0.5], D, 0.5, [3.0, -2.5])  # touches two walls
    sol = propagate_implicit(g, ex[0], D, 0.5, 50, save_every=10)
    assert len(sol.times) == 6
    # O(h² + dt²) with h = 1/8, dt = 0.01: a few 1e-3 of max p ~ 0.3
    assert np.abs(sol.densities[-1] - ex[1]).max() < 3e-3
    assert abs(sol.mass[-1] - 1) < 1e-12


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), dt_steps=st.integers(1, 8),
       boundary=st.sampled_from(["periodic", "reflecting"]))
def test_entropy_never_decreases_and_mass_is_conserved(seed, dt_steps, boundary):
    # second law for (11.5): dH/dt = 2D∫|∇√p|² >= 0, for any positive start
    g = Grid((32,), (4.0,), boundary)
    p0 = np.random.default_rng(seed).uniform(0.1, 1.0, 32)
    sol = propagate_implicit(g, p0, D, 0.2, dt_steps, scheme="backward-euler")
    h = sol.entropy
    assert np.all(np.diff(h) >= -1e-12)
    assert np.abs(sol.mass - 1).max() < 1e-12
    assert np.all(sol.entropy_production("fd") >= 0)


def test_entropy_production_matches_entropy_rate_on_exact_diffusion():
    """d/dt(-∫p log p) = 2D∫|∇√p|² along (11.5), the identity behind (11.6)-(11.7)."""
    g = Grid((256,), (40.0,))
    h_t = 1e-4
    p = gaussian_heat_kernel(g, [1.0 - h_t, 1.0, 1.0 + h_t], D, 0.8)
    rate_fd = (shannon_entropy(g, p[2]) - shannon_entropy(g, p[0])) / (2 * h_t)
    rate = entropy_production_rate(g, p[1], D)
    # exact: H = ½ log(2πe(σ² + Dt)) -> dH/dt = D / (2(σ² + Dt)); the central difference has
    # error O(h_t²) ~ 1e-8 relative, the spectral quadrature ~1e-14
    exact = D / (2 * (0.8**2 + D * 1.0))
    assert abs(rate - exact) < 1e-12
    assert abs(rate_fd - exact) < 1e-7


def test_bad_input():
    g = Grid((16,), (4.0,))
    p = np.full(16, 0.25)
    for bad in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="D must be finite and > 0"):
            propagate_spectral(g, p, bad, [0.0, 1.0])
    with pytest.raises(ValueError, match="negative"):
        propagate_implicit(g, p - 0.3, 1.0, 1.0, 4)
    with pytest.raises(ValueError, match="not normalisable"):
        propagate_spectral(g, 0 * p, 1.0, [1.0])
    with pytest.raises(ValueError, match="increasing"):
        propagate_spectral(g, p, 1.0, [1.0, 0.5])
    with pytest.raises(ValueError, match="scheme"):
        propagate_implicit(g, p, 1.0, 1.0, 4, scheme="rk4")
    with pytest.raises(ValueError, match="grid shape"):
        propagate_spectral(g, np.ones(15), 1.0, [1.0])


def test_heat_kernel_is_exact_far_from_the_start_and_checks_its_input():
    g = Grid((128,), (10.0,))
    # a centre outside the periodic box is the same as its image inside
    assert np.abs(gaussian_heat_kernel(g, 1.0, D, 0.6, [100.0])
                  - gaussian_heat_kernel(g, 1.0, D, 0.6, [0.0])).max() < 1e-14
    # very late times: the uniform density 1/L, no image count to blow up
    assert np.abs(gaussian_heat_kernel(g, 1e9, D, 0.6) - 0.1).max() < 1e-14
    with pytest.raises(ValueError, match="grid too coarse for sigma0"):
        gaussian_heat_kernel(g, 0.0, D, 0.05)
    with pytest.raises(ValueError, match="outside the box"):
        gaussian_heat_kernel(Grid((64,), (10.0,), "reflecting"), 0.0, D, 0.6, [6.0])
    with pytest.raises(TypeError, match="whole number"):
        propagate_implicit(g, gaussian_heat_kernel(g, 0.0, D, 0.6), D, 1.0, 1.9)
