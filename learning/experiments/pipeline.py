"""The main job's pipeline (``python -m learning reproduce``, :mod:`learning.cli.reproduce`):
Section 10 on MNIST.

Trains the deep (784-40-20-10) and shallow (784-60-10) tanh networks of Section 10 for
several seeds, plus a sweep over what the paper leaves open (initialisation scale, target
encoding, learning rate, the loss trained on), measures every checkpoint
(:mod:`learning.experiments.measurements`), draws Figures 1-7 and writes ``report.md`` and
``results.json`` (every number, the full configuration and library versions).

Interrupt-safe: every run checkpoints under ``OUT/runs/<label>/``; rerunning the same
command resumes where it stopped.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from learning.experiments._arguments import choice, mapping
from learning.experiments.datasets import load_mnist
from learning.experiments.measurements import measure_checkpoint
from learning.experiments.training import TrainingConfig, train
from ntcore.checks import count, path_like, positive_number

__all__ = ["run_job", "build_jobs", "DEEP", "SHALLOW"]

DEEP, SHALLOW = (784, 40, 20, 10), (784, 60, 10)

# What a job holds (build_jobs writes them all; "blas_threads" is optional).
JOB_KEYS = ("label", "group", "out", "mnist_dir", "n_train", "n_test", "data_seed",
            "bulk_samples", "input_scaling", "target_encoding", "config")
# The fields of the reproduce command's arguments that build_jobs reads.
ARGS_FIELDS = ("out", "mnist_dir", "n_train", "n_test", "bulk_samples", "epochs", "epoch_unit",
               "learning_rate", "batch_size", "checkpoints", "seeds", "sweep", "bulk_epochs")


def _check_job(job: object) -> dict:
    """A job as :func:`build_jobs` makes it, or a TypeError/ValueError naming ``job``."""
    job = mapping("job", job, JOB_KEYS, hint=" (build_jobs makes jobs)")
    if not isinstance(job["label"], str) or not job["label"]:
        raise ValueError(f"job['label'] must be a non-empty string, got {job['label']!r}")
    path_like("job['out']", job["out"])
    mapping("job['config']", job["config"], ("sizes",))
    count("job['bulk_samples']", job["bulk_samples"], minimum=1)
    count("job['blas_threads']", job.get("blas_threads", 1), minimum=1)
    return job


def run_job(job: dict) -> dict:
    """Train and measure one configuration (module-level: picklable for process pools).

    Raises
    ------
    TypeError, ValueError
        ``job`` is not a dict with the keys :func:`build_jobs` writes, or one is malformed.
    """
    from threadpoolctl import threadpool_limits

    job = _check_job(job)
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
                                  n_bulk_samples=job["bulk_samples"]).to_dict()

    t0 = time.perf_counter()
    run = train(config, data.train, out_dir=Path(job["out"]) / "runs" / job["label"],
                measure=measure, progress=False)
    return {"label": job["label"], "group": job["group"], "sizes": list(config.sizes),
            "seed": config.seed, "config": config.to_dict(),
            "data": {"source": data.source, "input_scaling": data.input_scaling,
                     "target_encoding": data.target_encoding, "n_train": len(data.train),
                     "n_test": len(data.test), "bulk_samples": job["bulk_samples"]},
            "resumed_from_epoch": run.resumed_from_epoch, "wall_time": time.perf_counter() - t0,
            "checkpoint_problems": list(run.checkpoint_problems),
            "checkpoints": [{"epoch": c.epoch, "measurements": c.measurements}
                            for c in run.checkpoints]}


def build_jobs(args: argparse.Namespace) -> list[dict]:
    """The list of runs: main (deep and shallow x seeds) and the sweep (deep, seed 0).

    ``args`` holds the options of ``python -m learning reproduce`` (the fields
    ``ARGS_FIELDS``); a TypeError/ValueError naming ``args`` if it lacks one or one is bad.
    """
    if not isinstance(args, argparse.Namespace):
        raise TypeError(f"args must be an argparse.Namespace, got {type(args).__name__}")
    missing = [f for f in ARGS_FIELDS if not hasattr(args, f)]
    if missing:
        raise ValueError(f"args lacks the fields {missing} (the options of "
                         "python -m learning reproduce)")
    path_like("args.out", args.out)
    for name, minimum in (("seeds", 1), ("epochs", 0), ("bulk_epochs", 1), ("batch_size", 1),
                          ("checkpoints", 2), ("bulk_samples", 1)):
        count(f"args.{name}", getattr(args, name), minimum=minimum)
    for name in ("n_train", "n_test"):
        if getattr(args, name) is not None:
            count(f"args.{name}", getattr(args, name), minimum=1)
    positive_number("args.learning_rate", args.learning_rate)
    choice("args.epoch_unit", args.epoch_unit, ("step", "pass"))
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
