"""The L = 2 trace identities (9.7)-(9.11).

Exact instances: a network with 2 input and 2 output neurons (L = 2) and one with a 1-1-1 chain
(L = 3), all weights and activation slopes symbolic. The odd traces of log G are spot-checked
with SciPy on random L = 2 networks. The printed (9.8) is false (log G has non-zero diagonal
blocks); the odd traces nevertheless vanish because the spectrum of G is closed under λ -> 1/λ:
with J = diag(:math:`I_{in}`, :math:`-I_{out}`), JGJ = (I + M)ᵀ(I + M) has the spectrum of
(I + M)(I + M)ᵀ = G⁻¹.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.linalg
import sympy as sp

from ntcore.derivation import AllOf, Derivation, Equal, Erratum, Numeric, Step

__all__ = ["layer_two_traces"]


def _l2_network() -> tuple[sp.Matrix, sp.Matrix]:
    """M = f'w for 2 inputs -> 2 outputs (symbolic), and G = (I - M)ᵀ(I - M)."""
    w = sp.symbols("w_31 w_32 w_41 w_42", real=True)
    d = sp.symbols("d_3 d_4", positive=True)  # activation slopes f'_i of the outputs
    m = sp.zeros(4, 4)
    m[2, 0], m[2, 1], m[3, 0], m[3, 1] = d[0] * w[0], d[0] * w[1], d[1] * w[2], d[1] * w[3]
    a = sp.eye(4) - m
    return m, a.T * a


def _odd_traces_residual() -> float:
    rng = np.random.default_rng(11)
    worst = 0.0
    for n_in, n_out in ((3, 2), (2, 4), (4, 4)):
        n = n_in + n_out
        m = np.zeros((n, n))
        m[n_in:, :n_in] = rng.uniform(0.1, 1.0, (n_out, 1)) * rng.standard_normal((n_out, n_in))
        a = np.eye(n) - m
        lg = scipy.linalg.logm(a.T @ a).real
        for k in (1, 3, 5, 7):
            worst = max(worst, abs(np.trace(np.linalg.matrix_power(lg, k))))
    return worst


@functools.cache  # built once: a Derivation is immutable
def layer_two_traces() -> Derivation:
    """(9.7)-(9.11) for networks without hidden layers.

    >>> layer_two_traces().verify().ok
    True
    """
    m, g = _l2_network()
    t = sp.Symbol("t")
    p = (t * sp.eye(4) - g).det()
    # L = 3 chain 1 -> 2 -> 3
    a21, a32 = sp.symbols("a_21 a_32", real=True)
    m3 = sp.Matrix([[0, 0, 0], [a21, 0, 0], [0, a32, 0]])
    logG, Mh = sp.symbols(r"\log\hat{G} (\hat{f}'\hat{w})")
    pg = sp.Function("p_G")  # characteristic polynomial det(t I - G)

    def printed_98_wrong() -> tuple[bool, str]:
        # one input, one output, slope·weight b = 1: G = [[2, -1], [-1, 1]]
        lg = scipy.linalg.logm(np.array([[2.0, -1.0], [-1.0, 1.0]])).real
        return abs(lg[0, 0]) > 0.1, (f"(log G)_11 = {lg[0, 0]:.3f} ≠ 0, but the right side of "
                                     "(9.8) has zero diagonal blocks")

    return Derivation("traces", "Trace identities for L = 2 (9.7)-(9.11)", [
        Step(sp.Eq(Mh**2, 0), "(9.7)",
             "(f'w)^n = 0 for n >= L: L = 2 (2→2 network) and L = 3 (1→1→1 chain), symbolic",
             AllOf((Equal(m**2, sp.zeros(4, 4), "(f'w)² = 0, L = 2"),
                    Equal(m3**3, sp.zeros(3, 3), "(f'w)³ = 0, L = 3"),
                    Equal((m3.T)**3, sp.zeros(3, 3), "(wᵀf')³ = 0, L = 3")))),
        Step(sp.Eq(t**4 * pg(1 / t), pg(t)), "(9.8)",
             "correct replacement: det G = 1 and spec G = spec G⁻¹ (palindromic characteristic "
             "polynomial, 2→2 network symbolic); the printed log G = F1(..)f'w + F2(..)wᵀf' "
             "is false [errata (9.8)]",
             Erratum(sp.Eq(logG, sp.Symbol(r"F_1 \hat{f}'\hat{w} + F_2 \hat{w}^T\hat{f}'")),
                     AllOf((Equal(sp.expand(t**4 * p.subs(t, 1 / t)), sp.expand(p),
                                  "t⁴ p(1/t) = p(t)"),
                            Equal(g.det(), 1, "det G = 1"))),
                     printed_98_wrong)),
        Step(sp.Eq(sp.Symbol(r"\mathrm{Tr}\log\hat{G}"), 0), "(9.9)",
             "Tr log G = log det G = 0 (first line of (9.9); its second line rests on the "
             "printed (9.8))",
             Equal(sp.log(g.det()), 0, "log det G, 2→2 network")),
        Step(sp.Eq(sp.Symbol(r"\mu_3"), 0), "(9.10)",
             "eigenvalues pair as λ, 1/λ so Σ (log λ)³ = 0; SciPy logm spot check",
             Numeric(_odd_traces_residual, 1e-9,
                     "random L = 2 nets, N ≤ 8; 7th powers of O(1) logs: round-off ~1e-12")),
        Step(sp.Eq(sp.Symbol(r"\mathrm{Tr}(\log\hat{G})^{2n+1}"), 0), "(9.11)",
             "same pairing for every odd power; spot-checked for 2n+1 = 1, 3, 5, 7",
             Numeric(_odd_traces_residual, 1e-9,
                     "random L = 2 nets, N ≤ 8; 7th powers of O(1) logs: round-off ~1e-12")),
    ])
