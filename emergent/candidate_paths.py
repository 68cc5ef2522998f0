r"""Candidate paths (p, Φ) for the functional S[p, Φ] of (11.6)-(11.7): the Schrödinger path of
(11.8)-(11.9) (:math:`|Ψ(t)|^2` of a free packet with its multipliers), free diffusion (11.5)
with Φ = 0, a frozen Gaussian, and the path read off any wave function; each a
:class:`~emergent.entropic_action.Path` that :mod:`emergent.entropic_action` evaluates and
tests for stationarity.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid

from emergent.constraints import Constraints, multipliers_from_wave_function
from emergent.entropic_action import Path, renormalised
from emergent.fokker_planck import check_times, gaussian_heat_kernel
from emergent.grids import Method, check_density
from emergent.schrodinger import free_gaussian_packet
from ntcore.checks import positive_number

__all__ = ["PathFit", "path_from_wave_function", "schrodinger_path", "diffusion_path",
           "frozen_gaussian_path", "multipliers_for_entropy_production"]


def _times(times) -> np.ndarray:
    t = check_times(times)
    if t.size < 3:
        raise ValueError("times needs at least 3 samples")
    return t


@dataclass(frozen=True)
class PathFit:
    """A wave function as a path (11.8): ``path`` and ``phase_residual``, the worst relative
    part of ∇θ outside span{∇Θ_k} (0 when the constraints span the phase).

    Unpacks and indexes as the former tuple ``(path, residual)``.
    """

    path: Path
    phase_residual: float

    def __iter__(self) -> Iterator:
        return iter((self.path, self.phase_residual))

    def __getitem__(self, index: int) -> Path | float:
        return (self.path, self.phase_residual)[index]

    def __len__(self) -> int:
        return 2


def path_from_wave_function(constraints: Constraints, D: float, times: ArrayLike, psi: ArrayLike,
                            name: str = "wave function", *,
                            _stacklevel: int = 2) -> PathFit:
    r"""Any Ψ(t, Q) (e.g. a solver's output) as a path: p = |Ψ|², Φ fitted to its phase (11.8).

    Returns a :class:`PathFit`: the path and the worst phase-fit residual, the relative part
    of ∇θ outside span{∇Θ_k}, which the path (11.8) cannot carry.

    Examples
    --------
    A moving free packet: Ψ rebuilt from the path by (11.8) is the input up to a global phase
    (:math:`|⟨Ψ_\mathrm{path}, Ψ⟩| = 1` at every time), its phase lying in span{∇Q, ∇Q²}:

    >>> from emergent.grids import Grid
    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints, wave_function
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g, t = Grid((256,), (40.0,)), np.linspace(0, 2, 21)
    >>> c = moment_constraints(g, 2)
    >>> psi = free_gaussian_packet(g, t, 1.0, 1.0, None, [1.0])
    >>> fit = path_from_wave_function(c, 1.0, t, psi)
    >>> again = wave_function(c, fit.path.p, fit.path.Phi)
    >>> overlap = np.abs(g.integrate(np.conj(again) * psi))
    >>> bool(np.allclose(overlap, 1.0, atol=1e-12)), fit.phase_residual < 1e-10
    (True, True)
    """
    grid = constraints.grid
    t = _times(times)
    psi = grid.check_field(psi, "psi", complex_ok=True)
    if psi.shape != (t.size, *grid.shape):
        raise ValueError(f"psi must have shape (len(times), *grid.shape) = "
                         f"{(t.size, *grid.shape)}, got {psi.shape}")
    fit = multipliers_from_wave_function(constraints, psi)
    p = renormalised(grid, np.abs(psi) ** 2)
    residual = float(fit.residual.max())
    if residual > 1e-2:
        warnings.warn(f"{name}: {residual:.2g} of the phase gradient lies outside span{{∇Θ_k}}; "
                      "the path (11.8) carries only the projected phase, so it is not the wave "
                      "function it was built from (add constraints)", UserWarning,
                      stacklevel=_stacklevel)
    return PathFit(Path(constraints, D, t, p, fit.Phi, name), residual)


def schrodinger_path(constraints: Constraints, D: float, times: ArrayLike, sigma0: float,
                     center: ArrayLike | None = None,
                     k0: ArrayLike | None = None, D_packet: float | None = None) -> PathFit:
    r"""The exact free Gaussian packet of (11.9) as a path (p = |Ψ|², Φ fitted to its phase).

    ``D_packet`` (default ``D``) is the coefficient the packet evolves with; a value other than
    the functional's ``D`` gives a solution of the wrong equation, a control for the test.
    Returns a :class:`PathFit` (path and worst phase-fit residual; the residual is 0 if the
    packet's phase lies in the span of the constraints, as for
    :func:`~emergent.constraints.moment_constraints` of degree 2).

    Examples
    --------
    The packet at rest, :math:`Ψ ∝ \exp(-Q^2/(4σ_0^2 + 2iDt))`, has the phase
    :math:`θ = Φ_2 Q^2/4` with :math:`Φ_2 = 2Dt/(4σ_0^4 + D^2 t^2)` and :math:`Φ_1 = 0`
    (σ0 = D = 1):

    >>> from emergent.grids import Grid
    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> t = np.linspace(0, 2, 201)
    >>> fit = schrodinger_path(moment_constraints(g, 2), 1.0, t, 1.0)
    >>> bool(np.allclose(fit.path.Phi, np.stack([0 * t, 2 * t / (4 + t**2)], axis=1)))
    True
    """
    t = _times(times)
    d_packet = D if D_packet is None else D_packet
    psi = free_gaussian_packet(constraints.grid, t, d_packet, sigma0, center, k0)
    name = "Schrödinger packet" if D_packet is None else f"packet with D = {d_packet:g}"
    return path_from_wave_function(constraints, D, t, psi, name, _stacklevel=3)


def diffusion_path(constraints: Constraints, D: float, times: ArrayLike, sigma0: float,
                   center: ArrayLike | None = None,
                   Phi: np.ndarray | str | None = None) -> Path:
    """The exact solution of (11.5) from a Gaussian as a path.

    ``Phi``: None (Φ ≡ 0), an array, or ``"entropy-production"`` for the multipliers of
    :func:`multipliers_for_entropy_production` (the best case for the forms 11.6b-11.7b).

    Examples
    --------
    Along the diffusion from a Gaussian the entropy grows by ½ log(1 + DT/σ0²) (11.6, line 1),
    and the forms that differ by integrations by parts agree:

    >>> from emergent.entropic_action import action
    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> from emergent.grids import Grid
    >>> g = Grid((64,), (20.0,))
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0.0, 1.0, 11), 1.0)
    >>> bool(np.isclose(action(path, "11.6a"), 0.5 * np.log(2.0)))
    True
    >>> values = [action(path, form) for form in ("11.6b", "11.7a", "11.7b")]
    >>> bool(np.allclose(values, values[0]))
    True
    >>> bool(np.isclose(values[0], 0.5 * np.log(2.0), rtol=1e-3))
    True
    """
    grid = constraints.grid
    t = _times(times)
    p = renormalised(grid, gaussian_heat_kernel(grid, t, D, sigma0, center))
    if Phi is None:
        return Path(constraints, D, t, p, np.zeros((t.size, constraints.count)), "diffusion, Φ=0")
    if isinstance(Phi, str):
        if Phi != "entropy-production":
            raise ValueError(f"Phi must be None, an array or 'entropy-production', got {Phi!r}")
        phi = multipliers_for_entropy_production(constraints, p, D, t)
        return Path(constraints, D, t, p, phi, "diffusion, Φ fitted")
    return Path(constraints, D, t, p, Phi, "diffusion")


def frozen_gaussian_path(constraints: Constraints, D: float, times: ArrayLike, sigma: float,
                         center: ArrayLike | None = None) -> Path:
    """A Gaussian p that does not move, with the multipliers that make (11.7b) stationary in p.

    Varying (11.7b) in p gives -2D Δ√p/√p + Σ_k Φ̇_k Θ_k = const; for a fixed Gaussian of width
    σ and Θ ∋ Q_k² this holds with Φ̇ = D/(2σ⁴) on each Q_k², so Φ grows linearly in t.
    """
    grid = constraints.grid
    t = _times(times)
    p0 = renormalised(grid, gaussian_heat_kernel(grid, 0.0, D, sigma, center)[None])[0]
    # the construction needs the free-space Gaussian: no weight at a periodic seam (where Θ
    # jumps) or at a wall (where the image sum is no longer the ground state of ΣΦ̇Θ)
    edge = max(np.max(np.take(p0, [0, -1], axis=a)) for a in range(grid.ndim))
    if edge > 1e-12 * p0.max():
        raise ValueError(f"the frozen Gaussian (sigma = {sigma:g}) is not negligible at the edge "
                         f"of the box (p/max p = {edge / p0.max():.1e} > 1e-12): enlarge the "
                         "box or move it away from the edges")
    p = np.repeat(p0[None], t.size, axis=0)
    phi = multipliers_for_entropy_production(constraints, p, D, t)
    return Path(constraints, D, t, p, phi, "frozen Gaussian")


def multipliers_for_entropy_production(constraints: Constraints, p: ArrayLike, D: float,
                                       times: ArrayLike, method: Method = "spectral") -> np.ndarray:
    """Φ(t) with Σ_k Φ̇_k Θ_k ≈ 2D Δ√p/√p + c(t) in the p-weighted least-squares sense.

    This is the p-equation of (11.6b)-(11.7b) (their δ/δp at fixed normalisation), solved for
    Φ̇ and integrated from Φ(t0) = 0 with the trapezoid rule.
    """
    grid = constraints.grid
    D = positive_number("D", D)
    t = _times(times)
    p = check_density(grid, p, "p", rtol=1e-6)
    sq = np.sqrt(p)
    basis = np.concatenate([constraints.theta, np.ones((1, *grid.shape))]).reshape(
        constraints.count + 1, -1)
    rates = []
    for n in range(t.size):
        w = np.sqrt(p[n].ravel() * grid.cell_volume)
        lap = grid.laplacian(sq[n], method).ravel()
        target = 2 * D * lap * w / np.maximum(sq[n].ravel(), np.finfo(float).tiny)
        sol, *_ = np.linalg.lstsq((basis * w).T, target, rcond=None)
        rates.append(sol[:-1])
    return cumulative_trapezoid(np.asarray(rates), t, axis=0, initial=0.0)
