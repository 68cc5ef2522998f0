r"""Nelson's stochastic mechanics: a diffusion whose density is \|Ψ\|²
======================================================================

A diffusion with the paper's D whose density is \|Ψ\|² of (11.9).

The paper's functional (11.6) is stationary on frozen Gaussians, not on solutions of (11.9)
(docs/errata.md, Section 11).  Here is a diffusion that does reproduce \|Ψ\|²: Nelson's
dX = b dt + √D dW with D = ħ/m of (11.5), the forward drift b = v + u, current velocity
v = D∇θ_S and osmotic velocity u = (D/2)∇log p.  Its Fokker-Planck equation is (11.5) plus the
drift term -∇·(b p); the osmotic part cancels the diffusion and leaves the continuity equation.

1. the harmonic ground state: an Ornstein-Uhlenbeck process; stationary law N(0, D/(2ω));
2. the free packet of the toolkit, from the paper's initial data: walkers spread like \|Ψ\|²,
   not like diffusion (11.5);
3. a superposition with a node: the step control at nodes and its (small) effect;
4. the grid Fokker-Planck equation with Nelson's drift against \|Ψ\|², with no sampling noise;
5. the side-by-side table of ``python -m emergent nelson`` (unless --quick).

Run:  python examples/nelson_diffusion.py [--quick]   (or NT_EXAMPLES_FAST=1, as in CI and the
documentation build: a smoke test)
"""

from __future__ import annotations

import argparse
import math
import os

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from emergent.experiments.nelson_paper import compare_with_paper, format_comparison
from emergent.grids import Grid
from emergent.nelson import (
    fokker_planck_with_drift,
    ks_distance,
    oscillator_state,
    simulate_walkers,
)
from emergent.schrodinger import free_gaussian_packet, split_step

D = 1.0  # ħ/m


def main(quick: bool) -> None:
    n = 20_000 if quick else 200_000
    grid = Grid((256,), (16.0,))

    # 1. ground state = Ornstein-Uhlenbeck process dX = -ωX dt + √D dW
    t = np.linspace(0.0, 2.0, 201)
    walk = simulate_walkers(grid, oscillator_state(grid, t, D, 1.0, [(1.0, (0,))]), D, t, n,
                            seed=0)
    x = walk.positions[-1, :, 0]
    ks = stats.kstest(x, "norm", args=(0.0, math.sqrt(D / 2))).statistic
    print(f"1. OU ground state, {n} walkers: variance {x.var():.4f} (exact D/(2ω) = 0.5), "
          f"KS to N(0, 1/2) = {ks:.1e} (sampling ~{0.87 / math.sqrt(n):.1e})")

    # 2. the free packet (σ0 = 1, centre -2, k0 = 1), Ψ carried exactly by split-step
    box = Grid((256,), (40.0,))
    t = np.linspace(0.0, 2.0, 401)
    psi = split_step(box, free_gaussian_packet(box, 0.0, D, 1.0, [-2.0], [1.0]), D, 2.0,
                     400).psi
    walk = simulate_walkers(box, psi, D, t, n, seed=1)
    x = walk.positions[-1, :, 0]
    print(f"2. free packet at T = 2: walkers ⟨Q⟩ = {x.mean():+.3f}, std = {x.std():.3f}; "
          f"|Ψ|²: 0, √2 = {math.sqrt(2):.3f}; diffusion (11.5) alone: -2, √3 = "
          f"{math.sqrt(3):.3f}; KS to |Ψ|² = {ks_distance(box, np.abs(psi[-1]) ** 2, x):.1e}")

    plot_free_packet(box, x, np.abs(psi[-1]) ** 2)

    # 3. (φ0 + φ1)/√2 has a node at t = π; the drift displacement is capped at 3 noise steps
    t = np.linspace(0.0, math.pi, 401)
    psi = oscillator_state(grid, t, D, 1.0, [(1.0, (0,)), (1.0, (1,))])
    for cap in (None, 3.0):
        walk = simulate_walkers(grid, psi, D, t, n, seed=2, max_drift_step=cap)
        print(f"3. node at t = π, step control {cap or 'off'}: KS to |Ψ(π)|² = "
              f"{ks_distance(grid, np.abs(psi[-1]) ** 2, walk.positions[-1]):.1e}, capped "
              f"share of walker-steps {walk.capped_fraction:.1e}")

    # 4. the grid Fokker-Planck equation with the drift: no sampling noise
    fp = fokker_planck_with_drift(grid, psi, D, t)
    print(f"4. grid Fokker-Planck with Nelson's drift (256 points, {t.size - 1} steps): "
          f"∫|p - |Ψ|²| at t = π: {fp.l1_error[-1]:.1e}, mass change {abs(fp.mass[-1] - 1):.0e}")

    if not quick:
        print()
        print(format_comparison(compare_with_paper(n_walkers=n)))


def plot_free_packet(box: Grid, walkers, density) -> None:
    """Nelson's walkers at T = 2 against |Ψ|² of (11.9), and the Gaussian N(-2, 3) that
    diffusion (11.5) alone would give from the same start."""
    q = box.axes[0]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.hist(walkers, bins=80, range=(-8, 8), density=True, color="C0", alpha=0.45,
            label=f"Nelson's walkers ({walkers.size})")
    ax.plot(q, density, "k", label="|Ψ|² of (11.9)")
    ax.plot(q, stats.norm.pdf(q, -2.0, math.sqrt(3.0)), "C3--", label="diffusion (11.5) alone")
    ax.set(xlim=(-8, 8), xlabel="Q", ylabel="density", title="free packet at T = 2")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Nelson's stochastic mechanics beside (11.6)")
    parser.add_argument("--quick", action="store_true",
                        help="small smoke-test setting (also NT_EXAMPLES_FAST=1)")
    args = parser.parse_args()
    main(args.quick or os.environ.get("NT_EXAMPLES_FAST", "") not in ("", "0"))
