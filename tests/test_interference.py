"""uc and gc (mtickets.training.interference) against brute force: saved updates, separately computed gradients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from mtickets.training import pretrain as pt
from mtickets.training.monitoring import probe_batches
from mtickets.training.run import PretrainingObjective, build_run
from mtickets.training.settings import InterferenceSettings, PretrainConfig
from mtickets.training.interference import layer_of
from test_pretrain import tiny_model, write_shards, write_tickets

STEPS = 12
SKETCH_DIM = 4096


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A ticket model trained 12 steps on three languages, a checkpoint after every step."""
    root = tmp_path_factory.mktemp("interference")
    shards = [write_shards(root / "shards", lang, 32, examples=48, tokens=tokens, heldout=8)
              for lang, tokens in (("en", 9000), ("de", 6000), ("fr", 4000))]
    tickets = write_tickets(root / "tickets.safetensors", ["de", "en", "fr"])
    settings = InterferenceSettings(languages=[], sketch_dim=SKETCH_DIM, exact_layers=["embeddings", "layer.1"],
                                    exact_languages=["de", "en", "fr"], uc_every=4, gc_every=6, probe_examples=8,
                                    seed=5)
    cfg = PretrainConfig(model=tiny_model(root / "init"), tickets=tickets, shards=shards, out=root / "final",
                            checkpoint_dir=root / "checkpoints", steps=STEPS, batch_size=8, learning_rate=3e-3,
                            seq_schedule="32:1.0", max_predictions="6", seed=2, checkpoint_every=1,
                            keep_checkpoints=STEPS, device="cpu", interference=settings,
                            interference_out=root / "interference")
    summary = pt.pretrain(cfg)
    return root, cfg, summary


def layer_vectors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each layer's parameters, flattened in name order (the order does not change a cosine)."""
    layers: dict[str, list] = {}
    for name in sorted(state):
        layer = layer_of(name)
        if layer is not None and not name.endswith(tuple(f".{c}" for c in ("qk", "v", "ffn"))):
            layers.setdefault(layer, []).append(state[name].double().reshape(-1))
    return {layer: torch.cat(parts) for layer, parts in layers.items()}


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(a @ b / (a.norm() * b.norm()))


def parameters_after(root: Path, step: int) -> dict[str, torch.Tensor]:
    if step == 0:
        from safetensors.torch import load_file

        return {k: v for k, v in load_file(str(root / "init/model.safetensors")).items()}
    state = torch.load(root / f"checkpoints/checkpoint-{step:09d}.pt", weights_only=True)["model"]
    return {k: v for k, v in state.items() if "tickets." not in k}


def test_uc_equals_the_brute_force_sum_of_each_languages_saved_updates(run):
    root, cfg, summary = run
    languages = {row["step"]: row["language"] for row in map(json.loads, (cfg.out / "training_log.jsonl").open())}
    uc = pd.read_parquet(root / "interference/uc.parquet")
    assert sorted(uc["step"].unique()) == [4, 8, 12]
    totals: dict[str, dict[str, torch.Tensor]] = {}
    before = layer_vectors(parameters_after(root, 0))
    for step in range(1, STEPS + 1):
        after = layer_vectors(parameters_after(root, step))
        for layer, vector in after.items():
            total = totals.setdefault(languages[step], {}).setdefault(layer, torch.zeros_like(vector))
            total += vector - before[layer]
        before = after
        if step % 4:
            continue
        rows = uc[uc["step"] == step]
        errors = []
        for row in rows.itertuples():
            if row.lang_i not in totals or row.lang_j not in totals:
                continue  # a language not trained yet: no update to compare
            expected = cosine(totals[row.lang_i][row.layer], totals[row.lang_j][row.layer])
            if row.method == "exact":
                assert abs(row.value - expected) < 1e-6, row
            else:
                errors.append(abs(row.value - expected))
        # The count sketch's cosine error is ~ 1/sqrt(buckets); bound the worst pair and layer.
        assert errors and max(errors) < 4 / np.sqrt(SKETCH_DIM), max(errors)
    assert set(uc["layer"]) == {"embeddings", "layer.0", "layer.1"}
    assert summary["interference"]["rows"]["uc"] == len(uc)


def test_gc_equals_cosines_of_gradients_computed_separately(run):
    from mtickets.modeling import TicketBertForPreTraining

    root, cfg, _ = run
    gc = pd.read_parquet(root / "interference/gc.parquet")
    assert sorted(gc["step"].unique()) == [6, 12]
    model = TicketBertForPreTraining.from_pretrained(str(cfg.out)).eval()
    built = build_run(cfg, device=torch.device("cpu"))
    probes = probe_batches(built, InterferenceSettings(languages=["de", "en", "fr"], probe_examples=8))
    gradients = {}
    for lang, batch in probes.items():
        model.zero_grad()
        mlm, nsp = PretrainingObjective(model)(batch, lang)
        (mlm / batch["masked_count"] + nsp / batch["input_ids"].shape[0]).backward()
        gradients[lang] = layer_vectors({name: p.grad for name, p in model.named_parameters() if p.grad is not None})
    errors = []
    for row in gc[gc["step"] == STEPS].itertuples():
        expected = cosine(gradients[row.lang_i][row.layer], gradients[row.lang_j][row.layer])
        if row.method == "exact":
            assert abs(row.value - expected) < 1e-5, row
        else:
            errors.append(abs(row.value - expected))
    assert max(errors) < 4 / np.sqrt(SKETCH_DIM)


def test_a_killed_and_resumed_run_writes_the_uninterrupted_runs_interference(run, tmp_path, monkeypatch):
    import dataclasses

    root, cfg, _ = run
    resumed = dataclasses.replace(cfg, out=tmp_path / "final", checkpoint_dir=tmp_path / "ck", checkpoint_every=5,
                                  interference_out=tmp_path / "interference")
    real, calls = PretrainingObjective.forward, {"n": 0}

    def dies_in_step_10(*args, **kwargs):  # 9 training steps and 3 gc probes (step 6) before it
        calls["n"] += 1
        if calls["n"] == 13:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(PretrainingObjective, "forward", dies_in_step_10)
    with pytest.raises(KeyboardInterrupt):
        pt.pretrain(resumed)
    parts = sorted(p.name for p in (tmp_path / "ck/interference").iterdir())
    assert parts == ["gc-000000006.parquet", "uc-000000004.parquet", "uc-000000008.parquet"]
    monkeypatch.setattr(PretrainingObjective, "forward", real)
    pt.pretrain(resumed)  # from the checkpoint of step 5: the parts after it are written again
    for kind in ("uc", "gc"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"interference/{kind}.parquet"),
                                      pd.read_parquet(root / f"interference/{kind}.parquet"))
