"""Text files that stages hand on: gzip UTF-8 text (articles as JSON lines, sentences),
written byte-reproducibly and atomically."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
from pathlib import Path
from typing import IO, Iterator

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path


@contextlib.contextmanager
def gzip_text_writer(path: str | os.PathLike, compresslevel: int = 6) -> Iterator[IO[str]]:
    """Write UTF-8 text to ``path`` as gzip, atomically and byte-reproducibly.

    The gzip header carries no file name and mtime 0, so the same text always gives
    the same bytes.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compresslevel,
                           mtime=0) as gz:
            with io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text:
                yield text


def open_gzip_text(path: str | os.PathLike) -> IO[str]:
    """Open a gzip UTF-8 text file for reading, with a clear error if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise MticketsError(f"input file {path} does not exist; run the stage that makes it first")
    return gzip.open(path, "rt", encoding="utf-8", newline="\n")


def open_sentences(path: Path) -> IO[str]:
    """A sentences file (``.gz`` or plain UTF-8) for reading, or one error naming it and the stage to run."""
    if path.suffix == ".gz":
        return open_gzip_text(path)
    if not path.is_file():
        raise MticketsError(f"input file {path} does not exist; run `mtickets split` first")
    return open(path, encoding="utf-8", newline="\n")
