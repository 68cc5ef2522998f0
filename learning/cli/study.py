"""``python -m learning study depth --out DIR``: deep vs shallow at equal dim S (Section 9).

Trains architectures with 1 to 4 hidden layers and the same number of dynamical eigenvalues
(and the paper's 784-40-20-10 beside them), several seeds each, with the main job's data,
optimiser and budget; writes ``depth_study.md``, ``depth_study.png`` and ``depth_study.json``
(:mod:`learning.experiments.depth_study`).  Rerunning the same command resumes.  Every
mis-specification is a usage error before any training starts.
"""

from __future__ import annotations

import argparse
import os
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

from learning.cli._checks import (
    check_learning_rate,
    check_minimums,
    check_mnist_dir,
    check_out_dir,
)
from learning.experiments.depth_study import (
    MIN_ARCHITECTURES,
    MIN_SEEDS,
    DepthStudyConfig,
    architecture_for,
    build_depth_jobs,
    dynamical_dimension,
    run_depth_job,
    write_depth_report,
)
from ntcore.atomic import atomic_write_json
from ntcore.executor import run_jobs
from ntcore.integrity import seal
from ntcore.provenance import library_versions

MNIST_IN, MNIST_OUT = 784, 10


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m learning study depth",
                                description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--dim-s", type=int, default=130,
                   help="the number of dynamical eigenvalues every architecture has (130: "
                        "784-60-10)")
    p.add_argument("--depths", default="1,2,3,4",
                   help="hidden-layer counts; architectures built by architecture_for")
    p.add_argument("--architectures", default=None,
                   help="explicit architectures instead, e.g. '784-60-10,784-50-20-10,...'")
    p.add_argument("--seeds", type=int, default=None, help="seeds per architecture (default 5)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default 10000)")
    p.add_argument("--epoch-unit", choices=("step", "pass"), default="step")
    p.add_argument("--learning-rate", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--checkpoints", type=int, default=None,
                   help="log-spaced checkpoints (the learning curve for the speed measure; "
                        "default 30)")
    p.add_argument("--target-loss", type=float, default=None,
                   help="speed = epochs until the boundary loss (2.11) reaches this (default "
                        "0.1)")
    p.add_argument("--bulk-samples", type=int, default=None, help="default 1000")
    p.add_argument("--mnist-dir", default=None)
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--n-test", type=int, default=None)
    p.add_argument("--no-paper-pair", dest="paper_pair", action="store_false",
                   help="do not train the paper's 784-40-20-10 (dim S 110) beside the study")
    p.add_argument("--executor", default="local",
                   help="'local' (processes), 'serial', or a Dask scheduler tcp://host:port")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 200 epochs, 3 seeds, 300 samples, 10 checkpoints "
                        "(cannot be combined with the options it sets)")
    return p


# What --quick sets; any of these options given with --quick is a usage error (no silent
# override either way), as for `python -m learning reproduce`.
QUICK = {"epochs": 200, "seeds": 3, "checkpoints": 10, "n_train": 300, "n_test": 200,
         "bulk_samples": 100, "target_loss": 0.5}
DEFAULTS = {"epochs": 10_000, "seeds": 5, "checkpoints": 30, "n_train": None, "n_test": None,
            "bulk_samples": 1000, "target_loss": 0.1}


def _apply_preset(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    given = [name for name in QUICK if getattr(args, name) is not None]
    if args.quick and given:
        flags = ", ".join("--" + n.replace("_", "-") for n in given)
        parser.error(f"--quick sets {flags} itself; give either --quick or {flags}")
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def _check_executor(parser: argparse.ArgumentParser, executor: str) -> None:
    if executor in ("local", "serial"):
        return
    if not executor.startswith(("tcp://", "tls://")):
        parser.error(f"--executor must be 'local', 'serial' or tcp://host:port, got "
                     f"{executor!r}")
    url = urlparse(executor)
    try:
        with socket.create_connection((url.hostname, url.port or 8786), timeout=3):
            pass
    except (OSError, ValueError) as exc:
        parser.error(f"--executor {executor}: no scheduler answers ({exc})")
    try:
        import distributed  # noqa: F401
    except ImportError:
        parser.error("--executor with a scheduler address needs dask.distributed: "
                     "pip install 'neural-thermodynamics[dask]'")


def _architectures(parser: argparse.ArgumentParser, args) -> tuple[tuple[int, ...], ...]:
    if args.architectures:
        try:
            archs = tuple(tuple(int(s) for s in a.split("-")) for a in
                          args.architectures.split(","))
        except ValueError:
            parser.error(f"--architectures: not a list like 784-60-10,784-50-20-10: "
                         f"{args.architectures!r}")
        for a in archs:
            if len(a) < 3 or a[0] != MNIST_IN or a[-1] != MNIST_OUT or min(a) < 1:
                parser.error(f"--architectures: {'-'.join(map(str, a))} must be {MNIST_IN}-"
                             f"...-{MNIST_OUT} with at least one hidden layer")
        dims = [dynamical_dimension(a) for a in archs]
        if len(set(dims)) != 1:
            parser.error("--architectures: the dim S differ ("
                         + ", ".join(f"{'-'.join(map(str, a))}: {d}"
                                     for a, d in zip(archs, dims, strict=True))
                         + "); the study compares equal numbers of dynamical eigenvalues")
        return archs
    try:
        depths = [int(d) for d in args.depths.split(",")]
    except ValueError:
        parser.error(f"--depths: not a list of integers: {args.depths!r}")
    by_depth: list[tuple[int, ...]] = []
    for d in depths:
        try:
            by_depth.append(architecture_for(args.dim_s, d, MNIST_IN, MNIST_OUT))
        except ValueError as exc:
            parser.error(f"--dim-s {args.dim_s} / --depths: {exc}")
    return tuple(by_depth)


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "depth":
        print("usage: python -m learning study depth --out DIR [options]\n"
              "(the only study so far is 'depth'; see --help after it)")
        return 2
    parser = _parser()
    args = parser.parse_args(argv[1:])
    _apply_preset(parser, args)
    check_minimums(parser, args, {"epochs": 1, "checkpoints": 1, "bulk_samples": 1,
                                  "batch_size": 1, "n_train": 1, "n_test": 1, "workers": 1})
    check_learning_rate(parser, args.learning_rate)
    check_mnist_dir(parser, None if args.mnist_dir is None else Path(args.mnist_dir))
    if args.seeds < MIN_SEEDS:
        parser.error(f"--seeds must be >= {MIN_SEEDS} (a spread over seeds and a rank "
                     f"correlation need them), got {args.seeds}")
    if not args.target_loss > 0:
        parser.error(f"--target-loss must be > 0, got {args.target_loss}")
    archs = _architectures(parser, args)
    if len(set(archs)) < MIN_ARCHITECTURES:
        parser.error(f"--depths / --architectures: need >= {MIN_ARCHITECTURES} distinct "
                     f"architectures for a rank correlation, got {len(set(archs))}")
    _check_executor(parser, args.executor)
    check_out_dir(parser, args.out)
    config = DepthStudyConfig(
        architectures=archs, seeds=args.seeds, n_epochs=args.epochs, epoch=args.epoch_unit,
        learning_rate=args.learning_rate, batch_size=args.batch_size,
        n_checkpoints=args.checkpoints, target_loss=args.target_loss,
        bulk_samples=args.bulk_samples, n_train=args.n_train, n_test=args.n_test,
        mnist_dir=args.mnist_dir, paper_pair=args.paper_pair)
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = build_depth_jobs(config, args.out)
    names = dict.fromkeys(j["label"].rsplit("-seed", 1)[0] for j in jobs)
    print(f"{len(jobs)} runs: " + ", ".join(f"{n} (dim S "
                                            f"{dynamical_dimension(map(int, n.split('-')))})"
                                            for n in names)
          + f"; results in {args.out}/ (rerun to resume)")
    t0 = time.perf_counter()
    runs = run_jobs(run_depth_job, jobs, executor=args.executor, max_workers=args.workers)
    payload = {"command": "python -m learning study " + " ".join(argv),
               "arguments": {k: (os.fspath(v) if isinstance(v, Path) else v)
                             for k, v in vars(args).items()},
               "config": config.to_dict(), "versions": library_versions(),
               "wall_time_runs": time.perf_counter() - t0, "runs": runs}
    payload["summary"] = write_depth_report(args.out, payload)
    atomic_write_json(args.out / "depth_study.json", seal(payload))
    for c in payload["summary"]["claims"]:
        print(f"{c['verdict']:>12}: {c['text']} ({c['detail']})")
    print(f"report: {args.out / 'depth_study.md'}  ({time.perf_counter() - t0:.0f} s)")
    return 0
