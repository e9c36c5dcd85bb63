"""The pretraining stage's options, two dataclasses: ``mtickets pretrain``'s flags, the ``pretrain``
and ``interference`` config keys of the same names, and what a checkpoint's fingerprint records.

Free of torch, so the workflow (``rules/common.smk``) builds the rule's flags from them
without importing torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mtickets.formats.fingerprint import directory_sha256, file_sha256
from mtickets.options import option
from mtickets.trackers import TRACKERS

if TYPE_CHECKING:
    from mtickets.formats.shards import ShardDirectory

PRECISIONS = ("auto", "fp32", "bf16")
TICKET_UPDATES = ("all", "ticket")
LANGUAGE_PER = ("step", "rank")  # under data parallelism, one language per step or per rank


@dataclass
class InterferenceSettings:
    """What ``mtickets.training.interference`` tracks: the ``interference`` config keys of the same
    names, and ``mtickets pretrain``'s flags with ``--interference-out``."""

    languages: list[str] = option([], help="the tracked languages (default: every pretraining language)")
    sketch_dim: int = option(1024, help="count-sketch buckets per layer")
    exact_layers: list[str] = option([], help="layers also tracked exactly: embeddings, layer.K")
    exact_languages: list[str] = option([], help="languages tracked exactly in those layers")
    uc_every: int = option(10, help="write uc every N steps (it accumulates every step)")
    gc_every: int = option(10, help="gc on each language's probe batch every N steps; 0: no gc")
    probe_examples: int = option(32, help="examples in a language's probe batch")
    until: int = option(0, help="track steps 1..N only; 0: all")
    seed: int = 0  # not a flag: the count sketch's, pretraining's --seed

    def fingerprint(self) -> dict:
        return {f"interference {key}": value for key, value in sorted(vars(self).items())}


@dataclass
class PretrainConfig:
    """The pretraining stage's options: ``mtickets pretrain``'s flags (``mtickets.options``) and the
    ``pretrain`` config keys of the same names (a test checks the schema's defaults against these)."""

    model: Path = option(help="initial model (save_pretrained dir)")
    shards: list[Path] = option(help="shard directories")
    out: Path = option(help="the final model directory")
    checkpoint_dir: Path = option(help="checkpoints, training_log.jsonl and eval_log.jsonl")
    steps: int = option(help="optimizer steps")
    batch_size: int = option(help="sequences per step, over all processes")
    learning_rate: float = option(help="peak learning rate (linear warmup, then linear decay to 0)")
    tickets: Path | None = option(None, help="merged ticket bank (tickets.safetensors); omit for dense")
    micro_batch_size: int | None = option(
        None, help="rows per forward/backward pass, gradients accumulated over the batch (default: the whole batch)")
    warmup_steps: int = option(0, help="steps of linear warmup")
    seq_schedule: str = option("128:1.0", help="LENGTH:FRACTION,... e.g. 128:0.9,512:0.1")
    smoothing: float = option(0.7, help="language sampling ∝ tokens^smoothing")
    mlm_probability: float = option(0.15, help="share of positions masked")
    max_predictions: str = option("20", help="masked positions per sequence, one per length")
    seed: int = option(0, help="data order, masking and dropout")
    checkpoint_every: int = option(1000, help="steps between checkpoints")
    keep_checkpoints: int = option(2, help="how many recent checkpoints to keep")
    weight_decay: float = option(0.01, help="AdamW's decoupled weight decay (not on biases and LayerNorms)")
    max_grad_norm: float = option(1.0, help="gradient clipping by global norm")
    device: str = option("auto", help="auto (cuda if available, else cpu), cpu, cuda, cuda:N or xla (TPU)")
    precision: str = option("auto", choices=PRECISIONS,
                            help="bf16 autocast with fp32 weights and optimizer state, or fp32; auto: bf16 on a GPU "
                                 "that supports it, else fp32")
    ticket_update: str = option("all", choices=TICKET_UPDATES,
                                help="all: AdamW moves every weight every step (the authors' code); ticket: a step "
                                     "updates only its language's ticket (mtickets.training.ticket_update)")
    language_per: str = option("step", choices=LANGUAGE_PER,
                               help="under torchrun: step: every rank reads its slice of one language's batch (the "
                                    "paper's text); rank: each rank its own language through its own ticket (the "
                                    "authors' TPU setup)")
    log_every: int = option(1, help="write a training_log.jsonl row every N steps")
    eval_every: int = option(0, help="every N steps and at the end, MLM loss and accuracy of each language's "
                                     "held-out examples (the shards' --heldout) in eval_log.jsonl; 0: never")
    threads: int | None = option(None, help="torch CPU threads (default: torch's choice)")
    compile: bool = option(False, help="run the forward and backward pass through torch.compile (the first steps "
                                       "compile; the same numbers to float tolerance)")
    loggers: list[str] = option(["tensorboard"], choices=TRACKERS, may_be_empty=True,
                                help="experiment trackers the metrics go to, offline (mtickets.trackers); none: "
                                     "training_log.jsonl alone")
    tracking_dir: Path | None = option(None, help="the trackers' directory (default: CHECKPOINT_DIR/tensorboard)")
    peak_tflops: float | None = option(None, help="peak TFLOP/s of one device, for MFU (default: the GPU's, from "
                                                  "mtickets.device.PEAK_TFLOPS; a CPU has none, so no MFU)")
    # Not flags: a testing/preemption aid, and what main builds from the interference flags.
    stop_after: int | None = None  # stop (after checkpointing) at this step
    interference: InterferenceSettings | None = None  # track uc (and gc) while training
    interference_out: Path | None = None  # where uc.parquet and gc.parquet go at the end

    def fingerprint(self, datasets: Mapping[tuple[str, int], ShardDirectory], precision: str,
                    groups: int) -> dict:
        """Everything a checkpoint's weights depend on: the settings and the content of every input.

        The number of processes is not part of it when every rank reads the same language
        (a run may resume on another number of GPUs); with ``language_per: rank`` the
        schedule has one draw per rank, so ``groups`` is.
        """
        return {
            "precision": precision,
            "ticket_update": self.ticket_update,
            "language_per": self.language_per,
            "groups": groups,
            "micro_batch_size": self.micro_batch_size or self.batch_size,
            "model": directory_sha256(self.model),
            "tickets": file_sha256(self.tickets) if self.tickets is not None else None,
            **{f"shards {lang}/seq{length}": d.digest for (lang, length), d in sorted(datasets.items())},
            "steps": self.steps,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "warmup_steps": self.warmup_steps,
            "seq_schedule": self.seq_schedule,
            "smoothing": self.smoothing,
            "mlm_probability": self.mlm_probability,
            "max_predictions": self.max_predictions,
            "seed": self.seed,
            "weight_decay": self.weight_decay,
            "max_grad_norm": self.max_grad_norm,
            **(self.interference.fingerprint() if self.interference else {}),
            # Only when on: the checkpoints of runs from before the option still resume.
            **({"compile": True} if self.compile else {}),
        }
