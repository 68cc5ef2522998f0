"""Grids (emergent.grids): derivatives, integration by parts, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from emergent.grids import Grid, check_band_limit, check_density, sparse_lu, spectral_tail

BOUNDARIES = ("periodic", "reflecting")


def _mode(grid: Grid, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A basis mode of the grid, its derivative and its Laplacian eigenvalue."""
    x, L, o = grid.axes[0], grid.lengths[0], grid.origin[0]
    if grid.boundary == "periodic":
        k = 2 * np.pi * m / L
        return np.sin(k * (x - o)), k * np.cos(k * (x - o)), -(k**2)
    k = np.pi * m / L
    return np.cos(k * (x - o)), -k * np.sin(k * (x - o)), -(k**2)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_spectral_derivatives_are_exact_on_basis_modes(boundary):
    # round-off only: ~ n ε |k|² with n = 64, |k|² <= 100 -> 1e-11 is generous by ~10x
    g = Grid((64,), (2 * np.pi,), boundary)
    for m in (1, 3, 7):
        f, df, lam = _mode(g, m)
        assert np.abs(g.gradient(f)[0] - df).max() < 1e-11
        assert np.abs(g.laplacian(f) - lam * f).max() < 1e-11


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_fd_laplacian_is_second_order(boundary):
    errs = []
    for n in (32, 64, 128):
        g = Grid((n,), (2 * np.pi,), boundary)
        f, _, lam = _mode(g, 2)
        errs.append(np.abs(g.laplacian(f, "fd") - lam * f).max())
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 2) < 0.05), orders


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_sparse_laplacian_matches_stencil_and_conserves_mass_2d(boundary):
    g = Grid((12, 9), (3.0, 2.0), boundary)
    f = np.random.default_rng(0).normal(size=g.shape)
    lap = g.laplacian_matrix()
    assert np.abs(lap @ f.ravel() - g.laplacian(f, "fd").ravel()).max() < 1e-10
    # columns sum to zero: Σ (L f) = 0 for all f (mass conservation), to round-off
    assert np.abs(np.asarray(lap.sum(axis=0))).max() < 1e-9
    assert abs(lap - lap.T).max() < 1e-12


@settings(max_examples=30, deadline=None)
@given(u=arrays(float, (24,), elements=st.floats(-3, 3)),
       boundary=st.sampled_from(BOUNDARIES), method=st.sampled_from(("spectral", "fd")))
def test_dirichlet_form_is_minus_u_laplacian_u(u, boundary, method):
    # discrete integration by parts (summation by parts / Parseval) is an identity
    g = Grid((24,), (5.0,), boundary)
    lhs = g.dirichlet_form(u, method)
    rhs = -g.integrate(u * g.laplacian(u, method))
    assert lhs >= -1e-12
    assert abs(lhs - rhs) <= 1e-9 * (1 + abs(lhs))


def test_integrate_gaussian_is_spectrally_accurate():
    g = Grid((64, 64), (20.0, 20.0))
    x, y = g.coordinates
    p = np.exp(-(x**2 + y**2) / 2) / (2 * np.pi)
    assert abs(g.integrate(p) - 1) < 1e-13  # trapezoid on a periodic smooth function


def test_bad_grids_are_rejected():
    with pytest.raises(ValueError, match="1 or 2 axes"):
        Grid((4, 4, 4), (1, 1, 1))
    with pytest.raises(ValueError, match="lengths"):
        Grid((8,), (-1.0,))
    with pytest.raises(ValueError, match="at least 4"):
        Grid((2,), (1.0,))
    with pytest.raises(ValueError, match="boundary"):
        Grid((8,), (1.0,), "absorbing")
    with pytest.raises(ValueError, match="one entry per axis"):
        Grid((8, 8), (1.0,))
    with pytest.raises(TypeError, match="whole numbers"):
        Grid((32.5,), (1.0,))


def test_density_validation():
    g = Grid((16,), (4.0,))
    p = np.full(16, 0.25)
    assert check_density(g, p) is not None
    with pytest.raises(ValueError, match="negative"):
        check_density(g, p - 0.3)
    with pytest.raises(ValueError, match="not normalisable"):
        check_density(g, np.zeros(16))
    with pytest.raises(ValueError, match="NaN"):
        check_density(g, np.full(16, np.nan))
    with pytest.raises(ValueError, match="not normalised"):
        check_density(g, 2 * p)
    assert abs(g.integrate(check_density(g, 2 * p, normalize=True)) - 1) < 1e-14
    with pytest.raises(ValueError, match="grid shape"):
        check_density(g, np.ones(15))


def test_band_limit_check():
    g = Grid((64,), (10.0,))
    x = g.axes[0]
    smooth = np.exp(-x**2)
    assert spectral_tail(g, smooth) < 1e-20
    check_band_limit(g, smooth)
    with pytest.raises(ValueError, match="grid too coarse"):
        check_band_limit(g, np.exp(-(x / 0.05) ** 2))


def test_operators_reject_arrays_of_the_wrong_shape_and_odd_scalars():
    from ntcore.checks import count, positive_number

    def check_count(value, name):
        return count(name, value, minimum=1, whole_floats=True)

    def check_positive(value, name):
        return positive_number(name, value)

    g = Grid((16,), (4.0,))
    for op in (g.integrate, g.laplacian, g.gradient, g.dirichlet_form):
        with pytest.raises(ValueError, match="does not end in the grid shape"):
            op(np.ones(15))
    for bad in (True, "1"):
        with pytest.raises(TypeError, match="real number"):
            check_positive(bad, "D")
    for bad in (1.9, np.nan, "3", True):
        with pytest.raises(TypeError, match="whole number|an integer"):
            check_count(bad, "n_steps")
    with pytest.raises(ValueError, match=">= 1"):
        check_count(0, "n_steps")
    assert check_count(3.0, "n") == 3


def test_density_round_off_negatives_are_zeros():
    g = Grid((16,), (4.0,))
    p = np.full(16, 0.25)
    p[3] = -1e-18  # a spectral solver's round-off in a far tail
    q = check_density(g, p, normalize=True)
    assert q.min() == 0.0


def test_sparse_lu_refuses_a_singular_or_non_finite_matrix_by_name():
    import scipy.sparse as sps

    with pytest.raises(ValueError, match="matrix is singular"):
        sparse_lu(sps.csc_matrix((3, 3)))
    with pytest.raises(ValueError, match="matrix has NaN"):
        sparse_lu(sps.diags([1.0, np.nan]))
    lu = sparse_lu(sps.diags([2.0, 4.0]))
    assert np.allclose(lu.solve(np.array([2.0, 4.0])), 1.0)
