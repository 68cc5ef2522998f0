"""Every command's default invocation works (issue 25, item 2).

The commands are read from the dispatchers (``learning.cli._COMMANDS``,
``emergent.cli._COMMANDS``); each is invoked with only its required arguments
(``REQUIRED``), in an empty working directory as on a fresh clone.

* Fast: each default invocation parses and starts its work (the work function replaced by a
  stub that stops it: ``STARTS``), or, for the quick commands, runs to the end with exit 0.
* Slow: each default invocation runs to completion as a subprocess (exit 0, no traceback),
  except the two training jobs, whose defaults are hours of training (``TOO_LONG``): for them
  the fast test is the check, and the reason is stated.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    from emergent.cli import _COMMANDS as EMERGENT
    from learning.cli import _COMMANDS as LEARNING

    return [f"learning {c}" for c in LEARNING] + [f"emergent {c}" for c in EMERGENT]


def _model(directory: Path) -> str:
    from learning.feedforward import feedforward
    from learning.io import save_network

    path = directory / "net.npz"
    save_network(feedforward((4, 3, 2), seed=0), path)
    return str(path)


# Only what each command requires (a positional or a required option): nothing else.
REQUIRED = {
    "learning reproduce": [], "learning figure1": [], "learning partition-table": [],
    "learning derivation": ["list"], "learning analyze": ["<model>"],
    "learning study": ["depth", "--out", "depth"],
    "emergent schrodinger": [], "emergent onsager": [], "emergent derivation": ["list"],
    "emergent nelson": [],
}
# The work a long default starts once its options are accepted (stubbed in the fast test).
STARTS = {
    "learning reproduce": "learning.cli.reproduce.run_jobs",
    "learning study": "learning.cli.study.run_jobs",
    "learning partition-table": "learning.cli.partition_table.partition_table",
    "learning analyze": "learning.analysis.analyze_network",
    "emergent schrodinger": "emergent.cli.schrodinger.stationarity_table",
    "emergent onsager": "emergent.cli.onsager.onsager_verdict",
    "emergent nelson": "emergent.cli.nelson.compare_with_paper",
}
# Registries emptied in the fast test (building every derivation takes a minute under load):
# `derivation list` then parses, dispatches and prints only the hint.
EMPTIED = {"learning derivation": "learning.derivations.DERIVATIONS",
           "emergent derivation": "emergent.derivations.DERIVATIONS"}
# Defaults no test can run to the end, with the reason.
TOO_LONG = {
    "learning reproduce": "the full Section 10 job: 10 000 epochs x 3 seeds x 3 networks and "
                          "the sweep (hours)",
    "learning study": "5 seeds x 5 architectures x 10 000 epochs (hours)",
}


def test_every_command_has_a_default_invocation():
    assert set(_commands()) == set(REQUIRED), "a command without an entry in REQUIRED"


class _Started(Exception):
    pass


def _stop(*args, **kwargs):
    raise _Started


@pytest.mark.parametrize("command", _commands())
def test_default_invocation_parses_and_starts(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if command in STARTS:
        module, attr = STARTS[command].rsplit(".", 1)
        monkeypatch.setattr(importlib.import_module(module), attr, _stop)
    if command in EMPTIED:
        module, attr = EMPTIED[command].rsplit(".", 1)
        monkeypatch.setattr(importlib.import_module(module), attr, {})
    package, name = command.split()
    argv = [name] + [_model(tmp_path) if a == "<model>" else a for a in REQUIRED[command]]
    main = importlib.import_module(f"{package}.cli").main
    try:
        code = main(argv)
    except _Started:
        return  # options accepted, the work began
    except SystemExit as exc:  # a usage error of the default invocation
        pytest.fail(f"{command}: exit {exc.code}\n{capsys.readouterr()}")
    assert code == 0, f"{command}: exit {code}\n{capsys.readouterr()}"


@pytest.mark.slow
@pytest.mark.parametrize("command", [c for c in _commands() if c not in TOO_LONG])
def test_default_invocation_runs_to_completion(command, tmp_path):
    package, name = command.split()
    argv = [name] + [_model(tmp_path) if a == "<model>" else a for a in REQUIRED[command]]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", package, *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stdout + done.stderr


def test_too_long_defaults_are_the_training_jobs():
    """Only the training commands are exempt from running to completion, and they start."""
    assert set(TOO_LONG) <= set(STARTS)
    assert set(TOO_LONG) == {"learning reproduce", "learning study"}
