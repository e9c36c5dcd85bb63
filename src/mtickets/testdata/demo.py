"""Write the embedded demo's bundled data: a miniature Wikipedia mirror and XTREME-format fixtures.

The demo config (`config/config.yaml`) runs the whole pipeline on what this writes under
`resources/demo`: per language a MediaWiki export (schema 0.11) laid out like the dumps
site, with its md5sums file, plus PAN-X (NER) and UD (POS) train/dev/test files.

All text is produced here from per-language sentence templates and vocabularies written
for this project, so it carries no third-party licence; the people, towns and companies
the articles are about are fictional. The fixtures' tags are correct by construction: every
template word carries its UPOS tag and every slot filler its entity type. The same seed and
date give byte-identical files, compressed dumps included, so the bundle can be checked
against a fresh run.

The templates and vocabularies are package data (``testdata.language_data`` says how to
edit them); the articles come from ``testdata.articles``, the fixtures from
``testdata.fixtures``. After an edit, run `mtickets make-demo` and commit the new
`resources/demo`: `tests/test_demo_data.py` checks that it is what the generator writes.
"""

from __future__ import annotations

import bz2
import hashlib
import logging
from datetime import date, datetime
from pathlib import Path

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path
from mtickets.formats.wikipedia_dump import Page, mediawiki_start, page_xml, siteinfo
from mtickets.testdata.articles import build_pages
from mtickets.testdata.fixtures import SPLIT_SIZES, conllu_text, fixture_splits, panx_text
from mtickets.testdata.language_data import LANGUAGES
from mtickets.testdata.templates import rng_for

log = logging.getLogger(__name__)


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="resources/demo", help="output directory (default: resources/demo)")
    parser.add_argument("--date", default="20240101", help="dump date used in the mirror's paths (YYYYMMDD)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives identical files")


def main(args) -> None:
    try:
        dump_date = datetime.strptime(args.date, "%Y%m%d").date()
    except ValueError as error:
        raise MticketsError(f"--date {args.date!r} is not a YYYYMMDD date: {error}") from None
    out = Path(args.out)
    for code, lang in LANGUAGES.items():
        pages = write_wikipedia(out / "wikipedia", lang, args.date, dump_date, args.seed)
        counts = write_fixtures(out / "xtreme", lang, args.seed)
        log.info("%s: %d pages, %s", code, pages, ", ".join(f"{k} {v}" for k, v in counts.items()))
    write_text(out / "README.md", readme(args.date, args.seed))
    log.info("wrote the demo bundle under %s", out)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def dump_xml(lang: dict, pages: list[Page], dump_date: date, seed: int) -> str:
    rng = rng_for(seed, lang["code"], "revisions")
    # Real dumps interleave articles, redirects and other namespaces in page-id order.
    order = list(pages)
    rng.shuffle(order)
    lines = [mediawiki_start(lang["code"]), *siteinfo(lang)]
    page_id = rng.randint(10, 99)
    for page in order:
        page_id += rng.randint(1, 400)
        lines += page_xml(page, page_id, rng, dump_date)
    lines.append("</mediawiki>")
    return "\n".join(lines) + "\n"


def write_wikipedia(root: Path, lang: dict, date_text: str, dump_date: date, seed: int) -> int:
    """Write `{root}/{lang}wiki/{date}/` with the pages-articles dump and its md5sums file."""
    code = lang["code"]
    pages = build_pages(lang, dump_date, seed)
    dump = bz2.compress(dump_xml(lang, pages, dump_date, seed).encode("utf-8"), 9)
    folder = root / f"{code}wiki" / date_text
    name = f"{code}wiki-{date_text}-pages-articles.xml.bz2"
    write_bytes(folder / name, dump)
    sums = {name: hashlib.md5(dump).hexdigest()}
    # The real file lists every dump file; these are not in the mirror, so their sums are
    # placeholders, there only so that readers must pick the right line.
    for other in ("pages-articles-multistream.xml.bz2", "pages-meta-current.xml.bz2", "abstract.xml.gz"):
        other_name = f"{code}wiki-{date_text}-{other}"
        sums[other_name] = hashlib.md5(other_name.encode("utf-8")).hexdigest()
    write_text(folder / f"{code}wiki-{date_text}-md5sums.txt",
               "".join(f"{digest}  {file}\n" for file, digest in sorted(sums.items())))
    return len(pages)


def write_fixtures(root: Path, lang: dict, seed: int) -> dict[str, int]:
    code = lang["code"]
    for task in ("panx", "udpos"):
        for split, sentences in fixture_splits(lang, seed, task).items():
            if task == "panx":
                write_text(root / "panx" / code / f"{split}.tsv", panx_text(code, sentences))
            else:
                write_text(root / "udpos" / code / f"{split}.conllu", conllu_text(code, split, sentences))
    return dict(SPLIT_SIZES)


def readme(date_text: str, seed: int) -> str:
    languages = ", ".join(LANGUAGES)
    return f"""# Embedded demo data

Generated by `mtickets make-demo --date {date_text} --seed {seed}` (module `mtickets.testdata.demo`);
do not edit by hand: `tests/test_demo_data.py` checks that a fresh run gives these exact bytes.
Languages: {languages}.

- `wikipedia/{{lang}}wiki/{date_text}/` — a miniature mirror laid out like
  dumps.wikimedia.org: `{{lang}}wiki-{date_text}-pages-articles.xml.bz2` (MediaWiki export
  schema 0.11) and `{{lang}}wiki-{date_text}-md5sums.txt`. Each dump holds about 50 articles
  (biographies, towns, companies) with real wikitext markup (infoboxes, links, references,
  lists, tables, files, categories), plus redirects, a disambiguation page and talk, user,
  project, template and category pages that text extraction must skip. Only the
  pages-articles file exists; the other md5sums lines are placeholders.
- `xtreme/panx/{{lang}}/{{train,dev,test}}.tsv` — NER in XTREME's PAN-X format
  (`lang:token<TAB>tag`, IOB2 tags PER/ORG/LOC, a blank line after each sentence).
- `xtreme/udpos/{{lang}}/{{train,dev,test}}.conllu` — POS in UD CoNLL-U (UPOS in column 4;
  contractions as multiword-token ranges; lemma, features and syntax left as `_`).

## Licence

All text was written for this project: sentences come from per-language templates and
word lists in `mtickets.testdata`, filled in at random. The people, towns and companies
the articles describe are fictional; real place and organisation names only fill slots.
It is released under the repository's licence (MIT) and carries no Wikipedia,
WikiANN or Universal Dependencies content. Tags are correct by construction: template
words carry their UPOS, slot fillers their entity type; within names capitalised words are
PROPN and function words keep their own tag.
"""
