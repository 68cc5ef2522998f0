r"""Maximum entropy -> canonical ensemble, (4.4)-(4.10).

Integrals over :math:`R^N` are checked by replacing :math:`∫ d^N x \; g(x)` with an arbitrary
quadrature :math:`Σ_k w_k \; g(x_k)` over three symbolic points
(:func:`~ntcore.derivation.integral_as_sum`): the functional identities used here are linear in
the integrals, so they hold for the integrals if they hold for every quadrature.
"""

from __future__ import annotations

import functools

import sympy as sp

from ntcore.derivation import Definition, Derivation, Equal, Step, integral_as_sum

__all__ = ["maximum_entropy"]


@functools.cache  # built once: a Derivation is immutable
def maximum_entropy() -> Derivation:
    """Jaynes' maximum entropy with the constraint (4.4) gives the canonical ensemble (4.10).

    >>> maximum_entropy().verify().ok
    True
    """
    x, beta, nu, U, S, L = sp.symbols(r"x beta nu U S \mathcal{L}", real=True)
    p, H = sp.Function("p"), sp.Function("H")
    xs = sp.symbols("x_1:4", real=True)
    ws = sp.symbols("w_1:4", positive=True)
    u_def = sp.Integral(H(x) * p(x), x)
    s_def = -sp.Integral(p(x) * sp.log(p(x)), x)
    lagr1 = s_def + beta * (U - u_def) + nu * (1 - sp.Integral(p(x), x))
    lagr2 = sp.Integral(p(x) * (-sp.log(p(x)) - beta * H(x) - nu), x) + beta * U + nu

    def disc(e: sp.Expr) -> sp.Expr:
        return integral_as_sum(e, x, xs, ws)

    # δL/δp(x_1) = (1/w_1) ∂L_disc/∂p(x_1): the quadrature form of the functional derivative.
    p1 = sp.Symbol("p_1", positive=True)

    def variation(_prev: dict) -> sp.Expr:
        d = disc(lagr2).subs(p(xs[0]), p1)
        return (sp.diff(d, p1) / ws[0]).subs(p1, p(xs[0]))

    rhs47 = -beta * H(x) - sp.log(p(x)) - 1 - nu
    sol = sp.solve(sp.Eq(rhs47.subs({p(x): p1, H(x): sp.Symbol("h")}), 0), p1)
    return Derivation("maximum-entropy", "Maximum entropy -> canonical ensemble (Section 4)", [
        Step(sp.Eq(U, u_def), "(4.4)", "the constraint: the ensemble-averaged bulk loss is fixed",
             Definition("constraint")),
        Step(sp.Eq(S, s_def), "(4.5)", "Shannon entropy of p(x)", Definition()),
        Step(sp.Eq(L, lagr2), "(4.6)",
             "Lagrangian with multipliers β (loss) and ν (normalisation); linearity of ∫",
             Equal(lambda prev: disc(lagr1), lambda prev: disc(lagr2),
                   "both lines of (4.6) agree for an arbitrary 3-point quadrature")),
        Step(sp.Eq(0, rhs47), "(4.7)", "δL/δp(x) = 0 (quadrature: (1/w_1) ∂L/∂p(x_1))",
             Equal(variation, rhs47.subs(x, xs[0]), "derivative of the discretised (4.6)")),
        Step(sp.Eq(0, U - u_def), "(4.8)", "∂L/∂β = 0 returns the constraint (4.4)",
             Equal(sp.diff(lagr1, beta), U - u_def, "∂(4.6)/∂β")),
        Step(sp.Eq(0, 1 - sp.Integral(p(x), x)), "(4.9)", "∂L/∂ν = 0: normalisation",
             Equal(sp.diff(lagr1, nu), 1 - sp.Integral(p(x), x), "∂(4.6)/∂ν")),
        Step(sp.Eq(p(x), sp.exp(-beta * H(x) - 1 - nu)), "(4.10)",
             "solve (4.7) for p(x): the canonical ensemble",
             Equal(sol[0] if len(sol) == 1 else sp.nan,
                   sp.exp(-beta * sp.Symbol("h") - 1 - nu), "sympy.solve of (4.7) for p")),
    ])
