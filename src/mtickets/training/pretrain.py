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
As it runs, rank 0 also sends the metrics to ``--loggers`` (``mtickets.trackers``, in
``--tracking-dir``; ``training.monitoring`` says what and when) and writes a progress line
of step, loss, learning rate, tokens/s, MFU and ETA to the log once a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from mtickets.device import device_name, peak_flops, resolve_device, step_boundary
from mtickets.errors import MticketsError
from mtickets.formats.atomic import append_text, atomic_dir, write_json
from mtickets.formats.model_files import copy_tokenizer_files
from mtickets.progress import progress
from mtickets.options import add_options, flags, from_arguments
from mtickets.training.batches import BatchLoader, step_seed
from mtickets.training.checkpoints import (
    EVAL_LOG_NAME, INTERFERENCE_DIR, LOG_NAME, TrainingState, checkpoint_path, list_checkpoints, one_writer, read_log,
    resumable_checkpoint, truncate_log,
)
from mtickets.training.distributed import Ranks, launched_ranks, process_group, rank_device
from mtickets.training.interference import InterferenceTracker
from mtickets.trackers import Trackers, check_trackers, clear_event_files
from mtickets.training.monitoring import InterferenceRecorder, LogWriter, Throughput, evaluate_heldout
from mtickets.training.run import PretrainRun, build_run
from mtickets.training.settings import InterferenceSettings, PretrainConfig
from mtickets.training.ticket_update import confined_to, owned_slices

log = logging.getLogger(__name__)


PROGRESS_LINE = "{desc}: step {n_fmt}/{total_fmt} ({percentage:.0f}%){postfix}, elapsed {elapsed}, ETA {remaining}"


def train_steps(run: PretrainRun, state: TrainingState, stop: int, log_handle, eval_handle, checkpoint,
                interference: InterferenceRecorder | None = None, trackers: Trackers | None = None) -> None:
    """Steps ``state.step + 1 .. stop``: one language's batch per step (or per rank), a log row
    every ``log_every`` steps, held-out rows every ``eval_every`` steps, ``checkpoint()`` every
    ``checkpoint_every`` steps and at ``stop``. Batches come from a loader thread."""
    cfg, model, ranks = run.cfg, state.model, run.ranks
    parameters = [p for p in model.parameters() if p.requires_grad]
    confined: dict[str, list] = {}  # owned_slices per language: built once (nonzero syncs)
    loader = BatchLoader(
        run.plan, run.datasets, seed=cfg.seed, streams=run.streams, mlm_probability=cfg.mlm_probability,
        max_predictions=run.max_predictions, first=state.step + 1, last=stop, rank=ranks.rank,
        world_size=ranks.world_size, pin_memory=run.device.type == "cuda",
    )
    bar = progress(range(state.step, stop), initial=state.step, total=cfg.steps, desc="pretrain",
                   line=PROGRESS_LINE) if ranks.main else None
    logs = LogWriter(run, log_handle, state.step, trackers, bar, Throughput(run, peak_flops_of(run)))
    record = logs.record if trackers is not None else None
    try:
        for step, draw, batch in loader:
            torch.manual_seed(step_seed(cfg.seed, step, 1 + 2 * ranks.rank))  # dropout
            batch = {k: v.to(run.device, non_blocking=True) for k, v in batch.items()}
            lr = state.scheduler.get_last_lr()[0]
            state.optimizer.zero_grad(set_to_none=True)
            losses = accumulate_gradients(run, batch, run.language_for(draw.language))
            grad_norm = torch.nn.utils.clip_grad_norm_(parameters, cfg.max_grad_norm)
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
                interference.after_step(step, step_languages, record)
            step_boundary(run.device)
            if step % cfg.log_every == 0 or step == cfg.steps:
                language = step_languages[0] if run.plan.groups == 1 else step_languages
                logs.add({"step": step, "language": language, "seq_length": draw.seq_length, "lr": lr},
                         torch.cat([losses, grad_norm.detach().reshape(1).to(losses)]))
            if bar is not None:
                bar.update()
            if cfg.eval_every and (step % cfg.eval_every == 0 or step == cfg.steps):
                logs.flush(step)
                with logs.paused():
                    evaluate(run, step, eval_handle, record)
            if step % cfg.checkpoint_every == 0 or step == cfg.steps or step == stop:
                logs.flush(step)
                if ranks.main:
                    with logs.paused():
                        checkpoint()
        logs.flush()  # what was recorded after the last rows (the last evaluation)
    finally:
        loader.close()
        if bar is not None:
            bar.close()


def evaluate(run: PretrainRun, step: int, eval_handle, record) -> None:
    """Held-out rows of every language at every scheduled length (rank 0): into eval_log.jsonl, and their
    loss and accuracy to ``record`` (the trackers)."""
    if not run.ranks.main:
        return
    rows = [row for length in run.seq_lengths for row in evaluate_heldout(run, step, length)]
    append_text(eval_handle, "".join(json.dumps(row) + "\n" for row in rows))
    if record is not None:
        record(step, {f"heldout_{name}/{row['language']}/seq{row['seq_length']}": row[f"mlm_{name}"]
                      for row in rows for name in ("loss", "accuracy")})


def peak_flops_of(run: PretrainRun) -> float | None:
    """All the processes' devices' peak FLOP/s: ``--peak-tflops`` or the GPU's (none on a CPU)."""
    peak = run.cfg.peak_tflops * 1e12 if run.cfg.peak_tflops else peak_flops(run.device, run.precision)
    if peak is None and run.device.type != "cpu" and run.ranks.main:
        log.warning("no MFU: the peak FLOP/s of %s at %s is not in mtickets.device.PEAK_TFLOPS; set "
                    "--peak-tflops (pretrain.peak_tflops)", device_name(run.device), run.precision)
    return peak * run.ranks.world_size if peak else None


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


def tracking_dir(cfg: PretrainConfig) -> Path:
    return Path(cfg.tracking_dir) if cfg.tracking_dir is not None else Path(cfg.checkpoint_dir) / "tensorboard"


def open_trackers(cfg: PretrainConfig, resumed_step: int, files: contextlib.ExitStack) -> Trackers | None:
    """Rank 0's trackers (closed with ``files``), named after the run's directory; None with no loggers."""
    if not cfg.loggers:
        return None
    settings = {f.name: str(value) if isinstance(value := getattr(cfg, f.name), Path) else value
                for f in flags(PretrainConfig)}
    trackers = Trackers(cfg.loggers, tracking_dir(cfg), f"pretrain/{Path(cfg.out).absolute().parent.name}",
                        settings, resume_step=resumed_step)
    files.callback(trackers.close)
    return trackers


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
        "compile": cfg.compile,
        # Forward + backward, padding included: what MFU divides by the time (monitoring.Throughput).
        "model_flops_per_token": Throughput(run, None).per_token(),
        "seconds_this_run": round(seconds, 3),
        # This process's device (rank 0's on several); None off a GPU.
        "peak_device_memory_gib": (torch.cuda.max_memory_allocated(run.device) / 2**30
                                   if run.device.type == "cuda" else None),
        "resumed_from_step": resumed_from,
    }


def pretrain(cfg: PretrainConfig) -> dict:
    """Run (or resume) pretraining, in one process or as one of torchrun's ranks; rank 0 writes the
    final model into ``cfg.out``. Returns the summary (on rank 0; ``{}`` on the others)."""
    ranks = launched_ranks()
    device = rank_device(resolve_device(cfg.device), ranks)
    with process_group(device) as ranks, one_writer(Path(cfg.checkpoint_dir), ranks):
        return _pretrain(cfg, ranks, device)


def _pretrain(cfg: PretrainConfig, ranks: Ranks, device: torch.device) -> dict:
    check_trackers(cfg.loggers, "--loggers (pretrain.loggers)")
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
                truncate_log(path, state.step)
    elif ranks.main:
        for path in (log_path, eval_path):
            path.unlink(missing_ok=True)
        clear_event_files(tracking_dir(cfg))
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
        trackers = open_trackers(cfg, state.step, files) if ranks.main else None
        train_steps(run, state, stop, log_handle, eval_handle, checkpoint, interference, trackers)
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


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, PretrainConfig)
    group = parser.add_argument_group("interference (uc every step, gc on probe batches; mtickets.training.interference)")
    group.add_argument("--interference-out", type=Path,
                       help="track interference and write uc.parquet and gc.parquet into this directory")
    add_options(group, InterferenceSettings)


def main(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    interference = None
    if args.interference_out is not None:
        if min(args.sketch_dim, args.uc_every, args.probe_examples) <= 0 or args.gc_every < 0:
            raise MticketsError("--sketch-dim, --uc-every and --probe-examples must be positive, --gc-every >= 0")
        interference = from_arguments(InterferenceSettings, args, until=max(0, args.until), seed=args.seed)
    pretrain(from_arguments(PretrainConfig, args, log_every=max(1, args.log_every),
                            eval_every=max(0, args.eval_every), interference=interference,
                            interference_out=args.interference_out))
