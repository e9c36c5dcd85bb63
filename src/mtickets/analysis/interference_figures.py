"""Figures 2 and 3: how stable gc and uc are while pretraining, and uc per layer, dense vs tickets.

Inputs are the ``uc.parquet`` / ``gc.parquet`` that pretraining writes
(``mtickets.training.interference``), count-sketch rows (``method == "sketch"``, every layer and
language pair).

- Figure 2 (the paper's): the relative change of gc and of uc between consecutive
  measurements of the dense variant (every ``interference.uc_every`` / ``gc_every``
  steps; the paper: 10): at step t, mean over layers and language pairs of |v_t −
  v_{t−Δ}| divided by the mean of |v_{t−Δ}| (a ratio of means: single cosines near 0
  would make per-pair ratios explode).
- Figure 3: the mean uc over language pairs per layer at ``--step``, the dense variant
  beside the ticket variant (the paper's controlled setting: tickets at r = 0.85 on the
  unscaled model). Higher uc: the languages' accumulated updates point the same way,
  less interference.

``interference.json`` holds the numbers the figures show.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json
from mtickets.training.interference import layer_order

log = logging.getLogger(__name__)


def read_rows(directory: Path, kind: str) -> pd.DataFrame:
    path = Path(directory) / f"{kind}.parquet"
    if not path.is_file():
        raise MticketsError(f"{path}: not found; pretrain the variant with --interference-out {directory}")
    rows = pd.read_parquet(path)
    return rows[rows["method"] == "sketch"]


def relative_change(rows: pd.DataFrame) -> pd.DataFrame:
    """``step, relative_change`` between consecutive measurements (ratio of means over layers and pairs)."""
    table = rows.pivot_table(index="step", columns=["layer", "lang_i", "lang_j"], values="value").sort_index()
    if len(table) < 2:
        return pd.DataFrame({"step": [], "relative_change": []})
    values = table.to_numpy()
    change = np.abs(np.diff(values, axis=0)).mean(axis=1) / np.abs(values[:-1]).mean(axis=1)
    return pd.DataFrame({"step": table.index[1:], "relative_change": change})


def uc_per_layer(rows: pd.DataFrame, step: int, source: Path) -> pd.Series:
    at = rows[rows["step"] == step]
    if at.empty:
        steps = sorted(rows["step"].unique())
        raise MticketsError(f"{source}: no uc rows at step {step} (it has steps {steps[:3]}...{steps[-3:]}); set "
                            f"interference.step to one of them")
    means = at.groupby("layer")["value"].mean()
    return means.reindex(layer_order(means.index))


def stability_figure(gc: pd.DataFrame, uc: pd.DataFrame, variant: str):
    from mtickets.analysis.plotting import plt

    figure, axes = plt.subplots(figsize=(6.4, 3.8))
    for frame, label, style in ((gc, "gc (gradient cosine, Eq. 2)", "-"), (uc, "uc (update cosine, Eq. 7)", "-")):
        axes.plot(frame["step"], frame["relative_change"], style, label=label, linewidth=1.2)
    axes.set_yscale("log")
    axes.set_xlabel("pretraining step")
    axes.set_ylabel("relative change since the last measurement")
    axes.set_title(f"{variant}: stability of the interference measures")
    axes.legend(fontsize=9)
    axes.grid(alpha=0.3, which="both")
    return figure


def per_layer_figure(dense: pd.Series, tickets: pd.Series, names: tuple[str, str], step: int):
    from mtickets.analysis.plotting import plt

    layers = list(dict.fromkeys([*dense.index, *tickets.index]))
    x = np.arange(len(layers))
    figure, axes = plt.subplots(figsize=(max(5.0, 0.6 * len(layers) + 2.5), 3.8))
    for offset, series, name in ((-0.2, dense, names[0]), (0.2, tickets, names[1])):
        axes.bar(x + offset, series.reindex(layers).to_numpy(), width=0.4, label=name)
    axes.set_xticks(x, ["emb" if layer == "embeddings" else str(int(layer.split(".")[1]) + 1) for layer in layers])
    axes.set_xlabel("layer (emb: embeddings)")
    axes.set_ylabel("mean uc over language pairs")
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set_title(f"uc per layer at step {step}")
    axes.legend(fontsize=9)
    return figure


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dense", required=True, type=Path, help="the dense variant's interference directory")
    parser.add_argument("--tickets", required=True, type=Path, help="the ticket variant's interference directory")
    parser.add_argument("--names", nargs=2, required=True, metavar=("DENSE", "TICKETS"), help="their variant names")
    parser.add_argument("--step", required=True, type=int, help="Figure 3's step")
    parser.add_argument("--stability", required=True, type=Path, help="Figure 2 (PNG)")
    parser.add_argument("--per-layer", required=True, type=Path, help="Figure 3 (PNG)")
    parser.add_argument("--summary", required=True, type=Path, help="interference.json")


def main(args: argparse.Namespace) -> None:
    from mtickets.analysis.plotting import save_png

    dense_uc, dense_gc = read_rows(args.dense, "uc"), read_rows(args.dense, "gc")
    if dense_gc.empty:
        raise MticketsError(f"{args.dense}/gc.parquet has no rows: pretrain {args.names[0]} with --gc-every "
                            f"(interference.dense measures gc)")
    gc_change, uc_change = relative_change(dense_gc), relative_change(dense_uc)
    dense_layers = uc_per_layer(dense_uc, args.step, args.dense)
    ticket_layers = uc_per_layer(read_rows(args.tickets, "uc"), args.step, args.tickets)
    save_png(stability_figure(gc_change, uc_change, args.names[0]), args.stability)
    save_png(per_layer_figure(dense_layers, ticket_layers, tuple(args.names), args.step), args.per_layer)
    summary = {
        "figure2": {"variant": args.names[0],
                    "gc_mean_relative_change": float(gc_change["relative_change"].mean()),
                    "uc_mean_relative_change": float(uc_change["relative_change"].mean()),
                    "gc_steps": [int(s) for s in gc_change["step"]], "uc_steps": [int(s) for s in uc_change["step"]]},
        "figure3": {"step": args.step,
                    "uc_per_layer": {args.names[0]: dense_layers.to_dict(), args.names[1]: ticket_layers.to_dict()},
                    "uc_mean": {args.names[0]: float(dense_layers.mean()), args.names[1]: float(ticket_layers.mean())}},
    }
    write_json(args.summary, summary)
    log.info("relative change gc %.4f, uc %.4f; mean uc at step %d: %s %.4f, %s %.4f",
             summary["figure2"]["gc_mean_relative_change"], summary["figure2"]["uc_mean_relative_change"], args.step,
             args.names[0], summary["figure3"]["uc_mean"][args.names[0]], args.names[1],
             summary["figure3"]["uc_mean"][args.names[1]])
