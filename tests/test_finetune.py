"""Fine-tuning: first-sub-token labels, seqeval scoring, a tiny end-to-end run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtickets import finetune as ft
from mtickets.errors import MticketsError
from mtickets.formats.xtreme import NER_LABELS

WORDS = ["paris", "berlin", "john", "mary", "acme", "corp", "is", "the", "a", "and", "in", "city",
         "works", "at", "big", "un", "##believ", "##able", "."]


def make_tokenizer(directory: Path):
    from transformers import BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=False)
    tokenizer.save_pretrained(str(directory))
    return BertTokenizerFast.from_pretrained(str(directory))


def test_first_subtoken_labels(tmp_path):
    tokenizer = make_tokenizer(tmp_path / "tok")
    label2id = {t: i for i, t in enumerate(NER_LABELS)}
    sentences = [(["paris", "is", "unbelievable", "."], ["B-LOC", "O", "O", "O"])]
    (encoded,) = ft.encode_sentences(sentences, tokenizer, label2id, max_length=32)
    tokens = tokenizer.convert_ids_to_tokens(encoded.input_ids)
    assert tokens == ["[CLS]", "paris", "is", "un", "##believ", "##able", ".", "[SEP]"]
    o, loc = label2id["O"], label2id["B-LOC"]
    assert encoded.labels == [-100, loc, o, o, -100, -100, o, -100]
    # truncation keeps the labels of the words that fit
    (short,) = ft.encode_sentences(sentences, tokenizer, label2id, max_length=5)
    assert short.labels == [-100, loc, o, o, -100]
    with pytest.raises(MticketsError, match=r"train\.tsv: sentence 1 has tag 'B-MISC'"):
        ft.encode_sentences([(["paris"], ["B-MISC"])], tokenizer, label2id, 32, "train.tsv")


def test_score_pos_is_token_accuracy_and_ner_is_chunked():
    gold = [["NOUN", "VERB", "NOUN"], ["DET", "NOUN"]]
    pred = [["NOUN", "NOUN", "NOUN"], ["DET", "NOUN"]]
    pos = ft.score("pos", gold, pred)
    assert pos["f1"] == pytest.approx(80.0) and pos["precision"] == pytest.approx(80.0)
    assert pos["token_accuracy"] == pytest.approx(80.0)
    ner = ft.score("ner", [["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-LOC"]])
    assert ner["f1"] == pytest.approx(50.0)  # one of two entities right, one of two predicted right
    assert ner["token_accuracy"] == pytest.approx(75.0)


def test_epochs_needed():
    assert ft.epochs_needed(2, 10, 0) == 2
    assert ft.epochs_needed(2, 10, 25) == 3
    assert ft.epochs_needed(2, 10, 2500) == 250


# ----------------------------------------------------------------------------- end to end

ENTITIES = {"paris": "LOC", "berlin": "LOC", "john": "PER", "mary": "PER", "acme": "ORG"}
POS = {"paris": "PROPN", "berlin": "PROPN", "john": "PROPN", "mary": "PROPN", "acme": "PROPN", "corp": "NOUN",
       "is": "AUX", "the": "DET", "a": "DET", "and": "CCONJ", "in": "ADP", "city": "NOUN", "works": "VERB",
       "at": "ADP", "big": "ADJ"}


def synthetic(seed: int, count: int):
    import random

    rng = random.Random(seed)
    for _ in range(count):
        words = [rng.choice(WORDS[:15]) for _ in range(rng.randint(3, 8))]
        yield words


def write_panx(path: Path, seed: int, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for words in synthetic(seed, count):
            for word in words:
                tag = f"B-{ENTITIES[word]}" if word in ENTITIES else "O"
                handle.write(f"en:{word}\t{tag}\n")
            handle.write("\n")
    return path


def write_conllu(path: Path, seed: int, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for number, words in enumerate(synthetic(seed, count)):
            handle.write(f"# sent_id = {number}\n")
            for i, word in enumerate(words, start=1):
                handle.write(f"{i}\t{word}\t{word}\t{POS[word]}\t_\t_\t0\tdep\t_\t_\n")
            handle.write("\n")
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    import torch

    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    root = tmp_path_factory.mktemp("finetune")
    tokenizer = make_tokenizer(root / "tokenizer")
    config = TicketBertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64,
    )
    torch.manual_seed(0)
    dense = TicketBertForPreTraining(config)
    dense.save_pretrained(str(root / "dense"))
    masks = {}
    for k in range(2):
        masks[f"layer.{k}.qk"] = torch.ones(2, 32, dtype=torch.uint8)
        masks[f"layer.{k}.v"] = torch.ones(2, 32, dtype=torch.uint8)
        masks[f"layer.{k}.ffn"] = (torch.arange(64) % 4 != 0).to(torch.uint8).repeat(2, 1)
    dense.set_tickets(masks, ["de", "en"])
    dense.save_pretrained(str(root / "ticket"))
    files = {
        "ner": [write_panx(root / f"{s}.tsv", i, n) for i, (s, n) in enumerate((("train", 160), ("dev", 30), ("test", 30)))],
        "pos": [write_conllu(root / f"{s}.conllu", i, n) for i, (s, n) in enumerate((("train", 160), ("dev", 30), ("test", 30)))],
    }
    return root, files


def finetune_argv(root, files, task, model, lang="en", out=None, extra=()):
    train, dev, test = files[task]
    return [
        "finetune", "--model", str(root / model), "--tokenizer", str(root / "tokenizer"), "--task", task,
        "--lang", lang, "--variant", model, "--train", str(train), "--dev", str(dev), "--test", str(test),
        "--seed", "3", "--epochs", "2", "--batch-size", "16", "--learning-rate", "3e-3", "--min-updates", "60",
        "--max-length", "32", "--device", "cpu", "--out", str(out), *extra,
    ]


@pytest.mark.parametrize("task, model", [("ner", "dense"), ("pos", "ticket")])
def test_finetune_end_to_end(setup, tmp_path, task, model):
    from mtickets.cli import main

    root, files = setup
    out = tmp_path / "finetune" / model / task / "en" / "seed3" / "metrics.json"
    assert main(finetune_argv(root, files, task, model, out=out)) == 0
    metrics = json.loads(out.read_text())
    for key in ("task", "language", "seed", "variant", "f1", "precision", "recall", "best_epoch", "dev_f1",
                "train_sentences", "updates"):
        assert key in metrics
    assert (metrics["task"], metrics["language"], metrics["seed"], metrics["variant"]) == (task, "en", 3, model)
    assert metrics["train_sentences"] == 160
    assert metrics["updates"] == 60 and metrics["epochs"] == 6  # 10 batches/epoch, raised to 60 updates
    assert 1 <= metrics["best_epoch"] <= 6 and metrics["dev_f1"] == max(metrics["dev_f1_per_epoch"])
    assert metrics["f1"] > 20.0
    assert metrics["ticket"] == ("en" if model == "ticket" else None)
    if task == "pos":
        assert metrics["f1"] == pytest.approx(metrics["token_accuracy"])


def test_finetune_language_without_ticket(setup, tmp_path):
    from mtickets.cli import build_parser

    root, files = setup
    argv = finetune_argv(root, files, "ner", "ticket", lang="fr", out=tmp_path / "m.json")
    with pytest.raises(MticketsError, match=r"'fr' has no ticket.*de, en"):
        ft.main(build_parser(argv).parse_args(argv))
    assert not (tmp_path / "m.json").exists()


def test_finetune_on_compact_export_checks_its_language(setup, tmp_path):
    from mtickets.cli import build_parser, main

    root, files = setup
    assert main(["export", "--model", str(root / "ticket"), "--lang", "en", "--out", str(root / "export-en")]) == 0
    out = tmp_path / "en.json"
    assert main(finetune_argv(root, files, "ner", "export-en", lang="en", out=out)) == 0
    assert json.loads(out.read_text())["f1"] > 20.0
    argv = finetune_argv(root, files, "ner", "export-en", lang="de", out=tmp_path / "de.json")
    with pytest.raises(MticketsError, match=r"compact export of language 'en'.*mtickets export --lang de"):
        ft.main(build_parser(argv).parse_args(argv))
    assert not (tmp_path / "de.json").exists()


def test_tokenizer_and_model_of_other_special_token_ids_are_one_error(setup, tmp_path):
    from transformers import BertTokenizerFast

    from mtickets.cli import build_parser

    root, files = setup
    vocab = [*WORDS[:2], "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS[2:]]  # same size, other ids
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=False).save_pretrained(
        str(tmp_path / "tok"))
    argv = finetune_argv(root, files, "ner", "dense", out=tmp_path / "m.json")
    argv[argv.index("--tokenizer") + 1] = str(tmp_path / "tok")
    with pytest.raises(MticketsError, match=r"--tokenizer .*tok and --model .*dense disagree on special token ids "
                                            r"\(\[PAD\] 2 vs 0, \[UNK\] 3 vs 1"):
        ft.main(build_parser(argv).parse_args(argv))
    assert not (tmp_path / "m.json").exists()
