"""XTREME task readers: PAN-X and UD CoNLL-U."""

from __future__ import annotations

import pytest

from mtickets.errors import MticketsError
from mtickets.formats.xtreme import NER_LABELS, UPOS_LABELS, read_conllu, read_panx


def test_read_panx(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text(
        "en:Paris\tB-LOC\nen:is\tO\nen:nice\tO\n\n\n"
        "en:John\tB-PER\nen:Smith\tI-PER\nen:http://x.org\tO\r\n",
        encoding="utf-8",
    )
    assert read_panx(path) == [
        (["Paris", "is", "nice"], ["B-LOC", "O", "O"]),
        (["John", "Smith", "http://x.org"], ["B-PER", "I-PER", "O"]),
    ]


def test_read_panx_empty_file(tmp_path):
    path = tmp_path / "empty.tsv"
    path.write_text("\n\n", encoding="utf-8")
    assert read_panx(path) == []


@pytest.mark.parametrize(
    "text, line",
    [
        ("en:a\tO\nen:b O\n", 2),  # no tab
        ("en:a\tO\n\nb\tB-PER\n", 3),  # no lang: prefix
        ("en:a\tO\tX\n", 1),  # three fields
        ("en:a\t\n", 1),  # empty tag
    ],
)
def test_read_panx_malformed(tmp_path, text, line):
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MticketsError, match=rf"bad\.tsv, line {line}"):
        read_panx(path)


def test_read_panx_missing_file(tmp_path):
    with pytest.raises(MticketsError, match="nope.tsv"):
        read_panx(tmp_path / "nope.tsv")


CONLLU = """\
# sent_id = 1
# text = Don't go.
1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_
1\tDo\tdo\tAUX\t_\t_\t3\taux\t_\t_
2\tn't\tnot\tPART\t_\t_\t3\tadvmod\t_\t_
3\tgo\tgo\tVERB\t_\t_\t0\troot\t_\t_
3.1\tgone\tgo\tVERB\t_\t_\t_\t_\t3:conj\t_
4\t.\t.\tPUNCT\t_\t_\t3\tpunct\t_\t_

# sent_id = 2
1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_
"""


def test_read_conllu(tmp_path):
    path = tmp_path / "dev.conllu"
    path.write_text(CONLLU, encoding="utf-8")
    assert read_conllu(path) == [
        (["Do", "n't", "go", "."], ["AUX", "PART", "VERB", "PUNCT"]),
        (["Hi"], ["INTJ"]),
    ]


@pytest.mark.parametrize(
    "text, line, what",
    [
        ("# c\n1\tHi\thi\tINTJ\t_\n", 2, "10 tab-separated"),
        ("1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\nx\tHo\tho\tINTJ\t_\t_\t0\troot\t_\t_\n", 2, "word ID"),
        ("1\tHi\thi\t_\t_\t_\t0\troot\t_\t_\n", 1, "no UPOS"),
    ],
)
def test_read_conllu_malformed(tmp_path, text, line, what):
    path = tmp_path / "bad.conllu"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MticketsError, match=rf"bad\.conllu, line {line}.*{what}"):
        read_conllu(path)


def test_label_sets():
    assert len(UPOS_LABELS) == 17 and len(set(UPOS_LABELS)) == 17
    assert NER_LABELS[0] == "O" and {t[2:] for t in NER_LABELS[1:]} == {"PER", "ORG", "LOC"}
