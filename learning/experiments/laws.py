"""The laws of learning (Section 7) on the training trajectories of the main job.

For every run, at its checkpoints (spectra of G at <x>, stored by
:func:`learning.experiments.measurements.measure_checkpoint`):

* (7.6): the total entropy S (7.1) of the Gaussian ensemble at the measured spectrum, at each
  fixed β of :data:`BETA_GRID` (all checkpoints), and with β(t) read from the gap in log λ
  (checkpoints after epoch 0 that have a gap) by the corrected two-level model
  (:func:`learning.laws.beta_from_gap_two_level`) and by (9.4) as printed.  Verdict per run
  and choice: the largest rise of S between consecutive checkpoints relative to the span of S.
* (7.11): the measured ΔU (the constrained bulk minimum, as in Figure 2) against
  ΔS_0 + ΔC from the spectrum at β_ref (the median two-level β of the run), fitted through the
  origin: T with its 95% interval and R², compared with 1/β_ref.
* The Gaussian-model consistency check of :func:`learning.thermodynamics.first_law_check`: the
  exact Gaussian U (6.1) against T(ΔS_0 + ΔC) from the split (6.6) on the same spectra; this
  tests the model's own approximations, not the data.

Every verdict comes from an :mod:`ntcore.verdict` rule with the thresholds stated below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from learning.experiments._arguments import dicts, mapping
from learning.laws import (
    FirstLawFit,
    Monotonicity,
    beta_from_gap_two_level,
    entropy_along,
    first_law_increments,
    fit_first_law,
    monotonicity,
)
from learning.spectrum import GSpectrum, beta_from_log_lambda, spectrum_from_eigenvalues
from learning.thermodynamics import first_law_check, gaussian_thermodynamics
from ntcore.atomic import atomic_savefig
from ntcore.verdict import Claim, Verdict, graded, within_tolerance

__all__ = ["BETA_GRID", "RunLaws", "LawsSection", "run_laws", "laws_section", "figure_laws",
           "run_spectra"]

#: the fixed inverse temperatures at which (7.6) is judged (they span the β the gap implies)
BETA_GRID = (0.5, 0.75, 1.0, 1.5, 2.0)
TWO_LEVEL, PRINTED = "β(t), two-level (9.3) corrected", "β(t), (9.4) as printed"
# S is a sum of ~N terms of order one computed to ~1e-15 each: a rise below 1e-9 of the span
# of S is round-off.  A rise up to 5% of the span is called approximate, larger ones fail.
ROUNDOFF_RISE, APPROXIMATE_RISE = 1e-9, 0.05
# (7.11) as a linear law: holds if R² >= 0.9, approximate down to R² = 0.5.
R2_HOLDS, R2_FAILS = 0.1, 0.5  # thresholds on 1 - R²
# The split (6.6) against the exact Gaussian U: residual relative to the largest |ΔU|.
SPLIT_HOLDS, SPLIT_FAILS = 0.05, 0.5
CONFIDENCE = 0.95


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


@dataclass(frozen=True)
class RunLaws:
    """Both laws on one training run.

    Attributes
    ----------
    label, group
        The run's label and group in the main job.
    entropy
        Choice name -> (epochs, :class:`~learning.laws.Monotonicity` of S(t)).
    beta_two_level, beta_printed
        (epoch, β) read off the gap by the corrected two-level model and by (9.4).
    beta_reference
        Median of the two-level β(t): the fixed T = 1/β_ref of the (7.11) fit (nan if no gap).
    delta_u, delta_entropy
        Measured ΔU (bulk loss) and ΔS_0 + ΔC at β_ref, between consecutive checkpoints.
    fit
        The (7.11) fit.
    gaussian_relative_residual
        max |first_law_check residual| / max |ΔU of the Gaussian (6.1)| at β_ref.
    """

    label: str
    group: str
    entropy: dict[str, tuple[tuple[int, ...], Monotonicity]]
    beta_two_level: tuple[tuple[int, float], ...]
    beta_printed: tuple[tuple[int, float], ...]
    beta_reference: float
    delta_u: np.ndarray
    delta_entropy: np.ndarray
    fit: FirstLawFit
    gaussian_relative_residual: float


def _roundoff(s: np.ndarray) -> float:
    return ROUNDOFF_RISE * max(float(np.abs(s).max()), 1.0)


def _grid_name(beta: float) -> str:
    return f"β = {beta:g}"


def run_laws(run: dict) -> RunLaws:
    """(7.6) and (7.11) on one run (a dict as written by the main job's pipeline)."""
    epochs, spectra, measured = run_spectra(run)
    if len(spectra) < 2:
        raise ValueError(f"run {run['label']!r} has fewer than two measured checkpoints")
    entropy = {}
    for beta in BETA_GRID:
        s = entropy_along(spectra, beta)
        entropy[_grid_name(beta)] = (tuple(epochs), monotonicity(s, _roundoff(s)))
    gaps = [(e, sp, m["gap_log_lambda"]) for e, sp, m in zip(epochs, spectra, measured,
                                                             strict=True)
            if e >= 1 and m.get("gap_log_lambda") is not None]
    b2 = tuple((e, beta_from_gap_two_level(g)) for e, _, g in gaps)
    b9 = tuple((e, beta_from_log_lambda(g)) for e, _, g in gaps)
    for name, betas in ((TWO_LEVEL, b2), (PRINTED, b9)):
        if len(betas) >= 2:
            s = entropy_along([sp for _, sp, _ in gaps], [b for _, b in betas])
            entropy[name] = (tuple(e for e, _ in betas), monotonicity(s, _roundoff(s)))
    beta_ref = float(np.median([b for _, b in b2])) if b2 else float("nan")
    bulk = np.array([m["bulk_loss"] for m in measured])
    delta_u = np.diff(bulk)
    if np.isfinite(beta_ref):
        delta_x = first_law_increments(spectra, beta_ref)
        fit = fit_first_law(delta_u, delta_x, CONFIDENCE)
        gauss = first_law_check(spectra, beta_ref)
        du_gauss = np.diff([gaussian_thermodynamics(s, beta_ref).internal_energy
                            for s in spectra])
        rel = float(np.abs(gauss.residuals).max() / max(np.abs(du_gauss).max(), 1e-300))
    else:
        delta_x = np.full_like(delta_u, np.nan)
        nan = float("nan")
        fit = FirstLawFit("no_gap", temperature=nan, ci_low=nan, ci_high=nan, r2=nan,
                          n_points=delta_u.size, confidence=CONFIDENCE)
        rel = float("nan")
    return RunLaws(label=run["label"], group=run["group"], entropy=entropy, beta_two_level=b2,
                   beta_printed=b9, beta_reference=beta_ref, delta_u=delta_u,
                   delta_entropy=delta_x, fit=fit, gaussian_relative_residual=rel)


def _second_law_claim(text: str, mono: Monotonicity) -> Claim:
    return graded(text, measured=mono.relative_max_rise, holds_below=ROUNDOFF_RISE,
                  fails_above=APPROXIMATE_RISE, name="largest rise of S / span of S",
                  evidence="python -m learning reproduce (report.md, laws.png)",
                  figure="laws.png")


def _undetermined(text: str, reason: str) -> Claim:
    # The status of the fit (no gap, too few steps) decides this, not a judgement.
    return Claim(text, f"undetermined when {reason}", {}, Verdict.UNDETERMINED)


@dataclass(frozen=True)
class LawsSection:
    """What the report needs: the claims, its Markdown lines and every number (JSON-ready)."""

    claims: tuple[Claim, ...]
    markdown: tuple[str, ...]
    numbers: dict


def _cell(text: str) -> str:
    """Escape the pipes of a rule such as |x| <= tol inside a Markdown table cell."""
    return text.replace("|", "\\|")


def _describe(epochs: tuple[int, ...], mono: Monotonicity) -> str:
    net = f"net {mono.values[-1] - mono.values[0]:+.3g}"
    if not mono.rising_steps:
        return f"non-increasing, {net}"
    k = max(mono.rising_steps, key=lambda i: mono.steps[i])
    return (f"{len(mono.rising_steps)} rises, largest {mono.max_rise:.3g} "
            f"({mono.relative_max_rise:.0%} of span) at {epochs[k]}→{epochs[k + 1]}; {net}")


def laws_section(runs: list[dict], out: str | os.PathLike | None = None) -> LawsSection:
    """Apply both laws to every run; draw ``out/laws.png``; return claims, Markdown, numbers."""
    runs = [_check_run(r) for r in dicts("runs", runs, what="run dicts")]
    # A run with fewer than two measured checkpoints (e.g. --epochs 0) has no trajectory.
    results = [run_laws(r) for r in runs if len(r["checkpoints"]) >= 2]
    if not results:
        raise ValueError("laws_section needs at least one run with two measured checkpoints")
    choices = [_grid_name(b) for b in BETA_GRID] + [TWO_LEVEL, PRINTED]
    claims: list[Claim] = []
    per_run_claims: dict[str, dict[str, dict]] = {}
    for res in results:
        per_run_claims[res.label] = {}
        for name in choices:
            if name in res.entropy:
                c = _second_law_claim(f"S non-increasing (7.6), {res.label}, {name}",
                                      res.entropy[name][1])
            else:
                c = _undetermined(f"S non-increasing (7.6), {res.label}, {name}",
                                  "fewer than two checkpoints have a gap")
            per_run_claims[res.label][name] = c.to_dict()
    for name in choices:
        monos = [r.entropy[name][1] for r in results if name in r.entropy]
        text = f"the total entropy S (7.1) never rises during training (7.6), {name}"
        if monos:
            worst = max(monos, key=lambda m: m.relative_max_rise)
            c = _second_law_claim(text, worst)
            n_ok = sum(m.non_increasing for m in monos)
            claims.append(Claim(c.text, c.rule, c.measured, c.verdict, c.evidence, c.figure,
                                f"worst run shown; {n_ok} of {len(monos)} runs non-increasing"))
        else:
            claims.append(_undetermined(text, "no run has two checkpoints with a gap"))
    fitted = [r for r in results if r.fit.status == "ok"]
    t711 = "(7.11): the fitted T of ΔU = T(ΔS_0 + ΔC) equals 1/β read off the gap"
    r711 = "(7.11): ΔU is proportional to ΔS_0 + ΔC over checkpoints (R² of the fit)"
    if fitted:
        worst_run = max(fitted, key=lambda r: abs(r.fit.temperature - 1 / r.beta_reference)
                        / r.fit.ci_half_width)
        c = within_tolerance(t711,
                             measured=worst_run.fit.temperature - 1 / worst_run.beta_reference,
                             tolerance=worst_run.fit.ci_half_width, name="T - 1/β_ref",
                             evidence="python -m learning reproduce", figure="laws.png")
        n_in = sum(abs(r.fit.temperature - 1 / r.beta_reference) <= r.fit.ci_half_width
                   for r in fitted)
        claims.append(Claim(c.text, c.rule + " (95% interval of T, worst run)", c.measured,
                            c.verdict, c.evidence, c.figure,
                            f"1/β_ref inside the interval in {n_in} of {len(fitted)} runs"))
        worst_r2 = min(fitted, key=lambda r: r.fit.r2)
        claims.append(graded(r711, measured=1 - worst_r2.fit.r2, holds_below=R2_HOLDS,
                             fails_above=R2_FAILS, name="1 - R² (worst run)",
                             evidence="python -m learning reproduce", figure="laws.png"))
    else:
        claims += [_undetermined(t711, "no run has a gap and three steps"),
                   _undetermined(r711, "no run has a gap and three steps")]
    rels = [r.gaussian_relative_residual for r in results
            if np.isfinite(r.gaussian_relative_residual)]
    gtext = ("Gaussian-model consistency (first_law_check): the exact U (6.1) changes as "
             "T(ΔS_0 + ΔC) of the split (6.6) at β_ref")
    if rels:
        claims.append(graded(gtext, measured=max(rels), holds_below=SPLIT_HOLDS,
                             fails_above=SPLIT_FAILS,
                             name="max |residual| / max |ΔU_Gauss| (worst run)",
                             evidence="learning.thermodynamics.first_law_check"))
    else:
        claims.append(_undetermined(gtext, "no run has a gap"))
    if out is not None:
        figure_laws(results, os.path.join(os.fspath(out), "laws.png"))
    return LawsSection(tuple(claims), tuple(_markdown(results, choices, per_run_claims,
                                                      claims)),
                       _numbers(results, per_run_claims, claims))


def _markdown(results: list[RunLaws], choices: list[str], per_run: dict,
              claims: list[Claim]) -> list[str]:
    lines = ["## Laws of learning (Section 7) on the training trajectories", "",
             "S is the total entropy (7.1) of the Gaussian ensemble (5.14) at each checkpoint's "
             "spectrum of G. Fixed β: all checkpoints; β(t): the checkpoints after epoch 0 "
             "with a gap, β from the gap by the corrected two-level model (9.3) (½ < β < 1) "
             "and by (9.4) as printed (see docs/errata.md). Cell: the verdict and, where S "
             f"rises, between which epochs and by how much (rule: holds if the largest rise "
             f"<= {ROUNDOFF_RISE:g} of the span of S, approximate up to {APPROXIMATE_RISE:g}).",
             "", "| run | " + " | ".join(choices) + " |",
             "| --- |" + " --- |" * len(choices)]
    for r in results:
        cells = []
        for name in choices:
            verdict = per_run[r.label][name]["verdict"]
            cells.append(f"**{verdict}**: {_describe(*r.entropy[name])}" if name in r.entropy
                         else f"**{verdict}**")
        lines.append(f"| {r.label} | " + " | ".join(cells) + " |")
    lines += ["", "(7.11) fitted through the origin over consecutive checkpoints: ΔU (measured "
              "bulk loss, Fig. 2) = T (ΔS_0 + ΔC), with S_0 (7.4) and C (6.7) from the spectrum "
              "at β_ref = the median two-level β(t) of the run. Last column: the Gaussian-model "
              "consistency check (exact U (6.1) vs the split (6.6) on the same spectra, not "
              "the data).", "",
              "| run | β_ref | 1/β_ref | T fitted [95% interval] | R² | median β by (9.4) | "
              "Gaussian split residual |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        b94 = np.median([b for _, b in r.beta_printed]) if r.beta_printed else float("nan")
        f = r.fit
        lines.append(f"| {r.label} | {r.beta_reference:.3f} | {1 / r.beta_reference:.3f} | "
                     f"{f.temperature:.3g} [{f.ci_low:.3g}, {f.ci_high:.3g}] | {f.r2:.3f} | "
                     f"{b94:.3f} | {r.gaussian_relative_residual:.3g} |")
    lines += ["", "| claim | verdict | rule | measured | detail |",
              "| --- | --- | --- | --- | --- |"]
    for c in claims:
        numbers = ", ".join(f"{k} = {v:.4g}" for k, v in c.measured.items())
        lines.append(f"| {_cell(c.text)} | **{c.verdict.value}** | {_cell(c.rule)} | "
                     f"{_cell(numbers)} | {_cell(c.detail)} |")
    lines += ["", "**Laws.** Left: S(t) - S(0) at several β (first deep run). Right: ΔU against "
              "ΔS_0 + ΔC at β_ref with the fitted T (solid) and 1/β_ref (dotted), deep runs.  ",
              "![laws](laws.png)", ""]
    return lines


def _numbers(results: list[RunLaws], per_run: dict, claims: list[Claim]) -> dict:
    def f(x):
        return None if x is None or not np.isfinite(x) else float(x)

    runs = {}
    for r in results:
        runs[r.label] = {
            "entropy": {name: {"epochs": list(e), "S": m.values.tolist(),
                               "rising_steps": list(m.rising_steps), "max_rise": m.max_rise,
                               "relative_max_rise": m.relative_max_rise,
                               "verdict": per_run[r.label][name]["verdict"]}
                        for name, (e, m) in r.entropy.items()},
            "beta_two_level": [[e, b] for e, b in r.beta_two_level],
            "beta_9_4": [[e, b] for e, b in r.beta_printed],
            "beta_reference": f(r.beta_reference),
            "delta_u": r.delta_u.tolist(), "delta_S0_plus_C": r.delta_entropy.tolist(),
            "first_law_fit": {"status": r.fit.status, "T": f(r.fit.temperature),
                              "ci": [f(r.fit.ci_low), f(r.fit.ci_high)], "r2": f(r.fit.r2),
                              "n_points": r.fit.n_points, "confidence": r.fit.confidence},
            "gaussian_split_relative_residual": f(r.gaussian_relative_residual)}
    return {"beta_grid": list(BETA_GRID), "runs": runs,
            "claims": [c.to_dict() | {"detail": c.detail} for c in claims]}


def figure_laws(results: list[RunLaws], path: str | os.PathLike) -> None:
    """S(t) at several β (first deep run, else the first run) and ΔU against ΔS_0 + ΔC."""
    if (not isinstance(results, (list, tuple)) or not results
            or not all(isinstance(r, RunLaws) for r in results)):
        raise TypeError(f"results must be a non-empty list of RunLaws, got {results!r:.60}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    fig = Figure(figsize=(11, 4.2))
    ax, bx = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    deep = [r for r in results if r.group == "deep"] or results[:1]
    first = deep[0]
    for name, (epochs, mono) in first.entropy.items():
        e = np.asarray(epochs, float)
        ax.plot(np.maximum(e, 0.5), mono.values - mono.values[0], "o-", ms=3, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("epoch (epoch 0 drawn at 0.5)")
    ax.set_ylabel("S(t) - S(first checkpoint)")
    ax.set_title(f"(7.6): total entropy (7.1), {first.label}")
    ax.legend(fontsize=7)
    for i, r in enumerate(deep):
        if r.fit.status != "ok":
            continue
        color = f"C{i}"
        bx.plot(r.delta_entropy, r.delta_u, "o", color=color, ms=4, label=r.label)
        xs = np.linspace(r.delta_entropy.min(), r.delta_entropy.max(), 5)
        bx.plot(xs, r.fit.temperature * xs, "-", color=color, lw=1)
        bx.plot(xs, xs / r.beta_reference, ":", color=color, lw=1)
    bx.set_xlabel("ΔS_0 + ΔC at β_ref")
    bx.set_ylabel("ΔU (measured bulk loss)")
    bx.set_title("(7.11): fit T (solid) vs 1/β_ref (dotted)")
    if bx.get_legend_handles_labels()[0]:  # no deep run with a fit: no legend to draw
        bx.legend(fontsize=7)
    atomic_savefig(fig, path, dpi=110)
