"""Walkers of Nelson's process dX = b dt + √D dW driven by Ψ (Section 11, (11.5)-(11.9)):
Euler-Maruyama or additive-noise Heun, seeded, in chunks on threads, with the step control
next to nodes (conventions in :mod:`emergent.nelson`)."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from emergent.grids import Grid, check_grid
from emergent.nelson.drifts import DriftFields, drift_fields, time_step_scale
from emergent.nelson.sampling import sample_density, wrap
from ntcore import limits
from ntcore.checks import count, positive_number, real_array, seed_value

__all__ = ["Scheme", "WalkerResult", "simulate_walkers"]

Scheme = Literal["euler-maruyama", "heun"]


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
    t = real_array("times", times)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
        raise ValueError("times must be a 1D array of at least 2 finite step times")
    dts = np.diff(t)
    dt = float(dts.mean())
    if dt <= 0 or np.any(np.abs(dts - dt) > 1e-9 * max(abs(t[-1]), dt)):
        raise ValueError("times must be increasing and equally spaced (the walker steps)")
    return t, dt


def _check_memory(grid: Grid, n_times: int, n_saved: int, n_walkers: int) -> None:
    """Refuse a run whose drift tables and saved positions exceed
    :data:`ntcore.limits.WALKER_MEMORY_LIMIT_BYTES`."""
    # drift tables, plus the drift fields and Ψ they are computed from (2K + 4 floats a point)
    table_bytes = n_times * 8 * (grid.ndim * np.prod([n + 2 for n in grid.shape])
                                 + (2 * grid.ndim + 4) * np.prod(grid.shape))
    out_bytes = n_saved * n_walkers * grid.ndim * 8
    if table_bytes + out_bytes > limits.WALKER_MEMORY_LIMIT_BYTES:
        raise ValueError(f"n_walkers/save_every/times need {(table_bytes + out_bytes) / 2**30:.1f}"
                         f" GiB (limit {limits.WALKER_MEMORY_LIMIT_BYTES / 2**30:.0f} GiB): "
                         "save fewer snapshots (save_every) or run fewer walkers per call")


def _check_x0(grid: Grid, x0, n_walkers: int) -> np.ndarray:
    """Start positions as an ``(n_walkers, K)`` array, finite and inside reflecting walls."""
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
    return x0


def _check_dt(fields: DriftFields, dt: float) -> None:
    """Refuse a dt above half the drift's relaxation time at t_0."""
    tau = time_step_scale(_slice(fields, 0))
    if dt > 0.5 * tau:
        raise ValueError(f"dt = {dt:.3g} is too large for the drift's scale: it must be <= "
                         f"half the relaxation time τ_b = 1/max|∂b/∂Q| = {tau:.3g} of the "
                         "forward drift over the bulk of |Ψ|² (p >= 0.1 max p) at t_0")


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
        :math:`X + (b(t_n, X) + b(t_{n+1}, X̄)) dt/2 + √D ΔW` with X̄ the Euler step (weak
        order 2).
    max_drift_step : float or None
        Step control at nodes: |drift displacement| <= max_drift_step · √(D dt).  None: plain
        scheme.
    check_dt : bool
        ``ValueError`` if dt exceeds half the drift's relaxation time (:func:`time_step_scale`)
        at t_0.

    Examples
    --------
    Walkers started from |Ψ0|² of a free packet follow |Ψ(t)|²: mean D k0 t, variance
    σ0²(1 + (Dt/(2σ0²))²) = 1.25 at t = 1 (within 4 standard errors of 2000 walkers):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g = Grid((128,), (20.0,))
    >>> t = np.linspace(0.0, 1.0, 21)
    >>> run = simulate_walkers(g, free_gaussian_packet(g, t, 1.0, 1.0, k0=[1.0]), 1.0, t, 2000)
    >>> x = run.positions[-1, :, 0]
    >>> bool(abs(x.mean() - 1.0) < 4 * np.sqrt(1.25 / 2000)), bool(abs(x.var() - 1.25) < 0.16)
    (True, True)
    """
    check_grid(grid)
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
    _check_memory(grid, t.size, len(saved), n_walkers)
    psi = np.asarray(psi)
    if psi.shape != (t.size, *grid.shape):
        raise ValueError(f"psi must have shape (len(times), *grid.shape) = "
                         f"{(t.size, *grid.shape)}, got {psi.shape}")
    fields = drift_fields(grid, psi, D, floor=floor, band_limit_tol=band_limit_tol)
    if check_dt:
        _check_dt(fields, dt)
    tables = _padded_tables(grid, fields.forward)
    dead = ~fields.live[saved]
    x0 = None if x0 is None else _check_x0(grid, x0, n_walkers)
    interp = _Interpolator(grid)
    positions = np.empty((len(saved), n_walkers, grid.ndim))
    n_chunks = -(-n_walkers // chunk)
    streams = np.random.SeedSequence(seed_value("seed", seed)).spawn(n_chunks)
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
                pred = wrap(self.grid, x + step + xi)
                step = 0.5 * (step + self.interp(self.tables[n + 1], pred) * self.dt)
        if self.cap is not None:
            self._cap(step)
        x += step
        x += xi
        if self.flat:
            self._wrap_1d(x)
        else:
            wrap(self.grid, x)


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
