"""The Section 10 report: it only renders.

Named steps, each testable:

1. :func:`parse_runs` — the run dicts of the pipeline as typed :class:`RunRecord` objects
   (measurements as :class:`~learning.experiments.measurements.CheckpointMeasurements`);
2. :func:`draw_figures` — Figures 1-7;
3. :func:`summarise` — the statistics over seeds (:class:`Section10Summary`);
4. the section builders of :data:`SECTIONS` — each returns a :class:`ReportSection` (its
   claims, from :mod:`learning.experiments.claims`, and its Markdown);
5. :func:`render_markdown` — the document.

:func:`write_report` runs them in order and returns a :class:`Report`; ``results.json``
stores its ``summary_dict()`` (numbers and claims via ``Claim.to_dict``). To add a section,
append a builder ``(runs: list[RunRecord], out: Path) -> ReportSection`` to ``SECTIONS``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from learning.architecture import figure1
from learning.experiments import claims as C
from learning.experiments._arguments import dicts, mapping
from learning.experiments.figures import (
    figure2,
    figure3,
    figure6,
    figure7,
    figure_histograms,
    linear_fit,
)
from learning.experiments.measurements import CheckpointMeasurements
from ntcore.atomic import atomic_write_text
from ntcore.checks import path_like
from ntcore.verdict import Claim

__all__ = ["write_report", "PAPER", "RunRecord", "Section10Summary", "ReportSection", "Report",
           "SECTIONS", "parse_runs", "draw_figures", "summarise", "section10", "laws_of_learning",
           "depth",
           "render_markdown", "headline", "docs_summary"]

# Numbers quoted in Section 10 of the paper.
# Values of several kinds (numbers, pairs, a table by epoch), read by key: typed Any.
PAPER: dict[str, Any] = {
    "shallow_mu2_10000": 1.84, "shallow_mu3_10000": -2.7e-10,
    "deep_mu2_10000": 2.44, "deep_mu3_10000": -1.7,
    "deep_gap": {100: (-2.3, 1.37), 1000: (-2.5, 1.40), 10000: (-3.0, 1.47)},
    "C_20_fit": (769.0, 1.25), "C_N_minus_20_fit": (772.0, 1.41),
}


@dataclass(frozen=True)
class RunRecord:
    """One training run as the report sees it: its checkpoints' typed measurements."""

    label: str
    group: str
    seed: int
    config: dict
    data: dict
    epochs: tuple[int, ...]
    measurements: tuple[CheckpointMeasurements, ...]
    raw: dict = field(repr=False, compare=False)  # the dict the figures draw from

    @property
    def final(self) -> CheckpointMeasurements:
        return self.measurements[-1]

    @property
    def final_epoch(self) -> int:
        return self.epochs[-1]

    def at(self, epoch: int) -> CheckpointMeasurements | None:
        """Measurements at the last checkpoint with 1 <= its epoch <= ``epoch``."""
        best = None
        for e, m in zip(self.epochs, self.measurements, strict=True):
            if 1 <= e <= epoch:
                best = m
        return best

    def trained(self) -> list[tuple[int, CheckpointMeasurements]]:
        return [(e, m) for e, m in zip(self.epochs, self.measurements, strict=True) if e >= 1]


def _records(runs: object) -> list[RunRecord]:
    """``runs`` as a list of RunRecord (see :func:`parse_runs`), or a TypeError naming it."""
    if (not isinstance(runs, (list, tuple))
            or not all(isinstance(r, RunRecord) for r in runs)):
        raise TypeError(f"runs must be a list of RunRecord (parse_runs makes them), got "
                        f"{type(runs).__name__}")
    return list(runs)


def parse_runs(runs: Sequence[dict]) -> list[RunRecord]:
    """Typed records of the pipeline's run dicts."""
    runs = dicts("runs", runs, what="run dicts")
    for i, r in enumerate(runs):
        mapping(f"runs[{i}]", r, ("label", "group", "seed", "config", "data", "checkpoints"))
    return [RunRecord(r["label"], r["group"], r["seed"], r["config"], r["data"],
                      tuple(c["epoch"] for c in r["checkpoints"]),
                      tuple(CheckpointMeasurements.from_dict(c["measurements"])
                            for c in r["checkpoints"]), r) for r in runs]


def _group(runs: Sequence[RunRecord], name: str) -> list[RunRecord]:
    return [r for r in runs if r.group == name]


def _sweeps(runs: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in runs if r.group.startswith("sweep-")]


def _stats(values: Sequence[float | None]) -> str:
    v = np.asarray([x for x in values if x is not None], float)
    if v.size == 0:
        return "n/a"
    if v.size == 1:
        return f"{v[0]:.4g}"
    return f"{v.mean():.4g} ± {v.std(ddof=1):.2g}"


def _mean(values: Sequence[float | None]) -> float:
    v = [x for x in values if x is not None]
    return float(np.mean(v)) if v else math.nan


def complexity_fits(run: RunRecord) -> dict:
    """Least-squares :math:`C_{20}`, :math:`C_{N-20}` = a + b log U over the trained checkpoints
    (Fig. 7); NaN fits when fewer than two distinct finite log U exist (a degenerate run)."""
    pts = [(m.bulk_loss, m.spectrum.C_20, m.spectrum.C_N_minus_20) for _, m in run.trained()
           if m.bulk_loss > 0 and math.isfinite(m.bulk_loss)]
    nan = {"intercept": math.nan, "slope": math.nan, "r2": math.nan}
    if len({p[0] for p in pts}) < 2:
        return {"C_20": nan, "C_N_minus_20": nan}
    u, c20, cn = (np.asarray(x) for x in zip(*pts, strict=True))
    return {"C_20": linear_fit(np.log(u), c20), "C_N_minus_20": linear_fit(np.log(u), cn)}


def draw_figures(out: Path, runs: Sequence[RunRecord]) -> dict:
    """Figures 1-7 into ``out``; returns the linear fits of Figure 7."""
    runs = _records(runs)
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a directory path, got {type(out).__name__}")
    out = Path(out)
    deep, shallow = _group(runs, "deep"), _group(runs, "shallow")
    figure1(out / "figure1.png")
    figure2([r.raw for r in deep], out / "figure2.png")
    figure3([r.raw for r in deep], out / "figure3.png")
    figure_histograms(shallow[0].raw, out / "figure4.png", 4)
    figure_histograms(deep[0].raw, out / "figure5.png", 5)
    figure6([r.raw for r in deep], out / "figure6.png")
    return figure7([r.raw for r in deep], out / "figure7.png")


@dataclass(frozen=True)
class Section10Summary:
    """Statistics over seeds of the Section 10 runs (lists: one value per seed)."""

    final_epoch: int
    comparison_epoch: int
    moments: dict  # "shallow_mu2" -> per-seed values at the comparison epoch, etc.
    moments_per_dynamical: dict
    moments_per_neuron: dict
    deep_gap: dict  # epoch -> per-seed gap positions (epochs the run reached)
    deep_gap_beta: dict
    complexity_fits: list
    ratio_bulk_to_boundary_final: list
    sweep_ratios: dict
    log_change: list  # log(final/first trained) of U and U_∂, every main run
    max_abs_sum_log: float

    def to_dict(self) -> dict:
        """The ``summary`` numbers of ``results.json`` (layout of earlier versions kept)."""
        out: dict = {"final_epoch": self.final_epoch, "comparison_epoch": self.comparison_epoch}
        out |= self.moments
        out |= {f"deep_gap_{e}": v for e, v in self.deep_gap.items()}
        out |= {"complexity_fits": self.complexity_fits,
                "ratio_bulk_to_boundary_final": self.ratio_bulk_to_boundary_final}
        return out


def summarise(runs: Sequence[RunRecord]) -> Section10Summary:
    """The statistics the Section 10 tables and claims need."""
    runs = _records(runs)
    if not _group(runs, "deep"):
        raise ValueError("runs must contain a run of group 'deep'")
    deep, shallow = _group(runs, "deep"), _group(runs, "shallow")
    final_epoch = deep[0].final_epoch
    at10k = min(final_epoch, 10_000)
    moments, per_dyn, per_neuron = {}, {}, {}
    for group, members in (("shallow", shallow), ("deep", deep)):
        for k in (2, 3):
            at = [r.at(at10k) for r in members]
            moments[f"{group}_mu{k}"] = [getattr(m.spectrum, f"mu{k}") if m else None
                                         for m in at]
            per_dyn[f"{group}_mu{k}"] = [getattr(m.spectrum, f"mu{k}_per_dynamical")
                                         if m else None for m in at]
            per_neuron[f"{group}_mu{k}"] = [getattr(m.spectrum, f"mu{k}_per_neuron")
                                            if m else None for m in at]
    gaps, betas = {}, {}
    for epoch in PAPER["deep_gap"]:
        if epoch <= final_epoch:
            at = [r.at(epoch) for r in deep]
            gaps[epoch] = [m.spectrum.gap_log_lambda if m else None for m in at]
            betas[epoch] = [m.spectrum.gap_beta_9_4 if m else None for m in at]
    log_change = []
    for r in deep + shallow:
        first, last = r.trained()[0][1], r.final
        for a, b in ((first.bulk_loss, last.bulk_loss), (first.boundary_loss,
                                                          last.boundary_loss)):
            log_change.append(math.log(b / a) if a > 0 and b > 0 else math.nan)
    sums = [abs(m.spectrum.sum_log_lambda) for r in runs for m in r.measurements]
    return Section10Summary(
        final_epoch=final_epoch, comparison_epoch=at10k, moments=moments,
        moments_per_dynamical=per_dyn, moments_per_neuron=per_neuron, deep_gap=gaps,
        deep_gap_beta=betas, complexity_fits=[complexity_fits(r) for r in deep],
        ratio_bulk_to_boundary_final=[r.final.ratio_bulk_to_boundary for r in deep + shallow],
        sweep_ratios={r.label: r.final.ratio_bulk_to_boundary for r in _sweeps(runs)},
        log_change=log_change, max_abs_sum_log=max(sums))


@dataclass(frozen=True)
class ReportSection:
    """One section of the report: its claims, its Markdown and its summary numbers."""

    title: str
    claims: tuple[Claim, ...]
    markdown: tuple[str, ...]
    summary: dict = field(default_factory=dict)


def section10_claims(runs: Sequence[RunRecord], s: Section10Summary) -> list[Claim]:
    """Every claim of Section 10, each from its function in :mod:`claims`."""
    deep = _group(runs, "deep")
    fits = s.complexity_fits
    out = [
        C.claim_bulk_far_below_boundary(ratios=s.ratio_bulk_to_boundary_final,
                                        sweep_ratios=s.sweep_ratios),
        C.claim_losses_decrease(log_change=s.log_change),
        C.claim_shallow_symmetric(mu2=s.moments["shallow_mu2"], mu3=s.moments["shallow_mu3"]),
        C.claim_deep_more_skewed(**{f"{g}_mu{k}": _mean(s.moments[f"{g}_mu{k}"])
                                    for g in ("deep", "shallow") for k in (2, 3)}),
        C.claim_gap_moves_down(gap_means={e: _mean(v) for e, v in s.deep_gap.items()},
                               final_epoch=s.final_epoch),
        C.claim_complexity_linear(r2=[f[k]["r2"] for k in ("C_20", "C_N_minus_20")
                                      for f in fits]),
        C.claim_complexity_slopes_order_one(slopes=[f[k]["slope"] for k in ("C_20",
                                                    "C_N_minus_20") for f in fits]),
        C.claim_sum_log_lambda_zero(max_abs_sum_log=s.max_abs_sum_log),
    ]
    bulk_runs = [r for r in _sweeps(runs) if r.config["loss"] == "bulk"]
    if bulk_runs:
        br = bulk_runs[0]
        ref = deep[0].at(br.final_epoch) or deep[0].final
        out.append(C.claim_bulk_training_similar(
            epoch=br.final_epoch, boundary_bulk_trained=br.final.boundary_loss,
            boundary_reference=ref.boundary_loss, accuracy_bulk_trained=br.final.test_accuracy,
            accuracy_reference=ref.test_accuracy))
    paper = {"shallow_mu2": PAPER["shallow_mu2_10000"], "deep_mu2": PAPER["deep_mu2_10000"],
             "deep_mu3": PAPER["deep_mu3_10000"]}
    ours = {norm: {q: _mean(table[q]) for q in paper} for norm, table in
            (("raw", s.moments), ("per_dynamical", s.moments_per_dynamical),
             ("per_neuron", s.moments_per_neuron))}
    out.append(C.claim_paper_moments(paper=paper, ours=ours, reached=s.final_epoch >= 10_000))
    return out


def _numbers_tables(s: Section10Summary) -> list[str]:
    rows = [f"| {mom} ({group}), epoch {s.comparison_epoch} | "
            f"{PAPER[f'{group}_{mom}_10000']:g} | {_stats(s.moments[f'{group}_{mom}'])} | "
            f"{_stats(s.moments_per_dynamical[f'{group}_{mom}'])} |"
            for group in ("shallow", "deep") for mom in ("mu2", "mu3")]
    gap_rows = []
    for epoch, (p_gap, p_beta) in PAPER["deep_gap"].items():
        if epoch in s.deep_gap:
            gap_rows.append(f"| {epoch} | {p_gap} | {p_beta} | {_stats(s.deep_gap[epoch])} | "
                            f"{_stats(s.deep_gap_beta[epoch])} |")
        else:
            gap_rows.append(f"| {epoch} | {p_gap} | {p_beta} | not reached | |")
    fits = s.complexity_fits

    def fit_row(key: str, label: str) -> str:
        a, b = PAPER[f"{key}_fit"]
        return (f"| {label} = a + b log U | {a:g} + {b:g} log U | "
                f"a {_stats([f[key]['intercept'] for f in fits])}, "
                f"b {_stats([f[key]['slope'] for f in fits])} |")

    return [
        "| quantity | paper | ours (raw Tr) | ours (per dynamical eigenvalue) |",
        "| --- | ---: | ---: | ---: |", *rows, "",
        "| deep, epoch | paper gap log λ | paper β | our gap log λ | β by (9.4) from our gap |",
        "| ---: | ---: | ---: | ---: | ---: |", *gap_rows, "",
        "(9.4) is not the extremum of (9.3), and the paper's β do not follow from its own "
        "(9.4): see docs/errata.md.", "",
        "| complexity fit (deep) | paper | ours (seeds) |", "| --- | --- | --- |",
        fit_row("C_20", "C_20"), fit_row("C_N_minus_20", "C_(N-20)"),
        f"| U/U_∂ at the end | \"a few orders of magnitude\" | "
        f"{_stats(s.ratio_bulk_to_boundary_final)} |", "",
        "Note: C_n (10.5) contains (N/2) log 2π = 784.7 for N = 854, which dominates both the "
        "paper's and our intercepts."]


def _sweep_table(runs: Sequence[RunRecord]) -> list[str]:
    lines = ["| run | U_∂ | U | U/U_∂ | test acc. | μ2 | μ3 | C_20 slope |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in _group(runs, "deep")[:1] + _sweeps(runs):
        m = r.final
        slope = complexity_fits(r)["C_20"]["slope"]
        lines.append(f"| {r.label} (epoch {r.final_epoch}) | {m.boundary_loss:.4g} | "
                     f"{m.bulk_loss:.4g} | {m.ratio_bulk_to_boundary:.3g} | "
                     f"{m.test_accuracy:.3f} | {m.spectrum.mu2:.3g} | {m.spectrum.mu3:.3g} | "
                     f"{slope:.3g} |")
    return lines


def section10(runs: Sequence[RunRecord], out: Path | None = None) -> ReportSection:
    """Section 10: the paper's numbers beside ours, the claims, the sweep."""
    runs = _records(runs)
    s = summarise(runs)
    markdown = ["## The paper's numbers beside ours", "", *_numbers_tables(s), ""]
    if _sweeps(runs):
        markdown += ["## Sweep (deep network, seed 0)", "", *_sweep_table(runs), ""]
    claims = section10_claims(runs, s)
    return ReportSection("Section 10", tuple(claims), tuple(markdown),
                         s.to_dict() | {"headline": headline(s, claims)})


def headline(s: Section10Summary, claims: Sequence[Claim]) -> dict:
    """The few numbers the README and docs quote (docs/build_section10.py renders them)."""
    if not isinstance(s, Section10Summary):
        raise TypeError(f"s must be a Section10Summary, got {type(s).__name__}")
    def mean_std(values):
        v = np.asarray([x for x in values if x is not None], float)
        return [float(v.mean()), float(v.std(ddof=1))] if v.size > 1 else [_mean(v), math.nan]

    fits = s.complexity_fits
    ratios = list(s.ratio_bulk_to_boundary_final) + list(s.sweep_ratios.values())
    return {
        "final_epoch": s.final_epoch,
        "ratio_main": mean_std(s.ratio_bulk_to_boundary_final),
        "ratio_all_runs": [min(ratios), max(ratios)],
        **{f"{k}_raw": _mean(v) for k, v in s.moments.items()},
        **{f"{k}_per_dynamical": _mean(v) for k, v in s.moments_per_dynamical.items()},
        "deep_gap": {str(e): _mean(v) for e, v in s.deep_gap.items()},
        "slope_C_20": mean_std([f["C_20"]["slope"] for f in fits]),
        "slope_C_N_minus_20": mean_std([f["C_N_minus_20"]["slope"] for f in fits]),
        "intercept_mean": _mean([f[k]["intercept"] for f in fits
                                 for k in ("C_20", "C_N_minus_20")]),
        "r2_range": [min(f[k]["r2"] for f in fits for k in ("C_20", "C_N_minus_20")),
                     max(f[k]["r2"] for f in fits for k in ("C_20", "C_N_minus_20"))],
        "max_abs_sum_log": s.max_abs_sum_log,
        "verdicts": {c.text: c.verdict.value for c in claims},
    }


def laws_of_learning(runs: Sequence[RunRecord], out: Path | None = None) -> ReportSection:
    """The first and second laws (7.6), (7.11) on every training run
    (:func:`learning.experiments.laws.laws_section`; draws ``out/laws.png``)."""
    runs = _records(runs)
    from learning.experiments.laws_report import laws_section

    trajectories = [r.raw for r in runs if len(r.raw["checkpoints"]) >= 2]
    if not trajectories:  # nothing to judge: say so rather than fail the whole report
        return ReportSection("Laws of learning", (), (
            "## Laws of learning (7.6), (7.11)", "",
            "No run has two measured checkpoints, so no trajectory to judge.", ""))
    laws = laws_section(trajectories, out)
    return ReportSection("Laws of learning", laws.claims, laws.markdown, {"laws": laws.numbers})


def depth(runs: Sequence[RunRecord], out: Path | None = None) -> ReportSection:
    """Deep vs shallow (Section 9): the paper's pair from these runs, and the equal-dim-S study
    of ``python -m learning study depth`` when its results are in ``out/depth/``."""
    runs = _records(runs)
    from learning.experiments.depth_study import depth_section

    claims, lines, numbers = depth_section([r.raw for r in runs], out)
    return ReportSection("Depth", tuple(claims), tuple(lines),
                         {"depth": numbers | {"claims": [c.to_dict() for c in claims]}})


#: The report's sections, in order: each builder ``(runs, out) -> ReportSection``.
SECTIONS: list[Callable[[Sequence[RunRecord], Path], ReportSection]] = [
    section10, laws_of_learning, depth]


@dataclass(frozen=True)
class Report:
    """What :func:`write_report` wrote: the sections (with their claims) and Figure 7's fits."""

    sections: tuple[ReportSection, ...]
    figure7_fits: dict
    markdown: str

    @property
    def claims(self) -> list[Claim]:
        return [c for s in self.sections for c in s.claims]

    def summary_dict(self) -> dict:
        """The ``summary`` of ``results.json``: each section's numbers, then every claim."""
        out: dict = {}
        for s in self.sections:
            out |= s.summary
        out["claims"] = [c.to_dict() for c in self.claims]
        return out


def docs_summary(payload: dict, report: Report) -> dict:
    """The small summary the docs quote (``OUT/section10-summary.json``; committed as
    ``docs/results/section10.json`` and rendered into README.md and the errata by
    ``docs/build_section10.py``): the command, its date, the headline numbers, the claims."""
    mapping("payload", payload)
    if not isinstance(report, Report):
        raise TypeError(f"report must be a Report, got {type(report).__name__}")
    import datetime

    headline_numbers: dict = next((s.summary["headline"] for s in report.sections
                             if "headline" in s.summary), {})
    return {"command": payload["command"],
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
            "versions": {k: payload["versions"][k] for k in ("numpy", "scipy")
                         if k in payload["versions"]},
            "headline": headline_numbers, "claims": [c.to_dict() for c in report.claims]}


def _claims_table(claims: Sequence[Claim]) -> list[str]:
    def cell(text: str) -> str:  # a bare | would end the table cell
        return text.replace("|", "\\|")

    rows = [f"| {cell(c.text)} | **{c.verdict.value}** | {cell(c.detail)} ({cell(c.rule)}) |"
            for c in claims]
    return ["## Claims", "", "| claim | verdict | evidence (rule) |", "| --- | --- | --- |",
            *rows, ""]


_CAPTIONS = {1: "-ΔF(log λ) of the two-level model (9.3), computed extrema (dots) and (9.4)",
             2: "bulk and boundary loss against epochs (deep)",
             3: "log U against log U_∂ (deep)", 4: "log λ histograms, shallow",
             5: "log λ histograms, deep", 6: "C_20 and C_{N-20} against epochs (deep)",
             7: "C_20 and C_{N-20} against log U with linear fits (deep, seed 0)"}


def _preamble(payload: dict, runs: Sequence[RunRecord]) -> list[str]:
    first, deep = runs[0], _group(runs, "deep")
    d, c = first.data, first.config
    unit = "mini-batch update" if c["epoch"] == "step" else "pass"
    return [
        "# Section 10 reproduced: thermodynamics of learning on MNIST", "",
        f"Command: `{payload['command']}`  ",
        f"Data: {d['source']}; {d['n_train']} training / {d['n_test']} test digits; inputs "
        f"{d['input_scaling']}, targets {d['target_encoding']}.  ",
        f"Training: SGD, batch {c['batch_size']}, learning rate {c['learning_rate']}, LeCun "
        f"initialisation × {c['weight_scale']}, {deep[0].final_epoch} epochs of one {unit}, "
        f"boundary loss (2.11); {len(deep)} seeds per network.  ",
        f"U: constrained bulk minimum (3.2) averaged over {d['bulk_samples']} training "
        "samples. G (5.6) at <x> = the mean of those minimisers. Spreads are ± one standard "
        "deviation over seeds.  ",
        f"Wall time of the runs: {payload['wall_time_runs']:.0f} s. Versions: "
        + ", ".join(f"{k} {v}" for k, v in payload["versions"].items()) + ".", ""]


def render_markdown(payload: dict, runs: Sequence[RunRecord],
                    sections: Sequence[ReportSection], figure7_fits: dict) -> str:
    """The report document: preamble, each section, the claims table, the figures."""
    mapping("payload", payload)
    runs = _records(runs)
    mapping("figure7_fits", figure7_fits)
    lines = _preamble(payload, runs)
    for s in sections:
        lines += list(s.markdown)
    lines += _claims_table([c for s in sections for c in s.claims])
    problems = [f"- {r['label']}: {p}" for r in payload["runs"]
                for p in r.get("checkpoint_problems", ())]
    if problems:
        lines += ["## Checkpoint faults found and recomputed", "", *problems, ""]
    lines += ["## Figures", ""]
    for k, cap in _CAPTIONS.items():
        lines.append(f"**Figure {k}.** {cap}  \n![Figure {k}](figure{k}.png)\n")
    lines.append("All numbers: `results.json` (every checkpoint of every run, with "
                 "configuration and versions). Fit of Fig. 7 for seed 0: "
                 + ", ".join(f"{k}: {v['intercept']:.2f} + {v['slope']:.3f} log U "
                             f"(R² {v['r2']:.3f})" for k, v in figure7_fits.items()) + ".")
    return "\n".join(lines) + "\n"


def write_report(out: str | os.PathLike, payload: dict,
                 sections: Sequence[Callable[[Sequence[RunRecord], Path], ReportSection]] = SECTIONS
                 ) -> Report:
    """Draw Figures 1-7 into ``out``, write ``out/report.md``; return the :class:`Report`.

    ``payload`` is the ``results.json`` being written (its ``runs``: the run dicts); ``out``,
    ``payload`` and ``sections`` of the wrong kind are refused by name before anything is drawn.
    """
    out = Path(path_like("out", out))
    mapping("payload", payload, ("runs",))
    if not isinstance(sections, (list, tuple)) or not all(callable(b) for b in sections):
        raise TypeError(f"sections must be a sequence of section builders (callables), got "
                        f"{type(sections).__name__}")
    runs = parse_runs(payload["runs"])
    fits7 = draw_figures(out, runs)
    built = tuple(build(runs, out) for build in sections)
    markdown = render_markdown(payload, runs, built, fits7)
    atomic_write_text(out / "report.md", markdown)
    return Report(built, fits7, markdown)
