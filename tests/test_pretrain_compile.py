"""pretrain.compile: the loss module through torch.compile gives eager's numbers to float tolerance."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from test_pretrain import VOCAB, pretrain_argv, run_cli, write_shards


@pytest.mark.skipif(shutil.which("c++") is None and shutil.which("g++") is None,
                    reason="torch.compile's CPU backend needs a C++ compiler")
def test_compiled_steps_match_eager_ones(tmp_path):
    from safetensors.torch import load_file
    from torch._dynamo.utils import counters

    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    shards = [write_shards(tmp_path / "shards", lang, 32, examples=48, tokens=n) for lang, n in (("en", 2), ("de", 1))]
    config = TicketBertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
                              attention_probs_dropout_prob=0.0)  # inductor draws dropout masks of its own
    torch.manual_seed(0)
    TicketBertForPreTraining(config).save_pretrained(str(tmp_path / "init"))
    out = {}
    for mode in ("eager", "compile"):
        argv = pretrain_argv(tmp_path / "init", shards, tmp_path / mode, tmp_path / f"ck-{mode}", 6,
                             ["--compile"] if mode == "compile" else ["--no-compile"])
        argv[argv.index("--seq-schedule") + 1], argv[argv.index("--max-predictions") + 1] = "32:1.0", "6"
        counters.clear()
        assert run_cli(argv) == 0
        assert (counters["stats"]["unique_graphs"] > 0) == (mode == "compile")  # compiled, not an eager fallback
        out[mode] = load_file(str(tmp_path / mode / "model.safetensors"))
    assert json.loads((tmp_path / "compile" / "pretrain.json").read_text())["compile"] is True
    eager, compiled = (tmp_path / mode / "training_log.jsonl" for mode in ("eager", "compile"))
    for a, b in zip(*(map(json.loads, path.read_text().splitlines()) for path in (eager, compiled))):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-5, abs=1e-6)
    moved = [key for key in out["eager"] if not torch.equal(out["eager"][key], load_file(
        str(tmp_path / "init" / "model.safetensors"))[key])]
    assert len(moved) > 20  # the steps trained
    for key, weight in out["eager"].items():
        assert torch.allclose(out["compile"][key], weight, atol=1e-5, rtol=1e-4), key
