"""Nelson's stochastic mechanics: a diffusion with the D of (11.5) whose density is |Ψ|² of (11.9).

Conventions (checked against (11.5) and (11.9), and in ``tests/emergent/test_nelson.py``).
The paper's Schrödinger equation (11.9), with an optional potential V, is
``i ∂Ψ/∂t = -(D/2) ΔΨ + V Ψ``: ħ = 1 and m = 1/D, so D = ħ/m.  Write Ψ = √p e^{iθ_S}, θ_S the
phase, which is θ = Σ_k Θ_k Φ_k / 4 of (11.8).  The Madelung form of (11.9) is the continuity
equation ∂p/∂t = -∇·(v p) with the current velocity

    v = D ∇θ_S = D Im(∇Ψ/Ψ)                                   (the "current" drift),

and Nelson's osmotic velocity is

    u = (D/2) ∇ log p = D Re(∇Ψ/Ψ)                             (the "osmotic" drift).

The forward drift b = v + u and the backward drift b_* = v - u (so b - b_* = 2u).  The process

    dX = b(t, X) dt + √D dW                                     (W a standard Wiener process)

has the forward Fokker-Planck equation ∂p/∂t = -∇·(b p) + (D/2) Δp: with b = 0 this is (11.5)
with the paper's normalisation (D/2)Δ, i.e. E[dX²] = D dt per axis.  Since u p = (D/2)∇p, the
osmotic flux cancels the diffusion exactly and the equation becomes the continuity equation of
(11.9): p = |Ψ|² solves it for all t if it does at t = 0.  The backward equation
∂p/∂t = -∇·(b_* p) - (D/2) Δp holds as well.  These are the factors of the issue (v = D∇θ_S,
u = (D/2)∇log p): they are consistent with the paper's D; no factor had to be changed.  (Nelson
writes the noise as 2ν dt with ν = ħ/(2m) = D/2.)

Nelson's Newton law: the mean acceleration (1/2)(D D_* + D_* D) X, with the forward and backward
mean derivatives D, D_*, is the field

    a = ∂v/∂t + (v·∇)v - (u·∇)u - (D/2) Δu  =  -∇V / m  =  -D ∇V,

which :func:`mean_acceleration` evaluates on the grid and :func:`newton_residual` compares.

What is here
------------
* :func:`drift_fields` — current, osmotic, forward and backward drifts of Ψ on a
  :class:`~emergent.grids.Grid` (1D or 2D, periodic or reflecting; spectral derivatives).
* :func:`simulate_walkers` — Euler-Maruyama (weak order 1) or the additive-noise Heun scheme
  (weak order 2) for n walkers, seeded, vectorised in chunks of walkers that stay in the CPU
  cache for all steps and run on threads (the result does not depend on the thread count); the
  drift is interpolated linearly (bilinearly in 2D) from the grid at each step time.
* Nodes, where p = 0 and u is singular (u ≈ D/(Q - Q_node) next to a simple node in 1D): the
  stated treatment is **step control**: the drift displacement of one step is capped at
  ``max_drift_step`` noise steps √(D dt) (default 3).  Away from nodes |b| dt ≪ √(D dt) for a
  resolved dt and the cap never acts; within ~√(D dt) of a node it stops a walker that the noise
  pushed across from being flung far away by the 1/distance drift.  The capped share of
  walker-steps is reported (:attr:`WalkerResult.capped_fraction`) and the effect on the distance
  to |Ψ|² is measured in the tests and by ``python -m emergent nelson``: for (φ0 + φ1)/√2,
  whose node forms at t = π, the default cap acts on 2e-5 of the walker-steps at dt = π/100 and
  leaves the mass on each side of the node unchanged; a cap of 1 noise step doubles the error
  of that mass (1.8e-3 against 9.6e-4), so the cap is kept loose.  Where
  p < ``floor`` · max p (far tails, and the immediate neighbourhood of a node) the phase and
  log p are undefined to round-off; the drift there is set to 0 and the share of walkers found
  in such cells is reported (:attr:`WalkerResult.dead_fraction`).
* :func:`fokker_planck_with_drift` — the grid Fokker-Planck equation ∂p/∂t = -∇·(b p) +
  (D/2)Δp with the drift of Ψ: Crank-Nicolson on the toolkit's ``fd`` Laplacian
  (:meth:`~emergent.grids.Grid.laplacian_matrix`) plus a conservative central-flux drift
  operator, one sparse LU
  (:func:`~emergent.grids.sparse_lu`) per step; its solution is compared with |Ψ|² with no
  sampling noise.
* Exact references: :func:`oscillator_state` (superpositions of harmonic-oscillator eigenstates
  in 1D and 2D; the ground state is an Ornstein-Uhlenbeck process), besides
  :func:`~emergent.schrodinger.coherent_state` and
  :func:`~emergent.schrodinger.free_gaussian_packet`.
* Distances: :func:`ks_distance` (1D), :func:`l1_distance` (1D and 2D histograms),
  :func:`fit_order`.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla
from scipy.special import eval_hermite, gammaln

from emergent.grids import Grid, check_band_limit, sparse_lu
from ntcore import limits
from ntcore.checks import count, positive_number
from ntcore.display import MarkdownSummary

__all__ = ["DriftFields", "drift_fields", "oscillator_state", "time_step_scale",
           "WalkerResult", "simulate_walkers", "sample_density", "ks_distance", "l1_distance",
           "fokker_planck_with_drift", "GridFokkerPlanck", "mean_acceleration",
           "newton_residual", "fokker_planck_residuals", "fit_order", "RouteRow",
           "PaperComparison", "compare_with_paper", "format_comparison", "l1_noise"]

Scheme = Literal["euler-maruyama", "heun"]


# ------------------------------------------------------------------------------- drift fields
@dataclass(frozen=True)
class DriftFields:
    """The drifts of Ψ on a grid: arrays of shape ``(..., K, *grid.shape)``.

    ``current`` v = D∇θ_S, ``osmotic`` u = (D/2)∇log p; ``live`` marks the points with
    p > floor · max p, where both are defined (they are 0 elsewhere).
    """

    grid: Grid
    D: float
    density: np.ndarray
    current: np.ndarray
    osmotic: np.ndarray
    live: np.ndarray

    @property
    def forward(self) -> np.ndarray:
        """b = v + u, the drift of dX = b dt + √D dW."""
        return self.current + self.osmotic

    @property
    def backward(self) -> np.ndarray:
        """b_* = v - u, the drift of the time-reversed process."""
        return self.current - self.osmotic


def _check_psi(grid: Grid, psi, name: str, rtol: float, band_limit_tol: float | None):
    psi = grid.check_field(psi, name, complex_ok=True).astype(complex, copy=False)
    norms = np.asarray(grid.integrate(np.abs(psi) ** 2))
    if np.any(np.abs(norms - 1) > rtol):
        worst = norms.ravel()[np.argmax(np.abs(norms - 1).ravel())]
        raise ValueError(f"{name} is not normalised: ∫|{name}|² dQ = {worst:.6g} (allowed "
                         f"|∫|{name}|² - 1| <= {rtol:g}); divide by the square root of its norm")
    if band_limit_tol is not None:
        check_band_limit(grid, psi, name, band_limit_tol)
    return psi


def drift_fields(grid: Grid, psi, D: float, *, floor: float = 1e-12, rtol: float = 1e-4,
                 band_limit_tol: float | None = 1e-8) -> DriftFields:
    """Current, osmotic, forward and backward drifts of Ψ (Nelson; D = ħ/m of (11.5), (11.9)).

    v = D Im(∇Ψ/Ψ) = D∇θ_S, u = D Re(∇Ψ/Ψ) = (D/2)∇log p, with spectral derivatives (Fourier on a
    periodic grid, cosines between reflecting walls).

    Parameters
    ----------
    grid : Grid
    psi : complex array, shape ``(..., *grid.shape)``
        Ψ or a stack of Ψ at several times; each slice normalised to within ``rtol`` (the
        drifts do not depend on the normalisation, ∇Ψ/Ψ; the check catches wrong input, and
        allows the O(h²) quadrature error of exact solutions sampled on a grid).
    D : float
        ħ/m, the diffusion coefficient of (11.5), > 0.
    floor : float
        Points with p <= floor · max p (per slice) carry no drift (phase and log p undefined).
    band_limit_tol : float or None
        ``ValueError`` if Ψ is not resolved on the grid (more than this share of its spectral
        power above 2/3 of the Nyquist wavenumber); ``None`` skips the check.

    Examples
    --------
    The ground state of the oscillator is the Ornstein-Uhlenbeck process with b = -ω Q:

    >>> g = Grid((128,), (16.0,))
    >>> f = drift_fields(g, oscillator_state(g, 0.0, 1.0, 2.0, [(1.0, (0,))]), 1.0)
    >>> bool(np.allclose(f.forward[0][f.live], -2.0 * g.axes[0][f.live], atol=1e-6))
    True
    """
    D = positive_number("D", D)
    floor = positive_number("floor", floor)
    psi = _check_psi(grid, psi, "psi", rtol, band_limit_tol)
    p = np.abs(psi) ** 2
    lead = psi.ndim - grid.ndim
    pmax = p.max(axis=tuple(range(lead, psi.ndim)), keepdims=True)
    live = p > floor * pmax
    inv = np.where(live, 1.0 / np.where(live, psi, 1.0), 0.0)
    ratio = np.stack([g * inv for g in grid.gradient(psi, "spectral")], axis=lead)
    return DriftFields(grid, D, p, D * ratio.imag, D * ratio.real, live)


def time_step_scale(fields: DriftFields, bulk: float = 0.1) -> float:
    """The drift's relaxation time τ_b = 1 / max|∂b_i/∂Q_j| over the bulk p >= bulk · max p.

    Euler-Maruyama needs dt ≪ τ_b (for the Ornstein-Uhlenbeck ground state τ_b = 1/ω and the
    scheme is unstable for dt > 2/ω).  Nodes are excluded by the bulk threshold: there the
    osmotic drift is singular and the step control of :func:`simulate_walkers` acts instead.
    """
    if not isinstance(fields, DriftFields):
        raise TypeError(f"fields must be DriftFields (drift_fields), got {type(fields).__name__}")
    bulk = positive_number("bulk", bulk)
    if bulk >= 1:
        raise ValueError(f"bulk must be < 1 (a fraction of max p), got {bulk!r}")
    grid = fields.grid
    b = fields.forward
    lead = b.ndim - grid.ndim - 1
    p = fields.density
    bulk_mask = p >= bulk * p.max(axis=tuple(range(lead, p.ndim)), keepdims=True)
    worst = 0.0
    for i in range(grid.ndim):
        comp = np.take(b, i, axis=lead)
        for d in grid.gradient(comp, "fd"):
            worst = max(worst, float(np.abs(np.where(bulk_mask, d, 0.0)).max()))
    return math.inf if worst == 0 else 1.0 / worst


# ------------------------------------------------------------------------------- references
def oscillator_state(grid: Grid, t, D: float, omega: float, terms) -> np.ndarray:
    """Exact Ψ(t) = Σ_j c_j Π_a φ_{n_ja}(Q_a) e^{-iE_j t} of (11.9) with V = ω²|Q|²/(2D) (m = 1/D).

    φ_n are the Hermite functions of length ℓ = √(D/ω) and E = ω(Σ_a n_a + K/2).  ``terms`` is a
    list of (c_j, (n_1, ..., n_K)); the c_j are normalised here (the eigenstates are
    orthonormal).  Examples: the ground state ``[(1, (0,))]`` (an Ornstein-Uhlenbeck process);
    ``[(1, (0,)), (1, (1,))]`` (a density that sloshes, with a node at t = 0, π/ω, ...);
    in 2D ``[(1, (1, 0)), (1j, (0, 1))]``, a vortex with a node at the origin.
    Returns shape ``(len(t), *grid.shape)`` (``grid.shape`` for scalar t).

    >>> g = Grid((256,), (20.0,))
    >>> psi = oscillator_state(g, [0.0, 1.0], 1.0, 1.0, [(1, (0,)), (1, (1,))])
    >>> bool(np.allclose(g.integrate(np.abs(psi) ** 2), 1.0))
    True
    """
    D = positive_number("D", D)
    omega = positive_number("omega", omega)
    scalar = np.ndim(t) == 0
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError("t must be a finite time or 1D array of finite times")
    terms = list(terms)
    if not terms:
        raise ValueError("terms must hold at least one (coefficient, quantum numbers) pair")
    coeffs = np.array([complex(c) for c, _ in terms])
    if not np.all(np.isfinite(coeffs)) or not np.any(coeffs != 0):
        raise ValueError("terms: coefficients must be finite and not all 0")
    coeffs = coeffs / np.linalg.norm(coeffs)
    ell = math.sqrt(D / omega)
    out = np.zeros((t.size, *grid.shape), dtype=complex)
    for c, (_, ns) in zip(coeffs, terms, strict=True):
        ns = tuple(count("quantum number", n, minimum=0, whole_floats=True)
                   for n in np.atleast_1d(ns))
        if len(ns) != grid.ndim:
            raise ValueError(f"terms: quantum numbers {ns} need one entry per axis "
                             f"({grid.ndim})")
        for n, ny in zip(ns, grid.nyquist, strict=True):
            if math.sqrt(2 * n + 1) / ell + 6 / ell > ny:  # |φ̂_n| lives at |k| <~ √(2n+1)/ℓ
                raise ValueError(f"grid too coarse for the eigenstate n = {n}: wavenumbers up to "
                                 f"{math.sqrt(2 * n + 1) / ell + 6 / ell:.3g} exceed the "
                                 f"Nyquist wavenumber {ny:.3g}")
        shape_fn = np.ones(grid.shape)
        for q, n in zip(grid.coordinates, ns, strict=True):
            x = q / ell
            log_norm = -0.5 * (n * math.log(2) + gammaln(n + 1) + 0.5 * math.log(math.pi)) \
                - 0.5 * math.log(ell)
            shape_fn = shape_fn * np.exp(log_norm - x**2 / 2) * eval_hermite(n, x)
        energy = omega * (sum(ns) + grid.ndim / 2)
        out += c * np.exp(-1j * energy * t).reshape((-1,) + (1,) * grid.ndim) * shape_fn
    return out[0] if scalar else out


# ------------------------------------------------------------------------------- sampling
def sample_density(grid: Grid, p, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points from a density p on the grid, shape ``(n, K)``.

    A cell (centred on a grid point, side h) is drawn with probability p_j h^K; within it each
    coordinate follows the linear density ∝ 1 + a s, a = (∂p/∂Q)/p by central differences,
    inverted in closed form.  The piecewise-linear model makes the sampled law agree with a
    smooth p to O(h²) (a uniform draw within cells would leave an O(h) error in the CDF).
    """
    n = count("n", n, minimum=1, whole_floats=True)
    p = grid.check_field(p, "p")
    if p.shape != grid.shape or np.any(p < 0):
        raise ValueError(f"p must be a non-negative array of the grid shape {grid.shape}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    w = p.ravel() / p.sum()
    cells = rng.choice(w.size, size=n, p=w)
    idx = np.unravel_index(cells, grid.shape)
    out = np.empty((n, grid.ndim))
    for a, (ax, h) in enumerate(zip(grid.axes, grid.spacing, strict=True)):
        slope = np.gradient(p, h, axis=a)
        safe = np.where(p > 0, p, 1.0)
        rel = np.clip(np.where(p > 0, slope / safe, 0.0), -2 / h, 2 / h)[idx]
        u = rng.random(n)
        c = h / 2 - rel * h**2 / 8 - u * h
        s = -2 * c / (1 + np.sqrt(np.maximum(1 - 2 * rel * c, 0.0)))
        out[:, a] = ax[idx[a]] + s
    return _wrap(grid, out)


def _wrap(grid: Grid, x: np.ndarray) -> np.ndarray:
    """Fold points into the box: periodic images, or mirror images in the walls."""
    for a, (o, L) in enumerate(zip(grid.origin, grid.lengths, strict=True)):
        y = x[:, a] - o
        if grid.boundary == "periodic":
            np.remainder(y, L, out=y)
        else:
            np.abs(y, out=y)
            np.subtract(L, y, out=y)
            np.abs(y, out=y)
            np.subtract(L, y, out=y)
        x[:, a] = y + o
    return x


def _check_samples(grid: Grid, samples) -> np.ndarray:
    """``samples`` as finite floats of shape (n, K) (K = grid.ndim, n >= 1), or a refusal."""
    try:
        x = np.asarray(samples, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"samples must be an array of real positions: {exc}") from exc
    if x.size == 0 or x.size % grid.ndim or not np.all(np.isfinite(x)):
        raise ValueError(f"samples must hold n >= 1 finite points of {grid.ndim} coordinates, "
                         f"got shape {x.shape}")
    return x.reshape(-1, grid.ndim)


def ks_distance(grid: Grid, p, samples) -> float:
    """Kolmogorov-Smirnov distance sup|F_n - F| between the samples and the density p (1D).

    F is the CDF of the same piecewise-linear model :func:`sample_density` draws from.
    """
    if grid.ndim != 1:
        raise ValueError("ks_distance is for 1D grids; use l1_distance in 2D")
    p = grid.check_field(p, "p")
    x = np.sort(_check_samples(grid, samples).ravel())
    h = grid.spacing[0]
    p = p / (p.sum() * h)
    cdf_edges = np.concatenate([[0.0], np.cumsum(p) * h])
    j = np.clip(np.floor((x - grid.axes[0][0]) / h + 0.5).astype(int), 0, p.size - 1)
    slope = np.gradient(p, h)
    s = np.clip(x - grid.axes[0][j], -h / 2, h / 2)
    a = np.clip(np.where(p[j] > 0, slope[j] / np.where(p[j] > 0, p[j], 1.0), 0.0),
                -2 / h, 2 / h)
    f = cdf_edges[j] + p[j] * ((s + h / 2) + a * (s**2 - h**2 / 4) / 2)
    n = x.size
    upper = np.arange(1, n + 1) / n - f
    lower = f - np.arange(n) / n
    return float(max(upper.max(), lower.max()))


def l1_distance(grid: Grid, p, samples) -> float:
    """∫|p̂ - p| dQ with p̂ the histogram of ``samples`` (shape ``(n, K)``) on the grid's cells.

    Includes the histogram's own sampling error, about √(2 n_cells / (π n)) for a spread p.
    """
    p = grid.check_field(p, "p")
    x = _check_samples(grid, samples)
    cells = []
    for a, (ax, h) in enumerate(zip(grid.axes, grid.spacing, strict=True)):
        cells.append(np.clip(np.floor((x[:, a] - ax[0]) / h + 0.5).astype(int), 0,
                             grid.shape[a] - 1))
    flat = np.ravel_multi_index(cells, grid.shape)
    hist = np.bincount(flat, minlength=p.size).reshape(grid.shape) / (x.shape[0]
                                                                       * grid.cell_volume)
    return float(grid.integrate(np.abs(hist - p / grid.integrate(p))))


def fit_order(x, err) -> float:
    """The slope -d log(err) / d log(x) of a least-squares line: err ∝ x^(-order) for x = n,
    err ∝ x^order for x = dt or h (pass x = 1/dt).  Orders are measured, never assumed."""
    x, err = np.asarray(x, dtype=float), np.asarray(err, dtype=float)
    if x.shape != err.shape or x.size < 2 or np.any(x <= 0) or np.any(err <= 0):
        raise ValueError("fit_order needs >= 2 positive (x, err) pairs of equal length")
    return float(-np.polyfit(np.log(x), np.log(err), 1)[0])


# ------------------------------------------------------------------------------- walkers
@dataclass(frozen=True)
class WalkerResult:
    """Walker positions at ``times``, shape ``(len(times), n_walkers, K)``, and diagnostics.

    ``capped_fraction``: share of walker-steps whose drift displacement hit the step control
    (nodes); ``dead_fraction``: share of saved positions in cells with p <= floor · max p.
    """

    grid: Grid
    D: float
    times: np.ndarray
    positions: np.ndarray
    dt: float
    scheme: str
    seed: int
    max_drift_step: float | None
    capped_fraction: float
    dead_fraction: float


def _padded_tables(grid: Grid, b: np.ndarray) -> np.ndarray:
    """Drift tables (n_t, K, *padded) for linear interpolation: one ghost layer per side.

    Periodic: the ghost repeats the first/last point (wrap).  Reflecting: the ghost mirrors the
    drift with the opposite sign (b is odd about a zero-flux wall), so the interpolant is 0 at
    the wall itself.
    """
    lead = b.ndim - grid.ndim
    for a in range(grid.ndim):
        ax = lead + a
        first, last = np.take(b, [0], axis=ax), np.take(b, [-1], axis=ax)
        if grid.boundary == "periodic":
            b = np.concatenate([last, b, first], axis=ax)
        else:
            sign = np.ones(b.shape[1])
            sign[a] = -1.0  # only the normal component flips at a wall normal to axis a
            sign = sign.reshape((1, -1) + (1,) * grid.ndim)
            b = np.concatenate([sign * first, b, sign * last], axis=ax)
    return np.ascontiguousarray(b)


class _Interpolator:
    """Linear (1D) / bilinear (2D) interpolation of padded drift tables at walker positions."""

    def __init__(self, grid: Grid):
        self.grid = grid
        shift = 0.0 if grid.boundary == "periodic" else 0.5
        # index coordinate s: grid point j at s = j + 1 in the padded table
        self.offset = [o + shift * h - h for o, h in zip(grid.origin, grid.spacing, strict=True)]
        self.inv_h = [1.0 / h for h in grid.spacing]
        self.padded = tuple(n + 2 for n in grid.shape)

    def __call__(self, table: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``table`` (K, *padded) at points ``x`` (m, K) -> (m, K)."""
        g = self.grid
        if g.ndim == 1:
            s = (x[:, 0] - self.offset[0]) * self.inv_h[0]
            i = np.clip(s.astype(np.intp), 0, self.padded[0] - 2)
            f = s - i
            t = table[0]
            lo = t[i]
            return (lo + f * (t[i + 1] - lo))[:, None]
        sx = (x[:, 0] - self.offset[0]) * self.inv_h[0]
        sy = (x[:, 1] - self.offset[1]) * self.inv_h[1]
        ix = np.clip(sx.astype(np.intp), 0, self.padded[0] - 2)
        iy = np.clip(sy.astype(np.intp), 0, self.padded[1] - 2)
        fx, fy = sx - ix, sy - iy
        k = ix * self.padded[1] + iy
        out = np.empty((x.shape[0], 2))
        ny = self.padded[1]
        for c in range(2):
            t = table[c].ravel()
            a0 = t[k] + fy * (t[k + 1] - t[k])
            a1 = t[k + ny] + fy * (t[k + ny + 1] - t[k + ny])
            out[:, c] = a0 + fx * (a1 - a0)
        return out


def _check_times(times) -> tuple[np.ndarray, float]:
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
        raise ValueError("times must be a 1D array of at least 2 finite step times")
    dts = np.diff(t)
    dt = float(dts.mean())
    if dt <= 0 or np.any(np.abs(dts - dt) > 1e-9 * max(abs(t[-1]), dt)):
        raise ValueError("times must be increasing and equally spaced (the walker steps)")
    return t, dt


def simulate_walkers(grid: Grid, psi, D: float, times, n_walkers: int, *, seed: int = 0,
                     x0=None, save_every: int | None = None, scheme: Scheme = "euler-maruyama",
                     max_drift_step: float | None = 3.0, floor: float = 1e-12,
                     threads: int = 2, chunk: int = 65536, check_dt: bool = True,
                     band_limit_tol: float | None = 1e-8) -> WalkerResult:
    """Nelson's process dX = b dt + √D dW driven by Ψ of (11.9), noise normalised as in (11.5).

    Parameters
    ----------
    grid : Grid
    psi : complex array, shape ``(len(times), *grid.shape)``
        Ψ at every step time (an exact solution, or a solver's output of (11.9)).
    D : float
        ħ/m of (11.5), > 0.
    times : array
        Equally spaced step times t_0 < ... < t_N; dt = t_1 - t_0.
    n_walkers : int
    seed : int
        Walkers come in chunks of ``chunk``; chunk i uses ``SeedSequence(seed).spawn``'s i-th
        stream, so the result depends on (seed, chunk), not on ``threads``.
    x0 : array (n_walkers, K), optional
        Start positions; default: drawn from |Ψ(t_0)|² (:func:`sample_density`).
    save_every : int, optional
        Keep positions every this many steps (and at the last); default: first and last only.
    scheme : {"euler-maruyama", "heun"}
        Euler-Maruyama (weak order 1) or Heun's predictor-corrector for additive noise,
        X + (b(t_n, X) + b(t_{n+1}, X̄)) dt/2 + √D ΔW with X̄ the Euler step (weak order 2).
    max_drift_step : float or None
        Step control at nodes: |drift displacement| <= max_drift_step · √(D dt).  None: plain
        scheme.
    check_dt : bool
        ``ValueError`` if dt exceeds half the drift's relaxation time (:func:`time_step_scale`)
        at t_0.
    """
    D = positive_number("D", D)
    n_walkers = count("n_walkers", n_walkers, minimum=1, whole_floats=True)
    chunk = count("chunk", chunk, minimum=1, whole_floats=True)
    threads = count("threads", threads, minimum=1, whole_floats=True)
    if scheme not in ("euler-maruyama", "heun"):
        raise ValueError(f"scheme must be 'euler-maruyama' or 'heun', got {scheme!r}")
    if max_drift_step is not None:
        max_drift_step = positive_number("max_drift_step", max_drift_step)
    t, dt = _check_times(times)
    n_steps = t.size - 1
    save_every = (n_steps if save_every is None
                  else count("save_every", save_every, minimum=1, whole_floats=True))
    saved = sorted(set(range(0, n_steps + 1, save_every)) | {n_steps})
    # drift tables, plus the drift fields and Ψ they are computed from (2K + 4 floats a point)
    table_bytes = t.size * 8 * (grid.ndim * np.prod([n + 2 for n in grid.shape])
                                + (2 * grid.ndim + 4) * np.prod(grid.shape))
    out_bytes = len(saved) * n_walkers * grid.ndim * 8
    if table_bytes + out_bytes > limits.WALKER_MEMORY_LIMIT_BYTES:
        raise ValueError(f"n_walkers/save_every/times need {(table_bytes + out_bytes) / 2**30:.1f}"
                         f" GiB (limit {limits.WALKER_MEMORY_LIMIT_BYTES / 2**30:.0f} GiB): "
                         "save fewer snapshots "
                         "(save_every) or run fewer walkers per call")
    psi = np.asarray(psi)
    if psi.shape != (t.size, *grid.shape):
        raise ValueError(f"psi must have shape (len(times), *grid.shape) = "
                         f"{(t.size, *grid.shape)}, got {psi.shape}")
    fields = drift_fields(grid, psi, D, floor=floor, band_limit_tol=band_limit_tol)
    if check_dt:
        tau = time_step_scale(_slice(fields, 0))
        if dt > 0.5 * tau:
            raise ValueError(f"dt = {dt:.3g} is too large for the drift's scale: it must be <= "
                             f"half the relaxation time τ_b = 1/max|∂b/∂Q| = {tau:.3g} of the "
                             "forward drift over the bulk of |Ψ|² (p >= 0.1 max p) at t_0")
    tables = _padded_tables(grid, fields.forward)
    dead = ~fields.live[saved]
    if x0 is not None:
        x0 = np.array(x0, dtype=float)
        if x0.size != n_walkers * grid.ndim or not np.all(np.isfinite(x0)):
            raise ValueError(f"x0 must hold n_walkers x K = {n_walkers} x {grid.ndim} finite "
                             "positions")
        x0 = x0.reshape(n_walkers, grid.ndim)
        if grid.boundary == "reflecting":
            lo, hi = np.array(grid.origin), np.array(grid.origin) + np.array(grid.lengths)
            outside = np.any((x0 < lo) | (x0 > hi), axis=1)
            if np.any(outside):
                raise ValueError(f"x0: {int(outside.sum())} walkers lie outside the reflecting "
                                 f"box [{lo}, {hi}]")
    interp = _Interpolator(grid)
    positions = np.empty((len(saved), n_walkers, grid.ndim))
    n_chunks = -(-n_walkers // chunk)
    streams = np.random.SeedSequence(seed).spawn(n_chunks)
    noise = math.sqrt(D * dt)
    cap = None if max_drift_step is None else max_drift_step * noise
    save_at = {n: i for i, n in enumerate(saved)}

    def run(ci: int) -> int:
        rng = np.random.default_rng(streams[ci])
        lo, hi = ci * chunk, min((ci + 1) * chunk, n_walkers)
        x = (sample_density(grid, fields.density[0], hi - lo, rng) if x0 is None
             else x0[lo:hi].copy())
        positions[0, lo:hi] = x
        stepper = _Stepper(grid, interp, tables, dt, noise, cap, scheme, rng, x)
        for n in range(n_steps):
            stepper.step(n)
            if n + 1 in save_at:
                positions[save_at[n + 1], lo:hi] = stepper.positions()
        return stepper.capped

    with ThreadPoolExecutor(max_workers=min(threads, n_chunks)) as pool:
        capped = sum(pool.map(run, range(n_chunks)))
    dead_share = _dead_share(grid, dead, positions)
    return WalkerResult(grid, D, t[saved], positions, dt, scheme, int(seed), max_drift_step,
                        capped / (n_walkers * max(n_steps, 1)), dead_share)


class _Stepper:
    """One chunk of walkers; the 1D case works on flat arrays in place (the hot loop)."""

    def __init__(self, grid, interp, tables, dt, noise, cap, scheme, rng, x):
        self.grid, self.interp, self.tables = grid, interp, tables
        self.dt, self.noise, self.cap, self.scheme, self.rng = dt, noise, cap, scheme, rng
        self.capped = 0
        self.flat = grid.ndim == 1
        if self.flat:
            self.x = np.ascontiguousarray(x[:, 0])
            m = self.x.size
            self.s, self.f, self.xi = np.empty(m), np.empty(m), np.empty(m)
            self.i = np.empty(m, dtype=np.intp)
            self.buf = np.empty(m)
            self.lo_wall = grid.origin[0]
            self.hi_wall = grid.origin[0] + grid.lengths[0]
        else:
            self.x = x
            self.xi = np.empty_like(x)

    def positions(self) -> np.ndarray:
        return self.x[:, None] if self.flat else self.x

    def _drift_1d(self, table: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        s, f, i = self.s, self.f, self.i
        np.subtract(x, self.interp.offset[0], out=s)
        s *= self.interp.inv_h[0]
        np.clip(s, 0.0, table.size - 1.000001, out=s)
        i[:] = s
        np.subtract(s, i, out=f)
        np.take(table, i, out=out)
        i += 1
        np.take(table, i, out=s)
        s -= out
        s *= f
        out += s
        out *= self.dt
        return out

    def _wrap_1d(self, x: np.ndarray) -> None:
        lo, hi = self.lo_wall, self.hi_wall
        below, above = x < lo, x >= hi
        if self.grid.boundary == "periodic":
            x[below] += hi - lo
            x[above] -= hi - lo
        else:
            x[below] = 2 * lo - x[below]
            x[above] = 2 * hi - x[above]

    def _cap(self, step: np.ndarray) -> None:
        size = np.abs(step) if step.ndim == 1 else np.hypot(step[:, 0], step[:, 1])
        over = size > self.cap
        k = int(np.count_nonzero(over))
        if k:
            self.capped += k
            factor = self.cap / size[over]
            step[over] *= factor if step.ndim == 1 else factor[:, None]

    def step(self, n: int) -> None:
        x, xi = self.x, self.xi
        self.rng.standard_normal(out=xi)
        xi *= self.noise
        if self.flat:
            step = self._drift_1d(self.tables[n, 0], x, self.buf)
            if self.scheme == "heun":
                pred = x + step
                pred += xi
                self._wrap_1d(pred)
                step += self._drift_1d(self.tables[n + 1, 0], pred, pred)
                step *= 0.5
        else:
            step = self.interp(self.tables[n], x) * self.dt
            if self.scheme == "heun":
                pred = _wrap(self.grid, x + step + xi)
                step = 0.5 * (step + self.interp(self.tables[n + 1], pred) * self.dt)
        if self.cap is not None:
            self._cap(step)
        x += step
        x += xi
        if self.flat:
            self._wrap_1d(x)
        else:
            _wrap(self.grid, x)


def _slice(fields: DriftFields, n: int) -> DriftFields:
    return DriftFields(fields.grid, fields.D, fields.density[n], fields.current[n],
                       fields.osmotic[n], fields.live[n])


def _dead_share(grid: Grid, dead: np.ndarray, positions: np.ndarray) -> float:
    total = 0
    for s in range(positions.shape[0]):
        cells = [np.clip(np.floor((positions[s, :, a] - ax[0]) / h + 0.5).astype(int), 0,
                         grid.shape[a] - 1)
                 for a, (ax, h) in enumerate(zip(grid.axes, grid.spacing, strict=True))]
        total += int(dead[s][tuple(cells)].sum())
    return total / positions[:, :, 0].size


# ------------------------------------------------------------------------------- grid FP
@dataclass(frozen=True)
class GridFokkerPlanck:
    """Solution of ∂p/∂t = -∇·(b p) + (D/2)Δp with Nelson's drift, against p = |Ψ|².

    ``densities`` (len(times), *grid.shape); ``l1_error``/``max_error``: ∫|p - |Ψ|²| and
    max|p - |Ψ|²| at each time; ``mass``: ∫p (1 to round-off: the scheme is conservative);
    ``min_density``: the smallest value met (central fluxes are not positivity-preserving when
    the cell Péclet number |b|h/D exceeds 2, e.g. next to a node).
    """

    grid: Grid
    D: float
    times: np.ndarray
    densities: np.ndarray
    l1_error: np.ndarray
    max_error: np.ndarray
    mass: np.ndarray
    min_density: float


class _DriftOperator:
    """A = (D/2) L_fd - ∇·(b ·) on the flattened grid, by conservative central fluxes.

    The face drift is (b_c + b_{c+e})/2, multiplied by the face average of p; no flux through
    walls.  Columns of A sum to zero, so Σp is conserved.  The sparsity pattern (the toolkit's
    ``fd`` Laplacian, :meth:`~emergent.grids.Grid.laplacian_matrix`, plus the flux couplings,
    with the
    identity) is built once; each call only scatters new values into it.
    """

    def __init__(self, grid: Grid, D: float):
        self.grid = grid
        size = int(np.prod(grid.shape))
        idx = np.arange(size).reshape(grid.shape)
        lap = (grid.laplacian_matrix() * (D / 2)).tocoo()
        rows, cols, self.faces = [lap.row, np.arange(size)], [lap.col, np.arange(size)], []
        for a in range(grid.ndim):
            if grid.boundary == "periodic":
                c, e = idx, np.roll(idx, -1, axis=a)
            else:
                n = grid.shape[a]
                c, e = np.take(idx, range(n - 1), axis=a), np.take(idx, range(1, n), axis=a)
            c, e = c.ravel(), e.ravel()
            self.faces.append((c, e))
            rows += [c, c, e, e]
            cols += [c, e, c, e]
        keys = np.concatenate(cols).astype(np.int64) * size + np.concatenate(rows)
        uniq, self.inverse = np.unique(keys, return_inverse=True)
        self.indices = (uniq % size).astype(np.int32)
        self.indptr = np.searchsorted(uniq // size, np.arange(size + 1)).astype(np.int32)
        self.size = size
        self.spacing = grid.spacing
        self.lap_values = lap.data
        self.diag = np.concatenate([np.zeros(lap.nnz), np.ones(size)])

    def matrix(self, b: np.ndarray, scale: float, identity: float) -> sps.csc_matrix:
        """identity · I + scale · A(b), in CSC form."""
        vals = [self.lap_values * scale, np.full(self.size, identity)]
        for a, (c, e) in enumerate(self.faces):
            h = self.spacing[a]
            flat = b[a].ravel()
            w = scale * 0.5 * (flat[c] + flat[e]) / (2 * h)
            # the flux bf (p_c + p_e)/2 leaves cell c and enters cell e
            vals += [-w, -w, w, w]
        data = np.bincount(self.inverse, weights=np.concatenate(vals), minlength=self.indices.size)
        return sps.csc_matrix((data, self.indices, self.indptr), shape=(self.size, self.size))


def _factor(matrix: sps.csc_matrix, ndim: int):
    """LU of a step matrix: in 1D the (cyclic) tridiagonal needs no fill-reducing ordering,
    which would cost more than the factorisation; in 2D the toolkit's :func:`sparse_lu`."""
    if ndim == 1:
        return spla.splu(matrix, permc_spec="NATURAL")
    return sparse_lu(matrix)


def fokker_planck_with_drift(grid: Grid, psi, D: float, times, *, p0=None,
                             floor: float = 1e-12) -> GridFokkerPlanck:
    """Solve the forward Fokker-Planck equation of Nelson's process on the grid; compare to |Ψ|².

    ∂p/∂t = -∇·(b p) + (D/2)Δp, b the forward drift of Ψ (:func:`drift_fields`) at each of
    ``times``; (11.5) is the case b = 0.  Crank-Nicolson with the drift operator at both ends of
    each step, (I - dt A_{n+1}/2) p_{n+1} = (I + dt A_n/2) p_n, A = (D/2) L_fd - ∇·(b ·), L_fd
    the toolkit's sparse Laplacian; second order in dt and h.  ``p0`` defaults to |Ψ(t_0)|².
    """
    D = positive_number("D", D)
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ValueError("times must be a 1D increasing array of at least 2 finite times")
    psi = np.asarray(psi)
    if psi.shape != (t.size, *grid.shape):
        raise ValueError(f"psi must have shape (len(times), *grid.shape) = "
                         f"{(t.size, *grid.shape)}, got {psi.shape}")
    fields = drift_fields(grid, psi, D, floor=floor)
    target = fields.density
    p = (target[0] if p0 is None else grid.check_field(p0, "p0")).ravel().copy()
    op = _DriftOperator(grid, D)
    b = fields.forward
    out = [p.reshape(grid.shape).copy()]
    for n in range(t.size - 1):
        dt = t[n + 1] - t[n]
        rhs = op.matrix(b[n], 0.5 * dt, 1.0) @ p
        p = _factor(op.matrix(b[n + 1], -0.5 * dt, 1.0), grid.ndim).solve(rhs)
        out.append(p.reshape(grid.shape).copy())
    dens = np.asarray(out)
    diff = dens - target
    return GridFokkerPlanck(grid, D, t, dens, np.asarray(grid.integrate(np.abs(diff))),
                            np.abs(diff).reshape(t.size, -1).max(axis=1),
                            np.asarray(grid.integrate(dens)), float(dens.min()))


# ------------------------------------------------------------------------------- identities
def _divergence(grid: Grid, field: np.ndarray) -> np.ndarray:
    """∇·F for F of shape (..., K, *grid.shape), spectral."""
    lead = field.ndim - grid.ndim - 1
    return np.sum([grid.gradient(np.take(field, a, axis=lead), "spectral")[a]
                   for a in range(grid.ndim)], axis=0)


def fokker_planck_residuals(grid: Grid, times, psi, D: float) -> tuple[float, float]:
    """Relative residuals of the forward and backward Fokker-Planck equations for p = |Ψ|² of
    (11.9), with the diffusion (D/2)Δ of (11.5).

    forward: ∂p/∂t + ∇·(b p) - (D/2)Δp; backward: ∂p/∂t + ∇·(b_* p) + (D/2)Δp; ∂p/∂t by second
    order central differences over ``times`` (3 or more), at the interior times.  Each is the
    L2 norm of the residual over the largest L2 norm of its terms: ~0 where both hold (O(dt²)),
    O(1) where one fails.
    """
    f = drift_fields(grid, psi, D)
    t = np.asarray(times, dtype=float)
    if t.shape != (f.density.shape[0],) or t.size < 3 or not np.all(np.diff(t) > 0):
        raise ValueError("times must be increasing, one time per slice of psi, at least 3")
    p = f.density
    dp = np.gradient(p, t, axis=0)[1:-1]
    div_f = _divergence(grid, f.forward * p[:, None])[1:-1]
    div_b = _divergence(grid, f.backward * p[:, None])[1:-1]
    lap = (D / 2) * grid.laplacian(p, "spectral")[1:-1]

    def rel(r, *terms):
        return float(np.sqrt(grid.integrate(r**2)).max()
                     / max(float(np.sqrt(grid.integrate(x**2)).max()) for x in terms))

    return rel(dp + div_f - lap, dp, div_f, lap), rel(dp + div_b + lap, dp, div_b, lap)


def _acceleration_terms(grid: Grid, times, psi, D: float):
    """(∂v/∂t, (v·∇)v, (u·∇)u, (D/2)Δu) at the interior times, and p there.

    The drifts are not periodic even when Ψ is (u = -ωQ for the oscillator), so their
    derivatives are taken through Ψ, with w = ∇Ψ/Ψ (u = D Re w, v = D Im w):
    ∂_j w_i = Ψ_ij/Ψ - w_i w_j and Δw_i = ∂_iΔΨ/Ψ - Σ_j (Ψ_ij/Ψ) w_j - Σ_j (∂_j w_i) w_j
    - w_i Σ_j ∂_j w_j.  Spectral derivatives of Ψ on a periodic grid; between walls the
    derivatives of ∇Ψ (no longer a cosine series) are second-order finite differences.
    """
    f = drift_fields(grid, psi, D)
    t = np.asarray(times, dtype=float)
    if t.shape != (f.density.shape[0],) or t.size < 3:
        raise ValueError("times must give one time per slice of psi, at least 3")
    psi = np.asarray(psi, dtype=complex)
    method = "spectral" if grid.boundary == "periodic" else "fd"
    inv = np.where(f.live, 1.0 / np.where(f.live, psi, 1.0), 0.0)
    first = grid.gradient(psi, "spectral")
    second = [grid.gradient(d, method) for d in first]
    third = grid.gradient(grid.laplacian(psi, "spectral"), method)
    k = grid.ndim
    w = [d * inv for d in first]
    hess = [[second[i][j] * inv for j in range(k)] for i in range(k)]
    dw = [[hess[i][j] - w[i] * w[j] for j in range(k)] for i in range(k)]
    div_w = sum(dw[j][j] for j in range(k))
    v, u = f.current, f.osmotic
    dv = np.gradient(v, t, axis=0)
    conv_v, conv_u, lap_u = (np.empty_like(v) for _ in range(3))
    for i in range(k):
        lap_w = (third[i] * inv - sum(hess[i][j] * w[j] for j in range(k))
                 - sum(dw[i][j] * w[j] for j in range(k)) - w[i] * div_w)
        conv_v[:, i] = sum(v[:, j] * D * dw[i][j].imag for j in range(k))
        conv_u[:, i] = sum(u[:, j] * D * dw[i][j].real for j in range(k))
        lap_u[:, i] = (D / 2) * D * lap_w.real
    inner = slice(1, -1)
    return [x[inner] for x in (dv, conv_v, conv_u, lap_u)], f.density[inner]


def mean_acceleration(grid: Grid, times, psi, D: float) -> tuple[np.ndarray, np.ndarray]:
    """Nelson's mean acceleration a = (1/2)(D D_* + D_* D)X along Ψ of (11.9), interior times.

    a = ∂v/∂t + (v·∇)v - (u·∇)u - (D/2)Δu (∂v/∂t by central differences over ``times``).
    Returns (a of shape (n_t - 2, K, *grid.shape), p = |Ψ|² at the same times).
    """
    (dv, conv_v, conv_u, lap_u), p = _acceleration_terms(grid, times, psi, D)
    return dv + conv_v - conv_u - lap_u, p


def newton_residual(grid: Grid, times, psi, D: float, potential=None) -> float:
    """p-weighted relative residual of Nelson's Newton law a = -∇V/m = -D∇V (m = 1/D).

    sqrt(∫p|a + D∇V|²) over the largest sqrt(∫p|term|²) of the terms of a and of D∇V, worst
    interior time: ~0 (O(dt²) from ∂v/∂t) where the law holds, O(1) where it fails.
    """
    terms, p = _acceleration_terms(grid, times, psi, D)
    acc = terms[0] + terms[1] - terms[2] - terms[3]
    force = np.zeros_like(acc)
    if potential is not None:
        v = grid.check_field(potential, "potential")
        if v.shape != grid.shape:
            raise ValueError(f"potential must have the grid shape {grid.shape}")
        force = force - D * np.stack(grid.gradient(v, "fd"))[None]  # V need not be periodic

    def norm(x):
        return np.sqrt(np.asarray(grid.integrate(p * (x**2).sum(1))))

    scale = np.max([norm(x) for x in [*terms, force]], axis=0)
    return float(np.max(norm(acc - force) / np.maximum(scale, 1e-300)))


# ------------------------------------------------------------------------------- the paper
@dataclass(frozen=True)
class RouteRow:
    """One route of :func:`compare_with_paper` at the sample times.

    ``mean``/``std``: ⟨Q⟩ and its standard deviation at each time; ``l1``: ∫|p - |Ψ|²| at each
    time; ``stationary_11_7b``/``_11_7c``: worst relative first variation of the paper's
    functional (line 2 of (11.7), = (11.6)) and of line 3 (with the dropped term) along the
    route's path (0 = stationary, 1 = not; ``nan`` for the walkers, a process, not a path).
    """

    name: str
    mean: np.ndarray
    std: np.ndarray
    l1: np.ndarray
    stationary_11_7b: float
    stationary_11_7c: float


@dataclass(frozen=True)
class PaperComparison(MarkdownSummary):
    """The routes from one Gaussian start (σ0, centre, k0) side by side; see
    :func:`compare_with_paper`.  ``densities[name]`` are the densities at ``times`` (the walkers'
    as histograms), ``walkers`` the walker run."""

    times: np.ndarray
    grid: Grid
    rows: tuple[RouteRow, ...]
    densities: dict
    walkers: WalkerResult
    ks_final: float


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
      the frozen Gaussian (:func:`~emergent.entropic_action.frozen_gaussian_path`);
    * line 3 of (11.7) (line 2 plus the dropped 2D∫p|∇θ|²): stationary on the exact solution
      of (11.9), |Ψ(t)|² (:func:`~emergent.entropic_action.schrodinger_path`);
    * Nelson's process driven by that Ψ: walkers (:func:`simulate_walkers`), histogrammed;
    * plain diffusion (11.5) from the same density with Φ = 0, for reference.

    Stationarity numbers come from :func:`~emergent.entropic_action.stationarity_test`.
    """
    from emergent.constraints import moment_constraints
    from emergent.entropic_action import (
        diffusion_path,
        frozen_gaussian_path,
        schrodinger_path,
        stationarity_test,
    )
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
    for name, p, path in (("paper (11.6): frozen Gaussian", frozen.p, frozen),
                          ("line 3 of (11.7): |Ψ|² of (11.9)", sch.p, sch),
                          ("Nelson's walkers", hist, None),
                          ("diffusion (11.5), no drift, Φ = 0", diffusion, diff_path)):
        mean, std = _moments(grid, p)
        if name.startswith("Nelson"):
            x = walk.positions[:, :, 0]
            mean, std = x.mean(axis=1), x.std(axis=1)
        s7b = stationarity(path, "11.7b") if path is not None else math.nan
        s7c = stationarity(path, "11.7c") if path is not None else math.nan
        rows.append(RouteRow(name, mean, std, l1(p), s7b, s7c))
    densities = {"frozen": frozen.p, "schrodinger": sch.p, "walkers": hist,
                 "diffusion": diffusion}
    ks = ks_distance(grid, target[-1], walk.positions[-1, :, 0])
    return PaperComparison(t, grid, tuple(rows), densities, walk, ks)


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
    noise = l1_noise(cmp.grid, cmp.densities["schrodinger"][-1], n)
    lines.append(f"walkers: n = {n}, dt = {cmp.walkers.dt:g}; KS distance to |Ψ(T)|² = "
                 f"{cmp.ks_final:.2e} (sampling alone: ~0.87/√n = {0.87 / math.sqrt(n):.1e}); "
                 f"L1 of a histogram of n exact samples: ~{noise:.1e}")
    return "\n".join(lines)


def l1_noise(grid: Grid, p: np.ndarray, n: int) -> float:
    """Expected ∫|p̂ - p| of a histogram of n exact samples: Σ_j √(2 p_j h/(π n)) for cells
    with many samples (the mean absolute deviation of a Poisson count)."""
    n = count("n", n, minimum=1, whole_floats=True)
    p = grid.check_field(p, "p")
    if p.shape != grid.shape or np.any(p < 0):
        raise ValueError(f"p must be a non-negative array of the grid shape {grid.shape}")
    mass = p * grid.cell_volume
    return float(np.sum(np.sqrt(2 * mass / (math.pi * n)) * (mass * n > 1))
                 + np.sum(mass * (mass * n <= 1)))
