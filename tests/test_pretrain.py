"""Pretraining: shard loading, language sampling, seq schedule, MLM capping, training, resume."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from mtickets.training import pretrain as pt
from mtickets.training.checkpoints import (EVAL_LOG_NAME, LOCK_NAME, LOG_NAME, TrainingState, checkpoint_path,
                                          list_checkpoints)
from mtickets.training.run import PretrainingObjective
from mtickets.training.settings import PretrainConfig
from mtickets.training.schedule import (linear_warmup_decay, parse_max_predictions, parse_seq_schedule,
                                       sample_languages, sampling_probabilities, seq_lengths_for_steps)
from mtickets.errors import MticketsError
from mtickets.formats.shards import open_shards

VOCAB = 64


def write_shards(root: Path, lang: str, seq_length: int, examples: int, tokens: int, seed: int = 0,
                 per_shard: int = 16, heldout: int = 0) -> Path:
    """A shard directory following docs/contracts.md, with learnable token patterns (and
    ``heldout`` more examples set aside)."""
    rng = np.random.default_rng([seed, seq_length, sum(map(ord, lang))])
    base = 5 + (sum(map(ord, lang)) % 20)
    directory = root / lang / f"seq{seq_length}"
    directory.mkdir(parents=True)
    rows = []
    for _ in range(examples + heldout):
        total = int(rng.integers(seq_length // 2, seq_length + 1)) - 3
        a_len = max(1, total // 2)
        b_len = max(1, total - a_len)
        start = int(rng.integers(0, 8))
        seq = [(base + (start + i) % 12) for i in range(a_len + b_len)]  # a cyclic pattern per language
        ids = [2, *seq[:a_len], 3, *seq[a_len:], 3]
        types = [0] * (a_len + 2) + [1] * (b_len + 1)
        rows.append((ids, types, int(rng.integers(0, 2))))
    def write(prefix: str, part_rows: list) -> list[dict]:
        shards = []
        for number, start in enumerate(range(0, len(part_rows), per_shard)):
            chunk = part_rows[start : start + per_shard]
            name = f"{prefix}-{number:05d}.parquet"
            pq.write_table(table_of(chunk), directory / name)
            shards.append({"file": name, "examples": len(chunk)})
        return shards

    def table_of(chunk):
        return pa.table(
            {
                "input_ids": pa.array([r[0] for r in chunk], type=pa.list_(pa.int32())),
                "token_type_ids": pa.array([r[1] for r in chunk], type=pa.list_(pa.int8())),
                "next_sentence_label": pa.array([r[2] for r in chunk], type=pa.int8()),
                "language": pa.array([lang] * len(chunk), type=pa.string()),
            }
        )

    shards = write("part", rows[:examples])
    manifest = {
        "language": lang, "seq_length": seq_length, "documents": 3, "sentences": 30, "tokens": tokens,
        "examples": examples, "vocab_size": VOCAB, "seed": seed, "shards": shards,
        "special_tokens": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4},
    }
    if heldout:
        manifest["heldout"] = {"examples": heldout, "shards": write("heldout", rows[examples:])}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return directory


# ----------------------------------------------------------------------------- data side


def test_open_shards(tmp_path):
    directory = write_shards(tmp_path, "en", 32, examples=40, tokens=1000)
    data = open_shards(directory)
    assert (data.language, data.seq_length, data.tokens, len(data)) == ("en", 32, 1000, 40)
    ids, types, nsp = data.get([0, 39])
    table = pq.read_table(directory / "part-00002.parquet")
    assert ids[1].tolist() == table.column("input_ids")[-1].as_py()
    assert types[1].tolist() == table.column("token_type_ids")[-1].as_py()
    assert nsp[1] == table.column("next_sentence_label")[-1].as_py()


def test_open_shards_errors(tmp_path):
    with pytest.raises(MticketsError, match="no manifest.json"):
        open_shards(tmp_path)
    directory = write_shards(tmp_path, "en", 32, examples=20, tokens=10)
    (directory / "part-00001.parquet").unlink()
    with pytest.raises(MticketsError, match="part-00001.parquet: listed"):
        open_shards(directory)


def test_sampling_follows_smoothed_token_counts():
    tokens = {"en": 1_000_000, "de": 100_000, "sw": 1_000}
    probs = sampling_probabilities(tokens, 0.7)
    weights = {lang: n**0.7 for lang, n in tokens.items()}
    for lang in tokens:
        assert probs[lang] == pytest.approx(weights[lang] / sum(weights.values()))
    steps = 20_000
    draws = sample_languages(probs, steps, seed=3)
    counts = Counter(draws)
    # chi-square goodness of fit, 2 degrees of freedom: 99.9% quantile 13.8
    chi2 = sum((counts[l] - steps * p) ** 2 / (steps * p) for l, p in probs.items())
    assert chi2 < 13.8
    assert draws == sample_languages(probs, steps, seed=3)
    assert draws != sample_languages(probs, steps, seed=4)
    # smoothing < 1 up-samples the small language relative to its corpus share
    assert probs["sw"] > tokens["sw"] / sum(tokens.values())


def test_seq_schedule():
    phases = parse_seq_schedule("128:0.9,512:0.1")
    assert phases == [(128, 0.9), (512, 0.1)]
    lengths = seq_lengths_for_steps(100, phases)
    assert (lengths[:90] == 128).all() and (lengths[90:] == 512).all()
    assert parse_max_predictions("20,80", phases) == {128: 20, 512: 80}
    assert seq_lengths_for_steps(7, parse_seq_schedule("64")).tolist() == [64] * 7
    for bad in ("128:0.5,512:0.4", "128:x", "128:0.5,128:0.5"):
        with pytest.raises(MticketsError, match="--seq-schedule"):
            parse_seq_schedule(bad)
    with pytest.raises(MticketsError, match="--max-predictions"):
        parse_max_predictions("20,80,5", phases)


def dense_labels(batch: dict) -> torch.Tensor:
    """The ``[rows, length]`` labels (-100 where not masked) that the masked positions encode."""
    labels = torch.full_like(batch["input_ids"], -100)
    rows = torch.arange(labels.shape[0]).unsqueeze(1).expand_as(batch["masked_positions"])
    kept = batch["masked_weights"] > 0
    labels[rows[kept], batch["masked_positions"][kept]] = batch["masked_labels"][kept]
    return labels


@pytest.mark.parametrize("size", [1, 2, 3, 7, 16, 17, 100, 1000, 4097])
def test_the_computed_permutation_is_a_bijection_for_every_key(size):
    from mtickets.training.batches import permuted

    for key in (0, 1, 2**63 + 5):
        values = permuted(np.arange(size), size, np.full(size, key, dtype=np.uint64))
        assert sorted(values.tolist()) == list(range(size))
    orders = {tuple(permuted(np.arange(size), size, np.full(size, key, dtype=np.uint64))) for key in range(20)}
    assert len(orders) == min(20, math.factorial(size))


def test_a_stream_visits_every_example_once_per_epoch(tmp_path):
    from mtickets.training.batches import StepPlan, stream_indices

    data = open_shards(write_shards(tmp_path, "en", 32, examples=10, tokens=100))
    seen = stream_indices(data, 0, 20, seed=1, stream=7).tolist()  # two epochs
    assert sorted(seen[:10]) == list(range(10)) and sorted(seen[10:]) == list(range(10))
    assert seen[:10] != seen[10:]
    assert stream_indices(data, 8, 4, seed=1, stream=7).tolist() == seen[8:12]
    assert stream_indices(data, 0, 10, seed=1, stream=8).tolist() != seen[:10]

    plan = StepPlan(["de", "en"], np.array([[1], [0], [1], [1]]), np.array([32, 32, 32, 32]), batch_size=4)
    starts = [(d.language, d.start) for step in range(1, 5) for d in plan.draws(step)]
    assert starts == [("en", 0), ("de", 0), ("en", 4), ("en", 8)]
    assert [(d.language, d.start) for d in plan.draws(4)] == [("en", 8)]  # resuming: counted, not replayed


def test_batches_have_fixed_shapes_and_capped_predictions(tmp_path):
    from mtickets.training.batches import masked_batch

    data = open_shards(write_shards(tmp_path, "en", 64, examples=16, tokens=100))
    batch = masked_batch(data, list(range(16)), mlm_probability=0.5, max_predictions=4,
                         generator=torch.Generator().manual_seed(0))
    labels = dense_labels(batch)
    selected = labels != -100
    assert batch["input_ids"].shape == batch["attention_mask"].shape == (16, 64)  # the dataset's length
    assert batch["masked_positions"].shape == batch["masked_weights"].shape == (16, 4)
    assert int(selected.sum(dim=1).max()) == 4 and int(batch["masked_count"]) == int(selected.sum())
    special = (batch["attention_mask"] == 0) | torch.isin(labels, torch.tensor([0, 2, 3]))
    assert not (selected & (batch["attention_mask"] == 0)).any() and not special[selected].any()
    ids, _, nsp = data.get(list(range(16)))
    assert batch["next_sentence_label"].tolist() == nsp.tolist()
    assert batch["attention_mask"].sum(dim=1).tolist() == [len(x) for x in ids]
    assert torch.equal(labels[selected], torch.as_tensor(np.concatenate(ids)).long()[
        selected[batch["attention_mask"] == 1]])

    rows = masked_batch(data, list(range(16)), mlm_probability=0.5, max_predictions=4,
                        generator=torch.Generator().manual_seed(0), rows=slice(8, 16))
    for name, tensor in rows.items():  # a rank's slice is masked as in the whole batch
        assert torch.equal(tensor, batch[name] if tensor.dim() == 0 else batch[name][8:16]), name


def test_the_loader_thread_yields_the_batches_of_the_plan_in_order_and_hands_over_its_errors(tmp_path):
    from mtickets.training.batches import BatchLoader, StepPlan

    datasets = {("en", 32): open_shards(write_shards(tmp_path, "en", 32, examples=24, tokens=100))}
    plan = StepPlan(["en"], np.zeros((10, 1), dtype=np.int64), np.full(10, 32), batch_size=8)
    options = dict(seed=3, streams={("en", 32): 5}, mlm_probability=0.3, max_predictions={32: 4})
    loader = BatchLoader(plan, datasets, first=4, last=10, prefetch=2, **options)
    seen = list(loader)
    loader.close()
    direct = BatchLoader(StepPlan(["en"], plan.languages, plan.lengths, 8), datasets, first=1, last=0, **options)
    assert [step for step, _, _ in seen] == list(range(4, 11))
    for step, draw, batch in seen:  # the thread's batches are the ones the plan defines
        expected_draw, expected = direct.batch(step)
        assert draw == expected_draw and all(torch.equal(batch[k], expected[k]) for k in batch)

    second_rank = BatchLoader(plan, datasets, first=4, last=10, rank=1, world_size=2, **options)
    _, _, share = next(iter(second_rank))
    second_rank.close()  # closing before the end does not hang the thread
    assert all(torch.equal(share[k], seen[0][2][k] if share[k].dim() == 0 else seen[0][2][k][4:8]) for k in share)

    broken = open_shards(datasets[("en", 32)].path)

    def lost_disk(indices):
        raise OSError("disk gone")

    broken.get = lost_disk
    loader = BatchLoader(plan, {("en", 32): broken}, first=1, last=10, **options)
    with pytest.raises(OSError, match="disk gone"):
        list(loader)
    loader.close()


def test_linear_warmup_decay():
    factor = linear_warmup_decay(4, 10)
    values = [factor(s) for s in range(10)]
    assert values[:4] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert values[4] == 1.0 and values[-1] == pytest.approx(1 / 6)
    assert all(a > b for a, b in zip(values[4:], values[5:]))


# ----------------------------------------------------------------------------- training


def tiny_model(directory: Path, vocab_size: int = VOCAB, seed: int = 0) -> Path:
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    config = TicketBertConfig(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
    )
    torch.manual_seed(seed)
    TicketBertForPreTraining(config).save_pretrained(str(directory))
    return directory


def write_tickets(path: Path, languages: list[str], layers: int = 2, hidden: int = 32, ffn: int = 64,
                  keep: float = 0.75, seed: int = 0) -> Path:
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(seed)
    masks = {}
    for k in range(layers):
        for name, dim in (("qk", hidden), ("v", hidden), ("ffn", ffn)):
            masks[f"layer.{k}.{name}"] = (torch.rand(len(languages), dim, generator=generator) < keep).to(torch.uint8)
    save_file(masks, str(path), metadata={"languages": json.dumps(languages), "remain_ratio": str(keep)})
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("pretrain")
    shards = [write_shards(root / "shards", lang, length, examples=48, tokens=tokens)
              for lang, tokens in (("en", 20_000), ("de", 5_000)) for length in (32, 64)]
    return root, shards, tiny_model(root / "init")


def run_cli(argv: list[str]) -> int:
    from mtickets.cli import main

    return main(argv)


def pretrain_argv(model, shards, out, checkpoints, steps=50, extra=()):
    return [
        "pretrain", "--model", str(model), "--shards", *map(str, shards), "--steps", str(steps),
        "--batch-size", "8", "--learning-rate", "2e-3", "--warmup-steps", "5",
        "--seq-schedule", "32:0.8,64:0.2", "--max-predictions", "6,12", "--seed", "7",
        "--checkpoint-dir", str(checkpoints), "--checkpoint-every", "10", "--device", "cpu",
        "--out", str(out), *extra,
    ]


def test_pretrain_learns_and_writes_outputs(corpus, tmp_path):
    _, shards, model = corpus
    out = tmp_path / "final"
    assert run_cli(pretrain_argv(model, shards, out, tmp_path / "ckpt")) == 0
    rows = [json.loads(line) for line in (out / "training_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 51))
    assert set(rows[0]) == {"step", "language", "seq_length", "loss", "mlm_loss", "nsp_loss", "lr"}
    assert [r["seq_length"] for r in rows] == [32] * 40 + [64] * 10  # the schedule switches length
    first = np.mean([r["mlm_loss"] for r in rows[:10]])
    last = np.mean([r["mlm_loss"] for r in rows[-10:]])
    assert last < first - 0.5, (first, last)
    summary = json.loads((out / "pretrain.json").read_text())
    assert sum(summary["steps_per_language"].values()) == 50
    assert summary["steps_per_seq_length"] == {"32": 40, "64": 10}
    assert summary["final_loss"] == rows[-1]["loss"]
    assert Counter(r["language"] for r in rows) == Counter(summary["steps_per_language"])
    from mtickets.modeling import TicketBertForPreTraining

    TicketBertForPreTraining.from_pretrained(str(out))  # a loadable model directory


def test_resume_matches_uninterrupted_run(corpus, tmp_path, monkeypatch):
    from safetensors.torch import load_file

    _, shards, model = corpus
    tickets = write_tickets(tmp_path / "tickets.safetensors", ["de", "en", "fr"])
    extra = ["--tickets", str(tickets)]
    steps = 30
    assert run_cli(pretrain_argv(model, shards, tmp_path / "A", tmp_path / "ckA", steps, extra)) == 0

    calls = {"n": 0}
    real = PretrainingObjective.forward

    def dies_at_step_17(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 17:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(PretrainingObjective, "forward", dies_at_step_17)
    with pytest.raises(KeyboardInterrupt):
        run_cli(pretrain_argv(model, shards, tmp_path / "B", tmp_path / "ckB", steps, extra))
    assert not (tmp_path / "B").exists()
    assert [p.name for p in sorted((tmp_path / "ckB").glob("checkpoint-*.pt"))][-1] == "checkpoint-000000010.pt"
    monkeypatch.setattr(PretrainingObjective, "forward", real)
    assert run_cli(pretrain_argv(model, shards, tmp_path / "B", tmp_path / "ckB", steps, extra)) == 0

    a, b = load_file(str(tmp_path / "A/model.safetensors")), load_file(str(tmp_path / "B/model.safetensors"))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any("tickets" in k for k in a)  # the ticket bank travels with the model
    assert (tmp_path / "A/training_log.jsonl").read_text() == (tmp_path / "B/training_log.jsonl").read_text()
    assert json.loads((tmp_path / "B/config.json").read_text())["languages"] == ["de", "en", "fr"]


def test_pretrain_errors(corpus, tmp_path):
    _, shards, model = corpus
    tickets = write_tickets(tmp_path / "tickets.safetensors", ["en", "fr"])
    with pytest.raises(MticketsError, match="de.*no ticket"):
        pt.main(_namespace(pretrain_argv(model, shards, tmp_path / "o", tmp_path / "c", 5,
                                         ["--tickets", str(tickets)])))
    with pytest.raises(MticketsError, match="missing: de/seq64, en/seq64"):
        pt.main(_namespace(pretrain_argv(model, shards[::2], tmp_path / "o", tmp_path / "c", 5)))
    other_vocab = tiny_model(tmp_path / "vocab100", vocab_size=100)
    with pytest.raises(MticketsError, match="64-token vocabulary.*vocab_size 100"):
        pt.main(_namespace(pretrain_argv(other_vocab, shards, tmp_path / "o", tmp_path / "c", 5)))
    assert not (tmp_path / "o").exists()


def _namespace(argv):
    from mtickets.cli import build_parser

    return build_parser(argv).parse_args(argv)


def test_gathered_losses_equal_full_forward(corpus):
    from mtickets.training.batches import masked_batch
    from mtickets.modeling import TicketBertForPreTraining

    _, shards, model_dir = corpus
    model = TicketBertForPreTraining.from_pretrained(str(model_dir)).eval()
    data = open_shards(shards[0])
    batch = masked_batch(data, list(range(8)), mlm_probability=0.3, max_predictions=6,
                         generator=torch.Generator().manual_seed(1))
    labels = dense_labels(batch)
    with torch.no_grad():
        mlm_sum, nsp_sum = PretrainingObjective(model)(batch, None)
        output = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        selected = labels != -100
        full_mlm = torch.nn.functional.cross_entropy(output.prediction_logits[selected], labels[selected])
        full_nsp = torch.nn.functional.cross_entropy(output.seq_relationship_logits, batch["next_sentence_label"])
        reference = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"],
                          labels=labels, next_sentence_label=batch["next_sentence_label"])
    assert torch.allclose(mlm_sum / batch["masked_count"], full_mlm, atol=1e-5)
    assert torch.allclose(nsp_sum / 8, full_nsp, atol=1e-5)
    assert torch.allclose(mlm_sum / batch["masked_count"] + nsp_sum / 8, reference.loss, atol=1e-5)


# ----------------------------------------------------------------------------- resume safety


RESUME_STEPS = 30


def resume_config(model, shards, tmp_path, tickets, name, **overrides) -> PretrainConfig:
    settings = dict(
        model=model, shards=list(shards), out=tmp_path / name, checkpoint_dir=tmp_path / "ck", tickets=tickets,
        steps=RESUME_STEPS, batch_size=8, learning_rate=2e-3, warmup_steps=5, seq_schedule="32:0.8,64:0.2",
        max_predictions="6,12", seed=7, checkpoint_every=10, keep_checkpoints=3, device="cpu",
    )
    return PretrainConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """An uninterrupted run with tickets: its weights and log."""
    _, shards, model = corpus
    root = tmp_path_factory.mktemp("reference")
    tickets = write_tickets(root / "tickets.safetensors", ["de", "en"], seed=1)
    pt.pretrain(resume_config(model, shards, root, tickets, "final"))
    return tickets, (root / "final/model.safetensors").read_bytes(), (root / "final" / LOG_NAME).read_text()


def interrupted_at_20(corpus, tmp_path, tickets) -> Path:
    _, shards, model = corpus
    assert pt.pretrain(resume_config(model, shards, tmp_path, tickets, "final", stop_after=20)) == {"stopped_at": 20}
    return tmp_path / "ck"


def finish(corpus, tmp_path, tickets) -> dict:
    _, shards, model = corpus
    return pt.pretrain(resume_config(model, shards, tmp_path, tickets, "final"))


def bank_of(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    prefix = "bert.tickets."
    return {k[len(prefix):]: v for k, v in load_file(str(directory / "model.safetensors")).items()
            if k.startswith(prefix)}


@pytest.mark.parametrize("change", ["tickets", "model", "shard content"])
def test_a_changed_input_never_resumes(corpus, tmp_path, reference, caplog, change):
    """A finished run's checkpoints outlive a Snakemake rerun: new inputs must start over."""
    from safetensors.torch import load_file

    root, shards, model = corpus
    tickets, _, _ = reference
    interrupted_at_20(corpus, tmp_path, tickets)
    if change == "tickets":
        tickets = write_tickets(tmp_path / "other.safetensors", ["de", "en"], seed=2)
    elif change == "model":
        model = tiny_model(tmp_path / "other-init", seed=1)
    else:  # same file names, row counts and manifest, one token different
        copies = [tmp_path / "shards" / d.relative_to(root / "shards") for d in shards]
        for source, copy in zip(shards, copies):
            shutil.copytree(source, copy)
        table = pq.read_table(copies[0] / "part-00000.parquet").to_pydict()
        table["input_ids"][0][1] += 1
        pq.write_table(pa.Table.from_pydict(table, schema=pq.read_schema(copies[0] / "part-00000.parquet")),
                       copies[0] / "part-00000.parquet")
        shards = copies
    caplog.set_level("WARNING", logger="mtickets.training")
    summary = pt.pretrain(resume_config(model, shards, tmp_path, tickets, "final"))
    assert summary["resumed_from_step"] == 0
    message = {"tickets": "tickets", "model": "model", "shard content": "shards en/seq32"}[change]
    assert re.search(rf"starting over: checkpoint .*checkpoint-000000020.pt was made from other inputs or "
                     rf"settings \({re.escape(message)} differ\)", caplog.text), caplog.text
    rows = [json.loads(line) for line in (tmp_path / "final" / LOG_NAME).read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, RESUME_STEPS + 1))
    expected = load_file(str(tickets))
    assert {k: v.tolist() for k, v in bank_of(tmp_path / "final").items()} == \
        {k: v.tolist() for k, v in expected.items()}


def test_unchanged_inputs_resume_to_the_uninterrupted_result(corpus, tmp_path, reference, caplog):
    tickets, weights, log_text = reference
    interrupted_at_20(corpus, tmp_path, tickets)
    caplog.set_level("INFO", logger="mtickets.training")
    assert finish(corpus, tmp_path, tickets)["resumed_from_step"] == 20
    assert "resuming from" in caplog.text and "starting over" not in caplog.text
    assert (tmp_path / "final/model.safetensors").read_bytes() == weights
    assert (tmp_path / "final" / LOG_NAME).read_text() == log_text


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_at_a_checkpoint_is_one_error_and_the_rerun_resumes_to_the_same_result(
        corpus, tmp_path, reference, monkeypatch):
    """The checkpoint of step 20 is written into /dev/full: torch's own report of that is
    "[enforce fail at inline_container.cc:672] . unexpected pos ...", which never says "disk full"."""
    from mtickets.formats import atomic

    tickets, weights, log_text = reference
    real_mkstemp = tempfile.mkstemp

    def full_at_step_20(prefix, suffix, dir):
        fd, name = real_mkstemp(prefix=prefix, suffix=suffix, dir=dir)
        if prefix == ".checkpoint-000000020.pt.":
            os.unlink(name)
            os.symlink("/dev/full", name)
        return fd, name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", full_at_step_20)
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda path: SimpleNamespace(free=5000))
    with pytest.raises(MticketsError) as raised:
        finish(corpus, tmp_path, tickets)
    checkpoint = tmp_path / "ck" / "checkpoint-000000020.pt"
    assert re.fullmatch(rf"{re.escape(str(checkpoint))}: disk full while writing it \(4.9 KiB free on /\S*, it "
                        rf"needs \d+\.\d KiB\); free space there or write the results elsewhere, then rerun",
                        str(raised.value)), str(raised.value)
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == sorted(
        ["checkpoint-000000010.pt", LOG_NAME, EVAL_LOG_NAME, "tensorboard"])  # no temporaries
    monkeypatch.undo()
    assert finish(corpus, tmp_path, tickets)["resumed_from_step"] == 10
    assert (tmp_path / "final/model.safetensors").read_bytes() == weights
    assert (tmp_path / "final" / LOG_NAME).read_text() == log_text


def test_a_second_run_on_a_running_run_s_checkpoints_stops_naming_the_lock_and_the_first_ends_unharmed(
        corpus, tmp_path, reference):
    """Two runs on one checkpoint directory used to both train: one truncated the log the other appended to."""
    tickets, weights, log_text = reference
    _, shards, model = corpus
    checkpoints = tmp_path / "ck"
    command = [sys.executable, "-m", "mtickets.cli", *pretrain_argv(
        model, shards, tmp_path / "final", checkpoints, RESUME_STEPS, ["--tickets", str(tickets)])]
    lock = checkpoints / LOCK_NAME
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not (lock.exists() and lock.read_text()):
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()[1]
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGSTOP)  # mid-run for as long as the second one takes
        try:
            started = time.monotonic()
            second = subprocess.run(command, capture_output=True, text=True, timeout=300)
            seconds = time.monotonic() - started
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert second.returncode == 1
        assert [line.split(": ", 1)[1] for line in second.stderr.splitlines() if " ERROR " in line] == [
            f"checkpoint directory {checkpoints} is being written by another process (PID {first.pid} on "
            f"{socket.gethostname()}, holding {lock}); wait for it to finish or stop it, then rerun"]
        assert seconds < 60, seconds  # before any model or shard is read
        _, errors = first.communicate(timeout=600)
        assert first.returncode == 0, errors
    finally:
        first.kill()  # a failed assertion leaves no run behind
        first.wait()
    assert (tmp_path / "final/model.safetensors").read_bytes() == weights
    assert (tmp_path / "final" / LOG_NAME).read_text() == log_text
    assert not lock.exists()


@pytest.mark.parametrize("damage", ["truncated", "empty newer file"])
def test_a_corrupt_latest_checkpoint_falls_back_to_the_one_before(corpus, tmp_path, reference, caplog, damage):
    tickets, weights, log_text = reference
    ck = interrupted_at_20(corpus, tmp_path, tickets)
    if damage == "truncated":
        bad = checkpoint_path(ck, 20)
        bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
        resumed_from = 10
    else:
        bad = checkpoint_path(ck, 25)
        bad.write_bytes(b"")
        resumed_from = 20
    caplog.set_level("INFO", logger="mtickets.training")
    assert finish(corpus, tmp_path, tickets)["resumed_from_step"] == resumed_from
    assert re.search(rf"skipping checkpoint .*{bad.name}: it cannot be loaded \(\w+", caplog.text), caplog.text
    assert (tmp_path / "final/model.safetensors").read_bytes() == weights
    assert (tmp_path / "final" / LOG_NAME).read_text() == log_text


def test_no_loadable_checkpoint_is_one_clear_error(corpus, tmp_path, reference):
    tickets, _, _ = reference
    ck = interrupted_at_20(corpus, tmp_path, tickets)
    for _, path in list_checkpoints(ck):
        path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(MticketsError, match=rf"no checkpoint in {re.escape(str(ck))} can be loaded "
                                            r"\(checkpoint-000000020.pt: \w+.*checkpoint-000000010.pt: .*\); "
                                            rf"delete {re.escape(str(ck))} to start pretraining over"):
        finish(corpus, tmp_path, tickets)
    assert len(list_checkpoints(ck)) == 2 and not (tmp_path / "final").exists()


def test_a_torn_last_log_row_is_ignored_with_a_warning(corpus, tmp_path, reference, caplog):
    tickets, weights, log_text = reference
    ck = interrupted_at_20(corpus, tmp_path, tickets)
    with open(ck / LOG_NAME, "a", encoding="utf-8") as handle:
        handle.write('{"step": 21, "language": "en", "seq_le')  # a full disk cut the row
    caplog.set_level("WARNING", logger="mtickets.training")
    assert finish(corpus, tmp_path, tickets)["resumed_from_step"] == 20
    assert "ignoring its torn last line 21" in caplog.text
    assert (tmp_path / "final/model.safetensors").read_bytes() == weights
    assert (tmp_path / "final" / LOG_NAME).read_text() == log_text


def test_a_torn_row_before_the_last_is_an_error_naming_the_line(corpus, tmp_path, reference):
    tickets, _, _ = reference
    ck = interrupted_at_20(corpus, tmp_path, tickets)
    lines = (ck / LOG_NAME).read_text().splitlines()
    lines[4] = lines[4][:10]
    (ck / LOG_NAME).write_text("\n".join(lines) + "\n")
    with pytest.raises(MticketsError, match=r"training_log.jsonl, line 5: not a JSON log row"):
        finish(corpus, tmp_path, tickets)


def test_the_rule_log_reads_as_lines_not_progress_frames(corpus, tmp_path):
    """A rule log is stderr sent to a file: no carriage-return frames, a progress line a person reads (step,
    loss, learning rate, tokens/s, MFU, ETA) at the start and end."""
    import subprocess
    import sys

    _, shards, model = corpus
    argv = pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", steps=20, extra=["--peak-tflops", "1"])
    with open(tmp_path / "pretrain.log", "w") as log_file:
        subprocess.run([sys.executable, "-m", "mtickets.cli", *argv], stderr=log_file, check=True)
    text = (tmp_path / "pretrain.log").read_text()
    assert "\r" not in text
    bars = [line for line in text.splitlines() if line.startswith("pretrain:")]
    assert bars[0] == "pretrain: step 0/20 (0%), elapsed 00:00, ETA ?"
    assert re.fullmatch(r"pretrain: step 20/20 \(100%\), loss \d+\.\d{3}, lr \d\.\d\de[-+]\d\d, [\d,]+ tokens/s, "
                        r"MFU \d+\.\d%, elapsed \d\d:\d\d, ETA 00:00", bars[-1]), bars[-1]
    assert len(bars) <= 3  # one line a minute at most, and the last


def test_fewer_examples_than_a_batch_stops_before_the_first_step(corpus, tmp_path):
    _, shards, model = corpus
    argv = pretrain_argv(model, shards, tmp_path / "o", tmp_path / "c", 5)
    argv[argv.index("--batch-size") + 1] = "49"  # the shards hold 48 examples each
    with pytest.raises(MticketsError, match=r"language 'en': \S+seq32 holds 48 examples, fewer than one batch "
                                            r"\(--batch-size 49\); add text for 'en'"):
        pt.main(_namespace(argv))
    assert not (tmp_path / "o").exists() and not list_checkpoints(tmp_path / "c")


# ----------------------------------------------------------------------------- precision, ticket update


def test_ticket_update_leaves_every_out_of_ticket_weight_bit_identical(corpus):
    from mtickets.training.batches import masked_batch
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.ticket_update import confined_to, owned_slices

    root, shards, model_dir = corpus
    model = TicketBertForPreTraining.from_pretrained(str(model_dir))
    masks = {k: (torch.rand(2, dim, generator=torch.Generator().manual_seed(i)) < 0.6).to(torch.uint8)
             for i, (k, dim) in enumerate(sorted({f"layer.{k}.{c}": d for k in range(2)
                                                  for c, d in (("qk", 32), ("v", 32), ("ffn", 64))}.items()))}
    model.set_tickets(masks, ["de", "en"])
    state = TrainingState.fresh(model, PretrainConfig(model=model_dir, shards=[], out=Path("."),
                                                            checkpoint_dir=Path("."), steps=100, batch_size=8,
                                                            learning_rate=1e-2))
    data = open_shards(shards[0])

    def step(language: str, confine: bool) -> None:
        batch = masked_batch(data, list(range(8)), mlm_probability=0.3, max_predictions=6,
                             generator=torch.Generator().manual_seed(len(language)))
        mlm, nsp = PretrainingObjective(model)(batch, language)
        state.optimizer.zero_grad(set_to_none=True)
        (mlm / batch["masked_count"] + nsp / 8).backward()
        with confined_to(state.optimizer, owned_slices(model, [language])) if confine else contextlib.nullcontext():
            state.optimizer.step()

    step("en", confine=False)  # momentum and decay everywhere
    slices = owned_slices(model, ["de"])
    before = [(p.detach().clone(), {n: state.optimizer.state[p][n].clone() for n in ("exp_avg", "exp_avg_sq")})
              for p, _, _ in slices]
    step("de", confine=True)
    moved_inside = 0
    for (parameter, dim, index), (weight, moments) in zip(slices, before):
        assert torch.equal(parameter.detach().index_select(dim, index), weight.index_select(dim, index))
        for name, old in moments.items():
            assert torch.equal(state.optimizer.state[parameter][name].index_select(dim, index),
                               old.index_select(dim, index))
        outside = torch.zeros(parameter.shape[dim], dtype=torch.bool)
        outside[index] = True
        inside = (~outside).nonzero().squeeze(1)
        moved_inside += int((parameter.detach().index_select(dim, inside) != weight.index_select(dim, inside)).sum())
    assert moved_inside > 0
    step("de", confine=False)  # the default: out-of-ticket weights move too
    assert any(not torch.equal(p.detach().index_select(d, i), w.index_select(d, i))
               for (p, d, i), (w, _) in zip(slices, before))


@pytest.mark.parametrize("precision, ticket_update", [("bf16", "ticket"), ("fp32", "all")])
def test_bf16_and_ticket_update_runs_are_recorded(corpus, tmp_path, precision, ticket_update):
    _, shards, model = corpus
    tickets = write_tickets(tmp_path / "tickets.safetensors", ["de", "en"])
    argv = pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", steps=12,
                         extra=["--tickets", str(tickets), "--precision", precision, "--ticket-update", ticket_update])
    assert run_cli(argv) == 0
    summary = json.loads((tmp_path / "final/pretrain.json").read_text())
    assert (summary["precision"], summary["ticket_update"]) == (precision, ticket_update)
    rows = [json.loads(line) for line in (tmp_path / "final" / LOG_NAME).read_text().splitlines()]
    assert len(rows) == 12 and all(np.isfinite(r["loss"]) for r in rows)


def test_gradient_accumulation_equals_the_whole_batch(corpus, tmp_path):
    from safetensors.torch import load_file

    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    _, shards, _ = corpus
    config = TicketBertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
                              attention_probs_dropout_prob=0.0)  # dropout draws differ per micro-batch
    torch.manual_seed(0)
    TicketBertForPreTraining(config).save_pretrained(str(tmp_path / "init"))
    weights = {}
    for micro in (None, 3):  # 8 rows as 3 + 3 + 2
        extra = ["--micro-batch-size", str(micro)] if micro else []
        out = tmp_path / f"final-{micro}"
        assert run_cli(pretrain_argv(tmp_path / "init", shards, out, tmp_path / f"ck-{micro}", 20, extra)) == 0
        weights[micro] = load_file(str(out / "model.safetensors"))
        assert json.loads((out / "pretrain.json").read_text())["micro_batch_size"] == (micro or 8)
    for key, whole in weights[None].items():
        assert torch.allclose(weights[3][key], whole, atol=1e-5, rtol=0), key


def test_heldout_loss_is_logged_for_every_language_without_changing_training(tmp_path):
    shards = [write_shards(tmp_path / "shards", lang, length, examples=48, tokens=n, heldout=12)
              for lang, n in (("en", 20_000), ("de", 5_000)) for length in (32, 64)]
    model = tiny_model(tmp_path / "init")
    assert run_cli(pretrain_argv(model, shards, tmp_path / "plain", tmp_path / "ck1", 20)) == 0
    assert run_cli(pretrain_argv(model, shards, tmp_path / "eval", tmp_path / "ck2", 20, ["--eval-every", "8"])) == 0
    rows = [json.loads(line) for line in (tmp_path / "eval" / EVAL_LOG_NAME).read_text().splitlines()]
    # Every scheduled length at every evaluation: the curves do not jump where the schedule switches.
    assert [(r["step"], r["seq_length"], r["language"]) for r in rows] == [
        (s, length, lang) for s in (8, 16, 20) for length in (32, 64) for lang in ("de", "en")]
    assert all(r["examples"] == 12 and r["mlm_loss"] > 0 and 0 <= r["mlm_accuracy"] <= 1 for r in rows)
    summary = json.loads((tmp_path / "eval/pretrain.json").read_text())
    assert summary["heldout"] == {lang: {str(r["seq_length"]): r for r in rows[-4:] if r["language"] == lang}
                                  for lang in ("de", "en")}
    for name in ("model.safetensors", LOG_NAME):  # evaluating draws no training randomness
        assert (tmp_path / "eval" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
