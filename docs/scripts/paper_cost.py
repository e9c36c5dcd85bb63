"""The GPU-hours of config/paper.yaml's variants, as on docs/paper-run.md.

    python docs/scripts/paper_cost.py [--tflops 100] [--config config/paper.yaml]

prints the Markdown table that page shows; tests/test_docs.py recomputes it and compares.
FLOPs come from mtickets.modeling.accounting (the encoder's matrix products, the count the
tables use), plus the MLM and NSP heads, which that count leaves out but pretraining
computes. A training step costs three forward passes (the backward pass two). A ticket is
taken to keep the share r of every component in every layer: the real tickets exist only
after scoring on the corpus, and the tables report their measured FLOPs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL_FIELDS = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                "max_position_embeddings")


def variant_config(config: dict, variant: dict):
    from mtickets.modeling import TicketBertConfig

    fields = {key: value for key, value in {**config["model"], **variant.get("model", {})}.items()
              if key in MODEL_FIELDS}
    return TicketBertConfig(vocab_size=config["tokenizer"]["vocab_size"], **fields)


def uniform_ticket(model_config, remain_ratio: float) -> dict:
    """One language's ticket keeping round(r·n) units of every component of every layer."""
    import torch

    hidden, inter = model_config.hidden_size, model_config.intermediate_size
    ticket = {}
    for k in range(model_config.num_hidden_layers):
        for component, size in (("qk", hidden), ("v", hidden), ("ffn", inter)):
            row = torch.zeros(size)
            row[: round(remain_ratio * size)] = 1
            ticket[f"layer.{k}.{component}"] = row
    return ticket


def forward_flops(model_config, seq_length: int, predictions: int, ticket=None) -> int:
    """One sequence: the encoder plus the MLM head at the masked positions (transform H×H,
    decoder H×V) and the pooler and NSP head (``accounting.pretraining_flops``)."""
    from mtickets.modeling.accounting import pretraining_flops

    return pretraining_flops(model_config, seq_length, predictions, ticket)


def variant_costs(config: dict, tflops: float) -> list[dict]:
    """Per variant: pretraining and SNIP scoring FLOPs and GPU-hours at ``tflops`` per GPU."""
    pretrain, scoring = config["pretrain"], config["scoring"]
    languages = len(config["languages"])
    rows = []
    for name, variant in config["variants"].items():
        model_config = variant_config(config, variant)
        ticket_spec = variant.get("ticket")
        ticket = uniform_ticket(model_config, ticket_spec["remain_ratio"]) if ticket_spec else None
        per_step = sum(phase["fraction"] * 3 * forward_flops(model_config, phase["length"],
                                                              phase["max_predictions"], ticket)
                       for phase in pretrain["seq_schedule"])
        pretrain_flops = pretrain["steps"] * pretrain["batch_size"] * per_step
        snip_flops = 0.0
        if ticket_spec and ticket_spec["proxy"] == "snip":
            # SNIP runs the whole ηs-layer model (every mask at 1) over the token budget.
            length = scoring["seq_length"]
            predictions = next(phase["max_predictions"] for phase in pretrain["seq_schedule"]
                               if phase["length"] == length)
            sequences = scoring["tokens"] / length
            snip_flops = languages * sequences * 3 * forward_flops(model_config, length, predictions)
        hours = 1 / (tflops * 1e12 * 3600)
        rows.append({"variant": name, "layers": model_config.num_hidden_layers,
                     "remain_ratio": ticket_spec["remain_ratio"] if ticket_spec else None,
                     "pretrain_flops": pretrain_flops, "pretrain_gpu_hours": pretrain_flops * hours,
                     "snip_gpu_hours": snip_flops * hours})
    return rows


def markdown_table(rows: list[dict]) -> str:
    lines = ["| variant | layers | r | pretraining FLOPs | pretraining GPU-hours | SNIP GPU-hours |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        ratio = "—" if row["remain_ratio"] is None else f"{row['remain_ratio']:g}"
        snip = f"{row['snip_gpu_hours']:,.1f}" if row["snip_gpu_hours"] else "—"
        lines.append(f"| `{row['variant']}` | {row['layers']} | {ratio} | {row['pretrain_flops']:.3g} "
                     f"| {row['pretrain_gpu_hours']:,.0f} | {snip} |")
    pretrain = sum(row["pretrain_gpu_hours"] for row in rows)
    snip = sum(row["snip_gpu_hours"] for row in rows)
    lines.append(f"| **all {len(rows)}** | | | | **{pretrain:,.0f}** | **{snip:,.1f}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "config" / "paper.yaml"))
    parser.add_argument("--tflops", type=float, default=100.0,
                        help="assumed sustained TFLOP/s per GPU (default 100)")
    args = parser.parse_args()
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    print(markdown_table(variant_costs(config, args.tflops)))


if __name__ == "__main__":
    main()
