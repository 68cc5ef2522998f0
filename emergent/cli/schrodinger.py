"""``python -m emergent [schrodinger]``: Section 11 on grids, Fokker-Planck -> Schrödinger.

Runs (11.5) and (11.9) on 1D and 2D grids against exact solutions, the stationarity test of
the functional (11.6)-(11.7) on Schrödinger, diffusion and other paths, prints the statement
of what the derivation needs and drops (:mod:`emergent.derivation_audit`), and writes figures
plus ``section11.json`` (configuration, library versions, every measured number) to ``--out``.
A finished run with the same configuration is not redone (``--force`` to redo).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from dataclasses import dataclass

import numpy as np

from emergent.constraints import Constraints, moment_constraints
from emergent.derivation_audit import (
    AuditConfig,
    audit_section11,
    convergence_order,
    format_audit,
    stationarity_table,
)
from emergent.entropic_action import (
    FORMS,
    Path,
    StationarityResult,
    phase_gradient_term,
    schrodinger_path,
)
from emergent.fokker_planck import (
    FokkerPlanckSolution,
    entropy_production_rate,
    gaussian_heat_kernel,
    propagate_implicit,
    propagate_spectral,
    shannon_entropy,
)
from emergent.grids import Grid
from emergent.schrodinger import (
    coherent_state,
    crank_nicolson,
    free_gaussian_packet,
    harmonic_potential,
    split_step,
)
from ntcore import limits
from ntcore.atomic import atomic_savefig, atomic_write_json
from ntcore.provenance import library_versions

FIGURES = ("densities.png", "entropy.png", "stationarity.png", "neglected_terms.png")


def error_tables(cfg: AuditConfig) -> dict[str, list[dict]]:
    """Exact-solution errors and convergence orders of the (11.5) and (11.9) solvers."""
    D, T, s0 = cfg.D, cfg.t_final, cfg.sigma0
    out: dict[str, list[dict]] = {"split-step free packet": [], "Crank-Nicolson free packet": [],
                                  "split-step coherent state": [],
                                  "Fokker-Planck Crank-Nicolson (reflecting)": [],
                                  "Fokker-Planck spectral": []}
    for shape in ((cfg.n,), (128, 128)):
        g = Grid(shape, (cfg.length,) * len(shape))
        c, k = [cfg.center] * len(shape), [cfg.k0] * len(shape)
        ex = free_gaussian_packet(g, [0.0, T], D, s0, c, k)
        sol = split_step(g, ex[0], D, T, 20)
        out["split-step free packet"].append(
            {"grid": list(shape), "steps": 20,
             "max_error": float(np.abs(sol.psi[-1] - ex[1]).max()),
             "norm_change": float(abs(sol.norm[-1] - 1))})
        fp = propagate_spectral(g, gaussian_heat_kernel(g, 0.0, D, s0, c), D, [0.0, T])
        out["Fokker-Planck spectral"].append(
            {"grid": list(shape), "max_error": float(np.abs(
                fp.densities[-1] - gaussian_heat_kernel(g, T, D, s0, c)).max())})
    for n in (128, 256, 512):
        g = Grid((n,), (cfg.length,))
        ex = free_gaussian_packet(g, [0.0, T], D, s0, [cfg.center], [cfg.k0])
        sol = crank_nicolson(g, ex[0], D, T, n // 2)
        err = float(np.abs(sol.psi[-1] - ex[1]).max())
        out["Crank-Nicolson free packet"].append(
            {"grid": [n], "steps": n // 2, "max_error": err,
             "norm_change": float(abs(sol.norm[-1] - 1))})
    g = Grid((cfg.n,), (cfg.length,))
    v = harmonic_potential(g, D, 1.0)
    ex = coherent_state(g, [0.0, T], D, 1.0, [2.0], [0.5])
    for steps in (25, 50, 100):
        sol = split_step(g, ex[0], D, T, steps, potential=v)
        err = float(np.abs(sol.psi[-1] - ex[1]).max())
        out["split-step coherent state"].append(
            {"grid": [cfg.n], "steps": steps, "max_error": err})
    for n in (64, 128, 256):
        g = Grid((n,), (cfg.length / 2,), "reflecting")
        ex = gaussian_heat_kernel(g, [0.0, T], D, s0, [cfg.center])
        fp_sol = propagate_implicit(g, ex[0], D, T, n)
        err = float(np.abs(fp_sol.densities[-1] - ex[1]).max())
        out["Fokker-Planck Crank-Nicolson (reflecting)"].append(
            {"grid": [n], "steps": n, "max_error": err,
             "mass_change": float(abs(fp_sol.mass[-1] - 1)),
             "min_density": float(fp_sol.min_density.min())})
    # each table halves h and/or dt from row to row: the order is log2 of successive errors
    for name in ("Crank-Nicolson free packet", "split-step coherent state",
                 "Fokker-Planck Crank-Nicolson (reflecting)"):
        rows = out[name]
        for prev, row in zip([None, *rows[:-1]], rows, strict=True):
            row["order"] = (None if prev is None
                            else convergence_order(prev["max_error"], row["max_error"]))
    return out


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@dataclass(frozen=True)
class _FigureData:
    """What the figures share: the 1D grid, times, the Schrödinger path and diffusion."""

    cfg: AuditConfig
    grid: Grid
    cons: Constraints
    t: np.ndarray
    sch: Path
    fp: FokkerPlanckSolution


def _figure_data(cfg: AuditConfig) -> _FigureData:
    grid = Grid((cfg.n,), (cfg.length,))
    cons = moment_constraints(grid, 2)
    t = np.linspace(0.0, cfg.t_final, cfg.n_times)
    sch = schrodinger_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], [cfg.k0]).path
    return _FigureData(cfg, grid, cons, t, sch, propagate_spectral(grid, sch.p[0], cfg.D, t))


def _densities_figure(d: _FigureData, path: str) -> None:
    """p(t, Q) under (11.5) and |Ψ|² under (11.9) in 1D, and a 2D split-step packet."""
    plt, cfg, t = _plt(), d.cfg, d.t
    x = d.grid.axes[0]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for n in np.linspace(0, len(t) - 1, 5).astype(int):
        axes[0].plot(x, d.fp.densities[n], label=f"t = {t[n]:.2g}")
        axes[1].plot(x, d.sch.p[n], label=f"t = {t[n]:.2g}")
    axes[0].set_title("diffusion (11.5): p(t, Q)")
    axes[1].set_title(f"Schrödinger (11.9): |Ψ|², k0 = {cfg.k0}")
    for ax in axes[:2]:
        ax.set_xlabel("Q")
        ax.set_xlim(cfg.center - 8 * cfg.sigma0, cfg.center + 8 * cfg.sigma0 + cfg.D * cfg.k0
                    * cfg.t_final)
        ax.legend(fontsize=8)
    g2 = Grid((128, 128), (cfg.length / 2,) * 2)
    psi2 = split_step(g2, free_gaussian_packet(g2, 0.0, cfg.D, cfg.sigma0, [-2.0, -2.0],
                                               [1.0, 0.5]), cfg.D, cfg.t_final, 10)
    im = axes[2].imshow(np.abs(psi2.psi[-1].T) ** 2, origin="lower", extent=(
        g2.origin[0], g2.origin[0] + g2.lengths[0], g2.origin[1], g2.origin[1] + g2.lengths[1]))
    axes[2].set_title(f"2D split-step |Ψ|² at t = {cfg.t_final}")
    fig.colorbar(im, ax=axes[2])
    atomic_savefig(fig, path)
    plt.close(fig)


def _entropy_figure(d: _FigureData, path: str) -> None:
    """H(t) and dH/dt against 2D∫|∇√p|² (11.7): equal on diffusion only."""
    plt, grid, t, sch, fp, D = _plt(), d.grid, d.t, d.sch, d.fp, d.cfg.D
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].plot(t, fp.entropy, label="diffusion")
    axes[0].plot(t, shannon_entropy(grid, sch.p), label="Schrödinger |Ψ|²")
    axes[0].set_xlabel("t")
    axes[0].set_ylabel("H = -∫p log p")
    axes[0].legend()
    axes[1].plot(t, fp.entropy_production(), label="diffusion: 2D∫|∇√p|²")
    axes[1].plot(t[1:-1], np.gradient(fp.entropy, t)[1:-1], "k:", label="diffusion: dH/dt")
    axes[1].plot(t, entropy_production_rate(grid, sch.p, D), label="Schrödinger: 2D∫|∇√p|²")
    axes[1].plot(t[1:-1], np.gradient(shannon_entropy(grid, sch.p), t)[1:-1], "--",
                 label="Schrödinger: dH/dt")
    axes[1].set_xlabel("t")
    axes[1].legend(fontsize=8)
    axes[1].set_title("entropy production: equal on diffusion only")
    atomic_savefig(fig, path)
    plt.close(fig)


def _stationarity_figure(table, path: str) -> None:
    """|S(ε) - S(0)| against ε for every path and form (11.6a-11.7c): slope 2 = stationary."""
    plt = _plt()
    names = list(table)
    ncol = 3
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.5 * ncol, 3.8 * nrow), sharey=True,
                             squeeze=False)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    axes = axes.ravel()
    for ax, name in zip(axes, names, strict=False):
        for form in FORMS:
            r = table[name][form]
            inc = r.increments["p"]
            if np.all(inc > 0):
                ax.loglog(r.eps, inc, "o-", label=f"{form} (slope {r.slope['p']:.2f})")
        e = table[name]["11.7c"].eps
        ax.loglog(e, e * 1e-1, "k:", lw=0.8)
        ax.loglog(e, e**2, "k--", lw=0.8)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("ε (p-direction)")
        ax.legend(fontsize=7)
    for ax in axes[::ncol]:
        ax.set_ylabel("|S(ε) - S(0)|  (dotted ∝ε, dashed ∝ε²)")
    atomic_savefig(fig, path)
    plt.close(fig)


def _neglected_terms_figure(d: _FigureData, path: str) -> None:
    """The phase-gradient term (11.7) drops, against the kept part, and the constraints (11.4)
    along the Schrödinger path."""
    plt, grid, t, sch, D = _plt(), d.grid, d.t, d.sch, d.cfg.D
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    dropped = 2 * D * grid.integrate(sch.p * (sch.phase_gradient**2).sum(1))
    axes[0].plot(t, entropy_production_rate(grid, sch.p, D), label="2D∫|∇√p|² (kept)")
    axes[0].plot(t, dropped, label="2D∫p|∇θ|² (dropped in (11.7))")
    axes[0].set_xlabel("t")
    kept = np.trapezoid(entropy_production_rate(grid, sch.p, D), t)
    axes[0].set_title(f"Schrödinger path; dropped/kept over [0, T]: "
                      f"{phase_gradient_term(sch) / kept:.2f}", fontsize=9)
    axes[0].legend()
    vals = d.cons.values(sch.p)
    for k, name in enumerate(d.cons.names):
        axes[1].plot(t, vals[:, k] - vals[0, k], label=f"∫pΘ - ∫pΘ(0), Θ = {name}")
    axes[1].set_xlabel("t")
    axes[1].set_title("constraints (11.4) along the Schrödinger path", fontsize=9)
    axes[1].legend()
    atomic_savefig(fig, path)
    plt.close(fig)


def _figures(cfg: AuditConfig, table, out: str) -> None:
    """Write :data:`FIGURES` to ``out``, one named function per figure."""
    data = _figure_data(cfg)
    _densities_figure(data, os.path.join(out, "densities.png"))
    _entropy_figure(data, os.path.join(out, "entropy.png"))
    _stationarity_figure(table, os.path.join(out, "stationarity.png"))
    _neglected_terms_figure(data, os.path.join(out, "neglected_terms.png"))


def _stationarity_json(table) -> dict:
    return {name: {form: {"worst_relative_first_variation": r.worst,
                          "relative_p": r.relative["p"].tolist(),
                          "relative_Phi": r.relative["Phi"].tolist(),
                          "slope_p": r.slope["p"], "slope_Phi": r.slope["Phi"]}
                   for form, r in row.items()} for name, row in table.items()}


def format_stationarity(table: dict[str, dict[str, StationarityResult]]) -> str:
    """Rows: paths; columns: forms; entries: worst relative first variation over random
    directions in p | in Φ (0 = stationary).

    The forms of (11.6)-(11.7).
    """
    head = f"{'path':<24}" + "".join(f"{f:>18}" for f in FORMS)
    lines = ["Stationarity test: worst relative first variation |ΣδS_i|/Σ|δS_i| over random "
             "admissible directions (fixed ends), in p | in Φ; ~0 = stationary, ~1 = not", head]
    for name, row in table.items():
        cells = "".join(f"{row[f].relative['p'].max():>10.1e}|{row[f].relative['Phi'].max():<7.1e}"
                        for f in FORMS)
        lines.append(f"{name:<24}" + cells)
    return "\n".join(lines)


# The default run (n = 256, 81 times, 3 directions) takes about 10 s; the stationarity test
# dominates and grows with n · n_times · directions.
_DEFAULT_SECONDS = 10.0


def _config(parser: argparse.ArgumentParser, args: argparse.Namespace,
            d: AuditConfig) -> AuditConfig:
    """Check every option up front (usage error naming it) and build the configuration."""
    import math

    checks = [("--n", args.n >= 32, "must be >= 32"),
              ("--n-times", args.n_times >= 5, "must be >= 5"),
              ("--directions", args.directions >= 1, "must be >= 1"),
              ("--seed", args.seed >= 0, "must be >= 0")]
    for name in ("length", "D", "t_final", "sigma0"):
        value = getattr(args, name)
        checks.append((f"--{name.replace('_', '-')}", math.isfinite(value) and value > 0,
                       "must be finite and > 0"))
    checks.append(("--k0", math.isfinite(args.k0), "must be finite"))
    for name, ok, condition in checks:
        if not ok:
            value = getattr(args, name[2:].replace("-", "_"))
            parser.error(f"{name} {condition}, got {value}")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out {args.out!r} cannot be created: {exc.strerror}")
    est = (_DEFAULT_SECONDS * (args.n / d.n) * (args.n_times / d.n_times)
           * max(1.0, args.directions / d.n_directions))
    if est > limits.SECTION11_MAX_SECONDS:
        parser.error(f"--n {args.n} with --n-times {args.n_times} and --directions "
                     f"{args.directions} would take about {est:.3g} s "
                     f"(> {limits.SECTION11_MAX_SECONDS:g} s); "
                     "the defaults (--n 256 --n-times 81) resolve the packet to round-off")
    return AuditConfig(n=args.n, length=args.length, D=args.D, t_final=args.t_final,
                       n_times=args.n_times, sigma0=args.sigma0, center=d.center,
                       k0=args.k0, seed=args.seed, n_directions=args.directions)


def _parser(d: AuditConfig) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emergent schrodinger",
                                     description="Section 11: Fokker-Planck -> Schrödinger")
    parser.add_argument("--out", default="results/section11", help="output directory")
    parser.add_argument("--n", type=int, default=d.n, help="1D grid points")
    parser.add_argument("--length", type=float, default=d.length, help="periodic box length")
    parser.add_argument("--D", type=float, default=d.D, help="diffusion coefficient (ħ/m)")
    parser.add_argument("--t-final", type=float, default=d.t_final)
    parser.add_argument("--n-times", type=int, default=d.n_times, help="time samples of paths")
    parser.add_argument("--sigma0", type=float, default=d.sigma0, help="initial packet width")
    parser.add_argument("--k0", type=float, default=d.k0, help="packet wavenumber")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--directions", type=int, default=d.n_directions)
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--force", action="store_true", help="redo a finished run")
    return parser


def _finished(path: str, config: dict, out: str, figures: bool) -> bool:
    """A run with this configuration (and its figures, if asked for) is already written."""
    if not os.path.exists(path):
        return False
    with open(path) as fh:
        try:
            done = json.load(fh)
        except json.JSONDecodeError:
            done = {}
    figs_ok = not figures or all(os.path.exists(os.path.join(out, f)) for f in FIGURES)
    return done.get("config") == config and figs_ok


def _print_errors(errors: dict[str, list[dict]]) -> None:
    print("\nExact-solution errors (max |numerical - exact| at t = T):")
    for name, rows in errors.items():
        print(f"  {name}:")
        for r in rows:
            print("    " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                     for k, v in r.items()))


def main(argv: list[str] | None = None) -> int:
    """Runs (11.5)-(11.9) on grids: the audit, the stationarity table, the solver errors, the
    figures and ``section11.json``."""
    d = AuditConfig()
    parser = _parser(d)
    args = parser.parse_args(argv)
    cfg = _config(parser, args, d)
    config = dataclasses.asdict(cfg) | {"figures": not args.no_figures}
    path = os.path.join(args.out, "section11.json")
    if not args.force and _finished(path, config, args.out, not args.no_figures):
        print(f"{path}: finished run with this configuration; nothing to do (--force "
              "to redo)")
        return 0
    t0 = time.perf_counter()
    try:
        table = stationarity_table(cfg)
        steps = audit_section11(cfg, table)
        errors = error_tables(cfg)
    except ValueError as exc:
        parser.error(str(exc))
    print(format_audit(steps))
    print(format_stationarity(table))
    _print_errors(errors)
    if not args.no_figures:
        _figures(cfg, table, args.out)
    payload = {"config": config, "versions": library_versions(),
               "audit": [s.to_dict() for s in steps],
               "stationarity": _stationarity_json(table), "errors": errors,
               "seconds": time.perf_counter() - t0}
    atomic_write_json(path, payload)
    print(f"\nwrote {path}" + ("" if args.no_figures else " and " + ", ".join(FIGURES))
          + f"  [{time.perf_counter() - t0:.1f} s]")
    return 0
