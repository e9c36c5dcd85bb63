"""``ticket_update: ticket``: a step's AdamW update confined to its language's ticket.

Units outside a step's ticket get a zero gradient, yet AdamW's momentum and weight
decay still move their weights (the authors' code does the same: ``ticket_update:
all``, the default). Confining the update restores, after the optimizer step, the
out-of-ticket slices of every weight a unit owns and of their AdamW moments, as a lazy
(sparse) Adam leaves the rows it got no gradient for. Languages then share exactly what
their tickets share. Weights no unit owns (embeddings, LayerNorm, the attention-output
and FFN-output biases, pooler, heads) belong to every ticket and are always updated.

What a unit owns (DESIGN.md §1): qk dim d, row d of W_Q and W_K and their biases; v dim
d, row d of W_V and its bias and column d of W_O; FFN unit j, row j of W_1 and b_1[j]
and column j of W_2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import torch

MOMENTS = ("exp_avg", "exp_avg_sq")


def owned_slices(model, languages: Sequence[str]) -> list[tuple[torch.nn.Parameter, int, torch.Tensor]]:
    """``(weight, dim, outside)`` for every unit-owned weight: ``outside`` indexes, along
    ``dim``, the units in none of ``languages``' tickets (one index per component, shared
    by the weights that component owns). Several languages: the ranks of one step under
    ``language_per: rank``, whose averaged gradient touches the union of their tickets."""
    tickets = [model.ticket(language) for language in languages]
    slices = []
    for k, layer in enumerate(model.base_model.encoder.layer):
        qk, v, ffn = (
            (torch.stack([ticket[f"layer.{k}.{c}"] for ticket in tickets]).amax(dim=0) == 0).nonzero().squeeze(1)
            for c in ("qk", "v", "ffn")
        )
        attention = layer.attention.self
        for parameter, dim, outside in (
            (attention.query.weight, 0, qk), (attention.query.bias, 0, qk),
            (attention.key.weight, 0, qk), (attention.key.bias, 0, qk),
            (attention.value.weight, 0, v), (attention.value.bias, 0, v),
            (layer.attention.output.dense.weight, 1, v),
            (layer.intermediate.dense.weight, 0, ffn), (layer.intermediate.dense.bias, 0, ffn),
            (layer.output.dense.weight, 1, ffn),
        ):
            slices.append((parameter, dim, outside.to(parameter.device)))
    return slices


@contextlib.contextmanager
def confined_to(optimizer: torch.optim.Optimizer, slices) -> Iterator[None]:
    """Around ``optimizer.step()``: put back what it changed outside the ticket.

    Moments the optimizer has not created yet (its first step) start at zero for units
    without gradient, so only existing ones are saved.
    """
    saved = []
    for parameter, dim, index in slices:
        state = optimizer.state.get(parameter, {})
        tensors = [parameter.data, *(state[name] for name in MOMENTS if name in state)]
        saved.append((dim, index, tensors, [tensor.index_select(dim, index) for tensor in tensors]))
    yield
    for dim, index, tensors, before in saved:
        for tensor, old in zip(tensors, before):
            tensor.index_copy_(dim, index, old)
