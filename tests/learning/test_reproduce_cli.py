"""Every option of ``python -m learning reproduce`` refuses a bad value with a usage message
and exit status 2, before any work starts and without a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from learning.cli.reproduce import _parser
from learning.cli.reproduce import main as reproduce_main

ROOT = Path(__file__).resolve().parents[2]

# option -> (bad arguments, a phrase the message must contain)
BAD = {
    "--out": (["--out", "{file}"], "is a file"),
    "--epochs": (["--epochs", "0"], "--epochs must be >= 1"),
    "--epoch-unit": (["--epoch-unit", "day"], "invalid choice: 'day'"),
    "--seeds": (["--seeds", "0"], "--seeds must be >= 1"),
    "--learning-rate": (["--learning-rate", "nan"], "--learning-rate must be finite and > 0"),
    "--batch-size": (["--batch-size", "0"], "--batch-size must be >= 1"),
    "--checkpoints": (["--checkpoints", "1"], "--checkpoints must be >= 2"),
    "--bulk-samples": (["--bulk-samples", "-3"], "--bulk-samples must be >= 1"),
    "--bulk-epochs": (["--bulk-epochs", "0"], "--bulk-epochs must be >= 1"),
    "--mnist-dir": (["--mnist-dir", "{missing}"], "is not a directory"),
    "--n-train": (["--n-train", "5000"], "the bundled MNIST subset has 4000"),
    "--n-test": (["--n-test", "0"], "--n-test must be >= 1"),
    "--executor": (["--executor", "gpu"], "--executor must be"),
    "--workers": (["--workers", "0"], "--workers must be >= 1"),
    "--no-sweep": (["--no-sweep=yes"], "ignored explicit argument"),
    "--quick": (["--quick", "--epochs", "5"], "--quick sets --epochs itself"),
}


def _fill(args, tmp_path):
    (tmp_path / "a-file").write_text("x")
    return [a.format(file=tmp_path / "a-file", missing=tmp_path / "missing") for a in args]


def test_every_option_has_a_bad_input_case():
    options = {s for a in _parser()._actions for s in a.option_strings
               if s.startswith("--") and s != "--help"}
    assert options == set(BAD)


@pytest.mark.parametrize("option", sorted(BAD))
def test_bad_option_is_a_usage_error(option, tmp_path, capsys):
    args, phrase = BAD[option]
    with pytest.raises(SystemExit) as exit_:
        reproduce_main(_fill(args, tmp_path) + ["--out", str(tmp_path / "out")]
                       if option != "--out" else _fill(args, tmp_path))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m learning reproduce") and phrase in err
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.parametrize("extra, flags", [(["--seeds", "2"], "--seeds"),
                                          (["--no-sweep", "--n-train", "50"],
                                           "--no-sweep, --n-train")])
def test_quick_conflicts_with_the_options_it_sets(extra, flags, tmp_path, capsys):
    with pytest.raises(SystemExit):
        reproduce_main(["--quick", "--out", str(tmp_path), *extra])
    assert f"--quick sets {flags} itself" in capsys.readouterr().err


def test_bad_value_through_the_real_entry_point_prints_no_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "learning", "reproduce", "--epochs", "0",
                        "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--epochs must be >= 1" in r.stderr
