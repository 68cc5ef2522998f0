"""The documentation stays in step with its sources."""

from __future__ import annotations

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_errata_page_is_assembled_from_its_parts():
    build = runpy.run_path(str(ROOT / "docs" / "build_errata.py"))
    assert (ROOT / "docs" / "errata.md").read_text() == build["assemble"](), (
        "docs/errata.md is out of date: run python docs/build_errata.py")


def test_every_errata_part_is_included():
    build = runpy.run_path(str(ROOT / "docs" / "build_errata.py"))
    parts = {p.stem for p in (ROOT / "docs" / "errata").glob("*.md")}
    assert parts == set(build["PARTS"])
