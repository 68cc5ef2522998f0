"""Command line of :mod:`learning` (``python -m learning reproduce --out results/``)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from learning.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
