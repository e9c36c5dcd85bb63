"""Atomic file contracts: a stage's output appears complete or not at all.

Every stage writes to a temporary name beside the final path and renames it into
place, so an interrupted job never leaves a half file that looks finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: Path, final: Path, mode: int) -> None:
    # mkstemp/mkdtemp create 0600/0700; an output must get the permissions of an
    # ordinary new file so collaborators on a shared cluster can read it.
    tmp.chmod(mode & ~_umask())
    os.replace(tmp, final)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; rename it onto ``path`` on success."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _publish(tmp_path, final, 0o666)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary directory beside ``path``; it replaces ``path`` on success."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield tmp_path
        if final.exists():
            shutil.rmtree(final)
        _publish(tmp_path, final, 0o777)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def partial_path(out: str | os.PathLike) -> Path:
    """Where a resumable stage keeps its unfinished work for ``out``: ``OUT.partial``."""
    return Path(f"{out}.partial")
