"""FLOPs per token of config/paper.yaml's models, as on docs/performance.md.

    python docs/scripts/flops_per_token.py [--config config/paper.yaml]

prints the Markdown table that page shows; tests/test_docs.py recomputes it and compares.
Three counts side by side: the paper's (Tables 1-4), an independent one of 4 FLOPs per
encoder weight per token (the matrices of Q, K, V, O and the FFN; no attention scores,
biases or heads), and mtickets.modeling.accounting's: the encoder's forward pass per
token (2 FLOPs per multiply-add, attention's T x T products included) and a pretraining
step per token (3 forward passes with the MLM head at the masked positions, pooler and
NSP: the model FLOPs MFU divides by). A ticket keeps the share r of every component in
every layer (paper_cost.uniform_ticket).
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PAPER = {"mbert": 341.7e6, "mbert_scaled": 372e6}  # Tables 1-4's FLOPs column
SHOWN = ("mbert", "mbert_scaled", "mtickets14", "mtickets16")


def paper_cost():
    spec = importlib.util.spec_from_file_location("paper_cost", Path(__file__).with_name("paper_cost.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def encoder_weights(model_config, ticket=None) -> int:
    """Weights of the encoder's matrices a ticket keeps: 2·q·H (W_Q, W_K) + 2·v·H (W_V, W_O) + 2·f·H per layer."""
    from mtickets.modeling.accounting import kept_units

    counts = kept_units(model_config, ticket)
    return int((2 * counts[:, 0] + 2 * counts[:, 1] + 2 * counts[:, 2]).sum()) * model_config.hidden_size


def variant_rows(config: dict) -> list[dict]:
    from mtickets.modeling.accounting import inference_flops, pretraining_flops

    cost = paper_cost()
    schedule = {phase["length"]: phase["max_predictions"] for phase in config["pretrain"]["seq_schedule"]}
    rows = []
    for name in SHOWN:
        variant = config["variants"][name]
        model = cost.variant_config(config, variant)
        ticket = cost.uniform_ticket(model, variant["ticket"]["remain_ratio"]) if "ticket" in variant else None
        rows.append({
            "variant": name, "layers": model.num_hidden_layers, "hidden": model.hidden_size,
            "ffn": model.intermediate_size, "remain_ratio": variant["ticket"]["remain_ratio"] if ticket else None,
            "paper": PAPER.get(name), "per_weight": 4 * encoder_weights(model, ticket),
            "forward_128": inference_flops(model, 128, ticket) / 128,
            "train": {length: 3 * pretraining_flops(model, length, predictions, ticket) / length
                      for length, predictions in schedule.items()},
        })
    return rows


def markdown_table(rows: list[dict]) -> str:
    lengths = list(rows[0]["train"])
    lines = ["| variant | layers | H | F | r | paper (Tables 1–4) | 4 FLOPs per encoder weight | ours: encoder "
             "forward, T = 128 | " + " | ".join(f"ours: training step, T = {t}" for t in lengths) + " |",
             "|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(lengths)]
    for row in rows:
        ratio = "—" if row["remain_ratio"] is None else f"{row['remain_ratio']:g}"
        paper = "—" if row["paper"] is None else f"{row['paper'] / 1e6:.1f} M"
        train = " | ".join(f"{row['train'][t] / 1e6:,.1f} M" for t in lengths)
        lines.append(f"| `{row['variant']}` | {row['layers']} | {row['hidden']} | {row['ffn']} | {ratio} | {paper} "
                     f"| {row['per_weight'] / 1e6:.1f} M | {row['forward_128'] / 1e6:.1f} M | {train} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "config" / "paper.yaml"))
    args = parser.parse_args()
    print(markdown_table(variant_rows(yaml.safe_load(Path(args.config).read_text(encoding="utf-8")))))


if __name__ == "__main__":
    main()
