"""Benchmark: ``python -m learning analyze`` end to end (interpreter start, loading, analysis,
report), on networks saved to .npz.

Targets (issue #12): a saved 784-40-20-10 network in <= 10 s; a saved 784-4096-4096-4096-10
network with ``--data mnist`` (1000 samples) in <= 2 min, on 2 cores. No baseline: the peers
(WeightWatcher) do not compute the whole-network G. Prints the load average next to each time.

Run:  python benchmarks/bench_analyze.py [--wide]     (--wide adds the 784-4096x3-10 cases:
      tanh, and relu, relu, relu, linear as a PyTorch MLP would be)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _baseline_env import median_time

from learning.feedforward import feedforward
from learning.io import save_network

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str]) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "learning", "analyze", *argv],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def case(tmp: Path, sizes: tuple[int, ...], extra: list[str], repeats: int,
         activation: str | list[str] = "tanh") -> None:
    model = tmp / ("net_" + "-".join(map(str, sizes)) + ".npz")
    t0 = time.perf_counter()
    # tanh: weights 1.5x LeCun (saturating, as a trained tanh net); relu: LeCun's scale.
    scale = 1.5 if activation == "tanh" else 1.0
    save_network(feedforward(sizes, activation, seed=0, weight_scale=scale, bias_scale=0.1),
                 model)
    saved = time.perf_counter() - t0
    argv = [str(model), "--out", str(tmp / "out"), *extra]
    seconds, proc = median_time(lambda: run(argv), repeats)
    load = os.getloadavg()
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr[-300:]}"
    name = "-".join(map(str, sizes)) + ("" if activation == "tanh" else " " + ",".join(activation))
    print(f"{name:<24} {' '.join(extra) or '(no data)':<28} "
          f"{seconds:>8.1f} s  (median of {repeats}; saving took {saved:.1f} s)  "
          f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}  {status}")
    if proc.returncode == 0:
        summary = [ln for ln in proc.stdout.splitlines()
                   if ln.startswith(("mean", "spectrum", "losses"))]
        print("    " + "\n    ".join(summary))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        case(tmp, (784, 40, 20, 10), [], 3)
        case(tmp, (784, 40, 20, 10), ["--data", "mnist"], 3)
        if "--wide" in sys.argv:
            wide, data = (784, 4096, 4096, 4096, 10), ["--data", "mnist", "--samples", "1000"]
            case(tmp, wide, data, 1)
            case(tmp, wide, data, 1, ["relu", "relu", "relu", "linear"])


if __name__ == "__main__":
    main()
