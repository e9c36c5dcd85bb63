"""results/replication.md: each claim's verdict follows from the numbers fed in, and the page says so."""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mtickets import replication
from mtickets.errors import MticketsError

LANGUAGES = ["en", "de", "fi", "ru"]
LAYERS = ["embeddings", "layer.0", "layer.1"]


def write_run(directory: Path, losses: dict[str, float], layers: int = 4) -> Path:
    """A pretraining output as `mtickets pretrain` writes it: pretrain.json's held-out rows and config.json."""
    directory.mkdir(parents=True)
    heldout = {lang: {"64": {"step": 100, "language": lang, "seq_length": 64, "mlm_loss": loss,
                             "mlm_accuracy": 1 / (1 + loss)}} for lang, loss in losses.items()}
    (directory / "pretrain.json").write_text(json.dumps(
        {"steps": 100, "languages": list(losses), "batch_size": 16, "heldout": heldout}))
    (directory / "config.json").write_text(json.dumps({"num_hidden_layers": layers, "hidden_size": 64}))
    return directory


def write_uc(directory: Path, level: float, step: int = 100) -> Path:
    directory.mkdir(parents=True)
    rows = [{"step": s, "layer": layer, "lang_i": "en", "lang_j": "de", "value": level + 0.01 * k,
             "method": "sketch"} for s in (step - 10, step) for k, layer in enumerate(LAYERS)]
    pd.DataFrame(rows).to_parquet(directory / "uc.parquet")
    return directory


def write_relatedness(path: Path, r: float, p: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    test = {"r": r, "p": p, "permutations": 9999, "exact": False, "pairs": 6}
    path.write_text(json.dumps({"tests": {"family": test, "genealogy": test, "script": test,
                                          "genealogy | script": test}}))
    return path


def build(tmp_path: Path, effects: dict[str, list[float]], uc_gap: list[float], mantel: list[tuple[float, float]],
          margin: float = 0.02) -> tuple[str, dict]:
    """Three replicates; ``effects[role]`` is the role's loss minus the SNIP tickets' per replicate
    (the same on every language), so each claim's effect per replicate is known exactly."""
    base = {lang: 3.0 + 0.1 * k for k, lang in enumerate(LANGUAGES)}
    runs = {role: [] for role in replication.LOSS_ROLES}
    for k in range(3):
        for role in replication.LOSS_ROLES:
            shift = 0.0 if role == "tickets" else effects[role][k]
            runs[role].append(write_run(tmp_path / f"{role}_r{k + 1}",
                                        {lang: loss + 0.05 * k + shift for lang, loss in base.items()}))
    args = argparse.Namespace(
        **runs, names=["mbert", "mbert_scaled", "mtickets", "random", "magnitude", "mtickets_controlled"],
        uc_dense=[write_uc(tmp_path / f"uc_dense_r{k}", 0.2) for k in range(3)],
        uc_tickets=[write_uc(tmp_path / f"uc_tickets_r{k}", 0.2 + gap) for k, gap in enumerate(uc_gap)],
        relatedness=[write_relatedness(tmp_path / f"rel_r{k}.json", r, p) for k, (r, p) in enumerate(mantel)],
        step=100, margin=margin, confidence=0.95, not_measured=["NER and POS: no labelled data in this config"],
        out=tmp_path / "replication.md", summary=tmp_path / "replication.json")
    replication.main(args)
    return args.out.read_text(encoding="utf-8"), json.loads(args.summary.read_text(encoding="utf-8"))


def verdicts(page: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d) \|.*\*\*(holds|fails|not shown)\*\* \|$",
                                                             page, flags=re.M)}


def test_interval_is_the_t_interval_over_replicates():
    values = [0.1, 0.3, 0.2]
    mean, low, high = replication.interval(values, 0.95)
    # t(0.975, 2) = 4.302653 by definition of Student's t quantile; sd = 0.1.
    assert mean == pytest.approx(0.2)
    assert high - mean == pytest.approx(4.302653 * 0.1 / math.sqrt(3), rel=1e-6)
    assert low == pytest.approx(2 * mean - high)
    assert replication.interval([0.4], 0.95) == (0.4, None, None)


def test_verdict_rules():
    assert replication.verdict(0.01, 0.2) == "holds"
    assert replication.verdict(-0.2, -0.01) == "fails"
    assert replication.verdict(-0.1, 0.1) == "not shown"
    assert replication.verdict(-0.01, 0.1, threshold=-0.02) == "holds"  # non-inferiority within the margin
    assert replication.verdict(0.01, 0.2, also=False) == "not shown"
    assert replication.verdict(None, None) == "not shown"


def test_claims_that_hold(tmp_path):
    effects = {"dense": [0.10, 0.12, 0.11], "scaled": [0.05, 0.06, 0.04], "random": [0.20, 0.25, 0.22],
               "magnitude": [0.08, 0.10, 0.09]}
    page, summary = build(tmp_path, effects, uc_gap=[0.05, 0.06, 0.07], mantel=[(0.4, 0.001), (0.5, 0.002),
                                                                              (0.45, 0.001)])
    assert verdicts(page) == {1: "holds", 2: "holds", 3: "holds", 4: "holds", 5: "holds"}
    claims = {c["number"]: c for c in summary["claims"]}
    assert claims[2]["per_replicate"] == pytest.approx([0.20, 0.25, 0.22])
    assert claims[4]["per_replicate"] == pytest.approx([0.05, 0.06, 0.07])
    assert "In all: 5 of 5 claims hold at this scale, 0 fail, 0 are not shown." in page
    assert "Holds at this scale" in page and "Fails" not in page
    assert "- NER and POS: no labelled data in this config" in page
    assert "| **avg** |" in page and "| fi |" in page


def test_claims_that_fail_or_are_not_shown(tmp_path):
    # Dense better than tickets beyond the margin (1 fails); random as good (2 not shown); magnitude better
    # (3 fails); uc lower with tickets (4 fails); Mantel r > 0 but not significant (5 not shown).
    effects = {"dense": [-0.10, -0.12, -0.11], "scaled": [0.0, 0.0, 0.0], "random": [0.02, -0.03, 0.01],
               "magnitude": [-0.05, -0.06, -0.07]}
    page, _ = build(tmp_path, effects, uc_gap=[-0.05, -0.04, -0.06], mantel=[(0.3, 0.2), (0.35, 0.01),
                                                                             (0.32, 0.03)])
    assert verdicts(page) == {1: "fails", 2: "not shown", 3: "fails", 4: "fails", 5: "not shown"}
    assert "In all: 0 of 5 claims hold at this scale, 3 fail, 2 are not shown." in page
    assert "the opposite of the claim" in page
    assert "not every replicate's permutation test is significant" in page
    assert "Holds" not in page


def test_non_inferiority_uses_the_margin(tmp_path):
    # Tickets slightly worse than dense (−0.005 nats), well inside a 0.02 margin: claim 1 holds; with
    # margin 0 the interval lies below 0 and it fails.
    effects = {"dense": [-0.004, -0.005, -0.006], "scaled": [0.0] * 3, "random": [0.0] * 3, "magnitude": [0.0] * 3}
    page, _ = build(tmp_path / "a", effects, [0.0] * 3, [(0.0, 0.5)] * 3, margin=0.02)
    assert verdicts(page)[1] == "holds"
    page, _ = build(tmp_path / "b", effects, [0.0] * 3, [(0.0, 0.5)] * 3, margin=0.0)
    assert verdicts(page)[1] == "fails"


def test_a_run_without_heldout_loss_is_one_error(tmp_path):
    directory = tmp_path / "final"
    directory.mkdir()
    (directory / "pretrain.json").write_text(json.dumps({"steps": 10, "heldout": {}}))
    with pytest.raises(MticketsError, match="no held-out evaluation.*--eval-every"):
        replication.read_heldout(directory)


def test_loss_effect_averages_over_the_common_languages():
    base = pd.DataFrame({"mlm_loss": [3.0, 4.0], "mlm_accuracy": [0.3, 0.2]}, index=["en", "de"])
    ours = pd.DataFrame({"mlm_loss": [2.5, 3.0], "mlm_accuracy": [0.3, 0.2]}, index=["en", "de"])
    assert replication.loss_effect([base], [ours]) == pytest.approx([np.mean([0.5, 1.0])])
