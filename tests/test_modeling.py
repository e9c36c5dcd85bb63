"""The ticket BERT: mask placement, dense equivalence, save/load, gather path, init CLI."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from mtickets.modeling import gather as gather_module
from mtickets.errors import MticketsError
from mtickets.modeling import (
    HeadLayout,
    TicketBertConfig,
    TicketBertForPreTraining,
    TicketBertForTokenClassification,
    TicketBertModel,
    head_width,
    ticket_dims,
)

LANGS = ["en", "de", "fr"]


def tiny_config(**overrides) -> TicketBertConfig:
    fields = {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
              "intermediate_size": 64, "max_position_embeddings": 32, "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0}
    return TicketBertConfig(**{**fields, **overrides})


def random_bank(config, p_keep=0.6, seed=0, languages=LANGS):
    generator = torch.Generator().manual_seed(seed)
    return {key: (torch.rand(len(languages), dim, generator=generator) < p_keep).to(torch.uint8)
            for key, dim in ticket_dims(config).items()}


def batch(seed=0, size=3, length=12):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 100, (size, length), generator=generator)
    ids[:, 0] = 2
    attention = torch.ones_like(ids)
    attention[1, length - 4:] = 0
    ids[1, length - 4:] = 0
    types = torch.zeros_like(ids)
    types[:, length // 2:] = 1
    labels = torch.where(torch.rand(ids.shape, generator=generator) < 0.3, ids, torch.full_like(ids, -100))
    labels[0, 1] = ids[0, 1]
    nsp = torch.tensor([0, 1, 0][:size])
    return {"input_ids": ids, "attention_mask": attention, "token_type_ids": types, "labels": labels,
            "next_sentence_label": nsp}


@pytest.fixture
def model():
    torch.manual_seed(0)
    return TicketBertForPreTraining(tiny_config()).eval()


def test_dense_loss_is_mlm_plus_nsp(model):
    b = batch()
    out = model(**b)
    mlm = torch.nn.functional.cross_entropy(out.prediction_logits.reshape(-1, 100), b["labels"].reshape(-1))
    nsp = torch.nn.functional.cross_entropy(out.seq_relationship_logits, b["next_sentence_label"])
    assert torch.allclose(out.loss, mlm + nsp)
    assert out.prediction_logits.shape == (3, 12, 100) and out.seq_relationship_logits.shape == (3, 2)
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight


def test_all_ones_ticket_equals_dense(model):
    b = batch()
    dense = model(**b)
    model.set_tickets({k: torch.ones(3, d, dtype=torch.uint8) for k, d in ticket_dims(model.config).items()}, LANGS)
    ticketed = model(**b, language="de")
    ones = {k: torch.ones(d) for k, d in ticket_dims(model.config).items()}
    via_unit_masks = model(**b, unit_masks=ones)
    for out in (ticketed, via_unit_masks):
        assert torch.allclose(out.prediction_logits, dense.prediction_logits, atol=1e-6)
        assert torch.allclose(out.loss, dense.loss, atol=1e-6)


@pytest.mark.parametrize("cls", [TicketBertModel, TicketBertForPreTraining, TicketBertForTokenClassification])
def test_a_ticket_model_called_without_a_language_names_language_and_its_languages(cls):
    torch.manual_seed(0)
    model = cls(tiny_config()).eval()
    model.set_tickets(random_bank(model.config), LANGS)
    with pytest.raises(MticketsError) as raised:
        model(batch()["input_ids"])
    assert "language=" in str(raised.value) and all(f"'{lang}'" in str(raised.value) for lang in LANGS)
    model(batch()["input_ids"], language="de")


def test_default_language_runs_calls_without_one_and_survives_saving(tmp_path):
    torch.manual_seed(0)
    model = TicketBertForTokenClassification(tiny_config(num_labels=3)).eval()
    model.set_tickets(random_bank(model.config), LANGS)
    ids = batch()["input_ids"]
    de, en = (model(ids, language=lang).logits for lang in ("de", "en"))
    model.set_language("de")
    assert torch.equal(model(ids).logits, de) and torch.equal(model(ids, language="en").logits, en)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["default_language"] == "de"
    loaded = TicketBertForTokenClassification.from_pretrained(tmp_path).eval()
    assert loaded.config.default_language == "de" and torch.equal(loaded(ids).logits, de)
    with pytest.raises(MticketsError, match=r"language 'xx' has no ticket .*en, de, fr"):
        loaded.set_language("xx")
    assert loaded.config.default_language == "de"  # a refused language leaves the default as it was
    loaded.set_language(None)
    with pytest.raises(MticketsError, match="language="):
        loaded(ids)
    with pytest.raises(MticketsError, match="a dense model"):
        TicketBertModel(tiny_config()).set_language("de")


def perturb_unit(model, layer, component, unit):
    """Overwrite every weight that the unit owns (and nothing else)."""
    block = model.bert.encoder.layer[layer]
    with torch.no_grad():
        if component == "qk":
            for linear in (block.attention.self.query, block.attention.self.key):
                linear.weight[unit].normal_(0, 3.0)
                linear.bias[unit] = 5.0
        elif component == "v":
            block.attention.self.value.weight[unit].normal_(0, 3.0)
            block.attention.self.value.bias[unit] = 5.0
            block.attention.output.dense.weight[:, unit].normal_(0, 3.0)
        else:
            block.intermediate.dense.weight[unit].normal_(0, 3.0)
            block.intermediate.dense.bias[unit] = 5.0
            block.output.dense.weight[:, unit].normal_(0, 3.0)


@pytest.mark.parametrize("implementation", ["mask", "gather"])
@pytest.mark.parametrize("component,unit", [("qk", 5), ("v", 17), ("ffn", 40)])
def test_masked_unit_does_not_contribute(model, component, unit, implementation):
    model.config.ticket_implementation = implementation
    bank = random_bank(model.config, p_keep=0.8)
    key = f"layer.1.{component}"
    bank[key][1, unit] = 0  # de drops the unit
    bank[key][0, unit] = 1  # en keeps it
    model.set_tickets(bank, LANGS)
    b = batch()
    before = {lang: model(**b, language=lang).prediction_logits for lang in ("en", "de")}
    dense = {k: torch.ones(d) for k, d in ticket_dims(model.config).items()}  # a bank runs dense only when told
    dense_before = model(**b, unit_masks=dense).prediction_logits
    perturb_unit(model, 1, component, unit)
    after = {lang: model(**b, language=lang).prediction_logits for lang in ("en", "de")}
    assert torch.allclose(before["de"], after["de"], atol=1e-6)
    assert not torch.allclose(before["en"], after["en"], atol=1e-3)
    assert not torch.allclose(dense_before, model(**b, unit_masks=dense).prediction_logits, atol=1e-3)


def test_masked_unit_gets_zero_gradient(model):
    bank = random_bank(model.config)
    model.set_tickets(bank, LANGS)
    model.train()
    model(**batch(), language="fr").loss.backward()
    block = model.bert.encoder.layer[0]
    row = LANGS.index("fr")
    dropped_ffn = bank["layer.0.ffn"][row] == 0
    dropped_qk = bank["layer.0.qk"][row] == 0
    dropped_v = bank["layer.0.v"][row] == 0
    assert block.intermediate.dense.weight.grad[dropped_ffn].abs().max() == 0
    assert block.output.dense.weight.grad[:, dropped_ffn].abs().max() == 0
    assert block.attention.self.query.weight.grad[dropped_qk].abs().max() == 0
    assert block.attention.self.key.bias.grad[dropped_qk].abs().max() == 0
    assert block.attention.self.value.weight.grad[dropped_v].abs().max() == 0
    assert block.attention.output.dense.weight.grad[:, dropped_v].abs().max() == 0
    assert block.intermediate.dense.weight.grad[~dropped_ffn].abs().max() > 0


def edge_bank(config, seed=3, p_keep=0.5):
    """A random bank plus the corner cases of the gather path for 'en'."""
    bank = random_bank(config, p_keep=p_keep, seed=seed)
    head = config.hidden_size // config.num_attention_heads
    bank["layer.0.qk"][0, :head] = 0  # head 0 keeps no query/key dim: uniform attention
    bank["layer.0.v"][0, head:2 * head] = 0  # head 1 keeps no value dim
    bank["layer.1.ffn"][0] = 0  # no FFN unit at all
    bank["layer.1.qk"][0] = 1  # every query/key dim (no padding needed)
    return bank


def run_implementation(model, implementation, b, language="en"):
    model.config.ticket_implementation = implementation
    model.zero_grad(set_to_none=True)
    out = model(**b, language=language)
    out.loss.backward()
    grads = {n: p.grad.clone() if p.grad is not None else torch.zeros_like(p) for n, p in model.named_parameters()}
    return out.prediction_logits.detach(), out.loss.detach(), grads


def assert_gather_matches_mask(mask, gather):
    """Logits, loss and every parameter gradient of the two paths (``run_implementation`` results) agree."""
    (logits_m, loss_m, grads_m), (logits_g, loss_g, grads_g) = mask, gather
    assert torch.allclose(logits_m, logits_g, atol=1e-5)
    assert torch.allclose(loss_m, loss_g, atol=1e-6)
    for name in grads_m:
        assert torch.allclose(grads_m[name], grads_g[name], atol=1e-6), name
    return gather


def empty_attention_bank(config):
    bank = random_bank(config, p_keep=0.5, seed=4)
    bank["layer.1.qk"][0] = 0  # layer 1 of 'en' keeps no attention unit at all
    bank["layer.1.v"][0] = 0
    return bank


@pytest.mark.parametrize("bank_kind", ["random", "edge", "empty_attention"])
def test_gather_path_matches_mask_path_outputs_and_gradients(model, bank_kind):
    bank = {"random": lambda c: random_bank(c, p_keep=0.5, seed=3), "edge": edge_bank,
            "empty_attention": empty_attention_bank}[bank_kind](model.config)
    model.set_tickets(bank, LANGS)
    model.train()  # dropout probabilities are 0 in the tiny config
    b = batch(seed=1)  # with a padded row
    _, _, grads_g = assert_gather_matches_mask(run_implementation(model, "mask", b),
                                               run_implementation(model, "gather", b))
    # Units outside the ticket get exactly zero gradient on the gather path too.
    block = model.bert.encoder.layer[0]
    dropped = bank["layer.0.ffn"][0] == 0
    assert grads_g["bert.encoder.layer.0.intermediate.dense.weight"][dropped].abs().max() == 0
    assert grads_g["bert.encoder.layer.0.output.dense.weight"][:, dropped].abs().max() == 0
    assert block.attention.self.value.weight.grad[bank["layer.0.v"][0] == 0].abs().max() == 0


def test_head_width_rounded_for_gpu_kernels_changes_nothing(model, monkeypatch):
    """Off the CPU the padded head width is a multiple of 8; forced on CPU here, the gather
    path still matches the masked reference, and attention sees only such widths."""
    bank = random_bank(model.config, p_keep=0.4, seed=6)
    model.set_tickets(bank, LANGS)
    model.train()
    b = batch(seed=1)
    mask = run_implementation(model, "mask", b)
    layouts = [HeadLayout.from_masks(bank[f"layer.{k}.qk"][0], bank[f"layer.{k}.v"][0], 4) for k in range(2)]
    assert min(max(layout.qk_width, layout.v_width) for layout in layouts) < 8  # so rounding changes it
    widths = []
    attention = gather_module.F.scaled_dot_product_attention

    def recording(q, k, v, **kwargs):
        widths.append((q.shape[-1], k.shape[-1], v.shape[-1]))
        return attention(q, k, v, **kwargs)

    monkeypatch.setattr(gather_module.F, "scaled_dot_product_attention", recording)
    monkeypatch.setitem(gather_module._HEAD_WIDTH_MULTIPLE, "cpu", 8)
    assert [head_width(layout, "cpu") for layout in layouts] == [8, 8]
    gather = run_implementation(model, "gather", b)
    assert widths == [(8, 8, 8)] * 2
    assert_gather_matches_mask(mask, gather)


def test_gather_path_matches_mask_path_in_float64():
    torch.manual_seed(1)
    model = TicketBertForPreTraining(tiny_config(num_hidden_layers=3)).double().train()
    model.set_tickets(edge_bank(model.config, seed=5, p_keep=0.7), LANGS)
    b = batch(seed=2)
    logits_m, loss_m, grads_m = run_implementation(model, "mask", b)
    logits_g, loss_g, grads_g = run_implementation(model, "gather", b)
    assert torch.allclose(logits_m, logits_g, atol=1e-12, rtol=1e-10)
    assert torch.allclose(loss_m, loss_g, atol=1e-12, rtol=1e-10)
    for name in grads_m:
        assert torch.allclose(grads_m[name], grads_g[name], atol=1e-12, rtol=1e-10), name


def test_gather_plans_are_cached(model):
    assert TicketBertConfig().ticket_implementation == "mask"  # gather is slower at demo sizes (bench)
    model.config.ticket_implementation = "gather"
    model.set_tickets(random_bank(model.config, p_keep=0.5, seed=3), LANGS)
    plans = model.bert._gather_plans("en")
    model(**batch(), language="en")
    assert plans is model.bert._gather_plans("en")  # not rebuilt per step
    assert all(plan.qk.numel() == sum(plan.layout.qk) for plan in plans)
    with torch.no_grad():
        model.bert.tickets.layer[0].qk[0].fill_(1)  # an in-place change of the bank rebuilds the plan
    rebuilt = model.bert._gather_plans("en")
    assert rebuilt is not plans and rebuilt[0].layout.qk == (8, 8, 8, 8) and rebuilt[0].qk.numel() == 32
    model.set_tickets(random_bank(model.config, seed=9), LANGS)  # so does a new bank
    assert model.bert._gather_plans("en") is not rebuilt
    with pytest.raises(ValueError, match="ticket_implementation"):
        model.config.ticket_implementation = "sparse"
        model(**batch(), language="en")


def test_cpu_training_attention_under_bf16_autocast_runs_in_float32(monkeypatch):
    """With autograd on CPU, bf16 projections attend in float32 (the bf16 kernel's backward is
    slower, bench/pretrain.py section 5); inference keeps bf16. Either way the result is attention."""
    kernel, seen = torch.nn.functional.scaled_dot_product_attention, []
    monkeypatch.setattr(gather_module.F, "scaled_dot_product_attention",
                        lambda q, *args, **kwargs: seen.append(q.dtype) or kernel(q, *args, **kwargs))
    generator = torch.Generator().manual_seed(0)
    projections = [torch.randn(2, 5, 8, generator=generator).to(torch.bfloat16).requires_grad_() for _ in range(3)]
    layout = HeadLayout.dense(2, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        trained = gather_module.attention(projections, None, layout, 0.5, 0.0)
        with torch.no_grad():
            inferred = gather_module.attention(projections, None, layout, 0.5, 0.0)
    assert seen == [torch.float32, torch.bfloat16]
    assert trained.dtype == inferred.dtype == torch.bfloat16
    q, k, v = (x.detach().float().view(2, 5, 2, 4).transpose(1, 2) for x in projections)
    expected = kernel(q, k, v, scale=0.5).transpose(1, 2).reshape(2, 5, 8)
    assert torch.equal(trained, expected.to(torch.bfloat16))
    trained.float().sum().backward()
    assert all(x.grad is not None and torch.isfinite(x.grad).all() for x in projections)


def test_gather_path_runs_under_autocast(model):
    model.set_tickets(random_bank(model.config, p_keep=0.5), LANGS)
    model.train()
    b = batch()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(**b, language="de")
    assert out.prediction_logits.dtype == torch.bfloat16
    out.loss.backward()
    weight = model.bert.encoder.layer[0].attention.self.query.weight
    assert weight.grad.dtype == torch.float32 and torch.isfinite(weight.grad).all()
    row = LANGS.index("de")
    assert weight.grad[model.bert.tickets.layer[0].qk[row] == 0].abs().max() == 0


def test_attention_mask_padding_is_ignored(model):
    """A padded batch row gives the same outputs on its tokens as the row alone."""
    model.set_tickets(random_bank(model.config, p_keep=0.6), LANGS)
    b = batch()
    for implementation in ("mask", "gather"):
        model.config.ticket_implementation = implementation
        full = model(b["input_ids"], b["attention_mask"], b["token_type_ids"], language="fr").prediction_logits
        alone = model(b["input_ids"][1:2, :8], None, b["token_type_ids"][1:2, :8], language="fr").prediction_logits
        assert torch.allclose(full[1, :8], alone[0], atol=1e-5)


def test_save_load_round_trip_keeps_tickets(model, tmp_path):
    bank = random_bank(model.config)
    model.set_tickets(bank, LANGS)
    model.save_pretrained(tmp_path)
    with safe_open(str(tmp_path / "model.safetensors"), framework="pt") as handle:
        assert torch.equal(handle.get_tensor("bert.tickets.layer.1.ffn"), bank["layer.1.ffn"])
    loaded, info = TicketBertForPreTraining.from_pretrained(tmp_path, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    assert loaded.config.languages == LANGS
    assert loaded.cls.predictions.decoder.weight is loaded.bert.embeddings.word_embeddings.weight
    for key, value in bank.items():
        assert torch.equal(loaded.ticket("de")[key], value[1])
    b = batch()
    assert torch.allclose(loaded(**b, language="de").prediction_logits, model(**b, language="de").prediction_logits)


def test_dense_round_trip_has_no_bank(model, tmp_path):
    model.save_pretrained(tmp_path)
    loaded, info = TicketBertForPreTraining.from_pretrained(tmp_path, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert loaded.bert.tickets is None and loaded.config.languages == []
    with pytest.raises(MticketsError, match="no ticket"):
        loaded(**batch(), language="en")


def test_token_classification_loads_encoder_and_bank_from_pretraining(model, tmp_path):
    bank = random_bank(model.config)
    model.set_tickets(bank, LANGS)
    model.save_pretrained(tmp_path)
    tagger, info = TicketBertForTokenClassification.from_pretrained(
        tmp_path, num_labels=5, id2label={i: f"T{i}" for i in range(5)}, output_loading_info=True
    )
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    assert tagger.config.languages == LANGS and tagger.config.num_labels == 5
    assert torch.equal(tagger.bert.tickets.layer[0].v, bank["layer.0.v"])
    encoder = {k: v for k, v in model.bert.state_dict().items() if not k.startswith("pooler")}
    for key, value in tagger.bert.state_dict().items():
        assert torch.equal(value, encoder[key]), key
    b = batch()
    out = tagger(b["input_ids"], b["attention_mask"], language="fr", labels=b["labels"] % 5)
    assert out.logits.shape == (3, 12, 5) and torch.isfinite(out.loss)
    tagger.save_pretrained(tmp_path / "tagger")
    again = TicketBertForTokenClassification.from_pretrained(tmp_path / "tagger")
    assert again.config.id2label[4] == "T4" and torch.equal(again.classifier.weight, tagger.classifier.weight)


def test_set_tickets_rejects_bad_banks(model):
    bank = random_bank(model.config)
    with pytest.raises(MticketsError, match="layer.1.ffn"):
        model.set_tickets({k: v for k, v in bank.items() if k != "layer.1.ffn"}, LANGS)
    bad = dict(bank, **{"layer.0.v": torch.ones(3, 31, dtype=torch.uint8)})
    with pytest.raises(MticketsError, match="layer.0.v"):
        model.set_tickets(bad, LANGS)
    with pytest.raises(MticketsError, match="expected"):
        model.set_tickets(bank, ["en", "de"])
    model.set_tickets(bank, LANGS)
    with pytest.raises(MticketsError, match="'xx'"):
        model(**batch(), language="xx")


def test_base_model_outputs(model):
    base = TicketBertModel(tiny_config())
    out = base(batch()["input_ids"])
    assert out.last_hidden_state.shape == (3, 12, 32) and out.pooler_output.shape == (3, 32)


# --------------------------------------------------------------------------- init CLI


def make_tokenizer(directory, extra_tokens=45):
    from transformers import BertTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(extra_tokens)]
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=False)
    tokenizer.save_pretrained(str(directory))
    return len(vocab)


def run_init(tmp_path, config, seed, out, tokenizer):
    from mtickets.cli import main

    return main(["init", "--model-config", json.dumps(config), "--tokenizer", str(tokenizer),
                 "--seed", str(seed), "--out", str(out)])


def test_init_is_deterministic_and_takes_vocab_from_tokenizer(tmp_path):
    vocab = make_tokenizer(tmp_path / "tok")
    config = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
              "max_position_embeddings": 32}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        assert run_init(tmp_path, config, seed, tmp_path / name, tmp_path / "tok") == 0
    loaded = {name: TicketBertForPreTraining.from_pretrained(tmp_path / name).state_dict() for name in "abc"}
    assert loaded["a"]["bert.embeddings.word_embeddings.weight"].shape == (vocab, 32)
    assert all(torch.equal(loaded["a"][k], loaded["b"][k]) for k in loaded["a"])
    assert not torch.equal(loaded["a"]["bert.encoder.layer.0.attention.self.query.weight"],
                           loaded["c"]["bert.encoder.layer.0.attention.self.query.weight"])
    std = loaded["a"]["bert.encoder.layer.0.intermediate.dense.weight"].std()
    assert 0.015 < float(std) < 0.025  # normal(0, initializer_range = 0.02)
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_init_vocab_mismatch_names_both_numbers(tmp_path, caplog):
    vocab = make_tokenizer(tmp_path / "tok")
    config = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 64,
              "vocab_size": 999}
    assert run_init(tmp_path, config, 1, tmp_path / "m", tmp_path / "tok") == 1
    assert "999" in caplog.text and str(vocab) in caplog.text
    assert not (tmp_path / "m").exists()
    caplog.clear()
    assert run_init(tmp_path, {"hiden_size": 32}, 1, tmp_path / "m", tmp_path / "tok") == 1
    assert "hiden_size" in caplog.text
