"""Atomic outputs: complete or absent, with ordinary permissions; one error for a full disk; one
writer of resumable state."""

import errno
import os
import re
import stat
import tempfile
import time
from collections import namedtuple

import pytest
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from killed_writer import hold_lock, leave_temporary, release, start_writer
from mtickets.errors import MticketsError
from mtickets.formats import atomic
from mtickets.formats.atomic import (DiskFull, append_text, atomic_dir, atomic_path, exclusive_lock, lock_path,
                                     write_json)
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


# ------------------------------------------------------------------------------------------------- a full disk

Usage = namedtuple("Usage", "total used free")


def nearly_full(monkeypatch, free: int = 5000) -> None:
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda path: Usage(10**9, 10**9 - free, free))


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # what the shards stage met: no file name


def test_a_full_disk_is_one_error_naming_the_file_the_space_and_the_need(tmp_path, monkeypatch):
    nearly_full(monkeypatch)
    with pytest.raises(DiskFull) as raised:
        with atomic_path(tmp_path / "out.bin", size=3 << 20):
            no_space()
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'out.bin'}: disk full while writing it (4.9 KiB free on /")
    assert "it needs 3.0 MiB); free space there" in message and "\n" not in message
    assert isinstance(raised.value, MticketsError) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", [
    RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598"),  # torch.save
    SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)"),
    OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device"),  # pyarrow
], ids=["torch", "safetensors", "pyarrow"])
def test_each_library_s_report_of_a_full_disk_is_recognised(tmp_path, monkeypatch, error):
    nearly_full(monkeypatch)
    with pytest.raises(DiskFull, match=r"out.bin: disk full while writing it \([\d.]+ KiB free on .*, it needs "
                                       r"more \(it had written 1000 bytes when the disk filled\)\)"):
        with atomic_path(tmp_path / "out.bin") as tmp:
            tmp.write_bytes(b"x" * 1000)
            raise error
    assert list(tmp_path.iterdir()) == []


def test_the_free_space_counts_what_the_removed_temporary_held(tmp_path, monkeypatch):
    """torch's writer, kept alive by its exception, holds the removed temporary's blocks a while longer."""
    nearly_full(monkeypatch, free=0)
    with pytest.raises(DiskFull, match=r"\(1.0 MiB free on "):
        with atomic_path(tmp_path / "out.bin") as tmp:
            tmp.write_bytes(os.urandom(1 << 20))
            no_space()


def test_a_short_write_with_space_left_is_not_called_a_full_disk(tmp_path):
    with pytest.raises(RuntimeError, match="unexpected pos"):
        with atomic_path(tmp_path / "out.bin"):
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_in_a_directory_names_the_file_being_written(tmp_path, monkeypatch):
    nearly_full(monkeypatch)
    with pytest.raises(DiskFull) as raised:
        with atomic_dir(tmp_path / "seq128") as tmp:
            (tmp / "a.bin").write_bytes(b"x" * 2048)
            time.sleep(0.01)
            (tmp / "work").mkdir()
            (tmp / "work" / "b.bin").write_bytes(b"y" * 1024)
            no_space()
    assert re.fullmatch(rf"{re.escape(str(tmp_path / 'seq128'))}: disk full while writing it \(last written: "
                        rf"work/b.bin; [\d.]+ KiB free on .*, it needs more \(it had written 3.0 KiB when the disk "
                        rf"filled\)\); free space there or write the results elsewhere, then rerun", str(raised.value)), \
        str(raised.value)
    assert list(tmp_path.iterdir()) == []

    with pytest.raises(DiskFull, match=r"seq128: disk full while writing it \(last written: manifest.json; "):
        with atomic_dir(tmp_path / "seq128") as tmp:
            with atomic_path(tmp / "manifest.json"):
                no_space()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_appending_to_a_log_names_the_log():
    with open("/dev/full", "a", encoding="utf-8") as handle:  # every write: ENOSPC
        with pytest.raises(DiskFull, match=r"^/dev/full: disk full while writing it \(.*, it needs 12 bytes\)"):
            append_text(handle, '{"step": 1}\n')
    # and closing it again raised nothing


# ------------------------------------------------------------------------------------------------- one writer


def test_a_second_holder_of_a_lock_stops_at_once_naming_the_holder(tmp_path):
    lock = lock_path(tmp_path / "en.safetensors")
    holder = hold_lock(lock)
    try:
        started = time.monotonic()
        with pytest.raises(MticketsError) as raised:
            with exclusive_lock(lock, "results/scores/en.safetensors"):
                pytest.fail("a second holder ran")
        assert time.monotonic() - started < 1
        assert str(raised.value) == (f"results/scores/en.safetensors is being written by another process (PID "
                                     f"{holder.pid} on {os.uname().nodename}, holding {lock}); wait for it to "
                                     f"finish or stop it, then rerun")
    finally:
        release(holder)  # kill -9: the kernel lets go of the lock
    with exclusive_lock(lock, "results/scores/en.safetensors"):
        assert lock.read_text() == f"PID {os.getpid()} on {os.uname().nodename}\n"
    assert not lock.exists()


def test_a_lock_is_taken_again_after_its_holder_removed_it(tmp_path, monkeypatch):
    """A holder removes the file as it lets go; a process that opened it just before must not lock the
    unlinked file (a third would then lock a new file at that name and run alongside it)."""
    lock = tmp_path / "run.lock"
    real_flock = atomic.fcntl.flock
    removed = []

    def holder_lets_go_meanwhile(fd, operation):
        if not removed:
            removed.append(lock.unlink())
        real_flock(fd, operation)

    lock.touch()
    monkeypatch.setattr(atomic.fcntl, "flock", holder_lets_go_meanwhile)
    with exclusive_lock(lock, "the state"):
        assert lock.exists() and lock.read_text().startswith(f"PID {os.getpid()} ")
    assert removed == [None]
