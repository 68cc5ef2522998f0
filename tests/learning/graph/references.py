"""Independent definitions of the window operators, written as explicit loops over output
positions straight from the ONNX operator definitions (no sliding windows, no im2col), for the
tests of learning.graph.convolution, pooling and nonlocal_maps, and of graphs built from them."""

from __future__ import annotations

import itertools
import math

import numpy as np


def out_size(n: int, k: int, s: int, b: int, e: int, dl: int) -> int:
    """ONNX Conv / Pool output size, floor mode."""
    return (n + b + e - dl * (k - 1) - 1) // s + 1


def _positions(j, kappa, stride, begin, dilation):
    return tuple(jj * s - b + kk * dl for jj, kk, s, b, dl in
                 zip(j, kappa, stride, begin, dilation, strict=True))


def _inside(pos, spatial) -> bool:
    return all(0 <= p < n for p, n in zip(pos, spatial, strict=True))


def conv_matrix(weight, in_shape, stride, begin, end, dilation, groups):
    """The matrix of ONNX Conv: row (o, j), column (c, pos) with pos = j*s - b + kappa*dl."""
    c_out, cin_g = weight.shape[:2]
    kernel = weight.shape[2:]
    spatial = in_shape[1:]
    out_sp = tuple(out_size(n, k, s, b, e, dl) for n, k, s, b, e, dl in
                   zip(spatial, kernel, stride, begin, end, dilation, strict=True))
    out_shape = (c_out, *out_sp)
    m = np.zeros((math.prod(out_shape), math.prod(in_shape)))
    cout_g = c_out // groups
    for o in range(c_out):
        g = o // cout_g
        for j in itertools.product(*map(range, out_sp)):
            row = np.ravel_multi_index((o, *j), out_shape)
            for ci in range(cin_g):
                for kappa in itertools.product(*map(range, kernel)):
                    pos = _positions(j, kappa, stride, begin, dilation)
                    if _inside(pos, spatial):
                        col = np.ravel_multi_index((g * cin_g + ci, *pos), in_shape)
                        m[row, col] += weight[(o, ci, *kappa)]
    return m, out_shape


def conv_transpose_matrix(weight, in_shape, stride, begin, end, output_padding, dilation,
                          groups):
    """The matrix of ONNX ConvTranspose from its scatter definition: input (c, i) adds
    weight[c, o', kappa] x[c, i] to output (g*C_out/groups + o', i*s - b + kappa*dl)."""
    c_in, cout_g = weight.shape[:2]
    kernel = weight.shape[2:]
    spatial = in_shape[1:]
    out_sp = tuple((n - 1) * s - b - e + dl * (k - 1) + op + 1 for n, s, b, e, dl, k, op in
                   zip(spatial, stride, begin, end, dilation, kernel, output_padding,
                       strict=True))
    out_shape = (cout_g * groups, *out_sp)
    m = np.zeros((math.prod(out_shape), math.prod(in_shape)))
    cin_g = c_in // groups
    for c in range(c_in):
        g = c // cin_g
        for i in itertools.product(*map(range, spatial)):
            col = np.ravel_multi_index((c, *i), in_shape)
            for oo in range(cout_g):
                for kappa in itertools.product(*map(range, kernel)):
                    pos = _positions(i, kappa, stride, begin, dilation)
                    if _inside(pos, out_sp):
                        row = np.ravel_multi_index((g * cout_g + oo, *pos), out_shape)
                        m[row, col] += weight[(c, oo, *kappa)]
    return m, out_shape


def window_lists(in_shape, kernel, stride, begin, end, dilation):
    """For each output (c, *j) in C order: (row, [flat input indices inside the input])."""
    spatial = in_shape[1:]
    out_sp = tuple(out_size(n, k, s, b, e, dl) for n, k, s, b, e, dl in
                   zip(spatial, kernel, stride, begin, end, dilation, strict=True))
    out_shape = (in_shape[0], *out_sp)
    rows = []
    for c in range(in_shape[0]):
        for j in itertools.product(*map(range, out_sp)):
            cols = []
            for kappa in itertools.product(*map(range, kernel)):
                pos = _positions(j, kappa, stride, begin, dilation)
                if _inside(pos, spatial):
                    cols.append(int(np.ravel_multi_index((c, *pos), in_shape)))
            rows.append((int(np.ravel_multi_index((c, *j), out_shape)), cols))
    return rows, out_shape


def avg_pool_matrix(in_shape, kernel, stride, begin, end, dilation, count_include_pad):
    """The matrix of ONNX AveragePool: 1/n over each window, n = prod(kernel) or the number
    of window positions inside the input."""
    rows, out_shape = window_lists(in_shape, kernel, stride, begin, end, dilation)
    m = np.zeros((math.prod(out_shape), math.prod(in_shape)))
    for row, cols in rows:
        n = math.prod(kernel) if count_include_pad else len(cols)
        for col in cols:
            m[row, col] += 1.0 / n
    return m, out_shape


def max_pool_value_and_selection(x, kernel, stride, begin, end, dilation):
    """ONNX MaxPool of one state x (C, *spatial) and the matrix selecting each window's first
    maximum (kernel offsets in row-major order)."""
    rows, out_shape = window_lists(x.shape, kernel, stride, begin, end, dilation)
    flat = x.ravel()
    value = np.empty(math.prod(out_shape))
    sel = np.zeros((math.prod(out_shape), x.size))
    for row, cols in rows:
        best = cols[0]
        for col in cols[1:]:
            if flat[col] > flat[best]:
                best = col
        value[row] = flat[best]
        sel[row, best] = 1.0
    return value.reshape(out_shape), sel


def complex_step_jacobian(fn, x, h: float = 1e-30):
    """d fn / dx of an analytic fn (complex-safe, numpy), exact to round-off: Im fn(x + i h e)/h."""
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size, dtype=complex)
        e[i] = 1j * h
        cols.append(np.imag(fn(x.astype(complex) + e.reshape(x.shape))).ravel() / h)
    return np.stack(cols, axis=1)


def softmax_reference(x, axis):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm_reference(x, n_axes, eps, scale, shift):
    axes = tuple(range(x.ndim - n_axes, x.ndim))
    n = math.prod(x.shape[x.ndim - n_axes:])
    mean = x.sum(axis=axes, keepdims=True) / n
    var = ((x - mean) ** 2).sum(axis=axes, keepdims=True) / n
    return (x - mean) / np.sqrt(var + eps) * scale + shift
