"""Markdown tables and JSON numbers of the laws (7.6), (7.11) on SLQ checkpoints
(:mod:`learning.track.estimated_laws`), for :func:`learning.track.laws_report`."""

from __future__ import annotations

import numpy as np

from learning.experiments.laws import EXACT, LARGE_N
from learning.track.estimated_laws import Z_ERRORS, EstimatedReading, EstimatedRunLaws

__all__ = ["estimated_markdown", "estimated_numbers"]


def _pm(value: float, error: float) -> str:
    return f"{value:.6g} ± {error:.2g}"


def _at(res: EstimatedRunLaws, choice: str, form: str) -> EstimatedReading | None:
    return next((r for r in res.readings if r.choice == choice and r.form == form), None)


def _checkpoint_table(res: EstimatedRunLaws) -> list[str]:
    """S of (5.14) and (5.11) at β = 1 and S_0 + C at β_ref, per checkpoint, ± errors."""
    large, exact = _at(res, "β = 1", LARGE_N), _at(res, "β = 1", EXACT)
    assert large is not None and exact is not None  # β = 1 is on the grid
    fl = res.first_law
    ref = "" if fl is None else f" | S_0 + C at β_ref = {fl.beta_reference:.3g}"
    lines = [f"| step | \\|⟨x⟩\\|² | S (5.14), β = 1 | S (5.11), β = 1{ref} |",
             "| ---: |" + " ---: |" * (3 if fl is None else 4)]
    for k, step in enumerate(res.steps):
        cells = [f"{res.norm2[k]:.4g}", _pm(large.series.values[k], large.series.errors[k]),
                 _pm(exact.series.values[k], exact.series.errors[k])]
        if fl is not None:
            cells.append(_pm(fl.bracket.values[k], fl.bracket.errors[k]))
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return lines


def _readings_table(laws: list[EstimatedRunLaws]) -> list[str]:
    lines = [f"| run | β | log Z | largest rise of S ± its error | steps rising beyond "
             f"{Z_ERRORS:g} errors | raw rises | ρ(S, step) after the transient |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for res in laws:
        for rd in res.readings:
            s = rd.series
            k = int(np.argmax(s.changes))
            beyond = int(np.sum(s.changes > Z_ERRORS * s.change_errors))
            tr = rd.trend
            rho = (f"{tr.correlation.rho:.3f} (n = {tr.n})" if tr.correlation is not None
                   else tr.status)
            lines.append(f"| {res.label} | {rd.choice} | {rd.form} | "
                         f"{_pm(s.changes[k], s.change_errors[k])} | {beyond} of "
                         f"{s.changes.size} | {len(rd.literal.rising_steps)} | {rho} |")
    return lines


def _first_law_table(laws: list[EstimatedRunLaws]) -> list[str]:
    lines = ["| run | β_ref | T | fit's 95% interval | T: probe error (jackknife) | T: "
             "quadrature change | 1/β_ref | R² | steps |",
             "| --- |" + " ---: |" * 8]
    for res in laws:
        fl = res.first_law
        if fl is None:
            lines.append(f"| {res.label} | no gap |" + " |" * 7)
            continue
        f = fl.fit
        lines.append(f"| {res.label} | {fl.beta_reference:.4g} | {f.temperature:.4g} | "
                     f"[{f.ci_low:.4g}, {f.ci_high:.4g}] | {fl.temperature_probe_error:.2g} | "
                     f"{fl.temperature_quadrature_change:.2g} | {1 / fl.beta_reference:.4g} | "
                     f"{f.r2:.3f} | {f.n_points} |")
    return lines


def estimated_markdown(laws: list[EstimatedRunLaws]) -> list[str]:
    """The SLQ laws' Markdown: per run the sums at its checkpoints, the (7.6) readings with
    the errors of their steps, the (7.11) fit with T's errors (empty without runs)."""
    if not isinstance(laws, list) or not all(isinstance(r, EstimatedRunLaws) for r in laws):
        raise TypeError(f"laws must be a list of EstimatedRunLaws, got {type(laws).__name__}")
    if not laws:
        return []
    lines = ["### The laws (7.6), (7.11) on these checkpoints", ""]
    for res in laws:
        lines += [f"{res.label}: S at β = 1 (value ± error) and S_0 + C at β_ref:", "",
                  *_checkpoint_table(res), ""]
    return lines + ["(7.6) at each β (a rise counts against the law only beyond "
                    f"{Z_ERRORS:g} of its error; raw rises: any rise of the estimates):", "",
                    *_readings_table(laws), "", "(7.11) at β_ref:", "",
                    *_first_law_table(laws), ""]


def estimated_numbers(res: EstimatedRunLaws) -> dict:
    """The numbers of one run's SLQ laws for ``laws.json``."""
    if not isinstance(res, EstimatedRunLaws):
        raise TypeError(f"res must be an EstimatedRunLaws, got {type(res).__name__}")
    fl = res.first_law
    return {
        "run": res.label, "steps": list(res.steps), "transient_index": res.transient_index,
        "norm2_mean_state": res.norm2.tolist(),
        "beta_two_level": [list(p) for p in res.beta_two_level],
        "readings": [{"choice": r.choice, "form": r.form, "steps": list(r.steps),
                      "S": r.series.values.tolist(), "S_error": r.series.errors.tolist(),
                      "dS": r.series.changes.tolist(),
                      "dS_error": r.series.change_errors.tolist()} for r in res.readings],
        "first_law": None if fl is None else {
            "beta_reference": fl.beta_reference, "delta_u": fl.delta_u.tolist(),
            "S0_plus_C": fl.bracket.values.tolist(),
            "S0_plus_C_error": fl.bracket.errors.tolist(),
            "delta_S0_plus_C": fl.bracket.changes.tolist(),
            "delta_S0_plus_C_error": fl.bracket.change_errors.tolist(),
            "temperature": fl.fit.temperature, "ci": [fl.fit.ci_low, fl.fit.ci_high],
            "r2": fl.fit.r2, "temperature_probe_error": fl.temperature_probe_error,
            "temperature_quadrature_change": fl.temperature_quadrature_change}}
