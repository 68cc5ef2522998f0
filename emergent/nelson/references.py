"""Exact references for Nelson's process: superpositions of harmonic-oscillator eigenstates
in 1D and 2D, exact solutions of (11.9) with V = ω²Q²/(2D)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import eval_hermite, gammaln

from emergent.grids import Grid, check_grid
from ntcore.checks import count, positive_number, real_array

__all__ = ["oscillator_state"]


def oscillator_state(grid: Grid, t, D: float, omega: float, terms) -> np.ndarray:
    """Exact :math:`Ψ(t) = Σ_j c_j Π_a φ_{n_{ja}}(Q_a) e^{-iE_j t}` of (11.9) with
    V = ω²|Q|²/(2D) (m = 1/D).

    φ_n are the Hermite functions of length ℓ = √(D/ω) and E = ω(Σ_a n_a + K/2).  ``terms`` is a
    list of (c_j, (n_1, ..., n_K)); the c_j are normalised here (the eigenstates are
    orthonormal).  Examples: the ground state ``[(1, (0,))]`` (an Ornstein-Uhlenbeck process);
    ``[(1, (0,)), (1, (1,))]`` (a density that sloshes, with a node at t = 0, π/ω, ...);
    in 2D ``[(1, (1, 0)), (1j, (0, 1))]``, a vortex with a node at the origin.
    Returns shape ``(len(t), *grid.shape)`` (``grid.shape`` for scalar t).

    >>> g = Grid((256,), (20.0,))
    >>> psi = oscillator_state(g, [0.0, 1.0], 1.0, 1.0, [(1, (0,)), (1, (1,))])
    >>> bool(np.allclose(g.integrate(np.abs(psi) ** 2), 1.0))
    True
    """
    check_grid(grid)
    D = positive_number("D", D)
    omega = positive_number("omega", omega)
    scalar = np.ndim(t) == 0
    t = np.atleast_1d(real_array("t", t))
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError("t must be a finite time or 1D array of finite times")
    if isinstance(terms, str | bytes) or not isinstance(terms, list | tuple):
        raise TypeError(f"terms must be a list of (coefficient, quantum numbers) pairs, got "
                        f"{type(terms).__name__}")
    terms = list(terms)
    if not terms:
        raise ValueError("terms must hold at least one (coefficient, quantum numbers) pair")
    if not all(isinstance(p, list | tuple) and len(p) == 2 for p in terms):
        raise TypeError("terms must be (coefficient, quantum numbers) pairs, e.g. "
                        f"[(1.0, (0,))], got {terms!r:.60}")
    try:
        coeffs = np.array([complex(c) for c, _ in terms])
    except (TypeError, ValueError) as exc:
        raise TypeError(f"terms: coefficients must be numbers ({exc})") from None
    if not np.all(np.isfinite(coeffs)) or not np.any(coeffs != 0):
        raise ValueError("terms: coefficients must be finite and not all 0")
    coeffs = coeffs / np.linalg.norm(coeffs)
    ell = math.sqrt(D / omega)
    out = np.zeros((t.size, *grid.shape), dtype=complex)
    for c, (_, ns) in zip(coeffs, terms, strict=True):
        ns = tuple(count("quantum number", n, minimum=0, whole_floats=True)
                   for n in np.atleast_1d(ns))
        if len(ns) != grid.ndim:
            raise ValueError(f"terms: quantum numbers {ns} need one entry per axis "
                             f"({grid.ndim})")
        for n, ny in zip(ns, grid.nyquist, strict=True):
            if math.sqrt(2 * n + 1) / ell + 6 / ell > ny:  # |φ̂_n| lives at |k| <~ √(2n+1)/ℓ
                raise ValueError(f"grid too coarse for the eigenstate n = {n}: wavenumbers up to "
                                 f"{math.sqrt(2 * n + 1) / ell + 6 / ell:.3g} exceed the "
                                 f"Nyquist wavenumber {ny:.3g}")
        shape_fn = np.ones(grid.shape)
        for q, n in zip(grid.coordinates, ns, strict=True):
            x = q / ell
            log_norm = -0.5 * (n * math.log(2) + gammaln(n + 1) + 0.5 * math.log(math.pi)) \
                - 0.5 * math.log(ell)
            shape_fn = shape_fn * np.exp(log_norm - x**2 / 2) * eval_hermite(n, x)
        energy = omega * (sum(ns) + grid.ndim / 2)
        out += c * np.exp(-1j * energy * t).reshape((-1,) + (1,) * grid.ndim) * shape_fn
    return out[0] if scalar else out
