"""Non-component-wise node maps (max pooling, softmax, LayerNorm), linearised in the
generalised G (5.6): values against loop / formula references, Jacobians against the
complex-step derivative of an independent reference (exact to round-off), finite differences
and torch.func.jacrev where PyTorch is installed; adjoints; ties; refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.graph.maps import dense_matrix
from learning.graph.nonlocal_maps import LayerNorm, MaxPool, SelectionMap, Softmax
from tests.learning.graph.references import (
    complex_step_jacobian,
    layer_norm_reference,
    max_pool_value_and_selection,
    softmax_reference,
)
from tests.learning.graph.test_convolution import adjoint_gap, adjoint_matrix
from tests.learning.graph.test_pooling import pool_geometry


def finite_difference_jacobian(fn, x, h: float = 1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        cols.append(((fn(x + e) - fn(x - e)) / (2 * h)).ravel())
    return np.stack(cols, axis=1)


@settings(max_examples=60)
@given(pool_geometry(), st.integers(0, 2**32 - 1))
def test_max_pool_value_and_selection_equal_the_onnx_definition(geometry, seed: int) -> None:
    in_shape, kernel, stride, begin, end, dilation = geometry
    pool = MaxPool(kernel, stride, begin + end, dilation, in_shape=in_shape)
    x = np.random.default_rng(seed).standard_normal(in_shape)
    value, selection = max_pool_value_and_selection(x, kernel, stride, begin, end, dilation)
    np.testing.assert_array_equal(pool.value(x[None])[0], value)
    jac = pool.jacobian(x)
    np.testing.assert_array_equal(dense_matrix(jac), selection)
    np.testing.assert_array_equal(adjoint_matrix(jac), selection)
    # distinct values: the selection is the derivative (finite differences are exact here)
    gaps = np.diff(np.sort(x.ravel()))
    h = 0.25 * gaps.min() if gaps.size else 0.1
    fd = finite_difference_jacobian(lambda z: pool.value(z[None])[0], x, h)
    round_off = 4 * np.finfo(float).eps * (np.abs(x).max() + h) / h  # of (x + h) - (x - h)
    np.testing.assert_allclose(fd, selection, rtol=0, atol=round_off)


def test_max_pool_tie_selects_the_first_maximum_in_kernel_order() -> None:
    pool = MaxPool((2, 2), 2, in_shape=(1, 2, 4))
    x = np.array([[[1.0, 3.0, 2.0, 2.0],
                   [3.0, 0.0, 2.0, 2.0]]])
    # window 0 ties at (0, 1) and (1, 0): the first in row-major kernel order is (0, 1);
    # window 1 ties everywhere: (0, 2)
    assert pool.jacobian(x).index.tolist() == [1, 2]


def test_max_pool_tie_matches_torch_jacobian() -> None:
    torch = pytest.importorskip("torch")
    pool = MaxPool((2, 2), 1, in_shape=(1, 3, 3))
    x = np.array([[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [2.0, 2.0, 2.0]]])
    ref = torch.func.jacrev(lambda z: torch.nn.functional.max_pool2d(z, 2, 1))(
        torch.from_numpy(x)).numpy().reshape(4, 9)
    np.testing.assert_array_equal(dense_matrix(pool.jacobian(x)), ref)


def test_selection_adjoint_accumulates_overlapping_windows() -> None:
    s = SelectionMap((4,), (3,), np.array([1, 1, 3]))
    assert s.rmatmat(np.array([[1.0, 2.0, 5.0]])).tolist() == [[0.0, 3.0, 0.0, 5.0]]
    assert adjoint_gap(s) < 1e-14


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=40)
@given(shapes, st.data())
def test_softmax_value_and_jacobian_equal_the_definition(shape, data) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).standard_normal(shape)
    sm = Softmax(axis, in_shape=shape)
    np.testing.assert_allclose(sm.value(x[None])[0], softmax_reference(x, axis), atol=1e-15)
    jac = sm.jacobian(x)
    exact = complex_step_jacobian(lambda z: softmax_reference(z, axis), x)
    np.testing.assert_allclose(dense_matrix(jac), exact, rtol=0, atol=1e-12)
    np.testing.assert_allclose(adjoint_matrix(jac), exact, rtol=0, atol=1e-12)
    fd = finite_difference_jacobian(lambda z: sm.value(z[None])[0], x)
    np.testing.assert_allclose(dense_matrix(jac), fd, rtol=0, atol=1e-8)


@st.composite
def layer_norm_case(draw):
    shape = draw(shapes)
    n_axes = draw(st.integers(1, len(shape)))
    norm = shape[len(shape) - n_axes:]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    eps = draw(st.sampled_from([1e-5, 0.1, 1.0]))
    scale = rng.standard_normal(norm) if draw(st.booleans()) else None
    shift = rng.standard_normal(norm) if draw(st.booleans()) else None
    return shape, norm, eps, scale, shift, rng.standard_normal(shape)


@settings(max_examples=40)
@given(layer_norm_case())
def test_layer_norm_value_and_jacobian_equal_the_definition(case) -> None:
    shape, norm, eps, scale, shift, x = case
    ln = LayerNorm(norm, eps, scale, shift, in_shape=shape)
    gamma = np.ones(norm) if scale is None else scale
    beta = np.zeros(norm) if shift is None else shift
    ref = lambda z: layer_norm_reference(z, len(norm), eps, gamma, beta)  # noqa: E731
    np.testing.assert_allclose(ln.value(x[None])[0], ref(x), rtol=0, atol=1e-12)
    jac = ln.jacobian(x)
    exact = complex_step_jacobian(ref, x)
    scale_ = max(1.0, np.abs(exact).max())
    np.testing.assert_allclose(dense_matrix(jac) / scale_, exact / scale_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(adjoint_matrix(jac) / scale_, exact / scale_, rtol=0, atol=1e-12)
    fd = finite_difference_jacobian(lambda z: ln.value(z[None])[0], x)
    np.testing.assert_allclose(dense_matrix(jac) / scale_, fd / scale_, rtol=0, atol=1e-6)


def test_float32_state_and_products_stay_float32() -> None:
    x = np.random.default_rng(0).standard_normal((2, 4, 4)).astype(np.float32)
    for node in (MaxPool((2, 2), 2, in_shape=(2, 4, 4)), Softmax(0, in_shape=(2, 4, 4)),
                 LayerNorm((4, 4), in_shape=(2, 4, 4))):
        assert node.value(x[None]).dtype == np.float32
        jac = node.jacobian(x)
        y = jac.matmat(x[None])
        assert y.dtype == np.float32 and jac.rmatmat(y).dtype == np.float32


def test_jacobians_report_their_memory() -> None:
    x = np.zeros((2, 4, 4))
    assert MaxPool((2, 2), 2, in_shape=(2, 4, 4)).jacobian(x).nbytes > 0
    assert Softmax(0, in_shape=(2, 4, 4)).jacobian(x).nbytes == x.nbytes
    assert LayerNorm((4, 4), in_shape=(2, 4, 4)).jacobian(x).nbytes >= x.nbytes


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: MaxPool((2,), in_shape=(1, 4, 4)), "in_shape"),
    (lambda: MaxPool((2,), padding=(2, 0), in_shape=(1, 4)), "padding"),
    (lambda: MaxPool((5,), in_shape=(1, 4)), "kernel"),
    (lambda: MaxPool((2,), in_shape=(1, 4)).jacobian(np.full((1, 4), np.nan)), "x"),
    (lambda: MaxPool((2,), in_shape=(1, 4)).jacobian(np.zeros((2, 1, 4))), "x"),
    (lambda: MaxPool((2,), in_shape=(1, 4)).jacobian(np.zeros((1, 5))), "x"),
    (lambda: Softmax(2, in_shape=(3, 4)), "axis"),
    (lambda: Softmax(0, in_shape=(3, 0)), "in_shape"),
    (lambda: LayerNorm((3,), in_shape=(3, 4)), "normalized_shape"),
    (lambda: LayerNorm((4,), -1.0, in_shape=(3, 4)), "eps"),
    (lambda: LayerNorm((4,), 1e-5, np.ones(3), in_shape=(3, 4)), "scale"),
    (lambda: LayerNorm((4,), 1e-5, None, np.full(4, np.inf), in_shape=(3, 4)), "shift"),
    (lambda: LayerNorm((4,), 0.0, in_shape=(1, 4)).value(np.ones((1, 1, 4))), "eps"),
])
def test_bad_input_is_refused_naming_the_argument(call, argument: str) -> None:
    with pytest.raises((ValueError, TypeError), match=argument):
        call()


# ---- PyTorch, where installed ------------------------------------------------------------


@settings(max_examples=30)
@given(pool_geometry(dilate=True), st.integers(0, 2**32 - 1))
def test_max_pool_equals_torch(geometry, seed: int) -> None:
    torch = pytest.importorskip("torch")
    in_shape, kernel, stride, begin, _, dilation = geometry
    pool = MaxPool(kernel, stride, begin, dilation, in_shape=in_shape)
    x = np.random.default_rng(seed).standard_normal(in_shape)
    fn = (torch.nn.functional.max_pool1d if len(kernel) == 1
          else torch.nn.functional.max_pool2d)
    f = lambda z: fn(z, kernel, stride, begin, dilation)  # noqa: E731
    xt = torch.from_numpy(x)
    np.testing.assert_array_equal(pool.value(x[None])[0], f(xt).numpy())
    ref = torch.func.jacrev(f)(xt).numpy().reshape(-1, x.size)
    np.testing.assert_array_equal(dense_matrix(pool.jacobian(x)), ref)


@settings(max_examples=20)
@given(shapes, st.data())
def test_softmax_and_layer_norm_equal_torch(shape, data) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(shape)
    xt = torch.from_numpy(x)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sm = Softmax(axis, in_shape=shape)
    f = lambda z: torch.nn.functional.softmax(z, axis)  # noqa: E731
    np.testing.assert_allclose(sm.value(x[None])[0], f(xt).numpy(), atol=1e-15)
    ref = torch.func.jacrev(f)(xt).numpy().reshape(x.size, x.size)
    np.testing.assert_allclose(dense_matrix(sm.jacobian(x)), ref, rtol=0, atol=1e-12)
    norm = shape[len(shape) - data.draw(st.integers(1, len(shape))):]
    gamma, beta = rng.standard_normal(norm), rng.standard_normal(norm)
    ln = LayerNorm(norm, 1e-3, gamma, beta, in_shape=shape)
    g = lambda z: torch.nn.functional.layer_norm(  # noqa: E731
        z, norm, torch.from_numpy(gamma), torch.from_numpy(beta), 1e-3)
    np.testing.assert_allclose(ln.value(x[None])[0], g(xt).numpy(), rtol=0, atol=1e-12)
    ref = torch.func.jacrev(g)(xt).numpy().reshape(x.size, x.size)
    scale = max(1.0, np.abs(ref).max())
    np.testing.assert_allclose(dense_matrix(ln.jacobian(x)) / scale, ref / scale, rtol=0,
                               atol=1e-12)


def test_softmax_and_layer_norm_jacobians_on_shift_and_scale_directions() -> None:
    """The docs' statements: J 1 = 0 for softmax; LayerNorm's J kills a constant shift and
    maps the state's own direction xhat to rstd * eps / (var + eps) * xhat (gamma = 1)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5))
    ones = np.ones((1, 3, 5))
    np.testing.assert_allclose(Softmax(1, in_shape=(3, 5)).jacobian(x).matmat(ones), 0,
                               atol=1e-15)
    eps = 0.3
    jac = LayerNorm((5,), eps, in_shape=(3, 5)).jacobian(x)
    np.testing.assert_allclose(jac.matmat(ones), 0, atol=1e-14)
    var = x.var(axis=1, keepdims=True)
    xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    expected = xhat * eps / (var + eps) / np.sqrt(var + eps)
    np.testing.assert_allclose(jac.matmat(xhat[None])[0], expected, rtol=1e-12, atol=1e-14)
