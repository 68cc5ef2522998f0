"""The laws of learning (Section 7) along a sequence of states, e.g. training checkpoints.

* Second law (7.6), dS/dt <= 0, with S the total entropy (7.1) of the Gaussian ensemble
  (5.9)-(5.14) at each state's spectrum of G: :func:`entropy_along` evaluates S at one β or at
  a β per state, :func:`monotonicity` says whether a sequence falls and where it rises.
* First law (7.10)-(7.11), dU = T dS_0 + T dC at constant T = 1/β: :func:`first_law_increments`
  gives ΔS_0 + ΔC of (7.4)/(6.7) between consecutive spectra; :func:`fit_first_law` fits the
  measured ΔU against them through the origin, giving T with its confidence interval and R².
* β read off the gap in log λ (Section 10): :func:`beta_from_gap_two_level` inverts the
  corrected extremum of the two-level model (9.3); :func:`learning.spectrum.beta_from_log_lambda`
  inverts (9.4) as printed (see docs/errata.md).

The checks of the Gaussian model itself (exact U of (6.1) against the split (6.6)) stay in
:func:`learning.thermodynamics.first_law_check` and
:func:`~learning.thermodynamics.second_law_check`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from learning.spectrum import GSpectrum, check_beta
from learning.thermodynamics import (
    MeanComponents,
    decomposition,
    entropy_split,
    gaussian_thermodynamics,
)
from ntcore.checks import real_array, real_number
from ntcore.display import MarkdownSummary

__all__ = ["beta_from_gap_two_level", "entropy_along", "Monotonicity", "monotonicity",
           "first_law_increments", "FirstLawFit", "fit_first_law", "RankCorrelation",
           "rank_correlation", "transient_end", "Trend", "trend", "Leverage",
           "first_law_leverage", "INFLUENTIAL_COOK"]

Array = NDArray[np.float64]
#: A step whose Cook's distance exceeds this makes the (7.11) slope on its own (the usual
#: cut: deleting it moves the fit beyond the 50% confidence region of the slope).
INFLUENTIAL_COOK = 1.0


def beta_from_gap_two_level(log_lambda: float) -> float:
    """β whose unstable maximum of the two-level model (9.3), γ = 1/3, sits at ``log_lambda``.

    The extrema of (9.3) for γ = 1/3 are log λ = 0 and log λ = 2 log((1 - β)/β)
    (:func:`learning.architecture.two_level_extrema`); inverting the second,
    β = 1 / (1 + exp(log λ / 2)).  A gap below log λ = 0 gives ½ < β < 1: the intermediate
    phase, the only one with a maximum at log λ < 0.  (9.4) as printed gives other values
    (:func:`learning.spectrum.beta_from_log_lambda`).

    Examples
    --------
    >>> round(beta_from_gap_two_level(2 * np.log((1 - 0.7) / 0.7)), 12)
    0.7
    """
    x = real_number("log_lambda", log_lambda)
    if x >= 0:  # β <= ½: no maximum of (9.3) away from 0 there (a β would be meaningless)
        raise ValueError(f"log_lambda must be < 0 (the gap of the intermediate phase ½ < β < 1), "
                         f"got {x}")
    return float(1.0 / (1.0 + np.exp(0.5 * x)))


def _sequence(name: str, value: object) -> Sequence:
    """A list or tuple (of spectra); TypeError naming ``name`` for a number, a string, a
    generator or another object."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"{name} must be a list of spectra (GSpectrum or arrays of "
                        f"eigenvalues), got {type(value).__name__}")
    return value


def entropy_along(spectra: Sequence[GSpectrum | ArrayLike], betas: ArrayLike | float,
                  components: Sequence[MeanComponents] | None = None) -> Array:
    """Total entropy S = log Z + βU, eq. (7.1), of the Gaussian ensemble at each state:
    (5.14) without ``components``, (5.11) with the <x> term when they are given.

    ``betas``: one β for all states or one per state.  ``components``: one
    :class:`~learning.thermodynamics.MeanComponents` per state (``spectra`` then GSpectrum).

    Examples
    --------
    >>> s = entropy_along([[1.0, 1.0], [2.0, 2.0]], 1.0)
    >>> bool(s[1] < s[0])   # larger eigenvalues of G: a narrower ensemble
    True
    """
    spectra = _sequence("spectra", spectra)
    if len(spectra) == 0:
        raise ValueError("spectra must not be empty")
    b = real_array("betas", betas)
    if b.ndim and b.size != len(spectra):
        raise ValueError(f"betas must be one number or one per state ({len(spectra)}), "
                         f"got {b.size}")
    b = np.broadcast_to(b, (len(spectra),))
    if components is not None:
        if len(components) != len(spectra):
            raise ValueError(f"components must hold one entry per state ({len(spectra)}), "
                             f"got {len(components)}")
        return np.array([entropy_split(s, check_beta(x), c).entropy  # type: ignore[arg-type]
                         for s, x, c in zip(spectra, b, components, strict=True)])
    return np.array([gaussian_thermodynamics(s, check_beta(x)).entropy
                     for s, x in zip(spectra, b, strict=True)])


@dataclass(frozen=True)
class Monotonicity(MarkdownSummary):
    """Whether a sequence (S at successive checkpoints) never rises, and where it does.

    Attributes
    ----------
    values
        The sequence.
    steps
        values[k+1] - values[k].
    rising_steps
        Indices k of the steps with values[k+1] - values[k] > tolerance.
    max_rise
        The largest step (0 if none rises).
    total_rise
        Sum of the positive steps.
    span
        max(values) - min(values), the scale the rises are compared with.
    relative_max_rise
        max_rise / span (0 for a constant sequence).
    tolerance
        Steps up to this size count as not rising (round-off).
    """

    values: Array
    steps: Array
    rising_steps: tuple[int, ...]
    max_rise: float
    total_rise: float
    span: float
    relative_max_rise: float
    tolerance: float

    @property
    def non_increasing(self) -> bool:
        return not self.rising_steps


def monotonicity(values: ArrayLike, tolerance: float = 0.0) -> Monotonicity:
    """Measure how far a sequence is from non-increasing, as (7.6) asks of S(t).

    Examples
    --------
    >>> m = monotonicity([3.0, 2.0, 2.5, 1.0])
    >>> m.rising_steps, m.max_rise, m.relative_max_rise
    ((1,), 0.5, 0.25)
    """
    v = real_array("values", values).ravel()
    if v.size < 2:
        raise ValueError(f"monotonicity needs at least two values, got {v.size}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values contains non-finite entries")
    if not (np.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be finite and >= 0, got {tolerance}")
    steps = np.diff(v)
    rising = tuple(int(k) for k in np.flatnonzero(steps > tolerance))
    max_rise = float(max(steps.max(), 0.0))
    span = float(v.max() - v.min())
    return Monotonicity(values=v, steps=steps, rising_steps=rising, max_rise=max_rise,
                        total_rise=float(np.sum(steps[steps > 0])), span=span,
                        relative_max_rise=max_rise / span if span > 0 else 0.0,
                        tolerance=float(tolerance))


def first_law_increments(spectra: Sequence[GSpectrum], beta: float,
                         factor: float = 1.0) -> Array:
    r"""ΔS_0 + ΔC between consecutive spectra at fixed β, the bracket of (7.11).

    S_0 = (N_>/2)(1 - log β) (7.4) and
    :math:`C = -½ Σ_{λ_i > \mathrm{factor}/β} \log λ_i + (N/2) \log 2π`
    (6.7), N_> counted at ``beta`` for each state (:func:`learning.thermodynamics.decomposition`).

    Examples
    --------
    At β = 1 the eigenvalue that grows from 1 to 2 crosses 1/β: N_> goes from 1 to 2, so
    S_0 = N_>/2 rises by ½, and C gains :math:`-\tfrac12 \log 2`:

    >>> from learning.spectrum import spectrum_from_eigenvalues
    >>> before = spectrum_from_eigenvalues([4.0, 1.0, 0.25])
    >>> after = spectrum_from_eigenvalues([4.0, 2.0, 0.25])
    >>> bool(np.isclose(first_law_increments([before, after], 1.0)[0], 0.5 - 0.5 * np.log(2)))
    True
    """
    beta = check_beta(beta)
    spectra = _sequence("spectra", spectra)
    if len(spectra) < 2:
        raise ValueError(f"spectra: first_law_increments needs at least two states, got "
                         f"{len(spectra)}")
    d = [decomposition(s, beta, factor) for s in spectra]
    return np.array([(b.thermodynamic_entropy + b.complexity)
                     - (a.thermodynamic_entropy + a.complexity)
                     for a, b in zip(d[:-1], d[1:], strict=True)])


@dataclass(frozen=True)
class FirstLawFit(MarkdownSummary):
    """ΔU = T (ΔS_0 + ΔC), eq. (7.11), fitted through the origin.

    Attributes
    ----------
    status
        ``"ok"``; ``"too_few_points"`` (fewer than 3 steps); ``"degenerate"`` (every
        ΔS_0 + ΔC is zero, T undefined).  For the last two the numbers are ``nan``.
    temperature
        Fitted T = Σ ΔU x / Σ x², x = ΔS_0 + ΔC.
    ci_low, ci_high
        Its ``confidence`` interval (Student t, n - 1 degrees of freedom).
    r2
        1 - Σ residual² / Σ (ΔU - mean ΔU)²: the centred R², which is negative when the
        line through the origin does worse than the mean.
    n_points, confidence
        Steps used; the confidence level.
    """

    status: str
    temperature: float
    ci_low: float
    ci_high: float
    r2: float
    n_points: int
    confidence: float

    @property
    def ci_half_width(self) -> float:
        return 0.5 * (self.ci_high - self.ci_low)


def fit_first_law(delta_u: ArrayLike, delta_entropy: ArrayLike,
                  confidence: float = 0.95) -> FirstLawFit:
    """Least-squares T in ΔU = T (ΔS_0 + ΔC) (7.11), with a confidence interval and R².

    Parameters
    ----------
    delta_u
        Measured increments of U between consecutive states.
    delta_entropy
        The matching ΔS_0 + ΔC (:func:`first_law_increments`).
    confidence
        Level of the interval, in (0, 1).

    Examples
    --------
    >>> fit = fit_first_law([0.2, -0.4, 0.1], [1.0, -2.0, 0.5])
    >>> round(fit.temperature, 12), fit.r2
    (0.2, 1.0)
    """
    y = real_array("delta_u", delta_u).ravel()
    x = real_array("delta_entropy", delta_entropy).ravel()
    if x.size != y.size:
        raise ValueError(f"delta_u and delta_entropy differ in length ({y.size} vs {x.size})")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("delta_u and delta_entropy must be finite")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    nan = float("nan")
    n = int(x.size)
    sxx = float(x @ x)
    if n < 3:
        return FirstLawFit("too_few_points", nan, nan, nan, nan, n, confidence)
    if sxx == 0:
        return FirstLawFit("degenerate", nan, nan, nan, nan, n, confidence)
    t = float(x @ y) / sxx
    resid = y - t * x
    ss_res = float(resid @ resid)
    se = np.sqrt(ss_res / (n - 1) / sxx)
    half = float(stats.t.ppf(0.5 + 0.5 * confidence, n - 1) * se)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else nan)
    return FirstLawFit("ok", t, t - half, t + half, float(r2), n, confidence)


@dataclass(frozen=True)
class RankCorrelation:
    """Spearman's ρ with a Fisher-z interval (variance 1.06/(n - 3), Fieller et al. 1957).

    Attributes
    ----------
    rho, low, high, n
        ρ, its ``confidence`` interval, the number of points.
    z, z_half_width
        atanh ρ and the half-width of its interval (the interval excludes 0 iff |z| > it).
    """

    rho: float
    low: float
    high: float
    n: int
    z: float
    z_half_width: float


def rank_correlation(x: ArrayLike, y: ArrayLike,
                     confidence: float = 0.95) -> RankCorrelation:
    """Spearman's rank correlation of x and y with a Fisher-z confidence interval.

    Examples
    --------
    >>> round(rank_correlation([1, 2, 3, 4, 5], [2, 4, 5, 9, 10]).rho, 12)
    1.0
    """
    x, y = real_array("x", x), real_array("y", y)
    if x.size != y.size or x.size < 4:
        raise ValueError(f"rank_correlation needs two sequences x and y of equal length >= 4, "
                         f"got {x.size} and {y.size}")
    confidence = real_number("confidence", confidence)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if np.unique(x).size < 2 or np.unique(y).size < 2:
        raise ValueError("rank_correlation: a sequence is constant, ρ is undefined")
    rho = float(stats.spearmanr(x, y).statistic)
    z = math.atanh(max(-1 + 1e-12, min(1 - 1e-12, rho)))
    half = float(stats.norm.ppf(0.5 + 0.5 * confidence) * math.sqrt(1.06 / (x.size - 3)))
    return RankCorrelation(rho, math.tanh(z - half), math.tanh(z + half), int(x.size), z, half)


def transient_end(boundary_losses: ArrayLike) -> int:
    """The first checkpoint after the transient: where U_∂ has made half of its fall.

    The rule: the first index k with U_∂[k] <= U_∂[0] - ½ (U_∂[0] - min U_∂), i.e. the boundary
    loss (2.11) has covered half of the distance from its first to its lowest value over the
    run (0 if it never falls).  Trends of the laws (7.6), (7.11) are read from there on.

    Examples
    --------
    >>> transient_end([1.0, 0.9, 0.5, 0.2, 0.1, 0.12])   # half-way: 0.55
    2
    """
    u = np.asarray(boundary_losses, dtype=float).ravel()
    if u.size == 0 or not np.all(np.isfinite(u)):
        raise ValueError("boundary_losses must be a non-empty sequence of finite numbers")
    half = u[0] - 0.5 * (u[0] - u.min())
    return int(np.flatnonzero(u <= half)[0]) if u.min() < u[0] else 0


@dataclass(frozen=True)
class Trend(MarkdownSummary):
    """The trend of a sequence after a start index: Spearman's ρ against time.

    Attributes
    ----------
    status
        ``"ok"``, ``"too_few_points"`` (fewer than 4 after ``start``) or ``"constant"``.
    start, n
        The first index used and the number of points.
    correlation
        ρ with its Fisher-z interval (``None`` unless ``status == "ok"``).
    p_value
        Spearman's two-sided p-value (nan unless ok).
    """

    status: str
    start: int
    n: int
    correlation: RankCorrelation | None
    p_value: float


def trend(times: ArrayLike, values: ArrayLike, start: int = 0,
          confidence: float = 0.95) -> Trend:
    """Spearman's ρ of ``values[start:]`` against ``times[start:]`` with its interval.

    A falling S (7.6) read as a trend: ρ < 0 with the interval below 0.

    Examples
    --------
    >>> t = trend([0, 1, 2, 3, 4, 5], [5.0, 9.0, 8.0, 6.0, 5.5, 4.0], start=1)
    >>> t.status, t.n, round(t.correlation.rho, 12)
    ('ok', 5, -1.0)
    """
    t = np.asarray(times, dtype=float).ravel()
    v = np.asarray(values, dtype=float).ravel()
    if t.size != v.size:
        raise ValueError(f"times and values differ in length ({t.size} vs {v.size})")
    if not isinstance(start, (int, np.integer)) or not 0 <= start < max(t.size, 1):
        raise ValueError(f"start must be an index into values (0..{t.size - 1}), got {start!r}")
    t, v = t[start:], v[start:]
    nan = float("nan")
    if t.size < 4:
        return Trend("too_few_points", int(start), int(t.size), None, nan)
    if np.unique(v).size < 2 or np.unique(t).size < 2:
        return Trend("constant", int(start), int(t.size), None, nan)
    rc = rank_correlation(t, v, confidence)
    return Trend("ok", int(start), int(t.size), rc, float(stats.spearmanr(t, v).pvalue))


@dataclass(frozen=True)
class Leverage(MarkdownSummary):
    """How much each step decides the (7.11) slope fitted through the origin.

    Attributes
    ----------
    leverage
        h_i = x_i² / Σ x² (x = ΔS_0 + ΔC).
    cooks_distance
        D_i = e_i² h_i / (s² (1 - h_i)²), s² = Σ e²/(n - 1), e the residuals (one parameter).
    loo_slopes
        T fitted without step i.
    most_influential
        argmax D_i.
    """

    leverage: Array
    cooks_distance: Array
    loo_slopes: Array
    most_influential: int

    @property
    def influential(self) -> tuple[int, ...]:
        """Steps with Cook's distance above :data:`INFLUENTIAL_COOK`."""
        return tuple(int(i) for i in np.flatnonzero(self.cooks_distance > INFLUENTIAL_COOK))


def first_law_leverage(delta_u: ArrayLike, delta_entropy: ArrayLike) -> Leverage:
    """Leverage, Cook's distance and leave-one-out slopes of the (7.11) fit through the origin.

    Examples
    --------
    >>> lev = first_law_leverage([0.1, -0.1, 0.05, 5.0], [1.0, -1.0, 0.5, 10.0])
    >>> lev.most_influential, lev.influential, round(float(lev.loo_slopes[3]), 12)
    (3, (3,), 0.1)
    """
    y = np.asarray(delta_u, dtype=float).ravel()
    x = np.asarray(delta_entropy, dtype=float).ravel()
    if x.size != y.size or x.size < 3:
        raise ValueError(f"delta_u and delta_entropy must have equal lengths >= 3, got "
                         f"{y.size} and {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("delta_u and delta_entropy must be finite")
    sxx, sxy = float(x @ x), float(x @ y)
    if sxx == 0:
        raise ValueError("delta_entropy is all zero: the slope is undefined")
    h = x * x / sxx
    e = y - (sxy / sxx) * x
    s2 = float(e @ e) / (x.size - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cook = np.where(h < 1, e * e * h / (s2 * (1 - h) ** 2), np.inf) if s2 > 0 \
            else np.zeros_like(h)
        loo = np.where(sxx - x * x > 0, (sxy - x * y) / (sxx - x * x), np.nan)
    return Leverage(h, cook, loo, int(np.argmax(cook)))
