"""Convolution and transposed convolution as blocks of w (2.1): the dense matrix of each map
(column by column) against the matrix written out from the ONNX definition by loops over
output positions, the adjoint identity, PyTorch where installed, and the refusals."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import learning.graph.convolution as convolution
from learning.graph.convolution import Conv, ConvTranspose
from learning.graph.maps import LinearMap, dense_matrix
from tests.learning.graph.references import conv_matrix, conv_transpose_matrix


def adjoint_matrix(m: LinearMap) -> np.ndarray:
    """The matrix of m.rmatmat, column by column (unit impulses on the output)."""
    n_out = int(np.prod(m.out_shape))
    eye = np.eye(n_out).reshape((n_out, *m.out_shape))
    return np.asarray(m.rmatmat(eye)).reshape(n_out, -1)


#: The routes of every product, as (SMALL_ENTRIES, SHIFT_MIN_CHANNELS, SPREAD_MIN_RATIO):
#: im2col views and col2im (or the flipped kernel); the accumulating per-offset products
#: wherever they apply (stride 1, one group; also W^T through the flipped kernel); the
#: channels-first W^T (stride 1, one group, more output than input channels; a ratio of 0
#: takes it for every such convolution, whatever the channels); the read index (take /
#: bincount).
ROUTES = ((0, 1 << 62, np.inf), (0, 1, np.inf), (0, 1 << 62, 0.0), (1 << 62, 1, np.inf))


def routes():
    """Yield once per route, with the thresholds patched (build fresh operators inside)."""
    for small, shift, spread in ROUTES:
        with mock.patch.object(convolution, "SMALL_ENTRIES", small), \
                mock.patch.object(convolution, "SHIFT_MIN_CHANNELS", shift), \
                mock.patch.object(convolution, "SPREAD_MIN_RATIO", spread):
            yield small, shift, spread


def adjoint_gap(m: LinearMap, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, *m.in_shape))
    y = rng.standard_normal((3, *m.out_shape))
    lhs, rhs = np.sum(m.matmat(x) * y), np.sum(x * m.rmatmat(y))
    return abs(lhs - rhs) / (1 + abs(lhs))


@st.composite
def conv_geometry(draw, max_d: int = 2):
    """Small convolutions: d spatial axes, groups, strides, per-side paddings, dilations."""
    d = draw(st.integers(1, max_d))
    groups = draw(st.integers(1, 3))
    cin_g, cout_g = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=d, max_size=d)))
    stride = tuple(draw(st.lists(st.integers(1, 3), min_size=d, max_size=d)))
    dilation = tuple(draw(st.lists(st.integers(1, 2), min_size=d, max_size=d)))
    begin = tuple(draw(st.lists(st.integers(0, 2), min_size=d, max_size=d)))
    end = tuple(draw(st.lists(st.integers(0, 2), min_size=d, max_size=d)))
    spatial = tuple(max(1, dl * (k - 1) + 1 - b - e + draw(st.integers(0, 4)))
                    for k, dl, b, e in zip(kernel, dilation, begin, end, strict=True))
    seed = draw(st.integers(0, 2**32 - 1))
    weight = np.random.default_rng(seed).standard_normal((groups * cout_g, cin_g, *kernel))
    return weight, (groups * cin_g, *spatial), stride, begin, end, dilation, groups


@settings(max_examples=60)
@given(conv_geometry(max_d=3))
def test_conv_matrix_equals_the_onnx_definition(geometry) -> None:
    weight, in_shape, stride, begin, end, dilation, groups = geometry
    expected, out_shape = conv_matrix(weight, in_shape, stride, begin, end, dilation, groups)
    for _ in routes():
        conv = Conv(weight, stride, begin + end, dilation, groups, in_shape=in_shape)
        assert conv.out_shape == out_shape
        np.testing.assert_allclose(dense_matrix(conv), expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(adjoint_matrix(conv), expected, rtol=0, atol=1e-12)


@settings(max_examples=60)
@given(conv_geometry(), st.integers(0, 2))
def test_conv_transpose_matrix_equals_the_onnx_definition(geometry, extra: int) -> None:
    weight, in_shape, stride, begin, end, dilation, groups = geometry
    # the drawn (groups * a, b, *kernel) weight read as a transposed-conv weight
    # (C_in, C_out / groups, *kernel): C_in = groups * a, C_out = groups * b
    in_shape = (weight.shape[0], *in_shape[1:])
    output_padding = tuple(min(extra, max(s, dl) - 1) for s, dl in
                           zip(stride, dilation, strict=True))
    sizes = [(n - 1) * s - b - e + dl * (k - 1) + op + 1 for n, s, b, e, dl, k, op in
             zip(in_shape[1:], stride, begin, end, dilation, weight.shape[2:], output_padding,
                 strict=True)]
    if min(sizes) < 1:
        with pytest.raises(ValueError, match="padding"):
            ConvTranspose(weight, stride, begin + end, output_padding, dilation, groups,
                          in_shape=in_shape)
        return
    expected, out_shape = conv_transpose_matrix(weight, in_shape, stride, begin, end,
                                                output_padding, dilation, groups)
    for _ in routes():
        up = ConvTranspose(weight, stride, begin + end, output_padding, dilation, groups,
                           in_shape=in_shape)
        assert up.out_shape == out_shape
        np.testing.assert_allclose(dense_matrix(up), expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(adjoint_matrix(up), expected, rtol=0, atol=1e-12)


@given(conv_geometry())
def test_conv_adjoint_identity(geometry) -> None:
    weight, in_shape, stride, begin, end, dilation, groups = geometry
    for _ in routes():
        conv = Conv(weight, stride, begin + end, dilation, groups, in_shape=in_shape)
        assert adjoint_gap(conv) < 1e-12


def test_float32_stays_float32_and_agrees_with_float64() -> None:
    rng = np.random.default_rng(3)
    conv = Conv(rng.standard_normal((8, 3, 3, 3)), 2, 1, in_shape=(3, 9, 9))
    x = rng.standard_normal((4, 3, 9, 9))
    y32 = conv.matmat(x.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, conv.matmat(x), rtol=1e-4, atol=1e-4)
    u = rng.standard_normal((4, *conv.out_shape))
    back32 = conv.rmatmat(u.astype(np.float32))
    assert back32.dtype == np.float32
    np.testing.assert_allclose(back32, conv.rmatmat(u), rtol=1e-4, atol=1e-4)
    index = 3 * 9 * 25 * np.dtype(np.intp).itemsize  # C_in * prod(kernel) * output positions
    # the float32 copy and the read index of small products are cached
    assert conv.nbytes == conv.weight.nbytes + conv.weight.nbytes // 2 + index


def test_nbytes_is_the_weight() -> None:
    w = np.ones((4, 2, 3, 3))
    assert Conv(w, in_shape=(2, 5, 5)).nbytes == w.nbytes
    assert ConvTranspose(w, in_shape=(4, 5, 5)).nbytes == w.nbytes


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: Conv(np.ones((4, 3, 3)), in_shape=(2, 5)), "in_shape"),           # 3*1 != 2
    (lambda: Conv(np.ones((4, 3)), in_shape=(3, 5)), "weight"),                # rank 2
    (lambda: Conv(np.ones((4, 1, 3, 3)), in_shape=(3, 5)), "in_shape"),        # 2-D kernel, 1-D
    (lambda: Conv(np.ones((4, 1, 3)), groups=3, in_shape=(3, 5)), "groups"),   # 3 !| 4
    (lambda: Conv(np.ones((4, 2, 3)), groups=0, in_shape=(2, 5)), "groups"),
    (lambda: Conv(np.full((2, 1, 3), np.nan), in_shape=(1, 5)), "weight"),
    (lambda: Conv(np.full((2, 1, 3), np.inf), in_shape=(1, 5)), "weight"),
    (lambda: Conv(np.ones((2, 1, 3)), stride=0, in_shape=(1, 5)), "stride"),
    (lambda: Conv(np.ones((2, 1, 3)), padding=(1, 1, 1), in_shape=(1, 5)), "padding"),
    (lambda: Conv(np.ones((2, 1, 3)), padding=-1, in_shape=(1, 5)), "padding"),
    (lambda: Conv(np.ones((2, 1, 3)), dilation=(1, 1), in_shape=(1, 5)), "dilation"),
    (lambda: Conv(np.ones((2, 1, 9)), in_shape=(1, 5)), "kernel"),             # does not fit
    (lambda: ConvTranspose(np.ones((2, 1, 3)), in_shape=(3, 5)), "in_shape"),
    (lambda: ConvTranspose(np.ones((3, 1, 3)), groups=2, in_shape=(3, 5)), "groups"),
    (lambda: ConvTranspose(np.ones((2, 1, 3)), output_padding=-1, in_shape=(2, 5)),
     "output_padding"),
    (lambda: ConvTranspose(np.ones((2, 1, 1)), padding=3, in_shape=(2, 2)), "padding"),
    (lambda: ConvTranspose(np.full((2, 1, 1), np.nan), in_shape=(2, 2)), "weight"),
])
def test_bad_input_is_refused_naming_the_argument(call, argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        call()


def test_products_refuse_tensors_that_do_not_chain() -> None:
    conv = Conv(np.ones((2, 1, 3, 3)), in_shape=(1, 5, 5))
    with pytest.raises(ValueError, match="x must have shape"):
        conv.matmat(np.ones((1, 1, 5, 4)))
    with pytest.raises(ValueError, match="y must have shape"):
        conv.rmatmat(np.ones((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="x must have shape"):
        conv.matmat(np.ones((1, 5, 5)))  # no batch axis


# ---- PyTorch, where installed ------------------------------------------------------------


@settings(max_examples=40)
@given(conv_geometry(), st.integers(1, 3))
def test_conv_equals_torch(geometry, k: int) -> None:
    torch = pytest.importorskip("torch")
    weight, in_shape, stride, begin, end, dilation, groups = geometry
    for _ in routes():
        conv = Conv(weight, stride, begin + end, dilation, groups, in_shape=in_shape)
        check_conv_against_torch(torch, conv, geometry, k)


def check_conv_against_torch(torch, conv: Conv, geometry, k: int) -> None:
    """conv's W x and W^T u against PyTorch's conv and its input gradient, to 1e-12."""
    functional = torch.nn.functional
    weight, in_shape, stride, begin, end, dilation, groups = geometry
    x = np.random.default_rng(k).standard_normal((k, *in_shape))
    pad = [p for b, e in zip(reversed(begin), reversed(end), strict=True) for p in (b, e)]
    xt = functional.pad(torch.from_numpy(x), pad)
    fn = functional.conv1d if len(stride) == 1 else functional.conv2d
    ref = fn(xt, torch.from_numpy(weight), stride=stride, dilation=dilation, groups=groups)
    np.testing.assert_allclose(conv.matmat(x), ref.numpy(), rtol=0, atol=1e-12)
    # the input gradient of sum(y * u) is W^T u
    u = np.random.default_rng(k + 7).standard_normal((k, *conv.out_shape))
    xg = torch.from_numpy(x).requires_grad_(True)
    out = fn(functional.pad(xg, pad), torch.from_numpy(weight), stride=stride,
             dilation=dilation, groups=groups)
    (grad,) = torch.autograd.grad(out, xg, torch.from_numpy(u))
    np.testing.assert_allclose(conv.rmatmat(u), grad.numpy(), rtol=0, atol=1e-12)


@settings(max_examples=40)
@given(conv_geometry(), st.integers(0, 2))
def test_conv_transpose_equals_torch(geometry, extra: int) -> None:
    torch = pytest.importorskip("torch")
    weight, in_shape, stride, begin, _, dilation, groups = geometry
    in_shape = (weight.shape[0], *in_shape[1:])
    output_padding = tuple(min(extra, max(s, dl) - 1) for s, dl in
                           zip(stride, dilation, strict=True))
    kernel = weight.shape[2:]
    if any((n - 1) * s - 2 * b + dl * (kk - 1) + op + 1 < 1 for n, s, b, dl, kk, op in
           zip(in_shape[1:], stride, begin, dilation, kernel, output_padding, strict=True)):
        return
    up = ConvTranspose(weight, stride, begin, output_padding, dilation, groups,
                       in_shape=in_shape)
    x = np.random.default_rng(extra).standard_normal((2, *in_shape))
    fn = (torch.nn.functional.conv_transpose1d if len(stride) == 1
          else torch.nn.functional.conv_transpose2d)
    ref = fn(torch.from_numpy(x), torch.from_numpy(weight), stride=stride, padding=begin,
             output_padding=output_padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(up.matmat(x), ref.numpy(), rtol=0, atol=1e-12)


def test_conv_float32_equals_torch_float32() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    x = rng.standard_normal((2, 16, 12, 12)).astype(np.float32)
    conv = Conv(w, 1, 1, in_shape=(16, 12, 12))
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
    np.testing.assert_allclose(conv.matmat(x), ref.numpy(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(("stride", "padding", "c_out", "flipped"), [
    (1, (1, 0), 2, True),    # stride 1, C_out <= C_in: W^T is the flipped-kernel convolution
    (1, (1, 0), 6, False),   # more output than input channels: col2im
    (1, (5, 0), 2, False),   # padding beyond the kernel extent - 1: col2im
    (2, (1, 1), 2, False),   # stride 2: col2im
])
def test_both_adjoint_routes_equal_the_definition(monkeypatch, stride: int, padding,
                                                  c_out: int, flipped: bool) -> None:
    rng = np.random.default_rng(11)
    monkeypatch.setattr(convolution, "SMALL_ENTRIES", 0)  # the routes of large products
    weight = rng.standard_normal((c_out, 2, 3, 2))
    begin, end = padding[:1] * 2, padding[1:] * 2
    conv = Conv(weight, stride, begin + end, (2, 1), 2, in_shape=(4, 6, 5))
    assert (conv._flipped() is not None) == flipped
    expected, _ = conv_matrix(weight, (4, 6, 5), (stride,) * 2, begin, end, (2, 1), 2)
    np.testing.assert_allclose(adjoint_matrix(conv), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("stride", [1, 2])
def test_chunks_of_probes_give_the_same_products(monkeypatch, stride: int) -> None:
    import learning.graph.convolution as module

    rng = np.random.default_rng(12)
    conv = Conv(rng.standard_normal((5, 3, 3, 3)), stride, 1, in_shape=(3, 7, 6))
    x = rng.standard_normal((7, 3, 7, 6))
    y = rng.standard_normal((7, *conv.out_shape))
    whole = conv.matmat(x), Conv(conv.weight, stride, 1, in_shape=(3, 7, 6)).rmatmat(y)
    monkeypatch.setattr(module, "SMALL_ENTRIES", 0)  # 7 probes of 3 x 7 x 6 are small
    monkeypatch.setattr(module, "CHUNK_BYTES", 1)  # one probe per chunk
    assert len(conv._chunks(7, 8)) == 7
    chunked = Conv(conv.weight, stride, 1, in_shape=(3, 7, 6))
    np.testing.assert_allclose(chunked.matmat(x), whole[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(chunked.rmatmat(y), whole[1], rtol=0, atol=1e-13)


def test_small_products_take_the_read_index_and_large_ones_do_not() -> None:
    rng = np.random.default_rng(13)
    conv = Conv(rng.standard_normal((4, 3, 3, 3)), 1, 1, in_shape=(3, 8, 8))
    per_probe = 3 * 9 * 64  # C_in * prod(kernel) * output positions
    k_small = convolution.SMALL_ENTRIES // per_probe
    assert conv._small(k_small) and not conv._small(k_small + 1)
    x = rng.standard_normal((k_small + 1, 3, 8, 8))
    y = rng.standard_normal((k_small + 1, *conv.out_shape))
    large = conv.matmat(x), conv.rmatmat(y)
    assert "index" not in conv._cache
    small = conv.matmat(x[:k_small]), conv.rmatmat(y[:k_small])
    assert conv._cache["index"].shape == (3 * 9, 64)
    np.testing.assert_allclose(small[0], large[0][:k_small], rtol=0, atol=1e-13)
    np.testing.assert_allclose(small[1], large[1][:k_small], rtol=0, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("route", "chunk", "shape", "padding"), [
    ("_shifts", "SHIFT_BYTES", (8, 16, 3, 2), (1, 0, 2, 1)),    # W x: one product per offset
    ("_spreads", "SPREAD_BYTES", (5, 2, 3, 2), (2, 0, 1, 1)),   # W^T y channels-first
])
def test_the_accumulating_and_channels_first_routes_equal_the_definition(
        monkeypatch, route: str, chunk: str, shape, padding, dtype) -> None:
    rng = np.random.default_rng(14)
    monkeypatch.setattr(convolution, "SMALL_ENTRIES", 0)
    monkeypatch.setattr(convolution, chunk, 1)  # one probe per chunk
    weight = rng.standard_normal(shape)
    in_shape = (shape[1], 6, 5)
    conv = Conv(weight, 1, padding, (1, 2), in_shape=in_shape)
    assert getattr(conv, route)()
    expected, _ = conv_matrix(weight, in_shape, (1, 1), padding[:2], padding[2:], (1, 2), 1)
    if route == "_shifts":
        x = rng.standard_normal((3, *in_shape)).astype(dtype)
        check_products(conv.matmat(x), x, expected.T)
    else:
        assert conv._flipped() is None
        y = rng.standard_normal((3, *conv.out_shape)).astype(dtype)
        check_products(conv.rmatmat(y), y, expected)


def check_products(got: np.ndarray, probes: np.ndarray, matrix: np.ndarray) -> None:
    """got (k, ...) equals probes (k, ...) times matrix (n_in, n_out), in the probes' dtype."""
    assert got.dtype == probes.dtype
    tol = 1e-12 if probes.dtype == np.float64 else 1e-4
    k = probes.shape[0]
    np.testing.assert_allclose(got.reshape(k, -1), probes.reshape(k, -1) @ matrix, rtol=0,
                               atol=tol)


@pytest.mark.parametrize(("c_in", "c_out", "stride"), [(1, 4, 1), (16, 4, 1), (3, 5, 2)])
def test_results_do_not_share_the_work_buffers(monkeypatch, c_in: int, c_out: int,
                                               stride: int) -> None:
    """Each route keeps its temporaries in per-thread work buffers: a later product (here of
    another operator, whose buffers are the same) must leave an earlier result untouched."""
    monkeypatch.setattr(convolution, "SMALL_ENTRIES", 0)
    rng = np.random.default_rng(16)
    conv = Conv(rng.standard_normal((c_out, c_in, 3, 3)), stride, 1, in_shape=(c_in, 7, 7))
    other = Conv(rng.standard_normal((c_out, c_in, 3, 3)), stride, 1, in_shape=(c_in, 7, 7))
    x = rng.standard_normal((4, c_in, 7, 7))
    y = rng.standard_normal((4, *conv.out_shape))
    forward, adjoint = conv.matmat(x), conv.rmatmat(y)
    kept = forward.copy(), adjoint.copy()
    other.matmat(2 * x), other.rmatmat(2 * y)
    np.testing.assert_array_equal(forward, kept[0])
    np.testing.assert_array_equal(adjoint, kept[1])
    np.testing.assert_allclose(forward, conv.matmat(x), rtol=0, atol=1e-13)
    np.testing.assert_allclose(adjoint, conv.rmatmat(y), rtol=0, atol=1e-13)


def test_blas_runs_on_one_thread_while_one_probe_is_small() -> None:
    """The routes make one BLAS call per probe, kernel offset or small chunk: while one
    probe's product is below SMALL_PRODUCT_FLOPS, BLAS is held to one thread."""
    from learning.threads import SMALL_PRODUCT_FLOPS

    small = Conv(np.ones((4, 3, 3, 3)), 1, 1, in_shape=(3, 8, 8))
    large = Conv(np.ones((1, 1, 1)), in_shape=(1, int(SMALL_PRODUCT_FLOPS)))  # 2e8 flops
    assert small._flops(1) < SMALL_PRODUCT_FLOPS <= large._flops(1)
    check_thread_limits(large._threads, small._threads)


def test_small_products_hold_blas_to_one_thread_only_where_openblas_would_thread() -> None:
    """The read-index routes make one BLAS call per probe and group of m n k = flops(1) / 2
    per group: held to one thread above BLAS_SERIAL_MNK, left alone below it."""
    tiny = Conv(np.ones((4, 3, 3, 3)), 1, 1, in_shape=(3, 8, 8))  # 4 x 27 x 64 per probe
    wide = Conv(np.ones((64, 64, 3, 3)), 1, 1, in_shape=(64, 8, 8))  # 64 x 576 x 64
    assert tiny._small(1) and wide._small(1)
    assert tiny._flops(1) / 2 <= convolution.BLAS_SERIAL_MNK < wide._flops(1) / 2
    check_thread_limits(tiny._small_threads, wide._small_threads)


def check_thread_limits(leaves, limits) -> None:
    """At two BLAS threads, ``leaves()`` keeps them, ``limits()`` holds BLAS to one, and both
    restore two on exit."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

    with threadpool_limits(2, user_api="blas"):
        with leaves():
            assert blas_threads() == {2}
        with limits():
            assert blas_threads() == {1}
        assert blas_threads() == {2}
