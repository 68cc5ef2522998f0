"""Metric 2-jets: :math:`g_{ab}`, :math:`∂_c g_{ab}` and :math:`∂_c ∂_d g_{ab}` at a point,
exact, the point data on which (12.6)-(12.14) are evaluated; their check and a random constructor.

Below :mod:`emergent.curvature` and :mod:`emergent.onsager` (both take jets);
:func:`emergent.metrics.jet_at` builds the jet of a given metric.

>>> jet = random_jet(3, seed=1)
>>> jet.dim, check_jet(jet) is jet
(3, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ntcore.checks import count, seed_value

__all__ = ["Jet", "check_jet", "random_jet"]


@dataclass(frozen=True, eq=False)
class Jet:
    """A 2-jet of a metric at a point: g_ab, ∂_c g_ab (v[c,a,b]), ∂_c∂_d g_ab (w[c,d,a,b]),
    with the inverse metric (exact), all as NumPy object arrays of Fractions/ints.

    The point data of (12.6)-(12.14).  The constructor refuses (naming the field) arrays of
    the wrong shapes, a ``g`` that is not symmetric, derivatives without the symmetries of
    ∂_c g_ab and ∂_c∂_d g_ab, and a ``ginv`` that is not the inverse of ``g`` (exactly; to
    round-off for float entries).  Lists are taken as object arrays.

    >>> Jet(np.eye(2, dtype=int), np.eye(3, dtype=int), np.zeros((2, 2, 2), int),
    ...     np.zeros((2, 2, 2, 2), int))
    Traceback (most recent call last):
    ...
    ValueError: ginv must have shape (2, 2) (a jet of dimension 2: g is 2x2), got (3, 3)
    """

    g: np.ndarray
    ginv: np.ndarray
    v: np.ndarray
    w: np.ndarray

    def __post_init__(self) -> None:
        arrays = {}
        for name in ("g", "ginv", "v", "w"):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray):
                if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
                    raise TypeError(f"{name} must be an array, got {type(value).__name__}")
                value = np.array(value, dtype=object)
                object.__setattr__(self, name, value)
            arrays[name] = value
        g = arrays["g"]
        n = g.shape[0] if g.ndim == 2 and g.shape[0] == g.shape[1] else 0
        if n < 2:
            raise ValueError(f"g must be a square matrix of size n >= 2, got shape {g.shape}")
        for name, rank in (("ginv", 2), ("v", 3), ("w", 4)):
            if arrays[name].shape != (n,) * rank:
                raise ValueError(f"{name} must have shape {(n,) * rank} (a jet of dimension "
                                 f"{n}: g is {n}x{n}), got {arrays[name].shape}")
        # the symmetries of g_ab, ∂_c g_ab and ∂_c∂_d g_ab; then g^{ab} g_bc = δ^a_c
        for name, value, axes, what in (
                ("g", g, (1, 0), "g_ab = g_ba"),
                ("v", arrays["v"], (0, 2, 1), "v[c, a, b] = v[c, b, a]"),
                ("w", arrays["w"], (0, 1, 3, 2), "w[c, d, a, b] = w[c, d, b, a]"),
                ("w", arrays["w"], (1, 0, 2, 3), "w[c, d, a, b] = w[d, c, a, b]")):
            if not _vanishes(value - value.transpose(axes)):
                raise ValueError(f"{name} must be symmetric: {what}")
        if not _vanishes(g.dot(arrays["ginv"]) - np.eye(n, dtype=int)):
            raise ValueError("ginv must be the inverse of g (g·ginv = identity)")

    @property
    def dim(self) -> int:
        return self.g.shape[0]


def _vanishes(a: np.ndarray) -> bool:
    """Every entry zero: exactly for ints, Fractions and SymPy numbers (simplified if they
    differ in form only), to round-off (1e-9) for floats; NaN never vanishes."""
    for x in np.asarray(a).ravel():
        if isinstance(x, float | np.floating | complex | np.complexfloating):
            if not abs(x) <= 1e-9:
                return False
        elif isinstance(x, sp.Basic):
            if x != 0 and sp.simplify(x) != 0:
                return False
        elif x != 0:
            return False
    return True


def _unimodular(n: int, rng: np.random.Generator) -> np.ndarray:
    u = np.eye(n, dtype=object).astype(int).astype(object)
    for _ in range(3 * n):
        i, j = rng.choice(n, 2, replace=False)
        k = int(rng.integers(-2, 3))
        u[i] = u[i] + k * u[j]  # elementary row operation: det stays 1
    return u


def random_jet(dim: int, seed: int | None = None, *, lorentzian: bool = True,
               spread: int = 5) -> Jet:
    """A random exact 2-jet: g = U^T η U (U unimodular, so g⁻¹ = U⁻¹ η U⁻ᵀ is integer),
    and ∂g, ∂∂g with random integer entries in [-spread, spread] and the right symmetries.

    The point data of (12.6)-(12.14).

    Examples
    --------
    Exact: g g⁻¹ = I in integers, g symmetric, ∂_c g_ab symmetric in a, b and ∂_c∂_d g_ab
    symmetric in c, d:

    >>> j = random_jet(4, seed=0)
    >>> bool(np.all(j.g.dot(j.ginv) == np.eye(4, dtype=int))), bool(np.all(j.g == j.g.T))
    (True, True)
    >>> bool(np.all(j.v == j.v.transpose(0, 2, 1))), bool(np.all(j.w == j.w.transpose(1, 0, 2, 3)))
    (True, True)
    """
    dim = count("dim", dim, minimum=2)
    rng = np.random.default_rng(seed_value("seed", seed))
    u = _unimodular(dim, rng)
    eta = np.diag([-1 if (lorentzian and i == 0) else 1 for i in range(dim)]).astype(object)
    g = u.T.dot(eta).dot(u)
    # Plain Python ints: mixing SymPy numbers with Fractions would silently give floats.
    uinv = np.array([[int(x) for x in row] for row in sp.Matrix(u.tolist()).inv().tolist()],
                    dtype=object)
    ginv = uinv.dot(eta).dot(uinv.T)
    v = np.empty((dim, dim, dim), dtype=object)
    w = np.empty((dim, dim, dim, dim), dtype=object)
    for c in range(dim):
        for a in range(dim):
            for b in range(a, dim):
                v[c, a, b] = v[c, b, a] = int(rng.integers(-spread, spread + 1))
    for c in range(dim):
        for d in range(c, dim):
            for a in range(dim):
                for b in range(a, dim):
                    val = int(rng.integers(-spread, spread + 1))
                    w[c, d, a, b] = w[c, d, b, a] = w[d, c, a, b] = w[d, c, b, a] = val
    return Jet(g=g, ginv=ginv, v=v, w=w)


def check_jet(jet: object, name: str = "jet") -> Jet:
    """``jet`` if it is a :class:`Jet` (whose constructor has checked its shapes and
    symmetries), else a TypeError naming ``name``; before any contraction of (12.6)-(12.14).

    >>> check_jet("g")
    Traceback (most recent call last):
    ...
    TypeError: jet must be a Jet (a metric 2-jet: random_jet, emergent.metrics.jet_at), got str
    """
    if not isinstance(jet, Jet):
        raise TypeError(f"{name} must be a Jet (a metric 2-jet: random_jet, "
                        f"emergent.metrics.jet_at), got {type(jet).__name__}")
    return jet
