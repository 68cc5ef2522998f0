"""Each step of (11.5) -> (11.9) measured on grids: what it needs, what it drops, how big that is.

:func:`audit_section11` runs the chain on actual solutions (the exact free Schrödinger packet,
exact diffusion, and a frozen Gaussian) and returns one :class:`AuditStep` per step with a
verdict and the measured sizes; :func:`format_audit` prints it.  ``python -m emergent`` prints
this statement; ``docs/errata.md`` (Section 11) quotes it.

Each step carries its claims (:class:`ntcore.verdict.Claim`: a rule applied to measured
numbers) and a kind computed from their verdicts by a named rule: ``exact`` (every claim
holds: to round-off or at the discretisation order, rate measured), ``exact up to boundary
terms`` (an integration by parts that holds on these periodic/reflecting grids), ``on-shell``
(holds on solutions of (11.5), fails off them), ``approximation`` (the equality fails, and the
difference is exactly the named dropped term, whose size is measured), ``fails for (11.6) as
stated`` (solutions of (11.9) are stationary for line 3 of (11.7) but not for (11.6)), and
``fails`` when a claim the kind needs does not hold.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from emergent.candidate_paths import (
    diffusion_path,
    frozen_gaussian_path,
    path_from_wave_function,
    schrodinger_path,
)
from emergent.constraints import (
    Constraints,
    madelung_residuals,
    moment_constraints,
    multipliers_from_wave_function,
)
from emergent.entropic_action import (
    FORMS,
    Path,
    StationarityResult,
    action,
    dropped_term_sizes,
    phase_gradient_term,
    stationarity_test,
)
from emergent.fokker_planck import gaussian_heat_kernel, propagate_implicit, propagate_spectral
from emergent.grids import Grid
from emergent.schrodinger import crank_nicolson, free_gaussian_packet
from ntcore.checks import count, positive_number, real_number
from ntcore.verdict import Claim, Verdict, order_at_least, within_tolerance

__all__ = ["check_config", "AuditConfig", "AuditStep", "Measurement", "AuditContext",
           "audit_section11", "format_audit", "stationarity_table", "convergence_order",
           "AUDIT_STEPS", "KINDS"]


@dataclass(frozen=True)
class AuditConfig:
    """Grid and solutions used by :func:`audit_section11` (1D, periodic; D = ħ/m).

    The chain (11.5)-(11.9).  The constructor checks every field (TypeError/ValueError naming
    it): ``n`` >= 32 grid points (the audit also uses n/2), ``n_times`` >= 5 (the refinement
    study uses (n_times - 1)/2 + 1 of them), ``n_directions`` >= 1, ``seed`` >= 0; ``length``,
    ``D``, ``t_final``, ``sigma0`` finite and > 0; ``center``, ``k0`` finite.

    >>> AuditConfig(n=-4)
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 32, got -4
    """

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

    def __post_init__(self) -> None:
        checked: dict[str, float] = {"n": count("n", self.n, minimum=_MIN_POINTS),
                   "n_times": count("n_times", self.n_times, minimum=_MIN_TIMES),
                   "n_directions": count("n_directions", self.n_directions, minimum=1),
                   "seed": count("seed", self.seed)}
        checked |= {k: positive_number(k, getattr(self, k))
                    for k in ("length", "D", "t_final", "sigma0")}
        checked |= {k: real_number(k, getattr(self, k)) for k in ("center", "k0")}
        for k, v in checked.items():
            object.__setattr__(self, k, v)


# Smallest grid and time sampling the audit runs on (the command's --n and --n-times limits):
# the grid is also halved, and the time steps doubled, for the refinement orders.
_MIN_POINTS = 32
_MIN_TIMES = 5


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def convergence_order(e_coarse: float, e_fine: float, ratio: float = 2.0) -> float:
    """Observed order log(e_coarse/e_fine)/log(ratio) of two errors a refinement ``ratio`` apart
    (the rate at which a discretised step of (11.5)-(11.9) converges).

    >>> convergence_order(4e-3, 1e-3)
    2.0

    ``inf`` if ``e_fine`` is 0 (converged to round-off); errors must be finite and >= 0, the
    ``ratio`` finite and > 1.
    """
    e_coarse, e_fine = real_number("e_coarse", e_coarse), real_number("e_fine", e_fine)
    for name, e in (("e_coarse", e_coarse), ("e_fine", e_fine)):
        if e < 0:
            raise ValueError(f"{name} must be an error >= 0, got {e}")
    ratio = real_number("ratio", ratio)
    if ratio <= 1:
        raise ValueError(f"ratio must be a refinement ratio > 1, got {ratio}")
    return float(np.log(e_coarse / e_fine) / np.log(ratio)) if e_fine > 0 else float("inf")


def check_config(cfg: object) -> AuditConfig:
    """``cfg`` if it is an :class:`AuditConfig` (the settings of the Section 11 run of
    (11.5)-(11.9)), else a TypeError naming ``cfg``.

    >>> check_config("n=256")
    Traceback (most recent call last):
    ...
    TypeError: cfg must be an AuditConfig, got str
    """
    if not isinstance(cfg, AuditConfig):
        raise TypeError(f"cfg must be an AuditConfig, got {type(cfg).__name__}")
    return cfg


def stationarity_table(cfg: AuditConfig = AuditConfig(),
                       n_times: int | None = None) -> dict[str, dict[str, StationarityResult]]:
    """Stationarity of every form (11.6a-11.7c) on the candidate paths, (11.6)-(11.9);
    {path: {form: result}}.  ``n_times`` (>= 5) overrides ``cfg.n_times``.

    Examples
    --------
    The free Schrödinger packet, a solution of (11.9), is stationary for line 3 of (11.7)
    only; the same packet evolving with twice the D is not; the frozen Gaussian, built to make
    lines 2 of (11.6) and 1-2 of (11.7) stationary in p, is so for those and not for line 3:

    >>> cfg = AuditConfig(n=64, length=20.0, t_final=1.0, n_times=11, n_directions=1)
    >>> table = stationarity_table(cfg)
    >>> def stationary(path):
    ...     return [form for form, r in table[path].items() if r.is_stationary(1e-2)]
    >>> stationary("Schrödinger packet"), stationary("packet with D = 2")
    (['11.7c'], [])
    >>> stationary("frozen Gaussian")
    ['11.6b', '11.7a', '11.7b']
    """
    check_config(cfg)
    if n_times is not None:
        n_times = count("n_times", n_times, minimum=_MIN_TIMES)
    grid = Grid((cfg.n,), (cfg.length,))
    cons = moment_constraints(grid, 2)
    t = np.linspace(0.0, cfg.t_final, n_times or cfg.n_times)
    sch = schrodinger_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], [cfg.k0]).path
    # the same packet evolved by Crank-Nicolson (a numerical solution with O(h² + dt²) error;
    # split-step would reproduce the exact path to round-off), and a solution with the wrong D
    start = free_gaussian_packet(grid, 0.0, cfg.D, cfg.sigma0, [cfg.center], [cfg.k0])
    numeric = crank_nicolson(grid, start, cfg.D, t[-1], len(t) - 1)
    with warnings.catch_warnings():  # its phase is quadratic only up to CN's own error
        warnings.simplefilter("ignore", UserWarning)
        split = path_from_wave_function(cons, cfg.D, numeric.times, numeric.psi,
                                        "Crank-Nicolson packet").path
    wrong = schrodinger_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], [cfg.k0],
                             D_packet=2 * cfg.D).path
    paths = [sch, split, wrong,
             diffusion_path(cons, cfg.D, t, cfg.sigma0, [cfg.center]),
             diffusion_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], Phi="entropy-production"),
             frozen_gaussian_path(cons, cfg.D, t, cfg.sigma0, [cfg.center])]
    return {p.name: {f: stationarity_test(p, f, cfg.n_directions, cfg.seed) for f in FORMS}
            for p in paths}


@dataclass(frozen=True)
class Measurement:
    """One measured number of a step: what it is, its value, and (for a refinement study or
    a breakdown) the quantity it belongs to, so a reader can print it beneath that one.

    A number measured on (11.5)-(11.9).
    """

    quantity: str
    value: float
    of: str | None = None


@dataclass(frozen=True)
class AuditStep:
    """One step of the chain: the kind computed from its claims, what it needs and drops, the
    claims (verdicts computed from the measurements) and the measured sizes.

    One link of (11.5)-(11.9).  ``kind`` is one of :data:`KINDS`; ``claims`` and
    ``measurements`` are sequences of :class:`~ntcore.verdict.Claim` and
    :class:`Measurement` (stored as tuples).

    >>> AuditStep("(11.5)", "maybe", "", "")
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of ('exact', 'exact up to boundary terms', 'on-shell', \
'approximation', 'fails for (11.6) as stated', 'fails'), got 'maybe'
    """

    step: str
    kind: str
    needs: str
    drops: str
    claims: tuple[Claim, ...] = ()
    measurements: tuple[Measurement, ...] = ()

    def __post_init__(self) -> None:
        for name in ("step", "kind", "needs", "drops"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str, got {type(getattr(self, name)).__name__}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        for name, cls in (("claims", Claim), ("measurements", Measurement)):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Sequence) or not all(
                    isinstance(x, cls) for x in value):
                raise TypeError(f"{name} must be a sequence of {cls.__name__}, got "
                                f"{type(value).__name__}")
            object.__setattr__(self, name, tuple(value))

    @property
    def verdict(self) -> str:
        """The kind (kept under its former name)."""
        return self.kind

    @property
    def measured(self) -> dict[str, float]:
        """{quantity: value}, the measurements by name."""
        return {m.quantity: m.value for m in self.measurements}

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"step": self.step, "kind": self.kind, "needs": self.needs, "drops": self.drops,
                "claims": [c.to_dict() for c in self.claims],
                "measured": [{"quantity": m.quantity, "value": m.value, "of": m.of}
                             for m in self.measurements]}


# ------------------------------------------------------------------- kinds, from the verdicts
#: the kinds of step (module docstring), each computed from the claims by a rule below
KINDS = ("exact", "exact up to boundary terms", "on-shell", "approximation",
         "fails for (11.6) as stated", "fails")


def _holds(claim: Claim) -> bool:
    return claim.verdict is Verdict.HOLDS


def kind_exact(claims: tuple[Claim, ...], name: str = "exact") -> str:
    """``name`` if every claim holds, else "fails".

    >>> from ntcore.verdict import within_tolerance
    >>> kind_exact((within_tolerance("x = 0", measured=1e-15, tolerance=1e-9),))
    'exact'
    >>> kind_exact((within_tolerance("x = 0", measured=0.3, tolerance=1e-9),))
    'fails'
    """
    return name if all(_holds(c) for c in claims) else "fails"


def kind_on_shell(on_shell: Claim, off_shell: Claim) -> str:
    """"exact" if the equality holds on and off shell, "on-shell" if only on solutions of
    (11.5), "fails" if not even there."""
    if not _holds(on_shell):
        return "fails"
    return "exact" if _holds(off_shell) else "on-shell"


def kind_approximation(equality: Claim, accounted: Claim) -> str:
    """"exact" if the equality holds; "approximation" if it fails but the difference is
    exactly the named dropped term; "fails" otherwise."""
    if _holds(equality):
        return "exact"
    return "approximation" if _holds(accounted) else "fails"


def kind_stationarity(line3: Claim, functional: Claim) -> str:
    """Solutions of (11.9) stationary for line 3 of (11.7) but not for (11.6):
    "fails for (11.6) as stated"; both: "exact"; line 3 not: "fails"."""
    if not _holds(line3):
        return "fails"
    return "exact" if _holds(functional) else "fails for (11.6) as stated"


# Tolerances.  Round-off: spectral derivatives and exact references agree to ~1e-15 relative
# on these grids, but log p is clipped in the far tails of the diffusion path (1.6e-11 measured
# between (11.6b) and (11.7a)); 1e-9 leaves room for that.  Orders: fitted from
# two refinements, within 0.2 of the scheme's order.  A relative discrepancy is "equal" below
# 1e-2 (the discretisation errors at the default resolution are <= 4e-3).
_ROUNDOFF = 1e-9
_EQUAL = 1e-2
_EVIDENCE = "python -m emergent"


# ------------------------------------------------------------------- the steps
@dataclass(frozen=True)
class AuditContext:
    """What every step uses: the grid, constraints, times and the shared paths.

    The chain (11.5)-(11.9).
    """

    cfg: AuditConfig
    grid: Grid
    cons: Constraints
    t: np.ndarray
    t_half: np.ndarray
    sch: Path
    phase_residual: float
    diff: Path
    table: dict[str, dict[str, StationarityResult]]


def _context(cfg: AuditConfig, table) -> AuditContext:
    grid = Grid((cfg.n,), (cfg.length,))
    cons = moment_constraints(grid, 2)
    t = np.linspace(0.0, cfg.t_final, cfg.n_times)
    t_half = np.linspace(0.0, cfg.t_final, (cfg.n_times - 1) // 2 + 1)
    fit = schrodinger_path(cons, cfg.D, t, cfg.sigma0, [cfg.center], [cfg.k0])
    diff = diffusion_path(cons, cfg.D, t, cfg.sigma0, [cfg.center])
    table = stationarity_table(cfg) if table is None else table
    return AuditContext(cfg, grid, cons, t, t_half, fit.path, fit.phase_residual, diff, table)


def step_fokker_planck(ctx: AuditContext) -> AuditStep:
    """(11.5): the solvers against the exact heat kernel."""
    cfg, grid, t = ctx.cfg, ctx.grid, ctx.t
    exact = gaussian_heat_kernel(grid, t[[0, -1]], cfg.D, cfg.sigma0, [cfg.center])
    spec = propagate_spectral(grid, exact[0], cfg.D, t[[0, -1]])
    errs = []
    for n in (64, 128):
        g = Grid((n,), (cfg.length / 2,), "reflecting")
        ex = gaussian_heat_kernel(g, [0.0, cfg.t_final], cfg.D, cfg.sigma0, [cfg.center])
        cn = propagate_implicit(g, ex[0], cfg.D, cfg.t_final, n)
        errs.append(float(np.abs(cn.densities[-1] - ex[1]).max()))
    spectral_error = float(np.abs(spec.densities - exact).max())
    order = convergence_order(*errs)
    mass = float(abs(cn.mass[-1] - 1))
    claims = (
        within_tolerance("(11.5) solved exactly in time on the spectral basis",
                         measured=spectral_error, tolerance=_ROUNDOFF, name="max error",
                         evidence=_EVIDENCE),
        order_at_least("(11.5) Crank-Nicolson converges at second order in h = dt",
                       measured_order=order, expected_order=2.0, evidence=_EVIDENCE),
        within_tolerance("(11.5) conserves ∫p (Crank-Nicolson)", measured=mass,
                         tolerance=_ROUNDOFF, name="mass change", evidence=_EVIDENCE))
    return AuditStep(
        "(11.5)", kind_exact(claims), "constant D (no factor ordering)", "nothing", claims,
        (Measurement("spectral propagation vs exact, max error", spectral_error),
         Measurement("Crank-Nicolson (reflecting walls) order in h = dt", order),
         Measurement("mass change, Crank-Nicolson", mass)))


def step_11_6_lines(ctx: AuditContext) -> AuditStep:
    """(11.6) line 1 -> line 2: substitutes (11.5) inside the functional."""
    cfg = ctx.cfg
    diff_half = diffusion_path(ctx.cons, cfg.D, ctx.t_half, cfg.sigma0, [cfg.center])
    e_full = _rel(action(ctx.diff, "11.6a"), action(ctx.diff, "11.6b"))
    e_half = _rel(action(diff_half, "11.6a"), action(diff_half, "11.6b"))
    order = convergence_order(e_half, e_full)
    off = _rel(action(ctx.sch, "11.6a"), action(ctx.sch, "11.6b"))
    on_shell = order_at_least("(11.6) line 1 = line 2 on diffusion paths (to O(dt²))",
                              measured_order=order, expected_order=2.0, evidence=_EVIDENCE)
    off_shell = within_tolerance("(11.6) line 1 = line 2 off diffusion paths (Schrödinger path)",
                                 measured=off, tolerance=_EQUAL, name="|S6a - S6b|/|S6b|",
                                 evidence=_EVIDENCE)
    label = "diffusion path: |S6a - S6b|/|S6b|"
    return AuditStep(
        "(11.6) line 1 -> line 2", kind_on_shell(on_shell, off_shell),
        "∂p/∂t = (D/2)Δp substituted inside the functional, and ∫∂p/∂t dQ = 0",
        "nothing on diffusion paths; off them line 1 and line 2 are different functionals. "
        "Line 1's entropy term is H(T) - H(0), a boundary term (zero variation with fixed ends), "
        "so line 1 alone fixes no dynamics: its Euler-Lagrange equations are ΣΦ̇Θ = c(t) and "
        "d∫pΘ/dt = 0", (on_shell, off_shell),
        (Measurement(label, e_full), Measurement("order in dt", order, of=label),
         Measurement("Schrödinger path: |S6a - S6b|/|S6b|", off)))


def _by_parts(ctx: AuditContext, first: str, second: str, short: tuple[str, str]
              ) -> list[Measurement]:
    out = []
    for label, path in (("Schrödinger", ctx.sch), ("diffusion", ctx.diff)):
        for m in ("spectral", "fd"):
            out.append(Measurement(f"{label} path, {m}: |{short[0]} - {short[1]}|/|{short[1]}|",
                                   _rel(action(path, first, m), action(path, second, m))))
    return out


def _spectral_claim(text: str, meas: list[Measurement]) -> Claim:
    worst = max(m.value for m in meas if ", spectral:" in m.quantity)
    return within_tolerance(text, measured=worst, tolerance=_ROUNDOFF,
                            name="worst spectral relative difference", evidence=_EVIDENCE)


def step_11_6_to_11_7(ctx: AuditContext) -> AuditStep:
    """(11.6) -> (11.7) line 1: an integration by parts."""
    cfg = ctx.cfg
    meas = _by_parts(ctx, "11.6b", "11.7a", ("S6b", "S7a"))
    g2 = Grid((cfg.n // 2,), (cfg.length,))
    sch2 = schrodinger_path(moment_constraints(g2, 2), cfg.D, ctx.t, cfg.sigma0, [cfg.center],
                            [cfg.k0]).path
    coarse = _rel(action(sch2, "11.6b", "fd"), action(sch2, "11.7a", "fd"))
    fd_label = "Schrödinger path, fd: |S6b - S7a|/|S7a|"
    order = convergence_order(coarse, next(m.value for m in meas if m.quantity == fd_label))
    meas.append(Measurement("fd order in h", order, of=fd_label))
    claims = (_spectral_claim("(11.6) line 2 = (11.7) line 1 (spectral derivatives)", meas),
              order_at_least("(11.6) line 2 = (11.7) line 1 with finite differences, to O(h²)",
                             measured_order=order, expected_order=2.0, evidence=_EVIDENCE))
    return AuditStep(
        "(11.6) -> (11.7) line 1", kind_exact(claims, "exact up to boundary terms"),
        "p log p ∂p and p → 0 at the boundary (periodic grid here; reflecting walls: zero flux)",
        "the boundary term -(D/2)[log p ∂p] (zero on these grids)", claims, tuple(meas))


def step_11_7_lines_1_2(ctx: AuditContext) -> AuditStep:
    """(11.7) line 1 -> line 2: another integration by parts."""
    meas = _by_parts(ctx, "11.7a", "11.7b", ("S7a", "S7b"))
    claims = (_spectral_claim("(11.7) line 1 = line 2 (spectral derivatives)", meas),)
    return AuditStep(
        "(11.7) line 1 -> line 2", kind_exact(claims, "exact up to boundary terms"),
        "√p ∂√p → 0 at the boundary", "the boundary term 2D[√p ∂√p] (zero on these grids)",
        claims, tuple(meas))


def step_11_7_lines_2_3(ctx: AuditContext) -> AuditStep:
    """(11.7) line 2 -> line 3 with Ψ of (11.8): drops the phase-gradient term."""
    cfg, sch = ctx.cfg, ctx.sch
    s7b, s7c, kin = action(sch, "11.7b"), action(sch, "11.7c"), phase_gradient_term(sch)
    frozen = frozen_gaussian_path(ctx.cons, cfg.D, ctx.t, cfg.sigma0, [cfg.center])
    resting = schrodinger_path(ctx.cons, cfg.D, ctx.t, cfg.sigma0, [cfg.center], [0.0]).path
    sizes = dropped_term_sizes(sch)
    accounted = abs(s7c - s7b - kin) / abs(s7c)
    ratio_label = "Schrödinger path: dropped term / entropy-production part of line 2"
    claims = (
        within_tolerance("(11.7) line 3 = line 2 on the Schrödinger path",
                         measured=sizes.vs_entropy_production, tolerance=_EQUAL,
                         name="dropped / entropy production", evidence=_EVIDENCE),
        within_tolerance("line 3 - line 2 is the phase-gradient term 2D∫dt∫p|∇θ|²",
                         measured=accounted, tolerance=_EQUAL,
                         name="|S7c - S7b - dropped|/|S7c|", evidence=_EVIDENCE))
    return AuditStep(
        "(11.7) line 2 -> line 3", kind_approximation(*claims),
        "Ψ = √p e^{iθ}, θ = ΣΘΦ/4 (11.8); ∫p dQ = 1 at all t",
        "the phase-gradient term 2D∫dt∫p|∇θ|² (not named in the paper), plus imaginary total "
        "derivatives (which vanish for any normalised path)", claims,
        (Measurement(ratio_label, sizes.vs_entropy_production),
         Measurement("in δS/δp: spread of 2D|∇θ|² / spread of -2DΔ√p/√p", sizes.in_p_equation,
                     of=ratio_label),
         Measurement("|S7c - S7b - dropped| / |S7c| (discretisation)", accounted,
                     of=ratio_label),
         Measurement("packet at rest (k0 = 0): dropped / entropy production",
                     dropped_term_sizes(resting).vs_entropy_production),
         Measurement("frozen Gaussian path: dropped / entropy production",
                     dropped_term_sizes(frozen).vs_entropy_production)))


def step_wave_function(ctx: AuditContext) -> AuditStep:
    """(11.8): a Schrödinger phase is of the form ΣΘΦ/4 only if the Θ span it."""
    cfg = ctx.cfg
    psi = free_gaussian_packet(ctx.grid, ctx.t, cfg.D, cfg.sigma0, [cfg.center], [cfg.k0])
    outside_q = float(multipliers_from_wave_function(moment_constraints(ctx.grid, 1),
                                                     psi).residual.max())
    claims = (within_tolerance("the packet's phase lies in span{Q, Q²} (11.8)",
                               measured=float(ctx.phase_residual), tolerance=_ROUNDOFF,
                               name="relative phase outside the span", evidence=_EVIDENCE),)
    return AuditStep(
        "(11.8)", kind_exact(claims),
        "the phase of Ψ in the span of the Θ_k (for Gaussian packets: Θ ⊇ {Q, Q²})",
        "any phase component outside span{Θ_k} (the paper: K̃ ~ K constraints)", claims,
        (Measurement("phase outside span{Q, Q²} (relative)", float(ctx.phase_residual)),
         Measurement("phase outside span{Q} (relative)", outside_q)))


def step_stationarity(ctx: AuditContext) -> AuditStep:
    """(11.7) -> (11.9): stationarity and the Madelung equations."""
    cfg, table = ctx.cfg, ctx.table
    sch_half = schrodinger_path(ctx.cons, cfg.D, ctx.t_half, cfg.sigma0, [cfg.center],
                                [cfg.k0]).path
    worst_half = stationarity_test(sch_half, "11.7c", cfg.n_directions, cfg.seed).worst
    psi = free_gaussian_packet(ctx.grid, ctx.t, cfg.D, cfg.sigma0, [cfg.center], [cfg.k0])
    mad = madelung_residuals(ctx.grid, ctx.t, psi, cfg.D)
    drift = ctx.cons.values(ctx.sch.p)
    sch_row, fro_row = table["Schrödinger packet"], table["frozen Gaussian"]
    worst = sch_row["11.7c"].worst
    order = convergence_order(worst_half, worst)
    worst_b = max(sch_row[f].worst for f in ("11.6b", "11.7a", "11.7b"))
    label = "S7c on Schrödinger path: worst relative first variation"
    claims = (
        within_tolerance("solutions of (11.9) are stationary for line 3 of (11.7)",
                         measured=worst, tolerance=_EQUAL, name="worst relative variation",
                         evidence=_EVIDENCE),
        within_tolerance("solutions of (11.9) are stationary for (11.6) (= (11.7) lines 1-2)",
                         measured=worst_b, tolerance=_EQUAL, name="worst relative variation",
                         evidence=_EVIDENCE),
        order_at_least("line 3's residual variation is discretisation error, O(dt²)",
                       measured_order=order, expected_order=2.0, evidence=_EVIDENCE))
    return AuditStep(
        "(11.7) -> (11.9)", kind_stationarity(claims[0], claims[1]),
        "varying line 3 of (11.7) in Ψ and Ψ* freely (an arbitrary phase). Varied in the "
        "paper's variables (p, Φ(t)), line 3 gives Hamilton-Jacobi pointwise but continuity "
        "only projected on span{Θ_k}: all of (11.9) only when the Θ_k span the phase",
        "the entropy-production functional (11.6): solutions of (11.9) are not its stationary "
        "paths (its p-equation is Hamilton-Jacobi minus 2D|∇θ|², its Φ-equation conserves "
        "∫pΘ_k); they are stationary for line 3 of (11.7), which adds the dropped term", claims,
        (Measurement(label, worst), Measurement("order in dt", order, of=label),
         Measurement("S6b (= S7a = S7b) on Schrödinger path: worst relative first variation",
                     worst_b),
         Measurement("S6b on diffusion path (Φ = 0)", table["diffusion, Φ=0"]["11.6b"].worst),
         Measurement("S6b on frozen Gaussian (its stationary path)", fro_row["11.6b"].worst),
         Measurement("S7c on frozen Gaussian", fro_row["11.7c"].worst),
         Measurement("Madelung residual on Schrödinger path: continuity",
                     float(mad.continuity.max())),
         Measurement("Madelung residual on Schrödinger path: Hamilton-Jacobi",
                     float(mad.hamilton_jacobi.max())),
         Measurement("constraint (11.4) drift along the Schrödinger path, max_k |Δ∫pΘ_k|",
                     float(np.abs(drift[-1] - drift[0]).max()))))


# The chain in order, one named (testable) step per link.
AUDIT_STEPS: tuple[Callable[[AuditContext], AuditStep], ...] = (
    step_fokker_planck, step_11_6_lines, step_11_6_to_11_7, step_11_7_lines_1_2,
    step_11_7_lines_2_3, step_wave_function, step_stationarity)


# The rows of the stationarity table the steps read.
_TABLE_PATHS = ("Schrödinger packet", "frozen Gaussian", "diffusion, Φ=0")


def _check_table(table: object) -> None:
    if not isinstance(table, Mapping):
        raise TypeError(f"table must be stationarity_table(cfg) (a dict), got "
                        f"{type(table).__name__}")
    missing = [(p, f) for p in _TABLE_PATHS for f in FORMS
               if not isinstance(table.get(p), Mapping) or f not in table[p]]
    if missing:
        raise ValueError(f"table lacks the rows {missing[:3]}{' ...' if len(missing) > 3 else ''}"
                         "; pass stationarity_table(cfg)")


def audit_section11(cfg: AuditConfig = AuditConfig(), table: dict[str, dict[str,
                    StationarityResult]] | None = None) -> list[AuditStep]:
    """Measure every step of (11.5) -> (11.9) on actual solutions; see the module docstring.

    ``table`` is :func:`stationarity_table` of ``cfg`` if the caller has it already.

    >>> audit_section11("cfg")
    Traceback (most recent call last):
    ...
    TypeError: cfg must be an AuditConfig, got str
    """
    check_config(cfg)
    if table is not None:
        _check_table(table)
    ctx = _context(cfg, table)
    return [step(ctx) for step in AUDIT_STEPS]


def format_audit(steps: list[AuditStep]) -> str:
    """The printed statement: each step, its kind, what it needs and drops, the computed
    verdict of each claim, and the measured sizes.

    The chain (11.5)-(11.9).

    >>> format_audit("steps")
    Traceback (most recent call last):
    ...
    TypeError: steps must be a list of AuditStep (audit_section11's result), got str
    """
    if isinstance(steps, str) or not isinstance(steps, Sequence) or not all(
            isinstance(s, AuditStep) for s in steps):
        raise TypeError(f"steps must be a list of AuditStep (audit_section11's result), got "
                        f"{type(steps).__name__}")
    lines = ["Section 11, (11.5) -> (11.9): what the derivation needs and what it drops", ""]
    for s in steps:
        lines.append(f"{s.step}: {s.kind.upper()}")
        lines.append(f"  needs: {s.needs}")
        lines.append(f"  drops: {s.drops}")
        for c in s.claims:
            numbers = ", ".join(f"{k} {v:.3g}" for k, v in c.measured.items())
            lines.append(f"  {c.verdict.value}: {c.text} ({c.rule}; {numbers})")
        for m in s.measurements:
            indent = "      " if m.of else "    "
            lines.append(f"{indent}{m.quantity}: {m.value:.3g}")
        lines.append("")
    return "\n".join(lines)
