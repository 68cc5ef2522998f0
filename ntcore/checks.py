"""Argument checks shared by the public API: each names the argument and the violated condition.

Physics-free.  The one validators module of the project: every check takes ``(name, value)``
in that order and returns the coerced value, so a function starts with
``beta = positive_number("beta", beta)`` and never meets a string, NaN or a float count later.
The limits a check applies by default are in :mod:`ntcore.limits`.

>>> positive_number("beta", 2)
2.0
>>> count("n_chains", 0, minimum=1)
Traceback (most recent call last):
...
ValueError: n_chains must be an integer >= 1, got 0
>>> check_memory("max_nodes", 3 * 2**30, "the grid", "use fewer nodes")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ntcore.checks.ResourceLimitError: max_nodes: the grid needs 3.2 GB, above the 2.1 GB limit ...
"""

from __future__ import annotations

import math
import numbers
import os
import tempfile

from ntcore import limits

__all__ = ["ResourceLimitError", "real_number", "positive_number", "count", "check_memory",
           "path_like", "writable_directory_problem", "writable_file_problem", "seed_value",
           "real_array", "state_array"]


class ResourceLimitError(ValueError, MemoryError):
    """A request the machine cannot serve: a ValueError (the argument is too large for it) and a
    MemoryError (what it would have become), raised before anything is allocated."""


def real_number(name: str, value: object, *, finite: bool = True) -> float:
    """``float(value)``; TypeError naming ``name`` for non-numbers (bools and strings too),
    ValueError if not finite (when ``finite``).

    Examples
    --------
    >>> real_number("beta", 2)
    2.0
    >>> real_number("beta", True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: beta ...
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # numpy scalars are numbers.Real; 0-d arrays are accepted through float().
        try:
            import numpy as np

            if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
                value = float(value)
            else:
                raise TypeError
        except TypeError:
            raise TypeError(f"{name} must be a real number, got {type(value).__name__} "
                            f"{value!r:.40}") from None
    x = float(value)  # type: ignore[arg-type]
    if finite and not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def positive_number(name: str, value: object) -> float:
    """A finite real number > 0, or ValueError/TypeError naming ``name``.

    Examples
    --------
    >>> positive_number("D", 0.5)
    0.5
    >>> positive_number("D", 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: D ...
    """
    x = real_number(name, value, finite=False)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be finite and > 0, got {x}")
    return x


def count(name: str, value: object, *, minimum: int = 0, maximum: int | None = None,
          whole_floats: bool = False) -> int:
    """An integer in [minimum, maximum] (floats such as 3.0 and bools are refused: a count
    given as 2.5 or True is a mistake, not something to round).  ``whole_floats=True`` also
    accepts a float with an integer value (3.0; the step counts of the grid solvers).

    >>> count("n_steps", 3.0, minimum=1, whole_floats=True)
    3
    """
    if whole_floats and isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise TypeError(f"{name} must be a whole number, got {value!r:.40}")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r:.40}")
    n = int(value)
    if n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n}")
    if maximum is not None and n > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {n}")
    return n


def check_memory(name: str, n_bytes: float, what: str, cheaper: str,
                 limit: float | None = None) -> None:
    """Refuse (:class:`ResourceLimitError`, before allocating) when ``what``, set by the
    argument ``name``, needs more than ``limit`` bytes; the message names the argument, the
    size and ``cheaper``, the route that fits.

    Examples
    --------
    A request of 10¹⁵ bytes is refused before anything is allocated, with the cheaper route:

    >>> check_memory("n", 1e15, "a dense matrix", "go matrix-free")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ntcore.checks.ResourceLimitError: n: a dense matrix needs 1000000.0 GB, ...; go matrix-free
    >>> check_memory("n", 1e3, "a vector", "") is None
    True
    """
    limit = limits.ALLOCATION_LIMIT_BYTES if limit is None else limit
    if n_bytes > limit:
        raise ResourceLimitError(f"{name}: {what} needs {n_bytes / 1e9:.1f} GB, above the "
                                 f"{limit / 1e9:.1f} GB limit "
                                 f"(ntcore.limits.ALLOCATION_LIMIT_BYTES); "
                                 f"{cheaper}")


def path_like(name: str, value: object) -> str:
    """``os.fspath(value)``; a TypeError naming ``name`` for anything that is not a path.

    >>> path_like("path", 3.5)
    Traceback (most recent call last):
    ...
    TypeError: path must be a str or os.PathLike, got float
    """
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name} must be a str or os.PathLike, got {type(value).__name__}")
    return os.fspath(value)


def writable_directory_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot serve as an output directory (created if missing), or None.

    Commands call it before any work, so a bad ``--out`` is a usage error, not a crash at the
    end of a long run.

    >>> writable_directory_problem("/dev/null/out")
    'lies under /dev/null, a file, not a directory'
    >>> writable_directory_problem("/proc/forbidden")
    'is not a writable directory (No such file or directory)'
    """
    path = path_like("path", path)
    if os.path.exists(path) and not os.path.isdir(path):
        return "is a file, not a directory"
    parent = os.path.dirname(os.path.abspath(path))
    while parent and not os.path.exists(parent) and parent != os.path.dirname(parent):
        parent = os.path.dirname(parent)
    if os.path.exists(parent) and not os.path.isdir(parent):
        return f"lies under {parent}, a file, not a directory"
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=os.fspath(path)):
            pass
    except OSError as exc:
        return f"is not a writable directory ({exc.strerror})"
    return None


def writable_file_problem(path: str | os.PathLike,
                          suffixes: tuple[str, ...] = ()) -> str | None:
    """Why ``path`` cannot be written as an output file (its directory created if missing),
    or None: empty, an existing directory, a suffix not in ``suffixes`` (when given: a figure
    called ``/etc/passwd`` is a mistake), or a directory that refuses new files.

    >>> writable_file_problem("/tmp", (".png",))
    'is a directory, not a file'
    >>> writable_file_problem("notes.txt", (".png", ".pdf"))
    "must end in .png or .pdf, got 'notes.txt'"
    """
    path = path_like("path", path)
    if not path.strip():
        return "is empty"
    if os.path.isdir(path):
        return "is a directory, not a file"
    if suffixes and not path.lower().endswith(tuple(suffixes)):
        return f"must end in {' or '.join(suffixes)}, got {path!r}"
    problem = writable_directory_problem(os.path.dirname(os.path.abspath(path)))
    return None if problem is None else f"cannot be written: its directory {problem}"


def seed_value(name: str, seed: object) -> object:
    """``seed`` unchanged if NumPy's ``default_rng`` takes it as a seed: None, an integer >= 0,
    a ``numpy.random.Generator`` or ``SeedSequence``; TypeError/ValueError naming ``name``
    otherwise (NumPy's own messages do not say which argument was wrong).

    >>> seed_value("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be None or an integer >= 0, got -1
    """
    import numpy as np

    if seed is None or isinstance(seed, np.random.Generator | np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None, an integer >= 0 or a numpy Generator, got "
                        f"{type(seed).__name__} {seed!r:.40}")
    if seed < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {seed}")
    return int(seed)


def real_array(name: str, value: object):
    """``value`` as a float NumPy array; TypeError naming ``name`` for strings, generators
    and anything else that is not an array of real numbers (NumPy's own messages, "could
    not convert string to float", do not say which argument was wrong).

    >>> real_array("times", (t for t in (0.0, 1.0)))
    Traceback (most recent call last):
    ...
    TypeError: times must be an array of real numbers, got generator
    """
    import numpy as np

    if isinstance(value, str | bytes) or (hasattr(value, "__next__")
                                          and not hasattr(value, "__len__")):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None


def state_array(name: str, value: object, n_neurons: int):
    """A state x of a network of ``n_neurons`` neurons (Section 2, (2.5)) as a finite float
    array of shape ``(N,)`` or ``(n_samples, N)``; ValueError naming ``name`` otherwise.

    >>> state_array("x", [[0.5, -1.0, 0.0]], 3).shape
    (1, 3)
    >>> state_array("x0", [1.0, 2.0], 3)
    Traceback (most recent call last):
    ...
    ValueError: x0 must have shape (N,) or (n_samples, N) with N = 3, got (2,)
    """
    import numpy as np

    arr = real_array(name, value)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_neurons:
        raise ValueError(f"{name} must have shape (N,) or (n_samples, N) with N = "
                         f"{n_neurons}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite entries")
    return arr
