"""Atomic file output: write to a temporary file in the target directory, then rename, so a
killed process never leaves a half-written result."""

from __future__ import annotations

import json
import os
import tempfile


def atomic_write(path: str | os.PathLike, write, suffix: str = ".tmp") -> None:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write(text)

    atomic_write(path, write)


def atomic_write_json(path: str | os.PathLike, payload, indent: int | None = 1) -> None:
    atomic_write_text(path, json.dumps(payload, indent=indent))


def atomic_savefig(fig, path: str | os.PathLike, dpi: int = 120) -> None:
    """Save a matplotlib figure as PNG atomically (after tight_layout)."""
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"), suffix=".png")
