"""The process group a stage runs in: one process, or the ranks ``torchrun`` started.

``torchrun --nproc-per-node G [--nnodes N ...] mtickets pretrain ...`` sets ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous; this module joins it (NCCL on CUDA,
gloo on CPU, torch_xla's backend on TPUs) and gives each rank its device
(``cuda:LOCAL_RANK``; an XLA process sees its own device).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from mtickets.errors import MticketsError


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.world_size > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.active:
            torch.distributed.barrier()

    def broadcast(self, value):
        """Rank 0's ``value`` on every rank (any picklable object)."""
        if not self.active:
            return value
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``tensor`` over ranks."""
        if self.active:
            torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.SUM)
        return tensor


def launched_ranks() -> Ranks:
    """The ranks ``torchrun`` describes in the environment; one process without it."""
    try:
        return Ranks(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                     int(os.environ.get("LOCAL_RANK", 0)))
    except ValueError:
        raise MticketsError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (torchrun sets them)") from None


@contextlib.contextmanager
def process_group(device: torch.device) -> Iterator[Ranks]:
    """Join torchrun's process group for the duration (nothing to join for one process)."""
    ranks = launched_ranks()
    if not ranks.active:
        yield ranks
        return
    if device.type == "xla":
        import torch_xla.distributed.xla_backend  # noqa: F401  (registers the "xla" backend)

        torch.distributed.init_process_group("xla", init_method="xla://")
    else:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        torch.distributed.init_process_group(backend="nccl" if device.type == "cuda" else "gloo",
                                             device_id=device if device.type == "cuda" else None)
    try:
        yield ranks
    finally:
        torch.distributed.destroy_process_group()


def rank_device(device: torch.device, ranks: Ranks) -> torch.device:
    """Each rank's own GPU on a node; CPU stays CPU."""
    if device.type == "cuda" and ranks.active:
        if ranks.local_rank >= torch.cuda.device_count():
            raise MticketsError(
                f"rank {ranks.rank}: LOCAL_RANK {ranks.local_rank} but only {torch.cuda.device_count()} GPUs are "
                f"visible; pass torchrun --nproc-per-node at most the GPUs per node (pretrain.devices)"
            )
        return torch.device("cuda", ranks.local_rank)
    return device
