"""training.optimizer.adamw: torch's fused AdamW where the device has the kernel, the same steps as the default."""

from __future__ import annotations

import torch

from mtickets.training.optimizer import adamw


def two_groups(seed: int) -> list[dict]:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.nn.Parameter(torch.randn(300, 64, generator=generator))
    bias = torch.nn.Parameter(torch.randn(64, generator=generator))
    return [{"params": [weight], "weight_decay": 0.01}, {"params": [bias], "weight_decay": 0.0}]


def test_adamw_is_fused_on_cpu_and_takes_the_default_adamws_steps():
    ours_groups, default_groups = two_groups(0), two_groups(0)
    ours = adamw(ours_groups, lr=2e-3, betas=(0.9, 0.999), eps=1e-6)
    default = torch.optim.AdamW(default_groups, lr=2e-3, betas=(0.9, 0.999), eps=1e-6)
    assert ours.defaults["fused"] is True and not default.defaults["fused"]
    generator = torch.Generator().manual_seed(1)
    parameters = [(a["params"][0], b["params"][0]) for a, b in zip(ours_groups, default_groups)]
    initial = [mine.detach().clone() for mine, _ in parameters]
    for _ in range(20):
        for mine, theirs in parameters:
            mine.grad = torch.randn(mine.shape, generator=generator)
            theirs.grad = mine.grad.clone()
        ours.step()
        default.step()
    for (mine, theirs), before in zip(parameters, initial):
        assert (mine - before).abs().max() > 1e-2  # the steps moved the weights
        torch.testing.assert_close(mine, theirs, rtol=0, atol=1e-6)


def test_adamw_falls_back_to_the_default_where_the_device_has_no_fused_kernel():
    # A "meta" tensor stands in for XLA's, whose device torch has no fused AdamW for.
    weights = [torch.nn.Parameter(torch.empty(4, 4, device="meta"))]
    assert adamw(weights, lr=1e-3).defaults["fused"] is None
