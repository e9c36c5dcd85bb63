"""Atomic file contracts: a stage's output appears complete or not at all.

Every stage writes to a temporary name beside the final path and renames it into
place, so an interrupted job never leaves a half file that looks finished.

A killed job cannot remove its temporary (at the paper's scale a shard directory's
is about the size of the output), so the next write of the same output does: each
temporary is named after its output (``.{name}.XXXXXXXX.tmp``) and holds an exclusive
``flock`` while it is being written. A temporary of this output that no process
holds locked is left over and removed; a locked one is another job's live work and
is left alone.

A write that finds the disk full is one error, ``DiskFull``, naming the output (and the
file of a directory written last), the space left once its temporary is removed, and
what the write needed; nothing of the temporary is left over.

State a resumable stage keeps outside its outputs (pretraining's checkpoints, a
download's or SNIP's ``.partial``) has one writer at a time: ``exclusive_lock``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Iterator

from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

# torch.save reports a short write ("[enforce fail at inline_container.cc:...] . unexpected pos N vs M")
# without its errno: it is a full disk when the file system has (almost) nothing left (a margin, as
# other processes write and delete meanwhile).
_SHORT_WRITE = re.compile(r"unexpected pos \d+")
_NEARLY_FULL = 64 << 20


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: Path, final: Path, mode: int) -> None:
    # mkstemp/mkdtemp create 0600/0700; an output must get the permissions of an
    # ordinary new file so collaborators on a shared cluster can read it.
    umask = _umask()
    if tmp.is_dir():
        _ordinary_permissions(tmp, umask)
    tmp.chmod(mode & ~umask)
    os.replace(tmp, final)


def _ordinary_permissions(directory: Path, umask: int) -> None:
    """Give what a directory's writers made the permissions ``open()`` and ``mkdir()`` would.

    Some writers create files the way mkstemp does, 0600: safetensors (``model.safetensors``
    of ``save_pretrained``) writes a temporary and renames it. Symlinks are left alone.
    """
    for entry in os.scandir(directory):
        if entry.is_dir(follow_symlinks=False):
            _ordinary_permissions(Path(entry.path), umask)
            os.chmod(entry.path, 0o777 & ~umask)
        elif entry.is_file(follow_symlinks=False):
            executable = entry.stat(follow_symlinks=False).st_mode & stat.S_IXUSR
            os.chmod(entry.path, (0o777 if executable else 0o666) & ~umask)


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on ``path`` (a file or a directory), or None if another holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def remove_stale_temporaries(final: Path) -> None:
    """Remove the temporaries of ``final`` that killed writers left (unlocked); leave live ones."""
    pattern = re.compile(rf"\.{re.escape(final.name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    if not final.parent.is_dir():
        return
    for candidate in final.parent.iterdir():
        if not pattern.fullmatch(candidate.name):
            continue
        fd = _try_lock(candidate)
        if fd is None:
            continue
        try:
            log.info("removing %s, left by an interrupted earlier write of %s", candidate, final)
            if candidate.is_dir() and not candidate.is_symlink():
                shutil.rmtree(candidate, ignore_errors=True)
            else:
                candidate.unlink(missing_ok=True)
        finally:
            os.close(fd)


class DiskFull(MticketsError):
    """A write of ``path`` found no space left: the one error naming it, the space left and the need.

    ``needed``: the bytes the write needs, where the writer knows; else ``written``, what it had
    written when the disk filled. ``freed``: the bytes its temporary holds, free once it is removed.
    """

    def __init__(self, path: Path, *, needed: int | None = None, written: int = 0, freed: int = 0,
                 part: str | None = None):
        self.path = path
        where = _existing(path.parent)
        free = _bytes(shutil.disk_usage(where).free + freed)
        need = _bytes(needed) if needed is not None else f"more (it had written {_bytes(written)} when the disk filled)"
        super().__init__(
            f"{path}: disk full while writing it ({f'last written: {part}; ' if part else ''}{free} free on "
            f"{_mount_point(where)}, it needs {need}); free space there or write the results elsewhere, then rerun"
        )


def _existing(directory: Path) -> Path:
    while not directory.exists():
        directory = directory.parent
    return directory


def _mount_point(directory: Path) -> Path:
    directory = directory.resolve()
    while not os.path.ismount(directory):
        directory = directory.parent
    return directory


def _bytes(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


def _out_of_space(error: BaseException, directory: Path) -> bool:
    """Whether ``error``, raised by a write into ``directory``, means the disk is full.

    Each library says it its own way: errno 28 (Python, pyarrow), the text of errno 28
    (safetensors), or a short write with no errno (torch), which counts when the file
    system has (almost) nothing left.
    """
    if isinstance(error, DiskFull) or isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    text = str(error)
    return "No space left on device" in text or (
        _SHORT_WRITE.search(text) is not None and shutil.disk_usage(_existing(directory)).free < _NEARLY_FULL)


def _usage(path: Path) -> tuple[int, int]:
    """The bytes of a file, or of every file under a directory, and the disk space they take.

    The space is counted rather than measured after the removal: a writer's open handle (say
    torch's, kept alive by its exception) keeps the blocks of a removed file until it closes.
    """
    files = [file for file in path.rglob("*") if file.is_file() and not file.is_symlink()] if path.is_dir() \
        else [path] if path.exists() else []
    stats = [file.stat() for file in files]
    return sum(s.st_size for s in stats), sum(s.st_blocks * 512 for s in stats)


def _part_written(directory: Path, error: BaseException) -> str | None:
    """The file of ``directory`` written last: the one an inner write names, else the newest (a write
    that finds the disk full has no file name)."""
    if isinstance(error, DiskFull) and error.path.is_relative_to(directory):
        return str(error.path.relative_to(directory))
    files = [file for file in directory.rglob("*") if file.is_file() and not file.is_symlink()]
    return str(max(files, key=lambda file: file.stat().st_mtime_ns).relative_to(directory)) if files else None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, size: int | None = None) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; rename it onto ``path`` on success.

    Write the temporary in place (the lock is on its inode); do not replace it by another file.
    ``size``: what the file will take, if known, for the error of a full disk.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(final)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    fcntl.flock(fd, fcntl.LOCK_EX)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _publish(tmp_path, final, 0o666)
    except Exception as error:
        if not _out_of_space(error, final.parent):
            raise
        written, held = _usage(tmp_path)
        raise DiskFull(final, needed=size, written=written, freed=held) from None
    finally:
        tmp_path.unlink(missing_ok=True)
        os.close(fd)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; it replaces ``path`` on success."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(final)
    tmp_path = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield tmp_path
        if final.exists():
            shutil.rmtree(final)
        _publish(tmp_path, final, 0o777)
    except Exception as error:
        if not _out_of_space(error, final.parent):
            raise
        written, held = _usage(tmp_path)
        raise DiskFull(final, written=written, freed=held, part=_part_written(tmp_path, error)) from None
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)
        os.close(fd)


def append_text(handle: IO[str], text: str) -> None:
    """Append ``text`` to a log open for appending and flush it; a full disk is ``DiskFull`` naming the log."""
    try:
        handle.write(text)
        handle.flush()
    except OSError as error:
        path = Path(handle.name)
        if not _out_of_space(error, path.parent):
            raise
        with contextlib.suppress(OSError):
            handle.close()  # it would retry the write it holds when closed later, raising again
        raise DiskFull(path, needed=len(text.encode("utf-8"))) from None


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def partial_path(out: str | os.PathLike) -> Path:
    """Where a resumable stage keeps its unfinished work for ``out``: ``OUT.partial``."""
    return Path(f"{out}.partial")


def lock_path(out: str | os.PathLike) -> Path:
    """The lock of the one process writing ``out`` and its ``.partial``: ``OUT.lock``."""
    return Path(f"{out}.lock")


@contextlib.contextmanager
def exclusive_lock(lock: str | os.PathLike, what: str) -> Iterator[None]:
    """Hold the lock file ``lock`` while the block runs; another holder stops at once.

    Resumable state outlives its run, and two runs resuming it interleave their writes
    (two pretraining runs truncate and append one training log). The second stops with
    one error naming ``what`` is being written and the holder's PID. The kernel drops the
    lock when its process dies, kill -9 included, so a crash never leaves it held; the
    file is removed on release.
    """
    lock = Path(lock)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(fd)
            os.close(fd)
            raise MticketsError(f"{what} is being written by another process ({holder}, holding {lock}); wait "
                                f"for it to finish or stop it, then rerun") from None
        try:
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)  # locked a file its holder removed on release: lock the one at that name now
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"PID {os.getpid()} on {socket.gethostname()}\n".encode())
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _lock_holder(fd: int) -> str:
    """Who holds a lock, as it wrote itself in: it writes just after locking, so read again once."""
    for wait in (0.0, 0.2):
        time.sleep(wait)
        holder = os.pread(fd, 256, 0).decode("utf-8", "replace").strip()
        if holder:
            return holder
    return "PID unknown"
