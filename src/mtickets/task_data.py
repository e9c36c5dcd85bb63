"""Stage one language's XTREME task files (train/dev/test) into results/task_data, checked.

The source is a path template with {lang} and {split}, pointing into XTREME's layout
(PAN-X `lang:token<TAB>TAG` files or UD CoNLL-U). All splits are parsed before any is
copied, so a missing file, a malformed line or a tag outside the task's labels (the set
fine-tuning uses) stops here, naming the file and line, instead of inside a fine-tuning
job; a language with too few sentences stops too (paper footnote 6).
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from mtickets.formats.atomic import atomic_path
from mtickets.errors import MticketsError
from mtickets.formats.xtreme import LABELS, read_conllu, read_panx

log = logging.getLogger(__name__)

READERS = {"panx": read_panx, "conllu": read_conllu}
EXTENSIONS = {"panx": "tsv", "conllu": "conllu"}
SPLITS = ("train", "dev", "test")


def stage_task_data(
    task: str, lang: str, fmt: str, source: str, out_dir: Path, min_sentences: int = 0
) -> dict[str, int]:
    """Check and copy the three splits; return sentence counts per split."""
    sources = {split: Path(source.format(lang=lang, split=split)) for split in SPLITS}
    missing = [str(path) for path in sources.values() if not path.is_file()]
    if missing:
        raise MticketsError(
            f"{task} data for language '{lang}' not found: {', '.join(missing)}. "
            f"Provide the raw XTREME files there (README, 'The paper's configuration') or set "
            f"evaluation.tasks.{task}.source in the config."
        )
    counts = {split: len(READERS[fmt](path, LABELS[task])) for split, path in sources.items()}
    for split in ("train", "test"):
        if counts[split] <= min_sentences:
            raise MticketsError(
                f"{task} language '{lang}' has {counts[split]} {split} sentences in "
                f"{sources[split]}; the paper evaluates a language only with more than "
                f"{min_sentences}. Remove '{lang}' from evaluation.tasks.{task}.languages."
            )
    for split, path in sources.items():
        with atomic_path(out_dir / f"{split}.{EXTENSIONS[fmt]}") as tmp:
            shutil.copyfile(path, tmp)
    log.info("%s/%s: %s sentences", task, lang, counts)
    return counts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, choices=sorted(LABELS))
    parser.add_argument("--lang", required=True, help="language code")
    parser.add_argument("--format", required=True, choices=sorted(READERS))
    parser.add_argument("--source", required=True, help="path template with {lang} and {split}")
    parser.add_argument("--min-sentences", type=int, default=0)
    parser.add_argument("--out-dir", required=True, type=Path)


def main(args: argparse.Namespace) -> None:
    stage_task_data(args.task, args.lang, args.format, args.source, args.out_dir, args.min_sentences)
