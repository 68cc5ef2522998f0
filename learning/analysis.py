"""Analyse a trained feedforward network: the quantities of Sections 5-10 at its mean state.

For a layered septuple (e.g. from :func:`learning.io.load.load_network`) and, optionally, data:

* the mean state <x> (5.3): the mean of the constrained bulk minimisers x̄ (3.2) over the
  data when data are given and the minimisation fits in memory, the mean of the forward
  states (2.9) over the data otherwise, and without data the forward state of the input at
  the centre of the range of f; :class:`MeanState` says which and why;
* the spectrum of G = (I - f'w)^T (I - f'w) (5.6) at <x>: the moments μ_k = Tr (log G)^k
  (9.5)-(9.6) for k = 1..4 with standard errors, the density of log λ with its band, and
  the extreme eigenvalues (:func:`spectrum_estimate`, the one place the method is chosen);
* the widest gap in the lower tail of log λ (Section 10, Fig. 5) and the β it implies, by
  the corrected two-level model (the extremum of (9.3), :func:`beta_two_level`) and by the
  paper's (9.4) (kept to compare, see docs/errata.md);
* N_> (6.6) at both β, and the complexities :math:`C_n`, :math:`C_{N-n}` (10.5);
* with data: U = <H(x̄)> (3.2)/(4.1), U_∂ the mean boundary loss (2.11) at the forward
  states, and U / U_∂.

:func:`analyze_network` returns a frozen :class:`NetworkAnalysis`; the command
``python -m learning analyze`` (:mod:`learning.cli.analyze`) writes it as a report.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from tqdm.auto import tqdm

from learning.activations import LayerwiseActivation, layer_activations
from learning.architecture import two_level_extrema
from learning.feedforward import forward, forward_state
from learning.graph.septuple import GraphSeptuple, neuron_activation
from learning.losses import boundary_loss
from learning.septuple import Septuple, activation_of, boundary_state
from learning.spectral_density import CountEstimate, count_large_estimate, spectral_density
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
    count_large,
    g_spectrum,
    log_gap,
    spectrum_from_eigenvalues,
)
from ntcore import limits
from ntcore.checks import count, real_array, real_number, seed_value
from ntcore.display import MarkdownSummary

__all__ = [
    "Moment",
    "LogDensity",
    "SpectrumEstimate",
    "GapBeta",
    "MeanState",
    "Losses",
    "NetworkAnalysis",
    "spectrum_estimate",
    "beta_two_level",
    "gap_and_beta",
    "complexities_of",
    "mean_state_and_losses",
    "analyze_network",
    "BULK_GTOL",
]

Array = NDArray[np.float64]

#: Stopping tolerance (max-norm of the projected gradient) of the bulk minima behind U and
#: x̄: the solver's default 1e-10 is for checking minima against other solvers.  Here the
#: minimiser's error is ~gtol / (smallest curvature), it enters x̄ averaged over the samples,
#: and U's error is second order.  Measured on 784-4096-4096-4096-10 with 1000 MNIST samples
#: against gtol = 1e-10: U changes by 7e-12 (relative 8e-12), x̄ by 9e-8 at most, far below
#: the printed digits and the stochastic errors of the spectrum (~0.3%); the solve takes
#: 53 s instead of 74 s (mean Newton iterations 6.1 instead of 7.0).
BULK_GTOL = 1e-6
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


@dataclass(frozen=True, eq=False)
class MeanState:
    """<x> (5.3) and how it was obtained.

    ``kind`` is ``"bulk minimum"`` (mean of x̄ of (3.2) over the data), ``"forward (data)"``
    (mean of the forward states (2.9) over the data) or ``"forward (centre input)"`` (the
    forward state of the input at the centre of the range of f, without data); ``reason``
    says why this one.
    """

    x_mean: Array
    kind: str
    reason: str
    n_samples: int


@dataclass(frozen=True)
class Losses:
    """U = <H(x̄)> (3.2)/(4.1) and U_∂ = <H_∂> (2.11) over the data, and U / U_∂.

    ``status`` is ``"computed"`` or ``"boundary only"`` (U not computed: ``message`` says
    why); ``converged_fraction`` is the fraction of bulk minimisations that converged.
    ``boundary_samples`` and ``bulk_samples`` hold H_∂ (2.11) and H(x̄) (3.2) of each sample
    (their means are ``boundary`` and ``bulk``; ``bulk_samples`` is empty without U).
    """

    status: str
    message: str
    boundary: float
    bulk: float = float("nan")
    ratio: float = float("nan")
    n_samples: int = 0
    converged_fraction: float = float("nan")
    boundary_samples: Array = field(default_factory=lambda: np.empty(0), compare=False, repr=False)
    bulk_samples: Array = field(default_factory=lambda: np.empty(0), compare=False, repr=False)


def _activation_label(septuple: Septuple) -> str:
    act = septuple.activation
    if isinstance(act, LayerwiseActivation) and septuple.layer_sizes is not None:
        try:
            return ",".join(a.name for a in layer_activations(act, septuple.layer_sizes))
        except ValueError:  # f changes inside a layer: name its blocks instead
            pass
    return act.name


def _centre_input(septuple: Septuple) -> Array:
    act = activation_of(septuple, septuple.input_indices)
    lo, hi = act.lower, act.upper  # type: ignore[union-attr]
    centre = 0.5 * (lo + hi) if np.isfinite(lo) and np.isfinite(hi) else \
        (lo if np.isfinite(lo) else (hi if np.isfinite(hi) else 0.0))
    return np.full(septuple.layer_sizes[0], centre)  # type: ignore[index]


def mean_state_and_losses(septuple: Septuple | GraphSeptuple, inputs: ArrayLike | None = None,
                          targets: ArrayLike | None = None, *, bulk: bool = True,
                          progress: bool = False) -> tuple[MeanState, Losses | None]:
    """<x> (5.3) and, with data, U and U_∂ (see :class:`MeanState`, :class:`Losses`).

    Parameters
    ----------
    inputs, targets
        Data, shapes ``(n, n_0)`` and ``(n, n_{L-1})``, inside the range of f (inputs may
        touch its ends); both or neither.
    bulk
        Compute the constrained bulk minimum (3.2) to :data:`BULK_GTOL` within
        :data:`ntcore.limits.BULK_MINIMUM_LIMIT_BYTES` (in batches of samples if need be);
        ``False`` uses the forward states.
    """
    _require(septuple, _NETWORKS, "septuple")
    if (inputs is None) != (targets is None):
        raise ValueError("give both inputs and targets, or neither")
    if isinstance(septuple, GraphSeptuple):
        return _graph_mean_state_and_losses(septuple, inputs, targets, bulk, progress)
    if septuple.layer_sizes is None:
        raise ValueError("the analysis needs a layered septuple (layer_sizes set)")
    if inputs is None:
        x_in = _centre_input(septuple)
        state = forward_state(septuple, x_in)
        f_in = activation_of(septuple, septuple.input_indices)
        bounded = np.isfinite([f_in.lower, f_in.upper])  # type: ignore[union-attr]
        where = ("the centre of the" if bounded.all() else
                 "the finite end of the" if bounded.any() else "the middle of the unbounded")
        return MeanState(state, "forward (centre input)",
                         f"no data: the forward state of the input {x_in[0]:g} ({where} "
                         f"range of {f_in.name})", 0), None
    inputs = real_array("inputs", inputs)
    targets = real_array("targets", targets)
    xb = boundary_state(septuple, inputs, targets)
    layers = forward(septuple, inputs)
    x_forward = np.concatenate(layers, axis=1)
    u_boundary = float(np.mean(h_boundary := boundary_loss(septuple, x_forward, xb)))
    n = inputs.shape[0]
    from learning.bulk_minimum import constrained_bulk_minimum, solver_costs

    # The matrix-free solver runs in batches of samples, so one sample must fit.
    need = solver_costs(septuple, 1)["matrix_free"][1]
    if not bulk or need > limits.BULK_MINIMUM_LIMIT_BYTES:
        why = ("bulk minimum not asked for" if not bulk else
               f"the constrained bulk minimum (3.2) over {sum(septuple.layer_sizes[1:-1])} "
               f"hidden neurons needs ~{need / 2**30:.3g} GiB per sample (limit "
               f"{limits.BULK_MINIMUM_LIMIT_BYTES / 2**30:g} GiB)")
        return (MeanState(x_forward.mean(axis=0), "forward (data)",
                          f"{why}: the mean of the forward states (2.9) over {n} samples", n),
                Losses("boundary only", f"U not computed: {why}", u_boundary, n_samples=n,
                       boundary_samples=h_boundary))
    method = "newton" if septuple.activation.second_derivative is not None \
        else "gauss-newton"  # type: ignore[union-attr]
    result = constrained_bulk_minimum(septuple, xb, method=method, gtol=BULK_GTOL,
                                      progress=progress,
                                      memory_limit=limits.BULK_MINIMUM_LIMIT_BYTES)
    u_bulk = result.mean_loss
    ratio = u_bulk / u_boundary if u_boundary > 0 else float("nan")
    return (MeanState(result.state.mean(axis=0), "bulk minimum",
                      f"data given: the mean of the constrained bulk minimisers x̄ (3.2) over "
                      f"{n} samples", n),
            Losses("computed", "", u_boundary, u_bulk, ratio, n,
                   float(np.mean(result.converged)), h_boundary, result.loss))


def _graph_mean_state_and_losses(net: GraphSeptuple, inputs: ArrayLike | None,
                                 targets: ArrayLike | None, bulk: bool = True,
                                 progress: bool = False) -> tuple[MeanState, Losses | None]:
    """<x> and the losses of a graph septuple: U_∂ (2.11) at the forward states (2.9); U and
    x̄ from the constrained bulk minimum (3.2), matrix-free through the node blocks, when
    every node is component-wise and one sample fits the memory limit, else the mean
    forward state (``reason`` says)."""
    if inputs is None:
        state = net.forward(np.zeros((1, net.input_indices.size)))[0]
        return MeanState(state, "forward (centre input)", "no data: the forward state of the "
                         "input 0 (the graph's inputs are unbounded)", 0), None
    x = net.forward(np.asarray(inputs, dtype=float).reshape(len(inputs), -1))
    y = np.asarray(targets, dtype=float)
    n, outs = x.shape[0], net.output_indices
    if y.shape != (n, outs.size) or not np.all(np.isfinite(y)):
        raise ValueError(f"targets must be finite with shape ({n}, {outs.size}), got {y.shape}")
    u_boundary = float(np.mean(h_boundary := 0.5 * np.sum((x[:, outs] - y) ** 2, axis=1)))
    from learning.bulk_minimum import constrained_bulk_minimum, solver_costs

    need = solver_costs(net, 1)["matrix_free"][1] if bulk and net.exact else 0.0
    why = ("bulk minimum not asked for" if not bulk else
           f"the nodes {list(net.linearised_labels)} are not component-wise, so the bulk loss "
           "(3.1) is not the paper's" if not net.exact else
           f"the constrained bulk minimum (3.2) over {net.hidden_indices.size} hidden neurons "
           f"needs ~{need / 2**30:.3g} GiB per sample (limit "
           f"{limits.BULK_MINIMUM_LIMIT_BYTES / 2**30:g} GiB)"
           if need > limits.BULK_MINIMUM_LIMIT_BYTES else "")
    if why:
        return (MeanState(x.mean(axis=0), "forward (data)", f"{why}: the mean of the forward "
                          f"states (2.9) over {n} samples", n),
                Losses("boundary only", f"U not computed: {why}", u_boundary, n_samples=n,
                       boundary_samples=h_boundary))
    x[:, outs] = y
    newton = neuron_activation(net).second_derivative is not None
    result = constrained_bulk_minimum(net, x, x0=x, gtol=BULK_GTOL, progress=progress,
                                      method="newton" if newton else "gauss-newton",
                                      memory_limit=limits.BULK_MINIMUM_LIMIT_BYTES)
    return (MeanState(result.state.mean(axis=0), "bulk minimum", "data given: the mean of "
                      f"the constrained bulk minimisers x̄ (3.2) over {n} samples", n),
            Losses("computed", "", u_boundary, result.mean_loss, result.mean_loss / u_boundary
                   if u_boundary > 0 else float("nan"), n, float(np.mean(result.converged)),
                   h_boundary, result.loss))


def _graph_description(net: GraphSeptuple) -> tuple[tuple[int, ...], str, tuple[str, ...]]:
    """Node sizes, the activations of the neuron nodes in order, and the notes."""
    names = ",".join(n.activation.name if n.activation is not None else n.label
                     for n in net.nodes[1:])
    notes: tuple[str, ...] = ()
    if net.linearised_labels:
        notes = (f"generalised G = (I - J)^T (I - J): the non-component-wise nodes "
                 f"{', '.join(net.linearised_labels)} are linearised at <x> (J their "
                 "Jacobian); the other nodes are exact septuple nodes (docs/beyond_mlps.md)",)
    return tuple(n.size for n in net.nodes), names, notes


@dataclass(frozen=True, eq=False)
class NetworkAnalysis(MarkdownSummary):
    """Everything :func:`analyze_network` computed, for one network.

    Attributes
    ----------
    layer_sizes, activation, n_neurons
        The network; ``activation`` is f's name, or one name per dense layer joined by
        commas (``"relu,relu,linear"``) when the layers' f differ (2.6).  For a
        :class:`~learning.graph.septuple.GraphSeptuple`: the sizes of its nodes (the input
        first) and the activation (or, for a linearised node, the label) of each non-input
        node.
    mean_state
        <x> and how it was obtained.
    spectrum
        The spectrum of G at <x>.
    gap
        The gap of log λ and the β it implies (corrected two-level model and (9.4)).
    n_large
        N_> (6.6), λ > 1/β, at the β of ``"two-level"`` and ``"paper (9.4)"`` (absent without
        a gap); exact counts, or estimates with standard errors.
    complexities
        ``{n: C_n}`` of (10.5) for small n and N - n.
    losses
        U, U_∂ and U / U_∂ with data, else ``None``.
    seconds
        Wall time of the whole analysis.
    notes
        Remarks on how the numbers were obtained (e.g. the linearised nodes).
    linearised
        Labels of the nodes linearised in the generalised G (graph septuples); empty when
        every node is an exact septuple node x_v = f(W x + b) (2.5).
    """

    layer_sizes: tuple[int, ...]
    activation: str
    n_neurons: int
    mean_state: MeanState
    spectrum: SpectrumEstimate
    gap: GapBeta
    n_large: dict[str, CountEstimate]
    complexities: dict[int, float]
    losses: Losses | None
    seconds: float
    notes: tuple[str, ...] = field(default=())
    linearised: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """JSON-ready numbers (no arrays over N long except the density and extremes)."""
        s = self.spectrum
        return {
            "layer_sizes": list(self.layer_sizes), "activation": self.activation,
            "n_neurons": self.n_neurons,
            "mean_state": {"kind": self.mean_state.kind, "reason": self.mean_state.reason,
                           "n_samples": self.mean_state.n_samples},
            "spectrum": {
                "method": s.method, "n_matvecs": s.n_matvecs, "seconds": s.seconds,
                "moments": {f"mu{m.order}": {"value": m.value, "stderr": m.stderr}
                            for m in s.moments},
                "largest_eigenvalues": s.largest.tolist(),
                "smallest_eigenvalues": s.smallest.tolist(),
                "log_lambda_density": {"kind": s.density.kind, "grid": s.density.grid.tolist(),
                                       "density": s.density.density.tolist(),
                                       "lower": s.density.lower.tolist(),
                                       "upper": s.density.upper.tolist(),
                                       "n_at_one": s.density.n_at_one}},
            "gap": _finite_or_none(asdict(self.gap)),
            "n_large": {label: {"value": c.value, "stderr": c.stderr, "threshold": c.threshold}
                        for label, c in self.n_large.items()},
            "complexities": {str(k): v for k, v in self.complexities.items()},
            "losses": None if self.losses is None else _finite_or_none(asdict(self.losses)),
            "seconds": self.seconds, "notes": list(self.notes),
            "linearised": list(self.linearised),
        }


def _finite_or_none(d: dict) -> dict:
    return {k: v.tolist() if isinstance(v, np.ndarray) else  # per-sample losses
            (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()}


def _count_large(estimate: SpectrumEstimate, beta: float) -> CountEstimate:
    """N_> (6.6) at β: counted exactly from all eigenvalues, else estimated from the SLQ
    quadrature (:func:`learning.spectral_density.count_large_estimate`)."""
    if estimate.spectrum is not None:
        return CountEstimate(float(count_large(estimate.spectrum, beta)), None, 1.0 / beta)
    return count_large_estimate(estimate.moments_result, beta)


def analyze_network(septuple: Septuple | GraphSeptuple, inputs: ArrayLike | None = None,
                    targets: ArrayLike | None = None, *, bulk: bool = True,
                    complexity_orders: Sequence[int] | None = None, seed: int | None = 0,
                    progress: bool = False) -> NetworkAnalysis:
    """Analyse a layered network at its mean state (see the module docstring).

    Parameters
    ----------
    septuple
        A layered septuple (``layer_sizes`` set).
    inputs, targets
        Optional data (both or neither), inside the range of f.
    bulk
        Use the constrained bulk minimum (3.2) for <x> and U when data are given.
    complexity_orders
        The n of :math:`C_n` and :math:`C_{N-n}` (each <= 20 and <= N); default 1, 10, 20 (those <=
        N / 2).
    seed
        Seed of stochastic spectrum estimators.
    progress
        tqdm bars on the long steps.

    Examples
    --------
    >>> from learning.feedforward import feedforward
    >>> res = analyze_network(feedforward((6, 4, 3), seed=0))
    >>> res.mean_state.kind, abs(res.spectrum.moment(1).value) < 1e-12  # (7.7): det G = 1
    ('forward (centre input)', True)
    """
    _require(septuple, _NETWORKS, "septuple")
    t0 = time.perf_counter()
    # The extremes hold min(20, N - 2) eigenvalues at each end (eigsh needs k < N - 1).
    limit = min(_N_EXTREME, septuple.n_neurons - 2)
    if complexity_orders is None:
        complexity_orders = [n for n in (1, 10, 20) if n <= min(limit, septuple.n_neurons // 2)]
    bad = [n for n in complexity_orders if not 0 <= n <= limit]
    if bad:
        raise ValueError(f"complexity_orders must lie in 0..{limit}, got {bad}")
    seed_value("seed", seed)  # before the (possibly long) bulk minimum, not after it
    # One bar over the stages (the bulk minimum shows its own bar over iterations).
    stages = tqdm(total=3, disable=not progress, desc="analysis: mean state", leave=False)
    state, losses = mean_state_and_losses(septuple, inputs, targets, bulk=bulk,
                                          progress=progress)
    stages.update(1)
    stages.set_description("analysis: spectrum of G")
    estimate = spectrum_estimate(septuple, state.x_mean, seed=seed)
    stages.update(1)
    stages.set_description("analysis: gap and β")
    gap = gap_and_beta(estimate)
    stages.update(1)
    stages.close()
    n_large: dict[str, CountEstimate] = {}
    if gap.status == "found":
        for label, beta in (("two-level", gap.beta_two_level), ("paper (9.4)", gap.beta_paper)):
            if np.isfinite(beta):
                n_large[label] = _count_large(estimate, beta)
    big_n = estimate.n_neurons
    if isinstance(septuple, GraphSeptuple):
        sizes, label, notes = _graph_description(septuple)
    else:
        sizes, label, notes = tuple(septuple.layer_sizes), _activation_label(septuple), ()
    return NetworkAnalysis(
        layer_sizes=sizes, activation=label,
        n_neurons=big_n, mean_state=state, spectrum=estimate, gap=gap, n_large=n_large,
        complexities=complexities_of(estimate, complexity_orders), losses=losses,
        seconds=time.perf_counter() - t0, notes=notes,
        linearised=estimate.moments_result.linearised)
