"""Sampling statistics of walkers against a density on the grid: exact sampling, the KS
(1D) and L1 (histogram) distances, the expected L1 of n exact samples, fitted orders
(Section 11, (11.5)-(11.9))."""

from __future__ import annotations

import math

import numpy as np

from emergent.grids import Grid, check_grid
from ntcore.checks import check_memory, count, real_array

__all__ = ["sample_density", "ks_distance", "l1_distance", "l1_noise", "fit_order"]


def sample_density(grid: Grid, p, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points from a density p on the grid, shape ``(n, K)``.

    A cell (centred on a grid point, side h) is drawn with probability :math:`p_j h^K`; within
    it each coordinate follows the linear density ∝ 1 + a s, a = (∂p/∂Q)/p by central differences,
    inverted in closed form.  The piecewise-linear model makes the sampled law agree with a
    smooth p to O(h²) (a uniform draw within cells would leave an O(h) error in the CDF).

    Examples
    --------
    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.fokker_planck import gaussian_heat_kernel
    >>> g = Grid((128,), (20.0,))
    >>> x = sample_density(g, gaussian_heat_kernel(g, 0.0, 1.0, 1.5), 4000,
    ...                    np.random.default_rng(0))
    >>> x.shape, bool(abs(x.mean()) < 4 * 1.5 / np.sqrt(4000))
    ((4000, 1), True)
    >>> bool(abs(x.var() / 1.5**2 - 1) < 0.1)
    True
    """
    check_grid(grid)
    n = count("n", n, minimum=1, whole_floats=True)
    # the cells, their indices and the (n, K) points: about 4 + 2K floats a sample
    check_memory("n", 8.0 * n * (4 + 2 * grid.ndim), f"{n} samples",
                 "draw fewer samples (or draw them in batches)")
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
    return wrap(grid, out)


def wrap(grid: Grid, x: np.ndarray) -> np.ndarray:
    """Fold points into the box: periodic images, or mirror images in the walls."""
    check_grid(grid)
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
    x = real_array("samples", samples)
    if x.size == 0 or x.size % grid.ndim or not np.all(np.isfinite(x)):
        raise ValueError(f"samples must hold n >= 1 finite points of {grid.ndim} coordinates, "
                         f"got shape {x.shape}")
    return x.reshape(-1, grid.ndim)


def ks_distance(grid: Grid, p, samples) -> float:
    """Kolmogorov-Smirnov distance sup|F_n - F| between the samples and the density p (1D).

    F is the CDF of the same piecewise-linear model :func:`sample_density` draws from.

    Examples
    --------
    Exact samples are within the Kolmogorov-Smirnov bound: P(√n D_n > 1.63) ≈ 1%:

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.fokker_planck import gaussian_heat_kernel
    >>> g = Grid((128,), (20.0,))
    >>> p = gaussian_heat_kernel(g, 0.0, 1.0, 1.0)
    >>> x = sample_density(g, p, 2000, np.random.default_rng(1))
    >>> bool(np.sqrt(2000) * ks_distance(g, p, x) < 1.63)
    True
    """
    check_grid(grid)
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
    check_grid(grid)
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
    err ∝ x^order for x = dt or h (pass x = 1/dt).  Orders are measured, never assumed.

    Examples
    --------
    >>> import numpy as np
    >>> round(fit_order([10, 100, 1000], [3.0, 0.03, 3e-4]), 12)  # err ∝ n^-2
    2.0
    """
    x, err = real_array("x", x), real_array("err", err)
    if x.shape != err.shape or x.size < 2 or not np.all(x > 0) or not np.all(err > 0):
        raise ValueError("x, err: fit_order needs >= 2 positive finite (x, err) pairs of equal "
                         "length (an order from a zero, negative or NaN error is meaningless)")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("x: all values are equal; a slope needs at least two distinct x")
    return float(-np.polyfit(np.log(x), np.log(err), 1)[0])



def l1_noise(grid: Grid, p: np.ndarray, n: int) -> float:
    """Expected ∫|p̂ - p| of a histogram of n exact samples: Σ_j √(2 p_j h/(π n)) for cells
    with many samples (the mean absolute deviation of a Poisson count).

    Examples
    --------
    It matches the L1 distance of exact samples' histogram (within ~20% here):

    >>> import numpy as np
    >>> from emergent.grids import Grid
    >>> from emergent.fokker_planck import gaussian_heat_kernel
    >>> g = Grid((128,), (20.0,))
    >>> p = gaussian_heat_kernel(g, 0.0, 1.0, 1.0)
    >>> x = sample_density(g, p, 2000, np.random.default_rng(0))
    >>> bool(abs(l1_distance(g, p, x) / l1_noise(g, p, 2000) - 1) < 0.2)
    True
    """
    check_grid(grid)
    n = count("n", n, minimum=1, whole_floats=True)
    p = grid.check_field(p, "p")
    if p.shape != grid.shape or np.any(p < 0):
        raise ValueError(f"p must be a non-negative array of the grid shape {grid.shape}")
    mass = p * grid.cell_volume
    return float(np.sum(np.sqrt(2 * mass / (math.pi * n)) * (mass * n > 1))
                 + np.sum(mass * (mass * n <= 1)))
