"""Tests of activations (2.6), (10.4) and of the layered constructor `feedforward`."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning import (
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    Activation,
    feedforward,
    forward,
    from_layers,
    get_activation,
    layer_biases,
    layer_slices,
    layer_weights,
)

finite = st.floats(-30, 30)


@pytest.mark.parametrize("act", [TANH, SIGMOID, RELU, LINEAR])
@given(y=finite)
def test_derivative_matches_central_difference(act, y):
    if act is RELU and abs(y) < 1e-3:
        return  # the kink: no derivative to compare with
    h = 1e-6
    num = (act(np.array(y + h)) - act(np.array(y - h))) / (2 * h)
    # Central differences of smooth O(1) functions: error O(h^2) + O(eps/h) ~ 1e-10.
    np.testing.assert_allclose(act.derivative(np.array(y)), num, atol=1e-8)


@pytest.mark.parametrize("act", [TANH, SIGMOID, RELU, LINEAR])
@given(y=finite)
def test_values_lie_in_the_declared_range_and_invert(act, y):
    x = act(np.array(y))
    if act in (TANH, SIGMOID) and abs(y) > 15:
        return  # f(y) rounds to the (open) end point in double precision
    assert act.in_range(x)
    if act is not RELU or y > 0:
        # f(y) is known to one ulp (|δx| ≤ eps); the inverse maps it to δy = δx / f'(y),
        # which near the ends of tanh/sigmoid is far larger than eps: bound it by that.
        slope = float(act.derivative(np.array(y)))
        bound = 4 * np.finfo(float).eps * max(1.0, abs(float(x))) / slope
        np.testing.assert_allclose(act.inverse(x), y, rtol=1e-14, atol=bound)


def test_user_defined_activation_and_lookup():
    softsign = Activation("softsign", lambda y: y / (1 + np.abs(y)),
                          lambda y: 1 / (1 + np.abs(y)) ** 2, -1.0, 1.0)
    net = feedforward((3, 2), softsign, seed=0)
    assert net.activation is softsign
    assert get_activation("TANH") is TANH
    with pytest.raises(ValueError, match="unknown"):
        get_activation("swish")
    with pytest.raises(TypeError, match="str or an Activation"):
        get_activation(3)
    with pytest.raises(ValueError, match="lower < upper"):
        Activation("bad", np.tanh, np.tanh, 1.0, -1.0)
    with pytest.raises(TypeError, match="callable"):
        Activation("bad", 3, np.tanh)


@pytest.mark.parametrize("sizes", [(784, 40, 20, 10), (784, 60, 10)])
def test_paper_networks_have_854_neurons_and_block_structure(sizes):
    net = feedforward(sizes, seed=0)
    assert net.n_neurons == 854  # Section 10
    w = net.weights
    assert np.all(np.triu(w) == 0)  # strictly lower triangular
    blocks = layer_weights(net)
    assert [b.shape for b in blocks] == [(sizes[l + 1], sizes[l]) for l in range(len(sizes) - 1)]
    slices = layer_slices(sizes)
    for l, blk in enumerate(blocks):
        # Blocks are the storage (no N x N array is kept); the dense w is formed from them.
        np.testing.assert_array_equal(blk, w[slices[l + 1], slices[l]])
        assert not blk.flags.writeable
    total = sum(b.size for b in blocks)
    assert np.count_nonzero(w) == total  # nothing outside the blocks
    assert [b.shape for b in layer_biases(net)] == [(s,) for s in sizes[1:]]


@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5).map(tuple),
       seed=st.integers(0, 2**16))
def test_from_layers_round_trip(sizes, seed):
    net = feedforward(sizes, seed=seed, bias_scale=1.0)
    again = from_layers(layer_weights(net), layer_biases(net))
    np.testing.assert_array_equal(again.weights, net.weights)
    np.testing.assert_array_equal(again.bias, net.bias)
    assert again.layer_sizes == net.layer_sizes


def test_initialisation_scale_and_seed():
    a = feedforward((400, 300, 2), seed=5, weight_scale=2.0)
    b = feedforward((400, 300, 2), seed=5, weight_scale=2.0)
    np.testing.assert_array_equal(a.weights, b.weights)
    # std of the first block is weight_scale / sqrt(fan_in) = 0.1; 120 000 samples give a
    # relative standard error of ~0.2%, so 2% is a 10-sigma bound.
    assert np.std(layer_weights(a)[0]) == pytest.approx(0.1, rel=0.02)


def test_feedforward_and_layer_errors():
    with pytest.raises(ValueError, match="at least an input and an output"):
        feedforward((5,))
    with pytest.raises(ValueError, match="positive"):
        feedforward((5, 0, 2))
    with pytest.raises(TypeError, match="sequence of integers"):
        feedforward((5, "a"))
    with pytest.raises(ValueError, match="weight_scale must be finite"):
        feedforward((2, 2), weight_scale=-1.0)
    with pytest.raises(ValueError, match="as many bias vectors"):
        from_layers([np.zeros((2, 2))], [])
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape"):
        from_layers([np.zeros((2, 3)), np.zeros((2, 3))], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match=r"biases\[0\] must have shape"):
        from_layers([np.zeros((2, 3))], [np.zeros(3)])
    from learning import Septuple

    plain = Septuple(np.zeros((3, 3)), np.zeros(3), "tanh", [0], [2])
    with pytest.raises(ValueError, match="no layer structure"):
        layer_weights(plain)
    with pytest.raises(ValueError, match="inputs must have shape"):
        forward(feedforward((3, 2), seed=0), np.zeros(4))
    assert [s.stop for s in layer_slices((3, 2, 1))] == [3, 5, 6]
