"""bench/gpu_check.sh in its quick CPU mode: every GPU path's code runs (bf16, the DDP launch, fine-tuning,
compile) and lands in one JSON file, so the check is ready the day a GPU is lent. No timing is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.sh"


def run_check(out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), str(out), "--quick", *options], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHON": sys.executable})


def test_quick_mode_runs_every_section_into_one_json(tmp_path):
    out = tmp_path / "gpu_check.json"
    run = run_check(out, "--peak-tflops", "1")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == [] and report["quick"] and report["device"] == "cpu"
    sections = report["sections"]
    assert list(sections) == ["step", "ticket", "compile", "ddp", "finetune"]
    step = sections["step"]
    assert step["hf_attention"] == "sdpa"
    for model in ("ours", "hf"):
        assert step[model]["tokens_per_s"] > 0 and 0 < step[model]["mfu"] < 1
    assert step["speedup_vs_hf"] == step["hf"]["step_s_min"] / step["ours"]["step_s_min"]
    ticket = sections["ticket"]
    assert ticket["layers"] == {"ticket": 3, "dense": 2} and 0.6 < ticket["kept_units"] < 0.8
    assert sections["compile"]["compiled_s_min"] > 0 and sections["compile"]["first_step_s"] > 0
    ddp = sections["ddp"]
    assert (ddp["backend"], ddp["processes"], ddp["precision"]) == ("gloo", 1, "bf16")
    assert ddp["tokens_per_s"] > 0 and 0 < ddp["mfu"] < 1  # read back from the run's TensorBoard events
    assert sections["finetune"]["compute_precision"] == "bf16" and sections["finetune"]["updates"] >= 3


def test_a_failing_section_is_recorded_and_fails_the_check(tmp_path):
    out = tmp_path / "gpu_check.json"
    run = run_check(out, "--only", "ddp", "--device", "meta")  # pretrain refuses it
    assert run.returncode == 1
    report = json.loads(out.read_text())
    assert report["errors"] == ["ddp"] and "error" in report["sections"]["ddp"]
    unknown = run_check(out, "--only", "stepp")
    assert unknown.returncode == 2 and "--only: no section stepp" in unknown.stderr
