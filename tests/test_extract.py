"""mtickets extract: WikiExtractor output filtered to real articles, corrupt dumps."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from mtickets import cli
from mtickets.errors import MticketsError
from mtickets.corpus.extract import DisambiguationRules, extract_articles
from mtickets.testdata.synthetic import generate_dump

SITEINFO = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/"
    version="0.10" xml:lang="{lang}">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>{lang}wiki</dbname>
    <base>https://{lang}.wikipedia.org/wiki/Main_Page</base>
    <generator>MediaWiki 1.42.0-wmf.10</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="4" case="first-letter">Wikipedia</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="828" case="first-letter">Module</namespace>
    </namespaces>
  </siteinfo>
"""


def page_xml(page_id: int, title: str, text: str | None, ns: int = 0,
             redirect: str | None = None) -> str:
    """One <page> the way real dumps write it: one element per line."""
    lines = ["  <page>", f"    <title>{escape(title)}</title>", f"    <ns>{ns}</ns>",
             f"    <id>{page_id}</id>"]
    if redirect:
        lines.append(f'    <redirect title="{escape(redirect)}" />')
    lines += ["    <revision>", f"      <id>{page_id + 1000}</id>",
              "      <timestamp>2024-01-01T00:00:00Z</timestamp>"]
    if text is None:
        lines.append('      <text bytes="0" xml:space="preserve" />')
    else:
        lines.append(f'      <text bytes="{len(text)}" xml:space="preserve">{escape(text)}</text>')
    lines += ["    </revision>", "  </page>"]
    return "\n".join(lines) + "\n"


def write_dump(path: Path, pages: list[str], lang: str = "en") -> Path:
    xml = SITEINFO.format(lang=lang) + "".join(pages) + "</mediawiki>\n"
    path.write_bytes(bz2.compress(xml.encode("utf-8")))
    return path


ARTICLE = (
    "'''Alpha''' is the first letter of the [[Greek alphabet|Greek]] alphabet. "
    "It was used by Dr. Smith & co.\n"
    "{{Infobox letter|name=Alpha}}\n"
    "\n"
    "== History ==\n"
    "The letter came from [[Phoenicia|Phoenician]] aleph.<ref>{{cite web|url=http://x}}</ref>"
    " It spread widely."
)

PAGES = [
    page_xml(1, "Alpha", ARTICLE),
    page_xml(2, "Beta (letter)", "#REDIRECT [[Alpha]]", redirect="Alpha"),
    page_xml(3, "Wikipedia:About", "This is a project page about Wikipedia.", ns=4),
    page_xml(4, "Talk:Alpha", "Is alpha really first? I think so.", ns=1),
    page_xml(5, "Template:Infobox letter", "{{{name}}} is a letter.", ns=10),
    page_xml(6, "Gamma (disambiguation)", "'''Gamma''' may refer to:\n* [[Gamma ray]], a ray"),
    page_xml(7, "Delta",
             "'''Delta''' may mean:\n* [[Delta (river)]], a landform\n\n{{disambiguation|geo}}"),
    page_xml(8, "Epsilon", None),
    page_xml(9, "Zeta", "{{Infobox letter|name=Zeta}}\n[[Category:Letters]]"),
    page_xml(10, "Kill Bill: Volume 1", "Kill Bill is a 2003 film.\n\nIt stars Uma Thurman."),
    page_xml(11, "Eta", "Eta is a letter.{{Disambiguation needed|date=May 2020}} It follows zeta."),
    page_xml(12, "Theta", "Theta is a letter.\n\n__DISAMBIG__"),
]


def read_articles(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_extract_keeps_only_real_articles(tmp_path, caplog):
    dump = write_dump(tmp_path / "enwiki-20240101-pages-articles.xml.bz2", PAGES)
    out = tmp_path / "corpus" / "en" / "articles.jsonl.gz"
    with caplog.at_level("INFO", logger="mtickets.corpus.extract"):
        stats = extract_articles(dump, "en", out, threads=2)
    articles = read_articles(out)
    assert [a["title"] for a in articles] == ["Alpha", "Kill Bill: Volume 1", "Eta"]
    for article in articles:
        assert set(article) == {"id", "url", "title", "text"}
        assert article["url"] == f"https://en.wikipedia.org/wiki?curid={article['id']}"
    alpha = articles[0]
    assert alpha["id"] == "1"
    paragraphs = alpha["text"].split("\n")
    assert paragraphs[0] == ("Alpha is the first letter of the Greek alphabet. "
                             "It was used by Dr. Smith & co.")  # "&" not "&amp;"
    assert "The letter came from Phoenician aleph. It spread widely." in paragraphs
    assert "{{" not in alpha["text"] and "[[" not in alpha["text"]
    assert articles[1]["text"] == "Kill Bill is a 2003 film.\nIt stars Uma Thurman."
    assert (stats.written, stats.empty, stats.disambiguation) == (3, 2, 3)
    assert stats.scan.redirects == 1 and stats.scan.other_namespaces == 3
    assert "dropped 2 empty and 3 disambiguation" in caplog.text
    assert [p.name for p in out.parent.iterdir()] == ["articles.jsonl.gz"]


def test_extract_is_byte_reproducible_and_cli(tmp_path):
    dump = write_dump(tmp_path / "dump.xml.bz2", PAGES)
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    extract_articles(dump, "en", first, threads=1)
    assert cli.main(["extract", "--dump", str(dump), "--lang", "en", "--threads", "3",
                     "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_language_specific_disambiguation(tmp_path):
    pages = [
        page_xml(1, "Bank", "'''Bank''' steht für:\n* [[Bank (Möbel)]]\n{{Begriffsklärung}}"),
        page_xml(2, "Mars (Begriffsklärung)", "'''Mars''' steht für:\n* Planet"),
        page_xml(3, "Geld", "Geld ist ein Zahlungsmittel.{{Begriffsklärungshinweis}} Es ist alt."),
    ]
    dump = write_dump(tmp_path / "dewiki.xml.bz2", pages, lang="de")
    out = tmp_path / "de.jsonl.gz"
    extract_articles(dump, "de", out)
    assert [a["title"] for a in read_articles(out)] == ["Geld"]


@pytest.mark.parametrize("template, lang, expected", [
    ("{{Disambiguation}}", "en", True),
    ("{{disambig|surname}}", "en", True),
    ("{{Human name disambiguation}}", "en", True),
    ("{{Template:Dab}}", "en", True),
    ("{{Disambiguation needed|date=May 2020}}", "en", False),
    ("{{Redirect|X|the page|X (disambiguation)}}", "en", False),
    ("{{Homonymie}}", "fr", True),
    ("{{Bandeau standard pour page d'homonymie}}", "fr", True),
    ("{{Voir homonymes|Mars}}", "fr", False),
    ("{{неоднозначность}}", "ru", True),
    ("{{Однофамильцы}}", "ru", True),
    ("{{Другие значения|Марс}}", "ru", False),
    ("{{Αποσαφήνιση}}", "el", True),
    ("{{Täsmennyssivu}}", "fi", True),
    ("{{desambiguación}}", "es", True),
    ("{{Otros usos}}", "es", False),
])
def test_disambiguation_templates(template, lang, expected):
    rules = DisambiguationRules.for_language(lang)
    assert rules.is_disambiguation("Some title", f"Text.\n{template}\n") is expected


def test_disambiguation_title_suffix():
    assert DisambiguationRules.for_language("ru").is_disambiguation("Марс (значения)", "")
    assert DisambiguationRules.for_language("xx").is_disambiguation("Mars (disambiguation)", "")
    assert not DisambiguationRules.for_language("en").is_disambiguation("Mars (planet)", "")


def _assert_clean_failure(tmp_path: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_truncated_dump_names_the_dump(tmp_path):
    pages = [page_xml(i, f"Page {i}", f"Text of page {i}. " * 200) for i in range(1, 400)]
    dump = write_dump(tmp_path / "full.xml.bz2", pages)
    truncated = tmp_path / "truncated.xml.bz2"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    out = tmp_path / "out" / "articles.jsonl.gz"
    out.parent.mkdir()
    with pytest.raises(MticketsError) as error:
        extract_articles(truncated, "en", out, threads=2)
    assert str(truncated) in str(error.value)
    assert "truncated or corrupt" in str(error.value)
    _assert_clean_failure(tmp_path, out)


def test_corrupt_dump_names_the_dump(tmp_path):
    pages = [page_xml(i, f"Page {i}", f"Text of page {i}. " * 50) for i in range(1, 100)]
    data = bytearray(write_dump(tmp_path / "full.xml.bz2", pages).read_bytes())
    data[len(data) // 2: len(data) // 2 + 16] = b"\x00" * 16
    corrupt = tmp_path / "corrupt.xml.bz2"
    corrupt.write_bytes(bytes(data))
    out = tmp_path / "out" / "articles.jsonl.gz"
    out.parent.mkdir()
    with pytest.raises(MticketsError, match="corrupt.xml.bz2 is truncated or corrupt"):
        extract_articles(corrupt, "en", out, threads=2)
    _assert_clean_failure(tmp_path, out)


def test_not_a_dump(tmp_path):
    bogus = tmp_path / "bogus.xml.bz2"
    bogus.write_bytes(bz2.compress(b"<html><body>404 Not Found</body></html>\n"))
    with pytest.raises(MticketsError, match="not a MediaWiki XML export"):
        extract_articles(bogus, "en", tmp_path / "out.jsonl.gz")
    assert not (tmp_path / "out.jsonl.gz").exists()


def test_missing_dump(tmp_path):
    with pytest.raises(MticketsError, match="does not exist; run `mtickets download`"):
        extract_articles(tmp_path / "nope.xml.bz2", "en", tmp_path / "out.jsonl.gz")


def test_scan_stays_aligned_when_wikiextractor_skips_pages(tmp_path, monkeypatch):
    # WikiExtractor also drops main-namespace pages whose title starts with the template
    # namespace's name; the scan keeps them, and every later record must still meet its
    # own scan entry (here: the disambiguation page after it is still recognised). A
    # tiny look-ahead makes the scan wait for the writer again and again.
    monkeypatch.setattr("mtickets.corpus.extract.SCAN_AHEAD", 2)
    pages = [page_xml(i, f"Page {i}", f"Page {i} is an article. It has text.")
             for i in range(1, 40)]
    pages.insert(10, page_xml(100, "Template matching", "Template matching is a technique."))
    pages.insert(11, page_xml(101, "Omega", "'''Omega''' may mean:\n* [[Omega (letter)]]\n{{dab}}"))
    dump = write_dump(tmp_path / "dump.xml.bz2", pages)
    out = tmp_path / "articles.jsonl.gz"
    stats = extract_articles(dump, "en", out, threads=2)
    titles = [a["title"] for a in read_articles(out)]
    assert titles[:10] == [f"Page {i}" for i in range(1, 11)] and "Omega" not in titles
    assert titles[-1] == "Page 39"
    assert stats.disambiguation == 1 and stats.scan.disambiguation == 1
    assert stats.scan.articles == 41


def test_a_wikiextractor_that_crashes_and_hangs_is_stopped(tmp_path, monkeypatch):
    # One of WikiExtractor's processes dies with a traceback; the others then wait
    # forever. The run is killed after a grace period and the traceback reported.
    hang = ("import sys, time; sys.stderr.write('Traceback (most recent call last):\\n"
            "ValueError: boom\\n'); sys.stderr.flush(); time.sleep(60)")
    monkeypatch.setattr("mtickets.corpus.extract._WikiExtractorRun.command",
                        staticmethod(lambda dump, threads: [sys.executable, "-c", hang]))
    monkeypatch.setattr("mtickets.corpus.extract.CRASH_GRACE_S", 0.1)
    dump = write_dump(tmp_path / "dump.xml.bz2", PAGES)
    out = tmp_path / "out" / "articles.jsonl.gz"
    out.parent.mkdir()
    started = time.monotonic()
    with pytest.raises(MticketsError, match=r"(?s)crashed and hung.*ValueError: boom"):
        extract_articles(dump, "en", out)
    assert time.monotonic() - started < 10
    _assert_clean_failure(tmp_path, out)


def _descendants(root: int) -> set[int]:
    """The living processes below ``root``, from /proc (a zombie counts as dead)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # it exited meanwhile
            continue
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [root]
    while todo:
        children = parents.get(todo.pop(), [])
        found.update(children)
        todo += children
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_wikiextractor_dies_with_a_killed_extract_and_a_rerun_removes_its_temporary(tmp_path):
    # kill -9 gives `mtickets extract` no chance to clean up: WikiExtractor and its
    # reduce and worker processes must still die with it, not live on under init.
    pages = [page_xml(i, f"Page {i}", f"Page {i} is an article. " * 20) for i in range(1, 5_000)]
    dump = write_dump(tmp_path / "dump.xml.bz2", pages)
    extract = subprocess.Popen(
        [sys.executable, "-m", "mtickets.cli", "extract", "--dump", str(dump), "--lang", "en",
         "--threads", "2", "--out", str(tmp_path / "articles.jsonl.gz")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 15
        # WikiExtractor, its reduce process and 2 workers.
        while len(children) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
            children = _descendants(extract.pid)
        assert len(children) >= 4 and extract.poll() is None, "WikiExtractor did not start"
        extract.kill()
        extract.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in children if _alive(pid)]
    finally:
        extract.kill()
        for pid in children:  # leave nothing behind when the test fails
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    # The killed run's temporary output is removed by the next run of the same output.
    (left,) = tmp_path.glob(".articles.jsonl.gz.*.tmp")
    extract_articles(dump, "en", tmp_path / "articles.jsonl.gz", threads=2)
    assert not left.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.jsonl.gz", "dump.xml.bz2"]


@pytest.mark.parametrize("remove, message", [
    # Only the Template namespace is missing: the error names it.
    (r'\s*<namespace key="10"[^\n]*', r"namespace list lacks namespace 10 \(Template\)"),
    # No namespace list at all.
    (r"\s*<namespaces>.*</namespaces>", r"yields no articles.*with a <siteinfo> namespace list"),
])
def test_siteinfo_without_the_template_namespace(tmp_path, remove, message):
    full = generate_dump(tmp_path / "full.xml.bz2", "de", 30).path
    xml = bz2.decompress(full.read_bytes()).decode("utf-8")
    trimmed = re.sub(remove, "", xml, count=1, flags=re.DOTALL)
    assert trimmed != xml
    dump = tmp_path / "dewiki-20240101-pages-articles.xml.bz2"
    dump.write_bytes(bz2.compress(trimmed.encode("utf-8")))
    out = tmp_path / "out" / "articles.jsonl.gz"
    out.parent.mkdir()
    with pytest.raises(MticketsError, match=message) as error:
        extract_articles(dump, "de", out)
    assert str(dump) in str(error.value) and "\n" not in str(error.value)
    _assert_clean_failure(tmp_path, out)
