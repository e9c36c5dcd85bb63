"""What a pretraining run measures as it goes: the training log, throughput, the held-out loss and interference.

``LogWriter`` writes the training log's rows in batches (a row a step would make every step
wait for the device), and at the same flushes sends them, with the throughput of the steps
since the last flush (``Throughput``) and the evaluation and interference figures recorded
meanwhile, to the experiment trackers (``mtickets.trackers``) and the progress line;
``evaluate_heldout`` measures each language's held-out MLM loss and accuracy;
``InterferenceRecorder`` feeds the interference tracker (``training.interference``) after
every step and writes its rows beside the checkpoints.

Throughput is measured over the wall time between two flushes (each waits for the device,
so on a GPU the time is the device's), less the time spent evaluating and checkpointing:
tokens/s counts the sequences' positions (padding included, as the model computes them);
MFU divides the model FLOPs of those steps (``Throughput``) by that time and by the
devices' peak FLOP/s.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from mtickets.errors import MticketsError
from mtickets.formats.atomic import append_text, atomic_dir, atomic_path
from mtickets.formats.shards import open_shards
from mtickets.training.batches import masked_batch, step_seed
from mtickets.training.interference import InterferenceTracker
from mtickets.training.run import PretrainingObjective, PretrainRun
from mtickets.training.schedule import stable_id
from mtickets.training.settings import InterferenceSettings


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
            generator = torch.Generator().manual_seed(step_seed(cfg.seed, stable_id(lang, length), 2))
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


class Throughput:
    """Tokens, sequences and model FLOPs of steps ``first .. last``, from the schedule: the language(s)
    and length each step ran. A sequence of language l at length T costs 3 forward passes
    (``accounting.pretraining_flops``: the encoder through l's ticket's kept units, the MLM head
    at the length's masked positions, pooler and NSP); ``peak`` is the FLOP/s of all the
    processes' devices together (None: no MFU)."""

    def __init__(self, run: PretrainRun, peak: float | None):
        from mtickets.modeling.accounting import pretraining_flops, ticket_row

        config, plan = run.model.config, run.plan
        self.plan, self.batch_size, self.peak = plan, run.cfg.batch_size, peak
        self.length_index = {length: k for k, length in enumerate(run.seq_lengths)}
        self.flops = np.array([[3 * pretraining_flops(config, length, run.max_predictions[length],
                                                      ticket_row(run.model, lang) if run.ticketed else None)
                                for length in run.seq_lengths] for lang in plan.names], dtype=np.float64)

    def window(self, first: int, last: int) -> tuple[int, int, float]:
        """``(positions, sequences, FLOPs)`` of steps ``first .. last`` (1-based, inclusive)."""
        languages, lengths = self.plan.languages[first - 1 : last], self.plan.lengths[first - 1 : last]
        columns = np.array([self.length_index[int(length)] for length in lengths], dtype=np.int64)
        flops = self.plan.rows * float(self.flops[languages, columns[:, None]].sum())
        return int(lengths.sum()) * self.batch_size, (last - first + 1) * self.batch_size, flops

    def per_token(self) -> float:
        """Model FLOPs per position over the whole schedule: the trained tickets weighted by their draws."""
        positions, _, flops = self.window(1, len(self.plan.lengths))
        return flops / positions


class LogWriter:
    """Training-log rows, kept on the device until a flush: writing a row every step would make
    every step wait for the device. A flush (every ``flush_rows`` rows or ``flush_seconds``,
    whichever comes first) sums the ranks' loss shares, checks for divergence and writes the
    rows (rank 0), and sends them, the throughput since the last flush and the figures
    ``record``ed meanwhile to the trackers and the progress line."""

    def __init__(self, run: PretrainRun, handle, first_step: int = 0, trackers=None, bar=None,
                 throughput: Throughput | None = None, flush_rows: int = 50, flush_seconds: float = 60.0):
        self.run, self.handle, self.flush_rows, self.flush_seconds = run, handle, flush_rows, flush_seconds
        self.trackers, self.bar, self.throughput = trackers, bar, throughput
        self.rows: list[dict] = []
        self.values: list[torch.Tensor] = []
        self.recorded: list[tuple[int, dict]] = []  # (step, scalars) of evaluations and interference
        self.window_step, self.window_start, self.paused_s = first_step, time.perf_counter(), 0.0
        self.speed: list[str] = []  # the progress line's last throughput words

    def add(self, row: dict, values: torch.Tensor) -> None:
        """``values``: ``[loss, mlm_loss, nsp_loss, grad_norm]`` on the device (this rank's loss shares)."""
        self.rows.append(row)
        self.values.append(values)
        if len(self.rows) >= self.flush_rows or time.perf_counter() - self.window_start >= self.flush_seconds:
            self.flush(row["step"])

    def record(self, step: int, scalars: dict[str, float]) -> None:
        """Host-side figures for the trackers, sent at the next flush in step order."""
        self.recorded.append((step, scalars))

    @contextlib.contextmanager
    def paused(self):
        """Time that is not training (evaluating, checkpointing) stays out of the throughput."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.paused_s += time.perf_counter() - started

    def flush(self, step: int | None = None) -> None:
        """Write what is pending; ``step``: the last step trained (for the throughput window)."""
        scalars = list(self.recorded)
        if self.rows:
            ranks = self.run.ranks
            values = (ranks.sum(torch.stack(self.values)) / ranks.world_size).cpu().tolist()
            for row, (loss, mlm_loss, nsp_loss, grad_norm) in zip(self.rows, values):
                if not math.isfinite(loss):
                    raise MticketsError(
                        f"pretraining diverged at step {row['step']} (language {row['language']}): loss {loss}; "
                        f"lower --learning-rate or raise --warmup-steps"
                    )
                row.update(loss=loss, mlm_loss=mlm_loss, nsp_loss=nsp_loss)
                scalars.append((row["step"], {"train/loss": loss, "train/mlm_loss": mlm_loss,
                                              "train/nsp_loss": nsp_loss, "train/lr": row["lr"],
                                              "train/grad_norm": grad_norm}))
            if self.handle is not None:
                append_text(self.handle, "".join(json.dumps(row) + "\n" for row in self.rows))
            # After .cpu(): the device has finished these steps.
            speed = self._throughput(self.rows[-1]["step"] if step is None else step)
            scalars += speed
            self._show(self.rows[-1], speed[0][1] if speed else None)
        self.rows, self.values, self.recorded = [], [], []
        if self.trackers is not None and scalars:
            for at, values in sorted(scalars, key=lambda item: item[0]):  # stable: a step's rows, then the rest
                self.trackers.log(values, at)
            self.trackers.flush()

    def _throughput(self, step: int) -> list[tuple[int, dict]]:
        now = time.perf_counter()
        seconds = now - self.window_start - self.paused_s
        first, self.window_step, self.window_start, self.paused_s = self.window_step + 1, step, now, 0.0
        if self.throughput is None or step < first or seconds <= 0:
            return []
        positions, sequences, flops = self.throughput.window(first, step)
        figures = {"throughput/tokens_per_s": positions / seconds, "throughput/samples_per_s": sequences / seconds}
        if self.throughput.peak:
            figures["throughput/mfu"] = flops / seconds / self.throughput.peak
        return [(step, figures)]

    def _show(self, row: dict, figures: dict | None) -> None:
        """The progress line's figures: the last row's loss and learning rate, the last window's speed."""
        if self.bar is None:
            return
        if figures is not None:
            self.speed = [f"{figures['throughput/tokens_per_s']:,.0f} tokens/s"]
            if "throughput/mfu" in figures:
                self.speed.append(f"MFU {figures['throughput/mfu']:.1%}")
        words = [f"loss {row['loss']:.3f}", f"lr {row['lr']:.2e}", *self.speed]
        self.bar.set_postfix_str(", ".join(words), refresh=False)


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

    def after_step(self, step: int, languages: list[str], record=None) -> None:
        """``record(step, scalars)``: where each measurement's layer means go (``LogWriter.record``)."""
        settings = self.tracker.settings
        last = min(settings.until or self.run.cfg.steps, self.run.cfg.steps)
        if step > last:
            return
        self.tracker.after_step(languages)
        if step % settings.uc_every == 0 or step == last:
            self._write("uc", step, self.tracker.uc_rows(step), record)
        if settings.gc_every and (step % settings.gc_every == 0 or step == last):
            self._write("gc", step, self.tracker.gc_rows(step, self.probe_loss), record)

    def _write(self, kind: str, step: int, frame, record) -> None:
        with atomic_path(self.directory / f"{kind}-{step:09d}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
        if record is not None:  # each layer's mean over the language pairs, per method (sketch, exact)
            means = frame.groupby(["method", "layer"], sort=False)["value"].mean()
            record(step, {f"{kind}_{method}/{layer}": float(value) for (method, layer), value in means.items()})

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
        generator = torch.Generator().manual_seed(step_seed(run.cfg.seed, stable_id("probe", lang), 3))
        batch = masked_batch(data, range(min(settings.probe_examples, len(data))),
                             mlm_probability=run.cfg.mlm_probability, max_predictions=run.max_predictions[length],
                             generator=generator)
        probes[lang] = {k: v.to(run.device) for k, v in batch.items()}
    return probes
