"""Parameter counts and inference FLOPs of the encoder, dense or through one ticket.

Closed-form, from the config and (optionally) one language's ticket row
``{layer.k.qk: [H], layer.k.v: [H], layer.k.ffn: [F]}`` of 0/1 values. With a ticket,
layer k keeps ``q_k = Σ qk`` query/key dims, ``v_k = Σ v`` value dims and ``f_k = Σ ffn``
FFN units; dense is ``q_k = v_k = H``, ``f_k = F``. A compact export (``mtickets
export``, ``config.unit_layout``) is counted from its layout, which gives the numbers of
the ticket it was exported from.

Parameters (``count_parameters``) — the encoder ``TicketBertModel``: embeddings
``(V + P + T_types)·H + 2H``; per layer ``2·q_k·(H+1)`` (rows of W_Q, W_K and their
biases) ``+ v_k·(H+1) + v_k·H + H`` (rows of W_V with bias, columns of W_O, b_O)
``+ f_k·(H+1) + f_k·H + H`` (rows of W_1 with b_1, columns of W_2, b_2) ``+ 4H``
(two LayerNorms); plus the pooler ``H² + H`` (``pooler=False`` leaves it out); plus
``L·H`` for a language embedding of L languages (``config.language_embedding``). The MLM
and NSP heads are not counted. The ticket bank is buffers, not parameters.

FLOPs per sequence of length T (``inference_flops``), a multiply-add = 2 FLOPs; matrix
products only. Per layer:
Q and K projections ``2·2·T·H·q_k``, V projection ``2·T·H·v_k``, attention scores
QKᵀ ``2·T²·q_k``, weighted sum of values ``2·T²·v_k``, output projection
``2·T·v_k·H``, FFN ``2·2·T·H·f_k``. Embedding lookups count 0, and so does the language
embedding (one vector added per token, like the other embeddings' sums). Ignored (counted 0):
bias additions, softmax, scaling, GELU, LayerNorms, residual additions, dropout, and the
pooler / MLM / NSP heads (encoder only).

Pretraining (``pretraining_flops``) adds the heads it computes: the MLM head at the
``P`` masked positions of a sequence (transform ``2·P·H·H``, decoder ``2·P·H·V``) and the
pooler and NSP head (``2·H·H + 2·H·2``). A training step is 3 forward passes (the backward
pass costs two): the model FLOPs that MFU divides by the time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import torch

from mtickets.errors import MticketsError
from mtickets.modeling import COMPONENTS


def kept_units(config, ticket: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
    """``[layers, 3]`` int64: kept qk dims, v dims and FFN units of each layer."""
    layers, hidden, inter = config.num_hidden_layers, config.hidden_size, config.intermediate_size
    layout = getattr(config, "unit_layout", None)
    if layout:
        if ticket is not None:
            raise MticketsError(
                f"this config is a compact export (of '{getattr(config, 'ticket_language', None)}'); "
                "count it without a ticket"
            )
        return torch.tensor([[sum(unit["qk"]), sum(unit["v"]), int(unit["ffn"])] for unit in layout],
                            dtype=torch.int64)
    if ticket is None:
        return torch.tensor([[hidden, hidden, inter]] * layers, dtype=torch.int64)
    dims = {"qk": hidden, "v": hidden, "ffn": inter}
    counts = torch.zeros(layers, 3, dtype=torch.int64)
    for k in range(layers):
        for c, component in enumerate(COMPONENTS):
            key = f"layer.{k}.{component}"
            if key not in ticket:
                raise MticketsError(f"ticket lacks {key}; it does not fit this {layers}-layer config")
            mask = torch.as_tensor(ticket[key])
            if mask.dim() != 1 or mask.numel() != dims[component]:
                raise MticketsError(
                    f"ticket {key} has shape {tuple(mask.shape)}, expected ({dims[component]},) for this config"
                )
            counts[k, c] = int((mask != 0).sum())
    return counts


def count_parameters(config, ticket: Mapping[str, torch.Tensor] | None = None, pooler: bool = True) -> int:
    """Parameters of the encoder (embeddings, layers, pooler) that the ticket keeps."""
    hidden = config.hidden_size
    counts = kept_units(config, ticket)
    q, v, f = counts[:, 0], counts[:, 1], counts[:, 2]
    rows = config.vocab_size + config.max_position_embeddings + config.type_vocab_size
    if getattr(config, "language_embedding", False):
        rows += len(config.embedding_languages)
    embeddings = rows * hidden + 2 * hidden
    per_layer = 2 * q * (hidden + 1) + v * (2 * hidden + 1) + hidden + f * (2 * hidden + 1) + hidden + 4 * hidden
    total = embeddings + int(per_layer.sum())
    if pooler:
        total += hidden * hidden + hidden
    return int(total)


def inference_flops(config, seq_length: int, ticket: Mapping[str, torch.Tensor] | None = None) -> int:
    """FLOPs (2 per multiply-add, matrix products only) of one sequence through the encoder."""
    hidden, t = config.hidden_size, int(seq_length)
    counts = kept_units(config, ticket)
    q, v, f = counts[:, 0], counts[:, 1], counts[:, 2]
    projections = 2 * t * hidden * (2 * q + v)  # Q, K, V
    attention = 2 * t * t * (q + v)  # QKᵀ and the weighted sum of values
    output = 2 * t * v * hidden  # W_O
    ffn = 2 * 2 * t * hidden * f  # W_1 and W_2
    return int((projections + attention + output + ffn).sum())


def pretraining_flops(config, seq_length: int, predictions: int,
                      ticket: Mapping[str, torch.Tensor] | None = None) -> int:
    """FLOPs of one sequence's pretraining forward pass: the encoder, the MLM head at ``predictions``
    masked positions, the pooler and the NSP head."""
    hidden, vocab = config.hidden_size, config.vocab_size
    heads = 2 * predictions * hidden * (hidden + vocab) + 2 * hidden * (hidden + 2)
    return inference_flops(config, seq_length, ticket) + heads


def ticket_row(
    source: str | Path | Mapping[str, torch.Tensor],
    language: str,
    languages: list[str] | None = None,
) -> dict[str, torch.Tensor]:
    """One language's ticket ``{key: 1-D tensor}``.

    ``source``: a ``tickets.safetensors`` path (languages from its metadata), a bank
    ``{key: [languages, dim]}`` with ``languages`` given, or a ticket model (its bank).
    """
    if hasattr(source, "ticket") and hasattr(source, "config"):  # a TicketBert model
        return {key: value.detach().cpu() for key, value in source.ticket(language).items()}
    if isinstance(source, (str, Path)):
        from safetensors import safe_open

        path = Path(source)
        if not path.is_file():
            raise MticketsError(f"ticket file not found: {path}; run `mtickets merge`")
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            if "languages" not in metadata:
                raise MticketsError(f"{path}: metadata lacks 'languages'; rerun `mtickets merge`")
            languages = json.loads(metadata["languages"])
            if language not in languages:
                raise MticketsError(f"{path}: no ticket for '{language}' (its languages: {', '.join(languages)})")
            row = languages.index(language)
            return {key: handle.get_tensor(key)[row] for key in handle.keys()}
    if languages is None:
        raise MticketsError("ticket_row: give `languages` (the bank's row order) with a bank dict")
    if language not in languages:
        raise MticketsError(f"no ticket for '{language}' (the bank's languages: {', '.join(languages)})")
    row = list(languages).index(language)
    return {key: torch.as_tensor(value)[row] for key, value in source.items()}
