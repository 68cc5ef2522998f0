"""Benchmark: exact log Z for N = 3 (Section 5, eq. (5.7)) to 1e-8 relative in under 1 s.

Baseline: scipy.integrate.nquad on the same integrand (one network, β = 2).

Run:  python benchmarks/bench_partition.py
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import nquad  # noqa: E402

from learning import bulk_loss, feedforward  # noqa: E402
from learning.ensemble import exact_canonical_ensemble  # noqa: E402


def main() -> None:
    print(f"{'network':<10}{'β':>5}{'ours [ms]':>11}{'nodes':>7}{'est. err':>10}"
          f"{'nquad [s]':>11}{'|Δ log Z|':>11}")
    for sizes in [(1, 1, 1), (2, 1)]:
        net = feedforward(sizes, seed=4, bias_scale=0.5)
        for beta in (0.5, 2.0, 10.0):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                ens = exact_canonical_ensemble(net, beta, rtol=1e-10)
                times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref, _ = nquad(lambda *x, net=net, beta=beta: float(
                np.exp(-beta * bulk_loss(net, np.array(x)))), [(-1, 1)] * 3,
                opts={"epsabs": 0, "epsrel": 1e-10})
            t_ref = time.perf_counter() - t0
            print(f"{'-'.join(map(str, sizes)):<10}{beta:>5g}{1e3 * np.median(times):>11.1f}"
                  f"{ens.n_nodes:>7}{ens.error_estimate:>10.1e}{t_ref:>11.1f}"
                  f"{abs(ens.log_partition_function - np.log(ref)):>11.1e}")
    print("(median of 5 runs; nquad with epsrel 1e-10 as the reference value)")


if __name__ == "__main__":
    main()
