"""Score the structured units (qk dims, v dims, FFN units) of a model with a zero-cost proxy.

One proxy is one function registered by name in ``PROXIES`` (the importance/pruner split
of Torch-Pruning): it gets the loaded model and the request and returns a 1-D float32
score per ticket key (``layer.{k}.qk``, ``layer.{k}.v``, ``layer.{k}.ffn``) plus metadata.

- ``snip`` (the method, paper Eq. 4-5): all unit masks at 1, the pretraining loss (MLM
  with dynamic 15% 80/10/10 masking + NSP) on the language's shard examples, and the
  score ``|Σ_batches ∂L/∂m|`` (``--accumulate abs_of_sum``, what the authors' code does)
  or ``Σ_batches |∂L/∂m|`` (``sum_of_abs``), over the first ``--tokens`` non-pad tokens
  of the shard directory in file order (the shards stage already shuffled the
  examples). The MLM head runs on the masked positions only (the same loss as BERT's,
  without ``[batch, length, vocab]`` logits); only the masks get gradients.
  Dropout (``--dropout``): ``off`` (default) scores the deterministic network, as SNIP
  at initialisation is usually computed; ``on`` keeps the model's dropout
  probabilities (seeded with ``--seed``), closer to the pretraining loss.
  Resumable: every ``--checkpoint-every`` batches the partial sums, tokens seen, the
  batch position and the RNG states are written atomically to ``{out}.partial``; a
  rerun with the same request, the same model weights and the same shard content
  resumes from it and the result equals an uninterrupted run's (a partial of anything
  else is ignored with a warning naming what differs). It is deleted once the
  output is written. One process at a time scores an output: a second stops, naming
  the holder of ``{out}.lock``.
- ``random``: seeded uniform scores; the seed is mixed with the language so languages
  differ and each is reproducible.
- ``magnitude``: input-invariant, the L2 norm of the weights a unit owns at init (qk dim
  d: row d of W_Q and W_K with biases; v dim d: row d of W_V with bias and column d of
  W_O; FFN unit j: row j of W_1 with b_1[j] and column j of W_2). Every language gets
  the same scores.

Output: safetensors with float32 1-D tensors per key and string metadata (language,
proxy, tokens_seen, batches, accumulate, seed, ...).
"""

from __future__ import annotations

import argparse
import logging
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mtickets.errors import MticketsError
from mtickets.options import add_options, from_arguments, option
from mtickets.progress import progress
from mtickets.formats.atomic import exclusive_lock, lock_path, partial_path
from mtickets.formats.fingerprint import state_dict_sha256
from mtickets.formats.shards import ShardDirectory, open_shards
from mtickets.formats.tensors import save_safetensors
from mtickets.formats.special_tokens import SpecialTokens, check_agree

if TYPE_CHECKING:
    import torch

# torch is imported inside the functions: the workflow reads PROXIES (rules/common.smk)
# each time Snakemake parses it, which must not cost a torch import.

log = logging.getLogger(__name__)

ACCUMULATE = ("abs_of_sum", "sum_of_abs")
DROPOUT = ("off", "on")


@dataclass
class ScoringOptions:
    """``mtickets score``'s flags besides the proxy, model, language and output (``mtickets.options``),
    and the ``scoring`` config keys of the same names (a test checks the schema's defaults against these)."""

    shards: Path | None = option(None, help="the language's shard directory (snip only)")
    tokens: int = option(2_500_000, help="non-pad tokens to score on (snip)")
    min_tokens: int = option(0, help="a corpus of fewer wordpieces (the shard manifest's count) is an error, "
                                     "before any scoring; the workflow passes the scoring budget")
    batch_size: int = option(32, help="examples per batch (snip)")
    accumulate: str = option("abs_of_sum", choices=ACCUMULATE,
                             help="|sum of batch gradients| (authors' code) or sum of |batch gradients|")
    dropout: str = option("off", choices=DROPOUT, help="dropout while scoring (snip)")
    mlm_probability: float = option(0.15, help="MLM masking rate (snip)")
    checkpoint_every: int = option(20, help="batches between checkpoints of the partial sums in {out}.partial (snip)")
    device: str = option("auto", help="auto (cuda if available, else cpu), cpu, cuda, cuda:N or xla (TPU)")
    seed: int = option(0, help="seed of MLM masking / dropout / random scores")


@dataclass
class ScoreRequest:
    """What a proxy needs besides the model; the defaults are the command line's."""

    language: str
    shards: Path | None = None
    tokens: int = ScoringOptions.tokens
    batch_size: int = ScoringOptions.batch_size
    seed: int = ScoringOptions.seed
    accumulate: str = ScoringOptions.accumulate
    dropout: bool = False
    mlm_probability: float = ScoringOptions.mlm_probability
    device: str = "cpu"  # resolved: not "auto"
    checkpoint: Path | None = None  # partial sums file (snip); None: no checkpoints
    checkpoint_every: int = ScoringOptions.checkpoint_every  # batches between checkpoints


ScoreFunction = Callable[["torch.nn.Module", ScoreRequest], tuple[dict[str, "torch.Tensor"], dict]]


@dataclass(frozen=True)
class Proxy:
    """A registered proxy: what the workflow and the command line need to know of it."""

    name: str
    reads_shards: bool  # scores depend on the language's data (else: only on the model and seed)
    summary: str  # the first line of the function's docstring
    score: ScoreFunction


PROXIES: dict[str, Proxy] = {}


def register(name: str, *, reads_shards: bool) -> Callable[[ScoreFunction], ScoreFunction]:
    """Decorator: make a proxy available as ``mtickets score --proxy NAME`` and as a ticket ``proxy``."""

    def decorate(function: ScoreFunction) -> ScoreFunction:
        PROXIES[name] = Proxy(name, reads_shards, function.__doc__.strip().splitlines()[0], function)
        return function

    return decorate


# --------------------------------------------------------------------------- shard examples


def token_batches(
    shards: ShardDirectory, batch_size: int, tokens: int
) -> Iterator[list[tuple[list[int], list[int], int]]]:
    """Batches of examples until ``tokens`` non-pad tokens are reached (the last batch may be short)."""
    seen, batch = 0, []
    for example in shards.iter_examples():
        if seen >= tokens:
            break
        batch.append(example)
        seen += len(example[0])
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


# --------------------------------------------------------------------------- proxies


def unit_dims(model) -> dict[str, int]:
    from mtickets.modeling import ticket_dims

    return ticket_dims(model.config)


@register("snip", reads_shards=True)
def snip(model, request: ScoreRequest) -> tuple[dict[str, torch.Tensor], dict]:
    """|Σ ∂L/∂m| (or Σ|∂L/∂m|) of all-ones unit masks under the pretraining loss."""
    import torch
    from mtickets.training.masking import mask_tokens, pad_batch, special_tokens_mask
    from mtickets.modeling import needs_language

    if request.shards is None:
        raise MticketsError("--proxy snip needs --shards DIR (the language's shard directory)")
    if request.accumulate not in ACCUMULATE:
        raise MticketsError(f"--accumulate {request.accumulate!r}: expected one of {', '.join(ACCUMULATE)}")
    shards = open_shards(request.shards)
    if shards.language != request.language:
        raise MticketsError(
            f"--shards {request.shards} holds language '{shards.language}', not --lang {request.language}"
        )
    vocab_size = int(model.config.vocab_size)
    if shards.vocab_size != vocab_size:
        raise MticketsError(
            f"--shards {request.shards} was made with a {shards.vocab_size}-token vocabulary but the model "
            f"has vocab_size {vocab_size}; use shards and model built from the same tokenizer"
        )
    specials = shards.special_tokens
    check_agree(specials, f"--shards {request.shards}", SpecialTokens.from_config(model.config, "--model"),
                "the model")

    device = torch.device(request.device)
    model.to(device)
    model.train(request.dropout)
    for parameter in model.parameters():  # only the masks' gradients are needed
        parameter.requires_grad_(False)
    dims = unit_dims(model)
    # A model with a language embedding scores with the language's row, as it will be trained.
    language = request.language if needs_language(model.config) else None
    masks = {key: torch.ones(dim, device=device, requires_grad=True) for key, dim in dims.items()}
    totals = {key: torch.zeros(dim, dtype=torch.float64, device=device) for key, dim in dims.items()}
    generator = torch.Generator().manual_seed(request.seed)  # MLM masking
    torch.manual_seed(request.seed)  # dropout, when on

    seen = batches = 0
    fingerprint = _fingerprint(model, request, shards)
    resumed = _load_partial(request.checkpoint, fingerprint, dims, device) if request.checkpoint else None
    if resumed is not None:
        partial_totals, seen, batches, rng = resumed
        for key in totals:
            totals[key].copy_(partial_totals[key])
        generator.set_state(rng["mlm"])
        torch.set_rng_state(rng["cpu"])
        if "cuda" in rng and device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"], device)
        log.info("%s: resuming SNIP of '%s' after batch %d (%d tokens)", request.checkpoint, request.language,
                 batches, seen)
    bar = progress(total=request.tokens, initial=seen, desc=f"snip {request.language}", unit="tok")
    for position, batch in enumerate(token_batches(shards, request.batch_size, request.tokens)):
        if position < batches:  # already summed before the interruption
            continue
        ids, types, attention = pad_batch([e[0] for e in batch], [e[1] for e in batch], specials.pad)
        masked, labels = mask_tokens(
            ids, special_tokens_mask(ids, attention, specials.never_masked), vocab_size, request.mlm_probability,
            generator, mask_token_id=specials.mask,
        )
        nsp = torch.tensor([int(e[2]) for e in batch], dtype=torch.long)
        loss = pretraining_loss(
            model, masked.to(device), attention.to(device), types.to(device), labels.to(device), nsp.to(device),
            unit_masks=masks, language=language,
        )
        grads = torch.autograd.grad(loss, list(masks.values()))
        for key, grad in zip(masks, grads):
            totals[key] += grad.double() if request.accumulate == "abs_of_sum" else grad.double().abs()
        tokens = int(attention.sum())
        seen += tokens
        batches += 1
        bar.update(tokens)
        if request.checkpoint and batches % max(1, request.checkpoint_every) == 0:
            _save_partial(request.checkpoint, fingerprint, totals, seen, batches, generator, device)
    bar.close()
    if batches == 0:
        raise MticketsError(f"--shards {request.shards}: no examples; the corpus of '{request.language}' is empty")
    if seen < request.tokens:
        log.warning(
            "%s: only %d tokens of '%s' in the shards, fewer than --tokens %d; scoring with all of them",
            request.shards, seen, request.language, request.tokens,
        )
    scores = {key: total.abs().float().cpu() for key, total in totals.items()}
    return scores, {"tokens_seen": seen, "batches": batches, "accumulate": request.accumulate,
                    "dropout": "on" if request.dropout else "off", "tokens_requested": request.tokens}


def pretraining_loss(model, input_ids, attention_mask, token_type_ids, labels, next_sentence_label, unit_masks=None,
                     language=None) -> torch.Tensor:
    """MLM + NSP loss as ``model(...).loss``, the MLM head applied to the masked positions only.

    The heads act position-wise (no dropout in the prediction head), so the loss is the
    same; ``[batch, length, vocab]`` logits are never built. A model without ``bert`` /
    ``cls`` goes through its ``forward``.
    """
    import torch

    heads = getattr(model, "cls", None)
    if getattr(model, "bert", None) is None or heads is None:
        return model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                     unit_masks=unit_masks, language=language, labels=labels,
                     next_sentence_label=next_sentence_label).loss
    from mtickets.modeling import full_precision

    encoded = model.bert(input_ids, attention_mask, token_type_ids, language=language, unit_masks=unit_masks)
    selected = labels != -100
    nsp_logits = heads.seq_relationship(encoded.pooler_output)
    loss = torch.nn.functional.cross_entropy(full_precision(nsp_logits), next_sentence_label.reshape(-1).long())
    if bool(selected.any()):
        logits = heads.predictions(encoded.last_hidden_state[selected])
        loss = loss + torch.nn.functional.cross_entropy(full_precision(logits), labels[selected])
    else:
        loss = loss + encoded.last_hidden_state.sum() * 0.0
    return loss


# --------------------------------------------------------------------------- resumable partial sums


def _fingerprint(model, request: ScoreRequest, shards: ShardDirectory) -> dict[str, str]:
    """What must match for a partial result to be resumed: the request and the content of model and shards."""
    return {
        "language": request.language, "tokens": str(request.tokens), "batch_size": str(request.batch_size),
        "seed": str(request.seed), "accumulate": request.accumulate, "dropout": str(bool(request.dropout)),
        "mlm_probability": repr(float(request.mlm_probability)), "model": state_dict_sha256(model),
        "shards": shards.digest,
    }


def _save_partial(path: Path, fingerprint: dict[str, str], totals: dict[str, torch.Tensor], seen: int,
                  batches: int, generator: torch.Generator, device: torch.device) -> None:
    import torch

    tensors = {f"total.{key}": value.detach().cpu() for key, value in totals.items()}
    tensors["rng.mlm"] = generator.get_state()
    tensors["rng.cpu"] = torch.get_rng_state()
    if device.type == "cuda":
        tensors["rng.cuda"] = torch.cuda.get_rng_state(device)
    metadata = {**{f"request.{k}": v for k, v in fingerprint.items()}, "tokens_seen": str(seen),
                "batches": str(batches)}
    save_safetensors(tensors, path, metadata)


def _load_partial(path: Path, fingerprint: dict[str, str], dims: dict[str, int], device: torch.device):
    """``(totals, tokens seen, batches, rng states)`` of a matching partial file, else None."""
    import torch
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception as error:  # safetensors raises its own error types
        log.warning("%s: unreadable partial SNIP sums (%s); starting over", path, error)
        return None
    stored = {k[len("request."):]: v for k, v in metadata.items() if k.startswith("request.")}
    if stored != fingerprint:
        differ = sorted(k for k in set(stored) | set(fingerprint) if stored.get(k) != fingerprint.get(k))
        log.warning("%s: partial SNIP sums of another request (differs in %s); starting over", path,
                    ", ".join(differ))
        return None
    totals = {key: tensors.get(f"total.{key}") for key in dims}
    if any(t is None or tuple(t.shape) != (dim,) for t, dim in zip(totals.values(), dims.values())):
        log.warning("%s: partial SNIP sums do not fit this model; starting over", path)
        return None
    rng = {name: tensors[f"rng.{name}"] for name in ("mlm", "cpu", "cuda") if f"rng.{name}" in tensors}
    return ({k: v.to(device, torch.float64) for k, v in totals.items()}, int(metadata["tokens_seen"]),
            int(metadata["batches"]), rng)


def language_seed(seed: int, language: str) -> int:
    """A reproducible per-language seed (crc32, not Python's salted hash)."""
    return (int(seed) * 1_000_003 + zlib.crc32(language.encode("utf-8"))) % (2**63)


@register("random", reads_shards=False)
def random_scores(model, request: ScoreRequest) -> tuple[dict[str, torch.Tensor], dict]:
    """Uniform [0, 1) scores from a generator seeded with (seed, language)."""
    import torch

    generator = torch.Generator().manual_seed(language_seed(request.seed, request.language))
    scores = {key: torch.rand(dim, generator=generator) for key, dim in unit_dims(model).items()}
    return scores, {"tokens_seen": 0, "batches": 0}


def _sq(tensor: torch.Tensor, dim: int | None = None) -> torch.Tensor:

    tensor = tensor.detach().double()
    return tensor.pow(2) if dim is None else tensor.pow(2).sum(dim=dim)


@register("magnitude", reads_shards=False)
def magnitude(model, request: ScoreRequest) -> tuple[dict[str, torch.Tensor], dict]:
    """L2 norm of the weights each unit owns (input-invariant, the same for every language)."""

    scores = {}
    for k, layer in enumerate(model.base_model.encoder.layer):
        attention = layer.attention.self
        w_o = layer.attention.output.dense.weight
        qk = (_sq(attention.query.weight, 1) + _sq(attention.query.bias)
              + _sq(attention.key.weight, 1) + _sq(attention.key.bias))
        v = _sq(attention.value.weight, 1) + _sq(attention.value.bias) + _sq(w_o, 0)
        w_1, w_2 = layer.intermediate.dense, layer.output.dense
        ffn = _sq(w_1.weight, 1) + _sq(w_1.bias) + _sq(w_2.weight, 0)
        for name, value in (("qk", qk), ("v", v), ("ffn", ffn)):
            scores[f"layer.{k}.{name}"] = value.sqrt().float().cpu()
    return scores, {"tokens_seen": 0, "batches": 0}


# --------------------------------------------------------------------------- driver


def load_model(directory: str | Path):
    from mtickets.modeling import TicketBertForPreTraining

    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise MticketsError(
            f"--model {directory}: not a save_pretrained model directory (no config.json); run `mtickets init`"
        )
    try:
        return TicketBertForPreTraining.from_pretrained(str(directory))
    except (OSError, ValueError) as error:
        raise MticketsError(f"--model {directory}: cannot load a ticket-bert model ({error})") from None


def score_units(model, proxy: str, request: ScoreRequest) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Run a registered proxy; returns (scores, safetensors metadata)."""
    import torch

    if proxy not in PROXIES:
        raise MticketsError(f"--proxy {proxy!r}: unknown; available: {', '.join(sorted(PROXIES))}")
    scores, extra = PROXIES[proxy].score(model, request)
    expected = unit_dims(model)
    for key, dim in expected.items():
        if key not in scores or tuple(scores[key].shape) != (dim,):
            raise RuntimeError(f"proxy {proxy} returned no {dim}-dim score for {key}")
        if not bool(torch.isfinite(scores[key]).all()):
            raise MticketsError(f"proxy {proxy} gave non-finite scores for {key} of '{request.language}'")
    metadata = {"language": request.language, "proxy": proxy, "seed": request.seed,
                "accumulate": request.accumulate, **extra}
    return {key: scores[key].float().contiguous() for key in expected}, {k: str(v) for k, v in metadata.items()}


def check_corpus_size(shards: ShardDirectory, language: str, min_tokens: int) -> None:
    if shards.tokens < min_tokens:
        raise MticketsError(
            f"language '{language}': {shards.path} holds {shards.tokens} corpus wordpieces, fewer than "
            f"--min-tokens {min_tokens} (the scoring budget, scoring.tokens); add text for '{language}', "
            f"drop it from the languages, or lower scoring.tokens"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--proxy", required=True, choices=sorted(PROXIES), help="zero-cost proxy")
    parser.add_argument("--model", required=True, help="save_pretrained directory of the initialised model")
    parser.add_argument("--lang", required=True, help="language code")
    add_options(parser, ScoringOptions)
    parser.add_argument("--out", required=True, help="output .safetensors path")


def main(args: argparse.Namespace) -> None:
    options = from_arguments(ScoringOptions, args)
    if options.tokens <= 0 or options.batch_size <= 0 or options.checkpoint_every <= 0:
        raise MticketsError("--tokens, --batch-size and --checkpoint-every must be positive")
    if options.shards and options.min_tokens:
        check_corpus_size(open_shards(options.shards), args.lang, options.min_tokens)
    # One process resumes and writes {out}.partial at a time (two would overwrite each other's sums).
    with exclusive_lock(lock_path(args.out), args.out):
        _score(args, options)


def _score(args: argparse.Namespace, options: ScoringOptions) -> None:
    from mtickets.device import resolve_device

    model = load_model(args.model)
    request = ScoreRequest(
        language=args.lang,
        shards=options.shards,
        tokens=options.tokens,
        batch_size=options.batch_size,
        seed=options.seed,
        accumulate=options.accumulate,
        dropout=options.dropout == "on",
        mlm_probability=options.mlm_probability,
        device=str(resolve_device(options.device)) if PROXIES[args.proxy].reads_shards else "cpu",
        checkpoint=partial_path(args.out),
        checkpoint_every=options.checkpoint_every,
    )
    scores, metadata = score_units(model, args.proxy, request)
    metadata["model"] = str(args.model)
    save_safetensors(scores, args.out, metadata)
    partial_path(args.out).unlink(missing_ok=True)
    log.info("%s scores of '%s' (%s tokens) -> %s", args.proxy, args.lang, metadata["tokens_seen"], args.out)
