"""Atomic outputs: complete or absent, with ordinary permissions."""

import os
import stat

import pytest

from killed_writer import leave_temporary, start_writer
from mtickets.formats.atomic import atomic_dir, atomic_path, write_json


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


@pytest.mark.parametrize("kind", ["dir", "file"])
def test_a_rewrite_removes_what_a_killed_writer_left_and_never_a_live_temporary(tmp_path, kind):
    out = tmp_path / "seq128"
    left = leave_temporary(out, kind)
    other_job, other_live = start_writer(tmp_path / "seq1280", kind)  # another output, same prefix
    same_output, live = start_writer(out, kind)  # e.g. the command run by hand meanwhile
    try:
        assert not left.exists()  # that writer's start already cleared the killed one's
        assert left.parent == live.parent and left != live
        for _ in range(2):
            if kind == "dir":
                with atomic_dir(out) as tmp:
                    (tmp / "part").write_text("whole")
            else:
                write_json(out, {"whole": True})
        assert live.exists() and other_live.exists()
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == sorted(["seq128", live.name, other_live.name])
    finally:
        for process in (other_job, same_output):
            process.kill()
            process.wait()
            process.stdout.close()
