"""Exact solutions on periodic and reflecting boxes as Fourier series of image sums.

A free-space solution f(Q, t) with continuum Fourier transform :math:`F(k, t) = ∫ f e^{-ikQ} dQ`
becomes exact on a box by summing images: periodic images Σ_m f(Q + mL), or, between reflecting
walls at o and o + L, the even images Σ_m [f(Q + 2mL) + f(2o - Q + 2mL)].  By Poisson summation
these are the Fourier series :math:`(1/L) Σ_j F(2πj/L) e^{2πijQ/L}` and
:math:`(1/2L) Σ_j [F(k_j) + e^{-2ik_j o} F(-k_j)] e^{ik_jQ}`, :math:`k_j = πj/L`.  Unlike a
truncated sum of
images this is exact whatever the drift or width of f (no image count to get wrong), and it
costs one term per resolved wavenumber.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def image_sum(x: np.ndarray, t: np.ndarray, transform: Callable[[np.ndarray, float], np.ndarray],
              k_range: tuple[float, float], length: float, origin: float,
              boundary: str) -> np.ndarray:
    """Σ_images f(x, t) for each t, shape ``(len(t), len(x))`` (complex).

    ``transform(k, t)`` is F(k, t) on an array of k; ``k_range`` bounds the k outside which
    |F| is below round-off for every t.

    Used for the exact box solutions of (11.5) and (11.9).
    """
    lo, hi = k_range
    if boundary == "periodic":
        dk, period = 2 * np.pi / length, length
    else:
        dk, period = np.pi / length, 2 * length
        lo, hi = min(lo, -hi), max(hi, -lo)  # F(-k) enters as well
    k = dk * np.arange(np.floor(lo / dk), np.ceil(hi / dk) + 1)
    phase = np.exp(1j * np.outer(x, k))  # (nx, nk), reused for every t
    out = np.empty((t.size, x.size), dtype=complex)
    for n, tn in enumerate(t):
        coeff = transform(k, tn)
        if boundary != "periodic":
            coeff = coeff + np.exp(-2j * k * origin) * transform(-k, tn)
        out[n] = phase @ coeff / period
    return out
