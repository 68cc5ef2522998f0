"""The tour notebook (a jupytext py:percent file) runs top to bottom, and its objects display."""

from __future__ import annotations

import pathlib
import runpy

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tour() -> dict:
    return runpy.run_path(str(ROOT / "examples" / "tour_of_the_paper.py"), run_name="tour")


def test_tour_runs_and_checks_what_it_prints(tour):
    # The fixed point is the forward pass (2.9) and det G = 1 (7.7), recomputed here.
    assert tour["x_star"].steps == 3
    assert abs(float(tour["spectrum"].log_eigenvalues.sum())) < 1e-10
    assert tour["report"].ok


def test_tour_objects_display_in_jupyter(tour):
    markdown = tour["report"]._repr_markdown_()
    assert markdown.count("\n| (") == len(tour["report"].steps)
    assert tour["layer_two_traces"]()._repr_latex_().startswith(r"\begin{align*}")
