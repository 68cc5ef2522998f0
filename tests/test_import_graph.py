"""The import graph of learning, emergent and ntcore: no cycles, and only the allowed
directions between the three packages (read from the source by :mod:`ntcore.imports`)."""

from __future__ import annotations

import pathlib

from ntcore.imports import (
    import_cycles,
    import_graph,
    layer_groups,
    layering_violations,
    layers,
    package_graph,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("learning", "emergent", "ntcore")

GRAPH = import_graph(ROOT, PACKAGES)


def test_no_import_cycle_among_project_modules():
    assert import_cycles(GRAPH) == [], "import cycles (lazy and TYPE_CHECKING imports count)"


def test_packages_import_only_in_the_allowed_directions():
    wrong = layering_violations(GRAPH)
    assert wrong == [], f"imports against the layering (learning never imports emergent): {wrong}"
    # the check itself: an import of emergent from learning, and one of learning from ntcore
    planted = dict(GRAPH) | {"learning.septuple": GRAPH["learning.septuple"] | {"emergent.grids"},
                             "ntcore.checks": GRAPH["ntcore.checks"] | {"learning.septuple"}}
    assert layering_violations(planted) == [("learning.septuple", "emergent.grids"),
                                            ("ntcore.checks", "learning.septuple")]


def test_the_package_diagram_has_no_cycle():
    packages = package_graph(GRAPH)
    assert import_cycles(packages) == []
    assert set(layer_groups(GRAPH).values()) == set(packages)
    assert {"learning.bulk_minimum", "learning.cli", "emergent.cli", "ntcore"} <= set(packages)
    level = layers(packages)
    assert level["ntcore"] == 0 and all(level[t] < level[p] for p in packages
                                        for t in packages[p])


def _write(root: pathlib.Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_sees_lazy_type_checking_and_relative_imports(tmp_path):
    # A planted cycle in each form the project has had: a -> b at module level, b -> a only
    # inside a function; c -> d under TYPE_CHECKING, d -> c by a relative import.
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import f\n",
        "pkg/b.py": "def f():\n    from pkg import a\n    return a\n",
        "pkg/c.py": ("from typing import TYPE_CHECKING\n"
                     "if TYPE_CHECKING:\n    from pkg.d import D\n"),
        "pkg/d.py": "from .c import TYPE_CHECKING\nclass D: ...\n",
        "pkg/e.py": "import numpy\nimport pkg.a\n",
    })
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.e"] == {"pkg.a"}  # numpy is not a project module
    assert import_cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
    del graph["pkg.b"]
    assert import_cycles(graph) == [["pkg.c", "pkg.d"]]


def test_no_module_of_learning_or_emergent_is_over_700_lines():
    # the structure standard: one idea per module, short enough to read; 700 lines at most
    root = pathlib.Path(__file__).resolve().parents[1]
    sizes = {str(p.relative_to(root)): len(p.read_text().splitlines())
             for package in ("learning", "emergent") for p in (root / package).rglob("*.py")}
    assert not {path: n for path, n in sizes.items() if n > 700}
