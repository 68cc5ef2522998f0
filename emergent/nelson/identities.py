"""The identities of Nelson's mechanics evaluated on the grid: the forward and backward
Fokker-Planck equations of :math:`p = |Ψ|^2` and Nelson's Newton law :math:`a = -D∇V`
(Section 11)."""

from __future__ import annotations

import numpy as np

from emergent.grids import Grid, check_grid
from emergent.nelson.drifts import drift_fields
from ntcore.checks import real_array

__all__ = ["fokker_planck_residuals", "mean_acceleration", "newton_residual"]


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

    Examples
    --------
    Both equations hold for a moving free packet; the residual is the O(dt²) of the time
    difference, 100 times smaller for a 10 times smaller step:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g = Grid((128,), (20.0,))
    >>> res = []
    >>> for t_end in (0.1, 0.01):
    ...     t = np.linspace(0.0, t_end, 3)
    ...     psi = free_gaussian_packet(g, t, 1.0, 1.0, k0=[1.0])
    ...     res.append(fokker_planck_residuals(g, t, psi, 1.0))
    >>> [round(float(np.log10(a / b)), 1) for a, b in zip(*res)]
    [2.0, 2.0]
    """
    check_grid(grid)
    f = drift_fields(grid, psi, D)
    t = real_array("times", times)
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
    t = real_array("times", times)
    if t.shape != (f.density.shape[0],) or t.size < 3:
        raise ValueError("times must give one time per slice of psi, at least 3")
    if not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0):
        raise ValueError("times must be finite and increasing (∂v/∂t is a difference over them)")
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

    Examples
    --------
    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g = Grid((128,), (20.0,))
    >>> t = np.linspace(0.0, 0.01, 3)
    >>> a, p = mean_acceleration(g, t, free_gaussian_packet(g, t, 1.0, 1.0), 1.0)
    >>> a.shape, float(np.sqrt(g.integrate(p[0] * a[0, 0] ** 2))) < 1e-3  # free: a = 0
    ((1, 1, 128), True)
    """
    check_grid(grid)
    (dv, conv_v, conv_u, lap_u), p = _acceleration_terms(grid, times, psi, D)
    return dv + conv_v - conv_u - lap_u, p


def newton_residual(grid: Grid, times, psi, D: float, potential=None) -> float:
    """p-weighted relative residual of Nelson's Newton law a = -∇V/m = -D∇V (m = 1/D).

    sqrt(∫p|a + D∇V|²) over the largest sqrt(∫p|term|²) of the terms of a and of D∇V, worst
    interior time: ~0 (O(dt²) from ∂v/∂t) where the law holds, O(1) where it fails.

    Examples
    --------
    Without a potential Nelson's mean acceleration of the free packet vanishes, to O(dt²):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.schrodinger import free_gaussian_packet
    >>> g = Grid((128,), (20.0,))
    >>> t = np.linspace(0.0, 0.01, 3)
    >>> newton_residual(g, t, free_gaussian_packet(g, t, 1.0, 1.0, k0=[1.0]), 1.0) < 1e-4
    True
    """
    check_grid(grid)
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
