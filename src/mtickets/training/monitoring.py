"""What a pretraining run measures as it goes: the training log, the held-out loss and interference.

``LogWriter`` writes the training log's rows in batches (a row a step would make every step
wait for the device); ``evaluate_heldout`` measures each language's held-out MLM loss and
accuracy; ``InterferenceRecorder`` feeds the interference tracker (``training.interference``)
after every step and writes its rows beside the checkpoints.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

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
        generator = torch.Generator().manual_seed(step_seed(run.cfg.seed, stable_id("probe", lang), 3))
        batch = masked_batch(data, range(min(settings.probe_examples, len(data))),
                             mlm_probability=run.cfg.mlm_probability, max_predictions=run.max_predictions[length],
                             generator=generator)
        probes[lang] = {k: v.to(run.device) for k, v in batch.items()}
    return probes
