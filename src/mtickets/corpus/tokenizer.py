"""Train a cased multilingual WordPiece tokenizer on a language-balanced sample.

Each ``--sentences`` file (one per language, ``sentences.txt.gz`` from ``mtickets
split``) contributes sentences in proportion to n^smoothing (n = its sentence count,
mBERT's exponential smoothing), ``--sample-sentences`` in all (at most the corpus
size; a language whose share exceeds its size is repeated, i.e. upsampled). The
sample is drawn with ``--seed``. With ``--vocab-file`` a given ``vocab.txt`` is used
instead of training. The output is a ``transformers.BertTokenizerFast``
``save_pretrained`` directory plus ``vocab.txt`` and ``sampling.json``. A trained
vocabulary starts ``[PAD]=0 [UNK] [CLS] [SEP] [MASK]``; a given one keeps its own ids
(mBERT's: ``[PAD]=0 [UNK]=100 [CLS]=101 [SEP]=102 [MASK]=103``), which the later stages
read from the tokenizer (``mtickets.formats.special_tokens``).
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from mtickets.formats.atomic import atomic_dir, write_json
from mtickets.errors import MticketsError
from mtickets.formats.text import open_sentences

log = logging.getLogger(__name__)

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
WORDPIECE_PREFIX = "##"
SENTENCES_NAMES = ("sentences.txt.gz", "sentences.txt")  # the split stage's output, in {lang}/
MODEL_MAX_LENGTH = 512
BATCH_SENTENCES = 1000
DEFAULT_VOCAB_SIZE = 30000


# ------------------------------------------------------------------------- sampling


def iter_sentences(path: str | os.PathLike) -> Iterator[str]:
    """The sentences (non-blank lines, stripped) of a sentences file."""
    with open_sentences(Path(path)) as handle:
        for line in handle:
            line = line.strip()
            if line:
                yield line


def count_sentences(path: str | os.PathLike) -> int:
    return sum(1 for _ in iter_sentences(path))


def language_of(path: str | os.PathLike) -> str | None:
    """The language of a split stage output (``{lang}/sentences.txt.gz``); None for any other file."""
    path = Path(path)
    return path.parent.name if path.name in SENTENCES_NAMES and path.parent.name else None


def describe(path: Path) -> str:
    """A sentences file for a message: with its language where the path tells it."""
    language = language_of(path)
    return f"{path} (language '{language}')" if language else str(path)


def sample_sizes(counts: Sequence[int], smoothing: float, total: int) -> list[int]:
    """Sentences to draw per language: ∝ n^smoothing, ``min(total, Σn)`` in all.

    Largest-remainder rounding, ties to the earlier language, so the sizes sum exactly
    to the target and depend on nothing but the inputs.
    """
    counts_arr = np.asarray(counts, dtype=np.float64)
    target = int(min(total, counts_arr.sum()))
    if target <= 0:
        return [0] * len(counts)
    weights = np.maximum(counts_arr, 0.0) ** smoothing
    shares = weights / weights.sum() * target
    sizes = np.floor(shares).astype(np.int64)
    remainder = target - int(sizes.sum())
    order = sorted(range(len(counts)), key=lambda i: (-(shares[i] - sizes[i]), i))
    for i in order[:remainder]:
        sizes[i] += 1
    return [int(s) for s in sizes]


@dataclass
class LanguageSample:
    path: Path
    language: str | None
    sentences: int
    sample: int
    repeats: int = 0  # every sentence this many times ...
    extra: np.ndarray | None = None  # ... plus these (sorted) sentence indices once more


def plan_sample(paths: Sequence[str | os.PathLike], smoothing: float, sample_sentences: int,
                seed: int) -> list[LanguageSample]:
    """Count each file's sentences and decide which ones go into the training sample."""
    plan = []
    for path in paths:
        path = Path(path)
        n = count_sentences(path)
        if n == 0:
            raise MticketsError(
                f"{describe(path)} holds no sentences; rerun `mtickets split` for it or "
                f"drop it from --sentences"
            )
        plan.append(LanguageSample(path, language_of(path), n, 0))
    sizes = sample_sizes([p.sentences for p in plan], smoothing, sample_sentences)
    rng = np.random.Generator(np.random.PCG64(seed))
    for item, size in zip(plan, sizes):
        item.sample = size
        item.repeats, rest = divmod(size, item.sentences)
        item.extra = np.sort(rng.choice(item.sentences, size=rest, replace=False))
        log.info("%s: %d sentences, %d in the tokenizer sample (x%.3f)", describe(item.path),
                 item.sentences, size, size / item.sentences)
    return plan


def sampled_sentences(plan: Sequence[LanguageSample]) -> Iterator[list[str]]:
    """Batches of the planned sample, language by language in file order."""
    batch: list[str] = []
    for item in plan:
        extra = item.extra if item.extra is not None else np.empty(0, dtype=np.int64)
        next_extra = 0
        for index, sentence in enumerate(iter_sentences(item.path)):
            times = item.repeats
            if next_extra < len(extra) and extra[next_extra] == index:
                times += 1
                next_extra += 1
            for _ in range(times):
                batch.append(sentence)
            if len(batch) >= BATCH_SENTENCES:
                yield batch
                batch = []
    if batch:
        yield batch


# ------------------------------------------------------------------------ tokenizer


def _bare_tokenizer(vocab: dict[str, int] | None = None):
    """A BERT-style cased WordPiece tokenizer (normalizer, pre-tokenizer, decoder)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    options = {"unk_token": "[UNK]", "continuing_subword_prefix": WORDPIECE_PREFIX}
    model = models.WordPiece(vocab, **options) if vocab is not None else models.WordPiece(**options)
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix=WORDPIECE_PREFIX)
    return tokenizer


def _add_post_processor(tokenizer) -> None:
    from tokenizers import processors

    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )


def char_counts(batches: Iterable[list[str]], normalizer) -> collections.Counter:
    """How often each character occurs in the normalized sentences (whitespace excluded).

    These are the counts the WordPiece trainer ranks its alphabet by: BertNormalizer
    turns every whitespace character into a space, and the pre-tokenizer only drops
    spaces.
    """
    counts: collections.Counter = collections.Counter()
    for batch in batches:
        counts.update(normalizer.normalize_str("\n".join(batch)))
    counts.pop(" ", None)
    return counts


def choose_alphabet(counts: collections.Counter, limit: int | None) -> list[str]:
    """The ``limit`` most frequent characters (ties: lower code point), by code point."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if limit is not None:
        ranked = ranked[:limit]
    return sorted(char for char, _ in ranked)


def train_wordpiece(batches: Callable[[], Iterator[list[str]]], vocab_size: int, total: int,
                    min_frequency: int = 2, limit_alphabet: int | None = 1000):
    """Train a WordPiece vocabulary on the sentences ``batches()`` yields, deterministically.

    ``batches`` is called twice (alphabet, then training). The tokenizers trainer is
    not deterministic by itself: it numbers the ``##c`` continuation pieces in
    hash-map order and breaks ties between equally frequent merges by those numbers
    (and cuts the alphabet at ties arbitrarily). So the alphabet is chosen here, with
    ties broken by code point, and every ``##c`` is numbered up front (passed as extra
    trainer "special tokens"); the trained vocabulary is then rebuilt into a plain
    WordPiece model, so only the five real special tokens are special.
    """
    from tokenizers import trainers

    tokenizer = _bare_tokenizer()
    alphabet = choose_alphabet(char_counts(batches(), tokenizer.normalizer), limit_alphabet)
    if not alphabet:
        raise MticketsError("the tokenizer sample holds no characters to train on")
    continuations = [WORDPIECE_PREFIX + char for char in alphabet]
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
        special_tokens=list(SPECIAL_TOKENS) + continuations, initial_alphabet=alphabet,
        limit_alphabet=len(alphabet), continuing_subword_prefix=WORDPIECE_PREFIX,
    )
    tokenizer.train_from_iterator(batches(), trainer=trainer, length=total)
    vocab = tokenizer.get_vocab(with_added_tokens=False)
    for index, token in enumerate(SPECIAL_TOKENS):
        if vocab.get(token) != index:
            raise AssertionError(f"trained vocabulary has {token} at id {vocab.get(token)}, "
                                 f"not {index}")
    log.info("trained %d wordpieces (alphabet of %d characters)", len(vocab), len(alphabet))
    return _bare_tokenizer(vocab)


def load_vocab_file(path: str | os.PathLike) -> dict[str, int]:
    """A ``vocab.txt`` (one token a line, id = line number) with the special tokens."""
    path = Path(path)
    if not path.is_file():
        raise MticketsError(f"--vocab-file {path} does not exist")
    vocab: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            token = line.rstrip("\n").rstrip("\r")
            if not token.strip():
                raise MticketsError(f"--vocab-file {path} line {index + 1} is blank; "
                                    f"a vocab.txt holds one token per line")
            if token in vocab:
                raise MticketsError(f"--vocab-file {path} lists token {token!r} twice "
                                    f"(lines {vocab[token] + 1} and {index + 1})")
            vocab[token] = index
    missing = [t for t in SPECIAL_TOKENS if t not in vocab]
    if missing:
        raise MticketsError(f"--vocab-file {path} lacks the special token(s) "
                            f"{', '.join(missing)}; add them")
    # Their ids may be anywhere (mBERT: [UNK]=100 ... [MASK]=103): they travel with the
    # tokenizer into the shard manifests and the model config.
    return vocab


def save_tokenizer(tokenizer, out_dir: Path) -> int:
    """Save as a BertTokenizerFast directory with ``vocab.txt``; returns the vocab size."""
    from transformers import BertTokenizerFast

    _add_post_processor(tokenizer)
    fast = BertTokenizerFast(
        tokenizer_object=tokenizer, do_lower_case=False, strip_accents=False,
        tokenize_chinese_chars=True, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
        cls_token="[CLS]", mask_token="[MASK]", model_max_length=MODEL_MAX_LENGTH,
    )
    fast.save_pretrained(str(out_dir))
    # transformers 5 writes no vocab.txt for a tokenizers-backed BERT; it is part of
    # the contract (and what BERT tooling reads), so write it: one token per id.
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    ordered = sorted(vocab.items(), key=lambda item: item[1])
    if [i for _, i in ordered] != list(range(len(ordered))):
        raise MticketsError("the tokenizer's ids are not contiguous; cannot write vocab.txt")
    (out_dir / "vocab.txt").write_text("".join(f"{t}\n" for t, _ in ordered), encoding="utf-8")
    return len(ordered)


def build_tokenizer(sentences: Sequence[str | os.PathLike], out: str | os.PathLike,
                    vocab_size: int | None = None, smoothing: float = 0.7,
                    sample_sentences: int = 1_000_000, seed: int = 0,
                    vocab_file: str | os.PathLike | None = None, min_frequency: int = 2,
                    limit_alphabet: int | None = 1000) -> int:
    """Train (or load from ``vocab_file``) the tokenizer and save it to ``out``.

    ``vocab_size`` is the model's vocabulary size: a trained vocabulary must reach it
    (default 30,000), a given one must have exactly that many tokens (unchecked if
    None), else nothing is written. Returns the vocabulary size.
    """
    if vocab_file is not None:
        vocab = load_vocab_file(vocab_file)
        if vocab_size is not None and len(vocab) != vocab_size:
            raise MticketsError(
                f"--vocab-file {vocab_file} has {len(vocab)} tokens but the model's vocabulary "
                f"size is {vocab_size}; set tokenizer.vocab_size: {len(vocab)} (--vocab-size) "
                f"or give the vocab.txt the model was meant for"
            )
        tokenizer = _bare_tokenizer(vocab)
        sampling = {"vocab_file": str(vocab_file)}
        log.info("using the %d-token vocabulary of %s", len(vocab), vocab_file)
    else:
        if not sentences:
            raise MticketsError("no --sentences files given to train the tokenizer on")
        vocab_size = DEFAULT_VOCAB_SIZE if vocab_size is None else vocab_size
        if vocab_size <= len(SPECIAL_TOKENS):
            raise MticketsError(f"--vocab-size {vocab_size} leaves no room beyond the "
                                f"{len(SPECIAL_TOKENS)} special tokens")
        plan = plan_sample(sentences, smoothing, sample_sentences, seed)
        total = sum(item.sample for item in plan)
        tokenizer = train_wordpiece(lambda: sampled_sentences(plan), vocab_size, total,
                                    min_frequency=min_frequency, limit_alphabet=limit_alphabet)
        sampling = {
            "seed": seed, "smoothing": smoothing, "sample_sentences": sample_sentences,
            "vocab_size_requested": vocab_size, "min_frequency": min_frequency,
            "limit_alphabet": limit_alphabet,
            "languages": [{"language": i.language, "file": str(i.path), "sentences": i.sentences,
                           "sampled": i.sample} for i in plan],
        }
        size = tokenizer.get_vocab_size(with_added_tokens=True)
        if size != vocab_size:
            raise MticketsError(
                f"the tokenizer sample ({total} sentences of {len(plan)} languages) yields "
                f"only {size} wordpieces, but the model's vocabulary size is {vocab_size}; "
                f"lower tokenizer.vocab_size (--vocab-size) to {size}, or raise "
                f"tokenizer.sample_sentences (--sample-sentences) or give it more text"
            )
    with atomic_dir(out) as tmp:
        size = save_tokenizer(tokenizer, tmp)
        sampling["vocab_size"] = size
        write_json(tmp / "sampling.json", sampling)
    log.info("saved a %d-wordpiece tokenizer to %s", size, out)
    return size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sentences", nargs="+", default=[],
                        help="sentences.txt.gz files, one per language")
    parser.add_argument("--vocab-size", type=int, default=None,
                        help="the model's vocabulary size: wordpieces to train (default "
                             f"{DEFAULT_VOCAB_SIZE}), or the size --vocab-file must have")
    parser.add_argument("--smoothing", type=float, default=0.7,
                        help="exponent of the per-language sample share n^s (default 0.7)")
    parser.add_argument("--sample-sentences", type=int, default=1_000_000,
                        help="sentences in the training sample, all languages together")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--out", required=True, help="output tokenizer directory")
    parser.add_argument("--vocab-file", default=None,
                        help="use this vocab.txt instead of training")
    parser.add_argument("--min-frequency", type=int, default=2,
                        help="minimum count of a trained wordpiece (default 2)")
    parser.add_argument("--limit-alphabet", type=int, default=1000,
                        help="most frequent characters kept as the base alphabet "
                             "(default 1000; 0 = no limit)")


def main(args: argparse.Namespace) -> None:
    build_tokenizer(args.sentences, args.out, vocab_size=args.vocab_size,
                    smoothing=args.smoothing, sample_sentences=args.sample_sentences,
                    seed=args.seed, vocab_file=args.vocab_file, min_frequency=args.min_frequency,
                    limit_alphabet=args.limit_alphabet or None)
