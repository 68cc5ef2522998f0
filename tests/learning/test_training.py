"""SGD training, checkpoints, interruption and resumption; the executor; the main job."""

import json
import math

import numpy as np
import pytest

from learning.cli.reproduce import main as reproduce_main
from learning.experiments.datasets import load_mnist
from learning.experiments.training import TrainingConfig, checkpoint_epochs, train
from ntcore.executor import run_jobs
from ntcore.integrity import seal


@pytest.fixture(scope="module")
def small_data():
    return load_mnist(n_train=300, n_test=100)


def _config(**kw):
    base = {"sizes": (784, 8, 10), "n_epochs": 40, "n_checkpoints": 5, "seed": 3}
    return TrainingConfig(**(base | kw))


def test_loss_decreases_and_runs_are_deterministic(small_data):
    a = train(_config(), small_data.train, progress=False)
    b = train(_config(), small_data.train, progress=False)
    assert a.final.boundary_loss < 0.5 * a.checkpoints[0].boundary_loss
    np.testing.assert_array_equal(a.final.septuple.weights, b.final.septuple.weights)
    c = train(_config(seed=4), small_data.train, progress=False)
    assert not np.array_equal(a.final.septuple.weights, c.final.septuple.weights)


def test_checkpoint_epochs_are_log_spaced_with_ends():
    epochs = checkpoint_epochs(TrainingConfig(n_epochs=10_000, n_checkpoints=14))
    assert epochs[0] == 0 and epochs[-1] == 10_000
    assert {1, 100, 1000} <= set(epochs) or len(epochs) >= 10
    ratios = np.diff(np.log(epochs[1:]))
    assert np.all(ratios > 0)


class _Kill(Exception):
    pass


def test_interrupted_run_resumes_bit_identical(small_data, tmp_path):
    cfg = _config(n_epochs=60, n_checkpoints=6)
    reference = train(cfg, small_data.train, progress=False)
    calls = []

    def killer(net, epoch):
        calls.append(epoch)
        if len(calls) == 4:  # die while measuring the 4th checkpoint: it is never saved
            raise _Kill
        return {"epoch_seen": epoch}

    with pytest.raises(_Kill):
        train(cfg, small_data.train, out_dir=tmp_path, measure=killer, progress=False)
    saved = sorted(p.name for p in (tmp_path / "checkpoints").glob("*.json"))
    assert len(saved) == 3
    remeasured = []
    resumed = train(cfg, small_data.train, out_dir=tmp_path, progress=False,
                    measure=lambda net, e: remeasured.append(e) or {"epoch_seen": e})
    assert resumed.resumed_from_epoch == calls[2]
    assert remeasured == [e for e in checkpoint_epochs(cfg) if e > calls[2]]
    np.testing.assert_array_equal(resumed.final.septuple.weights,
                                  reference.final.septuple.weights)
    assert [c.epoch for c in resumed.checkpoints] == list(checkpoint_epochs(cfg))
    # Measurements of the first three checkpoints were kept on disk, not recomputed.
    assert resumed.checkpoints[0].measurements == {"epoch_seen": 0}
    stored = json.loads((tmp_path / "config.json").read_text())
    assert stored["config"] == cfg.to_dict() and "numpy" in stored["versions"]


def test_out_dir_with_another_config_is_refused(small_data, tmp_path):
    train(_config(n_epochs=2, n_checkpoints=2), small_data.train, out_dir=tmp_path,
          progress=False)
    with pytest.raises(ValueError, match="another configuration"):
        train(_config(n_epochs=3, n_checkpoints=2), small_data.train, out_dir=tmp_path,
              progress=False)


def test_pass_epochs_and_bulk_loss_training(small_data):
    per_pass = train(_config(n_epochs=2, n_checkpoints=2, epoch="pass"), small_data.train,
                     progress=False)
    per_step = train(_config(n_epochs=6, n_checkpoints=2), small_data.train, progress=False)
    # 2 passes over 300 samples with batch 100 = 6 updates drawn from the same generator: the
    # same trajectory, bit for bit (one update per "pass" would give other weights).
    np.testing.assert_array_equal(per_pass.final.septuple.weights,
                                  per_step.final.septuple.weights)
    assert per_pass.final.boundary_loss == per_step.final.boundary_loss
    one_step = train(_config(n_epochs=2, n_checkpoints=2), small_data.train, progress=False)
    assert not np.array_equal(one_step.final.septuple.weights, per_pass.final.septuple.weights)
    bulk = train(_config(n_epochs=20, n_checkpoints=2, loss="bulk"), small_data.train,
                 progress=False)
    assert bulk.final.boundary_loss < bulk.checkpoints[0].boundary_loss


def test_training_config_errors(small_data):
    for kw, match in [({"learning_rate": 0}, "learning_rate"), ({"batch_size": 0}, "batch_size"),
                      ({"epoch": "sweep"}, "epoch must be"), ({"loss": "mse"}, "loss must be"),
                      ({"n_checkpoints": 1}, "n_checkpoints"), ({"sizes": (5,)}, "sizes"),
                      ({"n_epochs": -1}, "n_epochs"), ({"weight_scale": -1}, "weight_scale")]:
        with pytest.raises(ValueError, match=match):
            _config(**kw)
    with pytest.raises(ValueError, match="the network expects"):
        train(_config(sizes=(700, 5, 10)), small_data.train, progress=False)
    with pytest.raises(ValueError, match="diverged"):
        # A linear network with a huge step grows geometrically until it overflows.
        train(_config(activation="linear", learning_rate=50.0, n_epochs=200, n_checkpoints=2),
              small_data.train, progress=False)


def test_executor_local_serial_and_dask():
    jobs = [1.0, 4.0, 9.0]
    assert run_jobs(math.sqrt, jobs, progress=False) == [1.0, 2.0, 3.0]
    assert run_jobs(math.sqrt, jobs, executor="serial", progress=False) == [1.0, 2.0, 3.0]
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        assert run_jobs(math.sqrt, jobs, executor=cluster.scheduler_address,
                        progress=False) == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="executor must be"):
        run_jobs(math.sqrt, jobs, executor="gpu", progress=False)


def test_main_job_end_to_end_quick(tmp_path):
    assert reproduce_main(["--out", str(tmp_path), "--quick", "--executor", "serial"]) == 0
    for k in range(1, 8):
        assert (tmp_path / f"figure{k}.png").stat().st_size > 5_000
    report = (tmp_path / "report.md").read_text()
    assert "The paper's numbers beside ours" in report and "| claim | verdict" in report
    results = json.loads((tmp_path / "results.json").read_text())
    # Claims are stored as Claim.to_dict(), and the report renders exactly their verdicts.
    claims = results["summary"]["claims"]
    assert claims and all(set(c) >= {"text", "rule", "measured", "verdict"} for c in claims)
    for c in claims:
        assert f"| {c['text']} | **{c['verdict']}** |" in report
    assert results["versions"]["numpy"] == np.__version__
    assert {r["label"] for r in results["runs"]} == {"deep-seed0", "shallow-seed0"}
    run = results["runs"][0]
    assert run["config"]["sizes"] and run["checkpoints"][-1]["measurements"]["mu2"] > 0
    # Rerunning resumes every run from its last checkpoint instead of retraining.
    assert reproduce_main(["--out", str(tmp_path), "--quick", "--executor", "serial"]) == 0
    again = json.loads((tmp_path / "results.json").read_text())
    assert all(r["resumed_from_epoch"] == 60 for r in again["runs"])


def test_backpropagated_gradient_is_the_gradient_of_the_one_boundary_loss(small_data):
    # _boundary_gradients must differentiate learning.losses.boundary_loss (2.11), the one
    # definition: compare with central differences of it. Step 1e-6: truncation ~ h^2 times
    # the third derivative ~ 1e-12, round-off ~ 1e-16 / h ~ 1e-10; rtol 1e-6 leaves room and
    # still catches a wrong factor or sign.
    from learning.experiments.measurements import mean_boundary_loss
    from learning.experiments.training import _boundary_gradients
    from learning.feedforward import feedforward, from_layers, layer_biases, layer_weights

    data = small_data.train.subset(slice(0, 20))
    net = feedforward((784, 5, 10), seed=2)
    ws = [np.array(w) for w in layer_weights(net)]
    bs = [np.array(b) for b in layer_biases(net)]
    gws, gbs = _boundary_gradients(ws, bs, net.activation, data.inputs, data.targets)
    rng = np.random.default_rng(0)
    h = 1e-6
    for arrays, grads in ((ws, gws), (bs, gbs)):
        for a, g in zip(arrays, grads, strict=True):
            for _ in range(3):
                idx = tuple(rng.integers(0, n) for n in a.shape)
                old = a[idx]
                a[idx] = old + h
                up = mean_boundary_loss(from_layers(ws, bs, net.activation), data)
                a[idx] = old - h
                down = mean_boundary_loss(from_layers(ws, bs, net.activation), data)
                a[idx] = old
                np.testing.assert_allclose(g[idx], (up - down) / (2 * h), rtol=1e-6,
                                           atol=1e-10)


def test_measurements_round_trip_and_use_the_one_boundary_loss(small_data):
    from learning.experiments.measurements import CheckpointMeasurements, measure_checkpoint
    from learning.feedforward import feedforward, forward

    net = feedforward((784, 5, 10), seed=1)
    m = measure_checkpoint(net, small_data.train, small_data.test, n_bulk_samples=20)
    stored = json.loads(json.dumps(m.to_dict()))
    back = CheckpointMeasurements.from_dict(stored)
    # Everything but the forward-state histogram (not stored) survives the JSON round trip.
    assert back.to_dict() == stored and back.spectrum == m.spectrum
    assert back.forward_spectrum.mu3 == m.forward_spectrum.mu3
    # U_∂ by hand: half the sum over the output neurons of (output - target)^2, mean over
    # samples; the input term of (2.11) vanishes exactly for clamped inputs.
    out = forward(net, small_data.train.inputs)[-1]
    by_hand = 0.5 * np.mean(np.sum((out - small_data.train.targets) ** 2, axis=1))
    np.testing.assert_allclose(m.boundary_loss, by_hand, rtol=1e-14)
    assert m.spectrum.mu2 > 0 and len(m.spectrum.log_lambda_dynamical) > 0


def test_checkpoint_epochs_are_the_powers_of_the_ratio():
    # n_checkpoints - 1 log-spaced epochs from 1 to n_epochs, plus 0: for 1000 epochs and
    # 5 checkpoints the ratio is 1000^(1/3) = 10; for 8 epochs it is 8^(1/3) = 2.
    assert checkpoint_epochs(TrainingConfig(n_epochs=1000, n_checkpoints=5)) == (0, 1, 10, 100,
                                                                                  1000)
    assert checkpoint_epochs(TrainingConfig(n_epochs=8, n_checkpoints=5)) == (0, 1, 2, 4, 8)
    # Rounded duplicates collapse (1, 1.26, 1.59, 2 -> 1, 1, 2, 2): fewer checkpoints.
    assert checkpoint_epochs(TrainingConfig(n_epochs=2, n_checkpoints=5)) == (0, 1, 2)
    assert checkpoint_epochs(TrainingConfig(n_epochs=0)) == (0,)
    assert checkpoint_epochs(TrainingConfig(n_epochs=1, n_checkpoints=2)) == (0, 1)


def test_one_full_batch_step_is_gradient_descent_on_the_whole_set(small_data):
    # With batch_size = n the mini-batch is the whole set, drawn without replacement: one
    # update is w <- w - η ∇U_∂(w) with the gradient of the mean boundary loss over all n
    # samples (the gradient itself is checked against finite differences above). Only the
    # order of the samples (summation order) differs: round-off ~1e-16 relative.
    from learning.experiments.training import _boundary_gradients
    from learning.feedforward import layer_biases, layer_weights

    data = small_data.train.subset(slice(0, 40))
    cfg = _config(sizes=(784, 6, 10), batch_size=40, n_epochs=1, n_checkpoints=2,
                  learning_rate=0.3)
    run = train(cfg, data, progress=False)
    start, end = run.checkpoints[0].septuple, run.final.septuple
    ws, bs = layer_weights(start), layer_biases(start)
    gws, gbs = _boundary_gradients(ws, bs, start.activation, data.inputs, data.targets)
    for before, grad, after in zip(ws + bs, gws + gbs, layer_weights(end) + layer_biases(end),
                                   strict=True):
        np.testing.assert_allclose(after, before - 0.3 * grad, rtol=1e-12, atol=1e-15)


def test_training_config_accepts_its_boundary_values(small_data):
    # The smallest valid values are accepted (a one-neuron layer, one sample a batch, zero
    # initial weights, no training, two checkpoints) and their neighbours outside refused.
    for kw in ({"sizes": (3, 1)}, {"batch_size": 1}, {"weight_scale": 0.0}, {"n_epochs": 0},
               {"n_checkpoints": 2}):
        assert getattr(_config(**kw), next(iter(kw))) == next(iter(kw.values()))
    for kw, match in (({"sizes": (3, 0)}, "sizes"), ({"learning_rate": np.inf}, "learning_rate"),
                      ({"weight_scale": np.nan}, "weight_scale")):
        with pytest.raises(ValueError, match=match):
            _config(**kw)
    with pytest.raises(ValueError, match="784 inputs / 10 targets; the network expects 700 / 12"):
        train(_config(sizes=(700, 5, 12)), small_data.train, progress=False)


@pytest.mark.parametrize("damage", ["nan", "shape"])
def test_unchecksummed_checkpoint_with_bad_weights_is_refused(small_data, tmp_path, damage):
    # A checkpoint written without a SHA-256 (older runs) reaches the shape and finiteness
    # checks: one NaN, or a bias one entry short, must each be named and recomputed.
    cfg = _config()
    reference = train(cfg, small_data.train, progress=False)
    train(cfg, small_data.train, out_dir=tmp_path, progress=False)
    meta_path = tmp_path / "checkpoints" / f"epoch_{cfg.n_epochs:09d}.json"
    meta = json.loads(meta_path.read_text())
    del meta["npz_sha256"]
    meta_path.write_text(json.dumps(seal(meta)))  # sealed, so only the weights are at fault
    npz = meta_path.with_suffix(".npz")
    with np.load(npz) as data:
        arrays = {k: np.array(data[k]) for k in data}
    if damage == "nan":
        arrays["w0"][0, 0] = np.nan
    else:
        arrays["b0"] = arrays["b0"][:-1]
    with open(npz, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.warns(RuntimeWarning, match="wrong shape or non-finite"):
        run = train(cfg, small_data.train, out_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(run.final.septuple.weights, reference.final.septuple.weights)


def test_a_missing_weights_file_is_named(small_data, tmp_path):
    import re

    cfg = _config(n_epochs=8, n_checkpoints=4)
    train(cfg, small_data.train, out_dir=tmp_path, progress=False)
    # Only the weights file of the third checkpoint is gone: it is named, not both files.
    epochs = checkpoint_epochs(cfg)
    npz = tmp_path / "checkpoints" / f"epoch_{epochs[2]:09d}.npz"
    npz.unlink()
    with pytest.warns(RuntimeWarning, match=re.escape(f"{npz} is missing")):
        run = train(cfg, small_data.train, out_dir=tmp_path, progress=False)
    assert run.resumed_from_epoch == epochs[1]


def test_targets_on_the_boundary_of_an_open_range_are_refused_at_once(small_data):
    from learning.experiments.datasets import Dataset, encode_targets

    # Sigmoid with the "0/0.9" encoding: a target of exactly 0 is no state of an output
    # neuron (range (0, 1)); the refusal must name data.targets before any training, as it
    # does for inputs, not come from the boundary loss (2.11) at the first checkpoint.
    d = small_data.train.subset(slice(0, 60))
    data = Dataset((d.inputs + 1) / 2, encode_targets(d.labels, "0/0.9"), d.labels)
    with pytest.raises(ValueError, match=r"data.targets has \d+ entries outside the range \(0"):
        train(_config(activation="sigmoid"), data, progress=False)
