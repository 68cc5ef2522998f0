"""``python -m emergent nelson``: Nelson's stochastic mechanics beside the paper's functional.

Prints the side-by-side table (the paper's stationary path, the corrected functional, Nelson's
walkers and plain diffusion from the same Ψ0), the known-answer checks of the walkers and of the
grid Fokker-Planck equation with Nelson's drift, Nelson's Newton law, and the fitted
convergence orders with their computed verdicts (:mod:`ntcore.verdict`).  Writes figures and
``nelson.json`` (configuration, seed, library versions, every number) to ``--out``; a finished
run with the same configuration is not redone (``--force``).  ``--quick`` is a smoke-test
setting (fewer walkers and points; orders then come from noisier fits).  The computations are
in :mod:`emergent.experiments`; this module parses and prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time

from emergent.experiments.nelson_checks import NelsonChecks, NelsonConfig, run_checks
from emergent.experiments.nelson_figures import FIGURES, write_figures
from emergent.experiments.nelson_paper import (
    PaperComparison,
    compare_with_paper,
    format_comparison,
)
from ntcore.atomic import atomic_write_json
from ntcore.checks import writable_directory_problem
from ntcore.integrity import finished_run, seal
from ntcore.provenance import library_versions

# Walkers of --quick (a smoke test); --walkers with --quick is a usage error.
_QUICK_WALKERS = 20_000


def _format_rows(title: str, rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [title]
    for name, row in rows:
        cells = ", ".join(f"{k} {v:.3g}" for k, v in row.items() if isinstance(v, float))
        lines.append(f"  {name}: {cells}")
    return "\n".join(lines)


def _print_checks(checks: NelsonChecks) -> None:
    print(_format_rows("Known answers (walkers against closed forms; '*_noise' / "
                       "'*_sampling_level' = the sampling error alone):",
                       [(k.case, k.to_dict()) for k in checks.known_answers]))
    print(_format_rows("Grid Fokker-Planck with Nelson's drift against |Ψ|² (no sampling):",
                       [(f"grid Fokker-Planck: {c.case}", c.to_dict()) for c in checks.grid]))
    print(_format_rows("Fokker-Planck residuals of p = |Ψ|² and Nelson's Newton law "
                       "(relative):", [(f"laws: {c.case}", c.to_dict()) for c in checks.laws]))
    print("\nConvergence orders (fitted):")
    for fit in checks.convergence:
        pairs = ", ".join(f"{x:.3g}: {e:.2e}" for x, e in zip(fit.x, fit.error, strict=True))
        print(f"  {fit.study}: order {fit.order:.2f} (expected {fit.expected:g}) [{pairs}]")
    print("\nVerdicts:")
    for c in checks.verdicts():
        value = next(iter(c.measured.values()))
        print(f"  {c.verdict.value:<12} {c.text} ({c.rule}; measured {value:.3g})")


def _payload(cmp: PaperComparison, checks: NelsonChecks, config: dict, seed: int) -> dict:
    """nelson.json: the configuration, versions and every number."""
    known = ({k.case: k.to_dict() for k in checks.known_answers}
             | {f"grid Fokker-Planck: {c.case}": c.to_dict() for c in checks.grid}
             | {f"laws: {c.case}": c.to_dict() for c in checks.laws})
    return {"config": config, "seed": seed, "versions": library_versions(),
            "side_by_side": [{"route": r.name, "times": cmp.times.tolist(),
                              "mean": r.mean.tolist(), "std": r.std.tolist(),
                              "l1_to_psi2": r.l1.tolist(),
                              "stationarity_11_7b": _num(r.stationary_11_7b),
                              "stationarity_11_7c": _num(r.stationary_11_7c)}
                             for r in cmp.rows],
            "walkers_ks_final": cmp.ks_final, "known_answers": known,
            "convergence": {f.study: f.to_dict() for f in checks.convergence},
            "verdicts": [c.to_dict() for c in checks.verdicts()]}


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _parser(d: NelsonConfig) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emergent nelson",
                                     description="Nelson's stochastic mechanics beside the "
                                                 "paper's functional (Section 11)")
    parser.add_argument("--out", default="results/nelson", help="output directory")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--walkers", type=int, default=None,
                        help=f"walkers of the side-by-side run and the known-answer checks "
                             f"(default {d.walkers}; 20000 with --quick)")
    parser.add_argument("--threads", type=int, default=d.threads)
    parser.add_argument("--quick", action="store_true",
                        help="smoke-test setting (sets --walkers 20000: not combined with it)")
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--force", action="store_true", help="redo a finished run")
    return parser


def _config(parser: argparse.ArgumentParser, args, d: NelsonConfig) -> NelsonConfig:
    """The run's configuration from the options; a usage error for any bad or clashing one."""
    if args.quick and args.walkers is not None:
        parser.error("--quick sets --walkers itself; give either --quick or --walkers")
    walkers = args.walkers if args.walkers is not None else (
        _QUICK_WALKERS if args.quick else d.walkers)
    if walkers < 1000 or walkers > 10**7:
        parser.error(f"--walkers must be between 1000 and 10^7, got {walkers}")
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    problem = writable_directory_problem(args.out)
    if problem:
        parser.error(f"--out {args.out} {problem}")
    return NelsonConfig(seed=args.seed, walkers=walkers, quick=args.quick, threads=args.threads)


def _finished(path: str, out: str, config: dict, no_figures: bool) -> bool:
    """Whether ``path`` holds an intact finished run of this configuration (a damaged or
    edited record is named and run again)."""
    figures = () if no_figures else tuple(os.path.join(out, f) for f in FIGURES)
    done, problem = finished_run(path, config, figures)
    if problem:
        print(f"{problem}: running again")
    return done


def main(argv: list[str] | None = None) -> int:
    d = NelsonConfig()
    parser = _parser(d)
    args = parser.parse_args(argv)
    cfg = _config(parser, args, d)
    config = dataclasses.asdict(cfg) | {"figures": not args.no_figures}
    path = os.path.join(args.out, "nelson.json")
    if not args.force and _finished(path, args.out, config, args.no_figures):
        print(f"{path}: finished run with this configuration; nothing to do (--force to redo)")
        return 0
    t0 = time.perf_counter()
    try:
        cmp = compare_with_paper(n_walkers=cfg.walkers, seed=cfg.seed, threads=cfg.threads,
                                 n_directions=1 if cfg.quick else 2)
        checks = run_checks(cfg)
    except ValueError as exc:
        parser.error(str(exc))
    print(format_comparison(cmp))
    print()
    _print_checks(checks)
    if not args.no_figures:
        write_figures(cmp, checks.convergence, cfg, args.out)
    payload = _payload(cmp, checks, config, cfg.seed) | {"seconds": time.perf_counter() - t0}
    atomic_write_json(path, seal(payload))
    print(f"\nwrote {path}" + ("" if args.no_figures else " and " + ", ".join(FIGURES))
          + f"  [{time.perf_counter() - t0:.1f} s]")
    return 0
