"""Each step of (11.5) -> (11.9) measured on grids: what it needs, what it drops, how big that is.

:func:`audit_section11` runs the chain on actual solutions (the exact free Schrödinger packet,
exact diffusion, and a frozen Gaussian) and returns one :class:`AuditStep` per step with a
verdict and the measured sizes; :func:`format_audit` prints it.  ``python -m emergent`` prints
this statement; ``docs/errata.md`` (Section 11) quotes it.

Verdicts: ``exact`` (holds to round-off or at the discretisation order, rate measured),
``exact up to boundary terms`` (integration by parts; zero on periodic/reflecting grids),
``on-shell`` (true only on solutions of (11.5)), ``approximation`` (a named term dropped; its
size measured), ``fails`` (the claim does not hold as written).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from emergent.constraints import (
    madelung_residuals,
    moment_constraints,
    multipliers_from_wave_function,
)
from emergent.entropic_action import (
    FORMS,
    action,
    diffusion_path,
    dropped_term_sizes,
    frozen_gaussian_path,
    path_from_wave_function,
    phase_gradient_term,
    schrodinger_path,
    stationarity_test,
)
from emergent.fokker_planck import gaussian_heat_kernel, propagate_implicit, propagate_spectral
from emergent.grids import Grid
from emergent.schrodinger import crank_nicolson, free_gaussian_packet

__all__ = ["AuditConfig", "AuditStep", "audit_section11", "format_audit", "stationarity_table",
           "convergence_order"]


@dataclass(frozen=True)
class AuditConfig:
    """Grid and solutions used by :func:`audit_section11` (1D, periodic; D = ħ/m)."""

    n: int = 256
    length: float = 40.0
    D: float = 1.0
    t_final: float = 2.0
    n_times: int = 81
    sigma0: float = 1.0
    center: float = -2.0
    k0: float = 1.0
    seed: int = 0
    n_directions: int = 3


@dataclass(frozen=True)
class AuditStep:
    """One step of the chain: its verdict, assumptions, dropped terms and measured sizes."""

    step: str
    verdict: str
    needs: str
    drops: str
    measured: dict[str, float] = field(default_factory=dict)


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def convergence_order(e_coarse: float, e_fine: float, ratio: float = 2.0) -> float:
    """Observed order log(e_coarse/e_fine)/log(ratio) of two errors a refinement ``ratio`` apart."""
    return float(np.log(e_coarse / e_fine) / np.log(ratio)) if e_fine > 0 else float("inf")


def stationarity_table(cfg: AuditConfig = AuditConfig(), n_times: int | None = None):
    """Stationarity of every form (11.6a-11.7c) on the candidate paths; {path: {form: result}}."""
    grid = Grid((cfg.n,), (cfg.length,))
    cons = moment_constraints(grid, 2)
    t = np.linspace(0.0, cfg.t_final, n_times or cfg.n_times)
    sch, _ = schrodinger_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], [cfg.k0])
    # the same packet evolved by Crank-Nicolson (a numerical solution with O(h² + dt²) error;
    # split-step would reproduce the exact path to round-off), and a solution with the wrong D
    start = free_gaussian_packet(grid, 0.0, cfg.D, cfg.sigma0, [cfg.center], [cfg.k0])
    numeric = crank_nicolson(grid, start, cfg.D, t[-1], len(t) - 1)
    with warnings.catch_warnings():  # its phase is quadratic only up to CN's own error
        warnings.simplefilter("ignore", UserWarning)
        split, _ = path_from_wave_function(cons, cfg.D, numeric.times, numeric.psi,
                                           "Crank-Nicolson packet")
    wrong, _ = schrodinger_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], [cfg.k0],
                                D_packet=2 * cfg.D)
    paths = [sch, split, wrong,
             diffusion_path(cons, cfg.D, t, cfg.sigma0, [cfg.center]),
             diffusion_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], Phi="entropy-production"),
             frozen_gaussian_path(cons, cfg.D, t, cfg.sigma0, [cfg.center])]
    return {p.name: {f: stationarity_test(p, f, cfg.n_directions, cfg.seed) for f in FORMS}
            for p in paths}


def audit_section11(cfg: AuditConfig = AuditConfig(), table=None) -> list[AuditStep]:
    """Measure every step of (11.5) -> (11.9) on actual solutions; see the module docstring.

    ``table`` is :func:`stationarity_table` of ``cfg`` if the caller has it already.
    """
    grid = Grid((cfg.n,), (cfg.length,))
    cons = moment_constraints(grid, 2)
    D = cfg.D
    t = np.linspace(0.0, cfg.t_final, cfg.n_times)
    t_half = np.linspace(0.0, cfg.t_final, (cfg.n_times - 1) // 2 + 1)
    center, k0 = [cfg.center], [cfg.k0]
    steps: list[AuditStep] = []

    # (11.5): the solvers against the exact heat kernel
    exact = gaussian_heat_kernel(grid, t[[0, -1]], D, cfg.sigma0, center)
    spec = propagate_spectral(grid, exact[0], D, t[[0, -1]])
    errs = []
    for n in (64, 128):
        g = Grid((n,), (cfg.length / 2,), "reflecting")
        ex = gaussian_heat_kernel(g, [0.0, cfg.t_final], D, cfg.sigma0, center)
        cn = propagate_implicit(g, ex[0], D, cfg.t_final, n)
        errs.append(float(np.abs(cn.densities[-1] - ex[1]).max()))
    steps.append(AuditStep(
        "(11.5)", "exact", "constant D (no factor ordering)", "nothing",
        {"spectral propagation vs exact, max error": float(np.abs(spec.densities - exact).max()),
         "Crank-Nicolson (reflecting walls) order in h = dt": convergence_order(*errs),
         "mass change, Crank-Nicolson": float(abs(cn.mass[-1] - 1))}))

    # (11.6) line 1 -> line 2: substitutes (11.5) inside the functional
    diff = diffusion_path(cons, D, t, cfg.sigma0, center)
    diff_half = diffusion_path(cons, D, t_half, cfg.sigma0, center)
    sch, fit_res = schrodinger_path(cons, D, t, cfg.sigma0, center, k0)
    e_full = _rel(action(diff, "11.6a"), action(diff, "11.6b"))
    e_half = _rel(action(diff_half, "11.6a"), action(diff_half, "11.6b"))
    steps.append(AuditStep(
        "(11.6) line 1 -> line 2", "on-shell",
        "∂p/∂t = (D/2)Δp substituted inside the functional, and ∫∂p/∂t dQ = 0",
        "nothing on diffusion paths; off them line 1 and line 2 are different functionals. "
        "Line 1's entropy term is H(T) - H(0), a boundary term (zero variation with fixed ends), "
        "so line 1 alone fixes no dynamics: its Euler-Lagrange equations are ΣΦ̇Θ = c(t) and "
        "d∫pΘ/dt = 0",
        {"diffusion path: |S6a - S6b|/|S6b|": e_full,
         "  order in dt": convergence_order(e_half, e_full),
         "Schrödinger path: |S6a - S6b|/|S6b|": _rel(action(sch, "11.6a"), action(sch, "11.6b"))}))

    # (11.6) -> (11.7a) -> (11.7b): integrations by parts
    meas = {}
    for label, path in (("Schrödinger", sch), ("diffusion", diff)):
        for m in ("spectral", "fd"):
            meas[f"{label} path, {m}: |S6b - S7a|/|S7a|"] = _rel(
                action(path, "11.6b", m), action(path, "11.7a", m))
    g2 = Grid((cfg.n // 2,), (cfg.length,))
    sch2, _ = schrodinger_path(moment_constraints(g2, 2), D, t, cfg.sigma0, center, k0)
    coarse = _rel(action(sch2, "11.6b", "fd"), action(sch2, "11.7a", "fd"))
    meas["  fd order in h"] = convergence_order(coarse,
                                                meas["Schrödinger path, fd: |S6b - S7a|/|S7a|"])
    steps.append(AuditStep(
        "(11.6) -> (11.7) line 1", "exact up to boundary terms",
        "p log p ∂p and p → 0 at the boundary (periodic grid here; reflecting walls: zero flux)",
        "the boundary term -(D/2)[log p ∂p] (zero on these grids)", meas))
    meas = {}
    for label, path in (("Schrödinger", sch), ("diffusion", diff)):
        for m in ("spectral", "fd"):
            meas[f"{label} path, {m}: |S7a - S7b|/|S7b|"] = _rel(
                action(path, "11.7a", m), action(path, "11.7b", m))
    steps.append(AuditStep(
        "(11.7) line 1 -> line 2", "exact up to boundary terms", "√p ∂√p → 0 at the boundary",
        "the boundary term 2D[√p ∂√p] (zero on these grids)", meas))

    # (11.7) line 2 -> line 3 with Ψ of (11.8)
    s7b, s7c, kin = action(sch, "11.7b"), action(sch, "11.7c"), phase_gradient_term(sch)
    frozen = frozen_gaussian_path(cons, D, t, cfg.sigma0, center)
    resting, _ = schrodinger_path(cons, D, t, cfg.sigma0, center, [0.0])
    sizes = dropped_term_sizes(sch)
    steps.append(AuditStep(
        "(11.7) line 2 -> line 3", "approximation",
        "Ψ = √p e^{iθ}, θ = ΣΘΦ/4 (11.8); ∫p dQ = 1 at all t",
        "the phase-gradient term 2D∫dt∫p|∇θ|² (not named in the paper), plus imaginary total "
        "derivatives (which vanish for any normalised path)",
        {"Schrödinger path: dropped term / entropy-production part of line 2":
             sizes["vs entropy production"],
         "  in δS/δp: spread of 2D|∇θ|² / spread of -2DΔ√p/√p": sizes["in the p-equation"],
         "  |S7c - S7b - dropped| / |S7c| (discretisation)": abs(s7c - s7b - kin) / abs(s7c),
         "packet at rest (k0 = 0): dropped / entropy production":
             dropped_term_sizes(resting)["vs entropy production"],
         "frozen Gaussian path: dropped / entropy production":
             dropped_term_sizes(frozen)["vs entropy production"]}))

    # (11.8): a Schrödinger phase is of the form ΣΘΦ/4 only if the Θ span it
    psi = free_gaussian_packet(grid, t, D, cfg.sigma0, center, k0)
    fit1 = multipliers_from_wave_function(moment_constraints(grid, 1), psi)
    steps.append(AuditStep(
        "(11.8)", "exact",
        "the phase of Ψ in the span of the Θ_k (for Gaussian packets: Θ ⊇ {Q, Q²})",
        "any phase component outside span{Θ_k} (the paper: K̃ ~ K constraints)",
        {"phase outside span{Q, Q²} (relative)": float(fit_res),
         "phase outside span{Q} (relative)": float(fit1.residual.max())}))

    # (11.9): stationarity and the Madelung equations
    table = stationarity_table(cfg) if table is None else table
    sch_half, _ = schrodinger_path(cons, D, t_half, cfg.sigma0, center, k0)
    worst_half = stationarity_test(sch_half, "11.7c", cfg.n_directions, cfg.seed).worst
    mad = madelung_residuals(grid, t, psi, D)
    drift = cons.values(sch.p)
    sch_row, fro_row = table["Schrödinger packet"], table["frozen Gaussian"]
    steps.append(AuditStep(
        "(11.7) -> (11.9)", "fails for (11.6) as stated",
        "varying line 3 of (11.7) in Ψ and Ψ* freely (an arbitrary phase). Varied in the "
        "paper's variables (p, Φ(t)), line 3 gives Hamilton-Jacobi pointwise but continuity "
        "only projected on span{Θ_k}: all of (11.9) only when the Θ_k span the phase",
        "the entropy-production functional (11.6): solutions of (11.9) are not its stationary "
        "paths (its p-equation is Hamilton-Jacobi minus 2D|∇θ|², its Φ-equation conserves "
        "∫pΘ_k); they are stationary for line 3 of (11.7), which adds the dropped term",
        {"S7c on Schrödinger path: worst relative first variation": sch_row["11.7c"].worst,
         "  order in dt": convergence_order(worst_half, sch_row["11.7c"].worst),
         "S6b (= S7a = S7b) on Schrödinger path: worst relative first variation":
             max(sch_row[f].worst for f in ("11.6b", "11.7a", "11.7b")),
         "S6b on diffusion path (Φ = 0)": table["diffusion, Φ=0"]["11.6b"].worst,
         "S6b on frozen Gaussian (its stationary path)": fro_row["11.6b"].worst,
         "S7c on frozen Gaussian": fro_row["11.7c"].worst,
         "Madelung residual on Schrödinger path: continuity": float(mad.continuity.max()),
         "Madelung residual on Schrödinger path: Hamilton-Jacobi":
             float(mad.hamilton_jacobi.max()),
         "constraint (11.4) drift along the Schrödinger path, max_k |Δ∫pΘ_k|":
             float(np.abs(drift[-1] - drift[0]).max())}))
    return steps


def format_audit(steps: list[AuditStep]) -> str:
    """The printed statement: each step, its verdict, what it needs and drops, measured sizes."""
    lines = ["Section 11, (11.5) -> (11.9): what the derivation needs and what it drops", ""]
    for s in steps:
        lines.append(f"{s.step}: {s.verdict.upper()}")
        lines.append(f"  needs: {s.needs}")
        lines.append(f"  drops: {s.drops}")
        for k, v in s.measured.items():
            lines.append(f"    {k}: {v:.3g}")
        lines.append("")
    return "\n".join(lines)
