"""Overhead of learning.track on a PyTorch run (issue #23): 784-40-20-10 tanh on the bundled
MNIST digits, float32 SGD, batch 100, ``--steps`` steps, 30 log-spaced checkpoints measured on
``--samples`` evaluation samples; the same loop without the recorder for the baseline.

Run:  flock /work/bench.lock python benchmarks/track_overhead.py --steps 30000 --samples 1000
      [--background] [--bulk-samples 200]
Prints the two wall times, the overhead and the load average (timings under load say so).
"""

import argparse
import os
import tempfile
import time

import numpy as np


def _loop(steps, mnist, recorder=None):
    import torch

    from learning.track.torch import record_module

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 40), torch.nn.Tanh(),
                                torch.nn.Linear(40, 20), torch.nn.Tanh(),
                                torch.nn.Linear(20, 10), torch.nn.Tanh())
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.from_numpy(mnist.train.inputs.astype(np.float32))
    t = torch.from_numpy(mnist.train.targets.astype(np.float32))
    gen = torch.Generator().manual_seed(1)
    t0 = time.perf_counter()
    for step in range(steps + 1):
        if recorder is not None:
            record_module(recorder, step, model)
        idx = torch.randint(len(x), (100,), generator=gen)
        opt.zero_grad()
        (0.5 * ((model(x[idx]) - t[idx]) ** 2).sum(dim=1).mean()).backward()
        opt.step()
    if recorder is not None:
        recorder.close()  # the measurements still running (background=True) count
    return time.perf_counter() - t0


def main() -> None:
    import torch

    from learning.experiments.datasets import load_mnist
    from learning.track import Recorder

    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30000)
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--checkpoints", type=int, default=30)
    p.add_argument("--background", action="store_true",
                   help="measure in the recorder's worker process (Recorder(background=True))")
    p.add_argument("--bulk-samples", type=int, default=None,
                   help="samples of U (3.2) and <x> (5.3) (default: --samples)")
    p.add_argument("--keep", default=None,
                   help="record the run into this directory and keep it (for `python -m "
                        "learning laws DIR`); default: a temporary directory")
    args = p.parse_args()
    torch.set_num_threads(1)
    mnist = load_mnist(seed=0)
    load0 = os.getloadavg()
    print(f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}", flush=True)
    base = _loop(args.steps, mnist)
    with tempfile.TemporaryDirectory() as tmp:
        rec = Recorder(args.keep or tmp, ((784, 40, 20, 10), "tanh"),
                       data=mnist.train.subset(slice(0, args.samples)), test=mnist.test,
                       encoding="symmetric pixels, ±0.9 one-hot", every="log",
                       n_steps=args.steps, n_checkpoints=args.checkpoints,
                       n_bulk_samples=args.bulk_samples or args.samples,
                       background=args.background)
        recorded = _loop(args.steps, mnist, rec)
        n = len(rec.checkpoints)
    load1 = os.getloadavg()
    print(f"steps {args.steps}, {n} checkpoints, {args.samples} evaluation samples, "
          f"{args.bulk_samples or args.samples} for U, background {args.background}, "
          "torch threads 1")
    print(f"training alone {base:.1f} s; with the recorder {recorded:.1f} s "
          f"(measuring {rec.measure_seconds:.1f} s, {rec.measure_seconds / n:.2f} s each); "
          f"overhead {100 * (recorded - base) / base:.0f} %")
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
