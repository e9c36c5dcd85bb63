"""Parameter counts against physically pruned models; FLOPs against hand counts and torch's counter."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mtickets.modeling.accounting import count_parameters, inference_flops, ticket_row
from mtickets.errors import MticketsError
from mtickets.formats.tensors import save_safetensors
from mtickets.modeling import TicketBertConfig, TicketBertModel, ticket_dims


def tiny_config(**overrides):
    fields = {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4,
              "intermediate_size": 64, "max_position_embeddings": 40, "type_vocab_size": 2}
    return TicketBertConfig(**{**fields, **overrides})


def random_ticket(config, seed=0, p_keep=0.6):
    generator = torch.Generator().manual_seed(seed)
    return {key: (torch.rand(dim, generator=generator) < p_keep).to(torch.uint8)
            for key, dim in ticket_dims(config).items()}


def physically_pruned(config, ticket):
    """A TicketBertModel whose masked rows / columns are removed from the Linear layers."""
    model = TicketBertModel(config)

    def rows(linear, keep):
        return nn.Linear(linear.in_features, int(keep.sum()))

    def cols(linear, keep):
        return nn.Linear(int(keep.sum()), linear.out_features)

    for k, layer in enumerate(model.encoder.layer):
        qk, v, ffn = (ticket[f"layer.{k}.{c}"].bool() for c in ("qk", "v", "ffn"))
        attention = layer.attention.self
        attention.query, attention.key = rows(attention.query, qk), rows(attention.key, qk)
        attention.value = rows(attention.value, v)
        layer.attention.output.dense = cols(layer.attention.output.dense, v)
        layer.intermediate.dense = rows(layer.intermediate.dense, ffn)
        layer.output.dense = cols(layer.output.dense, ffn)
    return model


def test_dense_parameter_count_equals_model():
    config = tiny_config()
    model = TicketBertModel(config)
    assert count_parameters(config) == sum(p.numel() for p in model.parameters())
    no_pooler = TicketBertModel(config, add_pooling_layer=False)
    assert count_parameters(config, pooler=False) == sum(p.numel() for p in no_pooler.parameters())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ticket_parameter_count_equals_physically_pruned_model(seed):
    config = tiny_config()
    ticket = random_ticket(config, seed)
    pruned = physically_pruned(config, ticket)
    assert count_parameters(config, ticket) == sum(p.numel() for p in pruned.parameters())
    ones = {k: torch.ones_like(v) for k, v in ticket.items()}
    assert count_parameters(config, ones) == count_parameters(config)
    # Banks stored as float or bool count the same.
    assert count_parameters(config, {k: v.float() for k, v in ticket.items()}) == count_parameters(config, ticket)


def test_flops_hand_count_tiny_config():
    config = TicketBertConfig(vocab_size=10, hidden_size=4, num_hidden_layers=1, num_attention_heads=2,
                              intermediate_size=8, max_position_embeddings=8)
    t = 3
    # Dense, by hand: Q, K, V, O = 4 · (2·3·4·4) = 384; QKᵀ and AV = 2 · (2·3·3·4) = 144; FFN 2 · (2·3·4·8) = 384.
    assert inference_flops(config, t) == 384 + 144 + 384
    ticket = {
        "layer.0.qk": torch.tensor([1, 0, 1, 1]),  # 3 dims: head 0 keeps 1, head 1 keeps 2
        "layer.0.v": torch.tensor([0, 1, 0, 1]),  # 2 dims
        "layer.0.ffn": torch.tensor([1, 1, 0, 1, 0, 1, 1, 0]),  # 5 units
    }
    q_and_k = 2 * (2 * t * 4 * 3)  # 72 + 72
    value = 2 * t * 4 * 2  # 48
    scores = 2 * t * t * 3  # 54
    weighted_sum = 2 * t * t * 2  # 36
    output = 2 * t * 2 * 4  # 48
    ffn = 2 * (2 * t * 4 * 5)  # 240
    assert inference_flops(config, t, ticket) == q_and_k + value + scores + weighted_sum + output + ffn == 570


def test_dense_flops_match_torch_flop_counter():
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    config = tiny_config(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = TicketBertModel(config, add_pooling_layer=False).eval()
    t = 16
    counter = FlopCounterMode(display=False)
    # The math SDPA backend runs attention as matmuls, which the counter sees.
    with counter, torch.no_grad(), sdpa_kernel(SDPBackend.MATH):
        model(torch.randint(5, 100, (1, t)))
    assert counter.get_total_flops() == inference_flops(config, t)


def test_dense_flops_bert_base_closed_form():
    config = TicketBertConfig()  # BERT-base
    h, f, t, layers = 768, 3072, 128, 12
    assert inference_flops(config, t) == layers * (8 * t * h * h + 4 * t * h * f + 4 * t * t * h)


def test_ticket_row_from_file_dict_and_model(tmp_path):
    config = tiny_config()
    languages = ["en", "de"]
    bank = {key: torch.stack([random_ticket(config, 0)[key], random_ticket(config, 1)[key]])
            for key in ticket_dims(config)}
    path = tmp_path / "tickets.safetensors"
    import json

    save_safetensors(bank, path, {"languages": json.dumps(languages), "remain_ratio": "0.5"})
    from_file = ticket_row(path, "de")
    from_dict = ticket_row(bank, "de", languages=languages)
    model = TicketBertModel(config)
    model.set_tickets(bank, languages)
    from_model = ticket_row(model, "de")
    for key in bank:
        assert torch.equal(from_file[key], bank[key][1])
        assert torch.equal(from_dict[key], bank[key][1])
        assert torch.equal(from_model[key], bank[key][1])
    assert count_parameters(config, from_file) == count_parameters(config, random_ticket(config, 1))
    with pytest.raises(MticketsError, match="'xx'"):
        ticket_row(path, "xx")
    with pytest.raises(MticketsError, match="layer.2.ffn"):
        count_parameters(config, {k: v for k, v in from_file.items() if k != "layer.2.ffn"})


def test_compact_export_config_is_counted_from_its_layout():
    from mtickets.modeling.export import unit_layout

    config = tiny_config()
    ticket = random_ticket(config, seed=3)
    compact_config = TicketBertConfig(**{**config.to_dict(), "unit_layout": unit_layout(ticket, config),
                                         "ticket_language": "en"})
    compact = TicketBertModel(compact_config)
    assert count_parameters(compact_config) == sum(p.numel() for p in compact.parameters())
    assert count_parameters(compact_config) == count_parameters(config, ticket)
    assert inference_flops(compact_config, 17) == inference_flops(config, 17, ticket)
    with pytest.raises(MticketsError, match="compact export"):
        count_parameters(compact_config, ticket)
