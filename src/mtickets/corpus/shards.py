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

Output: a shard directory, the contract that ``mtickets.formats.shards`` defines and reads:
``part-00000.parquet, ...``, the same rows as flat arrays for memory mapping, and
``manifest.json``.
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
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtickets.corpus.pairs import (Examples, TokenizedCorpus, append_array, create_instances, group_by, materialise,
                                   offsets_of, range_indices)
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
            append_array(tokens_out, np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32, count=total))
            keep = lengths > 0
            kept = lengths[keep]
            append_array(sentences_out, kept)
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
                append_array(documents_out, np.asarray([pending[1]], np.int32))
                store.documents += 1
            if len(counts) > 1:
                append_array(documents_out, counts[:-1].astype(np.int32))
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
            append_array(documents_out, np.asarray([pending[1]], np.int32))
            store.documents += 1
    return store


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
            sentence_of_doc = offsets_of(counts)
            token_of_sentence = offsets_of(lengths)
            token_of_doc = token_of_sentence[sentence_of_doc]
            order, bounds = group_by(rng.integers(groups, size=len(counts)), groups)
            for group in np.flatnonzero(np.diff(bounds)):
                docs = order[bounds[group]:bounds[group + 1]]
                sent_idx = range_indices(sentence_of_doc[docs], counts[docs])
                tok_idx = range_indices(token_of_doc[docs],
                                         token_of_doc[docs + 1] - token_of_doc[docs])
                for out, array in zip(outputs[group], (tokens[tok_idx], lengths[sent_idx],
                                                       counts[docs])):
                    append_array(out, array)
            bar.update(len(counts))
    return paths


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


def check_options(seq_length: int, short_seq_prob: float, nsp_random_prob: float, dupe_factor: int,
                  examples_per_shard: int, heldout: int, group_tokens: int, bucket_tokens: int) -> None:
    """Each option in its range, or an error naming the flag."""
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


def deal_pairs(groups: list[tuple[Path, Path, Path]], plan: _Plan, buckets: Buckets, specials: SpecialTokens,
               lang: str, seq_length: int, short_seq_prob: float, nsp_random_prob: float, dupe_factor: int,
               seed: int) -> tuple[int, int, int]:
    """Step 3 of the module's docstring: ``dupe_factor`` passes of pairs over each group, every example
    dealt at random into ``buckets``; a group's files are removed once read (when there are several).
    Returns the examples, how many of them are random next, and their wordpieces."""
    from tqdm import tqdm

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
                    order, bounds = group_by(where, plan.buckets)
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
    return examples, random_next, example_tokens


def write_parts(buckets: Buckets, plan: _Plan, directory: Path, lang: str, seed: int,
                examples_per_shard: int, heldout: int) -> tuple[tuple, tuple]:
    """Step 4: each bucket shuffled and appended to the Parquet parts and the memory-mapped rows. The
    first ``heldout`` rows of the shuffled stream (a uniform sample) go to the held-out writers, the
    rest to training. Returns the (held-out, training) writers: ``(PartWriter, MappedWriter)``, the
    held-out ones ``()`` when nothing is held out."""
    from tqdm import tqdm

    held = (PartWriter(directory, examples_per_shard, HELDOUT), MappedWriter(directory, HELDOUT)) if heldout else ()
    train = (PartWriter(directory, examples_per_shard), MappedWriter(directory))
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
    return held, train


def write_shards(sentences: str | os.PathLike, tokenizer_dir: str | os.PathLike, lang: str,
                 out: str | os.PathLike, seq_length: int = 128, short_seq_prob: float = 0.1,
                 nsp_random_prob: float = 0.5, dupe_factor: int = 1,
                 examples_per_shard: int = 100_000, seed: int = 0,
                 min_examples: int = 1, min_tokens: int = 0, heldout: int = 0,
                 threads: int | None = None,
                 group_tokens: int = GROUP_TOKENS,
                 bucket_tokens: int = BUCKET_TOKENS) -> dict:
    """Build the shards of one language; returns the manifest."""
    check_options(seq_length, short_seq_prob, nsp_random_prob, dupe_factor, examples_per_shard, heldout,
                  group_tokens, bucket_tokens)
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
        examples, random_next, example_tokens = deal_pairs(
            groups, plan, buckets, specials, lang, seq_length, short_seq_prob, nsp_random_prob, dupe_factor, seed)
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
        held, train = write_parts(buckets, plan, tmp, lang, seed, examples_per_shard, heldout)
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
             100 * random_next / examples, example_tokens, len(train[0].shards), out, elapsed,
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
