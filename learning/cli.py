"""Dispatcher of ``python -m learning``: each subcommand lives in the module named for it.

* ``reproduce``  — the main job: Section 10 on MNIST (:mod:`learning.reproduce`).
* ``figure1``, ``partition-table`` — Sections 4-9 (:mod:`learning.ensemble_cli`).
* ``derivation`` — print a machine-checked derivation (:mod:`learning.derivations.cli`).
"""

from __future__ import annotations

import importlib

_COMMANDS = {
    "reproduce": ("learning.reproduce", "the main job: Section 10 on MNIST, report + figures"),
    "figure1": ("learning.ensemble_cli", "Figure 1: -ΔF(log λ) of the two-level model (9.3)"),
    "partition-table": ("learning.ensemble_cli",
                        "exact vs Gaussian partition functions on small networks (Section 5)"),
    "derivation": ("learning.derivations.cli", "print a machine-checked derivation"),
}


def _usage() -> str:
    lines = ["usage: python -m learning COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<16} {help_}" for name, (_, help_) in _COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in _COMMANDS:
        print(f"unknown command {command!r}\n\n{_usage()}")
        return 2
    module = importlib.import_module(_COMMANDS[command][0])
    # Modules serving several commands receive the command name first.
    if module.__name__ == "learning.ensemble_cli":
        return int(module.main([command, *rest]))
    return int(module.main(rest))
