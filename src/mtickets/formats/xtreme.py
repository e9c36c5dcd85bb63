"""Readers for the XTREME task files: PAN-X (WikiANN) NER and UD CoNLL-U POS.

- PAN-X, the raw splits of XTREME's ``AmazonPhotos.zip`` (before its preprocessing, which
  drops the test labels): one token per line,
  ``lang:token<TAB>TAG``, a blank line between sentences. The ``lang:`` prefix is
  stripped (only up to the first colon, so tokens containing colons survive).
- help_ui, `mtickets help-task`'s LibreOffice help UI markup: PAN-X's format, with
  ``HELP_LABELS``.
- UD CoNLL-U: ten tab-separated columns per word line; the UPOS column (4th) is the
  label. Comment lines (``#``), multiword-token ranges (``1-2``) and empty nodes
  (``1.1``) are skipped.

Both return ``list[(tokens, tags)]``. Malformed input raises ``MticketsError`` naming
the file and the line number; so does a tag outside ``labels`` when it is given (e.g.
``FORMAT_LABELS[format]``, the set fine-tuning accepts).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from mtickets.errors import MticketsError

NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
UPOS_LABELS = [
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
]  # fmt: skip

# The LibreOffice help's UI markup as entities (`mtickets.corpus.help_task`, which says why these).
HELP_ENTITY_TYPES = ("UI", "KEY", "LIT", "LINK")
HELP_LABELS = ["O", *(f"{prefix}-{kind}" for kind in HELP_ENTITY_TYPES for prefix in "BI")]

Sentence = tuple[list[str], list[str]]


def _lines(path: Path):
    try:
        with open(path, encoding="utf-8") as handle:
            yield from numbered_lines(str(path), handle)
    except FileNotFoundError:
        raise MticketsError(f"{path}: file not found") from None


def numbered_lines(where: str, lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(number, line)`` from 1, line endings stripped; ``where`` names the source in errors."""
    try:
        for number, line in enumerate(lines, start=1):
            yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as error:
        raise MticketsError(f"{where}: not UTF-8 text ({error}); expected an XTREME task file") from None


def check_label(where: str, number: int, tag: str, labels: Sequence[str]) -> None:
    """Raise unless ``tag`` is one of ``labels``, naming the source and line."""
    if tag not in labels:
        raise MticketsError(
            f"{where}, line {number}: tag {tag!r} is not one of the task's labels "
            f"({', '.join(labels)}); correct it in this file (XTREME's raw files use only these)"
        )


Parse = Callable[[str, int, str], "tuple[str, str] | None"]


def parse_panx_line(where: str, number: int, line: str) -> tuple[str, str]:
    """A PAN-X word line ``lang:token<TAB>TAG`` as ``(token, tag)``."""
    fields = line.split("\t")
    if len(fields) != 2 or not fields[1].strip():
        raise MticketsError(
            f"{where}, line {number}: expected 'lang:token<TAB>TAG' (PAN-X format), "
            f"got {line[:80]!r}"
        )
    prefixed, tag = fields[0], fields[1].strip()
    lang, colon, token = prefixed.partition(":")
    if not colon or not lang or not token:
        raise MticketsError(
            f"{where}, line {number}: token {prefixed[:60]!r} lacks the 'lang:' prefix "
            f"of XTREME's PAN-X files (e.g. 'en:Paris<TAB>B-LOC')"
        )
    return token, tag


def parse_conllu_line(where: str, number: int, line: str) -> tuple[str, str] | None:
    """A CoNLL-U line as ``(form, UPOS)``; None for a comment, a multiword range or an empty node."""
    if line.startswith("#"):
        return None
    fields = line.split("\t")
    if len(fields) != 10:
        raise MticketsError(
            f"{where}, line {number}: a CoNLL-U word line has 10 tab-separated "
            f"columns, this one has {len(fields)}: {line[:80]!r}"
        )
    word_id = fields[0]
    if "-" in word_id or "." in word_id:
        return None  # multiword token range or empty node
    if not word_id.isdigit():
        raise MticketsError(f"{where}, line {number}: bad CoNLL-U word ID {word_id!r}")
    upos = fields[3]
    if not upos or upos == "_":
        raise MticketsError(f"{where}, line {number}: word {fields[1]!r} has no UPOS tag")
    return fields[1], upos


def tagged_sentences(where: str, lines: Iterable[tuple[int, str]], labels: Sequence[str] | None,
                     parse: Parse) -> Iterator[Sentence]:
    """Sentences of (token, tag) lines, a blank line between sentences; ``parse`` gives a
    line's (token, tag), or None for a line that holds no word."""
    allowed = frozenset(labels) if labels is not None else None
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in lines:
        if not line.strip():
            if tokens:
                yield tokens, tags
                tokens, tags = [], []
            continue
        word = parse(where, number, line)
        if word is None:
            continue
        if allowed is not None and word[1] not in allowed:
            check_label(where, number, word[1], labels)
        tokens.append(word[0])
        tags.append(word[1])
    if tokens:
        yield tokens, tags


def read_panx(path: str | os.PathLike, labels: Sequence[str] | None = None) -> list[Sentence]:
    """Read a PAN-X file: ``lang:token<TAB>TAG`` lines, blank line between sentences."""
    path = Path(path)
    return list(tagged_sentences(str(path), _lines(path), labels, parse_panx_line))


def read_conllu(path: str | os.PathLike, labels: Sequence[str] | None = None) -> list[Sentence]:
    """Read a UD CoNLL-U file into (words, UPOS tags) per sentence."""
    path = Path(path)
    return list(tagged_sentences(str(path), _lines(path), labels, parse_conllu_line))


# By file format: fine-tuning and tables dispatch on a task's format, not its name.
# help_ui: `mtickets help-task`'s files, PAN-X's format with the help's entity types.
FORMAT_READERS = {"panx": read_panx, "conllu": read_conllu, "help_ui": read_panx}
FORMAT_LABELS = {"panx": NER_LABELS, "conllu": UPOS_LABELS, "help_ui": HELP_LABELS}
