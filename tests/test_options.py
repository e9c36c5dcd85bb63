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


def test_an_unknown_key_names_the_section_and_the_options():
    with pytest.raises(MticketsError) as error:
        command_line(Example, {"batch_sise": 16}, "pretrain")
    assert "pretrain: batch_sise is not an option of Example" in str(error.value)
    assert "batch_size" in str(error.value)


def test_defaults_lists_the_fields_that_have_one():
    assert defaults(Example) == {"batch_size": 8, "learning_rate": 1e-4, "precision": "auto",
                                 "micro_batch_size": None, "languages": [], "compile": False}


def test_a_field_type_that_is_no_flag_is_refused():
    @dataclass
    class Bad:
        table: dict | None = option(None, help="no flag for this")

    with pytest.raises(TypeError, match="Bad.table"):
        add_options(argparse.ArgumentParser(), Bad)
