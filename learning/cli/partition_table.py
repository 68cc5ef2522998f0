"""``python -m learning partition-table``: exact vs Gaussian log Z (5.7)-(5.14) on small
networks, written as Markdown (:func:`learning.experiments.partition_table.partition_table`)."""

from __future__ import annotations

import argparse

from learning.experiments.partition_table import partition_table
from ntcore.atomic import atomic_write_text
from ntcore.checks import writable_file_problem


def main(argv: list[str]) -> int:
    """Write the partition table (5.7)-(5.14)."""
    parser = argparse.ArgumentParser(prog="python -m learning partition-table")
    parser.add_argument("--out", default="docs/partition_table.md")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    problem = writable_file_problem(args.out, (".md", ".txt"))  # its directory made if missing
    if problem:
        parser.error(f"--out {args.out!r} {problem}")
    atomic_write_text(args.out, partition_table(seed=args.seed))
    print(f"wrote {args.out}")
    return 0
