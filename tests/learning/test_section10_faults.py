"""Faults of the Section 10 machinery: corrupt, missing and half-written checkpoints, a
killed run, a killed parent of pool workers, stale temporary files, a read-only output
directory, degenerate runs, and refused inputs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from learning.experiments.datasets import Dataset, encode_targets, load_mnist
from learning.experiments.measurements import CheckpointMeasurements, SpectrumSummary
from learning.experiments.report import write_report
from learning.experiments.training import TrainingConfig, checkpoint_epochs, train
from ntcore.atomic import atomic_write, remove_stale_temporaries
from ntcore.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def _default_sigint() -> None:
    """In the child before exec: SIGINT back to its default.  A shell running the tests in
    the background (``cmd &``) ignores SIGINT, children inherit that, and Python then installs
    no KeyboardInterrupt handler: the signal these tests send would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def small_data():
    return load_mnist(n_train=200, n_test=50)


CFG = TrainingConfig(sizes=(784, 6, 10), n_epochs=30, n_checkpoints=5, seed=1)


def _measure(net, epoch):
    return {"epoch_seen": epoch}


@pytest.fixture(scope="module")
def reference(small_data):
    return train(CFG, small_data.train, progress=False)


def _files(tmp_path):
    return sorted((tmp_path / "checkpoints").glob("epoch_*"))


def _assert_complete_and_identical(run, reference):
    assert [c.epoch for c in run.checkpoints] == list(checkpoint_epochs(CFG))
    np.testing.assert_array_equal(run.final.septuple.weights, reference.final.septuple.weights)


def test_deleted_middle_checkpoint_is_named_and_recomputed(small_data, reference, tmp_path):
    train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    epochs = checkpoint_epochs(CFG)
    middle = epochs[2]
    for suffix in (".json", ".npz"):
        (tmp_path / "checkpoints" / f"epoch_{middle:09d}{suffix}").unlink()
    with pytest.warns(RuntimeWarning, match=f"epoch {middle} is missing") as record:
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    assert f"resuming from epoch {epochs[1]}" in str(record[0].message)
    assert run.resumed_from_epoch == epochs[1] and len(run.checkpoint_problems) == 1
    _assert_complete_and_identical(run, reference)
    assert [c.measurements for c in run.checkpoints] == [{"epoch_seen": e} for e in epochs]


def test_truncated_checkpoint_is_named_and_falls_back(small_data, reference, tmp_path):
    train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    epochs = checkpoint_epochs(CFG)
    bad = tmp_path / "checkpoints" / f"epoch_{epochs[3]:09d}.npz"
    bad.write_bytes(bad.read_bytes()[:100])
    with pytest.warns(RuntimeWarning, match=f"{bad}.*(corrupt|SHA-256)"):
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    assert run.resumed_from_epoch == epochs[2]
    _assert_complete_and_identical(run, reference)


def test_checksum_catches_a_valid_but_altered_weights_file(small_data, reference, tmp_path):
    train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    last = tmp_path / "checkpoints" / f"epoch_{CFG.n_epochs:09d}.npz"
    with np.load(last) as data:
        arrays = {k: data[k] for k in data}
    arrays["w0"] = arrays["w0"] + 1.0  # a loadable file with other weights
    with open(last, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.warns(RuntimeWarning, match="SHA-256 differs"):
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    _assert_complete_and_identical(run, reference)


def _measure_mu2(net, epoch):
    # A measurement computed from the weights (like μ_2), so a recomputation is checkable.
    return {"mu2": float(np.sum(net.weights ** 2)), "epoch_seen": epoch}


def test_tampered_measurement_in_checkpoint_json_is_named_and_recomputed(small_data, tmp_path):
    """Issue 25: μ_2 edited in a checkpoint's JSON (its .npz intact) must not be believed."""
    first = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure_mu2, progress=False)
    epochs = checkpoint_epochs(CFG)
    meta_path = tmp_path / "checkpoints" / f"epoch_{epochs[2]:09d}.json"
    meta = json.loads(meta_path.read_text())
    honest = meta["measurements"]["mu2"]
    meta["measurements"]["mu2"] = 10 * honest  # a hand edit: valid JSON, intact weights file
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(RuntimeWarning, match=f"{meta_path} was edited or damaged"):
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure_mu2,
                    progress=False)
    assert len(run.checkpoint_problems) == 1 and str(meta_path) in run.checkpoint_problems[0]
    assert run.resumed_from_epoch == epochs[1]  # the damaged checkpoint and all after: redone
    mu2 = [c.measurements["mu2"] for c in run.checkpoints]
    assert mu2 == [c.measurements["mu2"] for c in first.checkpoints]
    assert mu2[2] == honest != 10 * honest
    # Recomputed from the weights, not copied: the independent value from the network.
    assert mu2[2] == float(np.sum(run.checkpoints[2].septuple.weights ** 2))
    # ... and rewritten sealed: a third run trusts every checkpoint again.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure_mu2,
                      progress=False)
    assert again.checkpoint_problems == () and again.resumed_from_epoch == epochs[-1]


def test_edited_generator_state_or_unsealed_checkpoint_is_recomputed(small_data, reference,
                                                                     tmp_path):
    train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    last = tmp_path / "checkpoints" / f"epoch_{CFG.n_epochs:09d}.json"
    meta = json.loads(last.read_text())
    meta["rng_state"]["state"]["state"] += 1  # would silently change the batches after it
    last.write_text(json.dumps(meta))
    with pytest.warns(RuntimeWarning, match="edited or damaged"):
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    _assert_complete_and_identical(run, reference)
    del meta["content_sha256"]
    last.write_text(json.dumps(meta))
    with pytest.warns(RuntimeWarning, match="has no checksum"):
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    _assert_complete_and_identical(run, reference)


def test_corrupt_metadata_is_named(small_data, reference, tmp_path):
    train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    meta = tmp_path / "checkpoints" / f"epoch_{checkpoint_epochs(CFG)[1]:09d}.json"
    meta.write_text("{not json")
    with pytest.warns(RuntimeWarning, match=f"{meta} is corrupt"):
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    assert run.resumed_from_epoch == 0
    _assert_complete_and_identical(run, reference)


def test_weights_without_metadata_are_an_interrupted_checkpoint_not_a_fault(
        small_data, reference, tmp_path):
    train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    # A kill between the weights file and its JSON (written last) leaves this state.
    (tmp_path / "checkpoints" / f"epoch_{CFG.n_epochs:09d}.json").unlink()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = train(CFG, small_data.train, out_dir=tmp_path, measure=_measure, progress=False)
    assert run.checkpoint_problems == ()
    _assert_complete_and_identical(run, reference)


_TRAIN_IN_CHILD = """
import sys
import numpy as np
from learning.experiments.datasets import Dataset, encode_targets
from learning.experiments.training import TrainingConfig, train
def synthetic():  # no MNIST parsing: the child starts training within a second
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    return Dataset(rng.uniform(-1, 1, (200, 784)), encode_targets(labels, "pm0.9"), labels)
CFG = TrainingConfig(sizes=(784, 6, 10), n_epochs=600, n_checkpoints=8, seed=1)
if __name__ == "__main__":
    train(CFG, synthetic(), out_dir=sys.argv[1], progress=False)
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_run_killed_mid_training_resumes_bit_identical(tmp_path, sig):
    child = subprocess.Popen([sys.executable, "-c", _TRAIN_IN_CHILD, str(tmp_path)], env=ENV,
                             preexec_fn=_default_sigint,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(list((tmp_path / "checkpoints").glob("*.json"))) < 3:
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.01)
        child.send_signal(sig)
        child.wait(timeout=30)
    finally:
        child.kill()
    space: dict = {}
    exec(_TRAIN_IN_CHILD, space)
    cfg, data = space["CFG"], space["synthetic"]()
    assert len(list((tmp_path / "checkpoints").glob("*.json"))) < len(checkpoint_epochs(cfg))
    resumed = train(cfg, data, out_dir=tmp_path, progress=False)
    reference = train(cfg, data, progress=False)
    assert resumed.resumed_from_epoch is not None and resumed.checkpoint_problems == ()
    assert [c.epoch for c in resumed.checkpoints] == list(checkpoint_epochs(cfg))
    np.testing.assert_array_equal(resumed.final.septuple.weights,
                                  reference.final.septuple.weights)
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]


def _descendants(pid):
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_pool_workers_exit_when_their_parent_is_killed(sig):
    code = ("import time\nfrom ntcore.executor import run_jobs\n"
            "run_jobs(time.sleep, [120, 120], max_workers=2, progress=False)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], env=ENV, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 30
        while len(_descendants(parent.pid)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        workers = _descendants(parent.pid)
        time.sleep(0.5)  # let the pool submit its jobs
        parent.send_signal(sig)
        parent.wait(timeout=20)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "pool workers outlived their parent"
    finally:
        parent.kill()
        for w in _descendants(parent.pid):
            os.kill(w, signal.SIGKILL)


def test_temporary_file_of_a_killed_writer_is_removed_on_rerun(tmp_path):
    # A writer killed between creating its temporary and renaming it.
    code = ("import os, signal, sys\nfrom ntcore.atomic import atomic_write\n"
            "def write(tmp):\n    open(tmp, 'w').close()\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "atomic_write(os.path.join(sys.argv[1], 'figure2.png'), write, suffix='.png')\n")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=ENV, check=False)
    stale = [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert len(stale) == 1 and stale[0].stat().st_size == 0
    legacy = tmp_path / "tmpab12cd_3.png"  # the unnamed kind earlier versions left
    legacy.touch()
    live = tmp_path / f".report.md.tmp-{os.getpid()}-xyz.tmp"  # a writer still running
    live.touch()
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted([stale[0], legacy])
    assert live.exists() and not stale[0].exists()
    atomic_write(tmp_path / "a.txt", lambda tmp: Path(tmp).write_text("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.txt", live.name])


def _spectrum(mu2, mu3, logs):
    return SpectrumSummary(mu2, mu3, mu2, mu3, mu2, mu3, 780.0, 780.0, 0.0, tuple(logs),
                           None, None, None, None)


def _run(label, group, losses, mu2, mu3):
    checkpoints = []
    for epoch, (ub, u) in zip((0, 1, 10, 60), losses, strict=True):
        s = _spectrum(mu2, mu3, [0.0] * 20)
        m = CheckpointMeasurements(ub, u, 100, 1.0, 0.1, u / ub, s, s)
        checkpoints.append({"epoch": epoch, "measurements": m.to_dict()})
    return {"label": label, "group": group, "seed": 0, "sizes": [784, 40, 20, 10],
            "config": TrainingConfig(n_epochs=60, n_checkpoints=4).to_dict(),
            "data": {"source": "synthetic", "input_scaling": "symmetric",
                     "target_encoding": "pm0.9", "n_train": 300, "n_test": 200,
                     "bulk_samples": 100},
            "checkpoints": checkpoints}


def test_report_on_a_saturated_run_says_what_is_degenerate(tmp_path):
    # Saturated nets (as with --learning-rate 1e6): G = I, every log λ = 0, μ2 = μ3 = 0,
    # and the losses never move. The report must render, not divide by μ2.
    losses = [(3.24, 3.24)] * 4
    payload = {"command": "synthetic", "versions": {"numpy": np.__version__},
               "wall_time_runs": 0.0,
               "runs": [_run("deep-seed0", "deep", losses, 0.0, 0.0),
                        _run("shallow-seed0", "shallow", losses, 0.0, 0.0)]}
    report = write_report(tmp_path, payload)
    verdicts = {c.text.split(":")[0]: c for c in report.claims}
    assert verdicts["shallow net"].verdict is Verdict.UNDETERMINED
    assert "μ2 = 0" in verdicts["shallow net"].detail
    assert "μ2 = 0" in (tmp_path / "report.md").read_text()
    json.dumps(report.summary_dict())  # serialisable


def test_train_refuses_data_outside_the_activation_range(small_data):
    d = small_data.train
    cfg = TrainingConfig(sizes=(784, 4, 10), n_epochs=2, n_checkpoints=2)
    raw = Dataset((d.inputs + 1) * 127.5, d.targets, d.labels)  # pixels 0..255
    with pytest.raises(ValueError, match="data.inputs has .* outside the range"):
        train(cfg, raw, progress=False)
    with pytest.raises(ValueError, match="data.targets has .* outside the range"):
        train(cfg, Dataset(d.inputs, 3.0 * np.sign(d.targets), d.labels), progress=False)
    nan_inputs = d.inputs.copy()
    nan_inputs[0, 0] = np.nan
    with pytest.raises(ValueError, match="data.inputs contains non-finite"):
        train(cfg, Dataset(nan_inputs, d.targets, d.labels), progress=False)


def test_encode_targets_refuses_fractional_labels():
    with pytest.raises(ValueError, match="whole numbers.*1.7"):
        encode_targets(np.array([1.7, 2.0]), "pm0.9")
    with pytest.raises(ValueError, match="whole numbers"):
        encode_targets(np.array([np.nan]), "pm0.9")
    with pytest.raises(TypeError, match="labels must be integers"):
        encode_targets(np.array(["1"]), "pm0.9")
    np.testing.assert_array_equal(encode_targets(np.array([2.0]), "0/0.9"),
                                  encode_targets(np.array([2]), "0/0.9"))


def _read_only(directory):
    """Make ``directory`` read-only even for root (chattr +i), or skip."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return lambda: directory.chmod(0o755)
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr: no way to make a directory read-only")
    return lambda: subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_read_only_output_is_a_usage_error(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    restore = _read_only(out)
    try:
        r = subprocess.run([sys.executable, "-m", "learning", "reproduce", "--out", str(out),
                            "--quick"], env=ENV, capture_output=True, text=True, timeout=120)
    finally:
        restore()
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"--out {out} is not a writable directory" in r.stderr


@pytest.mark.slow
def test_saturating_learning_rate_end_to_end(tmp_path):
    # --learning-rate 1e6 saturates every tanh: μ2 = 0. Earlier versions trained, then died
    # with ZeroDivisionError in the report (and again on every rerun).
    r = subprocess.run([sys.executable, "-m", "learning", "reproduce", "--out", str(tmp_path),
                        "--quick", "--learning-rate", "1e6", "--executor", "serial"],
                       env=ENV, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    verdicts = {c["text"]: c for c in results["summary"]["claims"]}
    shallow = next(c for t, c in verdicts.items() if t.startswith("shallow net"))
    assert shallow["verdict"] == "undetermined" and "μ2 = 0" in shallow["detail"]
