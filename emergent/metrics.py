"""Metric inputs for Section 12: einsteinpy ``MetricTensor`` objects or SymPy matrices with
their coordinates, validated; standard metrics; exact 2-jets of a metric at a point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

if TYPE_CHECKING:
    from emergent.onsager import Jet

__all__ = ["Metric", "as_metric", "schwarzschild", "de_sitter", "flrw", "random_polynomial_metric",
           "jet_at"]


@dataclass(frozen=True, eq=False)
class Metric:
    """A symmetric, non-degenerate SymPy metric g_{μν}(x) with its coordinates.

    The g_{μν}(x) of (12.2)-(12.14).
    """

    matrix: sp.Matrix
    coordinates: tuple[sp.Symbol, ...]

    @property
    def dim(self) -> int:
        return len(self.coordinates)


def as_metric(metric: object, coordinates: Sequence | None = None) -> Metric:
    """Validate an einsteinpy ``MetricTensor`` or a SymPy matrix (+ coordinates).

    The g_{μν}(x) of (12.2)-(12.14).

    Raises
    ------
    TypeError
        Unknown input type, or entries SymPy cannot parse.
    ValueError
        Non-square or non-symmetric matrix, coordinates not matching its dimension or not
        symbols, or a metric whose determinant vanishes identically (degenerate).

    """
    try:
        from einsteinpy.symbolic import MetricTensor
    except ImportError:  # pragma: no cover - einsteinpy is a core dependency
        MetricTensor = ()  # type: ignore[assignment]  # noqa: N806
    if MetricTensor and isinstance(metric, MetricTensor):
        lowered = metric  # an einsteinpy MetricTensor, indices lowered below
        if lowered.config != "ll":
            lowered = metric.lower_config() if hasattr(metric, "lower_config") else metric
        matrix = sp.Matrix(lowered.tensor().tolist())
        coordinates = tuple(lowered.syms)
    else:
        try:
            matrix = sp.Matrix(sp.sympify(metric))
        except (sp.SympifyError, TypeError, ValueError) as exc:
            raise TypeError(f"metric entries could not be parsed by SymPy: {exc}") from exc
    if coordinates is None:
        raise ValueError("coordinates are required for a SymPy matrix metric")
    coordinates = tuple(sp.sympify(c) for c in coordinates)
    if not all(isinstance(c, sp.Symbol) for c in coordinates):
        raise ValueError(f"coordinates must be SymPy symbols, got {coordinates}")
    if matrix.rows != matrix.cols:
        raise ValueError(f"metric must be square, got {matrix.shape}")
    if matrix.rows != len(coordinates):
        raise ValueError(f"metric is {matrix.rows}x{matrix.cols} but {len(coordinates)} "
                         "coordinates were given")
    if sp.simplify(matrix - matrix.T) != sp.zeros(*matrix.shape):
        raise ValueError("metric must be symmetric")
    if sp.simplify(matrix.det()) == 0:
        raise ValueError("metric is degenerate: its determinant vanishes identically")
    return Metric(matrix, coordinates)


_MASS = sp.Symbol("M", positive=True)
_LENGTH = sp.Symbol("ell", positive=True)


def schwarzschild(mass: sp.Expr | float = _MASS) -> Metric:
    """Schwarzschild in Schwarzschild coordinates (vacuum: G_{μν} = 0).

    A solution of (12.12) in vacuum, for the checks of (12.13).
    """
    t, r, th, ph = sp.symbols("t r theta phi")
    f = 1 - 2 * mass / r
    return Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))


def de_sitter(length: sp.Expr | float = _LENGTH) -> Metric:
    """Static patch: G_{μν} = -(3/ℓ²) g_{μν} (Λ = 3/ℓ² in G + Λ g = 0).

    A solution of (12.12) with Λ, for the checks of (12.13).
    """
    t, r, th, ph = sp.symbols("t r theta phi")
    f = 1 - r**2 / length**2
    return Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))


def flrw(scale: sp.Expr | None = None) -> Metric:
    """Spatially flat FLRW, -dt² + a(t)² dx²; default a(t) = t².

    A test metric for the checks of (12.12)-(12.13).
    """
    t, x, y, z = sp.symbols("t x y z")
    a = t**2 if scale is None else scale
    return Metric(sp.diag(-1, a**2, a**2, a**2), (t, x, y, z))


def random_polynomial_metric(dim: int, seed: int = 0, degree: int = 2) -> Metric:
    """η + a random symmetric matrix of polynomials of ``degree`` 1 or 2 with small rational
    coefficients (no symmetry at all: a generic test of curvature code).

    A generic test metric for (12.11)-(12.13).
    """
    if degree not in (1, 2):
        raise ValueError(f"degree must be 1 or 2, got {degree}")
    rng = np.random.default_rng(seed)
    xs = sp.symbols(f"x0:{dim}")
    m = sp.diag(*([-1] + [1] * (dim - 1)))
    for a in range(dim):
        for b in range(a, dim):
            p = sum(sp.Rational(int(rng.integers(-3, 4)), 10) * xs[i] * xs[j]
                    for i in range(dim) for j in range(i, dim)) if degree == 2 else 0
            p += sum(sp.Rational(int(rng.integers(-3, 4)), 10) * xs[i] for i in range(dim))
            m[a, b] += p
            if a != b:
                m[b, a] += p
    return Metric(m, xs)


def jet_at(metric: Metric, point: Sequence) -> Jet:
    """The exact 2-jet (g, ∂g, ∂∂g) of ``metric`` at ``point`` (a :class:`emergent.onsager.Jet`).

    Raises ValueError if the metric is singular there or the point has the wrong length.

    The exact 2-jet that (12.6)-(12.14) are evaluated on.
    """
    from emergent.onsager import Jet

    if len(point) != metric.dim:
        raise ValueError(f"point must have {metric.dim} coordinates, got {len(point)}")
    sub = dict(zip(metric.coordinates, (sp.nsimplify(p) for p in point), strict=True))
    n, gm, xs = metric.dim, metric.matrix, metric.coordinates

    def val(e):
        return sp.nsimplify(sp.simplify(e.subs(sub)))

    g = np.array([[val(gm[a, b]) for b in range(n)] for a in range(n)], dtype=object)
    gmat = sp.Matrix(g.tolist())
    if gmat.det() == 0:
        raise ValueError(f"the metric is singular at {tuple(point)}")
    ginv = np.array(gmat.inv().tolist(), dtype=object)
    v = np.empty((n, n, n), dtype=object)
    w = np.empty((n, n, n, n), dtype=object)
    for a in range(n):
        for b in range(n):
            for c in range(n):
                d1 = sp.diff(gm[a, b], xs[c])
                v[c, a, b] = val(d1)
                for d in range(n):
                    w[c, d, a, b] = val(sp.diff(d1, xs[d]))
    return Jet(g=g, ginv=ginv, v=v, w=w)
