"""The command line: every stage is reachable and bad input is one clear line."""

import argparse
import importlib
import logging
import re
import shlex
from pathlib import Path

import pytest

from mtickets import cli


@pytest.mark.parametrize("stage", sorted(cli.STAGES))
def test_every_stage_has_help(stage, capsys):
    module = importlib.import_module(cli.STAGES[stage])
    assert module.__doc__.strip(), f"{module.__name__} needs a docstring: it is the stage's help"
    with pytest.raises(SystemExit) as exit_info:
        cli.main([stage, "--help"])
    assert exit_info.value.code == 0
    assert module.__doc__.splitlines()[0] in capsys.readouterr().out


def test_user_error_is_one_message_and_exit_1(tmp_path, caplog):
    missing = tmp_path / "nope.safetensors"
    code = cli.main(["merge", "--scores", str(missing), "--languages", "en",
                     "--remain-ratio", "0.5", "--out-dir", str(tmp_path / "t")])
    assert code == 1
    assert str(missing) in caplog.text
    assert "Traceback" not in caplog.text
    assert not (tmp_path / "t").exists()
    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert len(errors) == 1


def test_the_log_says_which_command_ran(tmp_path, caplog):
    argv = ["merge", "--scores", str(tmp_path / "a b.safetensors"), "--languages", "en",
            "--remain-ratio", "0.5", "--out-dir", str(tmp_path / "t")]
    caplog.set_level(logging.INFO)
    cli.main(argv)
    assert caplog.records[0].getMessage() == "mtickets " + shlex.join(argv)


def documented_commands() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "contracts.md").read_text(encoding="utf-8")
    return [" ".join(command.split()) for command in re.findall(r"`(mtickets [a-z-]+ --[^`]+)`", text)]


def stage_options(stage: str) -> tuple[set[str], set[str]]:
    """All option strings of a stage's subcommand, and those it requires."""
    parser = cli.build_parser([stage])
    subparser = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    actions = subparser.choices[stage]._actions
    every = {option for action in actions for option in action.option_strings}
    required = {action.option_strings[0] for action in actions if action.required}
    return every, required


def test_documented_stage_commands_match_the_parsers():
    commands = documented_commands()
    assert {command.split()[1] for command in commands} >= {"download", "extract", "split", "shards", "merge"}
    for command in commands:
        stage = command.split()[1]
        every, required = stage_options(stage)
        written = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", command))
        assert written <= every, f"docs/contracts.md: `mtickets {stage}` has no option {written - every}"
        assert required <= written, f"docs/contracts.md: `mtickets {stage}` leaves out required {required - written}"


def test_help_lists_every_stage_with_its_summary_and_version(capsys):
    import mtickets

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    text = re.sub(r"\s+", "", capsys.readouterr().out)  # argparse wraps the summaries, also at hyphens
    for stage, module_name in cli.STAGES.items():
        first_line = importlib.import_module(module_name).__doc__.splitlines()[0]
        assert re.sub(r"\s+", "", stage + first_line) in text
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"mtickets {mtickets.__version__}"
