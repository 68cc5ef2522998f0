"""Tests of the neural septuple (Section 2): projections, dynamics (2.4)-(2.5), the fixed
point (2.9), the feedforward conditions (2.1)-(2.3) and the input-bias condition (2.8)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning import (
    SIGMOID,
    TANH,
    Activation,
    Septuple,
    boundary_state,
    check_feedforward,
    check_input_bias,
    effective_bias,
    feedforward,
    fixed_point,
    forward_state,
    initial_state,
    step,
)

layer_sizes = st.lists(st.integers(1, 6), min_size=2, max_size=5).map(tuple)


def _data(net, n, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (n, net.input_indices.size))
    outputs = rng.uniform(-0.9, 0.9, (n, net.output_indices.size))
    return boundary_state(net, inputs, outputs)


# ---- projections -------------------------------------------------------------------

@given(sizes=layer_sizes, seed=st.integers(0, 2**16))
def test_projections_are_idempotent_orthogonal_and_complete(sizes, seed):
    net = feedforward(sizes, seed=seed)
    p_in, p_out, p_bulk = net.input_projection, net.output_projection, net.bulk_projection
    for p in (p_in, p_out, p_bulk):
        np.testing.assert_array_equal(p @ p, p)  # 0/1 diagonal matrices: exact
        np.testing.assert_array_equal(p, p.T)
    zero = np.zeros_like(p_in)
    np.testing.assert_array_equal(p_in @ p_out, zero)
    np.testing.assert_array_equal(p_in @ p_bulk, zero)
    np.testing.assert_array_equal(p_out @ p_bulk, zero)
    np.testing.assert_array_equal(p_in + p_out + p_bulk, np.eye(net.n_neurons))
    np.testing.assert_array_equal(net.boundary_projection, p_in + p_out)


def test_projections_accept_masks_and_matrices():
    n = 5
    w, b = np.zeros((n, n)), np.zeros(n)
    by_index = Septuple(w, b, "tanh", [0, 1], [4])
    by_mask = Septuple(w, b, "tanh", np.array([1, 1, 0, 0, 0], bool),
                       np.array([0, 0, 0, 0, 1], bool))
    by_matrix = Septuple(w, b, "tanh", np.diag([1.0, 1, 0, 0, 0]),
                         np.diag([0.0, 0, 0, 0, 1]))
    for s in (by_mask, by_matrix):
        np.testing.assert_array_equal(s.input_indices, by_index.input_indices)
        np.testing.assert_array_equal(s.output_indices, by_index.output_indices)
    assert list(by_index.hidden_indices) == [2, 3]


def test_unsupervised_septuple_has_empty_output_subspace():
    s = Septuple(np.zeros((3, 3)), np.zeros(3), "tanh", [0], None)
    assert not s.is_supervised
    assert s.output_projection.sum() == 0


# ---- errors --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": np.zeros((3, 4))}, "square"),
        ({"weights": np.full((3, 3), np.nan)}, "weights contains non-finite"),
        ({"bias": np.zeros(4)}, r"bias must have shape \(3,\)"),
        ({"bias": np.array([0.0, np.inf, 0.0])}, "bias contains non-finite"),
        ({"input_indices": [0, 1], "output_indices": [1, 2]}, "overlap"),
        ({"input_indices": [0, 3]}, "outside 0..2"),
        ({"input_indices": [0, 0]}, "repeated"),
        ({"input_indices": np.array([[1.0, 1.0, 0], [0, 0, 0], [0, 0, 0]])}, "not an orthogonal"),
        ({"input_indices": np.array([[0.5, 0.5, 0], [0.5, 0.5, 0], [0, 0, 0]])},
         "not a coordinate projection"),
        ({"input_indices": np.eye(2)}, "projection matrix must have shape"),
        ({"input_indices": np.ones(4, bool)}, "mask must have length 3"),
        ({"input_indices": [0.5]}, "integer neuron indices"),
        ({"loss": "cross-entropy"}, "loss must be"),
        ({"layer_sizes": (1, 1)}, "summing to N = 3"),
        ({"activation": "softsign"}, "unknown"),
    ],
)
def test_septuple_rejects_bad_input(kwargs, match):
    args = {"weights": np.zeros((3, 3)), "bias": np.zeros(3), "activation": "tanh",
            "input_indices": [0], "output_indices": [2]}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        Septuple(**args)


def test_septuple_is_immutable():
    s = feedforward((2, 2), seed=0)
    with pytest.raises(ValueError):
        s.weights[0, 0] = 1.0
    with pytest.raises(AttributeError):
        s.bias = np.zeros(4)


def test_boundary_data_outside_the_activation_range_is_rejected():
    net = feedforward((2, 3, 2), seed=0)
    with pytest.raises(ValueError, match="outputs has 1 entries outside the range"):
        boundary_state(net, np.zeros(2), np.array([1.0, 0.0]))  # tanh never reaches 1
    with pytest.raises(ValueError, match="inputs has 1 entries outside"):
        boundary_state(net, np.array([1.5, 0.0]), np.zeros(2))
    with pytest.raises(ValueError, match="inputs contains non-finite"):
        boundary_state(net, np.array([np.nan, 0.0]), np.zeros(2))
    with pytest.raises(ValueError, match="outputs is required"):
        boundary_state(net, np.zeros(2))
    with pytest.raises(ValueError, match=r"inputs must have shape"):
        boundary_state(net, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"outputs must have shape"):
        boundary_state(net, np.zeros(2), np.zeros(3))
    sig = feedforward((2, 2), SIGMOID, seed=0)
    with pytest.raises(ValueError, match=r"range \[0.0, 1.0\]"):
        boundary_state(sig, np.array([-0.1, 0.5]), np.array([0.5, 0.5]))


def test_states_of_wrong_shape_are_rejected():
    net = feedforward((2, 2), seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N,\) or \(n_samples, N\)"):
        step(net, np.zeros(5))
    with pytest.raises(ValueError, match="x contains non-finite"):
        step(net, np.array([0.0, np.inf, 0, 0]))
    with pytest.raises(ValueError, match="tol must be"):
        fixed_point(net, np.zeros(4), tol=-1.0)
    with pytest.raises(ValueError, match="max_steps must be"):
        fixed_point(net, np.zeros(4), max_steps=0)


# ---- dynamics and fixed point --------------------------------------------------------

def test_initial_state_is_the_input_projection_of_the_data():
    net = feedforward((3, 2, 2), seed=0)
    xb = _data(net, 4, 1)
    np.testing.assert_array_equal(initial_state(net, xb), xb @ net.input_projection)  # (2.4)


@given(sizes=layer_sizes, seed=st.integers(0, 2**16), scale=st.floats(0.1, 3.0))
def test_feedforward_fixed_point_after_L_minus_1_steps_and_invariant(sizes, seed, scale):
    net = feedforward(sizes, seed=seed, weight_scale=scale, bias_scale=0.5)
    xb = _data(net, 3, seed)
    result = fixed_point(net, xb)
    assert result.converged
    assert result.steps <= len(sizes) - 1  # (2.9) is reached after L - 1 steps at most
    # One more step of (2.5) leaves the fixed point unchanged (exactly: same floating-point ops).
    np.testing.assert_array_equal(step(net, result.state, xb), result.state)
    # The inputs stay clamped to the data, (2.7).
    np.testing.assert_array_equal(result.state[:, net.input_indices], xb[:, net.input_indices])


def test_global_fixed_point_equals_layered_forward_pass_784_40_20_10():
    net = feedforward((784, 40, 20, 10), seed=3)
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, (200, 784))
    xb = boundary_state(net, inputs, np.zeros((200, 10)))
    result = fixed_point(net, xb)
    assert result.converged and result.steps == 3  # L - 1 = 3
    # Sparse global products and dense layer products sum the same terms in different
    # orders: round-off of a 784-term dot product of O(1) numbers is ~1e-15, far below 1e-12.
    np.testing.assert_allclose(result.state, forward_state(net, inputs), rtol=0, atol=1e-12)


def test_fixed_point_reports_non_convergence_for_a_recurrent_network():
    # A two-neuron loop with gain 3 oscillates around 0: no fixed point is reached.
    w = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, -3.0], [0.0, 3.0, 0.0]])
    s = Septuple(w, np.zeros(3), "tanh", [0], None)
    result = fixed_point(s, np.array([0.5, 0.0, 0.0]), max_steps=50, tol=1e-12)
    assert not result.converged
    assert result.steps == 50 and result.residual > 1e-3


def test_fixed_point_of_a_contracting_recurrent_network_converges():
    rng = np.random.default_rng(1)
    w = 0.3 * rng.normal(size=(6, 6)) / np.sqrt(6)
    w[0] = 0.0  # (2.2): no incoming connections to the input neuron
    s = Septuple(w, 0.1 * rng.normal(size=6), "tanh", [0], None)
    result = fixed_point(s, np.array([0.4, 0, 0, 0, 0, 0]), max_steps=500, tol=1e-13)
    assert result.converged and result.residual <= 1e-13
    # tanh is 1-Lipschitz and ‖w‖ < 1 here, so the iteration contracts: the final state
    # satisfies (2.9) to within the stopping tolerance.
    np.testing.assert_allclose(step(s, result.state, np.eye(6)[0] * 0.4), result.state, atol=1e-12)


# ---- feedforward conditions (2.1)-(2.3) and the input bias (2.8) ---------------------

@given(sizes=layer_sizes, seed=st.integers(0, 2**16))
def test_feedforward_networks_satisfy_2_1_to_2_3(sizes, seed):
    report = check_feedforward(feedforward(sizes, seed=seed))
    assert report.holds, report.failures
    assert report.depth == len(sizes) and report.n_layers == len(sizes)
    assert report.nilpotency == 0.0


@given(n=st.integers(2, 8), seed=st.integers(0, 2**16))
def test_random_dense_weights_are_reported_as_not_feedforward(n, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n, n)) + 0.1  # every entry non-zero
    report = check_feedforward(Septuple(w, np.zeros(n), "tanh", [0], [n - 1]))
    assert not report.holds
    assert report.depth is None  # the graph has cycles
    assert report.no_input_incoming > 0 and report.no_output_outgoing > 0
    assert any(f.startswith("(2.1)") for f in report.failures)
    assert any(f.startswith("(2.2)") for f in report.failures)
    assert any(f.startswith("(2.3)") for f in report.failures)


def test_check_feedforward_names_each_failing_condition_with_its_size():
    net = feedforward((2, 2, 2), seed=0)
    w = np.array(net.weights)
    w[0, 5] = 0.25  # an output feeds an input: violates (2.2) and (2.3) and closes a cycle
    # Such a w is no longer the layered network (2, 2, 2): it is a general septuple.
    with pytest.raises(ValueError, match="layer_sizes"):
        net.with_parameters(weights=w)
    report = check_feedforward(Septuple(w, net.bias, "tanh", net.input_indices,
                                        net.output_indices))
    assert report.no_input_incoming == 0.25 and report.no_output_outgoing == 0.25
    assert report.depth is None and report.nilpotency > 0
    # Too small an L fails (2.1) for a genuine 3-layer net: w^2 != 0.
    short = check_feedforward(net, n_layers=2)
    assert not short.holds and short.nilpotency > 0 and len(short.failures) == 1


def test_input_bias_condition_2_8():
    net = feedforward((3, 2), seed=0)
    xb = boundary_state(net, np.array([0.2, -0.4, 0.0]), np.array([0.1, 0.1]))
    assert not check_input_bias(net, xb).holds  # zero input bias: f(0) = 0 != data
    assert check_input_bias(net, xb).violation == pytest.approx(0.4)
    tuned = net.with_parameters(bias=effective_bias(net, xb))
    report = check_input_bias(tuned, xb)
    # arctanh then tanh loses at most a few ulps of O(1) numbers.
    assert report.holds and report.violation < 1e-15


def test_effective_bias_needs_an_invertible_activation():
    act = Activation("softsign", lambda y: y / (1 + np.abs(y)),
                     lambda y: 1 / (1 + np.abs(y)) ** 2, -1.0, 1.0)
    net = feedforward((2, 2), act, seed=0)
    with pytest.raises(ValueError, match="has no inverse"):
        effective_bias(net, np.zeros(4))
    # ... but the fixed point does not need it: inputs are clamped exactly.
    assert fixed_point(net, np.array([0.3, 0.2, 0.0, 0.0])).converged


def test_batched_and_single_sample_dynamics_agree():
    net = feedforward((5, 4, 3), seed=2, bias_scale=0.3)
    xb = _data(net, 6, 7)
    batch = fixed_point(net, xb).state
    singles = np.stack([fixed_point(net, row).state for row in xb])
    # Matrix-matrix and matrix-vector products sum in different orders: agreement to a few
    # ulps of O(1) numbers (1e-14), not bit-for-bit.
    np.testing.assert_allclose(batch, singles, rtol=0, atol=1e-14)


def test_tanh_is_default_activation_and_derivative_matches_10_4():
    net = feedforward((2, 2), seed=0)
    assert net.activation is TANH
    y = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(TANH.derivative(y), 4 * (np.exp(y) + np.exp(-y)) ** -2, rtol=1e-14)


def test_input_bias_condition_as_printed_fails_when_f0_is_nonzero():
    # (2.8) as printed, f(P_in b) = P_in x_∂, also asks f(0) = 0 on every non-input neuron:
    # true for tanh, false for sigmoid (f(0) = 1/2). Only its input part can be required.
    net = feedforward((2, 2), SIGMOID, seed=0)
    xb = boundary_state(net, np.array([0.3, 0.6]), np.array([0.5, 0.5]))
    b_eff = effective_bias(net, xb)
    printed_lhs = SIGMOID(net.input_projection @ b_eff)
    printed_rhs = net.input_projection @ xb
    np.testing.assert_allclose(printed_lhs[:2], printed_rhs[:2], rtol=1e-14)  # input part holds
    assert np.all(np.abs(printed_lhs[2:] - printed_rhs[2:]) == 0.5)  # the rest cannot
    assert check_input_bias(net.with_parameters(bias=b_eff), xb).holds
