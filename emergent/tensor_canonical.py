"""Canonical forms of abstract-index tensor expressions (:mod:`emergent.abstract_indices`) through
SymPy's abstract tensors, and their evaluation at exact metric 2-jets: two expressions are equal in
every dimension D if their canonical forms agree, (12.9)-(12.14).
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.tensor.tensor import TensAdd, TensMul, TensorHead, TensorIndexType, TensorSymmetry

from emergent.abstract_indices import (
    D,
    Factor,
    Monomial,
    TensorExpression,
    _expression,
    fresh,
)

__all__ = ["CanonicalForm", "canonical", "evaluate", "dummies_only_on_derivatives",
           "evaluate_canonical"]


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

    >>> from emergent.abstract_indices import dg
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
    """The monomial as one SymPy tensor product with every :math:`g^{pq}` absorbed into the
    slots it meets (:math:`g^{pq} T_{..p..} U_{..q..} = T_{..z..} U^{..z..}`); None if a
    :math:`g_{ab}` occurs.  The
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

    >>> from emergent.abstract_indices import ginv, metric
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

    >>> from emergent.abstract_indices import ginv, metric, dg
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

    >>> from emergent.abstract_indices import ginv, metric
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
