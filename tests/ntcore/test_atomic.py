"""ntcore.atomic: files written atomically get the permissions an ordinary write would."""

from __future__ import annotations

import os
import stat

import pytest

from ntcore.atomic import atomic_write_json, atomic_write_text


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_atomic_files_get_the_mode_of_an_ordinary_write(tmp_path, mask):
    # tempfile.mkstemp creates 0600 files; renamed into place they kept it, so every report,
    # table and saved network was private whatever the umask. The reference is open().
    old = os.umask(mask)
    try:
        with open(tmp_path / "plain.txt", "w") as fh:
            fh.write("x")
        atomic_write_text(tmp_path / "atomic.txt", "x")
        atomic_write_json(tmp_path / "atomic.json", {"x": 1})
    finally:
        os.umask(old)
    want = stat.S_IMODE(os.stat(tmp_path / "plain.txt").st_mode)
    assert want == 0o666 & ~mask
    for name in ("atomic.txt", "atomic.json"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == want, name


def test_atomic_rewrite_keeps_the_existing_files_mode(tmp_path):
    path = tmp_path / "report.md"
    atomic_write_text(path, "first")
    os.chmod(path, 0o640)
    atomic_write_text(path, "second")
    assert path.read_text() == "second"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
