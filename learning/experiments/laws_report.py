"""The report's laws section (7.6), (7.11): Markdown, numbers (results.json) and figure, from
the :class:`learning.experiments.laws.RunLaws` of each run (computed in
:mod:`learning.experiments.laws`).

:func:`laws_section` builds the whole section.  Reusable builders: :func:`premise_table`,
:func:`second_law_table`, :func:`first_law_table`, :func:`claims_table` each return Markdown
lines; :func:`markdown` joins them with the text; :func:`numbers` and :func:`figure_laws`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from learning.experiments._arguments import mapping
from learning.experiments.depth_study import (
    EFFECTIVE_LOG_THRESHOLD,
    EFFECTIVE_LOG_THRESHOLD_WIDE,
)
from learning.experiments.laws import (
    APPROXIMATE_RISE,
    BETA_GRID,
    FORMS,
    PRINTED,
    ROUNDOFF_RISE,
    TWO_LEVEL,
    EntropyReading,
    RunLaws,
    check_results,
    reading_key,
    runs_laws,
    section_claims,
)
from learning.laws import INFLUENTIAL_COOK, FirstLawFit
from learning.thermodynamics import PREMISE_A2
from ntcore.atomic import atomic_savefig
from ntcore.verdict import Claim

__all__ = ["LawsSection", "laws_section", "premise_table", "second_law_table",
           "first_law_table", "claims_table", "markdown", "numbers", "figure_laws"]


def _cell(text: str) -> str:
    """Escape the pipes of a rule such as |x| <= tol inside a Markdown table cell."""
    return text.replace("|", "\\|")


def _choices() -> list[str]:
    return [f"β = {b:g}" for b in BETA_GRID] + [TWO_LEVEL, PRINTED]


def premise_table(results: list[RunLaws]) -> list[str]:
    """Per run: dim S and the effective count, the premise of (5.14), the trusted form."""
    results = check_results(results)
    lines = [f"| run | dim S | effective (final; at {EFFECTIVE_LOG_THRESHOLD_WIDE:g}) | max a_i² "
             "| max a_i² (dynamical) | "
             f"\\|⟨x⟩\\|² | ⟨x⟩ term of S at β = 1 | a_i² <= {PREMISE_A2:g} | trusted "
             "log Z | transient ends |",
             "| --- |" + " ---: |" * 9]
    for r in results:
        p = r.premise
        if p.measured:
            numbers = (f"{p.max_component2:.3g} | {p.max_dynamical_component2:.3g} | "
                       f"{p.norm2_range[0]:.4g}-{p.norm2_range[1]:.4g} | "
                       f"{p.mean_term_range[0]:.4g} to {p.mean_term_range[1]:.4g} | "
                       f"{'holds' if p.holds else 'fails'}")
        else:
            numbers = "n/a | n/a | n/a | n/a | not measured"
        lines.append(f"| {r.label} | {r.dim_s} | {r.n_effective} ({r.n_effective_wide}) | "
                     f"{numbers} | "
                     f"{p.trusted_form} | epoch {r.transient_epoch} |")
    return lines


def _literal_cell(rd: EntropyReading, verdict: str) -> str:
    m = rd.literal
    if not m.rising_steps:
        return f"**{verdict}**: no rise"
    k = max(m.rising_steps, key=lambda i: m.steps[i])
    n = len(m.rising_steps)
    return (f"**{verdict}**: {n} rise{'s' if n > 1 else ''}, largest {m.max_rise:.3g} "
            f"({m.relative_max_rise:.0%}) at {rd.epochs[k]}→{rd.epochs[k + 1]}")


def _trend_cell(rd: EntropyReading, verdict: str) -> str:
    rc = rd.trend.correlation
    if rc is None:
        return f"**{verdict}** ({rd.trend.status})"
    return f"**{verdict}**: ρ {rc.rho:+.2f} [{rc.low:+.2f}, {rc.high:+.2f}]"


def second_law_table(results: list[RunLaws], per_run: dict) -> list[str]:
    """(7.6) per run, form of log Z and reading (literal / trend), one column per β."""
    results = check_results(results)
    mapping("per_run", per_run)
    choices = _choices()
    lines = ["| run | log Z | reading | " + " | ".join(choices) + " |",
             "| --- | --- | --- |" + " --- |" * len(choices)]
    for r in results:
        for form in FORMS:
            if r.reading(choices[0], form) is None:
                continue
            mark = " (trusted)" if form == r.premise.trusted_form else ""
            for kind, cell in (("literal", _literal_cell), ("trend", _trend_cell)):
                cells = []
                for ch in choices:
                    rd = r.reading(ch, form)
                    key = reading_key(ch, form, kind)
                    cells.append("n/a" if rd is None else
                                 cell(rd, per_run[r.label][key].verdict.value))
                lines.append(f"| {r.label} | {form}{mark} | {kind} | " + " | ".join(cells)
                             + " |")
    return lines


def _fit_cell(f: FirstLawFit) -> str:
    if f.status != "ok":
        return f.status
    return f"{f.temperature:.3g} [{f.ci_low:.3g}, {f.ci_high:.3g}], R² {f.r2:.2f}"


def first_law_table(results: list[RunLaws]) -> list[str]:
    """(7.11) per run: the fits, the leverage diagnostics and the Gaussian split check."""
    results = check_results(results)
    lines = ["| run | β_ref | 1/β_ref | T, all steps | T, after the transient | T, ΔS of (5.11) "
             "| max Cook's D (step) | leave-one-out T | Gaussian split: residual (ΔF, split); T |",
             "| --- |" + " ---: |" * 8]
    for r in results:
        lev, g = r.leverage, r.gaussian
        if lev is not None:
            k = lev.most_influential
            cook = f"{lev.cooks_distance[k]:.3g} (step {k})"
            loo = lev.loo_slopes[np.isfinite(lev.loo_slopes)]
            loo_text = f"{loo.min():.3g} to {loo.max():.3g}" if loo.size else "n/a"
        else:
            cook = loo_text = "n/a"
        gtext = ("n/a" if g is None else f"{g.relative_residual:.3g} ({g.free_energy_part:.3g}"
                 f", {g.split_part:.3g}); T {g.temperature:.3g}")
        lines.append(f"| {r.label} | {r.beta_reference:.3f} | {1 / r.beta_reference:.3f} | "
                     f"{_fit_cell(r.fit)} | {_fit_cell(r.fit_after_transient)} | "
                     f"{_fit_cell(r.fit_exact)} | {cook} | {loo_text} | {gtext} |")
    return lines


def claims_table(claims: list[Claim]) -> list[str]:
    """The section's claims with their rules and measured numbers."""
    if not isinstance(claims, (list, tuple)) or not all(isinstance(c, Claim) for c in claims):
        raise TypeError(f"claims must be a list of Claim, got {claims!r:.60}")
    lines = ["| claim | verdict | rule | measured | detail |", "| --- | --- | --- | --- | --- |"]
    for c in claims:
        nums = ", ".join(f"{k} = {v:.4g}" for k, v in c.measured.items())
        lines.append(f"| {_cell(c.text)} | **{c.verdict.value}** | {_cell(c.rule)} | "
                     f"{_cell(nums)} | {_cell(c.detail)} |")
    return lines


def markdown(results: list[RunLaws], per_run: dict, claims: list[Claim]) -> list[str]:
    """The whole laws section of report.md."""
    results = check_results(results)
    return [
        "## Laws of learning (Section 7) on the training trajectories", "",
        "S is the total entropy (7.1) of the Gaussian ensemble at each checkpoint's spectrum "
        "of G, with log Z of (5.11) (the exact Gaussian, with the ⟨x⟩ term and the window "
        "(5.8)) and of (5.14) (the large-N form, which drops the ⟨x⟩ term on the premise "
        f"a_i² ≪ 1, read here as every a_i² <= {PREMISE_A2:g}). The form to trust is computed "
        "per run: (5.14) where its premise holds, (5.11) where it fails. a_i are the "
        "components of ⟨x⟩ (5.12) on the eigenvectors of G; outside the subspace S that G "
        "moves the eigenvalue is 1 and only the norm of ⟨x⟩ there is defined, which counts as "
        "one a_i². Effective: the dynamical eigenvalues with |log λ| > "
        f"{EFFECTIVE_LOG_THRESHOLD:g} at the last checkpoint (the others are saturated units; "
        f"in brackets the count above {EFFECTIVE_LOG_THRESHOLD_WIDE:g}: |log λ| has no gap "
        "there, so the count depends on the threshold).",
        "", *premise_table(results), "",
        "(7.6), two readings. *Literal*: over the whole run, S never rises above round-off "
        f"(holds if the largest rise <= {ROUNDOFF_RISE:g} of the span of S, approximate up to "
        f"{APPROXIMATE_RISE:g}). *Trend*: Spearman's ρ of S against the epoch from the end of "
        "the transient on, the first checkpoint at which the boundary loss U_∂ has made half "
        "of its fall (U_∂ <= U_∂(0) - ½(U_∂(0) - min U_∂)); holds if ρ < 0 beyond its 95% "
        "Fisher-z interval, fails if ρ > 0 beyond it. Fixed β: all checkpoints; β(t): the "
        "checkpoints after epoch 0 with a gap, β from the gap by the corrected two-level model "
        "(9.3) and by (9.4) as printed (see docs/errata.md).", "",
        *second_law_table(results, per_run), "",
        "(7.11) fitted through the origin over consecutive checkpoints: ΔU (measured bulk "
        "loss, Fig. 2) = T (ΔS_0 + ΔC), with S_0 (7.4) and C (6.7) from the spectrum at β_ref "
        "= the median two-level β(t) of the run; over all steps, after the transient, and "
        "with S_0 + C = S of (5.11). Leverage: Cook's distance of each step (step k: from "
        f"checkpoint k to k + 1; above {INFLUENTIAL_COOK:g} the step alone makes the slope) "
        "and the slopes with one step left out. Last column: a test of the Gaussian model, "
        "not of the data: the split (6.6) with dF = 0 (7.10) on the model (5.14), i.e. its "
        "exact U (6.1) against T(ΔS_0 + ΔC) on the same spectra; the residual is ΔF + "
        "TΔ(S - S_0 - C), both parts given relative to the largest |ΔU|; T: the slope the "
        "model's own ΔU gives against ΔS_0 + ΔC (1/β_ref if the split held).", "",
        *first_law_table(results), "", *claims_table(claims), "",
        "**Laws.** Left: S(t) - S(0) at several β (first deep run; solid (5.11), dashed "
        "(5.14)). Right: ΔU against ΔS_0 + ΔC at β_ref with the fitted T (solid) and 1/β_ref "
        "(dotted), deep runs.  ", "![laws](laws.png)", ""]


def _f(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _fit_numbers(f: FirstLawFit) -> dict:
    return {"status": f.status, "T": _f(f.temperature), "ci": [_f(f.ci_low), _f(f.ci_high)],
            "r2": _f(f.r2), "n_points": f.n_points, "confidence": f.confidence}


def _reading_numbers(rd: EntropyReading, per: dict) -> dict:
    m, t = rd.literal, rd.trend
    rc = t.correlation
    return {"choice": rd.choice, "form": rd.form, "epochs": list(rd.epochs),
            "S": m.values.tolist(), "rising_steps": list(m.rising_steps),
            "max_rise": m.max_rise, "relative_max_rise": m.relative_max_rise,
            "literal_verdict": per[reading_key(rd.choice, rd.form, "literal")].verdict.value,
            "trend": {"status": t.status, "start": t.start, "n": t.n, "p": _f(t.p_value),
                      "rho": None if rc is None else rc.rho,
                      "interval": None if rc is None else [rc.low, rc.high]},
            "trend_verdict": per[reading_key(rd.choice, rd.form, "trend")].verdict.value}


def _run_numbers(r: RunLaws, per: dict) -> dict:
    p, lev, g = r.premise, r.leverage, r.gaussian
    return {
        "dim_s": r.dim_s, "n_effective": r.n_effective,
        "n_effective_wide": r.n_effective_wide,
        "premise": {"measured": p.measured, "max_a2": _f(p.max_component2),
                    "max_a2_dynamical": _f(p.max_dynamical_component2),
                    "norm2_range": [_f(x) for x in p.norm2_range],
                    "mean_term_of_S_at_beta_1": [_f(x) for x in p.mean_term_range],
                    "holds": p.holds, "trusted_form": p.trusted_form},
        "transient": {"index": r.transient_index, "epoch": r.transient_epoch},
        "entropy": [_reading_numbers(rd, per) for rd in r.readings],
        "beta_two_level": [[e, b] for e, b in r.beta_two_level],
        "beta_9_4": [[e, b] for e, b in r.beta_printed],
        "beta_reference": _f(r.beta_reference),
        "delta_u": r.delta_u.tolist(), "delta_S0_plus_C": r.delta_entropy.tolist(),
        "delta_S_5_11": r.delta_entropy_exact.tolist(),
        "first_law_fit": _fit_numbers(r.fit),
        "first_law_fit_after_transient": _fit_numbers(r.fit_after_transient),
        "first_law_fit_5_11": _fit_numbers(r.fit_exact),
        "leverage": None if lev is None else {
            "cooks_distance": lev.cooks_distance.tolist(), "leverage": lev.leverage.tolist(),
            "loo_slopes": [_f(x) for x in lev.loo_slopes], "influential": list(lev.influential)},
        "gaussian_split": None if g is None else {
            "relative_residual": g.relative_residual, "free_energy_part": g.free_energy_part,
            "split_part": g.split_part, "temperature": _f(g.temperature)}}


def numbers(results: list[RunLaws], per_run: dict, claims: list[Claim]) -> dict:
    """Every number of the section, JSON-ready."""
    results = check_results(results)
    mapping("per_run", per_run)
    return {"beta_grid": list(BETA_GRID), "premise_a2": PREMISE_A2,
            "effective_log_threshold": EFFECTIVE_LOG_THRESHOLD,
            "runs": {r.label: _run_numbers(r, per_run[r.label]) for r in results},
            "claims": [c.to_dict() | {"detail": c.detail} for c in claims]}


def figure_laws(results: list[RunLaws], path: str | os.PathLike) -> None:
    """S(t) at several β in both forms (first deep run, else the first run) and ΔU against
    ΔS_0 + ΔC."""
    results = check_results(results)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    fig = Figure(figsize=(11, 4.2))
    ax, bx = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    deep = [r for r in results if r.group == "deep"] or list(results[:1])
    first = deep[0]
    for i, ch in enumerate(_choices()):
        for form, style in zip(FORMS, ("-", "--"), strict=True):
            rd = first.reading(ch, form)
            if rd is None:
                continue
            e = np.maximum(np.asarray(rd.epochs, float), 0.5)
            v = rd.literal.values
            ax.plot(e, v - v[0], "o" + style, ms=3, color=f"C{i}",
                    label=ch if style == "-" or first.reading(ch, FORMS[0]) is None else None)
    ax.set_xscale("log")
    ax.set_xlabel("epoch (epoch 0 drawn at 0.5)")
    ax.set_ylabel("S(t) - S(first checkpoint)")
    ax.set_title(f"(7.6): S (7.1), {first.label}; solid (5.11), dashed (5.14)")
    ax.legend(fontsize=7)
    for i, r in enumerate(deep):
        if r.fit.status != "ok":
            continue
        bx.plot(r.delta_entropy, r.delta_u, "o", color=f"C{i}", ms=4, label=r.label)
        xs = np.linspace(r.delta_entropy.min(), r.delta_entropy.max(), 5)
        bx.plot(xs, r.fit.temperature * xs, "-", color=f"C{i}", lw=1)
        bx.plot(xs, xs / r.beta_reference, ":", color=f"C{i}", lw=1)
    bx.set_xlabel("ΔS_0 + ΔC at β_ref")
    bx.set_ylabel("ΔU (measured bulk loss)")
    bx.set_title("(7.11): fit T (solid) vs 1/β_ref (dotted)")
    if bx.get_legend_handles_labels()[0]:  # no deep run with a fit: no legend to draw
        bx.legend(fontsize=7)
    atomic_savefig(fig, path, dpi=110)


@dataclass(frozen=True)
class LawsSection:
    """What the report needs: the claims, its Markdown lines and every number (JSON-ready).

    ``results`` holds the :class:`RunLaws` the rest was built from, ``per_run`` the claim of
    each (run, choice, form, reading) as ``{label: {key: claim dict}}``.
    """

    claims: tuple[Claim, ...]
    markdown: tuple[str, ...]
    numbers: dict
    results: tuple[RunLaws, ...] = ()
    per_run: dict | None = None


def laws_section(runs: list[dict], out: str | os.PathLike | None = None) -> LawsSection:
    """Apply both laws to every run; draw ``out/laws.png``; return claims, Markdown, numbers."""
    results = runs_laws(runs)
    per_run, claims = section_claims(results)
    if out is not None:
        figure_laws(results, os.path.join(os.fspath(out), "laws.png"))
    return LawsSection(tuple(claims), tuple(markdown(results, per_run, claims)),
                       numbers(results, per_run, claims), tuple(results), per_run)
