"""Fine-tuning: first-sub-token labels, seqeval scoring, a tiny end-to-end run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from mtickets.evaluation import finetune as ft
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
    with pytest.raises(MticketsError, match=r"train\.tsv: sentence 1 has tag 'B-MISC'"):
        ft.encode_sentences([(["paris"], ["B-MISC"])], tokenizer, label2id, 32, "train.tsv")


def test_pos_is_scored_as_xtreme_does_not_as_token_accuracy():
    """XTREME's run_tag.py gives seqeval the bare UPOS tags: it reads a tag's first letter as its
    prefix and chunks the rest, so adjacent words with one tag are one chunk."""
    gold = [["NOUN", "NOUN", "VERB", "DET", "NOUN"]]
    pred = [["NOUN", "VERB", "VERB", "DET", "NOUN"]]
    # seqeval's chunks (type, first, last): gold (OUN 0-1) (ERB 2) (ET 3) (OUN 4);
    # predicted (OUN 0) (ERB 1-2) (ET 3) (OUN 4): two of four right either way.
    pos = ft.score(gold, pred)
    assert pos["f1"] == pytest.approx(50.0) and pos["precision"] == pytest.approx(50.0)
    assert pos["token_accuracy"] == pytest.approx(80.0)
    ner = ft.score([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-LOC"]])
    assert ner["f1"] == pytest.approx(50.0)  # one of two entities right, one of two predicted right
    assert ner["token_accuracy"] == pytest.approx(75.0)


def test_long_sentences_are_split_as_xtreme_does(tmp_path):
    tokenizer = make_tokenizer(tmp_path / "tok")
    words = ["paris", "is", "unbelievable", "."] * 3  # 1 + 1 + 3 + 1 = 6 sub-tokens per round
    sentences = [(words, ["B-LOC", "O", "O", "O"] * 3), (["paris"], ["B-LOC"])]
    pieces, origin = ft.split_long_sentences(sentences, tokenizer, max_length=10)  # 8 sub-tokens a piece
    assert origin == [0, 0, 0, 1]
    # Greedy: words join a piece while its sub-tokens stay within 8 (6 + "paris" + "is" = 8; then
    # "unbelievable" would make 11), then 3 + 1 + 1 + 1 = 6 (+3 would be 9), then the last 4.
    assert [len(w) for w, _ in pieces] == [6, 4, 2, 1]
    assert [w for piece, _ in pieces[:3] for w in piece] == words
    assert [t for _, tags in pieces for t in tags] == [t for _, tags in sentences for t in tags]
    (single,) = ft.split_long_sentences([(["unbelievable", "\u0096"], ["O", "O"])], tokenizer, 4)[0]
    assert single[0] == ["[UNK]", "[UNK]"]  # longer than a piece; no sub-token at all


def test_epoch_batches_visit_every_example_once_and_bucketed_ones_pad_less():
    import torch

    lengths = torch.randint(3, 129, (1000,), generator=torch.Generator().manual_seed(0)).tolist()

    def padded(batches):
        return sum(len(b) * max(lengths[i] for i in b) for b in batches)

    for bucketed in (True, False):
        batches = ft.epoch_batches(lengths, 16, torch.Generator().manual_seed(3), bucketed=bucketed)
        assert sorted(i for b in batches for i in b) == list(range(1000))
        assert len(batches) == 63 and sum(len(b) < 16 for b in batches) == 1
        again = ft.epoch_batches(lengths, 16, torch.Generator().manual_seed(3), bucketed=bucketed)
        assert again == batches  # a pure function of the generator's state
    random = ft.epoch_batches(lengths, 16, torch.Generator().manual_seed(3), bucketed=False)
    bucketed = ft.epoch_batches(lengths, 16, torch.Generator().manual_seed(3), bucketed=True)
    # Random batches are consecutive slices of one permutation (what train() drew before bucketing).
    assert [i for b in random for i in b] == torch.randperm(1000, generator=torch.Generator().manual_seed(3)).tolist()
    assert padded(bucketed) < 0.65 * padded(random)
    # Batches are shuffled: neither in window order nor sorted by length across the epoch.
    widths = [max(lengths[i] for i in b) for b in bucketed]
    assert widths != sorted(widths)
    # A new mix every epoch: the same generator drawn again gives other batches.
    generator = torch.Generator().manual_seed(3)
    first, second = (ft.epoch_batches(lengths, 16, generator, bucketed=True) for _ in range(2))
    assert {tuple(sorted(b)) for b in first} != {tuple(sorted(b)) for b in second}


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


FORMATS = {"ner": "panx", "pos": "conllu"}


def finetune_argv(root, files, task, model, lang="en", out=None, extra=()):
    train, dev, test = files[task]
    return [
        "finetune", "--model", str(root / model), "--tokenizer", str(root / "tokenizer"), "--task", task,
        "--format", FORMATS[task],
        "--lang", lang, "--variant", model, "--train", str(train), "--dev", str(dev), "--test", str(test),
        "--seeds", "3", "--epochs", "2", "--batch-size", "16", "--learning-rate", "3e-3", "--min-updates", "60",
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
    assert 1 <= metrics["best_epoch"] <= 6
    assert metrics["dev_f1"] == max(e["dev_f1"] for e in metrics["dev_evaluations"])
    assert [e["update"] for e in metrics["dev_evaluations"]] == list(range(10, 61, 10))  # every epoch's end
    assert metrics["f1"] > 20.0
    assert metrics["ticket"] == ("en" if model == "ticket" else None)
    predictions = (out.parent / "predictions.tsv").read_text().split("\n\n")
    assert len(predictions) == 30 and all(len(line.split("\t")) == 3 for line in predictions[0].splitlines())


def test_bf16_autocast_trains_and_is_recorded(setup, tmp_path, monkeypatch):
    from mtickets.cli import main

    root, files = setup
    seen = []
    original = ft.train_step

    def spy(model, *args, **kwargs):  # the autocast state the step runs under
        seen.append(torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16)
        return original(model, *args, **kwargs)

    monkeypatch.setattr(ft, "train_step", spy)
    out = tmp_path / "bf16" / "metrics.json"
    assert main(finetune_argv(root, files, "ner", "dense", out=out, extra=["--precision", "bf16"])) == 0
    metrics = json.loads(out.read_text())
    assert metrics["compute_precision"] == "bf16" and all(seen) and len(seen) == metrics["updates"]
    assert metrics["f1"] > 20.0  # it learns
    seen.clear()
    out = tmp_path / "auto" / "metrics.json"
    assert main(finetune_argv(root, files, "ner", "dense", out=out)) == 0
    assert json.loads(out.read_text())["compute_precision"] == "fp32" and not any(seen)  # auto on CPU


def test_dev_is_evaluated_every_eval_every_updates_and_the_best_is_tested(setup, tmp_path):
    from mtickets.cli import main

    root, files = setup
    out = tmp_path / "metrics.json"
    assert main(finetune_argv(root, files, "ner", "dense", out=out, extra=["--eval-every", "4"])) == 0
    metrics = json.loads(out.read_text())
    updates = [e["update"] for e in metrics["dev_evaluations"]]
    assert updates == sorted({*range(4, 61, 4), *range(10, 61, 10)})
    best = max(metrics["dev_evaluations"], key=lambda e: e["dev_f1"])  # the earliest of the best
    assert metrics["best_update"] == best["update"] and metrics["dev_f1"] == best["dev_f1"]


def test_every_gold_word_of_a_sentence_longer_than_max_length_gets_a_prediction(setup, tmp_path):
    from mtickets.cli import main

    root, files = setup
    long_test = tmp_path / "long.tsv"
    sentence = [f"en:{w}\t{t}" for w, t in [("paris", "B-LOC"), ("is", "O"), ("unbelievable", "O")] * 20]
    long_test.write_text("\n".join(sentence) + "\n\n" + files["ner"][2].read_text(), encoding="utf-8")
    out = tmp_path / "metrics.json"
    argv = finetune_argv(root, files, "ner", "dense", out=out)
    argv[argv.index("--test") + 1] = str(long_test)
    assert main(argv) == 0  # --max-length 32: the 100 sub-tokens of the first sentence make 4 pieces
    metrics = json.loads(out.read_text())
    assert metrics["test_sentences"] == 31 and metrics["test_pieces"] == 34
    first = (out.parent / "predictions.tsv").read_text().split("\n\n")[0].splitlines()
    assert [line.split("\t")[:2] for line in first] == [line[3:].split("\t") for line in sentence]


def test_several_seeds_in_one_process_equal_a_process_per_seed(setup, tmp_path):
    from mtickets.cli import main

    root, files = setup
    together = tmp_path / "together/seed{seed}/metrics.json"
    argv = finetune_argv(root, files, "pos", "ticket", out=together)
    seed_at = argv.index("--seeds") + 1
    assert main(argv[:seed_at] + ["3", "4"] + argv[seed_at + 1 :]) == 0
    for seed in (3, 4):
        alone = tmp_path / f"alone/seed{seed}/metrics.json"
        single = finetune_argv(root, files, "pos", "ticket", out=alone)
        single[seed_at] = str(seed)
        assert main(single) == 0
        a, b = (json.loads(Path(str(p).replace("{seed}", str(seed))).read_text()) for p in (together, alone))
        assert (a["seed"], a["f1"], a["dev_evaluations"]) == (b["seed"], b["f1"], b["dev_evaluations"])
        assert (together.parent.parent / f"seed{seed}/predictions.tsv").read_text() == (
            alone.parent / "predictions.tsv").read_text()


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


# ----------------------------------------------------------------------------- zero-shot


@pytest.fixture(scope="module")
def zero_shot_setup(setup):
    """A ticket model whose de ticket keeps a few units (en's keeps most), and a de test file."""
    import torch

    from mtickets.modeling import TicketBertForPreTraining

    root, files = setup
    model = TicketBertForPreTraining.from_pretrained(str(root / "dense"))
    masks = {}
    for k in range(2):
        for component, width in (("qk", 32), ("v", 32), ("ffn", 64)):
            de, en = torch.arange(width) < 4, torch.arange(width) % 4 != 0
            masks[f"layer.{k}.{component}"] = torch.stack([de, en]).to(torch.uint8)
    model.set_tickets(masks, ["de", "en"])
    model.save_pretrained(str(root / "two-tickets"))
    return root, files, {"en": files["ner"][2], "de": write_panx(root / "de-test.tsv", 7, 25)}


def zero_shot_argv(root, files, tests, out, seeds=("3", "4"), model="two-tickets"):
    argv = finetune_argv(root, files, "ner", model, out=out)
    at = argv.index("--test")
    del argv[at : at + 2]
    at = argv.index("--seeds")
    argv[at + 1 : at + 2] = list(seeds)
    for lang, path in tests.items():
        argv += ["--test-set", lang, str(path)]
    return argv


def predicted_tags(path: Path) -> list[str]:
    return [line.split("\t")[2] for line in path.read_text().splitlines() if line]


def test_zero_shot_tests_every_language_through_its_own_ticket(zero_shot_setup, tmp_path, monkeypatch):
    from mtickets.cli import main

    root, files, tests = zero_shot_setup
    tickets_used = []  # (the first test sentence's words, the ticket) of every prediction

    def recording_predict(model, data, id2label, language, *args):
        tickets_used.append((tuple(data[0].input_ids), language))
        return predict(model, data, id2label, language, *args)

    predict = ft.predict
    monkeypatch.setattr(ft, "predict", recording_predict)
    out = tmp_path / "zs/{lang}/seed{seed}/metrics.json"
    assert main(zero_shot_argv(root, files, tests, out)) == 0
    written = {(lang, seed): json.loads((tmp_path / f"zs/{lang}/seed{seed}/metrics.json").read_text())
               for lang in tests for seed in (3, 4)}
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")
                  if "tensorboard" not in p.parts) == sorted(
        f"zs/{lang}/seed{seed}/{name}" for lang in tests for seed in (3, 4)
        for name in ("metrics.json", "predictions.tsv"))
    # One training run per seed: its curves beside the training language's results.
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("tensorboard")) == [
        "zs/en/seed3/tensorboard", "zs/en/seed4/tensorboard"]
    for (lang, seed), metrics in written.items():
        assert (metrics["protocol"], metrics["train_language"], metrics["language"], metrics["seed"]) == (
            "zero_shot", "en", lang, seed)
        assert (metrics["ticket"], metrics["train_ticket"]) == (lang, "en")
        assert metrics["train_sentences"] == 160 and metrics["test_sentences"] == {"en": 30, "de": 25}[lang]
        # One model per seed: the languages share its training and selection.
        assert metrics["dev_evaluations"] == written[("en", seed)]["dev_evaluations"]

    tokenizer = ft.load_tokenizer(root / "tokenizer")
    first = {}
    for split, path in (("dev", files["ner"][1]), *tests.items()):
        (words, _), *_ = ft.FORMAT_READERS["panx"](path)
        first[split] = tuple(tokenizer(words, is_split_into_words=True)["input_ids"])
    assert len(set(first.values())) == 3
    per_seed = [(first["dev"], "en")] * 6 + [(first["en"], "en"), (first["de"], "de")]  # 6 dev evaluations, 2 tests
    assert tickets_used == per_seed * 2
    monkeypatch.undo()

    # The source's zero-shot result is its in-language one, whose metrics.json is as before (no protocol keys).
    alone = tmp_path / "in/metrics.json"
    assert main(finetune_argv(root, files, "ner", "two-tickets", out=alone)) == 0
    in_language = json.loads(alone.read_text())
    assert in_language["f1"] == written[("en", 3)]["f1"] and in_language["ticket"] == "en"
    assert not {"protocol", "train_language", "train_ticket"} & set(in_language)
    assert (alone.parent / "predictions.tsv").read_text() == (tmp_path / "zs/en/seed3/predictions.tsv").read_text()


@pytest.mark.parametrize("tests, out, message", [
    ({"en": None, "fr": None}, "{lang}/m.json", r"--test-set language 'fr' has no ticket in .*two-tickets \(its "
                                                r"ticket bank: de, en\)"),
    ({"en": None}, "m.json", r"--out \S*/m\.json: with --test-set it must hold \{lang\}"),
])
def test_zero_shot_errors_name_the_language_or_option_and_write_nothing(zero_shot_setup, tmp_path, tests, out,
                                                                        message):
    from mtickets.cli import build_parser

    root, files, paths = zero_shot_setup
    argv = zero_shot_argv(root, files, {lang: paths["en"] for lang in tests}, tmp_path / out, seeds=["3"])
    with pytest.raises(MticketsError, match=message):
        ft.main(build_parser(argv).parse_args(argv))
    assert not any(tmp_path.iterdir())


def test_test_and_test_set_together_is_an_error(zero_shot_setup, tmp_path):
    from mtickets.cli import build_parser

    root, files, paths = zero_shot_setup
    argv = finetune_argv(root, files, "ner", "two-tickets", out=tmp_path / "{lang}.json",
                         extra=["--test-set", "de", str(paths["de"])])
    with pytest.raises(MticketsError, match=r"pass --test PATH \(in-language\) or one --test-set LANG PATH"):
        ft.main(build_parser(argv).parse_args(argv))


def test_the_tables_of_zero_shot_runs_note_the_protocol_and_drop_small_test_languages(zero_shot_setup, tmp_path):
    """A test language is screened on its own test split, the source on its train split (footnote 6)."""
    from mtickets.evaluation.tables import make_table

    root, _, _ = zero_shot_setup
    models = {"dense": root / "dense", "two-tickets": root / "two-tickets"}

    def runs(train_sentences, protocol="zero_shot"):
        paths = []
        for variant in models:
            for lang, test_sentences in (("en", 30), ("de", 5)):
                path = tmp_path / protocol / str(train_sentences) / variant / "ner" / lang / "seed3/metrics.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                metrics = {"task": "ner", "language": lang, "protocol": protocol, "train_language": "en", "seed": 3,
                           "variant": variant, "f1": 50.0, "train_sentences": train_sentences,
                           "test_sentences": test_sentences}
                path.write_text(json.dumps(metrics if protocol == "zero_shot" else
                                           {k: v for k, v in metrics.items() if k not in ("protocol", "train_language")}))
                paths.append(path)
        return paths

    out = tmp_path / "ner_table.csv"
    make_table(runs(160), models, "ner", 32, out, ["en", "de"], min_sentences=10)
    md = out.with_suffix(".md").read_text()
    assert "- Protocol: zero-shot (XTREME): each seed's model is fine-tuned on en's train split" in md
    assert "de (train 160, test 5 sentences)" in md and out.read_text().splitlines()[0].startswith("variant,en,avg")
    with pytest.raises(MticketsError, match=r"no language left for the table: en \(train 8, test 30 sentences\); de"):
        make_table(runs(8), models, "ner", 32, out, ["en", "de"], min_sentences=10)
    with pytest.raises(MticketsError, match=r"--metrics mix fine-tuning protocols: .* is zero_shot from en; .* is "
                                            r"in_language"):
        make_table(runs(160)[:2] + runs(160, "in_language")[2:], models, "ner", 32, out, ["en", "de"])
    make_table(runs(160, "in_language"), models, "ner", 32, out, ["en", "de"])
    assert "- Protocol: in-language (the paper)" in out.with_suffix(".md").read_text()


def test_the_training_curves_and_scores_are_in_tensorboard_beside_the_metrics(setup, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from mtickets.cli import main

    root, files = setup
    out = tmp_path / "seed3" / "metrics.json"
    assert main(finetune_argv(root, files, "ner", "dense", out=out, extra=["--eval-every", "4"])) == 0
    metrics = json.loads(out.read_text())
    events = EventAccumulator(str(out.parent / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    series = {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}
    assert [step for step, _ in series["train/loss"]] == list(range(1, 61))
    assert series["train/lr"][0] == (1, pytest.approx(3e-3))
    assert series["dev/f1"] == [(e["update"], pytest.approx(e["dev_f1"], rel=1e-6)) for e in metrics["dev_evaluations"]]
    assert series["test/f1"] == [(60, pytest.approx(metrics["f1"], rel=1e-6))]
    assert main(finetune_argv(root, files, "ner", "dense", out=tmp_path / "none" / "metrics.json",
                              extra=["--loggers"])) == 0
    assert not (tmp_path / "none" / "tensorboard").exists()


# A fresh interpreter that cannot import mtickets tags the test split's sentences with the kept model
# through transformers alone; argv: model folder, the sentences as JSON; prints each word's tag as JSON.
TAG_WITH_TRANSFORMERS = r'''
import json, sys
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

folder, sentences = sys.argv[1], json.loads(sys.argv[2])
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
model = AutoModelForTokenClassification.from_pretrained(folder, trust_remote_code=True).eval()
tags = []
for words in sentences:
    encoding = tokenizer(words, is_split_into_words=True, return_tensors="pt")
    with torch.no_grad():
        best = model(**encoding).logits[0].argmax(-1).tolist()  # no language=: the saved default
    firsts = {}
    for position, word in enumerate(encoding.word_ids()):
        if word is not None:
            firsts.setdefault(word, position)
    tags.append([model.config.id2label[best[firsts[k]]] for k in range(len(words))])
print(json.dumps({"tags": tags, "default_language": model.config.default_language}))
'''


def test_save_model_keeps_the_first_seeds_best_model_which_tags_through_transformers_alone(setup, tmp_path):
    import os
    import subprocess
    import sys

    from seqeval.metrics import f1_score

    from mtickets.cli import main
    from test_hf_loading import NO_MTICKETS

    root, files = setup
    out = tmp_path / "seed{seed}" / "metrics.json"
    folder = tmp_path / "model"
    argv = finetune_argv(root, files, "ner", "ticket", out=out, extra=["--eval-every", "7", "--save-model",
                                                                      str(folder)])
    argv[argv.index("--seeds") + 1:argv.index("--seeds") + 2] = ["3", "4"]
    argv[argv.index("--min-updates") + 1] = "14"  # short of perfect, so that the seeds tag differently
    assert main(argv) == 0
    first = json.loads((tmp_path / "seed3" / "metrics.json").read_text())
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    config = json.loads((folder / "config.json").read_text())
    assert config["id2label"] == {str(i): tag for i, tag in enumerate(NER_LABELS)}

    sentences = [line.split("\t") for line in (tmp_path / "seed3" / "predictions.tsv").read_text().split("\n")]
    words, gold, tested = [[]], [[]], [[]]
    for fields in sentences:
        if fields == [""]:
            words.append([]), gold.append([]), tested.append([])
            continue
        words[-1].append(fields[0]), gold[-1].append(fields[1]), tested[-1].append(fields[2])
    env = {**os.environ, "HF_MODULES_CACHE": str(tmp_path / "hf_modules"), "HF_HUB_OFFLINE": "1"}
    child = subprocess.run([sys.executable, "-c", NO_MTICKETS + TAG_WITH_TRANSFORMERS, str(folder), json.dumps(words)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=120)
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout)
    assert report["default_language"] == "en"  # the ticket it was fine-tuned through
    # The kept model is the one the first seed tested: the same tags, so the same F1.
    assert report["tags"] == tested
    assert first["f1"] != json.loads((tmp_path / "seed4" / "metrics.json").read_text())["f1"]
    assert 100.0 * f1_score(gold, report["tags"]) == pytest.approx(first["f1"])
