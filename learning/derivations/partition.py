"""The Gaussian partition function, (5.5)-(5.14).

General-N statements are checked on exact instances: N = 2 with symbolic entries where SymPy is
fast, N = 3 with exact rational matrices (completing the square), plus NumPy spot checks with
random matrices for log det = Tr log = Σ log λ. Each justification says which.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from ntcore.derivation import (
    AllOf,
    Approximation,
    Definition,
    Derivation,
    Equal,
    Erratum,
    Numeric,
    Step,
)

__all__ = ["gaussian_partition"]


def _completing_the_square_n3() -> sp.Expr:
    """Residual of completing the square in (5.9) at N = 3 with exact rationals (0 if right)."""
    beta, c = sp.Rational(3, 2), sp.Rational(4, 5)  # c = 1 - βm > 0
    a_ = sp.Matrix([[2, 1, 0], [-1, 3, 1], [0, 1, 2]])
    g = a_.T * a_  # G = (I - f'w)^T (I - f'w), symmetric positive definite
    mean = sp.Matrix([sp.Rational(1, 3), -sp.Rational(1, 2), sp.Rational(1, 5)])
    xv = sp.Matrix(sp.symbols("x_1:4", real=True))
    k = c * sp.eye(3) + beta * g
    mu = k.inv() * beta * g * mean
    lhs = -beta / 2 * ((xv - mean).T * g * (xv - mean))[0] - c / 2 * (xv.T * xv)[0]
    rhs = (-((xv - mu).T * k * (xv - mu))[0] / 2
           - (mean.T * (c * beta * g * k.inv()) * mean)[0] / 2)
    return sp.expand(lhs - rhs)


def _logdet_spot_check() -> float:
    rng = np.random.default_rng(7)
    a = np.eye(6) + 0.3 * rng.standard_normal((6, 6))
    g = a.T @ a
    k = np.eye(6) * 0.8 + 1.5 * g
    lam = np.linalg.eigvalsh(g)
    w, v = np.linalg.eigh(k)
    trlog = np.trace(v @ np.diag(np.log(w)) @ v.T)
    return max(abs(np.linalg.slogdet(k)[1] - trlog),
               abs(trlog - np.sum(np.log(0.8 + 1.5 * lam))))


@functools.cache  # built once: a Derivation is immutable
def _agrees_with_numerics(expr: sp.Expr, symbols: tuple, with_mean: bool) -> float:
    """|symbolic log Z - learning.thermodynamics.log_partition_function| at test points."""
    from learning.thermodynamics import log_partition_function

    f = sp.lambdify(symbols, expr)
    worst = 0.0
    points = [(0.8, 0.1, 0.5, 3.0, 0.2, -0.4), (2.0, 0.0, 0.05, 9.0, 1.0, 0.3)]
    for beta, m, l1, l2, a1, a2 in points:
        mean = [a1, a2] if with_mean else None
        ref = log_partition_function([l1, l2], beta, m, mean_components=mean)
        worst = max(worst, abs(f(beta, m, l1, l2, a1, a2) - ref))
    return worst


def gaussian_partition() -> Derivation:
    """(5.5)-(5.14): Gaussian approximation of the canonical partition function.

    >>> gaussian_partition().verify().ok
    True
    """
    beta, m, c = sp.symbols("beta m c", positive=True)
    x, xm, r0, g1, lam = sp.symbols(r"x \langle{x}\rangle r_0 g lambda", real=True)
    a1, a2 = sp.symbols("a_1 a_2", real=True)
    k1, k2 = sp.symbols("k_1 k_2", positive=True)  # eigenvalues of K = I(1 - βm) + βG > 0
    lp1, lp2 = sp.symbols("lambda_1 lambda_2", positive=True)
    Z, logZ, N = sp.symbols(r"\mathcal{Z} \log\mathcal{Z} N", positive=True)
    H = sp.Symbol("H")
    # (5.5), one neuron: f(w x + b) ≈ f(w<x> + b) + f'w (x - <x>), g = 1 - f'w, r_0 the residual
    h_lin = (r0 + g1 * (x - xm)) ** 2 / 2 - m * x**2 / 2
    h_55 = g1**2 * (x - xm) ** 2 / 2 - m * x**2 / 2
    # (5.9) in one dimension, symbolic: c = 1 - βm > 0
    z1 = sp.integrate(sp.exp(-beta * lp1 * (x - xm) ** 2 / 2 - c * x**2 / 2), (x, -sp.oo, sp.oo))
    z1_formula = sp.sqrt(2 * sp.pi) / sp.sqrt(c + beta * lp1) * sp.exp(
        -xm**2 * c * beta * lp1 / (c + beta * lp1) / 2)
    # (5.11) from (5.9) at N = 2 in the eigenbasis of G (det and quadratic forms are invariant)
    cc = 1 - beta * m
    logz_59 = (-sp.log((cc + beta * lp1) * (cc + beta * lp2)) / 2
               - (a1**2 * cc * beta * lp1 / (cc + beta * lp1)
                  + a2**2 * cc * beta * lp2 / (cc + beta * lp2)) / 2 + sp.log(2 * sp.pi))
    logz_511 = (-(sp.log(cc + beta * lp1) + sp.log(cc + beta * lp2)) / 2
                - (cc * beta * lp1 * a1**2 / (cc + beta * lp1)
                   + cc * beta * lp2 * a2**2 / (cc + beta * lp2)) / 2 + sp.log(2 * sp.pi))
    logz_514 = -(sp.log(cc + beta * lp1) + sp.log(cc + beta * lp2)) / 2 + sp.log(2 * sp.pi)
    syms = (beta, m, lp1, lp2, a1, a2)
    amat = sp.Matrix(2, 2, sp.symbols("A_11 A_12 A_21 A_22", real=True))
    yvec = sp.Matrix(sp.symbols("y_1 y_2", real=True))
    gm = sp.Matrix([[sp.Integer(5), 2], [2, 2]])  # a symmetric instance of G
    pairs = gm.eigenvects()

    def eig_printed_wrong() -> tuple[bool, str]:
        v = pairs[0][2][0]
        return (gm * v).shape != (gm * pairs[0][0]).shape, "G v is a vector, G λ a matrix"

    box = sp.Integral(sp.exp(-beta * H), (x, -1, 1))
    window = sp.Integral(sp.exp(-beta * H - x**2 / 2), (x, -sp.oo, sp.oo))

    def window_size() -> float:  # one neuron, H = x²/2, β = 1: box vs window, in log Z
        zb = sp.Integral(sp.exp(-x**2 / 2), (x, -1, 1)).evalf()
        zw = sp.Integral(sp.exp(-x**2), (x, -sp.oo, sp.oo)).evalf()
        return float(abs(sp.log(zb) - sp.log(zw)))

    return Derivation("gaussian-partition", "The Gaussian partition function (Section 5)", [
        Step(sp.Eq(H, h_55), "(5.5)",
             "linearise f about <x> (one neuron shown, g = 1 - f'w); drops ½r_0² + r_0 g (x-<x>), "
             "r_0 = <x> - f(w<x>+b), which vanish only at a fixed point (2.9) [errata (5.5)]",
             Approximation(h_lin, h_55, r0**2 / 2 + r0 * g1 * (x - xm),
                           "<x> is a fixed point, r_0 = 0")),
        Step(sp.Eq(sp.Symbol(r"\hat{G}"), sp.Symbol(r"(\hat{I} - \hat{f}'\hat{w})^T"
                                                      r"(\hat{I} - \hat{f}'\hat{w})")),
             "(5.6)", "G makes (5.5) a quadratic form: |A y|² = yᵀ AᵀA y, A = I - f'w "
             "(2×2 symbolic)", Equal(((amat * yvec).T * (amat * yvec))[0],
                                    (yvec.T * (amat.T * amat) * yvec)[0], "|Ay|² = yᵀGy")),
        Step(sp.Eq(Z, box), "(5.7)", "partition function (5.1) over the range (-1, 1) of tanh",
             Definition()),
        Step(sp.Eq(Z, window), "(5.8)",
             "the box is replaced by a Gaussian window e^{-x²/2} (one neuron shown); the "
             "difference is kept as the neglected term [errata (5.8)]",
             Approximation(box, window, box - window, "the window mimics the box (it does not "
                           "in general: size for H = x²/2, β = 1 in log Z)", window_size)),
        Step(sp.Eq(Z, z1_formula), "(5.9)",
             "Gaussian integral: 1-d symbolic (λ, β, c = 1-βm > 0 symbolic); completing the "
             "square at N = 3 with an exact rational G, <x>",
             AllOf((Equal(z1, z1_formula, "∫ over R in one dimension"),
                    Equal(_completing_the_square_n3(), 0, "completing the square, N = 3")))),
        Step(sp.Eq(sp.Symbol(r"\hat{G}") * sp.Symbol(r"\mathbf{v}_i"),
                   lam * sp.Symbol(r"\mathbf{v}_i")), "(5.10)",
             "eigenvalue equation (printed G v_i = G λ_i); checked on a 2×2 instance",
             Erratum(sp.Eq(sp.Symbol("G v"), sp.Symbol("G lambda")),
                     Equal(sum(((gm - ev * sp.eye(2)) * vs[0]).norm() for ev, _, vs in pairs), 0,
                           "G v = λ v for each eigenpair"),
                     eig_printed_wrong)),
        Step(sp.Eq(sp.Symbol(r"\langle\mathbf{x}\rangle"),
                   sp.Symbol(r"\sum_i a_i \mathbf{v}_i")), "(5.12)",
             "expand <x> in the orthonormal eigenbasis of G", Definition()),
        Step(sp.Eq(logZ, logz_511), "(5.11)",
             "log of (5.9) in the eigenbasis, N = 2 symbolic",
             AllOf((Equal(logz_59, logz_511, "log of (5.9) with G = diag(λ1, λ2), <x> = (a1, a2)"),
                    Numeric(lambda: _agrees_with_numerics(logz_511, syms, True), 1e-12,
                            "vs learning.thermodynamics.log_partition_function, float64")))),
        Step(sp.Eq(logZ, logz_514), "(5.13)",
             "drop the exponential factor of (5.9) (a_i² ≪ 1); the term is kept",
             Approximation(logz_511, logz_514,
                           -(cc * beta * lp1 * a1**2 / (cc + beta * lp1)
                             + cc * beta * lp2 * a2**2 / (cc + beta * lp2)) / 2,
                           "a_i² ≪ 1")),
        Step(sp.Eq(logZ, logz_514), "(5.14)",
             "log det = Tr log = Σ log(1 - βm + βλ_i): N = 2 symbolic (diagonal), and a NumPy "
             "spot check on a random 6×6 G",
             AllOf((Equal(-sp.log(sp.diag(k1, k2).det()) / 2 + sp.log(2 * sp.pi),
                          logz_514.subs({cc + beta * lp1: k1, cc + beta * lp2: k2}),
                          "-½ log det K + log 2π, K = diag(k1, k2) the eigenvalues of K"),
                    Numeric(lambda: _agrees_with_numerics(logz_514, syms, False), 1e-12,
                            "vs learning.thermodynamics.log_partition_function, float64"),
                    Numeric(_logdet_spot_check, 1e-10,
                            "6×6, float64: round-off ~1e-14 per eigenvalue")))),
    ])
