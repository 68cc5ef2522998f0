"""Average pooling as blocks :math:`W_{vu}` of a septuple's weight matrix w (2.1).

Average pooling is linear: a depthwise convolution whose weights are fixed to one over the
number of summed neurons, so it is a sparse block of w with no trainable entries.  Max pooling
is not linear; it is a linearised node (:class:`learning.graph.nonlocal_maps.MaxPool`).

Semantics are those of ONNX AveragePool / GlobalAveragePool (floor mode; the PyTorch
defaults differ only in ``stride`` (kernel) and ``count_include_pad`` (True) and are passed
explicitly by a reader).  Bias is not part of a block: the node holds b (2.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from learning.graph._windows import Windows, batch, channels_first_shape, kernel_tuple

__all__ = ["AvgPool", "GlobalAvgPool"]

Array = NDArray[np.floating[Any]]


@dataclass(frozen=True, eq=False)
class AvgPool:
    """Average pooling ``y[c, j] = (1 / n_j) sum_kappa x[c, j * stride - begin + kappa *
    dilation]`` over each window, as one block :math:`W_{vu}` of w (2.1).

    ``n_j`` is prod(kernel) when ``count_include_pad`` is true, else the number of window
    positions inside the unpadded input (ONNX AveragePool, PyTorch avg_pool*d).

    Parameters
    ----------
    kernel : tuple, one size per spatial axis
    stride, dilation : int or one int per spatial axis (ONNX defaults: 1)
    padding : int, one int per axis (both sides) or 2d ints in ONNX order
    count_include_pad : bool (ONNX default False; PyTorch's default is True)
    in_shape : (C, *spatial), keyword only

    Examples
    --------
    >>> import numpy as np
    >>> pool = AvgPool((2,), stride=2, in_shape=(1, 4))
    >>> pool.matmat(np.array([[[1.0, 3.0, 5.0, 7.0]]])).tolist()
    [[[2.0, 6.0]]]
    >>> pool.rmatmat(np.array([[[1.0, 0.0]]])).tolist()
    [[[0.5, 0.5, 0.0, 0.0]]]
    >>> AvgPool((3,), padding=1, in_shape=(1, 3)).divisor.tolist()
    [2.0, 3.0, 2.0]
    """

    kernel: tuple[int, ...]
    stride: int | tuple[int, ...] = 1
    padding: int | tuple[int, ...] = 0
    count_include_pad: bool = False
    dilation: int | tuple[int, ...] = 1
    in_shape: tuple[int, ...] = field(kw_only=True)
    out_shape: tuple[int, ...] = field(init=False)
    windows: Windows = field(init=False, repr=False)
    divisor: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        kernel = kernel_tuple(self.kernel)
        shape = channels_first_shape(self.in_shape, len(kernel))
        win = Windows.build(shape, kernel, self.stride, self.dilation, self.padding, "kernel")
        if self.count_include_pad:
            divisor = np.full(win.out_spatial, float(win.size))
        else:
            divisor = win.inside_counts()
            if divisor.min() == 0:
                raise ValueError(f"padding {win.begin + win.end} leaves a window with no input "
                                 "position (nothing to average with count_include_pad=False)")
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "count_include_pad", bool(self.count_include_pad))
        object.__setattr__(self, "divisor", divisor)
        win.record(self, shape[0])

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: W x for each probe (2.1)."""
        x = batch(x, self.in_shape, "x")
        d = self.windows.d
        sums = self.windows.gather(x).sum(axis=tuple(range(2 + d, 2 + 2 * d)))
        return sums / self.divisor.astype(x.dtype)

    def rmatmat(self, y: Array) -> Array:
        """``(k, *out_shape) -> (k, *in_shape)``: the adjoint :math:`W^T y` (2.1)."""
        y = batch(y, self.out_shape, "y")
        scaled = (y / self.divisor.astype(y.dtype)).reshape(y.shape[0], y.shape[1], 1, -1)
        return self.windows.scatter(scaled)

    @property
    def nbytes(self) -> int:
        """Bytes held: the divisors (one per output position)."""
        return int(self.divisor.nbytes)


@dataclass(frozen=True, eq=False)
class GlobalAvgPool:
    """The mean over all spatial positions of each channel, (C, *spatial) -> (C, 1, ..., 1) (ONNX
    GlobalAveragePool), as one block :math:`W_{vu}` of w (2.1): every entry of channel c's row is 1
    / prod(spatial).

    Examples
    --------
    >>> import numpy as np
    >>> gap = GlobalAvgPool((2, 2, 2))
    >>> gap.out_shape
    (2, 1, 1)
    >>> gap.matmat(np.arange(8.0).reshape(1, 2, 2, 2)).ravel().tolist()
    [1.5, 5.5]
    >>> gap.rmatmat(np.ones((1, 2, 1, 1)))[0, 0].tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    """

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        try:
            d = len(self.in_shape) - 1
        except TypeError:
            raise TypeError(f"in_shape must be a tuple of ints, got {self.in_shape!r}") from None
        if d < 1:
            raise ValueError(f"in_shape must be (channels, *spatial) with at least one spatial "
                             f"axis, got {self.in_shape}")
        shape = channels_first_shape(self.in_shape, d)
        object.__setattr__(self, "in_shape", shape)
        object.__setattr__(self, "out_shape", (shape[0], *(1,) * d))

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, C, 1, ..., 1)``: W x for each probe (2.1)."""
        x = batch(x, self.in_shape, "x")
        return x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)

    def rmatmat(self, y: Array) -> Array:
        """``(k, C, 1, ..., 1) -> (k, *in_shape)``: the adjoint :math:`W^T y` (2.1)."""
        y = batch(y, self.out_shape, "y")
        scale = y.dtype.type(1.0 / math.prod(self.in_shape[1:]))
        return np.ascontiguousarray(np.broadcast_to(y * scale, (y.shape[0], *self.in_shape)))

    @property
    def nbytes(self) -> int:
        """Bytes held: none (the weights are implicit)."""
        return 0
