"""mtickets tokenizer: balanced sampling, cased WordPiece, determinism, --vocab-file."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from mtickets.errors import MticketsError
from mtickets.corpus.tokenizer import (SPECIAL_TOKENS, build_tokenizer, plan_sample,
                                   sampled_sentences, sample_sizes)

WORDS = {
    "en": "the river city was born in music king war Dr. Smith Washington".split(),
    "de": "Über Ärger größer Straße König Fluss Stadt wurde geboren Musik".split(),
    "el": "Ο ποταμός πόλη γεννήθηκε μουσική βασιλιάς πόλεμος Αθήνα".split(),
}


def write_sentences(path: Path, lang: str, documents: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for _ in range(documents):
            for _ in range(rng.randint(1, 6)):
                handle.write(" ".join(rng.choice(WORDS[lang]) for _ in range(rng.randint(3, 12)))
                             + ".\n")
            handle.write("\n")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("corpus")
    return [write_sentences(root / "en" / "sentences.txt.gz", "en", 400, seed=1),
            write_sentences(root / "de" / "sentences.txt.gz", "de", 60, seed=2),
            write_sentences(root / "el" / "sentences.txt.gz", "el", 15, seed=3)]


def dir_digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_sample_sizes_follow_smoothing():
    counts = [1000, 100, 10]
    assert sample_sizes(counts, 1.0, 555) == [500, 50, 5]
    assert sum(sample_sizes(counts, 0.7, 300)) == 300
    assert sample_sizes(counts, 0.0, 300) == [100, 100, 100]
    smoothed = sample_sizes(counts, 0.7, 1110)
    expected = [c ** 0.7 / sum(x ** 0.7 for x in counts) * 1110 for c in counts]
    assert all(abs(a - b) <= 1 for a, b in zip(smoothed, expected))
    # Never more than the corpus: the target is min(total, sum of n).
    assert sum(sample_sizes(counts, 0.7, 10 ** 9)) == 1110


def test_small_language_is_upsampled(corpus):
    plan = plan_sample(corpus, 0.0, 10 ** 9, seed=0)  # equal shares of the whole corpus
    sizes = {item.language: (item.sentences, item.sample) for item in plan}
    total = sum(n for n, _ in sizes.values())
    assert sum(s for _, s in sizes.values()) == total
    n_el, s_el = sizes["el"]
    assert s_el > n_el  # repeated
    sample = [s for batch in sampled_sentences(plan) for s in batch]
    assert len(sample) == total
    assert sum(1 for s in sample if s.split()[0] in WORDS["el"]) == s_el


def test_train_save_and_load(corpus, tmp_path):
    from transformers import AutoTokenizer, BertTokenizerFast

    out = tmp_path / "tokenizer"
    size = build_tokenizer(corpus, out, vocab_size=200, smoothing=0.7, sample_sentences=1000,
                           seed=3)
    assert {"tokenizer.json", "tokenizer_config.json", "vocab.txt", "sampling.json"} <= \
        {p.name for p in out.iterdir()}
    vocab = (out / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert len(vocab) == size
    assert vocab[:5] == list(SPECIAL_TOKENS)
    tokenizer = BertTokenizerFast.from_pretrained(out)
    assert len(tokenizer) == size and tokenizer.vocab_size == size
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id,
            tokenizer.sep_token_id, tokenizer.mask_token_id) == (0, 1, 2, 3, 4)
    assert tokenizer.convert_ids_to_tokens(list(range(size))) == vocab
    # Cased, accents kept, Greek intact; round trip through ids.
    sentence = "Über Ärger in Washington. Ο ποταμός Straße."
    encoded = tokenizer(sentence)
    assert tokenizer.unk_token_id not in encoded["input_ids"]
    decoded = tokenizer.decode(encoded["input_ids"], skip_special_tokens=True)
    assert decoded.replace(" .", ".") == sentence
    pair = tokenizer("the river", "Über")
    assert pair["input_ids"][0] == 2 and pair["input_ids"][-1] == 3
    assert pair["token_type_ids"] == [0] * (pair["input_ids"].index(3) + 1) + \
        [1] * (len(pair["input_ids"]) - pair["input_ids"].index(3) - 1)
    assert type(AutoTokenizer.from_pretrained(out)).__name__.startswith("BertTokenizer")
    sampling = json.loads((out / "sampling.json").read_text())
    assert [x["language"] for x in sampling["languages"]] == ["en", "de", "el"]
    assert sum(x["sampled"] for x in sampling["languages"]) == 1000


def test_deterministic_across_processes(corpus, tmp_path):
    # The tokenizers trainer hashes with a per-process random seed; two processes
    # must still write identical bytes.
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        subprocess.run([sys.executable, "-m", "mtickets.cli", "tokenizer", "--sentences",
                        *map(str, corpus), "--vocab-size", "150", "--smoothing", "0.7",
                        "--sample-sentences", "1500", "--seed", "5", "--out", str(out)],
                       check=True, capture_output=True)
    assert dir_digest(outs[0]) == dir_digest(outs[1])
    other = tmp_path / "other_seed"
    build_tokenizer(corpus, other, vocab_size=150, sample_sentences=1500, seed=6)
    assert dir_digest(other)["sampling.json"] != dir_digest(outs[0])["sampling.json"]


def test_vocab_file(tmp_path):
    from transformers import BertTokenizerFast

    tokens = list(SPECIAL_TOKENS) + ["Über", "the", "river", "##s", "."]
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    out = tmp_path / "tok"
    assert build_tokenizer([], out, vocab_file=vocab_file) == len(tokens)
    tokenizer = BertTokenizerFast.from_pretrained(out)
    assert tokenizer.get_vocab() == {t: i for i, t in enumerate(tokens)}
    assert tokenizer.tokenize("Über the rivers.") == ["Über", "the", "river", "##s", "."]
    assert (out / "vocab.txt").read_text(encoding="utf-8").splitlines() == tokens


@pytest.mark.parametrize("lines, message", [
    (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"], "lacks the special token.*MASK"),
    (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a"], "twice"),
])
def test_bad_vocab_file(tmp_path, lines, message):
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(MticketsError, match=message):
        build_tokenizer([], tmp_path / "tok", vocab_file=vocab_file)
    assert not (tmp_path / "tok").exists()


def test_vocab_file_keeps_its_special_token_ids(tmp_path):
    from transformers import BertTokenizerFast

    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(["[UNK]", "a", "[PAD]", "[CLS]", "[SEP]", "[MASK]", "b"]) + "\n")
    build_tokenizer([], tmp_path / "tok", vocab_file=vocab_file)
    tokenizer = BertTokenizerFast.from_pretrained(tmp_path / "tok")
    assert (tokenizer.unk_token_id, tokenizer.pad_token_id, tokenizer.mask_token_id) == (0, 2, 5)


def test_a_file_outside_the_corpus_layout_is_named_as_a_file(tmp_path, corpus):
    empty = tmp_path / "empty.txt.gz"
    with gzip.open(empty, "wt") as handle:
        handle.write("\n")
    with pytest.raises(MticketsError) as error:
        build_tokenizer([corpus[0], empty], tmp_path / "tok")
    assert str(error.value).startswith(f"{empty} holds no sentences")
    assert "language" not in str(error.value)


def test_empty_or_missing_sentences(tmp_path, corpus):
    empty = tmp_path / "xx" / "sentences.txt.gz"
    empty.parent.mkdir()
    with gzip.open(empty, "wt") as handle:
        handle.write("\n\n")
    with pytest.raises(MticketsError, match=r"\(language 'xx'\) holds no sentences"):
        build_tokenizer([corpus[0], empty], tmp_path / "tok")
    with pytest.raises(MticketsError, match="does not exist"):
        build_tokenizer([tmp_path / "nope.txt.gz"], tmp_path / "tok")
    assert not (tmp_path / "tok").exists()


MBERT_VOCAB_SIZE = 119_547


def test_mbert_sized_vocab_file_loads_offline_with_its_size(tmp_path):
    from transformers import BertTokenizerFast

    # mBERT's vocab.txt layout: specials among [unused] slots, then wordpieces.
    tokens = ["[PAD]", *(f"[unused{i}]" for i in range(99)), "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [f"w{i}" if i % 2 else f"##w{i}" for i in range(MBERT_VOCAB_SIZE - len(tokens))]
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    out = tmp_path / "tok"
    assert build_tokenizer([], out, vocab_size=MBERT_VOCAB_SIZE, vocab_file=vocab_file) == \
        MBERT_VOCAB_SIZE
    tokenizer = BertTokenizerFast.from_pretrained(out)
    assert len(tokenizer) == MBERT_VOCAB_SIZE
    assert (tokenizer.cls_token_id, tokenizer.mask_token_id) == (101, 103)


def test_vocab_file_of_another_size_stops_with_both_numbers(tmp_path):
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join([*SPECIAL_TOKENS, "a", "b"]) + "\n", encoding="utf-8")
    with pytest.raises(MticketsError, match=r"has 7 tokens but the model's vocabulary size "
                                            r"is 119547; set tokenizer.vocab_size: 7"):
        build_tokenizer([], tmp_path / "tok", vocab_size=119_547, vocab_file=vocab_file)
    assert not (tmp_path / "tok").exists()


def test_sample_too_small_for_the_vocabulary_stops_with_both_numbers(corpus, tmp_path):
    with pytest.raises(MticketsError, match=r"yields only \d+ wordpieces, but the model's "
                                            r"vocabulary size is 50000"):
        build_tokenizer(corpus, tmp_path / "tok", vocab_size=50_000, sample_sentences=500)
    assert not (tmp_path / "tok").exists()
