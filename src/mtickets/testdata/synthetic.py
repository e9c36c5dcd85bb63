"""Write synthetic Wikipedia dumps of any size, laid out as a mirror, for benchmarks.

`mtickets synth-dump --out DIR --languages en de --articles 20000` writes, per language,
``DIR/{lang}wiki/{date}/{lang}wiki-{date}-pages-articles.xml.bz2`` (a MediaWiki 0.11
export), its ``md5sums.txt`` and a ``dumpstatus.json`` in the dumps site's format, so
``mtickets download --mirror DIR`` (or an HTTP server on DIR) can fetch it.

Articles come from the embedded demo's per-language templates and vocabularies
(`mtickets.testdata.articles`), so their wikitext has what real articles have (infoboxes, links,
references, lists, tables, categories); titles repeat with a numbered suffix, as the
vocabularies are small. Around the articles, as in a real dump: a redirect per 10
articles, a talk page per 20 and a disambiguation page per 50, in page-id order. The
dump is written page by page (memory does not grow with its size) and is
byte-identical for the same language, size, seed and date.
"""

from __future__ import annotations

import argparse
import collections
import logging
import random
from datetime import date
from pathlib import Path

from mtickets.errors import MticketsError
from mtickets.formats.wikipedia_dump import DumpInfo, Page, dump_path, parse_date, write_dump, write_listing
from mtickets.testdata.articles import article_text, disambiguation, new_article
from mtickets.testdata.language_data import LANGUAGES
from mtickets.testdata.templates import make_person, rng_for

log = logging.getLogger(__name__)

KINDS = ("person", "town", "org")
REDIRECT_EVERY, TALK_EVERY, DISAMBIGUATION_EVERY = 10, 20, 50
# Recent titles that "See also" sections and redirects point to.
RECENT = 64


def _language(code: str) -> dict:
    if code not in LANGUAGES:
        raise MticketsError(f"no synthetic text for language '{code}'; the generator knows "
                            f"{', '.join(LANGUAGES)} (the demo's languages)")
    return LANGUAGES[code]


def _pages(lang: dict, n_articles: int, seed: int, dump_date: date):
    """The dump's pages in order: ``n_articles`` articles and the pages around them."""
    rng = rng_for(seed, lang["code"], "synthetic")
    labels, namespaces = lang["labels"], lang["namespaces"]
    # Occurrences of each base title (bounded by the vocabularies, not by n_articles).
    seen: collections.Counter[str] = collections.Counter()
    recent: collections.deque[str] = collections.deque(maxlen=RECENT)
    people: collections.deque = collections.deque(maxlen=2)
    for index in range(n_articles):
        kind = KINDS[index % len(KINDS)]
        subject = make_person(lang, rng) if kind == "person" else \
            rng.choice(lang["vocab"][kind])
        article = new_article(lang, kind, rng, subject, dump_date)
        seen[article.title] += 1
        title = article.title if seen[article.title] == 1 else \
            f"{article.title} ({seen[article.title]})"
        see_also = rng.sample(list(recent), min(3, len(recent)))
        yield Page(title, 0, article_text(article, see_also)), True
        recent.append(title)
        if kind == "person":
            people.append(article)
        number = index + 1
        if number % REDIRECT_EVERY == 0:
            target = rng.choice(list(recent))
            yield Page(f"{target} ({labels['redirect'].lstrip('#').lower()})", 0,
                            f"{labels['redirect']} [[{target}]]", target), False
        if number % TALK_EVERY == 0:
            yield Page(f"{namespaces[1]}:{title}", 1, labels["talk"]), False
        if number % DISAMBIGUATION_EVERY == 0 and len(people) == 2:
            surname = f"{people[-1].facts['surname']} ({number})"
            yield disambiguation(lang, list(people), surname), False


def generate_dump(path: str | Path, lang: str, n_articles: int, seed: int = 0,
                  dump_date: str = "20240101") -> DumpInfo:
    """Write a pages-articles ``.xml.bz2`` with ``n_articles`` articles to ``path``."""
    spec = _language(lang)
    when = parse_date(dump_date)
    if n_articles < 1:
        raise MticketsError(f"--articles {n_articles}: at least one article is needed")
    revisions = rng_for(seed, lang, "synthetic-revisions")
    return write_dump(path, spec, _pages(spec, n_articles, seed, when), when, revisions,
                      f"synthetic {lang}wiki")


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
                        help=f"language codes, of {', '.join(LANGUAGES)} (default en)")
    parser.add_argument("--articles", type=int, default=10_000,
                        help="articles per language (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--date", default="20240101", help="dump date YYYYMMDD (default 20240101)")


def main(args: argparse.Namespace) -> None:
    for info in write_mirror(args.out, args.languages, args.articles, args.seed, args.date):
        log.info("%s: %d articles, md5 %s", info.path, info.articles, info.md5)
