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

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

__all__ = ["BASIS", "PAPER_12_9", "Jet", "random_jet", "einstein_tensor_upper",
           "euler_lagrange_basis", "gamma_gamma_density", "family_of_onsager_tensors",
           "OnsagerVerdict", "onsager_verdict"]

# Einsum wiring of the three inverse metrics for I1..I5; the derivative factors are
# v[m, a, b] = g_{ab,m} and v[n, c, d] = g_{cd,n}.
BASIS = {"I1": "mn,ac,bd", "I2": "mc,an,bd", "I3": "mn,ab,cd", "I4": "ma,bn,cd",
         "I5": "ma,nc,bd"}
# (12.9) in this basis, in units of 1/(8κ): 2 I2 - I1 - I3.
PAPER_12_9 = {"I1": Fraction(-1), "I2": Fraction(2), "I3": Fraction(-1), "I4": Fraction(0),
              "I5": Fraction(0)}


@dataclass(frozen=True, eq=False)
class Jet:
    """A 2-jet of a metric at a point: g_ab, ∂_c g_ab (v[c,a,b]), ∂_c∂_d g_ab (w[c,d,a,b]),
    with the inverse metric (exact), all as NumPy object arrays of Fractions/ints."""

    g: np.ndarray
    ginv: np.ndarray
    v: np.ndarray
    w: np.ndarray

    @property
    def dim(self) -> int:
        return self.g.shape[0]


def _unimodular(n: int, rng: np.random.Generator) -> np.ndarray:
    u = np.eye(n, dtype=object).astype(int).astype(object)
    for _ in range(3 * n):
        i, j = rng.choice(n, 2, replace=False)
        k = int(rng.integers(-2, 3))
        u[i] = u[i] + k * u[j]  # elementary row operation: det stays 1
    return u


def random_jet(dim: int, seed: int | None = None, *, lorentzian: bool = True,
               spread: int = 5) -> Jet:
    """A random exact 2-jet: g = U^T η U (U unimodular, so g^{-1} = U^{-1} η U^{-T} is integer),
    and ∂g, ∂∂g with random integer entries in [-spread, spread] and the right symmetries."""
    if dim < 2:
        raise ValueError(f"dim must be >= 2, got {dim}")
    rng = np.random.default_rng(seed)
    u = _unimodular(dim, rng)
    eta = np.diag([-1 if (lorentzian and i == 0) else 1 for i in range(dim)]).astype(object)
    g = u.T.dot(eta).dot(u)
    # Plain Python ints: mixing SymPy numbers with Fractions would silently give floats.
    uinv = np.array([[int(x) for x in row] for row in sp.Matrix(u.tolist()).inv().tolist()],
                    dtype=object)
    ginv = uinv.dot(eta).dot(uinv.T)
    v = np.empty((dim, dim, dim), dtype=object)
    w = np.empty((dim, dim, dim, dim), dtype=object)
    for c in range(dim):
        for a in range(dim):
            for b in range(a, dim):
                v[c, a, b] = v[c, b, a] = int(rng.integers(-spread, spread + 1))
    for c in range(dim):
        for d in range(c, dim):
            for a in range(dim):
                for b in range(a, dim):
                    val = int(rng.integers(-spread, spread + 1))
                    w[c, d, a, b] = w[c, d, b, a] = w[d, c, a, b] = w[d, c, b, a] = val
    return Jet(g=g, ginv=ginv, v=v, w=w)


def _dginv(jet: Jet) -> np.ndarray:
    """∂_e g^{ij} = -g^{ip} ∂_e g_{pq} g^{qj}, shape (e, i, j)."""
    return -np.einsum("ip,epq,qj->eij", jet.ginv, jet.v, jet.ginv)


def einstein_tensor_upper(jet: Jet) -> np.ndarray:
    """G^{ab} at the point, exactly, from the Christoffels (12.11) and R_{μν} (12.13).

    Conventions: R^a_{bcd} = ∂_c Γ^a_{db} - ∂_d Γ^a_{cb} + Γ^a_{ce} Γ^e_{db} - Γ^a_{de} Γ^e_{cb},
    R_{bd} = R^a_{bad}, G_{bd} = R_{bd} - ½ R g_{bd}.
    """
    gi, v, w = jet.ginv, jet.v, jet.w
    half = Fraction(1, 2)
    # lower Christoffel [d, b, c] = ½ (g_{db,c} + g_{dc,b} - g_{bc,d})
    low = half * (np.einsum("cdb->dbc", v) + np.einsum("bdc->dbc", v) - np.einsum("dbc->dbc", v))
    gam = np.einsum("ad,dbc->abc", gi, low)
    # ∂_e of the lower Christoffel and of Γ
    dlow = half * (np.einsum("ecdb->edbc", w) + np.einsum("ebdc->edbc", w)
                   - np.einsum("edbc->edbc", w))
    dgam = np.einsum("ead,dbc->eabc", _dginv(jet), low) + np.einsum("ad,edbc->eabc", gi, dlow)
    # R^a_{bcd}
    riem = (np.einsum("cadb->abcd", dgam) - np.einsum("dacb->abcd", dgam)
            + np.einsum("ace,edb->abcd", gam, gam) - np.einsum("ade,ecb->abcd", gam, gam))
    ric = np.einsum("abad->bd", riem)
    r = np.einsum("bd,bd->", gi, ric)
    g_low = ric - half * r * jet.g
    return np.einsum("ac,bd,cd->ab", gi, gi, g_low)


def _term(wiring: str, g1, g2, g3, v1, v2) -> object:
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
    dginv = _dginv(jet)
    trace_dlog = Fraction(1, 2) * np.einsum("cd,mcd->m", gi, v)
    dpi = np.zeros((n, n), dtype=object)
    for slot in range(3):
        # ∂_μ of the k-th inverse metric, contracted with the μ of π.
        def g_at(k, e):
            return dginv[e] if k == slot else gi
        for e in range(n):
            f = np.einsum(f"{wiring},ncd->mab", g_at(0, e), g_at(1, e), g_at(2, e), v)
            s = np.einsum(f"{wiring},mab->ncd", g_at(0, e), g_at(1, e), g_at(2, e), v)
            dpi += (f + s)[e]
    # ∂_μ of the derivative factor: v -> w[μ, ...]
    for e in range(n):
        dpi += (np.einsum(f"{wiring},ncd->mab", gi, gi, gi, w[e])
                + np.einsum(f"{wiring},mab->ncd", gi, gi, gi, w[e]))[e]
    divergence = np.einsum("m,mab->ab", trace_dlog, pi) + dpi
    e_ab = part_g - divergence
    return (e_ab + e_ab.T) * Fraction(1, 2)


def euler_lagrange_basis(jet: Jet) -> dict[str, np.ndarray]:
    """E^{ab}[√|g| I_k] / √|g| at the jet, for each basis invariant (exact)."""
    return {name: _euler_lagrange_term(jet, wiring) for name, wiring in BASIS.items()}


def gamma_gamma_density(jet: Jet) -> object:
    """g^{μν}(Γ^α_{βμ} Γ^β_{αν} - Γ^α_{μν} Γ^β_{αβ}) at the jet: the first-order ("ΓΓ") form
    of the Einstein-Hilbert Lagrangian, cf. (12.10)."""
    gi, v = jet.ginv, jet.v
    half = Fraction(1, 2)
    low = half * (np.einsum("cdb->dbc", v) + np.einsum("bdc->dbc", v) - np.einsum("dbc->dbc", v))
    gam = np.einsum("ad,dbc->abc", gi, low)
    return (np.einsum("mn,abm,ban->", gi, gam, gam) - np.einsum("mn,amn,bab->", gi, gam, gam))


def _sym_pairs(n: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(n) for b in range(a, n)]


@dataclass(frozen=True)
class OnsagerFamily:
    """All c with E[√|g| Σ c_k I_k] = E[√|g| R] (κ = ½), exactly, in dimension ``dim``.

    ``particular`` solves the system, ``null_space`` spans the null Lagrangians of the
    basis (densities that are total divergences), ``rank`` is the rank of the system and
    ``n_jets`` the number of random jets used.
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
    total divergence (EL expressions equal at ``n_jets`` random exact jets)."""
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
class OnsagerVerdict:
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


def onsager_verdict(dim: int, *, n_jets: int = 4, seed: int = 0,
                    coefficients: dict[str, Fraction] | None = None) -> OnsagerVerdict:
    """Compare the Onsager density (12.9) (or given coefficients, units 1/(8κ)) with
    √|g| R/(2κ), exactly, at ``n_jets`` random jets; κ = ½ so that R/(2κ) = R."""
    coeffs = PAPER_12_9 if coefficients is None else coefficients
    kappa = Fraction(1, 2)
    factors, residual, ok = set(), Fraction(0), True
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
