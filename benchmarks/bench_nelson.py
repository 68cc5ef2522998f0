"""Benchmark: Nelson's walkers and the grid Fokker-Planck check (issue 16).

Targets: 10^6 walkers x 1000 Euler-Maruyama steps in 1D in <= 30 s on 2 cores; the grid
Fokker-Planck equation with Nelson's drift at 512 points (1000 Crank-Nicolson steps) in <= 5 s.
Problem: the coherent state of the oscillator (D = ω = 1, q0 = 1.5, p0 = 0.5), periodic box of
16, 512 points, T = 1 (dt = 1e-3).  Walkers run in chunks of 65536 on ``--threads`` threads
(the result depends on the seed only).  Baseline: the same walker loop with ``np.interp`` for
the drift and one thread (``--baseline``, 10^5 walkers, scaled to 10^6).  The load average is
printed beside the timings: the machine is shared.

Run:  python benchmarks/bench_nelson.py [--walkers 1000000] [--threads 2] [--baseline]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _baseline_env import median_time

from emergent.grids import Grid
from emergent.nelson import (
    drift_fields,
    fokker_planck_with_drift,
    ks_distance,
    sample_density,
    simulate_walkers,
)
from emergent.schrodinger import coherent_state


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def naive(grid: Grid, psi: np.ndarray, dt: float, n: int, seed: int) -> np.ndarray:
    """Plain Euler-Maruyama: ``np.interp`` of the drift, all walkers at once, one thread."""
    rng = np.random.default_rng(seed)
    b = drift_fields(grid, psi, 1.0).forward[:, 0]
    x = sample_density(grid, np.abs(psi[0]) ** 2, n, rng)[:, 0]
    xp, L, o = grid.axes[0], grid.lengths[0], grid.origin[0]
    for k in range(psi.shape[0] - 1):
        x = x + np.interp(x, xp, b[k], period=L) * dt + np.sqrt(dt) * rng.standard_normal(n)
        x = o + np.remainder(x - o, L)
    return x


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--walkers", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    grid = Grid((512,), (16.0,))
    t = np.linspace(0.0, 1.0, args.steps + 1)
    psi = coherent_state(grid, t, 1.0, 1.0, [1.5], [0.5])
    print(f"before: {_load()}")
    t0, c0 = time.perf_counter(), time.process_time()
    walk = simulate_walkers(grid, psi, 1.0, t, args.walkers, seed=0, threads=args.threads)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ks = ks_distance(grid, np.abs(psi[-1]) ** 2, walk.positions[-1])
    # on a shared machine the wall time depends on the load; the CPU time (all threads) does
    # much less: wall on a quiet machine ~ CPU / threads
    print(f"walkers: {args.walkers} x {args.steps} steps, {args.threads} threads: wall "
          f"{wall:.1f} s, CPU {cpu:.1f} s ({1e9 * cpu / (args.walkers * args.steps):.1f} CPU-ns "
          f"per walker-step; target <= 30 s wall for 10^6 x 1000); KS to |Ψ|² {ks:.1e}; "
          f"{_load()}")
    if args.baseline:
        n = 100_000
        c0 = time.process_time()
        naive(grid, psi, t[1] - t[0], n, 0)
        base = (time.process_time() - c0) * args.walkers / n
        print(f"baseline (np.interp, one thread, 1e5 walkers scaled): CPU {base:.1f} s; CPU "
              f"ratio {base / cpu:.1f}x; {_load()}")
    c0 = time.process_time()
    fp_time, fp = median_time(lambda: fokker_planck_with_drift(grid, psi, 1.0, t), 3)
    fp_cpu = (time.process_time() - c0) / 3
    print(f"grid Fokker-Planck, 512 points, {args.steps} steps: wall {fp_time:.2f} s (median of "
          f"3), CPU {fp_cpu:.2f} s (target <= 5 s); "
          f"∫|p - |Ψ|²| at T = {fp.l1_error[-1]:.1e}; {_load()}")


if __name__ == "__main__":
    main()
