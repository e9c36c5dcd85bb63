"""mtickets.options: a dataclass is a stage's flags, and a config section becomes those flags."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from mtickets.errors import MticketsError
from mtickets.options import add_options, command_line, defaults, from_arguments, option


@dataclass
class Example:
    out: Path = option(help="where it goes")
    shards: list[Path] = option(help="shard directories")
    batch_size: int = option(8, help="rows per step")
    learning_rate: float = option(1e-4, help="peak rate")
    precision: str = option("auto", help="number format", choices=("auto", "fp32", "bf16"))
    micro_batch_size: int | None = option(None, help="rows per pass")
    languages: list[str] = option([], help="languages tracked")
    seeds: list[int] = option([1], help="one run each")
    compile: bool = option(False, help="torch.compile the step")


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(prog="stage")
    add_options(result, Example)
    return result


def parse(words: list[str]) -> Example:
    return from_arguments(Example, parser().parse_args(words))


def test_flags_parse_into_the_dataclass_with_its_types_and_defaults():
    parsed = parse(["--out", "o", "--shards", "a", "b", "--batch-size", "16", "--compile"])
    assert parsed == Example(out=Path("o"), shards=[Path("a"), Path("b")], batch_size=16, compile=True)
    assert parsed.languages == [] and parsed.learning_rate == 1e-4


def test_a_field_without_default_is_a_required_flag(capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["--shards", "a"])
    assert "--out" in capsys.readouterr().err


def test_choices_are_enforced(capsys):
    with pytest.raises(SystemExit):
        parse(["--out", "o", "--shards", "a", "--precision", "fp16"])
    assert "invalid choice: 'fp16'" in capsys.readouterr().err


def test_help_shows_each_default_once():
    text = parser().format_help()
    assert "rows per step (default: 8)" in text
    assert "--no-compile" in text and "(default: False)" not in text


def test_a_config_section_becomes_flags_that_parse_back_to_the_same_values():
    section = {"batch_size": 16, "learning_rate": 0.002, "micro_batch_size": None, "languages": ["en", "de"],
               "compile": False, "precision": "bf16"}
    words = ["--out", "o", "--shards", "a", *shlex.split(command_line(Example, section, "pretrain"))]
    assert "--micro-batch-size" not in words and "--no-compile" in words
    parsed = parse(words)
    assert {name: getattr(parsed, name) for name in section if section[name] is not None} == {
        name: value for name, value in section.items() if value is not None}


def test_the_flags_follow_the_dataclass_not_the_mapping():
    section = {"seeds": [1, 2], "languages": ["en"], "batch_size": 16}
    assert command_line(Example, dict(reversed(section.items())), "x") == command_line(Example, section, "x") == (
        "--batch-size 16 --languages en --seeds 1 2")


def test_a_list_may_be_empty_only_where_that_is_its_default(capsys):
    assert parse(["--out", "o", "--shards", "a", "--languages"]).languages == []
    with pytest.raises(SystemExit):
        parse(["--out", "o", "--shards", "a", "--seeds"])
    assert "--seeds: expected at least one argument" in capsys.readouterr().err


def test_an_unknown_key_names_the_section_and_the_options():
    with pytest.raises(MticketsError) as error:
        command_line(Example, {"batch_sise": 16}, "pretrain")
    assert "pretrain: batch_sise is not an option of Example" in str(error.value)
    assert "batch_size" in str(error.value)


def test_defaults_lists_the_fields_that_have_one():
    assert defaults(Example) == {"batch_size": 8, "learning_rate": 1e-4, "precision": "auto",
                                 "micro_batch_size": None, "languages": [], "seeds": [1], "compile": False}


def test_a_field_type_that_is_no_flag_is_refused():
    @dataclass
    class Bad:
        table: dict | None = option(None, help="no flag for this")

    with pytest.raises(TypeError, match="Bad.table"):
        add_options(argparse.ArgumentParser(), Bad)


REPO = Path(__file__).resolve().parents[1]


def test_the_schemas_pretrain_defaults_are_the_options_dataclass_defaults():
    import yaml

    from mtickets.training.settings import PretrainConfig

    properties = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())["properties"]["pretrain"][
        "properties"]
    ours = defaults(PretrainConfig)
    schema_defaults = {name: spec["default"] for name, spec in properties.items() if name in ours and "default" in spec}
    assert {"mlm_probability", "precision", "weight_decay", "max_grad_norm"} <= set(schema_defaults)
    assert schema_defaults == {name: ours[name] for name in schema_defaults}


def test_a_variants_pretrain_flags_parse_back_to_its_config_values():
    """The demo config's pretrain section, through the rule's helper and the stage's parser."""
    import yaml

    from mtickets.configuration import PRETRAIN_RERUN_FREE, pretrain_options
    from mtickets.training.pretrain import add_arguments
    from mtickets.training.settings import PretrainConfig

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["pretrain"].setdefault("weight_decay", 0.03)
    values = pretrain_options(config, "mbert")
    stage = argparse.ArgumentParser()
    add_arguments(stage)
    words = ["--model", "m", "--shards", "s", "--out", "o", "--checkpoint-dir", "c",
             *shlex.split(command_line(PretrainConfig, values, "pretrain"))]
    parsed = from_arguments(PretrainConfig, stage.parse_args(words))
    section = config["pretrain"]
    for name in ("steps", "batch_size", "learning_rate", "warmup_steps", "smoothing", "weight_decay"):
        assert getattr(parsed, name) == section[name]
    assert parsed.seq_schedule == ",".join(f"{s['length']}:{s['fraction']}" for s in section["seq_schedule"])
    assert not set(PRETRAIN_RERUN_FREE) & set(values)


def test_reordering_the_pretrain_section_keeps_the_rules_flags():
    """Snakemake reruns a job whose params changed: the flags follow the dataclass, not the YAML's order."""
    import yaml

    from mtickets.configuration import pretrain_options
    from mtickets.training.settings import PretrainConfig

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    before = command_line(PretrainConfig, pretrain_options(config, "mbert"), "pretrain")
    config["pretrain"] = dict(reversed(config["pretrain"].items()))
    assert command_line(PretrainConfig, pretrain_options(config, "mbert"), "pretrain") == before
