"""The committed runs the Keras and Lightning gallery examples draw where the framework is not
installed (the documentation's build): sealed, complete, and what the figures need."""

import json
from pathlib import Path

import pytest

from ntcore.integrity import seal_problem

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"
SERIES = {"track_keras_figure.json": ("ratio_bulk_to_boundary",),
          "track_lightning_figure.json": ("boundary_loss", "bulk_loss")}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_committed_run_is_sealed_and_complete(name):
    data = json.loads((DATA / name).read_text())
    assert seal_problem(data, name) is None
    steps = data["steps"]
    assert steps == sorted(set(steps)) and steps[0] == 0
    assert steps[-1] == data["config"]["steps"]
    for key in SERIES[name]:
        assert len(data[key]) == len(steps) and all(v > 0 for v in data[key])
    assert data["verdicts"] and data["framework"] and data["date"]


def test_an_edited_committed_run_is_refused():
    data = json.loads((DATA / "track_keras_figure.json").read_text())
    data["ratio_bulk_to_boundary"][-1] *= 2
    assert "edited or damaged" in seal_problem(data, "track_keras_figure.json")
