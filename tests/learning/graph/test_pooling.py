"""Average and global-average pooling as blocks of w (2.1): dense matrices against the ONNX
definition written as loops, adjoints, PyTorch where installed, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.graph.maps import dense_matrix
from learning.graph.pooling import AvgPool, GlobalAvgPool
from tests.learning.graph.references import avg_pool_matrix
from tests.learning.graph.test_convolution import adjoint_gap, adjoint_matrix


@st.composite
def pool_geometry(draw, max_d: int = 2, dilate: bool = True):
    """Small pools whose every window holds at least one input position."""
    d = draw(st.integers(1, max_d))
    channels = draw(st.integers(1, 3))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=d, max_size=d)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=d, max_size=d)))
    top = 2 if dilate else 1
    dilation = tuple(draw(st.lists(st.integers(1, top), min_size=d, max_size=d)))
    # PyTorch's rule: padding at most half the kernel (so no window is all padding)
    begin = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    end = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    spatial = tuple(dl * (k - 1) + 1 + draw(st.integers(0, 4))
                    for k, dl in zip(kernel, dilation, strict=True))
    return (channels, *spatial), kernel, stride, begin, end, dilation


@settings(max_examples=60)
@given(pool_geometry(), st.booleans())
def test_avg_pool_matrix_equals_the_onnx_definition(geometry, include_pad: bool) -> None:
    in_shape, kernel, stride, begin, end, dilation = geometry
    pool = AvgPool(kernel, stride, begin + end, include_pad, dilation, in_shape=in_shape)
    expected, out_shape = avg_pool_matrix(in_shape, kernel, stride, begin, end, dilation,
                                          include_pad)
    assert pool.out_shape == out_shape
    np.testing.assert_allclose(dense_matrix(pool), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(adjoint_matrix(pool), expected, rtol=0, atol=1e-12)
    assert adjoint_gap(pool) < 1e-12


@given(st.integers(1, 3), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_global_avg_pool_is_the_channel_mean(channels: int, spatial: list[int]) -> None:
    shape = (channels, *spatial)
    gap = GlobalAvgPool(shape)
    n = int(np.prod(spatial))
    expected = np.kron(np.eye(channels), np.full((1, n), 1.0 / n))  # row c: 1/n on channel c
    np.testing.assert_allclose(dense_matrix(gap), expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(adjoint_matrix(gap), expected, rtol=0, atol=1e-15)
    assert gap.out_shape == (channels, *(1,) * len(spatial))


def test_float32_stays_float32() -> None:
    x = np.ones((2, 3, 4, 4), dtype=np.float32)
    pool = AvgPool((2, 2), 2, in_shape=(3, 4, 4))
    assert pool.matmat(x).dtype == np.float32
    assert pool.rmatmat(pool.matmat(x)).dtype == np.float32
    gap = GlobalAvgPool((3, 4, 4))
    assert gap.matmat(x).dtype == np.float32 and gap.rmatmat(gap.matmat(x)).dtype == np.float32


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: AvgPool((2, 2), in_shape=(1, 4)), "in_shape"),            # 2-D kernel, 1-D input
    (lambda: AvgPool(2, in_shape=(1, 4)), "kernel"),                    # int: axes ambiguous
    (lambda: AvgPool((0,), in_shape=(1, 4)), "kernel"),
    (lambda: AvgPool((5,), in_shape=(1, 4)), "kernel"),                 # does not fit
    (lambda: AvgPool((2,), stride=0, in_shape=(1, 4)), "stride"),
    (lambda: AvgPool((2,), padding=(1, 1, 1), in_shape=(1, 4)), "padding"),
    (lambda: AvgPool((2,), padding=(3, 0), in_shape=(1, 4)), "padding"),  # window of padding
    (lambda: GlobalAvgPool((3,)), "in_shape"),
    (lambda: GlobalAvgPool((3, 0)), "in_shape"),
])
def test_bad_input_is_refused_naming_the_argument(call, argument: str) -> None:
    with pytest.raises((ValueError, TypeError), match=argument):
        call()


def test_products_refuse_tensors_that_do_not_chain() -> None:
    with pytest.raises(ValueError, match="x must have shape"):
        AvgPool((2,), in_shape=(1, 4)).matmat(np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match="y must have shape"):
        GlobalAvgPool((1, 4)).rmatmat(np.ones((1, 1, 4)))


@settings(max_examples=40)
@given(pool_geometry(dilate=False), st.booleans())
def test_avg_pool_equals_torch(geometry, include_pad: bool) -> None:
    torch = pytest.importorskip("torch")
    in_shape, kernel, stride, begin, _, _ = geometry
    pool = AvgPool(kernel, stride, begin, include_pad, in_shape=in_shape)
    x = np.random.default_rng(1).standard_normal((2, *in_shape))
    fn = (torch.nn.functional.avg_pool1d if len(kernel) == 1
          else torch.nn.functional.avg_pool2d)
    ref = fn(torch.from_numpy(x), kernel, stride, begin, count_include_pad=include_pad)
    np.testing.assert_allclose(pool.matmat(x), ref.numpy(), rtol=0, atol=1e-12)


def test_global_avg_pool_equals_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((3, 4, 5, 6))
    ref = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x), 1)
    np.testing.assert_allclose(GlobalAvgPool((4, 5, 6)).matmat(x), ref.numpy(), atol=1e-15)
