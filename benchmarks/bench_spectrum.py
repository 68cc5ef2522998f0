"""Benchmark: structured spectrum of G (5.6) vs numpy.linalg.eigvalsh of the full G.

Targets (issue #3): >= 30x for 784-40-20-10 and >= 300x for 2000-40-20-10, same
eigenvalues to 1e-10 in log λ.  Baseline: eigvalsh on the already-formed N x N G (forming
G is not charged to it).  One thread.

Run:  python benchmarks/bench_spectrum.py
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402

from learning import feedforward  # noqa: E402
from learning.spectrum import g_operator, g_spectrum  # noqa: E402


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    print(f"{'network':<18}{'N':>6}{'dim S':>7}{'structured [ms]':>17}{'eigvalsh [ms]':>15}"
          f"{'ratio':>8}{'max |Δ log λ|':>15}")
    for sizes in [(784, 40, 20, 10), (784, 60, 10), (2000, 40, 20, 10)]:
        net = feedforward(sizes, seed=0, weight_scale=1.5, bias_scale=0.3)
        x = np.random.default_rng(0).uniform(-0.8, 0.8, net.n_neurons)
        g = g_operator(net, x)
        fast = median_time(lambda net=net, x=x: g_spectrum(net, x), 21)
        dense = median_time(lambda g=g: np.linalg.eigvalsh(g), 5)
        s = g_spectrum(net, x)
        ref = np.sort(np.linalg.eigvalsh(g))[::-1]
        err = np.max(np.abs(s.log_eigenvalues - np.log(ref)))
        print(f"{'-'.join(map(str, sizes)):<18}{net.n_neurons:>6}{s.dynamical.size:>7}"
              f"{1e3 * fast:>17.2f}{1e3 * dense:>15.1f}{dense / fast:>8.0f}{err:>15.1e}")
    print("(medians: 21 structured runs, 5 eigvalsh runs; one thread)")


if __name__ == "__main__":
    main()
