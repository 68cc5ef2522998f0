r"""Nelson's drifts of Ψ on a grid: current :math:`v = D∇θ_S`, osmotic
:math:`u = \tfrac{D}{2}∇\log p`, forward :math:`b = v + u` and backward :math:`b_* = v - u`
(Section 11, (11.5)-(11.9); conventions in
:mod:`emergent.nelson`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from emergent.grids import Grid, check_band_limit, check_grid
from ntcore.checks import positive_number

__all__ = ["DriftFields", "drift_fields", "time_step_scale"]


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

    >>> from emergent.nelson.references import oscillator_state
    >>> g = Grid((128,), (16.0,))
    >>> f = drift_fields(g, oscillator_state(g, 0.0, 1.0, 2.0, [(1.0, (0,))]), 1.0)
    >>> bool(np.allclose(f.forward[0][f.live], -2.0 * g.axes[0][f.live], atol=1e-6))
    True
    """
    check_grid(grid)
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
