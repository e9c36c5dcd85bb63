"""mtickets baselines: uniform and unigram cross-entropy of held-out tokens, against a brute-force count."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from mtickets import cli
from mtickets.analysis import baselines
from mtickets.errors import MticketsError
from mtickets.formats.shards import open_shards
from test_pretrain import VOCAB, write_shards

SPECIAL = {0, 2, 3}  # [PAD], [CLS], [SEP]: never masked, so never scored


def brute_force(train_dirs, heldout_dir, alpha):
    """−mean log p over the held-out tokens, p from add-alpha counts of ``train_dirs``' tokens, loop by loop."""
    counts = Counter()
    for directory in train_dirs:
        for ids, _, _ in open_shards(directory).iter_examples():
            counts.update(token for token in ids if token not in SPECIAL)
    predictable = [token for token in range(VOCAB) if token not in SPECIAL]
    total = sum(counts[token] + alpha for token in predictable)
    losses = [-math.log((counts[token] + alpha) / total)
              for ids, _, _ in open_shards(heldout_dir, heldout=True).iter_examples()
              for token in ids if token not in SPECIAL]
    return sum(losses) / len(losses), len(losses)


def test_baselines_match_their_definitions(tmp_path):
    dirs = [write_shards(tmp_path, lang, 32, examples=40, tokens=800, seed=k, heldout=8)
            for k, lang in enumerate(["en", "de", "fi"])]
    result = baselines.unigram_baselines(dirs, alpha=0.5)
    assert result["vocab_size"] == VOCAB
    for directory, lang in zip(dirs, ["en", "de", "fi"]):
        row = result["languages"][lang]
        own, tokens = brute_force([directory], directory, 0.5)
        pooled, _ = brute_force(dirs, directory, 0.5)
        assert row["heldout_tokens"] == tokens
        assert row["language_unigram"] == pytest.approx(own, rel=1e-12)
        assert row["unigram"] == pytest.approx(pooled, rel=1e-12)
        assert row["uniform"] == pytest.approx(math.log(VOCAB - len(SPECIAL)))
        # Each language has its own token range: knowing the language is worth a lot here.
        assert row["language_unigram"] < row["unigram"] < row["uniform"]
        # Copying: brute-force minimum over a fine grid of λ of the 80/10/10 expected loss.
        counts = Counter()
        for ids, _, _ in open_shards(directory).iter_examples():
            counts.update(token for token in ids if token not in SPECIAL)
        total = sum(counts[t] + 0.5 for t in range(VOCAB) if t not in SPECIAL)
        labels = [t for ids, _, _ in open_shards(directory, heldout=True).iter_examples()
                  for t in ids if t not in SPECIAL]
        grid = [k / 2000 for k in range(1, 2000)]
        brute = min(sum(0.9 * -math.log((1 - lam) * (counts[t] + 0.5) / total)
                        + 0.1 * -math.log(lam + (1 - lam) * (counts[t] + 0.5) / total) for t in labels) / len(labels)
                    for lam in grid)
        assert row["copy_unigram"] == pytest.approx(brute, abs=1e-4)
        assert row["copy_unigram"] < row["language_unigram"] and 0 < row["copy_weight"] < 1


def test_the_command_writes_json_and_names_a_directory_without_heldout(tmp_path, capsys):
    with_heldout = write_shards(tmp_path / "a", "en", 32, examples=20, tokens=400, heldout=4)
    out = tmp_path / "baselines.json"
    assert cli.main(["baselines", "--shards", str(with_heldout), "--out", str(out)]) == 0
    assert set(json.loads(out.read_text())["languages"]) == {"en"}
    without = write_shards(tmp_path / "b", "de", 32, examples=20, tokens=400)
    with pytest.raises(MticketsError, match=f"{without}: no held-out examples"):
        baselines.unigram_baselines([without])
