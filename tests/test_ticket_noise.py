"""mtickets ticket-noise: the distance between one language's two tickets, against a set-based count."""

from __future__ import annotations

import json

import pytest
import torch

from mtickets.cli import main
from mtickets.errors import MticketsError
from mtickets.formats.tensors import save_ticket_bank
from mtickets.analysis.ticket_noise import noise_floor

LANGUAGES = ["en", "de", "fi"]


def bank(seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {f"layer.{k}.{c}": (torch.rand(len(LANGUAGES), 8, generator=generator) < 0.6).to(torch.uint8)
            for k in range(2) for c in ("qk", "v", "ffn")}


def kept(masks: dict, row: int) -> set[tuple[str, int]]:
    return {(key, unit) for key, mask in masks.items() for unit in range(mask.shape[1]) if mask[row, unit]}


def jaccard_distance(a: set, b: set) -> float:
    return 1 - len(a & b) / len(a | b)


def test_noise_floor_is_the_jaccard_distance_of_each_language_to_itself():
    first, second = bank(0), bank(1)
    result = noise_floor(first, LANGUAGES, second, LANGUAGES)
    for row, lang in enumerate(LANGUAGES):
        assert result["per_language"][lang] == pytest.approx(jaccard_distance(kept(first, row), kept(second, row)))
    between = [jaccard_distance(kept(first, i), kept(first, j)) for i in range(3) for j in range(i + 1, 3)]
    assert result["between_languages"] == pytest.approx(sum(between) / 3)
    rescored = [jaccard_distance(kept(second, i), kept(second, j)) for i in range(3) for j in range(i + 1, 3)]
    assert result["pair_change"] == pytest.approx(sum(abs(x - y) for x, y in zip(between, rescored)) / 3)
    mean = sum(between) / 3
    assert result["between_spread"] == pytest.approx((sum((x - mean) ** 2 for x in between) / 3) ** 0.5)
    assert noise_floor(first, LANGUAGES, first, LANGUAGES)["mean"] == 0.0


def test_the_command_and_a_mismatched_bank(tmp_path):
    paths = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    for path, seed in zip(paths, (0, 1)):
        save_ticket_bank(path, bank(seed), LANGUAGES, 0.6, "joint")
    out = tmp_path / "noise.json"
    assert main(["ticket-noise", "--tickets", str(paths[0]), "--rescored", str(paths[1]), "--out", str(out)]) == 0
    assert set(json.loads(out.read_text())["per_language"]) == set(LANGUAGES)
    with pytest.raises(MticketsError, match="different languages"):
        noise_floor(bank(0), LANGUAGES, bank(1), ["en", "de", "sv"])
