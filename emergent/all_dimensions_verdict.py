"""The Section 12 verdicts for every dimension D, (12.9)-(12.14), from the abstract-index
computation of :mod:`emergent.onsager_all_dimensions`: which identities hold in all D, the
rank of the basis at sample jets, and the claims and summary lines the commands print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import sympy as sp

from emergent.abstract_indices import (
    D,
)
from emergent.jets import random_jet
from emergent.onsager_all_dimensions import (
    basis_euler_lagrange,
    coordinates,
    einstein_residual,
    existence_residual,
    gamma_gamma,
    printed_12_9,
    rank_at_jets,
    two_dimensional_zero,
    volume_residual,
)
from ntcore.checks import count
from ntcore.verdict import Claim, within_tolerance

__all__ = ["AllDimensionsVerdict", "all_dimensions_verdict", "summary_lines", "claim_for_dimension"]


@dataclass(frozen=True)
class AllDimensionsVerdict:
    """The Section 12 verdicts for every dimension, (12.9)-(12.14), from the abstract computation.

    ``existence_terms`` — monomials left in R - ΓΓ - div (0: the identity holds for all D);
    ``gamma_gamma`` / ``paper`` — coordinates of ΓΓ and of 8κ·(12.9) on I1..I5 (D-free);
    ``rank_3d`` — rank of the five E[I_k] at exact 3-d jets (5: unique for every D >= 3);
    ``rank_2d`` — the same in D = 2; ``paper_excess_3`` — rank that (12.9) adds to
    √|g| R/(2κ) (1: not proportional, for every D >= 3); ``paper_excess_2`` — rank that (12.9)
    adds to the two-dimensional null Lagrangians Z and ΓΓ (1: not a divergence in D = 2);
    ``einstein_terms`` — monomials left in E[√|g| ΓΓ] + √|g| G (0: c_G = -1 for all D).
    """

    existence_terms: int
    gamma_gamma: Mapping[str, sp.Expr]
    paper: Mapping[str, sp.Expr]
    rank_3d: int
    rank_2d: int
    paper_excess_3: int
    paper_excess_2: int
    einstein_terms: int
    volume_terms: int
    dimension_free: bool

    def claims(self) -> tuple[Claim, ...]:
        """The verdicts on (12.9)-(12.14), each from one measured integer (exact: tolerance 0)."""
        ev = "python -m emergent onsager --all-dimensions"
        rows = (("√|g| R = √|g| ΓΓ + ∂(√|g| w) in every dimension (12.10)-(12.11)",
                 self.existence_terms + (0 if self.dimension_free else 1), "monomials left"),
                ("ΓΓ Lagrangian is the only combination of I1..I5 for every D >= 3",
                 5 - self.rank_3d, "null dimension in D = 3"),
                ("(12.9) reproduces √|g| R/(2κ) up to a divergence, even up to a factor, "
                 "for every D >= 3", self.paper_excess_3, "rank excess"),
                ("(12.9) reproduces √|g| R/(2κ) up to a divergence in D = 2",
                 self.paper_excess_2, "rank excess"),
                ("E[√|g| R] = -√|g| G^{ab} and E[√|g|] = ½√|g| g^{ab} for all D, so (12.2) with "
                 "(12.14) gives G + κΛg = -κT", self.einstein_terms + self.volume_terms,
                 "monomials left"))
        return tuple(within_tolerance(text, measured=float(x), tolerance=0.0, name=name,
                                      evidence=ev) for text, x, name in rows)


def _excess(rows: list[list[sp.Expr]], extra: list[sp.Expr]) -> int:
    return int(sp.Matrix([*rows, extra]).rank() - sp.Matrix(rows).rank())


def all_dimensions_verdict(n_jets: int = 3, seed: int = 0) -> AllDimensionsVerdict:
    """Run the whole abstract proof of (12.9)-(12.14) (see the module docstring) and the two
    rank computations
    (``n_jets`` exact jets in D = 3 and in D = 2).

    Examples
    --------
    The coordinates of ΓΓ on I1..I5, evaluated with ``emergent.onsager.basis.term`` at an
    exact jet in D = 4, give ΓΓ summed over components; (12.9) has the printed coordinates
    ``emergent.onsager.basis.PAPER_12_9`` of the per-dimension code:

    >>> from fractions import Fraction
    >>> from emergent.onsager.basis import BASIS, PAPER_12_9, gamma_gamma_density, term
    >>> v = all_dimensions_verdict()
    >>> j = random_jet(4, seed=5)
    >>> gi, dgs = j.ginv, j.v
    >>> sum(Fraction(str(c)) * term(BASIS[k], gi, gi, gi, dgs, dgs)
    ...     for k, c in v.gamma_gamma.items()) == gamma_gamma_density(j)
    True
    >>> all(v.paper[k] == PAPER_12_9[k] for k in BASIS), v.rank_3d, v.existence_terms
    (True, 5, 0)
    """
    n_jets = count("n_jets", n_jets, minimum=1, maximum=12)
    seed = count("seed", seed, minimum=0)
    return _all_dimensions_verdict(n_jets, seed)


@cache
def _all_dimensions_verdict(n_jets: int, seed: int) -> AllDimensionsVerdict:
    gg = coordinates(gamma_gamma())
    paper = coordinates(printed_12_9())
    z = coordinates(two_dimensional_zero())
    vec = [list(x.values()) for x in (gg, paper, z)]
    jets3 = [random_jet(3, seed=seed + 101 * j) for j in range(n_jets)]
    jets2 = [random_jet(2, seed=seed + 101 * j) for j in range(n_jets)]
    forms = basis_euler_lagrange()
    first, trace = volume_residual()
    return AllDimensionsVerdict(
        existence_terms=len(existence_residual().coefficients), gamma_gamma=gg, paper=paper,
        rank_3d=rank_at_jets(jets3), rank_2d=rank_at_jets(jets2),
        paper_excess_3=_excess([vec[0]], vec[1]), paper_excess_2=_excess([vec[0], vec[2]], vec[1]),
        einstein_terms=len(einstein_residual().coefficients),
        volume_terms=len(first.coefficients) + len(trace.coefficients),
        dimension_free=not any(f.depends_on_dimension for f in forms.values())
        and not any(sp.sympify(x).has(D) for x in (*gg.values(), *paper.values())))


def _verdict(v: object) -> None:
    if not isinstance(v, AllDimensionsVerdict):
        raise TypeError(f"v must be an AllDimensionsVerdict, got {type(v).__name__}")


def _fmt(c: Mapping[str, sp.Expr]) -> str:
    return " ".join(f"{'+' if x >= 0 else '-'} {abs(x)}·{k}" for k, x in c.items() if x != 0)


def summary_lines(v: AllDimensionsVerdict) -> list[str]:
    """What ``python -m emergent onsager --all-dimensions`` prints: the coordinates and every
    verdict with its rule and number ((12.9)-(12.14), all D).

    Examples
    --------
    One line per claim after the three of coordinates and ranks; the two on (12.9) fail
    (its rank excess is 1), the others hold:

    >>> v = all_dimensions_verdict()
    >>> lines = summary_lines(v)
    >>> len(lines) == 3 + len(v.claims()), ["fails" in line for line in lines[3:]]
    (True, [False, False, True, True, False])
    """
    _verdict(v)
    lines = ["Every dimension D (abstract indices; a trace would be the symbol D):",
             f"  ΓΓ = {_fmt(v.gamma_gamma)}   8κ·(12.9) = {_fmt(v.paper)}   (no D in either)",
             f"  rank of E[I1..I5]: {v.rank_3d} in D = 3, {v.rank_2d} in D = 2"]
    for claim in v.claims():
        numbers = ", ".join(f"{k} {x:.3g}" for k, x in claim.measured.items())
        lines.append(f"  {claim.text}: {claim.verdict.value} ({claim.rule}; {numbers})")
    return lines


def claim_for_dimension(v: AllDimensionsVerdict, dim: int) -> Claim:
    """The all-dimension verdict on (12.9) that applies to ``dim`` (D = 2 or D >= 3).

    Examples
    --------
    D = 2 gets the claim about D = 2, D = 4 the one for D >= 3; both fail:

    >>> v = all_dimensions_verdict()
    >>> [("D = 2" in c.text, "D >= 3" in c.text, c.verdict.value)
    ...  for c in (claim_for_dimension(v, 2), claim_for_dimension(v, 4))]
    [(True, False, 'fails'), (False, True, 'fails')]
    """
    _verdict(v)
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
        raise ValueError(f"dim must be an int >= 2, got {dim!r}")
    return v.claims()[3 if dim == 2 else 2]
