"""Dynamic MLM masking (BERT's 80/10/10) of a batch, and the padding that makes one of examples
of different lengths; shared by ticket scoring and pretraining.

Which examples a pretraining step reads, and how they become its fixed-shape batch, is
``training.batches``; this module only pads and masks tokens. Special token ids are the caller's (``mtickets.formats.special_tokens``): they come from the
tokenizer through the shard manifest, never from constants.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def pad_batch(
    input_ids: Sequence[Sequence[int]],
    token_type_ids: Sequence[Sequence[int]] | None,
    pad_token_id: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-pad unpadded examples to the batch maximum.

    Returns ``(input_ids, token_type_ids, attention_mask)``, all ``[batch, width]`` int64;
    the attention mask is 1 on tokens and 0 on padding.
    """
    if len(input_ids) == 0:
        raise ValueError("pad_batch: empty batch")
    lengths = [len(x) for x in input_ids]
    width = max(lengths)
    ids = torch.full((len(lengths), width), pad_token_id, dtype=torch.long)
    types = torch.zeros((len(lengths), width), dtype=torch.long)
    attention = torch.zeros((len(lengths), width), dtype=torch.long)
    for row, length in enumerate(lengths):
        ids[row, :length] = torch.as_tensor(np.asarray(input_ids[row], dtype=np.int64))
        if token_type_ids is not None:
            types[row, :length] = torch.as_tensor(np.asarray(token_type_ids[row], dtype=np.int64))
        attention[row, :length] = 1
    return ids, types, attention


def special_tokens_mask(
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None,
    special_ids: Sequence[int],
) -> torch.Tensor:
    """True at positions never chosen for MLM: ``special_ids`` ([PAD], [CLS], [SEP]) and padding."""
    special = torch.isin(input_ids, torch.as_tensor(list(special_ids), device=input_ids.device))
    if attention_mask is not None:
        special = special | (attention_mask == 0)
    return special


def mask_tokens(
    input_ids: torch.Tensor,
    special_mask: torch.Tensor,
    vocab_size: int,
    mlm_probability: float,
    generator: torch.Generator | None = None,
    max_predictions: int | None = None,
    *,
    mask_token_id: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT dynamic masking; returns ``(masked_input_ids, labels)``.

    Each non-special position is selected with probability ``mlm_probability``; with
    ``max_predictions`` a random subset of at most that many selected positions per
    row is kept. Selected positions get the label of the original token (others -100)
    and are replaced by [MASK] 80% of the time, a uniformly random vocabulary token
    10%, and left unchanged 10%. All randomness comes from ``generator`` (on CPU), so
    the same generator state gives the same masking.
    """
    device = input_ids.device
    shape = input_ids.shape
    special = special_mask.to(torch.bool).cpu()

    def rand() -> torch.Tensor:
        return torch.rand(shape, generator=generator)

    selected = (rand() < mlm_probability) & ~special
    if max_predictions is not None:
        # Rank the selected positions of each row by a random key; keep the first max_predictions.
        key = torch.where(selected, rand(), torch.full(shape, 2.0))
        ranks = key.argsort(dim=-1).argsort(dim=-1)
        selected &= ranks < max_predictions
    use_mask = selected & (rand() < 0.8)
    use_random = selected & ~use_mask & (rand() < 0.5)
    random_tokens = torch.randint(vocab_size, shape, generator=generator)

    original = input_ids.cpu()
    labels = torch.where(selected, original, torch.full_like(original, -100))
    masked = torch.where(use_mask, torch.full_like(original, mask_token_id), original)
    masked = torch.where(use_random, random_tokens, masked)
    return masked.to(device), labels.to(device)
