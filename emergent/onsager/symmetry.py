"""How many independent densities the symmetries (12.7)-(12.8) leave, counted over pairings
of the six slots, against the rank the jets measure."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from emergent.jets import random_jet
from emergent.onsager.basis import BASIS, term, to_sympy
from emergent.onsager.cost import check_jet_request
from emergent.onsager.expressions import basis_rows, in_basis
from ntcore.verdict import Claim, within_tolerance

__all__ = ["SymmetryCount", "symmetry_count"]


_SLOTS = "mnabcd"  # μ ν α β γ δ


def _pairings(items: str) -> list[tuple[tuple[str, str], ...]]:
    if not items:
        return [()]
    first, rest = items[0], items[1:]
    out = []
    for i, partner in enumerate(rest):
        for tail in _pairings(rest[:i] + rest[i + 1:]):
            out.append(((first, partner), *tail))
    return out


def _canonical(pairing, perm: dict[str, str]) -> tuple:
    return tuple(sorted(tuple(sorted((perm[x], perm[y]))) for x, y in pairing))


@dataclass(frozen=True)
class SymmetryCount:
    """Products of three inverse metrics carrying :math:`L^{μναβγδ}`: how many independent tensors a
    symmetry group allows (orbits of the 15 index pairings) and how many distinct quadratic
    forms :math:`L g_{αβ,μ} g_{γδ,ν}` they give (rank over random jets), (12.7)-(12.8).

    ``forms`` holds each orbit's quadratic form in ``BASIS`` coordinates (exact).
    """

    group: str
    n_tensors: int
    n_quadratic_forms: int
    forms: tuple[dict[str, Fraction], ...] = ()

    def rank_excess(self, coefficients: dict[str, Fraction]) -> int:
        """0 if the density Σ c_k I_k is a combination of the allowed forms, 1 if it is not
        (the rank the density adds to them)."""
        rows = [[to_sympy(f[k]) for k in BASIS] for f in self.forms]
        extra = [to_sympy(Fraction(coefficients[k])) for k in BASIS]
        return int(sp.Matrix([*rows, extra]).rank() - sp.Matrix(rows).rank())

    def admits(self, text: str, coefficients: dict[str, Fraction]) -> Claim:
        """Verdict on "this symmetry allows the density Σ c_k I_k" from :meth:`rank_excess`."""
        return within_tolerance(f"{text} is allowed by {self.group}",
                                measured=self.rank_excess(coefficients), tolerance=0.0,
                                name="rank excess",
                                evidence="python -m emergent onsager; "
                                         "tests/emergent/test_onsager.py -k symmetries")


def symmetry_count(dim: int = 4, seed: int = 0) -> tuple[SymmetryCount, SymmetryCount]:
    """Count for (12.7) as printed, :math:`L^{μναβγδ} = L^{νμβαδγ}`, with (12.8), and for the pair
    exchange (μαβ) <-> (νγδ) described in words, with (12.8).

    Examples
    --------
    Both groups leave 5 tensors; the printed symmetry (12.7) gives only 4 distinct quadratic
    forms, one fewer than the 5 invariants I1..I5:

    >>> printed, pair = symmetry_count(3)
    >>> (printed.n_tensors, printed.n_quadratic_forms), (pair.n_tensors, pair.n_quadratic_forms)
    ((5, 4), (5, 5))
    >>> len(printed.forms) == printed.n_tensors
    True
    """
    dim, _ = check_jet_request(dim, 12)
    ident = {s: s for s in _SLOTS}
    swap_ab = ident | {"a": "b", "b": "a"}
    swap_cd = ident | {"c": "d", "d": "c"}
    printed = ident | {"m": "n", "n": "m", "a": "b", "b": "a", "c": "d", "d": "c"}
    words = ident | {"m": "n", "n": "m", "a": "c", "c": "a", "b": "d", "d": "b"}
    pairings = [tuple(tuple(sorted(p)) for p in q) for q in _pairings(_SLOTS)]
    jets = [random_jet(dim, seed=seed + 31 * j) for j in range(12)]
    at_jets = basis_rows(jets)
    results = []
    for name, gens in (("(12.7) as printed + (12.8)", [swap_ab, swap_cd, printed]),
                       ("pair exchange (in words) + (12.8)", [swap_ab, swap_cd, words])):
        orbits = _orbits(pairings, gens, ident)
        # Each orbit-sum's quadratic form evaluated at the jets: its rank, its coordinates.
        columns = []
        for orbit in orbits:
            columns.append([sum(term(",".join(x + y for x, y in pairing), jet.ginv, jet.ginv,
                                      jet.ginv, jet.v, jet.v) for pairing in orbit)
                            for jet in jets])
        rows = sp.Matrix([[to_sympy(Fraction(col[j])) for col in columns]
                          for j in range(len(jets))])
        forms = tuple(in_basis(col, at_jets) for col in columns) if dim >= 3 else ()
        results.append(SymmetryCount(name, len(orbits), int(rows.rank()), forms))
    return results[0], results[1]


def _orbits(pairings, gens, ident) -> list[set]:
    orbits: list[set] = []
    seen: set = set()
    for p in pairings:
        key = _canonical(p, ident)
        if key in seen:
            continue
        orbit, frontier = {key}, [key]
        while frontier:
            cur = frontier.pop()
            for gen in gens:
                nxt = _canonical(cur, gen)
                if nxt not in orbit:
                    orbit.add(nxt)
                    frontier.append(nxt)
        seen |= orbit
        orbits.append(orbit)
    return orbits
