"""AdamW on the fastest kernel the parameters' device has."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim.optimizer import _get_fused_kernels_supported_devices


def adamw(parameters: Iterable[torch.nn.Parameter] | Iterable[dict], **options) -> torch.optim.AdamW:
    """``torch.optim.AdamW(parameters, **options)``, fused where the device has a fused kernel (CPU,
    CUDA): one kernel over every tensor instead of torch's default Python loop over them on a CPU,
    the same update to rounding (bench/pretrain.py, the optimizer section). Elsewhere (XLA), torch's
    default."""
    groups = list(parameters)
    first = groups[0]["params"][0] if isinstance(groups[0], dict) else groups[0]
    fused = first.device.type in _get_fused_kernels_supported_devices()
    return torch.optim.AdamW(groups, fused=fused or None, **options)
