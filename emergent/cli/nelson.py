"""``python -m emergent nelson``: Nelson's stochastic mechanics beside the paper's functional.

Prints the side-by-side table (the paper's stationary path, the corrected functional, Nelson's
walkers and plain diffusion from the same Ψ0), the known-answer checks of the walkers and of the
grid Fokker-Planck equation with Nelson's drift, Nelson's Newton law, and the fitted
convergence orders with their computed verdicts (:mod:`ntcore.verdict`).  Writes figures and
``nelson.json`` (configuration, seed, library versions, every number) to ``--out``; a finished
run with the same configuration is not redone (``--force``).  ``--quick`` is a smoke-test
setting (fewer walkers and points; orders then come from noisier fits).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import time

import numpy as np
from scipy import stats

from emergent.grids import Grid
from emergent.nelson import (
    compare_with_paper,
    fit_order,
    fokker_planck_residuals,
    fokker_planck_with_drift,
    format_comparison,
    ks_distance,
    l1_distance,
    l1_noise,
    newton_residual,
    oscillator_state,
    simulate_walkers,
)
from emergent.schrodinger import (
    coherent_state,
    free_gaussian_packet,
    harmonic_potential,
    split_step,
)
from ntcore.atomic import atomic_savefig, atomic_write_json
from ntcore.checks import writable_directory_problem
from ntcore.integrity import seal, seal_problem
from ntcore.provenance import library_versions
from ntcore.verdict import Claim, order_at_least, within_tolerance

FIGURES = ("nelson_side_by_side.png", "nelson_convergence.png", "nelson_nodes.png")
SUPERPOSITION = [(1.0, (0,)), (1.0, (1,))]
VORTEX = [(1.0, (1, 0)), (1j, (0, 1))]
# Walkers of --quick (a smoke test); --walkers with --quick is a usage error.
_QUICK_WALKERS = 20_000


@dataclasses.dataclass(frozen=True)
class NelsonConfig:
    """What ``python -m emergent nelson`` runs (D = ħ/m = 1, ω = 1 throughout)."""

    seed: int = 0
    walkers: int = 100_000
    quick: bool = False
    threads: int = 2


def free_packet(grid: Grid, t: np.ndarray, sigma0: float, center: float, k0: float):
    """The exact free packet (:func:`~emergent.schrodinger.free_gaussian_packet`) at t[0],
    carried to every t by split-step, exact in time for V = 0 on the grid's spectral basis; the
    last time is checked against the exact packet (a numerical solution of (11.9))."""
    start = free_gaussian_packet(grid, t[0], 1.0, sigma0, [center], [k0])
    psi = split_step(grid, start, 1.0, t[-1] - t[0], t.size - 1).psi
    exact = free_gaussian_packet(grid, t[-1], 1.0, sigma0, [center], [k0])
    exact = exact / np.sqrt(grid.integrate(np.abs(exact) ** 2))  # split-step normalises Ψ0
    if np.abs(psi[-1] - exact).max() > 1e-8:
        raise RuntimeError("split-step differs from the exact free packet")
    return psi


def _walk(grid, psi, t, n, cfg, **kw):
    return simulate_walkers(grid, psi, 1.0, t, n, seed=cfg.seed, threads=cfg.threads, **kw)


# ------------------------------------------------------------------------------- known answers
def known_answers(cfg: NelsonConfig) -> dict[str, dict[str, float]]:
    """Walkers against closed forms: Ornstein-Uhlenbeck, coherent state, free packet (periodic
    and between walls), a superposition with a moving node, a 2D vortex."""
    n = cfg.walkers
    out: dict[str, dict[str, float]] = {}
    # ground state = Ornstein-Uhlenbeck dX = -ωX dt + √D dW: N(0, D/(2ω)), C(τ) = D e^{-ωτ}/(2ω)
    g = Grid((256,), (16.0,))
    t = np.linspace(0.0, 3.0, 301)
    psi = oscillator_state(g, t, 1.0, 1.0, [(1.0, (0,))])
    r = _walk(g, psi, t, n, cfg, save_every=10)
    x = r.positions[:, :, 0]
    lags = [0, 5, 10, 20]  # saved every 0.1
    corr = [float(np.mean(x[:-lag or None] * x[lag:])) for lag in lags]
    exact = [0.5 * math.exp(-0.1 * lag) for lag in lags]
    out["Ornstein-Uhlenbeck ground state"] = {
        "ks_to_stationary_law": float(stats.kstest(x[-1], "norm", args=(0, math.sqrt(0.5)))
                                      .statistic),
        "ks_sampling_level": 0.87 / math.sqrt(n),
        "autocorrelation_max_error": float(np.max(np.abs(np.subtract(corr, exact)))),
        "autocorrelation_noise": 0.5 * math.sqrt(2 / n)}
    # coherent state: mean on the classical orbit, fixed variance D/(2ω)
    t = np.linspace(0.0, 2.0, 401)
    psi = coherent_state(g, t, 1.0, 1.0, [1.5], [0.5])
    r = _walk(g, psi, t, n, cfg, save_every=40)
    orbit = 1.5 * np.cos(r.times) + 0.5 * np.sin(r.times)
    out["coherent state"] = {
        "mean_max_error": float(np.abs(r.positions[:, :, 0].mean(1) - orbit).max()),
        "std_max_error": float(np.abs(r.positions[:, :, 0].std(1) - math.sqrt(0.5)).max()),
        "ks_final": ks_distance(g, np.abs(psi[-1]) ** 2, r.positions[-1]),
        "mean_noise": math.sqrt(0.5 / n)}
    # the free packet spreads as σ_t² = σ0²(1 + (Dt/(2σ0²))²) and moves at D k0
    g = Grid((256,), (40.0,))
    psi = free_packet(g, t, 1.0, -2.0, 1.0)
    r = _walk(g, psi, t, n, cfg, save_every=40)
    sig = np.sqrt(1 + (r.times / 2) ** 2)
    out["free packet"] = {
        "std_max_error": float(np.abs(r.positions[:, :, 0].std(1) - sig).max()),
        "mean_max_error": float(np.abs(r.positions[:, :, 0].mean(1) - (-2 + r.times)).max()),
        "ks_final": ks_distance(g, np.abs(psi[-1]) ** 2, r.positions[-1])}
    # the packet between reflecting walls (image sum exact): it hits the wall at Q = 5
    g = Grid((256,), (10.0,), "reflecting")
    psi = free_packet(g, t, 0.7, 2.0, 2.0)
    r = _walk(g, psi, t, n, cfg)
    out["free packet, reflecting walls"] = {
        "ks_final": ks_distance(g, np.abs(psi[-1]) ** 2, r.positions[-1]),
        "ks_sampling_level": 0.87 / math.sqrt(n), "capped_fraction": r.capped_fraction}
    out.update(node_study(cfg))
    # 2D: a vortex, p = r² e^{-r²}/π (stationary), node at the origin, ⟨r²⟩ = 2ℓ² = 2
    g = Grid((64, 64), (12.0, 12.0))
    t = np.linspace(0.0, 1.0, 101)
    psi = oscillator_state(g, t, 1.0, 1.0, VORTEX)
    r = _walk(g, psi, t, n, cfg)
    xy = r.positions[-1]
    out["2D vortex"] = {"l1_final": l1_distance(g, np.abs(psi[-1]) ** 2, xy),
                        "l1_sampling_level": l1_noise(g, np.abs(psi[-1]) ** 2, n),
                        "mean_r2_error": float(abs(np.mean((xy**2).sum(1)) - 2.0)),
                        "mean_r2_noise": float(math.sqrt(2.0 / n)),
                        "capped_fraction": r.capped_fraction}
    return out


def node_study(cfg: NelsonConfig) -> dict[str, dict[str, float]]:
    """The superposition (φ0 + φ1)/√2: the density sloshes and has a node at t = π (Q = +1/√2).

    Walkers are run to t = π with the step control at 3 and 1 noise steps, and without it; the
    KS distance to |Ψ(π)|² and the mass on the left of the node (exactly conserved on each side
    in Nelson's process whenever a node exists) are compared.
    """
    g = Grid((256,), (16.0,))
    out = {}
    for steps in (100, 400):
        t = np.linspace(0.0, math.pi, steps + 1)
        psi = oscillator_state(g, t, 1.0, 1.0, SUPERPOSITION)
        p_end = np.abs(psi[-1]) ** 2
        node = 1 / math.sqrt(2)
        left_exact = float(g.integrate(np.where(g.axes[0] < node, p_end, 0.0)))
        free = None
        for cap in (None, 3.0, 1.0):
            r = _walk(g, psi, t, cfg.walkers, cfg, max_drift_step=cap)
            x = r.positions[-1, :, 0]
            free = x if cap is None else free
            key = f"moving node, dt = π/{steps}, step control {cap or 'off'}"
            # same seed, same noise: the difference to the uncontrolled run is the control's
            # own effect, free of sampling noise
            out[key] = {"ks_final": ks_distance(g, p_end, x),
                        "left_mass_error": float(abs(np.mean(x < node) - left_exact)),
                        "left_mass_change_by_control": float(abs(np.mean(x < node)
                                                                 - np.mean(free < node))),
                        "walkers_moved_by_control": float(np.mean(np.abs(x - free) > 1e-9)),
                        "capped_fraction": r.capped_fraction,
                        "ks_sampling_level": 0.87 / math.sqrt(cfg.walkers)}
    return out


# ------------------------------------------------------------------------------- grid FP, laws
def grid_checks(cfg: NelsonConfig) -> dict[str, dict[str, float]]:
    """The grid Fokker-Planck equation with Nelson's drift against |Ψ|² (no sampling noise),
    the forward/backward Fokker-Planck residuals of p = |Ψ|², and Nelson's Newton law."""
    out: dict[str, dict[str, float]] = {}
    g = Grid((512,), (16.0,))
    t = np.linspace(0.0, 2.0, 1001)
    cases = {"coherent state (512 points)": (g, coherent_state(g, t, 1.0, 1.0, [1.5], [0.5]), t)}
    gr = Grid((256,), (10.0,), "reflecting")
    cases["free packet, reflecting walls"] = (gr, free_packet(gr, t, 0.7, 2.0, 2.0), t)
    ts = np.linspace(0.0, math.pi, 1001)
    cases["moving node"] = (Grid((256,), (16.0,)), oscillator_state(
        Grid((256,), (16.0,)), ts, 1.0, 1.0, SUPERPOSITION), ts)
    g2 = Grid((48, 48), (12.0, 12.0))
    t2 = np.linspace(0.0, 1.0, 101 if not cfg.quick else 21)
    cases["2D vortex (48 x 48)"] = (g2, oscillator_state(g2, t2, 1.0, 1.0, VORTEX), t2)
    for name, (grid, psi, tt) in cases.items():
        t0 = time.perf_counter()
        fp = fokker_planck_with_drift(grid, psi, 1.0, tt)
        out[f"grid Fokker-Planck: {name}"] = {
            "l1_error_final": float(fp.l1_error[-1]), "max_error_final": float(fp.max_error[-1]),
            "mass_change": float(abs(fp.mass[-1] - 1)), "min_density": fp.min_density,
            "seconds": time.perf_counter() - t0}
    # Fokker-Planck residuals and Newton's law, on short windows (∂_t by central differences)
    w = np.linspace(0.3, 0.4, 21)
    v1 = harmonic_potential(g, 1.0, 1.0)
    gf = Grid((512,), (40.0,))
    laws = {"coherent state": (g, coherent_state(g, w, 1.0, 1.0, [1.5], [0.5]), v1),
            "moving node": (g, oscillator_state(g, w, 1.0, 1.0, SUPERPOSITION), v1),
            "free packet": (gf, free_gaussian_packet(gf, w, 1.0, 1.0, [-2.0], [1.0]), None),
            "2D vortex": (g2, oscillator_state(g2, w, 1.0, 1.0, VORTEX),
                          harmonic_potential(g2, 1.0, 1.0))}
    for name, (grid, psi, v) in laws.items():
        fwd, bwd = fokker_planck_residuals(grid, w, psi, 1.0)
        out[f"laws: {name}"] = {
            "forward_fp_residual": fwd, "backward_fp_residual": bwd,
            "newton_residual": newton_residual(grid, w, psi, 1.0, v),
            "newton_residual_with_2V (control)": (
                newton_residual(grid, w, psi, 1.0, 2 * v) if v is not None
                else newton_residual(grid, w, psi, 1.0, harmonic_potential(grid, 1.0, 0.3)))}
    return out


# ------------------------------------------------------------------------------- convergence
def convergence(cfg: NelsonConfig) -> dict[str, dict]:
    """Fitted orders: sampling error against walkers, time-step error of Euler-Maruyama and of
    Heun against dt, and the grid Fokker-Planck error against h."""
    g = Grid((256,), (16.0,))
    out: dict[str, dict] = {}
    # sampling: KS distance of the Ornstein-Uhlenbeck walkers to N(0, 1/2), mean of 4 seeds;
    # 20 steps of dt = 0.005 keep the time-step bias (~1e-4) below the smallest KS (~3e-3)
    t = np.linspace(0.0, 0.1, 21)
    psi = oscillator_state(g, t, 1.0, 1.0, [(1.0, (0,))])
    ns = [1000, 4000, 16000, 64000] if not cfg.quick else [1000, 4000, 16000]
    ks = []
    for n in ns:
        vals = [stats.kstest(simulate_walkers(g, psi, 1.0, t, n, seed=cfg.seed + s,
                                              threads=cfg.threads).positions[-1, :, 0],
                             "norm", args=(0, math.sqrt(0.5))).statistic for s in range(4)]
        ks.append(float(np.mean(vals)))
    out["sampling (KS vs n)"] = {"x": ns, "error": ks, "order": fit_order(ns, ks),
                                 "expected": 0.5}
    # time step: coherent state at T = 2, error |Δ mean| + |Δ variance| against the closed form
    # walkers: the sampling noise (row "noise") must stay below the finest step's bias, which
    # for Heun (~2e-3 at dt = 0.1) needs 10^6 walkers
    for scheme, steps, expected, n in (
            ("euler-maruyama", [10, 20, 40, 80], 1.0, 400_000 if not cfg.quick else 100_000),
            ("heun", [5, 10, 20], 2.0, 1_000_000 if not cfg.quick else 100_000)):
        errs = []
        for k in steps:
            tt = np.linspace(0.0, 2.0, k + 1)
            r = simulate_walkers(g, coherent_state(g, tt, 1.0, 1.0, [1.0], [0.5]), 1.0, tt, n,
                                 seed=cfg.seed, scheme=scheme, threads=cfg.threads)
            x = r.positions[-1, :, 0]
            errs.append(float(abs(x.mean() - (math.cos(2) + 0.5 * math.sin(2)))
                              + abs(x.var() - 0.5)))
        dts = [2.0 / k for k in steps]
        out[f"time step, {scheme} (moments vs dt)"] = {
            "x": dts, "error": errs, "order": fit_order(1 / np.asarray(dts), errs),
            "expected": expected, "noise": math.sqrt(0.5 / n) + 0.5 * math.sqrt(2 / n)}
    # grid Fokker-Planck: coherent state, h halved, dt = 0.002 (its O(dt²) ~ 1e-7 is negligible)
    errs, hs = [], []
    for m in (64, 128, 256):
        gm = Grid((m,), (16.0,))
        tt = np.linspace(0.0, 1.0, 501)
        fp = fokker_planck_with_drift(gm, coherent_state(gm, tt, 1.0, 1.0, [1.5], [0.5]), 1.0,
                                      tt)
        errs.append(float(fp.l1_error[-1]))
        hs.append(gm.spacing[0])
    out["grid Fokker-Planck (L1 vs h)"] = {"x": hs, "error": errs,
                                           "order": fit_order(1 / np.asarray(hs), errs),
                                           "expected": 2.0}
    return out


def verdicts(conv: dict, checks: dict) -> list[Claim]:
    """Computed verdicts on the orders and the laws (never typed)."""
    claims = [order_at_least(f"{name}: order >= {row['expected']:g}",
                             measured_order=row["order"], expected_order=row["expected"],
                             slack=0.25 * row["expected"],
                             evidence="python -m emergent nelson; tests/emergent/test_nelson.py")
              for name, row in conv.items()]
    for name, row in checks.items():
        if name.startswith("laws"):
            claims.append(within_tolerance(f"Nelson's Newton law a = -D∇V, {name[6:]}",
                                           measured=row["newton_residual"], tolerance=1e-3,
                                           name="relative residual"))
            claims.append(within_tolerance(
                f"forward and backward Fokker-Planck equations for |Ψ|², {name[6:]}",
                measured=max(row["forward_fp_residual"], row["backward_fp_residual"]),
                tolerance=1e-3, name="relative residual"))
    return claims


# ------------------------------------------------------------------------------- output
def _figures(cmp, conv, cfg, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid, t = cmp.grid, cmp.times
    x = grid.axes[0]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    styles = {"frozen": ("paper (11.6): frozen Gaussian", "C0", "-"),
              "schrodinger": ("line 3 of (11.7): |Ψ|²", "k", "-"),
              "walkers": ("Nelson's walkers (histogram)", "C3", "steps-mid"),
              "diffusion": ("diffusion (11.5)", "C2", "--")}
    for key, (label, color, ls) in styles.items():
        p = cmp.densities[key][-1]
        if ls == "steps-mid":
            axes[0].plot(x, p, color=color, drawstyle="steps-mid", lw=0.8, label=label)
        else:
            axes[0].plot(x, p, color=color, ls=ls, label=label)
    axes[0].set_xlim(-8, 6)
    axes[0].set_xlabel("Q")
    axes[0].set_title(f"densities at T = {t[-1]:g} (same Ψ0)")
    axes[0].legend(fontsize=7)
    for row, color in zip(cmp.rows, ("C0", "k", "C3", "C2"), strict=True):
        axes[1].plot(t, row.std, color=color, label=row.name)
        axes[2].plot(t, row.mean, color=color, label=row.name)
    axes[1].set_title("standard deviation of Q")
    axes[2].set_title("⟨Q⟩")
    for ax in axes[1:]:
        ax.set_xlabel("t")
        ax.legend(fontsize=7)
    atomic_savefig(fig, os.path.join(out, FIGURES[0]))
    plt.close(fig)

    fig, axes = plt.subplots(1, len(conv), figsize=(4 * len(conv), 3.6), squeeze=False)
    for ax, (name, row) in zip(axes[0], conv.items(), strict=True):
        xs, es = np.asarray(row["x"], float), np.asarray(row["error"], float)
        ax.loglog(xs, es, "o-", label=f"fitted order {row['order']:.2f}")
        sign = -1 if name.startswith("sampling") else 1
        ax.loglog(xs, es[0] * (xs / xs[0]) ** (sign * row["expected"]), "k:",
                  label=f"slope {sign * row['expected']:g}")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    atomic_savefig(fig, os.path.join(out, FIGURES[1]))
    plt.close(fig)

    g = Grid((256,), (16.0,))
    tt = np.linspace(0.0, math.pi, 401)
    psi = oscillator_state(g, tt, 1.0, 1.0, SUPERPOSITION)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for k in (0, 100, 200, 300, 400):
        axes[0].plot(g.axes[0], np.abs(psi[k]) ** 2, label=f"t = {tt[k]:.2f}")
    axes[0].set_xlim(-4, 4)
    axes[0].set_title("(φ0 + φ1)/√2: node at t = 0 and π")
    axes[0].legend(fontsize=7)
    r = simulate_walkers(g, psi, 1.0, tt, min(cfg.walkers, 100_000), seed=cfg.seed,
                         threads=cfg.threads)
    axes[1].hist(r.positions[-1, :, 0], bins=np.linspace(-4, 4, 161), density=True,
                 histtype="step", label="walkers at t = π")
    axes[1].plot(g.axes[0], np.abs(psi[-1]) ** 2, "k", lw=0.8, label="|Ψ(π)|²")
    axes[1].axvline(1 / math.sqrt(2), color="gray", ls=":")
    axes[1].set_xlim(-4, 4)
    axes[1].legend(fontsize=7)
    atomic_savefig(fig, os.path.join(out, FIGURES[2]))
    plt.close(fig)


def _format_rows(title: str, rows: dict) -> str:
    lines = [title]
    for name, row in rows.items():
        cells = ", ".join(f"{k} {v:.3g}" for k, v in row.items() if isinstance(v, float))
        lines.append(f"  {name}: {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emergent nelson",
                                     description="Nelson's stochastic mechanics beside the "
                                                 "paper's functional (Section 11)")
    d = NelsonConfig()
    parser.add_argument("--out", default="results/nelson", help="output directory")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--walkers", type=int, default=None,
                        help=f"walkers of the side-by-side run and the known-answer checks "
                             f"(default {d.walkers}; 20000 with --quick)")
    parser.add_argument("--threads", type=int, default=d.threads)
    parser.add_argument("--quick", action="store_true",
                        help="smoke-test setting (sets --walkers 20000: not combined with it)")
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--force", action="store_true", help="redo a finished run")
    args = parser.parse_args(argv)
    if args.quick and args.walkers is not None:
        parser.error("--quick sets --walkers itself; give either --quick or --walkers")
    if args.walkers is None:
        args.walkers = _QUICK_WALKERS if args.quick else d.walkers
    if args.walkers < 1000 or args.walkers > 10**7:
        parser.error(f"--walkers must be between 1000 and 10^7, got {args.walkers}")
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    problem = writable_directory_problem(args.out)
    if problem:
        parser.error(f"--out {args.out} {problem}")
    cfg = NelsonConfig(seed=args.seed, walkers=args.walkers, quick=args.quick, threads=args.threads)
    config = dataclasses.asdict(cfg) | {"figures": not args.no_figures}
    path = os.path.join(args.out, "nelson.json")
    if not args.force and os.path.exists(path):
        with open(path) as fh:
            try:
                done = json.load(fh)
            except json.JSONDecodeError:
                done = {}
        figs_ok = args.no_figures or all(os.path.exists(os.path.join(args.out, f))
                                         for f in FIGURES)
        problem = seal_problem(done, path)
        if problem:
            print(f"{problem}: running again")
        elif done.get("config") == config and figs_ok:
            print(f"{path}: finished run with this configuration; nothing to do (--force "
                  "to redo)")
            return 0
    t0 = time.perf_counter()
    try:
        cmp = compare_with_paper(n_walkers=cfg.walkers, seed=cfg.seed, threads=cfg.threads,
                                 n_directions=1 if cfg.quick else 2)
        checks = known_answers(cfg) | grid_checks(cfg)
        conv = convergence(cfg)
    except ValueError as exc:
        parser.error(str(exc))
    print(format_comparison(cmp))
    print()
    print(_format_rows("Known answers (walkers against closed forms; '*_noise' / "
                       "'*_sampling_level' = the sampling error alone):",
                       {k: v for k, v in checks.items() if not k.startswith(("grid", "laws"))}))
    print(_format_rows("Grid Fokker-Planck with Nelson's drift against |Ψ|² (no sampling):",
                       {k: v for k, v in checks.items() if k.startswith("grid")}))
    print(_format_rows("Fokker-Planck residuals of p = |Ψ|² and Nelson's Newton law "
                       "(relative):", {k: v for k, v in checks.items() if k.startswith("laws")}))
    print("\nConvergence orders (fitted):")
    for name, row in conv.items():
        pairs = ", ".join(f"{x:.3g}: {e:.2e}" for x, e in zip(row["x"], row["error"],
                                                              strict=True))
        print(f"  {name}: order {row['order']:.2f} (expected {row['expected']:g}) [{pairs}]")
    claims = verdicts(conv, checks)
    print("\nVerdicts:")
    for c in claims:
        value = next(iter(c.measured.values()))
        print(f"  {c.verdict.value:<12} {c.text} ({c.rule}; measured {value:.3g})")
    if not args.no_figures:
        _figures(cmp, conv, cfg, args.out)
    payload = {"config": config, "seed": cfg.seed, "versions": library_versions(),
               "side_by_side": [{"route": r.name, "times": cmp.times.tolist(),
                                 "mean": r.mean.tolist(), "std": r.std.tolist(),
                                 "l1_to_psi2": r.l1.tolist(),
                                 "stationarity_11_7b": _num(r.stationary_11_7b),
                                 "stationarity_11_7c": _num(r.stationary_11_7c)}
                                for r in cmp.rows],
               "walkers_ks_final": cmp.ks_final, "known_answers": checks,
               "convergence": conv, "verdicts": [c.to_dict() for c in claims],
               "seconds": time.perf_counter() - t0}
    atomic_write_json(path, seal(payload))
    print(f"\nwrote {path}" + ("" if args.no_figures else " and " + ", ".join(FIGURES))
          + f"  [{time.perf_counter() - t0:.1f} s]")
    return 0


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)
