"""Export one language's ticket as a compact model: only the kept units' weights.

``mtickets export --model DIR --lang en --out DIR`` reads a ticket model (a
``save_pretrained`` directory of ``TicketBertForPreTraining``,
``TicketBertForTokenClassification`` or ``TicketBertModel`` with a ticket bank) and
writes the same architecture, physically smaller: per layer only the kept rows of W_Q,
W_K (and their biases), W_V, W_1 and the matching columns of W_O and W_2. Its config
records the shapes in ``unit_layout`` (per layer ``{"qk": [dims kept by each head], "v":
[...], "ffn": units}``) and the language in ``ticket_language``; it has no ticket bank.
Embeddings, LayerNorms, output biases, the pooler and the heads are copied unchanged; a
language embedding's row of that language is folded into the token-type embeddings (see
``fold_language_row``). A dense model, with or without a language embedding, has no ticket
to export: export refuses it.

The export computes exactly what the ticket model computes for that language (the same
attention code: heads keep their own number of dims, with the full head's 1/√d scale),
at the ticket's FLOPs. It loads with ``from_pretrained`` like any ticket-bert
directory, runs dense (``language=None`` or its own language) and fine-tunes:
``TicketBertForTokenClassification.from_pretrained(out, num_labels=...)`` on an exported
pretraining model gives a tagger on the compact encoder. Tokenizer files found in
``--model`` are copied along, and ``save_pretrained`` adds the model code, so the
directory is self-contained (``trust_remote_code=True`` loads it without mtickets).
Written atomically.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import torch

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_dir
from mtickets.formats.model_files import copy_tokenizer_files

log = logging.getLogger(__name__)


def unit_layout(ticket: dict[str, torch.Tensor], config) -> list[dict]:
    """Per layer ``{"qk": [kept dims per head], "v": [...], "ffn": kept units}`` of a ticket row."""
    heads = config.num_attention_heads
    layout = []
    for k in range(config.num_hidden_layers):
        qk, v, ffn = (torch.as_tensor(ticket[f"layer.{k}.{c}"]) != 0 for c in ("qk", "v", "ffn"))
        layout.append({
            "qk": [int(c) for c in qk.reshape(heads, -1).sum(dim=1).tolist()],
            "v": [int(c) for c in v.reshape(heads, -1).sum(dim=1).tolist()],
            "ffn": int(ffn.sum()),
        })
    return layout


def compact_state_dict(state: dict[str, torch.Tensor], ticket: dict[str, torch.Tensor], prefix: str,
                       layers: int) -> dict[str, torch.Tensor]:
    """``state`` with each layer's weights cut to the ticket's units and the ticket bank left out.

    ``prefix`` is the encoder's key prefix (``"bert."`` in the task models, ``""`` in a
    bare ``TicketBertModel``).
    """
    out = {key: value for key, value in state.items() if ".tickets.layer." not in f".{key}"}
    for k in range(layers):
        base = f"{prefix}encoder.layer.{k}."
        qk, v, ffn = (torch.nonzero(torch.as_tensor(ticket[f"layer.{k}.{c}"]) != 0).reshape(-1)
                      for c in ("qk", "v", "ffn"))
        rows = {"attention.self.query": qk, "attention.self.key": qk, "attention.self.value": v,
                "intermediate.dense": ffn}
        for name, index in rows.items():
            for suffix in ("weight", "bias"):
                key = f"{base}{name}.{suffix}"
                out[key] = state[key].index_select(0, index.to(state[key].device)).clone()
        for name, index in (("attention.output.dense", v), ("output.dense", ffn)):
            key = f"{base}{name}.weight"
            out[key] = state[key].index_select(1, index.to(state[key].device)).clone()
    return out


def fold_language_row(state: dict[str, torch.Tensor], prefix: str, row: int) -> dict[str, torch.Tensor]:
    """``state`` without the language embedding, its row ``row`` added to every token-type row.

    Every token adds exactly one token-type row before the LayerNorm, so the sums, hence the
    outputs, stay those of the language's batches; the compact model needs no ``language=``.
    """
    out = dict(state)
    language_row = out.pop(f"{prefix}embeddings.language_embeddings.weight")[row]
    types = f"{prefix}embeddings.token_type_embeddings.weight"
    out[types] = out[types] + language_row
    return out


def export_ticket(model, language: str):
    """A compact copy of ``model`` (any ticket-bert class) holding only ``language``'s ticket."""
    from mtickets.modeling import TicketBertModel, language_problem

    config = model.config
    if getattr(config, "unit_layout", None):
        raise MticketsError(
            f"this model is already a compact export (of '{config.ticket_language}'); export from the ticket model"
        )
    ticket = {key: value.detach().cpu() for key, value in model.ticket(language).items()}
    problem = language_problem(config, language)  # the ticket exists; a language embedding may lack the row
    if problem:
        raise MticketsError(problem)
    compact_config = config.__class__.from_dict(config.to_dict())
    compact_config.languages = []
    compact_config.language_embedding, compact_config.embedding_languages = False, []
    compact_config.unit_layout = unit_layout(ticket, config)
    compact_config.ticket_language = language
    compact_config.default_language = None  # the compact model is its language's ticket: it needs none
    torch.manual_seed(0)  # new modules are overwritten below; seeded so nothing depends on global state
    compact = model.__class__(compact_config)
    prefix = "" if isinstance(model, TicketBertModel) else f"{model.base_model_prefix}."
    state = compact_state_dict(model.state_dict(), ticket, prefix, config.num_hidden_layers)
    if config.language_embedding:
        state = fold_language_row(state, prefix, config.embedding_languages.index(language))
    missing, unexpected = compact.load_state_dict(state, strict=False)
    # The MLM decoder weight is tied to the word embeddings and may be absent from the state dict.
    missing = [key for key in missing if key != "cls.predictions.decoder.weight"]
    if missing or unexpected:
        raise RuntimeError(f"compact export: missing {missing}, unexpected {unexpected}")
    compact.tie_weights()
    compact.to(next(model.parameters()).dtype)
    return compact.train(model.training)


def load_ticket_model(directory: str | Path):
    """The model class named in the config's ``architectures`` (default: TicketBertForPreTraining)."""
    from mtickets import modeling

    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise MticketsError(f"--model {directory}: not a save_pretrained model directory (no config.json)")
    try:
        config = modeling.TicketBertConfig.from_pretrained(str(directory))
        names = list(getattr(config, "architectures", None) or ["TicketBertForPreTraining"])
        cls = getattr(modeling, names[0], None)
        if cls is None or not isinstance(cls, type) or not issubclass(cls, modeling.TicketBertPreTrainedModel):
            raise MticketsError(f"--model {directory}: architecture {names[0]} is not a ticket-bert model")
        return cls.from_pretrained(str(directory))
    except (OSError, ValueError) as error:
        raise MticketsError(f"--model {directory}: cannot load a ticket-bert model ({error})") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="save_pretrained directory of a ticket model")
    parser.add_argument("--lang", required=True, help="the language whose ticket to export")
    parser.add_argument("--out", required=True, help="output save_pretrained directory (compact model)")


def main(args: argparse.Namespace) -> None:
    from mtickets.modeling.accounting import count_parameters

    model = load_ticket_model(args.model).eval()
    compact = export_ticket(model, args.lang)
    source = Path(args.model)
    with atomic_dir(args.out) as tmp:
        compact.save_pretrained(str(tmp))
        copy_tokenizer_files(source, tmp)
    full = count_parameters(model.config)
    kept = count_parameters(compact.config)
    log.info(
        "exported the ticket of '%s' from %s: %d of %d encoder parameters (%.1f%%) -> %s",
        args.lang, args.model, kept, full, 100.0 * kept / full, args.out,
    )
