"""Argument checks shared by the Section 10 machinery: the argument kinds several experiment
functions take (a job or run dict, a list of run dicts, a typed object, a named option).

Each check names the argument and the violated condition and returns the checked value;
physics-free checks of numbers, counts and paths are :mod:`ntcore.checks`.

>>> run_dicts("runs", "runs")
Traceback (most recent call last):
...
TypeError: runs must be a list of run dicts (as run_job returns them), got str
>>> mapping("job", {"label": "a"}, ("label", "config"))
Traceback (most recent call last):
...
ValueError: job lacks the keys ['config']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

__all__ = ["mapping", "dicts", "run_dict", "run_dicts", "instance", "nonempty", "choice"]

T = TypeVar("T")

#: The keys of a run dict the figures and the report read (the pipeline writes more).
RUN_KEYS = ("label", "seed", "checkpoints")
#: The keys of each checkpoint of a run dict.
CHECKPOINT_KEYS = ("epoch", "measurements")


def mapping(name: str, value: object, keys: Sequence[str] = (), *, hint: str = "") -> dict:
    """``value`` if it is a dict holding ``keys``; else a TypeError (not a dict) or a
    ValueError (keys missing) naming ``name``; ``hint`` says where a good one comes from."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict{hint}, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ValueError(f"{name} lacks the keys {missing}{hint}")
    return value


def dicts(name: str, value: object, *, what: str = "dicts", minimum: int = 0) -> list:
    """``value`` as a list if it is a list or tuple of at least ``minimum`` dicts."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of {what}, got {type(value).__name__}")
    if len(value) < minimum:
        raise ValueError(f"{name} must be a list of at least {minimum} {what}, got "
                         f"{len(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise TypeError(f"{name} must be a list of {what}; {name}[{i}] is a "
                            f"{type(item).__name__}")
    return list(value)


def run_dict(name: str, value: object) -> dict:
    """A run dict as :func:`learning.experiments.pipeline.run_job` writes it: ``label``,
    ``seed`` and a non-empty list of ``checkpoints``, each with ``epoch`` and a dict of
    ``measurements``."""
    hint = " (a run dict, as run_job returns it)"
    run = mapping(name, value, RUN_KEYS, hint=hint)
    checkpoints = dicts(f"{name}['checkpoints']", run["checkpoints"], what="checkpoint dicts",
                        minimum=1)
    for i, checkpoint in enumerate(checkpoints):
        where = f"{name}['checkpoints'][{i}]"
        mapping(f"{where}['measurements']", mapping(where, checkpoint, CHECKPOINT_KEYS)
                ["measurements"])
    return run


def run_dicts(name: str, value: object) -> list[dict]:
    """A non-empty list of run dicts (see :func:`run_dict`)."""
    what = "run dicts (as run_job returns them)"
    runs = dicts(name, value, what=what, minimum=1)
    return [run_dict(f"{name}[{i}]", run) for i, run in enumerate(runs)]


def instance(name: str, value: object, kind: type[T], hint: str = "") -> T:
    """``value`` if it is a ``kind``; else a TypeError naming ``name``."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}{hint}, got {type(value).__name__}")
    return value


def nonempty(name: str, value: object, kind: type[T]) -> T:
    """``value`` if it is a ``kind`` of length >= 1 (a Dataset, say: a mean over no samples
    would be a silent NaN); else a TypeError or ValueError naming ``name``."""
    value = instance(name, value, kind)
    if len(value) == 0:  # type: ignore[arg-type]
        raise ValueError(f"{name} must not be empty, got an empty {kind.__name__}")
    return value


def choice(name: str, value: object, options: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``options``; else a ValueError naming ``name``."""
    if not isinstance(value, str) or value not in options:
        listed = " or ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be {listed}, got {value!r}")
    return value
