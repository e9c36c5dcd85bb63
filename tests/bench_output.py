"""What the benchmark smoke tests read from a benchmark's printed report."""

from __future__ import annotations

import re
from collections.abc import Sequence


def check_printed_ratios(stdout: str, expected: Sequence[str]) -> None:
    """Every ``expected`` comparison is printed (``  LABEL ... N.NNNx``) exactly with a positive ratio."""
    ratios = {}
    for line in stdout.splitlines():
        match = re.search(r"(\d+\.\d{3})x", line)
        label = next((label for label in expected if line.startswith(f"  {label} ")), None)
        if match and label:
            ratios[label] = float(match.group(1))
    assert sorted(ratios) == sorted(expected), stdout
    assert all(ratio > 0 for ratio in ratios.values())
