"""The checks of ``python -m emergent nelson`` as typed results (Section 11, (11.5)-(11.9)):
Nelson's walkers against closed forms (known answers), the grid Fokker-Planck equation with
Nelson's drift against |Ψ|², the forward/backward Fokker-Planck residuals of p = |Ψ|² and
Nelson's Newton law, and fitted convergence orders; their verdicts computed by
:mod:`ntcore.verdict`."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import stats

from emergent.grids import Grid
from emergent.nelson.grid_fokker_planck import fokker_planck_with_drift
from emergent.nelson.identities import fokker_planck_residuals, newton_residual
from emergent.nelson.references import oscillator_state
from emergent.nelson.sampling import fit_order, ks_distance, l1_distance, l1_noise
from emergent.nelson.walkers import WalkerResult, simulate_walkers
from emergent.schrodinger import (
    coherent_state,
    free_gaussian_packet,
    harmonic_potential,
    split_step,
)
from ntcore.verdict import Claim, order_at_least, within_tolerance

__all__ = ["NelsonConfig", "Metric", "KnownAnswer", "GridCheck", "LawCheck", "OrderFit",
           "NelsonChecks", "run_checks", "SUPERPOSITION", "VORTEX"]

#: (φ0 + φ1)/√2: the density sloshes and has a node at t = π (Q = +1/√2)
SUPERPOSITION = [(1.0, (0,)), (1.0, (1,))]
#: φ10 + i φ01: a 2D vortex, p = r² exp(-r²)/π (stationary), node at the origin
VORTEX = [(1.0, (1, 0)), (1j, (0, 1))]
#: the evidence named by the verdicts
EVIDENCE = "python -m emergent nelson; tests/emergent/test_nelson.py"


@dataclass(frozen=True)
class NelsonConfig:
    """What ``python -m emergent nelson`` runs (D = ħ/m = 1, ω = 1 throughout)."""

    seed: int = 0
    walkers: int = 100_000
    quick: bool = False
    threads: int = 2


@dataclass(frozen=True)
class Metric:
    """One measured number of a check: ``name`` (an identifier such as ``ks_final``; names
    ending in ``_noise`` or ``_sampling_level`` are the sampling error alone) and its value."""

    name: str
    value: float


@dataclass(frozen=True)
class KnownAnswer:
    """Walkers against a closed form, (11.5)-(11.9): the case and its metrics."""

    case: str
    metrics: tuple[Metric, ...]

    def value(self, name: str) -> float:
        """The value of the metric ``name``."""
        return next(m.value for m in self.metrics if m.name == name)

    def to_dict(self) -> dict[str, float]:
        return {m.name: m.value for m in self.metrics}


@dataclass(frozen=True)
class GridCheck:
    """The grid Fokker-Planck equation with Nelson's drift against |Ψ|² (no sampling): final
    L1 and max errors, the change of mass, the smallest density met, the time taken."""

    case: str
    l1_error_final: float
    max_error_final: float
    mass_change: float
    min_density: float
    seconds: float

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)[1:]}


@dataclass(frozen=True)
class LawCheck:
    """Relative residuals of the forward and backward Fokker-Planck equations of p = |Ψ|² and
    of Nelson's Newton law a = -D∇V; ``newton_residual_control`` with a wrong potential (2V,
    or a harmonic one for a free packet), which must not vanish."""

    case: str
    forward_fp_residual: float
    backward_fp_residual: float
    newton_residual: float
    newton_residual_control: float

    def to_dict(self) -> dict[str, float]:
        return {"forward_fp_residual": self.forward_fp_residual,
                "backward_fp_residual": self.backward_fp_residual,
                "newton_residual": self.newton_residual,
                "newton_residual_with_2V (control)": self.newton_residual_control}

    def claims(self) -> tuple[Claim, Claim]:
        """Newton's law and the two Fokker-Planck equations hold to 1e-3 (relative)."""
        return (within_tolerance(f"Nelson's Newton law a = -D∇V, {self.case}",
                                 measured=self.newton_residual, tolerance=1e-3,
                                 name="relative residual"),
                within_tolerance(
                    f"forward and backward Fokker-Planck equations for |Ψ|², {self.case}",
                    measured=max(self.forward_fp_residual, self.backward_fp_residual),
                    tolerance=1e-3, name="relative residual"))


@dataclass(frozen=True)
class OrderFit:
    """A fitted convergence order: errors at ``x`` (the number of walkers, dt or h), the
    fitted and the expected order, the sampling noise level where there is one, and whether
    the error falls as x grows (walkers) rather than as it shrinks (dt, h)."""

    study: str
    x: tuple[float, ...]
    error: tuple[float, ...]
    order: float
    expected: float
    noise: float | None = None
    falls_as_x_grows: bool = False

    def claim(self) -> Claim:
        """The fitted order is at least the expected one, less a quarter of it."""
        return order_at_least(f"{self.study}: order >= {self.expected:g}",
                              measured_order=self.order, expected_order=self.expected,
                              slack=0.25 * self.expected, evidence=EVIDENCE)

    def to_dict(self) -> dict:
        out = {"x": list(self.x), "error": list(self.error), "order": self.order,
               "expected": self.expected}
        return out if self.noise is None else out | {"noise": self.noise}


@dataclass(frozen=True)
class NelsonChecks:
    """Everything ``python -m emergent nelson`` checks besides the side-by-side comparison."""

    known_answers: tuple[KnownAnswer, ...]
    grid: tuple[GridCheck, ...]
    laws: tuple[LawCheck, ...]
    convergence: tuple[OrderFit, ...]

    def verdicts(self) -> tuple[Claim, ...]:
        """Computed verdicts on the orders and the laws (never typed)."""
        return (tuple(fit.claim() for fit in self.convergence)
                + tuple(c for law in self.laws for c in law.claims()))


def _free_packet(grid: Grid, t: np.ndarray, sigma0: float, center: float, k0: float):
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


def _walk(grid: Grid, psi, t, n: int, cfg: NelsonConfig, **kw) -> WalkerResult:
    return simulate_walkers(grid, psi, 1.0, t, n, seed=cfg.seed, threads=cfg.threads, **kw)


def _answer(case: str, **metrics: float) -> KnownAnswer:
    return KnownAnswer(case, tuple(Metric(k, v) for k, v in metrics.items()))


def _ornstein_uhlenbeck(cfg: NelsonConfig) -> KnownAnswer:
    """Ground state = Ornstein-Uhlenbeck dX = -ωX dt + √D dW: N(0, D/(2ω)),
    :math:`C(τ) = D e^{-ωτ}/(2ω)`."""
    n = cfg.walkers
    g = Grid((256,), (16.0,))
    t = np.linspace(0.0, 3.0, 301)
    psi = oscillator_state(g, t, 1.0, 1.0, [(1.0, (0,))])
    r = _walk(g, psi, t, n, cfg, save_every=10)
    x = r.positions[:, :, 0]
    lags = [0, 5, 10, 20]  # saved every 0.1
    corr = [float(np.mean(x[:-lag or None] * x[lag:])) for lag in lags]
    exact = [0.5 * math.exp(-0.1 * lag) for lag in lags]
    return _answer(
        "Ornstein-Uhlenbeck ground state",
        ks_to_stationary_law=float(stats.kstest(x[-1], "norm", args=(0, math.sqrt(0.5)))
                                   .statistic),
        ks_sampling_level=0.87 / math.sqrt(n),
        autocorrelation_max_error=float(np.max(np.abs(np.subtract(corr, exact)))),
        autocorrelation_noise=0.5 * math.sqrt(2 / n))


def _moving_packets(cfg: NelsonConfig) -> list[KnownAnswer]:
    """The coherent state (mean on the classical orbit, fixed variance D/(2ω)); the free packet
    (σ_t² = σ0²(1 + (Dt/(2σ0²))²), moving at D k0); the packet between reflecting walls."""
    n = cfg.walkers
    g = Grid((256,), (16.0,))
    t = np.linspace(0.0, 2.0, 401)
    psi = coherent_state(g, t, 1.0, 1.0, [1.5], [0.5])
    r = _walk(g, psi, t, n, cfg, save_every=40)
    orbit = 1.5 * np.cos(r.times) + 0.5 * np.sin(r.times)
    out = [_answer("coherent state",
                   mean_max_error=float(np.abs(r.positions[:, :, 0].mean(1) - orbit).max()),
                   std_max_error=float(np.abs(r.positions[:, :, 0].std(1)
                                              - math.sqrt(0.5)).max()),
                   ks_final=ks_distance(g, np.abs(psi[-1]) ** 2, r.positions[-1]),
                   mean_noise=math.sqrt(0.5 / n))]
    g = Grid((256,), (40.0,))
    psi = _free_packet(g, t, 1.0, -2.0, 1.0)
    r = _walk(g, psi, t, n, cfg, save_every=40)
    sig = np.sqrt(1 + (r.times / 2) ** 2)
    out.append(_answer(
        "free packet",
        std_max_error=float(np.abs(r.positions[:, :, 0].std(1) - sig).max()),
        mean_max_error=float(np.abs(r.positions[:, :, 0].mean(1) - (-2 + r.times)).max()),
        ks_final=ks_distance(g, np.abs(psi[-1]) ** 2, r.positions[-1])))
    # the packet between reflecting walls (image sum exact): it hits the wall at Q = 5
    g = Grid((256,), (10.0,), "reflecting")
    psi = _free_packet(g, t, 0.7, 2.0, 2.0)
    r = _walk(g, psi, t, n, cfg)
    out.append(_answer("free packet, reflecting walls",
                       ks_final=ks_distance(g, np.abs(psi[-1]) ** 2, r.positions[-1]),
                       ks_sampling_level=0.87 / math.sqrt(n), capped_fraction=r.capped_fraction))
    return out


def _vortex(cfg: NelsonConfig) -> KnownAnswer:
    """2D: a vortex, p = r² exp(-r²)/π (stationary), node at the origin, ⟨r²⟩ = 2ℓ² = 2."""
    n = cfg.walkers
    g = Grid((64, 64), (12.0, 12.0))
    t = np.linspace(0.0, 1.0, 101)
    psi = oscillator_state(g, t, 1.0, 1.0, VORTEX)
    r = _walk(g, psi, t, n, cfg)
    xy = r.positions[-1]
    return _answer("2D vortex", l1_final=l1_distance(g, np.abs(psi[-1]) ** 2, xy),
                   l1_sampling_level=l1_noise(g, np.abs(psi[-1]) ** 2, n),
                   mean_r2_error=float(abs(np.mean((xy**2).sum(1)) - 2.0)),
                   mean_r2_noise=float(math.sqrt(2.0 / n)), capped_fraction=r.capped_fraction)


def _known_answers(cfg: NelsonConfig) -> tuple[KnownAnswer, ...]:
    """Walkers against closed forms: Ornstein-Uhlenbeck, coherent state, free packet (periodic
    and between walls), a superposition with a moving node, a 2D vortex."""
    return (_ornstein_uhlenbeck(cfg), *_moving_packets(cfg), *_node_study(cfg), _vortex(cfg))


def _node_study(cfg: NelsonConfig) -> tuple[KnownAnswer, ...]:
    """The superposition (φ0 + φ1)/√2: the density sloshes and has a node at t = π (Q = +1/√2).

    Walkers are run to t = π with the step control at 3 and 1 noise steps, and without it; the
    KS distance to |Ψ(π)|² and the mass on the left of the node (exactly conserved on each side
    in Nelson's process whenever a node exists) are compared.
    """
    g = Grid((256,), (16.0,))
    out = []
    node = 1 / math.sqrt(2)
    for steps in (100, 400):
        t = np.linspace(0.0, math.pi, steps + 1)
        psi = oscillator_state(g, t, 1.0, 1.0, SUPERPOSITION)
        p_end = np.abs(psi[-1]) ** 2
        left_exact = float(g.integrate(np.where(g.axes[0] < node, p_end, 0.0)))
        free = None
        for cap in (None, 3.0, 1.0):
            r = _walk(g, psi, t, cfg.walkers, cfg, max_drift_step=cap)
            x = r.positions[-1, :, 0]
            free = x if cap is None else free
            # same seed, same noise: the difference to the uncontrolled run is the control's
            # own effect, free of sampling noise
            out.append(_answer(
                f"moving node, dt = π/{steps}, step control {cap or 'off'}",
                ks_final=ks_distance(g, p_end, x),
                left_mass_error=float(abs(np.mean(x < node) - left_exact)),
                left_mass_change_by_control=float(abs(np.mean(x < node) - np.mean(free < node))),
                walkers_moved_by_control=float(np.mean(np.abs(x - free) > 1e-9)),
                capped_fraction=r.capped_fraction,
                ks_sampling_level=0.87 / math.sqrt(cfg.walkers)))
    return tuple(out)


def _grid_checks(cfg: NelsonConfig) -> tuple[GridCheck, ...]:
    """The grid Fokker-Planck equation with Nelson's drift against |Ψ|² (no sampling noise)."""
    g = Grid((512,), (16.0,))
    t = np.linspace(0.0, 2.0, 1001)
    gr = Grid((256,), (10.0,), "reflecting")
    ts = np.linspace(0.0, math.pi, 1001)
    g2 = Grid((48, 48), (12.0, 12.0))
    t2 = np.linspace(0.0, 1.0, 101 if not cfg.quick else 21)
    cases = (("coherent state (512 points)", g, coherent_state(g, t, 1.0, 1.0, [1.5], [0.5]), t),
             ("free packet, reflecting walls", gr, _free_packet(gr, t, 0.7, 2.0, 2.0), t),
             ("moving node", Grid((256,), (16.0,)),
              oscillator_state(Grid((256,), (16.0,)), ts, 1.0, 1.0, SUPERPOSITION), ts),
             ("2D vortex (48 x 48)", g2, oscillator_state(g2, t2, 1.0, 1.0, VORTEX), t2))
    out = []
    for name, grid, psi, tt in cases:
        t0 = time.perf_counter()
        fp = fokker_planck_with_drift(grid, psi, 1.0, tt)
        out.append(GridCheck(name, float(fp.l1_error[-1]), float(fp.max_error[-1]),
                             float(abs(fp.mass[-1] - 1)), fp.min_density,
                             time.perf_counter() - t0))
    return tuple(out)


def _law_checks(cfg: NelsonConfig) -> tuple[LawCheck, ...]:
    """Fokker-Planck residuals and Newton's law on short windows (∂_t by central differences)."""
    g = Grid((512,), (16.0,))
    g2 = Grid((48, 48), (12.0, 12.0))
    w = np.linspace(0.3, 0.4, 21)
    v1 = harmonic_potential(g, 1.0, 1.0)
    gf = Grid((512,), (40.0,))
    laws = (("coherent state", g, coherent_state(g, w, 1.0, 1.0, [1.5], [0.5]), v1),
            ("moving node", g, oscillator_state(g, w, 1.0, 1.0, SUPERPOSITION), v1),
            ("free packet", gf, free_gaussian_packet(gf, w, 1.0, 1.0, [-2.0], [1.0]), None),
            ("2D vortex", g2, oscillator_state(g2, w, 1.0, 1.0, VORTEX),
             harmonic_potential(g2, 1.0, 1.0)))
    out = []
    for name, grid, psi, v in laws:
        fwd, bwd = fokker_planck_residuals(grid, w, psi, 1.0)
        control = (2 * v if v is not None else harmonic_potential(grid, 1.0, 0.3))
        out.append(LawCheck(name, fwd, bwd, newton_residual(grid, w, psi, 1.0, v),
                            newton_residual(grid, w, psi, 1.0, control)))
    return tuple(out)


def _sampling_order(cfg: NelsonConfig) -> OrderFit:
    """KS distance of the Ornstein-Uhlenbeck walkers to N(0, 1/2), mean of 4 seeds; 20 steps
    of dt = 0.005 keep the time-step bias (~1e-4) below the smallest KS (~3e-3)."""
    g = Grid((256,), (16.0,))
    t = np.linspace(0.0, 0.1, 21)
    psi = oscillator_state(g, t, 1.0, 1.0, [(1.0, (0,))])
    ns = [1000, 4000, 16000, 64000] if not cfg.quick else [1000, 4000, 16000]
    ks = []
    for n in ns:
        vals = [stats.kstest(simulate_walkers(g, psi, 1.0, t, n, seed=cfg.seed + s,
                                              threads=cfg.threads).positions[-1, :, 0],
                             "norm", args=(0, math.sqrt(0.5))).statistic for s in range(4)]
        ks.append(float(np.mean(vals)))
    return OrderFit("sampling (KS vs n)", tuple(ns), tuple(ks), fit_order(ns, ks), 0.5,
                    falls_as_x_grows=True)


def _time_step_orders(cfg: NelsonConfig) -> list[OrderFit]:
    """Coherent state at T = 2, error |Δ mean| + |Δ variance| against the closed form; the
    sampling noise must stay below the finest step's bias, which for Heun (~2e-3 at dt = 0.1)
    needs 10⁶ walkers."""
    g = Grid((256,), (16.0,))
    out = []
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
        out.append(OrderFit(f"time step, {scheme} (moments vs dt)", tuple(dts), tuple(errs),
                            fit_order(1 / np.asarray(dts), errs), expected,
                            math.sqrt(0.5 / n) + 0.5 * math.sqrt(2 / n)))
    return out


def _grid_order() -> OrderFit:
    """Grid Fokker-Planck: coherent state, h halved, dt = 0.002 (its O(dt²) ~ 1e-7 is
    negligible)."""
    errs, hs = [], []
    for m in (64, 128, 256):
        gm = Grid((m,), (16.0,))
        tt = np.linspace(0.0, 1.0, 501)
        fp = fokker_planck_with_drift(gm, coherent_state(gm, tt, 1.0, 1.0, [1.5], [0.5]), 1.0,
                                      tt)
        errs.append(float(fp.l1_error[-1]))
        hs.append(gm.spacing[0])
    return OrderFit("grid Fokker-Planck (L1 vs h)", tuple(hs), tuple(errs),
                    fit_order(1 / np.asarray(hs), errs), 2.0)


def _convergence(cfg: NelsonConfig) -> tuple[OrderFit, ...]:
    """Fitted orders: sampling error against walkers, time-step error of Euler-Maruyama and of
    Heun against dt, and the grid Fokker-Planck error against h."""
    return (_sampling_order(cfg), *_time_step_orders(cfg), _grid_order())


def run_checks(cfg: NelsonConfig) -> NelsonChecks:
    """Every check of ``python -m emergent nelson`` besides the side-by-side comparison:
    walkers against closed forms of (11.9), the grid Fokker-Planck equation (11.5) with
    Nelson's drift, the laws, the convergence orders.

    Raises
    ------
    TypeError
        If ``cfg`` is not a :class:`NelsonConfig`.
    """
    if not isinstance(cfg, NelsonConfig):
        raise TypeError(f"cfg must be a NelsonConfig, got {type(cfg).__name__}")
    known = _known_answers(cfg)
    grid = _grid_checks(cfg)
    laws = _law_checks(cfg)
    return NelsonChecks(known, grid, laws, _convergence(cfg))
