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
* :func:`canonical` — the canonical form: every monomial is handed to SymPy's abstract tensors
  (``sympy.tensor.tensor``, index type of dimension ``D``), its metrics contracted
  (``contract_metric``) and its dummy indices canonicalised by the Butler-Portugal algorithm
  (``canon_bp``), then equal monomials are collected.  Two expressions are equal in every
  dimension if their canonical forms agree;
* :func:`evaluate` — the components at an exact metric 2-jet (a cross-check independent of the
  canonicalisation: plain sums over index values).

>>> gam = christoffel("a", "b", "c")           # Γ^a_{bc}, (12.11)
>>> sorted(gam.free_upper), sorted(gam.free_lower)
(['a'], ['b', 'c'])
>>> trace = ginv("a", "b") * metric("a", "b")   # g^{ab} g_{ab} = D
>>> canonical(trace).coefficients
{1: D}
"""

from __future__ import annotations

import itertools
import string
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.tensor.tensor import TensAdd, TensMul, TensorHead, TensorIndexType, TensorSymmetry

__all__ = ["D", "fresh", "Factor", "Monomial", "TensorExpression", "ginv", "metric", "dg", "ddg",
           "scalar", "christoffel", "total_derivative", "divergence", "euler_lagrange",
           "rename", "CanonicalForm", "canonical", "evaluate", "evaluate_canonical",
           "dummies_only_on_derivatives", "log_sqrt_det_derivative"]

#: the dimension of space-time (the paper's D + 1): the value of every trace :math:`δ^a_a`
D = sp.Symbol("D", positive=True, integer=True)

# head -> (number of slots, slots that are upper)
_HEADS = {"ginv": (2, True), "g": (2, False), "dg": (3, False), "ddg": (4, False)}
_COUNTER = itertools.count()


def fresh() -> str:
    """A new dummy label (never used before in this process), for the contractions of
    (12.6)-(12.14)."""
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
    """:math:`g^{ab}`, the inverse metric (upper indices) of (12.9)."""
    _labels(a=a, b=b)
    return _single("ginv", a, b)


def metric(a: str, b: str) -> TensorExpression:
    """:math:`g_{ab}` (lower indices), the metric of (12.2)."""
    _labels(a=a, b=b)
    return _single("g", a, b)


def dg(m: str, a: str, b: str) -> TensorExpression:
    """:math:`g_{ab,m} = ∂_m g_{ab}`, the generalised force of (12.4)."""
    _labels(m=m, a=a, b=b)
    return _single("dg", m, a, b)


def ddg(m: str, n: str, a: str, b: str) -> TensorExpression:
    """:math:`g_{ab,mn} = ∂_m ∂_n g_{ab}`, entering R of (12.10)."""
    _labels(m=m, n=n, a=a, b=b)
    return _single("ddg", m, n, a, b)


def scalar(c: object) -> TensorExpression:
    """The number (or expression in D) ``c`` as a tensor without indices (e.g. the constant
    density of the cosmological term of (12.2))."""
    if isinstance(c, str | bytes) or not isinstance(c, int | float | sp.Basic):
        raise TypeError(f"c must be a number or a SymPy expression, got {type(c).__name__}")
    return TensorExpression((Monomial(sp.sympify(c), ()),))


def christoffel(a: str, b: str, c: str) -> TensorExpression:
    """:math:`Γ^a_{bc} = ½ g^{ad} (g_{db,c} + g_{dc,b} - g_{bc,d})`, (12.11).

    Examples
    --------
    At an exact jet, every component equals the Christoffel symbol of
    :func:`emergent.curvature.christoffels` (computed there by an explicit sum):

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
    r""":math:`∂_m \log √|g| = ½ g^{pq} g_{pq,m}` (Jacobi's formula), for the √|g| of (12.2)."""
    _labels(m=m)
    p, q = _fresh(), _fresh()
    return ginv(p, q) * dg(m, p, q) * sp.Rational(1, 2)


def divergence(vector: TensorExpression, index: str, *,
               with_volume: bool = True) -> TensorExpression:
    """:math:`(1/√|g|) ∂_m(√|g| v^m)` for a vector ``v`` with the free upper ``index``:
    :math:`∂_m v^m + ½ g^{pq} g_{pq,m} v^m` (``with_volume=False`` drops the second term: a
    planted error for the tests).  The divergence in (12.10)."""
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
    """∂/∂g_{ab} of the g^{..} factors (symmetrised in a, b): g^{cd} -> -g^{c(a} g^{b)d}."""
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
    """∂/∂g_{ab,m} (symmetrised in a, b): remove a g_{cd,n} and rename n, c, d to m, a, b."""
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


# ---------------------------------------------------------------------------------------
# Canonical form (SymPy's abstract tensors) and evaluation at jets
# ---------------------------------------------------------------------------------------

@cache
def _sympy_heads() -> tuple[TensorIndexType, TensorHead, TensorHead]:
    index_type = TensorIndexType("L", dummy_name="L", dim=D)
    first = TensorHead("dg", [index_type] * 3, TensorSymmetry.direct_product(1, 2))
    second = TensorHead("ddg", [index_type] * 4, TensorSymmetry.direct_product(2, 2))
    return index_type, first, second


def _to_sympy(t: Monomial) -> sp.Expr:
    index_type, first, second = _sympy_heads()
    idx: dict[str, object] = {}

    def slot(label: str, upper: bool) -> object:
        if label not in idx:
            idx[label] = sp.tensor.tensor.TensorIndex(label.replace("_", "x"), index_type)
        i = idx[label]
        return i if upper else -i

    out: sp.Expr = t.coefficient
    for f in t.factors:
        slots = [slot(i, f.upper) for i in f.indices]
        head = {"ginv": index_type.metric, "g": index_type.metric, "dg": first,
                "ddg": second}[f.head]
        out = out * head(*slots)
    return out


@dataclass(frozen=True)
class CanonicalForm:
    """``coefficients``: canonical monomial (a SymPy tensor, or 1) -> coefficient (in D); the
    normal form in which the identities of (12.6)-(12.14) are compared."""

    coefficients: Mapping[object, sp.Expr]

    @property
    def is_zero(self) -> bool:
        return not self.coefficients

    @property
    def depends_on_dimension(self) -> bool:
        """Whether any coefficient contains the trace symbol :data:`D`."""
        return any(c.has(D) for c in self.coefficients.values())


def _split(term: sp.Expr) -> Iterable[tuple[object, sp.Expr]]:
    if isinstance(term, TensAdd):
        for arg in term.args:
            yield from _split(arg)
    elif isinstance(term, TensMul) or hasattr(term, "nocoeff"):
        yield term.nocoeff, sp.sympify(term.coeff)
    elif term != 0:
        yield sp.Integer(1), sp.sympify(term)


def canonical(expr: TensorExpression) -> CanonicalForm:
    """Canonical form of ``expr``: metrics contracted (traces become D), dummies canonicalised
    by ``canon_bp``, equal monomials collected (zero coefficients dropped).  Decides the
    identities of (12.6)-(12.14) for every dimension.

    >>> canonical(dg("m", "a", "b") - dg("m", "b", "a")).is_zero
    True
    """
    _expression("expr", expr)
    collected: dict[object, sp.Expr] = {}
    for t in expr.terms:
        for key, c in _canonical_monomial(_normalised(t)):
            collected[key] = collected.get(key, sp.Integer(0)) + t.coefficient * c
    return CanonicalForm({k: sp.factor(c) for k, c in collected.items() if sp.expand(c) != 0})


def _normalised(t: Monomial) -> tuple[Factor, ...]:
    """The factors of ``t`` (coefficient dropped) in a fixed order, dummies renamed in order of
    appearance: monomials equal up to dummy names share one canonicalisation."""
    factors = sorted(t.factors, key=lambda f: (f.head, tuple(
        i if i not in t.dummies else "" for i in f.indices)))
    names: dict[str, str] = {}
    for f in factors:
        for i in f.indices:
            if i in t.dummies and i not in names:
                names[i] = f"_d{len(names)}"
    return tuple(Factor(f.head, tuple(names.get(i, i) for i in f.indices)) for f in factors)


@cache
def _canonical_monomial(factors: tuple[Factor, ...]) -> tuple[tuple[object, sp.Expr], ...]:
    index_type = _sympy_heads()[0]
    raised = _raised_by_hand(factors)
    if raised is None:  # a g_{ab} present: let SymPy contract the metrics (traces -> D)
        s = _to_sympy(Monomial(sp.Integer(1), factors))
        if hasattr(s, "contract_metric"):
            s = s.contract_metric(index_type.metric)
    else:
        s = raised
    if hasattr(s, "canon_bp"):
        s = s.canon_bp()
    return tuple(_split(s))


def _raised_by_hand(factors: tuple[Factor, ...]) -> sp.Expr | None:
    """The monomial as one SymPy tensor product with every g^{pq} absorbed into the slots it
    meets (g^{pq} T_{..p..} U_{..q..} = T_{..z..} U^{..z..}); None if a g_{ab} occurs.  The
    same tensor ``contract_metric`` would give, built without SymPy's repeated contractions."""
    if any(f.head == "g" for f in factors):
        return None
    index_type, first, second = _sympy_heads()
    lower_slots = {i: (k, s) for k, f in enumerate(factors) if not f.upper
                   for s, i in enumerate(f.indices)}
    slots = [list(f.indices) for f in factors]
    signs = [[-1] * len(f.indices) for f in factors]
    kept = []
    for f in factors:
        if not f.upper:
            continue
        end0, end1 = (lower_slots.get(i) for i in f.indices)
        if end0 is None and end1 is None:
            kept.append(f)
        elif end0 is not None and end1 is not None:
            z = fresh()
            slots[end0[0]][end0[1]], signs[end0[0]][end0[1]] = z, 1
            slots[end1[0]][end1[1]] = z
        else:
            end, free = (end0, f.indices[1]) if end0 is not None else (end1, f.indices[0])
            assert end is not None
            slots[end[0]][end[1]], signs[end[0]][end[1]] = free, 1
    idx: dict[str, object] = {}

    def index(label: str, sign: int) -> object:
        i = idx.setdefault(label, sp.tensor.tensor.TensorIndex(label.replace("_", "x"),
                                                              index_type))
        return i if sign > 0 else -i  # type: ignore[operator]

    tensors = [index_type.metric(*(index(i, 1) for i in f.indices)) for f in kept]
    for f, labels, sg in zip(factors, slots, signs, strict=True):
        if not f.upper:
            head = first if f.head == "dg" else second
            tensors.append(head(*(index(i, x) for i, x in zip(labels, sg, strict=True))))
    if not tensors:
        return sp.Integer(1)
    return TensMul(*tensors).doit()


def _einsum(spec: Iterable[tuple[np.ndarray, Iterable[str]]], out: Iterable[str]) -> object:
    letters: dict[str, str] = {}
    pool = iter(string.ascii_letters)
    arrays, subs = [], []
    for array, labels in spec:
        arrays.append(array)
        subs.append("".join(letters.setdefault(i, next(pool)) for i in labels))
    target = "".join(letters[i] for i in out)
    if not arrays:
        return 1
    return np.einsum(",".join(subs) + "->" + target, *arrays, optimize="greedy")


def evaluate(expr: TensorExpression, jet: object, order: tuple[str, ...] = ()) -> object:
    """Components of ``expr`` at an exact metric 2-jet (``emergent.onsager.Jet``), free indices in
    ``order`` (a scalar for none); traces become the jet's dimension.  Plain sums over index
    values: a check of :func:`canonical` that does not rely on it.  (12.6)-(12.14) at a point.

    >>> from emergent.jets import random_jet
    >>> evaluate(ginv("a", "b") * metric("a", "b"), random_jet(3, seed=0))
    Fraction(3, 1)
    """
    _expression("expr", expr)
    _jet(jet)
    free = set(expr.free_upper | expr.free_lower)
    if set(order) != free or len(order) != len(free):
        raise ValueError(f"order must list the free indices {sorted(free)} once each, got {order}")
    arrays = {"ginv": jet.ginv, "g": jet.g, "dg": jet.v, "ddg": jet.w}  # type: ignore[attr-defined]
    total: object = 0
    for t in expr.terms:
        value = _einsum(((arrays[f.head], f.indices) for f in t.factors), order)
        c = t.coefficient.subs(D, jet.g.shape[0])  # type: ignore[attr-defined]
        total = total + _exact(c) * value
    return total


def _jet(jet: object) -> None:
    from emergent.jets import check_jet

    check_jet(jet)  # type: ignore[arg-type]


def _form(form: object) -> None:
    if not isinstance(form, CanonicalForm):
        raise TypeError(f"form must be a CanonicalForm (from canonical), got "
                        f"{type(form).__name__}")


def _exact(c: sp.Expr) -> object:
    from fractions import Fraction

    num, den = sp.fraction(sp.nsimplify(c))
    return Fraction(int(num), int(den))


def dummies_only_on_derivatives(form: CanonicalForm) -> bool:
    """True if in every canonical monomial each summed index sits on :math:`g_{ab,m}` or
    :math:`g_{ab,mn}` slots (a metric factor carries free indices only) and no trace D occurs.
    Then, at a metric h ⊕ 1 whose derivatives live in a block, every sum runs over the block:
    the reduction lemma behind uniqueness in (12.10) for every D.

    >>> dummies_only_on_derivatives(canonical(ginv("a", "b") * dg("m", "a", "b")))
    True
    >>> dummies_only_on_derivatives(canonical(ginv("a", "b") * metric("a", "b")))
    False
    """
    _form(form)
    metric_name = _sympy_heads()[0].metric.name
    for key in form.coefficients:
        if key == 1:
            return False  # a pure number: a trace, D^k, or a constant
        counts = Counter(i.name for _, idx in _components(key) for i in idx)
        for comp, idx in _components(key):
            if comp.name == metric_name and any(counts[i.name] > 1 for i in idx):
                return False
    return not form.depends_on_dimension


def evaluate_canonical(form: CanonicalForm, jet: object,
                       order: tuple[str, ...] = ()) -> object:
    """Components of a :class:`CanonicalForm` at a jet: each SymPy monomial's indices read off
    (an upper index on :math:`g_{ab,m}` or :math:`g_{ab,mn}` raised with :math:`g^{-1}`), summed
    over index values.  An independent check that ``canon_bp`` kept the value.  (12.6)-(12.14)
    at a point.

    >>> from emergent.jets import random_jet
    >>> evaluate_canonical(canonical(ginv("a", "b") * metric("a", "b")), random_jet(4, seed=0))
    Fraction(4, 1)
    """
    _form(form)
    _jet(jet)
    total: object = 0
    for key, c in form.coefficients.items():
        value: object = 1
        if key != 1:
            spec = [(_raised(comp.name, [i.is_up for i in idx], jet), [i.name for i in idx])
                    for comp, idx in _components(key)]
            value = _einsum(spec, [o.replace("_", "x") for o in order])
        total = total + _exact(c.subs(D, jet.g.shape[0])) * value  # type: ignore[attr-defined]
    return total


def _components(term: object) -> list[tuple[Any, list[Any]]]:
    indices = list(term.get_indices())  # type: ignore[attr-defined]
    out, k = [], 0
    for comp in term.components:  # type: ignore[attr-defined]
        out.append((comp, indices[k:k + comp.rank]))
        k += comp.rank
    return out


def _raised(name: str, ups: list[bool], jet: object) -> np.ndarray:
    gi, g = jet.ginv, jet.g  # type: ignore[attr-defined]
    if name == _sympy_heads()[0].metric.name:  # the metric: g_{ab}, g^{ab} or δ
        if ups == [True, True]:
            return gi
        if ups == [False, False]:
            return g
        return np.eye(g.shape[0], dtype=int).astype(object)
    array = {"dg": jet.v, "ddg": jet.w}[name]  # type: ignore[attr-defined]
    for axis, up in enumerate(ups):
        if up:
            array = np.moveaxis(np.tensordot(gi, array, axes=([1], [axis])), 0, axis)
    return array
