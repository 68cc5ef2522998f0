r"""The family of Onsager tensors that give :math:`\sqrt{|g|}\, R` up to a divergence, and the
verdict on the paper's (12.9), solved exactly at random jets, (12.6)-(12.10)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from emergent.jets import random_jet
from emergent.onsager.basis import (
    BASIS,
    PAPER_12_9,
    einstein_tensor_upper,
    euler_lagrange_basis,
    proportionality,
    sym_pairs,
    to_sympy,
)
from emergent.onsager.cost import check_jet_request
from ntcore.display import MarkdownSummary
from ntcore.verdict import Claim, within_tolerance

__all__ = ["OnsagerFamily", "family_of_onsager_tensors", "OnsagerVerdict", "onsager_verdict"]


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


def family_of_onsager_tensors(dim: int, *, n_jets: int = 6, seed: int = 0) -> OnsagerFamily:
    """Solve exactly for every combination of I1..I5 whose density equals √|g| R up to a
    total divergence (EL expressions equal at ``n_jets`` random exact jets), (12.6)-(12.10).

    ``ValueError`` for n_jets < 1 or a request beyond
    :data:`ntcore.limits.ONSAGER_MAX_SECONDS`
    (:func:`check_jet_request`).

    Examples
    --------
    In D = 3 the combination is unique; in D = 2, where √|g| R is a total derivative
    (Gauss-Bonnet), zero is a solution and the null densities form a plane:

    >>> f3, f2 = family_of_onsager_tensors(3, n_jets=3), family_of_onsager_tensors(2, n_jets=2)
    >>> f3.null_space, [str(f3.particular[k]) for k in ("I1", "I2", "I3", "I4", "I5")]
    ((), ['-1/4', '1/2', '1/4', '-1/2', '0'])
    >>> f2.rank, len(f2.null_space), all(v == 0 for v in f2.particular.values())
    (3, 2, True)
    """
    dim, n_jets = check_jet_request(dim, n_jets)
    names = list(BASIS)
    rows, rhs = [], []
    for j in range(n_jets):
        jet = random_jet(dim, seed=seed + 7919 * j)
        el = euler_lagrange_basis(jet)
        target = -einstein_tensor_upper(jet)  # E[√|g| R]/√|g| = -G^{ab}
        for a, b in sym_pairs(dim):
            rows.append([to_sympy(el[k][a, b]) for k in names])
            rhs.append(to_sympy(target[a, b]))
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

    Examples
    --------
    (12.9) as printed does not give √|g| R; the first-order ΓΓ Lagrangian,
    -¼ I1 + ½ I2 + ¼ I3 - ½ I4, does (in units 1/(8κ) = 1/4):

    >>> onsager_verdict(3, n_jets=2).reproduces
    False
    >>> from fractions import Fraction
    >>> c = {"I1": -1, "I2": 2, "I3": 1, "I4": -2, "I5": 0}  # 4 x the ΓΓ combination
    >>> c = {k: Fraction(v) for k, v in c.items()}
    >>> onsager_verdict(3, n_jets=2, coefficients=c).reproduces
    True
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
        factors.add(proportionality(ours, target))
    factor = next(iter(factors)) if len(factors) == 1 else None
    return OnsagerVerdict(dim=dim, reproduces=bool(ok), proportional_factor=factor,
                          max_residual=float(residual), n_jets=n_jets)
