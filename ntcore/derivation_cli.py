"""The shared command-line driver of the derivation registries:
``python -m learning derivation ...`` (Sections 4-9) and ``python -m emergent derivation ...``
(Sections 11-12) both call :func:`run` with their own registry.

usage: ... derivation list
       ... derivation NAME [--latex | --text]

``--text`` (default) prints the per-step verification report; ``--latex`` prints an ``align*``
block.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping

from ntcore.derivation import Derivation


def _equation_key(number: str) -> tuple[int, ...]:
    """Sort key of an equation label: "(12.10)" -> (12, 10); "(11.7a)" -> (11, 7)."""
    return tuple(int(k) for k in re.findall(r"\d+", number))


def run(argv: list[str], registry: Mapping[str, Callable[[], Derivation]], prog: str,
        hint: str = "") -> int:
    """Shared driver: ``list`` or ``NAME [--latex|--text]``; exit 0 iff the derivation verifies.

    (4.4)-(12.14): prints any registered derivation.
    """
    parser = argparse.ArgumentParser(prog=prog, description="machine-checked derivations")
    parser.add_argument("name", help="'list' or a derivation name")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_true", help="print LaTeX (align*)")
    out.add_argument("--text", action="store_true", help="print the verification report")
    args = parser.parse_args(argv)
    if args.name == "list":
        for name, factory in registry.items():
            d = factory()
            ordered = sorted((s.number for s in d.steps), key=_equation_key)
            nums = f"{ordered[0]}-{ordered[-1]}"
            print(f"{name:<22} {nums:<16} {d.title}")
        if hint:
            print(hint)
        return 0
    if args.name not in registry:
        parser.error(f"unknown derivation {args.name!r}; choose 'list' or one of: "
                     f"{', '.join(registry)}")
    d = registry[args.name]()
    if args.latex:
        print(d.to_latex())
        return 0
    report = d.verify()
    print(report.to_text())
    return 0 if report.ok else 1
