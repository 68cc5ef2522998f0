"""Thermodynamics of learning (Sections 5-7 and 10) from the spectrum of G.

Gaussian partition function, eqs. (5.9), (5.11), (5.13)-(5.14):

    log Z = N/2 log 2π - ½ Σ_i log(1 - βm + βλ_i) - ½ Σ_i (1-βm) β λ_i a_i² / (1 - βm + βλ_i)

with a_i the components of <x> on the eigenvectors of G (5.12); the large-N form (5.14)
drops the last sum.  From it: U = -∂ log Z/∂β (6.1), F = -log Z/β (6.4)-(6.5),
S = log Z + βU = β² ∂F/∂β (7.1), the split F = A - C/β of (6.6)-(6.8), S_0 (7.3)-(7.5),
C_n (10.5) and the laws (7.6), (7.10)-(7.11).  Derivatives in β are analytic, so the
identities between these quantities are tested to round-off, not to a finite difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.septuple import Septuple
from learning.spectrum import GSpectrum, check_beta, count_large, eigenvalues_of, g_operator
from ntcore.checks import count, positive_number, real_number
from ntcore.display import MarkdownSummary

__all__ = [
    "GaussianThermodynamics",
    "gaussian_thermodynamics",
    "log_partition_function",
    "internal_energy",
    "free_energy",
    "entropy",
    "mean_state_components",
    "complexity",
    "complexity_n",
    "thermodynamic_free_energy",
    "thermodynamic_entropy",
    "decomposition",
    "Decomposition",
    "LawCheck",
    "first_law_check",
    "second_law_check",
]

Array = NDArray[np.float64]
LOG_2PI = float(np.log(2.0 * np.pi))


def _check_spectrum(spectrum: object) -> None:
    # C_n and N_> need the sorted log-eigenvalues a GSpectrum carries, not a bare array.
    if not isinstance(spectrum, GSpectrum):
        raise TypeError(f"spectrum must be a GSpectrum (spectrum_from_eigenvalues makes one), "
                        f"got {type(spectrum).__name__}")


def _denominators(lam: Array, beta: float, m: float) -> Array:
    with np.errstate(over="ignore"):  # overflow is refused just below, by name
        den = 1.0 - beta * m + beta * lam
    if not np.all(np.isfinite(den)):
        # β λ_i beyond float range: log Z would come out as -inf, not a number.
        raise ValueError(f"beta*lambda_i overflows (beta = {beta}, max lambda = {lam.max():.3g}, "
                         f"m = {m}); log Z of (5.11) is not representable: use a smaller beta")
    if np.any(den <= 0):
        worst = float(den.min())
        raise ValueError(
            f"the Gaussian integral (5.9) diverges: 1 - beta*m + beta*lambda_i = {worst:.3g} <= 0 "
            f"(beta = {beta}, m = {m}); I(1 - beta*m) + beta*G must be positive definite")
    return den


@dataclass(frozen=True)
class GaussianThermodynamics(MarkdownSummary):
    """Thermodynamic functions of the Gaussian ensemble (5.9)-(5.14) at one β.

    Attributes
    ----------
    beta, m
        Inverse temperature and the local-objective parameter of (3.3).
    log_partition_function
        log Z, (5.11) (with the <x> term) or (5.14) (without).
    internal_energy
        U = -∂ log Z/∂β, (6.1).
    free_energy
        F = -log Z / β, (6.4)-(6.5).
    entropy
        S = log Z + βU = β² ∂F/∂β, (7.1).
    heat_capacity_term
        ∂U/∂β (<= 0: U decreases with β).
    includes_mean_term
        Whether the <x> term of (5.11) was included.
    """

    beta: float
    m: float
    log_partition_function: float
    internal_energy: float
    free_energy: float
    entropy: float
    heat_capacity_term: float
    includes_mean_term: bool


def gaussian_thermodynamics(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
                            mean_components: ArrayLike | None = None) -> GaussianThermodynamics:
    """log Z, U, F, S of the Gaussian approximation, eqs. (5.11)/(5.14), (6.1), (6.4), (7.1).

    Parameters
    ----------
    spectrum
        A :class:`~learning.spectrum.GSpectrum` or the eigenvalues λ_i of G.
    beta
        β > 0.
    m
        The tachyonic parameter of (3.3); requires 1 - βm + βλ_i > 0 for all i.
    mean_components
        a_i of (5.12), the components of <x> on the eigenvectors (same order as the
        eigenvalues); ``None`` gives the large-N form (5.13)-(5.14).

    Examples
    --------
    >>> t = gaussian_thermodynamics([1.0, 1.0], beta=1.0)
    >>> bool(np.isclose(t.log_partition_function, np.log(2 * np.pi) - np.log(2), atol=1e-12))
    True
    """
    beta = check_beta(beta)
    m = real_number("m", m)
    lam = eigenvalues_of(spectrum)
    n = lam.size
    den = _denominators(lam, beta, m)
    # d(den)/dβ = λ - m
    log_z = 0.5 * n * LOG_2PI - 0.5 * np.sum(np.log(den))
    d_log_z = -0.5 * np.sum((lam - m) / den)
    d2_log_z = 0.5 * np.sum(((lam - m) / den) ** 2)
    if mean_components is not None:
        try:
            a2 = np.asarray(mean_components, dtype=float).ravel() ** 2
        except (TypeError, ValueError):
            raise TypeError("mean_components must be an array of numbers, got "
                            f"{type(mean_components).__name__}") from None
        if a2.size != n:
            raise ValueError(f"mean_components must have {n} entries, got {a2.size}")
        if not np.all(np.isfinite(a2)):
            raise ValueError("mean_components contains non-finite entries")
        # g(β) = (1-βm) β λ / (1 - βm + βλ), the (5.11) weight; its β-derivatives analytic.
        num = (1.0 - beta * m) * beta * lam
        d_num = lam * (1.0 - 2.0 * beta * m)
        d2_num = -2.0 * m * lam
        g = num / den
        dg = (d_num * den - num * (lam - m)) / den**2
        d2g = (d2_num * den - num * 0.0) / den**2 - 2.0 * (d_num * den - num * (lam - m)) * (
            lam - m) / den**3
        log_z -= 0.5 * np.sum(g * a2)
        d_log_z -= 0.5 * np.sum(dg * a2)
        d2_log_z -= 0.5 * np.sum(d2g * a2)
    u = -d_log_z
    if not np.all(np.isfinite([log_z, d_log_z, d2_log_z])):
        raise ValueError(f"log Z or its beta-derivatives overflow at beta = {beta}, m = {m} "
                         "(eigenvalues or mean_components too large): use a smaller beta")
    return GaussianThermodynamics(
        beta=beta, m=float(m), log_partition_function=float(log_z), internal_energy=float(u),
        free_energy=float(-log_z / beta), entropy=float(log_z + beta * u),
        heat_capacity_term=float(-d2_log_z), includes_mean_term=mean_components is not None)


def log_partition_function(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
                           mean_components: ArrayLike | None = None) -> float:
    """log Z of (5.11) (with ``mean_components``) or (5.14) (without)."""
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).log_partition_function


def internal_energy(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
                    mean_components: ArrayLike | None = None) -> float:
    """U(β) = -∂ log Z/∂β, eq. (6.1); for m = 0 and no <x> term, ½ Σ λ_i/(1 + βλ_i)."""
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).internal_energy


def free_energy(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
                mean_components: ArrayLike | None = None) -> float:
    """F = -log Z/β, eqs. (6.4)-(6.5)."""
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).free_energy


def entropy(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
            mean_components: ArrayLike | None = None) -> float:
    """Total entropy S = -<log p> = log Z + βU = β² ∂F/∂β, eq. (7.1).

    (7.1) as printed writes -β ∂Z/∂β + Z (Z for log Z); see docs/errata.md.
    """
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).entropy


def mean_state_components(septuple: Septuple, x_mean: ArrayLike) -> tuple[Array, Array]:
    """Eigenvalues of G (descending) and the components a_i of <x> on its eigenvectors, (5.12).

    Dense (N x N ``eigh``): the <x> term of (5.11) needs eigenvectors, not only eigenvalues.
    """
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    try:
        x = np.asarray(x_mean, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"x_mean must be an array of numbers, got {type(x_mean).__name__}") \
            from None
    if x.shape != (septuple.n_neurons,):
        raise ValueError(f"x_mean must have shape ({septuple.n_neurons},), got {x.shape}")
    lam, vec = np.linalg.eigh(g_operator(septuple, x))
    order = np.argsort(lam)[::-1]
    return lam[order], vec[:, order].T @ x


def complexity_n(spectrum: GSpectrum, n: int) -> float:
    """C_n = -½ Σ_{i=1}^n log λ_i + (N/2) log 2π over the n largest eigenvalues, eq. (10.5).

    Section 10 uses C_20 and C_{N-20} (C_834 for N = 854).
    """
    _check_spectrum(spectrum)
    n = count("n", n)
    if n > spectrum.n_neurons:
        raise ValueError(f"C_n needs n <= N = {spectrum.n_neurons}, got n = {n}")
    return float(-0.5 * np.sum(spectrum.log_eigenvalues[:n]) + 0.5 * spectrum.n_neurons * LOG_2PI)


def complexity(spectrum: GSpectrum, beta: float, factor: float = 1.0) -> float:
    """C(b, w) ≈ -½ Σ_{λ_i > factor/β} log λ_i + (N/2) log 2π, eq. (6.7)/(10.2)."""
    _check_spectrum(spectrum)
    return complexity_n(spectrum, count_large(spectrum, check_beta(beta),
                                              positive_number("factor", factor)))


def thermodynamic_free_energy(n_large: int, beta: float) -> float:
    """A(β) ≈ (N_>/2β) log β, eq. (6.8)."""
    n_large = count("n_large", n_large)
    beta = check_beta(beta)
    return 0.5 * n_large * np.log(beta) / beta


def thermodynamic_entropy(n_large: int, beta: float) -> float:
    """S_0(β) = β² ∂A/∂β = -(N_>/2) log β + N_>/2 for the A of (6.8), eqs. (7.3)-(7.4)."""
    n_large = count("n_large", n_large)
    beta = check_beta(beta)
    return -0.5 * n_large * np.log(beta) + 0.5 * n_large


@dataclass(frozen=True)
class Decomposition:
    """The split F ≈ A(β) - C(b, w)/β of (6.4), (6.6)-(6.8), and how well it holds.

    Attributes
    ----------
    n_large
        N_>, the eigenvalues with λ_i > factor/β.
    free_energy
        The exact Gaussian F of (6.5) (m = 0, large-N form).
    free_energy_split
        A - C/β from (6.6).
    thermodynamic_free_energy, complexity
        A(β) of (6.8) and C of (6.7).
    residual
        F - (A - C/β): the neglected ½β^{-1}[Σ_{large} log(1 + 1/(βλ)) + Σ_{small} log(1+βλ)].
    internal_energy_exact, internal_energy_split
        U from (6.1) exactly and N_>/(2β) of (7.5).
    thermodynamic_entropy
        S_0 of (7.4).
    """

    n_large: int
    free_energy: float
    free_energy_split: float
    thermodynamic_free_energy: float
    complexity: float
    residual: float
    internal_energy_exact: float
    internal_energy_split: float
    thermodynamic_entropy: float


def decomposition(spectrum: GSpectrum, beta: float, factor: float = 1.0) -> Decomposition:
    """Evaluate the equilibrium split (6.4)/(6.6)-(6.8) and (7.4)-(7.5) against the exact (6.5)."""
    _check_spectrum(spectrum)
    beta = check_beta(beta)
    n_large = count_large(spectrum, beta, positive_number("factor", factor))
    exact = gaussian_thermodynamics(spectrum, beta)
    a = thermodynamic_free_energy(n_large, beta)
    c = complexity_n(spectrum, n_large)
    split = a - c / beta
    return Decomposition(
        n_large=n_large, free_energy=exact.free_energy, free_energy_split=split,
        thermodynamic_free_energy=a, complexity=c, residual=exact.free_energy - split,
        internal_energy_exact=exact.internal_energy, internal_energy_split=0.5 * n_large / beta,
        thermodynamic_entropy=thermodynamic_entropy(n_large, beta))


@dataclass(frozen=True)
class LawCheck(MarkdownSummary):
    """Residuals of a law of learning along a sequence of states (e.g. training checkpoints).

    Attributes
    ----------
    name
        ``"first law (7.11)"`` or ``"second law (7.6)"``.
    residuals
        Per step between consecutive states.
    holds
        Whether every residual is within ``tolerance`` (first law: |dU - T dS_0 - T dC|;
        second law: the increase of S, which must be <= tolerance).
    tolerance
        The tolerance used.
    """

    name: str
    residuals: Array
    holds: bool
    tolerance: float


def _check_states_and_tolerance(spectra: Sequence[GSpectrum], tolerance: float) -> None:
    if isinstance(spectra, GSpectrum) or not isinstance(spectra, Sequence):
        raise TypeError(f"spectra must be a sequence of GSpectrum, got {type(spectra).__name__}")
    if len(spectra) < 2:
        raise ValueError(f"spectra must hold at least two states, got {len(spectra)}")
    if real_number("tolerance", tolerance) < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")


def first_law_check(spectra: Sequence[GSpectrum], beta: float, factor: float = 1.0,
                    tolerance: float = 1e-9) -> LawCheck:
    """dU = T dS_0 + T dC, eq. (7.11), between consecutive states at fixed T = 1/β.

    U is the exact Gaussian internal energy (6.1), S_0 (7.4) and C (6.7) as the paper
    defines them.  (7.10) assumes dF = 0 between equilibria; the residuals measure how far
    that and the split (6.6) are from holding for the given states.
    """
    beta = check_beta(beta)
    _check_states_and_tolerance(spectra, tolerance)
    d = [decomposition(s, beta, factor) for s in spectra]
    res = np.array([
        (b.internal_energy_exact - a.internal_energy_exact)
        - (b.thermodynamic_entropy - a.thermodynamic_entropy) / beta
        - (b.complexity - a.complexity) / beta
        for a, b in zip(d[:-1], d[1:], strict=True)])
    return LawCheck("first law (7.11)", res, bool(np.all(np.abs(res) <= tolerance)), tolerance)


def second_law_check(spectra: Sequence[GSpectrum], betas: ArrayLike | float,
                     tolerance: float = 0.0) -> LawCheck:
    """dS/dt <= 0, eq. (7.6): the total entropy (7.1) must not increase along the sequence.

    ``betas`` is one β for all states or one per state (β grows during learning, Sec. 7).
    Residuals are S_{k+1} - S_k; the law holds if all are <= ``tolerance``.
    """
    _check_states_and_tolerance(spectra, tolerance)
    try:
        b = np.broadcast_to(np.asarray(betas, dtype=float), (len(spectra),))
    except (TypeError, ValueError):
        raise ValueError(f"betas must be one beta or one per state ({len(spectra)}), got "
                         f"{np.shape(betas)}") from None
    s = np.array([gaussian_thermodynamics(sp, bb).entropy for sp, bb in zip(spectra, b,
                                                                               strict=True)])
    res = np.diff(s)
    return LawCheck("second law (7.6)", res, bool(np.all(res <= tolerance)), tolerance)
