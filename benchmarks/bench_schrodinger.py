"""Benchmark: split-step Schrödinger (11.9) vs Crank-Nicolson on the same grid, and qmsolve.

Targets (issue #5): cost per step on 1D 4096 points and 2D 512 x 512, split-step against a
plain Crank-Nicolson (our sparse-LU Cayley step, ``emergent.schrodinger.crank_nicolson``) and
against qmsolve 2.0 (its split-step and Crank-Nicolson ``TimeSimulation``; run in its own venv,
``benchmarks/_baseline_env.py``); free-packet error of the split-step below 1e-10.

Problems (the same as qmsolve's runner, ħ = m = 1 so D = ħ/m = 1): a free Gaussian packet,
σ0 = 1, k0 = 2 (1D, box 100, T = 5) and k0 = (2, 1) (2D, box 40, T = 2), dt = 0.01.
One thread for our code.

Run:  python benchmarks/bench_schrodinger.py [--no-qmsolve]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from _baseline_env import baseline_python, median_time, run_json  # noqa: E402

from emergent.grids import Grid  # noqa: E402
from emergent.schrodinger import crank_nicolson, free_gaussian_packet, split_step  # noqa: E402

CASES = {"1d": ((4096,), 100.0, 5.0, (2.0,)), "2d": ((512, 512), 40.0, 2.0, (2.0, 1.0))}
DT = 0.01


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-qmsolve", action="store_true")
    args = parser.parse_args()
    rows = []
    for name, (shape, length, t_final, k0) in CASES.items():
        grid = Grid(shape, (length,) * len(shape))
        steps = int(round(t_final / DT))
        psi = free_gaussian_packet(grid, [0.0, t_final], 1.0, 1.0, None, k0)
        reps = 5 if name == "1d" else 3
        t_ss, sol = median_time(lambda g=grid, p=psi, n=steps, T=t_final:
                            split_step(g, p[0], 1.0, T, n, save_every=n), reps)
        err = float(np.abs(sol.psi[-1] - psi[1]).max())
        # Crank-Nicolson: setup (LU) and per-step cost from runs of k and 2k steps
        k = 20 if name == "2d" else 100
        def cn_run(m, g=grid, p=psi):
            return crank_nicolson(g, p[0], 1.0, m * DT, m, save_every=m)

        t1, _ = median_time(lambda m=k: cn_run(m), 3)
        t2, cn = median_time(lambda m=2 * k: cn_run(m), 3)
        cn_step = (t2 - t1) / k
        cn_setup = t1 - k * cn_step
        exact_cn = free_gaussian_packet(grid, 2 * k * DT, 1.0, 1.0, None, k0)
        cn_err = float(np.abs(cn.psi[-1] - exact_cn).max())
        rows.append((name, shape, t_ss / steps, err, cn_step, cn_setup, cn_err))
    print(f"{'grid':<12}{'split-step [ms/step]':>22}{'error':>10}{'CN [ms/step]':>14}"
          f"{'CN LU [s]':>11}{'CN error':>10}{'CN/split':>10}")
    for _name, shape, ss, err, cn, setup, cn_err in rows:
        print(f"{'x'.join(map(str, shape)):<12}{1e3 * ss:>22.3f}{err:>10.1e}{1e3 * cn:>14.3f}"
              f"{setup:>11.2f}{cn_err:>10.1e}{cn / ss:>9.1f}x")
    print("split-step free-packet error target < 1e-10:",
          "met" if max(r[3] for r in rows) < 1e-10 else "NOT met")
    if args.no_qmsolve:
        return
    exe = baseline_python("qmsolve", ["qmsolve"], 11)
    if exe is None:
        return
    qm = run_json(exe, "qmsolve_runner.py", "--repeat", "3")
    if qm is None:
        return
    print(f"\nqmsolve {qm['version']} (Python {qm['python']}, {qm['units']}):")
    print(f"{'case':<20}{'qmsolve [ms/step]':>19}{'its max error':>15}{'ours [ms/step]':>16}"
          f"{'ours error':>12}{'qmsolve/ours':>14}")
    ours = {r[0]: r for r in rows}
    for run in qm["runs"]:
        dim = run["case"][:2]
        mine = ours[dim][2] if "split" in run["case"] else ours[dim][4]
        mine_err = ours[dim][3] if "split" in run["case"] else ours[dim][6]
        print(f"{run['case']:<20}{1e3 * run['per_step_s']:>19.3f}"
              f"{run['max_abs_error_psi']:>15.1e}{1e3 * mine:>16.3f}{mine_err:>12.1e}"
              f"{run['per_step_s'] / mine:>13.1f}x")


if __name__ == "__main__":
    main()
