"""Normalise-and-merge against a plain Python sort; budgets, ties, outputs, errors."""

from __future__ import annotations

import csv
import json
import math

import pytest
import torch
from safetensors import safe_open

from mtickets.errors import MticketsError
from mtickets.formats.tensors import load_scores, save_safetensors
from mtickets.tickets.merge import keep_count, merge_scores, ticket_summary

LANGS = ["en", "de", "fr"]
DIMS = {"layer.0.qk": 8, "layer.0.v": 8, "layer.0.ffn": 16, "layer.1.qk": 8, "layer.1.v": 8, "layer.1.ffn": 16}
ORDER = list(DIMS)  # layer, then qk < v < ffn


def random_scores(seed=0, languages=LANGS):
    generator = torch.Generator().manual_seed(seed)
    return {lang: {key: torch.rand(dim, generator=generator) * (1 + 9 * i) for i, (key, dim) in enumerate(DIMS.items())}
            for lang in languages}


def python_merge(scores, languages, ratio, budget="joint"):
    """Reference: plain lists, math.sqrt, sorted() by (-score, pooled position)."""
    entries = []  # (normalised score, position, language, key, unit)
    position = 0
    for lang in languages:
        for key in ORDER:
            values = [float(x) for x in scores[lang][key].double()]
            norm = math.sqrt(sum(v * v for v in values))
            for unit, value in enumerate(values):
                entries.append((value / norm if norm else 0.0, position, lang, key, unit))
                position += 1
    kept = set()
    if budget == "joint":
        ranked = sorted(entries, key=lambda e: (-e[0], e[1]))
        kept = {(e[2], e[3], e[4]) for e in ranked[: math.floor(ratio * len(entries) + 1e-9)]}
    else:
        for lang in languages:
            mine = [e for e in entries if e[2] == lang]
            ranked = sorted(mine, key=lambda e: (-e[0], e[1]))
            kept |= {(e[2], e[3], e[4]) for e in ranked[: math.floor(ratio * len(mine) + 1e-9)]}
    return {key: torch.tensor([[int((lang, key, u) in kept) for u in range(dim)] for lang in languages],
                              dtype=torch.uint8)
            for key, dim in DIMS.items()}


@pytest.mark.parametrize("ratio", [0.75, 0.5, 0.29, 1.0])
@pytest.mark.parametrize("budget", ["joint", "per_language"])
def test_merge_equals_python_sort(ratio, budget):
    for seed in range(3):
        scores = random_scores(seed)
        bank = merge_scores(scores, LANGS, ratio, budget)
        expected = python_merge(scores, LANGS, ratio, budget)
        for key in DIMS:
            assert bank[key].dtype == torch.uint8 and bank[key].shape == (3, DIMS[key])
            assert torch.equal(bank[key], expected[key]), (seed, key)


def test_merge_breaks_ties_deterministically():
    # Integer-valued scores: many exact ties within and across languages, and identical languages.
    generator = torch.Generator().manual_seed(1)
    shared = {key: torch.randint(0, 3, (dim,), generator=generator).float() for key, dim in DIMS.items()}
    scores = {lang: {k: v.clone() for k, v in shared.items()} for lang in LANGS}
    scores["fr"]["layer.1.v"] = torch.zeros(8)  # an all-zero vector normalises to zeros
    for budget in ("joint", "per_language"):
        bank = merge_scores(scores, LANGS, 0.6, budget)
        expected = python_merge(scores, LANGS, 0.6, budget)
        assert all(torch.equal(bank[k], expected[k]) for k in DIMS)
    total = sum(DIMS.values()) * 3
    assert sum(int(b.sum()) for b in merge_scores(scores, LANGS, 0.6).values()) == math.floor(0.6 * total)


def test_joint_budget_is_global_and_per_language_is_exact():
    scores = random_scores(2)
    scores["de"] = {k: v * 0 + torch.linspace(1, 2, v.numel()) for k, v in scores["de"].items()}
    units = sum(DIMS.values())
    joint = ticket_summary(merge_scores(scores, LANGS, 0.5), LANGS, 0.5, "joint")
    per = ticket_summary(merge_scores(scores, LANGS, 0.5, "per_language"), LANGS, 0.5, "per_language")
    assert joint["kept"] == keep_count(0.5, 3 * units)
    assert len({v["kept"] for v in joint["per_language"].values()}) > 1  # languages differ under a joint budget
    assert all(v["kept"] == units // 2 for v in per["per_language"].values())


def test_keep_count_uses_decimal_floor():
    assert keep_count(0.29, 100) == 29 and keep_count(0.67, 300) == 201 and keep_count(0.75, 7) == 5


def write_score_files(directory, scores, language_meta=True):
    paths = []
    for lang, tensors in scores.items():
        path = directory / f"{lang}.safetensors"
        save_safetensors(tensors, path, {"language": lang, "proxy": "random"} if language_meta else {})
        paths.append(str(path))
    return paths


def test_merge_cli_outputs(tmp_path):
    from mtickets.cli import main

    scores = random_scores(4)
    paths = write_score_files(tmp_path / "snip", scores)
    out = tmp_path / "tickets"
    argv = ["merge", "--scores", *paths, "--languages", *LANGS, "--remain-ratio", "0.75", "--out-dir", str(out)]
    assert main(argv) == 0
    with safe_open(str(out / "tickets.safetensors"), framework="pt") as handle:
        metadata = handle.metadata()
        bank = {key: handle.get_tensor(key) for key in handle.keys()}
    assert json.loads(metadata["languages"]) == LANGS and float(metadata["remain_ratio"]) == 0.75
    expected = python_merge(scores, LANGS, 0.75)
    assert all(torch.equal(bank[k], expected[k]) for k in DIMS)
    summary = json.loads((out / "tickets.json").read_text())
    units = sum(DIMS.values())
    assert summary["kept"] == math.floor(0.75 * 3 * units) and summary["total"] == 3 * units
    assert summary["keep_ratio"] == pytest.approx(summary["kept"] / summary["total"])
    assert set(summary["per_language"]) == set(LANGS)
    assert sum(v["kept"] for v in summary["per_language"].values()) == summary["kept"]
    # Jaccard overlaps against sets.
    sets = {lang: {(k, u) for k in DIMS for u in range(DIMS[k]) if bank[k][i, u]} for i, lang in enumerate(LANGS)}
    matrix = summary["overlap"]["matrix"]
    for i, a in enumerate(LANGS):
        for j, b in enumerate(LANGS):
            assert matrix[i][j] == pytest.approx(len(sets[a] & sets[b]) / len(sets[a] | sets[b]), abs=1e-6)
    with open(out / "tickets.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * len(DIMS)
    assert set(rows[0]) == {"language", "layer", "component", "kept", "total", "ratio"}
    row = next(r for r in rows if r["language"] == "de" and r["layer"] == "1" and r["component"] == "ffn")
    assert int(row["kept"]) == int(bank["layer.1.ffn"][1].sum()) and int(row["total"]) == 16
    first = (out / "tickets.safetensors").read_bytes()
    assert main(argv) == 0 and (out / "tickets.safetensors").read_bytes() == first


def test_merge_errors_name_file_and_key(tmp_path):
    scores = random_scores(5)
    paths = write_score_files(tmp_path, scores)
    with pytest.raises(MticketsError, match="fr.*not found|not found.*fr"):
        load_scores([paths[0], paths[1], str(tmp_path / "missing.safetensors")], LANGS)
    broken = {k: v for k, v in scores["de"].items() if k != "layer.1.ffn"}
    save_safetensors(broken, tmp_path / "de.safetensors", {"language": "de"})
    with pytest.raises(MticketsError, match=r"de\.safetensors.*layer\.1\.ffn"):
        load_scores(paths, LANGS)
    wrong_shape = dict(scores["de"], **{"layer.0.v": torch.rand(9)})
    save_safetensors(wrong_shape, tmp_path / "de.safetensors", {"language": "de"})
    with pytest.raises(MticketsError, match=r"de\.safetensors.*layer\.0\.v"):
        load_scores(paths, LANGS)
    with pytest.raises(MticketsError, match="'en'.*'de'"):
        load_scores([paths[0], paths[0], paths[2]], LANGS)
    with pytest.raises(MticketsError, match="2 files"):
        load_scores(paths[:2], LANGS)
    with pytest.raises(MticketsError, match="remain-ratio"):
        merge_scores(scores, LANGS, 1.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_top_mask_equals_stable_argsort_with_many_ties(seed):
    import numpy as np

    from mtickets.tickets.merge import top_mask

    generator = torch.Generator().manual_seed(seed)
    values = torch.randint(0, 50, (20_000,), generator=generator).double() / 7  # heavy ties
    values[:100] = 0.0
    for keep in (0, 1, 999, 10_000, 19_999, 20_000):
        expected = np.zeros(values.numel(), dtype=np.uint8)
        expected[np.argsort(-values.numpy(), kind="stable")[:keep]] = 1
        assert torch.equal(top_mask(values, keep), torch.from_numpy(expected)), keep


def test_merge_of_many_languages_equals_numpy_sort():
    """A bank of 12 languages × 4 layers against a stable argsort of the pooled normalised scores."""
    import numpy as np

    languages = [f"l{i}" for i in range(12)]
    dims = {f"layer.{k}.{c}": d for k in range(4) for c, d in (("qk", 24), ("v", 24), ("ffn", 96))}
    generator = torch.Generator().manual_seed(7)
    scores = {lang: {key: torch.rand(d, generator=generator).round(decimals=2) * (1 + i % 3)
                     for i, (key, d) in enumerate(dims.items())} for lang in languages}
    for budget in ("joint", "per_language"):
        bank = merge_scores(scores, languages, 0.67, budget)
        def normalised(lang, key):
            values = scores[lang][key].double().numpy()
            return values / np.linalg.norm(values)

        pooled = np.stack([np.concatenate([normalised(lang, key) for key in dims]) for lang in languages])
        rows = [pooled.reshape(-1)] if budget == "joint" else list(pooled)
        kept = []
        for values in rows:
            mask = np.zeros(values.size, dtype=np.uint8)
            mask[np.argsort(-values, kind="stable")[:keep_count(0.67, values.size)]] = 1
            kept.append(mask)
        expected = np.concatenate(kept).reshape(pooled.shape)
        got = torch.cat([bank[key] for key in dims], dim=1).numpy()
        assert (got == expected).all(), budget
