"""Benchmark: SGD training throughput (steps/s), batch 100, 784-40-20-10 tanh, vs PyTorch.

Targets (issue #29): >= 1.5x PyTorch float64 and >= 1.0x PyTorch float32 at 1 and at 2
threads (medians), and our 2-thread rate not below our 1-thread rate.  PyTorch (installed in
the project's venv as an optional extra, never imported by the package) runs in the same
process, interleaved with ours repeat by repeat, so that the load of a shared machine hits
all alike: each repeat times ours, PyTorch float64 and PyTorch float32 for ``--steps``
steps in turn, at 1 and then at 2 threads.  Same data and update rule (plain SGD on
½ Σ (out - t)², mean over the batch, lr 0.05).  Ours runs as
``learning.experiments.training.train`` does: the library
picks its BLAS threads by product size (``learning.threads``) within the thread budget.

Run:  python benchmarks/bench_training.py [--repeats 7] [--steps 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from learning.activations import TANH  # noqa: E402
from learning.experiments.training import _boundary_sgd_step  # noqa: E402
from learning.feedforward import feedforward, layer_biases, layer_weights  # noqa: E402
from learning.threads import blas_threads_for, largest_product_flops  # noqa: E402

SIZES = (784, 40, 20, 10)
BATCH = 100


def data(steps: int):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4000, 784))
    t = np.where(np.eye(10)[rng.integers(0, 10, 4000)] > 0, 0.9, -0.9)
    return x, t, rng.integers(0, 4000, (steps, BATCH))


def ours(steps: int):
    """A function running ``steps`` SGD steps the way ``train`` does."""
    x, t, idx = data(steps)
    net = feedforward(SIZES, seed=0)
    ws = [np.array(w) for w in layer_weights(net)]
    bs = [np.array(b) for b in layer_biases(net)]
    flops = largest_product_flops(SIZES, BATCH)

    def run(n: int = steps) -> None:
        with blas_threads_for(flops):
            for k in range(n):
                b = idx[k]
                _boundary_sgd_step(ws, bs, TANH, x[b], t[b], 0.05)
    return run


def pytorch(steps: int, dtype_name: str):
    import torch

    dtype = torch.float32 if dtype_name == "float32" else torch.float64
    torch.manual_seed(0)
    xn, tn, idxn = data(steps)
    x, t = torch.tensor(xn, dtype=dtype), torch.tensor(tn, dtype=dtype)
    idx = torch.tensor(idxn)
    model = torch.nn.Sequential(torch.nn.Linear(784, 40), torch.nn.Tanh(),
                                torch.nn.Linear(40, 20), torch.nn.Tanh(),
                                torch.nn.Linear(20, 10), torch.nn.Tanh()).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)

    def run(n: int = steps) -> None:
        for k in range(n):
            b = idx[k]
            opt.zero_grad()
            loss = 0.5 * ((model(x[b]) - t[b]) ** 2).sum(dim=1).mean()
            loss.backward()
            opt.step()
    return run


def measure(steps: int, repeats: int) -> dict[tuple[int, str], list[float]]:
    """Steps/s of each contender at 1 and 2 threads, ``repeats`` interleaved rounds."""
    import torch
    from threadpoolctl import threadpool_limits

    runs = {"ours": ours(steps), "torch64": pytorch(steps, "float64"),
            "torch32": pytorch(steps, "float32")}
    rates: dict[tuple[int, str], list[float]] = {}
    for rep in range(repeats + 1):  # round 0 is a warm-up
        for threads in (1, 2):
            torch.set_num_threads(threads)
            with threadpool_limits(limits=threads, user_api="blas"):
                for name, run in runs.items():
                    t0 = time.perf_counter()
                    run()
                    if rep:
                        rates.setdefault((threads, name), []).append(
                            steps / (time.perf_counter() - t0))
    return rates


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):6.0f} [{min(values):.0f}-{max(values):.0f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import torch

    print(f"load average at start: {os.getloadavg()}; torch {torch.__version__}")
    print(f"{'threads':>7}  {'ours f64 [steps/s]':>22}  {'PyTorch f64':>20}  {'ratio':>5}  "
          f"{'PyTorch f32':>20}  {'ratio':>5}")
    r = measure(args.steps, args.repeats)
    med = {k: statistics.median(v) for k, v in r.items()}
    for threads in (1, 2):
        print(f"{threads:>7}  {_fmt(r[threads, 'ours']):>22}  {_fmt(r[threads, 'torch64']):>20}  "
              f"{med[threads, 'ours'] / med[threads, 'torch64']:5.2f}  "
              f"{_fmt(r[threads, 'torch32']):>20}  "
              f"{med[threads, 'ours'] / med[threads, 'torch32']:5.2f}", flush=True)
    print(f"ours 2 threads / 1 thread: {med[2, 'ours'] / med[1, 'ours']:.2f}")
    print(f"load average at end: {os.getloadavg()}")
    print(f"(median [min-max] of {args.repeats} interleaved repeats x {args.steps} steps; ours "
          "is float64, the package's precision; batch 100, 784-40-20-10 tanh)")


if __name__ == "__main__":
    main()
