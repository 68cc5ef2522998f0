"""The laws (7.6), (7.11) on a run whose checkpoints were measured by SLQ, with errors.

At each checkpoint S, S_0 + C and N_> at any β come from the stored Gauss rules
(:mod:`learning.track.spectral_sums`): the traces with a standard error over the probes
and a quadrature change, the ⟨x⟩ term of (5.11) from the quadratic form with its quadrature
change.  The recorder uses the same probes at every checkpoint
(:data:`learning.track.recorder.SLQ_SEED`), so the change of a sum between two checkpoints is
estimated probe by probe, and its standard error is that of the paired differences (the
checkpoints of a run must have the same number of probes).

* (7.6) literally: S must not rise; a step's rise counts only beyond
  :data:`Z_ERRORS` of its error (:func:`ntcore.verdict.no_rise_beyond_error`; a false
  failure per step has probability <= 3.2e-5 for Gaussian errors), graded as the exact
  path grades (``ROUNDOFF_RISE`` and ``APPROXIMATE_RISE`` of
  :mod:`learning.experiments.laws`).  At each β of
  :data:`~learning.experiments.laws.BETA_GRID` and with β(t) from the gap, for (5.14) and
  (5.11).
* (7.6) as a trend: Spearman's ρ of the estimated S after the transient
  (:func:`learning.experiments.laws.trend_claim`; the sampling noise only dilutes ρ).
* (7.11): ΔU against the estimated Δ(S_0 + C) at β_ref (the median two-level β), fitted
  through the origin (:func:`learning.laws.fit_first_law`); the probe error of T by the
  delete-one-probe jackknife, its quadrature error by the fit on the cut rules, both added
  to the fit's interval before T is compared with 1/β_ref.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from learning.experiments.laws import (
    APPROXIMATE_RISE,
    BETA_GRID,
    CONFIDENCE,
    EXACT,
    LARGE_N,
    PRINTED,
    R2_FAILS,
    R2_HOLDS,
    ROUNDOFF_RISE,
    TWO_LEVEL,
    trend_claim,
)
from learning.laws import (
    FirstLawFit,
    Monotonicity,
    Trend,
    beta_from_gap_two_level,
    fit_first_law,
    monotonicity,
    transient_end,
    trend,
)
from learning.spectrum import beta_from_log_lambda
from learning.thermodynamics import PREMISE_A2
from learning.track.spectral_sums import ProbeRules
from ntcore.verdict import (
    Claim,
    Verdict,
    graded,
    no_rise_beyond_error,
    sign_of,
    within_tolerance,
)

__all__ = ["Z_ERRORS", "SumSeries", "sum_series", "EstimatedReading", "EstimatedFirstLaw",
           "EstimatedRunLaws", "estimated_run_laws", "estimated_claims"]

Array = NDArray[np.float64]
#: a step's rise counts against (7.6) only beyond this many of its errors
Z_ERRORS = 4.0
EVIDENCE = "python -m learning laws RUN (laws.md: the SLQ laws section)"


@dataclass(frozen=True)
class SumSeries:
    """S (one form of log Z) or S_0 + C along a run's checkpoints, with errors.

    Attributes
    ----------
    values, errors
        Per checkpoint: the estimate and its error (standard error and quadrature changes
        combined).
    changes, change_errors
        Per step: values[k+1] - values[k] and its error (paired over the probes).
    per_probe, cut_per_probe
        ``(checkpoints, probes)``: each probe's estimate, full and cut rule, with the
        quadratic form (no sampling error) added to every probe; for the jackknife.
    """

    values: Array
    errors: Array
    changes: Array
    change_errors: Array
    per_probe: Array
    cut_per_probe: Array


def _probe_matrix(rules: list[ProbeRules], name: str, betas: Array,
                  with_form: bool) -> tuple[Array, Array, Array, Array]:
    full, cut, form, form_err = [], [], [], []
    for r, b in zip(rules, betas, strict=True):
        f, c = r.per_probe(name, float(b))
        v, e = r.form_value("mean_term", float(b)) if with_form else (0.0, 0.0)
        full.append(f + v)
        cut.append(c + v)
        form.append(v)
        form_err.append(e)
    return np.array(full), np.array(cut), np.array(form), np.array(form_err)


def sum_series(rules: list[ProbeRules], name: str, betas, *, with_form: bool = False
               ) -> SumSeries:
    """``name`` (``"entropy"``, ``"bracket"``, ``"n_large"``) at one β per checkpoint along
    a run, plus the ⟨x⟩ term of (5.11) if ``with_form``, with errors (module docstring).

    Examples
    --------
    >>> from learning import feedforward
    >>> from learning.analysis_spectrum import spectrum_estimate
    >>> from learning.track.spectral_sums import mean_form_rule, record_rules
    >>> net, x = feedforward((8, 10, 4), seed=0), np.full(22, 0.1)
    >>> est = spectrum_estimate(net, x, method="slq")
    >>> r = ProbeRules(record_rules(est.moments_result), mean_form_rule(net, x))
    >>> s = sum_series([r, r], "entropy", 1.0)
    >>> float(s.changes[0]), float(s.change_errors[0])   # the same state twice
    (0.0, 0.0)
    """
    if not isinstance(rules, list) or not all(isinstance(r, ProbeRules) for r in rules):
        raise TypeError(f"rules must be a list of ProbeRules, got {type(rules).__name__}")
    if len({r.trace.log_nodes.shape[0] for r in rules}) > 1:
        raise ValueError("rules: the checkpoints have different numbers of probes (the "
                         "recorder uses the same probes at every checkpoint)")
    b = np.broadcast_to(np.asarray(betas, dtype=float), (len(rules),))
    full, cut, _, form_err = _probe_matrix(rules, name, b, with_form)
    p = full.shape[1]
    values, cut_values = full.mean(axis=1), cut.mean(axis=1)
    qchange = np.abs(values - cut_values)
    errors = np.sqrt(full.var(axis=1, ddof=1) / p + qchange**2 + form_err**2)
    d_full, d_cut = np.diff(full, axis=0), np.diff(cut, axis=0)
    d_change = np.abs(d_full.mean(axis=1) - d_cut.mean(axis=1))
    d_err = np.sqrt(d_full.var(axis=1, ddof=1) / p + d_change**2
                    + form_err[1:] ** 2 + form_err[:-1] ** 2)
    return SumSeries(values, errors, np.diff(values), d_err, full, cut)


@dataclass(frozen=True)
class EstimatedReading:
    """S(t) of one run for one choice of β and one form of log Z, with errors.

    ``literal`` is the raw :class:`~learning.laws.Monotonicity` of the estimates (round-off
    tolerance, no errors); the verdict uses ``series.change_errors`` as well.
    """

    choice: str
    form: str
    steps: tuple[int, ...]
    series: SumSeries
    literal: Monotonicity
    trend: Trend


@dataclass(frozen=True)
class EstimatedFirstLaw:
    """(7.11) at β_ref on estimated Δ(S_0 + C): the fit on the estimates, the probe error
    of T (jackknife) and its quadrature change (fit on the cut rules)."""

    beta_reference: float
    delta_u: Array
    bracket: SumSeries
    fit: FirstLawFit
    temperature_probe_error: float
    temperature_quadrature_change: float


@dataclass(frozen=True)
class EstimatedRunLaws:
    """Both laws on one run's SLQ checkpoints (module docstring)."""

    label: str
    steps: tuple[int, ...]
    transient_index: int
    norm2: Array
    n_neurons: int
    readings: tuple[EstimatedReading, ...]
    beta_two_level: tuple[tuple[int, float], ...]
    beta_printed: tuple[tuple[int, float], ...]
    first_law: EstimatedFirstLaw | None


def _reading(choice: str, steps: list[int], rules: list[ProbeRules], betas, start: int
             ) -> list[EstimatedReading]:
    out = []
    for form, with_form in ((EXACT, True), (LARGE_N, False)):
        s = sum_series(rules, "entropy", betas, with_form=with_form)
        tol = ROUNDOFF_RISE * max(float(np.abs(s.values).max()), 1.0)
        out.append(EstimatedReading(choice, form, tuple(steps), s,
                                    monotonicity(s.values, tol),
                                    trend(steps, s.values, min(start, len(steps) - 1),
                                          CONFIDENCE)))
    return out


def _fit_t(delta_u: Array, per_probe: Array) -> float:
    return fit_first_law(delta_u, np.diff(per_probe.mean(axis=1)), CONFIDENCE).temperature


def _first_law(rules: list[ProbeRules], bulk: Array, beta_ref: float
               ) -> EstimatedFirstLaw | None:
    if not np.isfinite(beta_ref):
        return None
    s = sum_series(rules, "bracket", beta_ref)
    du = np.diff(bulk)
    fit = fit_first_law(du, s.changes, CONFIDENCE)
    nan = float("nan")
    if fit.status != "ok":
        return EstimatedFirstLaw(beta_ref, du, s, fit, nan, nan)
    p = s.per_probe.shape[1]
    total = s.per_probe.sum(axis=1, keepdims=True)
    jack = np.array([_fit_t(du, (total - s.per_probe[:, [q]]) / (p - 1)) for q in range(p)])
    probe_err = float(np.sqrt((p - 1) / p * np.sum((jack - jack.mean()) ** 2)))
    change = abs(fit.temperature - _fit_t(du, s.cut_per_probe))
    return EstimatedFirstLaw(beta_ref, du, s, fit, probe_err, float(change))


def _betas_from_gaps(steps: list[int], measured: list[dict]):
    gaps = [k for k, (e, m) in enumerate(zip(steps, measured, strict=True))
            if e >= 1 and m.get("gap_log_lambda") is not None and m["gap_log_lambda"] < 0]
    two = tuple((steps[k], beta_from_gap_two_level(measured[k]["gap_log_lambda"]))
                for k in gaps)
    printed = tuple((steps[k], beta_from_log_lambda(measured[k]["gap_log_lambda"]))
                    for k in gaps)
    return gaps, two, printed


def estimated_run_laws(label: str, steps: list[int], measured: list[dict],
                       rules: list[ProbeRules]) -> EstimatedRunLaws:
    """(7.6) and (7.11) on the SLQ checkpoints of one run (at least two, with rules)."""
    if not (len(steps) == len(measured) == len(rules)) or len(steps) < 2:
        raise ValueError(f"steps, measured and rules must hold one entry per checkpoint, "
                         f"at least two; got {len(steps)}, {len(measured)}, {len(rules)}")
    k0 = transient_end([m["boundary_loss"] for m in measured])
    readings: list[EstimatedReading] = []
    for beta in BETA_GRID:
        readings += _reading(f"β = {beta:g}", steps, rules, beta, k0)
    gaps, two, printed = _betas_from_gaps(steps, measured)
    for name, betas in ((TWO_LEVEL, two), (PRINTED, printed)):
        if len(betas) >= 2:
            start = next((i for i, k in enumerate(gaps) if k >= k0), len(gaps) - 1)
            readings += _reading(name, [steps[k] for k in gaps], [rules[k] for k in gaps],
                                 [b for _, b in betas], start)
    beta_ref = float(np.median([b for _, b in two])) if two else float("nan")
    bulk = np.array([m["bulk_loss"] for m in measured])
    return EstimatedRunLaws(label, tuple(steps), k0,
                            np.array([float(np.sum(r.form.weights)) for r in rules]),
                            int(round(float(np.sum(rules[0].trace.weights[0])))),
                            tuple(readings), two, printed, _first_law(rules, bulk, beta_ref))


def _literal_claim(text: str, rd: EstimatedReading) -> Claim:
    s = rd.series
    return no_rise_beyond_error(text, rises=s.changes, errors=s.change_errors,
                                scale=max(rd.literal.span, 1e-300), z=Z_ERRORS,
                                holds_below=ROUNDOFF_RISE, fails_above=APPROXIMATE_RISE,
                                evidence=EVIDENCE)


def _worst(claims: list[Claim]) -> Claim:
    order = {Verdict.HOLDS: 0, Verdict.APPROXIMATE: 1, Verdict.UNDETERMINED: 2,
             Verdict.FAILS: 3}
    return max(claims, key=lambda c: order[c.verdict])


def _second_law(res: EstimatedRunLaws) -> list[Claim]:
    out = []
    families = (("fixed β", lambda c: c.startswith("β =")), (TWO_LEVEL, TWO_LEVEL.__eq__),
                (PRINTED, PRINTED.__eq__))
    for form in (EXACT, LARGE_N):
        for family, member in families:
            rds = [r for r in res.readings if r.form == form and member(r.choice)]
            for kind in ("literal", "trend"):
                what = ("never rises beyond its errors" if kind == "literal"
                        else "falls after the transient")
                text = f"{res.label} (SLQ): S (7.1) {what} (7.6), log Z {form}, {family}"
                if not rds:
                    out.append(Claim(text, "undetermined when the run has no such reading",
                                     {}, Verdict.UNDETERMINED))
                    continue
                cs = [_literal_claim(f"{text}, {r.choice}", r) if kind == "literal"
                      else trend_claim(f"{text}, {r.choice}", r.trend) for r in rds]
                w = _worst(cs)
                n_ok = sum(c.verdict is Verdict.HOLDS for c in cs)
                out.append(Claim(text, w.rule, w.measured, w.verdict, w.evidence, w.figure,
                                 f"worst shown ({w.text.rsplit(', ', 1)[-1]}); {n_ok} of "
                                 f"{len(cs)} readings hold"))
    return out


def _first_law_claims(res: EstimatedRunLaws) -> list[Claim]:
    t711 = (f"{res.label} (SLQ): the fitted T of ΔU = T(ΔS_0 + ΔC) (7.11) equals 1/β read "
            "off the gap")
    r711 = f"{res.label} (SLQ): ΔU is proportional to ΔS_0 + ΔC (7.11) (R² of the fit)"
    fl = res.first_law
    if fl is None or fl.fit.status != "ok":
        why = "the run has no gap" if fl is None else f"the fit has status {fl.fit.status}"
        return [Claim(t, f"undetermined when {why}", {}, Verdict.UNDETERMINED)
                for t in (t711, r711)]
    # The fit's interval widened by the probe and quadrature errors of T (95 %: 1.96 σ).
    half = float(np.hypot(fl.fit.ci_half_width, 1.96 * np.hypot(
        fl.temperature_probe_error, fl.temperature_quadrature_change)))
    c = within_tolerance(t711, measured=fl.fit.temperature - 1 / fl.beta_reference,
                         tolerance=half, name="T - 1/β_ref", evidence=EVIDENCE)
    return [Claim(c.text, c.rule + " (the fit's 95% interval and 1.96 of T's probe and "
                  "quadrature errors, combined)", c.measured, c.verdict, c.evidence,
                  detail=f"T = {fl.fit.temperature:.4g}, 1/β_ref = {1 / fl.beta_reference:.4g}"),
            graded(r711, measured=1 - fl.fit.r2, holds_below=R2_HOLDS, fails_above=R2_FAILS,
                   name="1 - R²", evidence=EVIDENCE)]


def _premise_claim(res: EstimatedRunLaws) -> Claim:
    """The premise max a_i² ≪ 1 of (5.14) from |⟨x⟩|² alone: Σ a_i² = |⟨x⟩|², so
    |⟨x⟩|²/N <= max a_i² <= |⟨x⟩|².  Holds if the upper bound is below PREMISE_A2, fails
    if the lower bound is above it, undetermined between (the a_i one by one need the
    eigenvectors)."""
    upper = float(res.norm2.max())
    lower = upper / res.n_neurons
    c = sign_of(f"{res.label} (SLQ): the premise a_i² ≪ 1 of (5.13)-(5.14), from the bounds "
                "|⟨x⟩|²/N <= max a_i² <= |⟨x⟩|²", measured=PREMISE_A2 - (upper + lower) / 2,
                expected_sign=1, noise=(upper - lower) / 2,
                name=f"{PREMISE_A2:g} - midpoint of the bounds", evidence=EVIDENCE)
    return Claim(c.text, c.rule + " (the half-width of the bounds)", c.measured, c.verdict,
                 c.evidence, detail=f"max a_i² in [{lower:.3g}, {upper:.3g}] (worst checkpoint)")


def estimated_claims(res: EstimatedRunLaws) -> list[Claim]:
    """The claims of one run's SLQ checkpoints: the premise of (5.14) from bounds, (7.6) per
    form, kind and family of β (worst reading shown), and (7.11)."""
    if not isinstance(res, EstimatedRunLaws):
        raise TypeError(f"res must be an EstimatedRunLaws, got {type(res).__name__}")
    return [_premise_claim(res)] + _second_law(res) + _first_law_claims(res)
