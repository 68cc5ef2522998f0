"""The density of log λ of G (Fig. 5) and the count N_> (6.6), from the quadrature of SLQ.

Both come from the Gauss nodes and weights of :func:`learning.spectral_estimates.spectral_moments`
(exact methods give one "probe" with the N eigenvalues), with confidence bands from the
spread over probes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

from learning.spectral_estimates import SpectralMoments

__all__ = ["SpectralDensity", "CountEstimate", "spectral_density", "count_large_estimate"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SpectralDensity:
    """Density of log λ (eigenvalues of G per unit log λ), Gaussian-smoothed (Fig. 5).

    ``density`` integrates to N over a grid that covers the spectrum; ``lower`` and
    ``upper`` bound a pointwise confidence band (mean ± z stderr over probes, z for
    ``confidence``; equal to ``density`` for exact methods).
    """

    grid: Array
    density: Array
    lower: Array
    upper: Array
    width: float
    confidence: float


def spectral_density(result: SpectralMoments, grid: ArrayLike | None = None, *,
                     width: float | None = None, confidence: float = 0.95) -> SpectralDensity:
    r"""The density of log λ of G (5.6), λ its eigenvalues (5.10), from the quadrature of
    :func:`~learning.spectral_estimates.spectral_moments` (Fig. 5 of Section 10).

    Each node :math:`\log θ_j` with weight :math:`w_j` contributes
    :math:`w_j K_h(t - \log θ_j)`, :math:`K_h` a Gaussian of width h (default: 1/20 of the
    range of the nodes, about the spacing that a few tens of Gauss nodes resolve); per-probe
    densities give the band.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> from learning.spectral_estimates import spectral_moments
    >>> net = feedforward((20, 10, 5), seed=0)
    >>> res = spectral_moments(net, np.zeros(35), (2,), method="slq", seed=0, n_probes=4)
    >>> dens = spectral_density(res)
    >>> bool(abs(np.trapezoid(dens.density, dens.grid) - 35) < 1e-6)
    True
    """
    if not isinstance(result, SpectralMoments):
        raise TypeError(f"result must be a SpectralMoments, got {type(result).__name__}")
    quad = result.quadrature
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    live = quad.weights > 0
    lo, hi = float(np.min(quad.log_nodes[live])), float(np.max(quad.log_nodes[live]))
    if width is None:
        width = max((hi - lo) / 20.0, 1e-3)
    if not np.isfinite(width) or width <= 0:
        raise ValueError(f"width must be finite and > 0, got {width}")
    if grid is None:
        grid = np.linspace(lo - 5 * width, hi + 5 * width, 400)
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)):
        raise ValueError("grid must be a finite 1-D array of >= 2 points")
    u = (grid[None, None, :] - quad.log_nodes[..., None]) / width
    kernel = np.exp(-0.5 * u * u) / (np.sqrt(2 * np.pi) * width)
    per_probe = np.einsum("pm,pmg->pg", quad.weights, kernel)
    density = per_probe.mean(axis=0)
    if quad.exact:
        band = np.zeros_like(density)
    else:
        z = float(ndtri(0.5 + confidence / 2))
        band = z * per_probe.std(axis=0, ddof=1) / np.sqrt(quad.n_probes)
    return SpectralDensity(grid=grid, density=density, lower=density - band,
                           upper=density + band, width=float(width), confidence=confidence)


@dataclass(frozen=True)
class CountEstimate:
    """An estimate of N_> (6.6) with its standard error (None when exact)."""

    value: float
    stderr: float | None
    threshold: float


def count_large_estimate(result: SpectralMoments, beta: float,
                         factor: float = 1.0) -> CountEstimate:
    """N_> of (6.6), the number of λ_i > factor/β, from the quadrature of a result.

    For SLQ this is Σ_j w_j [θ_j > factor/β] averaged over probes: a quadrature of a step
    function, so expect an error of a few eigenvalues near the threshold on top of the
    sampling error.  For exact results it equals :func:`learning.spectrum.count_large`.

    Examples
    --------
    From the dense spectrum the count is exact (the eigenvalues counted one by one); from 30
    probes of SLQ it lies within three standard errors of it:

    >>> import numpy as np
    >>> from learning import feedforward
    >>> from learning.spectral_estimates import spectral_moments
    >>> from learning.spectrum import count_large, g_spectrum
    >>> net, x = feedforward((20, 10, 5), seed=0), np.zeros(35)
    >>> exact = count_large_estimate(spectral_moments(net, x, (2,), method="dense"), 0.8)
    >>> exact.value == count_large(g_spectrum(net, x), 0.8), exact.stderr
    (True, None)
    >>> slq = spectral_moments(net, x, (2,), method="slq", seed=0, n_probes=30)
    >>> est = count_large_estimate(slq, 0.8)
    >>> bool(abs(est.value - exact.value) < 3 * est.stderr)
    True
    """
    from learning.spectrum import check_beta

    if not isinstance(result, SpectralMoments):
        raise TypeError(f"result must be a SpectralMoments, got {type(result).__name__}")
    beta = check_beta(beta)
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"factor must be finite and > 0, got {factor}")
    log_threshold = float(np.log(factor / beta))
    value, err = result.quadrature.estimate(lambda t: (t > log_threshold).astype(float))
    return CountEstimate(value=value, stderr=err, threshold=factor / beta)
