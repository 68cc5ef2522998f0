"""Option checks shared by the training commands (``reproduce``, ``study depth``): each bad
value is a usage error naming the option (exit status 2), found before any work starts."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from learning.experiments.datasets import IDX_FILES
from ntcore.checks import writable_directory_problem


def check_out_dir(parser: argparse.ArgumentParser, out: Path) -> None:
    """``--out`` must be a directory this process can create and write in."""
    problem = writable_directory_problem(out)
    if problem:
        parser.error(f"--out {out} {problem}")


def check_minimums(parser: argparse.ArgumentParser, args: argparse.Namespace,
                   minimum: dict[str, int]) -> None:
    """Every named count option, when given, is at least its minimum."""
    for name, low in minimum.items():
        value = getattr(args, name)
        if value is not None and value < low:
            parser.error(f"--{name.replace('_', '-')} must be >= {low}, got {value}")


def check_learning_rate(parser: argparse.ArgumentParser, learning_rate: float) -> None:
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        parser.error(f"--learning-rate must be finite and > 0, got {learning_rate}")


def check_mnist_dir(parser: argparse.ArgumentParser, mnist_dir: Path | None) -> None:
    """``--mnist-dir``, when given, holds the four IDX files (gzipped or not)."""
    if mnist_dir is None:
        return
    if not mnist_dir.is_dir():
        parser.error(f"--mnist-dir {mnist_dir} is not a directory")
    missing = [n for n in IDX_FILES if not (mnist_dir / n).is_file()
               and not (mnist_dir / (n + ".gz")).is_file()]
    if missing:
        parser.error(f"--mnist-dir {mnist_dir} lacks {', '.join(missing)}")
