"""The Section 10 measurements of a checkpoint too large for the exact spectrum of G.

For a layered network whose moving subspace S is larger than the structured method handles
(dim S > 2500, the choice of :func:`learning.spectral_estimates.spectral_moments` with
``method="auto"``) the recorder measures by :func:`measure_estimated`:

* U_∂ (2.11) over the evaluation data and the test accuracy, exactly;
* U (3.2) and <x> (5.3) from the constrained bulk minimum
  (:func:`learning.analysis.mean_state_and_losses`: ``solver="auto"``, which is the
  matrix-free projected Newton-CG for large networks, stopped at
  :data:`learning.analysis.BULK_GTOL`);
* μ_1..μ_4 (9.5)-(9.6) by stochastic Lanczos quadrature with their standard errors and
  quadrature changes (:func:`learning.analysis_spectrum.spectrum_estimate`), μ_1 = log det G being
  the check of (7.8);
* :math:`C_{20}` and :math:`C_{N-20}` (10.5) from the 20 extreme eigenvalues at each end (with
  log det G = 0, (7.8), not its noisy estimate), the gap of Fig. 5
  searched among the smallest ones and its β by (9.4) and by the two-level model
  (:func:`learning.analysis_spectrum.gap_and_beta`);
* the smoothed density of log λ with its band.

* the Gauss rules of the SLQ probes and of one Lanczos run from ⟨x⟩
  (:mod:`learning.track.spectral_sums`), and from them S of (5.14) and (5.11), S_0 + C and
  N_> at each β of :data:`learning.experiments.laws.BETA_GRID` with their errors; the laws
  report evaluates the same rules at β(t) and β_ref (:mod:`learning.track.estimated_laws`).

The full list of eigenvalues and the a_i of (5.12) one by one are not available (so the
premise max a_i² ≪ 1 of (5.14) is not checked there; |⟨x⟩|², which bounds it, is).
"""

from __future__ import annotations

import time

import numpy as np

from learning.analysis import BULK_GTOL, mean_state_and_losses
from learning.analysis_spectrum import SpectrumEstimate, gap_and_beta, spectrum_estimate
from learning.experiments.datasets import Dataset
from learning.experiments.laws import BETA_GRID
from learning.experiments.measurements import mean_boundary_loss
from learning.feedforward import forward, forward_state
from learning.septuple import Septuple
from learning.spectral_estimates import complexity_n_from_extremes
from learning.track.spectral_sums import ProbeRules, mean_form_rule, record_rules
from ntcore.checks import count

__all__ = ["STRUCTURED_DIM_LIMIT", "structured_dim", "choose_spectrum", "measure_estimated"]

#: the largest dim S for which the recorder diagonalises G exactly (``spectrum="auto"``);
#: the same bound as ``spectral_moments(method="auto")``.
STRUCTURED_DIM_LIMIT = 2500


def structured_dim(sizes: tuple[int, ...]) -> int:
    """dim S, the subspace G (5.6) moves, of a layered network: N - n_0 + min(n_0, n_1).

    >>> structured_dim((784, 40, 20, 10))
    110
    """
    if (not isinstance(sizes, (tuple, list)) or len(sizes) < 2
            or not all(isinstance(n, int) and n >= 1 for n in sizes)):
        raise ValueError(f"sizes must be >= 2 positive layer sizes, got {sizes!r}")
    return int(sum(sizes) - sizes[0] + min(sizes[0], sizes[1]))


def choose_spectrum(sizes: tuple[int, ...], spectrum: str) -> str:
    """``"exact"`` or ``"slq"``: the recorder's spectrum method for layer sizes ``sizes``.

    ``"auto"`` is exact while dim S <= :data:`STRUCTURED_DIM_LIMIT`, SLQ above.

    >>> choose_spectrum((784, 40, 20, 10), "auto"), choose_spectrum((784, 4096, 10), "auto")
    ('exact', 'slq')
    """
    if spectrum not in ("auto", "exact", "slq"):
        raise ValueError(f"spectrum must be 'auto', 'exact' or 'slq', got {spectrum!r}")
    if spectrum != "auto":
        return spectrum
    return "exact" if structured_dim(sizes) <= STRUCTURED_DIM_LIMIT else "slq"


def _spectrum_keys(net: Septuple, x: np.ndarray, seed: int, prefix: str = ""
                   ) -> tuple[dict, SpectrumEstimate]:
    """μ_1..μ_4 with errors, :math:`C_{20}`, :math:`C_{N-20}` and the gap at the state ``x``,
    as flat keys with ``prefix``, and the estimate."""
    est = spectrum_estimate(net, x, seed=seed, method="slq")
    res = est.moments_result
    dim_s, big_n = structured_dim(tuple(net.layer_sizes or ())), net.n_neurons
    out: dict = {}
    change = dict(zip(res.orders, res.quadrature_change, strict=True))
    for m in est.moments:
        out[f"mu{m.order}"] = m.value
        out[f"mu{m.order}_stderr"] = m.stderr
        out[f"mu{m.order}_quadrature_change"] = float(change[m.order])
    for k in (2, 3):
        out[f"mu{k}_per_dynamical"] = out[f"mu{k}"] / dim_s
        out[f"mu{k}_per_neuron"] = out[f"mu{k}"] / big_n
    out["sum_log_lambda"], out["sum_log_lambda_stderr"] = out["mu1"], out["mu1_stderr"]
    # C_{N-20} from the smallest eigenvalues and Σ log λ = log det G, which is 0 exactly for
    # a layered network (7.8): the SLQ μ_1 would add its sampling error / 2 to C_{N-20}.
    k = min(20, est.extremes.largest.size)
    out["C_20"] = complexity_n_from_extremes(est.extremes, k, log_det=0.0)
    out["C_N_minus_20"] = complexity_n_from_extremes(est.extremes, big_n - k, log_det=0.0)
    gap = gap_and_beta(est)
    found = gap.status == "found"
    out |= {"gap_log_lambda": gap.position if found else None,
            "gap_width": gap.width if found else None,
            "gap_n_below": gap.n_below if found else None,
            "gap_beta_9_4": gap.beta_paper if found else None,
            "gap_beta_two_level": (gap.beta_two_level if found and np.isfinite(
                gap.beta_two_level) else None),
            "gap_note": gap.message}
    return {prefix + key: v for key, v in out.items()}, est


def measure_estimated(net: Septuple, data: Dataset, test: Dataset, *, n_bulk_samples: int,
                      seed: int, forward_spectrum: bool = False) -> dict:
    """The flat measurements of one checkpoint by SLQ (see the module docstring).

    Keys as in :meth:`learning.experiments.measurements.CheckpointMeasurements.to_dict`
    where the quantity is the same (``boundary_loss``, ``bulk_loss``, ``mu2``, ``C_20``,
    ``gap_log_lambda``, ...), plus ``spectrum_method`` (``"slq"``), ``mu{k}`` and
    ``mu{k}_stderr``, ``mu{k}_quadrature_change`` for k = 1..4 (μ_k = Tr (log G)^k,
    (9.5)-(9.6)), the SLQ budget, the smoothed density of log λ, the Gauss rules
    (``slq_rule``, ``form_rule``) and the sums at the β grid (``sums_beta``,
    ``sum_<name>`` with ``_stderr`` and ``_quadrature_change``,
    :meth:`learning.track.spectral_sums.ProbeRules.grid`).  ``seed`` seeds the probes (the
    recorder passes the same seed at every step, so that the steps between checkpoints are
    paired and a replayed step gives the same numbers).  With ``forward_spectrum`` the
    spectrum is measured at the mean forward state as well (the exact path's ``forward_*``
    keys: μ_k with errors, :math:`C_{20}`, :math:`C_{N-20}`, the gap), which doubles the
    spectrum's cost (``forward_n_matvecs``, ``forward_spectrum_seconds``).

    Examples
    --------
    >>> from learning import feedforward
    >>> net = feedforward((6, 8, 8, 3), seed=0)
    >>> rng = np.random.default_rng(0)
    >>> d = Dataset(np.tanh(rng.normal(size=(20, 6))), np.full((20, 3), 0.5),
    ...             np.zeros(20, int))
    >>> m = measure_estimated(net, d, d, n_bulk_samples=10, seed=0)
    >>> m["spectrum_method"], abs(m["mu1"]) < 4 * m["mu1_stderr"] + 1e-8  # (7.8)
    ('slq', True)
    """
    if not isinstance(net, Septuple) or net.layer_sizes is None:
        raise TypeError(f"net must be a layered Septuple, got {type(net).__name__}")
    for name, d in (("data", data), ("test", test)):
        if not isinstance(d, Dataset) or len(d) == 0:
            raise TypeError(f"{name} must be a non-empty Dataset, got {type(d).__name__}")
    n = min(count("n_bulk_samples", n_bulk_samples, minimum=1), len(data))
    test_out = forward(net, test.inputs)[-1]
    accuracy = float(np.mean(np.argmax(test_out, axis=1) == test.labels))
    mean_state, losses = mean_state_and_losses(net, data.inputs[:n], data.targets[:n])
    assert losses is not None  # data were given
    if losses.status != "computed":
        raise ValueError(f"the bulk minimum (3.2) does not fit: {losses.message}")
    out: dict = {
        "spectrum_method": "slq", "boundary_loss": mean_boundary_loss(net, data),
        "bulk_loss": losses.bulk, "bulk_samples": n, "bulk_gtol": BULK_GTOL,
        "bulk_converged_fraction": losses.converged_fraction, "test_accuracy": accuracy,
        "ratio_bulk_to_boundary": losses.ratio}
    keys, est = _spectrum_keys(net, mean_state.x_mean, seed)
    res = est.moments_result
    out |= keys
    # The Gauss rules of the probes and of <x>'s quadratic form: S, S_0, C at any β (7.6).
    t0 = time.perf_counter()
    rules = ProbeRules(record_rules(res), mean_form_rule(net, mean_state.x_mean,
                                                         steps=res.lanczos_steps))
    out |= rules.to_dict() | rules.grid(BETA_GRID) | {
        "rules_seconds": time.perf_counter() - t0}
    out |= {"n_probes": res.n_probes, "lanczos_steps": res.lanczos_steps, "slq_seed": seed,
            "slq_dtype": res.dtype, "n_matvecs": est.n_matvecs,
            "spectrum_seconds": est.seconds, "dim_s": structured_dim(tuple(net.layer_sizes)),
            "log_density_grid": est.density.grid.tolist(),
            "log_density": est.density.density.tolist(),
            "log_density_lower": est.density.lower.tolist(),
            "log_density_upper": est.density.upper.tolist()}
    if forward_spectrum:
        x_forward = forward_state(net, data.inputs[:n]).mean(axis=0)
        keys, fwd = _spectrum_keys(net, x_forward, seed, "forward_")
        out |= keys | {"forward_n_matvecs": fwd.n_matvecs, "forward_spectrum_seconds":
                       fwd.seconds}
    return out

