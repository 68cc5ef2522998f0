"""``python -m emergent`` (Section 11): output files, provenance, resume, bad arguments."""

from __future__ import annotations

import json

import pytest

from emergent.__main__ import main as emergent_main
from emergent.cli.schrodinger import FIGURES, main


def test_cli_writes_figures_and_json_and_resumes(tmp_path, capsys):
    out = tmp_path / "s11"
    args = ["--out", str(out), "--n", "128", "--n-times", "21", "--directions", "1"]
    assert emergent_main(args) == 0  # "schrodinger" is the default command
    text = capsys.readouterr().out
    assert "what the derivation needs and what it drops" in text
    assert "Stationarity test" in text
    for name in FIGURES:
        assert (out / name).stat().st_size > 10_000
    payload = json.loads((out / "section11.json").read_text())
    assert payload["config"]["n"] == 128 and payload["config"]["seed"] == 0
    assert "numpy" in payload["versions"]
    assert payload["stationarity"]["Schrödinger packet"]["11.7c"][
        "worst_relative_first_variation"] < 1e-2
    assert payload["errors"]["split-step free packet"][0]["max_error"] < 1e-10
    # a finished run with the same configuration is not redone
    assert main(args) == 0
    assert "nothing to do" in capsys.readouterr().out
    # and is redone when asked
    assert main(args + ["--force", "--no-figures"]) == 0
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("bad", [["--D", "0"], ["--D", "-1"], ["--n", "8"], ["--sigma0", "0.01"]])
def test_cli_rejects_bad_arguments(tmp_path, bad):
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path), "--no-figures", *bad])
    assert exc.value.code == 2
