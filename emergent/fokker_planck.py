r"""Diffusion of the parameter density, the Fokker-Planck equation (11.5):

.. math::

    \frac{∂p}{∂t} = \frac{D}{2}\, Δp,

on a :class:`~emergent.grids.Grid`, with its Shannon entropy and entropy production.

* :func:`propagate_spectral` — exact in time on the spectral basis of the grid (Fourier on a
  periodic grid, cosines in a box with reflecting walls): each mode decays as
  :math:`e^{-D k^2 t/2}`.
* :func:`propagate_implicit` — Crank-Nicolson or backward Euler on the ``fd`` Laplacian, one
  sparse LU factorisation (``scipy.sparse.linalg.splu``) reused for every step.  Both conserve
  Σ p exactly (the columns of the Laplacian sum to zero); backward Euler also preserves
  positivity for any step (its matrix is an M-matrix), Crank-Nicolson only while its explicit
  half is non-negative, D dt/2 <= h²/K.
* :func:`gaussian_heat_kernel` — the exact solution from a Gaussian start, with the images
  that make it exact on a periodic or reflecting domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.fft as sfft
from numpy.typing import ArrayLike

from emergent._images import image_sum
from emergent._stepping import check_stepping, theta_scheme
from emergent.grids import Grid, check_density
from ntcore.checks import count, positive_number

__all__ = ["FokkerPlanckSolution", "propagate_spectral", "propagate_implicit",
           "gaussian_heat_kernel", "shannon_entropy", "entropy_production_rate", "check_times"]


def check_times(times: ArrayLike, name: str = "times") -> np.ndarray:
    """Sample times as a 1D float array, finite, >= 0 and strictly increasing.

    The times of (11.5)-(11.9).
    """
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"{name} must be a non-empty 1D array")
    if not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise ValueError(f"{name} must be finite, >= 0 and strictly increasing")
    return t


@dataclass(frozen=True)
class FokkerPlanckSolution:
    """p(t, Q) of (11.5) at ``times``; ``densities`` has shape ``(len(times), *grid.shape)``."""

    grid: Grid
    D: float
    times: np.ndarray
    densities: np.ndarray
    method: str

    @property
    def mass(self) -> np.ndarray:
        """∫p dQ at each time (1 for an exact solver)."""
        return np.asarray(self.grid.integrate(self.densities))

    @property
    def min_density(self) -> np.ndarray:
        """min_Q p at each time (>= 0 for a positivity-preserving scheme)."""
        return self.densities.reshape(len(self.times), -1).min(axis=1)

    @property
    def entropy(self) -> np.ndarray:
        """Shannon entropy -∫p log p at each time."""
        return np.asarray(shannon_entropy(self.grid, np.clip(self.densities, 0, None),
                                          check=False))

    def entropy_production(self, method: str = "spectral") -> np.ndarray:
        """dH/dt = 2D ∫|∇√p|² at each time, (11.7) first line without constraints."""
        return np.asarray(entropy_production_rate(self.grid, np.clip(self.densities, 0, None),
                                                  self.D, method=method, check=False))


def _initial(grid: Grid, p0, D) -> tuple[np.ndarray, float]:
    D = positive_number("D", D)
    p0 = check_density(grid, p0, "p0", normalize=True)
    if p0.shape != grid.shape:
        raise ValueError(f"p0 must have the grid shape {grid.shape}, got {p0.shape}")
    return p0, D


def propagate_spectral(grid: Grid, p0: ArrayLike, D: float,
                       times: ArrayLike) -> FokkerPlanckSolution:
    """Solve (11.5) exactly in time on the grid's spectral basis.

    Parameters
    ----------
    grid : Grid
        Periodic (Fourier modes) or reflecting (cosine modes, zero flux at the walls).
    p0 : array, shape ``grid.shape``
        Initial density; must be >= 0 and normalisable (it is normalised here).
    D : float
        Diffusion coefficient of (11.5), > 0.
    times : array of float
        Output times (>= 0, increasing).

    Examples
    --------
    Against the exact heat kernel from the same Gaussian start:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((128,), (20.0,))
    >>> sol = propagate_spectral(g, gaussian_heat_kernel(g, 0.0, 1.0, 1.0), 1.0, [0.0, 2.0])
    >>> float(np.max(np.abs(sol.densities[-1] - gaussian_heat_kernel(g, 2.0, 1.0, 1.0)))) < 1e-12
    True
    """
    p0, D = _initial(grid, p0, D)
    t = check_times(times)
    axes = tuple(range(1, grid.ndim + 1))
    decay = np.exp(-0.5 * D * t.reshape((-1,) + (1,) * grid.ndim) * grid.k_squared)
    if grid.boundary == "periodic":
        out = sfft.ifftn(decay * sfft.fftn(p0)[None], axes=axes).real
    else:
        out = sfft.idctn(decay * sfft.dctn(p0, type=2)[None], type=2, axes=axes)
    return FokkerPlanckSolution(grid, D, t, out, f"spectral-{grid.boundary}")


def propagate_implicit(grid: Grid, p0: ArrayLike, D: float, t_final: float, n_steps: int, *,
                       scheme: Literal["crank-nicolson", "backward-euler"] = "crank-nicolson",
                       save_every: int = 1, progress: bool = False) -> FokkerPlanckSolution:
    """Solve (11.5) with an implicit scheme on the ``fd`` Laplacian (sparse LU, factored once).

    ``n_steps`` equal steps of ``dt = t_final / n_steps``; every ``save_every``-th state is kept
    (the first and, always, the last included).  Crank-Nicolson is second order in dt,
    backward Euler first order; both are second order in h.

    Examples
    --------
    The heat kernel propagated from t = 0 to 1 against the exact one (11.5); the scheme keeps
    the total probability:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((256,), (30.0,))
    >>> sol = propagate_implicit(g, gaussian_heat_kernel(g, 0.0, 1.0, 1.0), 1.0, 1.0, 20)
    >>> exact = gaussian_heat_kernel(g, 1.0, 1.0, 1.0)
    >>> bool(np.max(np.abs(sol.densities[-1] - exact)) < 5e-4)
    True
    >>> bool(abs(g.integrate(sol.densities[-1]) - 1) < 1e-12)
    True
    """
    p0, D = _initial(grid, p0, D)
    t_final = positive_number("t_final", t_final)
    n_steps = count("n_steps", n_steps, minimum=1, whole_floats=True)
    save_every = count("save_every", save_every, minimum=1, whole_floats=True)
    if scheme not in ("crank-nicolson", "backward-euler"):
        raise ValueError(f"scheme must be 'crank-nicolson' or 'backward-euler', got {scheme!r}")
    theta = 0.5 if scheme == "crank-nicolson" else 1.0
    check_stepping(n_steps, save_every, p0.size, 8, "implicit")
    out = theta_scheme(grid.laplacian_matrix() * (D / 2), p0, t_final / n_steps, n_steps,
                       theta=theta, save_every=save_every, progress=progress,
                       desc=f"Fokker-Planck {scheme}")
    return FokkerPlanckSolution(grid, D, out.times, out.states, scheme)


def gaussian_heat_kernel(grid: Grid, t: ArrayLike, D: float, sigma0: float,
                         center: ArrayLike | None = None) -> np.ndarray:
    """Exact p(t, Q) of (11.5) from a Gaussian start of width ``sigma0`` about ``center``.

    In free space the variance per axis grows as σ0² + D t.  On a periodic grid the exact
    solution is the sum over periodic images; in a box with reflecting walls it is the sum over
    the images mirrored in both walls (period 2L), which has zero normal derivative at each
    wall.  The initial density is the same image sum at t = 0, so the pair is exact.  Both sums
    are evaluated as their Fourier series (:mod:`emergent._images`), exact at any t.

    Returns an array of shape ``(len(t), *grid.shape)`` (or ``grid.shape`` for scalar t),
    normalised on the continuum (its grid integral is 1 to round-off for a resolved start).
    ``ValueError`` if the grid is too coarse for σ0 (more than 1e-10 of the start's spectral
    power above 2/3 of the Nyquist wavenumber) or, between walls, if the centre is outside.

    Examples
    --------
    The variance grows as σ0² + D t (far from the box's walls):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((128,), (30.0,))
    >>> q = g.coordinates[0]
    >>> p = gaussian_heat_kernel(g, 2.0, D=0.5, sigma0=1.0)
    >>> bool(np.isclose(g.integrate(p), 1.0))
    True
    >>> bool(np.isclose(g.integrate(q**2 * p), 1.0 + 0.5 * 2.0))
    True
    """
    D = positive_number("D", D)
    sigma0 = positive_number("sigma0", sigma0)
    scalar = np.ndim(t) == 0
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if t.ndim != 1 or np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("t must be finite and >= 0")
    center = grid.per_axis(center, "center", inside=True)
    for ny in grid.nyquist:  # power spectrum of the start: exp(-σ0² k²)
        if sigma0**2 * (2 * ny / 3) ** 2 < 23.0:
            raise ValueError(f"grid too coarse for sigma0 = {sigma0:g}: need sigma0 >= "
                             f"{np.sqrt(23.0) / (2 * ny / 3):.3g} on spacing {grid.spacing}")
    kmax = np.sqrt(2 * 40.0) / sigma0  # exp(-σ0² k²/2) < 1e-17 beyond
    out = np.ones((t.size, *grid.shape))
    for i, (x, L, o) in enumerate(zip(grid.axes, grid.lengths, grid.origin, strict=True)):
        def transform(k, tn, c=center[i]):
            return np.exp(-1j * k * c - 0.5 * (sigma0**2 + D * tn) * k**2)

        # the series is positive up to round-off (~1e-17) in the far tails: clip those to 0
        g = np.maximum(image_sum(x, t, transform, (-kmax, kmax), L, o, grid.boundary).real, 0.0)
        shape = [t.size] + [1] * grid.ndim
        shape[1 + i] = x.size
        out = out * g.reshape(shape)
    return out[0] if scalar else out


def shannon_entropy(grid: Grid, p: ArrayLike, *, check: bool = True) -> np.ndarray | float:
    """H = -∫ p log p dQ (0 log 0 = 0), the entropy whose production (11.6) measures.

    A Gaussian of variance σ² has H = ½ log(2πe σ²):

    >>> import numpy as np
    >>> g = Grid((256,), (40.0,))
    >>> p = gaussian_heat_kernel(g, 0.0, 1.0, 1.5)
    >>> bool(abs(shannon_entropy(g, p) - 0.5 * np.log(2 * np.pi * np.e * 1.5**2)) < 1e-12)
    True
    """
    if check:
        p = check_density(grid, p, "p", normalize=False, rtol=1e-6)
    p = np.asarray(p, dtype=float)
    safe = np.where(p > 0, p, 1.0)
    return -grid.integrate(np.where(p > 0, p * np.log(safe), 0.0))


def entropy_production_rate(grid: Grid, p: ArrayLike, D: float, method: str = "spectral", *,
                            check: bool = True) -> np.ndarray | float:
    """dH/dt along (11.5): (D/2)∫|∇p|²/p = 2D∫|∇√p|², the first term of (11.7), first line.

    Computed as 2D times the Dirichlet form of √p
    (:meth:`emergent.grids.Grid.dirichlet_form`), which is
    finite where p vanishes.

    Examples
    --------
    For a Gaussian of variance s², (D/2)∫|∇p|²/p = D/(2 s²):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((128,), (20.0,))
    >>> p = gaussian_heat_kernel(g, 2.0, D=1.0, sigma0=1.0)  # s² = 3
    >>> bool(np.isclose(entropy_production_rate(g, p, 1.0), 1.0 / 6.0, rtol=1e-5))
    True
    """
    D = positive_number("D", D)
    if check:
        p = check_density(grid, p, "p", normalize=False, rtol=1e-6)
    return 2 * D * grid.dirichlet_form(np.sqrt(np.asarray(p, dtype=float)), method)
