"""Speed and memory of pretraining (``mtickets.training.pretrain``), each against a baseline measured in the same run.

    python bench/pretrain.py                 # full run (BERT-base widths; ~10 minutes on 2 cores)
    python bench/pretrain.py --only interference   # one section (step, memory, loader, interference)
    python bench/pretrain.py --quick         # small sizes, a smoke run (~30 s)
    python bench/pretrain.py --device cuda   # the model benchmarks on a GPU

1. Training step (dense ``TicketBertForPreTraining``: ``PretrainingObjective`` on a
   fixed-shape ``masked_batch``, loss = MLM sum / masked count + NSP sum / rows,
   backward, clipping at 1.0, AdamW of ``TrainingState.fresh``) against a plain
   ``transformers.BertForPreTraining`` of the same architecture (its own loss from
   ``labels`` and ``next_sentence_label``, the same optimizer and clipping) on the same
   batches. BERT-base widths, 12 layers, mBERT's 119,547-token vocabulary, seq 128,
   batch 8, plus a small configuration (hidden 256, 4 layers, 30,522 tokens). Ratio:
   throughput, baseline time / ours (> 1: ours is faster).
2. Resident memory and start-up against corpus size: the real ``pretrain()`` (small
   model, two languages) in a fresh subprocess per run, on memory-mapped shard
   directories of N and 10·N examples (the shards stage's writers). Peak RSS and the
   time from calling ``pretrain`` to the first training step. Targets: RSS large /
   small ≤ 1.2×, start-up ≈ 1.0× (independent of the corpus size).
3. Loader overhead: training steps fed by the real ``BatchLoader`` (batches made on its
   thread while the step runs) against the same steps on the same batches built up
   front. Target real / pre-built ≤ 1.05×.
4. Interference tracking: the training step of 1 and 3 followed by
   ``InterferenceTracker.after_step([language])`` (uc's count sketch, ``sketch_dim`` 1024,
   of every embeddings and encoder weight: what pretraining does after every optimizer
   step when it tracks interference) against the same step alone, interleaved on one
   model. At the demo's sizes (config/config.yaml: hidden 64, 4 heads, FFN 256, 2 layers,
   its 3,000-token vocabulary and 7 languages, seq 64, batch 16) and at BERT-base widths
   with mBERT's vocabulary, seq 128 and the paper's per-device batch 32 (256 over 8
   devices): 12 layers on a GPU, 2 on a CPU (``--interference-layers``; the tracker's
   cost follows the tracked weights, which the embeddings dominate, the step's follows
   layers × tokens, so fewer layers overstate the ratio). Also ``after_step`` alone, the
   tracker's memory, and ``uc_rows`` (every ``uc_every`` = 10 steps) amortised per step.
   Target tracked / untracked ≤ 1.05×.
5. Attention under bf16 autocast on CPU, forward and backward: ``gather.attention``
   (which attends in float32 when autograd is on) against the fused kernel on the bf16
   projections, at the replication's sizes (batch 16, 2 heads of 32, seq 64) and at
   BERT-base's (batch 8, 12 heads of 64, seq 128). Ratio: bf16 kernel time / ours.
6. Logging overhead: the demo-size training step followed by ``LogWriter.add`` with the
   TensorBoard tracker, the throughput and MFU, and the progress line's figures (what
   pretraining does with ``pretrain.loggers: [tensorboard]``; a flush every 50 rows writes
   training_log.jsonl and the event file) against the same steps with a ``LogWriter`` that
   writes training_log.jsonl alone (pretraining before the trackers), interleaved on one
   model. The demo's model is the smallest, where logging weighs most. Target ≤ 1.02×.
7. ``pretrain.compile``: the training step with the loss module through ``torch.compile``
   (``training.run.compiled``, inductor) against the eager step, on one model, at the
   demo's sizes and a small configuration (hidden 256, 4 layers, vocab 30,522, seq 128,
   batch 8); the first (compiling) step is timed apart. Ratio: compiled time / eager.
8. The optimizer: the training step of 1 with ``TrainingState.fresh``'s AdamW
   (``training.optimizer.adamw``: torch's fused kernel on a CPU or GPU) against the same
   step with torch's default AdamW (on a CPU, a Python loop over the tensors), interleaved
   on two copies of one model, at the replication's sizes (config/replicate.yaml: hidden
   64, 4 layers, 2 heads, FFN 256, 8,000-token vocabulary, seq 64, batch 16, 10
   predictions; no dropout, so both copies take the same steps) and at the small
   configuration of 1. Also how far the two copies' weights are apart after the timed steps. Ratio: step time, ours / default.

Timings interleave the compared variants and report the minimum over repeats (and the
median), because a shared machine's noise only ever adds time; ratios are against the
baseline of the same run, never absolute seconds. Threads: ``--threads`` (default 2).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tickets import SPECIALS, fmt_seconds, header, interleaved, median_ms, row  # noqa: E402  (bench/tickets.py)

MAX_PREDICTIONS = 20  # per sequence, pretrain's default at seq 128
MLM_PROBABILITY = 0.15

# --------------------------------------------------------------------------- helpers


def write_corpus(directory: Path, language: str, examples: int, seq: int, vocab: int, seed: int = 0) -> Path:
    """A shard directory as the shards stage writes it (Parquet parts with digests, the memory-mapped
    arrays, the manifest) of random ``[CLS] A [SEP] B [SEP]`` examples of ``seq - 8 .. seq`` tokens."""
    import pyarrow as pa

    from mtickets.formats.shards import MANIFEST, MEMORY_MAP, MappedWriter, parquet_schema
    from mtickets.formats.special_tokens import MANIFEST_KEY
    from mtickets.corpus.shards import PartWriter

    rng = np.random.default_rng([seed, examples, seq, sum(map(ord, language))])
    lengths = rng.integers(seq - 8, seq + 1, size=examples)
    first = rng.integers(3, lengths - 1)  # [CLS] A [SEP]: at least one token in A and in B
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    starts = np.repeat(offsets[:-1], lengths)
    tokens = rng.integers(5, vocab, size=int(offsets[-1]), dtype=np.int32)
    tokens[offsets[:-1]] = SPECIALS.cls
    tokens[offsets[:-1] + first - 1] = SPECIALS.sep
    tokens[offsets[1:] - 1] = SPECIALS.sep
    types = (np.arange(len(tokens)) - starts >= np.repeat(first, lengths)).astype(np.int8)
    list_offsets = pa.array(offsets.astype(np.int32))
    table = pa.Table.from_arrays([
        pa.ListArray.from_arrays(list_offsets, pa.array(tokens)),
        pa.ListArray.from_arrays(list_offsets, pa.array(types)),
        pa.array(rng.integers(0, 2, size=examples).astype(np.int8)),
        pa.array([language] * examples, type=pa.string()),
    ], schema=parquet_schema())
    directory.mkdir(parents=True)
    parts, mapped = PartWriter(directory, per_shard=100_000), MappedWriter(directory)
    for writer in (parts, mapped):
        writer.write(table)
    parts.close()
    manifest = {"language": language, "seq_length": seq, "documents": examples, "sentences": 2 * examples,
                "tokens": len(tokens), "examples": examples, "example_tokens": len(tokens), "vocab_size": vocab,
                MANIFEST_KEY: SPECIALS.to_manifest(), "seed": seed, "shards": parts.shards,
                MEMORY_MAP: mapped.close()}
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return directory


def ticket_config(vocab: int, hidden: int, layers: int, heads: int, ffn: int, max_positions: int = 512):
    from mtickets.modeling import TicketBertConfig

    return TicketBertConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=heads, intermediate_size=ffn, max_position_embeddings=max_positions)


def optimizer_state(model: torch.nn.Module):
    """pretrain's AdamW (decay groups, betas, eps) and its warmup/decay schedule, for any model."""
    from mtickets.training.checkpoints import TrainingState
    from mtickets.training.settings import PretrainConfig

    settings = PretrainConfig(model=Path("."), shards=[], out=Path("."), checkpoint_dir=Path("."), steps=10**6,
                              batch_size=8, learning_rate=1e-4)
    return TrainingState.fresh(model, settings)


def stream_loader(data, steps: int, batch: int, first: int = 1, max_predictions: int = MAX_PREDICTIONS):
    """A ``BatchLoader`` over steps ``first .. first + steps - 1``, every step reading ``data``."""
    from mtickets.training.batches import BatchLoader, StepPlan

    key = (data.language, data.seq_length)
    last = first + steps - 1
    plan = StepPlan([data.language], np.zeros((last, 1)), np.full(last, data.seq_length), batch)
    return BatchLoader(plan, {key: data}, seed=0, streams={key: 0}, mlm_probability=MLM_PROBABILITY,
                       max_predictions={data.seq_length: max_predictions}, first=first, last=last)


def prebuilt_batches(data, steps: int, batch: int, first: int = 1,
                     max_predictions: int = MAX_PREDICTIONS) -> list[dict[str, torch.Tensor]]:
    loader = stream_loader(data, steps, batch, first, max_predictions)
    try:
        return [batch for _, _, batch in loader]
    finally:
        loader.close()


def our_step(objective, state, parameters, batch: dict[str, torch.Tensor], device: torch.device) -> None:
    """One step of ``mtickets.training.pretrain.train_steps`` on a dense model (one process, one micro-batch, fp32)."""
    batch = {name: tensor.to(device, non_blocking=True) for name, tensor in batch.items()}
    state.optimizer.zero_grad(set_to_none=True)
    mlm_sum, nsp_sum = objective(batch, None)
    loss = mlm_sum / batch["masked_count"].clamp(min=1) + nsp_sum / batch["input_ids"].shape[0]
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, 1.0)
    state.optimizer.step()
    state.scheduler.step()


def bert_for_pretraining(config, attn_implementation: str | None = None):
    """``transformers.BertForPreTraining`` of ``config``'s architecture (a ``TicketBertConfig``), freshly
    initialised; ``attn_implementation`` None: transformers' default."""
    from transformers import BertConfig, BertForPreTraining

    twin = BertConfig(**{key: getattr(config, key) for key in (
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
        "initializer_range", "layer_norm_eps", "pad_token_id")})
    if attn_implementation is None:
        return BertForPreTraining(twin)
    return BertForPreTraining._from_config(twin, attn_implementation=attn_implementation)


def hf_inputs(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``BertForPreTraining``'s inputs for a ``masked_batch``: labels -100 except at the masked positions."""
    labels = torch.full_like(batch["input_ids"], -100)
    labels.scatter_(1, batch["masked_positions"],
                    torch.where(batch["masked_weights"] > 0, batch["masked_labels"], -100))
    return dict(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                token_type_ids=batch["token_type_ids"], labels=labels, next_sentence_label=batch["next_sentence_label"])


def hf_step(model, state, parameters, inputs: dict[str, torch.Tensor], device: torch.device) -> None:
    """The same step for ``BertForPreTraining``: its own loss (full-vocabulary logits at every position)."""
    inputs = {name: tensor.to(device, non_blocking=True) for name, tensor in inputs.items()}
    state.optimizer.zero_grad(set_to_none=True)
    model(**inputs).loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, 1.0)
    state.optimizer.step()
    state.scheduler.step()


# --------------------------------------------------------------------------- 1. training step


def bench_step(args, device, tmp: Path) -> None:
    from mtickets.formats.shards import open_shards
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.run import PretrainingObjective

    header(f"1. training step vs transformers.BertForPreTraining: MLM + NSP, backward, clip 1.0, AdamW; "
           f"seq {args.seq}, batch {args.batch}, train mode (dropout 0.1), fp32, {device}")
    for tag, (hidden, layers, heads, ffn, vocab, repeats) in args.step_configs.items():
        started = time.perf_counter()
        data = open_shards(write_corpus(tmp / f"step-{tag}", "en", 2 * args.batch, args.seq, vocab))
        batches = prebuilt_batches(data, 2, args.batch)
        torch.manual_seed(0)
        config = ticket_config(vocab, hidden, layers, heads, ffn)
        ours = TicketBertForPreTraining(config).to(device).train()
        hf = bert_for_pretraining(config).to(device).train()
        objective = PretrainingObjective(ours)
        ours_state, hf_state = optimizer_state(ours), optimizer_state(hf)
        ours_parameters = [p for p in ours.parameters() if p.requires_grad]
        hf_parameters = [p for p in hf.parameters() if p.requires_grad]
        ours_batches, hf_batches = itertools.cycle(batches), itertools.cycle([hf_inputs(b) for b in batches])

        def ours_call():
            our_step(objective, ours_state, ours_parameters, next(ours_batches), device)

        def hf_call():
            hf_step(hf, hf_state, hf_parameters, next(hf_batches), device)

        times = interleaved({"ours": ours_call, "hf": hf_call}, repeats, device)
        params, hf_params = (sum(p.numel() for p in model.parameters()) / 1e6 for model in (ours, hf))
        print(f"  [{tag}] hidden {hidden}, {heads} heads, FFN {ffn}, {layers} layers, vocab {vocab:,}: "
              f"{params:.1f}M parameters (BertForPreTraining {hf_params:.1f}M, attention "
              f"'{hf.config._attn_implementation}'); {repeats} rounds after a warm-up")
        row(f"ours vs BertForPreTraining [{tag}]", fmt_seconds(times["ours"]), fmt_seconds(times["hf"]),
            min(times["hf"]) / min(times["ours"]), "throughput (baseline time / ours)")
        print(f"  {'':<54s} medians: ours {median_ms(times['ours'])} ms, BertForPreTraining "
              f"{median_ms(times['hf'])} ms; tokens/s ours {args.batch * args.seq / min(times['ours']):.0f}; "
              f"{time.perf_counter() - started:.0f} s for this configuration")


# --------------------------------------------------------------------------- 5. attention precision

def bench_attention(args, device, tmp: Path) -> None:
    import torch.nn.functional as F

    from mtickets.modeling.gather import HeadLayout, attention

    header(f"5. attention forward + backward under bf16 autocast: gather.attention vs the fused kernel in bf16, "
           f"{device}")
    for tag, (batch, heads, seq, width) in args.attention_sizes.items():
        generator = torch.Generator().manual_seed(0)
        q, k, v = (torch.randn(batch, seq, heads * width, generator=generator, dtype=torch.bfloat16,
                               device=device).requires_grad_() for _ in range(3))
        layout = HeadLayout.dense(heads, width)

        def ours():
            with torch.autocast(device.type, dtype=torch.bfloat16):
                attention((q, k, v), None, layout, width ** -0.5, 0.0).float().sum().backward()

        def fused_bf16():
            with torch.autocast(device.type, dtype=torch.bfloat16):
                split = [x.view(batch, seq, heads, width).transpose(1, 2) for x in (q, k, v)]
                F.scaled_dot_product_attention(*split).float().sum().backward()

        times = interleaved({"ours": ours, "bf16": fused_bf16}, args.attention_repeats, device)
        row(f"attention [{tag}: batch {batch}, {heads}x{width}, seq {seq}]", fmt_seconds(times["ours"]),
            fmt_seconds(times["bf16"]), min(times["bf16"]) / min(times["ours"]), "bf16 kernel time / ours")


# --------------------------------------------------------------------------- 2. memory and start-up

PRETRAIN_CHILD = r"""
import json, sys, time
from pathlib import Path
settings, threads = json.loads(sys.argv[1]), int(sys.argv[2])
import torch
torch.set_num_threads(threads)
from mtickets import modeling
from mtickets.training import pretrain as pt
from mtickets.training.settings import PretrainConfig
modeling.TicketBertForPreTraining  # imports transformers now, not inside the timed start-up

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith(key + ":"))

first_step, anon = [], []
real_accumulate = pt.accumulate_gradients
def accumulate(*args, **kwargs):  # train_steps calls it once per step: its first call ends the start-up
    if not first_step:
        first_step.append(time.perf_counter())
    anon.append(status("RssAnon"))
    return real_accumulate(*args, **kwargs)
pt.accumulate_gradients = accumulate
paths = {name: Path(settings.pop(name)) for name in ("model", "out", "checkpoint_dir")}
cfg = PretrainConfig(shards=[Path(p) for p in settings.pop("shards")], **paths, **settings)
called = time.perf_counter()
pt.pretrain(cfg)
done = time.perf_counter()
# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark into ru_maxrss across exec.
print(json.dumps({"startup": first_step[0] - called, "training": done - first_step[0], "peak_mb": status("VmHWM"),
                  "anon_mb": max(anon)}))
"""


def pretrain_child(settings: dict, threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", PRETRAIN_CHILD, json.dumps(settings), str(threads)],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"pretrain subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_memory(args, device, tmp: Path) -> None:
    from transformers.utils.logging import disable_progress_bar

    from mtickets.modeling import TicketBertForPreTraining

    small, large = args.corpus_examples, 10 * args.corpus_examples
    languages = ("en", "de")
    hidden, layers, vocab, seq, batch, steps = 128, 2, args.memory_vocab, 128, 16, args.memory_steps
    header(f"2. pretrain() resident memory and start-up vs corpus size: {small:,} vs {large:,} examples of seq "
           f"{seq} ({' + '.join(languages)}), memory-mapped shards, hidden {hidden}, {layers} layers, vocab "
           f"{vocab:,}, batch {batch}, {steps} steps, {device}")
    model = tmp / "memory-model"
    disable_progress_bar()  # save_pretrained's
    TicketBertForPreTraining(ticket_config(vocab, hidden, layers, 2, 4 * hidden)).save_pretrained(str(model))
    corpora = {}
    for examples in (small, large):
        started = time.perf_counter()
        corpora[examples] = [str(write_corpus(tmp / f"corpus-{examples}" / lang, lang, examples // len(languages),
                                              seq, vocab)) for lang in languages]
        size = sum(f.stat().st_size for d in corpora[examples] for f in Path(d).iterdir())
        print(f"  corpus of {examples:,} examples: {size / 2**20:.0f} MB on disk, written in "
              f"{time.perf_counter() - started:.1f} s")
    results = {examples: [] for examples in corpora}
    for run in range(args.memory_runs):  # interleaved, fresh output and checkpoint directories every run
        for examples, shards in corpora.items():
            where = tmp / f"run-{examples}-{run}"
            settings = dict(model=str(model), shards=shards, out=str(where / "out"),
                            checkpoint_dir=str(where / "checkpoints"), steps=steps, batch_size=batch, learning_rate=1e-4,
                            checkpoint_every=10**6, device=str(device))
            results[examples].append(pretrain_child(settings, args.threads))
    best = {examples: {key: min(r[key] for r in runs) for key in runs[0]} for examples, runs in results.items()}
    for examples, measured in best.items():
        print(f"  {examples:>9,} examples: peak RSS {measured['peak_mb']:.0f} MB (anonymous {measured['anon_mb']:.0f} "
              f"MB), start-up {measured['startup']:.2f} s, {steps} steps + saving {measured['training']:.2f} s "
              f"(best of {args.memory_runs})")
    large_run, small_run = best[large], best[small]
    for key, label, unit, target in (
            ("peak_mb", "peak RSS (VmHWM), 10x corpus vs 1x", "MB", "target <= 1.2x"),
            ("anon_mb", "anonymous RSS during training, 10x vs 1x", "MB", "target <= 1.2x"),
            ("startup", "start-up to the first step, 10x corpus vs 1x", "s", "target ~1.0x")):
        digits = 2 if unit == "s" else 0
        row(label, f"{large_run[key]:8.{digits}f} {unit}", f"{small_run[key]:8.{digits}f} {unit}",
            large_run[key] / small_run[key], target)
    print("  (RSS above the anonymous part is file-backed: the shards' mapped page-cache pages, shared and "
          "reclaimable; the kernel maps them in large folios around every row read)")


# --------------------------------------------------------------------------- 3. loader overhead


def bench_loader(args, device, tmp: Path) -> None:
    from mtickets.formats.shards import open_shards
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.run import PretrainingObjective

    hidden, layers, heads, ffn, vocab = args.loader_model
    seq, batch, steps = args.loader_seq, args.loader_batch, args.loader_steps
    header(f"3. loader overhead: {steps} training steps fed by BatchLoader vs on batches built up front; hidden "
           f"{hidden}, {layers} layers, vocab {vocab:,}, seq {seq}, batch {batch}, {device}")
    data = open_shards(write_corpus(tmp / "loader", "en", 4 * steps * batch, seq, vocab))
    torch.manual_seed(0)
    model = TicketBertForPreTraining(ticket_config(vocab, hidden, layers, heads, ffn)).to(device).train()
    objective, state = PretrainingObjective(model), optimizer_state(model)
    parameters = [p for p in model.parameters() if p.requires_grad]
    # Every round (the warm-up included) reads the next steps of the stream: new batches each time, the same
    # ones for both variants.
    rounds = args.repeats_loader + 1
    real_starts = itertools.count(1, steps)
    built_rounds = iter([prebuilt_batches(data, steps, batch, 1 + k * steps) for k in range(rounds)])

    def real():
        loader = stream_loader(data, steps, batch, next(real_starts))
        try:
            for _, _, loaded in loader:
                our_step(objective, state, parameters, loaded, device)
        finally:
            loader.close()

    def prebuilt():
        for built in next(built_rounds):
            our_step(objective, state, parameters, built, device)

    times = interleaved({"real": real, "prebuilt": prebuilt}, args.repeats_loader, device)
    row(f"real loader vs pre-built batches, {steps} steps", fmt_seconds(times["real"]),
        fmt_seconds(times["prebuilt"]), min(times["real"]) / min(times["prebuilt"]), "target <= 1.05x")
    print(f"  {'':<54s} medians: real {median_ms(times['real'])} ms, pre-built {median_ms(times['prebuilt'])} ms; "
          f"{1000 * min(times['prebuilt']) / steps:.1f} ms per step")


# --------------------------------------------------------------------------- 4. interference tracking

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"
SKETCH_DIM = 1024  # InterferenceSettings' default, the workflow's
CPU_TRACKING_LAYERS = 2  # section 4's BERT-base-width model on a CPU: see main()


def demo_sizes() -> dict:
    """The demo's dense model, vocabulary, languages, first length, batch and ``uc_every`` (config/config.yaml)."""
    import yaml

    config = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    model, first = config["model"], config["pretrain"]["seq_schedule"][0]
    return dict(hidden=model["hidden_size"], layers=model["num_hidden_layers"], heads=model["num_attention_heads"],
                ffn=model["intermediate_size"], max_positions=model["max_position_embeddings"],
                vocab=config["tokenizer"]["vocab_size"], seq=first["length"], max_predictions=first["max_predictions"],
                batch=config["pretrain"]["batch_size"], languages=list(config["languages"]),
                uc_every=config["interference"]["uc_every"])


def interleaved_within(functions: dict, device: torch.device, rounds: int, budget_s: float,
                       min_rounds: int = 2) -> dict[str, list[float]]:
    """``interleaved`` with a warm-up round, then up to ``rounds`` timed rounds, stopping early (after at least
    ``min_rounds``) once they have taken ``budget_s`` seconds: a busy machine's slow rounds do not run for ever."""
    times = interleaved(functions, 0, device)  # the warm-up round only
    started = time.perf_counter()
    for done in range(rounds):
        if done >= min_rounds and time.perf_counter() - started > budget_s:
            break
        for name, values in interleaved(functions, 1, device, warmup=0).items():
            times[name] += values
    return times


def bench_interference(args, device, tmp: Path) -> None:
    header(f"4. interference tracking: training step + InterferenceTracker.after_step([language]) (uc count sketch "
           f"of every embeddings/encoder weight, sketch_dim {SKETCH_DIM}) vs the same step alone; MLM + NSP, "
           f"backward, clip 1.0, AdamW; train mode (dropout 0.1), fp32, {device}")
    for size in args.interference_sizes:
        track_one(size, device, tmp)


def track_one(size: dict, device: torch.device, tmp: Path) -> None:
    from mtickets.formats.shards import open_shards
    from mtickets.training.interference import InterferenceTracker
    from mtickets.training.settings import InterferenceSettings
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.run import PretrainingObjective

    started = time.perf_counter()
    tag, seq, batch, per_call = size["tag"], size["seq"], size["batch"], size["per_call"]
    hidden, layers, heads, ffn, vocab = (size[key] for key in ("hidden", "layers", "heads", "ffn", "vocab"))
    languages = size["languages"]
    data = open_shards(write_corpus(tmp / f"interference-{tag}", "en", 2 * batch, seq, vocab))
    batches = itertools.cycle(prebuilt_batches(data, 2, batch, max_predictions=size["max_predictions"]))
    torch.manual_seed(0)
    config = ticket_config(vocab, hidden, layers, heads, ffn, size["max_positions"])
    model = TicketBertForPreTraining(config).to(device).train()
    objective, state = PretrainingObjective(model), optimizer_state(model)
    parameters = [p for p in model.parameters() if p.requires_grad]
    settings = InterferenceSettings(languages=languages, sketch_dim=SKETCH_DIM)
    tracker = InterferenceTracker(model, settings, device)
    step_language = itertools.cycle(languages)  # one language per step, as language_per: step draws them
    # One model for all three, so the comparison shares its weights, optimizer state and caches; the δ an
    # after_step sees may then span untimed variants' steps too, which changes its values, not its work.

    def untracked():
        for _ in range(per_call):
            our_step(objective, state, parameters, next(batches), device)

    def tracked():
        for _ in range(per_call):
            our_step(objective, state, parameters, next(batches), device)
            tracker.after_step([next(step_language)])

    def tracker_alone():  # the same work as in tracked (δ is the change since tracked's last call, or zero)
        for _ in range(per_call):
            tracker.after_step([next(step_language)])

    times = interleaved_within({"tracked": tracked, "untracked": untracked, "tracker": tracker_alone}, device,
                               size["repeats"], size["budget_s"])
    rounds = len(times["tracked"])
    per_step = {name: [t / per_call for t in values] for name, values in times.items()}
    total = sum(p.numel() for p in model.parameters())
    tracked_numel = tracker.flat.numel
    sizes = np.diff(tracker.flat.bounds)
    print(f"  [{tag}] hidden {hidden}, {heads} heads, FFN {ffn}, {layers} layers, vocab {vocab:,}, seq {seq}, "
          f"batch {batch}, {len(languages)} tracked languages: {total / 1e6:.2f}M parameters, "
          f"{tracked_numel / 1e6:.2f}M tracked (embeddings {sizes[0] / 1e6:.2f}M, {sizes[1] / 1e6:.2f}M per encoder "
          f"layer); {rounds} rounds of {per_call} step(s) after a warm-up round"
          f"{'' if rounds == size['repeats'] else ' (time budget)'}")
    if size.get("note"):
        print(f"  [{tag}] NOTE: {size['note']}")
    row(f"step + after_step vs step [{tag}]", fmt_seconds(per_step["tracked"]), fmt_seconds(per_step["untracked"]),
        min(per_step["tracked"]) / min(per_step["untracked"]), "target <= 1.05x")
    extra_ms = 1000 * (min(per_step["tracked"]) - min(per_step["untracked"]))
    print(f"  {'':<54s} per step, medians: tracked {median_ms(per_step['tracked'])} ms, untracked "
          f"{median_ms(per_step['untracked'])} ms; difference of minima {extra_ms:+.1f} ms")
    print(f"  {'':<54s} after_step alone: {1000 * min(per_step['tracker']):.1f} ms per call (median "
          f"{median_ms(per_step['tracker'])} ms) = {min(per_step['tracker']) / min(per_step['untracked']):.1%} of "
          f"the step; {tracked_numel / min(per_step['tracker']) / 1e6:.0f}M weights/s")
    persistent = {"signed bucket table (int32)": tracker.sketch.slots,
                  "previous weights (fp32)": tracker.previous, "spare buffer (fp32)": tracker.spare,
                  "updates (fp64)": tracker.updates}
    nbytes = {name: tensor.numel() * tensor.element_size() for name, tensor in persistent.items()}
    print(f"  {'':<54s} tracker memory: " + ", ".join(f"{name} {value / 2**20:.1f} MB" for name, value in
                                                       nbytes.items())
          + f"; total {sum(nbytes.values()) / 2**20:.1f} MB = {sum(nbytes.values()) / tracked_numel:.2f} B per "
          f"tracked weight, {sum(nbytes.values()) / (16 * total):.0%} of the training state (weights, gradients, "
          f"two AdamW moments: 16 B per parameter)")
    print(f"  {'':<54s} during a call: no full-size temporary (the weights go into the spare buffer, the "
          f"previous ones become the change in place)")
    if "uc_every" in size:
        uc_every, frames = size["uc_every"], []
        out = tmp / f"uc-{tag}.parquet"

        def uc_rows():
            frames.append(tracker.uc_rows(10))

        def uc_write():  # InterferenceRecorder._write's work besides (without its atomic rename)
            frames[-1].to_parquet(out, index=False)

        uc = interleaved({"uc_rows": uc_rows, "write": uc_write}, size["uc_repeats"], device)
        uc_ms, write_ms = 1000 * min(uc["uc_rows"]), 1000 * min(uc["write"])
        amortised = min(per_step["untracked"]) + min(uc["uc_rows"]) / uc_every
        row(f"step + uc_rows amortised over uc_every vs step [{tag}]", f"{1000 * amortised:8.1f} ms",
            fmt_seconds(per_step["untracked"]), amortised / min(per_step["untracked"]),
            f"uc_rows every {uc_every} steps")
        everything = min(per_step["tracked"]) + (min(uc["uc_rows"]) + min(uc["write"])) / uc_every
        layer_count = len(tracker.flat.layers)
        print(f"  {'':<54s} uc_rows: {uc_ms:.1f} ms per call (median {median_ms(uc['uc_rows'])} ms), "
              f"{len(frames[-1])} rows ({layer_count} layers x {len(frames[-1]) // layer_count} pairs); its parquet "
              f"write {write_ms:.1f} ms; all of InterferenceRecorder's uc work per step "
              f"(after_step + (uc_rows + write) / {uc_every}) vs the step alone: "
              f"{everything / min(per_step['untracked']):.3f}x")
    print(f"  {'':<54s} {time.perf_counter() - started:.0f} s for this configuration")


# --------------------------------------------------------------------------- 6. logging


def logged_step(objective, state, parameters, batch: dict[str, torch.Tensor], device: torch.device) -> torch.Tensor:
    """``our_step`` that also returns what ``train_steps`` hands the log: ``[loss, mlm, nsp, grad norm]``."""
    batch = {name: tensor.to(device, non_blocking=True) for name, tensor in batch.items()}
    state.optimizer.zero_grad(set_to_none=True)
    mlm_sum, nsp_sum = objective(batch, None)
    mlm, nsp = mlm_sum / batch["masked_count"].clamp(min=1), nsp_sum / batch["input_ids"].shape[0]
    (mlm + nsp).backward()
    norm = torch.nn.utils.clip_grad_norm_(parameters, 1.0)
    state.optimizer.step()
    state.scheduler.step()
    return torch.cat([torch.stack([mlm + nsp, mlm, nsp]).detach(), norm.detach().reshape(1)])


def bench_logging(args, device, tmp: Path) -> None:
    import io
    from types import SimpleNamespace

    from mtickets.formats.shards import open_shards
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.progress import progress
    from mtickets.trackers import Trackers
    from mtickets.training.batches import StepPlan
    from mtickets.training.distributed import Ranks
    from mtickets.training.monitoring import LogWriter, Throughput
    from mtickets.training.pretrain import PROGRESS_LINE
    from mtickets.training.run import PretrainingObjective

    size, per_call = demo_sizes(), args.logging_steps
    header(f"6. logging: training steps + LogWriter sending every row, the throughput and MFU to TensorBoard and the "
           f"progress line (a flush every 50 rows) vs + LogWriter writing training_log.jsonl alone (before "
           f"trackers); demo size, {per_call} steps a call, {device}")
    seq, batch, predictions = size["seq"], size["batch"], size["max_predictions"]
    data = open_shards(write_corpus(tmp / "logging", "en", 2 * batch, seq, size["vocab"]))
    batches = itertools.cycle(prebuilt_batches(data, 2, batch, max_predictions=predictions))
    torch.manual_seed(0)
    model = TicketBertForPreTraining(ticket_config(size["vocab"], size["hidden"], size["layers"], size["heads"],
                                                   size["ffn"], size["max_positions"])).to(device).train()
    objective, state = PretrainingObjective(model), optimizer_state(model)
    parameters = [p for p in model.parameters() if p.requires_grad]
    steps = 10**6
    run = SimpleNamespace(ranks=Ranks(), model=model, cfg=SimpleNamespace(batch_size=batch), seq_lengths=[seq],
                          max_predictions={seq: predictions}, ticketed=False,
                          plan=StepPlan(["en"], np.zeros((steps, 1)), np.full(steps, seq), batch))
    trackers = Trackers(["tensorboard"], tmp / "tensorboard", "bench", {})
    writers, counters = {}, {}
    for name in ("trackers", "jsonl"):
        handle = open(tmp / f"{name}.jsonl", "a", encoding="utf-8")  # noqa: SIM115 (closed below)
        bar = progress(total=steps, desc="pretrain", stream=io.StringIO(), line=PROGRESS_LINE)
        writers[name] = (LogWriter(run, handle, 0, trackers, bar, Throughput(run, 1e12)) if name == "trackers"
                         else LogWriter(run, handle, 0, bar=None), bar, handle)
        counters[name] = itertools.count(1)

    def steps_of(name):
        def call():
            writer, bar, _ = writers[name]
            for _ in range(per_call):
                values = logged_step(objective, state, parameters, next(batches), device)
                writer.add({"step": next(counters[name]), "language": "en", "seq_length": seq, "lr": 1e-4}, values)
                bar.update()
        return call

    wall, cpu = interleaved_cpu({name: steps_of(name) for name in writers}, device, args.logging_rounds,
                                args.logging_budget_s)
    trackers.close()
    for _, bar, handle in writers.values():
        bar.close()
        handle.close()
    wall, cpu = ({name: [t / per_call for t in values] for name, values in times.items()} for times in (wall, cpu))
    row("steps + trackers vs steps + training_log.jsonl [demo]", fmt_seconds(wall["trackers"]),
        fmt_seconds(wall["jsonl"]), min(wall["trackers"]) / min(wall["jsonl"]), "target <= 1.02x")
    row("the same in CPU time (all threads) [demo]", fmt_seconds(cpu["trackers"]), fmt_seconds(cpu["jsonl"]),
        float(np.median(cpu["trackers"])) / float(np.median(cpu["jsonl"])), "medians; robust to a busy machine")
    print(f"  {'':<54s} per step, wall medians: trackers {median_ms(wall['trackers'])} ms, jsonl alone "
          f"{median_ms(wall['jsonl'])} ms; {len(wall['trackers'])} rounds of {per_call} steps (the order "
          f"alternating)")


def interleaved_cpu(functions: dict, device: torch.device, rounds: int, budget_s: float,
                    min_rounds: int = 2) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and process CPU seconds per call, after a warm-up round; the order alternates from round to
    round, and rounds stop (after ``min_rounds``) once they have taken ``budget_s``. CPU time counts
    every thread of the process (torch's, the tracker's writer), not the other jobs of a shared machine."""
    from tickets import synchronize

    for function in functions.values():
        function()
    wall, cpu = ({name: [] for name in functions} for _ in range(2))
    started = time.perf_counter()
    for done in range(rounds):
        if done >= min_rounds and time.perf_counter() - started > budget_s:
            break
        for name in (list(functions) if done % 2 == 0 else list(functions)[::-1]):
            synchronize(device)
            wall_0, cpu_0 = time.perf_counter(), time.process_time()
            functions[name]()
            synchronize(device)
            wall[name].append(time.perf_counter() - wall_0)
            cpu[name].append(time.process_time() - cpu_0)
    return wall, cpu


# --------------------------------------------------------------------------- 7. torch.compile


def bench_compile(args, device, tmp: Path) -> None:
    from mtickets.formats.shards import open_shards
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.run import PretrainingObjective, compiled

    header(f"7. pretrain.compile: the training step with the loss module through torch.compile vs eager (MLM + NSP, "
           f"backward, clip 1.0, AdamW; dropout 0.1, fp32), {device}")
    for tag, (hidden, layers, heads, ffn, vocab, seq, batch, repeats) in args.compile_configs.items():
        data = open_shards(write_corpus(tmp / f"compile-{tag}", "en", 2 * batch, seq, vocab))
        batches = itertools.cycle(prebuilt_batches(data, 2, batch))
        torch.manual_seed(0)
        model = TicketBertForPreTraining(ticket_config(vocab, hidden, layers, heads, ffn)).to(device).train()
        state, parameters = optimizer_state(model), [p for p in model.parameters() if p.requires_grad]
        eager, fast = PretrainingObjective(model), compiled(PretrainingObjective(model), graphs=1)
        started = time.perf_counter()
        our_step(fast, state, parameters, next(batches), device)  # compiles (forward and backward)
        compile_s = time.perf_counter() - started
        times = interleaved({"compiled": lambda: our_step(fast, state, parameters, next(batches), device),
                             "eager": lambda: our_step(eager, state, parameters, next(batches), device)},
                            repeats, device)
        row(f"compiled vs eager step [{tag}]", fmt_seconds(times["compiled"]), fmt_seconds(times["eager"]),
            min(times["compiled"]) / min(times["eager"]), "time ratio (< 1: compiling pays)")
        print(f"  {'':<54s} hidden {hidden}, {layers} layers, vocab {vocab:,}, seq {seq}, batch {batch}: medians "
              f"compiled {median_ms(times['compiled'])} ms, eager {median_ms(times['eager'])} ms; first step "
              f"(compiling) {compile_s:.0f} s; {repeats} rounds")


# --------------------------------------------------------------------------- 8. the optimizer


def bench_optimizer(args, device, tmp: Path) -> None:
    import copy

    from mtickets.formats.shards import open_shards
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.run import PretrainingObjective

    header(f"8. optimizer: the training step with adamw (fused where the device has it) vs torch's default AdamW "
           f"(fp32), {device}")
    for tag, (hidden, layers, heads, ffn, vocab, seq, batch, predictions, repeats) in args.optimizer_configs.items():
        data = open_shards(write_corpus(tmp / f"optimizer-{tag}", "en", 2 * batch, seq, vocab))
        batches = prebuilt_batches(data, 2, batch, max_predictions=predictions)
        config = ticket_config(vocab, hidden, layers, heads, ffn)
        config.hidden_dropout_prob = config.attention_probs_dropout_prob = 0.0  # the two copies see the same steps
        torch.manual_seed(0)
        ours = TicketBertForPreTraining(config).to(device).train()
        default = copy.deepcopy(ours)
        ours_state, default_state = optimizer_state(ours), optimizer_state(default)
        # torch's default kernel in place of adamw's fused one: the same groups, settings and schedule
        for group in default_state.optimizer.param_groups:
            group["fused"] = None
        fused = ours_state.optimizer.defaults.get("fused")
        feeds = {"ours": itertools.cycle(batches), "default": itertools.cycle(batches)}
        steps = {name: (PretrainingObjective(model), state, [p for p in model.parameters() if p.requires_grad])
                 for name, model, state in (("ours", ours, ours_state), ("default", default, default_state))}

        def step_of(name):
            objective, state, parameters = steps[name]
            return lambda: our_step(objective, state, parameters, next(feeds[name]), device)

        times = interleaved({name: step_of(name) for name in steps}, repeats, device)
        gap = max((a - b).abs().max().item() for a, b in zip(ours.parameters(), default.parameters()))
        row(f"adamw vs default AdamW step [{tag}]", fmt_seconds(times["ours"]), fmt_seconds(times["default"]),
            min(times["ours"]) / min(times["default"]), "time ratio (< 1: ours is faster)")
        print(f"  {'':<54s} hidden {hidden}, {layers} layers, vocab {vocab:,}, seq {seq}, batch {batch}: medians "
              f"ours {median_ms(times['ours'])} ms (fused={fused}), default {median_ms(times['default'])} ms; "
              f"{repeats} rounds; largest weight difference after {repeats + 1} steps {gap:.1e}")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in seconds")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--only", default="step,memory,loader,interference,attention,logging,compile,optimizer",
                        help="comma-separated sections to run (step, memory, loader, interference, attention, "
                             "logging, compile, optimizer)")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per comparison")
    parser.add_argument("--interference-layers", type=int, default=None,
                        help=f"encoder layers of section 4's BERT-base-width model (default: 12 on a GPU, "
                             f"{CPU_TRACKING_LAYERS} on a CPU)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.quick:
        args.seq, args.batch = 64, 8
        repeats = args.repeats or 2  # tag: hidden, layers, heads, FFN, vocabulary, timed rounds
        args.step_configs = {"tiny": (64, 2, 4, 256, 1000, repeats), "small": (256, 4, 4, 1024, 30522, repeats)}
        args.corpus_examples, args.memory_vocab, args.memory_steps, args.memory_runs = 2000, 1000, 3, 1
        args.loader_model, args.loader_seq, args.loader_batch, args.loader_steps = (64, 2, 4, 256, 1000), 64, 8, 4
        args.repeats_loader = args.repeats or 2
        demo = dict(demo_sizes(), tag="demo", per_call=1, repeats=args.repeats or 2, budget_s=10, uc_repeats=3)
        small = dict(tag="small", hidden=256, layers=args.interference_layers or 2, heads=4, ffn=1024, vocab=30522,
                     max_positions=512, seq=64, max_predictions=10, batch=8, languages=demo["languages"], per_call=1,
                     repeats=args.repeats or 2, budget_s=10)
        args.interference_sizes = [demo, small]
        args.attention_sizes, args.attention_repeats = {"replication": (16, 2, 64, 32)}, args.repeats or 3
        args.logging_steps, args.logging_rounds, args.logging_budget_s = 50, args.repeats or 2, 10
        # tag: hidden, layers, heads, FFN, vocabulary, seq, batch, timed rounds
        args.compile_configs = {"tiny": (64, 2, 4, 256, 1000, 64, 8, args.repeats or 2)}
        # tag: hidden, layers, heads, FFN, vocabulary, seq, batch, predictions, timed rounds
        args.optimizer_configs = {"replication": (64, 4, 2, 256, 8000, 64, 16, 10, args.repeats or 5)}
    else:
        args.seq, args.batch = 128, 8
        args.step_configs = {"BERT-base": (768, 12, 12, 3072, 119547, args.repeats or 3),
                             "small": (256, 4, 4, 1024, 30522, args.repeats or 10)}
        args.corpus_examples, args.memory_vocab, args.memory_steps, args.memory_runs = 20_000, 30522, 10, 2
        args.loader_model, args.loader_seq, args.loader_batch, args.loader_steps = (256, 4, 4, 1024, 30522), 128, 16, 10
        args.repeats_loader = args.repeats or 5
        demo = dict(demo_sizes(), tag="demo", per_call=5, repeats=args.repeats or 30, budget_s=60, uc_repeats=20)
        layers = args.interference_layers or (12 if device.type == "cuda" else CPU_TRACKING_LAYERS)
        note = None if layers == 12 else (
            f"{layers} encoder layers, not BERT-base's 12 (a 12-layer step at batch 32 is too slow on CPU for a few "
            f"rounds; --interference-layers 12 to run it). The tracker's cost scales with the tracked weights "
            f"(the embeddings dominate at this vocabulary), the step's with layers x tokens, so the 12-layer "
            f"model's ratio would be lower than this one")
        base = dict(tag=f"BERT-base widths, {layers} layers", hidden=768, layers=layers, heads=12, ffn=3072,
                    vocab=119547, max_positions=512, seq=128, max_predictions=MAX_PREDICTIONS, batch=32,
                    languages=demo["languages"], per_call=1, repeats=args.repeats or 3, budget_s=150, note=note)
        args.interference_sizes = [demo, base]
        args.attention_sizes = {"replication": (16, 2, 64, 32), "BERT-base": (8, 12, 128, 64)}
        args.attention_repeats = args.repeats or 20
        args.logging_steps, args.logging_rounds, args.logging_budget_s = 200, args.repeats or 15, 300
        args.compile_configs = {"demo": (64, 2, 4, 256, 3000, 64, 16, args.repeats or 20),
                                "small": (256, 4, 4, 1024, 30522, 128, 8, args.repeats or 10)}
        args.optimizer_configs = {"replication": (64, 4, 2, 256, 8000, 64, 16, 10, args.repeats or 200),
                                  "small": (256, 4, 4, 1024, 30522, 128, 8, MAX_PREDICTIONS, args.repeats or 20)}
    sections = set(args.only.split(","))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench/pretrain.py: torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, "
          f"{'quick' if args.quick else 'full'} run, load average {load:.2f}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-pretrain-") as tmp:
        benches = {"step": bench_step, "memory": bench_memory, "loader": bench_loader,
                   "interference": bench_interference, "attention": bench_attention, "logging": bench_logging,
                   "compile": bench_compile, "optimizer": bench_optimizer}
        for name, bench in benches.items():  # in this order, whatever --only's
            if name in sections:
                bench(args, device, Path(tmp))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; peak RSS of this process {usage.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
