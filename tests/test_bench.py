"""bench/tickets.py runs end to end at small sizes (a smoke run; no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench_output import check_printed_ratios

BENCH = Path(__file__).resolve().parents[1] / "bench" / "tickets.py"


def test_quick_benchmark_prints_every_comparison():
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--skip-python-sort", "--repeats", "1"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    for section in ("1. merge", "2. SNIP", "3. ticket", "4. compact export", "5. demo sizes"):
        assert f"\n{section}" in run.stdout
    expected = ["time vs numpy stable argsort", "SNIP tokens/s (score_units, from shards)",
                "gather vs mask, 10 train steps", "compact export latency"]
    for mode in ("train", "no dropout"):
        for step in ("pretraining loss", "encoder only"):
            expected += [f"{variant} [{mode}, {step}]"
                         for variant in ("gather", "mask  ", "compact export", "compact, heads evened")]
    check_printed_ratios(run.stdout, expected)
