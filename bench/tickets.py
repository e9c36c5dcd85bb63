"""Speed and memory of the ticket machinery, each against a baseline measured in the same run.

    python bench/tickets.py                 # full run (BERT-base widths; ~4 minutes on 2 cores)
    python bench/tickets.py --quick         # small sizes, a smoke run (~20 s)
    python bench/tickets.py --device cuda   # the model benchmarks on a GPU

1. merge of 104 languages × 16 BERT-base layers (7.67M entries): seconds and peak RSS of
   ``merge_scores`` alone, in a fresh subprocess per method, against numpy's stable
   argsort of the same normalised entries and a plain Python sort of a dict of them
   (the authors' style).
2. SNIP scoring (``score_units``, end to end from shards) tokens/s against a plain
   forward + backward of the same model on the same batches (same loss, weights
   trainable). Target ≥ 0.9×.
3. Ticket forward + backward (ηs = 16, r = 0.75, uneven SNIP-like ticket, BERT-base
   widths, seq 128, batch 8) on the gather path and on the masked path, against the
   dense 12-layer model on the same batch; train mode (BERT's dropout 0.1) and without
   dropout; the pretraining loss (MLM on masked positions + NSP) and the encoder alone.
   Target gather ≤ 1.05×; masked ≈ 1.33×. Two lower bounds for any gathering
   implementation, timed in the same rounds: the compact export of the ticket (the
   same units, physically small: nothing to gather or scatter) and that export with
   every head evened to its layer's mean dims (no padding for the fused attention).
4. Compact export inference latency (encoder, no grad) against the dense 12-layer
   encoder. Target ≤ 1.0×.
5. Demo sizes (hidden 64, 4 heads, 3 ticket layers, seq 64, batch 16): gather vs mask
   forward + backward, which decides the default ``ticket_implementation``.

Timings interleave the compared variants and report the minimum over repeats (and the
median), because a shared machine's noise only ever adds time. Ratios are variant /
baseline. Threads: ``--threads`` (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from mtickets.formats.special_tokens import SpecialTokens

SPECIALS = SpecialTokens(pad=0, unk=1, cls=2, sep=3, mask=4)  # the project's trained tokenizer's, the config's defaults

# --------------------------------------------------------------------------- helpers


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved(functions: dict, repeats: int, device: torch.device, warmup: int = 1) -> dict[str, list[float]]:
    """Run each function ``warmup`` times, then ``repeats`` rounds of all of them in turn; seconds per call."""
    for function in functions.values():
        for _ in range(warmup):
            function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            synchronize(device)
            start = time.perf_counter()
            function()
            synchronize(device)
            times[name].append(time.perf_counter() - start)
    return times


def row(label: str, value: str, baseline: str, ratio: float | None, target: str = "") -> None:
    ratio_text = "" if ratio is None else f"{ratio:6.3f}x"
    print(f"  {label:<54s} {value:>16s}  {baseline:>16s}  {ratio_text:>8s}  {target}")


def header(title: str) -> None:
    print(f"\n{title}")
    print(f"  {'':<54s} {'measured':>16s}  {'baseline':>16s}  {'ratio':>8s}")


def fmt_seconds(values: list[float]) -> str:
    return f"{min(values) * 1000:8.1f} ms"


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}"


# --------------------------------------------------------------------------- 1. merge

MERGE_CHILD = r"""
import json, os, resource, sys, time
import numpy as np, torch
torch.set_num_threads(int(sys.argv[4]))
method, languages, layers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from mtickets.tickets.merge import keep_count, merge_scores, ordered_keys, pooled_scores
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
gen = torch.Generator().manual_seed(0)
langs = [f"l{i}" for i in range(languages)]
dims = {"qk": 768, "v": 768, "ffn": 3072}
scores = {}
for lang in langs:
    scale = torch.rand(layers * 3, generator=gen) + 0.2  # uneven layers, like SNIP
    scores[lang] = {f"layer.{k}.{c}": torch.rand(d, generator=gen) * scale[3 * k + i]
                    for k in range(layers) for i, (c, d) in enumerate(dims.items())}
total = sum(v.numel() for s in scores.values() for v in s.values())
keep = keep_count(0.75, total)
before = rss_mb()
start = time.perf_counter()
if method in ("merge", "merge+summary"):
    bank = merge_scores(scores, langs, 0.75)
    if method == "merge+summary":
        from mtickets.tickets.merge import ticket_summary
        ticket_summary(bank, langs, 0.75, "joint")
    kept = int(sum(int(v.sum()) for v in bank.values()))
elif method == "argsort":
    keys = ordered_keys(scores[langs[0]])
    pooled = pooled_scores(scores, langs, keys).reshape(-1).numpy()
    order = np.argsort(-pooled, kind="stable")
    mask = np.zeros(pooled.size, dtype=np.uint8)
    mask[order[:keep]] = 1
    kept = int(mask.sum())
else:  # the authors' style: a dict of every entry, sorted in Python
    import math
    entries = {}
    for lang in langs:
        for key in ordered_keys(scores[lang]):
            values = scores[lang][key].double().tolist()
            norm = math.sqrt(sum(x * x for x in values)) or 1.0
            for unit, value in enumerate(values):
                entries[(lang, key, unit)] = value / norm
    ranked = sorted(entries.items(), key=lambda item: -item[1])
    chosen = {entry for entry, _ in ranked[:keep]}
    kept = len(chosen)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "before_mb": before, "entries": total, "kept": kept}))
"""


def merge_child(method: str, languages: int, layers: int, threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", MERGE_CHILD, method, str(languages), str(layers), str(threads)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_merge(args) -> None:
    languages, layers = (16, 4) if args.quick else (104, 16)
    header(f"1. merge: {languages} languages x {layers} layers x (768 + 768 + 3072) units, r = 0.75, joint budget")
    results = {method: merge_child(method, languages, layers, args.threads)
               for method in ("merge", "merge+summary", "argsort", *(() if args.skip_python_sort else ("python",)))}
    ours = results["merge"]
    print(f"  entries {ours['entries']:,}; kept {ours['kept']:,}; RSS before the call {ours['before_mb']:.0f} MB "
          "(Python + torch + the score tensors)")
    row("merge_scores time", f"{ours['seconds']:8.3f} s", "", None, "target <= 1 s")
    row("merge_scores peak RSS (whole process)", f"{ours['peak_mb']:8.0f} MB", "", None, "target <= 500 MB")
    row("merge_scores peak RSS above the inputs", f"{ours['peak_mb'] - ours['before_mb']:8.0f} MB", "", None)
    both = results["merge+summary"]
    row("merge_scores + ticket_summary (the CLI's work)", f"{both['seconds']:8.3f} s",
        f"{both['peak_mb']:6.0f} MB peak", None)
    for method, label in (("argsort", "numpy stable argsort"), ("python", "Python dict + sorted()")):
        if method in results:
            other = results[method]
            row(f"time vs {label}", f"{ours['seconds']:8.3f} s", f"{other['seconds']:8.3f} s",
                ours["seconds"] / other["seconds"])
            row(f"peak RSS vs {label}", f"{ours['peak_mb']:8.0f} MB", f"{other['peak_mb']:8.0f} MB",
                ours["peak_mb"] / other["peak_mb"])
            assert other["kept"] == ours["kept"], (method, other["kept"], ours["kept"])


# --------------------------------------------------------------------------- models


def model_config(args, layers: int, **overrides):
    from mtickets.modeling import TicketBertConfig

    fields = dict(vocab_size=args.vocab, hidden_size=args.hidden, num_hidden_layers=layers,
                  num_attention_heads=args.heads, intermediate_size=args.ffn, max_position_embeddings=512,
                  hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    return TicketBertConfig(**{**fields, **overrides})


def evened_config(config):
    """``config`` of a compact export with every head of a layer keeping the layer's mean dims (rounded).

    Same units per layer (up to rounding) without uneven heads: no padding for the
    fused attention kernel. Timed as a bound, not a model anyone trains.
    """
    evened = config.__class__.from_dict(config.to_dict())
    heads = config.num_attention_heads

    def even(counts):
        return [round(sum(counts) / heads)] * heads

    evened.unit_layout = [{"qk": even(layer["qk"]), "v": even(layer["v"]), "ffn": layer["ffn"]}
                          for layer in config.unit_layout]
    return evened


def snip_like_bank(config, languages: list[str], ratio: float, seed: int = 0) -> dict[str, torch.Tensor]:
    """Merged random scores, uneven like SNIP tickets: per-(layer, component) score spreads and per-head scales.

    Each vector is ``u^a · s_head`` (u uniform, a ∈ [0.5, 4] drawn per layer and component):
    normalisation divides out any plain scale, the spread ``a`` is what makes some layers
    keep more units than others under the joint budget.
    """
    from mtickets.tickets.merge import merge_scores
    from mtickets.modeling import ticket_dims

    generator = torch.Generator().manual_seed(seed)
    heads = config.num_attention_heads
    scores = {}
    for lang in languages:
        scores[lang] = {}
        for key, dim in ticket_dims(config).items():
            spread = 0.5 + 3.5 * float(torch.rand(1, generator=generator))
            if dim == config.hidden_size:
                per_head = (torch.rand(heads, generator=generator) + 0.3).repeat_interleave(dim // heads)
            else:
                per_head = torch.ones(dim)
            scores[lang][key] = torch.rand(dim, generator=generator).pow(spread) * per_head
    return merge_scores(scores, languages, ratio, "joint")


def make_batch(args, device, seed=0):
    from mtickets.training.masking import mask_tokens, special_tokens_mask

    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, args.vocab, (args.batch, args.seq), generator=generator)
    ids[:, 0] = SPECIALS.cls
    ids[:, -1] = SPECIALS.sep
    attention = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    types[:, args.seq // 2:] = 1
    masked, labels = mask_tokens(ids, special_tokens_mask(ids, attention, SPECIALS.never_masked), args.vocab, 0.15,
                                 generator, mask_token_id=SPECIALS.mask)
    nsp = torch.randint(0, 2, (args.batch,), generator=generator)
    return {name: tensor.to(device) for name, tensor in
            dict(input_ids=masked, attention_mask=attention, token_type_ids=types, labels=labels,
                 next_sentence_label=nsp).items()}


def pretraining_step(model, batch, language=None):
    from mtickets.tickets.score import pretraining_loss

    model.zero_grad(set_to_none=True)
    loss = pretraining_loss(model, batch["input_ids"], batch["attention_mask"], batch["token_type_ids"],
                            batch["labels"], batch["next_sentence_label"], language=language)
    loss.backward()


def encoder_step(model, batch, language=None):
    model.zero_grad(set_to_none=True)
    hidden = model.bert(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"],
                        language=language).last_hidden_state
    hidden.float().square().mean().backward()


# --------------------------------------------------------------------------- 2. SNIP


def write_shards(directory: Path, args, examples: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    generator = torch.Generator().manual_seed(1)
    half = args.seq // 2
    rows = []
    for _ in range(examples):
        body = torch.randint(5, args.vocab, (args.seq - 3,), generator=generator).tolist()
        ids = [SPECIALS.cls, *body[:half - 2], SPECIALS.sep, *body[half - 2:], SPECIALS.sep]
        rows.append((ids, [0] * half + [1] * (len(ids) - half), int(torch.randint(0, 2, (1,), generator=generator))))
    directory.mkdir(parents=True)
    table = pa.table({
        "input_ids": pa.array([r[0] for r in rows], type=pa.list_(pa.int32())),
        "token_type_ids": pa.array([r[1] for r in rows], type=pa.list_(pa.int8())),
        "next_sentence_label": pa.array([r[2] for r in rows], type=pa.int8()),
        "language": pa.array(["en"] * len(rows)),
    })
    pq.write_table(table, directory / "part-00000.parquet")
    manifest = {"language": "en", "seq_length": args.seq, "documents": 1, "sentences": 1,
                "tokens": sum(len(r[0]) for r in rows), "examples": len(rows), "vocab_size": args.vocab,
                "seed": 0, "shards": [{"file": "part-00000.parquet", "examples": len(rows)}],
                "special_tokens": SPECIALS.to_manifest()}
    (directory / "manifest.json").write_text(json.dumps(manifest))


def bench_snip(args, device) -> None:
    from mtickets.formats.shards import open_shards
    from mtickets.tickets.score import ScoreRequest, pretraining_loss, score_units
    from mtickets.training.masking import mask_tokens, pad_batch, special_tokens_mask
    from mtickets.modeling import TicketBertForPreTraining

    batches = args.snip_batches
    header(f"2. SNIP scoring, {args.big_layers} layers, batch {args.batch} x seq {args.seq}, {batches} batches, "
           f"dropout off, {device}")
    torch.manual_seed(0)
    model = TicketBertForPreTraining(model_config(args, args.big_layers)).to(device)
    with tempfile.TemporaryDirectory() as tmp:
        shards = Path(tmp) / "shards"
        write_shards(shards, args, batches * args.batch)
        tokens = batches * args.batch * args.seq
        examples = list(open_shards(shards).iter_examples())
        generator = torch.Generator().manual_seed(0)
        prepared = []
        for start in range(0, len(examples), args.batch):
            chunk = examples[start:start + args.batch]
            ids, types, attention = pad_batch([e[0] for e in chunk], [e[1] for e in chunk], SPECIALS.pad)
            masked, labels = mask_tokens(ids, special_tokens_mask(ids, attention, SPECIALS.never_masked), args.vocab,
                                         0.15, generator, mask_token_id=SPECIALS.mask)
            nsp = torch.tensor([e[2] for e in chunk])
            prepared.append([t.to(device) for t in (masked, attention, types, labels, nsp)])

        def plain():
            model.eval()
            for parameter in model.parameters():
                parameter.requires_grad_(True)
            for batch in prepared:
                model.zero_grad(set_to_none=True)
                pretraining_loss(model, *batch).backward()

        def snip():
            request = ScoreRequest(language="en", shards=shards, tokens=tokens, batch_size=args.batch, seed=0,
                                   device=str(device))
            score_units(model, "snip", request)

        times = interleaved({"snip": snip, "plain": plain}, args.repeats_snip, device)
    snip_rate = tokens / min(times["snip"])
    plain_rate = tokens / min(times["plain"])
    row("SNIP tokens/s (score_units, from shards)", f"{snip_rate:10.0f} tok/s", f"{plain_rate:10.0f} tok/s",
        snip_rate / plain_rate, "target >= 0.9x (baseline: plain fwd+bwd)")


# --------------------------------------------------------------------------- 3. ticket step


def bench_ticket(args, device) -> dict:
    from mtickets.modeling.export import export_ticket
    from mtickets.modeling import TicketBertForPreTraining

    header(f"3. ticket forward+backward: {args.big_layers} layers r = {args.ratio} vs dense {args.small_layers} "
           f"layers; hidden {args.hidden}, {args.heads} heads, FFN {args.ffn}, seq {args.seq}, batch {args.batch}, "
           f"vocab {args.vocab}, {device}")
    torch.manual_seed(0)
    dense = TicketBertForPreTraining(model_config(args, args.small_layers)).to(device)
    big = TicketBertForPreTraining(model_config(args, args.big_layers)).to(device)
    languages = ["en", "de", "fr", "sw"]
    big.set_tickets(snip_like_bank(big.config, languages, args.ratio), languages)

    def keep_ratio(lang):
        ticket = big.ticket(lang)
        return sum(int(v.sum()) for v in ticket.values()) / sum(v.numel() for v in ticket.values())

    ratios = {lang: keep_ratio(lang) for lang in languages}
    lang = min(languages, key=lambda code: abs(ratios[code] - args.ratio))  # the most typical ticket
    args.lang = lang
    ticket = big.ticket(lang)
    kept = ratios[lang]
    per_layer = [sum(int(ticket[f"layer.{k}.{c}"].sum()) for c in ("qk", "v", "ffn")) for k in range(args.big_layers)]
    heads = ticket["layer.0.v"].reshape(args.heads, -1).sum(dim=1).tolist()
    print("  keep ratios under the joint budget: " + ", ".join(f"{code} {r:.3f}" for code, r in ratios.items()))
    print(f"  timed: ticket '{lang}' keeps {kept:.3f} of the units; units per "
          f"layer {min(per_layer)}..{max(per_layer)} of {2 * args.hidden + args.ffn}; "
          f"layer-0 value dims per head {heads}")
    from mtickets.modeling.accounting import inference_flops

    dense_flops = inference_flops(dense.config, args.seq)
    print(f"  encoder FLOPs of the ticket / dense: {inference_flops(big.config, args.seq, ticket) / dense_flops:.3f}")
    compact = export_ticket(big, lang).to(device)
    evened = TicketBertForPreTraining(evened_config(compact.config)).to(device)
    print("  lower bounds of any gather implementation, no gathering or scattering: the compact export of the "
          "ticket, and the same with every head evened to its layer's mean dims "
          f"(FLOPs / dense {inference_flops(evened.config, args.seq) / dense_flops:.3f})")
    batch = make_batch(args, device)
    results = {}
    for mode in ("train", "no dropout"):
        for model in (dense, big, compact, evened):
            model.train()
            for module in model.modules():
                if mode == "no dropout" and isinstance(module, torch.nn.Dropout):
                    module.p = 0.0
                if hasattr(module, "dropout_prob"):
                    module.dropout_prob = 0.0 if mode == "no dropout" else 0.1
        for step_name, step in (("pretraining loss", pretraining_step), ("encoder only", encoder_step)):
            def variant(implementation, step=step):
                def run():
                    big.config.ticket_implementation = implementation
                    step(big, batch, lang)
                return run

            times = interleaved({"dense": lambda step=step: step(dense, batch), "gather": variant("gather"),
                                 "mask": variant("mask"), "compact": lambda step=step: step(compact, batch),
                                 "evened": lambda step=step: step(evened, batch)}, args.repeats, device)
            base = min(times["dense"])
            label = f"{mode}, {step_name}"
            for name, title, target in (("gather", "gather", "target <= 1.05x"),
                                        ("mask", "mask  ", "reference ~1.33x"),
                                        ("compact", "compact export", "bound: uneven heads"),
                                        ("evened", "compact, heads evened", "bound: even heads")):
                row(f"{title} [{label}]", fmt_seconds(times[name]), fmt_seconds(times["dense"]),
                    min(times[name]) / base, target)
            print(f"  {'':<54s} medians: gather {median_ms(times['gather'])} ms, mask {median_ms(times['mask'])} ms, "
                  f"dense {median_ms(times['dense'])} ms")
            results[(mode, step_name)] = times
    return {"dense": dense, "big": big, "compact": compact}


# --------------------------------------------------------------------------- 4. export


def bench_export(args, device, models) -> None:
    header(f"4. compact export of '{args.lang}': inference (encoder, no grad, eval), batch {args.batch} x seq "
           f"{args.seq}, {device}")
    dense, big, compact = (models[name].eval() for name in ("dense", "big", "compact"))
    batch = make_batch(args, device, seed=1)

    def infer(model, **kwargs):
        def run():
            with torch.no_grad():
                model.bert(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"], **kwargs)
        return run

    big.config.ticket_implementation = "gather"
    times = interleaved({"dense": infer(dense), "compact": infer(compact), "gather": infer(big, language=args.lang)},
                        args.repeats * 2, device)
    base = min(times["dense"])
    row("compact export latency", fmt_seconds(times["compact"]), fmt_seconds(times["dense"]),
        min(times["compact"]) / base, "target <= 1.0x")
    row("ticket model, gather path, latency", fmt_seconds(times["gather"]), fmt_seconds(times["dense"]),
        min(times["gather"]) / base)
    params = sum(p.numel() for p in compact.bert.parameters())
    dense_params = sum(p.numel() for p in dense.bert.parameters())
    row("compact encoder parameters", f"{params / 1e6:8.2f} M", f"{dense_params / 1e6:8.2f} M", params / dense_params)


# --------------------------------------------------------------------------- 5. demo sizes


def bench_demo(args, device) -> None:
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining

    config = TicketBertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=3, num_attention_heads=4,
                              intermediate_size=256, max_position_embeddings=128)
    header(f"5. demo sizes: hidden 64, 4 heads, FFN 256, 3 layers r = 0.67, seq 64, batch 16, {device}")
    torch.manual_seed(0)
    model = TicketBertForPreTraining(config).to(device).train()
    languages = ["en", "de", "fr"]
    model.set_tickets(snip_like_bank(config, languages, 0.67), languages)  # 'en' timed
    demo = argparse.Namespace(vocab=1000, batch=16, seq=64)
    batch = make_batch(demo, device, seed=2)

    def variant(implementation):
        def run():
            model.config.ticket_implementation = implementation
            for _ in range(10):
                pretraining_step(model, batch, "en")
        return run

    times = interleaved({"gather": variant("gather"), "mask": variant("mask")}, args.repeats_demo, device)
    row("gather vs mask, 10 train steps", fmt_seconds(times["gather"]), fmt_seconds(times["mask"]),
        min(times["gather"]) / min(times["mask"]), "default 'gather' if <= 1.0x")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in seconds")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (model benchmarks; merge is CPU)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--only", default="merge,snip,ticket,export,demo",
                        help="comma-separated sections to run (export needs ticket)")
    parser.add_argument("--skip-python-sort", action="store_true", help="leave out the slow Python-sort baseline")
    parser.add_argument("--vocab", type=int, default=30522, help="vocabulary size of the models")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per comparison")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.quick:
        args.hidden, args.heads, args.ffn, args.big_layers, args.small_layers = 256, 4, 1024, 8, 6
        args.batch, args.seq, args.vocab = min(args.batch, 4), min(args.seq, 64), min(args.vocab, 5000)
        args.repeats = args.repeats or 2
        args.snip_batches, args.repeats_snip, args.repeats_demo = 2, 1, 2
    else:
        args.hidden, args.heads, args.ffn, args.big_layers, args.small_layers = 768, 12, 3072, 16, 12
        args.repeats = args.repeats or 3
        args.snip_batches, args.repeats_snip, args.repeats_demo = 3, 2, 5
    args.ratio = args.small_layers / args.big_layers
    sections = set(args.only.split(","))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench/tickets.py: torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, "
          f"{'quick' if args.quick else 'full'} run, load average {load:.2f}")
    started = time.perf_counter()
    if "merge" in sections:
        bench_merge(args)
    if "snip" in sections:
        bench_snip(args, device)
    models = None
    if "ticket" in sections:
        models = bench_ticket(args, device)
    if "export" in sections and models is not None:
        bench_export(args, device, models)
    if "demo" in sections:
        bench_demo(args, device)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; "
          f"peak RSS of the model benchmarks {usage.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
