"""Extract plain-text articles from a pages-articles dump with WikiExtractor 3.1.0.

Runs ``wikiextractor.WikiExtractor --json --no-templates --processes N -o -`` and
streams its standard output straight into ``articles.jsonl.gz``: one JSON record
``{"id", "url", "title", "text"}`` per line, paragraphs of ``text`` separated by
newlines. WikiExtractor itself keeps only main-namespace (``<ns>0``) pages without a
``<redirect>`` element; this stage additionally drops empty articles and
disambiguation pages, found from the raw wikitext by a concurrent pass over the dump
that also checks that the bz2 stream is intact. Both passes stream: memory stays
flat however large the dump, and nothing but the output is written to disk.
"""

from __future__ import annotations

import argparse
import bz2
import collections
import contextlib
import ctypes
import gzip
import html
import io
import json
import logging
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator

from tqdm import tqdm

from mtickets.errors import MticketsError
from mtickets.formats.text import gzip_text_writer

log = logging.getLogger(__name__)

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
    disambiguation: int = 0
    bytes_read: int = 0


class DumpCorruptError(MticketsError):
    pass


def _corrupt(dump: Path, detail: object) -> DumpCorruptError:
    return DumpCorruptError(
        f"dump {dump} is truncated or corrupt ({detail}); delete it and download it again "
        f"(mtickets download ...)"
    )


# An article as the scan saw it: (page id, is a disambiguation page).
ScannedArticle = tuple[str, bool]


def scan_dump(dump: str | os.PathLike, lang: str, chunk_chars: int = 1 << 18,
              stop: threading.Event | None = None,
              on_articles: Callable[[list[ScannedArticle]], None] | None = None) -> DumpScan:
    """Stream the dump once: count pages, find disambiguation pages, check the bz2 stream.

    ``on_articles`` receives the main-namespace, non-redirect pages of each chunk in
    dump order. Raises ``DumpCorruptError`` naming the dump if it is truncated or not
    valid bz2/XML. Returns early (with partial counts) once ``stop`` is set.
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
                articles: list[ScannedArticle] = []
                while True:
                    end = buffer.find(_PAGE_END, start)
                    if end < 0:
                        break
                    article = _scan_page(buffer[start:end], rules, scan)
                    if article is not None:
                        articles.append(article)
                    start = end + len(_PAGE_END)
                buffer = buffer[start:]
                if articles and on_articles is not None:
                    on_articles(articles)
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


def _scan_page(block: str, rules: DisambiguationRules, scan: DumpScan) -> ScannedArticle | None:
    page_at = block.find("<page>")
    if page_at < 0:
        return None
    block = block[page_at:]
    scan.pages += 1
    ns = _NS_RE.search(block)
    if ns is None or ns.group(1) != "0":
        scan.other_namespaces += 1
        return None
    if "<redirect" in block:
        scan.redirects += 1
        return None
    page_id = _ID_RE.search(block)
    if page_id is None:
        return None
    scan.articles += 1
    title = _TITLE_RE.search(block)
    text = _TEXT_RE.search(block)
    # Template braces and pipes are not XML-escaped, so the raw text is matched as is.
    wikitext = (text.group(1) or "") if text else ""
    title_text = html.unescape(title.group(1)) if title else ""
    disambiguation = rules.is_disambiguation(title_text, wikitext)
    scan.disambiguation += disambiguation
    return page_id.group(1), disambiguation


class _ScanFeed:
    """The scan's articles, in dump order, waiting to be matched with WikiExtractor's records.

    Bounded: the scan (usually the faster side) waits once ``limit`` articles are
    queued, so memory does not grow with the dump.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.items: collections.deque[ScannedArticle] = collections.deque()
        self.condition = threading.Condition()
        self.finished = False
        self.stop = threading.Event()

    def put(self, articles: list[ScannedArticle]) -> None:
        with self.condition:
            while len(self.items) >= self.limit and not self.stop.is_set():
                self.condition.wait(timeout=1.0)
            self.items.extend(articles)
            self.condition.notify_all()

    def finish(self) -> None:
        with self.condition:
            self.finished = True
            self.condition.notify_all()

    def find(self, page_id: str) -> ScannedArticle | None:
        """The scanned article ``page_id``, dropping the ones before it (WikiExtractor
        skipped those); None if the scan ended without it."""
        with self.condition:
            while True:
                while self.items:
                    article = self.items.popleft()
                    if article[0] == page_id:
                        self.condition.notify_all()
                        return article
                self.condition.notify_all()
                if self.finished:
                    return None
                self.condition.wait(timeout=1.0)

    def drain(self) -> None:
        """Let the scan run to the end of the dump (its counts and integrity check)."""
        with self.condition:
            while not self.finished:
                self.items.clear()
                self.condition.notify_all()
                self.condition.wait(timeout=1.0)
            self.items.clear()


# ------------------------------------------------------------------ WikiExtractor

# Articles the scan may run ahead of WikiExtractor's output. WikiExtractor holds about
# 20 pages per process in flight, so the scan still reaches the point where a broken
# dump stopped WikiExtractor (for more processes than that, the crash watchdog below
# ends the run).
SCAN_AHEAD = 2_000
# After WikiExtractor printed a traceback (one of its processes died, and then it never
# exits by itself), how long to wait for the scan to name the cause before stopping it.
CRASH_GRACE_S = 2.0


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when ``parent`` dies, and each process it
    forks (at any depth) when that one's own parent dies.

    WikiExtractor runs under this so that it and its reduce and worker processes die
    with us even on kill -9, when we cannot clean up after them. Fork clears
    PR_SET_PDEATHSIG, so an at-fork hook sets it again in every forked child (its
    multiprocessing "fork" context runs the hook): our death cascades down the tree.
    The getppid() check catches a parent that died before prctl took effect.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    forker = parent

    def arm() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0 or os.getppid() != forker:
            os._exit(1)

    def before_fork() -> None:
        nonlocal forker
        forker = os.getpid()

    arm()
    os.register_at_fork(before=before_fork, after_in_child=arm)


class _WikiExtractorRun:
    """WikiExtractor as a child process in its own process group writing JSON lines to
    stdout; its stderr goes to our log. It dies with us (``die_with_parent``)."""

    def __init__(self, dump: Path, threads: int):
        command = self.command(dump, threads)
        log.info("running %s", shlex.join(command))
        self.tail: collections.deque[str] = collections.deque(maxlen=30)
        self.crashed_at: float | None = None
        self.hung = False  # it crashed and was stopped by us
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    @staticmethod
    def command(dump: Path, threads: int) -> list[str]:
        run = ("import sys; from mtickets.corpus.extract import die_with_parent; "
               "die_with_parent(int(sys.argv.pop(1))); "
               "from wikiextractor.WikiExtractor import main; main()")
        return [
            sys.executable, "-c", run, str(os.getpid()), str(dump),
            "--json", "--no-templates", "--processes", str(max(1, threads)), "--output", "-",
            # Its default html-escapes the text ("&" -> "&amp;"), meant for the <doc>
            # format; an empty value is the only way to turn that off from its CLI.
            "--html-safe", "",
        ]

    def _pump(self) -> None:
        child_log = logging.getLogger(f"{__name__}.wikiextractor")
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line:
                if line.startswith("Traceback") and self.crashed_at is None:
                    self.crashed_at = time.monotonic()
                self.tail.append(line)
                child_log.debug("%s", line)

    def lines(self) -> Iterator[bytes]:
        """Its stdout, line by line, until it closes; stops a run that died and hangs."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        pending = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                if self.crashed_at is not None and \
                        time.monotonic() - self.crashed_at > CRASH_GRACE_S:
                    self.hung = True
                    self.kill()
                    return
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                break
            lines = (pending + data).split(b"\n")
            pending = lines.pop()
            yield from lines
        if pending:
            yield pending

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


@dataclass
class ExtractStats:
    extracted: int = 0
    written: int = 0
    empty: int = 0
    disambiguation: int = 0
    scan: DumpScan | None = None


def _extract(dump: Path, lang: str, sink: IO[str], threads: int) -> ExtractStats:
    """Run WikiExtractor and the scan side by side, writing the kept records to ``sink``.

    The scan is what notices a truncated or corrupt bz2 stream: WikiExtractor's reader
    dies on one but the rest of it waits forever, so the scan stops it then.
    """
    stats = ExtractStats()
    run = _WikiExtractorRun(dump, threads)
    feed = _ScanFeed(SCAN_AHEAD)
    outcome: dict = {}

    def scan() -> None:
        try:
            outcome["scan"] = scan_dump(dump, lang, stop=feed.stop, on_articles=feed.put)
        except BaseException as error:  # handed to the main thread
            outcome["error"] = error
            run.kill()
        finally:
            feed.finish()

    scanner = threading.Thread(target=scan, name="dump-scan", daemon=True)
    scanner.start()
    orphan = None  # a record WikiExtractor gave that the scan did not see
    try:
        with tqdm(desc=f"extract {lang}", unit=" articles", disable=None) as bar:
            for line in run.lines():
                if not line.strip():
                    continue
                record = json.loads(line)
                stats.extracted += 1
                bar.update()
                scanned = feed.find(record["id"])
                if scanned is None:  # the scan failed (reported below) or disagrees
                    orphan = record["id"]
                    break
                if not record.get("text", "").strip():
                    stats.empty += 1
                elif scanned[1]:
                    stats.disambiguation += 1
                else:
                    article = {"id": record["id"], "url": record["url"],
                               "title": html.unescape(record["title"]), "text": record["text"]}
                    sink.write(json.dumps(article, ensure_ascii=False) + "\n")
                    stats.written += 1
        code = None if orphan is not None else run.wait()
        if code == 0:
            feed.drain()
        else:  # no need to read the rest of the dump: the run has failed
            feed.stop.set()
        scanner.join()
        if "error" in outcome:
            raise outcome["error"]
        if orphan is not None:
            raise MticketsError(
                f"WikiExtractor gave page {orphan} of dump {dump} (language '{lang}'), which "
                f"the scan of the dump did not find as an article; is the dump a "
                f"pages-articles export in page order?"
            )
    except BaseException:
        feed.stop.set()
        run.kill()
        scanner.join()
        raise
    if code != 0:
        for line in reversed(run.tail):  # its reader died on the compressed stream
            if line.startswith(("EOFError", "OSError")):
                raise _corrupt(dump, line)
        tail = "\n".join(run.tail)
        what = "crashed and hung (stopped)" if run.hung else f"failed (exit {code})"
        raise MticketsError(
            f"WikiExtractor {what} on dump {dump} (language '{lang}'); its last output:\n{tail}"
        )
    stats.scan = outcome["scan"]
    return stats


_TEMPLATE_NAMESPACE_RE = re.compile(r'<namespace\b[^>]*\bkey="10"')


def _siteinfo(dump: Path) -> str:
    """The dump's text before its first page, read up to ``</siteinfo>`` (at most 1 MiB)."""
    head = ""
    try:
        with open(dump, "rb") as raw, _decompressing(raw, dump) as stream:
            while "</siteinfo>" not in head and "<page>" not in head and len(head) < 1 << 20:
                chunk = stream.read(1 << 16)
                if not chunk:
                    break
                head += chunk
    except (EOFError, OSError, UnicodeDecodeError) as error:
        raise _corrupt(dump, error) from None
    return head.partition("<page>")[0]


def extract_articles(dump: str | os.PathLike, lang: str, out: str | os.PathLike,
                     threads: int = 1) -> ExtractStats:
    """Extract the articles of ``dump`` into the gzip JSON lines file ``out``."""
    dump = Path(dump)
    if not dump.is_file():
        raise MticketsError(
            f"dump {dump} for language '{lang}' does not exist; run `mtickets download` first"
        )
    siteinfo = _siteinfo(dump)
    # WikiExtractor drops pages whose title starts with the Template namespace's name,
    # which without namespace 10 is "": every page. Found here, before a whole pass.
    if "<namespaces" in siteinfo and not _TEMPLATE_NAMESPACE_RE.search(siteinfo):
        raise MticketsError(
            f"dump {dump} (language '{lang}'): its <siteinfo> namespace list lacks namespace "
            f"10 (Template), without which WikiExtractor drops every page; download the dump "
            f"again (mtickets download), or add "
            f'<namespace key="10" case="first-letter">Template</namespace>, with the wiki\'s '
            f"own name for Template, to its <namespaces>"
        )
    with gzip_text_writer(out) as sink:
        stats = _extract(dump, lang, sink, threads)
        scan = stats.scan
        if stats.written == 0:
            raise MticketsError(
                f"dump {dump} (language '{lang}') yields no articles: {scan.pages} "
                f"pages, {scan.articles} main-namespace non-redirect pages, "
                f"{stats.empty} empty, {stats.disambiguation} disambiguation; is it the "
                f"right pages-articles dump (with a <siteinfo> namespace list)?"
            )
    log.info(
        "%s: %d pages in dump (%d redirects, %d in other namespaces, %d disambiguation); "
        "WikiExtractor gave %d articles; dropped %d empty and %d disambiguation pages; "
        "wrote %d articles to %s",
        lang, scan.pages, scan.redirects, scan.other_namespaces, scan.disambiguation,
        stats.extracted, stats.empty, stats.disambiguation, stats.written, out,
    )
    return stats


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dump", required=True, help="pages-articles .xml.bz2 dump")
    parser.add_argument("--lang", required=True, help="Wikipedia language code of the dump")
    parser.add_argument("--out", required=True, help="output articles.jsonl.gz")
    parser.add_argument("--threads", type=int, default=1,
                        help="WikiExtractor worker processes (default 1)")


def main(args: argparse.Namespace) -> None:
    extract_articles(args.dump, args.lang, args.out, threads=args.threads)
