"""``python -m learning laws RUN_DIR [RUN_DIR ...] [--out DIR]``: the laws of learning (7.6),
(7.11) on runs recorded by :class:`learning.track.Recorder` (:func:`learning.track.laws_report`):
``laws.md``, ``laws.json`` and ``laws.png``, several runs compared in one report.  Every bad
argument is a usage error (exit status 2) before any work.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from learning.cli._checks import check_out_dir

_SUMMARY = "the laws of learning (7.6), (7.11) on runs recorded by learning.track.Recorder"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m learning laws", description=_SUMMARY)
    p.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR",
                   help="a directory written by learning.track.Recorder")
    p.add_argument("--out", type=Path, default=None,
                   help="where laws.md, laws.json, laws.png go (default: the first RUN_DIR)")
    p.add_argument("--labels", default=None,
                   help="comma-separated names of the runs (default: the directory names)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success, 2 on a usage error."""
    from learning.track import laws_report
    from learning.track.recorder import read_run

    parser = _parser()
    args = parser.parse_args(argv)
    if args.out is not None:
        check_out_dir(parser, args.out)
    labels = None if args.labels is None else args.labels.split(",")
    if labels is not None and len(labels) != len(args.run_dirs):
        parser.error(f"--labels must give {len(args.run_dirs)} names, got {len(labels)}")
    for d in args.run_dirs:
        try:
            read_run(d)
        except ValueError as exc:
            parser.error(str(exc))
    out = args.run_dirs[0] if args.out is None else args.out
    check_out_dir(parser, out)
    try:
        result = laws_report(args.run_dirs, out, labels=labels)
    except ValueError as exc:
        parser.error(str(exc))
    for c in result.claims:
        print(f"{c.verdict.value:>11}  {c.text}")
    for p in result.problems:
        print(f"left out: {p}")
    figure = "" if result.section is None else f", {result.figure_path}"
    print(f"wrote {result.markdown_path}, {result.json_path}{figure}")
    return 0
