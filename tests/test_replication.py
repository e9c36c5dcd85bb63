"""results/replication.md: the gate, each comparison's verdict and MDE follow from the numbers fed in."""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mtickets.analysis import replication
from mtickets.errors import MticketsError

LANGUAGES = ["en", "de", "fi", "ru"]
LAYERS = ["embeddings", "layer.0", "layer.1"]
UNIGRAM = 6.0  # every language's language-aware unigram in these tests
CLAIM_ROW = re.compile(r"^\| (RQ\d|shortcut|§5\.2) \| (.+?) \| (.+?) \|.*\*\*(.+?)\*\* \|$", re.M)


def write_run(directory: Path, losses: dict[str, float], told: bool = False) -> Path:
    """A pretraining output as `mtickets pretrain` writes it: pretrain.json's held-out rows and config.json."""
    directory.mkdir(parents=True)
    heldout = {lang: {"64": {"step": 100, "language": lang, "seq_length": 64, "mlm_loss": loss,
                             "mlm_accuracy": 1 / (1 + loss)}} for lang, loss in losses.items()}
    (directory / "pretrain.json").write_text(json.dumps(
        {"steps": 100, "languages": list(losses), "batch_size": 16, "heldout": heldout}))
    (directory / "config.json").write_text(json.dumps(
        {"num_hidden_layers": 4, "hidden_size": 64, "language_embedding": told}))
    return directory


def write_f1(root: Path, variant: str, f1: float) -> None:
    for lang in LANGUAGES:
        path = root / variant / "help_ui" / lang / "seed1" / "metrics.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"f1": f1}))  # percent, as finetune writes it


def write_uc(directory: Path, level: float, step: int = 100, layers: list[str] = LAYERS) -> Path:
    directory.mkdir(parents=True)
    rows = [{"step": s, "layer": layer, "lang_i": "en", "lang_j": "de", "value": level + 0.01 * (k % 3),
             "method": method} for s in (step - 10, step) for k, layer in enumerate(layers)
            for method in ("sketch", "exact")]
    frame = pd.DataFrame(rows)
    # The sketch is off by 1: the page must read the exact rows where pretraining tracked them.
    frame.loc[frame["method"] == "sketch", "value"] += 1.0
    frame.to_parquet(directory / "uc.parquet")
    return directory


def write_relatedness(path: Path, r: float, p: float, p_opposite: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    test = {"r": r, "p": p, "p_opposite": p_opposite, "permutations": 9999, "exact": False, "pairs": 6}
    path.write_text(json.dumps({"languages": LANGUAGES, "tests": {"genealogy": test, "genealogy | script": test},
                                "mean_jaccard_distance": {"same family": 0.3, "different families": 0.4}}))
    return path


def build(tmp_path: Path, effects: dict[str, list[float]], f1_gain: dict[str, list[float]], uc_gap: list[float],
          mantel: list[tuple[float, float, float]], dense_loss: float = 5.0) -> tuple[str, dict]:
    """Three replicates. ``effects[role]``: the role's loss minus the SNIP tickets' per replicate (the same on
    every language); ``f1_gain[role]``: the tickets' F1 minus the role's, so every effect is known exactly."""
    runs = {role: [] for role in replication.ROLES}
    base = {lang: dense_loss + 0.1 * k for k, lang in enumerate(LANGUAGES)}
    root = tmp_path / "finetune"
    for k in range(3):
        for role in replication.ROLES:
            shift = 0.0 if role == "tickets" else effects[role][k]
            name = f"{role}_r{k + 1}"
            runs[role].append(write_run(tmp_path / name / "final",
                                        {lang: loss + 0.05 * k + shift for lang, loss in base.items()},
                                        told=role == "control"))
            write_f1(root, name, 70.0 + k - (0.0 if role == "tickets" else f1_gain[role][k]))
    baselines = tmp_path / "baselines.json"
    baselines.write_text(json.dumps({"vocab_size": 100, "alpha": 0.5, "languages": {
        lang: {"uniform": 8.0, "unigram": 7.0, "language_unigram": UNIGRAM, "copy_unigram": UNIGRAM - 0.3,
               "copy_weight": 0.1, "heldout_tokens": 100}
        for lang in LANGUAGES}}))
    noise = tmp_path / "noise.json"
    noise.write_text(json.dumps({"method": "two scorings", "per_language": {lang: 0.1 for lang in LANGUAGES},
                                 "mean": 0.1, "between_languages": 0.4, "pair_change": 0.02,
                                 "between_spread": 0.05}))
    args = argparse.Namespace(
        **runs,
        uc_dense=[write_uc(tmp_path / f"uc_dense_r{k}", 0.2) for k in range(3)],
        uc_control=[write_uc(tmp_path / f"uc_control_r{k}", 0.2) for k in range(3)],
        # The ticket models are deeper: their layer.2 appears on the page, and its mean counts.
        uc_tickets=[write_uc(tmp_path / f"uc_tickets_r{k}", 0.2 + gap, layers=[*LAYERS, "layer.2"])
                    for k, gap in enumerate(uc_gap)],
        relatedness=[write_relatedness(tmp_path / f"rel_r{k}.json", *m) for k, m in enumerate(mantel)],
        noise_floor=noise, baselines=baselines, gate=0.5, task="help_ui", finetune_root=root,
        task_languages=LANGUAGES, step=100, confidence=0.95, not_measured=["XTREME: a download"],
        out=tmp_path / "replication.md", summary=tmp_path / "replication.json")
    replication.main(args)
    return args.out.read_text(encoding="utf-8"), json.loads(args.summary.read_text(encoding="utf-8"))


def verdicts(page: str) -> dict[tuple[str, str, str], str]:
    return {(m.group(1), m.group(2), m.group(3).split(" (")[0].split(",")[0]): m.group(4)
            for m in CLAIM_ROW.finditer(page)}


HOLDING = {"dense": [0.10, 0.12, 0.11], "control": [0.05, 0.06, 0.07], "scaled": [0.05, 0.06, 0.04],
           "random": [0.20, 0.25, 0.22], "magnitude": [0.08, 0.10, 0.09]}
F1_GAINS = {"dense": [1.0, 1.2, 1.1], "control": [0.5, 0.6, 0.7], "scaled": [0.4, 0.6, 0.5],
            "random": [2.0, 2.5, 2.2], "magnitude": [0.8, 1.0, 0.9]}
SIGNIFICANT = [(0.4, 0.001, 0.999), (0.5, 0.002, 0.998), (0.45, 0.001, 0.999)]


def test_interval_is_the_t_interval_over_replicates():
    values = [0.1, 0.3, 0.2]
    mean, low, high = replication.interval(values, 0.95)
    # t(0.975, 2) = 4.302653 by definition of Student's t quantile; sd = 0.1.
    assert mean == pytest.approx(0.2)
    assert high - mean == pytest.approx(4.302653 * 0.1 / math.sqrt(3), rel=1e-6)
    assert low == pytest.approx(2 * mean - high)
    assert replication.interval([0.4], 0.95) == (0.4, None, None)


@pytest.mark.parametrize("values", [[0.1, 0.3], [0.1, 0.3, 0.2], [0.5, -0.2, 0.1, 0.4, 0.0, 0.3]])
def test_minimum_detectable_effect_has_80_percent_power(values):
    """Brute force: simulate the t-test at a true effect equal to the MDE; it rejects 80% of the time."""
    from scipy import stats

    mde = replication.minimum_detectable_effect(values, 0.95)
    n, sd = len(values), np.std(values, ddof=1)
    samples = np.random.default_rng(0).normal(mde, sd, size=(40000, n))
    t = samples.mean(axis=1) / (samples.std(axis=1, ddof=1) / math.sqrt(n))
    rejected = np.abs(t) > stats.t.ppf(0.975, n - 1)
    assert rejected.mean() == pytest.approx(0.8, abs=0.01)
    assert replication.minimum_detectable_effect([0.3], 0.95) is None


def test_verdict_rules():
    assert replication.verdict(0.01, 0.2) == "holds"
    assert replication.verdict(-0.2, -0.01) == "fails"
    assert replication.verdict(-0.1, 0.1) == "not shown"
    assert replication.verdict(None, None) == "not shown"


def test_claims_that_hold(tmp_path):
    page, summary = build(tmp_path, HOLDING, F1_GAINS, uc_gap=[0.05, 0.06, 0.07], mantel=SIGNIFICANT)
    found = verdicts(page)
    assert set(found.values()) == {"holds"}
    assert len(found) == 2 * 6 + 2 + 1  # F1 and loss per comparison, uc twice, relatedness
    claims = {(c["question"], c["statement"], c["metric"].split(" (")[0]): c for c in summary["claims"]}
    rq2 = claims[("RQ2", "SNIP tickets beat random tickets", "test F1")]
    assert rq2["per_replicate"] == pytest.approx([2.0, 2.5, 2.2])
    rq2_loss = claims[("RQ2", "SNIP tickets beat random tickets", "held-out MLM loss")]
    assert rq2_loss["per_replicate"] == pytest.approx([0.20, 0.25, 0.22])
    uc = claims[("RQ3", "uc is higher with tickets than with dense", "mean uc over encoder layers and language pairs")]
    # the exact rows, not the sketch's; tickets' encoder mean over 3 layers (0.2 + gap + 0.01, 0.02, 0.0),
    # dense's over 2 (0.21, 0.22)
    assert uc["per_replicate"] == pytest.approx([gap + 0.01 - 0.015 for gap in (0.05, 0.06, 0.07)])
    assert re.search(r"^\| layer\.2 \| — \| — \| 0\.2\d\d ± ", page, re.M)
    assert "Depths differ (dense 2, control 2, tickets 3 layers)" in page
    # F1 is read as finetune writes it, in percent
    assert summary["f1"]["tickets"][0]["en"] == pytest.approx(70.0)
    assert "the dense replicates end" not in page and "The dense replicates end" in page
    assert "0.30, 0.30, 0.30 nats below the copying unigram" not in page  # the dense loss differs per replicate
    assert summary["gate"]["below_copy_unigram"] == pytest.approx(
        [g - 0.3 for g in summary["gate"]["below_unigram"]])
    assert "uncorrected for the 15 tests" in page
    assert "**Gate passed.**" in page and "Gate failed" not in page
    assert "| en | 8.000 | 7.000 | 6.000 |" in page
    assert "**SNIP noise floor**" in page and "- XTREME: a download" in page
    assert "## Test F1 per language (help_ui)" in page


def test_claims_that_fail_or_are_not_shown_say_how_large_an_effect_was_missable(tmp_path):
    # Dense beats tickets (fails), random as good (not shown), uc lower (fails), Mantel r > 0 but
    # p not significant in either direction (not shown); then significant the other way (fails).
    effects = {**HOLDING, "dense": [-0.10, -0.12, -0.11], "random": [0.02, -0.03, 0.01]}
    gains = {**F1_GAINS, "dense": [-1.0, -1.2, -1.1], "random": [0.5, -0.6, 0.1]}
    page, summary = build(tmp_path / "a", effects, gains, uc_gap=[-0.05, -0.04, -0.06],
                          mantel=[(0.3, 0.2, 0.8), (0.35, 0.01, 0.99), (0.32, 0.03, 0.97)])
    found = verdicts(page)
    assert found[("RQ1", "tickets beat the dense model of equal per-language cost", "test F1")] == "fails"
    assert found[("RQ2", "SNIP tickets beat random tickets", "test F1")] == "not shown"
    assert found[("RQ3", "uc is higher with tickets than with dense", "mean uc over encoder layers and language pairs")] \
        == "fails"
    assert found[("§5.2", "tickets of related languages are more alike",
                  "partial Mantel r")] == "not shown"
    rq2 = next(c for c in summary["claims"] if c["question"] == "RQ2" and c["metric"].startswith("test F1"))
    assert rq2["mde"] == pytest.approx(replication.minimum_detectable_effect([0.5, -0.6, 0.1], 0.95))
    assert f"the design detects {rq2['mde']:.3f} with 80% power" in page
    page, _ = build(tmp_path / "b", effects, gains, uc_gap=[0.0] * 3,
                    mantel=[(-0.3, 0.99, 0.01), (-0.35, 0.99, 0.02), (-0.32, 0.97, 0.03)])
    assert verdicts(page)[("§5.2", "tickets of related languages are more alike", "partial Mantel r")] == "fails"


def test_a_model_that_did_not_learn_gets_no_verdict(tmp_path):
    # Dense ends about 0.25 nats below the language-aware unigram: the gate (0.5) fails, and no
    # comparison of trained models gets a verdict; relatedness, at initialisation, still does.
    page, summary = build(tmp_path, HOLDING, F1_GAINS, uc_gap=[0.05] * 3, mantel=SIGNIFICANT,
                          dense_loss=UNIGRAM - 0.5)
    assert page.index("**Gate failed: no verdict on the trained models.**") < page.index("## Verdicts")
    assert summary["gate"]["passed"] is False
    found = verdicts(page)
    assert {v for (q, _, _), v in found.items() if q != "§5.2"} == {"no verdict (gate failed)"}
    assert found[("§5.2", "tickets of related languages are more alike", "partial Mantel r")] == "holds"
    assert "holds" not in {v for (q, _, _), v in found.items() if q != "§5.2"}


def test_a_run_without_heldout_loss_is_one_error(tmp_path):
    directory = tmp_path / "final"
    directory.mkdir()
    (directory / "pretrain.json").write_text(json.dumps({"steps": 10, "heldout": {}}))
    with pytest.raises(MticketsError, match="no held-out evaluation.*--eval-every"):
        replication.read_heldout(directory)


def test_missing_fine_tuning_results_name_the_directory(tmp_path):
    with pytest.raises(MticketsError, match=r"mbert_r1/help_ui/en: no seed\*/metrics.json"):
        replication.read_f1(tmp_path, "mbert_r1", "help_ui", ["en"])


def test_paired_effect_averages_over_the_common_languages():
    base = pd.Series([3.0, 4.0, 9.0], index=["en", "de", "xx"])
    ours = pd.Series([2.5, 3.0], index=["en", "de"])
    assert replication.paired([ours], [base], lower_is_better=True) == pytest.approx([0.75])
    assert replication.paired([ours], [base], lower_is_better=False) == pytest.approx([-0.75])
