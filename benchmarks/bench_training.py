"""Benchmark: SGD training throughput (steps/s), batch 100, 784-40-20-10 tanh, vs PyTorch.

Target (issue #4): at least 0.8x PyTorch's throughput on the same CPU and batch, equal
thread counts (1 and 2).  PyTorch is never a dependency of the package: it runs in its own
interpreter (``--torch-python``, default /work/torchvenv/bin/python, made with
``python3 -m venv /work/torchvenv && /work/torchvenv/bin/pip install torch==2.13.0 numpy``)
on the same data and update rule (plain SGD on ½ Σ (out - t)², mean over the batch).

Run:  python benchmarks/bench_training.py [--torch-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

TORCH_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np, torch
    threads, steps = int(sys.argv[1]), int(sys.argv[2])
    dtype = torch.float32 if sys.argv[3] == "float32" else torch.float64
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.uniform(-1, 1, (4000, 784)), dtype=dtype)
    t = torch.tensor(np.where(np.eye(10)[rng.integers(0, 10, 4000)] > 0, 0.9, -0.9), dtype=dtype)
    model = torch.nn.Sequential(torch.nn.Linear(784, 40), torch.nn.Tanh(),
                                torch.nn.Linear(40, 20), torch.nn.Tanh(),
                                torch.nn.Linear(20, 10), torch.nn.Tanh()).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    idx = torch.tensor(rng.integers(0, 4000, (steps, 100)))
    def run(n):
        for k in range(n):
            b = idx[k]
            opt.zero_grad()
            loss = 0.5 * ((model(x[b]) - t[b]) ** 2).sum(dim=1).mean()
            loss.backward()
            opt.step()
    run(50)
    times = []
    for _ in range(5):
        t0 = time.perf_counter(); run(steps); times.append(time.perf_counter() - t0)
    print(json.dumps({"steps_per_s": steps / float(np.median(times)), "torch": torch.__version__}))
""")

OURS_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from learning.activations import TANH
    from learning.feedforward import feedforward, layer_weights, layer_biases
    from learning.experiments.training import _boundary_gradients
    steps = int(sys.argv[2])
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4000, 784))
    t = np.where(np.eye(10)[rng.integers(0, 10, 4000)] > 0, 0.9, -0.9)
    net = feedforward((784, 40, 20, 10), seed=0)
    ws = [np.array(w) for w in layer_weights(net)]; bs = [np.array(b) for b in layer_biases(net)]
    idx = rng.integers(0, 4000, (steps, 100))
    def run(n):
        for k in range(n):
            b = idx[k]
            gws, gbs = _boundary_gradients(ws, bs, TANH, x[b], t[b])
            for w, gw, bb, gb in zip(ws, gws, bs, gbs):
                w -= 0.05 * gw; bb -= 0.05 * gb
    run(50)
    times = []
    for _ in range(5):
        t0 = time.perf_counter(); run(steps); times.append(time.perf_counter() - t0)
    print(json.dumps({"steps_per_s": steps / float(np.median(times))}))
""")


def measure(python: str, script: str, threads: int, steps: int, dtype: str = "float64") -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    out = subprocess.run([python, "-c", script, str(threads), str(steps), dtype], env=env,
                         check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default="/work/torchvenv/bin/python")
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    print(f"{'threads':>8}{'ours f64 [steps/s]':>20}{'PyTorch f64':>13}{'ratio':>7}"
          f"{'PyTorch f32':>13}{'ratio':>7}")
    for threads in (1, 2):
        ours = measure(sys.executable, OURS_SCRIPT, threads, args.steps)["steps_per_s"]
        t64 = measure(args.torch_python, TORCH_SCRIPT, threads, args.steps, "float64")
        t32 = measure(args.torch_python, TORCH_SCRIPT, threads, args.steps, "float32")
        print(f"{threads:>8}{ours:>20.0f}{t64['steps_per_s']:>13.0f}"
              f"{ours / t64['steps_per_s']:>7.2f}{t32['steps_per_s']:>13.0f}"
              f"{ours / t32['steps_per_s']:>7.2f}   (torch {t64['torch']})")
    print(f"(median of 5 x {args.steps} steps each; ours is float64, the package's precision; "
          "batch 100, 784-40-20-10 tanh)")


if __name__ == "__main__":
    main()
