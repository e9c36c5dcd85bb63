"""Ticket relatedness: Mantel tests against brute force, the typology lookup, the stage's files."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
import torch

from mtickets.cli import main
from mtickets.errors import MticketsError
from mtickets.analysis.relatedness import jaccard_distances, mantel, overlap_figure, ticket_matrix
from mtickets.analysis.typology import classify


def distance_matrix(rng, n: int, noise_of=None, noise: float = 0.0) -> np.ndarray:
    if noise_of is None:
        points = rng.random((n, 2))
        matrix = np.linalg.norm(points[:, None] - points[None], axis=-1)
    else:
        matrix = noise_of + noise * rng.random((n, n))
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 0)
    return matrix


def pearson(x, y) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    num = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return num / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y))


def upper(matrix, order=None):
    n = len(matrix)
    order = order or list(range(n))
    return [matrix[order[i]][order[j]] for i in range(n) for j in range(i + 1, n)]


@pytest.mark.parametrize("n, noise", [(5, 0.2), (5, 2.0), (6, 0.5)])
def test_mantel_p_value_equals_the_brute_force_permutation_count(n, noise):
    rng = np.random.default_rng(n)
    a = distance_matrix(rng, n)
    b = distance_matrix(rng, n, noise_of=a, noise=noise)
    result = mantel(a, b, permutations=10**6)
    observed = pearson(upper(a), upper(b))
    permuted = [pearson(upper(a), upper(b, list(order))) for order in itertools.permutations(range(n))]
    count = sum(r >= observed - 1e-12 for r in permuted)
    opposite = sum(r <= observed + 1e-12 for r in permuted)
    assert result["exact"] and result["permutations"] == math.factorial(n)
    assert result["r"] == pytest.approx(observed, abs=1e-12)
    assert result["p"] == pytest.approx(count / math.factorial(n), abs=1e-12)
    assert result["p_opposite"] == pytest.approx(opposite / math.factorial(n), abs=1e-12)


def test_sampled_permutations_and_the_partial_test():
    rng = np.random.default_rng(3)
    n = 12
    a = distance_matrix(rng, n)
    related = mantel(a, distance_matrix(rng, n, noise_of=a, noise=0.1), permutations=999, seed=1)
    unrelated = mantel(a, distance_matrix(rng, n), permutations=999, seed=1)
    assert not related["exact"] and related["permutations"] == 999
    assert related["p"] == pytest.approx(1 / 1000) and related["r"] > 0.9  # no permutation beats the true order
    assert unrelated["p"] > 0.05
    # The partial Mantel statistic is the correlation of the residuals of both after regressing on the control.
    b, z = distance_matrix(rng, n, noise_of=a, noise=0.5), distance_matrix(rng, n)
    i, j = np.triu_indices(n, k=1)

    def residual(v, c):
        design = np.column_stack([np.ones_like(c), c])
        return v - design @ np.linalg.lstsq(design, v, rcond=None)[0]

    expected = np.corrcoef(residual(a[i, j], z[i, j]), residual(b[i, j], z[i, j]))[0, 1]
    assert mantel(a, b, permutations=99, control=z)["r"] == pytest.approx(expected, abs=1e-10)
    constant = np.ones((n, n)) - np.eye(n)
    assert mantel(a, constant, permutations=99)["r"] is None  # e.g. one script for every language


def test_jaccard_distance_of_tickets():
    tickets = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0]], dtype=bool)
    distances = jaccard_distances(tickets)
    assert distances[0, 2] == 0 and distances[0, 1] == pytest.approx(1 - 1 / 3)


def test_typology_comes_from_uriel_and_cldr():
    found = classify(["en", "de", "fr", "ru", "el", "fi", "ja", "zh", "sh", "nn"])
    assert {code: found[code]["family"] for code in ("en", "ru", "fi", "ja", "zh")} == {
        "en": "Indo-European", "ru": "Indo-European", "fi": "Uralic", "ja": "Japonic", "zh": "Sino-Tibetan"}
    assert found["en"]["genus"] == found["de"]["genus"] == "Germanic" and found["fr"]["genus"] == "Italic"
    assert [found[code]["script"] for code in ("en", "ru", "el", "ja")] == ["Latn", "Cyrl", "Grek", "Jpan"]
    assert found["sh"]["iso639_3"] == "hbs" and found["nn"]["genus"] == "Germanic"  # via its macrolanguage
    with pytest.raises(MticketsError, match=r"does not classify eu \(eus\), vo \(vol\); list an isolate"):
        classify(["en", "eu", "vo"])
    isolate = classify(["en", "eu"], own_family=["eu"], scripts={"en": "Latn"})
    assert isolate["eu"]["family"] == isolate["eu"]["genus"] == "eu (own family)"


def test_relatedness_stage_finds_related_tickets_alike(tmp_path):
    from safetensors.torch import save_file

    languages = ["en", "de", "nl", "fr", "es", "it", "ru", "pl", "fi", "et"]
    typology = classify(languages)
    families = {lang: typology[lang]["genus"] for lang in languages}
    generator = torch.Generator().manual_seed(0)
    shared = {genus: torch.rand(3, 64, generator=generator) < 0.6 for genus in set(families.values())}
    masks = {f"layer.{k}.{c}": torch.stack([
        (shared[families[lang]][k] ^ (torch.rand(64, generator=generator) < 0.1)) for lang in languages
    ]).to(torch.uint8) for k in range(3) for c in ("qk", "v", "ffn")}
    save_file(masks, str(tmp_path / "tickets.safetensors"), metadata={"languages": json.dumps(languages)})
    (tmp_path / "languages.json").write_text(json.dumps(typology))
    out = tmp_path / "analysis"
    assert main(["relatedness", "--tickets", str(tmp_path / "tickets.safetensors"), "--typology",
                 str(tmp_path / "languages.json"), "--variant", "test", "--permutations", "999",
                 "--out", str(out / "relatedness.json"), "--overlap", str(out / "overlap.png"),
                 "--keep-ratio", str(out / "keep_ratio.png")]) == 0
    result = json.loads((out / "relatedness.json").read_text())
    assert result["tests"]["genus"]["r"] > 0.5 and result["tests"]["genus"]["p"] < 0.01
    assert set(result["tests"]) == {"family", "genus", "genealogy", "script", "genealogy | script"}
    for figure in ("overlap.png", "keep_ratio.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_overlap_colours_span_the_language_pairs_not_the_diagonal():
    # Three languages' one-layer tickets that differ in their FFN units only.
    rows = {"de": [1] * 5 + [0] * 5, "nl": [1] * 3 + [0] * 2 + [1] * 2 + [0] * 3, "fi": [0] * 5 + [1] * 5}
    languages = list(rows)
    masks = {"layer.0.ffn": torch.tensor([rows[lang] for lang in languages], dtype=torch.uint8),
             "layer.0.qk": torch.ones(3, 4, dtype=torch.uint8), "layer.0.v": torch.ones(3, 4, dtype=torch.uint8)}
    typology = {lang: {"family": family, "genus": family} for lang, family in
                (("de", "Indo-European"), ("nl", "Indo-European"), ("fi", "Uralic"))}
    figure = overlap_figure(masks, languages, typology, "tickets")
    (image,) = figure.axes[0].get_images()
    similarity = 1.0 - jaccard_distances(ticket_matrix(masks, languages))
    pairs = similarity[~np.eye(3, dtype=bool)]
    assert (image.norm.vmin, image.norm.vmax) == pytest.approx((pairs.min(), pairs.max()))
    assert pairs.max() < 1.0 and np.ma.getmaskarray(image.get_array()).diagonal().all()
