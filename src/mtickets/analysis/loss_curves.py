"""Pretraining curves: training loss per variant, and held-out MLM loss per language.

Reads each variant's ``training_log.jsonl`` and, where pretraining evaluated
(``pretrain.eval_every`` with ``shards.heldout``), its ``eval_log.jsonl``. The training
loss is MLM + NSP, smoothed over a window of steps (each step is one language's batch,
so the raw curve jumps with the language); the held-out loss is MLM only, each
language through its own ticket, at the schedule's first (main) sequence length.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError

log = logging.getLogger(__name__)


def read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_length(rows: list[dict]) -> list[dict]:
    """The evaluations at the first length evaluated (the schedule's first)."""
    return [row for row in rows if row["seq_length"] == rows[0]["seq_length"]] if rows else []


def smoothed(values: np.ndarray, window: int) -> np.ndarray:
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def training_figure(runs: dict[str, Path], window: int):
    from mtickets.analysis.plotting import plt

    figure, (train, heldout) = plt.subplots(1, 2, figsize=(11, 3.8))
    for variant, directory in runs.items():
        rows = read_rows(directory / "training_log.jsonl")
        if not rows:
            raise MticketsError(f"{directory}/training_log.jsonl: missing or empty; rerun pretraining of {variant}")
        steps, loss = np.array([r["step"] for r in rows]), np.array([r["loss"] for r in rows])
        curve = smoothed(loss, window)
        train.plot(steps[len(steps) - len(curve):], curve, label=variant, linewidth=1.2)
        evaluations = first_length(read_rows(directory / "eval_log.jsonl"))
        if evaluations:
            length = evaluations[0]["seq_length"]
            by_step: dict[int, list[float]] = {}
            for row in evaluations:
                by_step.setdefault(row["step"], []).append(row["mlm_loss"])
            heldout.plot(sorted(by_step), [np.mean(by_step[s]) for s in sorted(by_step)], marker="o", markersize=3,
                         label=variant)
    train.set_xlabel("pretraining step")
    train.set_ylabel(f"training loss, MLM + NSP (mean of {window} steps)")
    train.legend(fontsize=8)
    heldout.set_xlabel("pretraining step")
    heldout.set_ylabel("held-out MLM loss, mean over languages")
    if heldout.lines:
        heldout.set_title(f"held-out examples of length {length}", fontsize=10)
    if heldout.lines:
        heldout.legend(fontsize=8)
    else:
        heldout.text(0.5, 0.5, "no held-out evaluation\n(pretrain.eval_every, shards.heldout)",
                     ha="center", va="center", transform=heldout.transAxes)
    for ax in (train, heldout):
        ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def per_language_figure(runs: dict[str, Path]):
    from mtickets.analysis.plotting import legend_right, plt

    evaluated = {variant: first_length(read_rows(directory / "eval_log.jsonl")) for variant, directory in runs.items()}
    evaluated = {variant: rows for variant, rows in evaluated.items() if rows}
    if not evaluated:
        return None
    columns = min(2, len(evaluated))
    rows_of_panels = -(-len(evaluated) // columns)
    figure, axes = plt.subplots(rows_of_panels, columns, figsize=(5.0 * columns + 1.5, 3.4 * rows_of_panels),
                                squeeze=False, sharey=True)
    for ax in axes.flat[len(evaluated):]:
        ax.axis("off")
    for ax, (variant, rows) in zip(axes.flat, evaluated.items()):
        for lang in sorted({r["language"] for r in rows}):
            mine = sorted((r["step"], r["mlm_loss"]) for r in rows if r["language"] == lang)
            ax.plot([s for s, _ in mine], [v for _, v in mine], label=lang, linewidth=1.0)
        ax.set_title(f"{variant} (length {rows[0]['seq_length']})")
        ax.set_xlabel("pretraining step")
        ax.set_ylabel("held-out MLM loss")
        ax.grid(alpha=0.3)
    return legend_right(figure, *axes[0][0].get_legend_handles_labels(), title="language")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", nargs="+", required=True, metavar="VARIANT=DIR",
                        help="each variant's pretraining output (results/pretrain/{variant}/final)")
    parser.add_argument("--window", type=int, default=20, help="steps averaged in the training curve")
    parser.add_argument("--out", required=True, type=Path, help="training and mean held-out loss (PNG)")
    parser.add_argument("--per-language", required=True, type=Path, help="held-out loss per language (PNG)")


def main(args: argparse.Namespace) -> None:
    from mtickets.analysis.plotting import plt, save_png

    runs = {}
    for item in args.runs:
        variant, _, directory = item.partition("=")
        if not directory:
            raise MticketsError(f"--runs {item!r}: expected VARIANT=DIR")
        runs[variant] = Path(directory)
    save_png(training_figure(runs, args.window), args.out)
    figure = per_language_figure(runs)
    if figure is None:  # the report still gets a figure, saying why it is empty
        figure, ax = plt.subplots(figsize=(5, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "no held-out evaluation (pretrain.eval_every, shards.heldout)", ha="center", va="center")
    save_png(figure, args.per_language)
    log.info("loss curves of %s -> %s, %s", ", ".join(runs), args.out, args.per_language)
