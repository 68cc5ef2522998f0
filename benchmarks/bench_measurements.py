"""Benchmark: one checkpoint's measurements (structured spectrum + bulk loss over 4000
samples, Section 10) — target under 5 s.

Run:  python benchmarks/bench_measurements.py
"""

from __future__ import annotations

import time

import numpy as np

from learning.experiments.datasets import load_mnist
from learning.experiments.measurements import measure_checkpoint
from learning.experiments.training import TrainingConfig, train


def main() -> None:
    data = load_mnist()
    for sizes in ((784, 40, 20, 10), (784, 60, 10)):
        net = train(TrainingConfig(sizes=sizes, n_epochs=2000, n_checkpoints=2), data.train,
                    progress=False).final.septuple
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            m = measure_checkpoint(net, data.train, data.test, n_bulk_samples=4000)
            times.append(time.perf_counter() - t0)
        print(f"{'-'.join(map(str, sizes)):<14} measurements over {m.bulk_samples} samples: "
              f"median {np.median(times):.2f} s (converged {m.bulk_converged_fraction:.3f})")
    print("(median of 3; network trained 2000 SGD steps; default BLAS threads)")


if __name__ == "__main__":
    main()
