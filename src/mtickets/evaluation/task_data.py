"""Stage one language's XTREME task files (train/dev/test) into results/task_data, checked.

The source is where the researcher holds XTREME's data, read in place: a path template
with {lang} and {split} (PAN-X `lang:token<TAB>TAG` files or UD CoNLL-U), XTREME's
`AmazonPhotos.zip` (or its `panx_dataset/{lang}.tar.gz`), the UD v2.5 release
`ud-treebanks-v2.5.tgz` (XTREME's treebanks of the language, concatenated per split),
google/xtreme's parquet files, or for help_ui the files of `mtickets help-task`
(`TASK/{lang}/{split}.tsv`); `mtickets.evaluation.xtreme_sources` tells them apart by the
path and documents each layout. A missing archive member is named with where the data
comes from, before anything is read. Every line is checked while it is written to a
temporary file, and the three splits appear only when all are good: a malformed line or
a tag outside the task's labels (the set fine-tuning uses) stops here, naming the file
(or archive member) and line, instead of inside a fine-tuning job, and so does an empty
split. A language with too few train or test sentences is staged with a warning: the
tables leave it out (paper footnote 6).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from mtickets.formats.atomic import atomic_path
from mtickets.errors import MticketsError
from mtickets.formats.xtreme import FORMAT_LABELS, numbered_lines, parse_conllu_line, parse_panx_line, tagged_sentences
from mtickets.evaluation.xtreme_sources import SPLITS, Member, open_source

log = logging.getLogger(__name__)

PARSERS = {"panx": parse_panx_line, "conllu": parse_conllu_line, "help_ui": parse_panx_line}
EXTENSIONS = {"panx": "tsv", "conllu": "conllu", "help_ui": "tsv"}


@dataclass
class _Output:
    """One split's output file while it is written."""

    handle: TextIO
    sentences: int = 0
    dropped: int = 0
    ends_blank: bool = True  # the text so far ends with a blank line (or is empty)
    members: list[str] = field(default_factory=list)


def _verbatim(lines: Iterable[str], out: _Output) -> Iterator[str]:
    """Write ``lines`` as they are (a final line gets its line break), passing them on."""
    last = None
    for line in lines:
        out.handle.write(line)
        last = line
        yield line
    if last is not None:
        if not last.endswith("\n"):
            out.handle.write("\n")
        out.ends_blank = not last.strip()


def _blocks(lines: Iterable[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    block: list[tuple[int, str]] = []
    for number, line in lines:
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _textless(block: list[tuple[int, str]]) -> bool:
    """A well-formed CoNLL-U sentence whose every word form is ``_`` (or that has no words)."""
    forms = []
    for _, line in block:
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            return False  # malformed: let the check name it
        if fields[0].isdigit():
            forms.append(fields[1])
    return all(form == "_" for form in forms)


def _copy_member(member: Member, out: _Output, fmt: str, labels) -> None:
    """Check ``member``'s lines and append them to ``out``, counting its sentences."""
    if not out.ends_blank:
        out.handle.write("\n")  # keep the previous file's last sentence apart
        out.ends_blank = True
    out.members.append(member.where)
    parse = PARSERS[fmt]
    if not member.drop_textless:
        lines = numbered_lines(member.where, _verbatim(member.lines, out))
        out.sentences += sum(1 for _ in tagged_sentences(member.where, lines, labels, parse))
        return
    # UD treebanks: XTREME drops the sentences without text; the rest is written as it is.
    for block in _blocks(numbered_lines(member.where, member.lines)):
        if _textless(block):
            out.dropped += 1
            continue
        out.sentences += sum(1 for _ in tagged_sentences(member.where, block, labels, parse))
        out.handle.write("".join(line + "\n" for _, line in block) + "\n")


# PAN-X (WikiANN) entities, UD part-of-speech, the LibreOffice help's UI markup (`mtickets help-task`)
DATA_OF_FORMAT = {"panx": "ner", "conllu": "pos", "help_ui": "help_ui"}


def stage_task_data(
    task: str, lang: str, fmt: str, source: str, out_dir: Path, min_sentences: int = 0
) -> dict[str, int]:
    """Check and stage the three splits; return sentence counts per split. The format, not the task's
    name, decides the labels and which archives hold the data (PAN-X's for panx, UD's for conllu)."""
    labels = FORMAT_LABELS[fmt]
    with open_source(DATA_OF_FORMAT[fmt], lang, fmt, source) as members, contextlib.closing(members), \
            contextlib.ExitStack() as stack:
        outputs = {}
        for split in SPLITS:
            tmp = stack.enter_context(atomic_path(out_dir / f"{split}.{EXTENSIONS[fmt]}"))
            outputs[split] = _Output(stack.enter_context(open(tmp, "w", encoding="utf-8", newline="")))
        for member in members:
            _copy_member(member, outputs[member.split], fmt, labels)
        for split, out in outputs.items():
            if out.dropped:
                log.info("%s/%s %s: dropped %d sentence(s) without text (every form '_'), as XTREME does",
                         task, lang, split, out.dropped)
        for split, out in outputs.items():
            if not out.sentences:  # fine-tuning cannot train, select or test on it: stop here, as for a bad line
                raise MticketsError(
                    f"{task} language '{lang}': the {split} split is empty (no sentences in "
                    f"{', '.join(out.members) or 'any file'}); fine-tuning needs train, dev and test: supply "
                    f"them, or remove '{lang}' from evaluation.tasks.{task}.languages"
                )
        for split in ("train", "test"):
            count = outputs[split].sentences
            if count <= min_sentences:  # fine-tuned all the same; the table leaves it out and says why
                log.warning("%s language '%s' has %d %s sentences in %s, not more than %d: the tables drop it "
                            "(paper footnote 6)", task, lang, count, split, ", ".join(outputs[split].members),
                            min_sentences)
        counts = {split: out.sentences for split, out in outputs.items()}
    log.info("%s/%s: %s sentences", task, lang, counts)
    return counts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help="the task's name (its format decides the rest)")
    parser.add_argument("--lang", required=True, help="language code")
    parser.add_argument("--format", required=True, choices=sorted(PARSERS), help="output format")
    parser.add_argument(
        "--source", required=True,
        help="a path template with {lang} and {split}; AmazonPhotos.zip; a {lang}.tar.gz template or "
        "a panx_dataset directory; ud-treebanks-v2.5.tgz; or a directory of google/xtreme parquet folders",
    )
    parser.add_argument("--min-sentences", type=int, default=0)
    parser.add_argument("--out-dir", required=True, type=Path)


def main(args: argparse.Namespace) -> None:
    stage_task_data(args.task, args.lang, args.format, args.source, args.out_dir, args.min_sentences)
