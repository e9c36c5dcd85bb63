"""Special token ids come from the tokenizer: an mBERT-ordered vocabulary through shards, init, scoring and
pretraining, and the errors when two inputs disagree."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch

from demo_text import as_documents, demo_sentences
from test_pretrain import dense_labels
from mtickets.training import pretrain as pt
from mtickets.training.settings import PretrainConfig
from mtickets.training.batches import masked_batch
from mtickets.cli import main
from mtickets.errors import MticketsError
from mtickets.formats.shards import open_shards
from mtickets.corpus.tokenizer import SPECIAL_TOKENS, build_tokenizer

# mBERT's vocab.txt: [PAD]=0, [unused1..99], then [UNK]=100 [CLS]=101 [SEP]=102 [MASK]=103.
MBERT = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}


@pytest.fixture(scope="module")
def mbert_world(tmp_path_factory):
    """English demo text, a tokenizer with mBERT's id layout, its shards and an initialised model."""
    root = tmp_path_factory.mktemp("mbert")
    sentences = root / "corpus" / "en" / "sentences.txt.gz"
    sentences.parent.mkdir(parents=True)
    with gzip.open(sentences, "wt", encoding="utf-8") as handle:
        for document in as_documents(demo_sentences("train") + demo_sentences("dev")):
            handle.write("\n".join(document) + "\n\n")
    build_tokenizer([sentences], root / "trained", vocab_size=400)
    wordpieces = [t for t in (root / "trained/vocab.txt").read_text(encoding="utf-8").splitlines()
                  if t not in SPECIAL_TOKENS]
    vocab = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]", *wordpieces]
    assert {t: vocab.index(t) for t in SPECIAL_TOKENS} == MBERT
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    assert main(["tokenizer", "--vocab-file", str(root / "vocab.txt"), "--out", str(root / "tokenizer")]) == 0
    shards = root / "shards" / "en" / "seq64"
    assert main(["shards", "--sentences", str(sentences), "--tokenizer", str(root / "tokenizer"), "--lang", "en",
                 "--seq-length", "64", "--dupe-factor", "2", "--seed", "1", "--out", str(shards)]) == 0
    model_config = json.dumps({"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                               "intermediate_size": 64, "max_position_embeddings": 64})
    assert main(["init", "--model-config", model_config, "--tokenizer", str(root / "tokenizer"), "--seed", "0",
                 "--out", str(root / "init")]) == 0
    return root, shards, len(vocab)


def test_ids_travel_with_the_shards_and_the_model(mbert_world):
    root, shards, _ = mbert_world
    manifest = json.loads((shards / "manifest.json").read_text())
    assert manifest["special_tokens"] == MBERT
    config = json.loads((root / "init/config.json").read_text())
    assert {k: config[f"{k[1:-1].lower()}_token_id"] for k in MBERT} == MBERT
    data = open_shards(shards)
    ids, _, _ = data.get(range(len(data)))
    assert all(x[0] == MBERT["[CLS]"] and x[-1] == MBERT["[SEP]"] for x in ids)


def test_mlm_masks_with_the_vocabularys_mask_and_never_its_frame(mbert_world):
    _, shards, _ = mbert_world
    data = open_shards(shards)
    batch = masked_batch(data, list(range(len(data))), mlm_probability=0.3, max_predictions=20,
                         generator=torch.Generator().manual_seed(0))
    labels = dense_labels(batch)
    selected = labels != -100
    assert int(selected.sum()) > 200
    frame = torch.isin(labels, torch.tensor([MBERT["[CLS]"], MBERT["[SEP]"], MBERT["[PAD]"]]))
    assert not frame[selected].any()  # [CLS], [SEP] and padding are never prediction targets
    replaced = batch["input_ids"][selected]
    assert 0.7 < (replaced == MBERT["[MASK]"]).float().mean() < 0.9
    assert (replaced == 4).float().mean() < 0.02  # [unused4]: only as one of the 10% random tokens


def test_score_and_pretrain_run_on_it(mbert_world, tmp_path):
    root, shards, _ = mbert_world
    assert main(["score", "--proxy", "snip", "--model", str(root / "init"), "--lang", "en", "--shards", str(shards),
                 "--tokens", "2000", "--batch-size", "8", "--device", "cpu",
                 "--out", str(tmp_path / "en.safetensors")]) == 0
    assert main(["pretrain", "--model", str(root / "init"), "--shards", str(shards), "--steps", "4",
                 "--batch-size", "8", "--learning-rate", "1e-3", "--seq-schedule", "64:1.0",
                 "--max-predictions", "10", "--checkpoint-dir", str(tmp_path / "ck"), "--device", "cpu",
                 "--out", str(tmp_path / "final")]) == 0


def other_ids_model(root: Path, vocab_size: int) -> Path:
    """A model of the same vocabulary size built for the project's own id layout (0-4)."""
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    config = TicketBertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64)
    TicketBertForPreTraining(config).save_pretrained(str(root / "other-ids"))
    return root / "other-ids"


def test_shards_and_model_of_other_ids_are_one_error_naming_both(mbert_world, tmp_path):
    root, shards, vocab_size = mbert_world
    model = other_ids_model(tmp_path, vocab_size)
    message = (rf"shards {shards} and model {model} disagree on special token ids \(\[UNK\] 100 vs 1, \[CLS\] 101 "
               r"vs 2, \[SEP\] 102 vs 3, \[MASK\] 103 vs 4\): they were built with different tokenizers")
    with pytest.raises(MticketsError, match=message):
        pt.pretrain(PretrainConfig(model=model, shards=[shards], out=tmp_path / "final",
                                      checkpoint_dir=tmp_path / "ck", steps=100, batch_size=8, learning_rate=1e-4,
                                      seq_schedule="64:1.0", max_predictions="10"))
    assert not (tmp_path / "final").exists()
    from mtickets.tickets.score import ScoreRequest, load_model, score_units

    with pytest.raises(MticketsError, match=rf"--shards {shards} and the model disagree on special token ids"):
        score_units(load_model(model), "snip", ScoreRequest(language="en", shards=shards, tokens=500, batch_size=8))


def test_init_rejects_a_model_config_id_that_disagrees_with_the_tokenizer(mbert_world, tmp_path):
    root, _, _ = mbert_world
    with pytest.raises(MticketsError, match=r"mask_token_id 4 \(the tokenizer's: 103\) disagree with the tokenizer"):
        from mtickets.tickets.init import build_config, read_tokenizer

        build_config({"mask_token_id": 4}, *read_tokenizer(root / "tokenizer"))
