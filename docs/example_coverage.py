"""Which public functions and classes carry an example (a doctest), module by module.

The modules are the public modules of ``learning``, ``emergent`` and ``ntcore`` that the API
pages document (``_build_pages.public_modules``), without the command-line modules; the names
are each module's public functions and classes (``__all__`` where the module states it), as
the equation index enumerates them (``equation_index._public_members``, methods left out).
A name "has an example" when its docstring holds a ``>>>`` line.

Run ``python docs/example_coverage.py`` for the totals and the modules with no example at
all; ``--all`` lists every module.
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


def coverage() -> list[ModuleCoverage]:
    """One :class:`ModuleCoverage` per public, non-command-line module with public names."""
    out = []
    for name in _build_pages.public_modules():
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


def main(argv: list[str]) -> int:
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
