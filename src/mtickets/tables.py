"""Tables 1–4: per-language test F1 per variant, average, std over seeds, params, FLOPs.

Input: fine-tuning ``metrics.json`` files (``results/finetune/{variant}/{task}/{lang}/
seed{s}/metrics.json``; variant, language and seed come from the file's fields, or
from that path where a field is absent) and ``VARIANT=DIR`` pairs naming each
variant's pretrained model directory.

Output CSV (written atomically), one row per variant in ``--models`` order:
``variant``, one column per language (mean test F1 over seeds, 2 decimals; column
order = ``--languages`` or first appearance in ``--metrics``), ``avg`` (mean of the
language columns), ``avg_std_over_seeds`` (sample standard deviation, ddof = 1, of the
per-seed averages over languages; 0 with one seed), ``seeds`` (number of seeds),
``params`` and ``flops_per_sequence`` (``mtickets.modeling.accounting`` at ``--seq-length``;
for a ticket model the mean over the table's languages of each language's ticket,
rounded to an integer).

Every (variant, language) must have the same seeds; a missing, unreadable or skipped
metrics file, or a hole in the grid, is an error naming it.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from mtickets.formats.atomic import atomic_path
from mtickets.formats.metrics import read_metric
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

def parse_model_pairs(pairs: Sequence[str]) -> dict[str, Path]:
    models: dict[str, Path] = {}
    for pair in pairs:
        name, eq, directory = pair.partition("=")
        if not eq or not name or not directory:
            raise MticketsError(f"--models {pair!r}: expected VARIANT=DIR")
        if name in models:
            raise MticketsError(f"--models: variant '{name}' given twice")
        models[name] = Path(directory)
    return models


def model_costs(directory: Path, languages: Sequence[str], seq_length: int) -> tuple[int, int]:
    """(params, FLOPs per sequence) of a model dir; mean over ``languages`` for ticket models."""
    from mtickets.modeling.accounting import count_parameters, inference_flops

    config, bank = load_config_and_bank(directory)
    bank_languages = list(getattr(config, "languages", None) or [])
    if not bank_languages:
        return int(count_parameters(config)), int(inference_flops(config, seq_length))
    missing = [lang for lang in languages if lang not in bank_languages]
    if missing:
        raise MticketsError(
            f"{directory}: no ticket for {', '.join(missing)} (its ticket bank: {', '.join(bank_languages)})"
        )
    params, flops = [], []
    for lang in languages:
        row = bank_languages.index(lang)
        ticket = {key: masks[row] for key, masks in bank.items()}
        params.append(count_parameters(config, ticket=ticket))
        flops.append(inference_flops(config, seq_length, ticket=ticket))
    return round(statistics.fmean(params)), round(statistics.fmean(flops))


BANK_KEY = re.compile(r"(?:^|\.)tickets\.(layer\.\d+\.(?:qk|v|ffn))$")


def load_config_and_bank(directory: Path):
    """The model config and its ticket bank ``{layer.k.qk|v|ffn: [languages, dim]}``."""
    from mtickets.modeling import TicketBertConfig

    if not (directory / "config.json").is_file():
        raise MticketsError(f"--models: {directory} is not a save_pretrained model directory (no config.json)")
    try:
        config = TicketBertConfig.from_pretrained(str(directory))
    except (OSError, ValueError) as error:
        raise MticketsError(f"{directory}: cannot read the model config ({error})") from None
    bank = {}
    if getattr(config, "languages", None):
        from safetensors import safe_open

        files = sorted(directory.glob("*.safetensors"))
        if not files:
            raise MticketsError(f"{directory}: ticket model without *.safetensors weights")
        for file in files:
            with safe_open(str(file), framework="pt") as handle:
                for key in handle.keys():  # noqa: SIM118 (safe_open is not iterable)
                    match = BANK_KEY.search(key)
                    if match:
                        bank[match.group(1)] = handle.get_tensor(key)
        if not bank:
            raise MticketsError(f"{directory}: config lists ticket languages but the weights hold no tickets.* buffers")
    return config, bank


def build_table(
    records: Sequence[dict],
    variants: Sequence[str],
    languages: Sequence[str] | None = None,
) -> tuple[list[str], list[dict]]:
    """Aggregate metric records into table rows (without params/FLOPs)."""
    if languages is None:
        languages = list(dict.fromkeys(r["language"] for r in records))
    grid: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for r in records:
        if r["variant"] not in variants:
            raise MticketsError(f"{r['path']}: variant '{r['variant']}' is not among --models ({', '.join(variants)})")
        if r["language"] not in languages:
            continue
        cell = grid[(r["variant"], r["language"])]
        if r["seed"] in cell:
            raise MticketsError(f"{r['path']}: a second result for {r['variant']}/{r['language']} seed {r['seed']}")
        cell[r["seed"]] = float(r["f1"])
    rows = []
    for variant in variants:
        seeds = None
        for lang in languages:
            cell = grid.get((variant, lang))
            if not cell:
                raise MticketsError(f"no metrics for variant '{variant}', language '{lang}'; run its fine-tuning jobs")
            if seeds is None:
                seeds = sorted(cell)
            elif sorted(cell) != seeds:
                raise MticketsError(
                    f"variant '{variant}': language '{lang}' has seeds {sorted(cell)}, "
                    f"language '{languages[0]}' has {seeds}; every language needs the same seeds"
                )
        per_language = {lang: statistics.fmean(grid[(variant, lang)].values()) for lang in languages}
        per_seed_avg = [statistics.fmean(grid[(variant, lang)][s] for lang in languages) for s in seeds]
        rows.append(
            {
                "variant": variant,
                **per_language,
                "avg": statistics.fmean(per_language.values()),
                "avg_std_over_seeds": statistics.stdev(per_seed_avg) if len(per_seed_avg) > 1 else 0.0,
                "seeds": len(seeds),
            }
        )
    return list(languages), rows


def write_table(path: Path, languages: Sequence[str], rows: Sequence[dict]) -> None:
    columns = ["variant", *languages, "avg", "avg_std_over_seeds", "seeds", "params", "flops_per_sequence"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        out = []
        for column in columns:
            value = row.get(column, "")
            if column in languages or column in ("avg", "avg_std_over_seeds"):
                value = f"{value:.2f}"
            out.append(value)
        writer.writerow(out)
    with atomic_path(path) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")


def make_table(
    metrics: Sequence[str | Path],
    models: dict[str, Path],
    task: str,
    seq_length: int,
    out: Path,
    languages: Sequence[str] | None = None,
) -> list[dict]:
    records = [read_metric(path, task) for path in metrics]
    if not records:
        raise MticketsError("--metrics: no metrics files given")
    languages, rows = build_table(records, list(models), languages)
    for row in rows:
        row["params"], row["flops_per_sequence"] = model_costs(models[row["variant"]], languages, seq_length)
    write_table(out, languages, rows)
    log.info("%s table: %d variants × %d languages -> %s", task, len(rows), len(languages), out)
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metrics", required=True, nargs="+", help="fine-tuning metrics.json files")
    parser.add_argument("--models", required=True, nargs="+", help="VARIANT=DIR pairs; rows in this order")
    parser.add_argument("--task", required=True, choices=["ner", "pos"])
    parser.add_argument("--languages", nargs="+", help="column order (default: first appearance in --metrics)")
    parser.add_argument("--seq-length", type=int, default=128, help="sequence length of the FLOPs column")
    parser.add_argument("--out", required=True, type=Path)


def main(args: argparse.Namespace) -> None:
    make_table(args.metrics, parse_model_pairs(args.models), args.task, args.seq_length, args.out, args.languages)
