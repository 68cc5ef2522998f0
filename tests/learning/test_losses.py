"""Tests of the boundary loss (2.10)-(2.11) and the bulk loss (3.1), (3.3)-(3.4)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning import (
    LocalObjective,
    boundary_loss,
    boundary_state,
    bulk_loss,
    bulk_loss_gradient,
    bulk_residual,
    feedforward,
    fixed_point,
)

sizes_st = st.lists(st.integers(1, 5), min_size=2, max_size=4).map(tuple)


def _net_and_data(sizes, seed, n=4):
    net = feedforward(sizes, seed=seed, bias_scale=0.3)
    rng = np.random.default_rng(seed + 1)
    xb = boundary_state(net, rng.uniform(-1, 1, (n, sizes[0])),
                        rng.uniform(-0.9, 0.9, (n, sizes[-1])))
    return net, xb, rng


@given(sizes=sizes_st, seed=st.integers(0, 2**16))
def test_bulk_loss_is_nonnegative_without_local_objective(sizes, seed):
    net, xb, rng = _net_and_data(sizes, seed)
    x = rng.uniform(-1, 1, xb.shape)
    assert np.all(bulk_loss(net, x) >= 0)
    assert np.all(bulk_loss(net, x, xb) >= 0)


@given(sizes=sizes_st, seed=st.integers(0, 2**16))
def test_bulk_loss_vanishes_at_the_unclamped_fixed_point(sizes, seed):
    # Unsupervised reading of (3.1): at the fixed point (2.9) every local error is zero.
    net, xb, _ = _net_and_data(sizes, seed)
    x_bar = fixed_point(net, xb).state
    np.testing.assert_array_equal(bulk_loss(net, x_bar, xb), 0.0)


@given(sizes=sizes_st, seed=st.integers(0, 2**16))
def test_boundary_loss_conventions_differ_by_factor_two_when_inputs_are_clamped(sizes, seed):
    # (2.10) and (2.11) are printed as equal; with P_in x̄ = P_in x_∂ (2.7) they differ by 2.
    net, xb, _ = _net_and_data(sizes, seed)
    x_bar = fixed_point(net, xb).state
    h11 = boundary_loss(net, x_bar, xb)
    h10 = boundary_loss(net, x_bar, xb, convention="2.10")
    np.testing.assert_allclose(h10, 2 * h11, rtol=1e-15)
    d = x_bar[:, net.output_indices] - xb[:, net.output_indices]
    np.testing.assert_allclose(h11, 0.5 * np.sum(d**2, axis=1), rtol=1e-15)


def test_boundary_loss_counts_input_mismatch_in_2_11_only():
    net = feedforward((2, 1), seed=0)
    xb = np.array([0.5, 0.5, 0.1])
    x = np.array([0.0, 0.5, 0.1])  # input 0 off by 0.5, output exact
    assert boundary_loss(net, x, xb) == pytest.approx(0.125)
    assert boundary_loss(net, x, xb, convention="2.10") == 0.0


@given(sizes=sizes_st, seed=st.integers(0, 2**16), m=st.floats(-1, 1), clamp=st.booleans())
def test_bulk_loss_gradient_matches_central_differences(sizes, seed, m, clamp):
    net, xb, rng = _net_and_data(sizes, seed, n=2)
    n = net.n_neurons
    objective = LocalObjective(m=m, couplings=0.2 * rng.normal(size=(n, n)))
    x = rng.uniform(-0.95, 0.95, (2, n))
    grad = bulk_loss_gradient(net, x, xb if clamp else None, objective)
    h = 1e-6
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        num = (bulk_loss(net, x + e, xb if clamp else None, objective)
               - bulk_loss(net, x - e, xb if clamp else None, objective)) / (2 * h)
        # Central differences: truncation O(h^2 |H'''|) ~ 1e-12 plus round-off
        # O(eps |H| / h) ~ 1e-10 for |H| = O(1): 1e-7 is a safe bound, 1e-4 would hide bugs.
        np.testing.assert_allclose(grad[:, i], num, rtol=0, atol=1e-7)


def test_local_objective_3_3_and_couplings():
    net = feedforward((1, 1), seed=0)
    x = np.array([0.3, -0.6])
    g = np.array([[0.0, 1.0], [0.0, 0.0]])
    plain = bulk_loss(net, x)
    tachyonic = bulk_loss(net, x, objective=LocalObjective(m=2.0))
    coupled = bulk_loss(net, x, objective=LocalObjective(couplings=g))
    assert tachyonic == pytest.approx(plain - 0.5 * 2.0 * (0.09 + 0.36))
    assert coupled == pytest.approx(plain + 0.3 * (-0.6))


def test_bulk_residual_is_the_fixed_point_error():
    net, xb, rng = _net_and_data((3, 2, 2), 0)
    x = rng.uniform(-1, 1, xb.shape)
    r = bulk_residual(net, x)
    np.testing.assert_allclose(r, x - np.tanh(x @ net.weights.T + net.bias), atol=1e-15)
    np.testing.assert_allclose(bulk_loss(net, x), 0.5 * np.sum(r * r, axis=1), rtol=1e-14)


def test_loss_errors():
    net = feedforward((2, 2), seed=0)
    with pytest.raises(ValueError, match="convention must be"):
        boundary_loss(net, np.zeros(4), np.zeros(4), convention="2.12")
    with pytest.raises(ValueError, match="same shape"):
        boundary_loss(net, np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="x_boundary must have shape"):
        bulk_loss(net, np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="m must be finite"):
        LocalObjective(m=np.inf)
    with pytest.raises(ValueError, match="couplings must be a square"):
        LocalObjective(couplings=np.zeros(3))
    with pytest.raises(ValueError, match="couplings contains non-finite"):
        LocalObjective(couplings=np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match=r"couplings must have shape \(4, 4\)"):
        bulk_loss(net, np.zeros(4), objective=LocalObjective(couplings=np.eye(3)))


@given(sizes=sizes_st, seed=st.integers(0, 2**16))
def test_bulk_loss_at_clamped_forward_state_equals_boundary_loss_2_11(sizes, seed):
    # At the forward state with outputs clamped to the data, the only local errors are on the
    # output neurons and equal the output mismatch: (3.1) = (2.11) there. Hence the constrained
    # minimum (3.2) never exceeds the boundary loss: U <= U_∂ (Fig. 2's ordering).
    net, xb, _ = _net_and_data(sizes, seed)
    x_bar = fixed_point(net, xb).state
    clamped = x_bar.copy()
    clamped[:, net.output_indices] = xb[:, net.output_indices]
    np.testing.assert_allclose(bulk_loss(net, clamped, xb), boundary_loss(net, x_bar, xb),
                               rtol=1e-13, atol=1e-15)
