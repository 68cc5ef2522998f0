"""Constraints Θ_k(Q) (11.3)-(11.4), Lagrange multipliers Φ_k(t), the wave function (11.8) and
the way back from Ψ to (p, phase): the Madelung form of (11.9).

With θ(t, Q) = Σ_k Θ_k(Q) Φ_k(t) / 4 the wave function of (11.8) is :math:`Ψ = √p e^{iθ}`.  Writing
a solution of i∂Ψ/∂t = -(D/2)ΔΨ + VΨ in that form gives two real equations,

* continuity:       ∂p/∂t + ∇·(p D∇θ) = 0,
* Hamilton-Jacobi:  ∂θ/∂t + (D/2)|∇θ|² + V - (D/2) Δ√p/√p = 0   (quantum potential),

which :func:`madelung_residuals` measures along a path.  The phase of a Schrödinger solution is
only a wave function of the form (11.8) if its gradient lies in the span of the ∇Θ_k:
:func:`multipliers_from_wave_function` fits Φ and reports what is left over.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from emergent.fokker_planck import check_times
from emergent.grids import Grid, Method, check_density
from ntcore.checks import count, positive_number, real_number

__all__ = ["Constraints", "moment_constraints", "wave_function", "phase", "madelung_fields",
           "MadelungFields",
           "multipliers_from_wave_function", "PhaseFit", "madelung_residuals",
           "MadelungResiduals", "quantum_potential", "check_multipliers"]


@dataclass(frozen=True)
class Constraints:
    """The constraint functions Θ_k(Q) of (11.3) sampled on ``grid``.

    ``theta`` has shape ``(K̃, *grid.shape)``.  Θ need not be periodic (Q² on a periodic box is
    fine where p is negligible at the seam): gradients are second-order one-sided/central
    differences that never wrap around, exact for the polynomials used here.
    """

    grid: Grid
    theta: np.ndarray
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        th = np.asarray(self.theta)
        if th.ndim != self.grid.ndim + 1 or th.shape[1:] != self.grid.shape:
            raise ValueError(f"theta must have shape (K̃, *grid.shape) = (K̃, "
                             f"{', '.join(map(str, self.grid.shape))}), got {th.shape}")
        if th.shape[0] < 1:
            raise ValueError("theta needs at least one constraint function")
        th = self.grid.check_field(th, "theta")
        object.__setattr__(self, "theta", th)
        names = tuple(self.names) or tuple(f"Θ{k + 1}" for k in range(th.shape[0]))
        if len(names) != th.shape[0]:
            raise ValueError(f"names has {len(names)} entries for {th.shape[0]} constraints")
        object.__setattr__(self, "names", names)

    @property
    def count(self) -> int:
        """K̃, the number of constraints."""
        return self.theta.shape[0]

    @cached_property
    def gradients(self) -> np.ndarray:
        """∇Θ_k, shape ``(K̃, K, *grid.shape)``."""
        out = np.empty((self.count, self.grid.ndim, *self.grid.shape))
        for a, h in enumerate(self.grid.spacing):
            out[:, a] = np.gradient(self.theta, h, axis=1 + a, edge_order=2)
        return out

    def values(self, p) -> np.ndarray:
        """∫ p Θ_k dQ, (11.4); shape ``(..., K̃)`` for ``p`` of shape ``(..., *grid.shape)``."""
        p = self.grid.check_field(p, "p")
        lead = p.ndim - self.grid.ndim
        prod = p[(slice(None),) * lead + (None,)] * self.theta
        return np.asarray(self.grid.integrate(prod))


def moment_constraints(grid: Grid, degree: int = 2, center: ArrayLike | None = None) -> Constraints:
    """Θ = the monomials (Q - c)^α of degree 1..``degree`` (per axis, no cross terms).

    Degree 2 spans the phases of Gaussian packets, so free Schrödinger packets are wave
    functions of the form (11.8) with these K̃ = 2K constraints.

    Examples
    --------
    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((16,), (4.0,))
    >>> c = moment_constraints(g, 2)
    >>> c.names, bool(np.allclose(c.theta[1], g.coordinates[0] ** 2))
    (('Q1', 'Q1^2'), True)
    """
    degree = count("degree", degree, minimum=1, whole_floats=True)
    c = grid.per_axis(center, "center")
    thetas, names = [], []
    for d in range(1, degree + 1):
        for a, q in enumerate(grid.coordinates):
            thetas.append((q - c[a]) ** d)
            names.append(f"Q{a + 1}^{d}" if d > 1 else f"Q{a + 1}")
    return Constraints(grid, np.asarray(thetas), tuple(names))


def check_multipliers(constraints: Constraints, Phi: ArrayLike,
                      n_times: int | None = None) -> np.ndarray:
    """Φ as a float array of shape ``(n_times, K̃)``, finite.

    The multipliers Φ_k(t) of (11.4) and (11.8).
    """
    phi = np.asarray(Phi, dtype=float)
    if phi.ndim != 2 or phi.shape[1] != constraints.count or (
            n_times is not None and phi.shape[0] != n_times):
        raise ValueError(f"Phi must have shape (n_times, K̃) = ({n_times or 'n_times'}, "
                         f"{constraints.count}), got {phi.shape}")
    if not np.all(np.isfinite(phi)):
        raise ValueError("Phi contains NaN or inf")
    return phi


def phase(constraints: Constraints, Phi: ArrayLike) -> np.ndarray:
    """θ(t, Q) = Σ_k Θ_k(Q) Φ_k(t) / 4, the phase of (11.8); shape ``(n_t, *grid.shape)``.

    Examples
    --------
    θ = Σ_k Θ_k Φ_k / 4:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((16,), (4.0,))
    >>> q = g.coordinates[0]
    >>> theta = phase(moment_constraints(g, 2), np.array([[1.0, 2.0]]))
    >>> theta.shape, bool(np.allclose(theta[0], (q + 2 * q**2) / 4))
    ((1, 16), True)
    """
    phi = check_multipliers(constraints, Phi)
    return np.tensordot(phi, constraints.theta, axes=(1, 0)) / 4


def wave_function(constraints: Constraints, p: ArrayLike, Phi: ArrayLike) -> np.ndarray:
    """Ψ = √p exp(i Σ_k Θ_k Φ_k / 4), (11.8), for a stack of densities ``p`` (n_t, *shape).

    |Ψ|² is p whatever Φ:

    >>> import numpy as np
    >>> from emergent.fokker_planck import gaussian_heat_kernel
    >>> g = Grid((128,), (20.0,))
    >>> p = gaussian_heat_kernel(g, 0.0, 1.0, 1.0)
    >>> psi = wave_function(moment_constraints(g, 2), p, [[0.5, -0.3]])
    >>> bool(np.allclose(np.abs(psi[0]) ** 2, p, atol=1e-15))
    True
    """
    grid = constraints.grid
    p = check_density(grid, p, "p", rtol=1e-6)
    if p.ndim == grid.ndim:
        p = p[None]
    phi = check_multipliers(constraints, np.atleast_2d(Phi), p.shape[0])
    return np.sqrt(p) * np.exp(1j * phase(constraints, phi))


@dataclass(frozen=True)
class PhaseFit:
    """Multipliers Φ_k(t) fitted to the phase of a wave function.

    ``residual[n]`` = sqrt(∫p|∇θ - Σ∇Θ_kΦ_k/4|²) / max(sqrt(∫p|∇θ|²), 1e-6) at time n: 0 when
    the phase is of the form (11.8), 1 when the constraints capture none of it.
    """

    Phi: np.ndarray
    residual: np.ndarray


def _phase_gradient(grid: Grid, psi: np.ndarray,
                    floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, ∇θ, live) with ∇θ = Im(Ψ*∇Ψ)/|Ψ|² where ``live`` (p > floor · max p at that time),
    zero elsewhere (no unwrapping).  ``floor`` is a fraction of max p, in [0, 1)."""
    floor = real_number("floor", floor)
    if not 0 <= floor < 1:
        raise ValueError(f"floor must be a fraction of max p in [0, 1), got {floor}")
    p = np.abs(psi) ** 2
    lead = psi.ndim - grid.ndim
    pmax = p.max(axis=tuple(range(lead, psi.ndim)), keepdims=True)
    if np.any(pmax == 0):
        raise ValueError("psi vanishes identically at some time: it has no density or phase")
    # spectral on both kinds of grid: solutions of (11.9) in a box obey the zero-flux walls,
    # so their cosine series converge as fast as Fourier series do on a periodic grid
    grads = grid.gradient(psi, "spectral")
    live = p > floor * pmax
    safe = np.where(live, p, 1.0)
    return p, np.stack([np.where(live, np.imag(np.conj(psi) * g) / safe, 0.0) for g in grads],
                       axis=lead), live


@dataclass(frozen=True)
class MadelungFields:
    """:math:`Ψ = √p e^{iθ}` taken apart: density p, phase gradient ∇θ and velocity v = D∇θ.

    ``phase_gradient`` and ``velocity`` have shape ``(..., K, *grid.shape)``; both are zero
    where p < floor · max p (the phase is undefined where Ψ vanishes).

    The Madelung form of (11.9) with Ψ of (11.8).
    """

    density: np.ndarray
    phase_gradient: np.ndarray
    velocity: np.ndarray


def madelung_fields(grid: Grid, psi: ArrayLike, D: float, floor: float = 1e-12) -> MadelungFields:
    """The Madelung fields of a wave function: p = |Ψ|², ∇θ = Im(Ψ*∇Ψ)/|Ψ|², v = D∇θ.

    The inverse of (11.8) up to the phase's constant part, with D = ħ/m; no phase unwrapping.

    Examples
    --------
    At t = 0 the free packet :math:`e^{i k_0 Q}` moves at v = D k0 everywhere:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g = Grid((128,), (20.0,))
    >>> m = madelung_fields(g, free_gaussian_packet(g, 0.0, 1.0, 1.0, k0=[0.7]), 1.0)
    >>> q = g.coordinates[0]
    >>> bool(np.allclose(m.velocity[0][np.abs(q) < 3], 0.7))
    True
    """
    D = positive_number("D", D)
    psi = grid.check_field(psi, "psi", complex_ok=True)
    p, grad, _ = _phase_gradient(grid, psi, floor)
    return MadelungFields(p, grad, D * grad)


def multipliers_from_wave_function(constraints: Constraints, psi: ArrayLike,
                                   floor: float = 1e-12) -> PhaseFit:
    """Least-squares Φ(t) such that ∇θ ≈ Σ_k ∇Θ_k Φ_k / 4, weighted by p = |Ψ|² (11.8).

    Fitting gradients avoids phase unwrapping; the constant part of θ (a global phase) does
    not enter (11.6)-(11.7) for normalised p, so it is not fitted.  Points where
    p < ``floor`` · max p (``floor`` in [0, 1)) carry no phase and get no weight.

    >>> from emergent.grids import Grid
    >>> multipliers_from_wave_function(moment_constraints(Grid((64,), (20.0,))), np.ones(64),
    ...                                floor=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: floor must be a fraction of max p in [0, 1), got -1.0
    """
    if not isinstance(constraints, Constraints):
        raise TypeError(f"constraints must be a Constraints, got {type(constraints).__name__}")
    grid = constraints.grid
    psi = grid.check_field(psi, "psi", complex_ok=True)
    if psi.ndim == grid.ndim:
        psi = psi[None]
    p, grad, live = _phase_gradient(grid, psi, floor)
    # points below the density floor carry no phase: they get zero weight on both sides
    w = np.sqrt(np.where(live, p, 0.0) * grid.cell_volume).reshape(p.shape[0], 1, -1)
    basis = (constraints.gradients / 4).reshape(constraints.count, grid.ndim, -1)  # (K̃, K, P)
    phis, res = [], []
    for n in range(p.shape[0]):
        a = (basis * w[n]).reshape(constraints.count, -1).T                 # (K·P, K̃)
        b = (grad[n].reshape(grid.ndim, -1) * w[n]).ravel()
        sol, *_ = np.linalg.lstsq(a, b, rcond=None)
        phis.append(sol)
        # a p-weighted rms phase gradient below 1e-6 is flat to the accuracy of the fit (the
        # spectral ∇Ψ in the far tails, where p ~ 1e-12 max p, is good to ~1e-14 absolute)
        res.append(np.linalg.norm(a @ sol - b) / max(np.linalg.norm(b), 1e-6))
    return PhaseFit(np.asarray(phis), np.asarray(res))


def quantum_potential(grid: Grid, p: ArrayLike, D: float, method: str = "spectral",
                      floor: float = 1e-12) -> np.ndarray:
    """Q_B = -(D/2) Δ√p / √p (zero where p < floor · max p).

    The quantum potential of (11.9) in Madelung form.

    Examples
    --------
    For a Gaussian of variance s², Q_B = (D/2)(1/(2s²) - q²/(4s⁴)):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((128,), (20.0,))
    >>> q, s2 = g.coordinates[0], 1.5
    >>> p = np.exp(-q**2 / (2 * s2)) / np.sqrt(2 * np.pi * s2)
    >>> exact = 0.5 * (1 / (2 * s2) - q**2 / (4 * s2**2))
    >>> inside = np.abs(q) < 5
    >>> bool(np.allclose(quantum_potential(g, p, 1.0)[inside], exact[inside], atol=1e-6))
    True
    """
    D = positive_number("D", D)
    sq = np.sqrt(check_density(grid, p, "p", rtol=np.inf))
    lap = grid.laplacian(sq, method)
    ok = sq**2 > floor * np.max(sq**2)
    return np.where(ok, -(D / 2) * lap / np.where(ok, sq, 1.0), 0.0)


@dataclass(frozen=True)
class MadelungResiduals:
    """Relative, p-weighted residuals of the continuity and Hamilton-Jacobi equations.

    Each entry (one per interior time) is sqrt(∫p r²)/scale with scale the same norm of the
    largest term of the equation, so 0 is exact and O(1) means the equation fails.

    The Madelung form of (11.9) with Ψ of (11.8).
    """

    times: np.ndarray
    continuity: np.ndarray
    hamilton_jacobi: np.ndarray


def madelung_residuals(grid: Grid, times: ArrayLike, psi: ArrayLike, D: float,
                       potential: ArrayLike | None = None,
                       floor: float = 1e-10) -> MadelungResiduals:
    """Continuity and Hamilton-Jacobi residuals of a path Ψ(t, Q) (the Madelung form of (11.9)).

    Time derivatives are second-order central differences on ``times`` (interior times only),
    so for an exact solution the residuals are O(dt²) plus the spatial discretisation error.
    ``potential`` is V(Q) (shape ``grid.shape``) or a time-dependent V(t_n, Q) (shape of
    ``psi``).
    ∂θ/∂t = Im(Ψ*∂Ψ/∂t)/|Ψ|² needs no phase unwrapping.

    Examples
    --------
    The exact free packet of (11.9) with D = 1 leaves residuals of order dt² (dt = 1/40); read
    with D = 2 it solves neither equation (residuals of order one):

    >>> import numpy as np
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g, t = Grid((256,), (40.0,)), np.linspace(0.0, 1.0, 41)
    >>> psi = free_gaussian_packet(g, t, 1.0, 1.0, k0=[1.0])
    >>> r = madelung_residuals(g, t, psi, 1.0)
    >>> bool(max(r.continuity.max(), r.hamilton_jacobi.max()) < 1e-3)
    True
    >>> wrong = madelung_residuals(g, t, psi, 2.0)
    >>> bool(min(wrong.continuity.min(), wrong.hamilton_jacobi.min()) > 0.4)
    True
    """
    D = positive_number("D", D)
    t = check_times(times)
    psi = grid.check_field(psi, "psi", complex_ok=True)
    if psi.shape != (t.size, *grid.shape) or t.size < 3:
        raise ValueError(f"psi must have shape (len(times) >= 3, *grid.shape), got {psi.shape}")
    v = np.zeros(grid.shape) if potential is None else grid.check_field(potential, "potential")
    if v.shape not in (grid.shape, psi.shape):
        raise ValueError(f"potential must have shape {grid.shape} or {psi.shape}, got {v.shape}")
    method: Method = "spectral"
    p, grad, _ = _phase_gradient(grid, psi, floor)
    dpsi = np.gradient(psi, t, axis=0)
    dp = np.gradient(p, t, axis=0)
    ok = p > floor * p.max()
    dtheta = np.where(ok, np.imag(np.conj(psi) * dpsi) / np.where(ok, p, 1.0), 0.0)
    current = D * p[:, None] * grad
    div = sum(grid.gradient(current[:, a], method)[a] for a in range(grid.ndim))
    kinetic = (D / 2) * (grad**2).sum(1)
    qpot = np.stack([quantum_potential(grid, pn, D, method, floor) for pn in p])
    qpot = np.where(ok, qpot, 0.0)
    cont = dp + div
    hj = dtheta + kinetic + v + qpot
    inner = slice(1, -1)

    def rel(r, *terms, weight):
        num = np.sqrt(grid.integrate(weight * r**2))
        den = np.max([np.sqrt(grid.integrate(weight * x**2)) for x in terms], axis=0)
        return (num / np.where(den > 0, den, 1.0))[inner]

    # continuity is linear in p: weight its residual uniformly; Hamilton-Jacobi by p
    return MadelungResiduals(t[inner], rel(cont, dp, div, weight=1.0),
                             rel(hj, dtheta, kinetic, v + 0 * p, qpot, weight=p))
