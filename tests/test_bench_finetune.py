"""bench/finetune.py runs end to end at small sizes (a smoke run; no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench_output import check_printed_ratios

BENCH = Path(__file__).resolve().parents[1] / "bench" / "finetune.py"


def test_quick_benchmark_prints_every_comparison():
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--repeats", "1"],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "\n1. fine-tuning throughput" in run.stdout
    check_printed_ratios(run.stdout, ["ours, bucketed batches vs BertForTokenClassification",
                                      "ours vs BertForTokenClassification, same batches",
                                      "bucketed vs random batches"])


def test_the_full_runs_tokenizer_can_be_drawn(tmp_path):
    # Its ~3k suffixes once came from 812 possible ones: the full run never got past the vocabulary.
    sys.path.insert(0, str(BENCH.parent))
    from finetune import make_tokenizer

    tokenizer, words, endings = make_tokenizer(tmp_path, 30522)
    assert len(tokenizer) == 30522 and len(endings) == 30522 // 10
