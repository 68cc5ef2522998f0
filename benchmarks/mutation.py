"""Mutation testing of the modules that compute the paper's quantities (issue 14).

Run on demand (never part of the default test run)::

    python benchmarks/mutation.py thermodynamics ensemble architecture
    python benchmarks/mutation.py --sample 30 --seed 0 onsager
    python benchmarks/mutation.py spectrum --indices 1 18     # recheck two survivors

A small AST mutator (mutmut 3 needs its own copy of the project and a setup.cfg section per
run; this stays inside one script).  Each mutant changes one node of the module:

* arithmetic operator swaps ``+ <-> -``, ``* <-> /``, ``** -> *``;
* comparison flips ``< <-> >``, ``<= <-> >=``, ``== <-> !=``; ``and <-> or``;
* constant tweaks (integers n -> n + 1, floats x -> 2x, 0.0 -> 1.0; ``True <-> False``);
* sign flips (unary ``-x -> x``).

Strings, docstrings, type annotations and default values in signatures are not mutated (a
default such as ``resolution=60001`` is a tuning knob, not a formula).  The project is copied
once to a temporary directory; each mutant is written there and the module's own test files
run against it (``pytest -x``, with a timeout of ``--timeout-factor`` times the unmutated run,
at least 60 s: on a loaded machine a timeout is not proof of an infinite loop, so the two
outcomes are counted apart in the JSON and the summary).  Hypothesis runs with the
``mutation`` profile of tests/conftest.py (no deadline, no shrinking: the first failing
example kills the mutant; shrinking it only costs time), and each test process may use at
most 6 GiB of address space (a mutant that defeats a memory estimate dies of MemoryError).
A mutant is *killed* when the tests fail or time out, *survives* when they pass.  Results go
to ``benchmarks/results/mutation_<module>.json`` (atomic) and a summary is printed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ntcore.atomic import atomic_write_text  # noqa: E402

# module -> (source path, its own test files or pytest node ids ``file::test``)
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "thermodynamics": ("learning/thermodynamics.py",
                       ("tests/learning/test_thermodynamics.py",)),
    "ensemble": ("learning/ensemble.py", ("tests/learning/test_ensemble.py",)),
    "architecture": ("learning/architecture.py",
                     ("tests/learning/test_architecture.py",
                      "tests/learning/test_thermodynamics.py")),
    "spectrum": ("learning/spectrum.py", ("tests/learning/test_spectrum.py",)),
    # learning/bulk_minimum/ is a package: one entry per module, the same tests for each.
    **{f"bulk_minimum.{part}": (f"learning/bulk_minimum/{part}.py",
                                ("tests/learning/test_bulk_minimum.py",
                                 "tests/learning/test_layerwise.py::"
                                 "test_bulk_minimum_matches_lbfgsb_with_a_box_per_hidden_layer"))
       for part in ("problem", "operators", "primitives", "dense", "newton_cg", "driver",
                    "costs", "unbounded", "options", "starts", "result")},
    # training's checkpoint recovery is tested in test_section10_faults.py; only those tests
    # (the rest of that file, kills of processes and the report, takes ~70 s more).
    "training": ("learning/experiments/training.py", (
        "tests/learning/test_training.py",
        *(f"tests/learning/test_section10_faults.py::test_{t}" for t in (
            "deleted_middle_checkpoint_is_named_and_recomputed",
            "truncated_checkpoint_is_named_and_falls_back",
            "checksum_catches_a_valid_but_altered_weights_file",
            "corrupt_metadata_is_named",
            "weights_without_metadata_are_an_interrupted_checkpoint_not_a_fault",
            "train_refuses_data_outside_the_activation_range")))),
    # emergent/onsager/ is a package: one entry per module, the same tests for each.
    **{f"onsager.{part}": (f"emergent/onsager/{part}.py", ("tests/emergent/test_onsager.py",))
       for part in ("basis", "cost", "family", "expressions", "symmetry", "field_equations",
                    "symbolic")},
    "entropic_action": ("emergent/entropic_action.py",
                        ("tests/emergent/test_entropic_action.py",)),
    "constraints": ("emergent/constraints.py", ("tests/emergent/test_constraints.py",)),
}

_BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
               ast.Pow: ast.Mult, ast.FloorDiv: ast.Mult}
_CMP_SWAP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE,
             ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


@dataclass(frozen=True)
class Site:
    """One mutation: the ``index``-th mutable node (in walk order), its line and a label."""

    index: int
    line: int
    label: str


def _protected(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, signature defaults, __all__."""
    skip: set[int] = set()

    def cover(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            cover(node.returns)
            for a in (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs,
                      node.args.vararg, node.args.kwarg):
                if a is not None:
                    cover(a.annotation)
            for d in (*node.args.defaults, *node.args.kw_defaults):
                cover(d)
        elif isinstance(node, ast.AnnAssign):
            cover(node.annotation)
            if isinstance(node.target, ast.Name) and node.simple:
                cover(node.value)  # dataclass field defaults
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            cover(node)
    return skip


def _mutable(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
        return f"{type(node.op).__name__} -> {_BINOP_SWAP[type(node.op)].__name__}"
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP_SWAP:
        return f"{type(node.ops[0]).__name__} -> {_CMP_SWAP[type(node.ops[0])].__name__}"
    if isinstance(node, ast.BoolOp):
        return "And -> Or" if isinstance(node.op, ast.And) else "Or -> And"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "-x -> x"
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
        return f"constant {node.value!r} -> {_tweak(node.value)!r}"
    return None


def _tweak(value: int | float | bool) -> int | float | bool:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return 1.0 if value == 0 else 2.0 * value


def sites(source: str) -> list[Site]:
    """Every mutation site of a module's source, in a deterministic order."""
    tree = ast.parse(source)
    skip = _protected(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        label = _mutable(node)
        if label is not None:
            out.append(Site(len(out), getattr(node, "lineno", 0), label))
    return out


def mutant_source(source: str, index: int) -> str:
    """The module's source with mutation site ``index`` applied."""
    tree = ast.parse(source)
    skip = _protected(tree)
    k = 0
    for node in ast.walk(tree):
        if id(node) in skip or _mutable(node) is None:
            continue
        if k == index:
            _apply(node)
            return ast.unparse(tree)
        k += 1
    raise IndexError(index)


def _apply(node: ast.AST) -> None:
    if isinstance(node, ast.BinOp):
        node.op = _BINOP_SWAP[type(node.op)]()
    elif isinstance(node, ast.Compare):
        node.ops = [_CMP_SWAP[type(node.ops[0])]()]
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        # -x -> +x keeps the node's shape (a UnaryOp) so no parent needs rewriting.
        node.op = ast.UAdd()
    elif isinstance(node, ast.Constant):
        node.value = _tweak(node.value)


# A mutant can defeat a memory estimate (e.g. `_grid_bytes`' 3N -> 3/N lets the quadrature
# grow to 512^3 nodes, 14 GB): every test process gets at most this much address space, so
# such a mutant fails with MemoryError instead of exhausting the shared machine.
ADDRESS_SPACE_LIMIT = 6 * 2**30


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def _run_tests(workdir: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    env = dict(os.environ, PYTHONPATH=str(workdir), HYPOTHESIS_PROFILE="mutation",
               PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "-p", "no:randomly", *tests]
    start = time.perf_counter()
    try:
        r = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, timeout=timeout,
                           preexec_fn=_limit_address_space)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start
    status = {0: "survived", 5: "no-tests"}.get(r.returncode, "killed")
    return status, time.perf_counter() - start


def _copy_project(dest: Path) -> None:
    for name in ("learning", "emergent", "ntcore", "tests", "pyproject.toml", "docs"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".hypothesis"))
        elif src.exists():
            shutil.copy2(src, dest / name)


def run_module(name: str, sample: int | None, seed: int, timeout_factor: float,
               lines: set[int] | None = None, partial: Path | None = None,
               indices: set[int] | None = None) -> dict:
    path, tests = MODULES[name]
    tests = tuple(t for t in tests if (ROOT / t.split("::")[0]).exists())
    source = (ROOT / path).read_text()
    all_sites = sites(source)
    chosen = [s for s in all_sites if (lines is None or s.line in lines)
              and (indices is None or s.index in indices)]
    if sample is not None and sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample), key=lambda s: s.index)
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        work = Path(tmp)
        _copy_project(work)
        target = work / path
        status, base_time = _run_tests(work, tests, timeout=900)
        if status != "survived":  # once more: a loaded machine or an unlucky draw of examples
            status, base_time = _run_tests(work, tests, timeout=900)
        if status != "survived":
            raise SystemExit(f"{name}: the unmutated tests do not pass ({status}); fix them first")
        timeout = max(60.0, timeout_factor * base_time)
        results = []
        for k, site in enumerate(chosen, 1):
            target.write_text(mutant_source(source, site.index))
            outcome, seconds = _run_tests(work, tests, timeout)
            results.append({**asdict(site), "outcome": outcome, "seconds": round(seconds, 1)})
            print(f"  [{k}/{len(chosen)}] line {site.line:4d} {site.label:28s} {outcome}",
                  flush=True)
            if partial is not None:  # a run stopped early keeps what it measured
                atomic_write_text(partial, json.dumps({"module": name, "results": results}))
        target.write_text(source)
    killed = sum(r["outcome"] in ("killed", "timeout") for r in results)
    timeouts = sum(r["outcome"] == "timeout" for r in results)
    return {"module": name, "path": path, "tests": list(tests), "n_sites": len(all_sites),
            "n_run": len(results), "sampled": len(results) < len(all_sites), "seed": seed,
            "killed": killed, "of_which_timeouts": timeouts, "timeout_seconds": timeout,
            "score": killed / len(results) if results else float("nan"),
            "unmutated_test_seconds": round(base_time, 1), "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules to mutate, of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--sample", type=int, default=None,
                        help="run a random sample of this many mutants per module")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--timeout-factor", type=float, default=4.0,
                        help="timeout per mutant as a multiple of the unmutated test time")
    parser.add_argument("--list", action="store_true", help="only list the mutation sites")
    parser.add_argument("--lines", type=int, nargs="+", default=None,
                        help="only the mutants on these source lines (to recheck survivors)")
    parser.add_argument("--indices", "--sites", dest="indices", type=int, nargs="+", default=None,
                        help="only these mutants (their index in --list and the JSON results, for "
                             "the unchanged source; to recheck the survivors of a sample)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {', '.join(MODULES)}")
    if args.sample is not None and args.sample < 1:
        parser.error(f"--sample must be >= 1, got {args.sample}")
    if args.timeout_factor <= 1:
        parser.error(f"--timeout-factor must be > 1, got {args.timeout_factor}")
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in args.modules or list(MODULES):
        if args.list:
            for s in sites((ROOT / MODULES[name][0]).read_text()):
                print(f"{name}:{s.line}: [{s.index}] {s.label}")
            continue
        print(f"{name}: mutating {MODULES[name][0]}", flush=True)
        res = run_module(name, args.sample, args.seed, args.timeout_factor,
                         set(args.lines) if args.lines else None,
                         out_dir / f"mutation_{name}.partial.json",
                         set(args.indices) if args.indices else None)
        res["load_average"] = os.getloadavg()
        res["command"] = "python benchmarks/mutation.py " + " ".join(argv or sys.argv[1:])
        suffix = "_lines" if args.lines else "_recheck" if args.indices else ""
        atomic_write_text(out_dir / f"mutation_{name}{suffix}.json", json.dumps(res, indent=1))
        (out_dir / f"mutation_{name}.partial.json").unlink(missing_ok=True)
        survivors = [r for r in res["results"] if r["outcome"] == "survived"]
        print(f"{name}: {res['killed']}/{res['n_run']} killed ({100 * res['score']:.0f}%; "
              f"{res['of_which_timeouts']} by timeout)"
              f"{' (sample of ' + str(res['n_sites']) + ')' if res['sampled'] else ''}")
        for r in survivors:
            print(f"  survivor line {r['line']}: {r['label']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
