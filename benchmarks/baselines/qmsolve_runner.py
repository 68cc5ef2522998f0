"""Baseline runner: qmsolve time-dependent free Schroedinger evolution (issue #5).

Run with an interpreter that has qmsolve installed, e.g.

    /work/venvs/qmsolve/bin/python benchmarks/baselines/qmsolve_runner.py
    /work/venvs/qmsolve/bin/python benchmarks/baselines/qmsolve_runner.py \
        --cases 1d-split-step,2d-split-step

Cases: a free Gaussian packet, psi0 = (2 pi s^2)^(-d/4) exp(-|x|^2/(4 s^2) + i k0.x), evolved with
qmsolve.TimeSimulation (methods "split-step" and "crank-nicolson") in 1D on N = 4096 points and
in 2D on 512 x 512, compared with the exact free packet (per axis, a = 1 + i t/(2 s^2)):
    psi(x, t) = (2 pi s^2)^(-1/4) a^(-1/2) exp(-(x - k0 t)^2 / (4 s^2 a) + i k0 (x - k0 t / 2)).

Units: qmsolve works in Hartree atomic units (qmsolve.util.constants: hbar = m_e = 1, its
kinetic prefactor k = hbar^2/(2 m_e) = 0.5); SingleParticle() has m = m_e = 1.  So it solves
    i dpsi/dt = -(1/2) Laplacian psi,
lengths in bohr, times in hbar/Hartree.  All inputs below are in those units.

Grid facts read from qmsolve 2.0.0's source (relevant to the errors printed):
  * positions: np.linspace(-extent/2, extent/2, N), i.e. BOTH endpoints, spacing extent/(N-1);
    but Hamiltonian.dx = extent/N (used by the Crank-Nicolson 3-point Laplacian, Dirichlet
    ends, solved by scipy gcrotmk with default tolerance each step).
  * split-step momenta: np.linspace(-p_max, p_max, N) with p_max = floor(pi N / 2) / (extent/2),
    paired with fftshift(fftn(.)).  This is not the FFT frequency grid of the position grid
    (spacing and a ~half-bin offset of the zero mode differ), so the split-step result drifts
    from the exact packet by an O(1/extent) momentum offset, independent of dt.
We only call qmsolve's public API and report what it gives.

qmsolve prints progress text to stdout/stderr; it is redirected to stderr so stdout carries
exactly one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import sys
import time
from importlib.metadata import version

import numpy as np
import qmsolve
from qmsolve import Hamiltonian, SingleParticle, TimeSimulation

# name: (spatial_ndim, method, N, extent, total_time, dt, sigma0, k0 (per axis))
CASES = {
    "1d-split-step": (1, "split-step", 4096, 100.0, 5.0, 0.01, 1.0, (2.0,)),
    "1d-crank-nicolson": (1, "crank-nicolson", 4096, 100.0, 5.0, 0.01, 1.0, (2.0,)),
    "2d-split-step": (2, "split-step", 512, 40.0, 2.0, 0.01, 1.0, (2.0, 1.0)),
    "2d-crank-nicolson": (2, "crank-nicolson", 512, 40.0, 2.0, 0.01, 1.0, (2.0, 1.0)),
}


def exact_1d(x, t, s, k0):
    a = 1.0 + 1j * t / (2.0 * s * s)
    return (
        (2.0 * np.pi * s * s) ** -0.25
        / np.sqrt(a)
        * np.exp(-((x - k0 * t) ** 2) / (4.0 * s * s * a) + 1j * k0 * (x - k0 * t / 2.0))
    )


def coords(particle, ndim):
    # qmsolve 2D uses np.meshgrid(x, y) (indexing "xy"): particle.x varies along axis 1.
    return (particle.x,) if ndim == 1 else (particle.x, particle.y)


def exact(particle, ndim, t, s, k0):
    out = 1.0
    for c, kk in zip(coords(particle, ndim), k0, strict=False):
        out = out * exact_1d(c, t, s, kk)
    return out


def run_case(name, repeat):
    ndim, method, N, extent, total_time, dt, s, k0 = CASES[name]
    steps = int(round(total_time / dt))

    def zero_potential(particle):
        # potential=None breaks TimeSimulation (Hamiltonian.Vgrid is never set), so pass V = 0.
        return 0.0 * particle.x

    def psi0(particle):
        return exact(particle, ndim, 0.0, s, k0)

    setup_t, run_t = [], []
    sim = H = None
    for _ in range(repeat):
        with contextlib.redirect_stdout(sys.stderr):
            t0 = time.perf_counter()
            H = Hamiltonian(
                particles=SingleParticle(),
                potential=zero_potential,
                spatial_ndim=ndim,
                N=N,
                extent=extent,
            )
            sim = TimeSimulation(hamiltonian=H, method=method)
            t1 = time.perf_counter()
            sim.run(psi0, total_time=total_time, dt=dt, store_steps=1)
            t2 = time.perf_counter()
        setup_t.append(t1 - t0)
        run_t.append(t2 - t1)

    particle = H.particle_system
    psi = np.asarray(sim.Ψ[-1])
    psi_ex = exact(particle, ndim, sim.total_time, s, k0)
    dx_grid = extent / (N - 1)  # actual spacing of qmsolve's position grid
    cell = dx_grid**ndim
    dens_err = np.abs(np.abs(psi) ** 2 - np.abs(psi_ex) ** 2)
    run_med = statistics.median(run_t)
    return {
        "case": name,
        "method": method,
        "spatial_ndim": ndim,
        "N_per_axis": N,
        "N_points": N**ndim,
        "extent": extent,
        "grid_spacing": dx_grid,
        "hamiltonian_dx": H.dx,
        "dt": sim.dt,
        "steps": steps,
        "total_time": sim.total_time,
        "sigma0": s,
        "k0": list(k0),
        "repeat": repeat,
        "setup_s": statistics.median(setup_t),
        "run_s": run_med,
        "per_step_s": run_med / steps,
        "max_abs_error_psi": float(np.max(np.abs(psi - psi_ex))),
        "max_abs_error_density": float(np.max(dens_err)),
        "l1_error_density": float(np.sum(dens_err) * cell),
        "norm": float(np.sum(np.abs(psi) ** 2) * cell),
        "peak_abs_psi_exact": float(np.max(np.abs(psi_ex))),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=",".join(CASES), help="comma list of: " + ", ".join(CASES))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    results = [run_case(c.strip(), args.repeat) for c in args.cases.split(",") if c.strip()]
    rec = {
        "library": "qmsolve",
        "version": version("qmsolve"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": version("scipy"),
        "units": "Hartree atomic units: hbar = 1, m = m_e = 1; i dpsi/dt = -(1/2) Laplacian psi",
        "hbar": qmsolve.hbar,
        "m": qmsolve.m_e,
        "per_step_note": "per_step_s = median wall time of TimeSimulation.run "
        "(store_steps=1) / steps; "
        "includes qmsolve's per-run allocation and initial-state evaluation",
        "runs": results,
    }
    print(json.dumps(rec))


if __name__ == "__main__":
    main()
