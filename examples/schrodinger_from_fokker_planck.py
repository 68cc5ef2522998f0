"""Section 11: from constrained diffusion (11.5) to the Schrödinger equation (11.9), on a grid.
============================================================================================

A walk through the toolkit a physicist would start from:

1. diffuse a density with (11.5) and watch its entropy grow at the rate 2D∫|∇√p|²;
2. evolve a wave packet with (11.9) (D = ħ/m) and compare with the exact solution;
3. write the packet in the form (11.8), Ψ = √p exp(iΣΘΦ/4), with moment constraints Θ;
4. ask which paths make the functional S[p, Φ] of (11.6)-(11.7) stationary;
5. print what the derivation needs and drops, with the measured sizes, and write figures.

Run:  python examples/schrodinger_from_fokker_planck.py [--out results/section11_example]
"""

from __future__ import annotations

import argparse

import matplotlib.pyplot as plt
import numpy as np

from emergent.candidate_paths import diffusion_path, schrodinger_path
from emergent.cli.schrodinger import main as section11_main
from emergent.constraints import moment_constraints, multipliers_from_wave_function
from emergent.entropic_action import FORMS, action, phase_gradient_term, stationarity_test
from emergent.fokker_planck import gaussian_heat_kernel, propagate_spectral
from emergent.grids import Grid
from emergent.schrodinger import free_gaussian_packet, split_step


def walkthrough() -> None:
    D = 1.0
    grid = Grid((256,), (40.0,))  # periodic box, Q in [-20, 20)
    t = np.linspace(0.0, 2.0, 41)

    # 1. diffusion (11.5), exact in time on the Fourier basis
    fp = propagate_spectral(grid, gaussian_heat_kernel(grid, 0.0, D, 1.0), D, t)
    rate = np.gradient(fp.entropy, t)
    print(f"(11.5) diffusion: H(0) = {fp.entropy[0]:.4f}, H(T) = {fp.entropy[-1]:.4f}; "
          f"max |dH/dt - 2D∫|∇√p|²| = {np.abs(rate - fp.entropy_production())[1:-1].max():.1e}")

    # 2. Schrödinger (11.9) by split-step, against the exact free packet
    exact = free_gaussian_packet(grid, t, D, 1.0, center=[-2.0], k0=[1.0])
    sol = split_step(grid, exact[0], D, t[-1], len(t) - 1)
    print(f"(11.9) split-step: max |Ψ - Ψ_exact| = {np.abs(sol.psi - exact).max():.1e}, "
          f"norm drift {np.abs(sol.norm - 1).max():.1e}")

    plot_densities(grid, t, fp.densities, sol.psi, exact)

    # 3. the packet as a wave function of the form (11.8)
    for degree in (1, 2):
        fit = multipliers_from_wave_function(moment_constraints(grid, degree), sol.psi)
        print(f"(11.8) with Θ = monomials of degree <= {degree}: phase outside span "
              f"{fit.residual.max():.1e}")

    # 4. the functional and its stationarity
    cons = moment_constraints(grid, 2)
    sch, _ = schrodinger_path(cons, D, t, 1.0, [-2.0], [1.0])
    dif = diffusion_path(cons, D, t, 1.0, [-2.0])
    print("S on the Schrödinger path: "
          + ", ".join(f"{f}: {action(sch, f):.4f}" for f in FORMS)
          + f"; dropped phase-gradient term {phase_gradient_term(sch):.4f}")
    for path in (sch, dif):
        worst = {f: stationarity_test(path, f, n_directions=2).worst for f in FORMS}
        print(f"stationarity on {path.name!r}: "
              + ", ".join(f"{f}: {w:.1e}" for f, w in worst.items()))


def plot_densities(grid: Grid, t, diffused, psi, exact) -> None:
    """|Ψ|² of (11.9) by split-step against the exact packet, beside the density that
    diffusion (11.5) alone gives from a Gaussian of unit width."""
    q = grid.axes[0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for k, colour in zip((0, 20, 40), ("C0", "C1", "C2"), strict=True):
        left.plot(q, np.abs(psi[k]) ** 2, color=colour, label=f"t = {t[k]:g}")
        left.plot(q, np.abs(exact[k]) ** 2, "k:", lw=1)
        right.plot(q, diffused[k], color=colour, label=f"t = {t[k]:g}")
    left.set(xlim=(-8, 8), xlabel="Q", ylabel="density",
             title="|Ψ|² of (11.9): split-step, exact (dotted)")
    right.set(xlim=(-8, 8), xlabel="Q", title="p of diffusion (11.5) alone")
    left.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Section 11 walk-through on a grid")
    parser.add_argument("--out", default="results/section11_example")
    args = parser.parse_args()
    walkthrough()
    print("\n--- the full run: python -m emergent ---\n")
    status = section11_main(["--out", args.out])
    if status:  # a non-zero exit only: the gallery runs this file in-process
        raise SystemExit(status)
