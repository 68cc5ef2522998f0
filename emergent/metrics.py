"""Metric inputs for Section 12: einsteinpy ``MetricTensor`` objects or SymPy matrices with
their coordinates, validated; standard metrics; exact 2-jets of a metric at a point."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from emergent.jets import Jet
from ntcore.checks import count, positive_number, real_number, seed_value
from ntcore.expressions import as_sympy, parse_expression, parse_symbol

__all__ = ["Metric", "as_metric", "schwarzschild", "de_sitter", "flrw", "random_polynomial_metric",
           "jet_at"]


@dataclass(frozen=True, eq=False)
class Metric:
    """A symmetric, non-degenerate SymPy metric :math:`g_{μν}(x)` with its coordinates.

    The :math:`g_{μν}(x)` of (12.2)-(12.14).  The constructor checks types, shapes and symmetry
    (TypeError/ValueError naming ``matrix`` or ``coordinates``); :func:`as_metric` also parses
    other inputs and refuses a degenerate metric.

    >>> t, x = sp.symbols("t x")
    >>> Metric(sp.Matrix([[-1, t], [0, 1]]), (t, x))
    Traceback (most recent call last):
    ...
    ValueError: matrix must be symmetric, got g[0, 1] = t but g[1, 0] = 0
    """

    matrix: sp.Matrix
    coordinates: tuple[sp.Symbol, ...]

    def __post_init__(self) -> None:
        m = self.matrix
        if not isinstance(m, sp.MatrixBase):
            raise TypeError(f"matrix must be a SymPy Matrix (as_metric builds one from other "
                            f"inputs), got {type(m).__name__}")
        if isinstance(self.coordinates, str | sp.Basic) or not isinstance(self.coordinates,
                                                                          Sequence):
            raise TypeError(f"coordinates must be a sequence of SymPy symbols, got "
                            f"{type(self.coordinates).__name__}")
        coords = tuple(self.coordinates)
        if not all(isinstance(c, sp.Symbol) for c in coords):
            raise TypeError(f"coordinates must be SymPy symbols, got {coords}")
        if not coords or len(set(coords)) != len(coords):
            raise ValueError(f"coordinates must be at least one distinct symbol, got {coords}")
        n = len(coords)
        if m.shape != (n, n):
            raise ValueError(f"matrix must be {n}x{n} (one row and column per coordinate), "
                             f"got shape {m.shape}")
        for a in range(n):
            for b in range(a + 1, n):
                # structural equality first: simplify only what differs in form
                if m[a, b] != m[b, a] and sp.simplify(m[a, b] - m[b, a]) != 0:
                    raise ValueError(f"matrix must be symmetric, got g[{a}, {b}] = {m[a, b]} "
                                     f"but g[{b}, {a}] = {m[b, a]}")
        object.__setattr__(self, "coordinates", coords)

    @property
    def dim(self) -> int:
        return len(self.coordinates)


def as_metric(metric: object, coordinates: Sequence | None = None) -> Metric:
    """Validate an einsteinpy ``MetricTensor`` or a SymPy matrix (+ coordinates).

    The :math:`g_{μν}(x)` of (12.2)-(12.14).

    Strings (a whole matrix such as ``"[[-1, 0], [0, r**2]]"``, single entries, coordinate
    names) are read by the restricted grammar of :mod:`ntcore.expressions` — numbers, symbols,
    arithmetic, elementary functions — and never evaluated as Python.

    >>> as_metric([["-1", "0"], ["0", "r**2"]], ["t", "r"]).matrix
    Matrix([
    [-1,    0],
    [ 0, r**2]])
    >>> as_metric("[[__import__('os').getpid(), 0], [0, 1]]", ["t", "r"])
    Traceback (most recent call last):
    ...
    ValueError: metric: attribute access ('.getpid') is not allowed

    Raises
    ------
    TypeError
        Unknown input type, or entries that are neither strings, numbers nor SymPy objects.
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
        if coordinates is None:
            raise ValueError("coordinates are required for a SymPy matrix metric")
        coordinates = _coordinates(coordinates)
        matrix = _matrix_of(metric, {str(c): c for c in coordinates})
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


def _coordinates(coordinates: object) -> tuple[sp.Symbol, ...]:
    """SymPy symbols, or names read as symbols (never evaluated: :mod:`ntcore.expressions`)."""
    if isinstance(coordinates, str | sp.Basic) or not isinstance(coordinates, Sequence):
        raise TypeError(f"coordinates must be a sequence of SymPy symbols or names, got "
                        f"{type(coordinates).__name__}")
    out = tuple(parse_symbol("coordinates", c) if isinstance(c, str) else c for c in coordinates)
    if not all(isinstance(c, sp.Symbol) for c in out):
        raise ValueError(f"coordinates must be SymPy symbols, got {out}")
    return out


def _matrix_of(metric: object, symbols: dict[str, sp.Symbol]) -> sp.Matrix:
    """The metric as a SymPy Matrix: strings (a whole matrix or single entries) are read by
    the restricted grammar of :mod:`ntcore.expressions`, other entries strictly sympified."""
    if isinstance(metric, str):
        metric = parse_expression("metric", metric, symbols)
    if isinstance(metric, np.ndarray):
        metric = metric.tolist()
    if isinstance(metric, sp.MatrixBase):
        return sp.Matrix(metric)

    def entry(e: object) -> object:
        if isinstance(e, list | tuple):
            return [entry(x) for x in e]
        if isinstance(e, str):
            return parse_expression("metric", e, symbols)
        return as_sympy("metric entries", e)

    if not isinstance(metric, list | tuple):
        raise TypeError(f"metric must be a MetricTensor, a SymPy Matrix, a list of rows or a "
                        f"string, got {type(metric).__name__}")
    try:
        return sp.Matrix(entry(metric))
    except (sp.SympifyError, ValueError, IndexError) as exc:
        raise ValueError(f"metric must be a square list of rows: {exc}") from None


_MASS = sp.Symbol("M", positive=True)
_LENGTH = sp.Symbol("ell", positive=True)


def _positive_parameter(name: str, value: object) -> sp.Expr | float:
    """``value`` unchanged if it is a number > 0 or a SymPy expression not known to be <= 0;
    TypeError/ValueError naming ``name`` otherwise (strings are refused, not parsed)."""
    if isinstance(value, sp.Expr):
        if value.is_number:
            if value.is_extended_real is False:
                raise ValueError(f"{name} must be real and > 0, got {value}")
            positive_number(name, float(value))
        elif value.is_positive is False:
            raise ValueError(f"{name} must be > 0, got {value} (known to be <= 0)")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number > 0 or a SymPy expression, got "
                        f"{type(value).__name__} {value!r:.40}")
    positive_number(name, value)
    return value


def schwarzschild(mass: sp.Expr | float = _MASS) -> Metric:
    r"""Schwarzschild in Schwarzschild coordinates (vacuum: :math:`G_{\mu\nu} = 0`).

    A solution of (12.12) in vacuum, for the checks of (12.13).  ``mass`` M > 0: a number or a
    SymPy expression (default the positive symbol M).

    >>> schwarzschild(mass=-1)
    Traceback (most recent call last):
    ...
    ValueError: mass must be finite and > 0, got -1.0
    """
    mass = _positive_parameter("mass", mass)
    t, r, th, ph = sp.symbols("t r theta phi")
    f = 1 - 2 * mass / r
    return Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))


def de_sitter(length: sp.Expr | float = _LENGTH) -> Metric:
    r"""Static patch: :math:`G_{\mu\nu} = -(3/\ell^2)\, g_{\mu\nu}` (:math:`\Lambda = 3/\ell^2` in
    :math:`G + \Lambda g = 0`).

    A solution of (12.12) with Λ, for the checks of (12.13).  ``length`` ℓ > 0: a number or a
    SymPy expression (default the positive symbol ℓ).

    Examples
    --------
    Its scalar curvature is R = 12/ℓ² at every point (here ℓ = 1, exact arithmetic):

    >>> from emergent.curvature import ricci, ricci_scalar_of, riemann
    >>> jet = jet_at(de_sitter(length=1), [0, sp.Rational(1, 3), sp.pi / 3, 0])
    >>> ricci_scalar_of(jet, ricci(riemann(jet)))
    12
    """
    length = _positive_parameter("length", length)
    t, r, th, ph = sp.symbols("t r theta phi")
    f = 1 - r**2 / length**2
    return Metric(sp.diag(-f, 1 / f, r**2, r**2 * sp.sin(th) ** 2), (t, r, th, ph))


def flrw(scale: sp.Expr | None = None) -> Metric:
    r"""Spatially flat FLRW, :math:`-dt^2 + a(t)^2\, d\mathbf{x}^2`; default :math:`a(t) = t^2`.

    A test metric for the checks of (12.12)-(12.13).  ``scale`` is a SymPy expression in the
    time coordinate ``sp.Symbol("t")`` (other symbols are parameters; the spatial coordinates
    x, y, z are refused: that would not be FLRW).

    >>> flrw(scale=lambda t: t**2)
    Traceback (most recent call last):
    ...
    TypeError: scale must be a SymPy expression in t = sp.Symbol("t") or a number, got function
    """
    t, x, y, z = sp.symbols("t x y z")
    a = t**2 if scale is None else _scale_factor(scale, t, (x, y, z))
    return Metric(sp.diag(-1, a**2, a**2, a**2), (t, x, y, z))


def _scale_factor(scale: object, t: sp.Symbol, space: tuple[sp.Symbol, ...]) -> sp.Expr:
    """The FLRW a(t), checked: a SymPy expression or number, not depending on the spatial
    coordinates, not using a foreign symbol named t, not identically zero."""
    if isinstance(scale, bool) or not isinstance(scale, sp.Expr | numbers.Real):
        raise TypeError(f'scale must be a SymPy expression in t = sp.Symbol("t") or a number, '
                        f"got {type(scale).__name__}")
    if isinstance(scale, numbers.Real):
        real_number("scale", scale)
    a = sp.sympify(scale)
    spatial = sorted(str(s) for s in a.free_symbols & set(space))
    if spatial:
        raise ValueError(f"scale must depend on time only (a(t)), got {a}, which depends on "
                         f"{', '.join(spatial)}")
    if any(s.name == "t" and s != t for s in a.free_symbols):
        raise ValueError(f'scale uses a symbol t with assumptions; the time coordinate is '
                         f'sp.Symbol("t") without any, got {a}')
    if a.is_zero:
        raise ValueError("scale must not vanish identically (the metric would be degenerate)")
    return a


# random_polynomial_metric builds ~dim^4/4 polynomial terms: 2.3 s in dim 10 (load 7 on 2
# cores), growing as dim^6; the jets and einsteinpy on it grow faster still.
_MAX_POLYNOMIAL_DIM = 12


def random_polynomial_metric(dim: int, seed: int = 0, degree: int = 2) -> Metric:
    """η + a random symmetric matrix of polynomials of ``degree`` 1 or 2 with small rational
    coefficients (no symmetry at all: a generic test of curvature code).

    A generic test metric for (12.11)-(12.13).  ``dim`` from 2 (one time, one space
    coordinate) to 12.
    """
    dim = count("dim", dim, minimum=2)
    if dim > _MAX_POLYNOMIAL_DIM:
        raise ValueError(f"dim must be <= {_MAX_POLYNOMIAL_DIM}, got {dim}: the metric has "
                         f"~dim^4/4 polynomial terms (the curvature checks use dim <= 5)")
    seed = count("seed", seed)
    if degree not in (1, 2):
        raise ValueError(f"degree must be 1 or 2, got {degree}")
    rng = np.random.default_rng(seed_value("seed", seed))
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
    """The exact 2-jet (g, ∂g, ∂∂g) of ``metric`` at ``point`` (a :class:`emergent.jets.Jet`).

    Raises TypeError if ``metric`` is not a :class:`Metric`, ValueError if the metric is
    singular there or ``point`` has the wrong length or non-finite entries.

    The exact 2-jet that (12.6)-(12.14) are evaluated on.

    Examples
    --------
    For :math:`-dt^2 + r^2 dr^2` at r = 2: :math:`g_{rr} = r^2 = 4`, :math:`∂_r g_{rr} = 2r = 4`,
    :math:`∂_r ∂_r g_{rr} = 2`:

    >>> jet = jet_at(as_metric([["-1", "0"], ["0", "r**2"]], ["t", "r"]), [0, 2])
    >>> jet.g.tolist(), jet.v[1, 1, 1], jet.w[1, 1, 1, 1]
    ([[-1, 0], [0, 4]], 4, 2)
    """
    if not isinstance(metric, Metric):
        raise TypeError(f"metric must be a Metric (as_metric, schwarzschild, ...), got "
                        f"{type(metric).__name__}")
    if isinstance(point, str) or not isinstance(point, Sequence | np.ndarray):
        raise TypeError(f"point must be a sequence of coordinate values, got "
                        f"{type(point).__name__}")
    if len(point) != metric.dim:
        raise ValueError(f"point must have {metric.dim} coordinates, got {len(point)}")
    for p in point:
        if isinstance(p, sp.Expr):
            if not p.is_number or p.is_extended_real is False or p.is_finite is False:
                raise ValueError(f"point must hold finite real numbers, got {p}")
        else:
            real_number("point", p)
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
