"""Figures 2-7 of Section 10 from measured checkpoints (Figure 1: learning.architecture).

Each function takes ``runs``: a list of dicts ``{"label", "sizes", "seed", "checkpoints":
[{"epoch", "measurements": {...}}, ...]}`` as written by :mod:`learning.experiments.pipeline`, and
writes one PNG atomically.  A bad ``runs`` (not a non-empty list of such dicts, or a run
without checkpoints) or ``path`` is refused by name before anything is drawn.
"""

from __future__ import annotations

import numbers
import os

import numpy as np
from matplotlib.figure import Figure

from learning.experiments._arguments import run_dict, run_dicts
from ntcore.atomic import atomic_savefig
from ntcore.checks import count, path_like

__all__ = ["figure2", "figure3", "figure_histograms", "figure6", "figure7", "linear_fit"]


def _save(fig: Figure, path: str | os.PathLike) -> None:
    atomic_savefig(fig, path, dpi=110)


def _series(run: dict, key: str) -> tuple[np.ndarray, np.ndarray]:
    pts = [(c["epoch"], c["measurements"][key]) for c in run["checkpoints"]
           if c["measurements"].get(key) is not None]
    e, v = zip(*pts, strict=True) if pts else ((), ())
    return np.asarray(e, float), np.asarray(v, float)


def linear_fit(x: np.ndarray, y: np.ndarray) -> dict:
    """Least-squares y = a + b x with R²: {"intercept", "slope", "r2"}."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 2 or not np.all(np.isfinite(x)) or np.ptp(x) == 0:
        # No line through fewer than two distinct finite abscissae (a degenerate run).
        return {"intercept": float("nan"), "slope": float("nan"), "r2": float("nan")}
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    total = np.sum((y - y.mean()) ** 2)
    return {"intercept": float(a), "slope": float(b),
            "r2": float(1 - np.sum(resid**2) / total) if total > 0 else float("nan")}


def _two_series(runs: list[dict], path, keys: tuple[str, str], labels: tuple[str, str],
                transform, ylabel: str, title: str) -> None:
    """Two measured series of every run against epochs (log axis); seed 0 emphasised."""
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    for i, run in enumerate(runs):
        kw = {"alpha": 1.0 if i == 0 else 0.35, "lw": 1.6 if i == 0 else 0.8}
        for key, label, style in zip(keys, labels, ("b-", "r-"), strict=True):
            e, y = _series(run, key)
            keep = e > 0
            ax.plot(e[keep], transform(y[keep]), style, label=label if i == 0 else None, **kw)
    ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    _save(fig, path)


def figure2(runs: list[dict], path) -> None:
    """Fig. 2: log U (bulk) and log U_∂ (boundary) against epochs."""
    runs = run_dicts("runs", runs)
    path_like("path", path)
    _two_series(runs, path, ("bulk_loss", "boundary_loss"), ("bulk U", "boundary U_∂"), np.log,
                "log loss",
                f"Fig. 2: bulk and boundary loss ({runs[0]['label']}; {len(runs)} seeds)")


def figure3(runs: list[dict], path) -> None:
    """Fig. 3: log U against log U_∂."""
    runs = run_dicts("runs", runs)
    path_like("path", path)
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.add_subplot()
    for i, run in enumerate(runs):
        e, u = _series(run, "bulk_loss")
        _, ub = _series(run, "boundary_loss")
        ax.plot(np.log(ub), np.log(u), "o-", ms=3, alpha=1.0 if i == 0 else 0.35,
                label=f"seed {run['seed']}")
    lim = [min(ax.get_xlim()[0], ax.get_ylim()[0]), max(ax.get_xlim()[1], ax.get_ylim()[1])]
    ax.plot(lim, lim, "k:", lw=0.8, label="U = U_∂")
    ax.set_xlabel("log U_∂")
    ax.set_ylabel("log U")
    ax.set_title(f"Fig. 3: bulk vs boundary loss ({runs[0]['label']})")
    ax.legend(fontsize=8)
    _save(fig, path)


def figure_histograms(run: dict, path, number: int, epochs: list[int] | None = None) -> None:
    """Figs. 4-5: histograms of the dynamical log λ at several epochs."""
    run = run_dict("run", run)
    path_like("path", path)
    count("number", number, minimum=1)
    if epochs is not None and (not isinstance(epochs, (list, tuple, range))
                               or not all(isinstance(e, numbers.Integral) for e in epochs)):
        raise TypeError(f"epochs must be None or a list of integers, got {epochs!r:.60}")
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    cps = run["checkpoints"]
    if epochs is None:
        chosen = [c for c in cps if c["epoch"] in (0, 100, 1000, 10000)] or cps[-3:]
        if cps[-1] not in chosen:
            chosen.append(cps[-1])
    else:
        chosen = [c for c in cps if c["epoch"] in epochs]
    for c in chosen:
        logs = np.asarray(c["measurements"]["log_lambda_dynamical"])
        _, _, patches = ax.hist(logs, bins=40, histtype="step", lw=1.4,
                                label=f"epoch {c['epoch']}")
        gap = c["measurements"].get("gap_log_lambda")
        if gap is not None and c["epoch"] > 0:
            ax.axvline(gap, ls=":", lw=1.0, color=patches[0].get_edgecolor())
    ax.set_xlabel("log λ (dynamical eigenvalues of G)")
    ax.set_ylabel("count")
    ax.set_title(f"Fig. {number}: log λ, {run['label']} (dotted: widest lower gap)")
    ax.legend(fontsize=8)
    _save(fig, path)


def figure6(runs: list[dict], path) -> None:
    """Fig. 6: :math:`C_{20}` and :math:`C_{N-20}` (10.5) against epochs."""
    runs = run_dicts("runs", runs)
    path_like("path", path)
    _two_series(runs, path, ("C_20", "C_N_minus_20"), ("C_20", "C_{N-20}"), lambda y: y,
                "complexity (10.5)", f"Fig. 6: complexity against epochs ({runs[0]['label']})")


def figure7(runs: list[dict], path) -> dict:
    """Fig. 7: :math:`C_{20}` and :math:`C_{N-20}` against log U, with linear fits (returned)."""
    runs = run_dicts("runs", runs)
    path_like("path", path)
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    run = runs[0]
    e, u = _series(run, "bulk_loss")
    _, c20 = _series(run, "C_20")
    _, cn = _series(run, "C_N_minus_20")
    keep = e > 0
    fits = {}
    for name, c, color in (("C_20", c20, "b"), ("C_N_minus_20", cn, "r")):
        fit = linear_fit(np.log(u[keep]), c[keep])
        fits[name] = fit
        ax.plot(np.log(u[keep]), c[keep], "o", color=color, ms=4)
        xs = np.linspace(np.log(u[keep]).min(), np.log(u[keep]).max(), 10)
        ax.plot(xs, fit["intercept"] + fit["slope"] * xs, "-", color=color,
                label=f"{name} ≈ {fit['intercept']:.1f} + {fit['slope']:.2f} log U "
                      f"(R² {fit['r2']:.2f})")
    ax.set_xlabel("log U")
    ax.set_ylabel("complexity (10.5)")
    ax.set_title(f"Fig. 7: complexity against log U ({run['label']}, seed {run['seed']})")
    ax.legend(fontsize=8)
    _save(fig, path)
    return fits
