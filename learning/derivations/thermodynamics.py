"""Relations between U, F, S, S_0, A and C, (6.1)-(7.5), and the first law (7.10)-(7.11).

Statements about :math:`∫ d^N x` are checked on an arbitrary 3-point quadrature (weights w_k, loss
values H_k symbolic), for which :math:`Z = Σ w_k e^{-βH_k}`; spectral statements on two eigenvalues.
"""

from __future__ import annotations

import functools

import sympy as sp

from ntcore.derivation import Approximation, Definition, Derivation, Equal, Erratum, Step

__all__ = ["thermodynamic_relations"]


@functools.cache  # built once: a Derivation is immutable
def thermodynamic_relations() -> Derivation:
    """(6.1)-(7.5) and (7.10)-(7.11).

    >>> thermodynamic_relations().verify().ok
    True
    """
    beta, n, nbig, wq = sp.symbols(r"beta N N_> w", positive=True)
    hs = sp.symbols("H_1:4", real=True)
    ws = sp.symbols("w_1:4", positive=True)
    lb, ls = sp.symbols(r"\lambda_> \lambda_<", positive=True)
    A, C, Uf, S0 = (sp.Function(s) for s in ("A", "C", "U", "S_0"))
    U, F, S, Z, T = sp.symbols(r"U F S \mathcal{Z} T", real=True)
    Zf = sp.Function(r"\mathcal{Z}")
    # canonical ensemble on a quadrature
    z = sum(w * sp.exp(-beta * h) for w, h in zip(ws, hs, strict=True))
    probs = [sp.exp(-beta * h) / z for h in hs]
    u_avg = sum(w * h * p for w, h, p in zip(ws, hs, probs, strict=True))
    s_avg = -sum(w * p * sp.log(p) for w, p in zip(ws, probs, strict=True))
    logz = sp.log(z)
    f_of_z = -logz / beta
    # (6.3)-(6.4) with A(β), C(b, w) arbitrary; C does not depend on β
    cc = sp.Symbol("C")
    f_split = A(beta) - cc / beta
    # (6.5)-(6.6) on two eigenvalues, one large and one small (N_> = 1)
    f65 = (sp.log(1 + beta * lb) + sp.log(1 + beta * ls)) / (2 * beta) - n * sp.log(2 * sp.pi) / (
        2 * beta)
    f66 = sp.log(lb) / (2 * beta) + sp.log(beta) / (2 * beta) - n * sp.log(2 * sp.pi) / (2 * beta)
    a68 = nbig * sp.log(beta) / (2 * beta)
    # first law along a path s of equilibria at constant T
    s_ = sp.Symbol("s")
    f_path = Uf(s_) - T * S0(s_) - T * C(s_)

    def s_printed_wrong() -> tuple[bool, str]:
        zz = z
        printed = -beta * sp.diff(zz, beta) + zz
        at = {beta: 1, hs[0]: 0, hs[1]: 1, hs[2]: 2, ws[0]: 1, ws[1]: 1, ws[2]: 1}
        d = sp.N((printed - s_avg).subs(at))
        return abs(d) > 1e-6, f"-β∂Z/∂β + Z - S = {d:.4f} at a test point"

    return Derivation("thermodynamics", "U, F, S, S_0, A, C and the first law (Sections 6-7)", [
        Step(sp.Eq(U, -sp.Derivative(sp.log(Z), beta)), "(6.1)",
             "average loss = -∂ log Z/∂β (3-point quadrature)",
             Equal(u_avg, -sp.diff(logz, beta), "Σ w H p vs -∂_β log Σ w e^{-βH}")),
        Step(sp.Eq(sp.Derivative(Uf(beta, wq), wq), -sp.Derivative(sp.log(Zf(beta, wq)), wq, beta)),
             "(6.2)",
             "equilibrium: ∂U/∂w = 0; printed with + sign (harmless: it is set to 0)",
             Erratum(sp.Eq(sp.Derivative(Uf(beta, wq), wq),
                           sp.Derivative(sp.log(Zf(beta, wq)), wq, beta)),
                     Equal(sp.diff(u_avg.subs(hs[0], wq * hs[0]), wq),
                           -sp.diff(logz.subs(hs[0], wq * hs[0]), wq, beta),
                           "∂U/∂w = -∂²log Z/∂w∂β, w a parameter of H"),
                     lambda: (not Equal(sp.diff(u_avg.subs(hs[0], wq * hs[0]), wq),
                                        sp.diff(logz.subs(hs[0], wq * hs[0]), wq, beta))(
                                            None, {}).status == "exact",
                              "+∂²log Z/∂w∂β ≠ ∂U/∂w (sign)"))),
        Step(sp.Eq(F, A(beta) - cc / beta), "(6.4)",
             "F ≡ -log Z/β with the factorised Z = e^{-βA} e^{C} of (6.3)",
             Equal(-sp.log(sp.exp(-beta * A(beta)) * sp.exp(cc)) / beta, f_split,
                   "-(1/β) log(e^{-βA} e^{C})")),
        Step(sp.Eq(F, f65), "(6.5)", "F from (5.14) at m = 0 (two eigenvalues)",
             Equal(-(-(sp.log(1 + beta * lb) + sp.log(1 + beta * ls)) / 2
                     + n * sp.log(2 * sp.pi) / 2) / beta, f65, "-(5.14)/β")),
        Step(sp.Eq(F, f66), "(6.6)",
             "λ_> ≫ 1/β, λ_< ≲ 1/β: keep log λ_> + log β, drop the rest (kept as the term)",
             Approximation(f65, f66, (sp.log(1 + 1 / (beta * lb)) + sp.log(1 + beta * ls))
                           / (2 * beta), "βλ_> ≫ 1 and βλ_< ≪ 1")),
        Step(sp.Eq(sp.Symbol("C"), -sp.log(lb) / 2 + n * sp.log(2 * sp.pi) / 2), "(6.7)",
             "read C off (6.6) against (6.4) (N_> = 1)",
             Equal(f66, (nbig * sp.log(beta) / (2 * beta)).subs(nbig, 1)
                   - (-sp.log(lb) / 2 + n * sp.log(2 * sp.pi) / 2) / beta, "(6.6) = A - C/β")),
        Step(sp.Eq(A(beta), a68), "(6.8)", "the β-dependent part of (6.6)", Definition(
            "read off with (6.7): checked together there")),
        Step(sp.Eq(S, beta**2 * sp.Derivative(F, beta)), "(7.1)",
             "S = -<log p> = log Z + βU = β² ∂F/∂β (printed: -β ∂Z/∂β + Z)",
             Erratum(sp.Eq(S, -beta * sp.Derivative(Z, beta) + Z),
                     Equal(s_avg, beta**2 * sp.diff(f_of_z, beta),
                           "-Σ w p log p = β² ∂_β(-log Z/β), quadrature"),
                     s_printed_wrong)),
        Step(sp.Eq(S, beta**2 * sp.Derivative(A(beta), beta) + cc), "(7.2)",
             "substitute (6.4) into (7.1); C independent of β",
             Equal(beta**2 * sp.diff(f_split, beta), beta**2 * sp.diff(A(beta), beta) + cc,
                   "β² ∂_β(A - C/β)")),
        Step(sp.Eq(S0(beta), beta * (Uf(beta) - A(beta))), "(7.3)",
             "S_0 = β² A' = β(U - A) with U = ∂_β(βA) of (7.5)",
             Equal(beta**2 * sp.diff(A(beta), beta),
                   beta * (sp.diff(beta * A(beta), beta) - A(beta)), "β²A' vs β(∂_β(βA) - A)")),
        Step(sp.Eq(Uf(beta), nbig / (2 * beta)), "(7.5)",
             "U = -∂_β log Z = ∂_β(βF) = ∂_β(βA) (C is β-independent) with A of (6.8)",
             Equal(sp.diff(beta * a68, beta), nbig / (2 * beta), "∂_β(β A)")),
        Step(sp.Eq(S0(beta), -nbig * sp.log(beta) / 2 + nbig / 2), "(7.4)",
             "S_0 = β² ∂_β A for (6.8); in terms of U = N_>/(2β): (N_>/2) log U + "
             "(N_>/2)(1 - log(N_>/2))",
             Equal(sp.expand_log(
                 (beta**2 * sp.diff(a68, beta)
                  - (nbig / 2 * sp.log(U) + nbig / 2 * (1 - sp.log(nbig / 2))))
                 .subs(U, nbig / (2 * beta)), force=True), 0,
                 "both lines of (7.4) from (6.8) and (7.5)")),
        Step(sp.Eq(sp.Derivative(A(s_), s_) - T * sp.Derivative(C(s_), s_), 0), "(7.10)",
             "dF = 0 at constant T along a path s of equilibria; F = A - TC, A = U - TS_0",
             Equal(sp.diff(f_path, s_),
                   sp.diff(Uf(s_), s_) - T * sp.diff(S0(s_), s_) - T * sp.diff(C(s_), s_),
                   "d/ds (U - TS_0 - TC)")),
        Step(sp.Eq(sp.Derivative(Uf(s_), s_), T * sp.Derivative(S0(s_), s_)
                   + T * sp.Derivative(C(s_), s_)), "(7.11)",
             "solve (7.10) (dF = 0) for dU: the first law",
             Equal(sp.solve(sp.diff(f_path, s_), sp.diff(Uf(s_), s_))[0],
                   T * sp.diff(S0(s_), s_) + T * sp.diff(C(s_), s_), "solve dF = 0 for dU")),
    ])
