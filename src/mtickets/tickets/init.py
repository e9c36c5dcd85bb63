"""Initialise a TicketBertForPreTraining (random BERT init, seeded) and save it.

``--model-config`` is a JSON object of ``TicketBertConfig`` fields (inline JSON or a
path to a .json file); ``vocab_size`` and the special token ids come from the
tokenizer directory. The same config and seed give identical weights.

A dense model told the language: ``"language_embedding": true`` with
``"embedding_languages": [the pretraining languages]``, the rows of its embedding (the
workflow's init rule adds them). Its other weights are those the same seed gives without it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path

import torch

from mtickets.formats.atomic import atomic_dir
from mtickets.errors import MticketsError
from mtickets.formats.model_files import copy_tokenizer_files
from mtickets.formats.special_tokens import SpecialTokens

log = logging.getLogger(__name__)


def read_model_config(spec: str) -> dict:
    """Inline JSON or a path to a JSON file → dict."""
    path = Path(spec)
    source = "--model-config"
    text = spec
    if not spec.lstrip().startswith("{"):
        if not path.is_file():
            raise MticketsError(f"--model-config {spec!r}: neither a JSON object nor an existing .json file")
        text, source = path.read_text(encoding="utf-8"), str(path)
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as error:
        raise MticketsError(f"{source}: not valid JSON ({error})") from None
    if not isinstance(fields, dict):
        raise MticketsError(f"{source}: expected a JSON object of model config fields")
    return fields


def read_tokenizer(directory: str | Path) -> tuple[int, SpecialTokens]:
    """The vocabulary size and special token ids of a tokenizer directory."""
    from transformers import BertTokenizerFast

    directory = Path(directory)
    if not directory.is_dir():
        raise MticketsError(f"--tokenizer {directory}: not a directory; run `mtickets tokenizer` first")
    try:
        tokenizer = BertTokenizerFast.from_pretrained(str(directory))
    except (OSError, ValueError) as error:
        raise MticketsError(f"--tokenizer {directory}: cannot load a BertTokenizerFast ({error})") from None
    return len(tokenizer), SpecialTokens.from_vocab(tokenizer.get_vocab(), f"--tokenizer {directory}")


def build_config(fields: dict, vocab_size: int, special_tokens: SpecialTokens, source: str = "--model-config"):
    """A TicketBertConfig from user fields and the tokenizer's vocabulary size and special token ids.

    Unknown fields, and a vocab_size or special token id that disagrees with the tokenizer, are errors.
    """
    from mtickets.modeling import TicketBertConfig

    known = {f.name for f in dataclasses.fields(TicketBertConfig)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise MticketsError(f"{source}: unknown model config field(s) {', '.join(unknown)}")
    if "vocab_size" in fields and int(fields["vocab_size"]) != vocab_size:
        raise MticketsError(
            f"{source}: vocab_size {fields['vocab_size']} disagrees with the tokenizer's {vocab_size} tokens; "
            "make them agree (in the pipeline: tokenizer.vocab_size in the config), or drop vocab_size "
            "to take the tokenizer's"
        )
    tokenizer_ids = special_tokens.to_config()
    differ = [f"{key} {fields[key]} (the tokenizer's: {value})" for key, value in tokenizer_ids.items()
              if key in fields and fields[key] != value]
    if differ:
        raise MticketsError(f"{source}: {', '.join(differ)} disagree with the tokenizer; drop them to take "
                            "the tokenizer's")
    fields = {**fields, "vocab_size": vocab_size, **tokenizer_ids}
    if bool(fields.get("language_embedding")) != bool(fields.get("embedding_languages")):
        raise MticketsError(
            f"{source}: language_embedding true needs embedding_languages (the pretraining languages, its "
            "rows), and embedding_languages needs language_embedding true; give both or neither"
        )
    hidden, heads = int(fields.get("hidden_size", 768)), int(fields.get("num_attention_heads", 12))
    if heads <= 0 or hidden % heads:
        raise MticketsError(f"{source}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
    return TicketBertConfig(**fields)


def init_model(config, seed: int):
    """A freshly initialised TicketBertForPreTraining; the same seed gives the same weights."""
    from mtickets.modeling import TicketBertForPreTraining

    torch.manual_seed(seed)
    return TicketBertForPreTraining(config)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-config", required=True, help="JSON object (or .json file) of TicketBertConfig fields")
    parser.add_argument("--tokenizer", required=True, help="tokenizer directory (vocab size)")
    parser.add_argument("--seed", type=int, required=True, help="initialisation seed")
    parser.add_argument("--out", required=True, help="output save_pretrained directory")


def main(args: argparse.Namespace) -> None:
    fields = read_model_config(args.model_config)
    vocab_size, special_tokens = read_tokenizer(args.tokenizer)
    config = build_config(fields, vocab_size, special_tokens)
    model = init_model(config, args.seed)
    with atomic_dir(args.out) as tmp:
        model.save_pretrained(str(tmp))
        copy_tokenizer_files(args.tokenizer, tmp)  # so that AutoTokenizer.from_pretrained(out) works
    params = sum(p.numel() for p in model.parameters())
    told = f", a language embedding of {', '.join(config.embedding_languages)}" if config.language_embedding else ""
    log.info(
        "initialised %d-layer ticket-bert (hidden %d, vocab %d, %d parameters, seed %d%s) -> %s",
        config.num_hidden_layers, config.hidden_size, vocab_size, params, args.seed, told, args.out,
    )
