"""mtickets stanza-train: a real Stanza tokenizer trained offline, then used by `mtickets split`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from demo_text import as_documents, demo_sentences

from mtickets import cli
from mtickets.errors import MticketsError
from mtickets.corpus.split import split_articles
from mtickets.testdata.stanza_train import train_stanza_tokenizer, training_files

# Measured at the default 100 steps: recall and precision 1.0 with seeds 0-9 (from 20
# steps on); a model trained 10 steps or fewer finds no boundary at all.
MIN_RECALL = MIN_PRECISION = 0.9


TRAIN_DOCUMENTS = as_documents(demo_sentences("train") + demo_sentences("dev"))  # 200 sentences
HELD_OUT_DOCUMENTS = as_documents(demo_sentences("test"))  # 40 sentences, never trained on


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stanza") / "model"
    train_stanza_tokenizer(TRAIN_DOCUMENTS, "en", root, seed=0)
    return root


def boundaries(sentences: list[str]) -> set[int]:
    """Where each sentence ends, counted in non-whitespace characters (spacing-proof)."""
    ends, position = set(), 0
    for sentence in sentences:
        position += len("".join(sentence.split()))
        ends.add(position)
    return ends


def test_training_files_format():
    text, labels = training_files([["Hi there.", "  Bye\tnow. "], []] + [["Ok."]])
    assert text == "Hi there. Bye now.\n\nOk.\n"
    assert labels == "010000002000100002\n\n002\n"
    assert [len(p) for p in text.split("\n\n")] == [len(p) for p in labels.split("\n\n")]


def test_layout_is_what_stanza_download_leaves(model_dir):
    assert sorted(p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*")) == [
        "en", "en/tokenize", "en/tokenize/mtickets.pt", "resources.json"]
    resources = json.loads((model_dir / "resources.json").read_text())
    assert resources["en"]["default_processors"] == {"tokenize": "mtickets"}


def test_split_with_the_trained_model_finds_held_out_boundaries(tmp_path, model_dir):
    articles = tmp_path / "articles.jsonl.gz"
    with gzip.open(articles, "wt", encoding="utf-8") as handle:
        for i, document in enumerate(HELD_OUT_DOCUMENTS):
            handle.write(json.dumps({"id": str(i), "url": "", "title": f"T{i}",
                                     "text": " ".join(document)}) + "\n")
    out = tmp_path / "sentences.txt.gz"
    split_articles(articles, "en", out, backend="stanza", model_dir=model_dir)
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        split = [block.split("\n") for block in handle.read().strip("\n").split("\n\n")]
    assert len(split) == len(HELD_OUT_DOCUMENTS)
    found = gold = predicted = 0
    for sentences, document in zip(split, HELD_OUT_DOCUMENTS, strict=True):
        assert "".join("".join(sentences).split()) == "".join("".join(document).split())
        assert all(s == s.strip() and s for s in sentences)
        # The end of the text is a boundary whatever the model says: count inner ones only.
        truth, guess = boundaries(document[:-1]), boundaries(sentences[:-1])
        found += len(truth & guess)
        gold += len(truth)
        predicted += len(guess)
    assert gold == 30
    assert found / gold >= MIN_RECALL
    assert found / predicted >= MIN_PRECISION


def test_cli_gives_the_same_bytes_for_the_same_seed(tmp_path, model_dir):
    sentences = tmp_path / "sentences.txt.gz"
    with gzip.open(sentences, "wt", encoding="utf-8") as handle:
        handle.write("".join("\n".join(document) + "\n\n" for document in TRAIN_DOCUMENTS))
    out = tmp_path / "again"
    assert cli.main(["stanza-train", "--sentences", str(sentences), "--lang", "en",
                     "--out", str(out), "--seed", "0"]) == 0
    for name in ("resources.json", "en/tokenize/mtickets.pt"):
        assert (out / name).read_bytes() == (model_dir / name).read_bytes()


def test_refuses_to_replace_a_directory_with_other_models(tmp_path):
    out = tmp_path / "stanza_resources"
    (out / "de" / "tokenize").mkdir(parents=True)
    (out / "resources.json").write_text('{"de": {}}')
    with pytest.raises(MticketsError, match="holds more than a Stanza model of language 'en'"):
        train_stanza_tokenizer(TRAIN_DOCUMENTS, "en", out)
    assert (out / "de" / "tokenize").is_dir()


def test_no_sentences_is_an_error(tmp_path):
    with pytest.raises(MticketsError, match="no sentences"):
        train_stanza_tokenizer([[" ", ""], []], "en", tmp_path / "m")
    assert not (tmp_path / "m").exists()
