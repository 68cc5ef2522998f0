"""Shared benchmark plumbing: a median timer, and private interpreters for third-party
baselines (never the project's environment).

fplanck needs Python >= 3.12 and qmsolve pulls in its own dependencies, so each lives in a venv
under ``benchmarks/.venvs/`` created on first use from the first Python found that qualifies.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def median_time(fn, repeats: int = 5) -> tuple[float, object]:
    """(median wall time of ``repeats`` calls of ``fn``, the last call's result)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
VENVS = os.path.join(HERE, ".venvs")


def _python_at_least(minor: int) -> str | None:
    candidates = [shutil.which(f"python3.{m}") for m in range(14, minor - 1, -1)]
    # pyenv shims refuse versions that are not selected: look at the installs directly
    pyenv = os.path.expanduser(os.environ.get("PYENV_ROOT", "~/.pyenv"))
    candidates += sorted(glob.glob(os.path.join(pyenv, "versions", "3.*", "bin", "python3")),
                         reverse=True)
    check = f"import sys, venv; assert sys.version_info >= (3, {minor})"
    for exe in filter(None, candidates):
        if subprocess.run([exe, "-c", check], capture_output=True).returncode == 0:
            return exe
    return sys.executable if sys.version_info >= (3, minor) else None


def baseline_python(name: str, packages: list[str], min_minor: int = 11) -> str | None:
    """The interpreter of venv ``name`` with ``packages``, creating it if needed (None if no
    suitable Python exists or the install fails; the reason is printed)."""
    exe = os.path.join(VENVS, name, "bin", "python")
    if os.path.exists(exe):
        return exe
    base = _python_at_least(min_minor)
    if base is None:
        print(f"[{name}] no Python >= 3.{min_minor} found; baseline skipped")
        return None
    print(f"[{name}] creating {os.path.dirname(os.path.dirname(exe))} with {base} ...")
    subprocess.run([base, "-m", "venv", os.path.join(VENVS, name)], check=True)
    pip = subprocess.run([exe, "-m", "pip", "install", "-q", *packages],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        print(f"[{name}] pip install {' '.join(packages)} failed:\n{pip.stderr[-2000:]}")
        return None
    return exe


def run_json(exe: str, script: str, *args: str, timeout: float = 900) -> dict | None:
    """Run a baseline runner script with ``exe``; parse the JSON line it prints."""
    proc = subprocess.run([exe, os.path.join(HERE, "baselines", script), *args],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        print(f"[{script}] failed:\n{proc.stderr[-2000:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])
