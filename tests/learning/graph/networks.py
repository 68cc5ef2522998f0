"""Random small graph networks for property tests, with an independent reference.

A network is a list of operations drawn by hypothesis; :func:`build` feeds them to the
:class:`~learning.graph.builder.GraphBuilder`, and :func:`reference` interprets the same
operations with plain NumPy matrices (each affine operator written out from its definition:
a dense weight, diag of the BatchNorm scale, stacked blocks for Concat, the identity for a
reshape or a skip), assembling the dense w, b and the per-neuron activation of the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from learning.activations import graph_activation
from learning.graph.builder import GraphBuilder, TensorRef
from learning.graph.convolution import Conv
from learning.graph.maps import DenseMap
from learning.graph.pooling import AvgPool
from learning.graph.septuple import GraphSeptuple

ACTS = ("tanh", "sigmoid", "relu", "leaky_relu", "linear", "gelu", "silu", "elu", "softplus")
OPS = ("dense", "bn", "skip", "act", "concat", "reshape", "conv", "avgpool")


@dataclass
class Expr:
    """An affine expression Σ_u M_u x_u + b as dense matrices (the reference)."""

    shape: tuple[int, ...]
    mats: dict[int, np.ndarray]
    bias: np.ndarray

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def map(self, m: np.ndarray, shape: tuple[int, ...]) -> Expr:
        return Expr(shape, {u: m @ a for u, a in self.mats.items()}, m @ self.bias)


def _add(a: Expr, b: Expr) -> Expr:
    mats = dict(a.mats)
    for u, m in b.mats.items():
        mats[u] = mats[u] + m if u in mats else m
    return Expr(a.shape, mats, a.bias + b.bias)


@st.composite
def programs(draw, max_ops: int = 8) -> tuple:
    """(input_shape, ops, seed): ops are (name, choice) pairs."""
    input_shape = draw(st.sampled_from([(3,), (2, 3), (2, 2, 2), (5,), (2, 4, 4), (1, 6)]))
    ops = draw(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 8)), min_size=1,
                        max_size=max_ops))
    return input_shape, ops, draw(st.integers(0, 2**31 - 1))


def _run(input_shape, ops, seed, builder: GraphBuilder | None):
    """Interpret a program both ways at once; returns (builder ref, Expr, nodes, acts)."""
    rng = np.random.default_rng(seed)
    size0 = math.prod(input_shape)
    nodes = [(input_shape, None)]  # (shape, reference expr) of every node
    acts = ["linear"]
    expr = Expr(input_shape, {0: np.eye(size0)}, np.zeros(size0))
    ref: TensorRef | None = builder.input if builder is not None else None
    refs = [ref]
    fresh = False  # the current tensor is a node (made by an activation, then only reshapes)
    act_shape: tuple[int, ...] = ()
    for name, choice in ops:
        conv_like = name in ("conv", "avgpool")
        made = (_conv if name == "conv" else _pool)(expr.shape, choice, rng) if (
            conv_like and len(expr.shape) in (2, 3)) else None
        if conv_like and made is None:
            continue  # not applicable to this tensor: nothing happens
        fresh = name == "act" or (name == "reshape" and fresh)
        if name == "dense":
            out = 1 + choice % 5
            w = rng.normal(size=(out, expr.size))
            b = rng.normal(size=out) if choice % 2 else None
            expr = expr.map(w, (out,))
            if b is not None:
                expr.bias = expr.bias + b
            ref = builder.dense(ref, w, b) if builder else None
        elif name == "bn":
            c = expr.shape[0]
            scale, shift, mean = rng.normal(size=(3, c))
            var, eps = rng.random(c) + 0.1, 1e-5
            s = scale / np.sqrt(var + eps)
            per = np.repeat(s, expr.size // c)
            expr = expr.map(np.diag(per), expr.shape)
            expr.bias = expr.bias + np.repeat(shift - mean * s, expr.size // c)
            ref = builder.batch_norm(ref, scale, shift, mean, var, eps) if builder else None
        elif name == "skip":
            u = choice % len(nodes)
            shape_u = nodes[u][0]
            eye_u = Expr(shape_u, {u: np.eye(math.prod(shape_u))}, np.zeros(math.prod(shape_u)))
            if shape_u == expr.shape:
                other, other_ref = eye_u, refs[u]
            else:
                w = rng.normal(size=(expr.size, math.prod(shape_u)))
                other = eye_u.map(w, expr.shape)
                other_ref = (builder.reshape(builder.dense(refs[u], w), expr.shape)
                             if builder else None)
            expr = _add(expr, other)
            ref = builder.add(ref, other_ref) if builder else None
        elif name == "act":
            act = ACTS[choice % len(ACTS)]
            nodes.append((expr.shape, expr))
            acts.append(act)
            act_shape = expr.shape
            v = len(nodes) - 1
            expr = Expr(expr.shape, {v: np.eye(expr.size)}, np.zeros(expr.size))
            ref = builder.activation(ref, act) if builder else None
            refs.append(ref)
        elif name == "concat":
            u = choice % len(nodes)
            shape_u = nodes[u][0]
            rest = expr.shape[1:]
            width = 1 + choice % 2
            w = rng.normal(size=(width * math.prod(rest), math.prod(shape_u)))
            part = Expr(shape_u, {u: np.eye(math.prod(shape_u))},
                        np.zeros(math.prod(shape_u))).map(w, (width, *rest))
            # Channel-first concatenation along axis 0 stacks the flattened blocks.
            mats = {k: np.zeros((expr.size + part.size, math.prod(nodes[k][0])))
                    for k in set(expr.mats) | set(part.mats)}
            for k, m in expr.mats.items():
                mats[k][: expr.size] += m
            for k, m in part.mats.items():
                mats[k][expr.size:] += m
            expr = Expr((expr.shape[0] + width, *rest), mats,
                        np.concatenate([expr.bias, part.bias]))
            if builder:
                part_ref = builder.reshape(builder.dense(refs[u], w), (width, *rest))
                ref = builder.concat([ref, part_ref], axis=0)
        elif made is not None:
            m, op = made
            expr = expr.map(m, tuple(op.out_shape))
            ref = builder.linear(ref, op) if builder else None
        elif name == "reshape":
            shape = (expr.size,) if len(expr.shape) > 1 else (
                (2, expr.size // 2) if expr.size % 2 == 0 else expr.shape)
            expr = Expr(shape, expr.mats, expr.bias)
            ref = builder.reshape(ref, shape) if builder else None
    return ref, expr, nodes, acts, fresh and expr.shape == act_shape


def _out(n: int, k: int, s: int, p: int, dil: int) -> int:
    return (n + 2 * p - dil * (k - 1) - 1) // s + 1


def _windows(shape, kernel, stride, pad, dil):
    """Yield (out index, kernel offset, in index) of every in-bounds window position."""
    spatial = shape[1:]
    outs = [_out(n, kernel, stride, pad, dil) for n in spatial]
    for j in np.ndindex(*outs):
        for kappa in np.ndindex(*(kernel,) * len(spatial)):
            i = tuple(jj * stride - pad + kk * dil for jj, kk in zip(j, kappa, strict=True))
            if all(0 <= ii < n for ii, n in zip(i, spatial, strict=True)):
                yield j, kappa, i


def _conv(shape, choice, rng):
    """A random convolution and its matrix written out from the definition (ONNX Conv)."""
    c_in, spatial = shape[0], shape[1:]
    kernel, stride, pad = 1 + choice % 3, 1 + choice % 2, choice % 2
    dil = 2 if choice == 8 else 1
    if any(_out(n, kernel, stride, pad, dil) < 1 for n in spatial):
        return None
    groups = c_in if choice % 3 == 0 else 1
    c_out = groups * (1 + choice % 2)
    weight = rng.normal(size=(c_out, c_in // groups) + (kernel,) * len(spatial))
    op = Conv(weight, stride, pad, dil, groups, in_shape=shape)
    m = np.zeros((math.prod(op.out_shape), math.prod(shape)))
    per_out, per_in = c_out // groups, c_in // groups
    for co in range(c_out):
        g = co // per_out
        for cl in range(per_in):
            ci = g * per_in + cl
            for j, kappa, i in _windows(shape, kernel, stride, pad, dil):
                row = np.ravel_multi_index((co, *j), op.out_shape)
                col = np.ravel_multi_index((ci, *i), shape)
                m[row, col] += weight[(co, cl, *kappa)]
    return m, op


def _pool(shape, choice, rng):
    """Average pooling (kernel 2, stride 2) and its matrix: 1/(window size) per window."""
    if any(n < 2 for n in shape[1:]):
        return None
    d = len(shape) - 1
    op = AvgPool((2,) * d, stride=2, in_shape=shape)
    m = np.zeros((math.prod(op.out_shape), math.prod(shape)))
    for c in range(shape[0]):
        for j, _, i in _windows(shape, 2, 2, 0, 1):
            m[np.ravel_multi_index((c, *j), op.out_shape),
              np.ravel_multi_index((c, *i), shape)] += 0.5 ** d
    return m, op


def build(program) -> GraphSeptuple:
    input_shape, ops, seed = program
    b = GraphBuilder(input_shape=input_shape)
    ref = _run(input_shape, ops, seed, b)[0]
    return b.build(outputs=ref)


def reference(program) -> tuple[np.ndarray, np.ndarray, list[str], list[int]]:
    """Dense w (N, N), b (N,), the activation name of every neuron, node sizes."""
    input_shape, ops, seed = program
    _, expr, nodes, acts, fresh = _run(input_shape, ops, seed, None)
    if not fresh:
        nodes.append((expr.shape, expr))  # the output node, f = identity
        acts.append("linear")
    sizes = [math.prod(s) for s, _ in nodes]
    off = np.concatenate([[0], np.cumsum(sizes)])
    n = int(off[-1])
    w, b = np.zeros((n, n)), np.zeros(n)
    for v, (_, e) in enumerate(nodes):
        if e is None:
            continue
        rows = slice(off[v], off[v + 1])
        b[rows] = e.bias
        for u, m in e.mats.items():
            w[rows, off[u]:off[u + 1]] += m
    names = [a for a, s in zip(acts, sizes, strict=True) for _ in range(s)]
    return w, b, names, sizes


def derivative(names: list[str], y: np.ndarray) -> np.ndarray:
    return np.array([graph_activation(a).derivative(np.array(v)) for a, v in zip(names, y,
                                                                                 strict=True)])


def apply(names: list[str], y: np.ndarray) -> np.ndarray:
    return np.array([graph_activation(a).function(np.array(v)) for a, v in zip(names, y,
                                                                               strict=True)])


class Square:
    """A node function x -> x² on 2 neurons that is not of the form f(Wx + b): the smallest
    linearised node (J = diag(2x)), for the refusals that need one."""

    in_shape = out_shape = (2,)

    def value(self, x):
        return x**2

    def jacobian(self, x):
        return DenseMap(np.diag(2 * x))
