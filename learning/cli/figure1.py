"""``python -m learning figure1``: Figure 1, -ΔF(log λ) of the two-level model (9.3)."""

from __future__ import annotations

import argparse
import os

from learning.architecture import figure1, two_level_phase
from ntcore.checks import writable_directory_problem


def _option_names(message: str) -> str:
    # The library names its arguments (path, betas, gamma, n); say which option that is.
    for name, option in (("path", "--out"), ("beta", "--betas"), ("gamma", "--gamma"),
                         ("n ", "--n ")):
        if message.startswith(name):
            return f"{option.strip()}: {message}"
    return message


def main(argv: list[str]) -> int:
    """Draw Figure 1 (9.3) and print the extrema against (9.4)."""
    parser = argparse.ArgumentParser(prog="python -m learning figure1",
                                     description="Figure 1: -ΔF(log λ) of (9.3)")
    parser.add_argument("--out", default="results/figure1.png")
    parser.add_argument("--gamma", type=float, default=1 / 3)
    parser.add_argument("--n", type=float, default=854)
    parser.add_argument("--betas", type=float, nargs="+", default=[0.25, 0.50, 0.73, 1.00])
    args = parser.parse_args(argv)
    parent = os.path.dirname(args.out)
    problem = writable_directory_problem(parent) if parent else None  # made if missing
    if problem:
        parser.error(f"--out: the directory {parent!r} {problem}")
    try:
        # figure1 validates every argument by name; a refusal is a usage error here.
        extrema = figure1(args.out, args.betas, args.gamma, args.n)
    except (ValueError, TypeError) as exc:
        parser.error(_option_names(str(exc)))
    for beta, ext in extrema.items():
        found = ", ".join(f"{k} at {p:+.4f}" for p, k in zip(ext.positions, ext.kinds,
                                                             strict=True))
        print(f"beta = {beta:.2f} ({two_level_phase(beta, args.gamma, args.n)}): {found}; "
              f"(9.4) claims {ext.paper_9_4:+.4f}")
    print(f"wrote {args.out}")
    return 0
