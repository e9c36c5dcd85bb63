"""Writers of an atomic output in another process: killed with SIGKILL mid-write, or left running; a
process holding a lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WRITER = """
import sys, time
from pathlib import Path
from mtickets.formats.atomic import atomic_dir, atomic_path
kind, out = sys.argv[1], Path(sys.argv[2])
with (atomic_dir if kind == "dir" else atomic_path)(out) as tmp:
    (tmp / "part" if kind == "dir" else tmp).write_bytes(b"half of it")
    print(tmp, flush=True)
    time.sleep(120)
"""


def start_writer(out: Path, kind: str) -> tuple[subprocess.Popen, Path]:
    """A process in the middle of writing ``out`` (a "dir" or a "file"), and its temporary."""
    process = subprocess.Popen([sys.executable, "-c", WRITER, kind, str(out)], stdout=subprocess.PIPE, text=True)
    return process, Path(process.stdout.readline().strip())


def leave_temporary(out: Path, kind: str) -> Path:
    """The temporary that a writer of ``out`` killed with SIGKILL leaves behind."""
    process, temporary = start_writer(out, kind)
    process.kill()
    process.wait()
    process.stdout.close()
    assert temporary.exists()
    return temporary


LOCK_HOLDER = """
import sys, time
from mtickets.formats.atomic import exclusive_lock
with exclusive_lock(sys.argv[1], "the state"):
    print("held", flush=True)
    time.sleep(120)
"""


def hold_lock(lock: Path) -> subprocess.Popen:
    """A process holding ``lock`` (``exclusive_lock``) until it is killed."""
    process = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(lock)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def release(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()
    process.stdout.close()
