"""The laws of learning (7.6), (7.11) on recorded runs: the main job's laws section
(:func:`learning.experiments.laws_report.laws_section`, the same computed verdicts) applied
to the trajectories a :class:`learning.track.Recorder` wrote.

Writes ``laws.md``, ``laws.json`` and ``laws.png`` into ``out``.  Checkpoints that could not
be measured (non-finite weights) are left out of every law and named in the report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from learning.experiments.laws_report import LawsSection, laws_section
from learning.track.recorder import read_run
from ntcore.atomic import atomic_write_json, atomic_write_text
from ntcore.checks import path_like

__all__ = ["TrackedLaws", "laws_report", "run_dict"]


@dataclass(frozen=True)
class TrackedLaws:
    """The laws section of recorded runs and where it was written.

    Attributes
    ----------
    section : the claims, Markdown and numbers of the laws section.
    problems : one sentence per checkpoint left out (run label, step, reason).
    markdown_path, json_path, figure_path : the files written.
    """

    section: LawsSection
    problems: tuple[str, ...]
    markdown_path: Path
    json_path: Path
    figure_path: Path


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
            for s, c in sorted(checkpoints.items()) if c.problem is None]
    return ({"label": label, "group": "deep", "sizes": description["sizes"],
             "checkpoints": kept}, problems)


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
    runs, problems = [], []
    for d, label in zip(dirs, _labels(dirs, labels), strict=True):
        run, p = run_dict(d, label)
        runs.append(run)
        problems += p
    section = laws_section(runs, out_dir)
    lines = list(section.markdown)
    if problems:
        lines += ["Checkpoints left out (not measured):", "", *[f"* {p}" for p in problems], ""]
    md, js = out_dir / "laws.md", out_dir / "laws.json"
    atomic_write_text(md, "\n".join(lines) + "\n")
    atomic_write_json(js, section.numbers | {"problems": problems})
    return TrackedLaws(section, tuple(problems), md, js, out_dir / "laws.png")
