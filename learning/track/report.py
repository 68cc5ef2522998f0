"""The laws of learning (7.6), (7.11) on recorded runs: the main job's laws section
(:func:`learning.experiments.laws_report.laws_section`, the same computed verdicts) applied
to the trajectories a :class:`learning.track.Recorder` wrote.

Writes ``laws.md``, ``laws.json`` and ``laws.png`` into ``out``.  Checkpoints that could not
be measured (non-finite weights) are left out of every law and named in the report.

Checkpoints measured by stochastic Lanczos quadrature (``spectrum_method`` ``"slq"``,
:mod:`learning.track.estimated`, networks too large for the exact spectrum) have no list of
eigenvalues: the report gives them a section of their own, with a table (U, U_∂, μ_1..μ_3
with standard errors, :math:`C_{20}`, :math:`C_{N-20}`, the gap and its β), the claim
log det G = μ_1 = 0 (7.8) within 4 of its errors, and (7.6), (7.11) on S, S_0 + C computed
from the Gauss rules stored with each checkpoint, with their errors
(:mod:`learning.track.estimated_laws`: a step's rise counts against (7.6) only beyond 4 of
its errors).  SLQ checkpoints recorded before the rules were stored get the table and the
(7.8) claim only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from learning.experiments.laws_report import LawsSection, laws_section
from learning.track.estimated_laws import (
    Z_ERRORS,
    EstimatedRunLaws,
    estimated_claims,
    estimated_run_laws,
)
from learning.track.estimated_report import estimated_markdown, estimated_numbers
from learning.track.recorder import RecordedCheckpoint, read_run
from learning.track.spectral_sums import probe_rules
from ntcore.atomic import atomic_write_json, atomic_write_text
from ntcore.checks import path_like
from ntcore.verdict import Claim, within_tolerance

__all__ = ["TrackedLaws", "laws_report", "run_dict"]


@dataclass(frozen=True)
class TrackedLaws:
    """The laws section of recorded runs and where it was written.

    Attributes
    ----------
    section : the claims, Markdown and numbers of the laws section (``None`` when no run
        has two checkpoints with the exact spectrum: only SLQ checkpoints).
    problems : one sentence per checkpoint left out (run label, step, reason).
    markdown_path, json_path, figure_path : the files written (no figure without
        ``section``).
    estimated : ``(run label, step)`` of the checkpoints measured by SLQ.
    estimated_claims : the claims computed from them ((7.8) within the standard errors).
    """

    section: LawsSection | None
    problems: tuple[str, ...]
    markdown_path: Path
    json_path: Path
    figure_path: Path
    estimated: tuple[tuple[str, int], ...] = ()
    estimated_claims: tuple[Claim, ...] = ()

    @property
    def claims(self) -> tuple[Claim, ...]:
        """Every claim of the report: the laws section's, then those of the SLQ checkpoints."""
        return (() if self.section is None else self.section.claims) + self.estimated_claims


def run_dict(run_dir: str | os.PathLike, label: str | None = None) -> tuple[dict, list[str]]:
    """A recorded run as the run dict of the main job's pipeline (label, group, sizes,
    checkpoints of epoch = step and measurements), and the problems of its checkpoints."""
    description, checkpoints = read_run(run_dir)
    label = description.get("label", Path(run_dir).name) if label is None else label
    problems = [f"{label}, step {c.step}: {c.problem}" for c in checkpoints.values()
                if c.problem is not None]
    if description.get("data_sha256") is None:
        raise ValueError(f"run {run_dir} was recorded without evaluation data: the laws need "
                         "U, U_∂ and the spectrum of G, which need data (Recorder(data=...))")
    kept = [{"epoch": s, "measurements": c.measurements}
            for s, c in sorted(checkpoints.items()) if c.problem is None and not _estimated(c)]
    return ({"label": label, "group": "deep", "sizes": description["sizes"],
             "checkpoints": kept}, problems)


def _estimated(c: RecordedCheckpoint) -> bool:
    return c.measurements.get("spectrum_method") == "slq"


def _estimated_checkpoints(run_dir: str | os.PathLike) -> list[RecordedCheckpoint]:
    """The checkpoints of a recorded run measured by SLQ (without a problem), by step."""
    return [c for _, c in sorted(read_run(run_dir)[1].items())
            if c.problem is None and _estimated(c)]


def _pm(m: dict, key: str) -> str:
    """``value ± error`` of an SLQ quantity; the error combines the standard error and the
    quadrature change (``SpectralMoments.uncertainty``)."""
    err = float(np.hypot(m[f"{key}_stderr"], m.get(f"{key}_quadrature_change", 0.0)))
    return f"{m[key]:.5g} ± {err:.2g}"


def _opt(x: float | None, fmt: str = ".4g") -> str:
    return "none" if x is None else format(x, fmt)


def _estimated_table(rows: list[tuple[str, RecordedCheckpoint]]) -> list[str]:
    """Markdown table of the SLQ checkpoints: U_∂ (2.11), U (3.2), μ_1..μ_3 (9.5)-(9.6) with
    their errors, :math:`C_{20}`, :math:`C_{N-20}` (10.5), the gap (Fig. 5) and its β (9.4)."""
    lines = ["| run | step | U_∂ | U | μ_1 (7.8) | μ_2 | μ_3 | C_20 | C_{N-20} | gap log λ "
             "| β (9.4) | probes × steps | s |", "| --- |" + " ---: |" * 12]
    for label, c in rows:
        m = c.measurements
        lines.append(f"| {label} | {c.step} | {m['boundary_loss']:.5g} | {m['bulk_loss']:.5g} | "
                     f"{_pm(m, 'mu1')} | {_pm(m, 'mu2')} | {_pm(m, 'mu3')} | "
                     f"{m['C_20']:.6g} | {m['C_N_minus_20']:.6g} | "
                     f"{_opt(m.get('gap_log_lambda'))} | {_opt(m.get('gap_beta_9_4'))} | "
                     f"{m['n_probes']} × {m['lanczos_steps']} | "
                     f"{_opt(c.measure_seconds or None, '.3g')} |")
    return lines


def _log_det_claim(label: str, checkpoints: list[RecordedCheckpoint]) -> Claim:
    """(7.8) log det G = μ_1 = 0 at every SLQ checkpoint of a run, judged in units of μ_1's
    error (standard error and quadrature change combined): holds if the largest |μ_1| /
    error is <= 4 (a false failure with probability <= 6.3e-5 per checkpoint for Gaussian
    errors)."""
    ratios = [abs(c.measurements["mu1"]) / max(float(np.hypot(
        c.measurements["mu1_stderr"], c.measurements.get("mu1_quadrature_change", 0.0))),
        1e-300) for c in checkpoints]
    return within_tolerance(
        f"{label}: log det G = 0 (7.8) at the {len(checkpoints)} SLQ checkpoints, within the "
        "standard errors of stochastic Lanczos quadrature", measured=max(ratios), tolerance=4.0,
        name="|μ_1| / its error", evidence="SLQ estimate with a standard error")


def _labels(run_dirs: list, labels) -> list[str]:
    if labels is None:
        names = [Path(d).resolve().name for d in run_dirs]
        return names if len(set(names)) == len(names) else [
            f"{n} ({i + 1})" for i, n in enumerate(names)]
    labels = [str(x) for x in labels]
    if len(labels) != len(run_dirs) or len(set(labels)) != len(labels):
        raise ValueError(f"labels must be {len(run_dirs)} distinct names, one per run_dir, got "
                         f"{labels}")
    return labels


def laws_report(run_dirs: str | os.PathLike | list, out: str | os.PathLike | None = None, *,
                labels: list[str] | None = None) -> TrackedLaws:
    """Apply (7.6) and (7.11) to one or several recorded runs; write laws.md/json/png.

    Parameters
    ----------
    run_dirs
        A run directory of :class:`~learning.track.Recorder`, or a list of them (compared in
        one report).
    out
        Where the report goes (default: the first run directory).
    labels
        One name per run (default: the directory names).

    Raises
    ------
    ValueError
        A directory that is not a recorded run, one without evaluation data, or no run with
        two measured checkpoints.
    """
    dirs = [run_dirs] if isinstance(run_dirs, (str, os.PathLike)) else list(run_dirs)
    if not dirs:
        raise ValueError("run_dirs must name at least one recorded run")
    dirs = [path_like("run_dirs", d) for d in dirs]
    out_dir = Path(dirs[0] if out is None else path_like("out", out))
    out_dir.mkdir(parents=True, exist_ok=True)
    runs, problems, rows, claims = [], [], [], []
    laws_estimated: list[EstimatedRunLaws] = []
    for d, label in zip(dirs, _labels(dirs, labels), strict=True):
        run, p = run_dict(d, label)
        runs.append(run)
        problems += p
        estimated = _estimated_checkpoints(d)
        rows += [(label, c) for c in estimated]
        if estimated:
            claims.append(_log_det_claim(label, estimated))
        judged = _judge_estimated(label, estimated)
        if judged is not None:
            laws_estimated.append(judged)
            claims += estimated_claims(judged)
    exact = [r for r in runs if len(r["checkpoints"]) >= 2]
    # Without SLQ checkpoints the laws section raises its own error on too few checkpoints.
    section = laws_section(runs, out_dir) if exact or not rows else None
    lines = [] if section is None else list(section.markdown)
    if rows:
        lines += _estimated_markdown(rows, claims, laws_estimated)
    if problems:
        lines += ["Checkpoints left out (not measured):", "", *[f"* {p}" for p in problems], ""]
    md, js = out_dir / "laws.md", out_dir / "laws.json"
    atomic_write_text(md, "\n".join(lines) + "\n")
    numbers = {} if section is None else dict(section.numbers)
    numbers["estimated"] = {
        "checkpoints": [{"run": label, "step": c.step} | {
            k: v for k, v in c.measurements.items()
            if not k.startswith("log_density") and k not in _RULE_KEYS}
            for label, c in rows],
        "laws": [estimated_numbers(r) for r in laws_estimated],
        "claims": [c.to_dict() | {"detail": c.detail} for c in claims]}
    atomic_write_json(js, numbers | {"problems": problems})
    return TrackedLaws(section, tuple(problems), md, js, out_dir / "laws.png",
                       tuple((label, c.step) for label, c in rows), tuple(claims))


def _escape(text: str) -> str:
    """A rule such as |x| <= 4 inside a Markdown table cell."""
    return text.replace("|", "\\|")


#: the stored Gauss rules (large; in the checkpoint files, not repeated in laws.json)
_RULE_KEYS = ("slq_rule", "form_rule")


def _judge_estimated(label: str, checkpoints: list[RecordedCheckpoint]
                     ) -> EstimatedRunLaws | None:
    """(7.6), (7.11) on a run's SLQ checkpoints that carry their Gauss rules (None if fewer
    than two do: runs recorded before the rules were stored)."""
    kept = [(c, r) for c in checkpoints if (r := probe_rules(c.measurements)) is not None]
    if len(kept) < 2:
        return None
    return estimated_run_laws(label, [c.step for c, _ in kept],
                              [c.measurements for c, _ in kept], [r for _, r in kept])


def _estimated_markdown(rows: list[tuple[str, RecordedCheckpoint]], claims: list[Claim],
                        laws: list[EstimatedRunLaws]) -> list[str]:
    return ["## Checkpoints measured by stochastic Lanczos quadrature", "",
            "These networks are too large for the exact spectrum of G (5.6): μ_k (9.5)-(9.6) "
            "are SLQ estimates, shown as value ± error (standard error over the probes and "
            "the Gauss-quadrature change combined); C_20, C_{N-20} (10.5) and the gap come "
            "from the 20 extreme eigenvalues at each end (the gap searched among the "
            "smallest); U (3.2) from the matrix-free bulk minimum.  S, S_0 + C and N_> at "
            "each β are spectral sums from the same Gauss rules (the same probes at every "
            "checkpoint, so the steps between checkpoints are paired probe by probe) and the "
            "⟨x⟩ term of (5.11) a quadratic form from one Lanczos run started at ⟨x⟩: (7.6) "
            f"counts a step's rise only beyond {Z_ERRORS:g} of its errors.", "",
            *_estimated_table(rows), "", *estimated_markdown(laws),
            "| claim | verdict | rule | measured |", "| --- | --- | --- | --- |",
            *[f"| {c.text} | **{c.verdict.value}** | {_escape(c.rule)} | "
              f"{_first_measured(c)} |" for c in claims], ""]


def _first_measured(claim: Claim) -> str:
    """The number a claim's rule judged (``n/a`` for an undetermined claim without one)."""
    value = next(iter(claim.measured.values()), None)
    return "n/a" if value is None else f"{value:.3g}"
