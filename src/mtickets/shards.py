"""Build BERT pretraining examples (sentence pairs + NSP labels) as Parquet shards.

Follows Google BERT's ``create_pretraining_data.py``: documents are the
blank-line-separated groups of sentences of ``sentences.txt.gz``; each document is
cut into chunks of about ``seq_length - 3`` wordpieces (with ``--short-seq-prob`` a
shorter random target), each chunk split at a random sentence boundary into A and
B, where B is replaced with probability ``--nsp-random-prob`` by text from a random
other document (label 1; the unused sentences go back to the document). The pair is
truncated to fit (randomly from the front or back of the longer side) and stored as
``[CLS] A [SEP] B [SEP]``; ``--dupe-factor`` passes over the shuffled documents, then
a final shuffle. Masking is dynamic at training time, so there are no MLM labels.
Output: ``part-00000.parquet, ...`` and ``manifest.json``; byte-identical for the
same inputs and seed.
"""

from __future__ import annotations

import argparse
import array
import itertools
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtickets.atomic import atomic_dir, write_json
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

ENCODE_BATCH = 10_000
MIN_SEQ_LENGTH = 5  # [CLS] a [SEP] b [SEP]


def _schema():
    import pyarrow as pa

    return pa.schema([
        pa.field("input_ids", pa.list_(pa.int32())),
        pa.field("token_type_ids", pa.list_(pa.int8())),
        pa.field("next_sentence_label", pa.int8()),
        pa.field("language", pa.string()),
    ])


# ------------------------------------------------------------------------- corpus


@dataclass
class TokenizedCorpus:
    """All wordpieces of a corpus, flat, with sentence and document boundaries.

    Sentence ``s`` is ``tokens[sentence_offsets[s]:sentence_offsets[s + 1]]``;
    document ``d`` is sentences ``document_offsets[d]:document_offsets[d + 1]``.
    """

    tokens: np.ndarray  # int32
    sentence_offsets: np.ndarray  # int64, sentences + 1
    document_offsets: np.ndarray  # int64, documents + 1

    @property
    def documents(self) -> int:
        return len(self.document_offsets) - 1

    @property
    def sentences(self) -> int:
        return len(self.sentence_offsets) - 1


def load_tokenizer(directory: str | os.PathLike):
    """The fast (Rust) tokenizer of a ``mtickets tokenizer`` directory."""
    from tokenizers import Tokenizer

    path = Path(directory) / "tokenizer.json"
    if not path.is_file():
        raise MticketsError(f"tokenizer directory {directory} has no tokenizer.json; "
                            f"run `mtickets tokenizer` first")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    for token in ("[CLS]", "[SEP]"):
        if tokenizer.token_to_id(token) is None:
            raise MticketsError(f"tokenizer {directory} has no {token} token; rebuild it "
                                f"with `mtickets tokenizer`")
    return tokenizer


def tokenize_corpus(path: str | os.PathLike, tokenizer) -> TokenizedCorpus:
    """Tokenize a sentences file in batches (no special tokens); drop empty sentences/docs."""
    from tqdm import tqdm

    from mtickets.extract import open_gzip_text

    path = Path(path)
    token_parts: list[np.ndarray] = []
    length_parts: list[np.ndarray] = []
    doc_parts: list[np.ndarray] = []

    def encode(batch: list[str], docs: list[int]) -> None:
        encodings = tokenizer.encode_batch_fast(batch, add_special_tokens=False)
        ids = [e.ids for e in encodings]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        total = int(lengths.sum())
        token_parts.append(np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32,
                                       count=total))
        length_parts.append(lengths)
        doc_parts.append(np.asarray(docs, dtype=np.int64))

    opener = open_gzip_text if path.suffix == ".gz" else _open_plain
    batch: list[str] = []
    docs: list[int] = []
    document = 0
    with opener(path) as handle:
        for line in tqdm(handle, desc=f"tokenize {path.parent.name or path.name}",
                         unit=" lines", disable=None):
            line = line.strip()
            if not line:
                document += 1
                continue
            batch.append(line)
            docs.append(document)
            if len(batch) >= ENCODE_BATCH:
                encode(batch, docs)
                batch, docs = [], []
    if batch:
        encode(batch, docs)

    if not length_parts:
        return TokenizedCorpus(np.empty(0, np.int32), np.zeros(1, np.int64), np.zeros(1, np.int64))
    tokens = np.concatenate(token_parts)
    lengths = np.concatenate(length_parts)
    doc_of = np.concatenate(doc_parts)
    keep = lengths > 0  # a sentence with no wordpieces is dropped, as in BERT
    lengths, doc_of = lengths[keep], doc_of[keep]
    sentence_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=sentence_offsets[1:])
    starts = np.flatnonzero(np.r_[True, doc_of[1:] != doc_of[:-1]]) if len(doc_of) else \
        np.empty(0, np.int64)
    document_offsets = np.r_[starts, len(lengths)].astype(np.int64)
    return TokenizedCorpus(tokens, sentence_offsets, document_offsets)


def _open_plain(path: Path):
    if not path.is_file():
        raise MticketsError(f"input file {path} does not exist; run `mtickets split` first")
    return open(path, encoding="utf-8", newline="\n")


# ---------------------------------------------------------------------- instances


@dataclass
class Instances:
    """Sentence pairs as token ranges of the corpus: A = tokens[a0:a1], B = tokens[b0:b1]."""

    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    is_random_next: np.ndarray  # int8

    def __len__(self) -> int:
        return len(self.a0)

    def take(self, index: np.ndarray) -> "Instances":
        return Instances(self.a0[index], self.a1[index], self.b0[index], self.b1[index],
                         self.is_random_next[index])


def truncate_seq_pair(a0: int, a1: int, b0: int, b1: int, max_num_tokens: int,
                      rng: np.random.Generator) -> tuple[int, int, int, int]:
    """BERT's ``truncate_seq_pair`` on token ranges, without a loop over tokens.

    BERT removes one token at a time from the longer side (B on a tie), from its front
    or back with probability 1/2 each. Which side loses each token depends only on the
    lengths, so the sequence of sides is computed directly and one uniform per removed
    token decides front or back.
    """
    la, lb = a1 - a0, b1 - b0
    excess = la + lb - max_num_tokens
    if excess <= 0:
        return a0, a1, b0, b1
    gap = abs(la - lb)
    first = min(excess, gap)  # from the longer side until both are equal
    rest = excess - first  # then alternately B, A, B, ...
    from_a_first = first if la > lb else 0
    from_a = from_a_first + rest // 2
    front = rng.random(excess) < 0.5
    # Steps hitting A: the first `first` steps if A is longer, then every second
    # step of the alternating tail (B goes first there).
    is_a = np.zeros(excess, dtype=bool)
    if la > lb:
        is_a[:first] = True
    is_a[first + 1::2] = True
    assert int(is_a.sum()) == from_a
    a_front = int(np.count_nonzero(front & is_a))
    b_front = int(np.count_nonzero(front & ~is_a))
    a_back = from_a - a_front
    b_back = (excess - from_a) - b_front
    return a0 + a_front, a1 - a_back, b0 + b_front, b1 - b_back


def create_instances(corpus: TokenizedCorpus, seq_length: int, short_seq_prob: float,
                     nsp_random_prob: float, dupe_factor: int,
                     rng: np.random.Generator) -> Instances:
    """All pairs of all ``dupe_factor`` passes, shuffled (BERT's create_training_instances)."""
    from tqdm import tqdm

    max_num_tokens = seq_length - 3
    sent_off = corpus.sentence_offsets
    doc_off = corpus.document_offsets
    n_docs = corpus.documents
    rows = array.array("q")  # a0, a1, b0, b1, label per instance; compact for big corpora
    for dupe in range(dupe_factor):
        order = rng.permutation(n_docs)
        for doc in tqdm(order.tolist(), desc=f"pairs pass {dupe + 1}/{dupe_factor}",
                        unit=" docs", disable=None):
            s0, s1 = int(doc_off[doc]), int(doc_off[doc + 1])
            target = max_num_tokens
            if rng.random() < short_seq_prob:
                target = int(rng.integers(2, max_num_tokens + 1))
            chunk_start = s0
            length = 0
            i = s0
            while i < s1:
                length += int(sent_off[i + 1] - sent_off[i])
                if i == s1 - 1 or length >= target:
                    n_chunk = i + 1 - chunk_start
                    a_end = int(rng.integers(1, n_chunk)) if n_chunk >= 2 else 1
                    a0, a1 = int(sent_off[chunk_start]), int(sent_off[chunk_start + a_end])
                    if n_chunk == 1 or rng.random() < nsp_random_prob:
                        label = 1
                        target_b = target - (a1 - a0)
                        other = doc
                        for _ in range(10):
                            other = int(rng.integers(0, n_docs))
                            if other != doc:
                                break
                        r0, r1 = int(doc_off[other]), int(doc_off[other + 1])
                        start = int(rng.integers(r0, r1))
                        # B grows sentence by sentence until it reaches target_b.
                        ends = sent_off[start + 1:r1 + 1] - sent_off[start]
                        j = int(np.searchsorted(ends, target_b, side="left"))
                        end = start + 1 + min(j, r1 - start - 1)
                        b0, b1 = int(sent_off[start]), int(sent_off[end])
                        i -= n_chunk - a_end  # the unused sentences go back
                    else:
                        label = 0
                        b0, b1 = a1, int(sent_off[i + 1])
                    a0, a1, b0, b1 = truncate_seq_pair(a0, a1, b0, b1, max_num_tokens, rng)
                    rows.extend((a0, a1, b0, b1, label))
                    chunk_start = i + 1
                    length = 0
                i += 1
    if not rows:
        empty = np.empty(0, np.int64)
        return Instances(empty, empty, empty, empty, np.empty(0, np.int8))
    table = np.frombuffer(rows, dtype=np.int64).reshape(-1, 5)
    instances = Instances(table[:, 0], table[:, 1], table[:, 2], table[:, 3],
                          table[:, 4].astype(np.int8))
    return instances.take(rng.permutation(len(instances)))


# -------------------------------------------------------------------------- output


def _range_indices(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` for each (s, l), vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    shifts = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return shifts + np.arange(total, dtype=np.int64)


def examples_table(instances: Instances, tokens: np.ndarray, cls_id: int, sep_id: int,
                   language: str):
    """A pyarrow Table of ``[CLS] A [SEP] B [SEP]`` rows with the shard schema."""
    import pyarrow as pa

    la = instances.a1 - instances.a0
    lb = instances.b1 - instances.b0
    row_len = la + lb + 3
    offsets = np.zeros(len(instances) + 1, dtype=np.int64)
    np.cumsum(row_len, out=offsets[1:])
    start = offsets[:-1]
    values = np.empty(int(offsets[-1]), dtype=np.int32)
    types = np.zeros(int(offsets[-1]), dtype=np.int8)
    values[start] = cls_id
    values[start + 1 + la] = sep_id
    values[offsets[1:] - 1] = sep_id
    values[_range_indices(start + 1, la)] = tokens[_range_indices(instances.a0, la)]
    values[_range_indices(start + 2 + la, lb)] = tokens[_range_indices(instances.b0, lb)]
    types[_range_indices(start + 2 + la, lb + 1)] = 1
    pa_offsets = pa.array(offsets.astype(np.int32))
    return pa.Table.from_arrays([
        pa.ListArray.from_arrays(pa_offsets, pa.array(values, pa.int32())),
        pa.ListArray.from_arrays(pa_offsets, pa.array(types, pa.int8())),
        pa.array(instances.is_random_next, pa.int8()),
        pa.array([language] * len(instances), pa.string()),
    ], schema=_schema())


def write_shards(sentences: str | os.PathLike, tokenizer_dir: str | os.PathLike, lang: str,
                 out: str | os.PathLike, seq_length: int = 128, short_seq_prob: float = 0.1,
                 nsp_random_prob: float = 0.5, dupe_factor: int = 1,
                 examples_per_shard: int = 100_000, seed: int = 0,
                 min_examples: int = 1) -> dict:
    """Build the shards of one language; returns the manifest."""
    import pyarrow.parquet as pq

    if seq_length < MIN_SEQ_LENGTH:
        raise MticketsError(f"--seq-length {seq_length} is too short; [CLS] A [SEP] B [SEP] "
                            f"needs at least {MIN_SEQ_LENGTH}")
    for name, value in (("--short-seq-prob", short_seq_prob),
                        ("--nsp-random-prob", nsp_random_prob)):
        if not 0.0 <= value <= 1.0:
            raise MticketsError(f"{name} {value} is not a probability in [0, 1]")
    if dupe_factor < 1 or examples_per_shard < 1:
        raise MticketsError("--dupe-factor and --examples-per-shard must be at least 1")

    tokenizer = load_tokenizer(tokenizer_dir)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    corpus = tokenize_corpus(sentences, tokenizer)
    n_tokens = int(len(corpus.tokens))
    log.info("%s: %d documents, %d sentences, %d wordpieces", lang, corpus.documents,
             corpus.sentences, n_tokens)
    rng = np.random.Generator(np.random.PCG64(seed))
    if corpus.documents > 0:
        instances = create_instances(corpus, seq_length, short_seq_prob, nsp_random_prob,
                                     dupe_factor, rng)
    else:
        instances = Instances(*(np.empty(0, np.int64),) * 4, np.empty(0, np.int8))
    if len(instances) < max(min_examples, 1):
        raise MticketsError(
            f"language '{lang}': {sentences} yields {len(instances)} examples from {n_tokens} "
            f"wordpieces ({corpus.documents} documents) at --seq-length {seq_length}, but "
            f"--min-examples {min_examples} are needed; add text for '{lang}', raise "
            f"--dupe-factor, or lower --min-examples"
        )
    n_shards = math.ceil(len(instances) / examples_per_shard)
    manifest = {
        "language": lang, "seq_length": seq_length, "documents": corpus.documents,
        "sentences": corpus.sentences, "tokens": n_tokens, "examples": len(instances),
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True), "seed": seed,
        "shards": [],
    }
    with atomic_dir(out) as tmp:
        for shard in range(n_shards):
            part = instances.take(np.arange(shard * examples_per_shard,
                                            min((shard + 1) * examples_per_shard, len(instances))))
            name = f"part-{shard:05d}.parquet"
            pq.write_table(examples_table(part, corpus.tokens, cls_id, sep_id, lang),
                           str(tmp / name))
            manifest["shards"].append({"file": name, "examples": len(part)})
        write_json(tmp / "manifest.json", manifest)
    random_share = float(instances.is_random_next.mean())
    log.info("%s: wrote %d examples (%.1f%% random next) in %d shard(s) to %s", lang,
             len(instances), 100 * random_share, n_shards, out)
    return manifest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sentences", required=True, help="sentences.txt.gz of one language")
    parser.add_argument("--tokenizer", required=True, help="tokenizer directory")
    parser.add_argument("--lang", required=True, help="Wikipedia language code")
    parser.add_argument("--seq-length", type=int, default=128, help="maximum example length")
    parser.add_argument("--short-seq-prob", type=float, default=0.1,
                        help="probability of a shorter random target length")
    parser.add_argument("--nsp-random-prob", type=float, default=0.5,
                        help="probability that B is a random segment (label 1)")
    parser.add_argument("--dupe-factor", type=int, default=1,
                        help="passes over the corpus with different random choices")
    parser.add_argument("--examples-per-shard", type=int, default=100_000,
                        help="rows per Parquet file")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--min-examples", type=int, default=1,
                        help="fewer examples than this is an error (default 1)")
    parser.add_argument("--out", required=True, help="output shard directory")


def main(args: argparse.Namespace) -> None:
    write_shards(args.sentences, args.tokenizer, args.lang, args.out, seq_length=args.seq_length,
                 short_seq_prob=args.short_seq_prob, nsp_random_prob=args.nsp_random_prob,
                 dupe_factor=args.dupe_factor, examples_per_shard=args.examples_per_shard,
                 seed=args.seed, min_examples=args.min_examples)
