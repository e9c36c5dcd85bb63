"""Zero-cost proxies: SNIP against brute-force autograd and finite differences, random, magnitude, CLI."""

from __future__ import annotations

import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from safetensors import safe_open

from mtickets.errors import MticketsError
from mtickets.formats.shards import open_shards
from mtickets.tickets.score import PROXIES, ScoreRequest, score_units, token_batches
from mtickets.training.masking import mask_tokens, pad_batch, special_tokens_mask
from mtickets.modeling import TicketBertConfig, TicketBertForPreTraining, ticket_dims
from mtickets.formats.special_tokens import SpecialTokens

OUR_SPECIALS = SpecialTokens(pad=0, unk=1, cls=2, sep=3, mask=4)  # the project's trained tokenizer's


def tiny_model(seed=0, layers=2):
    config = TicketBertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=layers, num_attention_heads=4,
                              intermediate_size=64, max_position_embeddings=32)
    torch.manual_seed(seed)
    return TicketBertForPreTraining(config)


def write_shards(directory, language="en", examples=40, seed=0, per_file=15, vocab_size=100):
    """A shard directory in the contract's format: [CLS] A [SEP] B [SEP], unpadded."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True)
    rows = []
    for _ in range(examples):
        a, b = rng.integers(5, vocab_size, rng.integers(2, 9)), rng.integers(5, vocab_size, rng.integers(2, 9))
        ids = [2, *a.tolist(), 3, *b.tolist(), 3]
        types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
        rows.append((ids, types, int(rng.integers(0, 2))))
    shards = []
    for index, start in enumerate(range(0, examples, per_file)):
        part = rows[start:start + per_file]
        table = pa.table({
            "input_ids": pa.array([r[0] for r in part], type=pa.list_(pa.int32())),
            "token_type_ids": pa.array([r[1] for r in part], type=pa.list_(pa.int8())),
            "next_sentence_label": pa.array([r[2] for r in part], type=pa.int8()),
            "language": pa.array([language] * len(part)),
        })
        name = f"part-{index:05d}.parquet"
        pq.write_table(table, directory / name)
        shards.append({"file": name, "examples": len(part)})
    tokens = sum(len(r[0]) for r in rows)
    manifest = {"language": language, "seq_length": 32, "documents": 1, "sentences": 1, "tokens": tokens,
                "examples": examples, "vocab_size": vocab_size, "seed": seed, "shards": shards,
                "special_tokens": OUR_SPECIALS.to_manifest()}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return rows


def brute_force_snip(model, rows, request, accumulate):
    """Mask parameters multiplied in by forward hooks; autograd gives ∂L/∂m directly."""
    model.eval()
    masks = {key: torch.ones(dim, requires_grad=True) for key, dim in ticket_dims(model.config).items()}
    hooks = []

    def multiply(key):
        return lambda module, inputs, output: output * masks[key]

    for k, layer in enumerate(model.bert.encoder.layer):
        hooks.append(layer.attention.self.query.register_forward_hook(multiply(f"layer.{k}.qk")))
        hooks.append(layer.attention.self.key.register_forward_hook(multiply(f"layer.{k}.qk")))
        hooks.append(layer.attention.self.value.register_forward_hook(multiply(f"layer.{k}.v")))
        hooks.append(layer.intermediate.dense.register_forward_hook(multiply(f"layer.{k}.ffn")))
    generator = torch.Generator().manual_seed(request.seed)
    totals = {key: torch.zeros(dim, dtype=torch.float64) for key, dim in ticket_dims(model.config).items()}
    seen = 0
    for start in range(0, len(rows), request.batch_size):
        if seen >= request.tokens:
            break
        chunk = []
        for row in rows[start:start + request.batch_size]:
            if seen >= request.tokens:
                break
            chunk.append(row)
            seen += len(row[0])
        ids, types, attention = pad_batch([r[0] for r in chunk], [r[1] for r in chunk], OUR_SPECIALS.pad)
        masked, labels = mask_tokens(ids, special_tokens_mask(ids, attention, OUR_SPECIALS.never_masked), 100,
                                     0.15, generator, mask_token_id=OUR_SPECIALS.mask)
        output = model(masked, attention, types)
        logits, nsp_logits = output.prediction_logits, output.seq_relationship_logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 100), labels.reshape(-1), ignore_index=-100)
        loss = loss + torch.nn.functional.cross_entropy(nsp_logits, torch.tensor([r[2] for r in chunk]))
        for key, mask in masks.items():
            mask.grad = None
        loss.backward()
        for key, mask in masks.items():
            totals[key] += mask.grad.double() if accumulate == "abs_of_sum" else mask.grad.double().abs()
    for hook in hooks:
        hook.remove()
    return {key: value.abs().float() for key, value in totals.items()}, seen


@pytest.mark.parametrize("accumulate", ["abs_of_sum", "sum_of_abs"])
def test_snip_equals_brute_force_autograd(tmp_path, accumulate):
    rows = write_shards(tmp_path / "shards")
    request = ScoreRequest(language="en", shards=tmp_path / "shards", tokens=400, batch_size=8, seed=5,
                           accumulate=accumulate)
    scores, metadata = score_units(tiny_model(), "snip", request)
    expected, seen = brute_force_snip(tiny_model(), rows, request, accumulate)
    assert int(metadata["tokens_seen"]) == seen >= 400
    assert metadata["proxy"] == "snip" and metadata["accumulate"] == accumulate and metadata["language"] == "en"
    assert int(metadata["batches"]) == len(list(token_batches(open_shards(tmp_path / "shards"), 8, 400)))
    for key in expected:
        assert scores[key].dtype == torch.float32 and scores[key].shape == expected[key].shape
        assert torch.allclose(scores[key], expected[key], rtol=1e-4, atol=1e-7), key
    assert all(bool((scores[key] > 0).any()) for key in scores)


def test_snip_gradient_matches_finite_differences():
    """∂L/∂m through unit_masks equals a central difference of the loss (float64)."""
    model = tiny_model().double().eval()
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 100, (2, 10), generator=generator)
    ids[:, 0] = 2
    labels = torch.where(torch.rand(ids.shape, generator=generator) < 0.4, ids, torch.full_like(ids, -100))
    nsp = torch.tensor([0, 1])
    masks = {key: torch.ones(dim, dtype=torch.float64, requires_grad=True)
             for key, dim in ticket_dims(model.config).items()}
    loss = model(ids, unit_masks=masks, labels=labels, next_sentence_label=nsp).loss
    grads = dict(zip(masks, torch.autograd.grad(loss, list(masks.values()))))
    eps = 1e-6
    for key, unit in (("layer.0.qk", 3), ("layer.1.v", 30), ("layer.0.ffn", 7), ("layer.1.ffn", 63)):
        values = []
        for sign in (1, -1):
            probe = {k: v.detach().clone() for k, v in masks.items()}
            probe[key][unit] += sign * eps
            values.append(model(ids, unit_masks=probe, labels=labels, next_sentence_label=nsp).loss.item())
        gradient = grads[key][unit].item()
        assert gradient != 0
        assert abs((values[0] - values[1]) / (2 * eps) - gradient) <= 1e-9 + 1e-5 * abs(gradient)


def test_snip_with_fewer_tokens_than_requested_warns_and_uses_all(tmp_path, caplog):
    rows = write_shards(tmp_path / "shards", examples=10)
    total = sum(len(r[0]) for r in rows)
    request = ScoreRequest(language="en", shards=tmp_path / "shards", tokens=10**6, batch_size=4)
    with caplog.at_level(logging.WARNING):
        _, metadata = score_units(tiny_model(), "snip", request)
    assert int(metadata["tokens_seen"]) == total and int(metadata["batches"]) == 3
    assert str(total) in caplog.text and "fewer" in caplog.text


def test_snip_rejects_other_language_shards(tmp_path):
    write_shards(tmp_path / "shards", language="de")
    with pytest.raises(MticketsError, match="'de'"):
        score_units(tiny_model(), "snip", ScoreRequest(language="en", shards=tmp_path / "shards", tokens=50))
    with pytest.raises(MticketsError, match="--shards"):
        score_units(tiny_model(), "snip", ScoreRequest(language="en", shards=None, tokens=50))


def test_random_scores_reproducible_and_differ_between_languages():
    model = tiny_model()
    en1, _ = score_units(model, "random", ScoreRequest(language="en", seed=3))
    en2, _ = score_units(model, "random", ScoreRequest(language="en", seed=3))
    de, _ = score_units(model, "random", ScoreRequest(language="de", seed=3))
    en_other_seed, _ = score_units(model, "random", ScoreRequest(language="en", seed=4))
    for key in en1:
        assert torch.equal(en1[key], en2[key])
        assert not torch.equal(en1[key], de[key])
        assert not torch.equal(en1[key], en_other_seed[key])
        assert float(en1[key].min()) >= 0 and float(en1[key].max()) < 1


def test_magnitude_scores_are_weight_norms_and_language_invariant():
    model = tiny_model()
    en, meta = score_units(model, "magnitude", ScoreRequest(language="en"))
    de, _ = score_units(model, "magnitude", ScoreRequest(language="de", seed=9))
    assert all(torch.equal(en[key], de[key]) for key in en) and meta["tokens_seen"] == "0"
    layer = model.bert.encoder.layer[1]
    with torch.no_grad():
        q, k = layer.attention.self.query, layer.attention.self.key
        expected_qk = torch.cat([q.weight[6], q.bias[6:7], k.weight[6], k.bias[6:7]]).norm()
        v, o = layer.attention.self.value, layer.attention.output.dense
        expected_v = torch.cat([v.weight[2], v.bias[2:3], o.weight[:, 2]]).norm()
        w1, w2 = layer.intermediate.dense, layer.output.dense
        expected_ffn = torch.cat([w1.weight[11], w1.bias[11:12], w2.weight[:, 11]]).norm()
    assert torch.isclose(en["layer.1.qk"][6], expected_qk)
    assert torch.isclose(en["layer.1.v"][2], expected_v)
    assert torch.isclose(en["layer.1.ffn"][11], expected_ffn)


def test_registry_holds_the_proxies():
    assert {"snip", "random", "magnitude"} <= set(PROXIES)


def test_score_cli_writes_safetensors_with_metadata(tmp_path):
    from mtickets.cli import main

    tiny_model().save_pretrained(tmp_path / "model")
    write_shards(tmp_path / "shards")
    out = tmp_path / "snip" / "en.safetensors"
    argv = ["score", "--proxy", "snip", "--model", str(tmp_path / "model"), "--lang", "en",
            "--shards", str(tmp_path / "shards"), "--tokens", "200", "--batch-size", "8", "--seed", "1",
            "--accumulate", "abs_of_sum", "--dropout", "off", "--device", "cpu", "--out", str(out)]
    assert main(argv) == 0
    with safe_open(str(out), framework="pt") as handle:
        metadata = handle.metadata()
        keys = set(handle.keys())
        assert handle.get_tensor("layer.1.ffn").shape == (64,)
        assert handle.get_tensor("layer.0.qk").dtype == torch.float32
    assert keys == {f"layer.{k}.{c}" for k in range(2) for c in ("qk", "v", "ffn")}
    assert metadata["language"] == "en" and metadata["proxy"] == "snip" and int(metadata["tokens_seen"]) >= 200
    assert metadata["seed"] == "1" and metadata["accumulate"] == "abs_of_sum" and metadata["dropout"] == "off"
    first = out.read_bytes()
    assert main(argv) == 0 and out.read_bytes() == first  # same seed, same bytes
    assert main(["score", "--proxy", "magnitude", "--model", str(tmp_path / "model"), "--lang", "de",
                 "--out", str(tmp_path / "mag.safetensors")]) == 0


def test_mask_tokens_80_10_10_and_cap():
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 1000, (64, 128), generator=generator)
    ids[:, 0], ids[:, -1] = 2, 3
    special = special_tokens_mask(ids, None, OUR_SPECIALS.never_masked)
    masked, labels = mask_tokens(ids, special, 1000, 0.15, torch.Generator().manual_seed(1),
                                 mask_token_id=OUR_SPECIALS.mask)
    selected = labels != -100
    assert not bool(selected[:, 0].any()) and not bool(selected[:, -1].any())
    assert torch.equal(labels[selected], ids[selected]) and torch.equal(masked[~selected], ids[~selected])
    rate = selected.float().mean().item()
    assert 0.13 < rate < 0.17
    as_mask = (masked[selected] == 4).float().mean().item()
    unchanged = (masked[selected] == ids[selected]).float().mean().item()
    assert 0.75 < as_mask < 0.85 and 0.07 < unchanged < 0.13
    again = mask_tokens(ids, special, 1000, 0.15, torch.Generator().manual_seed(1), mask_token_id=4)
    assert torch.equal(again[0], masked) and torch.equal(again[1], labels)
    _, capped = mask_tokens(ids, special, 1000, 0.15, torch.Generator().manual_seed(1), max_predictions=5,
                            mask_token_id=4)
    assert int((capped != -100).sum(dim=1).max()) == 5


def test_pad_batch():
    ids, types, attention = pad_batch([[2, 7, 3], [2, 3]], [[0, 0, 0], [0, 1]], OUR_SPECIALS.pad)
    assert ids.tolist() == [[2, 7, 3], [2, 3, 0]]
    assert types.tolist() == [[0, 0, 0], [0, 1, 0]]
    assert attention.tolist() == [[1, 1, 1], [1, 1, 0]]


# --------------------------------------------------------------------------- resumable SNIP


class Interrupt(Exception):
    pass


def interrupt_after(monkeypatch, batches):
    """Make SNIP's loss raise on batch ``batches + 1``, as if the job were killed there."""
    from mtickets.tickets import score as score_stage

    real = score_stage.pretraining_loss
    calls = {"n": 0}

    def loss(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > batches:
            raise Interrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(score_stage, "pretraining_loss", loss)
    return calls


@pytest.mark.parametrize("dropout", [False, True])
def test_snip_resume_equals_uninterrupted(tmp_path, monkeypatch, caplog, dropout):
    write_shards(tmp_path / "shards", examples=40)
    partial = tmp_path / "en.safetensors.partial"

    def request(checkpoint=None):
        return ScoreRequest(language="en", shards=tmp_path / "shards", tokens=500, batch_size=4, seed=3,
                            dropout=dropout, checkpoint=checkpoint, checkpoint_every=2)

    expected, expected_meta = score_units(tiny_model(), "snip", request())
    with monkeypatch.context() as patch:
        interrupt_after(patch, 5)  # checkpoints after batches 2 and 4, killed in batch 6
        with pytest.raises(Interrupt):
            score_units(tiny_model(), "snip", request(partial))
    assert partial.is_file()
    with safe_open(str(partial), framework="pt") as handle:
        assert handle.metadata()["batches"] == "4" and int(handle.metadata()["tokens_seen"]) > 0
    with caplog.at_level(logging.INFO):
        resumed, resumed_meta = score_units(tiny_model(), "snip", request(partial))
    assert "resuming" in caplog.text and "after batch 4" in caplog.text
    assert resumed_meta == expected_meta
    for key in expected:
        assert torch.equal(resumed[key], expected[key]), key


def leave_partial(monkeypatch, request: ScoreRequest) -> None:
    """Score with ``request`` until a kill in batch 4, leaving its partial sums behind."""
    with monkeypatch.context() as patch:
        interrupt_after(patch, 3)
        with pytest.raises(Interrupt):
            score_units(tiny_model(), "snip", request)


def test_snip_partial_of_another_request_is_ignored(tmp_path, monkeypatch, caplog):
    write_shards(tmp_path / "shards", examples=30)
    partial = tmp_path / "partial"
    base = dict(language="en", shards=tmp_path / "shards", tokens=300, batch_size=4, checkpoint=partial,
                checkpoint_every=1)
    leave_partial(monkeypatch, ScoreRequest(seed=1, **base))
    with caplog.at_level(logging.WARNING):
        scores, _ = score_units(tiny_model(), "snip", ScoreRequest(seed=2, **base))  # another seed
    assert "another request" in caplog.text and "seed" in caplog.text
    fresh, _ = score_units(tiny_model(), "snip", ScoreRequest(seed=2, **{**base, "checkpoint": None}))
    assert all(torch.equal(scores[key], fresh[key]) for key in fresh)
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # a model with other weights does not resume either
        score_units(tiny_model(seed=7), "snip", ScoreRequest(seed=2, **base))
    assert "another request" in caplog.text and "model" in caplog.text


@pytest.mark.parametrize("change", ["model", "shards"])
def test_snip_partial_of_other_content_is_ignored(tmp_path, monkeypatch, caplog, change):
    """Weights that differ inside a tensor, or shards that differ in one token, are other inputs."""
    rows = write_shards(tmp_path / "shards", examples=30)
    partial = tmp_path / "partial"
    request = ScoreRequest(language="en", shards=tmp_path / "shards", tokens=300, batch_size=4, checkpoint=partial,
                           checkpoint_every=1)
    leave_partial(monkeypatch, request)
    model = tiny_model()
    if change == "model":
        with torch.no_grad():
            model.bert.encoder.layer[0].intermediate.dense.weight[5, 7] += 0.5
    else:
        path = tmp_path / "shards" / "part-00000.parquet"
        table = pq.read_table(path).to_pydict()
        table["input_ids"][1][1] = 5 if rows[1][0][1] != 5 else 6
        pq.write_table(pa.Table.from_pydict(table, schema=pq.read_schema(path)), path)
    with caplog.at_level(logging.WARNING):
        scores, _ = score_units(model, "snip", request)
    assert "another request" in caplog.text and f"differs in {change}" in caplog.text, caplog.text
    fresh, _ = score_units(model, "snip", ScoreRequest(**{**request.__dict__, "checkpoint": None}))
    assert all(torch.equal(scores[key], fresh[key]) for key in fresh)


def test_score_cli_resumes_and_removes_the_partial(tmp_path, monkeypatch, caplog):
    from mtickets.cli import main

    tiny_model().save_pretrained(tmp_path / "model")
    write_shards(tmp_path / "shards", examples=40)
    out = tmp_path / "snip" / "en.safetensors"
    argv = ["score", "--proxy", "snip", "--model", str(tmp_path / "model"), "--lang", "en",
            "--shards", str(tmp_path / "shards"), "--tokens", "400", "--batch-size", "4", "--seed", "1",
            "--checkpoint-every", "1", "--device", "cpu", "--out", str(out)]
    assert main(argv) == 0
    uninterrupted = out.read_bytes()
    assert not (tmp_path / "snip" / "en.safetensors.partial").exists()
    out.unlink()
    with monkeypatch.context() as patch:
        interrupt_after(patch, 3)
        with pytest.raises(Interrupt):
            main(argv)
    assert (tmp_path / "snip" / "en.safetensors.partial").is_file() and not out.exists()
    with caplog.at_level(logging.INFO):
        assert main(argv) == 0
    assert "resuming" in caplog.text
    assert out.read_bytes() == uninterrupted  # byte-identical to the uninterrupted run
    assert not (tmp_path / "snip" / "en.safetensors.partial").exists()


def test_random_and_magnitude_tickets(tmp_path):
    """Random tickets are reproducible from the seed; magnitude tickets are the same for every language."""
    from mtickets.tickets.merge import merge_scores

    model = tiny_model(layers=3)
    languages = ["en", "de", "fr", "sw", "yo", "zh", "ja"]

    def tickets(proxy, seed, ratio):
        scores = {lang: score_units(model, proxy, ScoreRequest(language=lang, seed=seed))[0] for lang in languages}
        return merge_scores(scores, languages, ratio)

    first, again, other = tickets("random", 3, 0.75), tickets("random", 3, 0.75), tickets("random", 4, 0.75)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert any(not torch.equal(first[k], other[k]) for k in first)
    assert any(not torch.equal(first[k][0], first[k][1]) for k in first)  # languages differ
    # ⌊0.85 · 7 · 384⌋ units is not a multiple of 7: a plain joint top-k would split a tie group.
    for ratio in (0.75, 0.85):
        bank = tickets("magnitude", 0, ratio)
        for key, value in bank.items():
            assert all(torch.equal(value[0], value[i]) for i in range(1, len(languages))), key
        kept = sum(int(v[0].sum()) for v in bank.values())
        assert kept == int(ratio * sum(v.shape[1] for v in bank.values()))


def test_a_corpus_below_min_tokens_stops_before_scoring(tmp_path):
    from mtickets.cli import build_parser, main
    from mtickets.tickets.score import main as score_main

    tiny_model().save_pretrained(tmp_path / "model")
    rows = write_shards(tmp_path / "shards", examples=20)
    corpus = sum(len(r[0]) for r in rows)
    out = tmp_path / "en.safetensors"
    argv = ["score", "--proxy", "snip", "--model", str(tmp_path / "model"), "--lang", "en", "--shards",
            str(tmp_path / "shards"), "--tokens", str(corpus + 1), "--device", "cpu", "--out", str(out)]
    required = [*argv, "--min-tokens", str(corpus + 1)]
    with pytest.raises(MticketsError, match=rf"language 'en': .*shards holds {corpus} corpus wordpieces, fewer "
                                            rf"than --min-tokens {corpus + 1} \(the scoring budget"):
        score_main(build_parser(required).parse_args(required))
    assert not out.exists()
    assert main(argv) == 0  # without it: a warning, and every token scored


def test_a_second_scoring_of_one_output_stops_naming_the_holder_and_leaves_the_partial_sums(tmp_path, caplog):
    """Two jobs resuming one {out}.partial would overwrite each other's sums."""
    from killed_writer import hold_lock, release
    from mtickets import cli
    from mtickets.formats.atomic import lock_path, partial_path

    out = tmp_path / "en.safetensors"
    partial_path(out).write_bytes(b"the running job's sums")
    holder = hold_lock(lock_path(out))
    try:
        with caplog.at_level(logging.ERROR, logger="mtickets"):
            assert cli.main(["score", "--proxy", "snip", "--model", str(tmp_path / "init"), "--lang", "en",
                             "--shards", str(tmp_path / "shards"), "--out", str(out)]) == 1
    finally:
        release(holder)
    assert f"{out} is being written by another process (PID {holder.pid} on " in caplog.text
    assert f"holding {lock_path(out)}); wait for it to finish or stop it, then rerun" in caplog.text
    assert partial_path(out).read_bytes() == b"the running job's sums" and not out.exists()
