r"""Uniform grids in Q-space for the Section 11 numerics: 1D and 2D, periodic or bounded.

A :class:`Grid` is the discretisation of the parameter space :math:`Q = (Q_1, \dots, Q_K)`
(K = 1, 2) on which (11.4)-(11.9) are solved.  Two kinds of domain:

* ``"periodic"`` — points ``origin + j h``; Fourier series (``scipy.fft``) are exact
  eigenfunctions of the Laplacian, so the spectral derivative is exponentially accurate for
  band-limited fields.
* ``"reflecting"`` — a box with walls at ``origin`` and ``origin + L`` and zero normal flux
  (Neumann); points are the cell centres ``origin + (j + 1/2) h``.  Cosine series (DCT-II) are
  the eigenfunctions of the Neumann Laplacian, so the same two methods exist: ``spectral``
  (DCT) and ``fd`` (second-order finite volumes with mirrored ghost cells, which conserve the
  discrete mass exactly).

Integrals are sums times the cell volume (the trapezoid rule on a periodic grid, the midpoint
rule in a box).  Fields carry the grid axes last, so a stack of ``nt`` snapshots is an array of
shape ``(nt, *grid.shape)`` and every operator here acts on it slice by slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import scipy.fft as sfft
import scipy.sparse as sps
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from ntcore.checks import check_memory, positive_number, real_array

__all__ = ["Grid", "check_grid", "check_density", "check_band_limit", "spectral_tail",
           "sparse_lu"]

Boundary = Literal["periodic", "reflecting"]
Method = Literal["spectral", "fd"]
_METHODS = ("spectral", "fd")


@dataclass(frozen=True)
class Grid:
    """A uniform grid of ``shape`` points on a box of side ``lengths``.

    The Δ of (11.5) and (11.9) and the ∫dQ of (11.4)-(11.7) are taken on it.

    Parameters
    ----------
    shape : tuple of int
        Points per axis, ``(n,)`` or ``(nx, ny)``; each at least 4.
    lengths : tuple of float
        Side lengths L of the box (the period for ``periodic``).
    boundary : {"periodic", "reflecting"}
        Periodic box, or walls with zero normal flux (Neumann; "reflecting walls").
    origin : tuple of float, optional
        Lower corner; default centres the box on Q = 0.

    Examples
    --------
    >>> import numpy as np
    >>> g = Grid((64,), (10.0,))
    >>> q = g.coordinates[0]
    >>> g.spacing, bool(np.isclose(g.integrate(np.exp(-q**2 / 2)), np.sqrt(2 * np.pi)))
    ((0.15625,), True)
    """

    shape: tuple[int, ...]
    lengths: tuple[float, ...]
    boundary: Boundary = "periodic"
    origin: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        raw = np.atleast_1d(real_array("shape", self.shape) if not isinstance(
            self.shape, tuple | list) or not all(isinstance(n, int) for n in self.shape)
            else np.asarray(self.shape))
        if raw.dtype.kind not in "iu" and not all(float(n).is_integer() for n in raw):
            raise TypeError(f"shape must hold whole numbers of points, got {self.shape!r}")
        shape = tuple(int(n) for n in raw)
        lengths = tuple(positive_number("lengths", x)
                        for x in np.atleast_1d(real_array("lengths", self.lengths)))
        if len(shape) not in (1, 2):
            raise ValueError(f"shape must have 1 or 2 axes (1D or 2D grids), got {shape}")
        if len(lengths) != len(shape):
            raise ValueError(f"lengths {lengths} must have one entry per axis of shape {shape}")
        if min(shape) < 4:
            raise ValueError(f"every axis needs at least 4 points, got shape {shape}")
        size = float(np.prod([float(n) for n in shape]))
        # The solvers hold a few complex fields of the grid's size at once: estimate eight.
        check_memory("shape", 8 * 16 * size, f"a grid of {size:.3g} points (eight complex "
                     "fields of it)", "use fewer points per axis")
        if self.boundary not in ("periodic", "reflecting"):
            raise ValueError(f"boundary must be 'periodic' or 'reflecting', got {self.boundary!r}")
        origin = (tuple(-x / 2 for x in lengths) if self.origin is None
                  else tuple(float(x) for x in np.atleast_1d(self.origin)))
        if len(origin) != len(shape) or not np.all(np.isfinite(origin)):
            raise ValueError(f"origin {self.origin!r} must be finite, one entry per axis")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "lengths", lengths)
        object.__setattr__(self, "origin", origin)

    # ---------------------------------------------------------------- geometry
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def spacing(self) -> tuple[float, ...]:
        """h per axis."""
        return tuple(L / n for L, n in zip(self.lengths, self.shape, strict=True))

    @property
    def cell_volume(self) -> float:
        """d^K Q of one grid cell."""
        return float(np.prod(self.spacing))

    @cached_property
    def axes(self) -> tuple[np.ndarray, ...]:
        """The coordinates along each axis."""
        shift = 0.0 if self.boundary == "periodic" else 0.5
        return tuple(o + (np.arange(n) + shift) * h
                     for o, n, h in zip(self.origin, self.shape, self.spacing, strict=True))

    @cached_property
    def coordinates(self) -> tuple[np.ndarray, ...]:
        """Q_k at every grid point (``indexing="ij"``), each of shape ``self.shape``."""
        return tuple(np.meshgrid(*self.axes, indexing="ij"))

    @cached_property
    def wavenumbers(self) -> tuple[np.ndarray, ...]:
        """Wavenumbers of the spectral basis per axis (rad per unit Q).

        Periodic: ``2π fftfreq(n, h)``; reflecting: ``π j / L``, j = 0..n-1 (cosine modes).
        """
        if self.boundary == "periodic":
            return tuple(2 * np.pi * sfft.fftfreq(n, h)
                         for n, h in zip(self.shape, self.spacing, strict=True))
        return tuple(np.pi * np.arange(n) / L
                     for n, L in zip(self.shape, self.lengths, strict=True))

    @cached_property
    def k_squared(self) -> np.ndarray:
        """|k|² on the spectral mesh (full FFT / DCT layout)."""
        ks = np.meshgrid(*self.wavenumbers, indexing="ij")
        return sum(k**2 for k in ks)

    @property
    def nyquist(self) -> tuple[float, ...]:
        """Largest resolved wavenumber π/h per axis."""
        return tuple(np.pi / h for h in self.spacing)

    # ---------------------------------------------------------------- checks
    def per_axis(self, value, name: str, *, inside: bool = False) -> np.ndarray:
        """``value`` as one finite float per axis (None means zeros; a scalar is fine in 1D).

        With ``inside=True`` a point must lie in the box when the box has walls (on a periodic
        grid every point has an image inside).
        """
        arr = (np.zeros(self.ndim) if value is None
               else np.atleast_1d(np.asarray(value, dtype=float)))
        if arr.shape != (self.ndim,) or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must have {self.ndim} finite entries (one per axis), "
                             f"got {value!r}")
        if inside and self.boundary == "reflecting":
            for c, o, L in zip(arr, self.origin, self.lengths, strict=True):
                if not o <= c <= o + L:
                    raise ValueError(f"{name} {arr} lies outside the box between the walls")
        return arr

    def check_field(self, f, name: str, *, complex_ok: bool = False) -> np.ndarray:
        """``f`` as an array whose trailing axes are ``self.shape``, all finite."""
        arr = np.asarray(f)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)):
            raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        if np.iscomplexobj(arr) and not complex_ok:
            raise TypeError(f"{name} must be real, got a complex array")
        if arr.shape[arr.ndim - self.ndim:] != self.shape or arr.ndim < self.ndim:
            raise ValueError(f"{name} has shape {arr.shape}; its last axes must be the grid "
                             f"shape {self.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or inf")
        return arr if complex_ok else arr.astype(float, copy=False)

    # ---------------------------------------------------------------- calculus
    def _grid_axes(self, f: np.ndarray) -> tuple[int, ...]:
        if f.ndim < self.ndim or f.shape[f.ndim - self.ndim:] != self.shape:
            raise ValueError(f"array of shape {f.shape} does not end in the grid shape "
                             f"{self.shape}")
        return tuple(range(f.ndim - self.ndim, f.ndim))

    def integrate(self, f) -> np.ndarray | float:
        """∫ d^K Q f over the grid axes (sum times cell volume), the ∫dQ of (11.4)-(11.7).

        >>> import numpy as np
        >>> g = Grid((128,), (20.0,))
        >>> q = g.coordinates[0]
        >>> bool(abs(g.integrate(np.exp(-q**2 / 2)) - np.sqrt(2 * np.pi)) < 1e-12)
        True
        """
        f = np.asarray(f)
        out = f.sum(axis=self._grid_axes(f)) * self.cell_volume
        return out if np.ndim(out) else out.item()

    def laplacian(self, f, method: Method = "spectral") -> np.ndarray:
        """Δf = Σ_k ∂²f/∂Q_k² (the operator of (11.5) and (11.9)).

        >>> import numpy as np
        >>> g = Grid((64,), (2 * np.pi,))
        >>> x = g.coordinates[0]
        >>> bool(np.allclose(g.laplacian(np.sin(3 * x)), -9 * np.sin(3 * x), atol=1e-10))
        True

        ``spectral``: exact on the Fourier (periodic) or cosine (reflecting) basis;
        ``fd``: the standard 3-point stencil per axis, mirrored ghost cells at walls.
        """
        _check_method(method)
        f = np.asarray(f)
        axes = self._grid_axes(f)
        if method == "spectral":
            if self.boundary == "periodic":
                return sfft.ifftn(-self.k_squared * sfft.fftn(f, axes=axes), axes=axes).real \
                    if not np.iscomplexobj(f) else \
                    sfft.ifftn(-self.k_squared * sfft.fftn(f, axes=axes), axes=axes)
            c = sfft.dctn(f, type=2, axes=axes)
            return sfft.idctn(-self.k_squared * c, type=2, axes=axes)
        out = np.zeros_like(f)
        for ax, h in zip(axes, self.spacing, strict=True):
            if self.boundary == "periodic":
                out = out + (np.roll(f, 1, ax) - 2 * f + np.roll(f, -1, ax)) / h**2
            else:
                pad = [(0, 0)] * f.ndim
                pad[ax] = (1, 1)
                g = np.pad(f, pad, mode="edge")  # mirror ghost = zero normal flux
                lo = np.take(g, range(0, f.shape[ax]), axis=ax)
                hi = np.take(g, range(2, f.shape[ax] + 2), axis=ax)
                out = out + (lo - 2 * f + hi) / h**2
        return out

    def gradient(self, f, method: Method = "spectral") -> tuple[np.ndarray, ...]:
        """(∂f/∂Q_1, ..., ∂f/∂Q_K).

        ``spectral`` on a periodic grid differentiates the Fourier series (Nyquist mode dropped);
        on a reflecting grid the cosine series (whose derivative is a sine series).  ``fd`` uses
        second-order central differences (``numpy.gradient``; periodic wrap, or one-sided
        second-order stencils at walls).
        """
        _check_method(method)
        f = np.asarray(f)
        axes = self._grid_axes(f)
        out = []
        for i, (ax, h) in enumerate(zip(axes, self.spacing, strict=True)):
            n = self.shape[i]
            if method == "fd":
                if self.boundary == "periodic":
                    out.append((np.roll(f, -1, ax) - np.roll(f, 1, ax)) / (2 * h))
                else:
                    out.append(np.gradient(f, h, axis=ax, edge_order=2))
                continue
            k = self.wavenumbers[i]
            bshape = [1] * f.ndim
            bshape[ax] = n
            if self.boundary == "periodic":
                ik = 1j * k
                if n % 2 == 0:
                    ik = ik.copy()
                    ik[n // 2] = 0.0  # the Nyquist mode has no well-defined odd derivative
                d = sfft.ifft(ik.reshape(bshape) * sfft.fft(f, axis=ax), axis=ax)
                out.append(d if np.iscomplexobj(f) else d.real)
            else:
                c = sfft.dct(f, type=2, axis=ax)
                # d/dQ cos(k (Q - Q0)) = -k sin(k (Q - Q0)); DST-II index m holds mode m + 1
                s = -np.take(c, range(1, n), axis=ax) * k[1:].reshape(
                    [n - 1 if a == ax else s for a, s in enumerate(bshape)])
                pad = [(0, 0)] * f.ndim
                pad[ax] = (0, 1)
                out.append(sfft.idst(np.pad(s, pad), type=2, axis=ax))
        return tuple(out)

    def dirichlet_form(self, u, method: Method = "spectral") -> np.ndarray | float:
        """∫ |∇u|² d^K Q, the discrete partner of ``-∫ u Δu`` for the same ``method``.

        Spectral: Parseval on the basis of :meth:`laplacian`, so ``dirichlet_form(u) ==
        -integrate(u * laplacian(u))`` to round-off; ``fd``: the sum of squared forward
        differences over cell faces (zero flux through walls), again equal to
        ``-integrate(u * laplacian(u, "fd"))`` exactly (discrete integration by parts).
        """
        _check_method(method)
        u = np.asarray(u, dtype=float)
        if method == "spectral":
            return -self.integrate(u * self.laplacian(u, "spectral"))
        axes = self._grid_axes(u)
        total = 0.0
        for ax, h in zip(axes, self.spacing, strict=True):
            if self.boundary == "periodic":
                d = (np.roll(u, -1, ax) - u) / h
            else:
                d = np.diff(u, axis=ax) / h
            total = total + (d**2).sum(axis=axes) * self.cell_volume
        return total

    def laplacian_matrix(self, method: Literal["fd"] = "fd") -> sps.csr_matrix:
        """Sparse (n_points x n_points) matrix of the ``fd`` Laplacian on the flattened grid.

        Symmetric; in a box its columns sum to zero, so ``1ᵀ L = 0`` and implicit schemes built
        on it conserve Σ p exactly.
        """
        if method != "fd":
            raise ValueError("laplacian_matrix supports method='fd' only")
        ones = []
        for n, h in zip(self.shape, self.spacing, strict=True):
            main = -2.0 * np.ones(n)
            off = np.ones(n - 1)
            m = sps.diags([off, main, off], [-1, 0, 1], format="lil")
            if self.boundary == "periodic":
                m[0, n - 1] = 1.0
                m[n - 1, 0] = 1.0
            else:
                m[0, 0] = -1.0
                m[n - 1, n - 1] = -1.0
            ones.append(sps.csr_matrix(m) / h**2)
        if self.ndim == 1:
            return ones[0].tocsr()
        eye = [sps.identity(n, format="csr") for n in self.shape]
        return (sps.kron(ones[0], eye[1]) + sps.kron(eye[0], ones[1])).tocsr()


def check_grid(grid: object, name: str = "grid") -> Grid:
    """``grid`` itself if it is a :class:`Grid`, else a TypeError naming ``name``.

    The grids every equation of Sections 11-12 is discretised on.
    """
    if not isinstance(grid, Grid):
        raise TypeError(f"{name} must be an emergent.grids.Grid, got {type(grid).__name__}")
    return grid


def sparse_lu(matrix: sps.spmatrix) -> spla.SuperLU:
    """Sparse LU of an implicit-step matrix built on :meth:`~emergent.grids.Grid.laplacian_matrix`.

    The stencils are structurally symmetric, so the minimum-degree ordering of A + Aᵀ with
    SuperLU's symmetric mode is used: on a 512 x 512 grid it has 2.6x less fill than the
    default COLAMD ordering (25 M vs 66 M non-zeros), 2.5x faster factorisation and solves.

    The implicit steps of (11.5) and (11.9).  ``matrix``: square, finite and non-singular
    (a sparse matrix or an array), else ValueError/TypeError naming it.

    >>> sparse_lu(np.ones((2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: matrix must be square, got shape (2, 3)
    """
    if not (sps.issparse(matrix) or isinstance(matrix, np.ndarray)):
        raise TypeError(f"matrix must be a sparse matrix or an array, got {type(matrix).__name__}")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    a = sps.csc_matrix(matrix)
    if a.dtype.kind not in "biufc":
        raise TypeError(f"matrix must hold numbers, got dtype {a.dtype}")
    if not np.all(np.isfinite(a.data)):
        raise ValueError("matrix has NaN or infinite entries")
    try:
        return spla.splu(a, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
    except RuntimeError as exc:  # SuperLU: "Factor is exactly singular"
        raise ValueError(f"matrix is singular ({exc})") from None


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")


def check_density(grid: Grid, p: ArrayLike, name: str = "p", *, normalize: bool = False,
                  rtol: float = 1e-8) -> np.ndarray:
    """Validate a probability density p(Q) (or a stack of them) on ``grid``.

    Raises ``ValueError`` if ``p`` is negative anywhere (beyond round-off: values down to
    -1e-13 max|p| are set to 0), non-finite, or has zero or infinite mass (not
    normalisable).  With ``normalize=True`` each slice is divided by its mass; otherwise a mass
    differing from 1 by more than ``rtol`` is an error.

    A density p of (11.3)-(11.5).

    Examples
    --------
    >>> import numpy as np
    >>> g = Grid((64,), (10.0,))
    >>> p = check_density(g, np.ones(64), normalize=True)  # the uniform density 1/L
    >>> bool(np.allclose(p, 1 / 10)), bool(np.isclose(g.integrate(p), 1.0))
    (True, True)
    >>> check_density(g, -np.ones(64))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: p ...
    """
    check_grid(grid)
    density = grid.check_field(p, name)
    # round-off negatives of spectral solvers (~1e-17 of max p) are zeros, not errors
    floor = -1e-13 * np.max(np.abs(density), initial=0.0)
    if np.any(density < floor):
        raise ValueError(f"{name} is negative somewhere (min {density.min():.3g}); a probability "
                         "density must be >= 0")
    if np.any(density < 0):
        density = np.clip(density, 0.0, None)
    mass = np.asarray(grid.integrate(density))
    if not np.all(np.isfinite(mass)) or np.any(mass <= 0):
        raise ValueError(f"{name} is not normalisable: ∫{name} dQ = {mass}")
    if normalize:
        return density / mass.reshape(mass.shape + (1,) * grid.ndim)
    if np.any(np.abs(mass - 1) > rtol):
        raise ValueError(f"{name} is not normalised: ∫{name} dQ = {mass} (pass normalize=True "
                         "to rescale)")
    return density


def spectral_tail(grid: Grid, f: ArrayLike) -> float:
    """Fraction of the spectral power of ``f`` in the top third of resolved wavenumbers.

    The usual 2/3 criterion: a field is resolved on the grid if this is tiny (~ round-off for a
    band-limited field).

    Guards the spectral solvers of (11.5) and (11.9).
    """
    check_grid(grid)
    f = grid.check_field(f, "f", complex_ok=True)
    axes = grid._grid_axes(f)
    if grid.boundary == "periodic":
        c = sfft.fftn(f, axes=axes)
    else:
        c = sfft.dctn(f.real, type=2, axes=axes) + (
            1j * sfft.dctn(f.imag, type=2, axes=axes) if np.iscomplexobj(f) else 0)
    ks = np.meshgrid(*[np.abs(k) / ny for k, ny in zip(grid.wavenumbers, grid.nyquist,
                                                      strict=True)], indexing="ij")
    high = np.maximum.reduce(ks) > 2.0 / 3.0
    power = np.abs(c) ** 2
    total = power.sum()
    return float(power[..., high].sum() / total) if total > 0 else 0.0


def check_band_limit(grid: Grid, f: ArrayLike, name: str = "field", tol: float = 1e-12) -> None:
    """``ValueError`` if the grid is too coarse for ``f``: more than ``tol`` of its spectral power
    above 2/3 of the Nyquist wavenumber (see :func:`spectral_tail`).

    Guards the spectral solvers of (11.5) and (11.9).
    """
    check_grid(grid)
    tail = spectral_tail(grid, f)
    if tail > tol:
        raise ValueError(f"grid too coarse for {name}: {tail:.2e} of its spectral power lies "
                         f"above 2/3 of the Nyquist wavenumber (allowed {tol:.0e}); refine the "
                         f"grid (shape {grid.shape}, h = {grid.spacing}), smooth {name}, or "
                         f"enlarge the box if {name} is not negligible at its edges")
