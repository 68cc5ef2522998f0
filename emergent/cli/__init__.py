"""Dispatcher of ``python -m emergent``: each subcommand lives in ``emergent.cli.<command>``.

``python -m emergent [schrodinger] [options]`` runs Section 11 on grids (constrained
Fokker-Planck -> Schrödinger: solvers, stationarity test, what the derivation drops);
``python -m emergent onsager --dim 4`` runs the Section 12 verdict on the Onsager tensor
(12.9); ``python -m emergent derivation NAME [--latex]`` prints a checked derivation;
``python -m emergent nelson`` runs Nelson's stochastic mechanics beside the paper's functional.
"""

from __future__ import annotations

import importlib
import sys

_COMMANDS = {"schrodinger": "emergent.cli.schrodinger", "onsager": "emergent.cli.onsager",
             "derivation": "emergent.cli.derivation", "nelson": "emergent.cli.nelson"}


def _usage() -> str:
    return f"usage: python -m emergent [{{{','.join(_COMMANDS)}}}] [options]"


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``python -m emergent [COMMAND] ...`` (default: ``schrodinger``).

    Sections 11-12: (11.5)-(11.9) and (12.6)-(12.14).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in _COMMANDS:
        # a word where a command belongs: a typo, not an argument of the default command
        print(f"{_usage()}\npython -m emergent: error: unknown command {argv[0]!r}; valid "
              f"commands: {', '.join(_COMMANDS)} (default: schrodinger)", file=sys.stderr)
        return 2
    command = argv[0] if argv and argv[0] in _COMMANDS else "schrodinger"
    rest = argv[1:] if argv and argv[0] in _COMMANDS else argv
    try:
        module = importlib.import_module(_COMMANDS[command])
    except ModuleNotFoundError as exc:
        if exc.name != _COMMANDS[command]:
            raise
        print(f"python -m emergent {command}: module {exc.name} is missing from this install; "
              "see README.md, Status.", file=sys.stderr)
        return 2
    return int(module.main(rest))

