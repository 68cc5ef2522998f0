r"""Optimal architecture and deep vs shallow (Sections 8-9).

* ΔF in eigenvalue coordinates, eqs. (8.10)/(9.1): :math:`ΔF = -(β/2) Σ_i (1 + βλ_i)^{-2}`.
* The entropy density (8.6) ∂σ/∂β = α ΔF σ.  (8.8) solves it as if ΔF did not depend on
  β; with the β-dependent ΔF of (8.10) the exact solution is
  log σ(β)/σ(β_0) = α Σ_i [K(β, λ_i) - K(β_0, λ_i)],
  K(β, λ) = -(1/(2λ²)) [log(1 + βλ) + 1/(1 + βλ)]  (K = -β²/4 for λ = 0),
  and (8.11) as printed, :math:`\exp(-(α/2) Σ (1 + βλ)^{-2})`, is neither (it also drops a β²
  relative to (8.8) + (8.10)).  See docs/errata.md.
* The two-level model (9.2)-(9.3) and its extrema in log λ, located numerically.  For
  γ = 1/3 they are log λ = 0 and log λ = 2 log((1 - β)/β) (β < 1, β ≠ ½), not (9.4); N is
  an overall factor of (9.3) and cannot set a phase boundary such as β = √N - 1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from learning.spectrum import GSpectrum, check_beta, eigenvalues_of, spectral_moment
from ntcore.atomic import atomic_savefig
from ntcore.checks import (
    check_memory,
    count,
    path_like,
    positive_number,
    real_number,
    writable_file_problem,
)

__all__ = [
    "laplacian_free_energy",
    "entropy_density_log_ratio",
    "entropy_density_log_ratio_paper",
    "two_level_minus_laplacian",
    "two_level_extrema",
    "TwoLevelExtrema",
    "paper_extremum_9_4",
    "two_level_phase",
    "odd_trace_moments",
    "figure1",
]

Array = NDArray[np.float64]


def laplacian_free_energy(spectrum: GSpectrum | ArrayLike, beta: float) -> float:
    """:math:`ΔF = Σ_j ∂²F/∂λ_j² = -(β/2) Σ_i (1 + βλ_i)^{-2} < 0`, eqs. (8.10) and (9.1).

    Examples
    --------
    ΔF is the Laplacian of F = (1/2β) Σ_i log(1 + βλ_i): against the closed form -(1/2)(1/4 +
    1/16) = -5/32 at β = 1, λ = (1, 3), and against second differences of that F:

    >>> import numpy as np
    >>> lam, beta, h = np.array([1.0, 3.0]), 1.0, 1e-4
    >>> F = lambda l: np.sum(np.log1p(beta * l)) / (2 * beta)
    >>> second = sum((F(lam + h * e) - 2 * F(lam) + F(lam - h * e)) / h**2 for e in np.eye(2))
    >>> bool(np.isclose(laplacian_free_energy(lam, beta), -5 / 32))
    True
    >>> bool(np.isclose(second, -5 / 32))
    True
    """
    beta = check_beta(beta)
    return float(-0.5 * beta * np.sum((1.0 + beta * eigenvalues_of(spectrum)) ** -2))


def _k(beta: float, lam: Array) -> Array:
    # ∫ -(β/2)(1+βλ)^-2 dβ; for small βλ use the series to avoid cancellation in 1/λ².
    x = beta * lam
    small = x < 1e-3
    out = np.empty_like(lam)
    ls = lam[~small]
    xs = x[~small]
    out[~small] = -(np.log1p(xs) + 1.0 / (1.0 + xs) - 1.0) / (2.0 * ls**2)
    xs = x[small]
    # log(1+x) + 1/(1+x) - 1 = Σ_{k>=2} (-1)^k (k-1)/k x^k = x²/2 - 2x³/3 + 3x⁴/4 - 4x⁵/5 + ...;
    # five terms leave a relative error ~x⁵ < 1e-15 below the switch at x = 1e-3 (three left
    # 1e-9, which the quadrature test sees), where the closed form loses ~eps/x ~ 1e-13.
    series = 0.5 + xs * (-2.0 / 3.0 + xs * (0.75 + xs * (-0.8 + xs * (5.0 / 6.0))))
    out[small] = -(beta**2) * series / 2.0
    return out


def entropy_density_log_ratio(spectrum: GSpectrum | ArrayLike, beta: float, alpha: float,
                              beta0: float = 0.0) -> float:
    """log σ(β)/σ(β_0) solving (8.6) exactly with the β-dependent ΔF of (8.10).

    The constant -1 inside K is immaterial (it cancels in the difference) and keeps the
    λ → 0 limit finite.

    Examples
    --------
    Its β-derivative is α ΔF(β) (8.6), checked by a central difference:

    >>> import numpy as np
    >>> lam, alpha, beta, h = np.array([0.2, 1.0, 4.0]), 0.7, 0.9, 1e-5
    >>> slope = (entropy_density_log_ratio(lam, beta + h, alpha)
    ...          - entropy_density_log_ratio(lam, beta - h, alpha)) / (2 * h)
    >>> bool(np.isclose(slope, alpha * laplacian_free_energy(lam, beta), rtol=1e-7))
    True
    >>> entropy_density_log_ratio(lam, beta, alpha, beta0=beta)  # log σ(β)/σ(β) = 0
    0.0
    """
    beta = check_beta(beta)
    beta0 = real_number("beta0", beta0)
    alpha = real_number("alpha", alpha)
    if beta0 < 0:
        raise ValueError(f"beta0 must be finite and >= 0, got {beta0}")
    lam = eigenvalues_of(spectrum)
    k0 = _k(beta0, lam) if beta0 > 0 else np.zeros_like(lam)
    return float(alpha * np.sum(_k(beta, lam) - k0))


def entropy_density_log_ratio_paper(spectrum: GSpectrum | ArrayLike, beta: float,
                                    alpha: float) -> float:
    """log σ(β)/σ(0) as printed in (8.11): :math:`-(α/2) Σ_i (1 + βλ_i)^{-2}`
    (kept to compare).

    Examples
    --------
    (8.11) as printed is (α/β) ΔF (8.10), not the integral of α ΔF over β:

    >>> import numpy as np
    >>> lam, alpha, beta = np.array([0.5, 2.0]), 0.3, 1.5
    >>> bool(np.isclose(entropy_density_log_ratio_paper(lam, beta, alpha),
    ...                 alpha / beta * laplacian_free_energy(lam, beta)))
    True
    """
    beta = check_beta(beta)
    alpha = real_number("alpha", alpha)
    return float(-0.5 * alpha * np.sum((1.0 + beta * eigenvalues_of(spectrum)) ** -2))


def _check_two_level(beta: float, gamma: float, n: float) -> tuple[float, float, float]:
    beta = check_beta(beta)
    gamma = real_number("gamma", gamma)
    if not 0 < gamma < 1:
        raise ValueError(f"gamma must lie in (0, 1), got {gamma}")
    return beta, gamma, positive_number("n", n)


def _check_window(window: object) -> tuple[float, float]:
    try:
        lo, hi = (real_number("window", w) for w in window)  # type: ignore[attr-defined]  # any object; TypeError caught
    except (TypeError, ValueError):
        raise TypeError(f"window must be a pair (low, high) of finite numbers, got "
                        f"{window!r:.60}") from None
    if not lo < hi:
        raise ValueError(f"window must satisfy low < high, got {window!r}")
    return lo, hi


def two_level_minus_laplacian(log_lambda: ArrayLike, beta: float, gamma: float = 1 / 3,
                              n: float = 854) -> Array:
    """-ΔF of the two-level model, eq. (9.3).

    A fraction γ of eigenvalues at λ and 1 - γ at :math:`λ^{γ/(γ-1)}`, so that det G = 1 (9.2):
    :math:`-ΔF = (Nβ/2) [γ (1 + βλ)^{-2} + (1 - γ)(1 + βλ^{γ/(γ-1)})^{-2}]`.

    Examples
    --------
    For γ = 1/3 and N = 3 it is -ΔF (8.10) of the spectrum (λ, :math:`λ^{-1/2}`, :math:`λ^{-1/2}`),
    whose determinant is 1 (9.2):

    >>> import numpy as np
    >>> x, beta = 0.8, 0.6
    >>> lam = np.exp([x, -x / 2, -x / 2])
    >>> bool(np.isclose(np.prod(lam), 1.0))
    True
    >>> bool(np.isclose(two_level_minus_laplacian(x, beta, 1 / 3, n=3),
    ...                 -laplacian_free_energy(lam, beta)))
    True
    """
    beta, gamma, n = _check_two_level(beta, gamma, n)
    try:
        x = np.asarray(log_lambda, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"log_lambda must be an array of numbers, got "
                        f"{type(log_lambda).__name__}") from None
    if not np.all(np.isfinite(x)):
        raise ValueError("log_lambda contains non-finite entries")
    p = gamma / (gamma - 1.0)
    # (1 + β e^{x})^{-2} written with exp(-logaddexp) to stay finite for large |x|.
    t1 = np.exp(-2.0 * np.logaddexp(0.0, np.log(beta) + x))
    t2 = np.exp(-2.0 * np.logaddexp(0.0, np.log(beta) + p * x))
    return 0.5 * n * beta * (gamma * t1 + (1.0 - gamma) * t2)


def _d_log(x: Array, beta: float, gamma: float) -> Array:
    """d/d(log λ) of the bracket of (9.3) (positive factors dropped)."""
    p = gamma / (gamma - 1.0)
    s1 = np.exp(np.log(beta) + x)
    s2 = np.exp(np.log(beta) + p * x)
    return -2.0 * gamma * s1 / (1 + s1) ** 3 - 2.0 * (1 - gamma) * p * s2 / (1 + s2) ** 3


def paper_extremum_9_4(beta: float) -> float:
    """The extremum claimed by (9.4): log λ = 3 log(-1/2 + sqrt(1/4 + 1/β)) (for comparison).

    Examples
    --------
    (9.4) is 3 log x with x² + x = 1/β, so β = 1/6 gives 3 log 2 and β = 1/2 gives 0:

    >>> import numpy as np
    >>> bool(np.isclose(paper_extremum_9_4(1 / 6), 3 * np.log(2)))
    True
    >>> abs(paper_extremum_9_4(0.5)) < 1e-15
    True
    """
    beta = check_beta(beta)
    return float(3.0 * np.log(-0.5 + np.sqrt(0.25 + 1.0 / beta)))


@dataclass(frozen=True)
class TwoLevelExtrema:
    """Extrema of -ΔF(log λ) of (9.3) in a window of log λ.

    Attributes
    ----------
    positions
        log λ of each extremum, ascending.
    kinds
        ``"min"`` or ``"max"`` for each.
    values
        -ΔF at each.
    paper_9_4
        The position claimed by (9.4).
    exact_gamma_third
        For γ = 1/3: 2 log((1 - β)/β) when β < 1 (else ``nan``), the closed form.

    Examples
    --------
    >>> import numpy as np
    >>> ext = two_level_extrema(0.6)
    >>> bool(np.allclose(ext.values, two_level_minus_laplacian(ext.positions, 0.6)))
    True
    """

    positions: Array
    kinds: tuple[str, ...]
    values: Array
    paper_9_4: float
    exact_gamma_third: float


def two_level_extrema(beta: float, gamma: float = 1 / 3, n: float = 854,
                      window: tuple[float, float] = (-30.0, 30.0),
                      resolution: int = 60001) -> TwoLevelExtrema:
    """Locate the extrema of (9.3) in log λ: sign changes of the derivative on a fine grid,
    refined by Brent's method, classified by the sign change.

    Examples
    --------
    For γ = 1/3 and ½ < β < 1 the maximum lies at log λ = 2 log((1 - β)/β) and a minimum at 0,
    not where (9.4) puts it (docs/errata.md):

    >>> import numpy as np
    >>> ext = two_level_extrema(0.73)
    >>> ext.kinds
    ('max', 'min')
    >>> bool(np.allclose(ext.positions, [2 * np.log(0.27 / 0.73), 0.0], atol=1e-10))
    True
    >>> bool(np.isclose(ext.paper_9_4, 2 * np.log(0.27 / 0.73), atol=0.1))
    False
    """
    beta, gamma, n = _check_two_level(beta, gamma, n)
    lo, hi = _check_window(window)
    resolution = count("resolution", resolution, minimum=3)
    # The grid and the derivative on it: 3 floats a node (10^7 nodes is 0.2 GB).
    check_memory("resolution", 24.0 * resolution, f"a grid of {resolution} nodes",
                 "a few 10^4 nodes already resolve every sign change of (9.3); Brent's method "
                 "refines each to 1e-14")
    x = np.linspace(lo, hi, resolution)
    d = _d_log(x, beta, gamma)
    sign = np.sign(d)
    idx = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    positions, kinds = [], []
    for i in idx:
        root = brentq(_d_log, x[i], x[i + 1], args=(beta, gamma), xtol=1e-14)
        positions.append(root)
        kinds.append(str("max" if sign[i] > 0 else "min"))
    # Extrema sitting exactly on a grid node.
    for i in np.flatnonzero(d == 0):
        if 0 < i < len(x) - 1:
            positions.append(float(x[i]))
            kinds.append("max" if d[i - 1] > 0 else "min")
    order = np.argsort(positions)
    pos = np.asarray(positions)[order] if positions else np.zeros(0)
    exact = 2.0 * np.log((1.0 - beta) / beta) if (abs(gamma - 1 / 3) < 1e-12 and beta < 1) \
        else float("nan")
    return TwoLevelExtrema(
        positions=pos, kinds=tuple(str(kinds[i]) for i in order),
        values=two_level_minus_laplacian(pos, beta, gamma, n), paper_9_4=paper_extremum_9_4(beta),
        exact_gamma_third=float(exact))


def two_level_phase(beta: float, gamma: float = 1 / 3, n: float = 854) -> str:
    """Classify the landscape of (9.3): which extremum sits at log λ = 0 and where the other is.

    Returns ``"initial"`` (log λ = 0 a maximum, a minimum at log λ > 0),
    ``"intermediate"`` (log λ = 0 a minimum, a maximum at log λ < 0) or ``"final"``
    (log λ = 0 the only extremum, a minimum).  For γ = 1/3 the boundaries are β = ½ and
    β = 1 (the paper: ½ and √N - 1).

    Examples
    --------
    For γ = 1/3 the phases change at β = ½ and β = 1:

    >>> [two_level_phase(b) for b in (0.25, 0.49, 0.51, 0.99, 1.01, 3.0)]
    ['initial', 'initial', 'intermediate', 'intermediate', 'final', 'final']
    """
    ext = two_level_extrema(beta, gamma, n)
    at_zero = [k for p, k in zip(ext.positions, ext.kinds, strict=True) if abs(p) < 1e-8]
    others = [p for p in ext.positions if abs(p) >= 1e-8]
    if at_zero == ["max"]:
        return "initial"
    if at_zero == ["min"] and others:
        return "intermediate"
    if at_zero == ["min"]:
        return "final"
    return "degenerate"


def odd_trace_moments(spectrum: GSpectrum, max_order: int = 7) -> dict[int, float]:
    """Tr (log G)^k for odd k <= max_order, eqs. (9.10)-(9.11) (zero for L = 2 networks).

    Examples
    --------
    The odd moments of a single-layer (L = 2) network vanish (9.10); a spectrum that is not
    symmetric in log λ has odd moments Σ (log λ)^k:

    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> from learning.spectrum import g_spectrum, spectrum_from_eigenvalues
    >>> net = feedforward((4, 3), seed=0, weight_scale=1.5)
    >>> odd = odd_trace_moments(g_spectrum(net, np.zeros(7)), max_order=5)
    >>> sorted(odd), all(abs(v) < 1e-10 for v in odd.values())
    ([1, 3, 5], True)
    >>> odd = odd_trace_moments(spectrum_from_eigenvalues(np.exp([2.0, -1.0, -1.0])), 3)
    >>> bool(np.isclose(odd[3], 8.0 - 2.0))
    True
    """
    max_order = count("max_order", max_order, minimum=1)
    return {k: spectral_moment(spectrum, k) for k in range(1, max_order + 1, 2)}


#: File names :func:`figure1` writes (matplotlib picks the format from the suffix).
FIGURE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def figure1(path: str | os.PathLike, betas: Sequence[float] = (0.25, 0.50, 0.73, 1.00),
            gamma: float = 1 / 3, n: float = 854,
            window: tuple[float, float] = (-8.0, 8.0)) -> dict[float, TwoLevelExtrema]:
    """Regenerate Figure 1: -ΔF(log λ) of (9.3) for several β, extrema marked.

    Solid dots mark the extrema located numerically; open diamonds the positions (9.4)
    claims.  Written atomically as a PNG; returns the extrema per β.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "figure1.png"
    >>> extrema = figure1(path, betas=(0.25, 0.73))
    >>> path.stat().st_size > 0, sorted(extrema)
    (True, [0.25, 0.73])
    >>> bool((extrema[0.73].positions == two_level_extrema(0.73).positions).all())
    True
    """
    parent = os.path.dirname(path_like("path", path)) or "."
    if not os.path.isdir(parent):
        raise ValueError(f"path: the directory {parent!r} does not exist")
    problem = writable_file_problem(path, FIGURE_SUFFIXES)
    if problem:
        raise ValueError(f"path {os.fspath(path)!r} {problem}")
    betas = [check_beta(b) for b in betas]
    if not betas:
        raise ValueError("betas must contain at least one inverse temperature")
    _check_two_level(1.0, gamma, n)
    window = _check_window(window)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    x = np.linspace(*window, 2001)
    out = {}
    for beta in betas:
        y = two_level_minus_laplacian(x, beta, gamma, n)
        (line,) = ax.plot(x, y, label=f"β = {beta:.2f} ({two_level_phase(beta, gamma, n)})")
        ext = two_level_extrema(beta, gamma, n)
        out[float(beta)] = ext
        inside = (ext.positions > window[0]) & (ext.positions < window[1])
        ax.plot(ext.positions[inside], ext.values[inside], "o", color=line.get_color())
        p = ext.paper_9_4
        if window[0] < p < window[1]:
            ax.plot([p], two_level_minus_laplacian([p], beta, gamma, n), "D", mfc="none",
                    color=line.get_color())
    ax.set_xlabel("log λ")
    ax.set_ylabel("-ΔF  (9.3)")
    ax.set_title(f"Figure 1: two-level model, γ = {gamma:.3g}, N = {n:g}\n"
                 "● extrema (computed)   ◇ position claimed by (9.4)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=130)
    return out
