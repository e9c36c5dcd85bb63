"""Write results/replication.md: the paper's five claims measured on this run, each with a verdict.

Every variant is pretrained ``replicates`` times (``{variant}_r{k}``: replicate k draws
its initialisation, tickets and data order from the seeds + k − 1). Replicate k of one
variant is paired with replicate k of another (they share the data order), and each
claim's effect is measured once per pair, then summarised by its mean and a
t-interval over the pairs (``--confidence``, 95%):

1. Tickets at least match dense at equal per-language cost: held-out MLM loss of the
   dense model minus the SNIP-ticket model's, averaged over languages (each language
   through its own ticket). Non-inferiority: holds when the interval's lower end is
   above −``--margin`` (nats).
2. SNIP tickets beat random tickets: random's loss minus SNIP's (> 0).
3. SNIP beats magnitude: magnitude's loss minus SNIP's (> 0).
4. uc is higher with tickets than dense: the controlled ticket variant's mean uc over
   layers and language pairs at ``--step`` minus the dense variant's (> 0).
5. Tickets of related languages are more alike: the partial Mantel correlation of
   ticket distance with genealogical distance given script (> 0, and every replicate's
   permutation p below 1 − confidence).

A claim *holds* when its interval lies on the claimed side (beyond the margin for 1),
*fails* when it lies wholly on the other side, and is *not shown* otherwise. With one
replicate there is no interval and every verdict is "not shown". The page also gives
the per-language losses and accuracies, uc per layer and every Mantel test, and
``--summary`` the same numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path, write_json

log = logging.getLogger(__name__)

LOSS_ROLES = ("dense", "scaled", "tickets", "random", "magnitude")


@dataclass
class Claim:
    number: int
    statement: str
    measure: str  # what the effect is, in words
    per_replicate: list[float]
    mean: float | None
    low: float | None
    high: float | None
    threshold: float  # the claimed side is effect > threshold
    verdict: str  # holds | fails | not shown
    detail: str = ""


def interval(values: list[float], confidence: float) -> tuple[float | None, float | None, float | None]:
    """Mean and two-sided t-interval over replicates; no interval from fewer than two."""
    from scipy import stats

    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return None, None, None
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, None, None
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


def verdict(low: float | None, high: float | None, threshold: float = 0.0, also: bool = True) -> str:
    """holds: the interval above ``threshold`` (and ``also``); fails: below it; else not shown."""
    if low is None or high is None:
        return "not shown"
    if low > threshold and also:
        return "holds"
    if high < threshold:
        return "fails"
    return "not shown"


def read_pretrain_summary(final: Path) -> dict:
    path = Path(final) / "pretrain.json"
    if not path.is_file():
        raise MticketsError(f"{path}: not found; pass pretraining outputs (results/pretrain/{{variant}}/final)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_heldout(final: Path, summary: dict | None = None) -> pd.DataFrame:
    """Per language: final held-out MLM loss and accuracy (mean over the evaluated lengths)."""
    path = Path(final) / "pretrain.json"
    heldout = (summary or read_pretrain_summary(final)).get("heldout") or {}
    rows = [{"language": lang, "mlm_loss": row["mlm_loss"], "mlm_accuracy": row["mlm_accuracy"]}
            for lang, lengths in heldout.items() for row in lengths.values()]
    if not rows:
        raise MticketsError(f"{path}: no held-out evaluation at the last step; pretrain with --eval-every "
                            "(pretrain.eval_every, a divisor of pretrain.steps) and shards with --heldout")
    return pd.DataFrame(rows).groupby("language", sort=False).mean()


def loss_effect(baseline: list[pd.DataFrame], claimed: list[pd.DataFrame]) -> list[float]:
    """Per replicate pair: the baseline's loss minus the claimed variant's, averaged over languages."""
    effects = []
    for base, ours in zip(baseline, claimed):
        common = base.index.intersection(ours.index)
        effects.append(float((base.loc[common, "mlm_loss"] - ours.loc[common, "mlm_loss"]).mean()))
    return effects


def mean_uc(directory: Path, step: int) -> pd.Series:
    """Mean uc over language pairs per layer at ``step`` (the sketch, as Figure 3)."""
    from mtickets.interference_figures import read_rows, uc_per_layer

    return uc_per_layer(read_rows(Path(directory), "uc"), step, Path(directory))


def read_relatedness(path: Path) -> dict:
    if not Path(path).is_file():
        raise MticketsError(f"{path}: not found; run the relatedness stage of the ticket variant")
    return json.loads(Path(path).read_text(encoding="utf-8"))["tests"]


def measure_claims(heldout: dict[str, list[pd.DataFrame]], uc_dense: list[pd.Series], uc_tickets: list[pd.Series],
                   relatedness: list[dict], margin: float, confidence: float) -> list[Claim]:
    def claim(number, statement, measure, values, threshold=0.0, also=True, detail=""):
        mean, low, high = interval(values, confidence)
        return Claim(number, statement, measure, values, mean, low, high, threshold,
                     verdict(low, high, threshold, also), detail)

    alpha = 1 - confidence
    partial = [tests["genealogy | script"] for tests in relatedness]
    p_values = [test["p"] for test in partial]
    significant = bool(p_values) and all(p is not None and p < alpha for p in p_values)
    return [
        claim(1, "Tickets at least match dense at equal per-language cost",
              "dense − SNIP-ticket held-out MLM loss (nats), mean over languages",
              loss_effect(heldout["dense"], heldout["tickets"]), threshold=-margin,
              detail=f"non-inferiority margin {margin:g} nats"),
        claim(2, "SNIP tickets beat random tickets", "random − SNIP held-out MLM loss (nats)",
              loss_effect(heldout["random"], heldout["tickets"])),
        claim(3, "SNIP beats magnitude", "magnitude − SNIP held-out MLM loss (nats)",
              loss_effect(heldout["magnitude"], heldout["tickets"])),
        claim(4, "uc is higher with tickets than dense",
              "controlled tickets − dense: mean uc over layers and language pairs",
              [float(t.mean() - d.mean()) for d, t in zip(uc_dense, uc_tickets)]),
        claim(5, "Tickets of related languages are more alike",
              "partial Mantel r, ticket distance vs genealogy given script",
              [test["r"] for test in partial], also=significant,
              detail="permutation p per replicate: " + ", ".join(_p(p) for p in p_values)
              + f"; holding also needs every p < {alpha:g}"),
    ]


def _p(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.3g}"


def _number(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def sentence(claim: Claim, replicates: int) -> str:
    """One sentence that says only what the interval says."""
    if claim.low is None:
        return (f"Not shown: {replicates} replicate(s) give no interval (measured {_number(claim.mean)}); "
                "set `replicates` to 2 or more.")
    span = f"[{_number(claim.low)}, {_number(claim.high)}]"
    side = f"above {claim.threshold:g}" if claim.threshold else "above 0"
    if claim.verdict == "holds":
        return f"Holds at this scale: the interval {span} lies {side}."
    if claim.verdict == "fails":
        return (f"Fails at this scale: the interval {span} lies below {claim.threshold:g}, "
                "the opposite of the claim.")
    if claim.number == 5 and claim.low > claim.threshold:
        return f"Not shown: the interval {span} lies {side}, but not every replicate's permutation test is significant."
    return f"Not shown at this scale: the interval {span} includes {claim.threshold:g}."


def per_language_table(names: dict[str, str], heldout: dict[str, list[pd.DataFrame]]) -> list[str]:
    roles = [role for role in LOSS_ROLES if heldout.get(role)]
    languages = list(heldout[roles[0]][0].index)
    lines = ["| language | " + " | ".join(names[role] for role in roles) + " |",
             "|---|" + "---:|" * len(roles)]
    for lang in [*languages, "avg"]:
        cells = []
        for role in roles:
            if lang == "avg":
                values = [frame["mlm_loss"].mean() for frame in heldout[role]]
                accuracy = [frame["mlm_accuracy"].mean() for frame in heldout[role]]
            else:
                values = [frame.loc[lang, "mlm_loss"] for frame in heldout[role]]
                accuracy = [frame.loc[lang, "mlm_accuracy"] for frame in heldout[role]]
            spread = f" ± {np.std(values, ddof=1):.3f}" if len(values) > 1 else ""
            cells.append(f"{np.mean(values):.3f}{spread} ({100 * np.mean(accuracy):.1f}%)")
        lines.append(f"| {'**avg**' if lang == 'avg' else lang} | " + " | ".join(cells) + " |")
    return lines


def write_page(out: Path, claims: list[Claim], names: dict[str, str], heldout: dict[str, list[pd.DataFrame]],
               uc_dense: list[pd.Series], uc_tickets: list[pd.Series], relatedness: list[dict],
               setup: dict) -> None:
    replicates = setup["replicates"]
    lines = [
        "# Replication: the paper's claims measured on this run",
        "",
        "Written by `mtickets replication` from this run's results; rerun the pipeline to update it, do not edit it.",
        "",
        f"- Languages ({len(setup['languages'])}): {', '.join(setup['languages'])}",
        f"- Replicates per variant: {replicates} (initialisation, tickets and data order drawn from the seeds + k − 1)",
        f"- Pretraining: {setup['steps']} steps of batch {setup['batch_size']}; held-out MLM loss at the last step, "
        "each language through its own ticket",
        "- Variants: " + "; ".join(f"{role} = `{names[role]}` ({setup['models'][role]})" for role in names),
        f"- Intervals: {100 * setup['confidence']:g}% t-intervals over the replicates (paired by replicate).",
        "",
        "## Verdicts",
        "",
        "| # | claim | effect (claimed side > threshold) | mean | interval | verdict |",
        "|---|---|---|---:|---|---|",
    ]
    for claim in claims:
        span = "n/a" if claim.low is None else f"[{_number(claim.low)}, {_number(claim.high)}]"
        lines.append(f"| {claim.number} | {claim.statement} | {claim.measure}; threshold {claim.threshold:g} | "
                     f"{_number(claim.mean)} | {span} | **{claim.verdict}** |")
    lines.append("")
    for claim in claims:
        detail = f" ({claim.detail})" if claim.detail else ""
        values = ", ".join(_number(v) for v in claim.per_replicate)
        lines.append(f"{claim.number}. {sentence(claim, replicates)} Per replicate: {values}{detail}.")
    held = sum(c.verdict == "holds" for c in claims)
    failed = sum(c.verdict == "fails" for c in claims)
    lines += ["", f"In all: {held} of {len(claims)} claims hold at this scale, {failed} fail, "
              f"{len(claims) - held - failed} are not shown.", "",
              "## Held-out MLM loss per language", "",
              f"Mean{' ± std over replicates' if replicates > 1 else ''} (accuracy in parentheses); lower is better.",
              "", *per_language_table(names, heldout), "",
              f"## uc per layer at step {setup['step']}", "",
              f"Mean uc over language pairs (`{names['dense']}` vs `{setup['controlled']}`), per replicate.", ""]
    layers = list(uc_dense[0].index)
    lines += ["| layer | " + " | ".join(f"dense r{k + 1} | tickets r{k + 1}" for k in range(len(uc_dense))) + " |",
              "|---|" + "---:|---:|" * len(uc_dense)]
    for layer in layers:
        cells = [f"{d[layer]:.4f} | {t[layer]:.4f}" for d, t in zip(uc_dense, uc_tickets)]
        lines.append(f"| {layer} | " + " | ".join(cells) + " |")
    lines += ["", f"## Ticket relatedness (`{names['tickets']}`)", "",
              "Mantel correlation of ticket Jaccard distance with each distance; one-sided permutation p.", "",
              "| test | " + " | ".join(f"r{k + 1}: r (p)" for k in range(len(relatedness))) + " |",
              "|---|" + "---|" * len(relatedness)]
    for test in relatedness[0]:
        cells = [f"{_number(tests[test]['r'], 3)} ({_p(tests[test]['p'])})" for tests in relatedness]
        lines.append(f"| {test.replace('|', chr(92) + '|')} | " + " | ".join(cells) + " |")  # a | would split the cell
    lines += ["", "## Not measured here", ""]
    lines += [f"- {line}" for line in setup["not_measured"]] or ["- Nothing."]
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def model_summary(final: Path) -> str:
    config = json.loads((Path(final) / "config.json").read_text(encoding="utf-8"))
    return f"{config['num_hidden_layers']} layers, hidden {config['hidden_size']}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for role in LOSS_ROLES:
        parser.add_argument(f"--{role}", required=True, nargs="+", type=Path, metavar="FINAL",
                            help=f"the {role} variant's pretrained models, one per replicate (in replicate order)")
    parser.add_argument("--names", required=True, nargs=len(LOSS_ROLES) + 1,
                        metavar=("DENSE", "SCALED", "TICKETS", "RANDOM", "MAGNITUDE", "CONTROLLED"),
                        help="the variants' names, for the page")
    parser.add_argument("--uc-dense", required=True, nargs="+", type=Path,
                        help="the dense variant's interference directories, one per replicate")
    parser.add_argument("--uc-tickets", required=True, nargs="+", type=Path,
                        help="the controlled ticket variant's interference directories, one per replicate")
    parser.add_argument("--relatedness", required=True, nargs="+", type=Path,
                        help="the SNIP ticket variant's relatedness.json, one per replicate")
    parser.add_argument("--step", required=True, type=int, help="the step of uc (interference.step)")
    parser.add_argument("--margin", type=float, default=0.02, help="claim 1's non-inferiority margin in nats")
    parser.add_argument("--confidence", type=float, default=0.95, help="the intervals' coverage (default 0.95)")
    parser.add_argument("--not-measured", nargs="*", default=[], help="lines for the page's 'Not measured' list")
    parser.add_argument("--out", required=True, type=Path, help="replication.md")
    parser.add_argument("--summary", required=True, type=Path, help="replication.json: the page's numbers")


def main(args: argparse.Namespace) -> None:
    runs = {role: getattr(args, role) for role in LOSS_ROLES}
    counts = {len(paths) for paths in [*runs.values(), args.uc_dense, args.uc_tickets, args.relatedness]}
    if len(counts) != 1:
        raise MticketsError("--dense, --scaled, --tickets, --random, --magnitude, --uc-dense, --uc-tickets and "
                            "--relatedness need one entry per replicate each (the same number)")
    if not 0 < args.confidence < 1:
        raise MticketsError(f"--confidence {args.confidence}: expected a number between 0 and 1")
    names = dict(zip(LOSS_ROLES, args.names))
    summaries = {role: [read_pretrain_summary(path) for path in paths] for role, paths in runs.items()}
    heldout = {role: [read_heldout(path, summary) for path, summary in zip(paths, summaries[role])]
               for role, paths in runs.items()}
    uc_dense = [mean_uc(path, args.step) for path in args.uc_dense]
    uc_tickets = [mean_uc(path, args.step) for path in args.uc_tickets]
    relatedness = [read_relatedness(path) for path in args.relatedness]
    claims = measure_claims(heldout, uc_dense, uc_tickets, relatedness, args.margin, args.confidence)
    first = summaries["dense"][0]
    setup = {"replicates": counts.pop(), "languages": first["languages"], "steps": first["steps"],
             "batch_size": first["batch_size"], "confidence": args.confidence, "step": args.step,
             "controlled": args.names[-1], "models": {role: model_summary(paths[0]) for role, paths in runs.items()},
             "not_measured": args.not_measured}
    write_page(args.out, claims, names, heldout, uc_dense, uc_tickets, relatedness, setup)
    write_json(args.summary, {"setup": setup, "claims": [asdict(claim) for claim in claims],
                              "heldout": {role: [frame.reset_index().to_dict("records") for frame in frames]
                                          for role, frames in heldout.items()}})
    for claim in claims:
        log.info("claim %d (%s): %s, mean %s", claim.number, claim.statement, claim.verdict, _number(claim.mean))
