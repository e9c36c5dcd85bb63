"""The ticket BERT, laid out like a Hugging Face model folder, and what mtickets builds on it.

- ``configuration_ticket_bert.py``: ``TicketBertConfig``.
- ``modeling_ticket_bert.py``: the BERT with its ticket bank or language embedding
  (``TicketBertModel``, ``TicketBertForPreTraining``, ``TicketBertForTokenClassification``);
  ``needs_language`` / ``language_problem``: whether and with which ``language=`` to run a model.
- ``gather.py``: heads of uneven width and the gathered ticket path.
- ``errors.py``: ``MticketsError``.

``save_pretrained`` copies these four files into the model directory (they import only
each other, relatively, and nothing of mtickets), so a model directory loads with
``AutoModelForPreTraining.from_pretrained(dir, trust_remote_code=True)`` without mtickets.
The rest is mtickets' own and never copied: ``export.py`` (the ``mtickets export`` stage)
and ``accounting.py`` (parameter and FLOP counts).

Names are imported on first use, as in transformers' own model folders, so that
``mtickets.errors`` (which takes its class from ``errors.py`` here) loads no torch: light
stages such as ``mtickets download`` start without it. The first name looked up here (but
``MticketsError``) also registers the classes with transformers' Auto classes, so that in
a process that uses mtickets ``AutoModel.from_pretrained(dir)`` builds mtickets' classes
without ``trust_remote_code``.
"""

from __future__ import annotations

import importlib

_MODEL_NAMES = (
    "COMPONENTS",
    "TicketBertForPreTraining",
    "TicketBertForPreTrainingOutput",
    "TicketBertForTokenClassification",
    "TicketBertModel",
    "TicketBertPreTrainedModel",
    "language_problem",
    "needs_language",
    "ticket_dims",
    "ticket_keys",
)
_GATHER_NAMES = ("HeadLayout", "full_precision", "head_width")

# Public name → the submodule defining it.
_EXPORTS = {
    "TicketBertConfig": "configuration_ticket_bert",
    "MticketsError": "errors",
    **dict.fromkeys(_MODEL_NAMES, "modeling_ticket_bert"),
    **dict.fromkeys(_GATHER_NAMES, "gather"),
}
__all__ = sorted(_EXPORTS)


def _register_auto_classes() -> None:
    """Make transformers' Auto classes build mtickets' classes for ``model_type`` ticket-bert (idempotent)."""
    from transformers import AutoConfig, AutoModel, AutoModelForPreTraining, AutoModelForTokenClassification

    from .modeling_ticket_bert import (
        TicketBertConfig,
        TicketBertForPreTraining,
        TicketBertForTokenClassification,
        TicketBertModel,
    )

    AutoConfig.register(TicketBertConfig.model_type, TicketBertConfig, exist_ok=True)
    AutoModel.register(TicketBertConfig, TicketBertModel, exist_ok=True)
    AutoModelForPreTraining.register(TicketBertConfig, TicketBertForPreTraining, exist_ok=True)
    AutoModelForTokenClassification.register(TicketBertConfig, TicketBertForTokenClassification, exist_ok=True)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _EXPORTS[name] != "errors":  # everything but the error class needs torch anyway
        _register_auto_classes()
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
