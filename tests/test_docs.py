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


def test_every_module_of_learning_and_emergent_has_a_concept_in_the_api_index():
    pages = runpy.run_path(str(ROOT / "docs" / "_build_pages.py"))
    rest = "Checks, verdicts, files and other infrastructure"
    loose = [m for m in pages["public_modules"]()
             if pages["concept_of"](m) == rest and m.split(".")[0] != "ntcore"
             and m != "learning.testing"]
    assert not loose, f"add these modules to a concept of docs/_build_pages.CONCEPTS: {loose}"


def _site(tmp_path: pathlib.Path, body: str) -> pathlib.Path:
    (tmp_path / "api").mkdir(parents=True)
    (tmp_path / "api" / "x.html").write_text(f"<html><body>{body}</body></html>")
    return tmp_path


def test_check_html_finds_fields_that_lost_a_name_or_their_description(tmp_path):
    check = runpy.run_path(str(ROOT / "docs" / "check_html.py"))
    lost = ('<li><p><strong>upper</strong> (<a class="reference internal" href="#l"><em>lower'
            '</em></a><em>,</em>) – The values bounding it.</p></li>')
    as_list = ('<li><p><strong>n_neurons</strong> (<em>int</em>) – <ol class="upperalpha simple" '
               'start="14"><li></li></ol></p></li>')
    fine = ('<li><p><strong>lower</strong> (<em>float</em>) – The lower end.</p></li>'
            '<li><p><strong>t_final</strong> (<em>float</em><em>, </em><em>int</em>) – Time.</p>'
            '</li>')
    for body, expected in ((lost, 1), (as_list, 1), (fine, 0)):
        site = _site(tmp_path / str(len(body)), body)
        pages = list(check["_pages"](site))
        assert len(check["check_fields"](site, pages)) == expected, body


def test_check_html_finds_build_machine_paths(tmp_path):
    import tempfile

    check = runpy.run_path(str(ROOT / "docs" / "check_html.py"))
    for text, expected in ((f"report: {ROOT}/examples/x.py:52: RuntimeWarning", 1),
                           (f"$ python -m learning analyze {tempfile.gettempdir()}/tmpab12cd_x/n",
                            1),
                           ("$ python -m learning analyze OUT/net.npz (see /tmp/torch_run)", 0)):
        site = _site(tmp_path / str(expected) / str(len(text)), f"<pre>{text}</pre>")
        pages = list(check["_pages"](site))
        assert len(check["check_paths"](site, pages)) == expected, text


def test_attribute_lists_are_split_one_entry_per_name():
    conf = runpy.run_path(str(ROOT / "docs" / "conf.py"))
    lines = ["Attributes", "----------", "lower, upper", "    The bounds.", "n : int",
             "    Count.", "", "Parameters", "----------", "x, y", "    Kept together."]
    conf["_one_attribute_per_name"](None, "class", "C", None, None, lines)
    assert lines == ["Attributes", "----------", "lower", "    The bounds.", "upper",
                     "    The bounds.", "n : int", "    Count.", "", "Parameters",
                     "----------", "x, y", "    Kept together."]


def test_every_core_function_of_a_concept_module_has_an_example():
    # issue 24, item 6: the public functions citing an equation, in the modules implementing the
    # paper, each carry a doctest (docs/example_coverage.py --concepts lists them)
    coverage = runpy.run_path(str(ROOT / "docs" / "example_coverage.py"))
    missing = coverage["core_functions_without_example"]()
    assert not missing, f"core functions without an example: {missing}"
