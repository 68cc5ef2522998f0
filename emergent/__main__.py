"""Command line of :mod:`emergent`.

``python -m emergent [schrodinger] [options]`` runs the Section 11 demonstration
(constrained Fokker-Planck -> Schrodinger); ``python -m emergent onsager --dim 4``
runs the Section 12 verdict on the Onsager tensor (12.9).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "onsager":
        from emergent.onsager_cli import main as onsager_main

        return onsager_main(argv[1:])
    if argv and argv[0] == "schrodinger":
        argv = argv[1:]
    from emergent.schrodinger_cli import main as schrodinger_main

    return schrodinger_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
