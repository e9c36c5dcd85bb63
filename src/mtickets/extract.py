"""Extract plain-text articles from a pages-articles dump with WikiExtractor 3.1.0.

Runs ``wikiextractor.WikiExtractor --json --no-templates --processes N`` into a
temporary directory and streams its output into ``articles.jsonl.gz``: one JSON
record ``{"id", "url", "title", "text"}`` per line, paragraphs of ``text``
separated by newlines. WikiExtractor itself keeps only main-namespace (``<ns>0``)
pages without a ``<redirect>`` element; this stage additionally drops empty
articles and disambiguation pages (found from the raw wikitext in a concurrent
pass over the dump, which also checks that the bz2 stream is intact).
"""

from __future__ import annotations

import argparse
import bz2
import collections
import contextlib
import gzip
import html
import io
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from tqdm import tqdm

from mtickets.atomic import atomic_path
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

# Per-file size of WikiExtractor's own output; large, so the temp dir holds few files.
WIKIEXTRACTOR_FILE_SIZE = "256M"


# --------------------------------------------------------------------------- gzip I/O


@contextlib.contextmanager
def gzip_text_writer(path: str | os.PathLike, compresslevel: int = 6) -> Iterator[IO[str]]:
    """Write UTF-8 text to ``path`` as gzip, atomically and byte-reproducibly.

    The gzip header carries no file name and mtime 0, so the same text always gives
    the same bytes.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compresslevel,
                           mtime=0) as gz:
            with io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text:
                yield text


def open_gzip_text(path: str | os.PathLike) -> IO[str]:
    """Open a gzip UTF-8 text file for reading, with a clear error if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise MticketsError(f"input file {path} does not exist; run the stage that makes it first")
    return gzip.open(path, "rt", encoding="utf-8", newline="\n")


# --------------------------------------------------------------- disambiguation pages

# Templates that mark a disambiguation page, per language: EXACT names, and name
# SUFFIXES (the template's name ends with it, e.g. "Human name disambiguation").
# Anchoring at the end keeps hatnotes placed on ordinary articles, such as
# {{Disambiguation needed}} or {{Begriffsklärungshinweis}}, from matching.
_DISAMBIG_EXACT_COMMON = ("dab", "disamb", "dis", "hndis", "geodis", "numberdis",
                          "mil-unit-dis", "disambiguation cleanup", "aimai")
_DISAMBIG_SUFFIXES_COMMON = ("disambiguation", "disambig")
DISAMBIGUATION_TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # lang: (exact names, suffixes)
    "de": (("bkl",), ("begriffsklärung",)),
    "fr": ((), ("homonymie", "patronymie")),
    "es": (("desambig",), ("desambiguación",)),
    "ru": ((), ("неоднозначность", "многозначность", "однофамильцы", "тёзки",
                "список однофамильцев", "список полных тёзок")),
    "uk": ((), ("неоднозначність", "багатозначність", "однофамільці")),
    "el": ((), ("αποσαφήνιση",)),
    "fi": ((), ("täsmennyssivu",)),
    "it": ((), ("disambigua",)),
    "pt": ((), ("desambiguação",)),
    "ca": ((), ("desambiguació",)),
    "nl": (("dp",), ("dpintro",)),
    "pl": ((), ("ujednoznacznienie",)),
    "sv": (("förgrening", "gren"), ()),
    "cs": ((), ("rozcestník",)),
    "tr": ((), ("anlam ayrımı",)),
    "hu": (("egyért",), ()),
    "vi": ((), ("định hướng",)),
    "ja": ((), ("曖昧さ回避",)),
    "zh": ((), ("消歧义", "消歧義")),
    "ko": ((), ("동음이의",)),
}
# Title suffixes of disambiguation pages, e.g. "Mercury (disambiguation)".
DISAMBIGUATION_TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("begriffsklärung",),
    "fr": ("homonymie",),
    "es": ("desambiguación",),
    "ru": ("значения",),
    "uk": ("значення",),
    "el": ("αποσαφήνιση",),
    "fi": ("täsmennyssivu",),
    "it": ("disambigua",),
    "pt": ("desambiguação",),
    "nl": ("doorverwijspagina",),
}


@dataclass(frozen=True)
class DisambiguationRules:
    """Recognises a disambiguation page of one language from its title and wikitext."""

    template_re: re.Pattern
    title_re: re.Pattern

    @classmethod
    def for_language(cls, lang: str) -> "DisambiguationRules":
        exact, suffixes = DISAMBIGUATION_TEMPLATES.get(lang, ((), ()))
        exact = tuple(dict.fromkeys(_DISAMBIG_EXACT_COMMON + exact))
        suffixes = tuple(dict.fromkeys(_DISAMBIG_SUFFIXES_COMMON + suffixes))

        def name_re(name: str) -> str:
            return r"[ _]+".join(re.escape(part) for part in name.split())

        names = "|".join([name_re(n) for n in exact] +
                         [r"[^{}|\n]*?" + name_re(s) for s in suffixes])
        # {{ [namespace:] name [|...] }}: the template's own name, before "|" or "}}".
        template = rf"\{{\{{\s*(?:[^{{}}|:\n]*:)?\s*(?:{names})\s*(?:\||\}}\}})|__DISAMBIG__"
        words = ("disambiguation",) + DISAMBIGUATION_TITLE_WORDS.get(lang, ())
        title = r"\((?:" + "|".join(re.escape(w) for w in words) + r")\)\s*$"
        return cls(re.compile(template, re.IGNORECASE), re.compile(title, re.IGNORECASE))

    def is_disambiguation(self, title: str, wikitext: str) -> bool:
        return bool(self.title_re.search(title) or self.template_re.search(wikitext))


# ------------------------------------------------------------------- dump scanning

_PAGE_END = "</page>"
_NS_RE = re.compile(r"<ns>(\d+)</ns>")
_ID_RE = re.compile(r"<id>(\d+)</id>")
_TITLE_RE = re.compile(r"<title>(.*?)</title>")
_TEXT_RE = re.compile(r"<text\b[^>]*?(?:/>|>(.*?)</text>)", re.DOTALL)


@dataclass
class DumpScan:
    """What one pass over the raw dump found."""

    pages: int = 0
    articles: int = 0  # ns 0, not a redirect
    redirects: int = 0
    other_namespaces: int = 0
    disambiguation_ids: set[str] = field(default_factory=set)
    bytes_read: int = 0


class DumpCorruptError(MticketsError):
    pass


def _corrupt(dump: Path, detail: object) -> DumpCorruptError:
    return DumpCorruptError(
        f"dump {dump} is truncated or corrupt ({detail}); delete it and download it again "
        f"(mtickets download ...)"
    )


def scan_dump(dump: str | os.PathLike, lang: str, chunk_chars: int = 1 << 22,
              stop: threading.Event | None = None) -> DumpScan:
    """Stream the dump once: count pages, find disambiguation pages, check the bz2 stream.

    Raises ``DumpCorruptError`` naming the dump if it is truncated or not valid bz2/XML.
    Returns early (with partial counts) once ``stop`` is set.
    """
    dump = Path(dump)
    rules = DisambiguationRules.for_language(lang)
    scan = DumpScan()
    size = dump.stat().st_size
    buffer = ""
    saw_mediawiki = False
    try:
        with open(dump, "rb") as raw, _decompressing(raw, dump) as stream, \
                tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=f"scan {dump.name}", disable=None) as bar:
            while stop is None or not stop.is_set():
                chunk = stream.read(chunk_chars)
                position = raw.tell()
                bar.update(position - scan.bytes_read)
                scan.bytes_read = position
                if not chunk:
                    break
                if not saw_mediawiki:
                    saw_mediawiki = "<mediawiki" in buffer + chunk
                buffer += chunk
                start = 0
                while True:
                    end = buffer.find(_PAGE_END, start)
                    if end < 0:
                        break
                    _scan_page(buffer[start:end], rules, scan)
                    start = end + len(_PAGE_END)
                buffer = buffer[start:]
    except (EOFError, OSError, UnicodeDecodeError) as error:
        raise _corrupt(dump, error) from None
    if not saw_mediawiki:
        raise DumpCorruptError(
            f"dump {dump} is not a MediaWiki XML export (no <mediawiki> element); expected a "
            f"{{lang}}wiki-{{date}}-pages-articles.xml.bz2 file"
        )
    return scan


@contextlib.contextmanager
def _decompressing(raw: IO[bytes], path: Path) -> Iterator[IO[str]]:
    if path.suffix == ".bz2":
        binary: IO[bytes] = bz2.BZ2File(raw)
    elif path.suffix == ".gz":
        binary = gzip.GzipFile(fileobj=raw)
    else:
        binary = raw
    with io.TextIOWrapper(binary, encoding="utf-8") as text:
        yield text


def _scan_page(block: str, rules: DisambiguationRules, scan: DumpScan) -> None:
    page_at = block.find("<page>")
    if page_at < 0:
        return
    block = block[page_at:]
    scan.pages += 1
    ns = _NS_RE.search(block)
    if ns is None or ns.group(1) != "0":
        scan.other_namespaces += 1
        return
    if "<redirect" in block:
        scan.redirects += 1
        return
    scan.articles += 1
    page_id = _ID_RE.search(block)
    title = _TITLE_RE.search(block)
    text = _TEXT_RE.search(block)
    # Template braces and pipes are not XML-escaped, so the raw text is matched as is.
    wikitext = (text.group(1) or "") if text else ""
    title_text = html.unescape(title.group(1)) if title else ""
    if page_id and rules.is_disambiguation(title_text, wikitext):
        scan.disambiguation_ids.add(page_id.group(1))


# ------------------------------------------------------------------ WikiExtractor


class _WikiExtractorRun:
    """WikiExtractor as a child process in its own process group, stderr to our log."""

    def __init__(self, dump: Path, out_dir: Path, threads: int):
        command = [
            sys.executable, "-m", "wikiextractor.WikiExtractor", str(dump),
            "--json", "--no-templates", "--processes", str(max(1, threads)),
            "--output", str(out_dir), "--bytes", WIKIEXTRACTOR_FILE_SIZE,
            # Its default html-escapes the text ("&" -> "&amp;"), meant for the <doc>
            # format; an empty value is the only way to turn that off from its CLI.
            "--html-safe", "",
        ]
        log.info("running %s", shlex.join(command))
        self.tail: collections.deque[str] = collections.deque(maxlen=30)
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="replace", start_new_session=True,
        )
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        child_log = logging.getLogger(f"{__name__}.wikiextractor")
        assert self.process.stderr is not None
        for line in self.process.stderr:
            line = line.rstrip()
            if line:
                self.tail.append(line)
                child_log.debug("%s", line)

    def wait(self) -> int:
        code = self.process.wait()
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        """Stop the child and its worker processes (its own process group only)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join(timeout=10)


def _extract_and_scan(dump: Path, lang: str, work: Path, threads: int) -> DumpScan:
    """Run WikiExtractor into ``work`` while scanning the dump in a thread.

    The scan is what notices a truncated or corrupt bz2 stream: WikiExtractor's reader
    dies on one but its writer process waits forever, so the child is killed then. A
    WikiExtractor that fails by itself stops the scan.
    """
    run = _WikiExtractorRun(dump, work, threads)
    stop, done = threading.Event(), threading.Event()
    outcome: dict = {}

    def scan() -> None:
        try:
            outcome["scan"] = scan_dump(dump, lang, stop=stop)
        except BaseException as error:  # handed to the main thread
            outcome["error"] = error
        finally:
            done.set()

    scanner = threading.Thread(target=scan, name="dump-scan", daemon=True)
    scanner.start()
    try:
        while not done.wait(timeout=1.0):
            if run.process.poll() not in (None, 0):
                break
        if not done.is_set():  # WikiExtractor failed first
            stop.set()
            scanner.join()
            outcome.pop("error", None)
        if "error" in outcome:
            raise outcome["error"]
        code = run.wait()
    except BaseException:
        stop.set()
        run.kill()
        raise
    if code != 0:
        tail = "\n".join(run.tail)
        for line in reversed(run.tail):  # its reader died on the compressed stream
            if line.startswith(("EOFError", "OSError")):
                raise _corrupt(dump, line)
        raise MticketsError(
            f"WikiExtractor failed (exit {code}) on dump {dump} (language '{lang}'); "
            f"its last output:\n{tail}"
        )
    return outcome["scan"]


def _wikiextractor_records(out_dir: Path) -> Iterator[dict]:
    """WikiExtractor's JSON records in page order (AA/wiki_00, AA/wiki_01, ..., AB/...)."""
    for path in sorted(p for p in out_dir.rglob("wiki_*") if p.is_file()):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


@dataclass
class ExtractStats:
    extracted: int = 0
    written: int = 0
    empty: int = 0
    disambiguation: int = 0
    scan: DumpScan | None = None


def extract_articles(dump: str | os.PathLike, lang: str, out: str | os.PathLike,
                     threads: int = 1) -> ExtractStats:
    """Extract the articles of ``dump`` into the gzip JSON lines file ``out``."""
    dump = Path(dump)
    if not dump.is_file():
        raise MticketsError(
            f"dump {dump} for language '{lang}' does not exist; run `mtickets download` first"
        )
    stats = ExtractStats()
    with tempfile.TemporaryDirectory(prefix=f".{Path(out).name}.", dir=_parent(out)) as tmp:
        work = Path(tmp) / "wikiextractor"
        stats.scan = _extract_and_scan(dump, lang, work, threads)
        skip = stats.scan.disambiguation_ids
        with gzip_text_writer(out) as sink:
            for record in tqdm(_wikiextractor_records(work), desc=f"write {lang} articles",
                               unit=" articles", disable=None):
                stats.extracted += 1
                text = record.get("text", "")
                if not text.strip():
                    stats.empty += 1
                    continue
                if record["id"] in skip:
                    stats.disambiguation += 1
                    continue
                article = {"id": record["id"], "url": record["url"],
                           "title": html.unescape(record["title"]), "text": text}
                sink.write(json.dumps(article, ensure_ascii=False) + "\n")
                stats.written += 1
            if stats.written == 0:
                raise MticketsError(
                    f"dump {dump} (language '{lang}') yields no articles: {stats.scan.pages} "
                    f"pages, {stats.scan.articles} main-namespace non-redirect pages, "
                    f"{stats.empty} empty, {stats.disambiguation} disambiguation; is it the "
                    f"right pages-articles dump (with a <siteinfo> namespace list)?"
                )
    scan = stats.scan
    log.info(
        "%s: %d pages in dump (%d redirects, %d in other namespaces); WikiExtractor gave %d "
        "articles; dropped %d empty and %d disambiguation pages; wrote %d articles to %s",
        lang, scan.pages, scan.redirects, scan.other_namespaces, stats.extracted,
        stats.empty, stats.disambiguation, stats.written, out,
    )
    return stats


def _parent(path: str | os.PathLike) -> Path:
    parent = Path(path).resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dump", required=True, help="pages-articles .xml.bz2 dump")
    parser.add_argument("--lang", required=True, help="Wikipedia language code of the dump")
    parser.add_argument("--out", required=True, help="output articles.jsonl.gz")
    parser.add_argument("--threads", type=int, default=1,
                        help="WikiExtractor worker processes (default 1)")


def main(args: argparse.Namespace) -> None:
    extract_articles(args.dump, args.lang, args.out, threads=args.threads)
