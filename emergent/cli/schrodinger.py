"""``python -m emergent [schrodinger]``: Section 11 on grids, Fokker-Planck -> Schrödinger.

Runs (11.5) and (11.9) on 1D and 2D grids against exact solutions, the stationarity test of
the functional (11.6)-(11.7) on Schrödinger, diffusion and other paths, prints the statement
of what the derivation needs and drops (:mod:`emergent.derivation_audit`), and writes figures
plus ``section11.json`` (configuration, library versions, every measured number) to ``--out``.
A finished run with the same configuration is not redone (``--force`` to redo).  The solver
errors and the figures are computed in :mod:`emergent.experiments`; this module parses,
prints and writes.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

from emergent.derivation_audit import (
    AuditConfig,
    audit_section11,
    format_audit,
    stationarity_table,
)
from emergent.entropic_action import FORMS, StationarityResult
from emergent.experiments.section11_errors import ErrorTable, error_tables
from emergent.experiments.section11_figures import FIGURES, write_figures
from ntcore import limits
from ntcore.atomic import atomic_write_json
from ntcore.integrity import finished_run, seal
from ntcore.provenance import library_versions


def _stationarity_json(table) -> dict:
    return {name: {form: {"worst_relative_first_variation": r.worst,
                          "relative_p": r.relative["p"].tolist(),
                          "relative_Phi": r.relative["Phi"].tolist(),
                          "slope_p": r.slope["p"], "slope_Phi": r.slope["Phi"]}
                   for form, r in row.items()} for name, row in table.items()}


def format_stationarity(table: dict[str, dict[str, StationarityResult]]) -> str:
    """Rows: paths; columns: forms; entries: worst relative first variation over random
    directions in p | in Φ (0 = stationary).

    The forms of (11.6)-(11.7).
    """
    head = f"{'path':<24}" + "".join(f"{f:>18}" for f in FORMS)
    lines = ["Stationarity test: worst relative first variation |ΣδS_i|/Σ|δS_i| over random "
             "admissible directions (fixed ends), in p | in Φ; ~0 = stationary, ~1 = not", head]
    for name, row in table.items():
        cells = "".join(f"{row[f].relative['p'].max():>10.1e}|{row[f].relative['Phi'].max():<7.1e}"
                        for f in FORMS)
        lines.append(f"{name:<24}" + cells)
    return "\n".join(lines)


# The default run (n = 256, 81 times, 3 directions) takes about 10 s; the stationarity test
# dominates and grows with n · n_times · directions.
_DEFAULT_SECONDS = 10.0


def _config(parser: argparse.ArgumentParser, args: argparse.Namespace,
            d: AuditConfig) -> AuditConfig:
    """Check every option up front (usage error naming it) and build the configuration."""
    import math

    checks = [("--n", args.n >= 32, "must be >= 32"),
              ("--n-times", args.n_times >= 5, "must be >= 5"),
              ("--directions", args.directions >= 1, "must be >= 1"),
              ("--seed", args.seed >= 0, "must be >= 0")]
    for name in ("length", "D", "t_final", "sigma0"):
        value = getattr(args, name)
        checks.append((f"--{name.replace('_', '-')}", math.isfinite(value) and value > 0,
                       "must be finite and > 0"))
    checks.append(("--k0", math.isfinite(args.k0), "must be finite"))
    for name, ok, condition in checks:
        if not ok:
            value = getattr(args, name[2:].replace("-", "_"))
            parser.error(f"{name} {condition}, got {value}")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out {args.out!r} cannot be created: {exc.strerror}")
    est = (_DEFAULT_SECONDS * (args.n / d.n) * (args.n_times / d.n_times)
           * max(1.0, args.directions / d.n_directions))
    if est > limits.SECTION11_MAX_SECONDS:
        parser.error(f"--n {args.n} with --n-times {args.n_times} and --directions "
                     f"{args.directions} would take about {est:.3g} s "
                     f"(> {limits.SECTION11_MAX_SECONDS:g} s); "
                     "the defaults (--n 256 --n-times 81) resolve the packet to round-off")
    return AuditConfig(n=args.n, length=args.length, D=args.D, t_final=args.t_final,
                       n_times=args.n_times, sigma0=args.sigma0, center=d.center,
                       k0=args.k0, seed=args.seed, n_directions=args.directions)


def _parser(d: AuditConfig) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emergent schrodinger",
                                     description="Section 11: Fokker-Planck -> Schrödinger")
    parser.add_argument("--out", default="results/section11", help="output directory")
    parser.add_argument("--n", type=int, default=d.n, help="1D grid points")
    parser.add_argument("--length", type=float, default=d.length, help="periodic box length")
    parser.add_argument("--D", type=float, default=d.D, help="diffusion coefficient (ħ/m)")
    parser.add_argument("--t-final", type=float, default=d.t_final)
    parser.add_argument("--n-times", type=int, default=d.n_times, help="time samples of paths")
    parser.add_argument("--sigma0", type=float, default=d.sigma0, help="initial packet width")
    parser.add_argument("--k0", type=float, default=d.k0, help="packet wavenumber")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--directions", type=int, default=d.n_directions)
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--force", action="store_true", help="redo a finished run")
    return parser


def _finished(path: str, config: dict, out: str, figures: bool) -> bool:
    """A run with this configuration (and its figures, if asked for) is already written (a
    damaged or edited record is named and run again)."""
    required = tuple(os.path.join(out, f) for f in FIGURES) if figures else ()
    done, problem = finished_run(path, config, required)
    if problem:
        print(f"{problem}: running again")
    return done


def _print_errors(errors: tuple[ErrorTable, ...]) -> None:
    print("\nExact-solution errors (max |numerical - exact| at t = T):")
    for table in errors:
        print(f"  {table.name}:")
        for r in table.to_dicts():
            print("    " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                     for k, v in r.items()))


def main(argv: list[str] | None = None) -> int:
    """Runs (11.5)-(11.9) on grids: the audit, the stationarity table, the solver errors, the
    figures and ``section11.json``."""
    d = AuditConfig()
    parser = _parser(d)
    args = parser.parse_args(argv)
    cfg = _config(parser, args, d)
    config = dataclasses.asdict(cfg) | {"figures": not args.no_figures}
    path = os.path.join(args.out, "section11.json")
    if not args.force and _finished(path, config, args.out, not args.no_figures):
        print(f"{path}: finished run with this configuration; nothing to do (--force "
              "to redo)")
        return 0
    t0 = time.perf_counter()
    try:
        table = stationarity_table(cfg)
        steps = audit_section11(cfg, table)
        errors = error_tables(cfg)
    except ValueError as exc:
        parser.error(str(exc))
    print(format_audit(steps))
    print(format_stationarity(table))
    _print_errors(errors)
    if not args.no_figures:
        write_figures(cfg, table, args.out)
    payload = {"config": config, "versions": library_versions(),
               "audit": [s.to_dict() for s in steps],
               "stationarity": _stationarity_json(table),
               "errors": {t.name: t.to_dicts() for t in errors},
               "seconds": time.perf_counter() - t0}
    atomic_write_json(path, seal(payload))
    print(f"\nwrote {path}" + ("" if args.no_figures else " and " + ", ".join(FIGURES))
          + f"  [{time.perf_counter() - t0:.1f} s]")
    return 0
