"""The uncertainty of a table's average and the test of a row against the dense one.

The average's 95% interval comes from a two-stage (nested) bootstrap: languages drawn with
replacement, then each drawn language's seeds (``bootstrap_means``, ``bootstrap_ci``). A
row's difference to the dense row is paired by language and seed (``paired_differences``)
and tested with a two-sided sign-flip test (``sign_flip_test``): exact over every sign
vector up to 20 languages, random sign vectors beyond. Each row's draws come from the seed
and its variant's name only (``variant_generators``).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from mtickets.errors import MticketsError

EXACT_MAX_LANGUAGES = 20  # the sign-flip test enumerates all 2^L sign vectors up to here
FLIP_CHUNK = 1 << 16
TIE_TOLERANCE = 1e-9  # |mean| within this (relative, at least absolute) of the observed one counts as ≥


def variant_generators(seed: int, variant: str) -> tuple[np.random.Generator, np.random.Generator]:
    """(bootstrap, sign-flip) generators of one row: from ``seed`` and the variant's name only,
    so adding or reordering variants does not change another row's numbers."""
    sequence = np.random.SeedSequence([int(seed), zlib.crc32(variant.encode("utf-8"))])
    bootstrap, flips = sequence.spawn(2)
    return np.random.default_rng(bootstrap), np.random.default_rng(flips)


def bootstrap_means(scores: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """The average of ``replicates`` two-stage (nested) bootstrap resamples of ``scores`` [L, S].

    One replicate: draw L language indices uniformly with replacement; for each of the L
    drawn slots, draw S seed indices uniformly with replacement from that language's S
    seeds (independently per slot); the statistic is the mean of the L × S drawn scores —
    the table's ``avg`` (mean over languages of seed means) of the resampled grid.
    Languages are drawn first (array ``[replicates, L]``), then seeds (``[replicates, L, S]``).
    """
    scores = np.asarray(scores, dtype=np.float64)
    n_languages, n_seeds = scores.shape
    languages = rng.integers(0, n_languages, size=(replicates, n_languages))
    seeds = rng.integers(0, n_seeds, size=(replicates, n_languages, n_seeds))
    return scores[languages[:, :, None], seeds].mean(axis=(1, 2))


def bootstrap_ci(
    scores: np.ndarray, replicates: int, rng: np.random.Generator, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval: the (1 − level)/2 and (1 + level)/2 quantiles (numpy's linear
    interpolation) of ``bootstrap_means``."""
    low, high = np.quantile(bootstrap_means(scores, replicates, rng), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def paired_differences(
    seeds: Sequence[int], scores: np.ndarray, dense_seeds: Sequence[int], dense_scores: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """Per-language differences d_l to the dense row, paired by language and seed where both exist.

    With the seeds S both rows have, d_l = mean over s in S of (x[l, s] − y[l, s]) (= the
    difference of the seed means over S); with none in common, d_l = mean_s x[l] − mean_s y[l].
    Returns (d, S).
    """
    common = sorted(set(seeds) & set(dense_seeds))
    if common:
        x = scores[:, [list(seeds).index(s) for s in common]]
        y = dense_scores[:, [list(dense_seeds).index(s) for s in common]]
        return (x - y).mean(axis=1), common
    return scores.mean(axis=1) - dense_scores.mean(axis=1), []


def sign_flip_test(differences: np.ndarray, permutations: int, rng: np.random.Generator) -> tuple[float, bool, int]:
    """Two-sided sign-flip (paired permutation) test of mean(d) = 0: (p, exact, sign vectors).

    Under the null each d_l is as likely to be −d_l. The statistic is |mean(ε ⊙ d)|; p is the
    share of sign vectors ε ∈ {−1, 1}^L whose statistic is at least the observed one
    (within a 1e-9 relative tolerance, so ties count). Exact — all 2^L vectors, the
    identity among them — for L ≤ 20; otherwise ``permutations`` uniform random vectors and
    p = (1 + count) / (1 + permutations).
    """
    d = np.asarray(differences, dtype=np.float64)
    n = d.size
    if n == 0:
        raise MticketsError("sign-flip test: no differences")
    observed = abs(d.sum()) / n
    threshold = observed - TIE_TOLERANCE * max(1.0, observed)
    if n <= EXACT_MAX_LANGUAGES:
        total = 1 << n
        bits = np.arange(n)
        count = 0
        for start in range(0, total, FLIP_CHUNK):
            codes = np.arange(start, min(total, start + FLIP_CHUNK))
            signs = 1.0 - 2.0 * ((codes[:, None] >> bits) & 1)
            count += int(np.count_nonzero(np.abs(signs @ d) / n >= threshold))
        return count / total, True, total
    signs = rng.choice(np.array([-1.0, 1.0]), size=(permutations, n))
    count = int(np.count_nonzero(np.abs(signs @ d) / n >= threshold))
    return (1 + count) / (1 + permutations), False, permutations
