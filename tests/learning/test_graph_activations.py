"""The activations of graph networks (GELU, SiLU, softplus, leaky relu, ELU): f' and f''
against SymPy's derivatives of their closed forms, ranges and inverses (2.6)."""

import numpy as np
import pytest
import sympy

from learning.activations import ALL_ACTIVATIONS, elu, graph_activation, leaky_relu

_y = sympy.symbols("y", real=True)
_CLOSED = {
    "gelu": _y * (1 + sympy.erf(_y / sympy.sqrt(2))) / 2,
    "silu": _y / (1 + sympy.exp(-_y)),
    "softplus": sympy.log(1 + sympy.exp(_y)),
}


@pytest.mark.parametrize("name", sorted(_CLOSED))
def test_smooth_activations_match_sympy_derivatives(name: str) -> None:
    f = graph_activation(name)
    ys = np.linspace(-6, 6, 41)
    for order, fn in ((0, f.function), (1, f.derivative), (2, f.second_derivative)):
        expr = sympy.lambdify(_y, sympy.diff(_CLOSED[name], _y, order), "mpmath")
        expected = np.array([float(expr(v)) for v in ys])
        np.testing.assert_allclose(fn(ys), expected, rtol=1e-12, atol=1e-14)
    if f.lower_closed:  # GELU and SiLU attain their minimum (the lower end of the range)
        assert np.isclose(f.function(np.linspace(-8, 8, 200001)).min(), f.lower, atol=1e-9)


def test_piecewise_activations_and_their_inverses() -> None:
    ys = np.array([-3.0, -0.5, 0.5, 3.0])
    lr, el = leaky_relu(0.2), elu(1.5)
    np.testing.assert_allclose(lr(ys), [-0.6, -0.1, 0.5, 3.0])
    np.testing.assert_allclose(lr.derivative(ys), [0.2, 0.2, 1.0, 1.0])
    np.testing.assert_allclose(el(ys), np.where(ys > 0, ys, 1.5 * np.expm1(ys)), rtol=1e-15)
    np.testing.assert_allclose(el.derivative(ys), np.where(ys > 0, 1.0, 1.5 * np.exp(ys)))
    for f in (lr, el, graph_activation("softplus")):
        np.testing.assert_allclose(f.inverse(f(ys)), ys, rtol=1e-12)
    assert el.lower == -1.5 and elu(1.5) is el
    assert ALL_ACTIVATIONS["swish"] is ALL_ACTIVATIONS["silu"]
    with pytest.raises(ValueError, match="alpha of elu must be finite and > 0"):
        elu(0.0)
    with pytest.raises(ValueError, match="unknown"):
        graph_activation("mish")
