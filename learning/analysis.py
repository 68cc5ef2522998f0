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
from tqdm.auto import tqdm

from learning.activations import LayerwiseActivation, layer_activations
from learning.analysis_spectrum import (
    _N_EXTREME,
    _NETWORKS,
    GapBeta,
    SpectrumEstimate,
    _require,
    complexities_of,
    gap_and_beta,
    spectrum_estimate,
)
from learning.feedforward import forward, forward_state
from learning.graph.septuple import GraphSeptuple, neuron_activation
from learning.losses import boundary_loss
from learning.septuple import Septuple, activation_of, boundary_state
from learning.spectral_density import CountEstimate, count_large_estimate
from learning.spectrum import (
    count_large,
)
from ntcore import limits
from ntcore.checks import real_array, seed_value
from ntcore.display import MarkdownSummary

__all__ = ["MeanState", "Losses", "NetworkAnalysis", "mean_state_and_losses", "analyze_network",
           "BULK_GTOL"]

Array = NDArray[np.float64]

#: Stopping tolerance (max-norm of the projected gradient) of the bulk minima behind U and
#: x̄: the solver's default 1e-10 is for checking minima against other solvers.  Here the
#: minimiser's error is ~gtol / (smallest curvature), it enters x̄ averaged over the samples,
#: and U's error is second order.  Measured on 784-4096-4096-4096-10 with 1000 MNIST samples
#: against gtol = 1e-10: U changes by 7e-12 (relative 8e-12), x̄ by 9e-8 at most, far below
#: the printed digits and the stochastic errors of the spectrum (~0.3%); the solve takes
#: 53 s instead of 74 s (mean Newton iterations 6.1 instead of 7.0).
BULK_GTOL = 1e-6
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
