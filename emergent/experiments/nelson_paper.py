"""Nelson's stochastic mechanics beside the paper's functional (Section 11, (11.5)-(11.9)):
from one Gaussian Ψ0, the paper's stationary path of (11.6), the corrected functional's path
|Ψ|² of (11.9), Nelson's walkers driven by Ψ and plain diffusion (11.5), side by side."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from emergent.grids import Grid
from emergent.nelson.sampling import ks_distance, l1_noise
from emergent.nelson.walkers import WalkerResult, simulate_walkers
from ntcore.checks import count, positive_number
from ntcore.display import MarkdownSummary

__all__ = ["Route", "RouteRow", "PaperComparison", "compare_with_paper", "format_comparison"]


class Route(enum.Enum):
    """The four routes from the same Ψ0; the value is the row's label."""

    FROZEN = "paper (11.6): frozen Gaussian"
    SCHRODINGER = "line 3 of (11.7): |Ψ|² of (11.9)"
    WALKERS = "Nelson's walkers"
    DIFFUSION = "diffusion (11.5), no drift, Φ = 0"


@dataclass(frozen=True)
class RouteRow:
    """One route of :func:`compare_with_paper` at the sample times.

    ``mean``/``std``: ⟨Q⟩ and its standard deviation at each time; ``l1``: ∫|p - |Ψ|²| at each
    time; ``stationary_11_7b``/``_11_7c``: worst relative first variation of the paper's
    functional (line 2 of (11.7), = (11.6)) and of line 3 (with the dropped term) along the
    route's path (0 = stationary, 1 = not; ``nan`` for the walkers, a process, not a path);
    ``density``: the route's densities at the sample times (the walkers' as histograms).
    """

    route: Route
    density: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    l1: np.ndarray
    stationary_11_7b: float
    stationary_11_7c: float

    @property
    def name(self) -> str:
        """The route's label (the row name of the printed table)."""
        return self.route.value


@dataclass(frozen=True)
class PaperComparison(MarkdownSummary):
    """The routes from one Gaussian start (σ0, centre, k0) side by side, (11.5)-(11.9); see
    :func:`compare_with_paper`.  ``rows`` in the order of :class:`Route`, ``walkers`` the
    walker run."""

    times: np.ndarray
    grid: Grid
    rows: tuple[RouteRow, ...]
    walkers: WalkerResult
    ks_final: float

    def row(self, route: Route) -> RouteRow:
        """The row of ``route``."""
        return next(r for r in self.rows if r.route is route)


def _moments(grid: Grid, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = grid.axes[0]
    mass = grid.integrate(p)
    mean = grid.integrate(p * x) / mass
    var = grid.integrate(p * x**2) / mass - mean**2
    return np.asarray(mean), np.sqrt(np.asarray(var))


def compare_with_paper(*, n: int = 256, length: float = 40.0, D: float = 1.0,
                       t_final: float = 2.0, n_times: int = 41, sigma0: float = 1.0,
                       center: float = -2.0, k0: float = 1.0, n_walkers: int = 100_000,
                       steps_per_sample: int = 10, seed: int = 0, n_directions: int = 2,
                       threads: int = 2) -> PaperComparison:
    """The paper's route, the corrected functional and Nelson's process from the same Ψ0.

    Ψ0 is the Gaussian packet of width σ0 at ``center`` with wavenumber k0 (the initial data of
    ``python -m emergent``), on a periodic 1D grid, Θ = {Q, Q²}.  Routes:

    * the paper's functional (11.6) = line 2 of (11.7): its stationary path from this density,
      the frozen Gaussian (:func:`~emergent.candidate_paths.frozen_gaussian_path`);
    * line 3 of (11.7) (line 2 plus the dropped 2D∫p|∇θ|²): stationary on the exact solution
      of (11.9), |Ψ(t)|² (:func:`~emergent.candidate_paths.schrodinger_path`);
    * Nelson's process driven by that Ψ: walkers
      (:func:`~emergent.nelson.walkers.simulate_walkers`), histogrammed;
    * plain diffusion (11.5) from the same density with Φ = 0, for reference.

    Stationarity numbers come from :func:`~emergent.entropic_action.stationarity_test`.
    """
    from emergent.candidate_paths import diffusion_path, frozen_gaussian_path, schrodinger_path
    from emergent.constraints import moment_constraints
    from emergent.entropic_action import stationarity_test
    from emergent.schrodinger import free_gaussian_packet, split_step

    grid = Grid((count("n", n, minimum=32, whole_floats=True),),
                (positive_number("length", length),))
    n_times = count("n_times", n_times, minimum=3, whole_floats=True)
    steps_per_sample = count("steps_per_sample", steps_per_sample, minimum=1, whole_floats=True)
    t = np.linspace(0.0, positive_number("t_final", t_final), n_times)
    cons = moment_constraints(grid, 2)
    sch, _ = schrodinger_path(cons, D, t, sigma0, [center], [k0])
    frozen = frozen_gaussian_path(cons, D, t, sigma0, [center])
    diff_path = diffusion_path(cons, D, t, sigma0, [center])
    diffusion = diff_path.p
    fine = np.linspace(0.0, t_final, (n_times - 1) * steps_per_sample + 1)
    # Ψ at every step time: the exact packet at t = 0 carried by split-step, which is exact in
    # time for V = 0 on the grid's Fourier basis (and much cheaper than the image sums)
    start = free_gaussian_packet(grid, 0.0, D, sigma0, [center], [k0])
    psi = split_step(grid, start, D, t_final, fine.size - 1).psi
    walk = simulate_walkers(grid, psi, D, fine, n_walkers, seed=seed,
                            save_every=steps_per_sample, threads=threads)
    h = grid.spacing[0]
    edges = np.concatenate([grid.axes[0] - h / 2, [grid.axes[0][-1] + h / 2]])
    hist = np.stack([np.histogram(walk.positions[k, :, 0], edges)[0] / (n_walkers * h)
                     for k in range(n_times)])
    target = sch.p

    def l1(p):
        return np.asarray(grid.integrate(np.abs(p - target)))

    def stationarity(path, form):
        return stationarity_test(path, form, n_directions, seed).worst

    rows = []
    for route, p, path in ((Route.FROZEN, frozen.p, frozen), (Route.SCHRODINGER, sch.p, sch),
                           (Route.WALKERS, hist, None), (Route.DIFFUSION, diffusion, diff_path)):
        if path is None:  # the process: moments of the walkers themselves, no path to vary
            x = walk.positions[:, :, 0]
            mean, std = x.mean(axis=1), x.std(axis=1)
            s7b = s7c = math.nan
        else:
            mean, std = _moments(grid, p)
            s7b, s7c = stationarity(path, "11.7b"), stationarity(path, "11.7c")
        rows.append(RouteRow(route, p, mean, std, l1(p), s7b, s7c))
    ks = ks_distance(grid, target[-1], walk.positions[-1, :, 0])
    return PaperComparison(t, grid, tuple(rows), walk, ks)


def format_comparison(cmp: PaperComparison) -> str:
    """The side-by-side table at the last time (rows: routes)."""
    if not isinstance(cmp, PaperComparison):
        raise TypeError(f"cmp must be a PaperComparison (compare_with_paper), got "
                        f"{type(cmp).__name__}")
    t = cmp.times[-1]
    head = (f"{'route (same Ψ0)':<36}{'<Q>(T)':>9}{'std(T)':>9}{'L1 to |Ψ(T)|²':>15}"
            f"{'11.7b stat.':>13}{'11.7c stat.':>13}")
    lines = [f"Side by side at T = {t:g} (stationarity: worst relative first variation, "
             "0 = stationary, 1 = not; '-' for the process)", head]
    for r in cmp.rows:
        s7b = "-" if math.isnan(r.stationary_11_7b) else f"{r.stationary_11_7b:.1e}"
        s7c = "-" if math.isnan(r.stationary_11_7c) else f"{r.stationary_11_7c:.1e}"
        lines.append(f"{r.name:<36}{r.mean[-1]:>9.3f}{r.std[-1]:>9.3f}{r.l1[-1]:>15.2e}"
                     f"{s7b:>13}{s7c:>13}")
    n = cmp.walkers.positions.shape[1]
    noise = l1_noise(cmp.grid, cmp.row(Route.SCHRODINGER).density[-1], n)
    lines.append(f"walkers: n = {n}, dt = {cmp.walkers.dt:g}; KS distance to |Ψ(T)|² = "
                 f"{cmp.ks_final:.2e} (sampling alone: ~0.87/√n = {0.87 / math.sqrt(n):.1e}); "
                 f"L1 of a histogram of n exact samples: ~{noise:.1e}")
    return "\n".join(lines)
