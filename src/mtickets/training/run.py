"""What a pretraining run is made of: its settings, checked, and the data, schedule and model they give.

``PretrainConfig`` holds the settings (and their fingerprint, which a checkpoint must match
to be resumed); ``build_run`` checks them against the shard manifests and the model and
returns the ``PretrainRun`` that training steps through. ``PretrainingObjective`` is the loss
the model trains on: MLM plus NSP.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mtickets.device import enable_tf32, resolve_device, resolve_precision
from mtickets.errors import MticketsError
from mtickets.formats.shards import ShardDirectory, open_shards
from mtickets.formats.special_tokens import SpecialTokens, check_agree
from mtickets.formats.tensors import load_ticket_bank
from mtickets.training.batches import StepPlan
from mtickets.training.distributed import Ranks
from mtickets.training.settings import LANGUAGE_PER, PRECISIONS, TICKET_UPDATES, PretrainConfig
from mtickets.training.schedule import (
    parse_max_predictions, parse_seq_schedule, sample_languages, sampling_probabilities, seq_lengths_for_steps,
    stable_id,
)

log = logging.getLogger(__name__)



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
    if cfg.compile:
        objective = compiled(objective, graphs=len(languages) * len(lengths))
    return PretrainRun(
        cfg=cfg, ranks=ranks, datasets=datasets, streams={key: stable_id(*key) for key in datasets},
        languages=languages, tokens=tokens, probabilities=probabilities, plan=plan,
        seq_lengths=lengths, max_predictions=caps, model=model, objective=objective,
        device=device, precision=resolve_precision(cfg.precision, device),
        ticketed=model.bert.tickets is not None, told=told,
        heldout={key: open_shards(data.path, heldout=True) for key, data in datasets.items()} if cfg.eval_every else {},
    )


def compiled(objective: torch.nn.Module, graphs: int) -> torch.nn.Module:
    """The loss module through ``torch.compile`` (its backward too, by AOTAutograd). A ticket model's
    ``language=`` is a constant of the graph, so a run compiles one graph per language and length it
    trains: dynamo's recompile limit is raised to that many, past which it would fall back to eager."""
    import torch._dynamo

    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, graphs)
    torch._dynamo.config.accumulated_recompile_limit = max(torch._dynamo.config.accumulated_recompile_limit,
                                                           2 * graphs)
    return torch.compile(objective)


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
