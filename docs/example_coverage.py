"""Which public functions and classes carry an example (a doctest), module by module.

The modules are the public modules of ``learning``, ``emergent`` and ``ntcore`` that the API
pages document (``_build_pages.public_modules``), without the command-line modules; the names
are each module's public functions and classes (``__all__`` where the module states it), as
the equation index enumerates them (``equation_index._public_members``, methods left out).
A name "has an example" when its docstring holds a ``>>>`` line.

Run ``python docs/example_coverage.py`` for the totals and the modules with no example at
all; ``--all`` lists every module. ``--concepts`` lists the concept modules (those of the API
index's concepts that implement the paper, ``_build_pages.CONCEPTS``: not the command line,
the readers of model files, the run recorders, the Section 10 pipeline or the infrastructure)
with their core functions, the public functions whose docstrings cite an equation of the
paper, and those of them without an example.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _build_pages  # noqa: E402
import equation_index  # noqa: E402

#: command-line front ends: their functions are the commands, documented by --help
CLI_PARTS = ("cli", "__main__", "derivation_cli")


@dataclass(frozen=True)
class ModuleCoverage:
    """The public names of one module and those among them with an example."""

    module: str
    names: tuple[str, ...]
    with_example: tuple[str, ...]


def is_cli(module: str) -> bool:
    """Whether ``module`` is a command-line module (a name part is ``cli`` or ends so).

    >>> is_cli("learning.cli.analyze"), is_cli("ntcore.derivation_cli"), is_cli("ntcore.verdict")
    (True, True, False)
    """
    return any(part in CLI_PARTS or part.endswith("_cli") for part in module.split("."))


def coverage(names: list[str] | None = None) -> list[ModuleCoverage]:
    """One :class:`ModuleCoverage` per public, non-command-line module with public names (of
    ``names`` only, if given)."""
    out = []
    for name in _build_pages.public_modules() if names is None else names:
        module = equation_index.import_module(name)
        if is_cli(name) or hasattr(module, "__path__"):
            continue
        members = [(dotted, obj) for dotted, obj in equation_index._public_members(module)
                   if dotted.count(".") == name.count(".") + 1]
        if not members:
            continue
        shown = tuple(d for d, obj in members if ">>>" in (inspect.getdoc(obj) or ""))
        out.append(ModuleCoverage(name, tuple(d for d, _ in members), shown))
    return out


#: concepts of the API index that are tools around the paper's concepts, not the concepts
NOT_CONCEPTS = ("Command-line front ends", "The packages",
                "Checks, verdicts, files and other infrastructure",
                "Your own network: reading and analysing it",
                "Your own training run: recording it and testing the laws",
                "The MNIST experiments (Section 10)",
                "The Section 11 experiments: the figures and tables of python -m emergent")


def core_functions(row: ModuleCoverage) -> list[tuple[str, bool]]:
    """(name, has an example) for each public function of ``row`` that cites an equation."""
    module = equation_index.import_module(row.module)
    known = set(equation_index.paper_equations())
    out = []
    for dotted in row.names:
        obj = getattr(module, dotted.rsplit(".", 1)[1])
        if inspect.isfunction(obj) and equation_index.cited_numbers(inspect.getdoc(obj) or "",
                                                                    known):
            out.append((dotted.rsplit(".", 1)[1], dotted in row.with_example))
    return out


def concept_rows() -> dict[ModuleCoverage, list[tuple[str, bool]]]:
    """The concept modules' coverage rows, each with its :func:`core_functions`."""
    # only the concept modules are imported: the adapters need their optional frameworks
    names = [m for m in _build_pages.public_modules()
             if _build_pages.concept_of(m) not in NOT_CONCEPTS]
    rows = coverage(names)
    return {r: core_functions(r) for r in rows}


def core_functions_without_example() -> list[str]:
    """``module.function`` for every core function of a concept module without an example."""
    return [f"{row.module}.{name}" for row, core in concept_rows().items()
            for name, shown in core if not shown]


def concepts() -> int:
    by_row = concept_rows()
    rows = list(by_row)
    cores = {r.module: by_row[r] for r in rows}
    total = sum(len(c) for c in cores.values())
    shown = sum(x for c in cores.values() for _, x in c)
    print(f"{len(rows)} concept modules, {sum(bool(r.with_example) for r in rows)} with an "
          f"example; {total} core functions (citing an equation), {shown} with an example")
    for r in rows:
        missing = [name for name, x in cores[r.module] if not x]
        print(f"  {r.module:<42} {len(r.with_example):>3} / {len(r.names):<3} core "
              f"{len(cores[r.module]) - len(missing)} / {len(cores[r.module])}"
              + (f"; without: {', '.join(missing)}" if missing else ""))
    return 0


def main(argv: list[str]) -> int:
    if "--concepts" in argv:
        return concepts()
    rows = coverage()
    names = sum(len(r.names) for r in rows)
    shown = sum(len(r.with_example) for r in rows)
    bare = [r for r in rows if not r.with_example]
    print(f"{len(rows)} modules, {names} public functions and classes, {shown} with an example; "
          f"{len(bare)} modules with none")
    for r in rows if "--all" in argv else bare:
        print(f"  {r.module:<48} {len(r.with_example):>3} / {len(r.names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
