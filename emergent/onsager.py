"""The Onsager tensor of Section 12 against the Einstein-Hilbert action, by exact jets.

Densities quadratic in first derivatives of the metric, (12.6):

    √|g| Q,   Q = L^{μναβγδ} g_{αβ,μ} g_{γδ,ν},

with L built from three inverse metrics and the symmetries (12.7)-(12.8).  Contracting
three inverse metrics with ∂_μ g_{αβ} ∂_ν g_{γδ} gives five independent invariants
(the basis used here, ``BASIS``):

    I1 = g^{μν} g^{αγ} g^{βδ}   I2 = g^{μγ} g^{αν} g^{βδ}   I3 = g^{μν} g^{αβ} g^{γδ}
    I4 = g^{μα} g^{βν} g^{γδ}   I5 = g^{μα} g^{νγ} g^{βδ}     (times g_{αβ,μ} g_{γδ,ν}).

The four terms of (12.9) are I2, I2 (after γ <-> δ), I1 and I3:
Q_(12.9) = (2 I2 - I1 - I3) / (8κ).

Method: two densities differ by a total divergence iff their Euler-Lagrange expressions
E^{ab} = ∂𝓛/∂g_{ab} - ∂_μ ∂𝓛/∂g_{ab,μ} agree identically; and E^{ab}[√|g| R] =
-√|g| G^{ab}.  Both sides are evaluated *exactly* at random jets (g, ∂g, ∂∂g) at a point,
with integer metrics g = U^T η U (U unimodular), so g^{-1} is an integer matrix and
|det g| = 1: no symbolic inverse is ever formed.  E is linear in the density, so the
coefficients c with E[√|g| Σ c_i I_i] = E[√|g| R/(2κ)] solve a linear system whose rank
and null space are computed exactly (SymPy over the rationals).  A polynomial identity of
degree d that fails is detected by a random point with entries drawn from S values with
probability >= 1 - d/|S| (Schwartz-Zippel); many independent jets make a false "holds"
negligible.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import sympy as sp

from emergent.curvature import (
    Christoffels,
    christoffels,
    einstein_upper,
    inverse_metric_derivative,
    ricci,
    ricci_scalar_of,
    riemann,
)
from emergent.jets import Jet, check_jet, random_jet
from ntcore import limits
from ntcore.checks import count, positive_number
from ntcore.display import MarkdownSummary
from ntcore.verdict import Claim, Verdict, within_tolerance

__all__ = ["BASIS", "PAPER_12_9", "PAPER_12_9_PRINTED", "parse_index_expression",
           "contract_into_basis", "volume_euler_lagrange", "estimated_seconds",
           "check_jet_request", "einstein_tensor_upper",
           "euler_lagrange_basis", "gamma_gamma_density", "family_of_onsager_tensors",
           "OnsagerFamily", "OnsagerVerdict", "onsager_verdict", "SymmetryCount",
           "symmetry_count", "ricci_scalar", "divergence_term", "FieldEquationSigns",
           "field_equation_signs", "symbolic_euler_lagrange"]

# Einsum wiring of the three inverse metrics for I1..I5; the derivative factors are
# v[m, a, b] = g_{ab,m} and v[n, c, d] = g_{cd,n}.
BASIS = {"I1": "mn,ac,bd", "I2": "mc,an,bd", "I3": "mn,ab,cd", "I4": "ma,bn,cd",
         "I5": "ma,nc,bd"}
# (12.9) in this basis, in units of 1/(8κ): 2 I2 - I1 - I3.
PAPER_12_9 = {"I1": Fraction(-1), "I2": Fraction(2), "I3": Fraction(-1), "I4": Fraction(0),
              "I5": Fraction(0)}

# (12.9) as printed in the paper, inside the bracket (units 1/(8κ)); contracted into the basis by
# :func:`contract_into_basis` (a test checks that it gives PAPER_12_9).
#: the Onsager tensor (12.9) as printed, an index expression parsed by contract_into_basis
PAPER_12_9_PRINTED = ("g^{αν}g^{βδ}g^{μγ} + g^{αγ}g^{βν}g^{μδ} - g^{αγ}g^{βδ}g^{μν} "
                      "- g^{αβ}g^{γδ}g^{μν}")
_GREEK = {"μ": "m", "ν": "n", "α": "a", "β": "b", "γ": "c", "δ": "d"}


def einstein_tensor_upper(jet: Jet) -> np.ndarray:
    """G^{ab} at the point, exactly, from the Christoffels (12.11) and R_{μν} (12.13).

    The chain of :mod:`emergent.curvature` (Christoffels -> Riemann -> Ricci -> Einstein),
    each computed once; conventions there.

    >>> jet = random_jet(3, seed=0)
    >>> g_up = einstein_tensor_upper(jet)
    >>> bool((g_up == g_up.T).all())
    True
    """
    return einstein_upper(jet, ricci(riemann(jet)))


def _term(wiring: str, g1, g2, g3, v1, v2) -> Fraction | int:
    return np.einsum(f"{wiring},mab,ncd->", g1, g2, g3, v1, v2)


def _euler_lagrange_term(jet: Jet, wiring: str) -> np.ndarray:
    """E^{ab}[√|g| I] / √|g| for one basis invariant I, exactly (|det g| = 1 need not hold)."""
    n = jet.dim
    gi, v, w = jet.ginv, jet.v, jet.w
    ell = _term(wiring, gi, gi, gi, v, v)
    # ∂𝓛/∂g_{ab} / √|g| = ½ g^{ab} ℓ + Σ_k (ℓ with the k-th g^{..} replaced by ∂g^{..}/∂g_{ab})
    d_ell = np.empty((n, n), dtype=object)
    for a in range(n):
        for b in range(n):
            dg = -np.outer(gi[:, a], gi[b, :])  # ∂g^{ij}/∂g_{ab} (components independent)
            d_ell[a, b] = (_term(wiring, dg, gi, gi, v, v) + _term(wiring, gi, dg, gi, v, v)
                           + _term(wiring, gi, gi, dg, v, v))
    part_g = Fraction(1, 2) * gi * ell + d_ell
    # π^{μab} = ∂ℓ/∂v_{μab}: differentiate the bilinear form in each slot.
    first = np.einsum(f"{wiring},ncd->mab", gi, gi, gi, v)
    second = np.einsum(f"{wiring},mab->ncd", gi, gi, gi, v)
    pi = first + second
    # ∂_μ(√|g| π^{μab}) / √|g| = ½ g^{cd} g_{cd,μ} π^{μab} + ∂_μ π^{μab}
    dginv = inverse_metric_derivative(jet)
    trace_dlog = Fraction(1, 2) * np.einsum("cd,mcd->m", gi, v)
    dpi = np.zeros((n, n), dtype=object)
    for slot in range(3):
        # ∂_μ of the slot-th inverse metric, contracted with the μ of π.
        for e in range(n):
            g1, g2, g3 = (dginv[e] if k == slot else gi for k in range(3))
            f = np.einsum(f"{wiring},ncd->mab", g1, g2, g3, v)
            s = np.einsum(f"{wiring},mab->ncd", g1, g2, g3, v)
            dpi += (f + s)[e]
    # ∂_μ of the derivative factor: v -> w[μ, ...]
    for e in range(n):
        dpi += (np.einsum(f"{wiring},ncd->mab", gi, gi, gi, w[e])
                + np.einsum(f"{wiring},mab->ncd", gi, gi, gi, w[e]))[e]
    divergence = np.einsum("m,mab->ab", trace_dlog, pi) + dpi
    e_ab = part_g - divergence
    return (e_ab + e_ab.T) * Fraction(1, 2)


def euler_lagrange_basis(jet: Jet) -> dict[str, np.ndarray]:
    """E^{ab}[√|g| I_k] / √|g| at the jet, for each basis invariant (exact).

    The variations of the densities (12.6).

    >>> euler_lagrange_basis("jet")
    Traceback (most recent call last):
    ...
    TypeError: jet must be a Jet (a metric 2-jet: random_jet, emergent.metrics.jet_at), got str
    """
    check_jet(jet)
    return {name: _euler_lagrange_term(jet, wiring) for name, wiring in BASIS.items()}


def gamma_gamma_density(jet: Jet, ch: Christoffels | None = None) -> Fraction | int:
    """g^{μν}(Γ^α_{βμ} Γ^β_{αν} - Γ^α_{μν} Γ^β_{αβ}) at the jet: the first-order ("ΓΓ") form
    of the Einstein-Hilbert Lagrangian, cf. (12.10).  ``ch``: the jet's Christoffels, if known.
    """
    gam = (christoffels(jet) if ch is None else ch).gamma
    gi = jet.ginv
    return (np.einsum("mn,abm,ban->", gi, gam, gam) - np.einsum("mn,amn,bab->", gi, gam, gam))


# Seconds per jet for the Euler-Lagrange basis and G^{ab} in dimension 4 on one quiet core
# (measured 0.17 s in D = 3, 0.84 s in D = 4 and 4.4 s in D = 5 under load 11 on 2 cores, and
# the whole command in D = 7 took 508 s under load 16 against an estimate of 440 s); the
# einsums over six indices inside a loop over (a, b) grow about as D^8.
_SECONDS_PER_JET_D4 = 0.5


def estimated_seconds(dim: int, n_jets: int) -> float:
    """Rough wall time of ``n_jets`` exact Euler-Lagrange evaluations in dimension ``dim``.

    >>> round(estimated_seconds(4, 4), 1)
    2.0

    Work of the (12.9)-(12.14) checks.
    """
    dim = count("dim", dim, minimum=2)
    n_jets = count("n_jets", n_jets, minimum=0)
    return _SECONDS_PER_JET_D4 * n_jets * (dim / 4) ** 8


def check_jet_request(dim: int, n_jets: int, max_seconds: float | None = None
                      ) -> tuple[int, int]:
    """Validate a request for ``n_jets`` exact jets in dimension ``dim`` (both whole numbers,
    dim >= 2, n_jets >= 1: zero jets would make every identity hold vacuously) and refuse one
    whose :func:`estimated_seconds` exceeds ``max_seconds`` (default
    :data:`ntcore.limits.ONSAGER_MAX_SECONDS`).

    >>> check_jet_request(4, 2)
    (4, 2)
    >>> check_jet_request(4, 0)
    Traceback (most recent call last):
    ...
    ValueError: n_jets must be an integer >= 1, got 0

    Guards the (12.9)-(12.14) checks.
    """
    dim = count("dim", dim, minimum=2)
    n_jets = count("n_jets", n_jets, minimum=1)  # zero jets would check nothing
    max_seconds = positive_number("max_seconds", limits.ONSAGER_MAX_SECONDS
                                  if max_seconds is None else max_seconds)
    est = estimated_seconds(dim, n_jets)
    if est > max_seconds:
        raise ValueError(f"dim = {dim} with {n_jets} jets would take about {est:.3g} s "
                         f"(> {max_seconds:g} s; the work grows as dim^8): use dim <= 6, or "
                         "fewer jets; in dimension D >= 3 the verdict does not change with D")
    return int(dim), int(n_jets)


def _proportionality(a: np.ndarray, b: np.ndarray) -> Fraction | None:
    """f with a = f b componentwise (exact), or None if there is none (b = 0 gives None)."""
    ratios = {Fraction(x) / Fraction(y) for x, y in zip(a.ravel(), b.ravel(), strict=True)
              if y != 0}
    if len(ratios) != 1 or any(y == 0 and x != 0 for x, y in zip(a.ravel(), b.ravel(),
                                                                   strict=True)):
        return None
    return next(iter(ratios))


def _sym_pairs(n: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(n) for b in range(a, n)]


@dataclass(frozen=True)
class OnsagerFamily(MarkdownSummary):
    """All c with E[√|g| Σ c_k I_k] = E[√|g| R] (κ = ½), exactly, in dimension ``dim``.

    ``particular`` solves the system, ``null_space`` spans the null Lagrangians of the
    basis (densities that are total divergences), ``rank`` is the rank of the system and
    ``n_jets`` the number of random jets used.

    The tensors (12.9) allowed by (12.10).
    """

    dim: int
    rank: int
    particular: dict[str, Fraction] | None
    null_space: tuple[dict[str, Fraction], ...]
    n_jets: int


def _to_sympy(x) -> sp.Rational:
    return sp.Rational(x.numerator, x.denominator) if isinstance(x, Fraction) else sp.Integer(x)


def family_of_onsager_tensors(dim: int, *, n_jets: int = 6, seed: int = 0) -> OnsagerFamily:
    """Solve exactly for every combination of I1..I5 whose density equals √|g| R up to a
    total divergence (EL expressions equal at ``n_jets`` random exact jets), (12.6)-(12.10).

    ``ValueError`` for n_jets < 1 or a request beyond
    :data:`ntcore.limits.ONSAGER_MAX_SECONDS`
    (:func:`check_jet_request`).
    """
    dim, n_jets = check_jet_request(dim, n_jets)
    names = list(BASIS)
    rows, rhs = [], []
    for j in range(n_jets):
        jet = random_jet(dim, seed=seed + 7919 * j)
        el = euler_lagrange_basis(jet)
        target = -einstein_tensor_upper(jet)  # E[√|g| R]/√|g| = -G^{ab}
        for a, b in _sym_pairs(dim):
            rows.append([_to_sympy(el[k][a, b]) for k in names])
            rhs.append(_to_sympy(target[a, b]))
    m = sp.Matrix(rows)
    y = sp.Matrix(rhs)
    rank = m.rank()
    null = [dict(zip(names, (Fraction(int(sp.fraction(x)[0]), int(sp.fraction(x)[1]))
                             for x in vec), strict=True)) for vec in m.nullspace()]
    try:
        sol, params = m.gauss_jordan_solve(y)
        sol = sol.subs({p: 0 for p in params})
        particular = {k: Fraction(int(sp.fraction(x)[0]), int(sp.fraction(x)[1]))
                      for k, x in zip(names, sol, strict=True)}
    except ValueError:
        particular = None
    return OnsagerFamily(dim=dim, rank=int(rank), particular=particular,
                         null_space=tuple(null), n_jets=n_jets)


@dataclass(frozen=True)
class OnsagerVerdict(MarkdownSummary):
    """Does (12.9) give √|g| R/(2κ) up to a divergence in dimension ``dim``?

    ``reproduces`` — whether E[√|g| Q_(12.9)] = E[√|g| R/(2κ)] at every jet;
    ``proportional_factor`` — if E[(12.9)] = f · E[R-density] at every jet, f (else None);
    ``max_residual`` — the largest |E[(12.9)] - E[R/(2κ)]| component over the jets (exact,
    as a float), in units where κ = ½.
    """

    dim: int
    reproduces: bool
    proportional_factor: Fraction | None
    max_residual: float
    n_jets: int

    def claim(self) -> Claim:
        """The verdict on "(12.9) gives √|g| R/(2κ) up to a divergence" from the measured
        residual; the arithmetic is exact, so the tolerance is 0."""
        return within_tolerance(
            f"(12.9) reproduces √|g| R/(2κ) up to a divergence (dimension {self.dim})",
            measured=self.max_residual, tolerance=0.0, name="max residual",
            evidence=f"python -m emergent onsager --dim {self.dim} --jets {self.n_jets}")


def onsager_verdict(dim: int, *, n_jets: int = 4, seed: int = 0,
                    coefficients: dict[str, Fraction] | None = None) -> OnsagerVerdict:
    """Compare the Onsager density (12.9) (or given coefficients, units 1/(8κ)) with
    √|g| R/(2κ), exactly, at ``n_jets`` random jets; κ = ½ so that R/(2κ) = R.  (12.9)-(12.10).

    ``ValueError`` for n_jets < 1 (zero jets would "reproduce" anything) or a request beyond
    :data:`ntcore.limits.ONSAGER_MAX_SECONDS` (:func:`check_jet_request`).
    """
    dim, n_jets = check_jet_request(dim, n_jets)
    coeffs = PAPER_12_9 if coefficients is None else coefficients
    if set(coeffs) != set(BASIS):
        raise ValueError(f"coefficients must have the keys {sorted(BASIS)}, got {sorted(coeffs)}")
    kappa = Fraction(1, 2)
    factors: set[Fraction | None] = set()
    residual, ok = Fraction(0), True
    for j in range(n_jets):
        jet = random_jet(dim, seed=seed + 104729 * j)
        el = euler_lagrange_basis(jet)
        ours = sum(coeffs[k] / (8 * kappa) * el[k] for k in BASIS)
        target = -einstein_tensor_upper(jet) / (2 * kappa)
        diff = ours - target
        residual = max(residual, max(abs(Fraction(x)) for x in diff.ravel()))
        ok &= all(x == 0 for x in diff.ravel())
        ratios = {Fraction(o) / Fraction(t) for o, t in zip(ours.ravel(), target.ravel(),
                                                             strict=True) if t != 0}
        zero_mismatch = any(t == 0 and o != 0 for o, t in zip(ours.ravel(), target.ravel(),
                                                             strict=True))
        factors |= ratios if not zero_mismatch else {None}
    factor = next(iter(factors)) if len(factors) == 1 else None
    return OnsagerVerdict(dim=dim, reproduces=bool(ok), proportional_factor=factor,
                          max_residual=float(residual), n_jets=n_jets)


# ---------------------------------------------------------------------------------------
# A printed index expression, contracted into the basis
# ---------------------------------------------------------------------------------------

def parse_index_expression(text: str) -> list[tuple[int, str]]:
    """Terms ``± g^{..}g^{..}g^{..}`` of a printed L^{μναβγδ} as (sign, einsum wiring).

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


def _basis_rows(jets: list[Jet]) -> sp.Matrix:
    return sp.Matrix([[_to_sympy(Fraction(_term(w, j.ginv, j.ginv, j.ginv, j.v, j.v)))
                       for w in BASIS.values()] for j in jets])


def _in_basis(values: list, rows: sp.Matrix) -> dict[str, Fraction]:
    """The exact coordinates c with rows · c = values (rows: the basis at the jets)."""
    sol, params = rows.gauss_jordan_solve(sp.Matrix([_to_sympy(Fraction(x)) for x in values]))
    if params.shape[0]:
        raise ValueError("the jets do not separate the basis; use more jets")
    return {k: Fraction(int(sp.fraction(x)[0]), int(sp.fraction(x)[1]))
            for k, x in zip(BASIS, sol, strict=True)}


def contract_into_basis(text: str, dim: int = 4, *, n_jets: int = 8,
                        seed: int = 11) -> dict[str, Fraction]:
    """Coordinates in ``BASIS`` of the quadratic form L g_{αβ,μ} g_{γδ,ν} of a printed tensor
    (e.g. :data:`PAPER_12_9_PRINTED`), exactly: the form and I1..I5 are evaluated at
    ``n_jets`` random jets and the linear system solved over the rationals.  (12.6), (12.9).

    >>> contract_into_basis("g^{μν}g^{αγ}g^{βδ} - g^{μγ}g^{αν}g^{βδ}", 3)
    {'I1': Fraction(1, 1), 'I2': Fraction(-1, 1), 'I3': Fraction(0, 1), 'I4': Fraction(0, 1), \
'I5': Fraction(0, 1)}
    """
    terms = parse_index_expression(text)
    dim, n_jets = check_jet_request(dim, n_jets)
    jets = [random_jet(dim, seed=seed + 17 * j) for j in range(n_jets)]
    values = [sum(sign * _term(w, j.ginv, j.ginv, j.ginv, j.v, j.v) for sign, w in terms)
              for j in jets]
    return _in_basis(values, _basis_rows(jets))


# ---------------------------------------------------------------------------------------
# What the symmetries (12.7)-(12.8) allow
# ---------------------------------------------------------------------------------------

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
    """Products of three inverse metrics carrying L^{μναβγδ}: how many independent tensors a
    symmetry group allows (orbits of the 15 index pairings) and how many distinct quadratic
    forms L g_{αβ,μ} g_{γδ,ν} they give (rank over random jets), (12.7)-(12.8).

    ``forms`` holds each orbit's quadratic form in ``BASIS`` coordinates (exact).
    """

    group: str
    n_tensors: int
    n_quadratic_forms: int
    forms: tuple[dict[str, Fraction], ...] = ()

    def rank_excess(self, coefficients: dict[str, Fraction]) -> int:
        """0 if the density Σ c_k I_k is a combination of the allowed forms, 1 if it is not
        (the rank the density adds to them)."""
        rows = [[_to_sympy(f[k]) for k in BASIS] for f in self.forms]
        extra = [_to_sympy(Fraction(coefficients[k])) for k in BASIS]
        return int(sp.Matrix([*rows, extra]).rank() - sp.Matrix(rows).rank())

    def admits(self, text: str, coefficients: dict[str, Fraction]) -> Claim:
        """Verdict on "this symmetry allows the density Σ c_k I_k" from :meth:`rank_excess`."""
        return within_tolerance(f"{text} is allowed by {self.group}",
                                measured=self.rank_excess(coefficients), tolerance=0.0,
                                name="rank excess",
                                evidence="python -m emergent onsager; "
                                         "tests/emergent/test_onsager.py -k symmetries")


def symmetry_count(dim: int = 4, seed: int = 0) -> tuple[SymmetryCount, SymmetryCount]:
    """Count for (12.7) as printed, L^{μναβγδ} = L^{νμβαδγ}, with (12.8), and for the pair
    exchange (μαβ) <-> (νγδ) described in words, with (12.8)."""
    dim, _ = check_jet_request(dim, 12)
    ident = {s: s for s in _SLOTS}
    swap_ab = ident | {"a": "b", "b": "a"}
    swap_cd = ident | {"c": "d", "d": "c"}
    printed = ident | {"m": "n", "n": "m", "a": "b", "b": "a", "c": "d", "d": "c"}
    words = ident | {"m": "n", "n": "m", "a": "c", "c": "a", "b": "d", "d": "b"}
    pairings = [tuple(tuple(sorted(p)) for p in q) for q in _pairings(_SLOTS)]
    jets = [random_jet(dim, seed=seed + 31 * j) for j in range(12)]
    basis_rows = _basis_rows(jets)
    results = []
    for name, gens in (("(12.7) as printed + (12.8)", [swap_ab, swap_cd, printed]),
                       ("pair exchange (in words) + (12.8)", [swap_ab, swap_cd, words])):
        orbits = _orbits(pairings, gens, ident)
        # Each orbit-sum's quadratic form evaluated at the jets: its rank, its coordinates.
        columns = []
        for orbit in orbits:
            columns.append([sum(_term(",".join(x + y for x, y in pairing), jet.ginv, jet.ginv,
                                      jet.ginv, jet.v, jet.v) for pairing in orbit)
                            for jet in jets])
        rows = sp.Matrix([[_to_sympy(Fraction(col[j])) for col in columns]
                          for j in range(len(jets))])
        forms = tuple(_in_basis(col, basis_rows) for col in columns) if dim >= 3 else ()
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


# ---------------------------------------------------------------------------------------
# √|g| R = √|g| ΓΓ + total divergence, and the signs of (12.12)-(12.14)
# ---------------------------------------------------------------------------------------

def ricci_scalar(jet: Jet, ch: Christoffels | None = None) -> Fraction | int:
    """R = g^{μν} R_{μν} with R_{μν} of (12.13), exactly at the jet (``ch``: its Christoffels,
    if known).

    >>> from fractions import Fraction
    >>> ricci_scalar(random_jet(2, seed=0)) == Fraction(ricci_scalar(random_jet(2, seed=0)))
    True
    """
    return ricci_scalar_of(jet, ricci(riemann(jet, ch)))


def divergence_term(jet: Jet, ch: Christoffels | None = None) -> Fraction | int:
    """(1/√|g|) ∂_α(√|g| w^α), w^α = g^{μν} Γ^α_{μν} - g^{αμ} Γ^ν_{μν}: the divergence that
    separates √|g| R from the first-order form √|g| ΓΓ of (12.10)-(12.11)."""
    ch = christoffels(jet) if ch is None else ch
    gam, dgam = ch.gamma, ch.dgamma
    gi, dgi = jet.ginv, inverse_metric_derivative(jet)
    w_vec = np.einsum("mn,amn->a", gi, gam) - np.einsum("am,nmn->a", gi, gam)
    dw = (np.einsum("amn,amn->", dgi, gam) + np.einsum("mn,aamn->", gi, dgam)
          - np.einsum("aam,nmn->", dgi, gam) - np.einsum("am,anmn->", gi, dgam))
    dlog_sqrt_g = Fraction(1, 2) * np.einsum("cd,acd->a", gi, jet.v)
    return dw + np.einsum("a,a->", dlog_sqrt_g, w_vec)


def volume_euler_lagrange(jet: Jet) -> np.ndarray:
    """E^{ab}[√|g|] / √|g| = (∂√|g|/∂g_ab) / √|g| at the jet, exactly, without the inverse
    metric: det g is affine in each single entry, so ∂det/∂g_ab = det(g + E_ab) - det(g), and
    ∂√|det g| = sign(det g) ∂det g / (2√|det g|).  The cosmological term of (12.2); Jacobi's
    formula says the result is ½ g^{ab}.

    >>> jet = random_jet(3, seed=2)
    >>> bool((volume_euler_lagrange(jet) == Fraction(1, 2) * jet.ginv).all())
    True
    """
    g = sp.Matrix(check_jet(jet).g.tolist())
    det = g.det()
    n = jet.dim
    out = np.empty((n, n), dtype=object)
    for a in range(n):
        for b in range(n):
            bumped = g.copy()
            bumped[a, b] += 1
            # components g_ab and g_ba symmetrised: E^{ab} is the symmetric derivative
            out[a, b] = Fraction(int(bumped.det() - det), 1)
    sign = 1 if det > 0 else -1
    out = (out + out.T) * Fraction(1, 2)
    return out * Fraction(sign, 2 * abs(int(det)))


@dataclass(frozen=True)
class FieldEquationSigns:
    """What (12.2) with (12.14) gives on variation, from the measured coefficients

        E[√|g| R] = c_G √|g| G^{ab},   E[√|g|] = c_V √|g| g^{ab}   (exact jets; c_G = -1, c_V = ½),

    and δ(√|g|𝓛)/δg_{ab} = ½ √|g| T^{ab} (from (12.14) by δg^{μν} = -g^{μa} g^{νb} δg_{ab}):
    (-1/2κ) c_G G^{ab} + Λ c_V g^{ab} + ½ T^{ab} = 0, i.e. G_{μν} + a Λ g_{μν} = b T_{μν} with
    a = -2κ c_V / c_G and b = κ / c_G (measured: a = κ, b = -κ).  (12.12) as printed, G + Λ g =
    κ T, follows only with T_{μν} = +(2/√|g|) δ(√|g| 𝓛)/δg^{μν} (the opposite sign to (12.14))
    and with the cosmological term of (12.2) read as Λ/κ.

    ``einstein_coefficient`` (c_G) and ``volume_coefficient`` (c_V) are None if the jets show
    no single proportionality factor; ``cosmological_over_kappa`` = a/κ and
    ``source_over_kappa`` = b/κ follow from them; ``claims`` carries the computed verdicts.
    """

    einstein_hilbert_el_is_minus_einstein: bool
    einstein_residual: float = 0.0
    einstein_coefficient: Fraction | None = None
    volume_coefficient: Fraction | None = None
    gamma_gamma_is_r_minus_divergence: bool = False
    claims: tuple[Claim, ...] = ()
    printed_equation: str = "G_{μν} + Λ g_{μν} = κ T_{μν}  (12.12)"

    @property
    def cosmological_over_kappa(self) -> Fraction | None:
        """a/κ = -2 c_V / c_G in G + a Λ g = b T (measured 1; (12.12) prints a = 1)."""
        if self.einstein_coefficient in (None, 0) or self.volume_coefficient is None:
            return None
        return -2 * self.volume_coefficient / self.einstein_coefficient

    @property
    def source_over_kappa(self) -> Fraction | None:
        """b/κ = 1 / c_G in G + a Λ g = b T (measured -1; (12.12) prints +1)."""
        if self.einstein_coefficient in (None, 0):
            return None
        return 1 / self.einstein_coefficient

    @property
    def derived_equation(self) -> str:
        """G + aΛg = bT written out from the measured coefficients."""
        a, b = self.cosmological_over_kappa, self.source_over_kappa
        if a is None or b is None:
            return "undetermined (no single proportionality factor at the jets)"

        def times(c: Fraction) -> str:
            return "κ" if c == 1 else ("-κ" if c == -1 else f"{c}κ")

        return f"G_{{μν}} + {times(a)} Λ g_{{μν}} = {times(b)} T_{{μν}}"


def field_equation_signs(dim: int = 4, n_jets: int = 2, seed: int = 5) -> FieldEquationSigns:
    """Settle the signs of (12.12)-(12.14) from exact jets (see :class:`FieldEquationSigns`).

    At each jet: E[√|g| ΓΓ] (= E[√|g| R], since √|g| R - √|g| ΓΓ is the divergence of
    :func:`divergence_term`, also checked) against G^{ab}, and E[√|g|]
    (:func:`volume_euler_lagrange`) against g^{ab}, both as exact proportionality factors.
    """
    dim, n_jets = check_jet_request(dim, n_jets)
    gg = {"I1": Fraction(-1, 4), "I2": Fraction(1, 2), "I3": Fraction(1, 4),
          "I4": Fraction(-1, 2), "I5": Fraction(0)}
    c_g, c_v, divergence_ok, residual = set(), set(), True, Fraction(0)
    for j in range(n_jets):
        jet = random_jet(dim, seed=seed + j)
        el = euler_lagrange_basis(jet)
        el_gg, g_up = sum(gg[k] * el[k] for k in BASIS), einstein_tensor_upper(jet)
        residual = max(residual, max(abs(Fraction(x)) for x in (el_gg + g_up).ravel()))
        # in D = 2, G = 0 identically: the identity holds, the factor c_G is undetermined
        c_g.add(_proportionality(el_gg, g_up))
        c_v.add(_proportionality(volume_euler_lagrange(jet), jet.ginv))
        ch = christoffels(jet)
        divergence_ok &= (ricci_scalar(jet, ch) - gamma_gamma_density(jet, ch)
                          == divergence_term(jet, ch))
    c_g_one = next(iter(c_g)) if len(c_g) == 1 else None
    c_v_one = next(iter(c_v)) if len(c_v) == 1 else None
    holds = bool(residual == 0 and divergence_ok)
    partial = FieldEquationSigns(holds, float(residual), c_g_one, c_v_one, bool(divergence_ok))
    return replace(partial, claims=_sign_claims(partial, dim))


def _exact_claim(text: str, value: Fraction | None, expected: float, name: str,
                 evidence: str) -> Claim:
    """HOLDS iff the exact ``value`` equals ``expected`` (tolerance 0: the arithmetic is
    exact); UNDETERMINED if the jets gave no single value."""
    if value is None:
        return Claim(text, f"holds if {name} = 0 (exact)", {}, Verdict.UNDETERMINED, evidence,
                     detail="the jets show no single proportionality factor")
    return within_tolerance(text, measured=float(value) - expected, tolerance=0.0, name=name,
                            evidence=evidence)


def _sign_claims(f: FieldEquationSigns, dim: int) -> tuple[Claim, ...]:
    """The verdicts of (12.12)-(12.14), each from a measured coefficient."""
    ev = f"python -m emergent onsager --dim {dim}"
    a = f.cosmological_over_kappa
    return (
        _exact_claim("E[√|g| R] = -√|g| G^{ab} (variation of the Einstein-Hilbert term)",
                     Fraction(f.einstein_residual), 0.0, "max |E + G|", ev),
        _exact_claim("E[√|g|] = ½ √|g| g^{ab} (variation of the cosmological term)",
                     f.volume_coefficient, 0.5, "c_V - 1/2", ev),
        _exact_claim("√|g| R = √|g| ΓΓ + divergence (12.10)-(12.11)",
                     Fraction(0 if f.gamma_gamma_is_r_minus_divergence else 1), 0.0,
                     "jets where it fails", ev),
        _exact_claim("(12.12): the source term is +κ T with T of (12.14)",
                     f.source_over_kappa, 1.0, "b/κ - 1", ev),
        # (12.12) prints Λ g with coefficient a = 1 whatever κ; in the toolkit's units κ = ½
        # the measured a = (a/κ)·κ is compared with 1.
        _exact_claim("(12.12): the cosmological term is Λ g (coefficient 1), at κ = 1/2",
                     None if a is None else a * Fraction(1, 2), 1.0, "a - 1", ev),
    )


# ---------------------------------------------------------------------------------------
# Fully symbolic route (generic metric of functions), for small dimensions
# ---------------------------------------------------------------------------------------

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
    """E^{ab}[√|g| Σ c_k I_k] for a generic metric of functions g_ab(x), fully symbolically
    (practical for dim 2; dim 3 takes minutes).  Off-diagonal entries are differentiated
    with respect to the single function g_ab (a ≠ b), i.e. they are 2 E^{ab}.  √|g| is
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
