"""Baseline runner: fplanck on 2D periodic pure diffusion (issue #5).

Run with an interpreter that has fplanck installed (fplanck needs Python >= 3.12), e.g.

    /work/venvs/fplanck312/bin/python benchmarks/baselines/fplanck_runner.py --n 128

Problem: dp/dt = (D/2) Laplacian p on the periodic square [-L/2, L/2)^2, initial density a
normalised Gaussian centred at 0 with std 0.5 per axis, integrated to time T.  The exact
solution is the wrapped Gaussian with variance 0.25 + D*T per axis.

Convention mapping (read from fplanck.solver.FokkerPlanck): fplanck sets its diffusion
coefficient per axis to D_fp = k_B * temperature / drag (scipy.constants.k) and, with no
potential or force, its master matrix has nearest-neighbour rates D_fp / h^2, i.e. it solves
dp/dt = D_fp * Laplacian p (standard 5-point finite-volume Laplacian).  So our D/2 maps to
D_fp = D/2; we pass temperature = 1 and drag = 2 * k_B / D.

fplanck grid: Ngrid = ceil(extent / resolution) points per axis at (i - (Ngrid-1)/2) * h, i.e.
cell centres -L/2 + h/2 + i*h for even n (shifted by h/2 from a [-L/2, L/2) node grid); the
periodic wrap joins the last and first cells, so the period is Ngrid * h = L.  fplanck's
propagate() works with probability per cell (sum = 1); we divide by the cell area h^2 to get a
density before comparing with the exact density.

Time integration: FokkerPlanck.propagate(initial, T) = scipy.sparse.linalg.expm_multiply of the
master matrix (exact in time for the semi-discrete system; all error is spatial).

Prints one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from importlib.metadata import version

import numpy as np
from fplanck.solver import FokkerPlanck
from fplanck.utility import Boundary
from scipy import constants

SIGMA0 = 0.5


def exact_wrapped(grid, var, length, images=5):
    """Wrapped 2D Gaussian density (isotropic variance var) on the periodic square."""
    out = np.ones_like(grid[0])
    for x in grid:
        s = np.zeros_like(x)
        for m in range(-images, images + 1):
            s += np.exp(-((x + m * length) ** 2) / (2.0 * var))
        out = out * s / np.sqrt(2.0 * np.pi * var)
    return out


def initial_density(x, y):
    return np.exp(-(x**2 + y**2) / (2.0 * SIGMA0**2))


def build(n, length, D):
    h = length / n
    # Guard against ceil(L / (L/n)) rounding up to n+1 (happens for some n, e.g. 61, 122):
    # shrink the extent by a hair so fplanck's ceil gives exactly n with spacing h.
    extent = length * (1.0 - 1e-12)
    sim = FokkerPlanck(
        temperature=1.0,
        drag=2.0 * constants.k / D,  # D_fp = k_B*1/drag = D/2
        extent=[extent, extent],
        resolution=h,
        boundary=Boundary.PERIODIC,
    )
    return sim, h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--length", type=float, default=10.0)
    ap.add_argument("--D", type=float, default=1.0)
    ap.add_argument("--T", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    n, L, D, T = args.n, args.length, args.D, args.T

    setup_times, prop_times = [], []
    sim = pf = h = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        sim, h = build(n, L, D)
        t1 = time.perf_counter()
        pf = sim.propagate(initial_density, T)  # normalize=True: probability per cell
        t2 = time.perf_counter()
        setup_times.append(t1 - t0)
        prop_times.append(t2 - t1)

    assert tuple(sim.Ngrid) == (n, n), sim.Ngrid
    assert np.allclose(sim.diffusion, D / 2.0, rtol=1e-12)
    p = np.asarray(pf) / h**2  # density
    p_exact = exact_wrapped(sim.grid, SIGMA0**2 + D * T, L)
    err = p - p_exact

    axis0 = sim.axes[0]
    rec = {
        "library": "fplanck",
        "version": version("fplanck"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": version("scipy"),
        "n": n,
        "L": L,
        "D": D,
        "T": T,
        "repeat": args.repeat,
        "setup_s": statistics.median(setup_times),
        "propagate_s": statistics.median(prop_times),
        "max_abs_error": float(np.max(np.abs(err))),
        "l1_error": float(np.sum(np.abs(err)) * h**2),
        "mass": float(np.sum(p) * h**2),
        "grid_points_note": (
            f"fplanck cell centres x_i = (i - (n-1)/2)*h, h = L/n = {h:.6g}, "
            f"first {axis0[0]:.6g}, last {axis0[-1]:.6g} "
            "(offset h/2 from a [-L/2,L/2) node grid); "
            "periodic 5-point FV Laplacian with D_fp = D/2; "
            "time via expm_multiply (exact in time); "
            "setup_s = FokkerPlanck() construction incl. Python-loop sparse matrix assembly"
        ),
    }
    print(json.dumps(rec))


if __name__ == "__main__":
    main()
