"""A BERT with a bank of per-language structured subnetworks ("tickets").

The whole model in one file, after Hugging Face's ``modeling_bert.py`` (same module
and parameter names, so ``state_dict`` keys read like BERT's) and nanoGPT's habit of
keeping everything readable in one sitting.

Tickets (Lee & Hwang 2023, DESIGN.md §1). For language l and layer k three binary
vectors switch structured units off:

- ``qk`` ([H]): multiplies the outputs of the query AND key projections (after the
  bias). A masked dim removes a row of W_Q and of W_K from the attention scores.
- ``v`` ([H]): multiplies the output of the value projection: a row of W_V and the
  matching input column of the attention output projection W_O.
- ``ffn`` ([F]): multiplies the FFN intermediate units before the activation: a row of
  W_1 (and b_1) and the matching column of W_2 (GELU(0) = 0).

The bank lives in ``TicketBertModel.tickets`` as persistent buffers
``tickets.layer.{k}.qk|v|ffn`` of shape ``[languages, dim]`` (uint8 0/1), so
``save_pretrained`` / ``from_pretrained`` keep it; ``config.languages`` names the rows.
``forward(..., language="de")`` runs the whole batch through de's ticket;
``forward(..., unit_masks={...})`` uses the given 1-D masks instead (SNIP
differentiates through them); neither runs the dense model.

Two implementations of a ticket forward pass give the same outputs and gradients
(``config.ticket_implementation``; it applies to ``language=`` batches):

- ``"mask"`` (the reference, and the default) runs the dense computation and
  multiplies the masks in: time follows the scaled model's size.
- ``"gather"`` computes only the ticket's units, so FLOPs and time follow the ticket
  size: the kept rows of W_Q, W_K and W_V in one matmul, attention with each head's
  own kept dims (heads are zero-padded to the layer's widest head only inside the
  attention product, which changes no score; queries, keys and values share that
  width so CPU attention stays on its fused kernel), W_O and W_2 on their kept
  columns, W_1 on its kept rows. Custom autograd functions gather the weights once per
  forward and write full-size gradients (zero outside the ticket) with index copies.
  The index plans are built once per language and cached until the bank changes or
  moves. Use it for BERT-base-sized models (``bench/tickets.py``, figures in the README:
  16 layers at r = 0.75 train at 1.1–1.3× the dense 12-layer time on 2 CPU cores,
  masked 1.3–1.5×); at
  the demo's tiny sizes its fixed per-op cost makes it a few percent slower than
  ``"mask"``. Without autograd on CPU, attention runs head by head on the kept dims
  instead of padding (``attend_per_head``).

A compact model (``mtickets export``, ``config.unit_layout``) holds one language's
ticket physically: per layer ``{"qk": [dims kept per head], "v": [...], "ffn": units}``,
Linear layers of those sizes, no bank; it computes what the ticket model computes for
that language (``config.ticket_language``), through the same attention code.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable
from transformers import PretrainedConfig, PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutputWithPooling, TokenClassifierOutput
from transformers.utils import ModelOutput

from mtickets.errors import MticketsError

COMPONENTS = ("qk", "v", "ffn")


# --------------------------------------------------------------------------- config


class TicketBertConfig(PretrainedConfig):
    """BERT's configuration plus ``languages``, the ordered rows of the ticket bank."""

    model_type = "ticket-bert"

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    classifier_dropout: float | None = None
    # Special token ids of the tokenizer the model was built for (`mtickets init` sets
    # them; the defaults are the project's trained tokenizer's, mtickets.formats.special_tokens).
    pad_token_id: int | None = 0
    unk_token_id: int | None = 1
    cls_token_id: int | None = 2
    sep_token_id: int | None = 3
    mask_token_id: int | None = 4
    tie_word_embeddings: bool = True
    languages: list[str] = field(default_factory=list)
    # "mask" (the reference; the default, faster at demo sizes) or "gather" (FLOPs and time follow
    # the ticket; faster at BERT-base sizes, see bench/tickets.py).
    ticket_implementation: str = "mask"
    # A compact one-language export: per layer {"qk": [per-head dims], "v": [per-head dims], "ffn": units}.
    unit_layout: list[dict] | None = None
    ticket_language: str | None = None  # the language a compact model was exported for


def ticket_keys(config) -> list[str]:
    """The ticket keys of a config in canonical order: layer.0.qk, layer.0.v, layer.0.ffn, layer.1.qk, ..."""
    return [f"layer.{k}.{c}" for k in range(config.num_hidden_layers) for c in COMPONENTS]


def ticket_dims(config) -> dict[str, int]:
    """Length of each ticket vector: hidden size for qk and v, intermediate size for ffn."""
    dims = {"qk": config.hidden_size, "v": config.hidden_size, "ffn": config.intermediate_size}
    return {key: dims[key.rsplit(".", 1)[1]] for key in ticket_keys(config)}


# --------------------------------------------------------------------------- outputs


@dataclass
class TicketBertForPreTrainingOutput(ModelOutput):
    """Loss (MLM + NSP, when labels are given), MLM logits and NSP logits."""

    loss: torch.Tensor | None = None
    prediction_logits: torch.Tensor | None = None
    seq_relationship_logits: torch.Tensor | None = None
    mlm_loss: torch.Tensor | None = None
    nsp_loss: torch.Tensor | None = None


# --------------------------------------------------------------------------- ticket bank


class TicketLayerMasks(nn.Module):
    """One layer's rows of the bank: buffers ``qk`` [L, H], ``v`` [L, H], ``ffn`` [L, F] (uint8)."""

    def __init__(self, num_languages: int, hidden_size: int, intermediate_size: int):
        super().__init__()
        self.register_buffer("qk", torch.ones(num_languages, hidden_size, dtype=torch.uint8))
        self.register_buffer("v", torch.ones(num_languages, hidden_size, dtype=torch.uint8))
        self.register_buffer("ffn", torch.ones(num_languages, intermediate_size, dtype=torch.uint8))


class TicketBank(nn.Module):
    """``layer[k]`` holds layer k's masks; state-dict keys ``layer.{k}.qk|v|ffn``."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        n = len(config.languages)
        self.layer = nn.ModuleList(
            TicketLayerMasks(n, config.hidden_size, config.intermediate_size) for _ in range(config.num_hidden_layers)
        )


# --------------------------------------------------------------------------- embeddings


class TicketBertEmbeddings(nn.Module):
    """Word + position + token-type embeddings, LayerNorm, dropout."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        seq_length = input_ids.shape[1]
        if position_ids is None:
            position_ids = torch.arange(seq_length, device=input_ids.device).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        embeddings = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(position_ids)
            + self.token_type_embeddings(token_type_ids)
        )
        return self.dropout(self.LayerNorm(embeddings))


# --------------------------------------------------------------------------- per-head layout


def _linear(in_features: int, out_features: int) -> nn.Linear:
    """nn.Linear; a compact model may keep no unit of a component (zero-size, silently)."""
    if in_features and out_features:
        return nn.Linear(in_features, out_features)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Initializing zero-element tensors")
        return nn.Linear(in_features, out_features)


@dataclass(frozen=True)
class HeadLayout:
    """How many query/key and value dims each attention head keeps (a ticket row or a compact model).

    The kept dims of all heads are stored back to back (head 0's first), as the rows a
    ticket keeps appear in W_Q / W_V. Attention runs on a ``[B, heads, T, width]`` tensor
    whose width is the widest head's count (at least 1; on a GPU rounded up to a multiple
    of 8, see ``head_width``); narrower heads are zero-padded
    there, which changes no score (a zero query/key dim adds 0 to q·k) and no output (a
    zero value dim is dropped again before W_O).
    """

    qk: tuple[int, ...]
    v: tuple[int, ...]

    @property
    def qk_width(self) -> int:
        return max(1, max(self.qk))

    @property
    def v_width(self) -> int:
        return max(1, max(self.v))

    @classmethod
    def dense(cls, heads: int, head_dim: int) -> HeadLayout:
        return cls((head_dim,) * heads, (head_dim,) * heads)

    @classmethod
    def from_masks(cls, qk: torch.Tensor, v: torch.Tensor, heads: int) -> HeadLayout:
        counts = [tuple(int(c) for c in (m.reshape(heads, -1) != 0).sum(dim=1).tolist()) for m in (qk, v)]
        return cls(*counts)


# The padded head width is a multiple of this per device type (8 where not listed). CUDA's
# memory-efficient kernel rejects a last dim not divisible by 4 (fp32) or 8 (half) and flash
# pads it to 8 with a copy of its own; CPU's flash kernel takes any width.
_HEAD_WIDTH_MULTIPLE = {"cpu": 1}


def head_width(layout: HeadLayout, device_type: str) -> int:
    """The one width of queries, keys and values in padded attention: the widest head's dims,
    rounded up to the device's multiple (extra zero dims change no score and no output)."""
    multiple = _HEAD_WIDTH_MULTIPLE.get(device_type, 8)
    return -(-max(layout.qk_width, layout.v_width) // multiple) * multiple


def _uniform(counts: tuple[int, ...], width: int) -> bool:
    return all(c == width for c in counts)


class _PadHeads(torch.autograd.Function):
    """``[B, T, N]`` holding parts (e.g. q | k | v), each with its heads back to back →
    one ``[B, T, heads, width]`` tensor per part, zero-padded per head.

    ``parts``: one tuple of per-head counts per part. Forward is one concatenation per
    part (head slices and broadcast zeros); backward gathers the gradients of all parts
    into the ``[B, T, N]`` gradient with a single concatenation.
    """

    @staticmethod
    def forward(ctx, x, parts, width):
        ctx.parts, ctx.total = parts, x.shape[-1]
        outputs, offset = [], 0
        for counts in parts:
            size = sum(counts)
            outputs.append(_pad(x[..., offset:offset + size], counts, width))
            offset += size
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        reference = next(g for g in grads if g is not None)
        pieces = []
        for counts, grad in zip(ctx.parts, grads):
            if grad is None:
                pieces.append(reference.new_zeros(()).expand(*reference.shape[:-2], sum(counts)))
            else:
                pieces.extend(_kept_pieces(grad, counts))
        if not pieces:  # the layer keeps no query, key or value dim
            return reference.new_zeros(*reference.shape[:-2], 0), None, None
        return torch.cat(pieces, dim=-1), None, None


class _UnpadHeads(torch.autograd.Function):
    """``[B, T, heads, width]`` → ``[B, T, Σ counts]``: each head's first ``count`` dims, back to back."""

    @staticmethod
    def forward(ctx, x, counts):
        ctx.counts, ctx.width = counts, x.shape[-1]
        return _unpad(x, counts)

    @staticmethod
    def backward(ctx, grad):
        return _pad(grad, ctx.counts, ctx.width), None


def _pad(x: torch.Tensor, counts: tuple[int, ...], width: int) -> torch.Tensor:
    """One concatenation of each head's dims and (broadcast) zeros: a single copy kernel."""
    zero, pieces, offset = x.new_zeros(()), [], 0
    for count in counts:
        if count:
            pieces.append(x[..., offset:offset + count])
        if count < width:
            pieces.append(zero.expand(*x.shape[:-1], width - count))
        offset += count
    return torch.cat(pieces, dim=-1).unflatten(-1, (len(counts), width))


def _kept_pieces(x: torch.Tensor, counts: tuple[int, ...]) -> list[torch.Tensor]:
    return [x[..., head, :count] for head, count in enumerate(counts) if count]


def _unpad(x: torch.Tensor, counts: tuple[int, ...]) -> torch.Tensor:
    pieces = _kept_pieces(x, counts)
    if not pieces:
        return x.new_empty(*x.shape[:-2], 0)
    return torch.cat(pieces, dim=-1)


def to_heads(x: torch.Tensor, parts: tuple[tuple[int, ...], ...], width: int) -> list[torch.Tensor]:
    """``[B, T, N]`` of parts (see ``_PadHeads``) → one ``[B, heads, T, width]`` per part.

    Views, without copies, when every head of every part keeps ``width`` dims.
    """
    if all(_uniform(counts, width) for counts in parts):
        sizes = [sum(counts) for counts in parts]
        return [part.unflatten(-1, (len(counts), width)).transpose(1, 2)
                for part, counts in zip(x.split(sizes, dim=-1), parts)]
    return [out.transpose(1, 2) for out in _PadHeads.apply(x, parts, width)]


def from_heads(context: torch.Tensor, counts: tuple[int, ...]) -> torch.Tensor:
    """``[B, heads, T, width]`` → ``[B, T, Σ counts]``, the kept value dims of each head."""
    context = context.transpose(1, 2)  # [B, T, heads, width]
    if _uniform(counts, context.shape[-1]):
        return context.flatten(2)
    return _UnpadHeads.apply(context, counts)


def _tensors(projections) -> tuple[torch.Tensor, ...]:
    return (projections,) if isinstance(projections, torch.Tensor) else tuple(projections)


def _requires_grad(projections) -> bool:
    return torch.is_grad_enabled() and any(t.requires_grad for t in _tensors(projections))


def attend_per_head(projections, attention_bias, layout: HeadLayout, scale: float) -> torch.Tensor:
    """Attention without autograd or dropout, one head at a time on its own kept dims → ``[B, T, Σ v dims]``.

    CPU inference with uneven heads: per-head matmuls on slices of the projections need no
    padded copies and beat the padded fused kernel (bench/tickets.py, compact export).
    With autograd the padded kernel is faster (its backward is one kernel), and on a GPU
    a loop of small kernels is not worth it. ``attention_bias``: additive ``[B, 1, 1, T]``
    or None.
    """
    if isinstance(projections, torch.Tensor):
        q_all, k_all, v_all = projections.split([sum(layout.qk), sum(layout.qk), sum(layout.v)], dim=-1)
    else:
        q_all, k_all, v_all = projections
    batch, length = q_all.shape[:2]
    bias = None if attention_bias is None else attention_bias.reshape(batch, 1, length)
    contexts, qk_start, v_start = [], 0, 0
    for qk_count, v_count in zip(layout.qk, layout.v):
        if v_count:  # a head keeping no value dim adds nothing to the output
            q = q_all[..., qk_start:qk_start + qk_count]
            k = k_all[..., qk_start:qk_start + qk_count].transpose(1, 2)
            if bias is None:
                scores = torch.bmm(q, k).mul_(scale)
            else:
                scores = torch.baddbmm(bias, q, k, alpha=scale)
            values = v_all[..., v_start:v_start + v_count]
            contexts.append(torch.bmm(_full_precision(scores).softmax(dim=-1).to(values.dtype), values))
        qk_start += qk_count
        v_start += v_count
    if not contexts:
        return q_all.new_zeros(batch, length, 0)
    return torch.cat(contexts, dim=-1)


# --------------------------------------------------------------------------- gathered linears


def _rows(x: torch.Tensor) -> torch.Tensor:
    """``[..., n]`` → ``[rows, n]`` (also for n = 0, a component the ticket drops entirely)."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


def _compute_dtype(x: torch.Tensor, weight: torch.Tensor) -> torch.dtype:
    """The dtype F.linear would compute in (autocast's, when it is on for the device)."""
    device = x.device.type
    if torch.is_autocast_enabled(device):
        return torch.get_autocast_dtype(device)
    return torch.promote_types(x.dtype, weight.dtype)


class _GatherRowsLinear(torch.autograd.Function):
    """``x · W_gᵀ + b_g`` where W_g stacks the rows ``index_i`` of weights ``W_i`` (one matmul).

    ``indices``: the kept rows of each weight. Backward returns full-size gradients that
    are zero outside the gathered rows: a zero fill and one ``index_copy_`` each (faster
    than autograd's own ``index_select`` backward, and than filling only the dropped rows).
    """

    @staticmethod
    def forward(ctx, x, indices, *params):  # params: W_0, b_0, W_1, b_1, ...
        weights, biases = params[0::2], params[1::2]
        dtype = _compute_dtype(x, weights[0])
        sizes = [int(index.numel()) for index in indices]
        total = sum(sizes)
        with torch.autocast(x.device.type, enabled=False):
            gathered = weights[0].new_empty(total, weights[0].shape[1], dtype=dtype)
            bias = weights[0].new_empty(total, dtype=dtype)
            offset = 0
            for index, size, weight, b in zip(indices, sizes, weights, biases):
                if weight.dtype == dtype:
                    torch.index_select(weight, 0, index, out=gathered[offset:offset + size])
                    torch.index_select(b, 0, index, out=bias[offset:offset + size])
                else:
                    gathered[offset:offset + size] = weight.index_select(0, index)
                    bias[offset:offset + size] = b.index_select(0, index)
                offset += size
            x2d = _rows(x).to(dtype)
            out = torch.addmm(bias, x2d, gathered.t())
        ctx.save_for_backward(x2d, gathered)
        ctx.indices, ctx.sizes, ctx.x_shape, ctx.x_dtype = indices, sizes, x.shape, x.dtype
        ctx.param_meta = [(p.shape, p.dtype) for p in params]
        return out.view(*x.shape[:-1], total)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x2d, gathered = ctx.saved_tensors
        grad2d = _rows(grad).to(gathered.dtype)
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = (grad2d @ gathered).view(ctx.x_shape).to(ctx.x_dtype)
        grads = []
        needs = ctx.needs_input_grad[2:]
        if any(needs):
            grad_weight = grad2d.t() @ x2d
            grad_bias = grad2d.sum(dim=0)
            offset = 0
            for i, (index, size) in enumerate(zip(ctx.indices, ctx.sizes)):
                for j, part in enumerate((grad_weight, grad_bias)):
                    shape, dtype = ctx.param_meta[2 * i + j]
                    if needs[2 * i + j]:
                        grads.append(_scatter(part[offset:offset + size], 0, index, shape, dtype))
                    else:
                        grads.append(None)
                offset += size
        else:
            grads = [None] * len(needs)
        return (grad_x, None, *grads)


def _scatter(part, dim, index, shape, dtype) -> torch.Tensor:
    """A ``shape`` tensor of zeros holding ``part`` at ``index`` along ``dim``."""
    return torch.zeros(shape, dtype=dtype, device=part.device).index_copy_(dim, index, part.to(dtype))


class _GatherColumnsLinear(torch.autograd.Function):
    """``x · W[:, index]ᵀ + b``: only the input columns ``index`` of ``W`` (W_O, W_2)."""

    @staticmethod
    def forward(ctx, x, index, weight, bias):
        dtype = _compute_dtype(x, weight)
        with torch.autocast(x.device.type, enabled=False):
            gathered = weight.index_select(1, index).to(dtype)
            x2d = _rows(x).to(dtype)
            out = torch.addmm(bias.to(dtype), x2d, gathered.t())
        ctx.save_for_backward(x2d, gathered)
        ctx.index, ctx.x_shape, ctx.x_dtype = index, x.shape, x.dtype
        ctx.param_meta = [(weight.shape, weight.dtype), (bias.shape, bias.dtype)]
        return out.view(*x.shape[:-1], weight.shape[0])

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x2d, gathered = ctx.saved_tensors
        grad2d = _rows(grad).to(gathered.dtype)
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = (grad2d @ gathered).view(ctx.x_shape).to(ctx.x_dtype)
        (w_shape, w_dtype), (_, b_dtype) = ctx.param_meta
        if ctx.needs_input_grad[2]:
            grad_weight = _scatter(grad2d.t() @ x2d, 1, ctx.index, w_shape, w_dtype)
        if ctx.needs_input_grad[3]:
            grad_bias = grad2d.sum(dim=0).to(b_dtype)
        return grad_x, None, grad_weight, grad_bias


@dataclass
class GatherPlan:
    """One layer of a language's ticket as index tensors (on the bank's device).

    ``qk`` / ``v`` / ``ffn``: the kept units, ascending: the kept rows of W_Q and W_K / of
    W_V (= columns of W_O) / of W_1 (= columns of W_2), no padding; ``layout``: how many
    of them each head keeps.
    """

    qk: torch.Tensor
    v: torch.Tensor
    ffn: torch.Tensor
    layout: HeadLayout


def layer_plan(qk: torch.Tensor, v: torch.Tensor, ffn: torch.Tensor, heads: int) -> GatherPlan:
    """The gather plan of one layer's 1-D 0/1 masks."""
    def kept(mask):
        return torch.nonzero(mask != 0).reshape(-1)

    return GatherPlan(kept(qk), kept(v), kept(ffn), HeadLayout.from_masks(qk, v, heads))


# --------------------------------------------------------------------------- encoder layer


class TicketBertSelfAttention(nn.Module):
    """Multi-head self-attention; ``qk`` masks query and key outputs, ``v`` the value output.

    In a compact model (``layout`` given) the projections hold only the kept dims and the
    heads keep ``layout.qk[h]`` / ``layout.v[h]`` dims each.
    """

    def __init__(self, config: TicketBertConfig, layout: HeadLayout | None = None):
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(
                f"hidden_size {config.hidden_size} is not a multiple of num_attention_heads "
                f"{config.num_attention_heads}"
            )
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.layout = layout
        qk, v = (config.hidden_size,) * 2 if layout is None else (sum(layout.qk), sum(layout.v))
        self.query = _linear(config.hidden_size, qk)
        self.key = _linear(config.hidden_size, qk)
        self.value = _linear(config.hidden_size, v)
        self.dropout_prob = config.attention_probs_dropout_prob

    def attend(self, projections, attention_mask, layout: HeadLayout | None):
        """Scaled dot-product attention → ``[B, T, kept v dims]``.

        ``projections``: ``(q, k, v)``, each ``[B, T, kept dims]``, or one ``[B, T, q | k | v]``
        tensor (the gather path's single matmul).
        """
        layout = layout or HeadLayout.dense(self.num_heads, self.head_dim)
        device_type = _tensors(projections)[0].device.type
        # One width for queries, keys and values: the fused kernels need equal head dims.
        width = head_width(layout, device_type)
        dropout = self.dropout_prob if self.training else 0.0
        uneven = not (_uniform(layout.qk, width) and _uniform(layout.v, width))
        if uneven and dropout == 0.0 and device_type == "cpu" and not _requires_grad(projections):
            return attend_per_head(projections, attention_mask, layout, 1.0 / math.sqrt(self.head_dim))
        if isinstance(projections, torch.Tensor):
            q, k, v = to_heads(projections, (layout.qk, layout.qk, layout.v), width)
        else:
            (q,), (k,), (v,) = (to_heads(x, (counts,), width)
                                for x, counts in zip(projections, (layout.qk, layout.qk, layout.v)))
        context = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attention_mask,
            dropout_p=dropout,
            scale=1.0 / math.sqrt(self.head_dim),  # the full head's scale, also for narrower heads
        )
        return from_heads(context, layout.v)

    def forward(self, hidden_states, attention_mask=None, qk_mask=None, v_mask=None):
        q, k, v = self.query(hidden_states), self.key(hidden_states), self.value(hidden_states)
        if qk_mask is not None:
            q, k = q * qk_mask, k * qk_mask
        if v_mask is not None:
            v = v * v_mask
        return self.attend((q, k, v), attention_mask, self.layout)

    def forward_gathered(self, hidden_states, attention_mask, plan: GatherPlan):
        """Only the ticket's rows of W_Q, W_K, W_V, in one matmul; attention per kept dims."""
        qkv = _GatherRowsLinear.apply(
            hidden_states, (plan.qk, plan.qk, plan.v),
            self.query.weight, self.query.bias, self.key.weight, self.key.bias, self.value.weight, self.value.bias,
        )
        return self.attend(qkv, attention_mask, plan.layout)


class TicketBertSelfOutput(nn.Module):
    """Attention output projection W_O, dropout, residual, LayerNorm."""

    def __init__(self, config: TicketBertConfig, inputs: int | None = None):
        super().__init__()
        self.dense = _linear(config.hidden_size if inputs is None else inputs, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor, columns=None):
        if columns is None:
            hidden_states = self.dense(hidden_states)
        else:  # gathered context: only W_O's columns of the kept value dims
            hidden_states = _GatherColumnsLinear.apply(hidden_states, columns, self.dense.weight, self.dense.bias)
        return self.LayerNorm(self.dropout(hidden_states) + input_tensor)


class TicketBertAttention(nn.Module):
    def __init__(self, config: TicketBertConfig, layout: HeadLayout | None = None):
        super().__init__()
        self.self = TicketBertSelfAttention(config, layout)
        self.output = TicketBertSelfOutput(config, None if layout is None else sum(layout.v))

    def forward(self, hidden_states, attention_mask=None, qk_mask=None, v_mask=None, plan=None):
        if plan is None:
            context = self.self(hidden_states, attention_mask, qk_mask, v_mask)
            return self.output(context, hidden_states)
        context = self.self.forward_gathered(hidden_states, attention_mask, plan)
        return self.output(context, hidden_states, plan.v)


class TicketBertIntermediate(nn.Module):
    """W_1 and the activation; ``ffn`` masks the units before the activation."""

    def __init__(self, config: TicketBertConfig, units: int | None = None):
        super().__init__()
        self.dense = _linear(config.hidden_size, config.intermediate_size if units is None else units)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states, ffn_mask=None, units=None):
        if units is not None:  # the kept units
            hidden_states = _GatherRowsLinear.apply(hidden_states, (units,), self.dense.weight, self.dense.bias)
        else:
            hidden_states = self.dense(hidden_states)
            if ffn_mask is not None:
                hidden_states = hidden_states * ffn_mask
        return self.intermediate_act_fn(hidden_states)


class TicketBertOutput(nn.Module):
    """W_2, dropout, residual, LayerNorm."""

    def __init__(self, config: TicketBertConfig, units: int | None = None):
        super().__init__()
        self.dense = _linear(config.intermediate_size if units is None else units, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor, units=None):
        if units is None:
            hidden_states = self.dense(hidden_states)
        else:
            hidden_states = _GatherColumnsLinear.apply(hidden_states, units, self.dense.weight, self.dense.bias)
        return self.LayerNorm(self.dropout(hidden_states) + input_tensor)


class TicketBertLayer(nn.Module):
    def __init__(self, config: TicketBertConfig, index: int = 0):
        super().__init__()
        units = None if not config.unit_layout else config.unit_layout[index]
        layout = None if units is None else HeadLayout(tuple(units["qk"]), tuple(units["v"]))
        self.attention = TicketBertAttention(config, layout)
        self.intermediate = TicketBertIntermediate(config, None if units is None else int(units["ffn"]))
        self.output = TicketBertOutput(config, None if units is None else int(units["ffn"]))

    def forward(self, hidden_states, attention_mask=None, masks=None, plan=None):
        masks = masks or {}
        attention_output = self.attention(hidden_states, attention_mask, masks.get("qk"), masks.get("v"), plan)
        units = None if plan is None else plan.ffn
        intermediate = self.intermediate(attention_output, masks.get("ffn"), units)
        return self.output(intermediate, attention_output, units)


class TicketBertEncoder(nn.Module):
    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.layer = nn.ModuleList(TicketBertLayer(config, k) for k in range(config.num_hidden_layers))

    def forward(self, hidden_states, attention_mask=None, layer_masks=None, plans=None):
        for k, layer in enumerate(self.layer):
            hidden_states = layer(
                hidden_states, attention_mask,
                masks=None if layer_masks is None else layer_masks[k],
                plan=None if plans is None else plans[k],
            )
        return hidden_states


class TicketBertPooler(nn.Module):
    """tanh(W · h_[CLS]): the sentence representation for NSP."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


# --------------------------------------------------------------------------- heads


class TicketBertPredictionHeadTransform(nn.Module):
    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = ACT2FN[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class TicketBertLMPredictionHead(nn.Module):
    """Transform, then the decoder whose weight is tied to the word embeddings (own bias)."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.transform = TicketBertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden_states):
        return self.decoder(self.transform(hidden_states))


class TicketBertPreTrainingHeads(nn.Module):
    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.predictions = TicketBertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output, pooled_output):
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)


# --------------------------------------------------------------------------- models


class TicketBertPreTrainedModel(PreTrainedModel):
    """Weight initialisation (BERT: normal(0, initializer_range), zero biases, unit LayerNorms)."""

    config_class = TicketBertConfig
    base_model_prefix = "bert"
    supports_gradient_checkpointing = False
    _no_split_modules = ["TicketBertEmbeddings", "TicketBertLayer"]

    def _init_weights(self, module):
        super()._init_weights(module)  # Linear / Embedding: normal(0, initializer_range); LayerNorm: 1, 0
        if isinstance(module, TicketLayerMasks):
            for buffer in (module.qk, module.v, module.ffn):
                init.ones_(buffer)

    def set_tickets(self, masks: dict[str, torch.Tensor], languages: list[str]) -> None:
        """Install a ticket bank (see ``TicketBertModel.set_tickets``)."""
        self.base_model.set_tickets(masks, languages)

    def ticket(self, language: str) -> dict[str, torch.Tensor]:
        """One language's ticket row: ``{layer.k.qk|v|ffn: 1-D uint8}``."""
        return self.base_model.ticket(language)


class TicketBertModel(TicketBertPreTrainedModel):
    """Embeddings, the encoder (with the ticket bank) and the pooler."""

    _keys_to_ignore_on_load_unexpected = [r"^cls\."]  # heads of a pretraining checkpoint

    def __init__(self, config: TicketBertConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        self.embeddings = TicketBertEmbeddings(config)
        self.encoder = TicketBertEncoder(config)
        self.pooler = TicketBertPooler(config) if add_pooling_layer else None
        self.tickets = TicketBank(config) if config.languages else None
        self._plans: dict = {}
        self.post_init()

    def get_input_embeddings(self):
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value):
        self.embeddings.word_embeddings = value

    # ----------------------------------------------------------------- ticket bank

    def set_tickets(self, masks: dict[str, torch.Tensor], languages: list[str]) -> None:
        """Install the bank ``{layer.k.qk: [L, H], layer.k.v: [L, H], layer.k.ffn: [L, F]}`` (0/1 values)."""
        if self.config.unit_layout:
            raise MticketsError(
                f"set_tickets: this is a compact export of the ticket of '{self.config.ticket_language}'; "
                "install tickets into the full ticket model instead"
            )
        languages = [str(lang) for lang in languages]
        if not languages or len(set(languages)) != len(languages):
            raise MticketsError(f"set_tickets: languages must be a non-empty list without repeats, got {languages}")
        expected = ticket_dims(self.config)
        missing = sorted(set(expected) - set(masks))
        extra = sorted(set(masks) - set(expected))
        if missing or extra:
            raise MticketsError(
                f"ticket masks do not fit a {self.config.num_hidden_layers}-layer model: "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        for key, dim in expected.items():
            mask = torch.as_tensor(masks[key])
            if tuple(mask.shape) != (len(languages), dim):
                raise MticketsError(
                    f"ticket mask {key} has shape {tuple(mask.shape)}, expected ({len(languages)}, {dim})"
                )
            if not bool(((mask == 0) | (mask == 1)).all()):
                raise MticketsError(f"ticket mask {key} holds values other than 0 and 1")
        self.config.languages = languages
        device = self.embeddings.word_embeddings.weight.device
        bank = TicketBank(self.config).to(device)
        for k, layer in enumerate(bank.layer):
            for component in COMPONENTS:
                getattr(layer, component).copy_(torch.as_tensor(masks[f"layer.{k}.{component}"]).to(torch.uint8))
        self.tickets = bank
        self._plans = {}

    def language_index(self, language: str) -> int:
        languages = list(self.config.languages or [])
        if self.tickets is None or language not in languages:
            raise MticketsError(
                f"language '{language}' has no ticket in this model "
                f"(its ticket bank: {', '.join(languages) if languages else 'none, a dense model'})"
            )
        return languages.index(language)

    def ticket(self, language: str) -> dict[str, torch.Tensor]:
        row = self.language_index(language)
        return {
            f"layer.{k}.{c}": getattr(layer, c)[row]
            for k, layer in enumerate(self.tickets.layer)
            for c in COMPONENTS
        }

    def _layer_masks(self, language, unit_masks, dtype) -> list[dict] | None:
        """Per layer ``{qk, v, ffn}`` 1-D masks in the activation dtype, or None (dense)."""
        if unit_masks is not None:
            if self.config.unit_layout:
                raise MticketsError("unit_masks: a compact (exported) model has no full-size units to mask")
            return [
                {c: unit_masks[f"layer.{k}.{c}"].to(dtype) for c in COMPONENTS}
                for k in range(self.config.num_hidden_layers)
            ]
        if language is None:
            return None
        row = self.language_index(language)
        return [{c: getattr(layer, c)[row].to(dtype) for c in COMPONENTS} for layer in self.tickets.layer]

    def _gather_plans(self, language: str) -> list[GatherPlan]:
        """Cached index plans of a language's ticket (rebuilt when the bank changes or moves)."""
        row = self.language_index(language)
        buffers = [getattr(layer, c) for layer in self.tickets.layer for c in COMPONENTS]
        version = tuple((b._version, b.data_ptr()) for b in buffers)
        cached = self._plans.get(language)
        if cached is not None and cached[0] == version:
            return cached[1]
        heads = self.config.num_attention_heads
        plans = [layer_plan(layer.qk[row], layer.v[row], layer.ffn[row], heads) for layer in self.tickets.layer]
        self._plans[language] = (version, plans)
        return plans

    def _attention_bias(self, attention_mask, batch_shape, dtype) -> torch.Tensor | None:
        """``[B, T]`` 1 = token → additive ``[B, 1, 1, T]`` bias (0 / dtype min); None when nothing is masked.

        A float bias keeps CPU attention on the fused kernel (a bool mask does not); a
        CPU batch without padding needs no mask at all (checked on CPU only: on an
        accelerator the check would synchronise).
        """
        if attention_mask is None:
            return None
        if attention_mask.device.type == "cpu" and bool(attention_mask.all()):
            return None
        bias = torch.zeros(attention_mask.shape, dtype=dtype, device=attention_mask.device)
        bias = bias.masked_fill(attention_mask == 0, torch.finfo(dtype).min)
        return bias[:, None, None, :]

    def _check_compact_language(self, language: str | None) -> None:
        exported = self.config.ticket_language
        if language is not None and language != exported:
            raise MticketsError(
                f"language '{language}': this is a compact export of the ticket of '{exported}'; "
                f"run it with language=None or '{exported}', or export '{language}' from the ticket model"
            )

    # ----------------------------------------------------------------- forward

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        language: str | None = None,
        unit_masks: dict[str, torch.Tensor] | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> BaseModelOutputWithPooling:
        hidden_states = self.embeddings(input_ids, token_type_ids, position_ids)
        attention_mask = self._attention_bias(attention_mask, input_ids.shape, hidden_states.dtype)
        implementation = self.config.ticket_implementation
        if implementation not in ("mask", "gather"):
            raise ValueError(f"config.ticket_implementation {implementation!r}: expected 'mask' or 'gather'")
        plans = layer_masks = None
        if self.config.unit_layout:
            self._check_compact_language(language)
            language = None  # the compact model is its language's ticket
        if language is not None and unit_masks is None and implementation == "gather":
            plans = self._gather_plans(language)
        else:
            layer_masks = self._layer_masks(language, unit_masks, hidden_states.dtype)
        sequence_output = self.encoder(hidden_states, attention_mask, layer_masks, plans)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=sequence_output, pooler_output=pooled_output)


def _full_precision(logits: torch.Tensor) -> torch.Tensor:
    """Half-precision logits are upcast for the loss; float32 / float64 stay as they are."""
    return logits.float() if logits.dtype in (torch.float16, torch.bfloat16) else logits


def _masked_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over positions with a label (-100 = ignore); 0 when there are none."""
    if bool((labels != -100).any()):
        return F.cross_entropy(
            _full_precision(logits).reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100
        )
    return _full_precision(logits).sum() * 0.0


class TicketBertForPreTraining(TicketBertPreTrainedModel):
    """BERT pretraining: MLM head (decoder tied to the word embeddings) + NSP head."""

    _tied_weights_keys = {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight"}

    def __init__(self, config: TicketBertConfig):
        super().__init__(config)
        self.bert = TicketBertModel(config)
        self.cls = TicketBertPreTrainingHeads(config)
        self.post_init()

    def get_output_embeddings(self):
        return self.cls.predictions.decoder

    def set_output_embeddings(self, new_embeddings):
        self.cls.predictions.decoder = new_embeddings

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        language: str | None = None,
        unit_masks: dict[str, torch.Tensor] | None = None,
        labels: torch.Tensor | None = None,
        next_sentence_label: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> TicketBertForPreTrainingOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, language, unit_masks, position_ids)
        prediction_logits, seq_relationship_logits = self.cls(outputs.last_hidden_state, outputs.pooler_output)
        mlm_loss = nsp_loss = loss = None
        if labels is not None:
            mlm_loss = _masked_lm_loss(prediction_logits, labels)
            loss = mlm_loss
        if next_sentence_label is not None:
            nsp_loss = F.cross_entropy(_full_precision(seq_relationship_logits), next_sentence_label.reshape(-1).long())
            loss = nsp_loss if loss is None else loss + nsp_loss
        return TicketBertForPreTrainingOutput(
            loss=loss,
            prediction_logits=prediction_logits,
            seq_relationship_logits=seq_relationship_logits,
            mlm_loss=mlm_loss,
            nsp_loss=nsp_loss,
        )


class TicketBertForTokenClassification(TicketBertPreTrainedModel):
    """Dropout + a linear tagger over the encoder (NER, POS); label -100 is ignored.

    ``from_pretrained(pretraining_dir, num_labels=..., id2label=...)`` loads the encoder
    and the ticket bank of a ``TicketBertForPreTraining`` checkpoint; the tagger is new.
    """

    # The pretraining heads and the pooler of a pretraining checkpoint are not used here.
    _keys_to_ignore_on_load_unexpected = [r"^cls\.", r"^bert\.pooler\."]

    def __init__(self, config: TicketBertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = TicketBertModel(config, add_pooling_layer=False)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        language: str | None = None,
        unit_masks: dict[str, torch.Tensor] | None = None,
        labels: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> TokenClassifierOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, language, unit_masks, position_ids)
        logits = self.classifier(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = _masked_lm_loss(logits, labels)
        return TokenClassifierOutput(loss=loss, logits=logits)


def _register_auto_classes() -> None:
    from transformers import AutoConfig, AutoModel, AutoModelForPreTraining, AutoModelForTokenClassification

    try:
        AutoConfig.register(TicketBertConfig.model_type, TicketBertConfig)
        AutoModel.register(TicketBertConfig, TicketBertModel)
        AutoModelForPreTraining.register(TicketBertConfig, TicketBertForPreTraining)
        AutoModelForTokenClassification.register(TicketBertConfig, TicketBertForTokenClassification)
    except ValueError:  # already registered (module reloaded)
        pass


_register_auto_classes()
