"""The linear maps between tensors (blocks W_vu of w (2.1)): products against matrices
written out independently, adjoints by <W x, y> = <x, W^T y>."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning.graph.maps import (
    DenseMap,
    IdentityMap,
    LinearMap,
    ReshapeMap,
    ScaleMap,
    SumMap,
    add,
    compose,
    dense_matrix,
)


def _adjoint_gap(m: LinearMap, rng: np.random.Generator) -> float:
    x = rng.standard_normal((3, *m.in_shape))
    y = rng.standard_normal((3, *m.out_shape))
    lhs = np.sum(m.matmat(x) * y)
    rhs = np.sum(x * m.rmatmat(y))
    return abs(lhs - rhs) / (1 + abs(lhs))


def test_dense_map_matrix_is_the_weight_and_flattens_tensor_inputs() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 6))
    m = DenseMap(w, in_shape=(2, 3))
    np.testing.assert_array_equal(dense_matrix(m), w)
    x = rng.standard_normal((5, 2, 3))
    np.testing.assert_allclose(m.matmat(x), x.reshape(5, 6) @ w.T, rtol=1e-14)
    assert m.rmatmat(rng.standard_normal((5, 4))).shape == (5, 2, 3)
    assert m.nbytes == w.nbytes


def test_scale_map_is_a_per_channel_diagonal() -> None:
    s = np.array([2.0, -0.5])
    expected = np.diag(np.repeat(s, 3))  # channel-first: channel c holds entries 3c..3c+2
    np.testing.assert_array_equal(dense_matrix(ScaleMap((2, 3), s)), expected)


def test_identity_and_reshape_are_identity_matrices() -> None:
    np.testing.assert_array_equal(dense_matrix(IdentityMap((2, 2))), np.eye(4))
    np.testing.assert_array_equal(dense_matrix(ReshapeMap((2, 3), (3, 2))), np.eye(6))


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_compose_and_add_match_matrix_products(a: int, b: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    w1, w2, w3 = (rng.standard_normal(s) for s in ((b, a), (c, b), (c, b)))
    inner = DenseMap(w1)
    m = add(compose(DenseMap(w2), inner), compose(ScaleMap((c,), np.arange(1.0, c + 1)),
                                                  DenseMap(w3 @ w1)))
    expected = w2 @ w1 + np.diag(np.arange(1.0, c + 1)) @ w3 @ w1
    np.testing.assert_allclose(dense_matrix(m), expected, atol=1e-12)
    assert _adjoint_gap(m, rng) < 1e-12


def test_adjoints_of_every_elementary_map() -> None:
    rng = np.random.default_rng(1)
    maps = [DenseMap(rng.standard_normal((3, 4)), in_shape=(2, 2)), IdentityMap((3,)),
            ScaleMap((2, 2), rng.standard_normal(2)), ReshapeMap((2, 3), (6,)),
            add(IdentityMap((2,)), DenseMap(rng.standard_normal((2, 2))))]
    for m in maps:
        assert isinstance(m, LinearMap)
        assert _adjoint_gap(m, rng) < 1e-12


def test_compose_folds_identities_scales_and_reshapes() -> None:
    d = DenseMap(np.ones((2, 2)))
    assert compose(d, IdentityMap((2,))) is d
    assert isinstance(compose(ScaleMap((2,), [2.0, 3.0]), ScaleMap((2,), [5.0, 7.0])), ScaleMap)
    assert isinstance(compose(ReshapeMap((6,), (2, 3)), ReshapeMap((2, 3), (6,))), IdentityMap)
    s = add(add(d, d), d)
    assert isinstance(s, SumMap) and len(s.terms) == 3


def test_bad_shapes_and_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot compose"):
        compose(DenseMap(np.ones((2, 3))), IdentityMap((2,)))
    with pytest.raises(ValueError, match="different shapes"):
        add(IdentityMap((2,)), IdentityMap((3,)))
    with pytest.raises(ValueError, match="non-finite"):
        DenseMap(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="changes the number"):
        ReshapeMap((2, 3), (5,))
    with pytest.raises(ValueError, match="must have shape"):
        DenseMap(np.ones((2, 3))).matmat(np.ones((1, 2)))
    with pytest.raises(ValueError, match="scale must have shape"):
        ScaleMap((2, 3), np.ones(3))
