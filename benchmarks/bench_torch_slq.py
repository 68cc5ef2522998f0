"""SLQ for μ_k (9.5)-(9.6) on the ResNet-20-shaped graph septuple with our products
(:mod:`learning.jacobian`) against the same SLQ with PyTorch products (issue 22).

Both sides run the same Lanczos driver (:func:`learning.two_sided.two_sided_runs` or one
side of it), the same Rademacher probes, steps and quadrature; only the products with
J = f'w (5.6) differ.  The PyTorch side builds each node map of the septuple,
φ_v(x_sources) = f(Σ_u W_vu x_u + b_v), as a torch function (F.conv2d, scale, mean, matmul
from the same weights) and takes its Jacobian at the state ⟨x⟩ with ``torch.func``:
``torch.func.linearize`` (J v, node by node) and ``torch.func.vjp`` (J^T u), both set up
once per probe-batch size and reused for every step; A^{-1} and A^{-T} are the same
substitutions in topological order with these node Jacobians.  PyTorch is imported only
here.  Products are float64 on both sides; 1 thread on both sides.

    python benchmarks/bench_torch_slq.py [--size 16] [--probes 10] [--steps 40]
        [--quadrature two-sided|one-sided] [--no-reorth] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import warnings
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from bench_resnet20 import resnet20
from threadpoolctl import threadpool_limits

from learning.graph.convolution import Conv
from learning.graph.maps import (
    ComposedMap,
    DenseMap,
    IdentityMap,
    ReshapeMap,
    ScaleMap,
    SumMap,
)
from learning.graph.pooling import GlobalAvgPool
from learning.jacobian import jacobian_operator
from learning.lanczos import slq_runs
from learning.spectral_estimates import _moment_estimates
from learning.two_sided import Side, two_sided_runs

_ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                "linear": lambda z: z}


def torch_map(m):
    """A torch function of a batch ``(k, *in_shape)`` doing the block ``m`` of w (2.1)."""
    if isinstance(m, Conv):
        w = torch.from_numpy(np.ascontiguousarray(m.weight))
        begin, end = m.windows.begin, m.windows.end
        if begin != end:
            raise ValueError("asymmetric padding is not translated")
        return lambda x: F.conv2d(x, w, stride=m.stride, padding=begin, dilation=m.dilation,
                                  groups=m.groups)
    if isinstance(m, ScaleMap):
        s = torch.from_numpy(np.ascontiguousarray(m.scale))
        return lambda x: x * s
    if isinstance(m, ComposedMap):
        outer, inner = torch_map(m.outer), torch_map(m.inner)
        return lambda x: outer(inner(x))
    if isinstance(m, SumMap):
        terms = [torch_map(t) for t in m.terms]
        return lambda x: sum(t(x) for t in terms)
    if isinstance(m, IdentityMap):
        return lambda x: x
    if isinstance(m, GlobalAvgPool):
        return lambda x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True)
    if isinstance(m, DenseMap):
        w = torch.from_numpy(m.weight)
        return lambda x: x.reshape(x.shape[0], -1) @ w.T
    if isinstance(m, ReshapeMap):
        return lambda x: x.reshape((x.shape[0], *m.out_shape))
    raise ValueError(f"no torch translation of {type(m).__name__}")


def node_map(node):
    """φ_v(*x_sources) = f(Σ_u W_vu x_u + b_v) as a torch function of batches."""
    blocks = [torch_map(m) for m in node.blocks]
    bias = None if node.bias is None else torch.from_numpy(np.asarray(node.bias, dtype=float))
    f = _ACTIVATIONS[node.activation.name]

    def phi(*xs):
        z = sum(b(x) for b, x in zip(blocks, xs, strict=True))
        return f(z if bias is None else z + bias)
    return phi


class TorchJacobian:
    """J = f'w at ⟨x⟩ (5.6) from torch.func Jacobians of the node maps, with the methods
    of :class:`learning.jacobian.JacobianOperator` that the Lanczos driver uses."""

    def __init__(self, net, x: np.ndarray, linearize: bool = True) -> None:
        self.net, self.count, self.linearize = net, 0, linearize
        self.maps = [None if n.kind == "input" else node_map(n) for n in net.nodes]
        self.state = [torch.from_numpy(x[net.node_slice(v)].reshape(1, *n.shape).copy())
                      for v, n in enumerate(net.nodes)]
        self._cache: dict[int, tuple[list, list]] = {}

    def _fns(self, k: int):
        """Per node: J_v's jvp and vjp functions at ⟨x⟩ for batches of k, made once."""
        if k not in self._cache:
            jvps, vjps = [], []
            for v, node in enumerate(self.net.nodes):
                if self.maps[v] is None:
                    jvps.append(None)
                    vjps.append(None)
                    continue
                prim = tuple(self.state[u].expand(k, *self.state[u].shape[1:]).contiguous()
                             for u in node.sources)
                if self.linearize:
                    jvps.append(torch.func.linearize(self.maps[v], *prim)[1])
                else:
                    jvps.append(partial(_plain_jvp, self.maps[v], prim))
                vjps.append(torch.func.vjp(self.maps[v], *prim)[1])
            self._cache[k] = (jvps, vjps)
        return self._cache[k]

    def _parts(self, t: torch.Tensor, u: int) -> torch.Tensor:
        s = self.net.node_slice(u)
        return t[:, s].reshape(t.shape[0], *self.net.nodes[u].shape)

    def _row(self, v: int, t: torch.Tensor, jvps) -> torch.Tensor:
        node = self.net.nodes[v]
        return jvps[v](*(self._parts(t, u) for u in node.sources)).reshape(t.shape[0], -1)

    def _back(self, v: int, r: torch.Tensor, out: torch.Tensor, vjps) -> None:
        node = self.net.nodes[v]
        grads = vjps[v](r.reshape(r.shape[0], *node.shape))
        for u, g in zip(node.sources, grads, strict=True):
            out[:, self.net.node_slice(u)] += g.reshape(r.shape[0], -1)

    def _run(self, y: np.ndarray, forward: bool, solve: bool) -> np.ndarray:
        self.count += y.shape[0]
        jvps, vjps = self._fns(y.shape[0])
        t = torch.from_numpy(np.ascontiguousarray(y))
        nodes = range(len(self.net.nodes))
        with torch.no_grad():
            out = t.clone() if solve else torch.zeros_like(t)
            src = out if solve else t
            for v in (nodes if forward else reversed(nodes)):
                if self.maps[v] is None:
                    continue
                if forward:
                    out[:, self.net.node_slice(v)] += self._row(v, src, jvps)
                else:
                    self._back(v, src[:, self.net.node_slice(v)], out, vjps)
        return out.numpy()

    def matmat(self, v: np.ndarray) -> np.ndarray:
        return self._run(v, True, False)

    def rmatmat(self, u: np.ndarray) -> np.ndarray:
        return self._run(u, False, False)

    def a_and_at(self, v: np.ndarray, sub: np.ndarray | None = None):
        """P = A V - S and A^T P (5.6), as ``JacobianOperator.a_and_at`` (two products)."""
        p = v - self.matmat(v)
        if sub is not None:
            p -= sub
        return p, p - self.rmatmat(p)

    def a_solve(self, y: np.ndarray) -> np.ndarray:
        return self._run(y, True, True)

    def a_solve_t(self, y: np.ndarray) -> np.ndarray:
        return self._run(y, False, True)


def _plain_jvp(phi, primals, *tangents):
    return torch.func.jvp(phi, primals, tangents)[1]


def run(make_op, args, n: int):
    """One SLQ (the driver of spectral_moments) with the operator of ``make_op``."""
    estimator = partial(_moment_estimates, orders=(1, 2, 3), control_variate=False)
    t0 = time.perf_counter()
    if args.quadrature == "two-sided":
        runs = two_sided_runs(make_op, n, args.probes, args.steps, args.probes, 0, estimator,
                              (1, 2, 3), reorthogonalise=not args.no_reorth)
    else:
        runs = slq_runs(Side(make_op, True), n, args.probes, args.steps, args.probes,
                        np.random.default_rng(0), estimator, (1, 2, 3),
                        reorthogonalise=not args.no_reorth)
    dt = time.perf_counter() - t0
    values, errors = estimator(runs.full)
    change = np.abs(values - estimator(runs.truncated)[0])
    return dt, values, errors, change, runs.matvecs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16, help="input height = width")
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--quadrature", default="two-sided", choices=("one-sided", "two-sided"))
    parser.add_argument("--no-reorth", action="store_true")
    parser.add_argument("--plain-jvp", action="store_true",
                        help="torch.func.jvp at every product instead of torch.func.linearize")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    threadpool_limits(1)
    torch.set_num_threads(1)
    # torch.func.linearize's constant folding warns about its own graph module.
    warnings.filterwarnings("ignore", message="Attempted to insert a get_attr Node")
    print(f"torch {torch.__version__}, 1 thread; load average {os.getloadavg()}")
    net = resnet20(size=args.size)
    x = net.forward(np.random.default_rng(1).uniform(-1, 1, size=(1, 3 * args.size**2)))[0]
    ours = jacobian_operator(net, x)
    theirs = TorchJacobian(net, x, linearize=not args.plain_jvp)
    v = np.random.default_rng(2).normal(size=(3, net.n_neurons))
    for name, a, b in (("J v", ours.matmat(v), theirs.matmat(v)),
                       ("J^T u", ours.rmatmat(v), theirs.rmatmat(v)),
                       ("A^-1 v", ours.a_solve(v), theirs.a_solve(v)),
                       ("A^-T v", ours.a_solve_t(v), theirs.a_solve_t(v))):
        print(f"{name}: max |ours - torch| / max |ours| = "
              f"{np.max(np.abs(a - b)) / np.max(np.abs(a)):.1e}")
    print(f"N = {net.n_neurons}; {args.quadrature} SLQ, {args.probes} probes x {args.steps} "
          f"steps, reorthogonalisation {'none' if args.no_reorth else 'full'}")
    for rep in range(args.repeats):
        for name, make in (("ours", lambda dt: jacobian_operator(net, x)),
                           ("torch.func", lambda dt: TorchJacobian(
                               net, x, linearize=not args.plain_jvp))):
            dt, values, errors, change, matvecs = run(make, args, net.n_neurons)
            print(f"[{rep}] {name:10s} {dt:7.1f} s, {matvecs} products: mu_1..3 = "
                  + ", ".join(f"{m:.6g} +- {e:.3g} (change {c:.3g})"
                              for m, e, c in zip(values, errors, change, strict=True)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {peak:.2f} GiB; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
