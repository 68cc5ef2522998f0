"""The Laplacian of F and the entropy density (8.9)-(8.11); the two-level -ΔF (9.1)-(9.4).

The Laplacian is taken in the coordinates Q_i = λ_i, as in the paper; F is a sum over
eigenvalues, so two eigenvalues show the general case. (9.1)'s trace form is spot-checked with a
random 5×5 G in NumPy.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from ntcore.derivation import AllOf, Derivation, Equal, Erratum, Numeric, Simplify, Step

__all__ = ["laplacian_and_two_level"]


def _trace_form_residual() -> float:
    rng = np.random.default_rng(3)
    a = np.eye(5) + 0.4 * rng.standard_normal((5, 5))
    g, beta = a.T @ a, 0.7
    lam = np.linalg.eigvalsh(g)
    k = np.linalg.inv(np.eye(5) + beta * g)
    return abs(np.trace(k @ k) - np.sum((1 + beta * lam) ** -2))


@functools.cache  # built once: a Derivation is immutable
def _agrees_with_numerics_8_11(log_ratio: sp.Expr, symbols: tuple) -> float:
    """|symbolic (8.11) - learning.architecture.entropy_density_log_ratio| at test points."""
    from learning.architecture import entropy_density_log_ratio

    beta, b0, alpha, lam = symbols
    f = sp.lambdify((beta, b0, alpha, lam), log_ratio)
    pts = [(0.7, 0.2, 1.3, 2.0), (2.0, 0.5, 0.4, 0.05), (1.0, 0.1, 1.0, 30.0)]
    return max(abs(f(*p) - entropy_density_log_ratio([p[3]], p[0], p[2], beta0=p[1]))
               for p in pts)


def _agrees_with_numerics_8_10(lap: sp.Expr, symbols: tuple) -> float:
    from learning.architecture import laplacian_free_energy

    beta, l1, l2 = symbols
    f = sp.lambdify((beta, l1, l2), lap)
    return max(abs(f(b, a, c) - laplacian_free_energy([a, c], b))
               for b, a, c in [(0.5, 0.1, 3.0), (2.0, 1.0, 1.0), (1.3, 10.0, 0.01)])


def _agrees_with_numerics_9_4() -> float:
    from learning.architecture import two_level_extrema

    worst = 0.0
    for beta in (0.25, 0.4, 0.73, 0.9):
        pos = two_level_extrema(beta).positions
        worst = max(worst, float(np.min(np.abs(pos - 2 * np.log((1 - beta) / beta)))))
    return worst


def laplacian_and_two_level() -> Derivation:
    """(8.9)-(8.11) and (9.1)-(9.4), with the errata for (8.11) and (9.4).

    >>> laplacian_and_two_level().verify().ok
    True
    """
    beta, b0, alpha, n, lam, s = sp.symbols("beta beta_0 alpha N lambda s", positive=True)
    l1, l2 = sp.symbols("lambda_1 lambda_2", positive=True)
    gamma = sp.Symbol("gamma", positive=True)
    F, lapF, sig, sig0 = sp.symbols(r"F \Delta{F} \sigma \sigma_0", real=True)
    f89 = (sp.log(1 + beta * l1) + sp.log(1 + beta * l2)) / (2 * beta) - n * sp.log(2 * sp.pi) / (
        2 * beta)
    lap = sp.diff(f89, l1, 2) + sp.diff(f89, l2, 2)
    lap810 = -beta / 2 * ((1 + beta * l1) ** -2 + (1 + beta * l2) ** -2)
    # (8.11): the solution of ∂_β σ = α ΔF σ, per eigenvalue: K(β, λ) with ∂_β K = ΔF_λ
    kk = -(sp.log(1 + beta * lam) + 1 / (1 + beta * lam)) / (2 * lam**2)
    log_ratio = alpha * (kk - kk.subs(beta, b0))
    printed811 = -alpha / 2 * (1 + beta * lam) ** -2

    def printed_811_wrong() -> tuple[bool, str]:
        d = sp.diff(printed811, beta) - alpha * (-beta / 2 * (1 + beta * lam) ** -2)
        v = sp.N(d.subs({alpha: 1, beta: 1, lam: 1}))
        return abs(v) > 1e-6, f"∂_β log σ(8.11) - αΔF = {v:.3f} at α = β = λ = 1"

    # (9.3) with γ = 1/3, s = √λ: λ^{γ/(γ-1)} = 1/s
    g3 = sp.Rational(1, 3)
    bracket = g3 / (1 + beta * s**2) ** 2 + (1 - g3) / (1 + beta / s) ** 2
    s_star = (1 - beta) / beta
    printed94 = sp.exp(3 * sp.log(-sp.Rational(1, 2) + sp.sqrt(sp.Rational(1, 4) + 1 / beta)) / 2)

    def printed_94_wrong() -> tuple[bool, str]:
        v = sp.N(sp.diff(bracket, s).subs(beta, sp.Rational(1, 4)).subs(
            s, printed94.subs(beta, sp.Rational(1, 4))))
        return abs(v) > 1e-6, f"d(-ΔF)/d√λ = {v:.4f} ≠ 0 at (9.4)'s λ, β = 1/4"

    return Derivation("laplacian", "Laplacian of F, entropy density, two-level model (8.9)-(9.4)", [
        Step(sp.Eq(F, f89), "(8.9)",
             "F = -(1/β) log Z from (5.14) at m = 0 (first line of (8.9) omits -(N/2β) log 2π)",
             Equal(-(-(sp.log((1 + beta * l1) * (1 + beta * l2))) / 2
                     + n * sp.log(2 * sp.pi) / 2) / beta, f89, "-(5.14)/β, m = 0, N = 2")),
        Step(sp.Eq(lapF, lap810), "(8.10)", "Δ = Σ_j ∂²/∂λ_j²; log terms separate",
             AllOf((Equal(lap, lap810, "Σ_j ∂²F/∂λ_j²"),
                    Numeric(lambda: _agrees_with_numerics_8_10(lap810, (beta, l1, l2)), 1e-12,
                            "vs learning.architecture.laplacian_free_energy, float64")))),
        Step(sp.Eq(sp.log(sig / sig0), log_ratio), "(8.11)",
             "solve ∂_β log σ = αΔF (8.6) per eigenvalue from β_0: K(β, λ) = -(log(1+βλ) + "
             "1/(1+βλ))/(2λ²); printed σ_0 exp(-(α/2)Σ(1+βλ)^-2) does not solve it "
             "[errata (8.6)-(8.11)]",
             Erratum(sp.Eq(sp.log(sig / sig0), printed811),
                     AllOf((Equal(sp.diff(log_ratio, beta),
                                  alpha * (-beta / 2 * (1 + beta * lam) ** -2),
                                  "∂_β log σ = αΔF per eigenvalue"),
                            Numeric(lambda: _agrees_with_numerics_8_11(
                                log_ratio, (beta, b0, alpha, lam)), 1e-10,
                                "vs learning.architecture.entropy_density_log_ratio; its "
                                "series branch for βλ < 1e-3 is accurate to ~1e-10"))),
                     printed_811_wrong)),
        Step(sp.Eq(-lapF, beta / 2 * ((1 + beta * l1) ** -2 + (1 + beta * l2) ** -2)), "(9.1)",
             "(8.10) negated; Σ_i (1+βλ_i)^-2 = Tr (I+βG)^-2 (NumPy spot check, random 5×5 G)",
             AllOf((Equal(-lap, beta / 2 * ((1 + beta * l1) ** -2 + (1 + beta * l2) ** -2),
                          "-(8.10)"),
                    Numeric(_trace_form_residual, 1e-10,
                            "5×5 float64, entries O(1): round-off ~1e-15")))),
        Step(sp.Eq(lam ** (gamma * n) * lam ** (gamma / (gamma - 1) * (1 - gamma) * n), 1),
             "(9.2)", "γN eigenvalues λ and (1-γ)N eigenvalues λ^{γ/(γ-1)}: det G = 1",
             Simplify()),
        Step(sp.Eq(-lapF, n * beta / 2 * (gamma / (1 + beta * lam) ** 2 + (1 - gamma)
                                         / (1 + beta * lam ** (gamma / (gamma - 1))) ** 2)),
             "(9.3)", "insert the two levels (with multiplicities γN, (1-γ)N) into (9.1)",
             Equal(beta / 2 * (gamma * n * (1 + beta * lam) ** -2 + (1 - gamma) * n
                               * (1 + beta * lam ** (gamma / (gamma - 1))) ** -2),
                   n * beta / 2 * (gamma / (1 + beta * lam) ** 2 + (1 - gamma)
                                   / (1 + beta * lam ** (gamma / (gamma - 1))) ** 2),
                   "(9.1) with the two levels")),
        Step(sp.Eq(sp.log(lam), 2 * sp.log((1 - beta) / beta)), "(9.4)",
             "γ = 1/3, s = √λ: d(-ΔF)/ds = 0 at s = (1-β)/β (and s = 1); printed "
             "log λ = 3 log(-½ + √(¼ + 1/β)) is not an extremum [errata (9.4)]",
             Erratum(sp.Eq(sp.log(lam), 3 * sp.log(-sp.Rational(1, 2)
                                                   + sp.sqrt(sp.Rational(1, 4) + 1 / beta))),
                     AllOf((Equal(sp.diff(bracket, s).subs(s, s_star), 0,
                                  "d(-ΔF)/d√λ at (1-β)/β"),
                            Numeric(_agrees_with_numerics_9_4, 1e-8,
                                    "vs learning.architecture.two_level_extrema (Brent, "
                                    "xtol 1e-14) at β = 0.25, 0.4, 0.73, 0.9"))),
                     printed_94_wrong)),
    ])
