"""Progress bars: live on a terminal, one line per refresh in a log file."""

from __future__ import annotations

import io

from mtickets.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_whole_lines():
    log = io.StringIO()
    with progress(range(5), desc="work", stream=log) as bar:
        for _ in bar:
            pass
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and log.getvalue().endswith("\n")
    assert lines[0].startswith("work:   0%") and lines[-1].startswith("work: 100%") and "5/5" in lines[-1]


def test_a_terminal_gets_a_bar_redrawn_in_place():
    terminal = Terminal()
    with progress(range(5), desc="work", stream=terminal, mininterval=0) as bar:
        for _ in bar:
            pass
    assert "\r" in terminal.getvalue()
