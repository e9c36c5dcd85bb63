"""Compact per-language export: same outputs and gradients as the ticket, smaller, loadable, fine-tunable."""

from __future__ import annotations

import json

import pytest
import torch

from mtickets.modeling.accounting import count_parameters, inference_flops
from mtickets.errors import MticketsError
from mtickets.modeling.export import export_ticket, unit_layout
from mtickets.modeling import (
    TicketBertConfig,
    TicketBertForPreTraining,
    TicketBertForTokenClassification,
    TicketBertModel,
    ticket_dims,
)

LANGS = ["en", "de", "fr"]


def tiny_config(**overrides) -> TicketBertConfig:
    fields = {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4,
              "intermediate_size": 64, "max_position_embeddings": 32, "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0}
    return TicketBertConfig(**{**fields, **overrides})


def make_bank(config, seed=0, p_keep=0.6):
    generator = torch.Generator().manual_seed(seed)
    bank = {key: (torch.rand(len(LANGS), dim, generator=generator) < p_keep).to(torch.uint8)
            for key, dim in ticket_dims(config).items()}
    head = config.hidden_size // config.num_attention_heads
    bank["layer.2.v"][1, :head] = 0  # de: head 0 of layer 2 keeps no value dim
    bank["layer.1.qk"][1, head:2 * head] = 0  # de: head 1 of layer 1 keeps no query/key dim
    bank["layer.0.ffn"][2] = 0  # fr: no FFN unit in layer 0
    return bank


def inputs(seed=0, size=3, length=12):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 100, (size, length), generator=generator)
    attention = torch.ones_like(ids)
    attention[1, length - 3:] = 0
    types = torch.zeros_like(ids)
    types[:, length // 2:] = 1
    return ids, attention, types


@pytest.fixture
def ticket_model():
    torch.manual_seed(0)
    model = TicketBertForPreTraining(tiny_config()).eval()
    model.set_tickets(make_bank(model.config), LANGS)
    return model


@pytest.mark.parametrize("language", LANGS)
def test_export_equals_ticket_model(ticket_model, language):
    compact = export_ticket(ticket_model, language)
    ids, attention, types = inputs()
    for implementation in ("mask", "gather"):
        ticket_model.config.ticket_implementation = implementation
        expected = ticket_model(ids, attention, types, language=language)
        got = compact(ids, attention, types)
        assert torch.allclose(got.prediction_logits, expected.prediction_logits, atol=1e-5)
        assert torch.allclose(got.seq_relationship_logits, expected.seq_relationship_logits, atol=1e-5)
    assert torch.equal(compact(ids, attention, types, language=language).prediction_logits,
                       compact(ids, attention, types).prediction_logits)
    # Physically smaller: exactly the parameters the ticket keeps.
    ticket = ticket_model.ticket(language)
    assert compact.config.unit_layout == unit_layout(ticket, ticket_model.config)
    assert compact.config.languages == [] and compact.bert.tickets is None
    assert compact.config.ticket_language == language
    assert sum(p.numel() for p in compact.bert.parameters()) == count_parameters(ticket_model.config, ticket)
    assert count_parameters(compact.config) == count_parameters(ticket_model.config, ticket)
    assert inference_flops(compact.config, 128) == inference_flops(ticket_model.config, 128, ticket)
    assert count_parameters(compact.config) < count_parameters(ticket_model.config)
    assert compact.cls.predictions.decoder.weight is compact.bert.embeddings.word_embeddings.weight


def test_export_runs_without_a_language_whatever_the_ticket_models_default(ticket_model):
    ticket_model.set_language("en")
    compact = export_ticket(ticket_model, "de")
    ids, attention, types = inputs()
    assert compact.config.default_language is None
    assert torch.allclose(compact(ids, attention, types).prediction_logits,
                          ticket_model(ids, attention, types, language="de").prediction_logits, atol=1e-5)
    compact.set_language("de")
    with pytest.raises(MticketsError, match="compact export of the ticket of 'de'"):
        compact.set_language("en")


@pytest.mark.parametrize("language", LANGS)
def test_inference_without_autograd_equals_the_masked_reference(ticket_model, language, monkeypatch):
    """CPU inference attends head by head on the kept dims (no padding); same outputs as the reference."""
    from mtickets.modeling import gather

    calls = []
    per_head = gather.attend_per_head
    monkeypatch.setattr(gather, "attend_per_head", lambda *args: calls.append(1) or per_head(*args))
    with torch.no_grad():  # peaked attention, so that any error in the scores shows in the outputs
        for layer in ticket_model.bert.encoder.layer:
            for projection in (layer.attention.self.query, layer.attention.self.key):
                projection.weight.normal_(0.0, 0.5)
    ids, attention, types = inputs()
    compact = export_ticket(ticket_model, language)
    for mask in (attention, None):  # row 1 padded; no padding
        ticket_model.config.ticket_implementation = "mask"
        expected = ticket_model(ids, mask, types, language=language).prediction_logits
        assert not calls  # with autograd: the padded fused kernel
        ticket_model.config.ticket_implementation = "gather"
        with torch.no_grad():
            for got in (compact(ids, mask, types), ticket_model(ids, mask, types, language=language)):
                assert torch.allclose(got.prediction_logits, expected, atol=1e-5)
        assert len(calls) == 2 * ticket_model.config.num_hidden_layers  # every layer's heads are uneven here
        calls.clear()


def test_export_gradients_are_the_ticket_gradients(ticket_model):
    """Fine-tuning the export moves the same weights as fine-tuning through the ticket."""
    language = "de"
    compact = export_ticket(ticket_model, language).train()
    ticket_model.train()
    ids, attention, types = inputs(seed=1)
    labels = torch.where(torch.rand(ids.shape, generator=torch.Generator().manual_seed(2)) < 0.3, ids, -100)
    labels[0, 1] = ids[0, 1]
    nsp = torch.tensor([0, 1, 0])
    ticket_model(ids, attention, types, language=language, labels=labels, next_sentence_label=nsp).loss.backward()
    compact(ids, attention, types, labels=labels, next_sentence_label=nsp).loss.backward()
    row = LANGS.index(language)
    full = dict(ticket_model.named_parameters())
    for k in range(ticket_model.config.num_hidden_layers):
        masks = {c: getattr(ticket_model.bert.tickets.layer[k], c)[row].bool() for c in ("qk", "v", "ffn")}
        base = f"bert.encoder.layer.{k}."
        pairs = [("attention.self.query.weight", lambda g, m=masks: g[m["qk"]]),
                 ("attention.self.key.bias", lambda g, m=masks: g[m["qk"]]),
                 ("attention.self.value.weight", lambda g, m=masks: g[m["v"]]),
                 ("attention.output.dense.weight", lambda g, m=masks: g[:, m["v"]]),
                 ("intermediate.dense.weight", lambda g, m=masks: g[m["ffn"]]),
                 ("output.dense.weight", lambda g, m=masks: g[:, m["ffn"]]),
                 ("output.LayerNorm.weight", lambda g: g)]
        compact_params = dict(compact.named_parameters())
        for name, cut in pairs:
            assert torch.allclose(compact_params[base + name].grad, cut(full[base + name].grad), atol=1e-6), name
    assert torch.allclose(compact.bert.embeddings.word_embeddings.weight.grad,
                          ticket_model.bert.embeddings.word_embeddings.weight.grad, atol=1e-6)


def run_export(model_dir, language, out):
    from mtickets.cli import main

    return main(["export", "--model", str(model_dir), "--lang", language, "--out", str(out)])


def test_export_cli_round_trip_and_fine_tuning(ticket_model, tmp_path):
    ticket_model.save_pretrained(tmp_path / "model")
    (tmp_path / "model" / "vocab.txt").write_text("[PAD]\n[UNK]\n")  # tokenizer files travel along
    assert run_export(tmp_path / "model", "de", tmp_path / "de") == 0
    assert (tmp_path / "de" / "vocab.txt").is_file()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    config = json.loads((tmp_path / "de" / "config.json").read_text())
    assert config["ticket_language"] == "de" and config["languages"] == [] and len(config["unit_layout"]) == 3
    loaded, info = TicketBertForPreTraining.from_pretrained(tmp_path / "de", output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    ids, attention, types = inputs(seed=3)
    expected = ticket_model(ids, attention, types, language="de")
    assert torch.allclose(loaded(ids, attention, types).prediction_logits, expected.prediction_logits, atol=1e-5)
    smaller = sum(f.stat().st_size for f in (tmp_path / "de").glob("*.safetensors"))
    assert smaller < sum(f.stat().st_size for f in (tmp_path / "model").glob("*.safetensors"))

    # Token classification on the compact encoder: the encoder equals the ticket's.
    tagger = TicketBertForTokenClassification.from_pretrained(tmp_path / "de", num_labels=5)
    tagger.eval()
    ticket_encoder = TicketBertModel.from_pretrained(tmp_path / "model", add_pooling_layer=False).eval()
    assert torch.allclose(tagger.bert(ids, attention, types).last_hidden_state,
                          ticket_encoder(ids, attention, types, language="de").last_hidden_state, atol=1e-5)
    tagger.train()
    out = tagger(ids, attention, types, labels=ids % 5)
    out.loss.backward()
    assert torch.isfinite(out.loss) and tagger.bert.encoder.layer[0].intermediate.dense.weight.grad is not None
    tagger.save_pretrained(tmp_path / "tagger")
    again = TicketBertForTokenClassification.from_pretrained(tmp_path / "tagger")
    assert again.config.unit_layout == tagger.config.unit_layout

    # The export runs only its own language.
    with pytest.raises(MticketsError, match="compact export"):
        loaded(ids, attention, types, language="en")
    with pytest.raises(MticketsError, match="compact export"):
        loaded.set_tickets(make_bank(ticket_model.config), LANGS)


def test_export_of_a_ticket_tagger_keeps_its_head(ticket_model, tmp_path):
    ticket_model.save_pretrained(tmp_path / "model")
    torch.manual_seed(4)
    tagger = TicketBertForTokenClassification.from_pretrained(tmp_path / "model", num_labels=3).eval()
    tagger.save_pretrained(tmp_path / "tagger")
    assert run_export(tmp_path / "tagger", "fr", tmp_path / "fr") == 0
    compact = TicketBertForTokenClassification.from_pretrained(tmp_path / "fr").eval()
    ids, attention, types = inputs(seed=5)
    assert torch.allclose(compact(ids, attention, types).logits, tagger(ids, attention, types, language="fr").logits,
                          atol=1e-5)


def test_export_errors(ticket_model, tmp_path, caplog):
    ticket_model.save_pretrained(tmp_path / "model")
    assert run_export(tmp_path / "model", "xx", tmp_path / "xx") == 1
    assert "'xx'" in caplog.text and not (tmp_path / "xx").exists()
    assert run_export(tmp_path / "missing", "en", tmp_path / "en") == 1
    dense = TicketBertForPreTraining(tiny_config())
    dense.save_pretrained(tmp_path / "dense")
    assert run_export(tmp_path / "dense", "en", tmp_path / "en") == 1
    assert "no ticket" in caplog.text
    compact = export_ticket(ticket_model, "en")
    with pytest.raises(MticketsError, match="already a compact export"):
        export_ticket(compact, "en")
