"""``python -m learning derivation list | NAME [--latex|--text]``: the derivations of
Sections 4-9 (:mod:`learning.derivations`). The Section 11-12 derivations live in
:mod:`emergent.derivations` (``python -m emergent derivation ...``); learning never imports
emergent.
"""

from __future__ import annotations

from ntcore.derivation_cli import run

HINT = "Sections 11-12: python -m emergent derivation list"


def main(argv: list[str]) -> int:
    """Entry point of ``python -m learning derivation`` (4.4)-(9.11)."""
    from learning.derivations import DERIVATIONS

    return run(argv, DERIVATIONS, "python -m learning derivation", HINT)
