"""The equation index: every numbered equation of the paper -> code, tests, derivations, errata.

Generated at build time (``_build_pages.write_all``) from what the code says of itself, so it
cannot fall out of date:

* the equations and their printed LaTeX: ``docs/paper/equations.json`` (extracted once from the
  paper's text; the paper itself is not part of the project);
* code: every public module, function, class and method whose docstring cites the number, as
  ``(5.9)`` or inside a range ``(5.9)-(5.14)``;
* tests: every ``test_*`` function whose source cites it (its docstring, comments or strings);
* derivations: every step of a registered derivation whose ``number`` is the equation;
* errata: every entry (a ``###`` heading of ``docs/errata/*.md``) whose heading cites it.

Run ``python docs/equation_index.py`` to print the counts (how many equations have code, tests).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_NUMBER = r"\((\d{1,2})\.(\d{1,2})\)"
_RANGE = re.compile(_NUMBER + r"\s*(?:-|–|to)\s*" + _NUMBER)
_SINGLE = re.compile(_NUMBER)


#: optional frameworks of the adapters (learning.track): mocked while the site imports the
#: modules, as autodoc mocks them (conf.py), so the docs build needs only the docs extra
MOCKED_IMPORTS = ["torch", "lightning", "pytorch_lightning", "keras"]


def import_module(name: str):
    """Import a public module of the project; a module whose optional framework is missing (or
    cannot start) is imported again with the frameworks mocked, as autodoc documents it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        from sphinx.ext.autodoc.mock import mock  # the tests, without Sphinx, never get here

        with mock(MOCKED_IMPORTS):
            return importlib.import_module(name)


def paper_equations() -> dict[str, str]:
    """Equation number -> its LaTeX as printed, in the paper's order."""
    data = json.loads((HERE / "paper" / "equations.json").read_text(encoding="utf-8"))
    return data["equations"]


def cited_numbers(text: str, known: Iterable[str]) -> set[str]:
    """The equation numbers that ``text`` cites, ranges expanded within a section.

    >>> sorted(cited_numbers("see (5.9)-(5.11) and (2.1)", ["2.1", "5.9", "5.10", "5.11"]),
    ...        key=lambda s: tuple(map(int, s.split("."))))
    ['2.1', '5.9', '5.10', '5.11']
    >>> cited_numbers("a factor (1.5)", ["2.1"])
    set()
    """
    known = set(known)
    found = set()
    for m in _RANGE.finditer(text):
        s1, e1, s2, e2 = map(int, m.groups())
        if s1 == s2 and e1 <= e2:
            found.update(f"{s1}.{e}" for e in range(e1, e2 + 1))
    found.update(f"{a}.{b}" for a, b in _SINGLE.findall(text))
    return found & known


@dataclass
class Entry:
    """What cites one equation."""

    code: list[str] = field(default_factory=list)  # dotted names of documented objects
    tests: list[str] = field(default_factory=list)  # file::test
    steps: list[str] = field(default_factory=list)  # derivation names
    errata: list[tuple[str, str]] = field(default_factory=list)  # (heading, anchor)


def _public_members(module) -> Iterable[tuple[str, object]]:
    names = getattr(module, "__all__", None)
    for name, obj in vars(module).items():
        if name.startswith("_") or (names is not None and name not in names):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and \
                getattr(obj, "__module__", None) == module.__name__:
            yield f"{module.__name__}.{name}", obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member


def code_citations(modules: Iterable[str], known: set[str], index: dict[str, Entry]) -> None:
    """Public objects whose docstrings cite each equation."""
    for name in modules:
        module = import_module(name)
        if hasattr(module, "__path__"):
            continue  # a package's page documents no members (docs/_build_pages.api_pages)
        for dotted, obj in _public_members(module):
            for number in cited_numbers(inspect.getdoc(obj) or "", known):
                index[number].code.append(dotted)


def test_citations(known: set[str], index: dict[str, Entry]) -> None:
    """``test_*`` functions whose source cites each equation."""
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    node.name.startswith("test_"):
                text = ast.get_source_segment(source, node) or ""
                for number in cited_numbers(text, known):
                    index[number].tests.append(f"{path.relative_to(ROOT)}::{node.name}")


def derivation_citations(known: set[str], index: dict[str, Entry]) -> None:
    """Registered derivations with a step numbered as each equation."""
    from emergent.derivations import DERIVATIONS as EMERGENT
    from learning.derivations import DERIVATIONS as LEARNING

    for registry in (LEARNING, EMERGENT):
        for name, factory in registry.items():
            for step in factory().steps:
                for number in cited_numbers(str(step.number), known):
                    if name not in index[number].steps:
                        index[number].steps.append(name)


def errata_citations(known: set[str], index: dict[str, Entry]) -> None:
    """Errata entries (``###`` headings) citing each equation, with the page's anchor."""
    from myst_parser.mdit_to_docutils.base import default_slugify

    for path in sorted((HERE / "errata").glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("### "):
                heading = line[4:].strip()
                for number in cited_numbers(heading, known):
                    index[number].errata.append((heading, default_slugify(heading)))


def build_index(modules: Iterable[str]) -> tuple[dict[str, str], dict[str, Entry]]:
    """Collect every citation of every numbered equation."""
    equations = paper_equations()
    known = set(equations)
    index: dict[str, Entry] = defaultdict(Entry)
    code_citations(modules, known, index)
    test_citations(known, index)
    derivation_citations(known, index)
    errata_citations(known, index)
    return equations, index


def _cell(items: list[str], limit: int) -> str:
    shown = "<br>".join(items[:limit])
    return shown + (f"<br>(+{len(items) - limit} more)" if len(items) > limit else "")


def _row(number: str, latex: str, entry: Entry) -> str:
    flat = " ".join(latex.replace("|", r"\vert ").split())
    if "\\begin{aligned}" in flat or len(flat) > 160:
        shown = f"{{ref}}`printed <eq-{number.replace('.', '-')}-printed>`"
    else:
        shown = f"${flat}$"
    code = [f"{{py:obj}}`~{name}`" for name in sorted(set(entry.code))]
    steps = [f"[{s}](derivations.md)" for s in entry.steps]
    errata = [f"[erratum](../errata.md#{anchor})" for _, anchor in entry.errata]
    checked = [f"{len(set(entry.tests))} test(s)"] if entry.tests else []
    anchor = f'<span id="eq-{number.replace(".", "-")}">({number})</span>'
    return (f"| {anchor} | {shown} | {_cell(code, 6)} | "
            f"{_cell(checked + steps + errata, 5)} |")


def index_page(modules: Iterable[str]) -> str:
    """The Markdown page ``_generated/equations.md``."""
    equations, index = build_index(modules)
    with_code = sum(1 for n in equations if index[n].code)
    with_tests = sum(1 for n in equations if index[n].tests)
    parts = ["(equation-index)=", "# Equation index", "",
             f"Every numbered equation of the paper ({len(equations)} in all), with the "
             "public functions whose docstrings cite it, the tests that cite it, the derivation "
             "steps that carry its number and the errata entries about it. Generated from the "
             f"code when this site was built: {with_code} equations are cited by code and "
             f"{with_tests} by tests. An equation without code is prose-level in the paper "
             "(a definition used inside another, or a statement checked through a later "
             "equation).", ""]
    long_ones = []
    for section in sorted({int(n.split(".")[0]) for n in equations}):
        parts += [f"## Section {section}", "",
                  "| Eq. | As printed | Code | Checked by |",
                  "| --- | --- | --- | --- |"]
        for number, latex in equations.items():
            if int(number.split(".")[0]) == section:
                parts.append(_row(number, latex, index[number]))
                flat = " ".join(latex.split())
                if "\\begin{aligned}" in flat or len(flat) > 160:
                    long_ones.append((number, latex))
        parts.append("")
    parts += ["## The tests of each equation", "",
              "Run one with `python -m pytest FILE -k NAME`.", ""]
    for number in equations:
        tests = sorted(set(index[number].tests))
        if tests:
            parts += [f"- ({number}): " + ", ".join(f"`{t}`" for t in tests)]
    parts += ["", "## Long equations as printed", ""]
    for number, latex in long_ones:
        parts += [f"({'eq-' + number.replace('.', '-') + '-printed'})=",
                  f"### ({number})", "", "$$", latex, "$$", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from _build_pages import public_modules

    equations, index = build_index(public_modules())
    missing = [n for n in equations if not index[n].code and not index[n].tests]
    print(f"{len(equations)} equations; {sum(bool(index[n].code) for n in equations)} with code; "
          f"{sum(bool(index[n].tests) for n in equations)} with tests; "
          f"neither: {', '.join(missing)}")
