"""Euler-Lagrange operator for metric densities of any order, and the test "two densities
differ by a total divergence" (their Euler-Lagrange expressions agree), fully symbolically.

The density is a SymPy expression in the functions g_ab(x) (a <= b) of a generic metric
(:func:`generic_metric`), of first or second (or higher) order; the operator is SymPy's
``euler_equations``.  Equality of the Euler-Lagrange expressions is decided on random
polynomial metrics with rational coefficients, exactly: a non-zero polynomial identity of
degree d survives a random point with probability <= d/|S| (Schwartz-Zippel), so a few
independent metrics make a false "equal" negligible.  This route is practical in D = 2
(seconds) and D = 3 (minutes); :mod:`emergent.onsager` covers D >= 3 by exact jets.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.calculus.euler import euler_equations
from sympy.core.function import AppliedUndef

from ntcore.checks import count, seed_value

__all__ = ["generic_metric", "euler_lagrange", "DivergenceTest", "differ_by_divergence"]


def generic_metric(dim: int) -> tuple[sp.Matrix, tuple[sp.Symbol, ...], dict]:
    """A metric of unknown functions g_ab(x0..); returns (matrix, coordinates, functions).

    The :math:`g_{μν}(x)` of (12.6)-(12.10).

    Examples
    --------
    D(D + 1)/2 unknown functions, placed symmetrically:

    >>> g, xs, funcs = generic_metric(3)
    >>> g.shape, len(funcs), g == g.T, g[2, 0] == funcs[(0, 2)]
    ((3, 3), 6, True, True)
    """
    dim = count("dim", dim, minimum=2)
    xs = sp.symbols(f"x0:{dim}")
    funcs = {(a, b): sp.Function(f"g{a}{b}")(*xs) for a in range(dim) for b in range(a, dim)}
    g = sp.Matrix(dim, dim, lambda a, b: funcs[(min(a, b), max(a, b))])
    return g, xs, funcs


def _check_density(name: str, density: object) -> sp.Expr:
    """A SymPy expression (or a number); strings are refused, not parsed."""
    if isinstance(density, bool) or not isinstance(density, sp.Expr | numbers.Number):
        raise TypeError(f"{name} must be a SymPy expression in the functions of "
                        f"generic_metric, got {type(density).__name__} {density!r:.40}")
    return sp.sympify(density)


def _check_functions(funcs: object, coordinates: object) -> tuple[dict, tuple[sp.Symbol, ...]]:
    """``funcs`` a non-empty {key: g(x0, ...)} of undefined functions of exactly
    ``coordinates``, a non-empty sequence of distinct SymPy symbols."""
    if isinstance(coordinates, str | sp.Basic) or not isinstance(coordinates, Sequence):
        raise TypeError(f"coordinates must be a sequence of SymPy symbols, got "
                        f"{type(coordinates).__name__}")
    xs = tuple(coordinates)
    if not xs or not all(isinstance(x, sp.Symbol) for x in xs) or len(set(xs)) != len(xs):
        raise ValueError(f"coordinates must be at least one distinct SymPy symbol, got {xs}")
    if not isinstance(funcs, Mapping):
        raise TypeError(f"funcs must be a dict {{key: g(x0, ...)}} (generic_metric's third "
                        f"value), got {type(funcs).__name__}")
    if not funcs:
        raise ValueError("funcs must hold at least one function to vary")
    for key, fn in funcs.items():
        if not isinstance(fn, AppliedUndef) or fn.args != xs:
            raise ValueError(f"funcs[{key!r}] must be an undefined function of the coordinates "
                             f"{xs}, got {fn!r:.60}")
    return dict(funcs), xs


def euler_lagrange(density: sp.Expr, funcs: dict, coordinates: Sequence[sp.Symbol]) -> dict:
    """E_ab = δ(∫ density)/δg_ab for each function g_ab (a <= b; for a ≠ b this is :math:`2 E^{ab}`
    in the symmetric convention), any derivative order.

    The variation behind (12.10) and (12.12).  ``funcs`` and ``coordinates`` are the third and
    second values of :func:`generic_metric`.

    >>> euler_lagrange("L", {}, ())
    Traceback (most recent call last):
    ...
    TypeError: density must be a SymPy expression in the functions of generic_metric, got str 'L'
    """
    density = _check_density("density", density)
    funcs, coordinates = _check_functions(funcs, coordinates)
    out = {}
    for key, fn in funcs.items():
        if not density.has(fn):
            out[key] = sp.Integer(0)  # euler_equations returns nothing for such functions
            continue
        (eq,) = euler_equations(density, [fn], list(coordinates))
        out[key] = eq.lhs
    return out


def _random_metric(funcs: dict, xs, rng: np.random.Generator, lorentzian: bool) -> dict:
    dim = len(xs)
    out = {}
    for (a, b) in funcs:
        poly = sum(sp.Rational(int(rng.integers(-4, 5)), 9) * xs[i] * xs[j]
                   for i in range(dim) for j in range(i, dim))
        poly += sum(sp.Rational(int(rng.integers(-4, 5)), 9) * x for x in xs)
        if a == b:
            poly += -1 if (lorentzian and a == 0) else 1
        out[funcs[(a, b)]] = poly
    return out


@dataclass(frozen=True)
class DivergenceTest:
    """Whether two densities have equal Euler-Lagrange expressions at ``n_samples`` random
    rational polynomial metrics and points; ``max_difference`` is the largest |E1 - E2|.

    Equality up to a divergence, as in (12.10).
    """

    equal: bool
    n_samples: int
    max_difference: float


def differ_by_divergence(density1: sp.Expr, density2: sp.Expr, funcs: dict,
                         coordinates: Sequence[sp.Symbol], *,
                         n_samples: int = 3, seed: int = 0,
                         lorentzian: bool = True) -> DivergenceTest:
    """Decide whether ``density1 - density2`` is a total divergence (equal Euler-Lagrange
    expressions), exactly, at random polynomial metrics (see the module docstring).

    Equality up to a divergence, as in (12.10).  ``n_samples`` >= 1: with none, any two
    densities would pass as equal.

    Examples
    --------
    Adding the total derivative :math:`∂_0 (g_{01} g_{11})` to a density leaves its
    Euler-Lagrange expressions unchanged; adding :math:`g_{01}^2` does not:

    >>> import sympy as sp
    >>> g, (x0, x1), f = generic_metric(2)
    >>> L = f[(0, 0)].diff(x1) ** 2 * f[(1, 1)] + f[(0, 1)] ** 2 * f[(0, 0)]
    >>> differ_by_divergence(L, L + sp.diff(f[(0, 1)] * f[(1, 1)], x0), f, (x0, x1)).equal
    True
    >>> differ_by_divergence(L, L + f[(0, 1)] ** 2, f, (x0, x1)).equal
    False
    """
    density1 = _check_density("density1", density1)
    density2 = _check_density("density2", density2)
    funcs, coordinates = _check_functions(funcs, coordinates)
    n_samples = count("n_samples", n_samples, minimum=1)
    seed = count("seed", seed)
    if not isinstance(lorentzian, bool | np.bool_):
        raise TypeError(f"lorentzian must be a bool, got {type(lorentzian).__name__}")
    rng = np.random.default_rng(seed_value("seed", seed))
    e1 = euler_lagrange(density1, funcs, coordinates)
    e2 = euler_lagrange(density2, funcs, coordinates)
    worst = sp.Integer(0)
    for _ in range(n_samples):
        metric = _random_metric(funcs, coordinates, rng, lorentzian)
        point = {x: sp.Rational(int(rng.integers(-3, 4)), 17) for x in coordinates}
        for key in funcs:
            diff = (e1[key] - e2[key]).subs(metric).doit().subs(point)
            worst = max(worst, abs(sp.nsimplify(sp.simplify(diff))))
    return DivergenceTest(equal=bool(worst == 0), n_samples=n_samples,
                          max_difference=float(worst))
