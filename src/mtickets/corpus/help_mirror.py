"""Turn installed or extracted LibreOffice help packages into a Wikipedia dumps mirror of real text.

Debian ships LibreOffice's help, translated, as ``libreoffice-help-XX`` packages: HTML
pages under ``{help-root}/{dir}/text/**.html`` (~2,500 pages and ~770k words a language),
the same pages in every language. `mtickets help-mirror --help-root DIR --languages en de
fi --out MIRROR` writes per language a pages-articles dump of those pages, laid out as
`mtickets synth-dump` lays out its mirror (``{lang}wiki/{date}/...``, md5sums,
dumpstatus.json), so `mtickets download --mirror MIRROR`, `extract` and `split` run on it
unchanged; ``MIRROR/SOURCE.json`` records per language the package, its version, pages
and words.

Only the pages present in every requested language are written (sorted by path), so
the languages' corpora are the same documents translated; ``--max-pages N`` keeps N of
them, evenly spaced. A page's text is the visible part of its ``<div id="DisplayArea">``:
no navigation, scripts, code listings, images or the per-OS and per-application
alternatives that the help's JavaScript would hide (the default one stays). Each block
element (paragraph, heading, list item, table cell) is a paragraph; paragraphs without
a letter are dropped. The wikitext is the paragraphs separated by blank lines, with its
markup characters encoded so that WikiExtractor gives back exactly those paragraphs.
The output is byte-identical for the same packages, languages, date and ``--max-pages``.

Get the packages with ``sudo apt-get install --no-install-recommends
libreoffice-help-de`` (help root ``/usr/share/libreoffice/help``) or, without root,
``apt-get download libreoffice-help-de && dpkg -x libreoffice-help-de_*.deb DIR``
(help root ``DIR/usr/share/libreoffice/help``).
"""

from __future__ import annotations

import argparse
import gzip
import logging
import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json
from mtickets.formats.wikipedia_dump import Page, dump_path, parse_date, write_dump, write_listing
from mtickets.progress import progress
from mtickets.testdata.language_data import LANGUAGES
from mtickets.testdata.templates import rng_for

log = logging.getLogger(__name__)

INSTALLED_ROOT = Path("/usr/share/libreoffice/help")
# Wikipedia code -> help directory. The rule: the directory is the Wikipedia code, except
# where Debian ships only regional variants; then the one Wikipedia's text is closest to.
# The package is libreoffice-help-{directory, lowercased} (en-US -> libreoffice-help-en-us).
HELP_DIRECTORIES = {"en": "en-US", "zh": "zh-CN"}

SKIP_TAGS = frozenset({"header", "aside", "footer", "nav", "script", "style", "noscript",
                       "pre", "code", "img", "svg", "object", "iframe", "video"})
# Code listings and literal input (Basic, Python, SQL, formulas, Math markup) and the
# YouTube consent notice.
SKIP_CLASSES = frozenset({"bascode", "pycode", "pyscode", "sqlcode", "code", "codeintable",
                          "smathcode", "example", "youtube_consent"})
BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th",
                        "tr", "table", "ul", "ol", "dl", "div", "blockquote", "caption"})
# HTML elements without an end tag: never pushed on the open-element stack.
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                       "meta", "source", "track", "wbr"})

# What WikiExtractor rewrites in any text (its clean() ends with these), applied here
# first so that its pass finds nothing left to change.
EXTRACTOR_CLEANUPS = ((re.compile(r"<<"), "«"), (re.compile(r">>"), "»"),
                      (re.compile(r" {2,}"), " "), (re.compile(r"\.{4,}"), "..."),
                      (re.compile(r" ([,:.)\]»])"), r"\1"), (re.compile(r"([\[(«]) "), r"\1"),
                      (re.compile(r",,"), ","), (re.compile(r",\."), "."))
# Markup WikiExtractor reads in the wikitext (templates, tables, links, magic words,
# bold/italic, quotes, tags, entities): written as character references, which it decodes
# only after its markup passes.
MARKUP_CHARACTERS = "&<>[]{}|'\"_"
ENCODE_MARKUP = str.maketrans({c: f"&#{ord(c)};" for c in MARKUP_CHARACTERS})
# WikiExtractor's compact() reads these at a line's start as list, indent, heading or title
# markup, after all decoding: they are list bullets here, and are dropped.
LEADING_MARKUP = re.compile(r"^(?:[*#;: ]|==|\+\+)+")


@dataclass(frozen=True)
class HelpPage:
    path: str
    title: str
    paragraphs: tuple[str, ...]


class DisplayAreaText(HTMLParser):
    """The title and the visible paragraphs of a help page's ``<div id="DisplayArea">``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.paragraphs: list[str] = []
        self._stack: list[tuple[str, bool, object]] = []  # open elements: (tag, skipped, mark)
        self._skipping = 0  # skipped elements on the stack
        self._display_depth: int | None = None  # stack depth of the DisplayArea div
        self._in_title = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "title":
            self._in_title = True
        if self._display_depth is None and tag == "div" and attributes.get("id") == "DisplayArea":
            self._display_depth = len(self._stack)
        if tag in BLOCK_TAGS:
            self._flush()
        if tag in VOID_TAGS:
            if tag == "br":
                self._add_text(" ")
            return
        skipped = self._skipped(tag, attributes)
        self._stack.append((tag, skipped, self._mark(tag, attributes)))
        self._skipping += skipped

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if not any(open_tag == tag for open_tag, _, _ in self._stack):
            return  # a stray end tag
        if tag in BLOCK_TAGS:
            self._flush()
        # Pop up to and including the matching element (closing any left open inside it).
        while self._stack:
            open_tag, skipped, _ = self._stack.pop()
            self._skipping -= skipped
            if open_tag == tag:
                break
        if self._display_depth is not None and len(self._stack) <= self._display_depth:
            self._flush()
            self._display_depth = -1  # done: one DisplayArea a page

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)
        elif self._in_display() and not self._skipping:
            self._add_text(data)

    def close(self):
        super().close()
        self._flush()

    @property
    def title(self) -> str:
        return " ".join("".join(self.title_parts).split())

    def _in_display(self) -> bool:
        return self._display_depth is not None and self._display_depth >= 0

    @staticmethod
    def _skipped(tag: str, attributes: dict) -> bool:
        if tag in SKIP_TAGS or SKIP_CLASSES.intersection((attributes.get("class") or "").split()):
            return True
        # The help's switches hide every alternative; its JavaScript then shows the one for
        # the reader's system or application, else the "default..." one.
        return "hidden" in attributes and not (attributes.get("id") or "").startswith("default")

    def _mark(self, tag: str, attributes: dict) -> object:
        """What a subclass records with an open element (`mtickets.corpus.help_task`: its markup's
        entity); the stack holds it until the element closes."""
        return None

    def _add_text(self, text: str) -> None:
        """Visible text of the current paragraph."""
        self._buffer.append(text)

    def _flush(self):
        paragraph = clean_paragraph("".join(self._buffer))
        self._buffer.clear()
        if paragraph:
            self.paragraphs.append(paragraph)


def clean_paragraph(text: str) -> str:
    """Whitespace collapsed, WikiExtractor's own rewrites done, leading bullets dropped; ""
    for a paragraph without a letter or one that WikiExtractor would drop as markup."""
    text = " ".join(text.split())
    previous = None
    while text != previous:  # until no rewrite applies (",,," needs two passes)
        previous = text
        for pattern, replacement in EXTRACTOR_CLEANUPS:
            text = pattern.sub(replacement, text)
        text = LEADING_MARKUP.sub("", text)
    if not any(c.isalpha() for c in text):
        return ""
    # compact() drops a line that starts with "{" or "|" or ends with "}" (a table's residue)
    # or is wrapped in parentheses.
    if text[0] in "{|" or text.endswith("}") or (text.startswith("(") and text.endswith(")")):
        return ""
    return text


def parse_page(path: Path, relative: str) -> HelpPage:
    parser = DisplayAreaText()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return HelpPage(relative, parser.title, tuple(parser.paragraphs))


def wikitext(paragraphs: tuple[str, ...]) -> str:
    return "\n\n".join(p.translate(ENCODE_MARKUP) for p in paragraphs)


# --------------------------------------------------------------------------------------------
# Packages and page lists
# --------------------------------------------------------------------------------------------


def help_directory(lang: str) -> str:
    return HELP_DIRECTORIES.get(lang, lang)


def package_name(lang: str) -> str:
    return f"libreoffice-help-{help_directory(lang).lower()}"


def language_directories(help_root: Path, languages: list[str]) -> dict[str, Path]:
    """Each language's help directory; one error naming every language that has none."""
    folders = {lang: help_root / help_directory(lang) for lang in languages}
    missing = [lang for lang, folder in folders.items() if not (folder / "text").is_dir()]
    if missing:
        lines = [f"'{lang}': no {folders[lang] / 'text'}" for lang in missing]
        packages = " ".join(package_name(lang) for lang in missing)
        raise MticketsError(
            f"no LibreOffice help for {', '.join(lines)}. Install it with `sudo apt-get install "
            f"--no-install-recommends {packages}` (help root {INSTALLED_ROOT}), or without root "
            f"`apt-get download {packages}` and `dpkg -x` each .deb into DIR, then pass "
            f"--help-root DIR/usr/share/libreoffice/help")
    return folders


def parallel_pages(folders: dict[str, Path]) -> list[str]:
    """The pages (paths relative to a language's directory) that every language has, sorted."""
    common = None
    for folder in folders.values():
        pages = {path.relative_to(folder).as_posix() for path in (folder / "text").rglob("*.html")}
        common = pages if common is None else common & pages
    return sorted(common or ())


def evenly_spaced(items: list[str], count: int | None) -> list[str]:
    if count is None or count >= len(items):
        return items
    return [items[i * len(items) // count] for i in range(count)]


def package_version(lang: str, help_root: Path) -> str | None:
    """The package's Debian version: dpkg's for the installed help, else the extracted
    package's changelog (first line "libreoffice (4:7.4.7-1) bookworm; ...")."""
    package = package_name(lang)
    # dpkg knows only the installed package, which another --help-root need not be.
    if help_root.resolve() == INSTALLED_ROOT.resolve():
        try:
            done = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                                  capture_output=True, text=True, check=False)
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip()
        except FileNotFoundError:
            pass
    changelog = help_root.parent.parent / "doc" / package / "changelog.Debian.gz"
    if not changelog.is_file():
        return None
    with gzip.open(changelog, "rt", encoding="utf-8") as handle:
        match = re.match(r"\S+ \(([^)]+)\)", handle.readline())
    return match.group(1) if match else None


# --------------------------------------------------------------------------------------------
# The mirror
# --------------------------------------------------------------------------------------------


def site(lang: str) -> dict:
    """What the dump's <siteinfo> says: English namespace names (the help has no wiki of its
    own), which hold Template (10), as extract requires."""
    return {"code": lang, "sitename": "LibreOffice Help", "main_page": "Main Page",
            "namespaces": LANGUAGES["en"]["namespaces"]}


def wiki_pages(pages: list[HelpPage]):
    """(`Page`, True) per page; a repeated title gets a numbered suffix, as in a wiki."""
    seen: dict[str, int] = {}
    for page in pages:
        seen[page.title] = seen.get(page.title, 0) + 1
        title = page.title if seen[page.title] == 1 else f"{page.title} ({seen[page.title]})"
        yield Page(title, 0, wikitext(page.paragraphs)), True


def read_language(lang: str, folder: Path, relatives: list[str],
                  english: dict[str, frozenset[str]] | None = None) -> tuple[list[HelpPage], int]:
    """The language's pages with text, and how many paragraphs were dropped as untranslated: with
    ``english`` (each page's English paragraphs), a paragraph that is also on the English page."""
    pages, dropped = [], 0
    for relative in progress(relatives, desc=f"help {lang}", unit=" pages"):
        page = parse_page(folder / relative, relative)
        if english is not None:
            kept = tuple(p for p in page.paragraphs if p not in english[relative])
            dropped += len(page.paragraphs) - len(kept)
            page = HelpPage(page.path, page.title, kept)
        if page.paragraphs:
            pages.append(page)
    return pages, dropped


def english_paragraphs(help_root: Path, relatives: list[str]) -> dict[str, frozenset[str]]:
    folder = language_directories(help_root, ["en"])["en"]
    return {relative: frozenset(parse_page(folder / relative, relative).paragraphs)
            for relative in progress(relatives, desc="help en (reference)", unit=" pages")}


def write_help_mirror(help_root: str | Path, languages: list[str], out: str | Path,
                      dump_date: str = "20240101", max_pages: int | None = None,
                      keep_untranslated: bool = False) -> dict:
    """Write the mirror; returns what ``SOURCE.json`` records.

    Many translations leave part of the help in English (over half the paragraphs of
    hi, fi, ko, ja, km), which would make those corpora partly English. Unless
    ``keep_untranslated``, a paragraph of another language that is also on the same
    page in English is dropped."""
    help_root, out = Path(help_root), Path(out)
    when = parse_date(dump_date)
    if max_pages is not None and max_pages < 1:
        raise MticketsError(f"--max-pages {max_pages}: at least one page is needed")
    reference = ["en"] if not keep_untranslated and "en" not in languages else []
    folders = language_directories(help_root, [*languages, *reference])
    relatives = evenly_spaced(parallel_pages(folders), max_pages)
    if not relatives:
        raise MticketsError(f"no help page is in all of {', '.join(folders)} under {help_root}")
    english = None if keep_untranslated else english_paragraphs(help_root, relatives)
    source = {"help_root": str(help_root), "date": dump_date, "pages_requested": len(relatives),
              "untranslated": "kept" if keep_untranslated else "dropped", "languages": {}}
    for lang in languages:
        pages, dropped = read_language(lang, folders[lang], relatives, None if lang == "en" else english)
        paragraphs = sum(len(page.paragraphs) for page in pages)
        words = sum(len(p.split()) for page in pages for p in page.paragraphs)
        log.info("%s: %d pages (%d without text), %d paragraphs, %d words; %d untranslated paragraphs dropped",
                 lang, len(pages), len(relatives) - len(pages), paragraphs, words, dropped)
        info = write_dump(dump_path(out, lang, dump_date), site(lang), wiki_pages(pages), when,
                          rng_for(0, lang, "help-revisions"), f"write {lang}wiki")
        write_listing(info, lang, dump_date)
        source["languages"][lang] = {
            "package": package_name(lang), "version": package_version(lang, help_root),
            "directory": help_directory(lang), "pages": len(pages), "paragraphs": paragraphs,
            "words": words, "untranslated_paragraphs_dropped": dropped}
    write_json(out / "SOURCE.json", source)
    return source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--help-root", default=str(INSTALLED_ROOT),
                        help=f"directory holding the help's language directories "
                             f"(default {INSTALLED_ROOT})")
    parser.add_argument("--languages", nargs="+", required=True,
                        help="Wikipedia language codes, e.g. en de fi "
                             f"({', '.join(f'{k} -> {v}' for k, v in HELP_DIRECTORIES.items())}; "
                             f"others are the help directory's name)")
    parser.add_argument("--date", default="20240101", help="dump date YYYYMMDD (default 20240101)")
    parser.add_argument("--max-pages", type=int, default=None,
                        help="keep this many of the common pages, evenly spaced (default all)")
    parser.add_argument("--keep-untranslated", action="store_true",
                        help="keep paragraphs that are also on the English page (default: dropped, so a "
                             "language's corpus is its translation only; needs the English help)")
    parser.add_argument("--out", required=True, help="mirror directory to write")


def main(args: argparse.Namespace) -> None:
    write_help_mirror(args.help_root, args.languages, args.out, args.date, args.max_pages,
                      args.keep_untranslated)
