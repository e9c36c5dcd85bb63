"""A results directory a research group shares: what the stages write is readable by group and
others under umask 022, as an ordinary open() makes it (safetensors creates its files 0600)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from mtickets import cli
from mtickets.corpus.tokenizer import SPECIAL_TOKENS, build_tokenizer
from test_pretrain import VOCAB, write_shards

LANGUAGES = ("de", "en")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_every_file_the_model_stages_write_is_readable_by_group_and_others(tmp_path, umask_022):
    results = tmp_path / "results"
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join([*SPECIAL_TOKENS, *(f"w{i}" for i in range(VOCAB - len(SPECIAL_TOKENS)))]) + "\n")
    build_tokenizer([], results / "tokenizer", vocab_file=vocab)
    shards = [write_shards(tmp_path / "shards", lang, 32, examples=16, tokens=1000) for lang in LANGUAGES]
    model_config = json.dumps({"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                               "intermediate_size": 64, "max_position_embeddings": 64})
    scores = [str(results / "scores" / f"{lang}.safetensors") for lang in LANGUAGES]
    for argv in [
        ["init", "--model-config", model_config, "--tokenizer", str(results / "tokenizer"), "--seed", "0",
         "--out", str(results / "init")],
        *(["score", "--proxy", "magnitude", "--model", str(results / "init"), "--lang", lang, "--out", out]
          for lang, out in zip(LANGUAGES, scores)),
        ["merge", "--scores", *scores, "--languages", *LANGUAGES, "--remain-ratio", "0.5",
         "--out-dir", str(results / "tickets")],
        ["pretrain", "--model", str(results / "init"), "--tickets", str(results / "tickets/tickets.safetensors"),
         "--shards", *map(str, shards), "--steps", "2", "--batch-size", "4", "--learning-rate", "1e-3",
         "--seq-schedule", "32:1.0", "--max-predictions", "5", "--checkpoint-dir", str(results / "checkpoints"),
         "--checkpoint-every", "1", "--device", "cpu", "--out", str(results / "pretrain")],
        ["export", "--model", str(results / "pretrain"), "--lang", "en", "--out", str(results / "export")],
    ]:
        assert cli.main(argv) == 0, argv

    weights = sorted(str(path.relative_to(results)) for path in results.rglob("*.safetensors"))
    assert weights == ["export/model.safetensors", "init/model.safetensors", "pretrain/model.safetensors",
                       "scores/de.safetensors", "scores/en.safetensors", "tickets/tickets.safetensors"]
    modes = {str(path.relative_to(results)): oct(stat.S_IMODE(path.stat().st_mode)) for path in results.rglob("*")}
    assert {path: mode for path, mode in modes.items()
            if mode != ("0o755" if (results / path).is_dir() else "0o644")} == {}
