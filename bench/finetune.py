"""Speed of fine-tuning (``mtickets.evaluation.finetune``), against a baseline measured in the same run.

    python bench/finetune.py                 # full run (BERT-base widths, 2 layers; a few minutes on 2 cores)
    python bench/finetune.py --quick         # small sizes, a smoke run (~20 s)
    python bench/finetune.py --device cuda   # on a GPU

1. Fine-tuning throughput (sentences/s) of ``finetune.train``'s step, as it runs per
   batch: ``pad`` of the ``Encoded`` pieces (``split_long_sentences`` then
   ``encode_sentences``), the dense ``TicketBertForTokenClassification`` (a
   ``TicketBertForPreTraining`` saved and loaded with ``num_labels=7``, as
   ``finetune.load_model`` does) forward with ``labels``, backward, clipping at 1.0,
   AdamW (``train``'s settings) and its linear-decay scheduler step; against a plain
   ``transformers.BertForTokenClassification`` of the same widths (its own loss from
   ``labels``, AdamW, clipping at 1.0) on the same batches, padded up front (so ours
   also pays for ``pad``, which is printed alone). Data: synthetic PAN-X-like sentences
   of 5-60 words drawn from the benchmark's own ``BertTokenizerFast`` vocabulary
   (whole words, some with a ``##`` suffix: two sub-tokens), random NER tags. The target
   row: ours with the length-bucketed batches ``train`` draws with
   ``--batching bucketed`` (``finetune.epoch_batches``) against the plain loop on
   uniformly random batches, each padded to its longest sentence. Then the step alone (both on the same random
   batches) and bucketed against random batches on our model: what bucketing saves.
   Full run: hidden 768, 12 heads, FFN 3072, 2 layers,
   vocabulary ~30k, batch 32, max_length 128; ``--quick``: hidden 64, 2 layers,
   vocabulary ~1000, batch 16. Ratios: throughput, baseline time / ours (> 1: ours is
   faster).

Each timed call runs the same ``--per-call`` batches: for random order the pool's
first ones, for bucketed ones spread evenly over the bucketed batches' widths (every
``pool / per-call``-th of them sorted by width), so both are samples of an epoch of the
same sentences. Timings interleave the compared variants and report the minimum over
repeats (and the median), because a shared machine's noise only ever adds time; ratios
are against the baseline of the same run, never absolute seconds. Threads:
``--threads`` (default 2).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tickets import header, interleaved, median_ms, row  # noqa: E402  (bench/tickets.py)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SYLLABLES = ["ba", "ke", "li", "mo", "nu", "ra", "se", "ti", "vo", "za", "dor", "fen", "gal", "hum", "jor",
             "kas", "lun", "mir", "nep", "pol", "quo", "rin", "sul", "tam", "ver", "wex", "yor", "zin"]

# --------------------------------------------------------------------------- data


def make_tokenizer(directory: Path, vocab_size: int):
    """A ``BertTokenizerFast`` (offline, as tests/test_finetune.py builds one) of ``vocab_size`` tokens: the
    specials, punctuation, ~90% whole pseudo-words of 1-4 syllables and ~10% ``##`` suffixes."""
    from transformers import BertTokenizerFast

    rng = np.random.default_rng(vocab_size)
    suffixes = max(8, vocab_size // 10)
    words, seen = [], set(SPECIAL_TOKENS) | {".", ","}
    whole = vocab_size - len(seen) - suffixes
    while len(words) < whole:
        word = "".join(rng.choice(SYLLABLES, size=rng.integers(1, 5)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    endings = []  # of 1-3 syllables: 22,764 possible, so 3k suffixes of a 30k vocabulary can be drawn
    while len(endings) < suffixes:
        ending = "##" + "".join(rng.choice(SYLLABLES, size=rng.integers(1, 4)))
        if ending not in seen:
            seen.add(ending)
            endings.append(ending)
    vocab = [*SPECIAL_TOKENS, ".", ",", *words, *endings]
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=False)
    tokenizer.save_pretrained(str(directory))
    return BertTokenizerFast.from_pretrained(str(directory)), words, [ending[2:] for ending in endings]


def make_sentences(count: int, words: list[str], endings: list[str], labels: list[str], seed: int = 0):
    """PAN-X-like ``(words, tags)`` sentences of 5-60 words; a quarter of the words carry a suffix (two
    sub-tokens, unless the glued word happens to be a whole word of the vocabulary), every tenth is punctuation."""
    rng = np.random.default_rng(seed)
    sentences = []
    for length in rng.integers(5, 61, size=count):
        chosen = []
        for _ in range(length):
            draw = rng.random()
            if draw < 0.1:
                chosen.append("." if draw < 0.05 else ",")
            elif draw < 0.35:
                chosen.append(words[rng.integers(len(words))] + endings[rng.integers(len(endings))])
            else:
                chosen.append(words[rng.integers(len(words))])
        sentences.append((chosen, [labels[i] for i in rng.integers(0, len(labels), size=length)]))
    return sentences


def spread(batches: list[list], count: int) -> list[list]:
    """``count`` of ``batches`` evenly over their widths (every ``len / count``-th, sorted by width)."""
    ranked = sorted(batches, key=lambda b: max(len(e.input_ids) for e in b))
    picks = np.linspace(0, len(ranked) - 1, count).round().astype(int)
    return [ranked[i] for i in picks]


# --------------------------------------------------------------------------- steps


def train_optimizer(model, learning_rate: float = 2e-5, total_updates: int = 10**6):
    """``finetune.train``'s AdamW and linear decay (over more updates than the benchmark makes)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.0, eps=1e-8)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: max(0.0, (total_updates - step) / total_updates))
    return optimizer, scheduler


def our_step(model, optimizer, scheduler, encoded: list, device: torch.device, pad_id: int = 0) -> None:
    """One update of ``mtickets.evaluation.finetune.train`` (dense model: ``language=None``)."""
    from mtickets.evaluation.finetune import train_step

    train_step(model, optimizer, scheduler, encoded, None, device, pad_id)


def hf_step(model, optimizer, inputs: dict[str, torch.Tensor], device: torch.device) -> None:
    """A plain ``BertForTokenClassification`` training loop's update on an already padded batch."""
    inputs = {k: v.to(device) for k, v in inputs.items()}
    loss = model(**inputs).loss
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


# --------------------------------------------------------------------------- 1. fine-tuning throughput


def bench_throughput(args, device: torch.device, tmp: Path) -> None:
    import transformers
    from transformers import BertConfig, BertForTokenClassification

    from mtickets.evaluation.finetune import encode_sentences, epoch_batches, pad, split_long_sentences
    from mtickets.formats.xtreme import NER_LABELS
    from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining, TicketBertForTokenClassification

    hidden, layers, heads, ffn, vocab_size = args.model
    batch, max_length = args.batch, args.max_length
    header(f"1. fine-tuning throughput vs transformers.BertForTokenClassification: pad, forward with labels, "
           f"backward, clip 1.0, AdamW, scheduler; hidden {hidden}, {heads} heads, FFN {ffn}, {layers} layers, "
           f"batch {batch}, max_length {max_length}, train mode (dropout 0.1), fp32, {device}")
    started = time.perf_counter()
    transformers.logging.set_verbosity_error()  # from_pretrained's load report (the new tagger) and progress bars
    transformers.logging.disable_progress_bar()
    tokenizer, words, endings = make_tokenizer(tmp / "tokenizer", vocab_size)
    label2id = {tag: i for i, tag in enumerate(NER_LABELS)}
    sentences = make_sentences(args.pool * batch, words, endings, NER_LABELS)
    pieces, _ = split_long_sentences(sentences, tokenizer, max_length)
    encoded = encode_sentences(pieces, tokenizer, label2id, max_length)
    pad_id = tokenizer.pad_token_id

    lengths = [len(e.input_ids) for e in encoded]

    def drawn(bucketed):  # an epoch's full batches, as train() draws them (epoch_batches, seeded)
        indices = epoch_batches(lengths, batch, torch.Generator().manual_seed(1), bucketed=bucketed)
        return [[encoded[i] for i in b] for b in indices if len(b) == batch]

    random_batches, bucketed = drawn(False), drawn(True)
    random_sample = random_batches[: args.per_call]
    bucketed_sample = spread(bucketed, args.per_call)
    padded = [pad(b, pad_id) for b in random_sample]

    def tokens(sample):  # real tokens, padded positions
        return (sum(len(e.input_ids) for b in sample for e in b),
                sum(len(b) * max(len(e.input_ids) for e in b) for b in sample))

    def epoch_width(all_batches):
        return sum(len(b) * max(len(e.input_ids) for e in b) for b in all_batches)

    real, random_padded = tokens(random_sample)
    _, bucketed_padded = tokens(bucketed_sample)

    torch.manual_seed(0)
    config = TicketBertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                              num_attention_heads=heads, intermediate_size=ffn, max_position_embeddings=512)
    TicketBertForPreTraining(config).save_pretrained(str(tmp / "pretrained"))
    ours = TicketBertForTokenClassification.from_pretrained(
        str(tmp / "pretrained"), num_labels=len(NER_LABELS), id2label=dict(enumerate(NER_LABELS)),
        label2id=label2id).to(device).train()
    hf = BertForTokenClassification(BertConfig(num_labels=len(NER_LABELS), **{key: getattr(config, key) for key in (
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
        "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
        "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id")})).to(device).train()
    ours_optimizer, ours_scheduler = train_optimizer(ours)
    hf_optimizer, _ = train_optimizer(hf)

    def ours_random():
        for b in random_sample:
            our_step(ours, ours_optimizer, ours_scheduler, b, device, pad_id)

    def hf_random():
        for inputs in padded:
            hf_step(hf, hf_optimizer, inputs, device)

    def ours_bucketed():
        for b in bucketed_sample:
            our_step(ours, ours_optimizer, ours_scheduler, b, device, pad_id)

    def pad_alone():
        for b in random_sample:
            pad(b, pad_id)

    times = interleaved({"ours": ours_random, "hf": hf_random, "bucketed": ours_bucketed, "pad": pad_alone},
                        args.repeats, device)
    sentences_per_call = args.per_call * batch

    def rate(name):
        return f"{sentences_per_call / min(times[name]):8.1f} sent/s"

    print(f"  {len(sentences)} sentences of 5-60 words -> {len(encoded)} pieces, {min(lengths)}-{max(lengths)} "
          f"sub-tokens (mean {statistics.mean(lengths):.1f}); vocabulary {len(tokenizer):,}; "
          f"{sum(p.numel() for p in ours.parameters()) / 1e6:.2f}M parameters; {args.per_call} batches per call, "
          f"{args.repeats} rounds after a warm-up round")
    row("ours, bucketed batches vs BertForTokenClassification", rate("bucketed"), rate("hf"),
        min(times["hf"]) / min(times["bucketed"]), "throughput (sentences/s, baseline time / ours); the target")
    row("ours vs BertForTokenClassification, same batches", rate("ours"), rate("hf"),
        min(times["hf"]) / min(times["ours"]), "throughput of the step alone (random batches both)")
    print(f"  {'':<54s} per call, medians: ours {median_ms(times['ours'])} ms, BertForTokenClassification "
          f"{median_ms(times['hf'])} ms; pad alone {1000 * min(times['pad']):.1f} ms per call "
          f"({min(times['pad']) / min(times['ours']):.1%} of ours)")
    row("bucketed vs random batches", rate("bucketed"), rate("ours"), min(times["ours"]) / min(times["bucketed"]),
        "throughput, same model (random time / bucketed)")
    print(f"  {'':<54s} padded positions per real token: random {random_padded / real:.2f}, bucketed "
          f"{bucketed_padded / real:.2f} (sampled); over the whole pool of {len(random_batches)} batches: random "
          f"{epoch_width(random_batches) / sum(lengths):.2f}, bucketed {epoch_width(bucketed) / sum(lengths):.2f}; "
          f"median bucketed call {median_ms(times['bucketed'])} ms")
    print(f"  {'':<54s} {time.perf_counter() - started:.0f} s for this section")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in seconds")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per comparison")
    parser.add_argument("--per-call", type=int, default=None, help="batches per timed call")
    parser.add_argument("--pool", type=int, default=50, help="batches' worth of sentences in the pool")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.quick:  # hidden, layers, heads, FFN, vocabulary
        args.model, args.batch, args.max_length = (64, 2, 4, 256, 1000), 16, 128
        args.repeats, args.per_call = args.repeats or 3, args.per_call or 10
    else:
        args.model, args.batch, args.max_length = (768, 2, 12, 3072, 30522), 32, 128
        args.repeats, args.per_call = args.repeats or 3, args.per_call or 5
    args.per_call = min(args.per_call, args.pool)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"bench/finetune.py: torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, "
          f"{'quick' if args.quick else 'full'} run, load average {load:.2f}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-finetune-") as tmp:
        bench_throughput(args, device, Path(tmp))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; peak RSS of this process {usage.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
