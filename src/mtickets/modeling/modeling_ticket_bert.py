"""A BERT with a bank of per-language structured subnetworks ("tickets").

After Hugging Face's ``modeling_bert.py`` (same module and parameter names, so
``state_dict`` keys read like BERT's) and nanoGPT's habit of keeping the model readable in
one sitting; heads of uneven width and the gathered ticket path live in ``gather.py``.

Tickets (Lee & Hwang 2023, DESIGN.md §1). For language l and layer k three binary
vectors switch structured units off:

- ``qk`` ([H]): multiplies the outputs of the query AND key projections (after the
  bias). A masked dim removes a row of W_Q and of W_K from the attention scores.
- ``v`` ([H]): multiplies the output of the value projection: a row of W_V and the
  matching input column of the attention output projection W_O.
- ``ffn`` ([F]): multiplies the FFN intermediate units before the activation: a row of
  W_1 (and b_1) and the matching column of W_2 (GELU(0) = 0).

The bank lives in ``TicketBertModel.tickets`` as persistent buffers
``tickets.layer.{k}.qk|v|ffn`` of shape ``[languages, dim]`` (uint8 0/1), so
``save_pretrained`` / ``from_pretrained`` keep it; ``config.languages`` names the rows.
``forward(..., language="de")`` runs the whole batch through de's ticket;
``forward(..., unit_masks={...})`` uses the given 1-D masks instead (SNIP
differentiates through them); neither runs the dense model. A call without either takes
``config.default_language`` (``set_language("de")``, saved with the config), and without that
raises, naming the bank's languages, rather than silently run the dense model, which no
language was trained as (a plain ``model(**batch)`` from transformers would).

Two implementations of a ticket forward pass give the same outputs and gradients
(``config.ticket_implementation``; it applies to ``language=`` batches):

- ``"mask"`` (the reference, and the default) runs the dense computation and
  multiplies the masks in: time follows the scaled model's size.
- ``"gather"`` computes only the ticket's units (``gather.py``), so FLOPs and time follow
  the ticket size. The index plans are built once per language and cached until the bank
  changes or moves. Use it for BERT-base-sized models (``bench/tickets.py``, figures in
  the README: 16 layers at r = 0.75 train at 1.1–1.3× the dense 12-layer time on 2 CPU
  cores, masked 1.3–1.5×); at the demo's tiny sizes its fixed per-op cost makes it a few
  percent slower than ``"mask"``.

A language embedding (``config.language_embedding``, rows ``config.embedding_languages``)
adds one learned vector per language to the input embeddings, before their LayerNorm: a
dense model told the language, the control of the tickets' per-language routes. Such a
model needs ``language=`` (``needs_language``); it has a ticket bank only if tickets are
installed besides.

A compact model (``mtickets export``, ``config.unit_layout``) holds one language's
ticket physically: per layer ``{"qk": [dims kept per head], "v": [...], "ffn": units}``,
Linear layers of those sizes, no bank; it computes what the ticket model computes for
that language (``config.ticket_language``), through the same attention code.

``save_pretrained`` copies this file with the ones it imports (``configuration_ticket_bert.py``,
``gather.py``, ``errors.py``) into the model directory and writes ``auto_map`` into its
config.json, so ``AutoModelForPreTraining.from_pretrained(dir, trust_remote_code=True)``
loads the model with its ticket bank where mtickets is not installed. Hence relative
imports only, and nothing of mtickets.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutputWithPooling, TokenClassifierOutput
from transformers.utils import ModelOutput

from .configuration_ticket_bert import TicketBertConfig
from .errors import MticketsError
from .gather import (
    GatherColumnsLinear,
    GatherPlan,
    GatherRowsLinear,
    HeadLayout,
    attention,
    full_precision,
    layer_plan,
)

COMPONENTS = ("qk", "v", "ffn")


def ticket_keys(config) -> list[str]:
    """The ticket keys of a config in canonical order: layer.0.qk, layer.0.v, layer.0.ffn, layer.1.qk, ..."""
    return [f"layer.{k}.{c}" for k in range(config.num_hidden_layers) for c in COMPONENTS]


def ticket_dims(config) -> dict[str, int]:
    """Length of each ticket vector: hidden size for qk and v, intermediate size for ffn."""
    dims = {"qk": config.hidden_size, "v": config.hidden_size, "ffn": config.intermediate_size}
    return {key: dims[key.rsplit(".", 1)[1]] for key in ticket_keys(config)}


def needs_language(config) -> bool:
    """Whether ``forward`` needs ``language=`` (or ``config.default_language``): a ticket bank or a language
    embedding picks rows by it."""
    return bool(config.languages) or bool(config.language_embedding)


def language_problem(config, language: str | None, model: str = "this model",
                     units_given: bool = False) -> str | None:
    """Why ``forward(..., language=language)`` would refuse to run (``model`` names the model), or None.

    ``language`` is what forward runs with: its argument, else ``config.default_language``. Without
    one, a ticket bank refuses rather than run the dense model, which no language was trained as;
    ``units_given`` (forward's ``unit_masks``, which pick the units themselves) lifts that.
    """
    exported = config.ticket_language if config.unit_layout else None
    if exported:  # a compact export is its language's ticket
        if language in (None, exported):
            return None
        return (f"language '{language}': {model} is a compact export of the ticket of '{exported}'; "
                f"run it with language=None or '{exported}', or export '{language}' from the ticket model")
    rows = ", ".join(config.embedding_languages)
    bank = list(config.languages or [])
    if language is None:
        if config.language_embedding:
            return (f"{model} was trained with a language embedding ({rows}); pass language= to say which "
                    "language the batch is in, or set a default with model.set_language(...)")
        if bank and not units_given:
            return (f"{model} has a ticket per language ({', '.join(bank)}) and runs a batch through one of "
                    f"them: pass language= (one of {', '.join(repr(lang) for lang in bank)}), or set a default "
                    "with model.set_language(...)")
        return None
    if bank and language not in bank:
        return f"language '{language}' has no ticket in {model} (its ticket bank: {', '.join(bank)})"
    if config.language_embedding and language not in config.embedding_languages:
        return f"language '{language}' has no row in the language embedding of {model} (its languages: {rows})"
    if not needs_language(config):
        return f"language '{language}' has no ticket in {model} (its ticket bank: none, a dense model)"
    return None


# --------------------------------------------------------------------------- outputs


@dataclass
class TicketBertForPreTrainingOutput(ModelOutput):
    """Loss (MLM + NSP, when labels are given), MLM logits and NSP logits."""

    loss: torch.Tensor | None = None
    prediction_logits: torch.Tensor | None = None
    seq_relationship_logits: torch.Tensor | None = None
    mlm_loss: torch.Tensor | None = None
    nsp_loss: torch.Tensor | None = None


# --------------------------------------------------------------------------- ticket bank


class TicketLayerMasks(nn.Module):
    """One layer's rows of the bank: buffers ``qk`` [L, H], ``v`` [L, H], ``ffn`` [L, F] (uint8)."""

    def __init__(self, num_languages: int, hidden_size: int, intermediate_size: int):
        super().__init__()
        self.register_buffer("qk", torch.ones(num_languages, hidden_size, dtype=torch.uint8))
        self.register_buffer("v", torch.ones(num_languages, hidden_size, dtype=torch.uint8))
        self.register_buffer("ffn", torch.ones(num_languages, intermediate_size, dtype=torch.uint8))


class TicketBank(nn.Module):
    """``layer[k]`` holds layer k's masks; state-dict keys ``layer.{k}.qk|v|ffn``."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        n = len(config.languages)
        self.layer = nn.ModuleList(
            TicketLayerMasks(n, config.hidden_size, config.intermediate_size) for _ in range(config.num_hidden_layers)
        )


# --------------------------------------------------------------------------- embeddings


# A stream of its own for the language embedding's rows (an arbitrary constant apart from the seed).
_LANGUAGE_STREAM = 0x6C616E67


class TicketBertLanguageEmbedding(nn.Embedding):
    """One learned vector per language (rows: ``config.embedding_languages``).

    Drawn normal(0, initializer_range) like the other embeddings, but from a generator of its
    own, seeded from the global seed: the global random stream, hence every other weight a
    seed gives, stays the dense model's, so the control differs from it by this embedding only.
    """

    def __init__(self, config: TicketBertConfig):
        languages = list(config.embedding_languages or [])
        if not languages or len(set(languages)) != len(languages):
            raise MticketsError(
                f"language_embedding needs embedding_languages, its rows: a non-empty list without repeats "
                f"(`mtickets init` takes them from --model-config), got {languages}"
            )
        self.languages, self.std = languages, config.initializer_range
        super().__init__(len(languages), config.hidden_size)

    def reset_parameters(self) -> None:
        if self.weight.device.type == "meta":  # from_pretrained builds empty, then loads
            return
        generator = torch.Generator(self.weight.device).manual_seed(torch.initial_seed() ^ _LANGUAGE_STREAM)
        init.normal_(self.weight, 0.0, self.std, generator=generator)

    def row(self, language: str) -> torch.Tensor:
        """``[hidden]``: ``language``'s vector (the model has checked the language)."""
        return self.weight[self.languages.index(language)]


class TicketBertEmbeddings(nn.Module):
    """Word + position + token-type (+ language) embeddings, LayerNorm, dropout."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.language_embeddings = TicketBertLanguageEmbedding(config) if config.language_embedding else None
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids=None, position_ids=None, language=None):
        seq_length = input_ids.shape[1]
        if position_ids is None:
            position_ids = torch.arange(seq_length, device=input_ids.device).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        embeddings = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(position_ids)
            + self.token_type_embeddings(token_type_ids)
        )
        if self.language_embeddings is not None:  # the same vector for every token: one broadcast add
            embeddings = embeddings + self.language_embeddings.row(language)
        return self.dropout(self.LayerNorm(embeddings))


# --------------------------------------------------------------------------- encoder layer


def _linear(in_features: int, out_features: int) -> nn.Linear:
    """nn.Linear; a compact model may keep no unit of a component (zero-size, silently)."""
    if in_features and out_features:
        return nn.Linear(in_features, out_features)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Initializing zero-element tensors")
        return nn.Linear(in_features, out_features)


class TicketBertSelfAttention(nn.Module):
    """Multi-head self-attention; ``qk`` masks query and key outputs, ``v`` the value output.

    In a compact model (``layout`` given) the projections hold only the kept dims and the
    heads keep ``layout.qk[h]`` / ``layout.v[h]`` dims each.
    """

    def __init__(self, config: TicketBertConfig, layout: HeadLayout | None = None):
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(
                f"hidden_size {config.hidden_size} is not a multiple of num_attention_heads "
                f"{config.num_attention_heads}"
            )
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.layout = layout
        qk, v = (config.hidden_size,) * 2 if layout is None else (sum(layout.qk), sum(layout.v))
        self.query = _linear(config.hidden_size, qk)
        self.key = _linear(config.hidden_size, qk)
        self.value = _linear(config.hidden_size, v)
        self.dropout_prob = config.attention_probs_dropout_prob

    def attend(self, projections, attention_mask, layout: HeadLayout | None):
        """Scaled dot-product attention → ``[B, T, kept v dims]`` (see ``gather.attention``)."""
        layout = layout or HeadLayout.dense(self.num_heads, self.head_dim)
        dropout = self.dropout_prob if self.training else 0.0
        # The full head's scale, also for narrower heads: a ticket keeps the dense model's scores.
        return attention(projections, attention_mask, layout, 1.0 / math.sqrt(self.head_dim), dropout)

    def forward(self, hidden_states, attention_mask=None, qk_mask=None, v_mask=None):
        q, k, v = self.query(hidden_states), self.key(hidden_states), self.value(hidden_states)
        if qk_mask is not None:
            q, k = q * qk_mask, k * qk_mask
        if v_mask is not None:
            v = v * v_mask
        return self.attend((q, k, v), attention_mask, self.layout)

    def forward_gathered(self, hidden_states, attention_mask, plan: GatherPlan):
        """Only the ticket's rows of W_Q, W_K, W_V, in one matmul; attention per kept dims."""
        qkv = GatherRowsLinear.apply(
            hidden_states, (plan.qk, plan.qk, plan.v),
            self.query.weight, self.query.bias, self.key.weight, self.key.bias, self.value.weight, self.value.bias,
        )
        return self.attend(qkv, attention_mask, plan.layout)


class _ProjectResidualNorm(nn.Module):
    """A projection back to the hidden size, dropout, residual, LayerNorm: W_O after
    attention and W_2 after the FFN. Gathered, only the kept units' columns are used."""

    def __init__(self, config: TicketBertConfig, inputs: int):
        super().__init__()
        self.dense = _linear(inputs, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor, columns=None):
        if columns is None:
            hidden_states = self.dense(hidden_states)
        else:
            hidden_states = GatherColumnsLinear.apply(hidden_states, columns, self.dense.weight, self.dense.bias)
        return self.LayerNorm(self.dropout(hidden_states) + input_tensor)


class TicketBertSelfOutput(_ProjectResidualNorm):
    """Attention output projection W_O (``columns``: the kept value dims), dropout, residual, LayerNorm."""

    def __init__(self, config: TicketBertConfig, inputs: int | None = None):
        super().__init__(config, config.hidden_size if inputs is None else inputs)


class TicketBertAttention(nn.Module):
    def __init__(self, config: TicketBertConfig, layout: HeadLayout | None = None):
        super().__init__()
        self.self = TicketBertSelfAttention(config, layout)
        self.output = TicketBertSelfOutput(config, None if layout is None else sum(layout.v))

    def forward(self, hidden_states, attention_mask=None, qk_mask=None, v_mask=None, plan=None):
        if plan is None:
            context = self.self(hidden_states, attention_mask, qk_mask, v_mask)
            return self.output(context, hidden_states)
        context = self.self.forward_gathered(hidden_states, attention_mask, plan)
        return self.output(context, hidden_states, plan.v)


class TicketBertIntermediate(nn.Module):
    """W_1 and the activation; ``ffn`` masks the units before the activation."""

    def __init__(self, config: TicketBertConfig, units: int | None = None):
        super().__init__()
        self.dense = _linear(config.hidden_size, config.intermediate_size if units is None else units)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states, ffn_mask=None, units=None):
        if units is not None:  # the kept units
            hidden_states = GatherRowsLinear.apply(hidden_states, (units,), self.dense.weight, self.dense.bias)
        else:
            hidden_states = self.dense(hidden_states)
            if ffn_mask is not None:
                hidden_states = hidden_states * ffn_mask
        return self.intermediate_act_fn(hidden_states)


class TicketBertOutput(_ProjectResidualNorm):
    """W_2 (``columns``: the kept FFN units), dropout, residual, LayerNorm."""

    def __init__(self, config: TicketBertConfig, units: int | None = None):
        super().__init__(config, config.intermediate_size if units is None else units)


class TicketBertLayer(nn.Module):
    def __init__(self, config: TicketBertConfig, index: int = 0):
        super().__init__()
        units = None if not config.unit_layout else config.unit_layout[index]
        layout = None if units is None else HeadLayout(tuple(units["qk"]), tuple(units["v"]))
        self.attention = TicketBertAttention(config, layout)
        self.intermediate = TicketBertIntermediate(config, None if units is None else int(units["ffn"]))
        self.output = TicketBertOutput(config, None if units is None else int(units["ffn"]))

    def forward(self, hidden_states, attention_mask=None, masks=None, plan=None):
        masks = masks or {}
        attention_output = self.attention(hidden_states, attention_mask, masks.get("qk"), masks.get("v"), plan)
        units = None if plan is None else plan.ffn
        intermediate = self.intermediate(attention_output, masks.get("ffn"), units)
        return self.output(intermediate, attention_output, units)


class TicketBertEncoder(nn.Module):
    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.layer = nn.ModuleList(TicketBertLayer(config, k) for k in range(config.num_hidden_layers))

    def forward(self, hidden_states, attention_mask=None, layer_masks=None, plans=None):
        for k, layer in enumerate(self.layer):
            hidden_states = layer(
                hidden_states, attention_mask,
                masks=None if layer_masks is None else layer_masks[k],
                plan=None if plans is None else plans[k],
            )
        return hidden_states


class TicketBertPooler(nn.Module):
    """tanh(W · h_[CLS]): the sentence representation for NSP."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


# --------------------------------------------------------------------------- heads


class TicketBertPredictionHeadTransform(nn.Module):
    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = ACT2FN[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class TicketBertLMPredictionHead(nn.Module):
    """Transform, then the decoder whose weight is tied to the word embeddings (own bias)."""

    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.transform = TicketBertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden_states):
        return self.decoder(self.transform(hidden_states))


class TicketBertPreTrainingHeads(nn.Module):
    def __init__(self, config: TicketBertConfig):
        super().__init__()
        self.predictions = TicketBertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output, pooled_output):
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)


# --------------------------------------------------------------------------- models


class TicketBertPreTrainedModel(PreTrainedModel):
    """Weight initialisation (BERT: normal(0, initializer_range), zero biases, unit LayerNorms)."""

    config_class = TicketBertConfig
    base_model_prefix = "bert"
    supports_gradient_checkpointing = False
    _no_split_modules = ["TicketBertEmbeddings", "TicketBertLayer"]

    def _init_weights(self, module):
        if isinstance(module, TicketBertLanguageEmbedding):
            module.reset_parameters()  # normal(0, initializer_range) from its own stream
            return
        super()._init_weights(module)  # Linear / Embedding: normal(0, initializer_range); LayerNorm: 1, 0
        if isinstance(module, TicketLayerMasks):
            for buffer in (module.qk, module.v, module.ffn):
                init.ones_(buffer)

    def set_tickets(self, masks: dict[str, torch.Tensor], languages: list[str]) -> None:
        """Install a ticket bank (see ``TicketBertModel.set_tickets``)."""
        self.base_model.set_tickets(masks, languages)

    def ticket(self, language: str) -> dict[str, torch.Tensor]:
        """One language's ticket row: ``{layer.k.qk|v|ffn: 1-D uint8}``."""
        return self.base_model.ticket(language)

    def set_language(self, language: str | None) -> None:
        """Run calls without ``language=`` in ``language`` (``config.default_language``, saved with the
        model); None clears it. A language the model cannot run raises, as forward would."""
        problem = language_problem(self.config, language) if language is not None else None
        if problem:
            raise MticketsError(problem)
        self.config.default_language = language


class TicketBertModel(TicketBertPreTrainedModel):
    """Embeddings, the encoder (with the ticket bank) and the pooler."""

    _keys_to_ignore_on_load_unexpected = [r"^cls\."]  # heads of a pretraining checkpoint

    def __init__(self, config: TicketBertConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        self.embeddings = TicketBertEmbeddings(config)
        self.encoder = TicketBertEncoder(config)
        self.pooler = TicketBertPooler(config) if add_pooling_layer else None
        self.tickets = TicketBank(config) if config.languages else None
        self._plans: dict = {}
        self.post_init()

    def get_input_embeddings(self):
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value):
        self.embeddings.word_embeddings = value

    # ----------------------------------------------------------------- ticket bank

    def set_tickets(self, masks: dict[str, torch.Tensor], languages: list[str]) -> None:
        """Install the bank ``{layer.k.qk: [L, H], layer.k.v: [L, H], layer.k.ffn: [L, F]}`` (0/1 values)."""
        if self.config.unit_layout:
            raise MticketsError(
                f"set_tickets: this is a compact export of the ticket of '{self.config.ticket_language}'; "
                "install tickets into the full ticket model instead"
            )
        languages = [str(lang) for lang in languages]
        if not languages or len(set(languages)) != len(languages):
            raise MticketsError(f"set_tickets: languages must be a non-empty list without repeats, got {languages}")
        expected = ticket_dims(self.config)
        missing = sorted(set(expected) - set(masks))
        extra = sorted(set(masks) - set(expected))
        if missing or extra:
            raise MticketsError(
                f"ticket masks do not fit a {self.config.num_hidden_layers}-layer model: "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        for key, dim in expected.items():
            mask = torch.as_tensor(masks[key])
            if tuple(mask.shape) != (len(languages), dim):
                raise MticketsError(
                    f"ticket mask {key} has shape {tuple(mask.shape)}, expected ({len(languages)}, {dim})"
                )
            if not bool(((mask == 0) | (mask == 1)).all()):
                raise MticketsError(f"ticket mask {key} holds values other than 0 and 1")
        self.config.languages = languages
        device = self.embeddings.word_embeddings.weight.device
        bank = TicketBank(self.config).to(device)
        for k, layer in enumerate(bank.layer):
            for component in COMPONENTS:
                getattr(layer, component).copy_(torch.as_tensor(masks[f"layer.{k}.{component}"]).to(torch.uint8))
        self.tickets = bank
        self._plans = {}

    def language_index(self, language: str) -> int:
        languages = list(self.config.languages or [])
        if self.tickets is None or language not in languages:
            raise MticketsError(
                f"language '{language}' has no ticket in this model "
                f"(its ticket bank: {', '.join(languages) if languages else 'none, a dense model'})"
            )
        return languages.index(language)

    def ticket(self, language: str) -> dict[str, torch.Tensor]:
        row = self.language_index(language)
        return {
            f"layer.{k}.{c}": getattr(layer, c)[row]
            for k, layer in enumerate(self.tickets.layer)
            for c in COMPONENTS
        }

    def _layer_masks(self, language, unit_masks, dtype) -> list[dict] | None:
        """Per layer ``{qk, v, ffn}`` 1-D masks in the activation dtype, or None (dense)."""
        if unit_masks is not None:
            if self.config.unit_layout:
                raise MticketsError("unit_masks: a compact (exported) model has no full-size units to mask")
            return [
                {c: unit_masks[f"layer.{k}.{c}"].to(dtype) for c in COMPONENTS}
                for k in range(self.config.num_hidden_layers)
            ]
        if language is None:
            return None
        row = self.language_index(language)
        return [{c: getattr(layer, c)[row].to(dtype) for c in COMPONENTS} for layer in self.tickets.layer]

    def _gather_plans(self, language: str) -> list[GatherPlan]:
        """Cached index plans of a language's ticket (rebuilt when the bank changes or moves)."""
        row = self.language_index(language)
        buffers = [getattr(layer, c) for layer in self.tickets.layer for c in COMPONENTS]
        version = tuple((b._version, b.data_ptr()) for b in buffers)
        cached = self._plans.get(language)
        if cached is not None and cached[0] == version:
            return cached[1]
        heads = self.config.num_attention_heads
        plans = [layer_plan(layer.qk[row], layer.v[row], layer.ffn[row], heads) for layer in self.tickets.layer]
        self._plans[language] = (version, plans)
        return plans

    def _attention_bias(self, attention_mask, batch_shape, dtype) -> torch.Tensor | None:
        """``[B, T]`` 1 = token → additive ``[B, 1, 1, T]`` bias (0 / dtype min); None when nothing is masked.

        A float bias keeps CPU attention on the fused kernel (a bool mask does not); a
        CPU batch without padding needs no mask at all (checked on CPU only: on an
        accelerator the check would synchronise).
        """
        if attention_mask is None:
            return None
        if attention_mask.device.type == "cpu" and bool(attention_mask.all()):
            return None
        bias = torch.zeros(attention_mask.shape, dtype=dtype, device=attention_mask.device)
        bias = bias.masked_fill(attention_mask == 0, torch.finfo(dtype).min)
        return bias[:, None, None, :]

    # ----------------------------------------------------------------- forward

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        language: str | None = None,
        unit_masks: dict[str, torch.Tensor] | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> BaseModelOutputWithPooling:
        if language is None:
            language = self.config.default_language
        problem = language_problem(self.config, language, units_given=unit_masks is not None)
        if problem:
            raise MticketsError(problem)
        implementation = self.config.ticket_implementation
        if implementation not in ("mask", "gather"):
            raise ValueError(f"config.ticket_implementation {implementation!r}: expected 'mask' or 'gather'")
        hidden_states = self.embeddings(input_ids, token_type_ids, position_ids, language)
        attention_mask = self._attention_bias(attention_mask, input_ids.shape, hidden_states.dtype)
        # The language picks a ticket only where there is a bank (a compact model is its language's ticket).
        ticket = language if self.tickets is not None else None
        plans = layer_masks = None
        if ticket is not None and unit_masks is None and implementation == "gather":
            plans = self._gather_plans(ticket)
        else:
            layer_masks = self._layer_masks(ticket, unit_masks, hidden_states.dtype)
        sequence_output = self.encoder(hidden_states, attention_mask, layer_masks, plans)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return BaseModelOutputWithPooling(last_hidden_state=sequence_output, pooler_output=pooled_output)


def _masked_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over positions with a label (-100 = ignore); 0 when there are none."""
    if bool((labels != -100).any()):
        return F.cross_entropy(
            full_precision(logits).reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100
        )
    return full_precision(logits).sum() * 0.0


class TicketBertForPreTraining(TicketBertPreTrainedModel):
    """BERT pretraining: MLM head (decoder tied to the word embeddings) + NSP head."""

    _tied_weights_keys = {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight"}

    def __init__(self, config: TicketBertConfig):
        super().__init__(config)
        self.bert = TicketBertModel(config)
        self.cls = TicketBertPreTrainingHeads(config)
        self.post_init()

    def get_output_embeddings(self):
        return self.cls.predictions.decoder

    def set_output_embeddings(self, new_embeddings):
        self.cls.predictions.decoder = new_embeddings

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        language: str | None = None,
        unit_masks: dict[str, torch.Tensor] | None = None,
        labels: torch.Tensor | None = None,
        next_sentence_label: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> TicketBertForPreTrainingOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, language, unit_masks, position_ids)
        prediction_logits, seq_relationship_logits = self.cls(outputs.last_hidden_state, outputs.pooler_output)
        mlm_loss = nsp_loss = loss = None
        if labels is not None:
            mlm_loss = _masked_lm_loss(prediction_logits, labels)
            loss = mlm_loss
        if next_sentence_label is not None:
            nsp_loss = F.cross_entropy(full_precision(seq_relationship_logits), next_sentence_label.reshape(-1).long())
            loss = nsp_loss if loss is None else loss + nsp_loss
        return TicketBertForPreTrainingOutput(
            loss=loss,
            prediction_logits=prediction_logits,
            seq_relationship_logits=seq_relationship_logits,
            mlm_loss=mlm_loss,
            nsp_loss=nsp_loss,
        )


class TicketBertForTokenClassification(TicketBertPreTrainedModel):
    """Dropout + a linear tagger over the encoder (NER, POS); label -100 is ignored.

    ``from_pretrained(pretraining_dir, num_labels=..., id2label=...)`` loads the encoder
    and the ticket bank of a ``TicketBertForPreTraining`` checkpoint; the tagger is new.
    """

    # The pretraining heads and the pooler of a pretraining checkpoint are not used here.
    _keys_to_ignore_on_load_unexpected = [r"^cls\.", r"^bert\.pooler\."]

    def __init__(self, config: TicketBertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = TicketBertModel(config, add_pooling_layer=False)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        language: str | None = None,
        unit_masks: dict[str, torch.Tensor] | None = None,
        labels: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> TokenClassifierOutput:
        outputs = self.bert(input_ids, attention_mask, token_type_ids, language, unit_masks, position_ids)
        logits = self.classifier(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = _masked_lm_loss(logits, labels)
        return TokenClassifierOutput(loss=loss, logits=logits)


TicketBertModel.register_for_auto_class("AutoModel")
TicketBertForPreTraining.register_for_auto_class("AutoModelForPreTraining")
TicketBertForTokenClassification.register_for_auto_class("AutoModelForTokenClassification")
