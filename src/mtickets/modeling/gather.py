"""Ticket execution beyond dense BERT: heads of uneven width, and the gathered ticket path.

Two things the model (``modeling_ticket_bert.py``) needs once a ticket drops units:

- **Heads of their own width.** A ticket row or a compact export keeps a different number
  of query/key and value dims per head (``HeadLayout``). ``attention`` runs them on a
  ``[B, heads, T, width]`` tensor zero-padded to the widest head only inside the
  attention product, which changes no score (queries, keys and values share that width,
  so CPU attention stays on its fused kernel); without autograd on CPU it attends head
  by head on the kept dims instead (``attend_per_head``).
- **The gathered path** (``config.ticket_implementation = "gather"``). ``GatherPlan``
  holds one layer of a language's ticket as index tensors; ``GatherRowsLinear`` computes
  only the kept rows of W_Q, W_K and W_V (in one matmul) or W_1, ``GatherColumnsLinear``
  only the kept columns of W_O or W_2. These autograd functions gather the weights once
  per forward and write full-size gradients (zero outside the ticket) with index copies,
  so FLOPs and time follow the ticket's size.

Copied into every model directory by ``save_pretrained``; imports nothing of mtickets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable


def full_precision(x: torch.Tensor) -> torch.Tensor:
    """Half-precision scores and logits are upcast for softmax and losses; float32 / float64 stay as they are."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


# --------------------------------------------------------------------------- per-head layout


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
        ctx.parts = parts
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
            contexts.append(torch.bmm(full_precision(scores).softmax(dim=-1).to(values.dtype), values))
        qk_start += qk_count
        v_start += v_count
    if not contexts:
        return q_all.new_zeros(batch, length, 0)
    return torch.cat(contexts, dim=-1)


def attention(projections, attention_bias, layout: HeadLayout, scale: float, dropout: float) -> torch.Tensor:
    """Scaled dot-product attention over heads keeping ``layout``'s dims → ``[B, T, Σ v dims]``.

    ``projections``: ``(q, k, v)``, each ``[B, T, kept dims]``, or one ``[B, T, q | k | v]``
    tensor (the gather path's single matmul). ``attention_bias``: additive ``[B, 1, 1, T]``
    or None.
    """
    device_type = _tensors(projections)[0].device.type
    # One width for queries, keys and values: the fused kernels need equal head dims.
    width = head_width(layout, device_type)
    uneven = not (_uniform(layout.qk, width) and _uniform(layout.v, width))
    if uneven and dropout == 0.0 and device_type == "cpu" and not _requires_grad(projections):
        return attend_per_head(projections, attention_bias, layout, scale)
    if isinstance(projections, torch.Tensor):
        q, k, v = to_heads(projections, (layout.qk, layout.qk, layout.v), width)
    else:
        (q,), (k,), (v,) = (to_heads(x, (counts,), width)
                            for x, counts in zip(projections, (layout.qk, layout.qk, layout.v)))
    if device_type == "cpu" and q.dtype in (torch.float16, torch.bfloat16) and _requires_grad(projections):
        # The fused CPU kernel's half-precision backward is slower than its float32 one (4.1x at
        # the replication's sizes, 1.4x at BERT-base's: bench/pretrain.py section 5), so training
        # attends in float32 there (autocast off, or it would cast back); inference stays in half.
        with torch.autocast("cpu", enabled=False):
            context = F.scaled_dot_product_attention(
                q.float(), k.float(), v.float(), attn_mask=None if attention_bias is None else attention_bias.float(),
                dropout_p=dropout, scale=scale).to(q.dtype)
    else:
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_bias, dropout_p=dropout, scale=scale)
    return from_heads(context, layout.v)


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


class GatherRowsLinear(torch.autograd.Function):
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


class GatherColumnsLinear(torch.autograd.Function):
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
