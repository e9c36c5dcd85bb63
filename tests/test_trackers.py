"""Metrics a researcher can watch: TensorBoard event files by default (read back with TensorBoard's own
reader), W&B and MLflow offline when asked, throughput and MFU from the FLOPs accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from test_pretrain import VOCAB, pretrain_argv, run_cli, tiny_model, write_shards, write_tickets

from mtickets.errors import MticketsError
from mtickets.trackers import check_trackers


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("trackers")
    shards = [write_shards(root / "shards", lang, length, examples=48, tokens=tokens, heldout=12)
              for lang, tokens in (("en", 20_000), ("de", 5_000)) for length in (32, 64)]
    return root, shards, tiny_model(root / "init")


def scalars(directory: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar series of the event files in ``directory``, as TensorBoard itself reads them."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(directory), size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(event.step, event.value) for event in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def same_series(got: list[tuple[int, float]], expected: list[tuple[int, float]], rel: float = 1e-6) -> bool:
    """The same steps, and values equal to float32 precision (event files hold float32)."""
    return [step for step, _ in got] == [step for step, _ in expected] and \
        [value for _, value in got] == pytest.approx([value for _, value in expected], rel=rel)


def log_rows(directory: Path, name: str = "training_log.jsonl") -> list[dict]:
    return [json.loads(line) for line in (directory / name).read_text().splitlines()]


def test_tensorboard_holds_loss_lr_throughput_mfu_heldout_and_interference(corpus, tmp_path):
    _, shards, model = corpus
    tickets = write_tickets(tmp_path / "tickets.safetensors", ["de", "en"])
    extra = ["--tickets", str(tickets), "--eval-every", "8", "--peak-tflops", "0.5", "--tracking-dir",
             str(tmp_path / "tb"), "--interference-out", str(tmp_path / "uc"), "--uc-every", "5"]
    assert run_cli(pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", 20, extra)) == 0
    series = scalars(tmp_path / "tb")
    rows = log_rows(tmp_path / "final")
    for name in ("loss", "mlm_loss", "nsp_loss", "lr"):
        assert same_series(series[f"train/{name}"], [(row["step"], row[name]) for row in rows]), name
    assert [step for step, _ in series["train/grad_norm"]] == list(range(1, 21))
    assert all(value > 0 for _, value in series["train/grad_norm"])
    # Throughput per window between flushes (the evaluations at 8, 16, 20 and the checkpoints at 10, 20).
    for name in ("tokens_per_s", "samples_per_s", "mfu"):
        assert [step for step, _ in series[f"throughput/{name}"]] == [8, 10, 16, 20], name
    for (_, tokens), (_, samples), (step, mfu) in zip(*(series[f"throughput/{name}"]
                                                        for name in ("tokens_per_s", "samples_per_s", "mfu"))):
        assert tokens == pytest.approx(samples * (32 if step <= 16 else 64), rel=1e-5)  # rows padded to the length
        assert 0 < mfu < 1
    evaluations = log_rows(tmp_path / "final", "eval_log.jsonl")
    for row in evaluations:
        key = f"{row['language']}/seq{row['seq_length']}"
        assert (row["step"], pytest.approx(row["mlm_loss"], rel=1e-6)) in series[f"heldout_loss/{key}"]
        assert (row["step"], pytest.approx(row["mlm_accuracy"], rel=1e-6)) in series[f"heldout_accuracy/{key}"]
    assert [step for step, _ in series["heldout_loss/en/seq32"]] == [8, 16, 20]
    import pandas as pd

    uc = pd.read_parquet(tmp_path / "uc" / "uc.parquet")
    means = uc[uc["method"] == "sketch"].groupby(["step", "layer"])["value"].mean()
    assert same_series(series["uc_sketch/layer.0"], [(step, value) for (step, layer), value in means.items()
                                                     if layer == "layer.0"])


def test_mfu_is_the_accountings_model_flops_over_time_and_peak(corpus, tmp_path):
    """A dense model's FLOPs per token counted by hand (2 per multiply-add): Q, K, V, attention, W_O, FFN per
    layer, the MLM head at the masked positions, pooler and NSP; three forward passes a step."""
    _, shards, model = corpus
    peak = 0.5e12
    extra = ["--peak-tflops", str(peak / 1e12), "--eval-every", "8"]
    assert run_cli(pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", 20, extra)) == 0
    series = scalars(tmp_path / "ck" / "tensorboard")  # the default tracking directory
    hidden, layers, ffn, vocab = 32, 2, 64, VOCAB
    for (step, tokens), (_, mfu) in zip(series["throughput/tokens_per_s"], series["throughput/mfu"]):
        length, predictions = (32, 6) if step <= 16 else (64, 12)
        layer = 2 * length * hidden * 3 * hidden + 2 * length * length * 2 * hidden + 2 * length * hidden * hidden \
            + 4 * length * hidden * ffn
        heads = 2 * predictions * hidden * (hidden + vocab) + 2 * hidden * (hidden + 2)
        assert mfu * peak / tokens == pytest.approx(3 * (layers * layer + heads) / length, rel=1e-6)  # float32
    summary = json.loads((tmp_path / "final" / "pretrain.json").read_text())
    assert summary["model_flops_per_token"] > 0 and summary["compile"] is False


def test_a_resumed_run_appends_to_the_curves_and_a_run_that_starts_over_replaces_them(corpus, tmp_path):
    _, shards, model = corpus
    assert run_cli(pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", 20)) == 0
    uninterrupted = scalars(tmp_path / "ck" / "tensorboard")["train/loss"]
    # As if killed at step 17: the checkpoint of step 10 is the last one, the events reach step 17.
    from mtickets.training import pretrain as pt
    from mtickets.training.settings import PretrainConfig

    cfg = dict(model=model, shards=list(shards), out=tmp_path / "B", checkpoint_dir=tmp_path / "ckB", steps=20,
               batch_size=8, learning_rate=2e-3, warmup_steps=5, seq_schedule="32:0.8,64:0.2", max_predictions="6,12",
               seed=7, checkpoint_every=10, device="cpu")
    assert pt.pretrain(PretrainConfig(**cfg, stop_after=17)) == {"stopped_at": 17}
    (tmp_path / "ckB" / "checkpoint-000000017.pt").unlink()
    pt.pretrain(PretrainConfig(**cfg))
    resumed = scalars(tmp_path / "ckB" / "tensorboard")["train/loss"]
    assert [step for step, _ in resumed] == list(range(1, 21))  # steps 11-17 of the first run are hidden
    assert same_series(resumed, uninterrupted)
    # Other settings: the checkpoints are not resumed, and the old curves go with them.
    pt.pretrain(PretrainConfig(**{**cfg, "seed": 8}))
    assert len(list((tmp_path / "ckB" / "tensorboard").glob("events.out.tfevents.*"))) == 1
    assert [step for step, _ in scalars(tmp_path / "ckB" / "tensorboard")["train/loss"]] == list(range(1, 21))


def test_no_loggers_writes_no_event_files(corpus, tmp_path):
    _, shards, model = corpus
    assert run_cli(pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", 5, ["--loggers"])) == 0
    assert not (tmp_path / "ck" / "tensorboard").exists()


def test_an_unknown_or_uninstalled_tracker_is_one_error_naming_the_key(monkeypatch):
    with pytest.raises(MticketsError, match=r"pretrain.loggers\): comet unknown; choose from tensorboard, wandb, "
                                            r"mlflow"):
        check_trackers(["tensorboard", "comet"], "--loggers (pretrain.loggers)")
    monkeypatch.setitem(__import__("sys").modules, "wandb", None)  # an import that fails
    with pytest.raises(MticketsError, match=r"wandb: the wandb package is not installed; pip install -e "
                                            r"'.\[trackers\]', or drop wandb from"):
        check_trackers(["wandb"], "--loggers (pretrain.loggers)")


def test_wandb_logs_offline(corpus, tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    _, shards, model = corpus
    extra = ["--loggers", "wandb", "--tracking-dir", str(tmp_path / "tracking")]
    assert run_cli(pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", 5, extra)) == 0
    (run,) = (tmp_path / "tracking" / "wandb").glob("offline-run-*")
    (records,) = run.glob("run-*.wandb")
    assert records.stat().st_size > 0
    assert not list((tmp_path / "tracking").glob("events.out.tfevents.*"))  # tensorboard was not asked for


def test_mlflow_logs_to_a_local_store(corpus, tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    from mlflow.tracking import MlflowClient

    _, shards, model = corpus
    extra = ["--loggers", "mlflow", "--tracking-dir", str(tmp_path / "tracking")]
    assert run_cli(pretrain_argv(model, shards, tmp_path / "final", tmp_path / "ck", 5, extra)) == 0
    client = MlflowClient(f"sqlite:///{tmp_path / 'tracking' / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("mtickets").experiment_id])
    history = client.get_metric_history(run.info.run_id, "train/loss")
    rows = log_rows(tmp_path / "final")
    assert same_series(sorted((m.step, m.value) for m in history), [(r["step"], r["loss"]) for r in rows])
    assert run.data.params["batch_size"] == "8" and run.info.status == "FINISHED"


def test_peak_flops_come_from_the_table_for_known_gpus(monkeypatch):
    from mtickets import device as devices

    assert devices.peak_flops(torch.device("cpu"), "fp32") is None
    for name, precision, tflops in [("NVIDIA H100 80GB HBM3", "bf16", 989.5), ("NVIDIA H100 PCIe", "bf16", 756.5),
                                    ("NVIDIA A100-SXM4-80GB", "fp32", 156.0), ("NVIDIA A10", "bf16", 125.0),
                                    ("NVIDIA L4", "bf16", 121.0), ("Tesla V100-SXM2-16GB", "fp32", 15.7),
                                    ("NVIDIA H200", "bf16", 989.5), ("NVIDIA GeForce RTX 4090", "bf16", 165.2)]:
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None, name=name: name)
        assert devices.peak_flops(torch.device("cuda"), precision) == tflops * 1e12, name
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla V100-PCIE-32GB")
    assert devices.peak_flops(torch.device("cuda"), "bf16") is None  # no bf16 tensor cores
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA A10G")
    assert devices.peak_flops(torch.device("cuda"), "bf16") is None  # not in the table: --peak-tflops


def test_a_gpu_without_a_known_peak_says_how_to_get_mfu(monkeypatch, caplog):
    from types import SimpleNamespace

    from mtickets.training.distributed import Ranks
    from mtickets.training.pretrain import peak_flops_of

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA A10G")
    run = SimpleNamespace(cfg=SimpleNamespace(peak_tflops=None), device=torch.device("cuda"), precision="bf16",
                          ranks=Ranks(world_size=2))
    assert peak_flops_of(run) is None
    assert "no MFU: the peak FLOP/s of NVIDIA A10G at bf16 is not in mtickets.device.PEAK_TFLOPS; set " \
           "--peak-tflops (pretrain.peak_tflops)" in caplog.text
    run.cfg.peak_tflops = 100.0
    assert peak_flops_of(run) == 2 * 100e12  # both processes' devices
