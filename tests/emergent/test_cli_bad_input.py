"""Every option of every ``python -m emergent`` command line refuses a bad value with a usage
message naming it and exit status 2, before any work and without a traceback (issue 14)."""

import subprocess
import sys

import pytest

from emergent.cli import main as dispatch
from emergent.cli.onsager import main as onsager_main
from emergent.cli.schrodinger import main as schrodinger_main

SCHRODINGER_BAD = [
    (["--n", "16"], "--n must be >= 32"),
    (["--n", "x"], "--n: invalid int"),
    (["--n", "100000000"], "would take about"),
    (["--length", "-1"], "--length must be finite and > 0"),
    (["--D", "0"], "--D must be finite and > 0"),
    (["--D", "inf"], "--D must be finite and > 0"),
    (["--t-final", "-1"], "--t-final must be finite and > 0"),
    (["--n-times", "2"], "--n-times must be >= 5"),
    (["--sigma0", "0"], "--sigma0 must be finite and > 0"),
    (["--k0", "nan"], "--k0 must be finite"),
    (["--seed", "-1"], "--seed must be >= 0"),
    (["--directions", "0"], "--directions must be >= 1"),
    (["--out", "/dev/null/sub"], "--out '/dev/null/sub' cannot be created"),
    (["--no-figures", "yes"], "unrecognized arguments"),
    (["--force", "1"], "unrecognized arguments"),
    (["--bogus"], "unrecognized arguments"),
]

ONSAGER_BAD = [
    (["--dim", "1"], "--dim must be an integer >= 2"),
    (["--dim", "x"], "--dim: invalid int"),
    (["--dim", "100"], "would take about"),
    (["--jets", "0"], "--jets must be an integer >= 1"),
    (["--jets", "-3"], "--jets must be an integer >= 1"),
    (["--seed", "-1"], "--seed must be >= 0"),
    (["--seed", "q"], "--seed: invalid int"),
    (["--all-dimensions", "yes"], "unrecognized arguments"),
]


def _usage_error(run, argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        run(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "usage:" in err and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, message", SCHRODINGER_BAD)
def test_schrodinger_options_refuse_bad_values(argv, message, capsys, tmp_path):
    if "--out" not in argv:
        argv = [*argv, "--out", str(tmp_path)]
    _usage_error(schrodinger_main, argv, message, capsys, tmp_path)
    assert not (tmp_path / "section11.json").exists()  # refused before any work


@pytest.mark.parametrize("argv, message", ONSAGER_BAD)
def test_onsager_options_refuse_bad_values(argv, message, capsys, tmp_path):
    _usage_error(onsager_main, argv, message, capsys, tmp_path)


def test_every_option_has_a_bad_input_case():
    import argparse

    from emergent.cli import onsager as ons
    from emergent.cli import schrodinger as sch

    for module, table in ((sch, SCHRODINGER_BAD), (ons, ONSAGER_BAD)):
        seen = {a for argv, _ in table for a in argv if a.startswith("--")}
        captured = {}

        class Stop(Exception):
            pass

        real = argparse.ArgumentParser.parse_args

        def grab(self, *a, _c=captured, **k):
            _c["options"] = {o for act in self._actions for o in act.option_strings
                             if o.startswith("--") and o != "--help"}
            raise Stop

        argparse.ArgumentParser.parse_args = grab
        try:
            with pytest.raises(Stop):
                module.main([])
        finally:
            argparse.ArgumentParser.parse_args = real
        assert captured["options"] <= seen, captured["options"] - seen


def test_unknown_command_names_the_valid_ones(capsys):
    assert dispatch(["onsagr"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'onsagr'" in err
    for command in ("schrodinger", "onsager", "derivation"):
        assert command in err


def test_no_command_or_options_first_still_runs_schrodinger(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:  # an option of schrodinger, no command word
        dispatch(["--n", "16", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "python -m emergent schrodinger: error: --n must be >= 32" in capsys.readouterr().err


def test_bad_option_through_python_m_prints_no_traceback():
    out = subprocess.run([sys.executable, "-m", "emergent", "onsager", "--jets", "0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "--jets must be an integer >= 1" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("argv, message", [
    (["nope"], "one of: fokker-planck-schrodinger"),
    ([], "the following arguments are required: name"),
    (["fokker-planck-schrodinger", "--latex", "--text"], "not allowed with argument"),
    (["fokker-planck-schrodinger", "--bogus"], "unrecognized arguments"),
])
def test_derivation_command_refuses_bad_input(argv, message, capsys):
    from emergent.cli.derivation import main as derivation_main

    try:
        code = derivation_main(argv)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err + captured.out and "Traceback" not in captured.err
