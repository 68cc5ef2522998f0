"""The laws of learning (Section 7) on the training trajectories of the main job.

For every run, at its checkpoints (spectra of G at <x> and the components a_i of <x> on its
eigenvectors, stored by :func:`learning.experiments.measurements.measure_checkpoint`):

* The premise of (5.13)-(5.14), a_i² ≪ 1 (:data:`learning.thermodynamics.PREMISE_A2`), is
  checked at every checkpoint; the form of log Z a reader should trust is computed from it:
  (5.14) where its premise holds, the exact Gaussian (5.11) with the <x> term where it fails.
* (7.6): the total entropy S (7.1) with log Z of (5.11) and of (5.14), at each fixed β of
  :data:`BETA_GRID` (all checkpoints) and with β(t) read from the gap in log λ (checkpoints
  after epoch 0 with a gap) by the corrected two-level model
  (:func:`learning.laws.beta_from_gap_two_level`) and by (9.4) as printed.  Two readings:
  *literal*, no rise above round-off over the whole run (:func:`learning.laws.monotonicity`);
  *trend*, Spearman's ρ of S against the epoch from the end of the transient on
  (:func:`learning.laws.transient_end`: the first checkpoint where the boundary loss has made
  half of its fall), with a Fisher-z interval.
* (7.11): the measured ΔU (the constrained bulk minimum, as in Figure 2) against ΔS_0 + ΔC
  (7.4)/(6.7) at β_ref (the median two-level β of the run), fitted through the origin over all
  steps and after the transient, with Cook's distances and leave-one-out slopes
  (:func:`learning.laws.first_law_leverage`); and against ΔS of (5.11) (its S_0 + C).
* The Gaussian model's own consistency: the exact U (6.1) of (5.14) against T(ΔS_0 + ΔC) of
  the split (6.6) at β_ref.  It tests the split with dF = 0 on the model, independent of the
  data; its residual is ΔF + T Δ(S - S_0 - C), and both parts are reported.

Every verdict comes from an :mod:`ntcore.verdict` rule with the thresholds stated below; the
report's section (Markdown, numbers, figure) is
:func:`learning.experiments.laws_report.laws_section`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from learning.experiments._arguments import dicts, mapping
from learning.experiments.depth_study import (
    EFFECTIVE_LOG_THRESHOLD_WIDE,
    effective_dynamical_count,
)
from learning.laws import (
    INFLUENTIAL_COOK,
    FirstLawFit,
    Leverage,
    Monotonicity,
    Trend,
    beta_from_gap_two_level,
    entropy_along,
    first_law_increments,
    first_law_leverage,
    fit_first_law,
    monotonicity,
    transient_end,
    trend,
)
from learning.spectrum import GSpectrum, beta_from_log_lambda, spectrum_from_eigenvalues
from learning.thermodynamics import (
    PREMISE_A2,
    MeanComponents,
    entropy_split,
    gaussian_thermodynamics,
)
from ntcore.verdict import Claim, Verdict, graded, sign_of, within_tolerance

__all__ = ["BETA_GRID", "FORMS", "PremiseCheck", "EntropyReading", "GaussianSplitCheck",
           "RunLaws", "run_laws", "runs_laws", "section_claims", "run_spectra",
           "run_components", "literal_claim", "trend_claim", "reading_key", "check_results"]

#: the fixed inverse temperatures at which (7.6) is judged (they span the β the gap implies)
BETA_GRID = (0.5, 0.75, 1.0, 1.5, 2.0)
TWO_LEVEL, PRINTED = "β(t), two-level (9.3) corrected", "β(t), (9.4) as printed"
#: the two forms of log Z: exact Gaussian with the <x> term, and the large-N form
EXACT, LARGE_N = "(5.11)", "(5.14)"
FORMS = (EXACT, LARGE_N)
# S is a sum of ~N terms of order one computed to ~1e-15 each: a rise below 1e-9 of the span
# of S is round-off.  A rise up to 5% of the span is called approximate, larger ones fail.
ROUNDOFF_RISE, APPROXIMATE_RISE = 1e-9, 0.05
# (7.11) as a linear law: holds if R² >= 0.9, approximate down to R² = 0.5.
R2_HOLDS, R2_FAILS = 0.1, 0.5  # thresholds on 1 - R²
# The split (6.6) against the exact Gaussian U: residual relative to the largest |ΔU|.
SPLIT_HOLDS, SPLIT_FAILS = 0.05, 0.5
CONFIDENCE = 0.95
EVIDENCE = "python -m learning reproduce (report.md, laws.png)"


def _check_run(run: object) -> dict:
    """A run dict as the pipeline writes it, or a TypeError/ValueError naming ``run``."""
    return mapping("run", run, ("label", "sizes", "checkpoints"),
                   hint=" (a run dict, as run_job returns it)")


def run_spectra(run: dict) -> tuple[list[int], list[GSpectrum], list[dict]]:
    """Epochs, spectra of G (all N eigenvalues) and measurements at a run's checkpoints."""
    _check_run(run)
    n = int(sum(run["sizes"]))
    kept = [c for c in run["checkpoints"]
            if c["measurements"].get("log_lambda_dynamical") is not None]
    spectra = [spectrum_from_eigenvalues(
        np.exp(np.asarray(c["measurements"]["log_lambda_dynamical"], float)), n_neurons=n)
        for c in kept]
    return [int(c["epoch"]) for c in kept], spectra, [c["measurements"] for c in kept]


def run_components(spectra: list[GSpectrum], measured: list[dict]) -> list[MeanComponents] | None:
    """The a_i of (5.12) at each checkpoint, or ``None`` if any checkpoint lacks them."""
    if not (isinstance(spectra, list) and all(isinstance(s, GSpectrum) for s in spectra)):
        raise TypeError(f"spectra must be a list of GSpectrum, got {type(spectra).__name__}")
    dicts("measured", measured)
    if len(measured) != len(spectra):
        raise ValueError(f"measured must hold one dict per spectrum ({len(spectra)}), got "
                         f"{len(measured)}")
    out = []
    for sp, m in zip(spectra, measured, strict=True):
        a, outside = m.get("mean_components"), m.get("mean_outside_norm2")
        if not a or outside is None or len(a) != sp.dynamical.size:
            return None
        # Stored in the order of log_lambda_dynamical, which is descending like sp.dynamical.
        out.append(MeanComponents(sp.dynamical, np.asarray(a, float), outside, sp.n_neurons))
    return out


@dataclass(frozen=True)
class PremiseCheck:
    """The premise a_i² ≪ 1 of (5.13)-(5.14) over a run, and the form of log Z to trust.

    Attributes
    ----------
    measured
        Whether the checkpoints carry the a_i (older results do not).
    max_component2, max_dynamical_component2
        The largest a_i² over the checkpoints (with the eigenvalue-1 eigenspace outside S,
        :attr:`~learning.thermodynamics.MeanComponents.max_component2`), and over the
        dynamical eigenvectors only.
    norm2_range
        min and max of |<x>|² over the checkpoints.
    mean_term_range
        min and max over the checkpoints of the <x> term's part of S at β = 1.
    holds
        max_component2 <= PREMISE_A2 (``None`` if not measured).
    trusted_form
        ``"(5.14)"`` if the premise holds (or cannot be checked), else ``"(5.11)"``.
    """

    measured: bool
    max_component2: float
    max_dynamical_component2: float
    norm2_range: tuple[float, float]
    mean_term_range: tuple[float, float]
    holds: bool | None
    trusted_form: str


def _premise(spectra: list[GSpectrum], comps: list[MeanComponents] | None) -> PremiseCheck:
    nan = float("nan")
    if comps is None:
        return PremiseCheck(False, nan, nan, (nan, nan), (nan, nan), None, LARGE_N)
    norms = [c.norm2 for c in comps]
    terms = [entropy_split(s, 1.0, c).mean_term for s, c in zip(spectra, comps, strict=True)]
    worst = max(c.max_component2 for c in comps)
    holds = worst <= PREMISE_A2
    return PremiseCheck(
        True, worst, max(float(np.max(c.components ** 2, initial=0.0)) for c in comps),
        (min(norms), max(norms)), (min(terms), max(terms)), holds,
        LARGE_N if holds else EXACT)


@dataclass(frozen=True)
class EntropyReading:
    """S(t) of one run for one choice of β and one form of log Z, read two ways.

    Attributes
    ----------
    choice, form
        ``"β = 1"`` / ``TWO_LEVEL`` / ``PRINTED``; ``"(5.11)"`` or ``"(5.14)"``.
    epochs
        The checkpoints used.
    literal
        :class:`~learning.laws.Monotonicity` over the whole run (round-off tolerance).
    trend
        :class:`~learning.laws.Trend` from the first checkpoint at or after the transient.
    """

    choice: str
    form: str
    epochs: tuple[int, ...]
    literal: Monotonicity
    trend: Trend


@dataclass(frozen=True)
class GaussianSplitCheck:
    """The split (6.6) with dF = 0 on the Gaussian model (5.14) at β_ref, independent of data.

    Attributes
    ----------
    relative_residual
        max |ΔU - T(ΔS_0 + ΔC)| / max |ΔU| with U the exact (6.1).
    free_energy_part
        max |ΔF| / max |ΔU|: what dF = 0 (7.10) neglects.
    split_part
        max |T Δ(S - S_0 - C)| / max |ΔU|: what the split (6.6) neglects.
    temperature
        T fitted through the origin to the model's own ΔU against ΔS_0 + ΔC (1/β_ref if the
        split and dF = 0 held on the model).
    """

    relative_residual: float
    free_energy_part: float
    split_part: float
    temperature: float


@dataclass(frozen=True)
class RunLaws:
    """Both laws on one training run (see the module docstring).

    Attributes
    ----------
    label, group
        The run's label and group in the main job.
    dim_s, n_effective, n_effective_wide
        Dynamical eigenvalues of the final checkpoint: all, and those with |log λ| above
        :data:`learning.experiments.depth_study.EFFECTIVE_LOG_THRESHOLD` (and above
        ``EFFECTIVE_LOG_THRESHOLD_WIDE``, to show how much the count depends on it).
    premise
        :class:`PremiseCheck`.
    readings
        One :class:`EntropyReading` per (choice of β, form of log Z).
    transient_index, transient_epoch
        The first checkpoint after the transient (:func:`learning.laws.transient_end`).
    beta_two_level, beta_printed, beta_reference
        (epoch, β) read off the gap by (9.3) corrected and by (9.4); β_ref, the median
        two-level β (nan if no gap).
    delta_u, delta_entropy, delta_entropy_exact
        Measured ΔU; ΔS_0 + ΔC of (7.4)/(6.7) at β_ref; ΔS of (5.11) at β_ref (= its ΔS_0 + ΔC;
        empty if the a_i are not measured).
    fit, fit_after_transient, fit_exact
        (7.11) over all steps, over the steps after the transient, and with the (5.11) bracket.
    leverage
        :class:`~learning.laws.Leverage` of ``fit`` (``None`` if it has no slope).
    gaussian
        :class:`GaussianSplitCheck` (``None`` if no gap).
    """

    label: str
    group: str
    dim_s: int
    n_effective: int
    n_effective_wide: int
    premise: PremiseCheck
    readings: tuple[EntropyReading, ...]
    transient_index: int
    transient_epoch: int
    beta_two_level: tuple[tuple[int, float], ...]
    beta_printed: tuple[tuple[int, float], ...]
    beta_reference: float
    delta_u: np.ndarray
    delta_entropy: np.ndarray
    delta_entropy_exact: np.ndarray
    fit: FirstLawFit
    fit_after_transient: FirstLawFit
    fit_exact: FirstLawFit
    leverage: Leverage | None
    gaussian: GaussianSplitCheck | None

    def reading(self, choice: str, form: str) -> EntropyReading | None:
        """The reading for one choice of β and one form, if the run has it."""
        return next((r for r in self.readings if r.choice == choice and r.form == form), None)


def _roundoff(s: np.ndarray) -> float:
    return ROUNDOFF_RISE * max(float(np.abs(s).max()), 1.0)


def _grid_name(beta: float) -> str:
    return f"β = {beta:g}"


def _readings(choice: str, epochs: list[int], spectra: list[GSpectrum], betas,
              comps: list[MeanComponents] | None, first_epoch: int) -> list[EntropyReading]:
    start = next((k for k, e in enumerate(epochs) if e >= first_epoch), len(epochs) - 1)
    out = []
    for form in FORMS:
        if form == EXACT and comps is None:
            continue
        s = entropy_along(spectra, betas, comps if form == EXACT else None)
        out.append(EntropyReading(choice, form, tuple(epochs), monotonicity(s, _roundoff(s)),
                                  trend(epochs, s, start, CONFIDENCE)))
    return out


def _gaussian_check(spectra: list[GSpectrum], beta: float) -> GaussianSplitCheck:
    parts = [entropy_split(s, beta) for s in spectra]
    th = [gaussian_thermodynamics(s, beta) for s in spectra]
    s_total = np.array([p.entropy for p in parts])
    s0c = np.array([p.thermodynamic_entropy + p.complexity_split for p in parts])
    du = np.diff([t.internal_energy for t in th])
    scale = max(float(np.abs(du).max()), 1e-300)
    # ΔU - T(ΔS_0 + ΔC) = ΔF + T Δ(S - S_0 - C), since F = U - S/β for each state.
    res = du - np.diff(s0c) / beta
    return GaussianSplitCheck(float(np.abs(res).max() / scale),
                              float(np.abs(np.diff([t.free_energy for t in th])).max() / scale),
                              float(np.abs(np.diff(s_total - s0c)).max() / beta / scale),
                              fit_first_law(du, np.diff(s0c), CONFIDENCE).temperature)


def _first_law(spectra, comps, bulk, beta_ref: float, start: int):
    delta_u = np.diff(bulk)
    nan = float("nan")
    none = FirstLawFit("no_gap", nan, nan, nan, nan, delta_u.size, CONFIDENCE)
    if not np.isfinite(beta_ref):
        return (delta_u, np.full_like(delta_u, np.nan), np.empty(0), none, none, none, None,
                None)
    dx = first_law_increments(spectra, beta_ref)
    fit = fit_first_law(delta_u, dx, CONFIDENCE)
    after = fit_first_law(delta_u[start:], dx[start:], CONFIDENCE)
    dx_exact = (np.diff(entropy_along(spectra, beta_ref, comps)) if comps is not None
                else np.empty(0))
    exact = (fit_first_law(delta_u, dx_exact, CONFIDENCE) if comps is not None
             else FirstLawFit("not_measured", nan, nan, nan, nan, 0, CONFIDENCE))
    lev = first_law_leverage(delta_u, dx) if fit.status == "ok" else None
    return (delta_u, dx, dx_exact, fit, after, exact, lev,
            _gaussian_check(spectra, beta_ref))


def run_laws(run: dict) -> RunLaws:
    """(7.6) and (7.11) on one run (a dict as written by the main job's pipeline)."""
    epochs, spectra, measured = run_spectra(run)
    if len(spectra) < 2:
        raise ValueError(f"run {run['label']!r} has fewer than two measured checkpoints")
    comps = run_components(spectra, measured)
    premise = _premise(spectra, comps)
    k0 = transient_end([m["boundary_loss"] for m in measured])
    readings: list[EntropyReading] = []
    for beta in BETA_GRID:
        readings += _readings(_grid_name(beta), epochs, spectra, beta, comps, epochs[k0])
    gaps = [k for k, (e, m) in enumerate(zip(epochs, measured, strict=True))
            if e >= 1 and m.get("gap_log_lambda") is not None]
    b2 = tuple((epochs[k], beta_from_gap_two_level(measured[k]["gap_log_lambda"])) for k in gaps)
    b9 = tuple((epochs[k], beta_from_log_lambda(measured[k]["gap_log_lambda"])) for k in gaps)
    for name, betas in ((TWO_LEVEL, b2), (PRINTED, b9)):
        if len(betas) >= 2:
            readings += _readings(name, [epochs[k] for k in gaps], [spectra[k] for k in gaps],
                                  [b for _, b in betas],
                                  None if comps is None else [comps[k] for k in gaps],
                                  epochs[k0])
    beta_ref = float(np.median([b for _, b in b2])) if b2 else float("nan")
    bulk = np.array([m["bulk_loss"] for m in measured])
    du, dx, dx_exact, fit, after, exact, lev, gauss = _first_law(
        spectra, comps, bulk, beta_ref, k0)
    final = spectra[-1]
    return RunLaws(label=run["label"], group=run["group"], dim_s=int(final.dynamical.size),
                   n_effective=effective_dynamical_count(final.log_dynamical),
                   n_effective_wide=effective_dynamical_count(final.log_dynamical,
                                                              EFFECTIVE_LOG_THRESHOLD_WIDE),
                   premise=premise, readings=tuple(readings), transient_index=k0,
                   transient_epoch=epochs[k0], beta_two_level=b2, beta_printed=b9,
                   beta_reference=beta_ref, delta_u=du, delta_entropy=dx,
                   delta_entropy_exact=dx_exact, fit=fit, fit_after_transient=after,
                   fit_exact=exact, leverage=lev, gaussian=gauss)


def literal_claim(text: str, mono: Monotonicity) -> Claim:
    """(7.6) read literally: holds if S never rises above round-off (relative to its span)."""
    if not isinstance(mono, Monotonicity):
        raise TypeError(f"mono must be a Monotonicity, got {type(mono).__name__}")
    return graded(text, measured=mono.relative_max_rise, holds_below=ROUNDOFF_RISE,
                  fails_above=APPROXIMATE_RISE, name="largest rise of S / span of S",
                  evidence=EVIDENCE, figure="laws.png")


def trend_claim(text: str, tr: Trend) -> Claim:
    """(7.6) as a trend: holds if Spearman's ρ of S against the epoch is negative beyond its
    Fisher-z interval, fails if positive beyond it, undetermined inside."""
    if not isinstance(tr, Trend):
        raise TypeError(f"tr must be a Trend, got {type(tr).__name__}")
    if tr.status != "ok" or tr.correlation is None:
        return Claim(text, f"undetermined when the trend has status {tr.status}", {},
                     Verdict.UNDETERMINED)
    rc = tr.correlation
    c = sign_of(text, measured=rc.z, expected_sign=-1, noise=rc.z_half_width,
                name="atanh ρ_Spearman(S, epoch)", evidence=EVIDENCE, figure="laws.png")
    return Claim(c.text, c.rule + " (the 95% Fisher-z half-width)", c.measured, c.verdict,
                 c.evidence, c.figure, f"ρ = {rc.rho:.3f} [{rc.low:.3f}, {rc.high:.3f}], "
                 f"n = {rc.n}, p = {tr.p_value:.2g}")


def _undetermined(text: str, reason: str) -> Claim:
    # The status of the fit (no gap, too few steps) decides this, not a judgement.
    return Claim(text, f"undetermined when {reason}", {}, Verdict.UNDETERMINED)


def check_results(results: object) -> list[RunLaws]:
    """``results`` as a non-empty list of :class:`RunLaws`, or TypeError naming it."""
    if (not isinstance(results, (list, tuple)) or not results
            or not all(isinstance(r, RunLaws) for r in results)):
        raise TypeError(f"results must be a non-empty list of RunLaws, got {results!r:.60}")
    return list(results)


_SEVERITY = {Verdict.HOLDS: 0, Verdict.APPROXIMATE: 1, Verdict.UNDETERMINED: 2,
             Verdict.FAILS: 3}


def _worst(claims: list[Claim]) -> Claim:
    return max(claims, key=lambda c: _SEVERITY[c.verdict])


def reading_key(choice: str, form: str, kind: str) -> str:
    """The key of one per-run (7.6) verdict: choice, form of log Z, literal or trend."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    if kind not in ("literal", "trend"):
        raise ValueError(f"kind must be 'literal' or 'trend', got {kind!r}")
    return f"{choice}, {form}, {kind}"


def _second_law_claims(results: list[RunLaws], per_run: dict) -> list[Claim]:
    claims = []
    families = (("fixed β", [_grid_name(b) for b in BETA_GRID]), (TWO_LEVEL, [TWO_LEVEL]),
                (PRINTED, [PRINTED]))
    for form in FORMS:
        for kind in ("literal", "trend"):
            for family, choices in families:
                text = (f"(7.6) {kind}: the total entropy S (7.1) "
                        f"{'never rises' if kind == 'literal' else 'falls after the transient'}"
                        f", log Z {form}, {family}")
                cs = [per_run[r.label][reading_key(ch, form, kind)] for r in results
                      for ch in choices if reading_key(ch, form, kind) in per_run[r.label]]
                if not cs:
                    claims.append(_undetermined(text, f"no run has a {form} reading"))
                    continue
                w = _worst(cs)
                n_ok = sum(c.verdict is Verdict.HOLDS for c in cs)
                n_fail = sum(c.verdict is Verdict.FAILS for c in cs)
                trusted = sum(r.premise.trusted_form == form for r in results)
                claims.append(Claim(text, w.rule, w.measured, w.verdict, w.evidence, w.figure,
                                    f"worst shown; {n_ok} of {len(cs)} (run, β) hold, {n_fail}"
                                    f" fail; trusted form in {trusted} of {len(results)} runs"))
    return claims


def _fit_claims(fitted: list[RunLaws], attr: str, label: str) -> list[Claim]:
    t711 = f"(7.11) {label}: the fitted T of ΔU = T(ΔS_0 + ΔC) equals 1/β read off the gap"
    r711 = f"(7.11) {label}: ΔU is proportional to ΔS_0 + ΔC over checkpoints (R² of the fit)"
    ok = [r for r in fitted if getattr(r, attr).status == "ok"]
    if not ok:
        return [_undetermined(t711, "no run has a gap and three steps"),
                _undetermined(r711, "no run has a gap and three steps")]

    def dev(r):
        f = getattr(r, attr)
        return abs(f.temperature - 1 / r.beta_reference) / max(f.ci_half_width, 1e-300)

    w = max(ok, key=dev)
    fw = getattr(w, attr)
    c = within_tolerance(t711, measured=fw.temperature - 1 / w.beta_reference,
                         tolerance=fw.ci_half_width, name="T - 1/β_ref", evidence=EVIDENCE,
                         figure="laws.png")
    n_in = sum(dev(r) <= 1 for r in ok)
    worst_r2 = min(ok, key=lambda r: getattr(r, attr).r2)
    return [Claim(c.text, c.rule + " (95% interval of T, worst run)", c.measured, c.verdict,
                  c.evidence, c.figure, f"1/β_ref inside the interval in {n_in} of {len(ok)} "
                  f"runs; worst {w.label}"),
            graded(r711, measured=1 - getattr(worst_r2, attr).r2, holds_below=R2_HOLDS,
                   fails_above=R2_FAILS, name="1 - R² (worst run)", evidence=EVIDENCE,
                   figure="laws.png")]


def _premise_claim(results: list[RunLaws]) -> Claim:
    text = ("(5.13)-(5.14): the premise a_i² ≪ 1 under which the ⟨x⟩ term of (5.11) is "
            "dropped")
    measured = [r for r in results if r.premise.measured]
    if not measured:
        return _undetermined(text, "no run has the a_i measured")
    w = max(measured, key=lambda r: r.premise.max_component2)
    c = within_tolerance(text, measured=w.premise.max_component2, tolerance=PREMISE_A2,
                         name="max a_i² (worst run)", evidence=EVIDENCE)
    n_ok = sum(bool(r.premise.holds) for r in measured)
    lo = min(r.premise.norm2_range[0] for r in measured)
    hi = max(r.premise.norm2_range[1] for r in measured)
    return Claim(c.text, c.rule, c.measured, c.verdict, c.evidence, c.figure,
                 f"holds in {n_ok} of {len(measured)} runs; |⟨x⟩|² = {lo:.4g}-{hi:.4g}")


def _first_law_claims(results: list[RunLaws]) -> list[Claim]:
    fitted = [r for r in results if np.isfinite(r.beta_reference)]
    claims = (_fit_claims(fitted, "fit", "over all steps")
              + _fit_claims(fitted, "fit_after_transient", "after the transient")
              + _fit_claims(fitted, "fit_exact", "with S_0 + C = S of (5.11)")[:1])
    levs = [r for r in fitted if r.leverage is not None]
    ltext = "(7.11) fit over all steps: no single step decides the slope (Cook's distance)"
    if levs:
        w = max(levs, key=lambda r: float(r.leverage.cooks_distance.max()))  # type: ignore[union-attr]
        lev = w.leverage
        assert lev is not None
        c = within_tolerance(ltext, measured=float(lev.cooks_distance.max()),
                             tolerance=INFLUENTIAL_COOK, name="max Cook's distance",
                             evidence=EVIDENCE)
        n_inf = sum(bool(r.leverage.influential) for r in levs)  # type: ignore[union-attr]
        claims.append(Claim(c.text, c.rule + " (worst run)", c.measured, c.verdict, c.evidence,
                            c.figure, f"{n_inf} of {len(levs)} runs have an influential step;"
                            f" worst {w.label}"))
    else:
        claims.append(_undetermined(ltext, "no run has a fitted slope"))
    gauss = [r.gaussian for r in fitted if r.gaussian is not None]
    gtext = ("Gaussian model (5.14), independent of the data: the split (6.6) with dF = 0 gives "
             "the exact ΔU (6.1) as T(ΔS_0 + ΔC) at β_ref")
    if gauss:
        claims.append(graded(gtext, measured=max(g.relative_residual for g in gauss),
                             holds_below=SPLIT_HOLDS, fails_above=SPLIT_FAILS,
                             name="max |residual| / max |ΔU_Gauss| (worst run)",
                             evidence="learning.thermodynamics.first_law_check"))
    else:
        claims.append(_undetermined(gtext, "no run has a gap"))
    return claims


def _per_run_claims(res: RunLaws) -> dict[str, Claim]:
    out = {}
    for rd in res.readings:
        where = f"{res.label}, {rd.choice}, log Z {rd.form}"
        out[reading_key(rd.choice, rd.form, "literal")] = literal_claim(
            f"S non-increasing (7.6), {where}", rd.literal)
        out[reading_key(rd.choice, rd.form, "trend")] = trend_claim(
            f"S falls after the transient (7.6), {where}", rd.trend)
    return out


def section_claims(results: list[RunLaws]) -> tuple[dict, list[Claim]]:
    """The per-run claims ``{label: {reading_key: Claim}}`` and the section's claims."""
    results = check_results(results)
    per_run = {r.label: _per_run_claims(r) for r in results}
    return per_run, ([_premise_claim(results)] + _second_law_claims(results, per_run)
                     + _first_law_claims(results))


def runs_laws(runs: list[dict]) -> list[RunLaws]:
    """run_laws on every run with at least two checkpoints (ValueError if there is none)."""
    runs = [_check_run(r) for r in dicts("runs", runs, what="run dicts")]
    # A run with fewer than two measured checkpoints (e.g. --epochs 0) has no trajectory.
    results = [run_laws(r) for r in runs if len(r["checkpoints"]) >= 2]
    if not results:
        raise ValueError("laws_section needs at least one run with two measured checkpoints")
    return results
