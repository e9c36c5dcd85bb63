"""Checkpoints of a pretraining run: what they hold, when one is resumed, and the run's logs beside them.

A checkpoint (model, optimizer, scheduler, step; ``TrainingState``) is written atomically into
the checkpoint directory and records the run's fingerprint: the newest one that loads and
matches is resumed, one made from other inputs or settings means starting over. The
training and evaluation logs live beside the checkpoints and are cut back to the resumed
step. One run writes a directory at a time (``one_writer``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path, exclusive_lock
from mtickets.training.distributed import Ranks
from mtickets.training.interference import InterferenceTracker
from mtickets.training.optimizer import adamw
from mtickets.training.settings import PretrainConfig
from mtickets.training.schedule import linear_warmup_decay

log = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "checkpoint-"
LOG_NAME = "training_log.jsonl"
EVAL_LOG_NAME = "eval_log.jsonl"
LOCK_NAME = "pretrain.lock"  # in the checkpoint directory, held by the run writing it (rank 0)
INTERFERENCE_DIR = "interference"  # uc-/gc-{step}.parquet parts, beside the checkpoints


def checkpoint_path(directory: Path, step: int) -> Path:
    return directory / f"{CHECKPOINT_PREFIX}{step:09d}.pt"


def list_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    found = []
    if directory.is_dir():
        for path in directory.glob(f"{CHECKPOINT_PREFIX}*.pt"):
            stem = path.stem[len(CHECKPOINT_PREFIX) :]
            if stem.isdigit():
                found.append((int(stem), path))
    return sorted(found)


def resumable_checkpoint(directory: Path, fingerprint: dict) -> tuple[Path, dict] | None:
    """The newest checkpoint that loads, if it was made from these inputs and settings.

    An unreadable checkpoint (truncated, empty) is skipped and removed, saying why, and
    the one before it tried. A checkpoint made from other inputs (model, tickets,
    shards, any setting) means the run starts over: its checkpoints and log are removed
    so that nothing of the old run reaches the new one. If checkpoints exist and none
    loads, that is an error (nothing is removed).
    """
    checkpoints = list_checkpoints(directory)
    unreadable: list[tuple[Path, str]] = []
    for _, path in reversed(checkpoints):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises RuntimeError, EOFError, UnpicklingError, ... for a torn file
            unreadable.append((path, f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"))
            continue
        for bad, why in unreadable:
            log.warning("skipping checkpoint %s: it cannot be loaded (%s); removed, resuming from an older one",
                        bad, why)
            bad.unlink(missing_ok=True)
        stored = state.get("fingerprint") if isinstance(state, dict) else None
        if stored != fingerprint:
            stored = stored if isinstance(stored, dict) else {}
            differ = sorted(k for k in set(stored) | set(fingerprint) if stored.get(k) != fingerprint.get(k))
            log.warning("starting over: checkpoint %s was made from other inputs or settings (%s differ); "
                        "removing the checkpoints and training log of that run", path, ", ".join(differ))
            for _, old in list_checkpoints(directory):
                old.unlink()
            for name in (LOG_NAME, EVAL_LOG_NAME):
                (directory / name).unlink(missing_ok=True)
            shutil.rmtree(directory / INTERFERENCE_DIR, ignore_errors=True)
            return None
        return path, state
    if unreadable:
        raise MticketsError(
            f"no checkpoint in {directory} can be loaded ("
            + "; ".join(f"{path.name}: {why}" for path, why in unreadable)
            + f"); delete {directory} to start pretraining over"
        )
    return None



def decay_parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """AdamW groups: weight decay on weights, none on biases and LayerNorm parameters."""
    no_decay_ids = set()
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):
            no_decay_ids.update(id(p) for p in module.parameters(recurse=False))
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        if id(parameter) in no_decay_ids or name.endswith("bias") or "layernorm" in name.lower():
            no_decay.append(parameter)
        else:
            decay.append(parameter)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]



@dataclass
class TrainingState:
    """Everything a checkpoint holds: model, optimizer, scheduler and step. Data order and every
    random draw are functions of (seed, step), so no cursor or RNG state is needed."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    step: int = 0
    tracker: InterferenceTracker | None = None  # rank 0, with interference settings

    @classmethod
    def fresh(cls, model: torch.nn.Module, cfg: PretrainConfig) -> TrainingState:
        optimizer = adamw(
            decay_parameter_groups(model, cfg.weight_decay), lr=cfg.learning_rate, betas=(0.9, 0.999), eps=1e-6
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_warmup_decay(cfg.warmup_steps, cfg.steps))
        return cls(model, optimizer, scheduler)

    def save(self, path: Path, fingerprint: dict) -> None:
        state = {
            "step": self.step,
            "model": _on_cpu(self.model.state_dict()),
            "optimizer": _on_cpu(self.optimizer.state_dict()),
            "scheduler": self.scheduler.state_dict(),
            "fingerprint": fingerprint,
            **({"interference": self.tracker.state_dict()} if self.tracker else {}),
        }
        with atomic_path(path, size=_tensor_bytes(state)) as tmp:
            torch.save(state, tmp)

    def restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step = int(state["step"])
        if self.tracker is not None:
            self.tracker.load_state_dict(state["interference"])


def _tensor_bytes(value) -> int:
    """The bytes of the tensors in a state dict: about what its checkpoint file takes."""
    if isinstance(value, torch.Tensor):
        return value.nbytes
    if isinstance(value, dict):
        return sum(map(_tensor_bytes, value.values()))
    if isinstance(value, (list, tuple)):
        return sum(map(_tensor_bytes, value))
    return 0


def _on_cpu(value):
    """A state dict's tensors on the CPU (a checkpoint loads on any device)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {key: _on_cpu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_on_cpu(item) for item in value)
    return value



@contextlib.contextmanager
def one_writer(checkpoint_dir: Path, ranks: Ranks):
    """Rank 0 holds the checkpoint directory's lock for the whole run; every rank stops when another
    run holds it (two runs on one directory would remove and append each other's checkpoints and log)."""
    with contextlib.ExitStack() as held:
        refused = None
        if ranks.main:
            try:
                held.enter_context(exclusive_lock(checkpoint_dir / LOCK_NAME, f"checkpoint directory {checkpoint_dir}"))
            except MticketsError as error:
                refused = str(error)
        refused = ranks.broadcast(refused)
        if refused is not None:
            raise MticketsError(refused)
        yield



def read_log(path: Path) -> list[dict]:
    """The rows of ``training_log.jsonl``. A torn last row (a full disk, a power loss: rows
    are written whole, so a kill cannot tear one) is dropped with a warning; the steps it
    covered are after the checkpoint being resumed and are trained again."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number < len(lines):
                raise MticketsError(f"{path}, line {number}: not a JSON log row ({error}); delete "
                                    f"{path.parent} to start pretraining over") from None
            log.warning("%s: ignoring its torn last line %d (%r)", path, number, line[:80])
    return rows


def truncate_log(path: Path, step: int) -> None:
    """Drop log rows written after the checkpoint we resume from."""
    if not path.exists():
        return
    kept = [row for row in read_log(path) if row["step"] <= step]
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(row) + "\n" for row in kept), encoding="utf-8")
