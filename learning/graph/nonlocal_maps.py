"""Node maps that are not component-wise: max pooling, softmax and LayerNorm.

The paper's nodes are :math:`x_v = f(Σ_u W_{vu} x_u + b_v)` with f acting on each component
separately (2.5)-(2.6), so the Jacobian of the fixed-point map is f'w (5.2)-(5.4).  A node
``x_v = phi(x_u)`` whose map mixes components (the max of a window, a softmax over an axis, a
normalisation over a layer) has no such form; it enters the generalised
:math:`G = (I - J)^T (I - J)` of (5.6) through its Jacobian :math:`J_{vu} = ∂φ / ∂x_u` evaluated at
the state, the Gauss-Newton form of the bulk loss (3.1).  Each class here gives ``value`` (the
node's map on a batch) and ``jacobian(x)``, a LinearMap at ONE state x with its exact adjoint.

Max pooling's Jacobian is a selection: each output copies the input position holding the
window's maximum.  At a tie (two equal maxima in one window) phi is not differentiable; the
selection then takes the first maximal position in row-major order of the kernel offsets, as
PyTorch's CPU max_pool does, which is one of the one-sided derivatives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from learning.graph._windows import (
    Windows,
    batch,
    channels_first_shape,
    finite_array,
    kernel_tuple,
    positive_shape,
)

__all__ = ["MaxPool", "Softmax", "LayerNorm", "SelectionMap", "SoftmaxJacobian",
           "LayerNormJacobian"]

Array = NDArray[np.floating[Any]]


def _state(x: object, shape: tuple[int, ...]) -> Array:
    """One state of shape ``shape`` (or (1, *shape)), finite, as a (1, *shape) batch."""
    arr = np.asarray(x)
    if tuple(arr.shape) == tuple(shape):
        arr = arr[None]
    arr = batch(arr, shape, "x")
    if arr.shape[0] != 1:
        raise ValueError(f"x must be one state of shape {shape}, got a batch of {arr.shape[0]}")
    finite_array(arr, "x")
    return arr


@dataclass(frozen=True, eq=False)
class SelectionMap:
    """``y[j] = x[index[j]]`` (flat C-order indices), the Jacobian of max pooling at a state;
    the adjoint adds each y[j] to position index[j] (a sparse matrix product, overlapping
    windows accumulate).

    Examples
    --------
    >>> import numpy as np
    >>> s = SelectionMap((3,), (2,), np.array([2, 2]))
    >>> s.matmat(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 3.0]]
    >>> s.rmatmat(np.array([[1.0, 1.0]])).tolist()
    [[0.0, 0.0, 2.0]]
    """

    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    index: NDArray[np.intp]
    _adjoint: sp.csr_matrix = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n_in, n_out = math.prod(self.in_shape), math.prod(self.out_shape)
        index = np.asarray(self.index, dtype=np.intp).ravel()
        if index.size != n_out or (index.size and (index.min() < 0 or index.max() >= n_in)):
            raise ValueError(f"index must hold {n_out} positions in [0, {n_in}), got "
                             f"{index.size} entries")
        ones = np.ones(n_out)
        adjoint = sp.csr_matrix((ones, (index, np.arange(n_out))), shape=(n_in, n_out))
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "_adjoint", adjoint)

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: J x."""
        x = batch(x, self.in_shape, "x")
        return x.reshape(x.shape[0], -1)[:, self.index].reshape((x.shape[0], *self.out_shape))

    def rmatmat(self, y: Array) -> Array:
        """``(k, *out_shape) -> (k, *in_shape)``: :math:`J^T y`."""
        y = batch(y, self.out_shape, "y")
        flat = y.reshape(y.shape[0], -1)
        out = (self._adjoint @ flat.T).T.astype(y.dtype, copy=False)
        return np.ascontiguousarray(out).reshape((y.shape[0], *self.in_shape))

    @property
    def nbytes(self) -> int:
        """Bytes held: the indices and the sparse adjoint."""
        a = self._adjoint
        return int(self.index.nbytes + a.data.nbytes + a.indices.nbytes + a.indptr.nbytes)


@dataclass(frozen=True, eq=False)
class MaxPool:
    """Max pooling ``y[c, j] = max_kappa x[c, j * stride - begin + kappa * dilation]``, padding
    never selected (ONNX MaxPool, PyTorch max_pool*d, floor mode): a linearised node of the
    generalised G (5.6), its Jacobian a :class:`SelectionMap` at the state.

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool((2,), stride=2, in_shape=(1, 4))
    >>> pool.value(np.array([[[1.0, 3.0, 5.0, 4.0]]])).tolist()
    [[[3.0, 5.0]]]
    >>> pool.jacobian(np.array([[1.0, 3.0, 5.0, 4.0]])).index.tolist()
    [1, 2]
    """

    kernel: tuple[int, ...]
    stride: int | tuple[int, ...] = 1
    padding: int | tuple[int, ...] = 0
    dilation: int | tuple[int, ...] = 1
    in_shape: tuple[int, ...] = field(kw_only=True)
    out_shape: tuple[int, ...] = field(init=False)
    windows: Windows = field(init=False, repr=False)

    def __post_init__(self) -> None:
        kernel = kernel_tuple(self.kernel)
        shape = channels_first_shape(self.in_shape, len(kernel))
        win = Windows.build(shape, kernel, self.stride, self.dilation, self.padding, "kernel")
        if win.inside_counts().min() == 0:
            raise ValueError(f"padding {win.begin + win.end} leaves a window with no input "
                             "position (its maximum would be padding)")
        object.__setattr__(self, "kernel", kernel)
        win.record(self, shape[0])

    def _flat_windows(self, x: Array) -> Array:
        win = self.windows
        view = win.gather(x, fill=-np.inf)
        return view.reshape(*view.shape[: 2 + win.d], win.size)

    def value(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: the window maxima."""
        return self._flat_windows(batch(x, self.in_shape, "x")).max(axis=-1)

    def jacobian(self, x: Array) -> SelectionMap:
        """The selection of each window's (first) maximum at the state ``x``, shape
        ``in_shape``; J of the generalised G (5.6)."""
        win = self.windows
        arg = self._flat_windows(_state(x, self.in_shape)).argmax(axis=-1)[0]  # (C, *out)
        offsets = np.unravel_index(arg, win.kernel)
        grid = np.indices(win.out_spatial)
        pos = tuple(o * s - b + kap * dl for o, s, b, kap, dl in
                    zip(grid, win.stride, win.begin, offsets, win.dilation, strict=True))
        chan = np.arange(self.in_shape[0]).reshape((-1, *(1,) * win.d))
        index = np.ravel_multi_index((np.broadcast_to(chan, arg.shape), *pos), self.in_shape)
        return SelectionMap(self.in_shape, self.out_shape, index)


def _axis(axis: int, ndim: int, argument: str = "axis") -> int:
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"{argument} = {axis} is out of range for in_shape of rank {ndim}")
    return int(axis) % ndim


@dataclass(frozen=True, eq=False)
class SoftmaxJacobian:
    r"""``J v = s * (v - sum_axis(s * v))`` with s the softmax at the state, i.e.
    :math:`J = \operatorname{diag}(s) - s s^T` along the axis; J is symmetric,
    so the adjoint is the same product (a linearised node of the generalised G (5.6)).

    Examples
    --------
    >>> import numpy as np
    >>> j = SoftmaxJacobian(np.array([0.5, 0.5]), 0)
    >>> j.matmat(np.array([[1.0, 0.0]])).tolist()
    [[0.25, -0.25]]
    """

    probabilities: Array
    axis: int
    in_shape: tuple[int, ...] = field(init=False)
    out_shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        s = finite_array(self.probabilities, "probabilities")
        object.__setattr__(self, "probabilities", s)
        object.__setattr__(self, "axis", _axis(self.axis, s.ndim))
        object.__setattr__(self, "in_shape", tuple(s.shape))
        object.__setattr__(self, "out_shape", tuple(s.shape))

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: J x."""
        x = batch(x, self.in_shape, "x")
        s = self.probabilities.astype(x.dtype, copy=False)
        return s * (x - np.sum(s * x, axis=1 + self.axis, keepdims=True))

    def rmatmat(self, y: Array) -> Array:
        """``(k, *out_shape) -> (k, *in_shape)``: :math:`J^T y = J y`."""
        return self.matmat(batch(y, self.out_shape, "y"))

    @property
    def nbytes(self) -> int:
        """Bytes held: the probabilities at the state."""
        return int(self.probabilities.nbytes)


@dataclass(frozen=True, eq=False)
class Softmax:
    """``phi(x) = exp(x) / sum_axis exp(x)`` along one axis of the node's tensor (ONNX Softmax
    from opset 13, PyTorch softmax(dim)): a linearised node of the generalised G (5.6).

    Examples
    --------
    >>> import numpy as np
    >>> sm = Softmax(-1, in_shape=(2,))
    >>> sm.value(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    >>> float(sm.jacobian(np.zeros(2)).matmat(np.array([[1.0, 0.0]]))[0, 0])
    0.25
    """

    axis: int = -1
    in_shape: tuple[int, ...] = field(kw_only=True)
    out_shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        shape = positive_shape(self.in_shape)
        object.__setattr__(self, "in_shape", shape)
        object.__setattr__(self, "axis", _axis(self.axis, len(shape)))
        object.__setattr__(self, "out_shape", shape)

    def value(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: the softmax of each probe."""
        x = batch(x, self.in_shape, "x")
        e = np.exp(x - x.max(axis=1 + self.axis, keepdims=True))
        return e / e.sum(axis=1 + self.axis, keepdims=True)

    def jacobian(self, x: Array) -> SoftmaxJacobian:
        r""":math:`J = \mathrm{diag}(s) - s s^T` along the axis, at the state ``x`` of shape
        ``in_shape``."""
        return SoftmaxJacobian(self.value(_state(x, self.in_shape))[0], self.axis)


@dataclass(frozen=True, eq=False)
class LayerNormJacobian:
    """``J v = scale * rstd * (v - mean(v) - xhat * mean(xhat * v))``, means over the normalised
    trailing axes, at a state with normalised values xhat and 1/std rstd; the adjoint applies
    the same symmetric projection to ``scale * u`` (generalised G (5.6)).

    Examples
    --------
    >>> import numpy as np
    >>> j = LayerNormJacobian(np.array([-1.0, 1.0]), np.array([1.0]), np.ones(2), 1)
    >>> j.matmat(np.array([[1.0, 1.0]])).tolist()
    [[0.0, 0.0]]
    """

    xhat: Array
    rstd: Array
    scale: Array
    n_axes: int
    in_shape: tuple[int, ...] = field(init=False)
    out_shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        xhat = finite_array(self.xhat, "xhat")
        n = int(self.n_axes)
        if not 1 <= n <= xhat.ndim:
            raise ValueError(f"n_axes must be in [1, {xhat.ndim}] (xhat has rank {xhat.ndim}), "
                             f"got {self.n_axes}")
        scale = finite_array(self.scale, "scale")
        if scale.shape != xhat.shape[xhat.ndim - n:]:
            raise ValueError(f"scale must have the normalised shape {xhat.shape[xhat.ndim - n:]},"
                             f" got {scale.shape}")
        rstd = finite_array(self.rstd, "rstd")
        if rstd.ndim != xhat.ndim or rstd.shape[: xhat.ndim - n] != xhat.shape[: xhat.ndim - n]:
            raise ValueError(f"rstd must have shape {xhat.shape[: xhat.ndim - n] + (1,) * n} (one "
                             f"value per normalised slice), got {rstd.shape}")
        for name, value in (("xhat", xhat), ("scale", scale), ("rstd", rstd), ("n_axes", n),
                            ("in_shape", xhat.shape), ("out_shape", xhat.shape)):
            object.__setattr__(self, name, value)

    def _project(self, v: Array) -> Array:
        axes = tuple(range(v.ndim - self.n_axes, v.ndim))
        xhat = self.xhat.astype(v.dtype, copy=False)
        centred = v - v.mean(axis=axes, keepdims=True)
        return centred - xhat * np.mean(xhat * v, axis=axes, keepdims=True)

    def matmat(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: J x."""
        x = batch(x, self.in_shape, "x")
        factor = (self.scale * self.rstd).astype(x.dtype, copy=False)
        return factor * self._project(x)

    def rmatmat(self, y: Array) -> Array:
        """``(k, *out_shape) -> (k, *in_shape)``: :math:`J^T y`."""
        y = batch(y, self.out_shape, "y")
        rstd = self.rstd.astype(y.dtype, copy=False)
        return rstd * self._project(y * self.scale.astype(y.dtype, copy=False))

    @property
    def nbytes(self) -> int:
        """Bytes held: the normalised state, 1/std and the scale."""
        return int(self.xhat.nbytes + self.rstd.nbytes + self.scale.nbytes)


@dataclass(frozen=True, eq=False)
class LayerNorm:
    """``phi(x) = scale * (x - mean) / sqrt(var + eps) + shift`` with mean and (biased) variance
    over the trailing ``normalized_shape`` axes (ONNX LayerNormalization, PyTorch layer_norm):
    a linearised node of the generalised G (5.6).

    Examples
    --------
    >>> import numpy as np
    >>> ln = LayerNorm((2,), eps=0.0, in_shape=(2,))
    >>> ln.value(np.array([[1.0, 3.0]])).tolist()
    [[-1.0, 1.0]]
    """

    normalized_shape: tuple[int, ...]
    eps: float = 1e-5
    scale: Array | None = None
    shift: Array | None = None
    in_shape: tuple[int, ...] = field(kw_only=True)
    out_shape: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        shape = positive_shape(self.in_shape)
        norm = positive_shape(self.normalized_shape, "normalized_shape")
        if not norm or shape[len(shape) - len(norm):] != norm:
            raise ValueError(f"normalized_shape {norm} must be the trailing axes of in_shape "
                             f"{shape}")
        if not (np.isfinite(self.eps) and self.eps >= 0):
            raise ValueError(f"eps must be finite and >= 0, got {self.eps}")
        for name in ("scale", "shift"):
            value = getattr(self, name)
            arr = np.full(norm, 1.0 if name == "scale" else 0.0) if value is None \
                else finite_array(value, name)
            if arr.shape != norm:
                raise ValueError(f"{name} must have shape normalized_shape = {norm}, "
                                 f"got {arr.shape}")
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "in_shape", shape)
        object.__setattr__(self, "normalized_shape", norm)
        object.__setattr__(self, "eps", float(self.eps))
        object.__setattr__(self, "out_shape", shape)

    def _normalise(self, x: Array) -> tuple[Array, Array]:
        axes = tuple(range(x.ndim - len(self.normalized_shape), x.ndim))
        centred = x - x.mean(axis=axes, keepdims=True)
        var = np.mean(centred * centred, axis=axes, keepdims=True)
        if self.eps == 0 and np.any(var == 0):
            raise ValueError("x has a constant normalised slice and eps = 0: LayerNorm is "
                             "undefined there")
        rstd = 1.0 / np.sqrt(var + x.dtype.type(self.eps))
        return centred * rstd, rstd

    def value(self, x: Array) -> Array:
        """``(k, *in_shape) -> (k, *out_shape)``: the normalised, scaled and shifted probes."""
        x = batch(x, self.in_shape, "x")
        xhat, _ = self._normalise(x)
        assert self.scale is not None and self.shift is not None
        return xhat * self.scale.astype(x.dtype) + self.shift.astype(x.dtype)

    def jacobian(self, x: Array) -> LayerNormJacobian:
        """J at the state ``x`` of shape ``in_shape`` (generalised G (5.6))."""
        xhat, rstd = self._normalise(_state(x, self.in_shape))
        assert self.scale is not None
        return LayerNormJacobian(xhat[0], rstd[0], self.scale, len(self.normalized_shape))
