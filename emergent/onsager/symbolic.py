"""The fully symbolic route: :math:`E^{ab}` of √|g| Σ c_k I_k for a generic metric of functions,
(12.6)-(12.10), practical in dimension 2."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from fractions import Fraction

import numpy as np
import sympy as sp

from emergent.onsager.basis import BASIS
from ntcore.checks import count

__all__ = ["symbolic_euler_lagrange"]


def _check_coefficients(coefficients: object) -> dict[str, Fraction]:
    """{name: Fraction} for a mapping from basis names to rationals, or TypeError/ValueError
    naming ``coefficients``."""
    if not isinstance(coefficients, Mapping):
        raise TypeError(f"coefficients must be a dict {{basis name: rational}}, got "
                        f"{type(coefficients).__name__}")
    unknown = sorted(str(k) for k in coefficients if k not in BASIS)
    if unknown:
        raise ValueError(f"coefficients has keys {unknown} outside the basis {sorted(BASIS)}")
    out = {}
    for k, c in coefficients.items():
        if isinstance(c, bool) or not isinstance(c, numbers.Rational):
            raise TypeError(f"coefficients[{k!r}] must be a rational (int, Fraction), got "
                            f"{type(c).__name__} {c!r:.40}")
        out[k] = Fraction(c)
    return out


def symbolic_euler_lagrange(coefficients: dict[str, Fraction], dim: int, *,
                            lorentzian: bool = True) -> sp.Matrix:
    """:math:`E^{ab}[√|g| Σ c_k I_k]` for a generic metric of functions :math:`g_{ab}(x)`, fully
    symbolically
    (practical for dim 2; dim 3 takes minutes).  Off-diagonal entries are differentiated
    with respect to the single function g_ab (a ≠ b), i.e. they are :math:`2 E^{ab}`.  √|g| is
    √(-det g) for a Lorentzian metric (``lorentzian=True``), else √(det g): an explicit
    sign keeps SymPy's (complex-valued) functions out of Abs.

    The variation of the densities (12.6).  ``coefficients`` maps basis names (a subset of
    ``BASIS``; missing ones are 0) to rationals; ``dim`` is 2 or 3 (4 would take hours:
    use :func:`euler_lagrange_basis` on exact jets).

    >>> symbolic_euler_lagrange({"I6": 1}, 2)
    Traceback (most recent call last):
    ...
    ValueError: coefficients has keys ['I6'] outside the basis ['I1', 'I2', 'I3', 'I4', 'I5']
    """
    import itertools

    coefficients = _check_coefficients(coefficients)
    dim = count("dim", dim, minimum=2, maximum=3)
    if not isinstance(lorentzian, bool | np.bool_):
        raise TypeError(f"lorentzian must be a bool, got {type(lorentzian).__name__}")
    xs = sp.symbols(f"x0:{dim}")
    funcs = {}
    g = sp.zeros(dim, dim)
    for a in range(dim):
        for b in range(a, dim):
            funcs[(a, b)] = sp.Function(f"g{a}{b}")(*xs)
            g[a, b] = g[b, a] = funcs[(a, b)]
    gi = g.inv()
    sqrt_g = sp.sqrt(-g.det() if lorentzian else g.det())
    v = [[[sp.diff(g[a, b], xs[c]) for b in range(dim)] for a in range(dim)] for c in range(dim)]
    density = 0
    for name, coeff in coefficients.items():
        if coeff == 0:
            continue
        p1, p2, p3 = BASIS[name].split(",")
        term = 0
        for idx in itertools.product(range(dim), repeat=6):
            env = dict(zip("mabncd", idx, strict=True))
            term += (gi[env[p1[0]], env[p1[1]]] * gi[env[p2[0]], env[p2[1]]]
                     * gi[env[p3[0]], env[p3[1]]] * v[env["m"]][env["a"]][env["b"]]
                     * v[env["n"]][env["c"]][env["d"]])
        density += sp.Rational(coeff.numerator, coeff.denominator) * term
    density = sqrt_g * density
    e = sp.zeros(dim, dim)
    for (a, b), fn in funcs.items():
        expr = sp.diff(density, fn) - sum(
            sp.diff(sp.diff(density, sp.Derivative(fn, xs[c])), xs[c]) for c in range(dim))
        e[a, b] = e[b, a] = expr
    return e
