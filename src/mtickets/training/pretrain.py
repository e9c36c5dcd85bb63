"""Pretrain a (ticket) BERT with MLM + NSP, one language per optimizer step.

Paper §4.1 (BERT defaults): every step draws one language with probability
∝ tokens^smoothing (exponential smoothing over the shard manifests' corpus sizes),
takes a batch of that language's examples and runs it through that language's
ticket (``language=`` of the model; dense when the model has no ticket bank), and adds
that language's row of a language embedding where the model has one.
Sequence length follows ``--seq-schedule`` (``128:0.9,512:0.1``: the first 90% of
steps read the 128-token shards, the rest the 512-token shards), and
``--max-predictions`` caps the masked positions per sequence for each length.
Masking is dynamic (80/10/10, ``mtickets.training.masking``). AdamW (weight decay 0.01, none
on biases and LayerNorm), linear warmup then linear decay, gradient clipping at 1.0.

Determinism and resuming: the language of every step is drawn up front from the
seed; each dataset's examples are visited in seeded per-epoch permutations
(``mtickets.training.batches``); the masking and dropout generators are re-seeded from
``(seed, step)`` at every step. A checkpoint (model, optimizer, scheduler, step) is
written atomically every ``--checkpoint-every`` steps and at the end; a restarted job
continues from the latest one that loads and, on CPU, ends with the same weights as an
uninterrupted run. A checkpoint records a digest of the settings and of every input's
content (model, tickets, shards): a run with any of them changed starts over instead,
and logs why. One run writes a checkpoint directory at a time: rank 0 holds its
``pretrain.lock`` for the run's lifetime, and a second run stops at once naming the
holder's PID.

Data parallelism: under ``torchrun`` every rank joins the process group
(``mtickets.training.distributed``) and the loss module is wrapped in DistributedDataParallel.
``--batch-size`` is the global batch. ``--language-per step``: all ranks read slices of
the same language's batch, masked as one batch, so N processes compute the update of
one (dropout aside: each rank draws its own). ``--language-per rank``: each rank draws
its own language and runs its own ticket; the step's loss is the mean of the ranks'.

Output (``--out``, written atomically): the ``save_pretrained`` model (ticket bank
included, with the tokenizer files of ``--model``), ``training_log.jsonl`` (step, language, seq_length, loss, mlm_loss,
nsp_loss, lr) and ``pretrain.json`` (steps per language / length, final loss, ...).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import math
import shutil
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mtickets.training.batches import LANGUAGE_PER, BatchLoader, StepPlan, masked_batch, step_seed
from mtickets.device import add_device_argument, enable_tf32, resolve_device, resolve_precision, step_boundary
from mtickets.training.distributed import Ranks, launched_ranks, process_group, rank_device
from mtickets.errors import MticketsError
from mtickets.formats.atomic import append_text, atomic_dir, atomic_path, exclusive_lock, write_json
from mtickets.formats.fingerprint import directory_sha256, file_sha256
from mtickets.formats.model_files import copy_tokenizer_files
from mtickets.formats.shards import ShardDirectory, open_shards
from mtickets.formats.special_tokens import SpecialTokens, check_agree
from mtickets.formats.tensors import load_ticket_bank
from mtickets.training.interference import InterferenceSettings, InterferenceTracker
from mtickets.progress import progress
from mtickets.training.ticket_update import confined_to, owned_slices

log = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "checkpoint-"
PRECISIONS = ("auto", "fp32", "bf16")
TICKET_UPDATES = ("all", "ticket")
LOG_NAME = "training_log.jsonl"
EVAL_LOG_NAME = "eval_log.jsonl"
LOCK_NAME = "pretrain.lock"  # in the checkpoint directory, held by the run writing it (rank 0)
INTERFERENCE_DIR = "interference"  # uc-/gc-{step}.parquet parts, beside the checkpoints


# --------------------------------------------------------------------------- data


# --------------------------------------------------------------------------- schedules


def parse_seq_schedule(spec: str) -> list[tuple[int, float]]:
    """``"128:0.9,512:0.1"`` → ``[(128, 0.9), (512, 0.1)]``; fractions must sum to 1."""
    phases = []
    for part in spec.split(","):
        length, colon, fraction = part.strip().partition(":")
        try:
            phases.append((int(length), float(fraction) if colon else 1.0))
        except ValueError:
            raise MticketsError(f"--seq-schedule {spec!r}: expected LENGTH:FRACTION,... e.g. 128:0.9,512:0.1") from None
    if any(length <= 0 or not 0 < fraction <= 1 for length, fraction in phases):
        raise MticketsError(f"--seq-schedule {spec!r}: lengths must be positive, fractions in (0, 1]")
    if len({length for length, _ in phases}) != len(phases):
        raise MticketsError(f"--seq-schedule {spec!r}: each length may appear once")
    if abs(sum(f for _, f in phases) - 1.0) > 1e-6:
        raise MticketsError(f"--seq-schedule {spec!r}: fractions sum to {sum(f for _, f in phases):g}, not 1")
    return phases


def parse_max_predictions(spec: str, phases: Sequence[tuple[int, float]]) -> dict[int, int]:
    """``"20,80"`` → ``{128: 20, 512: 80}``, aligned with the schedule's lengths."""
    try:
        values = [int(v) for v in spec.split(",")]
    except ValueError:
        raise MticketsError(f"--max-predictions {spec!r}: expected integers, one per --seq-schedule length") from None
    if len(values) == 1:
        values = values * len(phases)
    if len(values) != len(phases) or any(v <= 0 for v in values):
        raise MticketsError(
            f"--max-predictions {spec!r}: give one positive integer per --seq-schedule length "
            f"({', '.join(str(length) for length, _ in phases)})"
        )
    return {length: value for (length, _), value in zip(phases, values)}


def phase_ends(steps: int, phases: Sequence[tuple[int, float]]) -> list[int]:
    """Step index (exclusive) at which each phase ends; the last ends at ``steps``."""
    ends, cumulative = [], 0.0
    for _, fraction in phases:
        cumulative += fraction
        ends.append(min(steps, math.floor(steps * cumulative + 0.5)))
    ends[-1] = steps
    return ends


def seq_lengths_for_steps(steps: int, phases: Sequence[tuple[int, float]]) -> np.ndarray:
    """Sequence length of every step (0-based index)."""
    lengths = np.empty(steps, dtype=np.int64)
    start = 0
    for (length, _), end in zip(phases, phase_ends(steps, phases)):
        lengths[start:end] = length
        start = end
    return lengths


def sampling_probabilities(tokens: Mapping[str, int], smoothing: float) -> dict[str, float]:
    """p_l ∝ tokens_l^smoothing (paper: 0.7)."""
    if not tokens:
        raise MticketsError("no pretraining languages")
    weights = {lang: float(n) ** smoothing for lang, n in tokens.items()}
    if any(n <= 0 for n in tokens.values()):
        empty = [lang for lang, n in tokens.items() if n <= 0]
        raise MticketsError(f"languages {', '.join(empty)} have no tokens in their shard manifests; remove them")
    total = sum(weights.values())
    return {lang: w / total for lang, w in weights.items()}


def sample_languages(probabilities: Mapping[str, float], steps: int, seed: int) -> list[str]:
    """The language of every step, drawn i.i.d. from ``probabilities`` with ``seed``."""
    languages = list(probabilities)
    p = np.array([probabilities[lang] for lang in languages], dtype=np.float64)
    rng = np.random.default_rng([seed, 0x4C414E47])  # "LANG"
    draws = rng.choice(len(languages), size=steps, p=p / p.sum())
    return [languages[i] for i in draws]


def linear_warmup_decay(warmup_steps: int, total_steps: int):
    """LambdaLR factor: linear warmup from 0 to 1 over ``warmup_steps``, then linear to 0."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return factor


def _stable_id(*parts) -> int:
    return zlib.crc32("/".join(str(p) for p in parts).encode())


# --------------------------------------------------------------------------- model


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


class PretrainingObjective(torch.nn.Module):
    """The MLM and NSP loss sums of a fixed-shape batch (``mtickets.training.batches``), as one module
    so that DistributedDataParallel wraps exactly the computation it synchronises.

    The MLM head is applied to the ``[rows, max_predictions]`` gathered positions only:
    the same numbers as the full ``[rows, length, vocab]`` logits (the heads act
    position-wise, without dropout) at a fraction of the memory; at mBERT's 119k
    vocabulary and batch 256 the full logits alone would be ~16 GB. Returns the sums
    ``(Σ w·CE_mlm, Σ CE_nsp)``; the caller scales them by the batch's denominators.
    """

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def masked_logits(self, batch: Mapping[str, torch.Tensor], language: str | None):
        """``([rows × max_predictions, vocab] fp32 logits at the masked positions, encoder output)``."""
        encoded = self.model.bert(batch["input_ids"], attention_mask=batch["attention_mask"],
                                  token_type_ids=batch["token_type_ids"], language=language)
        hidden = encoded.last_hidden_state
        positions = batch["masked_positions"].unsqueeze(-1).expand(-1, -1, hidden.shape[-1])
        return self.model.cls.predictions(hidden.gather(1, positions)).float().flatten(0, 1), encoded

    def forward(self, batch: Mapping[str, torch.Tensor], language: str | None) -> tuple[torch.Tensor, torch.Tensor]:
        logits, encoded = self.masked_logits(batch, language)
        mlm = torch.nn.functional.cross_entropy(logits, batch["masked_labels"].flatten(), reduction="none")
        nsp_logits = self.model.cls.seq_relationship(encoded.pooler_output).float()
        nsp = torch.nn.functional.cross_entropy(nsp_logits, batch["next_sentence_label"], reduction="sum")
        return (mlm * batch["masked_weights"].flatten()).sum(), nsp


# --------------------------------------------------------------------------- checkpoints


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


# --------------------------------------------------------------------------- training


@dataclass
class PretrainConfig:
    model: Path
    shards: list[Path]
    out: Path
    checkpoint_dir: Path
    tickets: Path | None = None
    steps: int = 100
    batch_size: int = 8
    micro_batch_size: int | None = None  # gradient accumulation; None: the whole batch at once
    learning_rate: float = 1e-4
    warmup_steps: int = 0
    seq_schedule: str = "128:1.0"
    smoothing: float = 0.7
    mlm_probability: float = 0.15
    max_predictions: str = "20"
    seed: int = 0
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    device: str = "auto"
    precision: str = "auto"  # auto | fp32 | bf16
    ticket_update: str = "all"  # all | ticket (mtickets.training.ticket_update)
    language_per: str = "step"  # step | rank: under data parallelism, one language per step or per rank
    log_every: int = 1
    eval_every: int = 0  # held-out MLM loss and accuracy every N steps (and at the end); 0: never
    stop_after: int | None = None  # testing/preemption aid: stop (after checkpointing) at this step
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
        }


def collect_datasets(shard_dirs: Sequence[Path], lengths: Sequence[int]) -> dict[tuple[str, int], ShardDirectory]:
    datasets: dict[tuple[str, int], ShardDirectory] = {}
    for directory in shard_dirs:
        data = open_shards(directory)
        key = (data.language, data.seq_length)
        if key in datasets:
            raise MticketsError(
                f"--shards: {directory} and {datasets[key].path} both hold language "
                f"'{data.language}' at seq_length {data.seq_length}; pass each once"
            )
        datasets[key] = data
    languages = sorted({lang for lang, _ in datasets})
    unused = sorted({length for _, length in datasets} - set(lengths))
    if unused:
        log.warning("shards of seq_length %s are not in --seq-schedule and are ignored", unused)
    missing = [f"{lang}/seq{length}" for lang in languages for length in lengths if (lang, length) not in datasets]
    if missing:
        raise MticketsError(
            f"--seq-schedule needs shards of every language at every length; missing: {', '.join(missing)}"
        )
    return {key: d for key, d in datasets.items() if key[1] in lengths}


@dataclass
class PretrainRun:
    """What a run is made of, checked: the data, the per-step schedule and the model on its device."""

    cfg: PretrainConfig
    ranks: Ranks
    datasets: dict[tuple[str, int], ShardDirectory]
    streams: dict[tuple[str, int], int]  # the seed stream of each dataset's permutations
    languages: list[str]
    tokens: dict[str, int]  # corpus wordpieces per language
    probabilities: dict[str, float]
    plan: StepPlan  # every step's language(s) and length
    seq_lengths: list[int]  # in schedule order
    max_predictions: dict[int, int]  # per sequence length
    model: torch.nn.Module
    objective: torch.nn.Module  # PretrainingObjective, wrapped in DistributedDataParallel under torchrun
    device: torch.device
    precision: str  # fp32 | bf16, resolved
    ticketed: bool  # a ticket bank: its language's ticket runs every batch
    told: bool  # the model takes language= (a ticket bank or a language embedding)
    heldout: dict[tuple[str, int], ShardDirectory]  # (language, length): held-out examples; with eval_every

    def language_for(self, language: str) -> str | None:
        """The model's ``language=`` for a batch of ``language`` (None: a dense model, told nothing)."""
        return language if self.told else None


def build_run(cfg: PretrainConfig, ranks: Ranks = Ranks(), device: torch.device | None = None) -> PretrainRun:
    """Check the settings, read the shard manifests, draw the schedule, load the model and its tickets."""
    from mtickets.modeling import TicketBertForPreTraining, language_problem, needs_language

    if cfg.steps <= 0 or cfg.batch_size <= 0 or (cfg.micro_batch_size is not None and cfg.micro_batch_size <= 0):
        raise MticketsError("--steps, --batch-size and --micro-batch-size must be positive")
    if cfg.checkpoint_every <= 0:
        raise MticketsError("--checkpoint-every must be positive")
    if cfg.seed < 0:
        raise MticketsError(f"--seed {cfg.seed}: must be a non-negative integer")
    if cfg.precision not in PRECISIONS or cfg.ticket_update not in TICKET_UPDATES or cfg.language_per not in LANGUAGE_PER:
        raise MticketsError(f"--precision {cfg.precision!r} / --ticket-update {cfg.ticket_update!r} / --language-per "
                            f"{cfg.language_per!r}: expected one of {', '.join(PRECISIONS)} / "
                            f"{', '.join(TICKET_UPDATES)} / {', '.join(LANGUAGE_PER)}")
    if cfg.batch_size % ranks.world_size:
        raise MticketsError(f"--batch-size {cfg.batch_size} is the global batch and must be divisible by the "
                            f"{ranks.world_size} processes (pretrain.batch_size, pretrain.devices × nodes)")
    groups = ranks.world_size if cfg.language_per == "rank" else 1
    phases = parse_seq_schedule(cfg.seq_schedule)
    lengths = [length for length, _ in phases]
    caps = parse_max_predictions(cfg.max_predictions, phases)
    datasets = collect_datasets(cfg.shards, lengths)
    per_draw = cfg.batch_size // groups
    small = [d for d in datasets.values() if len(d) < per_draw]
    if small:
        data = small[0]
        share = f" over {groups} ranks: {per_draw} rows each" if groups > 1 else ""
        raise MticketsError(
            f"language '{data.language}': {data.path} holds {len(data)} examples, fewer than one batch "
            f"(--batch-size {cfg.batch_size}{share}); add text for '{data.language}', raise shards.dupe_factor, "
            f"or lower pretrain.batch_size"
        )
    languages = sorted({lang for lang, _ in datasets})
    tokens = {lang: max(d.tokens for (l2, _), d in datasets.items() if l2 == lang) for lang in languages}
    probabilities = sampling_probabilities(tokens, cfg.smoothing)
    drawn = sample_languages(probabilities, cfg.steps * groups, cfg.seed)
    plan = StepPlan(languages, np.array([languages.index(lang) for lang in drawn]).reshape(cfg.steps, groups),
                    seq_lengths_for_steps(cfg.steps, phases), cfg.batch_size)

    device = device if device is not None else resolve_device(cfg.device)
    enable_tf32(device)
    torch.manual_seed(cfg.seed)
    try:
        model = TicketBertForPreTraining.from_pretrained(str(cfg.model))
    except (OSError, ValueError) as error:
        raise MticketsError(f"--model {cfg.model}: cannot load a ticket-bert model ({error})") from None
    check_model_fits_data(model.config, cfg, datasets, max(lengths))
    if cfg.tickets is not None:
        masks, bank = load_ticket_bank(cfg.tickets)
        model.set_tickets(masks, bank)
    told = needs_language(model.config)
    named = f"{cfg.model}" + (f" with tickets {cfg.tickets}" if cfg.tickets is not None else "")
    problems = [problem for lang in languages if told and (problem := language_problem(model.config, lang, named))]
    if problems:
        raise MticketsError(f"{problems[0]}; every language with shards ({', '.join(languages)}) needs one")
    model.to(device)
    model.tie_weights()  # moving to an XLA device makes new parameters, which unties the MLM decoder
    model.train()
    objective = PretrainingObjective(model)
    if ranks.active:
        # The ticket bank is a constant buffer: nothing to broadcast at every forward.
        objective = torch.nn.parallel.DistributedDataParallel(
            objective, device_ids=[device] if device.type == "cuda" else None, broadcast_buffers=False,
            gradient_as_bucket_view=device.type == "xla",  # torch_xla's advice for DDP
        )
    return PretrainRun(
        cfg=cfg, ranks=ranks, datasets=datasets, streams={key: _stable_id(*key) for key in datasets},
        languages=languages, tokens=tokens, probabilities=probabilities, plan=plan,
        seq_lengths=lengths, max_predictions=caps, model=model, objective=objective,
        device=device, precision=resolve_precision(cfg.precision, device),
        ticketed=model.bert.tickets is not None, told=told,
        heldout={key: open_shards(data.path, heldout=True) for key, data in datasets.items()} if cfg.eval_every else {},
    )


def check_model_fits_data(config, cfg: PretrainConfig, datasets: Mapping[tuple[str, int], ShardDirectory],
                          longest: int) -> None:
    """The shards and the model must come from one tokenizer, and the model must reach the longest length."""
    model_specials = SpecialTokens.from_config(config, f"--model {cfg.model}")
    for data in datasets.values():
        if data.vocab_size != config.vocab_size:
            raise MticketsError(
                f"{data.path}: shards were made with a {data.vocab_size}-token vocabulary, the model "
                f"{cfg.model} has vocab_size {config.vocab_size}; rebuild one of them with the same tokenizer"
            )
        check_agree(data.special_tokens, f"shards {data.path}", model_specials, f"model {cfg.model}")
    if longest > config.max_position_embeddings:
        raise MticketsError(
            f"--seq-schedule length {longest} exceeds the model's max_position_embeddings "
            f"{config.max_position_embeddings} ({cfg.model})"
        )


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
        optimizer = torch.optim.AdamW(
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


def evaluate_heldout(run: PretrainRun, step: int, length: int) -> list[dict]:
    """MLM loss and accuracy of every language's held-out examples at ``length``, each through its
    own ticket, without dropout; the masking is seeded per language, the same at every evaluation."""
    cfg, model = run.cfg, run.model
    objective = PretrainingObjective(model)
    model.eval()
    rows = []
    with torch.no_grad():
        for lang in run.languages:
            data = run.heldout[(lang, length)]
            generator = torch.Generator().manual_seed(step_seed(cfg.seed, _stable_id(lang, length), 2))
            loss = correct = masked = 0.0
            for start in range(0, len(data), cfg.batch_size):
                batch = masked_batch(data, range(start, min(start + cfg.batch_size, len(data))),
                                     mlm_probability=cfg.mlm_probability, max_predictions=run.max_predictions[length],
                                     generator=generator)
                batch = {k: v.to(run.device) for k, v in batch.items()}
                with torch.autocast(run.device.type, dtype=torch.bfloat16, enabled=run.precision == "bf16"):
                    logits, _ = objective.masked_logits(batch, run.language_for(lang))
                labels, weights = batch["masked_labels"].flatten(), batch["masked_weights"].flatten()
                loss += float((torch.nn.functional.cross_entropy(logits, labels, reduction="none") * weights).sum())
                correct += float(((logits.argmax(dim=-1) == labels).float() * weights).sum())
                masked += float(weights.sum())
            rows.append({"step": step, "language": lang, "seq_length": length, "examples": len(data),
                         "mlm_loss": loss / max(masked, 1), "mlm_accuracy": correct / max(masked, 1)})
    model.train()
    return rows


class LogWriter:
    """Training-log rows, kept on the device until a flush: writing a row every step would make
    every step wait for the device. A flush sums the ranks' loss shares, checks for divergence
    and writes the rows (rank 0)."""

    def __init__(self, run: PretrainRun, handle, flush_rows: int = 50):
        self.run, self.handle, self.flush_rows = run, handle, flush_rows
        self.rows: list[dict] = []
        self.values: list[torch.Tensor] = []

    def add(self, row: dict, losses: torch.Tensor) -> None:
        self.rows.append(row)
        self.values.append(losses)
        if len(self.rows) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        ranks = self.run.ranks
        values = (ranks.sum(torch.stack(self.values)) / ranks.world_size).cpu().tolist()
        for row, (loss, mlm_loss, nsp_loss) in zip(self.rows, values):
            if not math.isfinite(loss):
                raise MticketsError(
                    f"pretraining diverged at step {row['step']} (language {row['language']}): loss {loss}; "
                    f"lower --learning-rate or raise --warmup-steps"
                )
            row.update(loss=loss, mlm_loss=mlm_loss, nsp_loss=nsp_loss)
        if self.handle is not None:
            append_text(self.handle, "".join(json.dumps(row) + "\n" for row in self.rows))
        self.rows, self.values = [], []


class InterferenceRecorder:
    """Rank 0's interference tracking: the tracker fed after every step, its uc (and gc) rows written
    as ``{uc,gc}-{step}.parquet`` parts beside the checkpoints, and collected at the end."""

    def __init__(self, run: PretrainRun, tracker: InterferenceTracker, directory: Path):
        settings = tracker.settings
        missing = sorted(set(settings.languages) - set(run.languages))
        if missing:
            raise MticketsError(f"interference.languages {', '.join(missing)}: not pretraining languages "
                                f"({', '.join(run.languages)})")
        self.run, self.tracker, self.directory = run, tracker, directory
        self.probes = probe_batches(run, settings) if settings.gc_every else {}
        directory.mkdir(parents=True, exist_ok=True)

    def probe_loss(self, language: str) -> torch.Tensor:
        batch = self.probes[language]
        mlm, nsp = PretrainingObjective(self.run.model)(batch, self.run.language_for(language))
        return mlm / batch["masked_count"].clamp(min=1) + nsp / batch["input_ids"].shape[0]

    def after_step(self, step: int, languages: list[str]) -> None:
        settings = self.tracker.settings
        last = min(settings.until or self.run.cfg.steps, self.run.cfg.steps)
        if step > last:
            return
        self.tracker.after_step(languages)
        if step % settings.uc_every == 0 or step == last:
            self._write("uc", step, self.tracker.uc_rows(step))
        if settings.gc_every and (step % settings.gc_every == 0 or step == last):
            self._write("gc", step, self.tracker.gc_rows(step, self.probe_loss))

    def _write(self, kind: str, step: int, frame) -> None:
        with atomic_path(self.directory / f"{kind}-{step:09d}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)

    def parts(self, kind: str) -> list[tuple[int, Path]]:
        return sorted((int(path.stem.split("-")[1]), path) for path in self.directory.glob(f"{kind}-*.parquet"))

    def truncate(self, step: int) -> None:
        """Drop the parts written after the checkpoint being resumed (they are written again)."""
        for kind in ("uc", "gc"):
            for part_step, path in self.parts(kind):
                if part_step > step:
                    path.unlink()

    def collect(self, out: Path) -> dict:
        """``uc.parquet`` and ``gc.parquet`` (empty frames when not tracked) into ``out``; their row counts."""
        import pandas as pd

        counts = {}
        with atomic_dir(out) as tmp:
            for kind in ("uc", "gc"):
                frames = [pd.read_parquet(path) for _, path in self.parts(kind)]
                frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
                    {"step": [], "layer": [], "lang_i": [], "lang_j": [], "value": [], "method": []})
                frame.to_parquet(tmp / f"{kind}.parquet", index=False)
                counts[kind] = len(frame)
        return counts


def probe_batches(run: PretrainRun, settings: InterferenceSettings) -> dict[str, dict[str, torch.Tensor]]:
    """gc's fixed batch per language: its first ``probe_examples`` held-out examples (training
    examples if the shards hold none out) at the first length, masked with a seed of its own."""
    from mtickets.formats.shards import HELDOUT

    length, probes = run.seq_lengths[0], {}
    for lang in settings.languages:
        data = run.datasets[(lang, length)]
        if HELDOUT in data.manifest:
            data = open_shards(data.path, heldout=True)
        generator = torch.Generator().manual_seed(step_seed(run.cfg.seed, _stable_id("probe", lang), 3))
        batch = masked_batch(data, range(min(settings.probe_examples, len(data))),
                             mlm_probability=run.cfg.mlm_probability, max_predictions=run.max_predictions[length],
                             generator=generator)
        probes[lang] = {k: v.to(run.device) for k, v in batch.items()}
    return probes


def train_steps(run: PretrainRun, state: TrainingState, stop: int, log_handle, eval_handle, checkpoint,
                interference: InterferenceRecorder | None = None) -> None:
    """Steps ``state.step + 1 .. stop``: one language's batch per step (or per rank), a log row
    every ``log_every`` steps, held-out rows every ``eval_every`` steps, ``checkpoint()`` every
    ``checkpoint_every`` steps and at ``stop``. Batches come from a loader thread."""
    cfg, model, ranks = run.cfg, state.model, run.ranks
    parameters = [p for p in model.parameters() if p.requires_grad]
    logs = LogWriter(run, log_handle)
    confined: dict[str, list] = {}  # owned_slices per language: built once (nonzero syncs)
    loader = BatchLoader(
        run.plan, run.datasets, seed=cfg.seed, streams=run.streams, mlm_probability=cfg.mlm_probability,
        max_predictions=run.max_predictions, first=state.step + 1, last=stop, rank=ranks.rank,
        world_size=ranks.world_size, pin_memory=run.device.type == "cuda",
    )
    bar = progress(range(state.step, stop), initial=state.step, total=cfg.steps, desc="pretrain") if ranks.main \
        else None
    try:
        for step, draw, batch in loader:
            torch.manual_seed(step_seed(cfg.seed, step, 1 + 2 * ranks.rank))  # dropout
            batch = {k: v.to(run.device, non_blocking=True) for k, v in batch.items()}
            lr = state.scheduler.get_last_lr()[0]
            state.optimizer.zero_grad(set_to_none=True)
            losses = accumulate_gradients(run, batch, run.language_for(draw.language))
            torch.nn.utils.clip_grad_norm_(parameters, cfg.max_grad_norm)
            step_languages = run.plan.step_languages(step)
            if cfg.ticket_update == "ticket" and run.ticketed:
                if len(set(step_languages)) == 1:
                    if step_languages[0] not in confined:
                        confined[step_languages[0]] = owned_slices(model, step_languages[:1])
                    slices = confined[step_languages[0]]
                else:  # a union of ranks' tickets: too many combinations to keep
                    slices = owned_slices(model, step_languages)
                with confined_to(state.optimizer, slices):
                    state.optimizer.step()
            else:
                state.optimizer.step()
            state.scheduler.step()
            state.step = step
            if interference is not None:
                interference.after_step(step, step_languages)
            step_boundary(run.device)
            if step % cfg.log_every == 0 or step == cfg.steps:
                language = step_languages[0] if run.plan.groups == 1 else step_languages
                logs.add({"step": step, "language": language, "seq_length": draw.seq_length, "lr": lr}, losses)
            if bar is not None:
                bar.update()
            if cfg.eval_every and (step % cfg.eval_every == 0 or step == cfg.steps):
                logs.flush()
                if ranks.main:
                    append_text(eval_handle, "".join(json.dumps(row) + "\n"
                                                     for length in run.seq_lengths
                                                     for row in evaluate_heldout(run, step, length)))
            if step % cfg.checkpoint_every == 0 or step == cfg.steps or step == stop:
                logs.flush()
                if ranks.main:
                    checkpoint()
    finally:
        loader.close()
        if bar is not None:
            bar.close()


def accumulate_gradients(run: PretrainRun, batch: dict[str, torch.Tensor], language: str | None) -> torch.Tensor:
    """Backward of this rank's share of the step's loss in micro-batches of ``micro_batch_size``
    rows; returns its ``[loss, mlm_loss, nsp_loss]`` share, detached.

    The loss of a step is the mean over its draws (one, or one per rank with
    ``language_per: rank``) of each draw's MLM mean over its masked positions plus its NSP
    mean over rows. Each micro-batch's sums are scaled by those denominators and by the
    number of processes, because DistributedDataParallel averages the ranks' gradients:
    the gradients then add up to the whole step's, however the rows are split among
    processes and micro-batches. The ranks' shares of the returned losses sum to
    ``world_size`` × the step's loss.
    """
    cfg, objective, world = run.cfg, run.objective, run.ranks.world_size
    rows = batch["input_ids"].shape[0]
    micro = min(cfg.micro_batch_size or rows, rows)
    mlm_scale = world / run.plan.groups / batch["masked_count"].clamp(min=1)
    nsp_scale = world / cfg.batch_size
    starts = range(0, rows, micro)
    total = torch.zeros(3, device=run.device)
    for start in starts:
        part = {name: tensor[start : start + micro] for name, tensor in batch.items() if tensor.dim()}
        last = start == starts[-1]
        # Gradients are averaged across ranks once per step, after the last micro-batch.
        with objective.no_sync() if run.ranks.active and not last else contextlib.nullcontext():
            # bf16 autocast: the matrix products in bf16, the weights and AdamW's state in fp32.
            with torch.autocast(run.device.type, dtype=torch.bfloat16, enabled=run.precision == "bf16"):
                mlm_sum, nsp_sum = objective(part, language)
            mlm, nsp = mlm_sum * mlm_scale, nsp_sum * nsp_scale
            (mlm + nsp).backward()
        total += torch.stack([mlm + nsp, mlm, nsp]).detach()
    return total


def summarise(run: PretrainRun, rows: list[dict], resumed_from: int, seconds: float) -> dict:
    """``pretrain.json``: the schedule as drawn, the settings and the final losses."""
    cfg = run.cfg
    tail = rows[-max(1, len(rows) // 100) :]
    draws = np.bincount(run.plan.languages.ravel(), minlength=len(run.languages))
    return {
        "steps": cfg.steps,
        "languages": run.languages,
        "ticketed": run.ticketed,
        "tickets": str(cfg.tickets) if cfg.tickets else None,
        "language_embedding": bool(run.model.config.language_embedding),
        "sampling_probabilities": run.probabilities,
        "corpus_tokens": run.tokens,
        "steps_per_language": {lang: int(n) for lang, n in zip(run.languages, draws)},
        "steps_per_seq_length": {str(length): int((run.plan.lengths == length).sum()) for length in run.seq_lengths},
        "final_loss": rows[-1]["loss"] if rows else None,
        "final_loss_mean_last_1pct": float(np.mean([r["loss"] for r in tail])) if rows else None,
        "batch_size": cfg.batch_size,
        "micro_batch_size": cfg.micro_batch_size or cfg.batch_size,
        "processes": run.ranks.world_size,
        "language_per": cfg.language_per,
        "learning_rate": cfg.learning_rate,
        "seed": cfg.seed,
        "device": str(run.device),
        "precision": run.precision,
        "ticket_update": cfg.ticket_update,
        "seconds_this_run": round(seconds, 3),
        "resumed_from_step": resumed_from,
    }


def pretrain(cfg: PretrainConfig) -> dict:
    """Run (or resume) pretraining, in one process or as one of torchrun's ranks; rank 0 writes the
    final model into ``cfg.out``. Returns the summary (on rank 0; ``{}`` on the others)."""
    ranks = launched_ranks()
    device = rank_device(resolve_device(cfg.device), ranks)
    with process_group(device) as ranks, one_writer(Path(cfg.checkpoint_dir), ranks):
        return _pretrain(cfg, ranks, device)


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


def _pretrain(cfg: PretrainConfig, ranks: Ranks, device: torch.device) -> dict:
    run = build_run(cfg, ranks, device)
    state = TrainingState.fresh(run.model, cfg)
    if cfg.interference is not None and not cfg.interference.languages:  # all of them
        cfg = dataclasses.replace(cfg, interference=dataclasses.replace(cfg.interference, languages=run.languages))
    interference = None
    if cfg.interference is not None and ranks.main:
        state.tracker = InterferenceTracker(run.model, cfg.interference, run.device)
        interference = InterferenceRecorder(run, state.tracker, Path(cfg.checkpoint_dir) / INTERFERENCE_DIR)
    fingerprint = cfg.fingerprint(run.datasets, run.precision, run.plan.groups)
    ckpt_dir = Path(cfg.checkpoint_dir)
    log_path, eval_path = ckpt_dir / LOG_NAME, ckpt_dir / EVAL_LOG_NAME
    # Rank 0 decides what to resume (it may remove stale files); the others load the same file.
    resumed = None
    if ranks.main:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        resumed = resumable_checkpoint(ckpt_dir, fingerprint)
    resumed_path = ranks.broadcast(str(resumed[0]) if resumed else None)
    if resumed_path is not None:
        saved = resumed[1] if resumed else torch.load(resumed_path, map_location="cpu", weights_only=True)
        state.restore(saved)
        del saved, resumed
        if ranks.main:
            log.info("resuming from %s (step %d of %d)", resumed_path, state.step, cfg.steps)
            for path in (log_path, eval_path):
                _truncate_log(path, state.step)
    elif ranks.main:
        for path in (log_path, eval_path):
            path.unlink(missing_ok=True)
    if interference is not None:
        interference.truncate(state.step)
    resumed_from = state.step

    def checkpoint() -> None:
        state.save(checkpoint_path(ckpt_dir, state.step), fingerprint)
        for _, old in list_checkpoints(ckpt_dir)[: -max(1, cfg.keep_checkpoints)]:
            old.unlink(missing_ok=True)

    stop = cfg.steps if cfg.stop_after is None else min(cfg.steps, cfg.stop_after)
    started = time.time()
    with contextlib.ExitStack() as files:
        log_handle = eval_handle = None
        if ranks.main:
            log_handle = files.enter_context(open(log_path, "a", encoding="utf-8"))
            eval_handle = files.enter_context(open(eval_path, "a", encoding="utf-8"))
        train_steps(run, state, stop, log_handle, eval_handle, checkpoint, interference)
    ranks.barrier()  # every rank has finished its last step before rank 0 publishes
    if not ranks.main:
        return {}
    if stop < cfg.steps:
        log.info("stopped at step %d of %d (checkpoint in %s)", stop, cfg.steps, ckpt_dir)
        return {"stopped_at": stop}

    summary = summarise(run, read_log(log_path), resumed_from, time.time() - started)
    evaluations = read_log(eval_path)
    # Every scheduled length is evaluated (curves stay comparable across the schedule's switch).
    summary["heldout"] = {lang: {str(row["seq_length"]): row for row in evaluations
                                 if row["step"] == cfg.steps and row["language"] == lang} for lang in run.languages
                          } if cfg.eval_every else {}
    if interference is not None:
        summary["interference"] = {**vars(cfg.interference), "rows": interference.collect(cfg.interference_out)}
    with atomic_dir(cfg.out) as tmp:
        model = run.model.cpu()  # from any device (XLA tensors have no storage to save)
        model.tie_weights()
        model.save_pretrained(str(tmp))
        copy_tokenizer_files(cfg.model, tmp)
        shutil.copyfile(log_path, tmp / LOG_NAME)
        if cfg.eval_every:
            shutil.copyfile(eval_path, tmp / EVAL_LOG_NAME)
        write_json(tmp / "pretrain.json", summary)
    log.info("pretrained %d steps; final loss %.4f -> %s", cfg.steps, summary["final_loss"] or float("nan"), cfg.out)
    return summary


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


def _truncate_log(path: Path, step: int) -> None:
    """Drop log rows written after the checkpoint we resume from."""
    if not path.exists():
        return
    kept = [row for row in read_log(path) if row["step"] <= step]
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(row) + "\n" for row in kept), encoding="utf-8")


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=Path, help="initial model (save_pretrained dir)")
    parser.add_argument("--tickets", type=Path, help="merged ticket bank (tickets.safetensors); omit for dense")
    parser.add_argument("--shards", required=True, nargs="+", type=Path, help="shard directories")
    parser.add_argument("--steps", required=True, type=int)
    parser.add_argument("--batch-size", required=True, type=int)
    parser.add_argument("--micro-batch-size", type=int,
                        help="rows per forward/backward pass, gradients accumulated over the batch "
                             "(default: the whole batch at once)")
    parser.add_argument("--learning-rate", required=True, type=float)
    parser.add_argument("--warmup-steps", type=int, default=0)
    parser.add_argument("--seq-schedule", default="128:1.0", help="LENGTH:FRACTION,... e.g. 128:0.9,512:0.1")
    parser.add_argument("--smoothing", type=float, default=0.7, help="language sampling ∝ tokens^smoothing")
    parser.add_argument("--mlm-probability", type=float, default=0.15)
    parser.add_argument("--max-predictions", default="20", help="masked positions per sequence, one per length")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-dir", required=True, type=Path)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--keep-checkpoints", type=int, default=2, help="how many recent checkpoints to keep")
    parser.add_argument("--log-every", type=int, default=1, help="write a training_log.jsonl row every N steps")
    parser.add_argument("--eval-every", type=int, default=0,
                        help="every N steps and at the end, MLM loss and accuracy of each language's held-out "
                             "examples (the shards' --heldout) in eval_log.jsonl (default 0: never)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    add_device_argument(parser)
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="bf16 autocast with fp32 weights and optimizer state, or fp32; auto: bf16 on a GPU "
                             "that supports it, else fp32")
    parser.add_argument("--ticket-update", choices=TICKET_UPDATES, default="all",
                        help="all: AdamW moves every weight every step (the authors' code); ticket: a step "
                             "updates only its language's ticket")
    parser.add_argument("--language-per", choices=LANGUAGE_PER, default="step",
                        help="under torchrun: step: every rank reads its slice of one language's batch (the "
                             "paper's text); rank: each rank its own language through its own ticket (the "
                             "authors' TPU setup)")
    parser.add_argument("--out", required=True, type=Path)
    group = parser.add_argument_group("interference (uc every step, gc on probe batches; mtickets.training.interference)")
    group.add_argument("--interference-out", type=Path,
                       help="track interference and write uc.parquet and gc.parquet into this directory")
    group.add_argument("--track-languages", nargs="+", default=[], help="default: every pretraining language")
    group.add_argument("--sketch-dim", type=int, default=1024, help="count-sketch buckets per layer")
    group.add_argument("--exact-layers", nargs="*", default=[], help="layers also tracked exactly: embeddings, layer.K")
    group.add_argument("--exact-languages", nargs="*", default=[], help="languages tracked exactly in those layers")
    group.add_argument("--uc-every", type=int, default=10, help="write uc every N steps (it accumulates every step)")
    group.add_argument("--gc-every", type=int, default=0, help="gc on each language's probe batch every N steps")
    group.add_argument("--probe-examples", type=int, default=32, help="examples in a language's probe batch")
    group.add_argument("--track-until", type=int, default=0, help="track steps 1..N only (default 0: all)")


def main(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    interference = None
    if args.interference_out is not None:
        if min(args.sketch_dim, args.uc_every, args.probe_examples) <= 0 or args.gc_every < 0:
            raise MticketsError("--sketch-dim, --uc-every and --probe-examples must be positive, --gc-every >= 0")
        interference = InterferenceSettings(
            languages=list(args.track_languages), sketch_dim=args.sketch_dim, exact_layers=list(args.exact_layers),
            exact_languages=list(args.exact_languages), uc_every=args.uc_every, gc_every=args.gc_every,
            probe_examples=args.probe_examples, until=max(0, args.track_until), seed=args.seed,
        )
    pretrain(
        PretrainConfig(
            model=args.model, tickets=args.tickets, shards=list(args.shards), out=args.out,
            checkpoint_dir=args.checkpoint_dir, steps=args.steps, batch_size=args.batch_size,
            micro_batch_size=args.micro_batch_size,
            learning_rate=args.learning_rate, warmup_steps=args.warmup_steps, seq_schedule=args.seq_schedule,
            smoothing=args.smoothing, mlm_probability=args.mlm_probability,
            max_predictions=args.max_predictions, seed=args.seed, checkpoint_every=args.checkpoint_every,
            keep_checkpoints=args.keep_checkpoints, device=args.device, precision=args.precision,
            ticket_update=args.ticket_update, language_per=args.language_per, log_every=max(1, args.log_every),
            eval_every=max(0, args.eval_every), interference=interference, interference_out=args.interference_out,
        )
    )
