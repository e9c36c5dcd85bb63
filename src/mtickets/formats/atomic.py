"""Atomic file contracts: a stage's output appears complete or not at all.

Every stage writes to a temporary name beside the final path and renames it into
place, so an interrupted job never leaves a half file that looks finished.

A killed job cannot remove its temporary (at the paper's scale a shard directory's
is about the size of the output), so the next write of the same output does: each
temporary is named after its output (``.{name}.XXXXXXXX.tmp``) and holds an exclusive
``flock`` while it is being written. A temporary of this output that no process
holds locked is left over and removed; a locked one is another job's live work and
is left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger(__name__)


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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; rename it onto ``path`` on success.

    Write the temporary in place (the lock is on its inode); do not replace it by another file.
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
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)
        os.close(fd)


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def partial_path(out: str | os.PathLike) -> Path:
    """Where a resumable stage keeps its unfinished work for ``out``: ``OUT.partial``."""
    return Path(f"{out}.partial")
