r"""The Schrödinger equation (11.9) with D in the role of ħ/m (ħ = 1, m = 1/D):

.. math::

    i\, \frac{∂Ψ}{∂t} = -\frac{D}{2}\, ΔΨ + V(Q)\, Ψ

((11.9) is V = 0; V is optional), on a :class:`~emergent.grids.Grid`.

* :func:`split_step` — Strang splitting exp(-iV dt/2) exp(i (D/2) Δ dt) exp(-iV dt/2); the
  kinetic factor is applied exactly on the grid's spectral basis (FFT on a periodic grid, DCT
  in a box with reflecting walls).  With V = 0 it is exact in time; otherwise second order.
  Unitary to round-off.
* :func:`crank_nicolson` — the Cayley form
  :math:`(1 + iH\,dt/2)\, Ψ^{n+1} = (1 - iH\,dt/2)\, Ψ^n` with the ``fd``
  Laplacian (one complex sparse LU); unitary for the grid inner product, second order in dt
  and h.
* :func:`free_gaussian_packet`, :func:`coherent_state` — exact solutions to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft
import scipy.sparse as sps
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from emergent._images import image_sum
from emergent._stepping import check_stepping, theta_scheme
from emergent.grids import Grid, check_band_limit
from ntcore.checks import count, positive_number

__all__ = ["SchrodingerSolution", "split_step", "crank_nicolson", "free_gaussian_packet",
           "coherent_state", "harmonic_potential"]


@dataclass(frozen=True)
class SchrodingerSolution:
    """Ψ(t, Q) at ``times``; ``psi`` has shape ``(len(times), *grid.shape)``.

    A solution of (11.9).
    """

    grid: Grid
    D: float
    times: np.ndarray
    psi: np.ndarray
    method: str

    @property
    def density(self) -> np.ndarray:
        """p = |Ψ|² (11.8)."""
        return np.abs(self.psi) ** 2

    @property
    def norm(self) -> np.ndarray:
        """∫|Ψ|² dQ at each time (1 for a unitary scheme)."""
        return np.asarray(self.grid.integrate(self.density))


def _check_t(t) -> np.ndarray:
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError("t must be a finite time or 1D array of finite times")
    return t


def _check_psi(grid: Grid, psi0) -> np.ndarray:
    psi0 = grid.check_field(psi0, "psi0", complex_ok=True).astype(complex)
    if psi0.shape != grid.shape:
        raise ValueError(f"psi0 must have the grid shape {grid.shape}, got {psi0.shape}")
    norm = grid.integrate(np.abs(psi0) ** 2)
    if not norm > 0:
        raise ValueError("psi0 is identically zero (not normalisable)")
    return psi0 / np.sqrt(norm)


def _check_potential(grid: Grid, potential) -> np.ndarray | None:
    if potential is None:
        return None
    v = grid.check_field(potential, "potential")
    if v.shape != grid.shape:
        raise ValueError(f"potential must have the grid shape {grid.shape}, got {v.shape}")
    return v


def _steps(t_final, n_steps, save_every) -> tuple[float, int, int]:
    t_final = positive_number("t_final", t_final)
    n_steps = count("n_steps", n_steps, minimum=1, whole_floats=True)
    save_every = count("save_every", save_every, minimum=1, whole_floats=True)
    return t_final / n_steps, n_steps, save_every


def split_step(grid: Grid, psi0: ArrayLike, D: float, t_final: float, n_steps: int, *,
               potential: ArrayLike | None = None,
               save_every: int = 1, progress: bool = False,
               band_limit_tol: float | None = 1e-10) -> SchrodingerSolution:
    """Integrate (11.9) (plus an optional potential V) by Strang split-step.

    Parameters
    ----------
    grid : Grid
        Periodic (Fourier) or reflecting (cosine basis; Ψ has zero normal derivative at walls).
    psi0 : complex array, shape ``grid.shape``
        Initial wave function (normalised here).
    D : float
        ħ/m, > 0.
    t_final, n_steps : float, int
        Final time and number of equal steps.
    potential : array, optional
        Real V(Q) on the grid.
    band_limit_tol : float or None
        ``ValueError`` if more than this fraction of the spectral power of ``psi0`` lies above
        2/3 of the Nyquist wavenumber (the grid is too coarse: the step would alias);
        ``None`` skips the check.

    Examples
    --------
    Free propagation against the exact packet (the split-step is exact without a potential):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((128,), (20.0,))
    >>> psi0 = free_gaussian_packet(g, 0.0, 1.0, 1.0, k0=[1.0])
    >>> sol = split_step(g, psi0, 1.0, 1.0, 20)
    >>> exact = free_gaussian_packet(g, 1.0, 1.0, 1.0, k0=[1.0])
    >>> sol.psi.shape, float(np.max(np.abs(sol.psi[-1] - exact))) < 1e-12
    ((21, 128), True)
    """
    D = positive_number("D", D)
    psi = _check_psi(grid, psi0)
    if band_limit_tol is not None:
        check_band_limit(grid, psi, "psi0", band_limit_tol)
    v = _check_potential(grid, potential)
    dt, n_steps, save_every = _steps(t_final, n_steps, save_every)
    check_stepping(n_steps, save_every, psi.size, 16, "split-step")
    kinetic = np.exp(-0.5j * D * grid.k_squared * dt)
    half = None if v is None else np.exp(-0.5j * v * dt)
    if grid.boundary == "periodic":
        def free(f):
            return sfft.ifftn(kinetic * sfft.fftn(f))
    else:
        def free(f):  # the cosine transform is real-linear: transform both parts
            return (sfft.idctn(kinetic * sfft.dctn(f.real, type=2), type=2)
                    + 1j * sfft.idctn(kinetic * sfft.dctn(f.imag, type=2), type=2))
    saved, times = [psi.copy()], [0.0]
    for n in tqdm(range(1, n_steps + 1), disable=not progress, desc="split-step"):
        psi = free(psi) if half is None else half * free(half * psi)
        if n % save_every == 0 or n == n_steps:
            saved.append(psi.copy())
            times.append(n * dt)
    return SchrodingerSolution(grid, D, np.asarray(times), np.asarray(saved),
                               f"split-step-{grid.boundary}")


def crank_nicolson(grid: Grid, psi0: ArrayLike, D: float, t_final: float, n_steps: int, *,
                   potential: ArrayLike | None = None, save_every: int = 1,
                   progress: bool = False) -> SchrodingerSolution:
    """Integrate (11.9) (plus optional V) by Crank-Nicolson on the ``fd`` Laplacian.

    Examples
    --------
    The Cayley step is unitary, so the norm is kept to round-off; against the exact free
    packet the error is that of the second-order ``fd`` Laplacian on h = 30/256:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((256,), (30.0,))
    >>> psi0 = free_gaussian_packet(g, 0.0, 1.0, 1.0, k0=[1.0])
    >>> sol = crank_nicolson(g, psi0, 1.0, 1.0, 40)
    >>> bool(abs(g.integrate(np.abs(sol.psi[-1]) ** 2) - 1) < 1e-12)
    True
    >>> exact = free_gaussian_packet(g, 1.0, 1.0, 1.0, k0=[1.0])
    >>> bool(np.max(np.abs(sol.psi[-1] - exact)) < 5e-3)
    True
    """
    D = positive_number("D", D)
    psi = _check_psi(grid, psi0)
    v = _check_potential(grid, potential)
    dt, n_steps, save_every = _steps(t_final, n_steps, save_every)
    check_stepping(n_steps, save_every, psi.size, 16, "implicit")
    ham = -(D / 2) * grid.laplacian_matrix()
    if v is not None:
        ham = ham + sps.diags(v.ravel())
    # i∂Ψ/∂t = HΨ is du/dt = A u with A = -iH; θ = ½ gives the Cayley form above
    out = theta_scheme(-1j * ham.astype(complex), psi.reshape(grid.shape), dt, n_steps,
                       theta=0.5, save_every=save_every, progress=progress,
                       desc="Crank-Nicolson")
    return SchrodingerSolution(grid, D, out.times, out.states, "crank-nicolson")


def free_gaussian_packet(grid: Grid, t: ArrayLike, D: float, sigma0: float,
                         center: ArrayLike | None = None,
                         k0: ArrayLike | None = None) -> np.ndarray:
    """Exact free solution of (11.9) from Ψ0 ∝ exp(-|Q-Q0|²/(4σ0²) + i k0·Q).

    Per axis Ψ = (2πσ0²)^(-1/4) (1 + iDt/(2σ0²))^(-1/2)
    exp(-(Q - Q0 - D k0 t)² / (4σ0²(1 + iDt/(2σ0²))) + i k0 Q - i D k0² t / 2), so |Ψ|² is a
    Gaussian of variance σ0² (1 + (Dt/(2σ0²))²) moving with velocity D k0.  On the grid it is
    the exact solution of the box problem: the periodic images (periodic grid) or the even
    images mirrored in both walls (reflecting grid; Ψ then has zero normal derivative there),
    evaluated as Fourier series (:mod:`emergent._images`), so drift, spreading and walls are
    all exact.  Returns shape ``(len(t), *grid.shape)`` (``grid.shape`` for scalar t).

    Examples
    --------
    |Ψ|² stays normalised, its centre moves at D k0 and its variance is σ0²(1 + (Dt/(2σ0²))²):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g = Grid((128,), (30.0,))
    >>> q = g.coordinates[0]
    >>> p = np.abs(free_gaussian_packet(g, 2.0, D=1.0, sigma0=1.0, k0=[0.5])) ** 2
    >>> mean = g.integrate(q * p)
    >>> [bool(np.isclose(v, w)) for v, w in
    ...  [(g.integrate(p), 1.0), (mean, 1.0), (g.integrate((q - mean) ** 2 * p), 2.0)]]
    [True, True, True]
    """
    D = positive_number("D", D)
    sigma0 = positive_number("sigma0", sigma0)
    scalar = np.ndim(t) == 0
    t = _check_t(t)
    center = grid.per_axis(center, "center", inside=True)
    k0 = grid.per_axis(k0, "k0")
    for k, ny in zip(k0, grid.nyquist, strict=True):
        if abs(k) + 8 / (2 * sigma0) > ny:  # 8 standard deviations of |Ψ̂|² ~ exp(-2σ0²k²)
            raise ValueError(f"grid too coarse for the packet: |k0| + 4/σ0 = "
                             f"{abs(k) + 4 / sigma0:.3g} exceeds the Nyquist wavenumber "
                             f"{ny:.3g}; refine the grid or widen the packet")
    amp = (2 * np.pi * sigma0**2) ** -0.25 * 2 * sigma0 * np.sqrt(np.pi)
    half_width = np.sqrt(40.0) / sigma0  # |Ψ̂0| ~ exp(-σ0²(k - k0)²) < 1e-17 beyond
    out = np.ones((t.size, *grid.shape), dtype=complex)
    for i, (x, L, o) in enumerate(zip(grid.axes, grid.lengths, grid.origin, strict=True)):
        def transform(k, tn, c=center[i], kk=k0[i]):
            return amp * np.exp(-sigma0**2 * (k - kk) ** 2 - 1j * (k - kk) * c
                                - 0.5j * D * k**2 * tn)

        g = image_sum(x, t, transform, (k0[i] - half_width, k0[i] + half_width), L, o,
                      grid.boundary)
        shape = [t.size] + [1] * grid.ndim
        shape[1 + i] = x.size
        out = out * g.reshape(shape)
    return out[0] if scalar else out


def harmonic_potential(grid: Grid, D: float, omega: float) -> np.ndarray:
    """V(Q) = |Q|² ω²/(2D) = m ω² |Q|²/2 with m = 1/D (ħ = 1).

    >>> g = Grid((4,), (4.0,))
    >>> harmonic_potential(g, 0.5, 1.0).tolist()  # Q = -2, -1, 0, 1; V = Q²
    [4.0, 1.0, 0.0, 1.0]

    A potential V for (11.9).
    """
    D = positive_number("D", D)
    omega = positive_number("omega", omega)
    return np.sum(np.square(grid.coordinates), axis=0) * omega**2 / (2 * D)


def coherent_state(grid: Grid, t: ArrayLike, D: float, omega: float, q0: ArrayLike | None = None,
                   p0: ArrayLike | None = None) -> np.ndarray:
    """Exact coherent state of i∂Ψ/∂t = -(D/2)ΔΨ + V Ψ with V of :func:`harmonic_potential`.

    Per axis, with m = 1/D and the classical orbit q(t) = q0 cos ωt + D p0 sin(ωt)/ω,
    π(t) = p0 cos ωt - q0 ω sin(ωt)/D:
    Ψ = (1/(πDω⁻¹))^(1/4) exp(-(Q - q)²/(2D/ω) + iπ(Q - q/2) - iωt/2),
    a Gaussian of fixed variance D/(2ω) whose centre follows the classical orbit.

    (11.9) with the potential of :func:`harmonic_potential`.

    Examples
    --------
    Half a period after starting at rest at q0 = 1.5 the packet sits at -1.5 with the variance
    D/(2ω), and the split-step integration of (11.9) with V from the state at t = 0 agrees:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> g, D, omega = Grid((256,), (30.0,)), 0.5, 2.0
    >>> q, t = g.coordinates[0], np.pi / omega
    >>> psi = coherent_state(g, t, D, omega, q0=[1.5], p0=[0.0])
    >>> p = np.abs(psi) ** 2
    >>> mean, variance = g.integrate(q * p), g.integrate((q + 1.5) ** 2 * p)
    >>> bool(np.isclose(mean, -1.5)), bool(np.isclose(variance, D / (2 * omega)))
    (True, True)
    >>> start = coherent_state(g, 0.0, D, omega, q0=[1.5], p0=[0.0])
    >>> sol = split_step(g, start, D, t, 200, potential=harmonic_potential(g, D, omega))
    >>> bool(np.max(np.abs(sol.psi[-1] - psi)) < 1e-3)
    True
    """
    D = positive_number("D", D)
    omega = positive_number("omega", omega)
    scalar = np.ndim(t) == 0
    t = _check_t(t)
    q0 = grid.per_axis(q0, "q0")
    p0 = grid.per_axis(p0, "p0")
    ell2 = D / omega  # ħ/(mω)
    for i, ny in enumerate(grid.nyquist):
        # |Ψ̂| ~ exp(-ℓ²(k - π(t))²/2), |π(t)| <= sqrt(p0² + (q0 ω/D)²)
        kmax = np.hypot(p0[i], q0[i] * omega / D) + 6 / np.sqrt(ell2)
        if kmax > ny:
            raise ValueError(f"grid too coarse for the coherent state: wavenumbers up to "
                             f"{kmax:.3g} exceed the Nyquist wavenumber {ny:.3g}")
    out = np.ones((t.size, *grid.shape), dtype=complex)
    for i, x in enumerate(grid.axes):
        q = q0[i] * np.cos(omega * t) + D * p0[i] * np.sin(omega * t) / omega
        pi = p0[i] * np.cos(omega * t) - q0[i] * omega * np.sin(omega * t) / D
        xx, qq, pp, tt = x[None, :], q[:, None], pi[:, None], t[:, None]
        g = (np.pi * ell2) ** -0.25 * np.exp(-(xx - qq) ** 2 / (2 * ell2)
                                             + 1j * pp * (xx - qq / 2) - 0.5j * omega * tt)
        shape = [t.size] + [1] * grid.ndim
        shape[1 + i] = x.size
        out = out * g.reshape(shape)
    return out[0] if scalar else out
