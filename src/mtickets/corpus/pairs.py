"""BERT's sentence pairs with next-sentence labels, built vectorised over a tokenized corpus.

What Google BERT's ``create_pretraining_data.py`` does one document and one token at a
time is done here for all documents at once, with numpy: ``create_instances`` cuts every
document into chunks and pairs (``Instances``: token ranges of the corpus),
``truncate_pairs`` trims them as ``truncate_seq_pair`` does, and ``materialise`` lays them out
as ``[CLS] A [SEP] B [SEP]`` rows (``Examples``). The shards stage (``corpus.shards``)
streams a corpus through these, one group of documents at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtickets.formats.shards import parquet_schema


def range_indices(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
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


def group_by(assignment: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``(order, bounds)``: ``order[bounds[g]:bounds[g + 1]]`` are the positions assigned
    to ``g``, in their original order."""
    order = np.argsort(assignment, kind="stable")
    return order, np.searchsorted(assignment[order], np.arange(count + 1))


def append_array(handle, array: np.ndarray) -> None:
    """Write ``array``'s bytes to ``handle``. Not ``ndarray.tofile``: on a full disk it drops a small
    write without an error (stdio buffers it and the failed flush is not reported), leaving a hole
    of zeros once space is free again; a file object's write raises OSError (errno 28)."""
    handle.write(np.ascontiguousarray(array))


def offsets_of(lengths: np.ndarray) -> np.ndarray:
    """Where each of rows of these ``lengths`` starts when they are laid back to back, and the end:
    ``len(lengths) + 1`` int64 offsets from 0."""
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


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
                   offsets_of(np.fromfile(sentence_lengths, dtype=np.int32)),
                   offsets_of(np.fromfile(document_sentences, dtype=np.int32)))


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
        offsets = offsets_of(self.lengths)
        for i in np.flatnonzero(np.diff(bounds)):
            start, stop = bounds[i], bounds[i + 1]
            yield int(i), Examples(self.ids[offsets[start]:offsets[stop]], self.lengths[start:stop],
                                   self.first_segment[start:stop], self.labels[start:stop])

    def take(self, rows: np.ndarray) -> "Examples":
        offsets = offsets_of(self.lengths)
        index = range_indices(offsets[rows], self.lengths[rows])
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
        offsets = offsets_of(self.lengths)
        steps = np.zeros(len(self.ids) + 1, dtype=np.int8)
        steps[offsets[:-1] + self.first_segment] = 1
        steps[offsets[1:]] -= 1
        return np.cumsum(steps[:-1], dtype=np.int8)

    def to_table(self, language: str):
        import pyarrow as pa

        offsets = pa.array(offsets_of(self.lengths).astype(np.int32))
        return pa.Table.from_arrays([
            pa.ListArray.from_arrays(offsets, pa.array(self.ids, pa.int32())),
            pa.ListArray.from_arrays(offsets, pa.array(self.token_type_ids(), pa.int8())),
            pa.array(self.labels, pa.int8()),
            pa.repeat(pa.scalar(language, pa.string()), len(self)),
        ], schema=parquet_schema())

    # Bucket records: int64 (rows, values), then lengths, first_segment, labels, ids.
    def append_to(self, path: Path) -> None:
        with open(path, "ab") as out:
            append_array(out, np.asarray([len(self), len(self.ids)], np.int64))
            for array in (self.lengths, self.first_segment, self.labels, self.ids):
                append_array(out, array)

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
    offsets = offsets_of(lengths)
    start = offsets[:-1]
    ids = np.empty(int(offsets[-1]), dtype=np.int32)
    ids[start] = cls_id
    ids[start + 1 + la] = sep_id
    ids[offsets[1:] - 1] = sep_id
    ids[range_indices(start + 1, la)] = tokens[range_indices(instances.a0, la)]
    ids[range_indices(start + 2 + la, lb)] = tokens[range_indices(instances.b0, lb)]
    return Examples(ids, lengths.astype(np.int32), (la + 2).astype(np.int32),
                    instances.is_random_next.astype(np.int8))
