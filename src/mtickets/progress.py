"""Progress bars that read well in a terminal and in a rule log.

On a terminal a tqdm bar redraws in place. A rule log is a file: there the bar's
carriage-return frames would pile up into one endless line, so each refresh becomes a
line of its own, at most every ``LOG_INTERVAL_S`` seconds (and once at the end). A long
stage gives its log line a format of its own (``line``, tqdm's ``bar_format``): words a
person reads, such as pretraining's step, loss, learning rate, tokens/s, MFU and ETA (its
figures set with ``set_postfix_str``), in place of a bar drawn in characters.
"""

from __future__ import annotations

import sys
from typing import IO

from tqdm import tqdm

LOG_INTERVAL_S = 60.0
LOG_WIDTH = 100


class _LogLines:
    """A stream for tqdm that writes each of its frames as one line."""

    def __init__(self, stream: IO[str]):
        self._stream = stream

    def write(self, text: str) -> None:
        frame = text.strip("\r\n")
        if frame.strip():
            self._stream.write(frame.rstrip() + "\n")

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str):  # encoding, isatty, ... of the real stream
        return getattr(self._stream, name)


def progress(*args, stream: IO[str] | None = None, line: str | None = None, **kwargs) -> tqdm:
    """``tqdm(*args, **kwargs)`` on ``stream`` (stderr): a live bar on a terminal, log lines elsewhere
    (formatted as ``line`` where given, tqdm's ``bar_format``)."""
    stream = sys.stderr if stream is None else stream
    if stream.isatty():
        return tqdm(*args, file=stream, dynamic_ncols=True, **kwargs)
    if line is not None:  # words, not a bar: as wide as they are
        return tqdm(*args, file=_LogLines(stream), bar_format=line, **{**kwargs, "mininterval": LOG_INTERVAL_S})
    return tqdm(*args, file=_LogLines(stream), ncols=LOG_WIDTH, **{**kwargs, "mininterval": LOG_INTERVAL_S})
