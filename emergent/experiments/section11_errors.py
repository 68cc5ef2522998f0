"""The solvers of (11.5) and (11.9) against exact solutions (Section 11): errors at t = T and
the convergence orders as h and dt are halved, as typed results for ``python -m emergent``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emergent.derivation_audit import AuditConfig, check_config, convergence_order
from emergent.fokker_planck import gaussian_heat_kernel, propagate_implicit, propagate_spectral
from emergent.grids import Grid
from emergent.schrodinger import (
    coherent_state,
    crank_nicolson,
    free_gaussian_packet,
    harmonic_potential,
    split_step,
)

__all__ = ["ErrorRow", "ErrorTable", "error_tables"]


@dataclass(frozen=True)
class ErrorRow:
    """One run: the grid, the steps (None for a solver exact in time), max |numerical - exact|
    at t = T, and what the solver conserves (norm of Ψ, mass and positivity of p) where it
    applies; ``order``: log2 of the previous row's error over this one's (None in the first
    row of a table with orders)."""

    grid: tuple[int, ...]
    max_error: float
    steps: int | None = None
    norm_change: float | None = None
    mass_change: float | None = None
    min_density: float | None = None
    order: float | None = None

    def to_dict(self, with_order: bool) -> dict:
        """The row as in ``section11.json`` (fields that do not apply are left out)."""
        out: dict = {"grid": list(self.grid)}
        if self.steps is not None:
            out["steps"] = self.steps
        out["max_error"] = self.max_error
        for name in ("norm_change", "mass_change", "min_density"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out | {"order": self.order} if with_order else out


@dataclass(frozen=True)
class ErrorTable:
    """The rows of one solver on one exact solution; ``with_order`` when each row halves h
    and/or dt, so that the order is measured."""

    name: str
    rows: tuple[ErrorRow, ...]
    with_order: bool = False

    def to_dicts(self) -> list[dict]:
        return [r.to_dict(self.with_order) for r in self.rows]


def _with_orders(name: str, rows: list[ErrorRow]) -> ErrorTable:
    """Each row halves h and/or dt: the order is log2 of successive errors."""
    out = [rows[0]] + [ErrorRow(r.grid, r.max_error, r.steps, r.norm_change, r.mass_change,
                                r.min_density, convergence_order(p.max_error, r.max_error))
                       for p, r in zip(rows[:-1], rows[1:], strict=True)]
    return ErrorTable(name, tuple(out), with_order=True)


def _exact_in_time(cfg: AuditConfig) -> tuple[ErrorTable, ErrorTable]:
    """Split-step (11.9) on a free packet and the spectral (11.5) on a heat kernel, 1D and
    2D."""
    D, T, s0 = cfg.D, cfg.t_final, cfg.sigma0
    split, spectral = [], []
    for shape in ((cfg.n,), (128, 128)):
        g = Grid(shape, (cfg.length,) * len(shape))
        c, k = [cfg.center] * len(shape), [cfg.k0] * len(shape)
        ex = free_gaussian_packet(g, [0.0, T], D, s0, c, k)
        sol = split_step(g, ex[0], D, T, 20)
        split.append(ErrorRow(shape, float(np.abs(sol.psi[-1] - ex[1]).max()), 20,
                              norm_change=float(abs(sol.norm[-1] - 1))))
        fp = propagate_spectral(g, gaussian_heat_kernel(g, 0.0, D, s0, c), D, [0.0, T])
        spectral.append(ErrorRow(shape, float(np.abs(
            fp.densities[-1] - gaussian_heat_kernel(g, T, D, s0, c)).max())))
    return (ErrorTable("split-step free packet", tuple(split)),
            ErrorTable("Fokker-Planck spectral", tuple(spectral)))


def _stepped(cfg: AuditConfig) -> tuple[ErrorTable, ErrorTable, ErrorTable]:
    """Crank-Nicolson (11.9) on a free packet, split-step (11.9) on a coherent state, and
    Crank-Nicolson (11.5) between reflecting walls, each with h and/or dt halved."""
    D, T, s0 = cfg.D, cfg.t_final, cfg.sigma0
    cn = []
    for n in (128, 256, 512):
        g = Grid((n,), (cfg.length,))
        ex = free_gaussian_packet(g, [0.0, T], D, s0, [cfg.center], [cfg.k0])
        sol = crank_nicolson(g, ex[0], D, T, n // 2)
        cn.append(ErrorRow((n,), float(np.abs(sol.psi[-1] - ex[1]).max()), n // 2,
                           norm_change=float(abs(sol.norm[-1] - 1))))
    g = Grid((cfg.n,), (cfg.length,))
    v = harmonic_potential(g, D, 1.0)
    ex = coherent_state(g, [0.0, T], D, 1.0, [2.0], [0.5])
    coherent = [ErrorRow((cfg.n,), float(np.abs(split_step(g, ex[0], D, T, steps, potential=v)
                                                .psi[-1] - ex[1]).max()), steps)
                for steps in (25, 50, 100)]
    walls = []
    for n in (64, 128, 256):
        g = Grid((n,), (cfg.length / 2,), "reflecting")
        ex = gaussian_heat_kernel(g, [0.0, T], D, s0, [cfg.center])
        fp_sol = propagate_implicit(g, ex[0], D, T, n)
        walls.append(ErrorRow((n,), float(np.abs(fp_sol.densities[-1] - ex[1]).max()), n,
                              mass_change=float(abs(fp_sol.mass[-1] - 1)),
                              min_density=float(fp_sol.min_density.min())))
    return (_with_orders("Crank-Nicolson free packet", cn),
            _with_orders("split-step coherent state", coherent),
            _with_orders("Fokker-Planck Crank-Nicolson (reflecting)", walls))


def error_tables(cfg: AuditConfig) -> tuple[ErrorTable, ...]:
    """Exact-solution errors and convergence orders of the (11.5) and (11.9) solvers.

    Raises
    ------
    TypeError
        If ``cfg`` is not an :class:`~emergent.derivation_audit.AuditConfig`.
    """
    check_config(cfg)
    split, spectral = _exact_in_time(cfg)
    cn, coherent, walls = _stepped(cfg)
    return (split, cn, coherent, walls, spectral)
