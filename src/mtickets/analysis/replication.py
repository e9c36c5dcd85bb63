"""Write results/replication.md: the paper's research questions tested on this run, with verdicts it can support.

Every variant is pretrained ``replicates`` times (``{variant}_r{k}``: replicate k draws its
initialisation, tickets and data order from the seeds + k − 1). Replicate k of one variant
is paired with replicate k of another (they share the data order); a comparison's effect
is measured once per pair, averaged over languages, and summarised over the pairs by its
mean, a t-interval (``--confidence``) and the minimum detectable effect (MDE): the true
effect a two-sided paired t-test of this many replicates, at this spread, would find
with 80% power. The replicate is the unit because pretraining is what varies most.

Before any verdict, a gate: a model that has not learned more than word frequencies
says nothing about interference. Every replicate of the plain dense model must end at
least ``--gate`` nats (0.5) below the language-aware unigram cross-entropy of the same
held-out tokens (``mtickets baselines``), on average over the languages. If it fails,
the page says so first and gives no verdict on the comparisons of trained models.

The comparisons (positive = the paper's claim):

- RQ1 tickets vs dense, RQ5 tickets vs the scaled dense model, RQ2 SNIP vs random
  tickets, RQ4 SNIP vs magnitude tickets: downstream test F1 of the labelled task
  (``--task``; primary) and held-out MLM loss (secondary), each language through its
  own ticket.
- The language-identity control (``--control``: a dense model told the language
  through a learned embedding; an extension, not the paper's setup). Ticket models
  know which language they read for free; dense ones must infer it. RQ1, RQ3 and RQ5
  are also tested against the control, which has the shortcut and no ticket.
- RQ3 uc is higher with tickets: mean uc over language pairs and encoder layers (the
  embeddings apart) at ``--step``, exact where pretraining tracked it exactly.
- Relatedness (§5.2): the partial Mantel correlation of SNIP ticket distance with
  genealogy given script, per replicate, beside the SNIP noise floor (the Jaccard
  distance between two scorings of the same language, ``--noise-floor``).

Verdicts: *holds* when the interval lies above 0, *fails* when it lies below 0 (the
opposite effect is significant), else *not shown*, with the MDE saying how large an
effect could have been missed. Relatedness holds when every replicate's one-sided
permutation p is below 1 − confidence, and fails only when every replicate's test in
the opposite direction is.
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

ROLES = ("dense", "control", "scaled", "tickets", "random", "magnitude")
UC_ROLES = ("dense", "control", "tickets")
POWER = 0.8
# (question, claimed role, baseline role, statement): loss and F1 comparisons.
COMPARISONS = (
    ("RQ1", "tickets", "dense", "tickets beat the dense model of equal per-language cost"),
    ("RQ1", "tickets", "control", "tickets beat the dense model told the language (control)"),
    ("RQ2", "tickets", "random", "SNIP tickets beat random tickets"),
    ("RQ4", "tickets", "magnitude", "SNIP tickets beat magnitude tickets"),
    ("RQ5", "tickets", "scaled", "tickets beat dense mBERT scaled to the tickets' FLOPs"),
    ("RQ5", "tickets", "control", "(see RQ1 control)"),
    ("shortcut", "control", "dense", "telling a dense model the language helps"),
)


@dataclass
class Claim:
    question: str
    statement: str
    metric: str  # what the effect is, in words
    per_replicate: list[float]
    mean: float | None
    low: float | None
    high: float | None
    mde: float | None
    verdict: str  # holds | fails | not shown | no verdict (gate failed)
    detail: str = ""


# --------------------------------------------------------------------------- statistics


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


def t_test_power(noncentrality: float, df: int, critical: float) -> float:
    """P(|T| > critical) for T noncentral t with ``df`` degrees of freedom: the mean over the
    chi-square scale V of Φ(δ − c·√(V/df)) + Φ(−δ − c·√(V/df)) (scipy's nct is NaN far out at df 1)."""
    from scipy import integrate, stats

    def integrand(v: float) -> float:
        scale = critical * math.sqrt(v / df)
        return float((stats.norm.cdf(noncentrality - scale) + stats.norm.cdf(-noncentrality - scale))
                     * stats.chi2.pdf(v, df))

    return integrate.quad(integrand, 0, math.inf, limit=200)[0]


def minimum_detectable_effect(values: list[float], confidence: float, power: float = POWER) -> float | None:
    """The smallest true mean effect a two-sided one-sample t-test over ``values``' replicates finds with
    ``power``, at their observed spread: solves the noncentral t power equation for the effect."""
    from scipy import optimize, stats

    values = [v for v in values if v is not None and math.isfinite(v)]
    n = len(values)
    if n < 2:
        return None
    sd = float(np.std(values, ddof=1))
    if sd == 0:
        return None  # no spread observed: no power statement can be made
    df, critical = n - 1, float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    high = 1.0
    while t_test_power(high, df, critical) < power:
        high *= 2
    noncentrality = optimize.brentq(lambda d: t_test_power(d, df, critical) - power, 0.0, high)
    return noncentrality * sd / math.sqrt(n)


def verdict(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "not shown"
    if low > 0:
        return "holds"
    if high < 0:
        return "fails"
    return "not shown"


# --------------------------------------------------------------------------- reading results


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


def read_f1(finetune_root: Path, variant: str, task: str, languages: list[str]) -> pd.Series:
    """Per language: test F1 (percent) of ``variant`` on ``task``, the mean over its seeds."""
    values = {}
    for lang in languages:
        files = sorted((Path(finetune_root) / variant / task / lang).glob("seed*/metrics.json"))
        if not files:
            raise MticketsError(f"{Path(finetune_root) / variant / task / lang}: no seed*/metrics.json; "
                                f"fine-tune {variant} on {task} in {lang} first")
        values[lang] = float(np.mean([json.loads(f.read_text(encoding="utf-8"))["f1"] for f in files]))  # percent
    return pd.Series(values, name="f1")


def read_uc(directory: Path, step: int) -> pd.Series:
    """Mean uc over language pairs per layer at ``step``: exact rows where tracked, else the sketch's."""
    from mtickets.training.interference import layer_order

    path = Path(directory) / "uc.parquet"
    if not path.is_file():
        raise MticketsError(f"{path}: not found; pretrain the variant with --interference-out {directory}")
    rows = pd.read_parquet(path)
    rows = rows[rows["step"] == step]
    if rows.empty:
        raise MticketsError(f"{path}: no uc rows at step {step}; set interference.step to a step it measured")
    exact = rows[rows["method"] == "exact"]
    sketch = rows[(rows["method"] == "sketch") & ~rows["layer"].isin(exact["layer"].unique())]
    means = pd.concat([exact, sketch]).groupby("layer")["value"].mean()
    methods = {layer: "exact" if layer in set(exact["layer"]) else "sketch" for layer in means.index}
    ordered = means.reindex(layer_order(means.index))
    ordered.attrs["methods"] = methods
    return ordered


def encoder_mean(uc: pd.Series) -> float:
    return float(uc.drop("embeddings", errors="ignore").mean())


def read_json(path: Path, what: str) -> dict:
    if not Path(path).is_file():
        raise MticketsError(f"{path}: not found; run {what} first")
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the claims


@dataclass
class Results:
    names: dict[str, list[str]]  # role -> replicate variant names
    heldout: dict[str, list[pd.DataFrame]]  # role -> per replicate: language x (mlm_loss, mlm_accuracy)
    f1: dict[str, list[pd.Series]] | None  # role -> per replicate: language -> F1 %
    uc: dict[str, list[pd.Series]]  # role -> per replicate: layer -> mean uc
    relatedness: list[dict]  # per replicate: relatedness.json of the SNIP tickets
    noise_floor: dict | None
    baselines: dict


def gate(results: Results, margin: float) -> dict:
    """Per dense replicate: mean over languages of (language-aware unigram − model loss); passed if all ≥ margin.
    Also how far below the copying unigram each replicate ends (mean and worst language)."""
    baselines = pd.DataFrame(results.baselines["languages"]).T
    below, below_copy, worst_copy = [], [], []
    for frame in results.heldout["dense"]:
        missing = [lang for lang in frame.index if lang not in baselines.index]
        if missing:
            raise MticketsError(f"the baselines lack the pretraining languages {missing}; rerun `mtickets baselines` "
                                "on every pretraining language's shards")
        loss = frame["mlm_loss"]
        below.append(float((baselines.loc[loss.index, "language_unigram"] - loss).mean()))
        margins = baselines.loc[loss.index, "copy_unigram"] - loss
        below_copy.append(float(margins.mean()))
        worst_copy.append(float(margins.min()))
    return {"margin": margin, "below_unigram": below, "below_copy_unigram": below_copy,
            "worst_language_below_copy_unigram": worst_copy,
            "passed": bool(below) and all(value >= margin for value in below)}


def comparison(question, statement, metric, values, confidence, gated) -> Claim:
    mean, low, high = interval(values, confidence)
    mde = minimum_detectable_effect(values, confidence)
    return Claim(question, statement, metric, values, mean, low, high, mde,
                 verdict(low, high) if gated else "no verdict (gate failed)")


def paired(claimed: list, baseline: list, lower_is_better: bool) -> list[float]:
    """Per replicate pair: the claimed role's advantage, averaged over the languages both have."""
    effects = []
    for ours, base in zip(claimed, baseline):
        common = ours.index.intersection(base.index)
        if common.empty:
            raise MticketsError(f"two variants share no language to compare ({list(ours.index)} vs "
                                f"{list(base.index)}); pretrain and fine-tune them on the same languages")
        difference = base.loc[common] - ours.loc[common]
        effects.append(float(difference.mean() if lower_is_better else -difference.mean()))
    return effects


def measure_claims(results: Results, confidence: float, gate_passed: bool) -> list[Claim]:
    claims = []
    for question, claimed, baseline, statement in COMPARISONS:
        if statement.startswith("(see"):
            continue
        if results.f1 is not None:
            claims.append(comparison(question, statement, "test F1 (points), primary",
                                     paired(results.f1[claimed], results.f1[baseline], lower_is_better=False),
                                     confidence, gate_passed))
        losses = {role: [frame["mlm_loss"] for frame in results.heldout[role]] for role in (claimed, baseline)}
        claims.append(comparison(question, statement, "held-out MLM loss (nats), secondary",
                                 paired(losses[claimed], losses[baseline], lower_is_better=True),
                                 confidence, gate_passed))
    for baseline in ("dense", "control"):
        values = [encoder_mean(t) - encoder_mean(b) for t, b in zip(results.uc["tickets"], results.uc[baseline])]
        claims.append(comparison("RQ3", f"uc is higher with tickets than with {baseline}",
                                 "mean uc over encoder layers and language pairs", values, confidence, gate_passed))
    claims.append(relatedness_claim(results.relatedness, confidence))
    return claims


def relatedness_claim(relatedness: list[dict], confidence: float) -> Claim:
    alpha = 1 - confidence
    partial = [tests["tests"]["genealogy | script"] for tests in relatedness]
    values = [test["r"] for test in partial]
    mean, low, high = interval(values, confidence)
    p, opposite = [test["p"] for test in partial], [test.get("p_opposite") for test in partial]
    if p and all(x is not None and x < alpha for x in p):
        outcome = "holds"
    elif opposite and all(x is not None and x < alpha for x in opposite):
        outcome = "fails"
    else:
        outcome = "not shown"
    detail = ("permutation p per replicate (related more alike / less alike): "
              + ", ".join(f"{_p(a)} / {_p(b)}" for a, b in zip(p, opposite)))
    # The verdict comes from each replicate's permutation test; the interval over replicates is
    # descriptive, and no t-test MDE is claimed for it.
    return Claim("§5.2", "tickets of related languages are more alike",
                 "partial Mantel r, ticket distance vs genealogy given script (interval descriptive; verdict by "
                 "permutation p)", values, mean, low, high, None, outcome, detail)


# --------------------------------------------------------------------------- the page


def _p(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.3g}"


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def sentence(claim: Claim) -> str:
    """One sentence that says only what the interval says."""
    if claim.verdict.startswith("no verdict"):
        return "No verdict: the dense models did not clear the unigram gate."
    if claim.low is None:
        return f"Not shown: one replicate gives no interval (measured {_number(claim.mean)}); set `replicates` ≥ 2."
    span = f"[{_number(claim.low)}, {_number(claim.high)}]"
    mde = f"; the design detects {claim.mde:.3f} with 80% power" if claim.mde is not None else ""
    if claim.question == "§5.2":
        return {"holds": "Holds: every replicate's permutation test is significant.",
                "fails": "Fails: every replicate's test in the opposite direction is significant.",
                "not shown": "Not shown: not every replicate's permutation test is significant in either "
                             "direction."}[claim.verdict]
    if claim.verdict == "holds":
        return f"Holds: the interval {span} lies above 0."
    if claim.verdict == "fails":
        return f"Fails: the interval {span} lies below 0, the opposite of the claim."
    return f"Not shown: the interval {span} includes 0{mde}."


def gate_lines(results: Results, gate_result: dict) -> list[str]:
    baselines = results.baselines["languages"]
    dense = results.heldout["dense"]
    languages = list(dense[0].index)
    copy = ", ".join(f"{v:.2f}" for v in gate_result["below_copy_unigram"])
    worst = min(gate_result["worst_language_below_copy_unigram"])
    if gate_result["passed"]:
        head = (f"**Gate passed.** Every dense replicate ends at least {gate_result['margin']:g} nats below the "
                f"language-aware unigram (by {', '.join(f'{v:.2f}' for v in gate_result['below_unigram'])} nats, "
                "mean over languages): the dense models learned more than each language's word frequencies.")
    else:
        head = (f"**Gate failed: no verdict on the trained models.** A dense replicate ends less than "
                f"{gate_result['margin']:g} nats below the language-aware unigram (unigram − model: "
                f"{', '.join(f'{v:+.2f}' for v in gate_result['below_unigram'])} nats, mean over languages): the "
                "models have not left the unigram phase, and their comparisons say nothing about interference.")
    lines = [head, "",
             "Part of that margin needs no context: BERT's masking leaves 10% of the scored tokens visible, and a "
             "unigram that also copies the visible token (the copying unigram) scores below the plain one. The "
             f"dense replicates end {copy} nats below the copying unigram (mean over languages; "
             f"{worst:+.2f} in the worst language of any replicate); that part is what reading the context "
             "bought.", "",
             "Cross-entropy of each language's held-out tokens (nats): a uniform guess over the wordpieces, a "
             "unigram of all languages pooled, a unigram of the language alone, the copying unigram "
             "(`mtickets baselines`, from the shards), and the dense model's held-out MLM loss per replicate.", "",
             "| language | uniform | unigram | language-aware unigram | copying unigram | "
             + " | ".join(f"dense r{k + 1}" for k in range(len(dense))) + " |",
             "|---|---:|---:|---:|---:|" + "---:|" * len(dense)]
    keys = ("uniform", "unigram", "language_unigram", "copy_unigram")
    for lang in languages:
        cells = " | ".join(f"{frame.loc[lang, 'mlm_loss']:.3f}" for frame in dense)
        lines.append(f"| {lang} | " + " | ".join(f"{baselines[lang][key]:.3f}" for key in keys) + f" | {cells} |")
    mean = [np.mean([baselines[lang][key] for lang in languages]) for key in keys]
    cells = " | ".join(f"{frame.loc[languages, 'mlm_loss'].mean():.3f}" for frame in dense)
    lines.append("| **avg** | " + " | ".join(f"{value:.3f}" for value in mean) + f" | {cells} |")
    return lines


def per_language_table(results: Results, metric: str) -> list[str]:
    """Mean ± std over replicates per language and role; ``metric`` mlm_loss or f1."""
    roles = [role for role in ROLES if results.names.get(role)]
    frames = {role: [frame["mlm_loss"] for frame in results.heldout[role]] if metric == "mlm_loss"
              else results.f1[role] for role in roles}
    languages = list(frames[roles[0]][0].index)
    lines = ["| language | " + " | ".join(f"{role} (`{results.names[role][0].rsplit('_r', 1)[0]}`)"
                                          for role in roles) + " |",
             "|---|" + "---:|" * len(roles)]
    for lang in [*languages, "avg"]:
        cells = []
        for role in roles:
            values = [float(s.mean() if lang == "avg" else s[lang]) for s in frames[role]]
            spread = f" ± {np.std(values, ddof=1):.2f}" if len(values) > 1 else ""
            cells.append(f"{np.mean(values):.{3 if metric == 'mlm_loss' else 1}f}{spread}")
        lines.append(f"| {'**avg**' if lang == 'avg' else lang} | " + " | ".join(cells) + " |")
    return lines


def uc_lines(results: Results, step: int) -> list[str]:
    from mtickets.training.interference import layer_order

    roles = [role for role in UC_ROLES if results.uc.get(role)]
    layers = layer_order({layer for role in roles for frame in results.uc[role] for layer in frame.index})
    methods = results.uc["tickets"][0].attrs.get("methods", {})
    depths = {role: len(results.uc[role][0].drop("embeddings", errors="ignore")) for role in roles}
    lines = [f"Mean uc over language pairs per layer at step {step}, mean ± std over replicates (exact: "
             f"{', '.join(layer for layer, how in methods.items() if how == 'exact') or 'none'}; the rest from the "
             "count sketch). The per-model number RQ3 compares is the mean over its encoder layers; the embeddings "
             "(shared by every ticket) are shown apart. Depths differ ("
             + ", ".join(f"{role} {depth}" for role, depth in depths.items())
             + " layers): the paper's controlled setting compares equal depths, this one compares each model's "
             "mean.", "",
             "| layer | " + " | ".join(roles) + " |", "|---|" + "---:|" * len(roles)]
    for layer in layers:
        cells = []
        for role in roles:
            values = [float(frame[layer]) for frame in results.uc[role] if layer in frame.index]
            spread = f" ± {np.std(values, ddof=1):.3f}" if len(values) > 1 else ""
            cells.append(f"{np.mean(values):.3f}{spread}" if values else "—")
        lines.append(f"| {layer} | " + " | ".join(cells) + " |")
    means = [f"{np.mean([encoder_mean(frame) for frame in results.uc[role]]):.3f}" for role in roles]
    lines.append("| **encoder mean** | " + " | ".join(means) + " |")
    return lines


def relatedness_lines(results: Results) -> list[str]:
    relatedness = results.relatedness
    first = relatedness[0]
    lines = [f"SNIP tickets of {len(first['languages'])} languages ({', '.join(first['languages'])}), scored at "
             "initialisation (no pretraining needed). Mantel correlation of ticket Jaccard distance with each "
             "distance; one-sided permutation p (related languages' tickets more alike).", "",
             "| test | " + " | ".join(f"r{k + 1}: r (p)" for k in range(len(relatedness))) + " |",
             "|---|" + "---|" * len(relatedness)]
    for test in first["tests"]:
        cells = [f"{_number(tests['tests'][test]['r'])} ({_p(tests['tests'][test]['p'])})" for tests in relatedness]
        lines.append(f"| {test.replace('|', chr(92) + '|')} | " + " | ".join(cells) + " |")  # a | would split the cell
    between = [tests["mean_jaccard_distance"] for tests in relatedness]
    lines += ["", "Mean Jaccard distance between tickets, per replicate: same family "
              + ", ".join(f"{row['same family']:.3f}" for row in between if row["same family"] is not None)
              + "; different families "
              + ", ".join(f"{row['different families']:.3f}" for row in between) + "."]
    floor = results.noise_floor
    if floor:
        lines += ["", f"**SNIP noise floor** ({floor['method']}): the same language scored twice is "
                  f"{floor['mean']:.3f} apart on average (per language: "
                  + ", ".join(f"{lang} {value:.3f}" for lang, value in floor["per_language"].items())
                  + f"), against {floor['between_languages']:.3f} between two languages in one scoring. Rescoring "
                  f"moves a pair's distance by {floor['pair_change']:.3f} on average, while the pairs' distances "
                  f"differ by {floor['between_spread']:.3f} (standard deviation over pairs): the share of that "
                  "spread a rescoring reproduces is what relatedness can rest on."]
    return lines


def verdict_table(claims: list[Claim], confidence: float) -> list[str]:
    lines = [f"| question | claim | metric | effect per replicate | mean | {100 * confidence:g}% interval | MDE (80%) | "
             "verdict |",
             "|---|---|---|---|---:|---|---:|---|"]
    for claim in claims:
        span = "n/a" if claim.low is None else f"[{_number(claim.low)}, {_number(claim.high)}]"
        values = ", ".join(_number(v) for v in claim.per_replicate)
        mde = "n/a" if claim.mde is None else f"{claim.mde:.3f}"
        lines.append(f"| {claim.question} | {claim.statement} | {claim.metric} | {values} | {_number(claim.mean)} | "
                     f"{span} | {mde} | **{claim.verdict}** |")
    return lines


def write_page(out: Path, claims: list[Claim], results: Results, gate_result: dict, setup: dict) -> None:
    held = [c for c in claims if c.verdict == "holds"]
    failed = [c for c in claims if c.verdict == "fails"]
    lines = [
        "# Replication: the paper's research questions tested on this run",
        "",
        "Written by `mtickets replication` from this run's results; rerun the pipeline to update it, do not edit it.",
        "",
        "## Did the models learn?",
        "",
        *gate_lines(results, gate_result),
        "",
        "## Setup",
        "",
        f"- Pretraining languages ({len(setup['languages'])}): {', '.join(setup['languages'])}",
        f"- Replicates per variant: {setup['replicates']} (initialisation, tickets and data order drawn from the "
        "seeds + k − 1); effects are paired by replicate and averaged over languages.",
        f"- Pretraining: {setup['steps']} steps of batch {setup['batch_size']}; held-out MLM loss at the last step, "
        "each language through its own ticket.",
        "- Variants: " + "; ".join(f"{role} = `{names[0].rsplit('_r', 1)[0]}` ({setup['models'][role]})"
                                   for role, names in results.names.items()),
        f"- Downstream task: {setup['task'] or 'none'}",
        f"- Intervals: {100 * setup['confidence']:g}% t-intervals over the replicates; MDE: the effect a two-sided "
        "paired t-test of these replicates detects with 80% power at the observed spread.",
        "",
        "## Verdicts",
        "",
        *verdict_table(claims, setup["confidence"]),
        "",
        *[f"- {claim.question}, {claim.statement} ({claim.metric}): {sentence(claim)}"
          + (f" ({claim.detail})" if claim.detail else "") for claim in claims],
        "",
        f"In all: {len(held)} of {len(claims)} comparisons hold, {len(failed)} fail, "
        f"{len(claims) - len(held) - len(failed)} are not shown or have no verdict. Each test is at "
        f"{100 * setup['confidence']:g}% on its own, uncorrected for the {len(claims)} tests; with "
        f"{setup['replicates']} replicates a spread is estimated from {setup['replicates'] - 1} degrees of freedom, "
        "so an MDE is itself uncertain.",
        "",
    ]
    if results.f1 is not None:
        lines += [f"## Test F1 per language ({setup['task']})", "",
                  "Mean ± std over replicates, in percent (entity-level F1, seqeval).", "",
                  *per_language_table(results, "f1"), ""]
    lines += ["## Held-out MLM loss per language", "", "Mean ± std over replicates, nats; lower is better.", "",
              *per_language_table(results, "mlm_loss"), "",
              "## uc per layer (RQ3)", "", *uc_lines(results, setup["step"]), "",
              "## Ticket relatedness (§5.2)", "", *relatedness_lines(results), "",
              "## Not measured here", ""]
    lines += [f"- {line}" for line in setup["not_measured"]] or ["- Nothing."]
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def model_summary(final: Path) -> str:
    config = json.loads((Path(final) / "config.json").read_text(encoding="utf-8"))
    told = ", language embedding" if config.get("language_embedding") else ""
    return f"{config['num_hidden_layers']} layers, hidden {config['hidden_size']}{told}"


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for role in ROLES:
        parser.add_argument(f"--{role}", required=True, nargs="+", type=Path, metavar="FINAL",
                            help=f"the {role} variant's pretrained models (results/pretrain/{{variant}}/final), "
                                 "one per replicate, in replicate order")
    for role in UC_ROLES:
        parser.add_argument(f"--uc-{role}", required=True, nargs="+", type=Path,
                            help=f"the {role} variant's interference directories, one per replicate")
    parser.add_argument("--relatedness", required=True, nargs="+", type=Path,
                        help="the SNIP ticket variant's relatedness.json, one per replicate")
    parser.add_argument("--noise-floor", type=Path, help="the SNIP noise floor (mtickets relatedness --noise-floor)")
    parser.add_argument("--baselines", required=True, type=Path, help="baselines.json (mtickets baselines)")
    parser.add_argument("--gate", type=float, default=0.5,
                        help="nats every dense replicate must end below the language-aware unigram (default 0.5)")
    parser.add_argument("--task", help="the labelled task fine-tuned in every language (evaluation.tasks)")
    parser.add_argument("--finetune-root", type=Path, default=Path("results/finetune"),
                        help="where fine-tuning wrote {variant}/{task}/{lang}/seed*/metrics.json")
    parser.add_argument("--task-languages", nargs="*", default=[], help="the task's languages")
    parser.add_argument("--step", required=True, type=int, help="the step of uc (interference.step)")
    parser.add_argument("--confidence", type=float, default=0.95, help="the intervals' coverage (default 0.95)")
    parser.add_argument("--not-measured", nargs="*", default=[], help="lines for the page's 'Not measured' list")
    parser.add_argument("--out", required=True, type=Path, help="replication.md")
    parser.add_argument("--summary", required=True, type=Path, help="replication.json: the page's numbers")


def read_results(args: argparse.Namespace) -> tuple[Results, dict[str, list[dict]]]:
    runs = {role: getattr(args, role) for role in ROLES}
    counts = {len(paths) for paths in [*runs.values(), *(getattr(args, f"uc_{r}") for r in UC_ROLES),
                                       args.relatedness]}
    if len(counts) != 1:
        raise MticketsError("--" + ", --".join(ROLES) + ", --uc-* and --relatedness need one entry per replicate "
                            "each (the same number)")
    names = {role: [Path(path).parent.name for path in paths] for role, paths in runs.items()}
    summaries = {role: [read_pretrain_summary(path) for path in paths] for role, paths in runs.items()}
    heldout = {role: [read_heldout(path, summary) for path, summary in zip(paths, summaries[role])]
               for role, paths in runs.items()}
    f1 = None
    if args.task:
        languages = args.task_languages or list(heldout["dense"][0].index)
        f1 = {role: [read_f1(args.finetune_root, name, args.task, languages) for name in names[role]]
              for role in ROLES}
    results = Results(
        names=names, heldout=heldout, f1=f1,
        uc={role: [read_uc(path, args.step) for path in getattr(args, f"uc_{role}")] for role in UC_ROLES},
        relatedness=[read_json(path, "the relatedness stage of the SNIP ticket variant") for path in args.relatedness],
        noise_floor=read_json(args.noise_floor, "the relatedness noise floor") if args.noise_floor else None,
        baselines=read_json(args.baselines, "`mtickets baselines`"))
    return results, summaries


def main(args: argparse.Namespace) -> None:
    if not 0 < args.confidence < 1:
        raise MticketsError(f"--confidence {args.confidence}: expected a number between 0 and 1")
    results, summaries = read_results(args)
    gate_result = gate(results, args.gate)
    claims = measure_claims(results, args.confidence, gate_result["passed"])
    first = summaries["dense"][0]
    setup = {"replicates": len(args.dense), "languages": first["languages"], "steps": first["steps"],
             "batch_size": first["batch_size"], "confidence": args.confidence, "step": args.step,
             "task": args.task, "models": {role: model_summary(getattr(args, role)[0]) for role in ROLES},
             "not_measured": args.not_measured}
    write_page(args.out, claims, results, gate_result, setup)
    write_json(args.summary, {
        "setup": setup, "gate": gate_result, "claims": [asdict(claim) for claim in claims],
        "baselines": results.baselines,
        "heldout": {role: [frame.reset_index().to_dict("records") for frame in frames]
                    for role, frames in results.heldout.items()},
        "f1": {role: [series.to_dict() for series in values] for role, values in (results.f1 or {}).items()},
        "noise_floor": results.noise_floor})
    for claim in claims:
        log.info("%s %s (%s): %s, mean %s, MDE %s", claim.question, claim.statement, claim.metric, claim.verdict,
                 _number(claim.mean), _number(claim.mde))
