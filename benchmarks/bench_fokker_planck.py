"""Benchmark: Fokker-Planck (11.5) on a periodic 2D grid against fplanck.

Problem (the same in both): ∂p/∂t = (D/2)Δp on the periodic square [-5, 5)², D = 1, Gaussian
start of std 0.5 per axis, T = 0.5; error against the exact wrapped Gaussian.  Ours:
``propagate_spectral`` (exact in time, Fourier) and ``propagate_implicit`` (Crank-Nicolson,
sparse LU, 50 steps).  fplanck 1.0 (needs Python >= 3.12: run in its own venv,
``benchmarks/_baseline_env.py``) builds a finite-volume master matrix and propagates with
``expm_multiply`` (exact in time for its semi-discrete system); its D_fp = D/2.
One thread for our code.

Run:  python benchmarks/bench_fokker_planck.py [--no-fplanck]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from _baseline_env import baseline_python, median_time, run_json  # noqa: E402

from emergent.fokker_planck import (  # noqa: E402
    gaussian_heat_kernel,
    propagate_implicit,
    propagate_spectral,
)
from emergent.grids import Grid  # noqa: E402

L, D, SIGMA0, T = 10.0, 1.0, 0.5, 0.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-fplanck", action="store_true")
    parser.add_argument("--sizes", default="64,128,256")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    fp = {}
    if not args.no_fplanck:
        exe = baseline_python("fplanck", ["fplanck", "numpy", "scipy"], 12)
        if exe is not None:
            for n in sizes:
                fp[n] = run_json(exe, "fplanck_runner.py", "--n", str(n), "--repeat", "5")
    print(f"{'n x n':<9}{'ours spectral [ms]':>19}{'error':>10}{'ours CN [ms]':>14}{'error':>10}"
          f"{'fplanck setup+prop [ms]':>25}{'error':>10}{'fplanck/spectral':>18}")
    for n in sizes:
        g = Grid((n, n), (L, L))
        p0 = gaussian_heat_kernel(g, 0.0, D, SIGMA0)
        exact = gaussian_heat_kernel(g, T, D, SIGMA0)
        t_sp, sp = median_time(lambda g=g, p0=p0: propagate_spectral(g, p0, D, [T]))
        t_cn, cn = median_time(lambda g=g, p0=p0: propagate_implicit(g, p0, D, T, 50), 3)
        e_sp = float(np.abs(sp.densities[-1] - exact).max())
        e_cn = float(np.abs(cn.densities[-1] - exact).max())
        line = (f"{n:<9}{1e3 * t_sp:>19.2f}{e_sp:>10.1e}{1e3 * t_cn:>14.1f}{e_cn:>10.1e}")
        run = fp.get(n)
        if run:
            total = run["setup_s"] + run["propagate_s"]
            line += f"{1e3 * total:>25.1f}{run['max_abs_error']:>10.1e}{total / t_sp:>17.0f}x"
        else:
            line += f"{'not run':>25}"
        print(line)
    if fp:
        v = next(iter(r for r in fp.values() if r))
        print(f"fplanck {v['version']} on Python {v['python']}")


if __name__ == "__main__":
    main()
