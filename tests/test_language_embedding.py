"""The language embedding: a dense model told the language (the control of the tickets' per-language routes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from test_finetune import finetune_argv, make_tokenizer, write_panx
from test_pretrain import pretrain_argv, run_cli, write_shards

from mtickets.evaluation import finetune as ft
from mtickets.configuration import init_model_fields
from mtickets.errors import MticketsError
from mtickets.modeling import (
    TicketBertConfig,
    TicketBertForPreTraining,
    TicketBertForTokenClassification,
    TicketBertModel,
    needs_language,
)
from mtickets.modeling.accounting import count_parameters, inference_flops

LANGS = ["en", "de"]


def tiny_config(language_embedding=True, **overrides) -> TicketBertConfig:
    fields = {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
              "intermediate_size": 64, "max_position_embeddings": 32, "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0}
    if language_embedding:
        fields.update(language_embedding=True, embedding_languages=LANGS)
    return TicketBertConfig(**{**fields, **overrides})


def seeded(cls, config, seed=0, **kwargs):
    torch.manual_seed(seed)
    return cls(config, **kwargs).eval()


def batch(seed=0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 100, (3, 10), generator=generator)
    attention = torch.ones_like(ids)
    attention[1, 6:] = 0
    types = torch.zeros_like(ids)
    types[:, 5:] = 1
    return {"input_ids": ids, "attention_mask": attention, "token_type_ids": types}


def test_a_seed_gives_the_dense_weights_plus_the_embedding():
    dense = seeded(TicketBertForPreTraining, tiny_config(False)).state_dict()
    told = seeded(TicketBertForPreTraining, tiny_config()).state_dict()
    rows = told.pop("bert.embeddings.language_embeddings.weight")
    assert told.keys() == dense.keys() and all(torch.equal(told[key], dense[key]) for key in dense)
    assert rows.shape == (2, 32) and 0.01 < float(rows.std()) < 0.03  # normal(0, initializer_range)


def test_each_language_gets_its_own_outputs_and_zero_rows_give_the_dense_model():
    dense = seeded(TicketBertForPreTraining, tiny_config(False))
    told = seeded(TicketBertForPreTraining, tiny_config())
    with torch.no_grad():
        reference = dense(**batch()).prediction_logits
        en, de = (told(**batch(), language=lang).prediction_logits for lang in LANGS)
        assert not torch.allclose(en, de) and not torch.allclose(en, reference)
        told.bert.embeddings.language_embeddings.weight.zero_()
        for lang in LANGS:
            assert torch.equal(told(**batch(), language=lang).prediction_logits, reference)


def test_embeddings_are_the_layernorm_of_word_position_type_and_language():
    model = seeded(TicketBertModel, tiny_config())
    layer = model.embeddings
    b = batch()
    ids, types = b["input_ids"], b["token_type_ids"]
    with torch.no_grad():
        out = layer(ids, types, language="de")
        expected = torch.empty(*ids.shape, 32)
        for i in range(ids.shape[0]):
            for t in range(ids.shape[1]):
                total = (layer.word_embeddings.weight[ids[i, t]] + layer.position_embeddings.weight[t]
                         + layer.token_type_embeddings.weight[types[i, t]] + layer.language_embeddings.weight[1])
                expected[i, t] = torch.nn.functional.layer_norm(total, (32,), layer.LayerNorm.weight,
                                                                layer.LayerNorm.bias, layer.LayerNorm.eps)
    torch.testing.assert_close(out, expected)


def test_it_stays_a_dense_model_that_needs_language():
    model = seeded(TicketBertForPreTraining, tiny_config(ticket_implementation="gather"))
    assert needs_language(model.config) and not needs_language(tiny_config(False))
    assert model.bert.tickets is None and model.config.languages == [] and not list(model.buffers())
    with torch.no_grad():
        model(**batch(), language="de")
    assert model.bert._plans == {}  # no gathered ticket path
    with pytest.raises(MticketsError, match=r"trained with a language embedding \(en, de\); pass language="):
        model(**batch())
    with pytest.raises(MticketsError, match=r"'fr' has no row in the language embedding .*\(its languages: en, de\)"):
        model(**batch(), language="fr")
    with pytest.raises(MticketsError, match="embedding_languages"):
        TicketBertModel(tiny_config(embedding_languages=[]))


def test_tickets_and_the_embedding_combine_and_export_folds_the_row():
    from mtickets.modeling.export import export_ticket

    model = seeded(TicketBertForPreTraining, tiny_config())
    with pytest.raises(MticketsError, match="'de' has no ticket"):  # a dense model has no ticket to export
        export_ticket(model, "de")
    generator = torch.Generator().manual_seed(1)
    bank = {f"layer.{k}.{c}": (torch.rand(2, dim, generator=generator) < 0.6).to(torch.uint8)
            for k in range(2) for c, dim in (("qk", 32), ("v", 32), ("ffn", 64))}
    model.set_tickets(bank, ["de", "en"])  # another order than the embedding's rows
    compact = export_ticket(model, "de")
    assert not compact.config.language_embedding and compact.bert.embeddings.language_embeddings is None
    with torch.no_grad():
        torch.testing.assert_close(compact(**batch()).prediction_logits,
                                   model(**batch(), language="de").prediction_logits)


def test_accounting_counts_the_rows_and_no_flops():
    told, dense = tiny_config(), tiny_config(False)
    assert count_parameters(told) - count_parameters(dense) == 2 * 32
    assert count_parameters(told) == sum(p.numel() for p in TicketBertModel(told).parameters())
    assert inference_flops(told, 16) == inference_flops(dense, 16)


def test_the_init_rule_gives_the_rows_only_to_language_embedding_variants():
    fields = {"hidden_size": 32, "vocab_size": 100}
    assert init_model_fields(fields, LANGS) == fields
    assert init_model_fields({**fields, "language_embedding": False}, LANGS) == fields  # the param as before
    assert init_model_fields({**fields, "language_embedding": True}, LANGS) == {
        **fields, "language_embedding": True, "embedding_languages": LANGS}


def test_init_builds_it_from_the_model_config(tmp_path):
    from mtickets.cli import main

    make_tokenizer(tmp_path / "tokenizer")
    fields = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
              "max_position_embeddings": 32}
    argv = ["init", "--tokenizer", str(tmp_path / "tokenizer"), "--seed", "0"]
    told = json.dumps(init_model_fields({**fields, "language_embedding": True}, LANGS))
    assert main([*argv, "--model-config", told, "--out", str(tmp_path / "told")]) == 0
    model = TicketBertForPreTraining.from_pretrained(tmp_path / "told")
    assert model.config.embedding_languages == LANGS and model.bert.tickets is None
    half = json.dumps({**fields, "language_embedding": True})
    assert main([*argv, "--model-config", half, "--out", str(tmp_path / "half")]) == 1
    assert not (tmp_path / "half").exists()


# Run by a fresh interpreter without mtickets: argv[1] the model directory, argv[2] the batch; prints JSON.
CHILD = r'''
import json, sys

class NoMtickets:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "mtickets":
            raise ImportError("mtickets is not installed here")

sys.meta_path.insert(0, NoMtickets())
import torch
from transformers import AutoModelForTokenClassification

model = AutoModelForTokenClassification.from_pretrained(sys.argv[1], trust_remote_code=True).eval()
batch = {key: torch.tensor(value) for key, value in json.loads(sys.argv[2]).items()}
with torch.no_grad():
    out = {lang: model(**batch, language=lang).logits.tolist() for lang in ("en", "de")}
try:
    model(**batch)
except Exception as error:
    out["error"] = [type(error).__name__, str(error)]
print(json.dumps(out))
'''


def test_save_and_load_keep_it_with_and_without_mtickets(tmp_path):
    tagger = seeded(TicketBertForTokenClassification, tiny_config(num_labels=3))
    tagger.save_pretrained(tmp_path / "tagger")
    loaded = TicketBertForTokenClassification.from_pretrained(tmp_path / "tagger").eval()
    b = batch()
    with torch.no_grad():
        own = {lang: tagger(**b, language=lang).logits for lang in LANGS}
        for lang in LANGS:
            assert torch.equal(loaded(**b, language=lang).logits, own[lang])
    env = {**os.environ, "HF_MODULES_CACHE": str(tmp_path / "hf_modules"), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_VERBOSITY": "error"}
    request = json.dumps({key: value.tolist() for key, value in b.items()})
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "tagger"), request], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for lang in LANGS:
        torch.testing.assert_close(torch.tensor(report[lang]), own[lang], rtol=1e-6, atol=1e-6)
    assert report["error"][0] == "MticketsError" and "trained with a language embedding" in report["error"][1]


def test_pretraining_tells_the_model_every_batch_language(tmp_path, caplog):
    shards = [write_shards(tmp_path / "shards", lang, length, examples=24, tokens=tokens, heldout=8)
              for lang, tokens in (("en", 2_000), ("de", 1_000)) for length in (32, 64)]
    config = TicketBertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64, language_embedding=True,
                              embedding_languages=["de", "en"])
    seeded(TicketBertForPreTraining, config).save_pretrained(tmp_path / "init")
    out = tmp_path / "final"
    extra = ["--eval-every", "3", "--interference-out", str(tmp_path / "interference"), "--gc-every", "3"]
    assert run_cli(pretrain_argv(tmp_path / "init", shards, out, tmp_path / "ckpt", steps=6, extra=extra)) == 0
    summary = json.loads((out / "pretrain.json").read_text())
    assert summary["language_embedding"] and not summary["ticketed"]
    initial = TicketBertForPreTraining.from_pretrained(tmp_path / "init").bert.embeddings.language_embeddings
    final = TicketBertForPreTraining.from_pretrained(out)
    assert final.config.embedding_languages == ["de", "en"] and final.bert.tickets is None
    rows = final.bert.embeddings.language_embeddings.weight
    trained = [lang for lang, steps in summary["steps_per_language"].items() if steps]
    for lang in trained:
        row = ["de", "en"].index(lang)
        assert not torch.allclose(rows[row], initial.weight[row])
    config.embedding_languages = ["en"]
    seeded(TicketBertForPreTraining, config).save_pretrained(tmp_path / "en_only")
    assert run_cli(pretrain_argv(tmp_path / "en_only", shards, tmp_path / "no", tmp_path / "ckpt2", steps=6)) == 1
    assert "'de' has no row in the language embedding" in caplog.text


def test_finetuning_runs_every_batch_with_its_language(tmp_path, monkeypatch):
    from mtickets.cli import build_parser, main

    tokenizer = make_tokenizer(tmp_path / "tokenizer")
    config = TicketBertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=64, language_embedding=True,
                              embedding_languages=LANGS)
    seeded(TicketBertForPreTraining, config).save_pretrained(tmp_path / "told")
    files = {"ner": [write_panx(tmp_path / f"{split}.tsv", i, n)
                     for i, (split, n) in enumerate((("train", 160), ("dev", 30), ("test", 30)))]}
    languages = []
    original = ft.train_step

    def spy(model, optimizer, scheduler, encoded, language, *args):
        languages.append(language)
        return original(model, optimizer, scheduler, encoded, language, *args)

    monkeypatch.setattr(ft, "train_step", spy)
    out = tmp_path / "metrics.json"
    argv = finetune_argv(tmp_path, files, "ner", "told", out=out)
    argv[argv.index("--min-updates") + 1] = "0"  # two epochs: the runs, not the score, are under test
    assert main(argv) == 0
    metrics = json.loads(out.read_text())
    assert set(languages) == {"en"} and len(languages) == metrics["updates"] and metrics["ticket"] is None
    argv = finetune_argv(tmp_path, files, "ner", "told", lang="fr", out=tmp_path / "fr.json")
    with pytest.raises(MticketsError, match=r"'fr' has no row in the language embedding .*en, de"):
        ft.main(build_parser(argv).parse_args(argv))
