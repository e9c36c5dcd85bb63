"""Tables 1–4: per-language test F1 per variant, average with its uncertainty, params, FLOPs.

Input: fine-tuning ``metrics.json`` files (``results/finetune/{variant}/{task}/{lang}/
seed{s}/metrics.json``; variant, language and seed come from the file's fields, or
from that path where a field is absent) and ``VARIANT=DIR`` pairs naming each
variant's pretrained model directory. The score is each file's ``f1``; ``--format`` (the
task's data format, ``panx``, ``conllu`` or ``help_ui``) names it in the Markdown table.

Languages (``--languages``, default: first appearance in ``--metrics``): a language
whose ``metrics.json`` records ``train_sentences`` or ``test_sentences`` ≤
``--min-sentences`` is dropped (paper footnote 6), and so is a language with no
metrics file at all; both are listed in the notes, never dropped silently.

Output CSV (written atomically), one row per variant in ``--models`` order:
``variant``, one column per kept language (mean test F1 over seeds, 2 decimals),
``avg`` (mean of the language columns), ``avg_std_over_seeds`` (sample standard
deviation, ddof = 1, of the per-seed averages over languages; 0 with one seed),
``seeds``, ``params`` and ``flops_per_sequence`` (``mtickets.modeling.accounting`` at
``--seq-length``; for a ticket model the mean over the table's languages of each
language's ticket, rounded to an integer); then ``flops_vs_dense`` (flops_per_sequence
/ the dense row's), ``avg_ci95_low`` / ``avg_ci95_high`` (``bootstrap_ci``),
``diff_vs_dense`` and ``p_vs_dense`` (``paired_differences``, ``sign_flip_test``),
``{lang}_std`` per language (sample std over seeds, 0 with one seed) and ``notes``.
A Markdown file (``--md``) holds the same numbers laid out like the paper's tables:
blocks of 15 language columns (mean ± std), then avg [95% CI], the test, params and
FLOPs, then the notes.

The dense row (``--dense``, default: the first variant in ``--models`` whose model has
no ticket bank) is the reference of ``flops_vs_dense`` and of the paired test.

Every (variant, kept language) must have the same seeds; a missing, unreadable or
skipped metrics file, or a hole in the grid (a language some variants have and others
lack), is an error naming it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path
from mtickets.evaluation.statistics import bootstrap_ci, paired_differences, sign_flip_test, variant_generators
from mtickets.formats.metrics import read_metric

log = logging.getLogger(__name__)

# What a task's ``f1`` is, by the task's data format (never by the task's name).
FORMATS = {
    "panx": "NER on PAN-X (WikiANN): test entity-level F1 (seqeval, IOB2 spans), in percent",
    "conllu": "POS on Universal Dependencies: test F1 on the UPOS tags (seqeval, as XTREME), in percent",
    "help_ui": "UI markup of the LibreOffice help: test entity-level F1 (seqeval, IOB2 spans), in percent",
}
BLOCK = 15  # language columns per block of the Markdown table (the paper's Tables 1–2)


@dataclass(frozen=True)
class Dropped:
    """A configured language that is not in the table, and why."""

    language: str
    reason: str  # "min_sentences" | "absent"
    train: int | None = None
    test: int | None = None

    def describe(self) -> str:
        if self.reason == "absent":
            return f"{self.language} (no fine-tuning results given)"
        return f"{self.language} (train {_count(self.train)}, test {_count(self.test)} sentences)"


def _count(value: int | None) -> str:
    return "unrecorded" if value is None else str(value)


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


def _check_model_dir(directory: Path) -> None:
    if not (directory / "config.json").is_file():
        raise MticketsError(f"--models: {directory} is not a save_pretrained model directory (no config.json)")


def ticket_languages(directory: Path) -> list[str]:
    """The languages of a model dir's ticket bank (its config's ``languages``); [] for a dense model."""
    _check_model_dir(directory)
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise MticketsError(f"{directory}: cannot read the model config ({error})") from None
    return list(config.get("languages") or [])


def load_config_and_bank(directory: Path):
    """The model config and its ticket bank ``{layer.k.qk|v|ffn: [languages, dim]}``."""
    from mtickets.modeling import TicketBertConfig

    _check_model_dir(directory)
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


# --- languages ------------------------------------------------------------------------------


def sentence_counts(path: str | Path) -> dict[str, int | None]:
    """``train_sentences`` and ``test_sentences`` of a (valid, already read) metrics.json; None if absent."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    counts = {}
    for key in ("train_sentences", "test_sentences"):
        value = data.get(key)
        counts[key] = value if isinstance(value, int) and not isinstance(value, bool) else None
    return counts


def screen_languages(
    records: Sequence[dict], languages: Sequence[str], min_sentences: int
) -> tuple[list[str], list[Dropped]]:
    """(kept languages in order, dropped ones): too few train/test sentences, or no results.

    A language's counts are the smallest its metrics files record (they agree when all
    runs read the same staged data; a disagreement is logged).
    """
    by_language: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_language[r["language"]].append(r)
    kept, dropped = [], []
    for lang in languages:
        runs = by_language.get(lang)
        if not runs:
            log.warning("language '%s': no fine-tuning results given; listed in the notes as absent", lang)
            dropped.append(Dropped(lang, "absent"))
            continue
        counts = {}
        for key in ("train_sentences", "test_sentences"):
            values = [r.get(key) for r in runs]
            if min_sentences > 0 and None in values:
                path = next(r["path"] for r in runs if r.get(key) is None)
                raise MticketsError(
                    f"{path}: no '{key}' recorded, so --min-sentences {min_sentences} cannot be checked; "
                    f"rerun its fine-tuning job (or pass --min-sentences 0)"
                )
            known = [v for v in values if v is not None]
            if len(set(known)) > 1:
                log.warning("language '%s': the metrics files record different %s (%s); using the smallest",
                            lang, key, sorted(set(known)))
            counts[key] = min(known) if known else None
        train, test = counts["train_sentences"], counts["test_sentences"]
        if any(n is not None and n <= min_sentences for n in (train, test)):
            log.warning("language '%s' dropped: %s train, %s test sentences (not more than %d)",
                        lang, train, test, min_sentences)
            dropped.append(Dropped(lang, "min_sentences", train, test))
        else:
            kept.append(lang)
    if not kept:
        raise MticketsError(
            "no language left for the table: "
            + "; ".join(d.describe() for d in dropped)
        )
    return kept, dropped


def protocol_note(records: Sequence[dict]) -> str:
    """How the runs were fine-tuned: metrics.json's ``protocol`` and ``train_language`` (files without them are
    in-language runs); one table holds one protocol."""
    seen: dict[tuple, Path] = {}
    for record in records:
        data = json.loads(Path(record["path"]).read_text(encoding="utf-8"))
        seen.setdefault((data.get("protocol", "in_language"), data.get("train_language")), record["path"])
    if len(seen) > 1:
        runs = [f"{path} is {protocol}" + (f" from {source}" if source else "") for (protocol, source), path in
                seen.items()]
        raise MticketsError(f"--metrics mix fine-tuning protocols: {'; '.join(runs)}; give one table the runs of "
                            "one protocol")
    ((protocol, source),) = seen
    if protocol == "zero_shot":
        return (f"Protocol: zero-shot (XTREME): each seed's model is fine-tuned on {source}'s train split, selected on "
                f"its dev split and tests every language, a ticket model through the tested language's ticket; a "
                f"language's train sentences are {source}'s.")
    return ("Protocol: in-language (the paper): each language is fine-tuned, selected and tested on its own splits, "
            "a ticket model through its own ticket.")


# --- the score grid and its rows ----------------------------------------------------------------


def score_grid(
    records: Sequence[dict], variants: Sequence[str], languages: Sequence[str]
) -> dict[str, tuple[list[int], np.ndarray]]:
    """``{variant: (seeds, scores [languages, seeds])}``; every language of a variant has the same seeds."""
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
    result = {}
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
        scores = np.array([[grid[(variant, lang)][s] for s in seeds] for lang in languages], dtype=np.float64)
        result[variant] = (seeds, scores)
    return result


def table_rows(grid: dict[str, tuple[list[int], np.ndarray]], languages: Sequence[str]) -> list[dict]:
    rows = []
    for variant, (seeds, scores) in grid.items():
        per_language = {lang: statistics.fmean(scores[i]) for i, lang in enumerate(languages)}
        per_language_std = {
            f"{lang}_std": statistics.stdev(scores[i]) if len(seeds) > 1 else 0.0 for i, lang in enumerate(languages)
        }
        per_seed_avg = [statistics.fmean(scores[:, j]) for j in range(len(seeds))]
        rows.append(
            {
                "variant": variant,
                **per_language,
                "avg": statistics.fmean(per_language.values()),
                "avg_std_over_seeds": statistics.stdev(per_seed_avg) if len(per_seed_avg) > 1 else 0.0,
                "seeds": len(seeds),
                **per_language_std,
            }
        )
    return rows


def build_table(
    records: Sequence[dict],
    variants: Sequence[str],
    languages: Sequence[str] | None = None,
) -> tuple[list[str], list[dict]]:
    """Aggregate metric records into table rows (without params/FLOPs and the statistics)."""
    if languages is None:
        languages = list(dict.fromkeys(r["language"] for r in records))
    return list(languages), table_rows(score_grid(records, variants, languages), languages)


# --- against the dense row ------------------------------------------------------------------------


def resolve_dense(models: dict[str, Path], dense: str | None) -> str | None:
    """``--dense`` if given (must be a row); else the first variant whose model has no ticket bank."""
    if dense:
        if dense not in models:
            raise MticketsError(f"--dense {dense!r} is not among --models ({', '.join(models)})")
        return dense
    for variant, directory in models.items():
        if not ticket_languages(directory):
            return variant
    log.warning("no dense variant among --models: flops_vs_dense and p_vs_dense are left empty")
    return None


def add_statistics(
    rows: list[dict],
    grid: dict[str, tuple[list[int], np.ndarray]],
    dense: str | None,
    bootstrap: int,
    permutations: int,
    seed: int,
) -> None:
    """Add avg_ci95_low/high, diff_vs_dense, p_vs_dense, flops_vs_dense and a test note to each row."""
    reference = next((row for row in rows if row["variant"] == dense), None)
    for row in rows:
        seeds, scores = grid[row["variant"]]
        boot_rng, flip_rng = variant_generators(seed, row["variant"])
        row["avg_ci95_low"], row["avg_ci95_high"] = bootstrap_ci(scores, bootstrap, boot_rng)
        row["row_notes"] = []
        if reference is None:
            continue
        if reference["flops_per_sequence"] > 0:
            row["flops_vs_dense"] = row["flops_per_sequence"] / reference["flops_per_sequence"]
        if row is reference:
            row["row_notes"].append("dense baseline")
            continue
        dense_seeds, dense_scores = grid[dense]
        d, common = paired_differences(seeds, scores, dense_seeds, dense_scores)
        row["diff_vs_dense"] = float(d.mean())
        row["p_vs_dense"], exact, flips = sign_flip_test(d, permutations, flip_rng)
        row["p_exact"] = exact
        pairing = f"paired by seed ({len(common)} common)" if common else "no common seeds: seed means"
        method = f"exact over all {flips} sign flips" if exact else f"{flips} random sign flips"
        row["row_notes"].append(f"p: {method}, {pairing}")


# --- output ---------------------------------------------------------------------------------------


def average_token_accuracy(records: Sequence[dict], variant: str, languages: Sequence[str]) -> float | None:
    """The mean over languages of the seed-mean token accuracy (None if a run does not record it)."""
    per_language = []
    for lang in languages:
        values = [r["token_accuracy"] for r in records if r["variant"] == variant and r["language"] == lang]
        if not values or any(v is None for v in values):
            return None
        per_language.append(statistics.fmean(values))
    return statistics.fmean(per_language)


def csv_columns(languages: Sequence[str]) -> list[str]:
    return [
        "variant", *languages, "avg", "avg_std_over_seeds", "seeds", "params", "flops_per_sequence",
        "flops_vs_dense", "avg_ci95_low", "avg_ci95_high", "diff_vs_dense", "p_vs_dense",
        *(f"{lang}_std" for lang in languages), "avg_token_accuracy", "notes",
    ]


def dropped_note(dropped: Sequence[Dropped], min_sentences: int) -> str:
    """One line naming every configured language that is not in the table, with its counts."""
    parts = []
    small = [d for d in dropped if d.reason == "min_sentences"]
    absent = [d for d in dropped if d.reason == "absent"]
    if small:
        parts.append(
            f"dropped, not more than {min_sentences} train or test sentences (paper footnote 6): "
            + ", ".join(d.describe() for d in small)
        )
    if absent:
        parts.append("absent: " + ", ".join(d.describe() for d in absent))
    return "; ".join(parts)


def _format(column: str, value) -> str:
    if value is None or value == "":
        return ""
    if column == "flops_vs_dense":
        return f"{value:.3f}"
    if column == "p_vs_dense":
        return f"{value:.4g}"
    if isinstance(value, float) and column not in ("params", "flops_per_sequence", "seeds"):
        return f"{value:.2f}"
    return str(value)


def write_table(path: Path, languages: Sequence[str], rows: Sequence[dict], notes: str = "") -> None:
    columns = csv_columns(languages)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        out = []
        for column in columns:
            if column == "notes":
                value = "; ".join([*row.get("row_notes", []), *([notes] if notes else [])])
            else:
                value = row.get(column)
            out.append(_format(column, value))
        writer.writerow(out)
    with atomic_path(path) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")


def _unit(values: Sequence[float]) -> tuple[float, str]:
    top = max(values, default=0)
    for scale, name in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if top >= scale:
            return scale, name
    return 1.0, ""


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def _markdown_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(map(_cell, cells)) + " |" for cells in body]
    return lines


def _language_blocks(languages: Sequence[str], rows: Sequence[dict]) -> list[str]:
    """Blocks of ``BLOCK`` language columns, each cell the mean ± std over seeds (the mean alone with one seed)."""
    lines = []
    for start in range(0, len(languages), BLOCK):
        block = languages[start:start + BLOCK]
        body = []
        for row in rows:
            cells = [row["variant"]]
            for lang in block:
                cell = f"{row[lang]:.2f}"
                if row["seeds"] > 1:
                    cell += f" ± {row[f'{lang}_std']:.2f}"
                cells.append(cell)
            body.append(cells)
        lines += [*_markdown_table(["variant", *block], body), ""]
    return lines


def _summary_block(rows: Sequence[dict], dense: str | None) -> list[str]:
    """avg [95% CI], Δ and p vs the dense row, params and FLOPs per row."""
    flops_scale, flops_unit = _unit([row["flops_per_sequence"] for row in rows])
    params_scale, params_unit = _unit([row["params"] for row in rows])
    ref = dense or "dense"
    header = ["variant", "avg [95% CI]", f"Δ avg vs {ref}", f"p vs {ref}", f"params ({params_unit})",
              f"FLOPs/seq ({flops_unit})", f"FLOPs vs {ref}"]
    body = []
    for row in rows:
        is_dense = row["variant"] == dense
        diff = row.get("diff_vs_dense")
        p = row.get("p_vs_dense")
        ratio = row.get("flops_vs_dense")
        body.append([
            row["variant"],
            f"{row['avg']:.2f} [{row['avg_ci95_low']:.2f}, {row['avg_ci95_high']:.2f}]",
            "—" if is_dense or diff is None else f"{diff:+.2f}",
            "—" if is_dense or p is None else f"{p:.3g}",
            f"{row['params'] / params_scale:.1f}",
            f"{row['flops_per_sequence'] / flops_scale:.2f}",
            "—" if ratio is None else f"{ratio:.3f}",
        ])
    return [*_markdown_table(header, body), ""]


def markdown_table(
    task: str,
    fmt: str | None,
    languages: Sequence[str],
    rows: Sequence[dict],
    dense: str | None,
    dropped: Sequence[Dropped],
    *,
    min_sentences: int,
    seq_length: int,
    bootstrap: int,
    permutations: int,
    seed: int,
    protocol: str = "",
) -> str:
    """The table as Markdown: language blocks of 15 (mean ± std over seeds), then the summary block, then notes."""
    what = FORMATS[fmt] if fmt else "test F1 (metrics.json `f1`), in percent"
    seeds = sorted({row["seeds"] for row in rows})
    seeds_text = " or ".join(map(str, seeds))
    per_language = (
        "Per language: the one fine-tuning seed's score (no std)." if seeds == [1]
        else f"Per language: mean ± sample std (ddof 1) over {seeds_text} fine-tuning seeds."
    )
    lines = [f"# {task}: {what}", "", per_language, "", *_language_blocks(languages, rows),
             *_summary_block(rows, dense)]

    n_languages = len(languages)
    exact = [row.get("p_exact") for row in rows if row.get("p_exact") is not None]
    if not exact:
        test_text = ""
    elif all(exact):
        test_text = f"exact over all 2^{n_languages} = {1 << n_languages} sign vectors"
    else:
        test_text = f"{permutations} uniform random sign vectors, p = (1 + count) / (1 + {permutations})"
    notes = [
        *([protocol] if protocol else []),
        f"Languages: {n_languages} ({', '.join(languages)}); avg is the mean over them of the seed means.",
        f"95% CI of avg: percentile bootstrap, {bootstrap} replicates (numpy seed {seed} with the variant's "
        "name); each replicate draws the languages with replacement and, for each drawn language, its seeds "
        "with replacement, and averages the drawn scores (2.5% and 97.5% quantiles).",
    ]
    if seeds == [1]:
        notes[-1] += " With one seed only the languages are resampled."
    if dense and exact:
        smallest = ""
        if all(exact):
            smallest = f"; the smallest p possible is 2/2^{n_languages} = {2 / (1 << n_languages):.3g}"
        notes.append(
            f"Δ and p vs {dense} (the dense baseline): d_l = the language's mean difference over the seeds both "
            f"rows have (else the difference of seed means); Δ = mean_l d_l; p: two-sided sign-flip test of "
            f"mean_l d_l = 0 ({test_text}{smallest}), no correction for multiple comparisons."
        )
    elif not dense:
        notes.append("No dense baseline among the variants: no Δ, p or FLOPs ratio.")
    notes.append(
        f"params and FLOPs: the encoder (mtickets.modeling.accounting), FLOPs of one {seq_length}-token "
        "sequence (matrix products, 2 per multiply-add); a ticket variant's are the mean over the languages' "
        "tickets."
    )
    if dropped:
        notes.append("Not in the table: " + dropped_note(dropped, min_sentences) + ".")
    else:
        notes.append(
            f"A language with at most {min_sentences} train or test sentences would be dropped (paper footnote 6: "
            "100); none is."
        )
    lines += ["Notes:", "", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)


def make_table(
    metrics: Sequence[str | Path],
    models: dict[str, Path],
    task: str,
    seq_length: int,
    out: Path,
    languages: Sequence[str] | None = None,
    *,
    fmt: str | None = None,
    md: Path | None = None,
    dense: str | None = None,
    min_sentences: int = 0,
    bootstrap: int = 10000,
    permutations: int = 9999,
    seed: int = 0,
) -> list[dict]:
    if fmt is not None and fmt not in FORMATS:
        raise MticketsError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if bootstrap < 1 or permutations < 1:
        raise MticketsError("--bootstrap and --permutations must be positive")
    md = Path(md) if md is not None else Path(out).with_suffix(".md")
    if md.resolve() == Path(out).resolve():
        raise MticketsError(f"--md {md} is --out: give the Markdown table its own path")
    records = [read_metric(path, task) for path in metrics]
    if not records:
        raise MticketsError("--metrics: no metrics files given")
    for record in records:
        record.update(sentence_counts(record["path"]))
    variants = list(models)
    for record in records:
        if record["variant"] not in variants:
            raise MticketsError(
                f"{record['path']}: variant '{record['variant']}' is not among --models ({', '.join(variants)})"
            )
    if languages is None:
        languages = list(dict.fromkeys(r["language"] for r in records))
    kept, dropped = screen_languages(records, languages, min_sentences)
    grid = score_grid(records, variants, kept)
    rows = table_rows(grid, kept)
    for row in rows:
        row["params"], row["flops_per_sequence"] = model_costs(models[row["variant"]], kept, seq_length)
    for row in rows:
        row["avg_token_accuracy"] = average_token_accuracy(records, row["variant"], kept)
    dense = resolve_dense(models, dense)
    add_statistics(rows, grid, dense, bootstrap, permutations, seed)
    notes = dropped_note(dropped, min_sentences)
    write_table(out, kept, rows, notes)
    text = markdown_table(task, fmt, kept, rows, dense, dropped, min_sentences=min_sentences,
                          seq_length=seq_length, bootstrap=bootstrap, permutations=permutations, seed=seed,
                          protocol=protocol_note(records))
    with atomic_path(md) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("%s table: %d variants × %d languages (%d dropped) -> %s, %s",
             task, len(rows), len(kept), len(dropped), out, md)
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metrics", required=True, nargs="+", help="fine-tuning metrics.json files")
    parser.add_argument("--models", required=True, nargs="+", help="VARIANT=DIR pairs; rows in this order")
    parser.add_argument("--task", required=True, help="task name (each metrics file's 'task' must match)")
    parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS),
                        help="the task's data format (evaluation.tasks.TASK.format): names the score")
    parser.add_argument("--languages", nargs="+", help="column order (default: first appearance in --metrics)")
    parser.add_argument("--min-sentences", type=int, default=0,
                        help="drop (and list) a language with at most this many train or test sentences")
    parser.add_argument("--dense", help="the dense baseline row (default: the first variant without tickets)")
    parser.add_argument("--seq-length", type=int, default=128, help="sequence length of the FLOPs column")
    parser.add_argument("--bootstrap", type=int, default=10000, help="bootstrap replicates of the avg's CI")
    parser.add_argument("--permutations", type=int, default=9999,
                        help="random sign flips of the test vs dense when 2^languages is too many to enumerate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and the random sign flips")
    parser.add_argument("--out", required=True, type=Path, help="the CSV")
    parser.add_argument("--md", type=Path, help="the Markdown table (default: --out with .md)")


def main(args: argparse.Namespace) -> None:
    make_table(args.metrics, parse_model_pairs(args.models), args.task, args.seq_length, args.out, args.languages,
               fmt=args.fmt, md=args.md, dense=args.dense, min_sentences=args.min_sentences,
               bootstrap=args.bootstrap, permutations=args.permutations, seed=args.seed)
