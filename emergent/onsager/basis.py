"""The invariant basis I1..I5 of densities quadratic in ∂g, (12.6)-(12.9), and their exact
Euler-Lagrange expressions at a metric 2-jet, beside those of √|g| R, √|g| ΓΓ and √|g|
(12.10)-(12.14); the exact proportionality test of two such tensors."""

from __future__ import annotations

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
from emergent.jets import Jet, check_jet

__all__ = ["BASIS", "PAPER_12_9", "einstein_tensor_upper", "euler_lagrange_basis",
           "gamma_gamma_density", "ricci_scalar", "divergence_term", "volume_euler_lagrange"]


# Einsum wiring of the three inverse metrics for I1..I5; the derivative factors are
# v[m, a, b] = g_{ab,m} and v[n, c, d] = g_{cd,n}.
BASIS = {"I1": "mn,ac,bd", "I2": "mc,an,bd", "I3": "mn,ab,cd", "I4": "ma,bn,cd",
         "I5": "ma,nc,bd"}
# (12.9) in this basis, in units of 1/(8κ): 2 I2 - I1 - I3.
PAPER_12_9 = {"I1": Fraction(-1), "I2": Fraction(2), "I3": Fraction(-1), "I4": Fraction(0),
              "I5": Fraction(0)}


def einstein_tensor_upper(jet: Jet) -> np.ndarray:
    """:math:`G^{ab}` at the point, exactly, from the Christoffels (12.11) and :math:`R_{μν}`
    (12.13).

    The chain of :mod:`emergent.curvature` (Christoffels -> Riemann -> Ricci -> Einstein),
    each computed once; conventions there.

    >>> from emergent.jets import random_jet
    >>> jet = random_jet(3, seed=0)
    >>> g_up = einstein_tensor_upper(jet)
    >>> bool((g_up == g_up.T).all())
    True
    """
    return einstein_upper(jet, ricci(riemann(jet)))


def term(wiring: str, g1, g2, g3, v1, v2) -> Fraction | int:
    return np.einsum(f"{wiring},mab,ncd->", g1, g2, g3, v1, v2)


def _euler_lagrange_term(jet: Jet, wiring: str) -> np.ndarray:
    """:math:`E^{ab}[√|g| I] / √|g|` for one basis invariant I, exactly (|det g| = 1 need not
    hold)."""
    n = jet.dim
    gi, v, w = jet.ginv, jet.v, jet.w
    ell = term(wiring, gi, gi, gi, v, v)
    # ∂𝓛/∂g_{ab} / √|g| = ½ g^{ab} ℓ + Σ_k (ℓ with the k-th g^{..} replaced by ∂g^{..}/∂g_{ab})
    d_ell = np.empty((n, n), dtype=object)
    for a in range(n):
        for b in range(n):
            dg = -np.outer(gi[:, a], gi[b, :])  # ∂g^{ij}/∂g_{ab} (components independent)
            d_ell[a, b] = (term(wiring, dg, gi, gi, v, v) + term(wiring, gi, dg, gi, v, v)
                           + term(wiring, gi, gi, dg, v, v))
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
    """:math:`E^{ab}[√|g| I_k] / √|g|` at the jet, for each basis invariant (exact).

    The variations of the densities (12.6).

    >>> euler_lagrange_basis("jet")
    Traceback (most recent call last):
    ...
    TypeError: jet must be a Jet (a metric 2-jet: random_jet, emergent.metrics.jet_at), got str
    """
    check_jet(jet)
    return {name: _euler_lagrange_term(jet, wiring) for name, wiring in BASIS.items()}


def gamma_gamma_density(jet: Jet, ch: Christoffels | None = None) -> Fraction | int:
    """:math:`g^{μν}(Γ^α_{βμ} Γ^β_{αν} - Γ^α_{μν} Γ^β_{αβ})` at the jet: the first-order ("ΓΓ") form
    of the Einstein-Hilbert Lagrangian, cf. (12.10).  ``ch``: the jet's Christoffels, if known.

    Examples
    --------
    The same contraction written in abstract indices and evaluated by plain sums
    (:mod:`emergent.abstract_indices`, an independent code path):

    >>> from emergent.tensor_canonical import evaluate
    >>> from emergent.abstract_indices import christoffel, ginv
    >>> from emergent.jets import random_jet
    >>> jet = random_jet(3, seed=1)
    >>> gg = ginv("m", "n") * (christoffel("a", "b", "m") * christoffel("b", "a", "n")
    ...                        - christoffel("a", "m", "n") * christoffel("b", "a", "b"))
    >>> gamma_gamma_density(jet) == evaluate(gg, jet)
    True
    """
    gam = (christoffels(jet) if ch is None else ch).gamma
    gi = jet.ginv
    return (np.einsum("mn,abm,ban->", gi, gam, gam) - np.einsum("mn,amn,bab->", gi, gam, gam))


def ricci_scalar(jet: Jet, ch: Christoffels | None = None) -> Fraction | int:
    """:math:`R = g^{μν} R_{μν}` with :math:`R_{μν}` of (12.13), exactly at the jet (``ch``: its
    Christoffels, if known).

    >>> from fractions import Fraction
    >>> from emergent.jets import random_jet
    >>> ricci_scalar(random_jet(2, seed=0)) == Fraction(ricci_scalar(random_jet(2, seed=0)))
    True
    """
    return ricci_scalar_of(jet, ricci(riemann(jet, ch)))


def divergence_term(jet: Jet, ch: Christoffels | None = None) -> Fraction | int:
    """:math:`(1/√|g|) ∂_α(√|g| w^α)`, :math:`w^α = g^{μν} Γ^α_{μν} - g^{αμ} Γ^ν_{μν}`: the
    divergence that
    separates √|g| R from the first-order form √|g| ΓΓ of (12.10)-(12.11).

    Examples
    --------
    With R from the Riemann tensor, :math:`R = ΓΓ + ∇_α w^α` at a random jet; for
    :math:`-dt^2 + e^{2t} dx^2` (R = 2ä/a = 2) at t = 0, ΓΓ = 0 and the divergence is all of R:

    >>> from emergent.jets import random_jet
    >>> from emergent.metrics import as_metric, jet_at
    >>> jet = random_jet(4, seed=3)
    >>> ricci_scalar(jet) == gamma_gamma_density(jet) + divergence_term(jet)
    True
    >>> jet = jet_at(as_metric([["-1", "0"], ["0", "exp(2*t)"]], ["t", "x"]), [0, 0])
    >>> gamma_gamma_density(jet), divergence_term(jet)
    (0, 2)
    """
    ch = christoffels(jet) if ch is None else ch
    gam, dgam = ch.gamma, ch.dgamma
    gi, dgi = jet.ginv, inverse_metric_derivative(jet)
    w_vec = np.einsum("mn,amn->a", gi, gam) - np.einsum("am,nmn->a", gi, gam)
    dw = (np.einsum("amn,amn->", dgi, gam) + np.einsum("mn,aamn->", gi, dgam)
          - np.einsum("aam,nmn->", dgi, gam) - np.einsum("am,anmn->", gi, dgam))
    dlog_sqrt_g = Fraction(1, 2) * np.einsum("cd,acd->a", gi, jet.v)
    return dw + np.einsum("a,a->", dlog_sqrt_g, w_vec)


def volume_euler_lagrange(jet: Jet) -> np.ndarray:
    """:math:`E^{ab}[√|g|] / √|g| = (∂√|g|/∂g_{ab}) / √|g|` at the jet, exactly, without the inverse
    metric: det g is affine in each single entry, so ∂det/∂g_ab = det(g + E_ab) - det(g), and
    ∂√|det g| = sign(det g) ∂det g / (2√|det g|).  The cosmological term of (12.2); Jacobi's
    formula says the result is :math:`½ g^{ab}`.

    >>> from emergent.jets import random_jet
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


def proportionality(a: np.ndarray, b: np.ndarray) -> Fraction | None:
    """f with a = f b componentwise (exact), or None if there is none (b = 0 gives None)."""
    ratios = {Fraction(x) / Fraction(y) for x, y in zip(a.ravel(), b.ravel(), strict=True)
              if y != 0}
    if len(ratios) != 1 or any(y == 0 and x != 0 for x, y in zip(a.ravel(), b.ravel(),
                                                                   strict=True)):
        return None
    return next(iter(ratios))


def sym_pairs(n: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(n) for b in range(a, n)]


def to_sympy(x) -> sp.Rational:
    return sp.Rational(x.numerator, x.denominator) if isinstance(x, Fraction) else sp.Integer(x)
