"""Write synthetic Wikipedia dumps of any size, laid out as a mirror, for benchmarks.

`mtickets synth-dump --out DIR --languages en de --articles 20000` writes, per language,
``DIR/{lang}wiki/{date}/{lang}wiki-{date}-pages-articles.xml.bz2`` (a MediaWiki 0.11
export), its ``md5sums.txt`` and a ``dumpstatus.json`` in the dumps site's format, so
``mtickets download --mirror DIR`` (or an HTTP server on DIR) can fetch it.

Articles come from the embedded demo's per-language templates and vocabularies
(`mtickets.testdata.demo`), so their wikitext has what real articles have (infoboxes, links,
references, lists, tables, categories); titles repeat with a numbered suffix, as the
vocabularies are small. Around the articles, as in a real dump: a redirect per 10
articles, a talk page per 20 and a disambiguation page per 50, in page-id order. The
dump is written page by page (memory does not grow with its size) and is
byte-identical for the same language, size, seed and date.
"""

from __future__ import annotations

import argparse
import bz2
import collections
import hashlib
import io
import json
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tqdm import tqdm

from mtickets.testdata import demo
from mtickets.formats.atomic import atomic_path
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

KINDS = ("person", "town", "org")
REDIRECT_EVERY, TALK_EVERY, DISAMBIGUATION_EVERY = 10, 20, 50
# Recent titles that "See also" sections and redirects point to.
RECENT = 64


@dataclass(frozen=True)
class DumpInfo:
    path: Path
    pages: int
    articles: int
    size: int
    md5: str
    sha1: str


def _language(code: str) -> dict:
    if code not in demo.LANGUAGES:
        raise MticketsError(f"no synthetic text for language '{code}'; the generator knows "
                            f"{', '.join(demo.LANGUAGES)} (the demo's languages)")
    return demo.LANGUAGES[code]


def _pages(lang: dict, n_articles: int, seed: int, dump_date: date):
    """The dump's pages in order: ``n_articles`` articles and the pages around them."""
    rng = demo.rng_for(seed, lang["code"], "synthetic")
    labels, namespaces = lang["labels"], lang["namespaces"]
    # Occurrences of each base title (bounded by the vocabularies, not by n_articles).
    seen: collections.Counter[str] = collections.Counter()
    recent: collections.deque[str] = collections.deque(maxlen=RECENT)
    people: collections.deque = collections.deque(maxlen=2)
    for index in range(n_articles):
        kind = KINDS[index % len(KINDS)]
        subject = demo.make_person(lang, rng) if kind == "person" else \
            rng.choice(lang["vocab"][kind])
        article = demo.new_article(lang, kind, rng, subject, dump_date)
        seen[article.title] += 1
        title = article.title if seen[article.title] == 1 else \
            f"{article.title} ({seen[article.title]})"
        see_also = rng.sample(list(recent), min(3, len(recent)))
        yield demo.Page(title, 0, demo.article_text(article, see_also)), True
        recent.append(title)
        if kind == "person":
            people.append(article)
        number = index + 1
        if number % REDIRECT_EVERY == 0:
            target = rng.choice(list(recent))
            yield demo.Page(f"{target} ({labels['redirect'].lstrip('#').lower()})", 0,
                            f"{labels['redirect']} [[{target}]]", target), False
        if number % TALK_EVERY == 0:
            yield demo.Page(f"{namespaces[1]}:{title}", 1, labels["talk"]), False
        if number % DISAMBIGUATION_EVERY == 0 and len(people) == 2:
            surname = f"{people[-1].facts['surname']} ({number})"
            yield demo.disambiguation(lang, list(people), surname), False


def generate_dump(path: str | Path, lang: str, n_articles: int, seed: int = 0,
                  dump_date: str = "20240101") -> DumpInfo:
    """Write a pages-articles ``.xml.bz2`` with ``n_articles`` articles to ``path``."""
    spec = _language(lang)
    when = parse_date(dump_date)
    if n_articles < 1:
        raise MticketsError(f"--articles {n_articles}: at least one article is needed")
    revisions = demo.rng_for(seed, lang, "synthetic-revisions")
    return write_dump(path, spec, _pages(spec, n_articles, seed, when), when, revisions,
                      f"synthetic {lang}wiki")


def parse_date(dump_date: str) -> date:
    try:
        return datetime.strptime(dump_date, "%Y%m%d").date()
    except ValueError as error:
        raise MticketsError(f"date {dump_date!r} is not YYYYMMDD: {error}") from None


def write_dump(path: str | Path, spec: dict, pages, when: date, revisions: random.Random,
               desc: str) -> DumpInfo:
    """Write ``pages`` ((`demo.Page`, is-article) pairs, in page-id order) as a pages-articles
    ``.xml.bz2`` of the wiki ``spec`` describes (its code, site name, main page, namespaces)."""
    path = Path(path)
    lang = spec["code"]
    n_pages = articles = 0
    with atomic_path(path) as tmp:
        with bz2.open(tmp, "wb", compresslevel=9) as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as xml:
            xml.write("\n".join([demo.mediawiki_start(lang), *demo.siteinfo(spec)]) + "\n")
            page_id = revisions.randint(10, 99)
            for page, is_article in tqdm(pages, desc=desc, unit=" pages", disable=None):
                page_id += revisions.randint(1, 40)
                xml.write("\n".join(demo.page_xml(page, page_id, revisions, when)) + "\n")
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


def write_mirror(root: str | Path, languages: list[str], n_articles: int, seed: int = 0,
                 dump_date: str = "20240101") -> list[DumpInfo]:
    """Write a dumps-site layout under ``root``: per language the dump, md5sums, dumpstatus."""
    infos = []
    for lang in languages:
        # Each language gets its own stream of the seed, so adding one changes no other.
        info = generate_dump(dump_path(root, lang, dump_date), lang, n_articles,
                             seed=random.Random(f"{seed}:{lang}").randrange(2 ** 31),
                             dump_date=dump_date)
        write_listing(info, lang, dump_date)
        infos.append(info)
    return infos


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="mirror directory to write")
    parser.add_argument("--languages", nargs="+", default=["en"],
                        help=f"language codes, of {', '.join(demo.LANGUAGES)} (default en)")
    parser.add_argument("--articles", type=int, default=10_000,
                        help="articles per language (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--date", default="20240101", help="dump date YYYYMMDD (default 20240101)")


def main(args: argparse.Namespace) -> None:
    for info in write_mirror(args.out, args.languages, args.articles, args.seed, args.date):
        log.info("%s: %d articles, md5 %s", info.path, info.articles, info.md5)
