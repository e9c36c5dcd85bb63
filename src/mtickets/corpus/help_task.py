"""Turn the LibreOffice help's UI markup into a token classification task (PAN-X format).

The help's pages mark what the reader sees on screen, and every translation keeps that
markup (the translators' strings carry it), so the same task exists in each language:
tag the words of a paragraph with the kind of marked span they are in, in IOB2 over
words, written as `mtickets task-data --format help_ui` reads it (PAN-X's
``lang:token<TAB>TAG`` lines, a blank line between paragraphs). `mtickets help-task
--help-root DIR --languages en de fi --corpus-languages ... --corpus-max-pages 600
--out TASK` writes ``TASK/{lang}/{train,dev,test}.tsv`` and ``TASK/SIZES.json``.

Entity types (``HELP_LABELS``), with the marked spans visible on the 2,560 en-US pages:

- UI: ``<span class="emph">`` (14,881), ``menuitem`` (2,056) and ``widget``: the names
  on screen, of menus and menu paths (*Format - Cells*), dialogs, tabs, fields and
  buttons, and the help's other emphasis (function arguments). Menu items are not a
  class of their own: of the menu paths (*Tools - Options*), about 2,700 are marked
  ``emph`` and 1,300 ``menuitem``, by the page's age rather than by what the words are,
  so a MENU class would ask a model to tell the pages' ages apart. ``widget`` marks
  the same names on a few newer pages.
- KEY: ``<span class="keycode">`` (635): keys and shortcuts (*Ctrl+Shift+F9*), rare but
  with a form of their own.
- LIT: ``<span class="literal">`` and ``input`` (4,874 together): text as it is typed or
  shown (values, formulas, identifiers). ``input`` is what the reader types, often a
  formula, ``literal`` a value or a name; the pages use them alike, so one class.
- LINK: ``<a href>`` text (9,432): a cross-reference to another page or site. Three in
  four are a whole paragraph (the lists of related topics). Anchors without an ``href``
  (``<a name>``) mark nothing.

``avis`` (an extended tooltip's visibility marker, whole sentences), ``productname``
(*LibreOffice*) and ``acronym`` are not UI markup, and their text is plain.

Nesting: the outermost marked element decides, and everything inside it is one entity
(a link inside an emphasis is UI; an emphasis, literal or menu item inside a link, which
the pages have some 800 of, is LINK), so entities never overlap. Adjacent marked
elements are separate entities (``B-UI B-UI``), as in the markup. A word is split where
a marked span starts or ends inside it (14 times in en-US).

Text: what `mtickets help-mirror` keeps of a page (its `DisplayAreaText`: the visible
``<div id="DisplayArea">``, no navigation, code listings or hidden per-system
alternatives), entities decoded; one example per block element, as its paragraphs. Only
paragraphs with an entity are kept, as PAN-X keeps only sentences with a name (three
paragraphs in four have none, as most of a page is prose; ``--all-paragraphs`` keeps
them); a paragraph without a letter is dropped. Words are ``\\w+`` runs (with combining marks)
and single other characters (punctuation, symbols), so ``Tools - Options…`` is four
tokens. A marked span without a token (empty, or only spaces) is no entity. A paragraph
of another language whose text (whitespace collapsed) is also on the same page in
English is untranslated and dropped, as the mirror drops it.

Pages: the pretraining corpus (`mtickets help-mirror --languages CORPUS --max-pages N`)
uses N evenly spaced pages of those its languages and English share; they are
recomputed from ``--corpus-languages`` and ``--corpus-max-pages`` and never used here.
Of the other pages that every task language and English have, each split takes its
number of pages in an order fixed by a hash of the seed and the page's path, the same
pages in every language. The default 150/50/100 pages give 780-1,250 training, 210-430
dev and 400-810 test paragraphs a language (fewer where more of the help is left in
English: ru, hu) and 990-1,650 training entities, KEY a few dozen at most (measured for
en de fr es el ru hu eu beside a 14-language corpus of 600 pages).
``SIZES.json`` records the pages of each split and, per language and split, the pages
with text, paragraphs, tokens, entities per type and the untranslated paragraphs
dropped. The output is byte-identical for the same help and options.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path, write_json
from mtickets.formats.xtreme import HELP_ENTITY_TYPES, HELP_LABELS
from mtickets.corpus.help_mirror import (
    INSTALLED_ROOT, DisplayAreaText, evenly_spaced, language_directories, parallel_pages,
)
from mtickets.progress import progress

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
SPAN_TYPES = {"emph": "UI", "menuitem": "UI", "widget": "UI", "keycode": "KEY", "literal": "LIT",
              "input": "LIT"}


# Unicode's marks and format characters all lie in planes 0, 1 and 14 (2 and 3 are ideographs).
_PLANES = (*range(0x20000), *range(0xE0000, 0xE1000))


def _characters(prefix: str) -> str:
    """A regex class body of the characters whose Unicode category starts with ``prefix``."""
    codes = [c for c in _PLANES if unicodedata.category(chr(c)).startswith(prefix)]
    starts = [c for c, before in zip(codes, [-2, *codes]) if c != before + 1]
    ends = [c for c, after in zip(codes, [*codes[1:], -2]) if c != after - 1]
    return "".join(re.escape(chr(start)) + (f"-{re.escape(chr(end))}" if end > start else "")
                   for start, end in zip(starts, ends))


# re's \w leaves out combining marks (Devanagari and Khmer vowel signs would split words); the
# zero-width (non-)joiners and the soft hyphen are inside words too. Other format and control
# characters (Khmer's zero-width space between words, direction marks) and a lone mark are no token.
_MARKS, _FORMATS = _characters("M"), _characters("Cf")
WORD = re.compile(rf"\w(?:\w|[{_MARKS}\u200c\u200d\u00ad])*|[^\w\s{_MARKS}{_FORMATS}\x00-\x1f\x7f-\x9f]")


class Example(NamedTuple):
    plain: str  # the text, whitespace collapsed: compared with the English page's
    tokens: tuple[str, ...]
    tags: tuple[str, ...]


class MarkedText(DisplayAreaText):
    """A help page's paragraphs as tagged `Example`s: the mirror's text, with its UI markup."""

    def __init__(self):
        super().__init__()
        self.examples: list[Example] = []
        self._segments: list[tuple[str, tuple[str, int] | None]] = []  # (text, entity)
        self._ids = itertools.count()

    def _mark(self, tag: str, attributes: dict) -> tuple[str, int] | None:
        """The element's entity (type, a number of its own), or None for unmarked text."""
        if tag == "a":
            kind = "LINK" if attributes.get("href") else None
        elif tag == "span":
            kind = next((SPAN_TYPES[c] for c in (attributes.get("class") or "").split() if c in SPAN_TYPES), None)
        else:
            kind = None
        return None if kind is None else (kind, next(self._ids))

    def _add_text(self, text: str) -> None:
        entity = next((mark for _, _, mark in self._stack if mark is not None), None)  # the outermost
        self._segments.append((text, entity))

    def _flush(self):
        example = tagged_example(self._segments)
        self._segments.clear()
        if example is not None:
            self.examples.append(example)


def tagged_example(segments: list[tuple[str, tuple[str, int] | None]]) -> Example | None:
    """A paragraph's words and IOB2 tags from its (text, entity) segments; None without a letter."""
    text = "".join(part for part, _ in segments)
    if not any(c.isalpha() for c in text):
        return None
    tokens: list[str] = []
    tags: list[str] = []
    for entity, run in itertools.groupby(segments, key=lambda segment: segment[1]):
        words = WORD.findall("".join(part for part, _ in run))
        tokens += words
        if entity is None:
            tags += ["O"] * len(words)
        elif words:
            tags += [f"B-{entity[0]}", *[f"I-{entity[0]}"] * (len(words) - 1)]
    return Example(" ".join(text.split()), tuple(tokens), tuple(tags))


def page_examples(path: Path) -> list[Example]:
    parser = MarkedText()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.examples


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def with_english(languages: list[str]) -> list[str]:
    return list(dict.fromkeys([*languages, "en"]))


def task_pages(folders: dict[str, Path], languages: list[str], corpus_languages: list[str],
               corpus_max_pages: int) -> tuple[list[str], int]:
    """The pages every task language and English have that the corpus does not use, and how
    many pages the corpus uses (`help_mirror.write_help_mirror`'s choice, with English)."""
    corpus = evenly_spaced(parallel_pages({lang: folders[lang] for lang in with_english(corpus_languages)}),
                           corpus_max_pages)
    common = parallel_pages({lang: folders[lang] for lang in with_english(languages)})
    excluded = set(corpus)
    return [page for page in common if page not in excluded], len(corpus)


def split_pages(pages: list[str], sizes: dict[str, int], seed: int) -> dict[str, list[str]]:
    """``sizes[split]`` pages per split, disjoint, each sorted; drawn in an order that a hash of the
    seed and the path fixes, so that it depends on no library's random generator."""
    wanted = sum(sizes.values())
    if wanted > len(pages):
        raise MticketsError(
            f"{wanted} task pages requested ({', '.join(f'{s} {n}' for s, n in sizes.items())}), but only "
            f"{len(pages)} pages are outside the corpus and in every language; ask for fewer pages, or "
            f"fewer corpus pages (--corpus-max-pages)")
    order = sorted(pages, key=lambda page: hashlib.sha256(f"{seed}\0{page}".encode()).digest())
    bounds = list(itertools.accumulate(sizes.values(), initial=0))
    return {split: sorted(order[start:end]) for split, start, end in zip(sizes, bounds, bounds[1:])}


# --------------------------------------------------------------------------------------------
# The task files
# --------------------------------------------------------------------------------------------


def panx_text(lang: str, examples: list[Example]) -> str:
    return "".join("".join(f"{lang}:{token}\t{tag}\n" for token, tag in zip(e.tokens, e.tags)) + "\n"
                   for e in examples)


def split_sizes(examples_by_page: list[list[Example]], dropped: int, without_entity: int) -> dict:
    examples = [e for page in examples_by_page for e in page]
    entities = Counter(tag[2:] for e in examples for tag in e.tags if tag.startswith("B-"))
    return {"pages": sum(1 for page in examples_by_page if page), "sentences": len(examples),
            "tokens": sum(len(e.tokens) for e in examples),
            "entities": {kind: entities[kind] for kind in HELP_ENTITY_TYPES},
            "untranslated_dropped": dropped, "without_entity_dropped": without_entity}


def has_entity(example: Example) -> bool:
    return any(tag != "O" for tag in example.tags)


def write_language(lang: str, folder: Path, splits: dict[str, list[str]],
                   english: dict[str, frozenset[str]] | None, out: Path, all_paragraphs: bool = False) -> dict:
    """The language's three files; their sizes. ``english``: each page's English paragraphs,
    whose copies here are untranslated (None for English itself). Unless ``all_paragraphs``,
    only paragraphs with an entity are kept, as PAN-X keeps only sentences with a name."""
    sizes = {}
    for split, pages in splits.items():
        kept, dropped, without_entity = [], 0, 0
        for page in progress(pages, desc=f"help task {lang} {split}", unit=" pages"):
            examples = page_examples(folder / page)
            if english is not None:
                translated = [e for e in examples if e.plain not in english[page]]
                dropped += len(examples) - len(translated)
                examples = translated
            if not all_paragraphs:
                tagged = [e for e in examples if has_entity(e)]
                without_entity += len(examples) - len(tagged)
                examples = tagged
            kept.append(examples)
        with atomic_path(out / lang / f"{split}.tsv") as tmp:
            tmp.write_text(panx_text(lang, [e for page in kept for e in page]), encoding="utf-8")
        sizes[split] = split_sizes(kept, dropped, without_entity)
        log.info("%s %s: %d pages with text, %d sentences, %d tokens, entities %s; %d untranslated dropped",
                 lang, split, sizes[split]["pages"], sizes[split]["sentences"], sizes[split]["tokens"],
                 sizes[split]["entities"], dropped)
    return sizes


def write_help_task(help_root: str | Path, languages: list[str], corpus_languages: list[str],
                    corpus_max_pages: int, pages: dict[str, int], out: str | Path, seed: int = 0,
                    all_paragraphs: bool = False) -> dict:
    """Write every language's splits and ``SIZES.json``; returns what ``SIZES.json`` records."""
    help_root, out = Path(help_root), Path(out)
    if corpus_max_pages < 1:
        raise MticketsError(f"--corpus-max-pages {corpus_max_pages}: the corpus's --max-pages is at least 1")
    if any(count < 1 for count in pages.values()):
        raise MticketsError(f"pages per split {pages}: every split needs at least one page")
    folders = language_directories(help_root, with_english([*languages, *corpus_languages]))
    available, corpus = task_pages(folders, languages, corpus_languages, corpus_max_pages)
    splits = split_pages(available, pages, seed)
    log.info("%d pages outside the corpus's %d and in %s; %s", len(available), corpus,
             ", ".join(with_english(languages)), ", ".join(f"{s} {len(p)}" for s, p in splits.items()))
    chosen = [page for split in splits.values() for page in split]
    english = {page: frozenset(e.plain for e in page_examples(folders["en"] / page))
               for page in progress(chosen, desc="help task en (reference)", unit=" pages")}
    record = {"help_root": str(help_root), "corpus_languages": corpus_languages,
              "corpus_max_pages": corpus_max_pages, "corpus_pages": corpus, "available_pages": len(available),
              "seed": seed, "all_paragraphs": all_paragraphs, "labels": HELP_LABELS, "split_pages": splits,
              "languages": {}}
    for lang in languages:
        record["languages"][lang] = write_language(lang, folders[lang], splits,
                                                   None if lang == "en" else english, out, all_paragraphs)
    write_json(out / "SIZES.json", record)
    return record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--help-root", default=str(INSTALLED_ROOT),
                        help=f"directory holding the help's language directories (default {INSTALLED_ROOT})")
    parser.add_argument("--languages", nargs="+", required=True, help="the task's languages, e.g. en de fi")
    parser.add_argument("--corpus-languages", nargs="+", required=True,
                        help="help-mirror's --languages for the pretraining corpus, whose pages are left out")
    parser.add_argument("--corpus-max-pages", type=int, required=True,
                        help="help-mirror's --max-pages for the pretraining corpus")
    for split, default in zip(SPLITS, (150, 50, 100)):
        parser.add_argument(f"--{split}-pages", type=int, default=default,
                            help=f"pages in {split} (default {default})")
    parser.add_argument("--seed", type=int, default=0, help="which pages go to which split (default 0)")
    parser.add_argument("--all-paragraphs", action="store_true",
                        help="keep paragraphs without an entity too (default: only those with one, as PAN-X)")
    parser.add_argument("--out", required=True, help="directory to write {lang}/{split}.tsv and SIZES.json in")


def main(args: argparse.Namespace) -> None:
    pages = {split: getattr(args, f"{split}_pages") for split in SPLITS}
    write_help_task(args.help_root, args.languages, args.corpus_languages, args.corpus_max_pages, pages,
                    args.out, args.seed, args.all_paragraphs)
