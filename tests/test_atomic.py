"""Atomic outputs: complete or absent, with ordinary permissions."""

import os
import stat
import tempfile

import pytest
import torch
from safetensors.torch import load_file, save_file

from killed_writer import leave_temporary, start_writer
from mtickets.formats import atomic
from mtickets.formats.atomic import atomic_dir, atomic_path, write_json
from mtickets.formats.tensors import save_safetensors


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


@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_what_writers_make_0600_inside_a_directory_gets_the_umask_permissions(tmp_path, umask, file_mode, dir_mode):
    """save_pretrained's model.safetensors (safetensors writes a 0600 temporary and renames it)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.touch(mode=0o600)
    old = os.umask(umask)
    try:
        with atomic_dir(tmp_path / "model") as tmp:
            save_file({"w": torch.zeros(2)}, str(tmp / "model.safetensors"))
            (tmp / "sub").mkdir(mode=0o700)
            fd, private = tempfile.mkstemp(dir=tmp / "sub")
            os.close(fd)
            (tmp / "run.sh").write_text("#!/bin/sh\n")
            (tmp / "run.sh").chmod(0o700)
            (tmp / "link").symlink_to(elsewhere)
        save_safetensors({"w": torch.zeros(2)}, tmp_path / "scores.safetensors", {"language": "en"})
    finally:
        os.umask(old)
    model = tmp_path / "model"
    assert mode(model / "model.safetensors") == mode(model / "sub" / os.path.basename(private)) == file_mode
    assert mode(model) == mode(model / "sub") == mode(model / "run.sh") == dir_mode
    assert mode(tmp_path / "scores.safetensors") == file_mode
    assert mode(elsewhere) == 0o600  # a symlink's target is not part of the output


def test_a_safetensors_temporary_stays_the_locked_one_until_it_is_renamed(tmp_path, monkeypatch):
    """A concurrent write of the same output removes its unlocked temporaries as left over by a killed
    writer; safetensors' save_file would swap a file of its own in for the locked one."""
    real = atomic._publish

    def another_writer_starts_meanwhile(tmp, final, mode):
        atomic.remove_stale_temporaries(final)
        real(tmp, final, mode)

    monkeypatch.setattr(atomic, "_publish", another_writer_starts_meanwhile)
    save_safetensors({"w": torch.arange(3.0)}, tmp_path / "s.safetensors", {"language": "en"})
    assert load_file(tmp_path / "s.safetensors")["w"].tolist() == [0.0, 1.0, 2.0]
