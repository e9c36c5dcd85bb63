"""Every GPU path of the pipeline in one run, written to one JSON file: the check to run first on a lent GPU.

    python bench/gpu_check.py --out gpu_check.json           # one GPU: sized for ≤ 8 minutes (not yet run on one)
    python bench/gpu_check.py --quick --peak-tflops 1 --out check.json   # CPU smoke mode (CI): tiny sizes

The same code runs in both modes; ``--quick`` only shrinks the sizes, so CI keeps it from rotting.
Sections (``--only`` picks some):

1. ``step``: a bf16 pretraining step (MLM + NSP, backward, clipping at 1.0, AdamW), ours
   (``TicketBertForPreTraining`` through ``PretrainingObjective``, the pipeline's loss) against
   ``transformers.BertForPreTraining`` with SDPA attention, both under bf16 autocast, at BERT-base
   widths, 12 layers, mBERT's 119,547-token vocabulary, seq 128, batch 32, interleaved. tokens/s, MFU
   and peak memory of each. MFU divides the same model FLOPs (``accounting.pretraining_flops``: three
   forward passes, the MLM head at the masked positions) by the peak, so both MFUs are ours'
   definition; BertForPreTraining does more work (its MLM head runs at every position). For
   reference: Hugging Face BERT-base trains at about 111k tokens/s per A100 in bf16 (MosaicML's
   baseline).
2. ``ticket``: a 16-layer ticket at r = 0.75 (a SNIP-like uneven bank, ``bench/tickets.py``) against
   dense 12 layers, forward and backward under bf16. Goal ≤ 1.05×.
3. ``compile``: our step through ``pretrain.compile`` (``training.run.compiled``) against eager, bf16;
   the first (compiling) step's seconds apart.
4. ``ddp``: ``torchrun --standalone --nproc-per-node 1 mtickets pretrain`` with a ticket bank, bf16,
   on generated shards: the process group is NCCL on a GPU (gloo on a CPU). Its exit status, the
   backend, and tokens/s and MFU read back from its TensorBoard events.
5. ``finetune``: ``mtickets finetune --precision bf16`` of a BERT-base-width model on a synthetic
   tagging task (``bench/finetune.py``'s; random tags, so F1 only shows it ran): updates per second
   of the whole run (loading and testing included) and the precision metrics.json records.

Peak memory: on the GPU, each model's in ``step``, each section's (``torch.cuda.max_memory_allocated``),
and the pretraining process's (``pretrain.json``'s ``peak_device_memory_gib``); this process's peak
RSS. A section that raises is recorded with its error; the
others still run, and the exit status is then 1. Timings are minima over interleaved rounds, so a
ratio compares runs made side by side.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from finetune import make_sentences, make_tokenizer  # noqa: E402  (bench/finetune.py)
from pretrain import (  # noqa: E402  (bench/pretrain.py)
    MAX_PREDICTIONS, bert_for_pretraining, hf_inputs, hf_step, optimizer_state, our_step, prebuilt_batches,
    ticket_config, write_corpus)
from tickets import interleaved, make_batch, model_config, pretraining_step, snip_like_bank  # noqa: E402

# As a module, so that a machine where mtickets is not installed runs it from PYTHONPATH=src (gpu_check.sh).
MTICKETS = [sys.executable, "-m", "mtickets"]

# Sizes per mode. step/compile: hidden, layers, heads, FFN, vocabulary, seq, batch, timed rounds.
FULL = dict(step=(768, 12, 12, 3072, 119547, 128, 32, 20), ticket_layers=(16, 12), ticket_rounds=20,
            compile=(768, 12, 12, 3072, 119547, 128, 32, 10), ddp_steps=60, finetune_sentences=3000,
            finetune_layers=12, finetune_updates=300)
QUICK = dict(step=(64, 2, 4, 256, 1000, 64, 8, 2), ticket_layers=(3, 2), ticket_rounds=2,
             compile=(32, 1, 2, 64, 500, 32, 4, 2), ddp_steps=12, finetune_sentences=120, finetune_layers=2,
             finetune_updates=3)


def bf16(device: torch.device):
    return torch.autocast(device.type, dtype=torch.bfloat16)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_gib(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None


def mfu(tokens_per_s: float, flops_per_token: float, peak: float | None) -> float | None:
    return tokens_per_s * flops_per_token / peak if peak else None


def step_models(sizes: tuple, device: torch.device):
    """Ours and BertForPreTraining (SDPA) of one architecture, freshly initialised."""
    from mtickets.modeling import TicketBertForPreTraining

    hidden, layers, heads, ffn, vocab = sizes[:5]
    torch.manual_seed(0)
    config = ticket_config(vocab, hidden, layers, heads, ffn)
    ours = TicketBertForPreTraining(config).to(device).train()
    hf = bert_for_pretraining(config, attn_implementation="sdpa").to(device).train()
    return ours, hf


def model_flops_per_token(config, seq: int) -> float:
    from mtickets.modeling.accounting import pretraining_flops

    return 3 * pretraining_flops(config, seq, MAX_PREDICTIONS) / seq


# --------------------------------------------------------------------------- sections


def check_step(args, device, tmp: Path) -> dict:
    """bf16 training step, ours vs BertForPreTraining (SDPA)."""
    from mtickets.formats.shards import open_shards
    from mtickets.training.run import PretrainingObjective

    hidden, layers, heads, ffn, vocab, seq, batch, rounds = args.sizes["step"]
    batches = prebuilt_batches(open_shards(write_corpus(tmp / "step", "en", 2 * batch, seq, vocab)), 2, batch)
    ours, hf = step_models(args.sizes["step"], device)
    objective = PretrainingObjective(ours)
    states = {"ours": optimizer_state(ours), "hf": optimizer_state(hf)}
    parameters = {"ours": [p for p in ours.parameters() if p.requires_grad],
                  "hf": [p for p in hf.parameters() if p.requires_grad]}
    ours_batches, hf_batches = itertools.cycle(batches), itertools.cycle([hf_inputs(b) for b in batches])
    peaks = {}

    def run(name):
        def call():
            with bf16(device):
                if name == "ours":
                    our_step(objective, states["ours"], parameters["ours"], next(ours_batches), device)
                else:
                    hf_step(hf, states["hf"], parameters["hf"], next(hf_batches), device)
        return call

    for name in ("ours", "hf"):  # each model's peak memory, alone (a warm-up step)
        reset_peak(device)
        run(name)()
        peaks[name] = peak_memory_gib(device)
    times = interleaved({"ours": run("ours"), "hf": run("hf")}, rounds, device)
    flops = model_flops_per_token(ours.config, seq)
    result = {"sizes": dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, seq=seq, batch=batch),
              "rounds": rounds, "hf_attention": hf.config._attn_implementation,
              "model_flops_per_token": flops, "speedup_vs_hf": min(times["hf"]) / min(times["ours"])}
    for name in ("ours", "hf"):
        tokens_per_s = batch * seq / min(times[name])
        result[name] = {"step_s_min": min(times[name]), "tokens_per_s": tokens_per_s,
                        "mfu": mfu(tokens_per_s, flops, args.peak), "peak_memory_gib": peaks[name]}
    return result


def check_ticket(args, device, tmp: Path) -> dict:
    """16-layer r = 0.75 ticket vs dense 12, forward + backward under bf16."""
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.modeling.accounting import inference_flops

    hidden, _, heads, ffn, vocab, seq, batch, _ = args.sizes["step"]
    big_layers, dense_layers = args.sizes["ticket_layers"]
    sizes = SimpleNamespace(hidden=hidden, heads=heads, ffn=ffn, vocab=vocab, seq=seq, batch=batch)
    torch.manual_seed(0)
    dense = TicketBertForPreTraining(model_config(sizes, dense_layers)).to(device).train()
    ticketed = TicketBertForPreTraining(model_config(sizes, big_layers)).to(device).train()
    languages = ["en", "de", "fr", "sw"]
    ticketed.set_tickets(snip_like_bank(ticketed.config, languages, 0.75), languages)
    batch_tensors = make_batch(sizes, device)

    def step(model, language=None):
        def call():
            with bf16(device):
                pretraining_step(model, batch_tensors, language)
        return call

    times = interleaved({"dense": step(dense), "ticket": step(ticketed, "en")}, args.sizes["ticket_rounds"], device)
    ticket = ticketed.ticket("en")
    return {"layers": {"ticket": big_layers, "dense": dense_layers}, "remain_ratio": 0.75,
            "kept_units": sum(int(v.sum()) for v in ticket.values()) / sum(v.numel() for v in ticket.values()),
            "encoder_flops_ticket_over_dense": inference_flops(ticketed.config, seq, ticket)
            / inference_flops(dense.config, seq),
            "dense_s_min": min(times["dense"]), "ticket_s_min": min(times["ticket"]),
            "ticket_over_dense": min(times["ticket"]) / min(times["dense"]), "goal": "<= 1.05"}


def check_compile(args, device, tmp: Path) -> dict:
    """pretrain.compile vs eager, bf16."""
    from mtickets.formats.shards import open_shards
    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.training.run import PretrainingObjective, compiled

    hidden, layers, heads, ffn, vocab, seq, batch, rounds = args.sizes["compile"]
    batches = itertools.cycle(prebuilt_batches(open_shards(write_corpus(tmp / "compile", "en", 2 * batch, seq,
                                                                        vocab)), 2, batch))
    torch.manual_seed(0)
    model = TicketBertForPreTraining(ticket_config(vocab, hidden, layers, heads, ffn)).to(device).train()
    state, parameters = optimizer_state(model), [p for p in model.parameters() if p.requires_grad]
    eager, fast = PretrainingObjective(model), compiled(PretrainingObjective(model), graphs=1)

    def step(objective):
        def call():
            with bf16(device):
                our_step(objective, state, parameters, next(batches), device)
        return call

    started = time.perf_counter()
    step(fast)()
    compile_s = time.perf_counter() - started
    times = interleaved({"compiled": step(fast), "eager": step(eager)}, rounds, device)
    return {"sizes": dict(hidden=hidden, layers=layers, vocab=vocab, seq=seq, batch=batch),
            "first_step_s": compile_s, "compiled_s_min": min(times["compiled"]), "eager_s_min": min(times["eager"]),
            "compiled_over_eager": min(times["compiled"]) / min(times["eager"])}


def child_environment() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}


def check_ddp(args, device, tmp: Path) -> dict:
    """torchrun, one process, a ticket bank, bf16: NCCL on a GPU."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from mtickets.modeling import TicketBertForPreTraining
    from mtickets.tickets.merge import ticket_summary, write_outputs

    hidden, layers, heads, ffn, vocab, seq, batch, _ = args.sizes["step"]
    languages = ["de", "en"]
    shards = [write_corpus(tmp / "ddp" / lang, lang, 4 * batch, seq, vocab) for lang in languages]
    torch.manual_seed(0)
    model = TicketBertForPreTraining(ticket_config(vocab, hidden, layers, heads, ffn))
    model.save_pretrained(str(tmp / "ddp" / "init"))
    bank = snip_like_bank(model.config, languages, 0.75)
    write_outputs(tmp / "ddp" / "tickets", bank, ticket_summary(bank, languages, 0.75, "joint"))
    steps, out = args.sizes["ddp_steps"], tmp / "ddp" / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "1", "-m",
               "mtickets", "pretrain", "--model", str(tmp / "ddp" / "init"),
               "--tickets", str(tmp / "ddp" / "tickets" / "tickets.safetensors"), "--shards", *map(str, shards),
               "--steps", str(steps), "--batch-size", str(batch), "--learning-rate", "1e-4", "--warmup-steps", "2",
               "--seq-schedule", f"{seq}:1.0", "--max-predictions", str(MAX_PREDICTIONS), "--precision", "bf16",
               "--device", device.type, "--eval-every", "0", "--checkpoint-every", str(steps),
               "--checkpoint-dir", str(out / "checkpoints"), "--out", str(out / "final"),
               *(["--peak-tflops", str(args.peak / 1e12)] if args.peak else [])]
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=child_environment(), timeout=600)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"torchrun exited {finished.returncode}: {finished.stderr[-2000:]}")
    summary = json.loads((out / "final" / "pretrain.json").read_text())
    events = EventAccumulator(str(out / "checkpoints" / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    scalars = {tag: events.Scalars(tag)[-1].value for tag in events.Tags()["scalars"]}
    return {"backend": "nccl" if device.type == "cuda" else "gloo", "processes": summary["processes"],
            "steps": steps, "precision": summary["precision"], "seconds_with_start_up": seconds,
            "final_loss": summary["final_loss"], "tokens_per_s": scalars.get("throughput/tokens_per_s"),
            "mfu": scalars.get("throughput/mfu"), "model_flops_per_token": summary["model_flops_per_token"],
            "peak_memory_gib": summary["peak_device_memory_gib"]}


def check_finetune(args, device, tmp: Path) -> dict:
    """mtickets finetune --precision bf16 on a synthetic task."""
    from mtickets.formats.xtreme import NER_LABELS
    from mtickets.modeling import TicketBertForPreTraining

    hidden, _, heads, ffn, _, _, _, _ = args.sizes["step"]
    tokenizer, words, endings = make_tokenizer(tmp / "finetune" / "tokenizer", 30522 if not args.quick else 500)
    count = args.sizes["finetune_sentences"]
    files = {}
    for split, share, seed in (("train", 0.8, 0), ("dev", 0.1, 1), ("test", 0.1, 2)):
        lines = []
        for sentence, tags in make_sentences(max(8, int(count * share)), words, endings, NER_LABELS, seed):
            lines += [f"en:{word}\t{tag}" for word, tag in zip(sentence, tags)] + [""]
        files[split] = tmp / "finetune" / f"{split}.tsv"
        files[split].write_text("\n".join(lines) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    TicketBertForPreTraining(ticket_config(len(tokenizer), hidden, args.sizes["finetune_layers"], heads, ffn)
                             ).save_pretrained(str(tmp / "finetune" / "model"))
    out = tmp / "finetune" / "out" / "metrics.json"
    command = [*MTICKETS, "finetune", "--model", str(tmp / "finetune" / "model"),
               "--tokenizer", str(tmp / "finetune" / "tokenizer"), "--task", "ner", "--format", "panx",
               "--lang", "en", "--train", str(files["train"]), "--dev", str(files["dev"]), "--test",
               str(files["test"]), "--seeds", "1", "--epochs", "1", "--batch-size", "32", "--learning-rate", "5e-5",
               "--min-updates", str(args.sizes["finetune_updates"]),
               "--precision", "bf16", "--device", device.type, "--loggers", "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, env=child_environment(), timeout=600)
    if finished.returncode != 0:
        raise RuntimeError(f"mtickets finetune exited {finished.returncode}: {finished.stderr[-2000:]}")
    metrics = json.loads(out.read_text())
    return {"layers": args.sizes["finetune_layers"], "train_sentences": metrics["train_sentences"],
            "updates": metrics["updates"], "seconds": metrics["seconds"],
            "updates_per_s_overall": metrics["updates"] / metrics["seconds"], "test_f1": metrics["f1"],
            "compute_precision": metrics["compute_precision"], "device": metrics["device"]}


def write_report(report: dict, out: Path, started: float) -> None:
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["errors"] = sorted(name for name, result in report["sections"].items() if "error" in result)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    partial.replace(out)


SECTIONS = {"step": check_step, "ticket": check_ticket, "compile": check_compile, "ddp": check_ddp,
            "finetune": check_finetune}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="the JSON file to write")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, on the CPU unless --device says otherwise")
    parser.add_argument("--device", default=None, help="default: cuda when there is one (--quick: cpu)")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="peak bf16 TFLOP/s of the device, for MFU (default: mtickets.device.PEAK_TFLOPS's)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections ({', '.join(SECTIONS)})")
    args = parser.parse_args(argv)
    unknown = [name for name in args.only.split(",") if name not in SECTIONS]
    if unknown:
        parser.error(f"--only: no section {', '.join(unknown)} (sections: {', '.join(SECTIONS)})")
    from mtickets.device import device_name, peak_flops

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() and not args.quick else "cpu"))
    args.sizes = QUICK if args.quick else FULL
    args.peak = args.peak_tflops * 1e12 if args.peak_tflops else peak_flops(device, "bf16")
    report = {"device": device_name(device), "torch": torch.__version__, "cuda": torch.version.cuda,
              "python": platform.python_version(), "quick": args.quick,
              "peak_tflops_bf16": args.peak / 1e12 if args.peak else None,
              "peak_from": "--peak-tflops" if args.peak_tflops else "mtickets.device.PEAK_TFLOPS", "sections": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        for name, check in SECTIONS.items():
            if name not in args.only.split(","):
                continue
            print(f"{name} ...", flush=True)
            section_started = time.perf_counter()
            reset_peak(device)
            try:
                result = check(args, device, Path(tmp))
            except Exception as error:  # recorded, and the other sections still run
                result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()[-4000:]}
            result["seconds"] = round(time.perf_counter() - section_started, 1)
            if device.type == "cuda":
                result["section_peak_memory_gib"] = peak_memory_gib(device)
            report["sections"][name] = result
            print(json.dumps({name: {k: v for k, v in result.items() if k != "traceback"}}, indent=1), flush=True)
            if device.type == "cuda":
                torch.cuda.empty_cache()
            write_report(report, args.out, started)  # after every section: a run stopped later keeps these
    print(f"wrote {args.out} in {report['seconds']:.0f} s; errors: {', '.join(report['errors']) or 'none'}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
