"""The schedule of a pretraining run: every step's language and sequence length, and its learning rate.

All of it is drawn up front from the seed (paper §4.1): a language per step with probability
∝ tokens^smoothing, the sequence length by ``--seq-schedule`` phases, the masked positions'
cap per length, and BERT's linear warmup then linear decay.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from mtickets.errors import MticketsError


def parse_seq_schedule(spec: str) -> list[tuple[int, float]]:
    """``"128:0.9,512:0.1"`` → ``[(128, 0.9), (512, 0.1)]``; fractions must sum to 1."""
    phases = []
    for part in spec.split(","):
        length, colon, fraction = part.strip().partition(":")
        try:
            phases.append((int(length), float(fraction) if colon else 1.0))
        except ValueError:
            raise MticketsError(f"--seq-schedule {spec!r}: expected LENGTH:FRACTION,... e.g. 128:0.9,512:0.1") from None
    if any(length <= 0 or not 0 < fraction <= 1 for length, fraction in phases):
        raise MticketsError(f"--seq-schedule {spec!r}: lengths must be positive, fractions in (0, 1]")
    if len({length for length, _ in phases}) != len(phases):
        raise MticketsError(f"--seq-schedule {spec!r}: each length may appear once")
    if abs(sum(f for _, f in phases) - 1.0) > 1e-6:
        raise MticketsError(f"--seq-schedule {spec!r}: fractions sum to {sum(f for _, f in phases):g}, not 1")
    return phases


def parse_max_predictions(spec: str, phases: Sequence[tuple[int, float]]) -> dict[int, int]:
    """``"20,80"`` → ``{128: 20, 512: 80}``, aligned with the schedule's lengths."""
    try:
        values = [int(v) for v in spec.split(",")]
    except ValueError:
        raise MticketsError(f"--max-predictions {spec!r}: expected integers, one per --seq-schedule length") from None
    if len(values) == 1:
        values = values * len(phases)
    if len(values) != len(phases) or any(v <= 0 for v in values):
        raise MticketsError(
            f"--max-predictions {spec!r}: give one positive integer per --seq-schedule length "
            f"({', '.join(str(length) for length, _ in phases)})"
        )
    return {length: value for (length, _), value in zip(phases, values)}


def phase_ends(steps: int, phases: Sequence[tuple[int, float]]) -> list[int]:
    """Step index (exclusive) at which each phase ends; the last ends at ``steps``."""
    ends, cumulative = [], 0.0
    for _, fraction in phases:
        cumulative += fraction
        ends.append(min(steps, math.floor(steps * cumulative + 0.5)))
    ends[-1] = steps
    return ends


def seq_lengths_for_steps(steps: int, phases: Sequence[tuple[int, float]]) -> np.ndarray:
    """Sequence length of every step (0-based index)."""
    lengths = np.empty(steps, dtype=np.int64)
    start = 0
    for (length, _), end in zip(phases, phase_ends(steps, phases)):
        lengths[start:end] = length
        start = end
    return lengths


def sampling_probabilities(tokens: Mapping[str, int], smoothing: float) -> dict[str, float]:
    """p_l ∝ tokens_l^smoothing (paper: 0.7)."""
    if not tokens:
        raise MticketsError("no pretraining languages")
    weights = {lang: float(n) ** smoothing for lang, n in tokens.items()}
    if any(n <= 0 for n in tokens.values()):
        empty = [lang for lang, n in tokens.items() if n <= 0]
        raise MticketsError(f"languages {', '.join(empty)} have no tokens in their shard manifests; remove them")
    total = sum(weights.values())
    return {lang: w / total for lang, w in weights.items()}


def sample_languages(probabilities: Mapping[str, float], steps: int, seed: int) -> list[str]:
    """The language of every step, drawn i.i.d. from ``probabilities`` with ``seed``."""
    languages = list(probabilities)
    p = np.array([probabilities[lang] for lang in languages], dtype=np.float64)
    rng = np.random.default_rng([seed, 0x4C414E47])  # "LANG"
    draws = rng.choice(len(languages), size=steps, p=p / p.sum())
    return [languages[i] for i in draws]


def linear_warmup_decay(warmup_steps: int, total_steps: int):
    """LambdaLR factor: linear warmup from 0 to 1 over ``warmup_steps``, then linear to 0."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor


def stable_id(*parts) -> int:
    """A number for a name, the same in every process and run (crc32): the key of a seeded stream that
    adding other names does not move."""
    return zlib.crc32("/".join(str(p) for p in parts).encode())
