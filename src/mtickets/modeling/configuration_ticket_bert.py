"""Configuration of the ticket BERT: BERT's fields, the ticket bank's languages, the ticket execution,
the language embedding.

Part of the model code ``save_pretrained`` copies into every model directory (with
``modeling_ticket_bert.py``, ``gather.py`` and ``errors.py``): it imports nothing of
mtickets, so ``AutoConfig.from_pretrained(dir, trust_remote_code=True)`` works without it.
"""

from __future__ import annotations

from dataclasses import field

from transformers import PretrainedConfig

# The Auto classes one model directory serves (with ``trust_remote_code=True``), whichever
# class saved it: a pretraining checkpoint also loads as a bare encoder or a tagger to fine-tune.
AUTO_MAP = {
    "AutoConfig": "configuration_ticket_bert.TicketBertConfig",
    "AutoModel": "modeling_ticket_bert.TicketBertModel",
    "AutoModelForPreTraining": "modeling_ticket_bert.TicketBertForPreTraining",
    "AutoModelForTokenClassification": "modeling_ticket_bert.TicketBertForTokenClassification",
}


class TicketBertConfig(PretrainedConfig):
    """BERT's configuration plus ``languages``, the ordered rows of the ticket bank, the language
    embedding (``language_embedding``, its rows ``embedding_languages``) and ``default_language``."""

    model_type = "ticket-bert"

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    classifier_dropout: float | None = None
    # Special token ids of the tokenizer the model was built for (`mtickets init` sets
    # them; the defaults are the project's trained tokenizer's, mtickets.formats.special_tokens).
    pad_token_id: int | None = 0
    unk_token_id: int | None = 1
    cls_token_id: int | None = 2
    sep_token_id: int | None = 3
    mask_token_id: int | None = 4
    tie_word_embeddings: bool = True
    languages: list[str] = field(default_factory=list)
    # A learned per-language vector added to the input embeddings (the control of a dense model told
    # the language). Its rows are `embedding_languages`, not `languages`: those are the ticket bank's
    # rows, a model with them has a bank, and set_tickets reorders them.
    language_embedding: bool = False
    embedding_languages: list[str] = field(default_factory=list)
    # "mask" (the reference; the default, faster at demo sizes) or "gather" (FLOPs and time follow
    # the ticket; faster at BERT-base sizes, see bench/tickets.py).
    ticket_implementation: str = "mask"
    # A compact one-language export: per layer {"qk": [per-head dims], "v": [per-head dims], "ffn": units}.
    unit_layout: list[dict] | None = None
    ticket_language: str | None = None  # the language a compact model was exported for
    # The language= of calls that pass none (set_language): for pipelines that cannot pass it. None: such
    # a call to a model with a ticket bank or a language embedding raises instead of running some default.
    default_language: str | None = None

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        # save_pretrained writes only the saving class's entry; a loaded map (say, one naming a Hub repo) wins.
        self.auto_map = {**AUTO_MAP, **(getattr(self, "auto_map", None) or {})}


TicketBertConfig.register_for_auto_class()
