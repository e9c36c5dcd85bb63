"""Staging XTREME task files: checked before any split is copied."""

from __future__ import annotations

import logging

import pytest

from mtickets import cli
from mtickets.errors import MticketsError
from mtickets.task_data import stage_task_data
from mtickets.formats.xtreme import NER_LABELS, UPOS_LABELS

PANX = "en:Paris\tB-LOC\nen:is\tO\n\nen:John\tB-PER\nen:Smith\tI-PER\n"
CONLLU = (
    "# sent_id = 1\n1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n\n"
    "# sent_id = 2\n1\tGo\tgo\tVERB\t_\t_\t0\troot\t_\t_\n2\tnow\tnow\tADV\t_\t_\t1\tadvmod\t_\t_\n"
)


def write_splits(root, extension, text, bad_test=None):
    """Write train/dev/test files under root/en/; the test split gets ``bad_test`` if given."""
    (root / "en").mkdir(parents=True)
    for split in ("train", "dev", "test"):
        content = bad_test if split == "test" and bad_test is not None else text
        (root / "en" / f"{split}.{extension}").write_text(content, encoding="utf-8")
    return str(root / "{lang}" / f"{{split}}.{extension}")


def test_stage_copies_checked_splits(tmp_path):
    source = write_splits(tmp_path / "panx", "tsv", PANX)
    out = tmp_path / "out"
    assert stage_task_data("ner", "en", "panx", source, out) == {"train": 2, "dev": 2, "test": 2}
    assert sorted(p.name for p in out.iterdir()) == ["dev.tsv", "test.tsv", "train.tsv"]
    assert (out / "train.tsv").read_text(encoding="utf-8") == PANX


def test_unknown_ner_tag_stops_the_stage_naming_source_and_line(tmp_path):
    bad = PANX.replace("en:Smith\tI-PER", "en:Smith\tB-FOO")
    source = write_splits(tmp_path / "panx", "tsv", PANX, bad_test=bad)
    out = tmp_path / "out"
    with pytest.raises(MticketsError) as error:
        stage_task_data("ner", "en", "panx", source, out)
    message = str(error.value)
    assert "\n" not in message
    assert f"{tmp_path / 'panx' / 'en' / 'test.tsv'}, line 5:" in message
    assert "'B-FOO'" in message and ", ".join(NER_LABELS) in message
    assert "correct it" in message
    # Train and dev are valid, but nothing is staged while any split is bad.
    assert not out.exists() or not any(out.iterdir())


def test_unknown_upos_tag_stops_the_cli_naming_source_and_line(tmp_path, caplog):
    bad = CONLLU.replace("now\tADV", "now\tNOUNX")
    source = write_splits(tmp_path / "udpos", "conllu", CONLLU, bad_test=bad)
    out = tmp_path / "out"
    code = cli.main(["task-data", "--task", "pos", "--lang", "en", "--format", "conllu",
                     "--source", source, "--out-dir", str(out)])
    assert code == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert f"{tmp_path / 'udpos' / 'en' / 'test.conllu'}, line 6:" in errors[0]
    assert "'NOUNX'" in errors[0] and ", ".join(UPOS_LABELS) in errors[0]
    assert not out.exists() or not any(out.iterdir())
