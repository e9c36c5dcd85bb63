"""Build BERT pretraining examples (sentence pairs + NSP labels) as Parquet shards.

Follows Google BERT's ``create_pretraining_data.py``: documents are the
blank-line-separated groups of sentences of ``sentences.txt.gz``; each document is
cut into chunks of about ``seq_length - 3`` wordpieces (with ``--short-seq-prob`` a
shorter random target, drawn once per document and pass), each chunk split at a
random sentence boundary into A and B, where B is replaced with probability
``--nsp-random-prob`` (always, for a one-sentence chunk) by text from a random other
document, starting at a random sentence of it and growing until it fills the rest
of the target (label 1; the chunk's unused sentences go back to the document). The
pair is truncated to ``seq_length - 3`` (one token at a time from the longer side, B
on a tie, from its front or back with probability 1/2 each) and stored as
``[CLS] A [SEP] B [SEP]``; ``--dupe-factor`` passes over the documents with fresh
random choices; all examples are shuffled at the end. Masking is dynamic at
training time, so there are no MLM labels.

Memory does not grow with the corpus (English is ~3B wordpieces). The stage streams:

1. tokenize ``--sentences`` in batches (``--threads`` Rust threads) into a flat
   int32 token file plus per-sentence lengths and per-document sentence counts on
   disk, under the output's temporary directory;
2. if the corpus holds more than ``--group-tokens`` wordpieces, deal its documents
   at random into ``ceil(tokens / group-tokens)`` groups (one sequential pass);
3. build each group's pairs in memory, vectorised over its documents (numpy, no
   per-token or per-sentence Python loop), and deal every example at random into
   buckets of about ``BUCKET_TOKENS`` wordpieces on disk;
4. shuffle each bucket in memory and append it to the Parquet parts, which hold
   exactly ``--examples-per-shard`` rows each (the last one fewer).

Random buckets plus a shuffle inside each bucket is a uniformly random permutation
of all examples, i.e. BERT's final shuffle (the first rows of the first part are a
uniform sample of the corpus, which is what SNIP scoring reads). The one departure
from BERT, where the whole corpus sits in memory, is where a random-next B comes
from: a random other document of the *same group*. Groups are uniform random
subsets of the documents (never neighbouring articles of the dump), so B is still a
uniformly random document of the corpus; a corpus of at most ``--group-tokens``
wordpieces (every Wikipedia but the largest few dozen at the default 32M) is one
group, exactly BERT's behaviour. The RNG streams are keyed by (seed, stage, group
or bucket), so the same inputs, seed and ``--group-tokens`` give byte-identical
shards. Peak memory is about 20 bytes per wordpiece of a group plus a bucket
(~1 GB at the defaults); temporary disk about the output's size again.

Output: ``part-00000.parquet, ...`` (schema below) and ``manifest.json``.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import operator
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtickets.formats.atomic import atomic_dir, write_json
from mtickets.errors import MticketsError
from mtickets.formats.fingerprint import file_sha256
from mtickets.formats.shards import HELDOUT, MANIFEST, MEMORY_MAP, MappedWriter, parquet_schema
from mtickets.formats.text import open_sentences
from mtickets.formats.special_tokens import MANIFEST_KEY as SPECIAL_TOKENS_KEY
from mtickets.formats.special_tokens import SpecialTokens

log = logging.getLogger(__name__)

READ_BYTES = 1 << 20  # text read (and encoded) at a time
GROUP_TOKENS = 1 << 25  # wordpieces of one in-memory group (33.5M)
BUCKET_TOKENS = 1 << 23  # wordpieces of one shuffle bucket (8.4M)
SCATTER_DOCUMENTS = 8192  # documents per read when dealing them into groups
MATERIALISE_INSTANCES = 1 << 16  # examples built per vectorised batch
MIN_SEQ_LENGTH = 5  # [CLS] a [SEP] b [SEP]

# RNG stream keys: np.random.default_rng([seed, KEY, index]).
_RNG_GROUPS, _RNG_PAIRS, _RNG_BUCKETS, _RNG_SHUFFLE = 1, 2, 3, 4


def _rng(seed: int, key: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, key, index])


def _range_indices(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` for each (s, l), vectorised (one cumsum)."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(lengths) and lengths.min() <= 0:
        keep = lengths > 0
        starts, lengths = starts[keep], lengths[keep]
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    steps = np.ones(total, dtype=np.int64)
    steps[0] = starts[0]
    # At the first element of row i, jump from the last element of row i - 1.
    steps[np.cumsum(lengths[:-1])] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps, out=steps)


def _group_by(assignment: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``(order, bounds)``: ``order[bounds[g]:bounds[g + 1]]`` are the positions assigned
    to ``g``, in their original order."""
    order = np.argsort(assignment, kind="stable")
    return order, np.searchsorted(assignment[order], np.arange(count + 1))


def _append(handle, array: np.ndarray) -> None:
    """Write ``array``'s bytes to ``handle``. Not ``ndarray.tofile``: on a full disk it drops a small
    write without an error (stdio buffers it and the failed flush is not reported), leaving a hole
    of zeros once space is free again; a file object's write raises OSError (errno 28)."""
    handle.write(np.ascontiguousarray(array))


def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


# ------------------------------------------------------------------ tokenization


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


def set_threads(threads: int | None) -> None:
    """Tokenizer threads: sets RAYON_NUM_THREADS unless the environment already does.

    Rayon reads it once, when the tokenizers library first runs in parallel, so this
    takes effect only before the first ``encode_batch`` of the process.
    """
    if threads and threads > 0 and "RAYON_NUM_THREADS" not in os.environ:
        os.environ["RAYON_NUM_THREADS"] = str(threads)


@dataclass
class CorpusStore:
    """A tokenized corpus on disk: flat int32 tokens, int32 sentence lengths, int32
    sentence counts per document (empty sentences and documents dropped)."""

    directory: Path
    documents: int = 0
    sentences: int = 0
    tokens: int = 0

    @property
    def tokens_path(self) -> Path:
        return self.directory / "tokens.i32"

    @property
    def sentences_path(self) -> Path:
        return self.directory / "sentence_lengths.i32"

    @property
    def documents_path(self) -> Path:
        return self.directory / "document_sentences.i32"


def tokenize_to_store(path: str | os.PathLike, tokenizer, directory: str | os.PathLike,
                      ) -> CorpusStore:
    """Stream a sentences file through the tokenizer into a :class:`CorpusStore`.

    One blank line (or a run of them) ends a document; a sentence without wordpieces
    is dropped (as in BERT), and so is a document left without sentences. Memory is
    one read of ``READ_BYTES`` of text.
    """
    from tqdm import tqdm

    path = Path(path)
    store = CorpusStore(Path(directory))
    store.directory.mkdir(parents=True, exist_ok=True)
    pending = [-1, 0]  # (document number, sentences so far) of the document still open

    with open_sentences(path) as handle, \
            open(store.tokens_path, "wb") as tokens_out, \
            open(store.sentences_path, "wb") as sentences_out, \
            open(store.documents_path, "wb") as documents_out:

        def encode(batch: list[str], docs: np.ndarray) -> None:
            encodings = tokenizer.encode_batch_fast(batch, add_special_tokens=False)
            ids = [encoding.ids for encoding in encodings]
            lengths = np.fromiter(map(len, ids), dtype=np.int32, count=len(ids))
            total = int(lengths.sum(dtype=np.int64))
            _append(tokens_out, np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32, count=total))
            keep = lengths > 0
            kept = lengths[keep]
            _append(sentences_out, kept)
            store.tokens += total
            store.sentences += len(kept)
            doc_of = docs[keep]
            if not len(doc_of):
                return
            starts = np.flatnonzero(np.r_[True, doc_of[1:] != doc_of[:-1]])
            counts = np.diff(np.r_[starts, len(doc_of)]).astype(np.int64)
            run_docs = doc_of[starts]
            if run_docs[0] == pending[0]:
                counts[0] += pending[1]
            elif pending[1]:
                _append(documents_out, np.asarray([pending[1]], np.int32))
                store.documents += 1
            if len(counts) > 1:
                _append(documents_out, counts[:-1].astype(np.int32))
                store.documents += len(counts) - 1
            pending[0], pending[1] = int(run_docs[-1]), int(counts[-1])

        document = 0
        with tqdm(desc=f"tokenize {path.parent.name or path.name}", unit=" lines",
                  disable=None, mininterval=5) as bar:
            for lines in iter(lambda: handle.readlines(READ_BYTES), []):
                stripped = [line.strip() for line in lines]
                blank = np.fromiter(map(operator.not_, stripped), dtype=bool,
                                    count=len(stripped))
                # A line's document = blank lines before it (runs of them count once
                # in effect: a document number without sentences never appears).
                doc_of_line = document + np.cumsum(blank)
                document = int(doc_of_line[-1])
                batch = [line for line in stripped if line]
                if batch:
                    encode(batch, doc_of_line[~blank])
                bar.update(len(lines))
        if pending[1]:
            _append(documents_out, np.asarray([pending[1]], np.int32))
            store.documents += 1
    return store


@dataclass
class TokenizedCorpus:
    """A whole tokenized corpus in memory, flat, with sentence and document boundaries.

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

    @classmethod
    def from_files(cls, tokens: Path, sentence_lengths: Path,
                   document_sentences: Path) -> "TokenizedCorpus":
        return cls(np.fromfile(tokens, dtype=np.int32),
                   _offsets(np.fromfile(sentence_lengths, dtype=np.int32)),
                   _offsets(np.fromfile(document_sentences, dtype=np.int32)))


def tokenize_corpus(path: str | os.PathLike, tokenizer) -> TokenizedCorpus:
    """Tokenize a (small) sentences file into memory; same rules as the shards stage."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mtickets-tokens-") as tmp:
        store = tokenize_to_store(path, tokenizer, tmp)
        return TokenizedCorpus.from_files(store.tokens_path, store.sentences_path,
                                          store.documents_path)


# ------------------------------------------------------------------------ groups


def _group_paths(directory: Path, group: int) -> tuple[Path, Path, Path]:
    stem = directory / f"group-{group:05d}"
    return (stem.with_suffix(".tokens.i32"), stem.with_suffix(".sentences.i32"),
            stem.with_suffix(".documents.i32"))


def scatter_groups(store: CorpusStore, groups: int, directory: Path,
                   seed: int) -> list[tuple[Path, Path, Path]]:
    """Deal the store's documents uniformly at random into ``groups`` group files.

    One sequential pass over the store, ``SCATTER_DOCUMENTS`` documents at a time;
    each group keeps its documents in corpus order. The group files stay open for the
    pass (three per group; English Wikipedia makes about 120 groups).
    """
    from tqdm import tqdm

    directory.mkdir(parents=True, exist_ok=True)
    paths = [_group_paths(directory, g) for g in range(groups)]
    rng = _rng(seed, _RNG_GROUPS)
    with ExitStack() as files:
        outputs = [[files.enter_context(open(file, "wb")) for file in group_files]
                   for group_files in paths]
        documents_in, sentences_in, tokens_in = (
            files.enter_context(open(path, "rb"))
            for path in (store.documents_path, store.sentences_path, store.tokens_path))
        bar = files.enter_context(tqdm(total=store.documents, desc="deal documents into groups",
                                       unit=" docs", disable=None, mininterval=5))
        while True:
            counts = np.fromfile(documents_in, dtype=np.int32, count=SCATTER_DOCUMENTS)
            if not len(counts):
                break
            lengths = np.fromfile(sentences_in, dtype=np.int32, count=int(counts.sum()))
            tokens = np.fromfile(tokens_in, dtype=np.int32,
                                 count=int(lengths.sum(dtype=np.int64)))
            sentence_of_doc = _offsets(counts)
            token_of_sentence = _offsets(lengths)
            token_of_doc = token_of_sentence[sentence_of_doc]
            order, bounds = _group_by(rng.integers(groups, size=len(counts)), groups)
            for group in np.flatnonzero(np.diff(bounds)):
                docs = order[bounds[group]:bounds[group + 1]]
                sent_idx = _range_indices(sentence_of_doc[docs], counts[docs])
                tok_idx = _range_indices(token_of_doc[docs],
                                         token_of_doc[docs + 1] - token_of_doc[docs])
                for out, array in zip(outputs[group], (tokens[tok_idx], lengths[sent_idx],
                                                       counts[docs])):
                    _append(out, array)
            bar.update(len(counts))
    return paths


# ---------------------------------------------------------------------- instances


@dataclass
class Instances:
    """Sentence pairs as token ranges of a corpus: A = tokens[a0:a1], B = tokens[b0:b1]."""

    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    is_random_next: np.ndarray  # int8

    def __len__(self) -> int:
        return len(self.a0)

    def take(self, index) -> "Instances":
        return Instances(self.a0[index], self.a1[index], self.b0[index], self.b1[index],
                         self.is_random_next[index])

    @classmethod
    def concatenate(cls, parts: list["Instances"]) -> "Instances":
        if not parts:
            empty = np.empty(0, np.int64)
            return cls(empty, empty, empty, empty, np.empty(0, np.int8))
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("a0", "a1", "b0", "b1", "is_random_next")))


def truncation_counts(la: np.ndarray, lb: np.ndarray,
                      max_num_tokens: int) -> tuple[np.ndarray, np.ndarray]:
    """How many tokens BERT's ``truncate_seq_pair`` removes from A and from B.

    It removes one token at a time from the longer side (B on a tie) until the pair
    fits, so the counts depend on the lengths only: first the difference from the
    longer side, then alternately B, A, B, ...
    """
    la = np.asarray(la, dtype=np.int64)
    lb = np.asarray(lb, dtype=np.int64)
    excess = np.maximum(la + lb - max_num_tokens, 0)
    first = np.minimum(excess, np.abs(la - lb))
    rest = excess - first
    from_a = np.where(la > lb, first, 0) + rest // 2
    return from_a, excess - from_a


def truncate_pairs(instances: Instances, max_num_tokens: int,
                   rng: np.random.Generator) -> Instances:
    """BERT's ``truncate_seq_pair`` for all pairs at once.

    Each removed token comes from the front or the back of its side with
    probability 1/2, so the number taken from the front of a side that loses k
    tokens is Binomial(k, 1/2): the same distribution as BERT's token-by-token
    coin flips, drawn in one vectorised call per side.
    """
    from_a, from_b = truncation_counts(instances.a1 - instances.a0,
                                       instances.b1 - instances.b0, max_num_tokens)
    a_front = rng.binomial(from_a, 0.5)
    b_front = rng.binomial(from_b, 0.5)
    return Instances(instances.a0 + a_front, instances.a1 - (from_a - a_front),
                     instances.b0 + b_front, instances.b1 - (from_b - b_front),
                     instances.is_random_next)


def create_instances(corpus: TokenizedCorpus, seq_length: int, short_seq_prob: float,
                     nsp_random_prob: float, rng: np.random.Generator) -> Instances:
    """One BERT pass (``create_instances_from_document`` for every document).

    Vectorised over documents: every round cuts the next chunk of every document that
    still has sentences left, so the Python loop runs (longest document's number of
    chunks) times, whatever the corpus size. Token ranges index ``corpus.tokens``;
    pairs are already truncated to ``seq_length - 3``.
    """
    max_num_tokens = seq_length - 3
    off = corpus.sentence_offsets
    doc_off = corpus.document_offsets
    n_docs = corpus.documents
    if n_docs == 0:
        return Instances.concatenate([])
    doc_sentences = np.diff(doc_off)
    target = np.full(n_docs, max_num_tokens, dtype=np.int64)
    short = rng.random(n_docs) < short_seq_prob
    target[short] = rng.integers(2, max_num_tokens + 1, size=int(short.sum()))
    position = doc_off[:-1].copy()  # next sentence of each document
    active = np.arange(n_docs)
    parts: list[Instances] = []
    while len(active):
        p, end, t = position[active], doc_off[active + 1], target[active]
        # The chunk grows sentence by sentence until it reaches the target or the
        # document ends: its last sentence is the first whose end reaches start + t.
        last = np.minimum(np.searchsorted(off, off[p] + t, side="left") - 1, end - 1)
        n_chunk = last + 1 - p
        a_end = rng.integers(1, np.maximum(n_chunk, 2))  # sentences in A: 1 .. n-1
        is_random = (n_chunk == 1) | (rng.random(len(active)) < nsp_random_prob)
        a0, a1 = off[p], off[p + a_end]
        b0, b1 = a1.copy(), off[last + 1]
        r = np.flatnonzero(is_random)
        if len(r):
            docs = active[r]
            if n_docs > 1:  # a uniformly random *other* document
                other = rng.integers(0, n_docs - 1, size=len(r))
                other += other >= docs
            else:
                other = docs
            start = doc_off[other] + rng.integers(0, doc_sentences[other])
            target_b = t[r] - (a1[r] - a0[r])
            # B takes sentences from `start` until it holds target_b tokens (at least
            # one sentence, at most to the end of that document).
            stop = np.searchsorted(off, off[start] + target_b, side="left")
            stop = np.minimum(np.maximum(stop, start + 1), doc_off[other + 1])
            b0[r], b1[r] = off[start], off[stop]
        # Random next: the unused sentences of the chunk go back to the document.
        position[active] = np.where(is_random, p + a_end, last + 1)
        parts.append(Instances(a0, a1, b0, b1, is_random.astype(np.int8)))
        active = active[position[active] < end]
    return truncate_pairs(Instances.concatenate(parts), max_num_tokens, rng)


@dataclass
class Examples:
    """Materialised rows: ``ids`` of all rows back to back, each ``[CLS] A [SEP] B [SEP]``."""

    ids: np.ndarray  # int32
    lengths: np.ndarray  # int32, per row
    first_segment: np.ndarray  # int32, per row: len([CLS] A [SEP]) = tokens of type 0
    labels: np.ndarray  # int8

    def __len__(self) -> int:
        return len(self.lengths)

    def split(self, bounds: np.ndarray) -> Iterator[tuple[int, "Examples"]]:
        """``(i, rows bounds[i]:bounds[i + 1])`` for each non-empty range, as views."""
        offsets = _offsets(self.lengths)
        for i in np.flatnonzero(np.diff(bounds)):
            start, stop = bounds[i], bounds[i + 1]
            yield int(i), Examples(self.ids[offsets[start]:offsets[stop]], self.lengths[start:stop],
                                   self.first_segment[start:stop], self.labels[start:stop])

    def take(self, rows: np.ndarray) -> "Examples":
        offsets = _offsets(self.lengths)
        index = _range_indices(offsets[rows], self.lengths[rows])
        return Examples(self.ids[index], self.lengths[rows], self.first_segment[rows],
                        self.labels[rows])

    @classmethod
    def concatenate(cls, parts: list["Examples"]) -> "Examples":
        if not parts:
            return cls(np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.int32),
                       np.empty(0, np.int8))
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("ids", "lengths", "first_segment", "labels")))

    def token_type_ids(self) -> np.ndarray:
        """0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]`` of every row."""
        offsets = _offsets(self.lengths)
        steps = np.zeros(len(self.ids) + 1, dtype=np.int8)
        steps[offsets[:-1] + self.first_segment] = 1
        steps[offsets[1:]] -= 1
        return np.cumsum(steps[:-1], dtype=np.int8)

    def to_table(self, language: str):
        import pyarrow as pa

        offsets = pa.array(_offsets(self.lengths).astype(np.int32))
        return pa.Table.from_arrays([
            pa.ListArray.from_arrays(offsets, pa.array(self.ids, pa.int32())),
            pa.ListArray.from_arrays(offsets, pa.array(self.token_type_ids(), pa.int8())),
            pa.array(self.labels, pa.int8()),
            pa.repeat(pa.scalar(language, pa.string()), len(self)),
        ], schema=parquet_schema())

    # Bucket records: int64 (rows, values), then lengths, first_segment, labels, ids.
    def append_to(self, path: Path) -> None:
        with open(path, "ab") as out:
            _append(out, np.asarray([len(self), len(self.ids)], np.int64))
            for array in (self.lengths, self.first_segment, self.labels, self.ids):
                _append(out, array)

    @classmethod
    def read_records(cls, path: Path) -> "Examples":
        parts = []
        with open(path, "rb") as handle:
            while True:
                header = np.fromfile(handle, dtype=np.int64, count=2)
                if not len(header):
                    break
                rows, values = int(header[0]), int(header[1])
                parts.append(cls(
                    lengths=np.fromfile(handle, np.int32, rows),
                    first_segment=np.fromfile(handle, np.int32, rows),
                    labels=np.fromfile(handle, np.int8, rows),
                    ids=np.fromfile(handle, np.int32, values),
                ))
        return cls.concatenate(parts)


def materialise(instances: Instances, tokens: np.ndarray, cls_id: int,
                sep_id: int) -> Examples:
    """``[CLS] A [SEP] B [SEP]`` rows of ``instances`` (token ranges of ``tokens``)."""
    la = instances.a1 - instances.a0
    lb = instances.b1 - instances.b0
    lengths = la + lb + 3
    offsets = _offsets(lengths)
    start = offsets[:-1]
    ids = np.empty(int(offsets[-1]), dtype=np.int32)
    ids[start] = cls_id
    ids[start + 1 + la] = sep_id
    ids[offsets[1:] - 1] = sep_id
    ids[_range_indices(start + 1, la)] = tokens[_range_indices(instances.a0, la)]
    ids[_range_indices(start + 2 + la, lb)] = tokens[_range_indices(instances.b0, lb)]
    return Examples(ids, lengths.astype(np.int32), (la + 2).astype(np.int32),
                    instances.is_random_next.astype(np.int8))


# -------------------------------------------------------------------------- output


class Buckets:
    """Shuffle buckets: files of :class:`Examples` records, or memory when there is one
    (the plan makes one bucket only for a corpus that fits ``BUCKET_TOKENS``)."""

    def __init__(self, directory: Path, count: int):
        self._memory: list[Examples] | None = [] if count == 1 else None
        self._paths = [directory / f"bucket-{b:05d}.bin" for b in range(count)]
        if self._memory is None:
            directory.mkdir(parents=True, exist_ok=True)

    def add(self, bucket: int, examples: Examples) -> None:
        if self._memory is not None:
            self._memory.append(examples)
        else:
            examples.append_to(self._paths[bucket])

    def pop(self, bucket: int) -> Examples:
        """All examples of ``bucket`` (then forgotten)."""
        if self._memory is not None:
            held, self._memory = Examples.concatenate(self._memory), []
            return held
        path = self._paths[bucket]
        if not path.exists():
            return Examples.concatenate([])
        held = Examples.read_records(path)
        path.unlink()
        return held



class PartWriter:
    """Parquet parts of exactly ``per_shard`` rows (the last one fewer), in order."""

    def __init__(self, directory: Path, per_shard: int, prefix: str = "part"):
        self.directory = directory
        self.per_shard = per_shard
        self.prefix = prefix
        self.shards: list[dict] = []
        self._writer = None

    def write(self, table) -> None:
        """Append the rows of a pyarrow Table with the shard schema."""
        import pyarrow.parquet as pq

        done = 0
        while done < table.num_rows:
            if self._writer is None:
                name = f"{self.prefix}-{len(self.shards):05d}.parquet"
                self._writer = pq.ParquetWriter(
                    str(self.directory / name), parquet_schema(), compression="zstd",
                    use_dictionary=["input_ids", "next_sentence_label", "language"],
                    write_statistics=False)
                self.shards.append({"file": name, "examples": 0})
            current = self.shards[-1]
            take = min(self.per_shard - current["examples"], table.num_rows - done)
            self._writer.write_table(table.slice(done, take))
            current["examples"] += take
            done += take
            if current["examples"] == self.per_shard:
                self.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            # The content digest lets a consumer tell these rows from a rebuild's
            # without reading every shard (pretraining resumes only on the same data).
            self.shards[-1]["sha256"] = file_sha256(self.directory / self.shards[-1]["file"])


# --------------------------------------------------------------------------- stage


@dataclass
class _Plan:
    groups: int
    buckets: int


def plan_layout(tokens: int, dupe_factor: int, group_tokens: int = GROUP_TOKENS,
                bucket_tokens: int = BUCKET_TOKENS) -> _Plan:
    """Groups and shuffle buckets for a corpus of ``tokens`` wordpieces.

    Examples hold about 1.5 wordpieces per corpus wordpiece and pass (random-next B
    segments come on top of the document's own text), which sizes the buckets.
    """
    groups = max(1, math.ceil(tokens / group_tokens))
    buckets = max(1, math.ceil(1.5 * dupe_factor * tokens / bucket_tokens))
    return _Plan(groups, buckets)


def write_shards(sentences: str | os.PathLike, tokenizer_dir: str | os.PathLike, lang: str,
                 out: str | os.PathLike, seq_length: int = 128, short_seq_prob: float = 0.1,
                 nsp_random_prob: float = 0.5, dupe_factor: int = 1,
                 examples_per_shard: int = 100_000, seed: int = 0,
                 min_examples: int = 1, min_tokens: int = 0, heldout: int = 0,
                 threads: int | None = None,
                 group_tokens: int = GROUP_TOKENS,
                 bucket_tokens: int = BUCKET_TOKENS) -> dict:
    """Build the shards of one language; returns the manifest."""
    from tqdm import tqdm

    if seq_length < MIN_SEQ_LENGTH:
        raise MticketsError(f"--seq-length {seq_length} is too short; [CLS] A [SEP] B [SEP] "
                            f"needs at least {MIN_SEQ_LENGTH}")
    for name, value in (("--short-seq-prob", short_seq_prob),
                        ("--nsp-random-prob", nsp_random_prob)):
        if not 0.0 <= value <= 1.0:
            raise MticketsError(f"{name} {value} is not a probability in [0, 1]")
    if heldout < 0:
        raise MticketsError(f"--heldout {heldout} must not be negative")
    if dupe_factor < 1 or examples_per_shard < 1:
        raise MticketsError("--dupe-factor and --examples-per-shard must be at least 1")
    if group_tokens < 1 or bucket_tokens < 1:
        raise MticketsError("--group-tokens and the bucket size must be at least 1")
    set_threads(threads)
    tokenizer = load_tokenizer(tokenizer_dir)
    specials = SpecialTokens.from_vocab(tokenizer.get_vocab(with_added_tokens=True),
                                        f"tokenizer {tokenizer_dir}")
    started = time.perf_counter()

    with atomic_dir(out) as tmp:
        work = tmp / ".work"
        store = tokenize_to_store(sentences, tokenizer, work / "corpus")
        tokenized = time.perf_counter()
        log.info("%s: %d documents, %d sentences, %d wordpieces (tokenized in %.1fs, "
                 "%.0f wordpieces/s)", lang, store.documents, store.sentences, store.tokens,
                 tokenized - started, store.tokens / max(tokenized - started, 1e-9))
        if store.tokens < min_tokens:
            raise MticketsError(
                f"language '{lang}': {sentences} holds {store.tokens} wordpieces "
                f"({store.documents} documents), fewer than --min-tokens {min_tokens} "
                f"(the SNIP scoring budget); add text for '{lang}', drop it from the "
                f"languages, or lower scoring.tokens"
            )
        plan = plan_layout(store.tokens, dupe_factor, group_tokens, bucket_tokens)
        if plan.groups == 1:
            groups = [(store.tokens_path, store.sentences_path, store.documents_path)]
        else:
            groups = scatter_groups(store, plan.groups, work / "groups", seed)
            shutil.rmtree(store.directory)
        buckets = Buckets(work / "buckets", plan.buckets)
        examples = random_next = example_tokens = 0
        bar = tqdm(total=len(groups) * dupe_factor, desc=f"pairs {lang} seq{seq_length}",
                   unit=" passes", disable=None)
        for group, paths in enumerate(groups):
            corpus = TokenizedCorpus.from_files(*paths)
            pair_rng = _rng(seed, _RNG_PAIRS, group)
            bucket_rng = _rng(seed, _RNG_BUCKETS, group)
            for _ in range(dupe_factor):
                instances = create_instances(corpus, seq_length, short_seq_prob,
                                             nsp_random_prob, pair_rng)
                assignment = bucket_rng.integers(plan.buckets, size=len(instances))
                for lo in range(0, len(instances), MATERIALISE_INSTANCES):
                    rows = slice(lo, lo + MATERIALISE_INSTANCES)
                    built = materialise(instances.take(rows), corpus.tokens, specials.cls,
                                        specials.sep)
                    where = assignment[rows]
                    if plan.buckets == 1:
                        buckets.add(0, built)
                    else:
                        order, bounds = _group_by(where, plan.buckets)
                        for bucket, part in built.take(order).split(bounds):
                            buckets.add(bucket, part)
                    example_tokens += len(built.ids)
                examples += len(instances)
                random_next += int(instances.is_random_next.sum())
                bar.update()
            del corpus
            if plan.groups > 1:
                for path in paths:
                    path.unlink()
        bar.close()
        if examples < max(min_examples, 1):
            raise MticketsError(
                f"language '{lang}': {sentences} yields {examples} examples from "
                f"{store.tokens} wordpieces ({store.documents} documents) at --seq-length "
                f"{seq_length}, but --min-examples {min_examples} are needed; "
                f"add text for '{lang}', raise --dupe-factor, or lower --min-examples"
            )
        if heldout and examples <= heldout:
            raise MticketsError(
                f"language '{lang}': {sentences} yields {examples} examples at --seq-length "
                f"{seq_length}, not more than the --heldout {heldout} to set aside; add text for "
                f"'{lang}' or lower shards.heldout"
            )
        # The first rows of the shuffled stream (a uniform sample) are held out.
        held = (PartWriter(tmp, examples_per_shard, HELDOUT), MappedWriter(tmp, HELDOUT)) if heldout else ()
        train = (PartWriter(tmp, examples_per_shard), MappedWriter(tmp))
        to_hold = heldout
        for bucket in tqdm(range(plan.buckets), desc="shuffle and write", unit=" buckets",
                           disable=None):
            table = buckets.pop(bucket).to_table(lang)
            if table.num_rows:
                order = _rng(seed, _RNG_SHUFFLE, bucket).permutation(table.num_rows)
                shuffled = table.take(order)
                take = min(to_hold, shuffled.num_rows)
                for rows, writers in ((shuffled.slice(0, take), held), (shuffled.slice(take), train)):
                    if rows.num_rows:
                        for writer in writers:
                            writer.write(rows)
                to_hold -= take
            del table
        for writer in (*held[:1], train[0]):
            writer.close()
        shutil.rmtree(work)
        manifest = {
            "language": lang, "seq_length": seq_length, "documents": store.documents,
            "sentences": store.sentences, "tokens": store.tokens, "examples": examples,
            "example_tokens": example_tokens, "random_next": random_next,
            "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
            SPECIAL_TOKENS_KEY: specials.to_manifest(), "seed": seed,
            "dupe_factor": dupe_factor, "short_seq_prob": short_seq_prob,
            "nsp_random_prob": nsp_random_prob, "groups": plan.groups,
            "group_tokens": group_tokens, "shards": train[0].shards, MEMORY_MAP: train[1].close(),
        }
        if held:
            manifest.update(examples=examples - heldout, example_tokens=train[1].tokens, **{HELDOUT: {
                "examples": heldout, "example_tokens": held[1].tokens, "shards": held[0].shards,
                MEMORY_MAP: held[1].close()}})
        write_json(tmp / MANIFEST, manifest)
    elapsed = time.perf_counter() - started
    log.info("%s: wrote %d examples (%.1f%% random next, %d wordpieces) in %d shard(s) to %s "
             "in %.1fs (%.0f corpus wordpieces/s; %d group(s), %d bucket(s))", lang, examples,
             100 * random_next / examples, example_tokens, len(writer.shards), out, elapsed,
             store.tokens / max(elapsed, 1e-9), plan.groups, plan.buckets)
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
                        help="fewer examples than this is an error (default 1; pass the "
                             "batch size)")
    parser.add_argument("--min-tokens", type=int, default=0,
                        help="a corpus of fewer wordpieces is an error (default 0; pass the "
                             "SNIP budget, scoring.tokens)")
    parser.add_argument("--group-tokens", type=int, default=GROUP_TOKENS,
                        help="wordpieces per in-memory document group; random-next B "
                             f"segments come from the same group (default {GROUP_TOKENS}); "
                             "part of the result, like the seed")
    parser.add_argument("--heldout", type=int, default=0,
                        help="examples to set aside, never trained on, for held-out loss "
                             "(default 0)")
    parser.add_argument("--threads", type=int, default=None,
                        help="tokenizer threads (RAYON_NUM_THREADS; default: all cores)")
    parser.add_argument("--out", required=True, help="output shard directory")


def main(args: argparse.Namespace) -> None:
    write_shards(args.sentences, args.tokenizer, args.lang, args.out, seq_length=args.seq_length,
                 short_seq_prob=args.short_seq_prob, nsp_random_prob=args.nsp_random_prob,
                 dupe_factor=args.dupe_factor, examples_per_shard=args.examples_per_shard,
                 seed=args.seed, min_examples=args.min_examples, min_tokens=args.min_tokens,
                 heldout=args.heldout,
                 threads=args.threads, group_tokens=args.group_tokens)
