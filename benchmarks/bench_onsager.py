"""Benchmark: the generic-metric Onsager check in D = 4 (target < 60 s on one core), against
einsteinpy's Ricci scalar of a generic 4D metric (10 free functions).

einsteinpy is run in a subprocess with a timeout (``--timeout``, default 120 s); if it does
not finish, the ratio is reported as a lower bound (timeout / our time).

Run:  python benchmarks/bench_onsager.py [--timeout 120]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from emergent.onsager import family_of_onsager_tensors, onsager_verdict  # noqa: E402

EINSTEINPY = """
import sympy as sp
from einsteinpy.symbolic import MetricTensor, RicciScalar
xs = sp.symbols("x0:4")
g = sp.Matrix(4, 4, lambda a, b: sp.Function(f"g{min(a, b)}{max(a, b)}")(*xs))
RicciScalar.from_metric(MetricTensor(g.tolist(), xs)).expr
print("done")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        verdict = onsager_verdict(4, n_jets=4)
        family = family_of_onsager_tensors(4, n_jets=4)
        times.append(time.perf_counter() - t0)
    ours = float(np.median(times))
    print(f"generic D = 4 check (verdict + family, 4 exact jets each): median {ours:.2f} s "
          f"(reproduces: {verdict.reproduces}, rank {family.rank})")
    t0 = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-c", EINSTEINPY], check=True, capture_output=True,
                       timeout=args.timeout)
        theirs = time.perf_counter() - t0
        print(f"einsteinpy generic 4D RicciScalar: {theirs:.1f} s; ratio {theirs / ours:.0f}x")
    except subprocess.TimeoutExpired:
        print(f"einsteinpy generic 4D RicciScalar: not finished after {args.timeout:.0f} s; "
              f"ratio > {args.timeout / ours:.0f}x (lower bound)")


if __name__ == "__main__":
    main()
