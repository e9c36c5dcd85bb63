"""Result tables from handmade metrics files."""

from __future__ import annotations

import csv
import json
import statistics

import pytest

from mtickets import tables
from mtickets.errors import MticketsError


def write_metric(root, variant, task, lang, seed, f1, **extra):
    path = root / "finetune" / variant / task / lang / f"seed{seed}" / "metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"task": task, "language": lang, "seed": seed, "variant": variant, "f1": f1, **extra}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


F1 = {  # variant -> lang -> seed -> f1
    "mbert": {"en": {1: 80.0, 2: 82.0}, "de": {1: 70.0, 2: 71.0}},
    "snip16": {"en": {1: 85.0, 2: 84.0}, "de": {1: 75.5, 2: 74.25}},
}


def make_metrics(tmp_path):
    paths = []
    for variant in ("snip16", "mbert"):  # file order must not decide the row order
        for lang in ("en", "de"):
            for seed, f1 in F1[variant][lang].items():
                paths.append(write_metric(tmp_path, variant, "ner", lang, seed, f1))
    return paths


def fake_costs(directory, languages, seq_length):
    return (1000 if "mbert" in str(directory) else 900, 10 * seq_length)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_table_means_and_order(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "model_costs", fake_costs)
    out = tmp_path / "ner_table.csv"
    tables.make_table(
        make_metrics(tmp_path), {"mbert": tmp_path / "m_mbert", "snip16": tmp_path / "m_snip"}, "ner", 128, out
    )
    header = out.read_text().splitlines()[0].split(",")
    assert header == ["variant", "en", "de", "avg", "avg_std_over_seeds", "seeds", "params", "flops_per_sequence"]
    rows = read_csv(out)
    assert [r["variant"] for r in rows] == ["mbert", "snip16"]
    mbert, snip = rows
    assert mbert["en"] == "81.00" and mbert["de"] == "70.50" and mbert["avg"] == "75.75"
    assert snip["en"] == "84.50" and snip["de"] == "74.88" and snip["avg"] == "79.69"
    per_seed = [(80.0 + 70.0) / 2, (82.0 + 71.0) / 2]
    assert mbert["avg_std_over_seeds"] == f"{statistics.stdev(per_seed):.2f}"
    assert mbert["seeds"] == "2" and mbert["params"] == "1000" and mbert["flops_per_sequence"] == "1280"
    assert snip["params"] == "900"


def test_table_language_order_and_path_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "model_costs", fake_costs)
    paths = make_metrics(tmp_path)
    # a metrics file without variant/language/seed fields: taken from its path
    bare = paths[0]
    bare.write_text(json.dumps({"task": "ner", "f1": F1["snip16"]["en"][1]}), encoding="utf-8")
    out = tmp_path / "t.csv"
    tables.make_table(paths, {"snip16": tmp_path / "s", "mbert": tmp_path / "m"}, "ner", 128, out,
                      languages=["de", "en"])
    rows = read_csv(out)
    assert list(rows[0])[:3] == ["variant", "de", "en"]
    assert [r["variant"] for r in rows] == ["snip16", "mbert"]
    assert rows[0]["en"] == "84.50"


def test_table_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "model_costs", fake_costs)
    paths = make_metrics(tmp_path)
    models = {"mbert": tmp_path / "m", "snip16": tmp_path / "s"}
    out = tmp_path / "t.csv"
    missing = tmp_path / "finetune/mbert/ner/fr/seed1/metrics.json"
    with pytest.raises(MticketsError, match="fr/seed1/metrics.json is missing"):
        tables.make_table([*paths, missing], models, "ner", 128, out)
    skipped = write_metric(tmp_path, "mbert", "ner", "fr", 1, None, skipped=True, reason="too few sentences")
    with pytest.raises(MticketsError, match="skipped"):
        tables.make_table([*paths, skipped], models, "ner", 128, out)
    nan = write_metric(tmp_path, "mbert", "ner", "fr", 1, None)
    with pytest.raises(MticketsError, match="'f1' is None"):
        tables.make_table([*paths, nan], models, "ner", 128, out)
    with pytest.raises(MticketsError, match="no metrics for variant 'snip16', language 'fr'"):
        tables.make_table([*paths, write_metric(tmp_path, "mbert", "ner", "fr", 1, 50.0),
                           write_metric(tmp_path, "mbert", "ner", "fr", 2, 50.0)], models, "ner", 128, out)
    with pytest.raises(MticketsError, match="same seeds"):
        tables.make_table(paths[:-1], models, "ner", 128, out)
    with pytest.raises(MticketsError, match="not among --models"):
        tables.make_table(paths, {"mbert": tmp_path / "m"}, "ner", 128, out)
    pos = write_metric(tmp_path, "mbert", "pos", "en", 3, 90.0)
    with pytest.raises(MticketsError, match="'pos' result"):
        tables.make_table([*paths, pos], models, "ner", 128, out)
    assert not out.exists()
    with pytest.raises(MticketsError, match="VARIANT=DIR"):
        tables.parse_model_pairs(["mbert"])


def test_table_params_and_flops_from_models(tmp_path):
    import torch

    from mtickets.modeling.accounting import count_parameters, inference_flops
    from mtickets.cli import main
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    config = TicketBertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64)
    model = TicketBertForPreTraining(config)
    model.save_pretrained(str(tmp_path / "dense"))
    generator = torch.Generator().manual_seed(0)
    masks = {f"layer.{k}.{c}": (torch.rand(3, d, generator=generator) < 0.6).to(torch.uint8)
             for k in range(2) for c, d in (("qk", 32), ("v", 32), ("ffn", 64))}
    model.set_tickets(masks, ["de", "en", "fr"])
    model.save_pretrained(str(tmp_path / "ticket"))

    paths = [write_metric(tmp_path, v, "pos", lang, s, 90.0 + s) for v in ("mbert", "tix") for lang in ("en", "de")
             for s in (1, 2, 3)]
    out = tmp_path / "pos_table.csv"
    argv = ["tables", "--metrics", *map(str, paths), "--models", f"mbert={tmp_path / 'dense'}",
            f"tix={tmp_path / 'ticket'}", "--task", "pos", "--seq-length", "16", "--out", str(out)]
    assert main(argv) == 0
    dense, tix = read_csv(out)
    assert dense["params"] == str(count_parameters(config))
    assert dense["flops_per_sequence"] == str(inference_flops(config, 16))
    rows = {lang: {key: masks[key][i] for key in masks} for i, lang in enumerate(["de", "en", "fr"])}
    expected_params = round(statistics.fmean(count_parameters(config, ticket=rows[l]) for l in ("en", "de")))
    expected_flops = round(statistics.fmean(inference_flops(config, 16, ticket=rows[l]) for l in ("en", "de")))
    assert tix["params"] == str(expected_params) and tix["flops_per_sequence"] == str(expected_flops)
    assert int(tix["params"]) < int(dense["params"])
    assert tix["en"] == "92.00" and tix["seeds"] == "3" and tix["avg_std_over_seeds"] == "1.00"

    no_ticket = write_metric(tmp_path, "tix", "pos", "ru", 1, 50.0)
    with pytest.raises(MticketsError, match="no ticket for ru"):
        tables.make_table([no_ticket], {"tix": tmp_path / "ticket"}, "pos", 16, tmp_path / "x.csv")
