"""A printed index expression :math:`L^{μναβγδ}` (such as (12.9) as printed), parsed and contracted
into the basis I1..I5 of :mod:`emergent.onsager.basis`."""

from __future__ import annotations

import re
from fractions import Fraction

import sympy as sp

from emergent.jets import Jet, random_jet
from emergent.onsager.basis import BASIS, term, to_sympy
from emergent.onsager.cost import check_jet_request

__all__ = ["PAPER_12_9_PRINTED", "parse_index_expression", "contract_into_basis"]


# (12.9) as printed in the paper, inside the bracket (units 1/(8κ)); contracted into the basis by
# :func:`contract_into_basis` (a test checks that it gives PAPER_12_9).
#: the Onsager tensor (12.9) as printed, an index expression parsed by contract_into_basis
PAPER_12_9_PRINTED = ("g^{αν}g^{βδ}g^{μγ} + g^{αγ}g^{βν}g^{μδ} - g^{αγ}g^{βδ}g^{μν} "
                      "- g^{αβ}g^{γδ}g^{μν}")
_GREEK = {"μ": "m", "ν": "n", "α": "a", "β": "b", "γ": "c", "δ": "d"}


def parse_index_expression(text: str) -> list[tuple[int, str]]:
    """Terms ``± g^{..}g^{..}g^{..}`` of a printed :math:`L^{μναβγδ}` as (sign, einsum wiring).

    >>> parse_index_expression("g^{αν}g^{βδ}g^{μγ} - g^{αβ}g^{γδ}g^{μν}")
    [(1, 'an,bd,mc'), (-1, 'ab,cd,mn')]

    Reads the printed (12.9).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    terms = []
    for sign, body in re.findall(r"([+-]?)\s*((?:g\^\{[μναβγδ]{2}\}){3})", text):
        pairs = re.findall(r"g\^\{([μναβγδ]{2})\}", body)
        wiring = ",".join(_GREEK[p[0]] + _GREEK[p[1]] for p in pairs)
        if sorted(wiring.replace(",", "")) != sorted("mnabcd"):
            raise ValueError(f"text: term {body!r} does not use each of μναβγδ once")
        terms.append((-1 if sign == "-" else 1, wiring))
    if not terms or re.sub(r"[+-]|\s|(g\^\{[μναβγδ]{2}\})", "", text):
        raise ValueError(f"text is not a sum of products of three inverse metrics: {text!r}")
    return terms


def basis_rows(jets: list[Jet]) -> sp.Matrix:
    return sp.Matrix([[to_sympy(Fraction(term(w, j.ginv, j.ginv, j.ginv, j.v, j.v)))
                       for w in BASIS.values()] for j in jets])


def in_basis(values: list, rows: sp.Matrix) -> dict[str, Fraction]:
    """The exact coordinates c with rows · c = values (rows: the basis at the jets)."""
    sol, params = rows.gauss_jordan_solve(sp.Matrix([to_sympy(Fraction(x)) for x in values]))
    if params.shape[0]:
        raise ValueError("the jets do not separate the basis; use more jets")
    return {k: Fraction(int(sp.fraction(x)[0]), int(sp.fraction(x)[1]))
            for k, x in zip(BASIS, sol, strict=True)}


def contract_into_basis(text: str, dim: int = 4, *, n_jets: int = 8,
                        seed: int = 11) -> dict[str, Fraction]:
    """Coordinates in ``BASIS`` of the quadratic form :math:`L g_{αβ,μ} g_{γδ,ν}` of a printed
    tensor (e.g. :data:`PAPER_12_9_PRINTED`), exactly: the form and I1..I5 are evaluated at
    ``n_jets`` random jets and the linear system solved over the rationals.  (12.6), (12.9).

    >>> contract_into_basis("g^{μν}g^{αγ}g^{βδ} - g^{μγ}g^{αν}g^{βδ}", 3)
    {'I1': Fraction(1, 1), 'I2': Fraction(-1, 1), 'I3': Fraction(0, 1), 'I4': Fraction(0, 1), \
'I5': Fraction(0, 1)}
    """
    terms = parse_index_expression(text)
    dim, n_jets = check_jet_request(dim, n_jets)
    jets = [random_jet(dim, seed=seed + 17 * j) for j in range(n_jets)]
    values = [sum(sign * term(w, j.ginv, j.ginv, j.ginv, j.v, j.v) for sign, w in terms)
              for j in jets]
    return in_basis(values, basis_rows(jets))
