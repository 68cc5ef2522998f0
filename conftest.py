"""Collection at the project root (the doctest run, ``pytest --doctest-modules learning ...``):
an adapter module of learning.track whose framework cannot be imported here is not collected,
as its tests (tests/learning/test_track_frameworks.py) skip where the framework is absent."""

from __future__ import annotations

import importlib

collect_ignore = []
for _adapter in ("torch", "lightning", "keras"):
    try:
        importlib.import_module(f"learning.track.{_adapter}")
    except ImportError:
        collect_ignore.append(f"learning/track/{_adapter}.py")
