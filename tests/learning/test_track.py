"""learning.track: the recorder of other people's training runs and its laws report.

References independent of the recorder: the toolkit's own NumPy trainer (another SGD
implementation) against a PyTorch float64 loop; the boundary loss (2.11) written out here;
the per-mode Gaussian entropy of (5.14) written out here for the known-answer trajectories.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from learning.experiments.datasets import Dataset
from learning.experiments.laws import LARGE_N
from learning.experiments.training import save_checkpoint
from learning.track import Recorder, laws_report
from learning.track.recorder import RUN_FORMAT

SIZES = (4, 6, 5, 2)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, SIZES[0]))
    labels = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    t = np.full((n, 2), -0.9)
    t[np.arange(n), labels] = 0.9
    return Dataset(x, t, labels)


def _weights(step, sizes=SIZES, scale=1.0):
    """A deterministic 'training' trajectory: weights that drift with the step."""
    rng = np.random.default_rng(7)
    out = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w0, w1 = rng.normal(size=(b, a)) / np.sqrt(a), rng.normal(size=(b, a)) / np.sqrt(a)
        out[f"{l}.weight"] = scale * (w0 + 0.01 * step * w1)
        out[f"{l}.bias"] = 0.01 * step * rng.normal(size=b)
    return out


def _recorder(path, **kw):
    kw.setdefault("data", _data())
    kw.setdefault("encoding", "uniform inputs in [-1, 1], one-hot targets ±0.9")
    kw.setdefault("n_bulk_samples", 20)
    return Recorder(path, (SIZES, "tanh"), **kw)


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(Path(root).rglob("*"))
            if p.is_file()}


# --------------------------------------------------------------------------- measurements
def test_boundary_loss_is_the_one_written_out_here(tmp_path):
    data = _data()
    rec = _recorder(tmp_path)
    params = _weights(3)
    m = rec.record(0, params).measurements
    h = data.inputs
    for l in range(len(SIZES) - 1):
        h = np.tanh(h @ params[f"{l}.weight"].T + params[f"{l}.bias"])
    expected = np.mean(0.5 * np.sum((h - data.targets) ** 2, axis=1))
    assert m["boundary_loss"] == pytest.approx(expected, rel=1e-12)
    # Σ log λ = 0 for a feedforward network (7.8), and the spectrum has dim S entries
    assert abs(m["sum_log_lambda"]) < 1e-9
    assert 0 < len(m["log_lambda_dynamical"]) <= sum(SIZES)


def test_keras_kernel_layout_gives_the_same_numbers(tmp_path):
    params = _weights(5)
    a = _recorder(tmp_path / "a").record(0, params).measurements
    transposed = {k: (v.T if k.endswith("weight") else v) for k, v in params.items()}
    b = _recorder(tmp_path / "b", kernel_layout="in_out").record(0, transposed).measurements
    assert a == b


# ------------------------------------------------------------------------------ schedule
def test_log_schedule_is_the_main_jobs(tmp_path):
    rec = _recorder(tmp_path, data=None, encoding=None, every="log", n_steps=1000,
                    n_checkpoints=5)
    recorded = [s for s in range(1001) if rec.record(s, _weights(0)) is not None]
    assert recorded == [0, 1, 10, 100, 1000]


def test_every_n_steps(tmp_path):
    rec = _recorder(tmp_path, data=None, encoding=None, every=3)
    assert [s for s in range(10) if rec.record(s, _weights(0)) is not None] == [0, 3, 6, 9]


def test_time_budget_and_dominance_warn(tmp_path):
    rec = _recorder(tmp_path, time_budget=1e-9)
    with pytest.warns(RuntimeWarning, match="time_budget"):
        rec.record(0, _weights(0))
    with pytest.warns(RuntimeWarning, match="exceeds training"):
        for s in (1, 2, 3):
            rec.record(s, _weights(s))


# -------------------------------------------------------------------------------- resume
def _run(path, steps, **kw):
    rec = _recorder(path, **kw)
    for s in steps:
        rec.record(s, _weights(s))
    return rec


def test_crash_and_restart_gives_the_same_files(tmp_path):
    steps = [0, 1, 2, 4, 8]
    _run(tmp_path / "whole" / "run", steps)
    part = tmp_path / "part" / "run"
    _run(part, steps[:3])
    # killed while writing step 4: its weights written, its JSON not, and a temporary left
    npz = part / "checkpoints" / "epoch_000000002.npz"
    (part / "checkpoints" / "epoch_000000004.npz").write_bytes(npz.read_bytes()[:50])
    (part / "checkpoints" / ".epoch_000000004.json.tmp-999999999-x.tmp").write_text("{")
    rec = _run(part, steps)  # the training loop restarts from the beginning
    assert _files(part) == _files(tmp_path / "whole" / "run")
    assert sorted(rec.checkpoints) == steps


def test_killed_process_restarts_to_the_same_files(tmp_path):
    script = (
        "import sys, time\n"
        "from tests.learning.test_track import _recorder, _weights\n"
        "rec = _recorder(sys.argv[1])\n"
        "for s in range(6):\n"
        "    rec.record(s, _weights(s))\n"
        "    print(s, flush=True)\n"
        "    if sys.argv[2] == 'slow' and s == 2: time.sleep(60)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2]))
    whole, part = tmp_path / "whole" / "run", tmp_path / "part" / "run"
    subprocess.run([sys.executable, "-c", script, str(whole), "fast"], check=True, env=env,
                   capture_output=True)
    proc = subprocess.Popen([sys.executable, "-c", script, str(part), "slow"], env=env,
                            stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.strip() == "2":
            break
    proc.kill()
    proc.wait()
    assert not (part / "checkpoints" / "epoch_000000005.json").exists()
    subprocess.run([sys.executable, "-c", script, str(part), "fast"], check=True, env=env,
                   capture_output=True)
    assert _files(part) == _files(whole)


def test_replaying_other_weights_is_refused(tmp_path):
    _run(tmp_path, [0, 1])
    rec = _recorder(tmp_path)
    with pytest.raises(ValueError, match="another run"):
        rec.record(1, _weights(5))


def test_corrupt_weights_are_dropped_and_recorded_again(tmp_path):
    _run(tmp_path, [0, 1])
    npz = tmp_path / "checkpoints" / "epoch_000000001.npz"
    good = npz.read_bytes()
    npz.write_bytes(good[:-3] + b"xyz")
    with pytest.warns(RuntimeWarning, match="SHA-256"):
        rec = _recorder(tmp_path)
    assert sorted(rec.checkpoints) == [0]
    rec.record(1, _weights(1))
    assert npz.read_bytes() == good


# ----------------------------------------------------------------------------- bad input
def test_bad_parameters_name_the_expected_layout(tmp_path):
    rec = _recorder(tmp_path)
    p = _weights(0)
    bad_shape = dict(p, **{"1.weight": np.zeros((5, 5))})
    with pytest.raises(ValueError, match=r"expects, in order: weight \(6, 4\), bias \(6,\)"):
        rec.record(0, bad_shape)
    with pytest.raises(ValueError, match="has 5 entries"):
        rec.record(0, dict(list(p.items())[:5]))
    swapped = dict(zip(["0.bias", "0.weight"], [p["0.weight"], p["0.bias"]], strict=True))
    swapped.update({k: v for k, v in p.items() if not k.startswith("0.")})
    with pytest.raises(ValueError, match="layer 1"):
        rec.record(0, swapped)
    with pytest.raises(TypeError, match="mapping"):
        rec.record(0, list(p.values()))
    with pytest.raises(TypeError, match="not an array"):
        rec.record(0, dict(p, **{"0.bias": "abc"}))


def test_steps_must_increase(tmp_path):
    rec = _recorder(tmp_path, data=None, encoding=None)
    rec.record(3, _weights(0))
    for s in (3, 2):
        with pytest.raises(ValueError, match="step must increase"):
            rec.record(s, _weights(0))
    with pytest.raises((TypeError, ValueError), match="step"):
        rec.record(-1, _weights(0))


def test_bad_construction(tmp_path):
    with pytest.raises(ValueError, match="encoding"):
        Recorder(tmp_path, (SIZES, "tanh"), data=_data())
    with pytest.raises(ValueError, match="n_steps"):
        Recorder(tmp_path, (SIZES, "tanh"), every="log")
    with pytest.raises(TypeError, match="network"):
        Recorder(tmp_path, "784-40-10")
    with pytest.raises(ValueError, match="network expects"):
        Recorder(tmp_path, ((3, 6, 2), "tanh"), data=_data(), encoding="x")
    _recorder(tmp_path / "run")
    with pytest.raises(ValueError, match="another network"):
        Recorder(tmp_path / "run", ((4, 7, 5, 2), "tanh"), data=_data(), encoding="uniform "
                 "inputs in [-1, 1], one-hot targets ±0.9", n_bulk_samples=20)


def test_non_finite_weights_are_a_problem_of_that_checkpoint(tmp_path):
    rec = _recorder(tmp_path)
    for s in range(6):
        p = _weights(s)
        if s == 3:
            p["1.weight"] = p["1.weight"].copy()
            p["1.weight"][0, 0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            c = rec.record(s, p)
        assert (c.problem is not None) == (s == 3)
    assert "w1" in rec.checkpoints[3].problem
    report = laws_report(tmp_path)
    assert report.problems == (f"{tmp_path.name}, step 3: {rec.checkpoints[3].problem}",)
    text = report.markdown_path.read_text()
    assert "step 3: non-finite weights" in text and "nan" not in text.lower().replace(
        "n/a", "")
    assert 3 not in report.section.numbers["runs"][tmp_path.name]["entropy"][0]["epochs"]


# ------------------------------------------------------------------- known-answer laws
GAP = -1.2
BASE = np.array([8.0, 3.0, 1.5, 0.6, 0.2, 0.05])


def _s_large_n(lam, beta):
    """S of (5.14): Σ ½ (log 2π - log(1 + βλ) + βλ/(1 + βλ)), written out here."""
    x = beta * lam / (1 + beta * lam)
    return float(np.sum(0.5 * (np.log(2 * np.pi) - np.log(1 + beta * lam) + x)))


def _write_known_run(root, direction):
    """A recorded run whose dynamical λ all grow (direction +1: S falls) or shrink."""
    Recorder(root, ((2, 3, 3), "tanh"), data=Dataset(np.zeros((1, 2)), np.zeros((1, 3)),
                                                     np.zeros(1, np.int64)),
             encoding="synthetic")
    lams = [BASE * np.exp(direction * 0.3 * k) for k in range(6)]
    for k, lam in enumerate(lams):
        m = {"log_lambda_dynamical": np.log(lam).tolist(), "gap_log_lambda": GAP,
             "bulk_loss": 5.0 - 0.1 * k, "boundary_loss": 1.0 / (1 + k)}
        save_checkpoint(root / "checkpoints", [0, 1, 3, 10, 30, 100][k],
                        [np.zeros((3, 2)), np.zeros((3, 3))], [np.zeros(3), np.zeros(3)], {},
                        m["boundary_loss"], m)
    return lams


@pytest.mark.parametrize("direction, verdict", [(+1, "holds"), (-1, "fails")])
def test_known_trajectories_give_their_verdicts(tmp_path, direction, verdict):
    lams = _write_known_run(tmp_path / "run", direction)
    report = laws_report(tmp_path / "run", tmp_path / "out")
    literal = [c for c in report.section.claims
               if c.text.startswith("(7.6) literal") and LARGE_N in c.text]
    assert literal and all(c.verdict.value == verdict for c in literal)
    reading = next(r for r in report.section.numbers["runs"]["run"]["entropy"]
                   if r["choice"] == "β = 1" and r["form"] == LARGE_N)
    n_outside = 8 - 6  # eigenvalue 1 outside S: a constant term
    expected = [_s_large_n(lam, 1.0) + n_outside * _s_large_n(np.ones(1), 1.0)
                for lam in lams]
    np.testing.assert_allclose(np.diff(reading["S"]), np.diff(expected), rtol=1e-10)
    for name in ("laws.md", "laws.json", "laws.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_several_runs_in_one_report(tmp_path):
    _write_known_run(tmp_path / "a", +1)
    _write_known_run(tmp_path / "b", -1)
    report = laws_report([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert set(report.section.numbers["runs"]) == {"a", "b"}
    with pytest.raises(ValueError, match="labels"):
        laws_report([tmp_path / "a", tmp_path / "b"], labels=["x"])


def test_report_of_a_run_without_data_is_refused(tmp_path):
    _run(tmp_path, [0, 1], data=None, encoding=None)
    with pytest.raises(ValueError, match="without evaluation data"):
        laws_report(tmp_path)
    with pytest.raises(ValueError, match="not a recorded run"):
        laws_report(tmp_path / "checkpoints")


# ---------------------------------------------------------------------------------- CLI
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "learning", "laws", *map(str, args)],
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))


def test_cli_writes_the_report_and_refuses_bad_directories(tmp_path):
    _write_known_run(tmp_path / "run", +1)
    ok = _cli(tmp_path / "run", "--out", tmp_path / "out")
    assert ok.returncode == 0, ok.stderr
    assert "holds" in ok.stdout and (tmp_path / "out" / "laws.json").exists()
    for bad in ([tmp_path / "nowhere"], [tmp_path / "run", "--labels", "a,b"], []):
        r = _cli(*bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "usage" in r.stderr


def test_run_json_names_its_format(tmp_path):
    _recorder(tmp_path)
    assert RUN_FORMAT in (tmp_path / "run.json").read_text()


def test_an_edited_checkpoint_is_left_out_of_the_report(tmp_path):
    import json

    _run(tmp_path, [0, 1, 2])
    meta = tmp_path / "checkpoints" / "epoch_000000001.json"
    record = json.loads(meta.read_text())
    record["measurements"]["bulk_loss"] *= 10
    meta.write_text(json.dumps(record))
    with pytest.warns(RuntimeWarning, match="edited or damaged"):
        rec = _recorder(tmp_path)
    assert sorted(rec.checkpoints) == [0, 2]


# ------------------------------------------------------------------ background measuring
@pytest.mark.filterwarnings("ignore:measuring .* now exceeds training")
def test_background_measuring_writes_the_same_files(tmp_path):
    steps = [0, 1, 2, 4, 8]
    _run(tmp_path / "sync" / "run", steps)
    with _run(tmp_path / "bg" / "run", steps, background=True) as rec:
        job_file = rec._job_file
        assert job_file is not None and job_file.exists()  # the worker's job, outside the run
    assert not job_file.exists()  # removed with the worker
    assert _files(tmp_path / "bg" / "run") == _files(tmp_path / "sync" / "run")
    assert sorted(rec.wait()) == steps
    assert all(c.measurements["bulk_loss"] > 0 for c in rec.checkpoints.values())


def test_background_error_is_raised_by_wait(tmp_path):
    import shutil

    rec = _recorder(tmp_path / "run", background=True)
    shutil.rmtree(tmp_path / "run" / "checkpoints")
    (tmp_path / "run" / "checkpoints").write_text("not a directory")  # the worker cannot write
    rec.record(0, _weights(0))
    with pytest.raises(OSError, match="cannot write the checkpoint of step 0"):
        rec.close()
    assert rec.checkpoints == {}


# ------------------------------------------------------------------- read-only / full disk
def _full_disk_after(monkeypatch, n_writes):
    """Make every atomic write after the first ``n_writes`` fail with ENOSPC mid-write."""
    import errno

    import ntcore.atomic as atomic

    calls = {"n": 0}
    real_replace = atomic.os.replace

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] > n_writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    return calls


@pytest.mark.parametrize("failing", [0, 1])  # the weights' write fails, or the JSON's
def test_full_disk_leaves_nothing_half_written_and_resumes(tmp_path, monkeypatch, failing):
    steps = [0, 1, 2, 4]
    _run(tmp_path / "whole" / "run", steps)
    part = tmp_path / "part" / "run"
    rec = _run(part, steps[:2])  # run.json + 2 checkpoints of 2 files each
    before = _files(part)
    _full_disk_after(monkeypatch, failing)
    with pytest.raises(OSError, match="step 2 .*the disk is full.*resumes") as err:
        rec.record(2, _weights(2))
    assert err.value.errno == 28
    after = _files(part)
    # at most the weights of step 2 were added (a weights file without its JSON does not count)
    assert set(after) - set(before) <= {Path("checkpoints/epoch_000000002.npz")}
    assert all(after[p] == before[p] for p in before)
    assert not [p for p in after if ".tmp" in p.name]
    monkeypatch.undo()
    _run(part, steps)  # the disk has room again: rerun with the same run_dir
    assert _files(part) == _files(tmp_path / "whole" / "run")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a non-root user")
def test_read_only_directory_is_a_clear_error(tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(OSError, match="cannot write run.json .*permission denied"):
            _recorder(tmp_path / "run")
        assert list(tmp_path.iterdir()) == []
    finally:
        tmp_path.chmod(0o755)


def test_read_only_checkpoints_directory_is_a_clear_error(tmp_path, monkeypatch):
    """As root cannot be denied by chmod, the refusal is planted where the file is made."""
    import errno
    import tempfile

    rec = _recorder(tmp_path / "run")
    before = _files(tmp_path / "run")

    def refuse(*args, **kw):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OSError, match="step 0 .*permission denied.*same run_dir"):
        rec.record(0, _weights(0))
    assert _files(tmp_path / "run") == before
