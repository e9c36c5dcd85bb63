"""Atomic outputs: complete or absent, with ordinary permissions."""

import os
import stat

import pytest

from mtickets.atomic import atomic_dir, atomic_path, write_json


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_outputs_get_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / "f").write_text("x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.json") == 0o644
    assert mode(tmp_path / "d") == 0o755


def test_failure_leaves_no_output_and_no_temporary(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "out.txt") as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    with pytest.raises(RuntimeError):
        with atomic_dir(tmp_path / "outdir") as tmp:
            (tmp / "part").write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_directory_replaces_previous_version(tmp_path):
    for content in ("old", "new"):
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / content).write_text(content)
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["new"]
