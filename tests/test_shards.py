"""mtickets shards: BERT sentence-pair examples in Parquet, layout, NSP, determinism."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import random
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from killed_writer import leave_temporary
from mtickets import cli
from mtickets.errors import MticketsError
from mtickets.corpus.pairs import Instances, TokenizedCorpus, create_instances, truncate_pairs, truncation_counts
from mtickets.corpus.shards import load_tokenizer, plan_layout, tokenize_corpus, write_shards
from mtickets.corpus.tokenizer import SPECIAL_TOKENS, build_tokenizer

CLS, SEP = 2, 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Sentences whose every word is its own wordpiece naming (document, position).

    Word k of document d is ``d{d}w{k}`` (numbered through the whole document), so
    each token of an example tells exactly where in the corpus it came from.
    """
    root = tmp_path_factory.mktemp("shards")
    rng = random.Random(0)
    documents = []
    for d in range(40):
        sentences, k = [], 0
        for _ in range(rng.randint(1, 9)):
            n = rng.randint(1, 14)
            sentences.append([f"d{d}w{k + i}" for i in range(n)])
            k += n
        documents.append(sentences)
    documents[5] = [["d5w0", "d5w1"]] + [["d5w2" for _ in range(60)]]  # forces truncation
    sentences_path = root / "xx" / "sentences.txt.gz"
    sentences_path.parent.mkdir()
    with gzip.open(sentences_path, "wt", encoding="utf-8") as handle:
        handle.write("\n")  # leading blank lines and runs of them are not documents
        for sentences in documents:
            for words in sentences:
                handle.write(" ".join(words) + "\n")
            handle.write("\n\n")
    vocab = list(SPECIAL_TOKENS) + sorted({w for s in documents for ws in s for w in ws})
    vocab_file = root / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = root / "tokenizer"
    build_tokenizer([], tokenizer, vocab_file=vocab_file)
    return {"sentences": sentences_path, "tokenizer": tokenizer, "vocab": vocab,
            "documents": documents, "root": root}


def make(corpus, out: Path, **kwargs) -> dict:
    options = dict(seq_length=32, short_seq_prob=0.1, nsp_random_prob=0.5, dupe_factor=2,
                   examples_per_shard=50, seed=11)
    options.update(kwargs)
    return write_shards(corpus["sentences"], corpus["tokenizer"], "xx", out, **options)


def rows(out: Path) -> list[dict]:
    manifest = json.loads((out / "manifest.json").read_text())
    result = []
    for shard in manifest["shards"]:
        result += pq.read_table(out / shard["file"]).to_pylist()
    return result


def digest(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def where(corpus, token_id: int) -> tuple[int, int]:
    word = corpus["vocab"][token_id]
    d, k = word[1:].split("w")
    return int(d), int(k)


# The corpus holds about 1,400 wordpieces: one in-memory group and one shuffle bucket,
# or 4 group files and 10 bucket files (the path a Wikipedia takes).
LAYOUTS = {"in memory": {}, "groups and buckets": {"group_tokens": 400, "bucket_tokens": 500}}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_and_manifest(corpus, tmp_path, layout):
    out = tmp_path / "seq32"
    manifest = make(corpus, out, **LAYOUTS[layout])
    n_words = sum(len(ws) for s in corpus["documents"] for ws in s)
    assert manifest == json.loads((out / "manifest.json").read_text())
    assert manifest["language"] == "xx" and manifest["seq_length"] == 32
    assert manifest["documents"] == 40
    assert manifest["sentences"] == sum(len(s) for s in corpus["documents"])
    assert manifest["tokens"] == n_words
    assert manifest["vocab_size"] == len(corpus["vocab"]) and manifest["seed"] == 11
    plan = plan_layout(manifest["tokens"], 2, **LAYOUTS[layout])
    assert (plan.groups, plan.buckets) == ((1, 1) if layout == "in memory" else (4, 10))
    files = sorted(p.name for p in out.glob("*.parquet"))
    assert [s["file"] for s in manifest["shards"]] == files == \
        [f"part-{i:05d}.parquet" for i in range(len(files))]
    assert all(s["examples"] == 50 for s in manifest["shards"][:-1])
    assert all(s["sha256"] == hashlib.sha256((out / s["file"]).read_bytes()).hexdigest() for s in manifest["shards"])
    assert manifest["special_tokens"] == {"[PAD]": 0, "[UNK]": 1, "[CLS]": CLS, "[SEP]": SEP, "[MASK]": 4}
    assert 0 < manifest["shards"][-1]["examples"] <= 50
    schema = pq.read_schema(out / files[0])
    assert [f.name for f in schema] == ["input_ids", "token_type_ids", "next_sentence_label",
                                        "language"]
    assert str(schema.field("input_ids").type.value_type) == "int32"
    assert str(schema.field("token_type_ids").type.value_type) == "int8"
    assert str(schema.field("next_sentence_label").type) == "int8"
    assert str(schema.field("language").type) == "string"

    examples = rows(out)
    assert len(examples) == manifest["examples"] == sum(s["examples"] for s in manifest["shards"])
    labels = [e["next_sentence_label"] for e in examples]
    assert set(labels) == {0, 1}
    assert 0.3 < np.mean(labels) < 0.85  # 0.5 plus forced single-sentence chunks
    truncated = 0
    for example in examples:
        ids, types = example["input_ids"], example["token_type_ids"]
        assert example["language"] == "xx"
        assert 5 <= len(ids) <= 32 and len(types) == len(ids)
        assert ids[0] == CLS and ids[-1] == SEP
        first_sep = ids.index(SEP)
        assert ids.count(SEP) == 2 and CLS not in ids[1:]
        assert types == [0] * (first_sep + 1) + [1] * (len(ids) - first_sep - 1)
        a = [where(corpus, t) for t in ids[1:first_sep]]
        b = [where(corpus, t) for t in ids[first_sep + 1:-1]]
        assert a and b
        for segment in (a, b):  # each segment is a contiguous run of one document
            if segment[0][0] != 5:
                assert len({d for d, _ in segment}) == 1
                start = segment[0][1]
                assert [k for _, k in segment] == list(range(start, start + len(segment)))
        if example["next_sentence_label"] == 0:  # B is the text that follows A
            assert a[0][0] == b[0][0] and b[0][1] > a[-1][1]
        truncated += len(ids) == 32
    assert truncated > 0
    mapped = sorted(entry["file"] for entry in manifest["memory_map"].values())
    assert mapped == ["examples.first.i16", "examples.nsp.i8", "examples.offsets.i64", "examples.tokens.i32"]
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", *files, *mapped])  # no scratch left


@pytest.mark.parametrize("layout", LAYOUTS)
def test_random_next_comes_from_other_documents(corpus, tmp_path, layout):
    manifest = make(corpus, tmp_path / "out", nsp_random_prob=1.0, dupe_factor=1, **LAYOUTS[layout])
    examples = rows(tmp_path / "out")
    assert manifest["examples"] == len(examples)
    assert all(e["next_sentence_label"] == 1 for e in examples)
    other = 0
    for example in examples:
        ids = example["input_ids"]
        first_sep = ids.index(SEP)
        other += where(corpus, ids[1])[0] != where(corpus, ids[first_sep + 1])[0]
    assert other == len(examples)  # 40 documents (about 10 per group): a different one is always found


def test_byte_identical_for_same_seed(corpus, tmp_path):
    make(corpus, tmp_path / "a")
    assert cli.main(["shards", "--sentences", str(corpus["sentences"]),
                     "--tokenizer", str(corpus["tokenizer"]), "--lang", "xx",
                     "--seq-length", "32", "--short-seq-prob", "0.1", "--nsp-random-prob", "0.5",
                     "--dupe-factor", "2", "--examples-per-shard", "50", "--seed", "11",
                     "--out", str(tmp_path / "b")]) == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    make(corpus, tmp_path / "c", seed=12)
    first = "part-00000.parquet"
    assert digest(tmp_path / "a")[first] != digest(tmp_path / "c")[first]
    for name in ("d", "e"):
        make(corpus, tmp_path / name, **LAYOUTS["groups and buckets"])
    assert digest(tmp_path / "d") == digest(tmp_path / "e")


def test_dupe_factor_and_short_sequences(corpus, tmp_path):
    one = make(corpus, tmp_path / "one", dupe_factor=1, seq_length=64)
    three = make(corpus, tmp_path / "three", dupe_factor=3, seq_length=64)
    assert 2.5 * one["examples"] < three["examples"] < 3.5 * one["examples"]
    long = [len(e["input_ids"]) for e in rows(tmp_path / "one")]
    make(corpus, tmp_path / "short", dupe_factor=1, seq_length=64, short_seq_prob=1.0)
    short = [len(e["input_ids"]) for e in rows(tmp_path / "short")]
    assert max(long) == 64 and np.mean(short) < np.mean(long)


def test_readable_with_datasets(corpus, tmp_path):
    from datasets import load_dataset

    manifest = make(corpus, tmp_path / "out")
    files = [str(tmp_path / "out" / s["file"]) for s in manifest["shards"]]
    dataset = load_dataset("parquet", data_files={"train": files},
                           cache_dir=str(tmp_path / "cache"))["train"]
    assert dataset.num_rows == manifest["examples"]
    assert dataset.features["input_ids"].feature.dtype == "int32"
    assert dataset.features["next_sentence_label"].dtype == "int8"
    assert dataset[0]["input_ids"] == rows(tmp_path / "out")[0]["input_ids"]


def test_too_few_examples_names_language_and_tokens(corpus, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(MticketsError) as error:
        make(corpus, out, min_examples=10 ** 6)
    message = str(error.value)
    n_words = sum(len(ws) for s in corpus["documents"] for ws in s)
    assert "language 'xx'" in message and f"{n_words} wordpieces" in message
    assert "--min-examples 1000000" in message
    assert not out.exists() and not list(tmp_path.iterdir())


def test_corpus_below_the_snip_budget_names_language_tokens_and_budget(corpus, tmp_path):
    out = tmp_path / "out"
    n_words = sum(len(ws) for s in corpus["documents"] for ws in s)
    with pytest.raises(MticketsError) as error:
        make(corpus, out, min_tokens=n_words + 1)
    message = str(error.value)
    assert "language 'xx'" in message and f"holds {n_words} wordpieces" in message
    assert f"--min-tokens {n_words + 1}" in message and "scoring.tokens" in message
    assert not out.exists() and not list(tmp_path.iterdir())
    assert make(corpus, out, min_tokens=n_words)["tokens"] == n_words


def test_empty_corpus(corpus, tmp_path):
    empty = tmp_path / "empty.txt.gz"
    with gzip.open(empty, "wt") as handle:
        handle.write("\n\n\n")
    with pytest.raises(MticketsError, match="yields 0 examples from 0 wordpieces"):
        write_shards(empty, corpus["tokenizer"], "xx", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_arguments(corpus, tmp_path):
    with pytest.raises(MticketsError, match="too short"):
        make(corpus, tmp_path / "o", seq_length=4)
    with pytest.raises(MticketsError, match="no tokenizer.json"):
        write_shards(corpus["sentences"], tmp_path, "xx", tmp_path / "o")


def _reference_truncate(a: list, b: list, max_num_tokens: int, rng) -> None:
    """Google BERT's truncate_seq_pair (one token at a time, coin flip front/back)."""
    while len(a) + len(b) > max_num_tokens:
        trunc = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del trunc[0]
        else:
            trunc.pop()


def test_truncation_matches_bert_reference():
    rng = np.random.default_rng(0)
    la = rng.integers(1, 80, size=2000)
    lb = rng.integers(1, 80, size=2000)
    max_tokens = rng.integers(2, 100, size=2000)
    for i in range(2000):
        a, b = list(range(int(la[i]))), list(range(int(lb[i])))
        _reference_truncate(a, b, int(max_tokens[i]), random.Random(i))
        from_a, from_b = truncation_counts(la[i:i + 1], lb[i:i + 1], int(max_tokens[i]))
        # How many tokens each side loses depends on the lengths alone.
        assert (int(from_a[0]), int(from_b[0])) == (la[i] - len(a), lb[i] - len(b))
    # Front or back: Binomial(k, 1/2) per side, the law of BERT's coin flips.
    n = 20_000
    pairs = Instances(np.zeros(n, np.int64), np.full(n, 60), np.full(n, 100),
                      np.full(n, 130), np.zeros(n, np.int8))
    cut = truncate_pairs(pairs, 50, np.random.default_rng(1))
    assert np.all(cut.a1 - cut.a0 == 25) and np.all(cut.b1 - cut.b0 == 25)  # 35 from A, 5 from B
    assert np.all((cut.a0 >= 0) & (cut.a1 <= 60) & (cut.b0 >= 100) & (cut.b1 <= 130))
    assert abs(cut.a0.mean() - 17.5) < 0.15 and abs((cut.b0 - 100).mean() - 2.5) < 0.05
    assert abs(cut.a0.var() - 35 / 4) < 0.5


def _reference_instances(documents: list[list[int]], max_num_tokens: int, short_seq_prob: float,
                         rng: random.Random) -> list[tuple[int, int, int]]:
    """Google BERT's create_instances_from_document for every document (one pass),
    on sentence lengths; returns (len A, len B, is_random_next) after truncation."""
    out = []
    for index, document in enumerate(documents):
        target = max_num_tokens
        if rng.random() < short_seq_prob:
            target = rng.randint(2, max_num_tokens)
        chunk, length, i = [], 0, 0
        while i < len(document):
            chunk.append(document[i])
            length += document[i]
            if i == len(document) - 1 or length >= target:
                a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
                a = sum(chunk[:a_end])
                if len(chunk) == 1 or rng.random() < 0.5:
                    random_next = 1
                    for _ in range(10):
                        other = rng.randint(0, len(documents) - 1)
                        if other != index:
                            break
                    b, target_b = 0, target - a
                    for j in range(rng.randint(0, len(documents[other]) - 1),
                                   len(documents[other])):
                        b += documents[other][j]
                        if b >= target_b:
                            break
                    i -= len(chunk) - a_end
                else:
                    random_next, b = 0, sum(chunk[a_end:])
                from_a, from_b = truncation_counts(np.array([a]), np.array([b]), max_num_tokens)
                out.append((a - int(from_a[0]), b - int(from_b[0]), random_next))
                chunk, length = [], 0
            i += 1
    return out


def test_pairs_follow_bert_statistics():
    """The vectorised pass and Google's loop give the same distribution of examples."""
    rng = random.Random(3)
    documents = [[rng.choice([1, 3, 8, 15, 30, 60]) for _ in range(rng.randint(1, 40))]
                 for _ in range(400)]
    lengths = np.array([n for d in documents for n in d])
    corpus = TokenizedCorpus(np.zeros(int(lengths.sum()), np.int32),
                             np.r_[0, np.cumsum(lengths)],
                             np.r_[0, np.cumsum([len(d) for d in documents])])
    for seq_length in (32, 128):
        ours, theirs = [], []
        for seed in range(8):
            instances = create_instances(corpus, seq_length, 0.1, 0.5,
                                         np.random.default_rng(seed))
            ours += list(zip((instances.a1 - instances.a0).tolist(),
                             (instances.b1 - instances.b0).tolist(),
                             instances.is_random_next.tolist()))
            theirs += _reference_instances(documents, seq_length - 3, 0.1, random.Random(seed))
        ours, theirs = np.array(ours, float), np.array(theirs, float)
        assert abs(len(ours) / len(theirs) - 1) < 0.03
        for column in range(3):
            assert abs(ours[:, column].mean() - theirs[:, column].mean()) < \
                0.05 * theirs[:, column].mean() + 0.3, (seq_length, column)
        assert ours[:, :2].sum(axis=1).max() <= seq_length - 3
        assert ours[:, :2].min() >= 1


def test_documents_are_blank_line_separated(corpus, tmp_path):
    path = tmp_path / "s.txt"
    # Runs of blank lines are one boundary; a sentence of only control characters has
    # no wordpieces and is dropped; the last document needs no trailing blank line.
    path.write_text("\n\nd0w0 d0w1\nd0w2\n\n\n\x07\n\nd1w0\n\nd2w0 d2w1 d2w2", encoding="utf-8")
    tokenized = tokenize_corpus(path, load_tokenizer(corpus["tokenizer"]))
    assert tokenized.documents == 3 and tokenized.sentences == 4
    assert tokenized.sentence_offsets.tolist() == [0, 2, 3, 4, 7]
    assert tokenized.document_offsets.tolist() == [0, 2, 3, 4]
    assert [corpus["vocab"][t] for t in tokenized.tokens[:3]] == ["d0w0", "d0w1", "d0w2"]


def test_a_rerun_removes_the_temporary_directory_of_a_killed_run(corpus, tmp_path):
    out = tmp_path / "seq32"
    left = leave_temporary(out, "dir")  # what kill -9 of a shards job leaves: .seq32.XXXXXXXX.tmp
    make(corpus, out)
    assert not left.exists() and [p.name for p in tmp_path.iterdir()] == ["seq32"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("module, name", [("mtickets.formats.shards", "examples.tokens.i32"),
                                          ("mtickets.corpus.shards", "tokens.i32")],
                         ids=["mapped examples", "tokenized corpus"])
def test_a_full_disk_is_one_error_naming_the_output_and_a_rerun_is_byte_identical(corpus, tmp_path, monkeypatch,
                                                                                   caplog, module, name):
    """The file ``name`` is written into /dev/full: each write fails with errno 28 and no file name (the
    tokenized corpus's small numpy writes used to be dropped without an error, leaving zeros)."""

    def full_disk(file, mode="r", *args, **kwargs):
        if Path(file).name == name and "w" in mode:
            open(file, mode).close()  # the file is there, as on a real disk
            return open("/dev/full", mode, *args, **kwargs)
        return open(file, mode, *args, **kwargs)

    out = tmp_path / "xx" / "seq32"
    argv = ["shards", "--sentences", str(corpus["sentences"]), "--tokenizer", str(corpus["tokenizer"]), "--lang",
            "xx", "--seq-length", "32", "--short-seq-prob", "0.1", "--nsp-random-prob", "0.5", "--dupe-factor", "2",
            "--examples-per-shard", "50", "--seed", "11", "--out", str(out)]
    monkeypatch.setattr(module + ".open", full_disk, raising=False)
    with caplog.at_level(logging.ERROR, logger="mtickets"):
        assert cli.main(argv) == 1
    [error] = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert re.fullmatch(rf"{re.escape(str(out))}: disk full while writing it \(last written: \S+; [\d.]+ \w+ free on "
                        rf"/\S*, it needs more \(it had written [\d.]+ \w+ when the disk filled\)\); "
                        rf"free space there or write the results elsewhere, then rerun", error), error
    assert list(out.parent.iterdir()) == []  # no temporary left
    monkeypatch.undo()
    assert cli.main(argv) == 0
    make(corpus, tmp_path / "uninterrupted")
    assert digest(out) == digest(tmp_path / "uninterrupted")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_memory_mapped_reader_equals_the_parquet_rows(corpus, tmp_path, layout):
    import dataclasses

    from mtickets.formats.shards import MEMORY_MAP, open_shards

    out = tmp_path / "seq32"
    make(corpus, out, **LAYOUTS[layout])
    mapped = open_shards(out)
    parquet = dataclasses.replace(mapped, manifest={k: v for k, v in mapped.manifest.items() if k != MEMORY_MAP})
    everything = list(range(len(mapped)))
    order = np.random.default_rng(0).permutation(len(mapped)).tolist()  # random access, as pretraining reads
    for indices in (everything, order):
        ids, types, nsp = mapped.get(indices)
        ids_p, types_p, nsp_p = parquet.get(indices)
        assert [x.tolist() for x in ids] == [x.tolist() for x in ids_p]
        assert [x.tolist() for x in types] == [x.tolist() for x in types_p]
        assert nsp.tolist() == nsp_p.tolist()
    assert isinstance(mapped._columns.ids, np.memmap) and not isinstance(parquet._columns.ids, np.memmap)
    streamed = list(mapped.iter_examples())
    assert [e[0] for e in streamed] == [x.tolist() for x in mapped.get(everything)[0]]
    assert [e[1] for e in streamed] == [x.tolist() for x in mapped.get(everything)[1]]


def test_heldout_examples_are_set_aside_and_never_among_the_training_rows(corpus, tmp_path):
    from mtickets.formats.shards import open_shards

    whole = make(corpus, tmp_path / "whole")
    manifest = make(corpus, tmp_path / "seq32", heldout=20)
    assert manifest["examples"] == whole["examples"] - 20 and manifest["heldout"]["examples"] == 20
    train, held = open_shards(tmp_path / "seq32"), open_shards(tmp_path / "seq32", heldout=True)
    assert (len(train), len(held)) == (whole["examples"] - 20, 20)
    rows = lambda data: [tuple(x.tolist()) for x in data.get(range(len(data)))[0]]  # noqa: E731
    # The same examples as without a held-out set, split in two: the first 20 of the shuffled stream aside.
    assert rows(held) + rows(train) == rows(open_shards(tmp_path / "whole"))
    assert manifest["example_tokens"] + manifest["heldout"]["example_tokens"] == whole["example_tokens"]
    assert make(corpus, tmp_path / "again", heldout=20) == manifest  # deterministic
    with pytest.raises(MticketsError, match="no held-out examples; rebuild it with `mtickets shards --heldout N`"):
        open_shards(tmp_path / "whole", heldout=True)
    with pytest.raises(MticketsError, match=r"not more than the --heldout 100000"):
        make(corpus, tmp_path / "tiny", heldout=100_000)
