"""``python -m emergent derivation list | NAME [--latex|--text]``: the derivations of
Sections 11-12 (:mod:`emergent.derivations`)."""

from __future__ import annotations

from ntcore.derivation_cli import run


def main(argv: list[str]) -> int:
    """``python -m emergent derivation list | NAME [--latex|--text]`` (11.5)-(12.14)."""
    from emergent.derivations import DERIVATIONS

    return run(argv, DERIVATIONS, "python -m emergent derivation",
               "Sections 4-9: python -m learning derivation list")
