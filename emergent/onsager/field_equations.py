"""The signs of the field equations (12.12)-(12.14), settled from exact jets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from emergent.curvature import (
    christoffels,
)
from emergent.jets import random_jet
from emergent.onsager.basis import (
    BASIS,
    divergence_term,
    einstein_tensor_upper,
    euler_lagrange_basis,
    gamma_gamma_density,
    proportionality,
    ricci_scalar,
    volume_euler_lagrange,
)
from emergent.onsager.cost import check_jet_request
from ntcore.verdict import Claim, Verdict, within_tolerance

__all__ = ["FieldEquationSigns", "field_equation_signs"]


@dataclass(frozen=True)
class FieldEquationSigns:
    r"""What (12.2) with (12.14) gives on variation, from the measured coefficients

    .. math::

        E[√|g| R] = c_G √|g| G^{ab}, \qquad E[√|g|] = c_V √|g| g^{ab}

    (exact jets; measured :math:`c_G = -1`, :math:`c_V = ½`), and
    :math:`δ(√|g|𝓛)/δg_{ab} = ½ √|g| T^{ab}` (from (12.14) by
    :math:`δg^{μν} = -g^{μa} g^{νb} δg_{ab}`):

    .. math::

        (-1/2κ)\, c_G G^{ab} + Λ c_V g^{ab} + ½ T^{ab} = 0, \quad \text{i.e.} \quad
        G_{μν} + a Λ g_{μν} = b T_{μν}

    with :math:`a = -2κ c_V / c_G` and :math:`b = κ / c_G` (measured: a = κ, b = -κ).  (12.12)
    as printed, G + Λ g = κ T, follows only with
    :math:`T_{μν} = +(2/√|g|)\, δ(√|g| 𝓛)/δg^{μν}` (the opposite sign to (12.14)) and with the
    cosmological term of (12.2) read as Λ/κ.

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
    :func:`divergence_term`, also checked) against :math:`G^{ab}`, and E[√|g|]
    (:func:`volume_euler_lagrange`) against :math:`g^{ab}`, both as exact proportionality factors.

    Examples
    --------
    The textbook variations :math:`δ(√|g| R)/δg_{ab} = -√|g| G^{ab}` and
    :math:`δ√|g|/δg_{ab} = ½ √|g| g^{ab}`:

    >>> s = field_equation_signs(3, n_jets=1)
    >>> s.einstein_hilbert_el_is_minus_einstein
    True
    >>> str(s.einstein_coefficient), str(s.volume_coefficient)
    ('-1', '1/2')
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
        c_g.add(proportionality(el_gg, g_up))
        c_v.add(proportionality(volume_euler_lagrange(jet), jet.ginv))
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
