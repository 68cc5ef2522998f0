"""The figures of ``python -m emergent nelson`` (Section 11, (11.5)-(11.9)): the routes side by
side, the fitted convergence orders, and the moving node of (φ0 + φ1)/√2 with walkers."""

from __future__ import annotations

import math
import os

import numpy as np

from emergent.experiments.nelson_checks import SUPERPOSITION, NelsonConfig, OrderFit
from emergent.experiments.nelson_paper import PaperComparison, Route
from emergent.grids import Grid
from emergent.nelson.references import oscillator_state
from emergent.nelson.walkers import simulate_walkers
from ntcore.atomic import atomic_savefig

__all__ = ["FIGURES", "write_figures"]

FIGURES = ("nelson_side_by_side.png", "nelson_convergence.png", "nelson_nodes.png")
#: label, colour, line style of each route in the side-by-side figure
_STYLES = {Route.FROZEN: ("paper (11.6): frozen Gaussian", "C0", "-"),
           Route.SCHRODINGER: ("line 3 of (11.7): |Ψ|²", "k", "-"),
           Route.WALKERS: ("Nelson's walkers (histogram)", "C3", "steps-mid"),
           Route.DIFFUSION: ("diffusion (11.5)", "C2", "--")}


def _side_by_side(plt, cmp: PaperComparison, path: str) -> None:
    grid, t = cmp.grid, cmp.times
    x = grid.axes[0]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for route, (label, color, ls) in _STYLES.items():
        p = cmp.row(route).density[-1]
        if ls == "steps-mid":
            axes[0].plot(x, p, color=color, drawstyle="steps-mid", lw=0.8, label=label)
        else:
            axes[0].plot(x, p, color=color, ls=ls, label=label)
    axes[0].set_xlim(-8, 6)
    axes[0].set_xlabel("Q")
    axes[0].set_title(f"densities at T = {t[-1]:g} (same Ψ0)")
    axes[0].legend(fontsize=7)
    for row in cmp.rows:
        axes[1].plot(t, row.std, color=_STYLES[row.route][1], label=row.name)
        axes[2].plot(t, row.mean, color=_STYLES[row.route][1], label=row.name)
    axes[1].set_title("standard deviation of Q")
    axes[2].set_title("⟨Q⟩")
    for ax in axes[1:]:
        ax.set_xlabel("t")
        ax.legend(fontsize=7)
    atomic_savefig(fig, path)
    plt.close(fig)


def _convergence(plt, conv: tuple[OrderFit, ...], path: str) -> None:
    fig, axes = plt.subplots(1, len(conv), figsize=(4 * len(conv), 3.6), squeeze=False)
    for ax, fit in zip(axes[0], conv, strict=True):
        xs, es = np.asarray(fit.x, float), np.asarray(fit.error, float)
        ax.loglog(xs, es, "o-", label=f"fitted order {fit.order:.2f}")
        sign = -1 if fit.falls_as_x_grows else 1
        ax.loglog(xs, es[0] * (xs / xs[0]) ** (sign * fit.expected), "k:",
                  label=f"slope {sign * fit.expected:g}")
        ax.set_title(fit.study, fontsize=9)
        ax.legend(fontsize=7)
    atomic_savefig(fig, path)
    plt.close(fig)


def _nodes(plt, cfg: NelsonConfig, path: str) -> None:
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
    atomic_savefig(fig, path)
    plt.close(fig)


def write_figures(cmp: PaperComparison, conv: tuple[OrderFit, ...], cfg: NelsonConfig,
                  out: str) -> None:
    """Write :data:`FIGURES` into the directory ``out`` (atomically, Agg backend): the routes
    of (11.5)-(11.9) side by side, the convergence orders, the moving node.

    Raises
    ------
    TypeError
        If ``cmp`` is not a :class:`~emergent.experiments.nelson_paper.PaperComparison`.
    """
    if not isinstance(cmp, PaperComparison):
        raise TypeError(f"cmp must be a PaperComparison (compare_with_paper), got "
                        f"{type(cmp).__name__}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _side_by_side(plt, cmp, os.path.join(out, FIGURES[0]))
    _convergence(plt, conv, os.path.join(out, FIGURES[1]))
    _nodes(plt, cfg, os.path.join(out, FIGURES[2]))
