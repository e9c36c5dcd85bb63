"""Which examples each pretraining step reads, and the fixed-shape batches made of them.

A step's examples are a pure function of the seed and the schedule: each (language,
length) dataset is read as an endless stream of seeded per-epoch permutations, and a
draw takes the next ``rows`` positions of its dataset's stream. Nothing has to be saved
to resume, and a loader thread can work ahead of training.

The permutation is computed, not stored (``permuted``): a stored one costs 8 bytes per
example, 3.7 GB for the paper's 470M examples per length, resident in every process.

Under data parallelism a step has ``groups`` draws: one (``language_per: step``, every
rank takes its slice of the same language's batch) or one per rank (``rank``, each
rank its own language). Batches have fixed shapes — rows padded to the phase's
sequence length, masked positions as ``[rows, max_predictions]`` index and weight
tensors as Google BERT's ``masked_lm_positions``/``masked_lm_weights`` — so a step has
no data-dependent shapes and needs no host-device synchronisation.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mtickets.formats.shards import ShardDirectory
from mtickets.training.masking import mask_tokens, special_tokens_mask

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective avalanche of 64-bit words (uint64 wraps)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def permuted(indices: np.ndarray, size: int, keys: np.ndarray) -> np.ndarray:
    """Element ``indices[i]`` of a pseudo-random permutation of ``range(size)`` chosen by ``keys[i]``.

    A 4-round Feistel network on the smallest domain of 4^k ≥ ``size`` elements, walking
    the cycle until the value falls inside ``range(size)`` (the domain is < 4 × size, so a
    few walks at most): a bijection for every key, in O(len(indices)) memory.
    """
    half = max(1, (max(int(size) - 1, 1).bit_length() + 1) // 2)
    low = np.uint64((1 << half) - 1)
    shift = np.uint64(half)
    keys = np.asarray(keys, dtype=np.uint64)
    with np.errstate(over="ignore"):
        rounds = [_mix(keys + np.uint64(0x9E3779B97F4A7C15 * (r + 1) % 2**64)) for r in range(4)]
    values = np.asarray(indices, dtype=np.uint64).copy()
    pending = np.ones(values.shape, dtype=bool)
    while pending.any():
        x = values[pending]
        left, right = x >> shift, x & low
        for key in rounds:
            left, right = right, left ^ (_mix(right ^ key[pending]) & low)
        values[pending] = (left << shift) | right
        pending[pending] = values[pending] >= np.uint64(size)
    return values.astype(np.int64)


@dataclass(frozen=True)
class Draw:
    """One group's share of a step: ``rows`` consecutive positions of a dataset's stream."""

    language: str
    seq_length: int
    start: int  # position in the (language, seq_length) stream
    rows: int


class StepPlan:
    """The draws of every step: ``languages[step, group]`` (indices into ``names``), one length per step.

    ``draws(step)`` walks forward from the last step asked for (resuming counts the earlier
    draws in one vectorised pass), so asking for consecutive steps costs O(groups) each.
    """

    def __init__(self, names: Sequence[str], languages: np.ndarray, lengths: np.ndarray, batch_size: int):
        self.names = list(names)
        self.languages = np.asarray(languages, dtype=np.int64).reshape(len(lengths), -1)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.groups = self.languages.shape[1]
        self.rows = batch_size // self.groups
        self._next_step = 0
        self._drawn: dict[tuple[int, int], int] = {}

    def _seek(self, step: int) -> None:
        """Draw counts of every dataset over steps ``1 .. step - 1``."""
        earlier_languages = self.languages[: step - 1]
        earlier_lengths = np.broadcast_to(self.lengths[: step - 1, None], earlier_languages.shape)
        keys, counts = np.unique(np.stack([earlier_languages.ravel(), earlier_lengths.ravel()]), axis=1,
                                 return_counts=True)
        self._drawn = {(int(lang), int(length)): int(n) for (lang, length), n in zip(keys.T, counts)}
        self._next_step = step

    def draws(self, step: int) -> list[Draw]:
        """The draws of ``step`` (1-based), one per group."""
        if step != self._next_step:
            self._seek(step)
        length = int(self.lengths[step - 1])
        out = []
        for language in self.languages[step - 1]:
            key = (int(language), length)
            drawn = self._drawn.get(key, 0)
            self._drawn[key] = drawn + 1
            out.append(Draw(self.names[key[0]], length, drawn * self.rows, self.rows))
        self._next_step = step + 1
        return out

    def step_languages(self, step: int) -> list[str]:
        return [self.names[i] for i in self.languages[step - 1]]


def stream_indices(data: ShardDirectory, start: int, rows: int, seed: int, stream: int) -> np.ndarray:
    """Example indices at positions ``start .. start + rows - 1`` of a dataset's stream:
    epoch ``e`` is permutation ``(seed, stream, e)`` of the dataset."""
    size = len(data)
    epochs, within = np.divmod(np.arange(start, start + rows, dtype=np.int64), size)
    keys = _mix(_mix(np.uint64(seed) ^ _mix(np.uint64(stream))) ^ epochs.astype(np.uint64))
    return permuted(within, size, keys)


def masked_batch(
    data: ShardDirectory,
    indices: Sequence[int],
    *,
    mlm_probability: float,
    max_predictions: int,
    generator: torch.Generator,
    rows: slice = slice(None),
) -> dict[str, torch.Tensor]:
    """The examples at ``indices`` padded to the dataset's sequence length and MLM-masked;
    only ``rows`` of them are returned, masked exactly as in the whole batch.

    ``masked_positions``/``masked_labels``/``masked_weights`` are ``[rows, max_predictions]``
    (weight 0 on padding slots); ``masked_count`` is the number of masked positions in the
    whole batch, the MLM loss's denominator.
    """
    ids, types, nsp = data.get(indices)
    specials = data.special_tokens
    width = data.seq_length
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    input_ids = np.full((len(ids), width), specials.pad, dtype=np.int64)
    token_type_ids = np.zeros((len(ids), width), dtype=np.int64)
    valid = np.arange(width) < lengths[:, None]
    input_ids[valid] = np.concatenate(ids)
    token_type_ids[valid] = np.concatenate(types)
    input_ids, token_type_ids = torch.from_numpy(input_ids), torch.from_numpy(token_type_ids)
    attention_mask = torch.from_numpy(valid.astype(np.int64))
    masked, labels = mask_tokens(
        input_ids, special_tokens_mask(input_ids, attention_mask, specials.never_masked), data.vocab_size,
        mlm_probability, generator, max_predictions=max_predictions, mask_token_id=specials.mask,
    )
    selected = labels != -100
    # Selected positions first, in position order; the rest fill the slots with weight 0.
    order = torch.where(selected, 0, width) + torch.arange(width)
    positions = order.argsort(dim=1)[:, :max_predictions]
    weights = selected.gather(1, positions)
    return {
        "input_ids": masked[rows],
        "attention_mask": attention_mask[rows],
        "token_type_ids": token_type_ids[rows],
        "masked_positions": positions[rows],
        "masked_labels": torch.where(weights, labels.gather(1, positions), 0)[rows],
        "masked_weights": weights[rows].float(),
        "masked_count": selected.sum(),
        "next_sentence_label": torch.from_numpy(nsp.astype(np.int64))[rows],
    }


def step_seed(seed: int, step: int, stream: int) -> int:
    """A 63-bit seed for (run seed, step, purpose)."""
    # Shifted as a Python int: NumPy 1.x has no uint64 >> int (pyproject allows numpy 1.26).
    return int(np.random.SeedSequence([seed, step, stream]).generate_state(1, dtype=np.uint64)[0]) >> 1


MASKING_STREAM = 0  # step_seed stream of a group's masking: MASKING_STREAM + 2 * group


class BatchLoader:
    """Builds this rank's batches of steps ``first .. last`` on a background thread, in order.

    ``rank``/``world_size`` pick this process's rows: with one group every rank takes its
    slice of the group's rows; with one group per rank, the whole draw of its group.
    Batches are pinned for an asynchronous copy when ``pin_memory``. Iterating yields
    ``(step, draw, batch)``; an error on the thread is raised in the consumer.
    """

    def __init__(self, plan: StepPlan, datasets: Mapping[tuple[str, int], ShardDirectory], *, seed: int,
                 streams: Mapping[tuple[str, int], int], mlm_probability: float,
                 max_predictions: Mapping[int, int], first: int, last: int, rank: int = 0, world_size: int = 1,
                 pin_memory: bool = False, prefetch: int = 4):
        self.plan, self.datasets, self.seed, self.streams = plan, datasets, seed, streams
        self.mlm_probability, self.max_predictions = mlm_probability, max_predictions
        self.first, self.last, self.pin_memory = first, last, pin_memory
        per_group = world_size // plan.groups
        self.group, within = divmod(rank, per_group)
        share = plan.rows // per_group
        self.rows = slice(within * share, (within + 1) * share)
        self._queue: queue.Queue = queue.Queue(maxsize=prefetch)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="mtickets-batches", daemon=True)
        self._thread.start()

    def batch(self, step: int) -> tuple[Draw, dict[str, torch.Tensor]]:
        draw = self.plan.draws(step)[self.group]
        data = self.datasets[(draw.language, draw.seq_length)]
        indices = stream_indices(data, draw.start, draw.rows, self.seed, self.streams[(draw.language,
                                                                                       draw.seq_length)])
        generator = torch.Generator().manual_seed(step_seed(self.seed, step, MASKING_STREAM + 2 * self.group))
        batch = masked_batch(data, indices, mlm_probability=self.mlm_probability,
                             max_predictions=self.max_predictions[draw.seq_length], generator=generator,
                             rows=self.rows)
        if self.pin_memory:
            batch = {name: tensor.pin_memory() for name, tensor in batch.items()}
        return draw, batch

    def _work(self) -> None:
        try:
            for step in range(self.first, self.last + 1):
                if not self._put((step, *self.batch(step))):
                    return
        except BaseException as error:  # handed to the training thread
            self._put(error)

    def _put(self, item) -> bool:
        """Queue ``item`` unless the consumer has closed the loader; False if it has."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[tuple[int, Draw, dict[str, torch.Tensor]]]:
        for _ in range(self.first, self.last + 1):
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
