"""``python -m emergent``: see :mod:`emergent.cli`."""

from __future__ import annotations

from emergent.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
