"""Dispatcher of ``python -m learning``: each subcommand lives in the module named for it.

* ``reproduce``  — the main job: Section 10 on MNIST (:mod:`learning.cli.reproduce`).
* ``figure1`` — Figure 1 of Section 9 (:mod:`learning.cli.figure1`).
* ``partition-table`` — Section 5 (:mod:`learning.cli.partition_table`).
* ``derivation`` — print a machine-checked derivation (:mod:`learning.cli.derivation`).
* ``analyze`` — the paper's quantities for a trained network from a file
  (:mod:`learning.cli.analyze`).
* ``study depth`` — deep vs shallow at equal dim S (:mod:`learning.cli.study`).
* ``laws`` — the laws of learning on runs recorded by :class:`learning.track.Recorder`
  (:mod:`learning.cli.laws`).
"""

from __future__ import annotations

import importlib
import sys

_COMMANDS = {
    "reproduce": ("learning.cli.reproduce", "the main job: Section 10 on MNIST, report + figures"),
    "figure1": ("learning.cli.figure1", "Figure 1: -ΔF(log λ) of the two-level model (9.3)"),
    "partition-table": ("learning.cli.partition_table",
                        "exact vs Gaussian partition functions on small networks (Section 5)"),
    "derivation": ("learning.cli.derivation", "print a machine-checked derivation"),
    "analyze": ("learning.cli.analyze", "analyse your own trained MLP (npz, safetensors, "
                "PyTorch, Keras, ONNX)"),
    "study": ("learning.cli.study", "study depth: deep vs shallow at equal dim S (Section 9)"),
    "laws": ("learning.cli.laws", "the laws (7.6), (7.11) on your own runs recorded by "
             "learning.track.Recorder"),
}


def _usage() -> str:
    lines = ["usage: python -m learning COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<16} {help_}" for name, (_, help_) in _COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``python -m learning COMMAND ...`` to ``learning.cli.<command>.main``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in _COMMANDS:
        print(f"unknown command {command!r}\n\n{_usage()}")
        return 2
    module = importlib.import_module(_COMMANDS[command][0])
    return int(module.main(rest))
