"""Data-parallel pretraining for real: torchrun starts 2 CPU processes (gloo) on this machine."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from test_pretrain import write_shards, write_tickets

STEPS = 20
TORCHRUN = [sys.executable, "-m", "torch.distributed.run"]
MTICKETS = shutil.which("mtickets") or str(Path(sys.executable).parent / "mtickets")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two languages at two lengths, a dropout-free model (dropout is drawn per rank) and tickets."""
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    root = tmp_path_factory.mktemp("ddp")
    shards = [write_shards(root / "shards", lang, length, examples=48, tokens=tokens, heldout=8)
              for lang, tokens in (("en", 20_000), ("de", 5_000)) for length in (32, 64)]
    config = TicketBertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
                              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(0)
    TicketBertForPreTraining(config).save_pretrained(str(root / "init"))
    tickets = write_tickets(root / "tickets.safetensors", ["de", "en"])
    return root, shards, root / "init", tickets


def pretrain_args(world, out: Path, *extra: str, steps: int = STEPS) -> list[str]:
    _, shards, model, tickets = world
    return [
        "pretrain", "--model", str(model), "--tickets", str(tickets), "--shards", *map(str, shards),
        "--steps", str(steps), "--batch-size", "8", "--learning-rate", "2e-3", "--warmup-steps", "4",
        "--seq-schedule", "32:0.75,64:0.25", "--max-predictions", "6,12", "--seed", "3",
        "--checkpoint-dir", str(out / "checkpoints"), "--checkpoint-every", "5", "--device", "cpu",
        "--out", str(out / "final"), *extra,
    ]


def environment() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def one_process(world, out: Path, *extra: str, steps: int = STEPS) -> Path:
    subprocess.run([MTICKETS, *pretrain_args(world, out, *extra, steps=steps)], check=True, env=environment(),
                   capture_output=True)
    return out / "final"


def torchrun(world, out: Path, *extra: str, steps: int = STEPS, launcher=("--standalone", "--nproc-per-node", "2"),
             wait: bool = True):
    command = [*TORCHRUN, *launcher, "--no-python", MTICKETS, *pretrain_args(world, out, *extra, steps=steps)]
    process = subprocess.Popen(command, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, text=True)
    if not wait:
        return process
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    return out / "final"


def weights(final: Path) -> dict[str, torch.Tensor]:
    return load_file(str(final / "model.safetensors"))


def log_rows(final: Path) -> list[dict]:
    return [json.loads(line) for line in (final / "training_log.jsonl").read_text().splitlines()]


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)


@pytest.fixture(scope="module")
def two_process_run(world, tmp_path_factory):
    return torchrun(world, tmp_path_factory.mktemp("ddp-reference"))


def test_two_processes_with_half_the_batch_each_equal_one_process(world, two_process_run, tmp_path):
    single = one_process(world, tmp_path / "single")
    assert max_difference(weights(single), weights(two_process_run)) < 1e-5
    for one, two in zip(log_rows(single), log_rows(two_process_run), strict=True):
        assert one["language"] == two["language"] and one["seq_length"] == two["seq_length"]
        assert abs(one["loss"] - two["loss"]) < 1e-4
    summary = json.loads((two_process_run / "pretrain.json").read_text())
    assert summary["processes"] == 2 and summary["language_per"] == "step"


def test_accumulation_under_two_processes_equals_the_whole_batch(world, two_process_run, tmp_path):
    accumulated = torchrun(world, tmp_path / "micro", "--micro-batch-size", "2")
    assert max_difference(weights(accumulated), weights(two_process_run)) < 1e-5


def test_kill_9_at_a_step_and_restart_ends_as_the_uninterrupted_run(world, two_process_run, tmp_path):
    out = tmp_path / "killed"
    process = torchrun(world, out, wait=False)
    deadline = time.time() + 300
    while not list((out / "checkpoints").glob("checkpoint-000000010.pt")):  # killed between checkpoints
        assert process.poll() is None and time.time() < deadline, process.communicate()[0]
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the launcher and both ranks, mid-step
    process.wait()
    assert not (out / "final").exists()
    final = torchrun(world, out)
    assert all(torch.equal(a, b) for a, b in zip(weights(final).values(), weights(two_process_run).values()))
    assert (final / "training_log.jsonl").read_text() == (two_process_run / "training_log.jsonl").read_text()
    assert json.loads((final / "pretrain.json").read_text())["resumed_from_step"] >= 10


def test_two_nodes_rendezvous_like_one(world, two_process_run, tmp_path):
    """The multi-node launch (the SLURM profile's): two torchrun agents, one process each, meeting
    through the c10d rendezvous, compute what one node's two processes do."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nodes = [torchrun(world, tmp_path / "nodes", wait=False,
                      launcher=("--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d",
                                "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", "mtickets-test",
                                "--node-rank", str(rank)))
             for rank in range(2)]
    for node in nodes:
        output, _ = node.communicate(timeout=600)
        assert node.returncode == 0, output
    assert max_difference(weights(tmp_path / "nodes/final"), weights(two_process_run)) == 0.0


def test_language_per_rank_gives_each_rank_its_language_and_ticket(world, two_process_run, tmp_path):
    final = torchrun(world, tmp_path / "rank", "--language-per", "rank", "--ticket-update", "ticket",
                     "--eval-every", "10")
    rows = log_rows(final)
    assert all(isinstance(row["language"], list) and len(row["language"]) == 2 for row in rows)
    assert any(len(set(row["language"])) == 2 for row in rows)  # ranks drew different languages
    summary = json.loads((final / "pretrain.json").read_text())
    assert summary["language_per"] == "rank" and sum(summary["steps_per_language"].values()) == 2 * STEPS
    assert set(summary["heldout"]) == {"de", "en"}
    assert max_difference(weights(final), weights(two_process_run)) > 1e-3  # a different schedule


def test_a_batch_the_processes_cannot_share_is_one_error(world, tmp_path):
    process = torchrun(world, tmp_path / "odd", "--batch-size", "7", wait=False)
    output, _ = process.communicate(timeout=600)
    assert process.returncode != 0
    assert "--batch-size 7 is the global batch and must be divisible by the 2 processes" in output
    assert not (tmp_path / "odd/final").exists()


def test_a_second_launch_on_a_running_run_s_checkpoints_stops_and_the_first_ends_unharmed(world, two_process_run,
                                                                                          tmp_path):
    """Rank 0 holds the checkpoint directory's lock; every rank of a second launch stops naming it."""
    from mtickets.training.checkpoints import LOCK_NAME

    out = tmp_path / "run"
    lock = out / "checkpoints" / LOCK_NAME
    first = torchrun(world, out, wait=False)
    try:
        deadline = time.time() + 300
        while not (lock.exists() and lock.read_text()):
            assert first.poll() is None and time.time() < deadline, first.communicate()[0]
            time.sleep(0.05)
        holder = lock.read_text().strip()
        os.killpg(first.pid, signal.SIGSTOP)  # the launcher and both ranks, for as long as the second launch takes
        try:
            second = torchrun(world, out, wait=False)
            output, _ = second.communicate(timeout=300)
        finally:
            os.killpg(first.pid, signal.SIGCONT)
        assert second.returncode != 0
        refusal = (f"checkpoint directory {out / 'checkpoints'} is being written by another process ({holder}, "
                   f"holding {lock}); wait for it to finish or stop it, then rerun")
        assert output.count(refusal) == 2, output  # each rank's one line
        output, _ = first.communicate(timeout=600)
        assert first.returncode == 0, output
    finally:
        if first.poll() is None:  # a failed assertion leaves no run behind
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert max_difference(weights(out / "final"), weights(two_process_run)) == 0.0
    assert (out / "final/training_log.jsonl").read_text() == (two_process_run / "training_log.jsonl").read_text()
