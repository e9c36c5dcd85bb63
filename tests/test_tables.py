"""Result tables from handmade metrics files."""

from __future__ import annotations

import csv
import json
import re
import statistics
from pathlib import Path

import pytest

from mtickets.evaluation import tables
from mtickets.evaluation.statistics import (bootstrap_ci, bootstrap_means, paired_differences, sign_flip_test,
                                           variant_generators)
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


def fake_models(monkeypatch, costs=fake_costs, dense_dirs=("m", "m_mbert")):
    """Model dirs without files: costs from ``costs``; a dir named in ``dense_dirs`` has no tickets."""
    monkeypatch.setattr(tables, "model_costs", costs)
    monkeypatch.setattr(tables, "ticket_languages",
                        lambda directory: [] if directory.name in dense_dirs else ["en", "de"])


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_table_means_and_order(tmp_path, monkeypatch):
    fake_models(monkeypatch)
    out = tmp_path / "ner_table.csv"
    tables.make_table(
        make_metrics(tmp_path), {"mbert": tmp_path / "m_mbert", "snip16": tmp_path / "m_snip"}, "ner", 128, out
    )
    header = out.read_text().splitlines()[0].split(",")
    # The original columns first, in their order; the uncertainty columns after them.
    assert header[:8] == ["variant", "en", "de", "avg", "avg_std_over_seeds", "seeds", "params", "flops_per_sequence"]
    assert header[8:] == ["flops_vs_dense", "avg_ci95_low", "avg_ci95_high", "diff_vs_dense", "p_vs_dense",
                          "en_std", "de_std", "avg_token_accuracy", "notes"]
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
    fake_models(monkeypatch)
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
    fake_models(monkeypatch)
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
    # The dense row is found from the model dirs (config.json without ticket languages).
    assert tables.ticket_languages(tmp_path / "dense") == [] and tables.ticket_languages(tmp_path / "ticket") == [
        "de", "en", "fr"]
    assert dense["flops_vs_dense"] == "1.000" and "dense baseline" in dense["notes"]
    assert tix["flops_vs_dense"] == f"{expected_flops / inference_flops(config, 16):.3f}"
    assert out.with_suffix(".md").is_file()
    md = tmp_path / "pos.md"
    assert main([*argv, "--format", "conllu", "--dense", "tix", "--min-sentences", "0", "--md", str(md),
                 "--bootstrap", "100", "--seed", "3"]) == 0
    assert read_csv(out)[1]["flops_vs_dense"] == "1.000" and md.read_text().startswith("# pos: POS on Universal")

    no_ticket = write_metric(tmp_path, "tix", "pos", "ru", 1, 50.0)
    with pytest.raises(MticketsError, match="no ticket for ru"):
        tables.make_table([no_ticket], {"tix": tmp_path / "ticket"}, "pos", 16, tmp_path / "x.csv")


# --- flops_vs_dense and the dense baseline -----------------------------------------------------------


def costs_by_name(table):
    return lambda directory, languages, seq_length: table[directory.name]


def test_flops_vs_dense_and_the_dense_rule(tmp_path, monkeypatch):
    costs = {"t16": (900, 3377), "m": (1000, 3417), "sc": (1100, 3721)}
    fake_models(monkeypatch, costs_by_name(costs), dense_dirs=("m", "sc"))
    paths = [write_metric(tmp_path, v, "ner", lang, s, 70.0 + s) for v in ("tix", "mbert", "scaled")
             for lang in ("en", "de") for s in (1, 2)]
    models = {"tix": tmp_path / "t16", "mbert": tmp_path / "m", "scaled": tmp_path / "sc"}
    out = tmp_path / "t.csv"
    # Default: the first variant (in --models order) without tickets.
    tables.make_table(paths, models, "ner", 128, out)
    tix, mbert, scaled = read_csv(out)
    assert tix["flops_vs_dense"] == f"{3377 / 3417:.3f}" == "0.988"
    assert mbert["flops_vs_dense"] == "1.000" and "dense baseline" in mbert["notes"]
    assert scaled["flops_vs_dense"] == f"{3721 / 3417:.3f}"
    assert mbert["p_vs_dense"] == mbert["diff_vs_dense"] == ""
    # --dense names the reference row.
    tables.make_table(paths, models, "ner", 128, out, dense="scaled")
    tix, mbert, scaled = read_csv(out)
    assert mbert["flops_vs_dense"] == f"{3417 / 3721:.3f}" and scaled["flops_vs_dense"] == "1.000"
    with pytest.raises(MticketsError, match="--dense 'bert' is not among --models"):
        tables.make_table(paths, models, "ner", 128, out, dense="bert")
    # No dense variant: the ratio and the test are left empty, and the Markdown says why.
    fake_models(monkeypatch, costs_by_name(costs), dense_dirs=())
    tables.make_table(paths, models, "ner", 128, out)
    assert all(row["flops_vs_dense"] == row["p_vs_dense"] == "" for row in read_csv(out))
    assert "No dense baseline" in out.with_suffix(".md").read_text()


def test_the_rules_dense_is_the_base_architecture():
    """The tables rule's dense: the first evaluated variant without a ticket and with the base model's size."""
    import yaml

    from mtickets.configuration import dense_baseline

    rule = (Path(__file__).resolve().parents[1] / "rules/evaluation.smk").read_text()
    assert "dense=configuration.dense_baseline(config, EVALUATED)" in rule
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config/paper.yaml").read_text())
    variants = {"mbert_scaled": config["variants"]["mbert_scaled"], **config["variants"]}
    config["variants"] = variants  # mbert_scaled first: it must not be taken (wider than the base model)
    evaluated = [name for name, spec in variants.items() if spec.get("evaluate", True)]
    assert evaluated[0] == "mbert_scaled" and dense_baseline(config, evaluated) == "mbert"
    assert dense_baseline(config, [name for name in evaluated if name != "mbert"]) is None


# --- per-language std, bootstrap CI, paired sign-flip test ---------------------------------------------


def test_per_language_std_columns(tmp_path, monkeypatch):
    fake_models(monkeypatch)
    out = tmp_path / "t.csv"
    tables.make_table(make_metrics(tmp_path), {"mbert": tmp_path / "m", "snip16": tmp_path / "s"}, "ner", 128, out)
    mbert, snip = read_csv(out)
    for row, variant in ((mbert, "mbert"), (snip, "snip16")):
        for lang in ("en", "de"):
            assert row[f"{lang}_std"] == f"{statistics.stdev(F1[variant][lang].values()):.2f}"


def loop_bootstrap_means(scores, replicates, rng):
    """The nested bootstrap by explicit loops over the same draws: languages, then seeds per drawn slot."""
    n_languages, n_seeds = len(scores), len(scores[0])
    languages = rng.integers(0, n_languages, size=(replicates, n_languages))
    seeds = rng.integers(0, n_seeds, size=(replicates, n_languages, n_seeds))
    means = []
    for b in range(replicates):
        total = 0.0
        for slot in range(n_languages):
            for k in range(n_seeds):
                total += scores[languages[b, slot]][seeds[b, slot, k]]
        means.append(total / (n_languages * n_seeds))
    return means


def test_bootstrap_equals_the_explicit_loop():
    import numpy as np

    scores = [[80.0, 82.5, 79.0], [70.0, 71.0, 69.5], [90.25, 88.0, 91.0], [60.0, 64.0, 62.0]]
    vectorised = bootstrap_means(np.array(scores), 500, np.random.default_rng(7))
    looped = loop_bootstrap_means(scores, 500, np.random.default_rng(7))
    assert np.allclose(vectorised, looped, rtol=0, atol=1e-12)
    low, high = bootstrap_ci(np.array(scores), 500, np.random.default_rng(7))
    assert (low, high) == pytest.approx(tuple(np.quantile(looped, [0.025, 0.975])), abs=1e-12)


def test_bootstrap_distribution_is_the_nested_resampling():
    """2 languages × 2 seeds: the 2^2 language draws × 2^(2·2) seed draws are equally likely; the
    replicate means follow that exact distribution (and not, say, one seed draw shared by all languages)."""
    import itertools

    import numpy as np

    scores = [[1.0, 2.0], [10.0, 40.0]]
    exact = {}
    for langs in itertools.product(range(2), repeat=2):
        for seeds in itertools.product(range(2), repeat=4):
            mean = sum(scores[langs[slot]][seeds[2 * slot + k]] for slot in range(2) for k in range(2)) / 4
            exact[mean] = exact.get(mean, 0) + 1 / 64
    means = bootstrap_means(np.array(scores), 60000, np.random.default_rng(3))
    support = sorted(exact)
    assert set(np.round(means, 9)) <= set(np.round(support, 9))
    exact_cdf = np.cumsum([exact[v] for v in support])
    sampled_cdf = np.array([(means <= v + 1e-9).mean() for v in support])
    assert np.max(np.abs(exact_cdf - sampled_cdf)) < 0.01


def brute_force_p(d):
    """Two-sided sign-flip p by enumerating every sign vector with plain Python."""
    import itertools

    n = len(d)
    observed = abs(sum(d) / n)
    hits = total = 0
    for signs in itertools.product((-1, 1), repeat=n):
        total += 1
        hits += abs(sum(s * x for s, x in zip(signs, d)) / n) >= observed - 1e-9 * max(1.0, observed)
    return hits / total


@pytest.mark.parametrize("d", [
    [1.0, 1.0, 2.0, -1.0],  # ties between sign vectors
    [0.5, 1.25, 2.0, 0.75, 3.0, -0.25, 1.5],
    [0.0, 0.0, 0.0],  # no difference: p = 1
    [2.5],
    [-3.0, -1.0, 4.0, 0.5, -2.0, 1.0, 0.25, -0.75, 1.5, -1.25, 0.1, 2.2],
])
def test_sign_flip_test_equals_enumeration(d):
    import numpy as np

    p, exact, flips = sign_flip_test(np.array(d), 999, np.random.default_rng(0))
    assert exact and flips == 2 ** len(d)
    assert p == pytest.approx(brute_force_p(d), abs=1e-15)


def test_sign_flip_monte_carlo_beyond_enumeration(monkeypatch):
    import numpy as np

    d = [0.5, 1.25, 2.0, 0.75, 3.0, -0.25, 1.5, -1.0, 0.2, 0.4]
    monkeypatch.setattr("mtickets.evaluation.statistics.EXACT_MAX_LANGUAGES", 5)
    p, exact, flips = sign_flip_test(np.array(d), 20000, np.random.default_rng(1))
    assert not exact and flips == 20000
    true_p = brute_force_p(d)
    assert abs(p - true_p) < 4 * (true_p * (1 - true_p) / 20000) ** 0.5 + 1e-4
    # The Monte Carlo p is (1 + count) / (1 + draws): never 0.
    p, _, _ = sign_flip_test(np.full(30, 5.0), 99, np.random.default_rng(1))
    assert p == pytest.approx(1 / 100)


def test_paired_differences_pair_by_language_and_common_seed():
    import numpy as np

    x = np.array([[80.0, 81.0, 82.0], [70.0, 75.0, 71.0]])  # seeds 1, 2, 3
    y = np.array([[79.0, 78.0, 90.0], [72.0, 73.0, 60.0]])  # seeds 2, 3, 4
    d, common = paired_differences([1, 2, 3], x, [2, 3, 4], y)
    assert common == [2, 3]
    assert d.tolist() == pytest.approx([((81 - 79) + (82 - 78)) / 2, ((75 - 72) + (71 - 73)) / 2])
    d, common = paired_differences([1, 2, 3], x, [7, 8, 9], y)
    assert common == [] and d.tolist() == pytest.approx([81 - 82.333333333, 72 - 68.333333333])


def test_table_ci_and_p_are_the_functions_results(tmp_path, monkeypatch):
    import numpy as np

    fake_models(monkeypatch)
    languages = ["en", "de", "fr", "es", "ru"]
    gen = np.random.default_rng(5)
    scores = {v: gen.uniform(60, 90, size=(5, 3)) for v in ("mbert", "snip16")}
    paths = [write_metric(tmp_path, v, "ner", lang, s + 1, float(scores[v][i, s]))
             for v in scores for i, lang in enumerate(languages) for s in range(3)]
    out = tmp_path / "t.csv"
    tables.make_table(paths, {"mbert": tmp_path / "m", "snip16": tmp_path / "s"}, "ner", 128, out,
                      bootstrap=2000, seed=11)
    mbert, snip = read_csv(out)
    for row, variant in ((mbert, "mbert"), (snip, "snip16")):
        rng, _ = variant_generators(11, variant)
        low, high = np.quantile(loop_bootstrap_means(scores[variant].tolist(), 2000, rng), [0.025, 0.975])
        assert (row["avg_ci95_low"], row["avg_ci95_high"]) == (f"{low:.2f}", f"{high:.2f}")
        assert float(row["avg_ci95_low"]) <= float(row["avg"]) <= float(row["avg_ci95_high"])
    d = (scores["snip16"] - scores["mbert"]).mean(axis=1).tolist()
    assert snip["diff_vs_dense"] == f"{sum(d) / len(d):.2f}"
    assert snip["p_vs_dense"] == f"{brute_force_p(d):.4g}"
    assert "exact over all 32 sign flips" in snip["notes"]
    # A row's numbers depend on the seed and its name only, not on the other rows.
    tables.make_table([p for p in paths if "/snip16/" in p.as_posix()], {"snip16": tmp_path / "s"}, "ner", 128,
                      tmp_path / "alone.csv", bootstrap=2000, seed=11)
    alone = read_csv(tmp_path / "alone.csv")[0]
    assert (alone["avg_ci95_low"], alone["avg_ci95_high"]) == (snip["avg_ci95_low"], snip["avg_ci95_high"])


# --- languages below min_sentences ----------------------------------------------------------------------


COUNTS = {"en": (1000, 900), "de": (500, 80), "fr": (100, 400), "es": (101, 101)}  # train, test sentences


def write_counted(tmp_path, languages=COUNTS):
    paths = []
    for v in ("mbert", "snip16"):
        for lang, (train, test) in languages.items():
            for s in (1, 2):
                paths.append(write_metric(tmp_path, v, "ner", lang, s, 60.0 + s + len(lang),
                                          train_sentences=train, test_sentences=test))
    return paths


def test_languages_with_too_few_sentences_are_dropped_and_listed(tmp_path, monkeypatch):
    fake_models(monkeypatch)
    paths = write_counted(tmp_path)
    out = tmp_path / "ner_table.csv"
    models = {"mbert": tmp_path / "m", "snip16": tmp_path / "s"}
    tables.make_table(paths, models, "ner", 128, out, languages=["en", "de", "fr", "es", "ja"], min_sentences=100)
    header = out.read_text().splitlines()[0].split(",")
    assert header[:4] == ["variant", "en", "es", "avg"] and "de" not in header and "de_std" not in header
    for row in read_csv(out):
        assert row["avg"] == f"{(float(row['en']) + float(row['es'])) / 2:.2f}"
        assert "de (train 500, test 80 sentences)" in row["notes"]
        assert "fr (train 100, test 400 sentences)" in row["notes"]
        assert "ja (no fine-tuning results given)" in row["notes"]
        assert not re.search(r"\b(es|en) \(", row["notes"])
    md = out.with_suffix(".md").read_text()
    assert "not more than 100 train or test sentences (paper footnote 6): de (train 500, test 80 sentences), " \
           "fr (train 100, test 400 sentences); absent: ja (no fine-tuning results given)" in md
    # --min-sentences 0 (the demo): nothing dropped.
    tables.make_table(paths, models, "ner", 128, out, min_sentences=0)
    assert out.read_text().splitlines()[0].split(",")[:5] == ["variant", "en", "de", "fr", "es"]
    assert "none is" in out.with_suffix(".md").read_text()
    # Counts not recorded: the threshold cannot be checked.
    bare = write_metric(tmp_path, "mbert", "ner", "it", 1, 50.0)
    with pytest.raises(MticketsError, match="no 'train_sentences' recorded"):
        tables.make_table([*paths, bare], models, "ner", 128, out, min_sentences=100)
    with pytest.raises(MticketsError, match="no language left"):
        tables.make_table(paths, models, "ner", 128, out, languages=["de", "fr"], min_sentences=100)


# --- the task's format, not its name ---------------------------------------------------------------------


def test_format_names_the_score_not_the_task_name(tmp_path, monkeypatch):
    fake_models(monkeypatch)
    paths = [write_metric(tmp_path, v, "wikiann", lang, s, 70.0 + s) for v in ("mbert", "snip16")
             for lang in ("en", "de") for s in (1, 2)]
    models = {"mbert": tmp_path / "m", "snip16": tmp_path / "s"}
    for fmt in ("panx", "conllu"):
        out = tmp_path / f"{fmt}.csv"
        tables.make_table(paths, models, "wikiann", 128, out, fmt=fmt)
        assert out.with_suffix(".md").read_text().splitlines()[0] == f"# wikiann: {tables.FORMATS[fmt]}"
    with pytest.raises(MticketsError, match="give the Markdown table its own path"):
        tables.make_table(paths, models, "wikiann", 128, tmp_path / "x.md")
    with pytest.raises(MticketsError, match="--format 'iob'"):
        tables.make_table(paths, models, "wikiann", 128, tmp_path / "x.csv", fmt="iob")
    source = Path(tables.__file__).read_text()
    assert '"ner"' not in source and '"pos"' not in source


# --- the Markdown table ------------------------------------------------------------------------------------


def test_markdown_blocks_of_15_languages_then_the_summary(tmp_path, monkeypatch):
    fake_models(monkeypatch)
    languages = [f"l{i:02d}" for i in range(17)]
    paths = [write_metric(tmp_path, v, "pos", lang, s, 90.0 + s + (v == "snip16")) for v in ("mbert", "snip16")
             for lang in languages for s in (1, 2, 3)]
    out = tmp_path / "pos_table.csv"
    md_path = tmp_path / "elsewhere.md"
    tables.make_table(paths, {"mbert": tmp_path / "m", "snip16": tmp_path / "s"}, "pos", 16, out, fmt="conllu",
                      md=md_path)
    md = md_path.read_text()
    tables_in_md = [block for block in md.split("\n\n") if block.startswith("| variant")]
    assert len(tables_in_md) == 3
    headers = [block.splitlines()[0] for block in tables_in_md]
    assert headers[0] == "| variant | " + " | ".join(languages[:15]) + " |"
    assert headers[1] == "| variant | l15 | l16 |"
    assert headers[2].startswith("| variant | avg [95% CI] | Δ avg vs mbert | p vs mbert | params")
    assert "| mbert | 92.00 ± 1.00 |" in tables_in_md[0]
    summary = tables_in_md[2].splitlines()
    assert summary[2].startswith("| mbert | 92.00 [") and summary[2].endswith("| 1.000 |")
    # Every language is +1 for snip16 (ties in all 2^17 flips only for the identity and its negation).
    assert "| snip16 | 93.00 [" in summary[3] and "| +1.00 | 1.53e-05 |" in summary[3]
    assert "Notes:" in md and "2^17 = 131072 sign vectors" in md


def test_token_accuracy_beside_f1_is_the_mean_over_languages_of_seed_means():
    records = [{"variant": "v", "language": lang, "token_accuracy": acc}
               for lang, acc in (("en", 90.0), ("en", 92.0), ("de", 80.0), ("de", 84.0))]
    assert tables.average_token_accuracy(records, "v", ["en", "de"]) == pytest.approx((91.0 + 82.0) / 2)
    records.append({"variant": "v", "language": "fr", "token_accuracy": None})  # a run that does not record it
    assert tables.average_token_accuracy(records, "v", ["en", "fr"]) is None
