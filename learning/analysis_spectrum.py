"""The spectrum side of :func:`learning.analysis.analyze_network`: the estimate of G's spectrum
(5.6) (moments (9.5)-(9.6), extreme eigenvalues, the density of log λ), the gap and the β read
off it by (9.3)-(9.4), and the complexities C_n (10.5).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from learning.architecture import two_level_extrema
from learning.graph.septuple import GraphSeptuple
from learning.septuple import Septuple
from learning.spectral_density import spectral_density
from learning.spectral_estimates import (
    ExtremeEigenvalues,
    SpectralMoments,
    complexity_n_from_extremes,
    extreme_eigenvalues,
    spectral_moments,
)
from learning.spectrum import (
    GSpectrum,
    beta_from_log_lambda,
    g_spectrum,
    log_gap,
    spectrum_from_eigenvalues,
)
from ntcore.checks import count, real_number, seed_value

Array = NDArray[np.float64]

__all__ = ["Moment", "LogDensity", "SpectrumEstimate", "spectrum_estimate", "beta_two_level",
           "GapBeta", "gap_and_beta", "complexities_of"]


_N_EXTREME = 20  # extreme eigenvalues kept (C_n and C_{N-n} for n <= 20)


@dataclass(frozen=True)
class Moment:
    """μ_k = Tr (log G)^k (9.5)-(9.6) with its standard error (0 when computed exactly)."""

    order: int
    value: float
    stderr: float


@dataclass(frozen=True, eq=False)
class LogDensity:
    """Density of log λ of G (eigenvalues per unit log λ) with a band.

    ``kind`` is ``"histogram"`` (exact spectrum: counts of the eigenvalues other than 1 in
    bins centred at ``grid``; ``n_at_one`` eigenvalues equal to 1 are left out, the ones G has
    off the subspace it moves) or ``"smoothed"`` (stochastic estimate,
    :func:`learning.spectral_density.spectral_density`: Gaussian-smoothed, all N
    eigenvalues, the ones at 1 making a spike at 0; ``n_at_one`` is then -1, unknown).
    ``lower``/``upper`` bound the density (equal to it for an exact spectrum).
    """

    kind: str
    grid: Array
    density: Array
    lower: Array
    upper: Array
    n_at_one: int


@dataclass(frozen=True, eq=False)
class SpectrumEstimate:
    """The spectrum of G (5.6) at <x>, as far as it was computed.

    Attributes
    ----------
    method
        ``"structured"`` or ``"dense"`` (exact: all eigenvalues) or ``"slq"`` (stochastic
        Lanczos quadrature, :func:`learning.spectral_estimates.spectral_moments`).
    n_neurons
        N, the number of neurons.
    moments
        μ_1..μ_4 (raw: sums over all N eigenvalues, (9.5)-(9.6)) with standard errors.
    density
        The density of log λ with its band.
    extremes
        The largest and smallest eigenvalues (up to 20 of each, both descending).
    spectrum
        All eigenvalues, when computed exactly (else ``None``).
    moments_result
        The full result of ``spectral_moments`` (budget, quadrature check, ...).
    n_matvecs, seconds
        Work: products with G (0 for the exact methods) and wall time.
    """

    method: str
    n_neurons: int
    moments: tuple[Moment, ...]
    density: LogDensity
    extremes: ExtremeEigenvalues
    spectrum: GSpectrum | None
    moments_result: SpectralMoments
    n_matvecs: int
    seconds: float

    def moment(self, k: int) -> Moment:
        """The estimate of μ_k."""
        for m in self.moments:
            if m.order == k:
                return m
        raise KeyError(f"μ_{k} was not computed; have {[m.order for m in self.moments]}")

    @property
    def largest(self) -> Array:
        """The largest eigenvalues, descending."""
        return self.extremes.largest

    @property
    def smallest(self) -> Array:
        """The smallest eigenvalues, ascending (λ_min first)."""
        return self.extremes.smallest[::-1]


def _require(value: object, kind: type | tuple[type, ...], name: str) -> None:
    """TypeError naming ``name`` unless ``value`` is a ``kind`` (a wrong object fails here,
    not deep inside with an AttributeError)."""
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise TypeError(f"{name} must be a {names}, got {type(value).__name__}")


_NETWORKS = (Septuple, GraphSeptuple)


def _histogram(spectrum: GSpectrum, bins: int) -> LogDensity:
    logs = spectrum.log_dynamical
    moving = logs[logs != 0.0]
    lo, hi = (float(moving.min()), float(moving.max())) if moving.size else (-1.0, 1.0)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    counts, _ = np.histogram(moving, edges)
    density = counts / np.diff(edges)
    return LogDensity("histogram", 0.5 * (edges[:-1] + edges[1:]), density, density.copy(),
                      density.copy(), int(spectrum.n_neurons - moving.size))


def spectrum_estimate(septuple: Septuple | GraphSeptuple, x_mean: ArrayLike, *,
                      seed: int | None = 0, bins: int = 60,
                      method: str = "auto") -> SpectrumEstimate:
    """The spectrum of G (5.6) at <x> by the cheapest sound method.

    :func:`learning.spectral_estimates.spectral_moments` with ``method="auto"`` chooses:
    the exact structured diagonalisation for layered networks whose moving subspace is
    small (then all eigenvalues are kept, from :func:`learning.spectrum.g_spectrum`), else
    stochastic Lanczos quadrature with standard errors, the density of log λ with its band
    from the same runs, and the 20 extreme eigenvalues at each end by ``eigsh``.
    ``method`` (``"auto"``, ``"structured"``, ``"dense"`` or ``"slq"``) overrides the choice.

    Raises
    ------
    ValueError
        A non-layered septuple, or one too big for the memory limit of the estimators (the
        message names the size and the cheaper route).

    Examples
    --------
    μ_2 against the dense eigenvalues of G (5.6):

    >>> import numpy as np
    >>> from learning.feedforward import feedforward, forward_state
    >>> from learning.spectrum import g_operator
    >>> net = feedforward((6, 5, 3), seed=0, weight_scale=1.5, bias_scale=0.2)
    >>> x = forward_state(net, np.zeros(6))
    >>> lam = np.linalg.eigvalsh(g_operator(net, x))
    >>> est = spectrum_estimate(net, x)
    >>> est.method, bool(np.isclose(est.moment(2).value, np.sum(np.log(lam) ** 2)))
    ('structured', True)
    """
    _require(septuple, _NETWORKS, "septuple")
    seed_value("seed", seed)
    bins = count("bins", bins, minimum=1)
    if isinstance(septuple, Septuple) and septuple.layer_sizes is None:
        raise ValueError("the analysis needs a layered septuple (layer_sizes set)")
    t0 = time.perf_counter()
    result = spectral_moments(septuple, x_mean, (1, 2, 3, 4), method=method, seed=seed)
    errors = result.stderr if result.stderr is not None else np.zeros(len(result.orders))
    moments = tuple(Moment(int(k), float(v), float(e))
                    for k, v, e in zip(result.orders, result.values, errors, strict=True))
    n = septuple.n_neurons
    k = min(_N_EXTREME, n - 2)
    matvecs = result.n_matvecs
    if result.method in ("structured", "dense"):
        spectrum = g_spectrum(septuple, x_mean, method=result.method)
        lam = spectrum.eigenvalues
        extremes = ExtremeEigenvalues(largest=lam[:k].copy(), smallest=lam[n - k:].copy(),
                                      n_neurons=n, n_matvecs=0, seconds=0.0,
                                      linearised=result.linearised)
        density = _histogram(spectrum, bins)
    else:
        spectrum = None
        extremes = extreme_eigenvalues(septuple, x_mean, k=k)
        matvecs += extremes.n_matvecs
        smooth = spectral_density(result)
        density = LogDensity("smoothed", smooth.grid, smooth.density, smooth.lower,
                             smooth.upper, -1)
    return SpectrumEstimate(method=result.method, n_neurons=n, moments=moments,
                            density=density, extremes=extremes, spectrum=spectrum,
                            moments_result=result, n_matvecs=int(matvecs),
                            seconds=time.perf_counter() - t0)


def beta_two_level(log_lambda: float, gamma: float = 1 / 3) -> float:
    """The β at which the two-level model (9.3) has its extremum at ``log_lambda`` < 0.

    Inverts the extremum located numerically by
    :func:`learning.architecture.two_level_extrema` (not (9.4)), by Brent's method on
    ½ < β < 1, the range in which (9.3) has a maximum at log λ < 0 (docs/errata.md). For
    γ = 1/3 the closed form is β = 1 / (1 + exp(log λ / 2)).

    ValueError naming ``log_lambda`` when no β in that range puts the maximum there (no β
    exists: a NaN would be a silent non-answer).

    Examples
    --------
    >>> round(beta_two_level(-2.0), 6), round(float(1 / (1 + np.exp(-1.0))), 6)
    (0.731059, 0.731059)
    """
    log_lambda = real_number("log_lambda", log_lambda)

    def position(beta: float) -> float:
        ext = two_level_extrema(beta, gamma, resolution=6001)
        below = [p for p, kind in zip(ext.positions, ext.kinds, strict=True)
                 if kind == "max" and p < -1e-8]
        return below[0] if below else float("nan")

    # The bracket keeps the maximum inside two_level_extrema's window (-30, 30) and resolved
    # apart from the extremum at 0 (at β = 0.501 it merges with it at this resolution):
    # log λ from about -0.016 (β = 0.502) to -27.6 (β = 1 - 1e-6).  Outside, no β is
    # returned: a root-finder fed an undetected maximum would converge to a wrong β.
    lo, hi = 0.502, 1.0 - 1e-6
    p_lo, p_hi = position(lo), position(hi)
    if not p_hi < log_lambda < p_lo:
        raise ValueError(f"log_lambda = {log_lambda:g}: no β in ({lo}, {hi:.6f}) puts the "
                         f"maximum of (9.3) there (it lies between {p_hi:.3g} and {p_lo:.3g} "
                         f"for gamma = {gamma:g})")
    return float(brentq(lambda b: position(b) - log_lambda, lo, hi, xtol=1e-13))


@dataclass(frozen=True)
class GapBeta:
    """The widest gap of log λ below 0 (Section 10, Fig. 5) and the β it implies.

    Attributes
    ----------
    status
        ``"found"`` or ``"none"`` (too few eigenvalues below 0).
    message
        Why, when not found.
    position, width, lower, upper, n_below
        As in :class:`learning.spectrum.GapResult` (``nan``/0 when not found).
    beta_two_level
        β of the corrected two-level model (:func:`beta_two_level`).
    beta_paper
        β of the paper's (9.4) (:func:`learning.spectrum.beta_from_log_lambda`).
    """

    status: str
    message: str
    position: float = float("nan")
    width: float = float("nan")
    lower: float = float("nan")
    upper: float = float("nan")
    n_below: int = 0
    beta_two_level: float = float("nan")
    beta_paper: float = float("nan")


def gap_and_beta(estimate: SpectrumEstimate) -> GapBeta:
    """Locate the gap of log λ (:func:`learning.spectrum.log_gap`) and convert it to β both
    ways. With all eigenvalues it is the widest gap below 0; with a stochastic estimate, the
    widest among the smallest eigenvalues computed (the lower tail, where Fig. 5 has it),
    and ``message`` says so.

    Examples
    --------
    Against the widest spacing of the sorted log λ < 0 of the dense G (5.6), and the β of
    the two-level model at its midpoint:

    >>> import numpy as np
    >>> from learning import feedforward, forward_state
    >>> net = feedforward((6, 5, 3), seed=0, weight_scale=1.5, bias_scale=0.2)
    >>> x = forward_state(net, np.zeros(6))
    >>> gb = gap_and_beta(spectrum_estimate(net, x))
    >>> from learning.spectrum import g_operator
    >>> lam = np.linalg.eigvalsh(g_operator(net, x))
    >>> t = np.sort(np.log(lam[lam < 1 - 1e-9]))
    >>> i = int(np.argmax(np.diff(t)))
    >>> width, middle = t[i + 1] - t[i], (t[i] + t[i + 1]) / 2
    >>> bool(np.isclose(gb.width, width)), bool(np.isclose(gb.position, middle))
    (True, True)
    >>> bool(np.isclose(gb.beta_two_level, beta_two_level(gb.position)))
    True
    """
    _require(estimate, SpectrumEstimate, "estimate")
    message = ""
    spectrum = estimate.spectrum
    if spectrum is None:
        spectrum = spectrum_from_eigenvalues(estimate.extremes.smallest, estimate.n_neurons)
        message = (f"searched among the {estimate.extremes.smallest.size} smallest eigenvalues "
                   "(the spectrum was estimated, not computed in full)")
    try:
        gap = log_gap(spectrum)
    except ValueError as err:
        return GapBeta("none", f"{err}{'; ' + message if message else ''}")
    try:
        beta = beta_two_level(gap.position)
    except ValueError as err:  # the gap is where no β of (9.3) has its maximum: say so
        beta = float("nan")
        message = "; ".join(m for m in (message, f"no two-level β: {err}") if m)
    return GapBeta("found", message, gap.position, gap.width, gap.lower, gap.upper,
                   gap.n_below, beta, beta_from_log_lambda(gap.position))


def complexities_of(estimate: SpectrumEstimate, orders: Sequence[int]) -> dict[int, float]:
    r"""``{n: C_n}`` of (10.5) for each n and N - n, from the extreme eigenvalues
    (:func:`learning.spectral_estimates.complexity_n_from_extremes`).

    :math:`C_{N-n}` takes Σ log λ = log det G = 0 exactly, (7.7)-(7.8): every network the
    analysis accepts (a layered septuple or a graph septuple, whose w is nilpotent, also
    with linearised nodes) is feedforward.  The SLQ estimate of μ_1 would add half of its
    sampling error to :math:`C_{N-n}` (no bias, but a standard deviation of 2.3 on a
    20-60-60-10 net and 5.6 on a 100-300-300-10 net over 8 probe seeds, against 0 with
    log det G = 0; docs/track.md).

    Examples
    --------
    :math:`C_1 = -\tfrac12 \log λ_{max} + \tfrac{N}{2} \log 2π` and, with Σ log λ = 0,
    :math:`C_{N-1} = \tfrac12 \log λ_{min} + \tfrac{N}{2} \log 2π`, from the dense G (N = 12):

    >>> import numpy as np
    >>> from learning import feedforward, forward_state
    >>> from learning.spectrum import g_operator
    >>> net = feedforward((5, 4, 3), seed=2, weight_scale=1.5)
    >>> x = forward_state(net, np.full(5, 0.1))
    >>> lam = np.linalg.eigvalsh(g_operator(net, x))
    >>> c, log_2pi = complexities_of(spectrum_estimate(net, x), [1]), np.log(2 * np.pi)
    >>> sorted(c), bool(np.isclose(c[1], -np.log(lam.max()) / 2 + 6 * log_2pi))
    ([1, 11], True)
    >>> bool(np.isclose(c[11], np.log(lam.min()) / 2 + 6 * log_2pi))
    True
    """
    _require(estimate, SpectrumEstimate, "estimate")
    if isinstance(orders, (str, bytes)) or not hasattr(orders, "__iter__"):
        raise TypeError(f"orders must be a sequence of integers, got {orders!r}")
    orders = [count("orders entries", n) for n in orders]
    big_n = estimate.n_neurons
    out = {}
    for n in sorted(set(orders)):
        for m in (n, big_n - n):
            out[m] = complexity_n_from_extremes(estimate.extremes, int(m), log_det=0.0)
    return dict(sorted(out.items()))
