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
from learning.spectrum import (
    GSpectrum,
    check_beta,
    count_large,
    dynamical_eigensystem,
    eigenvalues_of,
    g_operator,
)
from ntcore.checks import count, positive_number, real_number
from ntcore.display import MarkdownSummary

__all__ = ["GaussianThermodynamics", "gaussian_thermodynamics", "log_partition_function",
           "internal_energy", "free_energy", "entropy", "mean_state_components", "MeanComponents",
           "structured_mean_components", "EntropySplit", "entropy_split", "PREMISE_A2",
           "complexity", "complexity_n", "thermodynamic_free_energy", "thermodynamic_entropy",
           "decomposition", "Decomposition", "LawCheck", "first_law_check", "second_law_check"]

Array = NDArray[np.float64]
LOG_2PI = float(np.log(2.0 * np.pi))
#: The premise a_i² ≪ 1 of (5.13)-(5.14), read as: every a_i² at most a tenth.
PREMISE_A2 = 0.1


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
    """log Z of (5.11) (with ``mean_components``) or (5.14) (without).

    Examples
    --------
    Per eigenvalue the Gaussian integral ∫ exp(-(1 + βλ) q²/2) dq = √(2π/(1 + βλ)), by
    quadrature:

    >>> import numpy as np
    >>> from scipy.integrate import quad
    >>> lam, beta = np.array([0.5, 3.0]), 0.8
    >>> direct = sum(np.log(quad(lambda q: np.exp(-(1 + beta * l) * q * q / 2), -np.inf, np.inf)[0])
    ...              for l in lam)
    >>> bool(np.isclose(log_partition_function(lam, beta), direct))
    True
    """
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).log_partition_function


def internal_energy(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
                    mean_components: ArrayLike | None = None) -> float:
    r""":math:`U(\beta) = -\partial \log Z/\partial\beta`, eq. (6.1); for :math:`m = 0` and no
    :math:`\langle\mathbf{x}\rangle` term, :math:`\tfrac12 \sum_i \lambda_i/(1 + \beta\lambda_i)`.

    Examples
    --------
    Against a central difference of log Z and the closed form:

    >>> import numpy as np
    >>> lam, beta, h = np.array([0.5, 3.0]), 0.8, 1e-5
    >>> logz = log_partition_function
    >>> fd = -(logz(lam, beta + h) - logz(lam, beta - h)) / (2 * h)
    >>> bool(np.isclose(internal_energy(lam, beta), fd))
    True
    >>> bool(np.isclose(internal_energy(lam, beta), np.sum(lam / (1 + beta * lam)) / 2))
    True
    """
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).internal_energy


def free_energy(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
                mean_components: ArrayLike | None = None) -> float:
    r""":math:`F = -\log Z/\beta`, eqs. (6.4)-(6.5).

    Examples
    --------
    >>> import numpy as np
    >>> lam, beta = np.array([0.5, 3.0]), 0.8
    >>> bool(np.isclose(free_energy(lam, beta), -log_partition_function(lam, beta) / beta))
    True
    """
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).free_energy


def entropy(spectrum: GSpectrum | ArrayLike, beta: float, m: float = 0.0,
            mean_components: ArrayLike | None = None) -> float:
    r"""Total entropy
    :math:`S = -\langle\log p\rangle = \log Z + \beta U = \beta^2\, \partial F/\partial\beta`,
    eq. (7.1).

    (7.1) as printed writes -β ∂Z/∂β + Z (Z for log Z); see docs/errata.md.

    Examples
    --------
    S = β (U - F) (7.1), equivalently log Z + β U:

    >>> import numpy as np
    >>> lam, beta = np.array([0.5, 3.0, 0.01]), 0.8
    >>> S = entropy(lam, beta)
    >>> bool(np.isclose(S, beta * (internal_energy(lam, beta) - free_energy(lam, beta))))
    True
    >>> bool(np.isclose(S, log_partition_function(lam, beta) + beta * internal_energy(lam, beta)))
    True
    """
    return gaussian_thermodynamics(spectrum, beta, m, mean_components).entropy


def mean_state_components(septuple: Septuple, x_mean: ArrayLike) -> tuple[Array, Array]:
    """Eigenvalues of G (descending) and the components a_i of <x> on its eigenvectors, (5.12).

    Dense (N x N ``eigh``): the <x> term of (5.11) needs eigenvectors, not only eigenvalues.

    Examples
    --------
    Against G = AᵀA built by hand, A = I - f'w (5.6): the components keep :math:`|⟨x⟩|^2`,
    weighted by λ they give :math:`|A ⟨x⟩|^2`, and det G = 1 (7.7):

    >>> import numpy as np
    >>> from learning import feedforward
    >>> net, x = feedforward((4, 3, 2), seed=0, weight_scale=3.0), np.full(9, 0.2)
    >>> lam, a = mean_state_components(net, x)
    >>> f_prime = 1 - np.tanh(net.weights @ x + net.bias) ** 2
    >>> ax = x - f_prime * (net.weights @ x)
    >>> bool(np.all(np.diff(lam) <= 0)), bool(np.isclose(np.prod(lam), 1.0))
    (True, True)
    >>> bool(np.isclose(a @ a, x @ x)), bool(np.isclose(lam @ a ** 2, ax @ ax))
    (True, True)
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


@dataclass(frozen=True)
class MeanComponents(MarkdownSummary):
    """<x> on the eigenvectors of G, eq. (5.12), for a layered network.

    Attributes
    ----------
    dynamical
        The dynamical eigenvalues of G (descending), as in :class:`GSpectrum`.
    components
        a_i, the components of <x> on their eigenvectors (same order).
    outside_norm2
        |<x>|² on the complement of S, where G = I (eigenvalue 1, N - dim S fold).  Its
        a_i depend on the basis chosen in that eigenspace; only their sum enters (5.11).
    n_neurons
        N, the number of neurons.
    """

    dynamical: Array
    components: Array
    outside_norm2: float
    n_neurons: int

    def __post_init__(self) -> None:
        lam = np.asarray(self.dynamical, float)
        a = np.asarray(self.components, float)
        object.__setattr__(self, "dynamical", lam)
        object.__setattr__(self, "components", a)
        object.__setattr__(self, "outside_norm2", float(self.outside_norm2))
        if lam.ndim != 1 or a.shape != lam.shape:
            raise ValueError(f"dynamical and components must be 1-D of equal length, got "
                             f"shapes {lam.shape} and {a.shape}")
        if not (np.all(np.isfinite(a)) and np.all(lam > 0) and np.isfinite(self.outside_norm2)
                and self.outside_norm2 >= 0):
            raise ValueError("dynamical must be > 0, components finite, outside_norm2 >= 0")
        if not lam.size <= self.n_neurons:
            raise ValueError(f"n_neurons = {self.n_neurons} < dim S = {lam.size}")

    @property
    def norm2(self) -> float:
        """|<x>|² = Σ_i a_i²."""
        return float(np.sum(np.square(self.components)) + self.outside_norm2)

    @property
    def max_component2(self) -> float:
        """The largest a_i² (5.12): over the dynamical eigenvectors and, for the eigenvalue 1
        outside S, the largest any basis of that eigenspace gives (its whole norm²)."""
        outside = self.outside_norm2 if self.n_neurons > self.dynamical.size else 0.0
        return float(max(np.max(np.square(self.components), initial=0.0), outside))

    @property
    def premise_holds(self) -> bool:
        """Whether the premise a_i² ≪ 1 of (5.13)-(5.14) holds: max a_i² <= :data:`PREMISE_A2`."""
        return self.max_component2 <= PREMISE_A2

    def eigenvalues_and_components(self) -> tuple[Array, Array]:
        """All N eigenvalues and a_i, the outside norm put on one of the eigenvalues 1."""
        extra = self.n_neurons - self.dynamical.size
        lam = np.concatenate([self.dynamical, np.ones(extra)])
        a = np.concatenate([self.components, np.zeros(extra)])
        if extra:
            a[self.dynamical.size] = np.sqrt(self.outside_norm2)
        return lam, a


def structured_mean_components(septuple: Septuple, x_mean: ArrayLike) -> MeanComponents:
    """a_i of (5.12) on the dynamical eigenvectors of G and |<x>|² outside S, never N x N.

    The <x> term of (5.11) for the networks of Section 10 (N = 854) from the structured
    eigensystem (:func:`learning.spectrum.dynamical_eigensystem`).

    Examples
    --------
    >>> from learning import feedforward
    >>> net = feedforward((20, 5, 3), seed=1)
    >>> x = np.linspace(-0.5, 0.5, 28)
    >>> mc = structured_mean_components(net, x)
    >>> lam, a = mean_state_components(net, x)              # dense, N x N
    >>> bool(np.isclose(mc.norm2, x @ x)), bool(np.isclose(
    ...     log_partition_function(*mc.eigenvalues_and_components()[:1], 1.0,
    ...                            mean_components=mc.eigenvalues_and_components()[1]),
    ...     log_partition_function(lam, 1.0, mean_components=a)))
    (True, True)
    """
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")
    lam, vec, c = dynamical_eigensystem(septuple, x_mean)
    x = np.asarray(x_mean, dtype=float)
    return MeanComponents(dynamical=lam, components=vec.T @ c,
                          outside_norm2=float(max(x @ x - c @ c, 0.0)),
                          n_neurons=septuple.n_neurons)


@dataclass(frozen=True)
class EntropySplit(MarkdownSummary):
    r"""S (7.1) of the Gaussian ensemble and its parts, at one β and one spectrum.

    Attributes
    ----------
    beta, n_large
        β and N_> (eigenvalues above factor/β).
    entropy
        S = log Z + βU of (5.11) (``includes_mean_term``) or of (5.14); both keep the window
        (5.8), the 1 in 1 + βλ_i.
    mean_term
        The <x> term's part of S: -½ Σ a_i² (βλ_i)²/(1 + βλ_i)² (m = 0); 0 for (5.14).
    thermodynamic_entropy
        S_0 = (N_>/2)(1 - log β), (7.4).
    complexity_split
        C of (6.7), as printed:
        :math:`-½ Σ_{λ_i > \mathrm{factor}/β} \log λ_i + (N/2) \log 2π`.
    complexity
        S - S_0: the complexity this form of log Z gives, so that S = S_0 + C exactly.
    window_term
        S - mean_term - S_0 - C_split: what the split (6.6) drops of (5.14) (the window's 1 in
        1 + βλ_i of the large eigenvalues, the small ones).
    includes_mean_term
        (5.11) if True, (5.14) if False.
    """

    beta: float
    n_large: int
    entropy: float
    mean_term: float
    thermodynamic_entropy: float
    complexity_split: float
    complexity: float
    window_term: float
    includes_mean_term: bool


def entropy_split(spectrum: GSpectrum, beta: float, components: MeanComponents | None = None,
                  factor: float = 1.0) -> EntropySplit:
    """S of (5.11) (with ``components``) or (5.14) (without), S_0 (7.4), C (6.7) and the rest.

    Examples
    --------
    >>> from learning.spectrum import spectrum_from_eigenvalues
    >>> sp = spectrum_from_eigenvalues([50.0, 0.02])
    >>> mc = MeanComponents(np.array([50.0, 0.02]), np.array([1.0, 0.0]), 0.0, 2)
    >>> e, e0 = entropy_split(sp, 1.0, mc), entropy_split(sp, 1.0)
    >>> round(e.mean_term, 12) == round(-0.5 * (50 / 51) ** 2, 12), e0.mean_term
    (True, 0.0)
    >>> bool(np.isclose(e.entropy, e.thermodynamic_entropy + e.complexity))
    True
    """
    _check_spectrum(spectrum)
    beta = check_beta(beta)
    d = decomposition(spectrum, beta, factor)
    plain = gaussian_thermodynamics(spectrum, beta).entropy
    total, mean_term = plain, 0.0
    if components is not None:
        if not isinstance(components, MeanComponents):
            raise TypeError(f"components must be a MeanComponents, got "
                            f"{type(components).__name__}")
        if (components.n_neurons != spectrum.n_neurons
                or components.dynamical.size != spectrum.dynamical.size
                or not np.allclose(components.dynamical, spectrum.dynamical, rtol=1e-8)):
            raise ValueError("components: its eigenvalues are not those of spectrum")
        lam, a = components.eigenvalues_and_components()
        total = gaussian_thermodynamics(lam, beta, mean_components=a).entropy
        mean_term = total - plain
    return EntropySplit(
        beta=beta, n_large=d.n_large, entropy=total, mean_term=mean_term,
        thermodynamic_entropy=d.thermodynamic_entropy, complexity_split=d.complexity,
        complexity=total - d.thermodynamic_entropy,
        window_term=plain - d.thermodynamic_entropy - d.complexity,
        includes_mean_term=components is not None)


def complexity_n(spectrum: GSpectrum, n: int) -> float:
    r""":math:`C_n = -\tfrac12 \sum_{i=1}^n \log\lambda_i + \tfrac{N}{2} \log 2\pi` over the
    :math:`n` largest
    eigenvalues, eq. (10.5).

    Section 10 uses :math:`C_{20}` and :math:`C_{N-20}` (C_834 for N = 854).

    Examples
    --------
    Over all N eigenvalues of a feedforward network (det G = 1, (7.7)) only (N/2) log 2π is left:

    >>> import numpy as np
    >>> from learning.spectrum import spectrum_from_eigenvalues
    >>> s = spectrum_from_eigenvalues([4.0, 1.0, 0.25])
    >>> bool(np.isclose(complexity_n(s, 3), 3 / 2 * np.log(2 * np.pi)))
    True
    """
    _check_spectrum(spectrum)
    n = count("n", n)
    if n > spectrum.n_neurons:
        raise ValueError(f"C_n needs n <= N = {spectrum.n_neurons}, got n = {n}")
    return float(-0.5 * np.sum(spectrum.log_eigenvalues[:n]) + 0.5 * spectrum.n_neurons * LOG_2PI)


def complexity(spectrum: GSpectrum, beta: float, factor: float = 1.0) -> float:
    r""":math:`C(b, w) \approx -\tfrac12 \sum_{\lambda_i > \text{factor}/\beta} \log\lambda_i`
    :math:`{} + \tfrac{N}{2} \log 2\pi`,
    eq. (6.7)/(10.2).

    Examples
    --------
    At β = 0.5 only λ = 4 exceeds 1/β = 2:

    >>> import numpy as np
    >>> from learning.spectrum import spectrum_from_eigenvalues
    >>> s = spectrum_from_eigenvalues([4.0, 1.0, 0.25])
    >>> bool(np.isclose(complexity(s, 0.5), -np.log(4) / 2 + 3 / 2 * np.log(2 * np.pi)))
    True
    """
    _check_spectrum(spectrum)
    return complexity_n(spectrum, count_large(spectrum, check_beta(beta),
                                              positive_number("factor", factor)))


def thermodynamic_free_energy(n_large: int, beta: float) -> float:
    r""":math:`A(\beta) \approx \frac{N_>}{2\beta} \log\beta`, eq. (6.8).

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(thermodynamic_free_energy(4, np.e), 2 / np.e))
    True
    >>> float(thermodynamic_free_energy(4, 1.0))
    0.0
    """
    n_large = count("n_large", n_large)
    beta = check_beta(beta)
    return 0.5 * n_large * np.log(beta) / beta


def thermodynamic_entropy(n_large: int, beta: float) -> float:
    r""":math:`S_0(\beta) = \beta^2 \partial A/\partial\beta`
    :math:`{} = -\tfrac{N_>}{2} \log\beta + \tfrac{N_>}{2}` for the :math:`A` of (6.8),
    eqs. (7.3)-(7.4).

    Examples
    --------
    β² ∂A/∂β by a central difference of (6.8):

    >>> import numpy as np
    >>> beta, h = 2.5, 1e-6
    >>> A = thermodynamic_free_energy
    >>> dA = (A(7, beta + h) - A(7, beta - h)) / (2 * h)
    >>> bool(np.isclose(thermodynamic_entropy(7, beta), beta**2 * dA))
    True
    """
    n_large = count("n_large", n_large)
    beta = check_beta(beta)
    return -0.5 * n_large * np.log(beta) + 0.5 * n_large


@dataclass(frozen=True)
class Decomposition:
    r"""The split F ≈ A(β) - C(b, w)/β of (6.4), (6.6)-(6.8), and how well it holds.

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
        F - (A - C/β): the neglected
        :math:`½β^{-1}[Σ_\mathrm{large} \log(1 + 1/(βλ)) + Σ_\mathrm{small} \log(1+βλ)]`.
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
    """Evaluate the equilibrium split (6.4)/(6.6)-(6.8) and (7.4)-(7.5) against the exact (6.5).

    Examples
    --------
    The residual of the split is the neglected term ½β⁻¹[Σ_large log(1 + 1/(βλ)) + Σ_small
    log(1 + βλ)]:

    >>> import numpy as np
    >>> from learning.spectrum import spectrum_from_eigenvalues
    >>> lam, beta = np.array([50.0, 8.0, 1.0, 0.02, 0.0025]), 2.0
    >>> d = decomposition(spectrum_from_eigenvalues(lam), beta)
    >>> large, small = lam[lam > 1 / beta], lam[lam <= 1 / beta]
    >>> neglected = (np.sum(np.log1p(1 / (beta * large)))
    ...              + np.sum(np.log1p(beta * small))) / (2 * beta)
    >>> d.n_large, bool(np.isclose(d.residual, neglected))
    (3, True)
    """
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

    Examples
    --------
    Two states with the same eigenvalues above 1/β and a changed small one: S_0 and C stay, U
    moves, so the residual is exactly the change of U:

    >>> import numpy as np
    >>> from learning.spectrum import spectrum_from_eigenvalues as spec
    >>> a, b = spec([9.0, 4.0, 0.1]), spec([9.0, 4.0, 0.2])
    >>> law = first_law_check([a, b], 1.0)
    >>> bool(np.isclose(law.residuals[0], internal_energy(b, 1.0) - internal_energy(a, 1.0)))
    True
    >>> law.holds
    False
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
    Residuals are :math:`S_{k+1} - S_k`; the law holds if all are <= ``tolerance``.

    Examples
    --------
    At fixed β a wider spread of log λ has a lower entropy, S = Σ(½ log(2π/(1 + βλ)) + ...):

    >>> import numpy as np
    >>> from learning.spectrum import spectrum_from_eigenvalues as spec
    >>> states = [spec(np.exp([x, -x])) for x in (0.5, 1.0, 2.0)]
    >>> law = second_law_check(states, 1.0)
    >>> law.holds, bool(np.allclose(law.residuals, np.diff([entropy(s, 1.0) for s in states])))
    (True, True)
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
