"""ResNet-20-shaped graph septuple (3 x 32 x 32 inputs, 16/32/64 channels, ~190 000 neurons):
μ_2, μ_3 (9.5)-(9.6) by SLQ with standard errors, time and peak memory (issue 22).

The network: a 3x3 conv stem (16 channels) + BatchNorm + relu, three stages of three basic
blocks relu(BN(conv(relu(BN(conv(x))))) + shortcut(x)) with 16, 32, 64 channels (stride 2 at
the first block of stages 2 and 3, shortcut a 1x1 stride-2 conv + BN there, the identity
elsewhere), global average pooling and a dense 64 -> 10 head.  Weights He-initialised; BN at
inference with the statistics of 16 random inputs (as running averages would be) and
scale 1 + 0.1 N(0,1), shift 0.1 N(0,1); <x> is the forward state of one random input.

    python benchmarks/bench_resnet20.py [--probes 30] [--steps 40] [--threads 1]
        [--quadrature auto|one-sided|two-sided] [--no-cv] [--no-reorth]
    python benchmarks/bench_resnet20.py --size 6 --dense --steps 120   # N = 7414 vs dense
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
from threadpoolctl import threadpool_limits

from learning.graph.builder import GraphBuilder, TensorRef
from learning.graph.convolution import Conv
from learning.graph.pooling import GlobalAvgPool
from learning.jacobian import jacobian_operator
from learning.spectral_estimates import spectral_moments
from learning.spectrum import g_spectrum


class _Calibrated:
    """A builder wrapper that evaluates every tensor on a batch of inputs, so that each
    BatchNorm gets the running statistics a trained network would have (the batch's mean
    and variance per channel): the activations stay normalised as in a trained ResNet."""

    def __init__(self, inputs: np.ndarray, rng: np.random.Generator) -> None:
        self.b = GraphBuilder(input_shape=inputs.shape[1:])
        self.values = {0: inputs}
        self.rng = rng

    def value(self, t: TensorRef) -> np.ndarray:
        out = sum(m.matmat(self.values[u]) for u, m in t.terms)
        return out + t.bias if t.bias is not None else out

    def relu(self, t: TensorRef) -> TensorRef:
        z = self.value(t)
        ref = self.b.activation(t, "relu")
        self.values[ref.node()] = np.maximum(z, 0.0)
        return ref

    def conv_bn(self, t: TensorRef, c_out: int, stride: int, kernel: int) -> TensorRef:
        c_in, rng = t.shape[0], self.rng
        w = rng.normal(size=(c_out, c_in, kernel, kernel)) * np.sqrt(2.0 / (c_in * kernel**2))
        t = self.b.linear(t, Conv(w, stride, kernel // 2, in_shape=t.shape))
        z = self.value(t)
        mean, var = z.mean(axis=(0, 2, 3)), z.var(axis=(0, 2, 3))
        return self.b.batch_norm(t, 1.0 + 0.1 * rng.normal(size=c_out),
                                 0.1 * rng.normal(size=c_out), mean, var, 1e-5)


def resnet20(seed: int = 0, calibration: int = 16, size: int = 32):
    """The graph septuple of a ResNet-20-shaped network on 3 x size x size inputs
    (BatchNorm statistics from ``calibration`` random inputs)."""
    rng = np.random.default_rng(seed)
    c = _Calibrated(rng.uniform(-1, 1, size=(calibration, 3, size, size)), rng)
    t = c.relu(c.conv_bn(c.b.input, 16, 1, 3))
    for stage, channels in enumerate((16, 32, 64)):
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            h = c.relu(c.conv_bn(t, channels, stride, 3))
            h = c.conv_bn(h, channels, 1, 3)
            short = t if stride == 1 else c.conv_bn(t, channels, stride, 1)
            t = c.relu(c.b.add(h, short))
    t = c.b.linear(t, GlobalAvgPool(t.shape))
    w = rng.normal(size=(10, 64)) / 8.0
    return c.b.build(outputs=c.b.dense(t, w, np.zeros(10)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--product-only", action="store_true")
    parser.add_argument("--size", type=int, default=32, help="input height = width")
    parser.add_argument("--dense", action="store_true",
                        help="also the exact moments from the dense spectrum (small --size)")
    parser.add_argument("--quadrature", default="auto",
                        choices=("auto", "one-sided", "two-sided"))
    parser.add_argument("--no-cv", action="store_true", help="without the μ_1 = 0 control variate")
    parser.add_argument("--no-reorth", action="store_true",
                        help="Lanczos without reorthogonalisation (reorthogonalise=False)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1: on the shared machine 2-thread OpenBLAS "
                             "was 20x slower for the conv products' small GEMMs)")
    args = parser.parse_args()
    threadpool_limits(args.threads)
    print(f"BLAS threads {args.threads}")
    print(f"load average {os.getloadavg()}")
    t0 = time.perf_counter()
    net = resnet20(size=args.size)
    rng = np.random.default_rng(1)
    x = net.forward(rng.uniform(-1, 1, size=(1, 3 * args.size**2)))[0]
    print(f"N = {net.n_neurons}, nodes = {len(net.nodes)}, weights {net.nbytes / 2**20:.1f} MiB,"
          f" build + forward {time.perf_counter() - t0:.1f} s")
    op = jacobian_operator(net, x)
    for k in (1, 8, 32):
        v = rng.normal(size=(k, net.n_neurons))
        t1 = time.perf_counter()
        op.a_rmatmat(op.a_matmat(v))
        dt = time.perf_counter() - t1
        print(f"G product on {k:3d} probes: {dt:.3f} s ({dt / k * 1e3:.1f} ms per probe)")
        t1 = time.perf_counter()
        op.a_solve(op.a_solve_t(v))
        dt = time.perf_counter() - t1
        print(f"G^-1 product on {k:3d} probes: {dt:.3f} s ({dt / k * 1e3:.1f} ms per probe)")
    if args.product_only:
        return
    exact = None
    if args.dense:
        t3 = time.perf_counter()
        logs = np.log(g_spectrum(net, x, method="dense").eigenvalues)
        exact = [float(np.sum(logs**k)) for k in (1, 2, 3)]
        print(f"dense ({time.perf_counter() - t3:.0f} s): mu_1..3 = {exact}, log lambda in "
              f"[{logs.min():.2f}, {logs.max():.2f}]")
    t2 = time.perf_counter()
    res = spectral_moments(net, x, (1, 2, 3), method="slq", seed=0, n_probes=args.probes,
                           lanczos_steps=args.steps, probe_batch=args.batch,
                           quadrature_kind=args.quadrature,
                           control_variate=False if args.no_cv else None,
                           reorthogonalise=not args.no_reorth)
    dt = time.perf_counter() - t2
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    for k in (1, 2, 3):
        err = res.error(k)
        rel = f"{100 * err / abs(res.value(k)):.2f} %" if err and k > 1 else ""
        unc = res.uncertainty[res.orders.index(k)]
        print(f"mu_{k} = {res.value(k):.6g} +- {err:.3g} {rel} (uncertainty with the "
              f"truncation {unc:.3g}{f', {100 * unc / abs(res.value(k)):.2f} %' if k > 1 else ''})")
        if exact is not None:
            print(f"   dense {exact[k - 1]:.6g}: z = {(res.value(k) - exact[k - 1]) / unc:+.2f}")
    print(f"{res.quadrature_kind} quadrature, control variate {res.control_variate}, "
          f"{res.n_probes} probes x {res.lanczos_steps} steps")
    print(f"quadrature change (last quarter of the steps): {res.quadrature_change}")
    print(f"SLQ {dt:.1f} s, {res.n_matvecs} matvecs, peak RSS {peak:.2f} GiB, "
          f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
