"""Wikipedia dumps as the dumps site serves them: the contract ``download`` and ``extract`` read.

A pages-articles dump is a MediaWiki export (schema 0.11) compressed with bzip2. A mirror
keeps it at ``{lang}wiki/{date}/{lang}wiki-{date}-pages-articles.xml.bz2`` (``dump_path``),
beside the ``{lang}wiki-{date}-md5sums.txt`` and ``dumpstatus.json`` the site lists its
files in (``write_listing``). The writers of test data (``testdata.demo``,
``testdata.synthetic``) and ``corpus.help_mirror`` write pages (``Page``) into that format
here, so that the dumps they make are read exactly as real ones.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import json
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from tqdm import tqdm

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path

log = logging.getLogger(__name__)

GENERATOR = "MediaWiki 1.42.0-wmf.10"
SCHEMA = "http://www.mediawiki.org/xml/export-0.11/"


@dataclass
class Page:
    title: str
    ns: int
    text: str
    redirect: str | None = None


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def sha1_base36(text: str) -> str:
    """MediaWiki's revision sha1: SHA-1 of the text in base 36, zero-padded to 31 digits."""
    number = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits.rjust(31, "0")


def siteinfo(lang: dict) -> list[str]:
    code = lang["code"]
    lines = [
        "  <siteinfo>",
        f"    <sitename>{xml_escape(lang['sitename'])}</sitename>",
        f"    <dbname>{code}wiki</dbname>",
        f"    <base>https://{code}.wikipedia.org/wiki/{quote(lang['main_page'].replace(' ', '_'), safe=':')}</base>",
        f"    <generator>{GENERATOR}</generator>",
        "    <case>first-letter</case>",
        "    <namespaces>",
    ]
    for key, name in sorted(lang["namespaces"].items()):
        if name:
            lines.append(f'      <namespace key="{key}" case="first-letter">{xml_escape(name)}</namespace>')
        else:
            lines.append(f'      <namespace key="{key}" case="first-letter" />')
    return lines + ["    </namespaces>", "  </siteinfo>"]


CONTRIBUTORS = (("DemoEditor", 1001), ("MapMaker", 2077), ("Gazetteer", 3150), ("CiteBot", 4411))
COMMENTS = ("/* History */ copyedit", "+ref", "cat", "typo", "update population figure", "")


def page_xml(page: Page, page_id: int, rng: random.Random, dump_date: date) -> list[str]:
    revision = page_id * 37 + rng.randint(1, 30)
    stamp = datetime(dump_date.year, dump_date.month, dump_date.day) - timedelta(
        days=rng.randint(1, 900), seconds=rng.randint(0, 86399))
    lines = ["  <page>", f"    <title>{xml_escape(page.title)}</title>", f"    <ns>{page.ns}</ns>",
             f"    <id>{page_id}</id>"]
    if page.redirect:
        lines.append(f'    <redirect title="{xml_escape(page.redirect)}" />')
    lines += ["    <revision>", f"      <id>{revision}</id>"]
    if rng.random() < 0.8:  # a page's first revision has no parent
        lines.append(f"      <parentid>{revision - rng.randint(1, 5000)}</parentid>")
    lines += [f"      <timestamp>{stamp.strftime('%Y-%m-%dT%H:%M:%SZ')}</timestamp>", "      <contributor>"]
    if rng.random() < 0.15:
        lines.append(f"        <ip>192.0.2.{rng.randint(1, 254)}</ip>")  # documentation address range
    else:
        user, user_id = rng.choice(CONTRIBUTORS)
        lines += [f"        <username>{user}</username>", f"        <id>{user_id}</id>"]
    lines.append("      </contributor>")
    if rng.random() < 0.2:
        lines.append("      <minor />")
    comment = rng.choice(COMMENTS)
    if comment:
        lines.append(f"      <comment>{xml_escape(comment)}</comment>")
    size = len(page.text.encode("utf-8"))
    lines += ["      <model>wikitext</model>", "      <format>text/x-wiki</format>",
              f'      <text bytes="{size}" xml:space="preserve">{xml_escape(page.text)}</text>',
              f"      <sha1>{sha1_base36(page.text)}</sha1>", "    </revision>", "  </page>"]
    return lines


def mediawiki_start(code: str) -> str:
    """The opening ``<mediawiki>`` tag of a dump in export schema 0.11."""
    return (f'<mediawiki xmlns="{SCHEMA}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{SCHEMA} http://www.mediawiki.org/xml/export-0.11.xsd" '
            f'version="0.11" xml:lang="{code}">')



@dataclass(frozen=True)
class DumpInfo:
    path: Path
    pages: int
    articles: int
    size: int
    md5: str
    sha1: str


def parse_date(dump_date: str) -> date:
    try:
        return datetime.strptime(dump_date, "%Y%m%d").date()
    except ValueError as error:
        raise MticketsError(f"date {dump_date!r} is not YYYYMMDD: {error}") from None


def write_dump(path: str | Path, spec: dict, pages, when: date, revisions: random.Random,
               desc: str) -> DumpInfo:
    """Write ``pages`` ((`Page`, is-article) pairs, in page-id order) as a pages-articles
    ``.xml.bz2`` of the wiki ``spec`` describes (its code, site name, main page, namespaces)."""
    path = Path(path)
    lang = spec["code"]
    n_pages = articles = 0
    with atomic_path(path) as tmp:
        with bz2.open(tmp, "wb", compresslevel=9) as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as xml:
            xml.write("\n".join([mediawiki_start(lang), *siteinfo(spec)]) + "\n")
            page_id = revisions.randint(10, 99)
            for page, is_article in tqdm(pages, desc=desc, unit=" pages", disable=None):
                page_id += revisions.randint(1, 40)
                xml.write("\n".join(page_xml(page, page_id, revisions, when)) + "\n")
                n_pages += 1
                articles += is_article
            xml.write("</mediawiki>\n")
        md5, sha1 = _digests(tmp)
        size = tmp.stat().st_size
    log.info("%s: wrote %d pages (%d articles), %d bytes to %s", lang, n_pages, articles, size,
             path)
    return DumpInfo(path, n_pages, articles, size, md5, sha1)


def _digests(path: Path) -> tuple[str, str]:
    md5, sha1 = hashlib.md5(), hashlib.sha1()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha1.update(chunk)
    return md5.hexdigest(), sha1.hexdigest()


def dump_path(root: str | Path, lang: str, dump_date: str) -> Path:
    """Where a mirror laid out like the dumps site keeps a language's pages-articles dump."""
    return Path(root) / f"{lang}wiki" / dump_date / f"{lang}wiki-{dump_date}-pages-articles.xml.bz2"


def write_listing(info: DumpInfo, lang: str, dump_date: str) -> None:
    """Write the md5sums file and ``dumpstatus.json`` beside the dump ``info`` describes."""
    folder, name = info.path.parent, info.path.name
    with atomic_path(folder / f"{lang}wiki-{dump_date}-md5sums.txt") as tmp:
        tmp.write_text(f"{info.md5}  {name}\n", encoding="utf-8")
    updated = f"{dump_date[:4]}-{dump_date[4:6]}-{dump_date[6:]} 00:00:00"
    status = {"jobs": {"articlesdump": {
        "status": "done", "updated": updated,
        "files": {name: {"size": info.size, "url": f"/{lang}wiki/{dump_date}/{name}",
                         "md5": info.md5, "sha1": info.sha1}},
    }}, "version": "0.8"}
    with atomic_path(folder / "dumpstatus.json") as tmp:
        tmp.write_text(json.dumps(status, indent=1) + "\n", encoding="utf-8")
