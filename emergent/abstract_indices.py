r"""Abstract-index algebra of a metric and its first two derivatives, in any dimension D.

The objects of Section 12, (12.6)-(12.14), are polynomials in four tensors at a point:
``ginv(a, b)`` = :math:`g^{ab}`, ``g(a, b)`` = :math:`g_{ab}`, ``dg(m, a, b)`` = :math:`g_{ab,m}`
and ``ddg(m, n, a, b)`` = :math:`g_{ab,mn}`
(``ginv`` carries upper indices, the others lower ones; dg is symmetric in (a, b), ddg in (m, n)
and in (a, b)).  A :class:`TensorExpression` is a sum of :class:`Monomial` s, each a rational
coefficient times a product of such factors; a label that occurs twice in a monomial (once up,
once down) is summed over, a label that occurs once is free.  The dimension never enters: a trace
:math:`δ^a_a` (:math:`g^{ab} g_{ab}`) is the symbol :data:`D`.

Operations, each a rule of the calculus applied by the product rule:

* :func:`total_derivative` :math:`∂_m` (:math:`∂_m g^{ab} = -g^{ap} g^{bq} g_{pq,m}`);
* :func:`divergence` :math:`(1/√|g|) ∂_m(√|g| v^m)`, with
  :math:`∂_m \log √|g| = ½ g^{pq} g_{pq,m}`;
* :func:`euler_lagrange` :math:`E^{ab}[√|g| ℓ]/√|g| = ∂ℓ/∂g_{ab} + ½ g^{ab} ℓ
  - (1/√|g|) ∂_m(√|g| ∂ℓ/∂g_{ab,m})`;
* :func:`~emergent.tensor_canonical.canonical` (in :mod:`emergent.tensor_canonical`) — the
  canonical form: every monomial is handed to SymPy's abstract tensors (``sympy.tensor.tensor``,
  index type of dimension ``D``), its metrics contracted (``contract_metric``) and its dummy
  indices canonicalised by the Butler-Portugal algorithm (``canon_bp``), then equal monomials
  are collected.  Two expressions are equal in every dimension if their canonical forms agree;
* :func:`~emergent.tensor_canonical.evaluate` — the components at an exact metric 2-jet (a
  cross-check independent of the canonicalisation: plain sums over index values).

>>> from emergent.tensor_canonical import canonical
>>> gam = christoffel("a", "b", "c")           # Γ^a_{bc}, (12.11)
>>> sorted(gam.free_upper), sorted(gam.free_lower)
(['a'], ['b', 'c'])
>>> trace = ginv("a", "b") * metric("a", "b")   # g^{ab} g_{ab} = D
>>> canonical(trace).coefficients
{1: D}
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

__all__ = ["D", "fresh", "Factor", "Monomial", "TensorExpression", "ginv", "metric", "dg", "ddg",
           "scalar", "christoffel", "total_derivative", "divergence", "euler_lagrange", "rename",
           "log_sqrt_det_derivative"]

#: the dimension of space-time (the paper's D + 1): the value of every trace :math:`δ^a_a`
D = sp.Symbol("D", positive=True, integer=True)

# head -> (number of slots, slots that are upper)
_HEADS = {"ginv": (2, True), "g": (2, False), "dg": (3, False), "ddg": (4, False)}
_COUNTER = itertools.count()


def fresh() -> str:
    """A new dummy label (never used before in this process), for the contractions of
    (12.6)-(12.14).

    Examples
    --------
    Two calls never give the same label, and neither can clash with a user label (those do
    not start with ``_`` in the examples):

    >>> a, b = fresh(), fresh()
    >>> a != b, a.startswith("_"), b.startswith("_")
    (True, True, True)
    """
    return f"_{next(_COUNTER)}"


_fresh = fresh


def _labels(**labels: object) -> None:
    """TypeError naming the first argument that is not a non-empty string (an index label)."""
    for name, value in labels.items():
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty string (an index label), got {value!r}")


def _expression(name: str, value: object) -> None:
    if not isinstance(value, TensorExpression):
        raise TypeError(f"{name} must be a TensorExpression, got {type(value).__name__}")


@dataclass(frozen=True)
class Factor:
    """One tensor of a monomial: ``head`` in ginv/g/dg/ddg and its index labels (strings);
    the building blocks of (12.6)-(12.14).

    >>> Factor("dg", ("m", "a", "b")).upper
    False
    """

    head: str
    indices: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.head not in _HEADS:
            raise ValueError(f"head must be one of {sorted(_HEADS)}, got {self.head!r}")
        if len(self.indices) != _HEADS[self.head][0] or not all(
                isinstance(i, str) and i for i in self.indices):
            raise ValueError(f"indices of {self.head} must be {_HEADS[self.head][0]} non-empty "
                             f"strings, got {self.indices!r}")

    @property
    def upper(self) -> bool:
        return _HEADS[self.head][1]


@dataclass(frozen=True)
class Monomial:
    """``coefficient`` × the product of ``factors``; each label occurs once (free) or twice, once
    upper and once lower (summed).  One term of the densities (12.6)-(12.14)."""

    coefficient: sp.Expr
    factors: tuple[Factor, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "coefficient", sp.sympify(self.coefficient))
        up = Counter(i for f in self.factors if f.upper for i in f.indices)
        down = Counter(i for f in self.factors if not f.upper for i in f.indices)
        bad = sorted(i for i in up | down if up[i] > 1 or down[i] > 1)
        if bad:
            raise ValueError(f"factors: index {bad[0]!r} occurs twice in the same position "
                             "(a dummy must be once upper and once lower)")

    @property
    def free_upper(self) -> frozenset[str]:
        down = {i for f in self.factors if not f.upper for i in f.indices}
        return frozenset(i for f in self.factors if f.upper for i in f.indices if i not in down)

    @property
    def free_lower(self) -> frozenset[str]:
        up = {i for f in self.factors if f.upper for i in f.indices}
        return frozenset(i for f in self.factors if not f.upper for i in f.indices if i not in up)

    @property
    def dummies(self) -> frozenset[str]:
        up = {i for f in self.factors if f.upper for i in f.indices}
        return frozenset(i for f in self.factors if not f.upper for i in f.indices if i in up)

    def relabel(self, mapping: Mapping[str, str]) -> Monomial:
        return Monomial(self.coefficient, tuple(
            Factor(f.head, tuple(mapping.get(i, i) for i in f.indices)) for f in self.factors))


@dataclass(frozen=True)
class TensorExpression:
    """A sum of monomials with the same free indices (checked), closed under +, -, ×; the
    quantities of (12.6)-(12.14) with abstract indices.

    >>> sorted((ginv("a", "b") * dg("m", "a", "c")).free_lower)
    ['c', 'm']
    """

    terms: tuple[Monomial, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", tuple(t for t in self.terms if t.coefficient != 0))
        kinds = {(t.free_upper, t.free_lower) for t in self.terms}
        if len(kinds) > 1:
            raise ValueError(f"terms must have the same free indices, got {sorted(kinds, key=str)}")

    @property
    def free_upper(self) -> frozenset[str]:
        return self.terms[0].free_upper if self.terms else frozenset()

    @property
    def free_lower(self) -> frozenset[str]:
        return self.terms[0].free_lower if self.terms else frozenset()

    def __add__(self, other: TensorExpression) -> TensorExpression:
        if not self.terms or not other.terms:
            return TensorExpression(self.terms + other.terms)
        if (self.free_upper, self.free_lower) != (other.free_upper, other.free_lower):
            raise ValueError("cannot add tensors with different free indices: "
                             f"{sorted(self.free_upper)}/{sorted(self.free_lower)} and "
                             f"{sorted(other.free_upper)}/{sorted(other.free_lower)}")
        return TensorExpression(self.terms + other.terms)

    def __neg__(self) -> TensorExpression:
        return self.scale(-1)

    def __sub__(self, other: TensorExpression) -> TensorExpression:
        return self + (-other)

    def scale(self, c: object) -> TensorExpression:
        """The expression times the scalar ``c`` (a number or a SymPy expression in D)."""
        return TensorExpression(tuple(Monomial(t.coefficient * sp.sympify(c), t.factors)
                                      for t in self.terms))

    def __mul__(self, other: TensorExpression | int | sp.Expr) -> TensorExpression:
        if not isinstance(other, TensorExpression):
            return self.scale(other)
        out = []
        for s in self.terms:
            taken = {i for f in s.factors for i in f.indices}
            for o in other.terms:
                clash = {i: _fresh() for i in o.dummies if i in taken}
                o2 = o.relabel(clash)
                out.append(Monomial(s.coefficient * o2.coefficient, s.factors + o2.factors))
        return TensorExpression(tuple(out))

    __rmul__ = scale


def _single(head: str, *indices: str) -> TensorExpression:
    return TensorExpression((Monomial(sp.Integer(1), (Factor(head, tuple(indices)),)),))


def ginv(a: str, b: str) -> TensorExpression:
    """:math:`g^{ab}`, the inverse metric (upper indices) of (12.9).

    Examples
    --------
    At the jet of an explicit metric its components are SymPy's matrix inverse:

    >>> from emergent.tensor_canonical import evaluate
    >>> from emergent.metrics import Metric, jet_at
    >>> t, x = sp.symbols("t x")
    >>> G = sp.Matrix([[-1 - x**2, t], [t, 1 + t * x]])
    >>> jet = jet_at(Metric(G, (t, x)), [1, 2])
    >>> sp.Matrix(evaluate(ginv("a", "b"), jet, ("a", "b"))) == G.subs({t: 1, x: 2}).inv()
    True
    """
    _labels(a=a, b=b)
    return _single("ginv", a, b)


def metric(a: str, b: str) -> TensorExpression:
    """:math:`g_{ab}` (lower indices), the metric of (12.2).

    Examples
    --------
    Contracted with :func:`ginv` it gives :math:`δ^a_c` (the identity matrix at a jet) and the
    trace D:

    >>> from emergent.tensor_canonical import canonical, evaluate
    >>> import numpy as np
    >>> from emergent.jets import random_jet
    >>> delta = evaluate(ginv("a", "b") * metric("b", "c"), random_jet(3, seed=1), ("a", "c"))
    >>> bool(np.all(delta == np.eye(3))), canonical(ginv("a", "b") * metric("a", "b")).coefficients
    (True, {1: D})
    """
    _labels(a=a, b=b)
    return _single("g", a, b)


def dg(m: str, a: str, b: str) -> TensorExpression:
    """:math:`g_{ab,m} = ∂_m g_{ab}`, the generalised force of (12.4).

    Examples
    --------
    The derivative index comes first: at the jet of :math:`g_{tx} = t x` (t = 1, x = 2),
    :math:`g_{tx,t} = x = 2` and :math:`g_{tx,x} = t = 1` (SymPy differentiates the metric):

    >>> from emergent.tensor_canonical import evaluate
    >>> from emergent.metrics import Metric, jet_at
    >>> t, x = sp.symbols("t x")
    >>> jet = jet_at(Metric(sp.Matrix([[-1, t * x], [t * x, 1]]), (t, x)), [1, 2])
    >>> v = evaluate(dg("m", "a", "b"), jet, ("m", "a", "b"))
    >>> v[0, 0, 1], v[1, 0, 1], v[0, 0, 0]
    (2, 1, 0)
    """
    _labels(m=m, a=a, b=b)
    return _single("dg", m, a, b)


def ddg(m: str, n: str, a: str, b: str) -> TensorExpression:
    """:math:`g_{ab,mn} = ∂_m ∂_n g_{ab}`, entering R of (12.10).

    Examples
    --------
    Symmetric in (m, n) and in (a, b), which :func:`~emergent.tensor_canonical.canonical` knows;
    at the jet of
    :math:`g_{xx} = 1 + t x^2`, :math:`g_{xx,tx} = 2x = 4` and :math:`g_{xx,xx} = 2t = 2`:

    >>> from emergent.tensor_canonical import canonical, evaluate
    >>> from emergent.metrics import Metric, jet_at
    >>> canonical(ddg("m", "n", "a", "b") - ddg("n", "m", "b", "a")).is_zero
    True
    >>> t, x = sp.symbols("t x")
    >>> jet = jet_at(Metric(sp.Matrix([[-1, 0], [0, 1 + t * x**2]]), (t, x)), [1, 2])
    >>> w = evaluate(ddg("m", "n", "a", "b"), jet, ("m", "n", "a", "b"))
    >>> w[0, 1, 1, 1], w[1, 1, 1, 1], w[0, 0, 1, 1]
    (4, 2, 0)
    """
    _labels(m=m, n=n, a=a, b=b)
    return _single("ddg", m, n, a, b)


def scalar(c: object) -> TensorExpression:
    """The number (or expression in D) ``c`` as a tensor without indices (e.g. the constant
    density of the cosmological term of (12.2)).

    Examples
    --------
    ``scalar(D)`` is the trace :math:`g^{ab} g_{ab}`, in the canonical form and at a jet of
    dimension 4:

    >>> from emergent.tensor_canonical import canonical, evaluate
    >>> from emergent.jets import random_jet
    >>> trace = ginv("a", "b") * metric("a", "b")
    >>> canonical(scalar(D) - trace).is_zero, evaluate(scalar(D) - trace, random_jet(4, seed=0))
    (True, Fraction(0, 1))
    """
    if isinstance(c, str | bytes) or not isinstance(c, int | float | sp.Basic):
        raise TypeError(f"c must be a number or a SymPy expression, got {type(c).__name__}")
    return TensorExpression((Monomial(sp.sympify(c), ()),))


def christoffel(a: str, b: str, c: str) -> TensorExpression:
    """:math:`Γ^a_{bc} = ½ g^{ad} (g_{db,c} + g_{dc,b} - g_{bc,d})`, (12.11).

    Examples
    --------
    At an exact jet, every component equals the Christoffel symbol of
    :func:`emergent.curvature.christoffels` (computed there by an explicit sum):

    >>> from emergent.tensor_canonical import evaluate
    >>> import numpy as np
    >>> from emergent.curvature import christoffels
    >>> from emergent.jets import random_jet
    >>> j = random_jet(3, seed=2)
    >>> gamma = evaluate(christoffel("a", "b", "c"), j, ("a", "b", "c"))
    >>> bool(np.all(gamma == christoffels(j).gamma))
    True
    """
    _labels(a=a, b=b, c=c)
    d = _fresh()
    return ginv(a, d) * (dg(c, d, b) + dg(b, d, c) - dg(d, b, c)) * sp.Rational(1, 2)


def rename(expr: TensorExpression, mapping: Mapping[str, str]) -> TensorExpression:
    """The expression with free labels renamed (``mapping`` old -> new); renaming a lower label to
    an upper free label of the same monomial contracts them (as in :math:`R_{bd} = R^a_{bad}`,
    (12.13)).

    >>> from emergent.tensor_canonical import canonical
    >>> canonical(rename(ginv("a", "b") * metric("c", "d"), {"c": "a", "d": "b"})).coefficients
    {1: D}
    """
    _expression("expr", expr)
    if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in mapping.items()):
        raise TypeError("mapping must map index labels (str) to non-empty labels (str)")
    return TensorExpression(tuple(t.relabel(mapping) for t in expr.terms))


def _taken(expr: TensorExpression) -> set[str]:
    return {i for t in expr.terms for f in t.factors for i in f.indices}


def total_derivative(expr: TensorExpression, m: str) -> TensorExpression:
    """∂_m of ``expr`` (``m`` a new lower index) by the product rule, with
    :math:`∂_m g^{ab} = -g^{ap} g^{bq} g_{pq,m}`, :math:`∂_m g_{ab} = g_{ab,m}`,
    :math:`∂_m g_{ab,n} = g_{ab,nm}`.  Used for (12.10) and (12.13).

    >>> sorted(total_derivative(ginv("a", "b"), "m").free_lower)
    ['m']
    """
    _expression("expr", expr)
    _labels(m=m)
    if m in _taken(expr):
        raise ValueError(f"m must be a new index, but {m!r} already occurs in expr")
    out: list[Monomial] = []
    for t in expr.terms:
        for k, f in enumerate(t.factors):
            rest = t.factors[:k] + t.factors[k + 1:]
            if f.head == "ginv":
                p, q = _fresh(), _fresh()
                new = (Factor("ginv", (f.indices[0], p)), Factor("ginv", (f.indices[1], q)),
                       Factor("dg", (m, p, q)))
                out.append(Monomial(-t.coefficient, rest + new))
            elif f.head == "g":
                out.append(Monomial(t.coefficient, rest + (Factor("dg", (m, *f.indices)),)))
            elif f.head == "dg":
                n, a, b = f.indices
                out.append(Monomial(t.coefficient, rest + (Factor("ddg", (m, n, a, b)),)))
            else:
                raise ValueError("expr contains g_{ab,mn}: third derivatives are outside the "
                                 "calculus (not needed for (12.6)-(12.14))")
    return TensorExpression(tuple(out))


def log_sqrt_det_derivative(m: str) -> TensorExpression:
    r""":math:`∂_m \log √|g| = ½ g^{pq} g_{pq,m}` (Jacobi's formula), for the √|g| of (12.2).

    Examples
    --------
    At the jet of an explicit metric, the derivative SymPy takes of :math:`\log √|g|`:

    >>> from emergent.tensor_canonical import evaluate
    >>> from emergent.metrics import Metric, jet_at
    >>> t, x = sp.symbols("t x")
    >>> G = sp.Matrix([[-1 - x**2, t], [t, 1 + t * x]])
    >>> jet = jet_at(Metric(G, (t, x)), [1, 2])
    >>> ref = [sp.diff(sp.log(sp.sqrt(-G.det())), c).subs({t: 1, x: 2}) for c in (t, x)]
    >>> list(evaluate(log_sqrt_det_derivative("m"), jet, ("m",))) == ref
    True
    """
    _labels(m=m)
    p, q = _fresh(), _fresh()
    return ginv(p, q) * dg(m, p, q) * sp.Rational(1, 2)


def divergence(vector: TensorExpression, index: str, *,
               with_volume: bool = True) -> TensorExpression:
    """:math:`(1/√|g|) ∂_m(√|g| v^m)` for a vector ``v`` with the free upper ``index``:
    :math:`∂_m v^m + ½ g^{pq} g_{pq,m} v^m` (``with_volume=False`` drops the second term: a
    planted error for the tests).  The divergence in (12.10).

    Examples
    --------
    For :math:`v^m = g^{mp} g^{qr} g_{qr,p}` at the jet of an explicit metric, against
    :math:`(1/√|g|) ∂_m(√|g| v^m)` differentiated by SymPy; the planted error misses it:

    >>> from emergent.tensor_canonical import evaluate
    >>> from emergent.metrics import Metric, jet_at
    >>> t, x = sp.symbols("t x")
    >>> X, G = (t, x), sp.Matrix([[-1 - x**2, t], [t, 1 + t * x]])
    >>> Gi, vol = G.inv(), sp.sqrt(-G.det())
    >>> vm = [sum(Gi[m, p] * Gi[q, r] * sp.diff(G[q, r], X[p])
    ...           for p in range(2) for q in range(2) for r in range(2)) for m in range(2)]
    >>> ref = sp.simplify(sum(sp.diff(vol * vm[m], X[m]) for m in range(2)) / vol)
    >>> v = ginv("m", "p") * ginv("q", "r") * dg("p", "q", "r")
    >>> jet = jet_at(Metric(G, X), [1, 2])
    >>> [evaluate(divergence(v, "m", with_volume=w), jet) == ref.subs({t: 1, x: 2})
    ...  for w in (True, False)]
    [True, False]
    """
    _expression("vector", vector)
    _labels(index=index)
    if not vector.terms:
        return vector
    if index not in vector.free_upper:
        raise ValueError(f"index {index!r} must be a free upper index of vector")
    m = _fresh()
    out = rename(total_derivative(vector, m), {m: index})
    if with_volume:
        out = out + log_sqrt_det_derivative(index) * vector
    return out


def _vary_inverse(t: Monomial, a: str, b: str) -> list[Monomial]:
    """:math:`∂/∂g_{ab}` of the inverse-metric factors (symmetrised in a, b):
    :math:`g^{cd} → -g^{c(a} g^{b)d}`."""
    out = []
    for k, f in enumerate(t.factors):
        if f.head == "g":
            raise ValueError("a density to vary must not contain g_{ab}")
        if f.head != "ginv":
            continue
        rest = t.factors[:k] + t.factors[k + 1:]
        c, d = f.indices
        for x, y in ((a, b), (b, a)):
            out.append(Monomial(-t.coefficient / 2,
                                rest + (Factor("ginv", (c, x)), Factor("ginv", (y, d)))))
    return out


def _vary_first_derivative(t: Monomial, m: str, a: str, b: str) -> list[Monomial]:
    """:math:`∂/∂g_{ab,m}` (symmetrised in a, b): remove a :math:`g_{cd,n}` and rename n, c, d
    to m, a, b."""
    out = []
    for k, f in enumerate(t.factors):
        if f.head == "ddg":
            raise ValueError("a density to vary must be first order (no g_{ab,mn})")
        if f.head != "dg":
            continue
        rest = Monomial(t.coefficient / 2, t.factors[:k] + t.factors[k + 1:])
        n, c, d = f.indices
        for x, y in ((a, b), (b, a)):
            out.append(rest.relabel({n: m, c: x, d: y}))
    return out


def euler_lagrange(density: TensorExpression, a: str, b: str) -> TensorExpression:
    r""":math:`E^{ab}[√|g| ℓ] / √|g|` for a scalar first-order ``density``
    :math:`ℓ(g^{-1}, ∂g)`:

    .. math::

        ∂ℓ/∂g_{ab} + ½ g^{ab} ℓ - (1/√|g|) ∂_m(√|g| π^{mab}),
        \quad π^{mab} = ∂ℓ/∂g_{ab,m},

    symmetric in (a, b).  The variation of the densities (12.6) and of (12.2).

    >>> from emergent.tensor_canonical import canonical
    >>> e = euler_lagrange(scalar(1), "a", "b")     # E[√|g|] = ½ √|g| g^{ab}
    >>> canonical(e - ginv("a", "b") * sp.Rational(1, 2)).is_zero
    True
    """
    _expression("density", density)
    _labels(a=a, b=b)
    if density.free_upper or density.free_lower:
        raise ValueError("density must be a scalar (no free indices)")
    taken = _taken(density)
    if a == b or a in taken or b in taken:
        raise ValueError(f"a, b must be two new labels, got {a!r}, {b!r}")
    m = _fresh()
    part_g = [v for t in density.terms for v in _vary_inverse(t, a, b)]
    half_trace = ginv(a, b) * density * sp.Rational(1, 2)
    momentum = TensorExpression(tuple(v for t in density.terms
                                      for v in _vary_first_derivative(t, m, a, b)))
    return TensorExpression(tuple(part_g)) + half_trace - divergence(momentum, m)


