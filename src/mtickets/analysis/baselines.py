"""Trivial baselines of the held-out MLM loss: has a pretrained model learned anything?

A masked-LM that has not left the unigram phase predicts every masked token from its
frequency alone. Its cross-entropy is the bar a model must clear before its losses say
anything about interference. Computed from the shards, independently of any model:

- ``uniform``: log of the number of predictable wordpieces (every id but the special
  tokens);
- ``unigram``: a unigram model fitted on all languages' training examples pooled;
- ``language_unigram``: one unigram model per language, fitted on that language's
  training examples. This is the baseline a model that only knows the language would
  reach, which a ticket model knows for free.
- ``copy_unigram``: the language's unigram that also copies. BERT's masking leaves 10%
  of the scored positions unchanged, where the label is the visible input token, so a
  model without any use of context scores better than the unigram by predicting
  λ·[the input token] + (1 − λ)·unigram. Its expected loss under 80/10/10 masking,
  0.9·E[−log((1 − λ)·u(y))] + 0.1·E[−log(λ + (1 − λ)·u(y))] (a random replacement
  hitting the label is ignored), minimised over λ, is the floor a model must beat to
  show it reads context.

Each is the mean negative log-likelihood, in nats, of the language's held-out tokens
(the shards' ``--heldout`` examples; every position held-out evaluation can mask, i.e.
all but [PAD], [CLS] and [SEP]). Masking draws positions uniformly, so this is the
expected unigram loss on the masked positions the model is scored on. Counts get
add-``alpha`` smoothing over the predictable wordpieces, so an unseen token costs a
finite amount.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json
from mtickets.formats.shards import ShardDirectory, open_shards

log = logging.getLogger(__name__)


def token_ids(shards: ShardDirectory) -> np.ndarray:
    """Every wordpiece id of every example, [PAD]/[CLS]/[SEP] removed."""
    ids, _, _ = shards.get(range(len(shards)))
    flat = np.concatenate(ids).astype(np.int64) if ids else np.zeros(0, np.int64)
    return flat[~np.isin(flat, shards.special_tokens.never_masked)]


def predictable(vocab_size: int, shards: ShardDirectory) -> np.ndarray:
    """Boolean mask of the wordpieces a masked position can hold."""
    keep = np.ones(vocab_size, dtype=bool)
    keep[list(shards.special_tokens.never_masked)] = False
    return keep


def unigram(counts: np.ndarray, keep: np.ndarray, alpha: float) -> np.ndarray:
    """Add-``alpha`` smoothed probabilities of ``counts`` over the wordpieces in ``keep``."""
    smoothed = np.where(keep, counts + alpha, 0.0)
    return smoothed / smoothed.sum()


def cross_entropy(counts: np.ndarray, keep: np.ndarray, heldout: np.ndarray, alpha: float) -> float:
    """Mean −log p(token) of ``heldout`` under add-``alpha`` smoothed ``counts`` over ``keep``."""
    return float(-np.log(unigram(counts, keep, alpha)[heldout]).mean())


def copy_cross_entropy(counts: np.ndarray, keep: np.ndarray, heldout: np.ndarray, alpha: float,
                       unchanged: float = 0.1) -> tuple[float, float]:
    """The copying unigram's expected loss and its best λ (see the module docstring)."""
    from scipy.optimize import minimize_scalar

    probability = unigram(counts, keep, alpha)[heldout]

    def expected(copy: float) -> float:
        hidden = -np.log((1 - copy) * probability).mean()
        seen = -np.log(copy + (1 - copy) * probability).mean()
        return float((1 - unchanged) * hidden + unchanged * seen)

    best = minimize_scalar(expected, bounds=(1e-9, 1 - 1e-9), method="bounded")
    return float(best.fun), float(best.x)


def unigram_baselines(shard_dirs: list[Path], alpha: float = 0.5) -> dict:
    """Per language: uniform, pooled unigram and language-aware unigram cross-entropy (nats)."""
    if not shard_dirs:
        raise MticketsError("no shard directories given; pass --shards results/shards/{lang}/seq{N} ...")
    train = [open_shards(path) for path in shard_dirs]
    heldout = [open_shards(path, heldout=True) for path in shard_dirs]
    vocab_sizes = {shards.vocab_size for shards in train}
    if len(vocab_sizes) != 1:
        raise MticketsError(f"the shard directories were tokenized with different vocabularies "
                            f"(sizes {sorted(vocab_sizes)}); rebuild them with one tokenizer")
    vocab_size = vocab_sizes.pop()
    keep = predictable(vocab_size, train[0])
    counts = {shards.language: np.bincount(token_ids(shards), minlength=vocab_size).astype(np.float64)
              for shards in train}
    pooled = sum(counts.values())
    languages = {}
    for shards in heldout:
        lang = shards.language
        tokens = token_ids(shards)
        if not len(tokens):
            raise MticketsError(f"{shards.path}: the held-out examples hold no predictable token")
        copy, copy_weight = copy_cross_entropy(counts[lang], keep, tokens, alpha)
        languages[lang] = {
            "heldout_tokens": int(len(tokens)),
            "uniform": math.log(int(keep.sum())),
            "unigram": cross_entropy(pooled, keep, tokens, alpha),
            "language_unigram": cross_entropy(counts[lang], keep, tokens, alpha),
            "copy_unigram": copy,
            "copy_weight": copy_weight,
        }
        log.info("%s: uniform %.3f, unigram %.3f, language-aware unigram %.3f, copying %.3f nats over %d held-out "
                 "tokens", lang, languages[lang]["uniform"], languages[lang]["unigram"],
                 languages[lang]["language_unigram"], copy, len(tokens))
    return {"vocab_size": vocab_size, "alpha": alpha, "languages": languages}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shards", nargs="+", required=True, type=Path,
                        help="each language's shard directory (with held-out examples: shards --heldout)")
    parser.add_argument("--alpha", type=float, default=0.5, help="add-alpha smoothing of the counts (default 0.5)")
    parser.add_argument("--out", required=True, type=Path, help="baselines.json to write")


def main(args: argparse.Namespace) -> None:
    write_json(args.out, unigram_baselines(args.shards, args.alpha))
