"""bench/pretrain.py runs end to end at small sizes (a smoke run; no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench_output import check_printed_ratios

BENCH = Path(__file__).resolve().parents[1] / "bench" / "pretrain.py"


def test_quick_benchmark_prints_every_comparison():
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--repeats", "1"],
                         capture_output=True, text=True, timeout=600)  # compiling takes a minute
    assert run.returncode == 0, run.stderr[-3000:]
    for section in ("1. training step", "2. pretrain() resident memory", "3. loader overhead",
                    "4. interference tracking", "6. logging", "7. pretrain.compile", "8. optimizer"):
        assert f"\n{section}" in run.stdout
    expected = ["ours vs BertForPreTraining [tiny]", "ours vs BertForPreTraining [small]",
                "peak RSS (VmHWM), 10x corpus vs 1x", "anonymous RSS during training, 10x vs 1x",
                "start-up to the first step, 10x corpus vs 1x", "real loader vs pre-built batches, 4 steps",
                "step + after_step vs step [demo]", "step + after_step vs step [small]",
                "step + uc_rows amortised over uc_every vs step [demo]",
                "steps + trackers vs steps + training_log.jsonl [demo]", "the same in CPU time (all threads) [demo]",
                "compiled vs eager step [tiny]", "adamw vs default AdamW step [replication]"]
    check_printed_ratios(run.stdout, expected)
