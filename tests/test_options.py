"""mtickets.options: a dataclass is a stage's flags, and a config section becomes those flags."""

from __future__ import annotations

import argparse
import dataclasses
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


SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


def options_classes() -> dict:
    from mtickets.evaluation.settings import FinetuneConfig
    from mtickets.tickets.score import ScoringOptions
    from mtickets.training.settings import InterferenceSettings, PretrainConfig

    return {"pretrain": PretrainConfig, "scoring": ScoringOptions, "interference": InterferenceSettings,
            "evaluation": FinetuneConfig}


@pytest.mark.parametrize("section, compared", [
    ("pretrain", {"mlm_probability", "precision", "weight_decay", "max_grad_norm"}),
    ("scoring", {"accumulate", "dropout", "checkpoint_every"}),
    ("interference", {"languages", "sketch_dim", "uc_every", "gc_every", "until", "probe_examples", "exact_layers",
                      "exact_languages"}),
    ("evaluation", {"precision", "batching", "device", "min_updates", "eval_every"}),  # with a task's keys
])
def test_the_schemas_defaults_are_the_options_dataclass_defaults(section, compared):
    import yaml

    schema = yaml.safe_load(SCHEMA.read_text())
    properties = schema["properties"][section]["properties"]
    if section == "evaluation":
        properties = {**properties, **schema["$defs"]["task"]["properties"]}
    ours = defaults(options_classes()[section])
    schema_defaults = {name: spec["default"] for name, spec in properties.items() if name in ours and "default" in spec}
    assert compared <= set(schema_defaults)
    assert schema_defaults == {name: ours[name] for name in schema_defaults}


def demo_config(replicates: int = 1) -> dict:
    """The demo config with the schema's defaults filled in, as the workflow reads it."""
    import yaml
    from snakemake.utils import validate

    from mtickets.configuration import expand_replicates

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["replicates"] = replicates
    validate(config, schema=str(SCHEMA))
    expand_replicates(config)
    return config


def stage_options(options_class: type, words: list[str], **overrides):
    """``options_class`` from a ``mtickets STAGE ...`` command line, parsed by the CLI's own parser."""
    from mtickets.cli import build_parser

    return from_arguments(options_class, build_parser(words).parse_args(words), **overrides)


def test_each_stages_config_options_parse_back_into_an_equal_dataclass():
    from mtickets import configuration as c

    classes, config = options_classes(), demo_config()
    files = {"pretrain": ["--model", "m", "--shards", "s", "--out", "o", "--checkpoint-dir", "c", "--steps", "1",
                          "--batch-size", "1", "--learning-rate", "1"],  # the later flags win
             "score": ["--proxy", "snip", "--model", "m", "--lang", "en", "--out", "o"],
             "finetune": ["--model", "m", "--task", "t", "--format", "conllu", "--lang", "en", "--train", "t", "--dev",
                          "d", "--test", "t", "--out", "o"]}
    cases = [
        ("pretrain", classes["pretrain"], c.pretrain_options(config, "mbert")),
        ("pretrain", classes["interference"], c.interference_options(config, "mbert")),
        ("pretrain", classes["interference"], c.interference_options(config, "mtickets")),
        ("score", classes["scoring"], c.scoring_options(config, "mtickets", Path("results/shards/en/seq64"))),
        ("score", classes["scoring"], c.scoring_options(config, "random", None)),
        ("finetune", classes["evaluation"], c.finetune_options(config, "mbert", "ner")),
    ]
    for stage, options_class, values in cases:
        required = stage_options(options_class, [stage, *files[stage]])
        words = [stage, *files[stage], *shlex.split(command_line(options_class, values, stage))]
        assert stage_options(options_class, words) == dataclasses.replace(required, **values), (stage, values)


def test_the_config_decides_gc_data_options_and_exact_layers():
    from mtickets import configuration as c

    config = demo_config(replicates=2)
    gc = {variant: c.interference_options(config, variant)["gc_every"] for variant in config["variants"]}
    assert {variant for variant, every in gc.items() if every} == {"mbert_r1"}  # Figure 2's run alone
    assert gc["mbert_r1"] == config["interference"]["gc_every"]
    assert c.scoring_options(config, "random_r2", None) == {"seed": config["scoring"]["seed"] + 1}
    snip = c.scoring_options(config, "mtickets_r1", "results/shards/en/seq64")
    assert snip["min_tokens"] == snip["tokens"] == config["scoring"]["tokens"] and "checkpoint_every" not in snip
    evaluation = c.finetune_options(config, "mbert_r1", "ner")
    assert evaluation["seeds"] == config["evaluation"]["seeds"] and evaluation["format"] == "panx"
    assert evaluation["min_updates"] == config["evaluation"]["tasks"]["ner"]["min_updates"]


def test_the_rules_commands_parse_into_the_options_the_config_gives(tmp_path):
    """A dry run's shell commands, through the stages' own parsers: the flags the rules pass are the config's."""
    import yaml
    from test_workflow import snakemake, write_config

    from mtickets import configuration as c

    classes, config = options_classes(), demo_config()
    write_config(tmp_path, yaml.safe_load((REPO / "config/config.yaml").read_text()))
    targets = {"mbert": "results/pretrain/mbert/final", "mtickets": "results/pretrain/mtickets/final",
               "snip": "results/scores/mtickets/en.safetensors", "random": "results/scores/random/en.safetensors",
               "ner": "results/finetune/mbert/ner/en/seed1/metrics.json"}
    output = snakemake("--dry-run", "--printshellcmds", *targets.values(), workdir=tmp_path).stdout
    commands = {}  # by --out
    for line in output.splitlines():
        if line.startswith("Shell command: "):
            words = shlex.split(line.split(" 2> ")[0])
            commands[words[-1].replace("seed{seed}", "seed1")] = words[words.index("mtickets") + 1:]
    for variant in ("mbert", "mtickets"):
        words = commands[targets[variant]]
        assert stage_options(classes["interference"], words) == dataclasses.replace(
            classes["interference"](), **c.interference_options(config, variant))
        pretrain = stage_options(classes["pretrain"], words)
        assert pretrain == dataclasses.replace(pretrain, **c.pretrain_options(config, variant))
    for target, variant in (("snip", "mtickets"), ("random", "random")):
        words = commands[targets[target]]
        scoring = stage_options(classes["scoring"], words)
        assert scoring.checkpoint_every == config["scoring"]["checkpoint_every"]
        assert (scoring.shards is None) == (target == "random")
        assert scoring == dataclasses.replace(scoring, **c.scoring_options(config, variant, scoring.shards))
    finetune = stage_options(classes["evaluation"], commands[targets["ner"]])
    assert finetune == dataclasses.replace(finetune, **c.finetune_options(config, "mbert", "ner"))
    assert "--seeds 1 2" in output and "--gc-every 10" in output and "--gc-every 0" in output


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


def test_an_empty_list_that_may_be_empty_is_the_bare_flag_and_parses_back_empty():
    """`loggers: []` (no trackers) must reach the stage as `--loggers`, not vanish into the default."""
    from mtickets.training.settings import PretrainConfig

    assert command_line(PretrainConfig, {"loggers": [], "peak_tflops": None}, "pretrain") == "--loggers"

    @dataclass
    class Watched:
        loggers: list[str] = option(["tensorboard"], help="trackers", may_be_empty=True)

    parser = argparse.ArgumentParser()
    add_options(parser, Watched)
    line = command_line(Watched, {"loggers": []}, "watched")
    assert from_arguments(Watched, parser.parse_args(shlex.split(line))) == Watched(loggers=[])
