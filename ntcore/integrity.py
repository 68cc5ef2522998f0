"""Checksums of the JSON records a run writes and later trusts (checkpoint metadata, result
files), so that an edited or damaged record is named and recomputed instead of believed.

:func:`seal` adds the SHA-256 of the record's canonical JSON (keys sorted, no whitespace,
after a JSON round trip, so the digest is the same whether computed before writing or after
reading) under :data:`SEAL_KEY`; :func:`seal_problem` says what is wrong with a record read
back, or None.  This detects accidental damage and hand edits; it is not a signature (someone
who recomputes the digest can forge a record).  Physics-free.

>>> record = seal({"epoch": 3, "measurements": {"mu2": 24.65}})
>>> seal_problem(record, "epoch_3.json") is None
True
>>> record["measurements"]["mu2"] = 246.5
>>> seal_problem(record, "epoch_3.json")  # doctest: +ELLIPSIS
'epoch_3.json was edited or damaged: its content no longer matches its SHA-256 ...'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping

__all__ = ["SEAL_KEY", "seal", "seal_problem", "content_digest", "finished_run", "read_sealed"]

#: The key under which :func:`seal` stores the digest.
SEAL_KEY = "content_sha256"


def content_digest(record: Mapping) -> str:
    """SHA-256 (hex) of ``record`` without :data:`SEAL_KEY`, as canonical JSON.

    Examples
    --------
    The SHA-256 of the canonical JSON (sorted keys, no spaces), whatever the key order:

    >>> import hashlib
    >>> content_digest({"b": [1, 2], "a": 1}) == hashlib.sha256(b'{"a":1,"b":[1,2]}').hexdigest()
    True
    """
    if not isinstance(record, Mapping):
        raise TypeError(f"record must be a JSON object (a dict), got {type(record).__name__}")
    body = {k: v for k, v in record.items() if k != SEAL_KEY}
    try:
        canonical = json.dumps(json.loads(json.dumps(body)), sort_keys=True,
                               separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"record is not JSON-serialisable: {exc}") from None
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal(record: Mapping) -> dict:
    """A copy of ``record`` with its :func:`content_digest` under :data:`SEAL_KEY`.

    Examples
    --------
    >>> record = seal({"mu2": 16.3, "n": 14})
    >>> record[SEAL_KEY] == content_digest({"mu2": 16.3, "n": 14})
    True
    """
    digest = content_digest(record)  # checks the type first
    return {k: v for k, v in record.items() if k != SEAL_KEY} | {SEAL_KEY: digest}


def seal_problem(record: object, source: str) -> str | None:
    """None if ``record`` (read from ``source``) carries its own digest; else what is wrong.

    Examples
    --------
    An edited number is detected:

    >>> record = seal({"mu2": 16.3})
    >>> seal_problem(record, "analysis.json") is None
    True
    >>> seal_problem({**record, "mu2": 1.0}, "analysis.json")  # doctest: +ELLIPSIS
    'analysis.json was edited or damaged: ...'
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str naming the file, got {type(source).__name__}")
    if not isinstance(record, Mapping):
        return f"{source} is not a JSON object"
    stored = record.get(SEAL_KEY)
    if stored is None:
        return (f"{source} has no checksum ({SEAL_KEY}): written by an older version or "
                "edited, so not trusted")
    try:
        actual = content_digest(record)
    except TypeError as exc:
        return f"{source} cannot be checked ({exc})"
    if actual != stored:
        return (f"{source} was edited or damaged: its content no longer matches its SHA-256 "
                f"({SEAL_KEY} {str(stored)[:12]}..., content {actual[:12]}...)")
    return None


def read_sealed(path: str | os.PathLike) -> dict:
    """The sealed JSON record at ``path``; ValueError naming the file if it is not JSON, not
    sealed, or no longer matches its seal.

    Examples
    --------
    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "run.json")
    >>> with open(path, "w") as fh:
    ...     json.dump(seal({"steps": [0, 1, 2]}), fh)
    >>> read_sealed(path)["steps"]
    [0, 1, 2]
    >>> with open(path, "w") as fh:
    ...     json.dump({**seal({"steps": [0, 1, 2]}), "steps": [0, 1]}, fh)
    >>> read_sealed(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: ...run.json was edited or damaged: ...
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a path, got {type(path).__name__}")
    with open(path) as fh:
        try:
            record = json.load(fh)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{os.fspath(path)} is not JSON ({exc})") from None
    problem = seal_problem(record, os.fspath(path))
    if problem is not None:
        raise ValueError(problem)
    return record


def finished_run(path: str, config: Mapping, required: tuple[str, ...] = ()
                 ) -> tuple[bool, str | None]:
    """Whether ``path`` holds the sealed record of a finished run with this ``config`` and
    every ``required`` file exists; with the problem of a damaged or edited record (then the
    run is not finished: it is to be run again).

    >>> finished_run("/nonexistent/run.json", {})
    (False, None)
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a path, got {type(path).__name__}")
    if not isinstance(required, tuple) or not all(isinstance(r, str) for r in required):
        raise TypeError(f"required must be a tuple of paths, got {required!r}")
    if not os.path.exists(path):
        return False, None
    try:
        done = read_sealed(path)
    except ValueError as exc:  # not JSON, not sealed, or edited
        return False, str(exc)
    return done.get("config") == config and all(map(os.path.exists, required)), None
