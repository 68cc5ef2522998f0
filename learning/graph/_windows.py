"""Sliding windows over the spatial axes of a channels-first tensor: the geometry shared by
convolution, pooling and max pooling (one block W_vu of w (2.1) per operator).

A window operator reads, for every output position o and kernel offset kappa (one tuple per
spatial axis), the padded input at ``o * stride + kappa * dilation``.  :meth:`Windows.gather`
returns all those reads at once as a strided view (im2col without a copy);
:meth:`Windows.scatter` is its adjoint (col2im): it adds each read back to the position it
came from, with one vectorised strided addition per kernel offset (never a loop over pixels).

Padding is given per side in ONNX order ``(begin_1, ..., begin_d, end_1, ..., end_d)``; an int
or a length-d tuple means the same padding on both sides of each axis (PyTorch's convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from learning.graph.maps import _shape, check_shape

Array = NDArray[Any]


def int_tuple(value: object, d: int, argument: str, minimum: int) -> tuple[int, ...]:
    """``value`` (an int or a sequence of d ints, each >= ``minimum``) as a d-tuple.

    Examples
    --------
    >>> int_tuple(2, 3, "stride", 1)
    (2, 2, 2)
    >>> int_tuple((1, 2), 2, "dilation", 1)
    (1, 2)
    """
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * d
    else:
        try:
            out = tuple(int(v) for v in value)  # type: ignore[attr-defined]
        except TypeError:
            raise TypeError(f"{argument} must be an int or a tuple of {d} ints, "
                            f"got {value!r}") from None
        if len(out) != d:
            raise ValueError(f"{argument} must have {d} entries (one per spatial axis), "
                             f"got {out}")
    if any(v < minimum for v in out):
        raise ValueError(f"{argument} must have entries >= {minimum}, got {out}")
    return out


def pads(value: object, d: int, argument: str = "padding") -> tuple[tuple[int, ...],
                                                                    tuple[int, ...]]:
    """(begins, ends) from an int, d ints (both sides) or 2d ints in ONNX order.

    Examples
    --------
    >>> pads(1, 2)
    ((1, 1), (1, 1))
    >>> pads((0, 1, 2, 3), 2)
    ((0, 1), (2, 3))
    """
    if not isinstance(value, (int, np.integer)):
        try:
            n = len(value)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"{argument} must be an int or a tuple of {d} or {2 * d} ints, "
                            f"got {value!r}") from None
        if n == 2 * d:
            both = int_tuple(value, 2 * d, argument, 0)
            return both[:d], both[d:]
        if n != d:
            raise ValueError(f"{argument} must have {d} (symmetric) or {2 * d} (ONNX order: "
                             f"all begins, then all ends) entries, got {n}")
    one = int_tuple(value, d, argument, 0)
    return one, one


def positive_shape(value: object, argument: str = "in_shape") -> tuple[int, ...]:
    """``value`` as a tuple of positive ints.

    Examples
    --------
    >>> positive_shape([3, 8])
    (3, 8)
    """
    return _shape(value, argument)


def channels_first_shape(in_shape: object, d: int, argument: str = "in_shape") -> tuple[int, ...]:
    """``in_shape`` as (C, *spatial) with d spatial axes and positive sizes.

    Examples
    --------
    >>> channels_first_shape([3, 8, 8], 2)
    (3, 8, 8)
    """
    shape = positive_shape(in_shape, argument)
    if len(shape) != d + 1:
        raise ValueError(f"{argument} must be (channels, {d} spatial sizes) for a {d}-D "
                         f"operator, got {shape}")
    return shape


def kernel_tuple(kernel: object) -> tuple[int, ...]:
    """A pooling kernel: one positive size per spatial axis (an int is refused: its number of
    axes would be a guess).

    Examples
    --------
    >>> kernel_tuple([2, 2])
    (2, 2)
    """
    if isinstance(kernel, (int, np.integer)):
        raise TypeError("kernel must be a tuple with one size per spatial axis, e.g. (2, 2), "
                        f"got the int {kernel}")
    try:
        d = len(kernel)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"kernel must be a tuple of ints, got {kernel!r}") from None
    if d < 1:
        raise ValueError("kernel must have at least one spatial axis")
    return int_tuple(kernel, d, "kernel", 1)


def finite_array(value: object, argument: str) -> NDArray[np.floating[Any]]:
    """``value`` as a float array (float32 kept, anything else float64), all entries finite.

    Examples
    --------
    >>> finite_array([1, 2], "weight").dtype
    dtype('float64')
    """
    arr = np.asarray(value)
    if arr.dtype != np.float32:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{argument} must be a real array, got dtype {arr.dtype}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument} contains non-finite entries (NaN or inf)")
    return arr


def batch(x: object, shape: tuple[int, ...], argument: str) -> NDArray[np.floating[Any]]:
    """``x`` as a floating array of shape (k, *shape): float32 stays float32, float64 and
    integers become float64; otherwise ValueError naming ``argument``.

    Examples
    --------
    >>> batch(np.zeros((2, 3), dtype=np.float32), (3,), "x").dtype
    dtype('float32')
    """
    arr = check_shape(x, shape, argument)
    return arr.astype(np.result_type(arr.dtype, np.float32), copy=False)


@dataclass(frozen=True)
class Windows:
    """Sliding windows of size ``kernel`` over a (C, *spatial) tensor.

    Output size per axis (ONNX Conv/AveragePool, floor mode):
    ``(n + begin + end - dilation * (kernel - 1) - 1) // stride + 1``.

    Examples
    --------
    >>> w = Windows.build((1, 5), (3,), (2,), (1,), (0, 2), "kernel")
    >>> w.out_spatial
    (3,)
    >>> w.gather(np.arange(5.0).reshape(1, 1, 5))[0, 0].tolist()
    [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [4.0, 0.0, 0.0]]
    """

    channels: int
    in_spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    begin: tuple[int, ...]
    end: tuple[int, ...]
    out_spatial: tuple[int, ...]

    @classmethod
    def build(cls, in_shape: tuple[int, ...], kernel: tuple[int, ...], stride: object,
              dilation: object, padding: object, kernel_argument: str) -> Windows:
        """Check the geometry and compute the output size (ValueError if it is empty)."""
        d = len(kernel)
        s = int_tuple(stride, d, "stride", 1)
        dl = int_tuple(dilation, d, "dilation", 1)
        b, e = pads(padding, d)
        out = tuple((n + bb + ee - di * (kk - 1) - 1) // st + 1
                    for n, kk, st, di, bb, ee in zip(in_shape[1:], kernel, s, dl, b, e,
                                                     strict=True))
        if any(o < 1 for o in out):
            padded = tuple(n + bb + ee for n, bb, ee in zip(in_shape[1:], b, e, strict=True))
            raise ValueError(f"{kernel_argument} {kernel} with dilation {dl} does not fit the "
                             f"padded input of spatial shape {padded}")
        return cls(in_shape[0], tuple(in_shape[1:]), kernel, s, dl, b, e, out)

    @property
    def d(self) -> int:
        """Number of spatial axes."""
        return len(self.kernel)

    @property
    def size(self) -> int:
        """Number of kernel offsets, prod(kernel)."""
        return math.prod(self.kernel)

    def padded_shape(self, k: int, c: int) -> tuple[int, ...]:
        """Shape (k, c, *padded spatial) of a padded batch."""
        return (k, c, *(n + b + e for n, b, e in zip(self.in_spatial, self.begin, self.end,
                                                     strict=True)))

    def padded(self, x: Array, fill: float = 0.0, out: Array | None = None) -> Array:
        """``x`` (k, C, *spatial) with the padding added (a copy only if there is padding),
        written into ``out`` (of :meth:`padded_shape`) when given."""
        if not any(self.begin) and not any(self.end):
            return x
        if out is None:
            out = np.empty(self.padded_shape(*x.shape[:2]), dtype=x.dtype)
        out.fill(fill)
        out[self.interior()] = x
        return out

    def inside_counts(self) -> NDArray[np.float64]:
        """Number of window positions inside the unpadded input, per output position."""
        ones = self.gather(np.ones((1, 1, *self.in_spatial)))
        return ones.sum(axis=tuple(range(2 + self.d, 2 + 2 * self.d)))[0, 0]

    def record(self, operator: object, out_channels: int) -> None:
        """Store the checked geometry on a frozen operator: ``in_shape``, ``out_shape``
        (out_channels, *out_spatial), ``stride``, ``dilation``, ``padding`` (ONNX order) and
        ``windows``."""
        for name, value in (("in_shape", (self.channels, *self.in_spatial)),
                            ("out_shape", (out_channels, *self.out_spatial)),
                            ("stride", self.stride), ("dilation", self.dilation),
                            ("padding", self.begin + self.end), ("windows", self)):
            object.__setattr__(operator, name, value)

    def interior(self) -> tuple[slice, ...]:
        """Index of the unpadded input inside a padded batch (k, C, *padded spatial)."""
        return (slice(None), slice(None),
                *(slice(b, b + n) for b, n in zip(self.begin, self.in_spatial, strict=True)))

    def gather(self, x: Array, fill: float = 0.0, work: Array | None = None) -> Array:
        """All window reads as a view of shape (k, C, *out_spatial, *kernel) (of ``work``, the
        padded input's buffer, when given)."""
        xp = self.padded(x, fill, work)
        extent = tuple(di * (kk - 1) + 1 for kk, di in zip(self.kernel, self.dilation,
                                                            strict=True))
        d = self.d
        view = sliding_window_view(xp, extent, axis=tuple(range(2, 2 + d)))
        picks = (slice(None), slice(None),
                 *(slice(None, None, st) for st in self.stride),
                 *(slice(None, None, di) for di in self.dilation))
        out = view[picks]
        return out[(slice(None), slice(None), *(slice(0, o) for o in self.out_spatial))]

    def columns(self, x: Array, fill: float = 0.0, out: Array | None = None,
                work: Array | None = None) -> Array:
        """im2col: a contiguous (k, C, prod(kernel), prod(out_spatial)) copy of the reads
        (into ``out`` when given; ``work`` is the padded input's buffer, see :meth:`gather`)."""
        d = self.d
        view = self.gather(x, fill, work)
        perm = (0, 1, *range(2 + d, 2 + 2 * d), *range(2, 2 + d))
        shape = (x.shape[0], x.shape[1], self.size, math.prod(self.out_spatial))
        if out is None:
            return view.transpose(perm).reshape(shape)
        out.reshape(*x.shape[:2], *self.kernel, *self.out_spatial)[...] = view.transpose(perm)
        return out.reshape(shape)

    def read_index(self) -> NDArray[np.intp]:
        """im2col as indices: a (C * prod(kernel), prod(out_spatial)) array whose entry
        ``[(c, kappa), j]`` is the flat position in the (C, *in_spatial) input read by output
        position j at kernel offset kappa, or ``C * prod(in_spatial)`` (one past the input: a
        zero appended to it) where the read falls in the padding.

        Examples
        --------
        >>> Windows.build((1, 3), (2,), 1, 1, (1, 0), "kernel").read_index().tolist()
        [[3, 0, 1], [0, 1, 2]]
        """
        n = self.channels * math.prod(self.in_spatial)
        flat = np.arange(n, dtype=np.float64).reshape(1, self.channels, *self.in_spatial)
        return self.columns(flat, float(n)).reshape(self.channels * self.size, -1).astype(np.intp)

    def scatter(self, cols: Array, work: Array | None = None) -> Array:
        """col2im, the adjoint of :meth:`columns`: ``cols`` (k, C, prod(kernel),
        prod(out_spatial)) -> (k, C, *in_spatial); a size-1 third axis is used for every
        kernel offset (average pooling).  ``work``: a buffer of :meth:`padded_shape` for the
        padded sums (the result is a copy either way)."""
        k, c, s = cols.shape[:3]
        cols = cols.reshape(k, c, s, *self.out_spatial)
        xp = np.empty(self.padded_shape(k, c), dtype=cols.dtype) if work is None else work
        xp.fill(0)
        for j, offset in enumerate(np.ndindex(*self.kernel)):
            target = (slice(None), slice(None),
                      *(slice(i * di, i * di + st * (o - 1) + 1, st)
                        for i, di, st, o in zip(offset, self.dilation, self.stride,
                                                self.out_spatial, strict=True)))
            xp[target] += cols[:, :, j if s > 1 else 0]
        return np.ascontiguousarray(xp[self.interior()])
