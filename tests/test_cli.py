"""The command line: every stage is reachable and bad input is one clear line."""

import importlib

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
