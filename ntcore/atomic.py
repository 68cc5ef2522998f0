"""Atomic file output: write to a temporary file in the target directory, then rename, so a
killed process never leaves a half-written result.

Temporary files are named ``.<target name>.tmp-<pid>-<random><suffix>``: a process killed
between creating and renaming one leaves it behind, and :func:`remove_stale_temporaries`
(called by the commands that write into a directory again) removes those whose writer is
no longer running.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from ntcore.checks import count, path_like

__all__ = ["atomic_write", "atomic_write_text", "atomic_write_json", "atomic_savefig",
           "remove_stale_temporaries", "sha256_file"]

_TEMP_NAME = re.compile(r"\..+\.tmp-(\d+)-[^/]+")
# Names tempfile.mkstemp gave before the writer's pid was part of the name.
_LEGACY_TEMP_NAME = re.compile(r"tmp[a-z0-9_]{8}\.(tmp|png)")


def atomic_write(path: str | os.PathLike, write, suffix: str = ".tmp") -> None:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> atomic_write(target, lambda tmp: pathlib.Path(tmp).write_bytes(b"abc"))
    >>> target.read_bytes(), [p.name for p in target.parent.iterdir()]  # no temporary left
    (b'abc', ['out.bin'])
    >>> def broken(tmp):
    ...     raise RuntimeError("killed half-way")
    >>> atomic_write(target, broken)
    Traceback (most recent call last):
    ...
    RuntimeError: killed half-way
    >>> target.read_bytes(), len(list(target.parent.iterdir()))  # the old file stands
    (b'abc', 1)
    """
    path = path_like("path", path)
    if not callable(write):
        raise TypeError(f"write must be callable (write(tmp_path)), got {type(write).__name__}")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    prefix = f".{os.path.basename(path)}.tmp-{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=suffix)
    os.close(fd)
    # mkstemp makes the file 0600, and the rename would keep that: give it the mode an
    # ordinary open(path, "w") would, the existing file's, or 0666 less the umask.
    os.chmod(tmp, _mode_of_a_plain_write(path))
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _mode_of_a_plain_write(path: str) -> int:
    """Permission bits ``open(path, "w")`` would leave: the existing file's, else 0666 less
    the process umask (read by setting it, the only portable way before Python 3.13)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(directory: str | os.PathLike) -> list[Path]:
    """Delete the temporary files of :func:`atomic_write` in ``directory`` whose writing
    process is gone (and zero-byte ones of the older unnamed kind); return what was removed.

    Temporaries of a live process (another worker writing now) are left alone.

    Examples
    --------
    A temporary of a writer that no longer runs goes (PID 2**22 + 1 exceeds Linux's pid_max), the
    live process's own stays:

    >>> import os, pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> dead = d / f".out.json.tmp-{2**22 + 1}-abc.tmp"
    >>> live = d / f".out.json.tmp-{os.getpid()}-abc.tmp"
    >>> _ = dead.write_text("x"), live.write_text("x")
    >>> [p.name == dead.name for p in remove_stale_temporaries(d)], live.exists()
    ([True], True)
    """
    directory = Path(path_like("directory", directory))
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    for p in directory.iterdir():
        m = _TEMP_NAME.fullmatch(p.name)
        stale = (m is not None and not _alive(int(m.group(1)))) or (
            _LEGACY_TEMP_NAME.fullmatch(p.name) is not None and p.stat().st_size == 0)
        if stale and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write the string ``text`` to ``path`` atomically.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "report.md"
    >>> atomic_write_text(target, "# μ_2" + chr(10))
    >>> target.read_text() == "# μ_2" + chr(10)
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")

    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write(text)

    atomic_write(path, write)


def atomic_write_json(path: str | os.PathLike, payload, indent: int | None = 1) -> None:
    """Write ``payload`` as JSON to ``path`` atomically (serialised first: nothing is written
    if it cannot be).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "result.json"
    >>> atomic_write_json(target, {"mu2": 0.5, "n": [1, 2]})
    >>> json.loads(target.read_text()) == {"mu2": 0.5, "n": [1, 2]}
    True
    >>> atomic_write_json(target, {"x": object()})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: payload is not JSON-serialisable: ...
    >>> json.loads(target.read_text())["mu2"]  # the earlier file is untouched
    0.5
    """
    if indent is not None:
        indent = count("indent", indent)
    try:
        text = json.dumps(payload, indent=indent)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"payload is not JSON-serialisable: {exc}") from exc
    atomic_write_text(path, text)


def atomic_savefig(fig, path: str | os.PathLike, dpi: int = 120) -> None:
    """Save a matplotlib figure as PNG atomically (after tight_layout).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "line.png"
    >>> atomic_savefig(fig, target)
    >>> target.read_bytes()[:8] == bytes([137, 80, 78, 71, 13, 10, 26, 10])  # the PNG signature
    True
    """
    if not (callable(getattr(fig, "savefig", None)) and callable(getattr(fig, "tight_layout",
                                                                         None))):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    dpi = count("dpi", dpi, minimum=1)
    path_like("path", path)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"), suffix=".png")


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, hex (read in 1 MiB blocks), the checksum recorded
    beside every checkpoint.

    Examples
    --------
    The digest of the three bytes "abc" is the test vector of FIPS 180-2:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "abc.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> sha256_file(path)
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    digest = hashlib.sha256()
    with open(path_like("path", path), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
