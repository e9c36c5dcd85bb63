"""``pretrain --device xla`` for real, on torch_xla's CPU backend (PJRT_DEVICE=CPU).

torch_xla needs its own torch (2.9; this project's is 2.13), so this test runs only
where ``MTICKETS_XLA_PYTHON`` names an interpreter with torch_xla installed (README,
"TPUs"): a 6.9 GB environment that CI does not build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from mtickets.training import pretrain as pt
from mtickets.training.settings import PretrainConfig
from test_pretrain import write_shards

XLA_PYTHON = os.environ.get("MTICKETS_XLA_PYTHON")
pytestmark = pytest.mark.skipif(not XLA_PYTHON, reason="MTICKETS_XLA_PYTHON (a torch_xla environment) is not set")
SRC = Path(__file__).resolve().parents[1] / "src"


def test_xla_training_equals_cpu_training_and_resumes_exactly(tmp_path):
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    shards = [write_shards(tmp_path / "shards", lang, 32, examples=48, tokens=5000) for lang in ("en", "de")]
    config = TicketBertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
                              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)  # dropout RNGs differ
    torch.manual_seed(0)
    TicketBertForPreTraining(config).save_pretrained(str(tmp_path / "init"))
    settings = (f"model=Path({str(tmp_path / 'init')!r}), shards=[Path(p) for p in {[str(s) for s in shards]!r}], "
                "steps=6, batch_size=8, learning_rate=1e-3, seq_schedule='32:1.0', max_predictions='6', "
                "checkpoint_every=3, precision='fp32', device='xla'")
    script = (f"from pathlib import Path\nfrom mtickets.training.pretrain import pretrain\n"
              f"from mtickets.training.settings import PretrainConfig\n"
              f"kw = dict({settings})\n"
              f"pretrain(PretrainConfig(**kw, out=Path({str(tmp_path / 'xla')!r}), checkpoint_dir=Path("
              f"{str(tmp_path / 'ck-xla')!r}), stop_after=4))\n"
              f"pretrain(PretrainConfig(**kw, out=Path({str(tmp_path / 'xla')!r}), checkpoint_dir=Path("
              f"{str(tmp_path / 'ck-xla')!r})))\n"
              f"pretrain(PretrainConfig(**kw, out=Path({str(tmp_path / 'xla-once')!r}), checkpoint_dir=Path("
              f"{str(tmp_path / 'ck-once')!r})))\n")
    env = {**os.environ, "PJRT_DEVICE": "CPU", "PYTHONPATH": str(SRC)}
    run = subprocess.run([XLA_PYTHON, "-c", script], env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    pt.pretrain(PretrainConfig(model=tmp_path / "init", shards=shards, out=tmp_path / "cpu",
                                  checkpoint_dir=tmp_path / "ck-cpu", steps=6, batch_size=8, learning_rate=1e-3,
                                  seq_schedule="32:1.0", max_predictions="6", checkpoint_every=3,
                                  precision="fp32", device="cpu"))
    xla, once, cpu = (load_file(str(tmp_path / name / "model.safetensors")) for name in ("xla", "xla-once", "cpu"))
    assert xla.keys() == cpu.keys()  # the MLM decoder stays tied to the embeddings
    assert all(torch.equal(xla[k], once[k]) for k in xla)  # resumed = uninterrupted, on XLA
    assert max(float((xla[k] - cpu[k]).abs().max()) for k in xla) < 1e-6
