"""The figures of ``python -m emergent`` (Section 11): densities under (11.5) and (11.9), the
entropy and its production (11.7), the stationarity test of (11.6)-(11.7), and the terms the
derivation drops along the Schrödinger path."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from emergent.candidate_paths import schrodinger_path
from emergent.constraints import Constraints, moment_constraints
from emergent.derivation_audit import AuditConfig, check_config
from emergent.entropic_action import FORMS, Path, StationarityResult, phase_gradient_term
from emergent.fokker_planck import (
    FokkerPlanckSolution,
    entropy_production_rate,
    propagate_spectral,
    shannon_entropy,
)
from emergent.grids import Grid
from emergent.schrodinger import free_gaussian_packet, split_step
from ntcore.atomic import atomic_savefig

__all__ = ["FIGURES", "write_figures"]

FIGURES = ("densities.png", "entropy.png", "stationarity.png", "neglected_terms.png")


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


def write_figures(cfg: AuditConfig, table: dict[str, dict[str, StationarityResult]],
                  out: str) -> None:
    """Write :data:`FIGURES` to ``out``, one named function per figure: (11.5), (11.9) and the
    stationarity test of (11.6)-(11.7).

    Raises
    ------
    TypeError
        If ``cfg`` is not an :class:`~emergent.derivation_audit.AuditConfig`.
    """
    check_config(cfg)
    data = _figure_data(cfg)
    _densities_figure(data, os.path.join(out, "densities.png"))
    _entropy_figure(data, os.path.join(out, "entropy.png"))
    _stationarity_figure(table, os.path.join(out, "stationarity.png"))
    _neglected_terms_figure(data, os.path.join(out, "neglected_terms.png"))
