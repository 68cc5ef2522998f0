"""Tests of the constrained bulk minimum (3.2) with the losses (3.1), (3.3)-(3.4)."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from learning import (
    LocalObjective,
    Septuple,
    boundary_loss,
    boundary_state,
    bulk_loss,
    bulk_loss_gradient,
    feedforward,
    fixed_point,
)
from learning.bulk_minimum import bulk_minimum_start, constrained_bulk_minimum

sizes_st = st.lists(st.integers(1, 5), min_size=3, max_size=4).map(tuple)


def _problem(sizes, seed, n=5, scale=1.0):
    net = feedforward(sizes, seed=seed, weight_scale=scale, bias_scale=0.3)
    rng = np.random.default_rng(seed)
    xb = boundary_state(net, rng.uniform(-1, 1, (n, sizes[0])),
                        rng.choice([-0.9, 0.9], (n, sizes[-1])))
    return net, xb


@settings(max_examples=40)
@given(sizes=sizes_st, seed=st.integers(0, 2**16), scale=st.floats(0.3, 2.0))
def test_minimum_is_nonnegative_below_the_start_and_stationary(sizes, seed, scale):
    net, xb = _problem(sizes, seed, scale=scale)
    res = constrained_bulk_minimum(net, xb)
    start = bulk_minimum_start(net, xb)
    assert np.all(res.loss >= 0)  # m = 0: H is a sum of squares
    # Never above H at the forward state with outputs clamped (the start); round-off of
    # H itself is ~1e-16, so 1e-14 cannot hide a real increase.
    assert np.all(res.loss <= bulk_loss(net, start, xb) + 1e-14)
    np.testing.assert_array_equal(res.state[:, net.boundary_indices], xb[:, net.boundary_indices])
    # Interior minima: the gradient over hidden neurons vanishes to gtol (1e-10).
    interior = np.all(np.abs(res.state[:, net.hidden_indices]) < 1 - 1e-6, axis=1)
    grad = bulk_loss_gradient(net, res.state, xb)[:, net.hidden_indices]
    assert np.all(np.max(np.abs(grad[interior & res.converged]), axis=1) <= 1e-10)


def test_start_state_loss_equals_boundary_loss_2_11():
    net, xb = _problem((6, 4, 3, 2), 1, n=20)
    res = constrained_bulk_minimum(net, xb)
    x_bar = fixed_point(net, xb).state
    np.testing.assert_allclose(res.start_loss, boundary_loss(net, x_bar, xb), rtol=1e-13)
    assert res.all_converged and np.all(res.loss < res.start_loss)


def _scipy_minimum(net, xb_row, objective=None, x0=None):
    h = net.hidden_indices

    def fun(z):
        x = xb_row.copy() if x0 is None else x0.copy()
        x[net.boundary_indices] = xb_row[net.boundary_indices]
        x[h] = z
        return (float(bulk_loss(net, x, xb_row, objective)),
                bulk_loss_gradient(net, x, xb_row, objective)[h])

    z0 = bulk_minimum_start(net, xb_row)[0, h]
    # The library closes tanh's open range (-1, 1) margin * width = 1e-9 * 2 inside it.
    bounds = [(-1 + 2e-9, 1 - 2e-9)] * h.size
    out = scipy.optimize.minimize(fun, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                                  options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000})
    return out.fun


@pytest.mark.parametrize("objective", [None, LocalObjective(m=0.3)])
def test_agrees_with_scipy_per_sample(objective):
    net, xb = _problem((8, 5, 4, 3), 7, n=6)
    res = constrained_bulk_minimum(net, xb, objective=objective)
    assert res.all_converged
    for i in range(xb.shape[0]):
        ref = _scipy_minimum(net, xb[i], objective)
        # Both solvers stop at gradient ≲ 1e-10; H then agrees to O(g^2/curvature) ≪ 1e-10.
        assert res.loss[i] == pytest.approx(ref, rel=1e-8, abs=1e-12)


def test_newton_and_gauss_newton_find_the_same_minimum():
    net, xb = _problem((8, 5, 4, 3), 3, n=10)
    newton = constrained_bulk_minimum(net, xb, method="newton")
    gauss = constrained_bulk_minimum(net, xb, method="gauss-newton", max_iter=500)
    assert newton.all_converged and gauss.all_converged
    assert newton.iterations.max() <= gauss.iterations.max()
    np.testing.assert_allclose(newton.loss, gauss.loss, rtol=1e-9, atol=1e-14)


def test_unsupervised_feedforward_minimum_is_zero_at_the_forward_pass():
    net = feedforward((5, 4, 3), seed=0)
    s = Septuple(net.weights, net.bias, net.activation, net.input_indices, None,
                 layer_sizes=net.layer_sizes)
    xb = boundary_state(s, np.random.default_rng(0).uniform(-1, 1, (4, 5)))
    res = constrained_bulk_minimum(s, xb)
    np.testing.assert_array_equal(res.loss, 0.0)
    np.testing.assert_allclose(res.state, fixed_point(s, xb).state, atol=0)


def test_autoencoder_case():
    net = feedforward((4, 2, 4), seed=2, weight_scale=1.5)
    inputs = np.random.default_rng(1).uniform(-0.8, 0.8, (8, 4))
    xb = boundary_state(net, inputs, outputs=inputs)  # output data = input data
    res = constrained_bulk_minimum(net, xb)
    assert res.all_converged and np.all(res.loss > 0) and np.all(res.loss <= res.start_loss)


def test_tachyonic_potential_pushes_hidden_neurons_to_the_box():
    # (3.3): -m x²/2 rewards |x| near the ends of the range; for large m the minimum sits on
    # the (closed, margin-shrunk) box, and the run-away the paper rules out does not happen.
    net, xb = _problem((6, 5, 2), 4, n=4)
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(m=5.0))
    assert res.all_converged
    hidden = res.state[:, net.hidden_indices]
    assert np.all(np.abs(hidden) <= 1 - 1e-9 + 1e-15)
    assert np.mean(np.abs(hidden) > 1 - 1e-6) > 0.5


def test_couplings_enter_the_minimum():
    net, xb = _problem((5, 4, 2), 5, n=3)
    n = net.n_neurons
    g = 0.2 * np.random.default_rng(0).normal(size=(n, n))
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(couplings=g))
    assert res.all_converged
    for i in range(3):
        ref = _scipy_minimum(net, xb[i], LocalObjective(couplings=g))
        assert res.loss[i] == pytest.approx(ref, rel=1e-8, abs=1e-12)


def test_general_non_layered_septuple():
    rng = np.random.default_rng(3)
    n = 7
    w = 0.5 * rng.normal(size=(n, n))
    w[[0, 1]] = 0.0  # inputs 0, 1 have no incoming connections
    s = Septuple(w, 0.1 * rng.normal(size=n), "tanh", [0, 1], [6])
    xb = boundary_state(s, rng.uniform(-1, 1, (3, 2)), np.full((3, 1), 0.5))
    res = constrained_bulk_minimum(s, xb, max_iter=300)
    assert res.all_converged
    for i in range(3):
        assert res.loss[i] == pytest.approx(_scipy_minimum(s, xb[i]), rel=1e-8, abs=1e-12)


def test_bulk_minimum_errors():
    net, xb = _problem((3, 2, 2), 0, n=2)
    with pytest.raises(ValueError, match="method must be"):
        constrained_bulk_minimum(net, xb, method="bfgs")
    with pytest.raises(ValueError, match="gtol must be finite and > 0"):
        constrained_bulk_minimum(net, xb, gtol=0.0)
    with pytest.raises(ValueError, match="max_iter must be"):
        constrained_bulk_minimum(net, xb, max_iter=0)
    with pytest.raises(ValueError, match="margin must be"):
        constrained_bulk_minimum(net, xb, margin=0.5)
    with pytest.raises(ValueError, match="x0 must have the shape"):
        constrained_bulk_minimum(net, xb, x0=xb[:1])
    bad = xb.copy()
    bad[0, net.output_indices[0]] = 1.0  # tanh never reaches 1
    with pytest.raises(ValueError, match=r"x_boundary \(outputs\)"):
        constrained_bulk_minimum(net, bad)
    with pytest.raises(ValueError, match="x_boundary contains non-finite"):
        constrained_bulk_minimum(net, np.full_like(xb, np.nan))
    with pytest.raises(ValueError, match="x_boundary must have shape"):
        constrained_bulk_minimum(net, xb[:, :3])
    from learning import Activation

    soft = Activation("softsign", lambda y: y / (1 + np.abs(y)),
                      lambda y: 1 / (1 + np.abs(y)) ** 2, -1.0, 1.0)
    net2 = feedforward((3, 2, 2), soft, seed=0)
    with pytest.raises(ValueError, match="needs the second derivative"):
        constrained_bulk_minimum(net2, xb)
    # Gauss-Newton ignores the residual curvature: on this large-residual problem it need not
    # reach gtol, but it must never raise H.
    gauss = constrained_bulk_minimum(net2, xb, method="gauss-newton", max_iter=200)
    assert np.all(gauss.loss <= gauss.start_loss) and np.all(np.isfinite(gauss.state))
    # Given f'', a user-defined activation gets exact Newton steps and converges.
    soft2 = Activation("softsign", soft.function, soft.derivative, -1.0, 1.0,
                       second_derivative=lambda y: -2 * np.sign(y) / (1 + np.abs(y)) ** 3)
    net3 = feedforward((3, 2, 2), soft2, seed=0)
    newton = constrained_bulk_minimum(net3, xb)
    assert newton.all_converged and np.all(newton.loss <= gauss.loss + 1e-12)


def test_unbounded_loss_is_reported():
    net = feedforward((2, 3, 1), "linear", seed=0)
    xb = np.array([[0.5, 0.5, 0, 0, 0, 0.1]])
    with pytest.raises(ValueError, match="unbounded below"):
        constrained_bulk_minimum(net, xb, objective=LocalObjective(m=3.0), max_iter=200)
