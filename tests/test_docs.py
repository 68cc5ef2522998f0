"""The documentation stays in step with its sources."""

from __future__ import annotations

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_errata_page_is_assembled_from_its_parts():
    build = runpy.run_path(str(ROOT / "docs" / "build_errata.py"))
    assert (ROOT / "docs" / "errata.md").read_text() == build["assemble"](), (
        "docs/errata.md is out of date: run python docs/build_errata.py")


def test_the_architecture_diagram_is_the_code_s():
    build = runpy.run_path(str(ROOT / "docs" / "build_architecture.py"))
    assert (ROOT / "docs" / "development.md").read_text() == build["assemble"](), (
        "docs/development.md's package diagram is out of date: run "
        "python docs/build_architecture.py")


def test_every_errata_part_is_included():
    build = runpy.run_path(str(ROOT / "docs" / "build_errata.py"))
    parts = {p.stem for p in (ROOT / "docs" / "errata").glob("*.md")}
    assert parts == set(build["PARTS"])


def test_every_public_module_has_a_docstring_and_an_api_page():
    pages = runpy.run_path(str(ROOT / "docs" / "_build_pages.py"))
    modules = pages["public_modules"]()
    import importlib
    import importlib.util

    def docstring(name: str) -> str:
        try:
            return importlib.import_module(name).__doc__ or ""
        except ImportError:  # an adapter whose optional framework is missing: read the source
            import ast

            spec = importlib.util.find_spec(name)
            return ast.get_docstring(ast.parse(pathlib.Path(spec.origin).read_text())) or ""

    missing = [m for m in modules if not docstring(m).strip()]
    assert not missing, f"public modules without a docstring (empty API pages): {missing}"
    assert {"learning", "emergent", "ntcore", "learning.spectrum"} <= set(modules)


def test_every_example_has_a_gallery_title():
    # sphinx-gallery takes the title from the docstring's first line, underlined with '='.
    for script in (ROOT / "examples").glob("*.py"):
        lines = script.read_text().splitlines()
        assert lines[0].startswith(('"""', 'r"""')) and set(lines[1]) == {"="}, script.name
        assert len(lines[1]) >= len(lines[0]) - 3, script.name
