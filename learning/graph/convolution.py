"""Convolution and transposed convolution as blocks W_vu of a septuple's weight matrix w (2.1).

A convolution is a linear map between two channels-first tensors; written as a matrix it is a
sparse, weight-shared block of w: the entry from input neuron (c, i) to output neuron (o, j) is
``weight[o, c - g*C_in/groups, kappa]`` when ``i = j * stride - begin + kappa * dilation`` for a
kernel offset kappa and c lies in o's group g, and zero otherwise.  The maps here never form
that matrix: :meth:`Conv.matmat` is im2col (a strided view, one contiguous copy) followed by one
BLAS matrix product per probe and group, and :meth:`Conv.rmatmat`, the exact adjoint, is one
product with the transposed weight followed by col2im (one strided addition per kernel offset),
or, for stride 1, the convolution with the flipped kernel (the same im2col and BLAS product).
Faster routes give the same products: small ones (SMALL_ENTRIES) gather through a cached
index and add back with ``np.bincount``; wide stride-1 ones (SHIFT_MIN_CHANNELS) skip im2col,
one BLAS product per kernel offset accumulating on a channels-last copy of the padded input;
stride-1 adjoints with more output than input channels (SPREAD_MIN_RATIO) form G = weight^T y
channels-first in one BLAS product and add its rows into the padded input at one constant
shift per kernel offset.  Temporaries live in per-thread work buffers
(``learning.graph._workspace``), so a repeated product does not page in fresh memory.
A transposed convolution is the adjoint of the convolution with the same weight
(:class:`ConvTranspose`).  Bias is not part of a block: the node holds b (2.5).

Layouts follow ONNX and PyTorch: conv weight (C_out, C_in/groups, *kernel), transposed-conv
weight (C_in, C_out/groups, *kernel); padding per side in ONNX order (all begins, then all
ends), or one int / one per axis for both sides.  Any number of spatial axes works (1-D and 2-D
are the tested cases; 3-D is tested too).

float32 inputs give float32 outputs (the weight is cast once and cached); float64 inputs give
float64 outputs.  Working memory of a product beyond its input and output: about CHUNK_BYTES
(probes are processed in chunks), at most SPREAD_BYTES on the channels-first adjoint route;
it stays allocated in the thread's work buffers between products.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import get_blas_funcs

from learning.graph._windows import (
    Windows,
    batch,
    channels_first_shape,
    finite_array,
    int_tuple,
    pads,
)
from learning.graph._workspace import workspace
from learning.threads import SMALL_PRODUCT_FLOPS, one_blas_thread

__all__ = ["Conv", "ConvTranspose", "BLAS_SERIAL_MNK", "CHUNK_BYTES", "SHIFT_BYTES",
           "SHIFT_MIN_CHANNELS", "SMALL_ENTRIES", "SPREAD_BYTES", "SPREAD_MIN_RATIO"]

#: Size of the im2col (or col2im) buffer per chunk of probes: it can stay in the L2 cache between
#: the copy and the BLAS product, and it bounds the working memory of a product.  Measured on the
#: shared 2-core machine (LeNet-5 / ResNet-20 layers, 30 probes, benchmarks/README.md): faster
#: than the whole batch at once on 6 of 10 layers (by 7-45 %), slower on 3 (by 9-25 %); 256 KiB
#: and 4 MiB chunks were slower than 1 MiB.
CHUNK_BYTES = 1 << 20

#: Products whose im2col holds at most this many entries (probes x C_in x prod(kernel) x output
#: positions) read the input through a cached index (one ``np.take``) and add the adjoint's
#: columns back with one ``np.bincount``: a few NumPy calls instead of a strided view, a copy
#: and one addition per kernel offset, which at these sizes cost more than the arithmetic.
SMALL_ENTRIES = 1 << 16

#: Stride-1 convolutions with at least this many input channels (and one group) compute W x as
#: one accumulating BLAS product per kernel offset on a channels-last copy of the padded input
#: (every offset's reads are then one contiguous block, so nothing like im2col is copied).
#: Measured (benchmarks/README.md): faster than im2col from 16 input channels on, slower at
#: 1, 3 and 6 (the products are then too thin for BLAS); a 1 x 1 kernel needs no im2col.  Tried
#: for stride 2 with the padded input split by phase (position modulo the stride): no faster
#: than im2col (ResNet-20's 16-32 and 32-64 transitions), so the route is for stride 1 only.
SHIFT_MIN_CHANNELS = 16

#: Stride-1 convolutions (one group, kernel larger than 1 x 1) with more than SPREAD_MIN_RATIO
#: times as many output as input channels compute W^T y channels-first: one BLAS product
#: G = weight^T y for all probes (C_in * prod(kernel) rows), then one contiguous addition per
#: kernel offset of G's rows into the padded input (``Conv._spread_rmatmat``).  Measured
#: against col2im (30 probes, CPU time, each call after a PyTorch call as in
#: benchmarks/bench_convolution.py, load 4): LeNet-5 conv1 1.07 -> 0.81 ms float32, 1.68 ->
#: 1.43 ms float64; conv2 1.02 -> 0.84 ms and 1.78 -> 1.43 ms; the ResNet-20 stem (3 x 3
#: kernel) the same within 5 % (1.36 / 1.44 ms float32, 2.34 / 2.36 ms float64).
SPREAD_MIN_RATIO = 1.0

#: Size of G per chunk of probes of that route (the 30-probe LeNet-5 and stem products in one
#: chunk): chunks of 0.5-2 MiB were no faster (within 10 %, either way, same measurement).
SPREAD_BYTES = 1 << 23

#: Probes per chunk of the accumulating route: its input and output blocks of
#: (C_in + C_out) * prod(padded spatial) entries per probe stay in the L2 cache.
SHIFT_BYTES = 1 << 18

#: OpenBLAS computes a gemm with m n k at most this on the calling thread, whatever its thread
#: count (interface/gemm.c: SMP_THRESHOLD_MIN 65536 x GEMM_MULTITHREAD_THRESHOLD 4).  Larger
#: per-probe products of the read-index routes are held to one BLAS thread like the others:
#: at two threads beside PyTorch's, OpenBLAS's second thread stalled them (batch 1, ResNet-20
#: 16-32 s2, 32-64 s2, 64-64: 0.5-2 ms instead of 0.05-0.1 ms; benchmarks/README.md).
BLAS_SERIAL_MNK = 1 << 18

Array = NDArray[np.floating[Any]]


def _conv_weight(weight: object, argument: str = "weight") -> Array:
    w = finite_array(weight, argument)
    if w.ndim < 3:
        raise ValueError(f"{argument} must have rank >= 3, (out channels, in channels / groups, "
                         f"*kernel), got shape {w.shape}")
    if min(w.shape) < 1:
        raise ValueError(f"{argument} must have positive sizes, got shape {w.shape}")
    return np.ascontiguousarray(w)


def _groups(groups: object, c_in: int, c_out: int, in_name: str, out_name: str) -> int:
    g = int(groups)  # type: ignore[call-overload]
    if g < 1:
        raise ValueError(f"groups must be >= 1, got {groups}")
    for name, c in ((in_name, c_in), (out_name, c_out)):
        if c % g:
            raise ValueError(f"groups = {g} does not divide the {name} ({c})")
    return g


@dataclass(frozen=True, eq=False)
class Conv:
    """A convolution ``y[o, j] = sum_{c in group(o), kappa} weight[o, c', kappa]
    x[c, j * stride - begin + kappa * dilation]`` (ONNX Conv, PyTorch conv1d/conv2d,
    zero padding), as one block W_vu of w (2.1) acting on a batch of probes.

    Parameters
    ----------
    weight : array (C_out, C_in / groups, *kernel)
    stride, dilation : int or one int per spatial axis
    padding : int, one int per axis (both sides) or 2d ints in ONNX order
    groups : int dividing C_in and C_out
    in_shape : (C_in, *spatial), keyword only

    Examples
    --------
    A 1-D moving sum of width 2 with one zero of padding on each side:

    >>> import numpy as np
    >>> conv = Conv(np.ones((1, 1, 2)), padding=1, in_shape=(1, 3))
    >>> conv.out_shape
    (1, 4)
    >>> conv.matmat(np.array([[[1.0, 2.0, 3.0]]])).tolist()
    [[[1.0, 3.0, 5.0, 3.0]]]
    >>> conv.rmatmat(np.array([[[1.0, 0.0, 0.0, 0.0]]])).tolist()
    [[[1.0, 0.0, 0.0]]]
    """

    weight: Array
    stride: int | tuple[int, ...] = 1
    padding: int | tuple[int, ...] = 0
    dilation: int | tuple[int, ...] = 1
    groups: int = 1
    in_shape: tuple[int, ...] = field(kw_only=True)
    out_shape: tuple[int, ...] = field(init=False)
    windows: Windows = field(init=False, repr=False)
    _cache: dict[Any, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        w = _conv_weight(self.weight)
        d = w.ndim - 2
        shape = channels_first_shape(self.in_shape, d)
        g = _groups(self.groups, shape[0], w.shape[0], "input channels in_shape[0]",
                    "output channels weight.shape[0]")
        if w.shape[1] * g != shape[0]:
            raise ValueError(f"weight.shape[1] * groups = {w.shape[1]} * {g} must equal the input"
                             f" channels in_shape[0] = {shape[0]}: the shapes do not chain")
        win = Windows.build(shape, tuple(w.shape[2:]), self.stride, self.dilation,
                            self.padding, "kernel (weight.shape[2:])")
        object.__setattr__(self, "weight", w)
        object.__setattr__(self, "groups", g)
        win.record(self, w.shape[0])

    def _weight(self, dtype: np.dtype[Any]) -> Array:
        """(groups, C_out/groups, C_in/groups * prod(kernel)) in ``dtype``, cached."""
        if dtype not in self._cache:
            w = self.weight.astype(dtype, copy=False)
            self._cache[dtype] = w.reshape(self.groups, w.shape[0] // self.groups, -1)
        return self._cache[dtype]

    def _small(self, k: int) -> bool:
        """True when k probes' im2col has at most SMALL_ENTRIES entries."""
        per_probe = self.in_shape[0] * self.windows.size * math.prod(self.windows.out_spatial)
        return k * per_probe <= SMALL_ENTRIES

    def _index(self) -> NDArray[np.intp]:
        """The cached :meth:`Windows.read_index` (built at the first small product)."""
        if "index" not in self._cache:
            self._cache["index"] = self.windows.read_index()
        return self._cache["index"]

    def _take_matmat(self, x: Array) -> Array:
        """W x by one ``np.take`` of the input (a zero appended for the padding) and one BLAS
        product per probe and group."""
        k, n = x.shape[0], math.prod(self.in_shape)
        ext = np.empty((k, n + 1), dtype=x.dtype)
        ext[:, :n] = x.reshape(k, n)
        ext[:, n] = 0
        w = self._weight(x.dtype)
        cols = np.take(ext, self._index(), axis=1).reshape(k, self.groups, w.shape[2], -1)
        return np.matmul(w, cols).reshape(k, *self.out_shape)

    def _bincount_rmatmat(self, y: Array) -> Array:
        """W^T y: one BLAS product per probe and group, then every column entry added to the
        input position it was read from by one ``np.bincount`` (sums in float64)."""
        k, n = y.shape[0], math.prod(self.in_shape)
        w_t = self._weight(y.dtype).transpose(0, 2, 1)
        cols = np.matmul(w_t, y.reshape(k, self.groups, w_t.shape[2], -1))
        at = self._index() + np.arange(0, k * (n + 1), n + 1).reshape(k, 1, 1)
        sums = np.bincount(at.ravel(), weights=cols.ravel(), minlength=k * (n + 1))
        return np.ascontiguousarray(sums.reshape(k, n + 1)[:, :n], dtype=y.dtype).reshape(
            k, *self.in_shape)

    def _shifts(self) -> bool:
        """True when W x takes the accumulating route (:meth:`_shift_matmat`)."""
        return (self.groups == 1 and set(self.windows.stride) == {1}
                and self.windows.size > 1 and self.in_shape[0] >= SHIFT_MIN_CHANNELS)

    def _taps(self, dtype: np.dtype[Any]) -> list[Array]:
        """weight[:, :, kappa] for every kernel offset, Fortran-ordered in ``dtype``, cached."""
        if ("taps", dtype) not in self._cache:
            w = self.weight.astype(dtype, copy=False)
            self._cache["taps", dtype] = [np.asfortranarray(w[(slice(None), slice(None), *kap)])
                                         for kap in np.ndindex(*self.windows.kernel)]
        return self._cache["taps", dtype]

    def _shift_matmat(self, x: Array) -> Array:
        """W x for stride 1: the padded input channels-last, flattened over probes and
        positions (rows), so that kernel offset kappa reads rows shifted by one constant; the
        output on the same padded grid is sum_kappa X[rows + shift_kappa] weight[:, :, kappa]^T,
        one BLAS product accumulating into it per offset; outputs outside the valid part of
        the grid are computed and dropped."""
        win, c_out = self.windows, self.out_shape[0]
        padded = tuple(n + b + e for n, b, e in zip(win.in_spatial, win.begin, win.end,
                                                    strict=True))
        plane = math.prod(padded)
        flat = [math.prod(padded[i + 1:]) * dl for i, dl in enumerate(win.dilation)]
        shifts = [sum(kk * f for kk, f in zip(kap, flat, strict=True))
                  for kap in np.ndindex(*win.kernel)]
        gemm, taps = get_blas_funcs("gemm", dtype=x.dtype), self._taps(x.dtype)
        inner = tuple(slice(b, b + n) for b, n in zip(win.begin, win.in_spatial, strict=True))
        valid = tuple(slice(0, n) for n in win.out_spatial)
        out = np.empty((x.shape[0], *self.out_shape), dtype=x.dtype)
        step = max(1, SHIFT_BYTES // ((self.in_shape[0] + c_out) * plane * x.itemsize))
        for a in range(0, x.shape[0], step):
            part = x[a:a + step]
            rows = part.shape[0] * plane
            xcl = workspace("shift-in", (rows + shifts[-1], self.in_shape[0]), x.dtype)
            xcl.fill(0)
            xcl[:rows].reshape(part.shape[0], *padded, -1)[(slice(None), *inner)] = \
                np.moveaxis(part, 1, -1)
            acc = workspace("shift-acc", (c_out, rows), x.dtype, order="F")
            acc.fill(0)
            for tap, shift in zip(taps, shifts, strict=True):
                acc = gemm(1.0, tap, xcl[shift:shift + rows].T, 1.0, acc, overwrite_c=True)
            grid = acc.T.reshape(part.shape[0], *padded, c_out)
            out[a:a + step] = np.moveaxis(grid[(slice(None), *valid)], -1, 1)
        return out

    def _threads(self) -> AbstractContextManager[None]:
        """BLAS on one thread while one probe's product is below SMALL_PRODUCT_FLOPS: every
        BLAS call of the routes then is (one per probe and group, per kernel offset on a chunk
        of SHIFT_BYTES, or on a chunk of the channels-first adjoint bounded by the same flops),
        and a second BLAS thread handed a product that small costs more than it gains
        (benchmarks/README.md: two threads, 30 probes, the per-offset products of ResNet-20's
        16-16 layer); otherwise BLAS keeps its threads."""
        if self._flops(1) < SMALL_PRODUCT_FLOPS:
            return one_blas_thread()
        return nullcontext()

    def _small_threads(self) -> AbstractContextManager[None]:
        """:meth:`_threads` for the read-index routes, whose BLAS calls are one per probe and
        group, of m n k = flops(1) / (2 groups): none (BLAS left as it is) when OpenBLAS runs
        such a call on the calling thread anyway (BLAS_SERIAL_MNK), since switching BLAS to
        one thread and back costs ~8 us, the time of a whole small product."""
        if self._flops(1) <= 2 * self.groups * BLAS_SERIAL_MNK:
            return nullcontext()
        return self._threads()

    def _flops(self, k: int) -> float:
        """Flops (2 x multiply-adds) of W x, or of W^T y, for k probes."""
        return 2.0 * k * self.weight.size * math.prod(self.windows.out_spatial)

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: W x for each probe (2.1)."""
        x = batch(x, self.in_shape, "x")
        if self._small(x.shape[0]):
            with self._small_threads():
                return self._take_matmat(x)
        with self._threads():
            return self._large_matmat(x)

    def _large_matmat(self, x: Array) -> Array:
        """W x by the accumulating route or im2col (see :meth:`matmat`)."""
        if self._shifts():
            return self._shift_matmat(x)
        out = np.empty((x.shape[0], *self.out_shape), dtype=x.dtype)
        win, w, g = self.windows, self._weight(x.dtype), self.groups
        n_out = math.prod(win.out_spatial)
        for part in self._chunks(x.shape[0], x.dtype.itemsize):
            xs = x[part]
            k = xs.shape[0]
            pad = workspace("conv-pad", win.padded_shape(k, self.in_shape[0]), x.dtype)
            cols = win.columns(xs, 0.0, workspace(
                "conv-cols", (k, self.in_shape[0], win.size, n_out), x.dtype), pad)
            np.matmul(w, cols.reshape(k, g, w.shape[2], n_out),
                      out=out[part].reshape(k, g, w.shape[1], n_out))
        return out

    def _chunks(self, k: int, itemsize: int) -> list[slice]:
        """Probes in chunks whose im2col / col2im buffer is about CHUNK_BYTES."""
        per_probe = self.in_shape[0] * self.windows.size * math.prod(self.windows.out_spatial)
        step = max(1, CHUNK_BYTES // (per_probe * itemsize))
        return [slice(a, a + step) for a in range(0, k, step)]

    def _flipped(self) -> Conv | None:
        """For stride 1, W^T as a convolution: the kernel flipped, input and output channels
        swapped within each group, padding (kernel extent - 1) - padding on each side.

        None (col2im is used) when the stride is not 1, a padding exceeds the kernel's
        extent - 1, or there are more output than input channels: the flipped convolution's
        im2col copies C_out * prod(kernel) rows, col2im adds C_in * prod(kernel) (measured:
        flipped 1.2-1.3x faster at C_out = C_in, col2im 2-4x faster at C_out = 6 C_in)."""
        if "flipped" not in self._cache:
            win, w, g = self.windows, self.weight, self.groups
            ext = tuple(dl * (kk - 1) for kk, dl in zip(win.kernel, win.dilation, strict=True))
            pad = tuple(x - b for x, b in zip(ext, win.begin, strict=True)) + tuple(
                x - e for x, e in zip(ext, win.end, strict=True))
            flipped = None
            if set(win.stride) == {1} and min(pad) >= 0 and w.shape[0] // g <= w.shape[1]:
                wg = w.reshape(g, w.shape[0] // g, *w.shape[1:]).swapaxes(1, 2)
                wf = np.flip(wg, axis=tuple(range(3, 3 + win.d)))
                flipped = Conv(wf.reshape(-1, w.shape[0] // g, *win.kernel), 1, pad,
                               win.dilation, g, in_shape=self.out_shape)
            self._cache["flipped"] = flipped
        return self._cache["flipped"]

    def _spreads(self) -> bool:
        """True when W^T y takes the channels-first route (:meth:`_spread_rmatmat`)."""
        return (self.groups == 1 and set(self.windows.stride) == {1}
                and self.windows.size > 1
                and self.out_shape[0] > SPREAD_MIN_RATIO * self.in_shape[0])

    def _spread_rmatmat(self, y: Array) -> Array:
        """W^T y for stride 1, channels-first: y on a grid of the padded input's geometry
        (its first spatial axis cut to the output's length, zero outside the output), so that
        kernel offset kappa adds into the padded input at one constant shift; G = weight^T y,
        one BLAS product with C_in * prod(kernel) rows, then sum_kappa of G's rows kappa
        shifted, one contiguous addition per offset into the padded input's planes."""
        win, c_in, c_out = self.windows, self.in_shape[0], self.out_shape[0]
        padded = win.padded_shape(1, 1)[2:]
        grid = (win.out_spatial[0], *padded[1:])
        n_g, plane = math.prod(grid), math.prod(padded)
        flat = [math.prod(padded[i + 1:]) * dl for i, dl in enumerate(win.dilation)]
        shifts = [sum(kk * f for kk, f in zip(kap, flat, strict=True))
                  for kap in np.ndindex(*win.kernel)]
        pitch = max(plane, shifts[-1] + n_g)  # planes far enough apart not to overlap
        if ("spread", y.dtype) not in self._cache:
            w = self.weight.astype(y.dtype, copy=False).reshape(c_out, -1)
            self._cache["spread", y.dtype] = np.ascontiguousarray(w.T)
        w_t = self._cache["spread", y.dtype]
        valid = (slice(None), slice(None), *(slice(0, n) for n in win.out_spatial))
        out = np.empty((y.shape[0], *self.in_shape), dtype=y.dtype)
        step = max(1, min(SPREAD_BYTES // (w_t.shape[0] * n_g * y.itemsize),
                          int(SMALL_PRODUCT_FLOPS // (2 * w_t.size * n_g))))
        for a in range(0, y.shape[0], step):
            part = y[a:a + step]
            k = part.shape[0]
            dy = workspace("spread-y", (c_out, k, *grid), y.dtype)
            dy.fill(0)
            dy[valid] = part.swapaxes(0, 1)
            g = workspace("spread-g", (c_in, len(shifts), k, n_g), y.dtype)
            np.matmul(w_t, dy.reshape(c_out, -1), out=g.reshape(w_t.shape[0], -1))
            acc = workspace("spread-acc", (c_in, k, pitch), y.dtype)
            acc.fill(0)
            for j, shift in enumerate(shifts):
                acc[:, :, shift:shift + n_g] += g[:, j]
            planes = acc[:, :, :plane].reshape(c_in, k, *padded)
            out[a:a + k] = planes[win.interior()].swapaxes(0, 1)
        return out

    def rmatmat(self, y: Array) -> Array:
        """``(k, *out_shape) -> (k, *in_shape)``: the adjoint W^T y (2.1)."""
        y = batch(y, self.out_shape, "y")
        if self._small(y.shape[0]):
            with self._small_threads():
                return self._bincount_rmatmat(y)
        with self._threads():
            return self._large_rmatmat(y)

    def _large_rmatmat(self, y: Array) -> Array:
        """W^T y by the channels-first route, the flipped kernel or col2im (see
        :meth:`rmatmat`)."""
        if self._spreads():
            return self._spread_rmatmat(y)
        flipped = self._flipped()
        if flipped is not None:
            return flipped.matmat(y)
        out = np.empty((y.shape[0], *self.in_shape), dtype=y.dtype)
        win, w_t = self.windows, self._weight(y.dtype).transpose(0, 2, 1)
        for part in self._chunks(y.shape[0], y.dtype.itemsize):
            yp = y[part].reshape(-1, self.groups, w_t.shape[2], math.prod(win.out_spatial))
            k = yp.shape[0]
            cols = workspace("conv-cols", (k, self.groups, w_t.shape[1], yp.shape[-1]),
                             y.dtype)
            np.matmul(w_t, yp, out=cols)
            out[part] = win.scatter(cols.reshape(k, self.in_shape[0], win.size, -1),
                                    workspace("conv-pad", win.padded_shape(k, self.in_shape[0]),
                                              y.dtype))
        return out

    @property
    def nbytes(self) -> int:
        """Bytes held: the weight, its cached copies in other precisions and the read index
        of small products (at most SMALL_ENTRIES integers)."""
        extra = 0
        for v in self._cache.values():
            if isinstance(v, Conv):
                extra += v.nbytes
            elif isinstance(v, list):
                extra += sum(int(t.nbytes) for t in v)
            elif v is not None and not np.shares_memory(v, self.weight):
                extra += int(v.nbytes)
        return int(self.weight.nbytes) + extra


@dataclass(frozen=True, eq=False)
class ConvTranspose:
    """A transposed convolution (ONNX ConvTranspose, PyTorch conv_transpose1d/2d):
    ``y[o, i * stride - begin + kappa * dilation] += weight[c, o', kappa] x[c, i]``, the
    adjoint of the :class:`Conv` with the same weight, as one block W_vu of w (2.1).

    Output size per axis: ``(n - 1) * stride - begin - end + dilation * (kernel - 1)
    + output_padding + 1``; the last ``output_padding`` rows get no contribution beyond what
    the formula reaches (zero there), as in ONNX and PyTorch.

    Parameters
    ----------
    weight : array (C_in, C_out / groups, *kernel)
    stride, dilation, output_padding : int or one int per spatial axis
    padding : int, one int per axis (both sides) or 2d ints in ONNX order
    groups : int dividing C_in and C_out
    in_shape : (C_in, *spatial), keyword only

    Examples
    --------
    >>> import numpy as np
    >>> up = ConvTranspose(np.ones((1, 1, 2)), stride=2, in_shape=(1, 2))
    >>> up.matmat(np.array([[[1.0, 2.0]]])).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> up.rmatmat(np.array([[[1.0, 2.0, 3.0, 4.0]]])).tolist()
    [[[3.0, 7.0]]]
    """

    weight: Array
    stride: int | tuple[int, ...] = 1
    padding: int | tuple[int, ...] = 0
    output_padding: int | tuple[int, ...] = 0
    dilation: int | tuple[int, ...] = 1
    groups: int = 1
    in_shape: tuple[int, ...] = field(kw_only=True)
    out_shape: tuple[int, ...] = field(init=False)
    adjoint: Conv = field(init=False, repr=False)

    def __post_init__(self) -> None:
        w = _conv_weight(self.weight)
        d = w.ndim - 2
        shape = channels_first_shape(self.in_shape, d)
        if w.shape[0] != shape[0]:
            raise ValueError(f"weight.shape[0] = {w.shape[0]} must equal the input channels "
                             f"in_shape[0] = {shape[0]}: the shapes do not chain")
        g = _groups(self.groups, shape[0], w.shape[1] * int(self.groups),
                    "input channels in_shape[0]", "output channels")
        stride = int_tuple(self.stride, d, "stride", 1)
        dilation = int_tuple(self.dilation, d, "dilation", 1)
        begin, end = pads(self.padding, d)
        out_pad = int_tuple(self.output_padding, d, "output_padding", 0)
        spatial = tuple((n - 1) * s - b - e + di * (kk - 1) + op + 1
                        for n, s, b, e, di, kk, op in zip(shape[1:], stride, begin, end,
                                                          dilation, w.shape[2:], out_pad,
                                                          strict=True))
        if any(n < 1 for n in spatial):
            raise ValueError(f"padding {begin + end} removes the whole output: spatial output "
                             f"size {spatial}")
        conv = Conv(w, stride, begin + end, dilation, g, in_shape=(w.shape[1] * g, *spatial))
        object.__setattr__(self, "weight", conv.weight)
        object.__setattr__(self, "in_shape", shape)
        object.__setattr__(self, "groups", g)
        object.__setattr__(self, "stride", conv.stride)
        object.__setattr__(self, "dilation", conv.dilation)
        object.__setattr__(self, "padding", conv.padding)
        object.__setattr__(self, "output_padding", out_pad)
        object.__setattr__(self, "adjoint", conv)
        object.__setattr__(self, "out_shape", conv.in_shape)

    def _extra(self) -> tuple[tuple[int, int], ...]:
        """Zero rows to append so the input matches the adjoint conv's output (when
        output_padding >= stride the conv's output is longer than this map's input)."""
        return ((0, 0), (0, 0), *((0, m - n) for m, n in
                                  zip(self.adjoint.out_shape[1:], self.in_shape[1:],
                                      strict=True)))

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: W x for each probe (2.1)."""
        x = batch(x, self.in_shape, "x")
        extra = self._extra()
        if any(p[1] for p in extra):
            x = np.pad(x, extra)
        return self.adjoint.rmatmat(x)

    def rmatmat(self, y: Array) -> Array:
        """``(k, *out_shape) -> (k, *in_shape)``: the adjoint W^T y (2.1)."""
        y = batch(y, self.out_shape, "y")
        out = self.adjoint.matmat(y)
        keep = (slice(None), slice(None), *(slice(0, n) for n in self.in_shape[1:]))
        return np.ascontiguousarray(out[keep])

    @property
    def nbytes(self) -> int:
        """Bytes held: the weight and its cached copies in other precisions."""
        return self.adjoint.nbytes
