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

The language data is package data, one file per language: `languages/{code}.yaml` next to
this module (src/mtickets/demo/languages/). Each holds the wiki's site name and namespaces,
`labels` (wikitext keywords and boilerplate), `forms`, `vocab`, the article templates per
kind (`kinds`: person, town, org) and the tagged fixture templates (`ner_templates`, with
their `lexicon`). Editing them:

- Every text is a double-quoted string. The files are read without YAML type resolution,
  so no word ("no", "on") or number becomes a boolean or an int, and a key given twice
  is an error.
- A vocabulary entry lists its inflected forms separated by "|" in the order
  `forms[category]` gives (one form if the category has no `forms`); in "prefix~body" the
  prefix (article, preposition) is ordinary text and only the body is the name; "[m|f]"
  alternations agree with the article's subject.
- Article templates fill `$slot` (a vocabulary category or an article fact), `$slot2` (a
  second, different value) and `$slot.form`.
- In fixture templates every word is `word_UPOS` (a contraction `word_ADP+DET:in+dem`) and
  `$PER`, `$ORG`, `$CITY`, `$COUNTRY`, `$YEAR` are slots; a prefix word of a name they fill
  must be in `lexicon`.

Then run `mtickets make-demo` and commit the new `resources/demo`: `tests/test_demo_data.py`
checks that it is what the generator writes. A new language also needs its code in
`LANGUAGE_CODES`.
"""

from __future__ import annotations

import bz2
import dataclasses
import hashlib
import logging
import random
import re
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import yaml

from mtickets.formats.atomic import atomic_path
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

# Articles per language and kind; together ~50 articles, a few hundred sentences each language.
ARTICLES_PER_KIND = {"person": 17, "town": 17, "org": 16}
# Fixture split sizes (sentences) per language and task; above the 80/20/20 the demo needs.
SPLIT_SIZES = {"train": 160, "dev": 40, "test": 40}
UPOS = frozenset(
    "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
)
NER_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")

# Vocabulary categories whose first mention in an article becomes a wikilink (sometimes).
LINKABLE = frozenset({"city", "river", "region", "country", "uni", "prof"})
LINK_PROBABILITY = 0.6
GENERATOR = "MediaWiki 1.42.0-wmf.10"
SCHEMA = "http://www.mediawiki.org/xml/export-0.11/"

# `$slot` or `$slot.form`; a slot name is a vocabulary category or an article fact, optionally
# numbered (`$city2`) to ask for a second, different value of the same category.
FORM_NAMES = "nom|gen|loc|ela|ill|acc|dat|ins|ess|field|fins|facc|fpar|fgen|par|bare"
SLOT_RE = re.compile(rf"\$([a-z]+)(\d?)(?:\.({FORM_NAMES}))?")
NER_SLOT_RE = re.compile(rf"\$(PER|ORG|CITY|COUNTRY|YEAR)(?:\.({FORM_NAMES}))?")
# `[masculine|feminine]`: resolved by the gender of the article's subject (or of the first
# person in a fixture sentence).
ALT_RE = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")
# A vocabulary entry "prefix~body": the prefix (article, preposition) is ordinary text, only
# the body is a name (linked in articles, tagged as the entity in fixtures).
PREFIX_SEP = "~"


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


def rng_for(seed: int, *parts: str) -> random.Random:
    """An independent, reproducible stream per purpose (string seeds are hashed with SHA-512)."""
    return random.Random(":".join([str(seed), *parts]))


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def resolve_gender(text: str, feminine: bool) -> str:
    return ALT_RE.sub(lambda m: m.group(2 if feminine else 1), text)


def split_prefix(value: str) -> tuple[str, str]:
    prefix, sep, body = value.rpartition(PREFIX_SEP)
    return (prefix, body) if sep else ("", value)


def join_prefix(prefix: str, body: str) -> str:
    # French elision ("l'université") attaches without a space.
    if not prefix:
        return body
    return prefix + body if prefix.endswith("'") else f"{prefix} {body}"


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


FORM_SEP_RE = re.compile(r"\|(?![^\[\]]*\])")  # a "|" outside "[m|f]" alternations


def entry_forms(entry: str) -> list[str]:
    return FORM_SEP_RE.split(entry)


def select_form(lang: dict, category: str, entry: str, form: str | None) -> str:
    """One inflected form of a vocabulary entry ("nom|gen|loc" in the category's form order)."""
    forms = entry_forms(entry)
    schema = lang["forms"].get(category)
    if form == "bare":
        return split_prefix(forms[0])[1]
    if form is None:
        return forms[0]
    if schema is None or form not in schema:
        raise MticketsError(f"demo language {lang['code']}: category {category!r} has no form {form!r}")
    if len(forms) != len(schema):
        raise MticketsError(f"demo language {lang['code']}: entry {entry!r} does not have the forms {schema}")
    return forms[schema.index(form)]


@dataclasses.dataclass
class Person:
    first: str
    surname_entry: str  # as in the vocabulary, "Petrov[|a]"; `surname` is the resolved form
    feminine: bool

    @property
    def surname(self) -> str:
        return resolve_gender(self.surname_entry, self.feminine)

    @property
    def name(self) -> str:
        return f"{self.first} {self.surname}"


def make_person(lang: dict, rng: random.Random, feminine: bool | None = None, surname: str | None = None) -> Person:
    if feminine is None:
        feminine = rng.random() < 0.5
    first = rng.choice(lang["vocab"]["first_f" if feminine else "first_m"])
    return Person(first, surname or rng.choice(lang["vocab"]["surname"]), feminine)


def person_value(lang: dict, person: Person) -> str:
    """A person as a slot filler; Greek names take an article ("ο~Νίκος ...")."""
    article = lang["labels"].get("person_article")
    return (article[person.feminine] + PREFIX_SEP if article else "") + person.name


class Article:
    """The bindings of one article: its subject, its dates and numbers, and every vocabulary
    value its templates have used so far, so "$city" names the same town throughout."""

    def __init__(self, lang: dict, kind: str, rng: random.Random, title: str, subject: str,
                 feminine: bool, facts: dict[str, str]):
        self.lang, self.kind, self.rng = lang, kind, rng
        self.title, self.subject, self.feminine = title, subject, feminine
        self.facts = facts
        self.bound: dict[str, str] = {}
        self.linked: set[str] = set()

    def entry(self, category: str, slot: str) -> str:
        if slot not in self.bound:
            if category == "person":
                self.bound[slot] = person_value(self.lang, make_person(self.lang, self.rng))
            else:
                pool = self.lang["vocab"].get(category)
                if pool is None:
                    raise MticketsError(f"demo language {self.lang['code']}: unknown slot ${slot}")
                taken = {v for k, v in self.bound.items() if k.rstrip("0123456789") == category}
                self.bound[slot] = self.rng.choice([v for v in pool if v not in taken])
        return self.bound[slot]

    def slot(self, name: str, number: str, form: str | None, *, at_start: bool, links: bool, bold: bool) -> str:
        slot = name + number
        if slot in self.facts:
            return self.facts[slot]
        if name == "name":
            category, entry = self.kind, self.subject
        else:
            category, entry = name, self.entry(name, slot)
        prefix, body = split_prefix(resolve_gender(select_form(self.lang, category, entry, form), self.feminine))
        if at_start:
            prefix, body = (capitalize(prefix), body) if prefix else ("", capitalize(body))
        if bold:
            body = f"'''{body}'''"
        elif links and category in LINKABLE and slot not in self.linked:
            self.linked.add(slot)
            if self.rng.random() < LINK_PROBABILITY:
                target = capitalize(split_prefix(resolve_gender(entry_forms(entry)[0], False))[1])
                body = wikilink(target, body)
        return join_prefix(prefix, body)

    def render(self, template: str, *, links: bool = True, bold_name: bool = False) -> str:
        template = resolve_gender(template, self.feminine)
        bolded = False

        def substitute(match: re.Match) -> str:
            nonlocal bolded
            bold = bold_name and not bolded and match.group(1) == "name"
            bolded = bolded or bold
            return self.slot(*match.groups(), at_start=match.start() == 0, links=links, bold=bold)

        text = SLOT_RE.sub(substitute, template)
        fix = TEXT_FIXES.get(self.lang["code"])
        return fix(text) if fix else text


def wikilink(target: str, label: str) -> str:
    if label == target:
        return f"[[{target}]]"
    if label.startswith(target) and label[len(target):].isalpha():
        return f"[[{target}]]{label[len(target):]}"  # a link trail, as editors write "[[Physiker]]in"
    return f"[[{target}|{label}]]"


# --------------------------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------------------------


def grouped(number: int, lang: dict) -> str:
    return f"{number:,}".replace(",", lang["labels"]["thousands"])


def person_facts(rng: random.Random, current_year: int) -> dict[str, int]:
    born = rng.randint(1800, 1935)
    years = [born + rng.randint(17, 22)]
    for low, high in ((3, 6), (2, 8), (3, 9), (3, 10)):
        years.append(years[-1] + rng.randint(low, high))
    died = years[-1] + rng.randint(3, 20)
    later = min(died + rng.randint(5, 30), current_year - 1)
    facts = {"born": born, "died": died, "age": died - born, "later": later}
    facts.update({f"year{i + 1}": y for i, y in enumerate(years)})
    return facts


def town_facts(rng: random.Random, current_year: int) -> dict[str, int]:
    founded = rng.randint(1100, 1650)
    year1 = founded + rng.randint(40, 200)
    year2 = max(year1 + 10, rng.randint(1650, 1800))
    facts = {"founded": founded, "year1": year1, "year2": year2, "year3": rng.randint(1840, 1890),
             "year4": rng.randint(1900, 1975), "year5": rng.randint(1980, 2015), "census": current_year - 3,
             "area": rng.randint(12, 180), "elev": rng.randint(5, 600)}
    pops = [rng.randint(2000, 8000)]
    for _ in range(3):
        pops.append(int(pops[-1] * rng.uniform(1.2, 1.8)))
    facts.update({"pop1": pops[0], "pop2": pops[1], "pop3": pops[2], "pop": pops[3]})
    return facts


def org_facts(rng: random.Random, current_year: int) -> dict[str, int]:
    years = [rng.randint(1850, 1940)]
    for _ in range(5):
        years.append(years[-1] + rng.randint(5, 15))
    staff = [rng.randint(20, 200)]
    for _ in range(3):
        staff.append(int(staff[-1] * rng.uniform(1.3, 2.5)))
    facts = {"founded": years[0], "staff1": staff[0], "staff2": staff[1], "staff3": staff[2], "staff": staff[3]}
    facts.update({f"year{i}": y for i, y in enumerate(years[1:], start=1)})
    return facts


FACTS = {"person": person_facts, "town": town_facts, "org": org_facts}
GROUPED_FACTS = frozenset({"pop", "pop1", "pop2", "pop3", "staff", "staff1", "staff2", "staff3"})


@dataclasses.dataclass
class Page:
    title: str
    ns: int
    text: str
    redirect: str | None = None


def new_article(lang: dict, kind: str, rng: random.Random, subject: Person | str, dump_date: date) -> Article:
    labels = lang["labels"]
    facts = {k: grouped(v, lang) if k in GROUPED_FACTS else str(v)
             for k, v in FACTS[kind](rng, dump_date.year).items()}
    facts["num"] = str(rng.randint(3, 60))
    facts["access"] = (dump_date - timedelta(days=rng.randint(30, 400))).isoformat()
    if kind == "person":
        title, entry, feminine = subject.name, subject.name, subject.feminine
        facts["surname"] = subject.surname
    else:
        entry = subject
        title = split_prefix(entry_forms(entry)[0])[1].strip("«»")
        if kind == "org":
            title = labels["org_title"].format(title)
        feminine = False
    facts["title"] = title
    facts["image"] = f"{title}.jpg"
    facts["url"] = "https://www.example.org/" + quote(title.replace(" ", "_"))
    article = Article(lang, kind, rng, title, entry, feminine, facts)
    if kind == "person":
        article.bound["surname"] = subject.surname_entry  # so "$surname2" is someone else
    if kind == "org":
        # An organisation's sentences agree with its founder ("[Der Gründer|Die Gründerin] ...").
        article.feminine = rng.random() < 0.5
        article.bound["person"] = person_value(lang, make_person(lang, rng, article.feminine))
    return article


def with_ref(sentence: str, article: Article) -> str:
    """Attach a footnote to some sentences, as real articles do (the extractor drops them)."""
    roll = article.rng.random()
    if roll < 0.2:
        cite = article.render(article.lang["labels"]["cite_book"], links=False)
        return f"{sentence}<ref>{cite}</ref>"
    if roll < 0.3:
        return f'{sentence}<ref name="web{article.facts["num"]}" />'
    if roll < 0.35:
        return f"{sentence}<ref name=web{article.facts['num']}/>"  # editors also leave names unquoted
    return sentence


def article_text(article: Article, see_also: list[str]) -> str:
    lang, rng, labels = article.lang, article.rng, article.lang["labels"]
    spec = lang["kinds"][article.kind]
    web = article.render(labels["cite_web"], links=False)
    lead = [
        article.render(rng.choice(spec["lead"]["first"]), bold_name=True)
        + f'<ref name="web{article.facts["num"]}">{web}</ref>',
        with_ref(article.render(rng.choice(spec["lead"]["second"])), article),
    ]
    lines = [article.render(spec["infobox"], links=False), " ".join(lead)]
    for index, (heading, pool) in enumerate(spec["sections"].items()):
        picked = sorted(rng.sample(range(len(pool)), k=min(len(pool), rng.randint(3, 5))))
        sentences = [with_ref(article.render(pool[i]), article) for i in picked]
        half = (len(sentences) + 1) // 2 if len(sentences) >= 4 else len(sentences)
        lines += ["", f"== {heading} ==", " ".join(sentences[:half])]
        if index == 0:
            caption = article.render(spec["caption"], links=False)
            lines.append(f"[[{labels['file']}:{article.facts['image']}|{labels['thumb']}|{caption}]]")
        if sentences[half:]:
            lines += ["", " ".join(sentences[half:])]
    listing, table = spec["list"], spec["table"]
    lines += ["", f"== {listing['heading']} =="]
    if "intro" in listing:
        lines.append(article.render(listing["intro"]))
    lines += [f"* {capitalize(article.render(item))}" for item in listing["items"]]
    lines += ["", f"== {table['heading']} ==", article.render(table["intro"]), '{| class="wikitable"',
              "! " + " !! ".join(table["header"])]
    for row in table["rows"]:
        lines += ["|-", "| " + " || ".join(article.render(cell, links=False) for cell in row)]
    lines.append("|}")
    lines += ["", f"== {labels['see_also']} =="] + [f"* [[{title}]]" for title in see_also]
    lines += ["", f"== {labels['references']} ==", labels["reflist"], "", labels["footer"]]
    lines += [f"[[{labels['category']}:{article.render(c, links=False)}]]" for c in spec["categories"]]
    return "\n".join(lines)


def build_pages(lang: dict, dump_date: date, seed: int) -> list[Page]:
    rng = rng_for(seed, lang["code"], "wikipedia")
    vocab = lang["vocab"]
    people: list[Person] = []
    # The first two people share a surname so that the surname gets a disambiguation page.
    shared = rng.choice(vocab["surname"])
    while len(people) < ARTICLES_PER_KIND["person"]:
        person = make_person(lang, rng, surname=shared if len(people) < 2 else None)
        if person.name not in {p.name for p in people}:
            people.append(person)
    subjects = {
        "person": people,
        "town": rng.sample(vocab["town"], ARTICLES_PER_KIND["town"]),
        "org": rng.sample(vocab["org"], ARTICLES_PER_KIND["org"]),
    }
    articles = [new_article(lang, kind, rng, s, dump_date) for kind, items in subjects.items() for s in items]
    titles = [a.title for a in articles]
    pages = [Page(a.title, 0, article_text(a, rng.sample([t for t in titles if t != a.title], 3)))
             for a in articles]
    pages += redirects(lang, articles)
    namesakes = [a for a, p in zip(articles, people) if p.surname_entry == shared]
    pages.append(disambiguation(lang, namesakes, resolve_gender(shared, False)))
    pages += non_articles(lang, articles)
    return pages


def redirects(lang: dict, articles: list[Article]) -> list[Page]:
    labels = lang["labels"]
    by_kind = {a.kind: a for a in reversed(articles)}
    person, town, org = by_kind["person"], by_kind["town"], by_kind["org"]
    sources = [
        (f"{person.title[0]}. {person.facts['surname']}", person.title),
        (f"{town.title} {labels['town_suffix']}", town.title),
        (labels["org_redirect"].format(split_prefix(entry_forms(org.subject)[0])[1].strip("«»")), org.title),
    ]
    note = f"\n\n{labels['redirect_template']}" if labels["redirect_template"] else ""
    return [Page(source, 0, f"{labels['redirect']} [[{target}]]{note}", target) for source, target in sources]


def disambiguation(lang: dict, namesakes: list[Article], surname: str) -> Page:
    labels = lang["labels"]
    lines = [labels["disambig_lead"].format(f"'''{surname}'''"), ""]
    for a in namesakes:
        prof = resolve_gender(entry_forms(a.entry("prof", "prof"))[0], a.feminine)
        lines.append(f"* [[{a.title}]] ({a.facts['born']}–{a.facts['died']}), {split_prefix(prof)[1]}")
    lines += ["", labels["disambig_template"]]
    return Page(surname, 0, "\n".join(lines))


def non_articles(lang: dict, articles: list[Article]) -> list[Page]:
    """Pages the extractor must skip: talk, user, project, template and category pages."""
    ns, labels = lang["namespaces"], lang["labels"]
    town = next(a for a in articles if a.kind == "town")
    category = town.render(lang["kinds"]["town"]["categories"][0], links=False)
    parent = town.render("$region.bare", links=False)
    infobox = lang["kinds"]["person"]["infobox"].split("\n")[0].strip("{ ")
    pages = [
        Page(f"{ns[1]}:{articles[0].title}", 1, labels["talk"]),
        Page(f"{ns[2]}:DemoEditor", 2, labels["user"]),
        Page(f"{ns[4]}:{labels['project']['title']}", 4, labels["project"]["text"]),
        Page(f"{ns[10]}:{infobox}", 10, INFOBOX_TEMPLATE.format(file=labels["file"])),
        Page(f"{ns[14]}:{category}", 14, f"{labels['category_text']}\n\n[[{labels['category']}:{parent}]]"),
    ]
    if 118 in ns:
        # A draft reads like an article but lives outside the main namespace.
        pages.append(Page(f"{ns[118]}:{articles[1].title}", 118, article_text(articles[1], [])))
    return pages


INFOBOX_TEMPLATE = """{{| class="infobox"
! colspan="2" | {{{{{{name|{{{{PAGENAME}}}}}}}}}}
|-
| colspan="2" | [[{file}:{{{{{{image}}}}}}|220px]]
|}}<noinclude>
{{{{Documentation}}}}
</noinclude>"""


# --------------------------------------------------------------------------------------------
# Dump XML
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# XTREME fixtures
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Token:
    form: str
    words: tuple[tuple[str, str], ...]  # (word, UPOS); two or more for a contraction ("im" = in + dem)
    ner: str


def parse_tag(lang: dict, form: str, spec: str) -> Token:
    """`ADP` or, for a contraction, `ADP+DET:in+dem` (the syntactic words UD splits it into)."""
    tags, _, parts = spec.partition(":")
    tags = tags.split("+")
    words = parts.split("+") if parts else [form]
    if len(words) != len(tags) or not set(tags) <= UPOS:
        raise MticketsError(f"demo language {lang['code']}: bad tag {spec!r} for {form!r}")
    return Token(form, tuple(zip(words, tags)), "O")


def entity_tokens(lang: dict, value: str, entity: str) -> list[Token]:
    """A slot filler: the prefix words are O and must be in the language's lexicon, the name's
    words are the entity (function words inside it keep their own UPOS, the rest are PROPN)."""
    prefix, body = split_prefix(value)
    lexicon = lang["lexicon"]
    tokens = []
    for word in prefix.split():
        if word not in lexicon:
            raise MticketsError(f"demo language {lang['code']}: {word!r} (before {body!r}) is not in the lexicon")
        tokens.append(parse_tag(lang, word, lexicon[word]))
    for i, word in enumerate(body.split()):
        token = parse_tag(lang, word, lexicon.get(word, "PROPN"))
        tokens.append(dataclasses.replace(token, ner=f"{'I' if i else 'B'}-{entity}"))
    return tokens


NER_SLOTS = {"PER": "PER", "ORG": "ORG", "CITY": "LOC", "COUNTRY": "LOC"}
NER_POOLS = {"ORG": "ner_org", "CITY": "city", "COUNTRY": "country"}


def fixture_sentence(lang: dict, rng: random.Random, template: str) -> list[Token]:
    fillers = []
    for match in NER_SLOT_RE.finditer(template):
        kind, form = match.groups()
        if kind == "YEAR":
            fillers.append((str(rng.randint(1900, 2020)), None, None))
        elif kind == "PER":
            person = make_person(lang, rng)
            fillers.append((person_value(lang, person), "PER", person.feminine))
        else:
            category = NER_POOLS[kind]
            fillers.append((select_form(lang, category, rng.choice(lang["vocab"][category]), form), NER_SLOTS[kind], None))
    genders = [g for _, entity, g in fillers if entity == "PER"]
    if ALT_RE.search(template) and not genders:
        raise MticketsError(f"demo language {lang['code']}: template {template!r} agrees with no person")
    template = resolve_gender(template, bool(genders) and genders[0])
    tokens: list[Token] = []
    slots = iter(fillers)
    for item in template.split():
        if item.startswith("$"):
            value, entity, _ = next(slots)
            tokens += entity_tokens(lang, value, entity) if entity else [Token(value, ((value, "NUM"),), "O")]
        else:
            form, _, spec = item.rpartition("_")
            tokens.append(parse_tag(lang, form, spec))
    first = tokens[0]
    words = ((capitalize(first.words[0][0]), first.words[0][1]),) + first.words[1:]
    tokens[0] = dataclasses.replace(first, form=capitalize(first.form), words=words)
    return tokens


def fixture_splits(lang: dict, seed: int, task: str) -> dict[str, list[list[Token]]]:
    """Disjoint train/dev/test sentences: unique sentences are drawn, shuffled and cut."""
    rng = rng_for(seed, lang["code"], task)
    needed = sum(SPLIT_SIZES.values())
    sentences: dict[tuple[str, ...], list[Token]] = {}
    for _ in range(needed * 50):
        tokens = fixture_sentence(lang, rng, rng.choice(lang["ner_templates"]))
        sentences.setdefault(tuple(t.form for t in tokens), tokens)
        if len(sentences) == needed:
            break
    else:
        raise MticketsError(f"demo language {lang['code']}: templates give fewer than {needed} distinct sentences")
    pool = list(sentences.values())
    rng.shuffle(pool)
    splits, start = {}, 0
    for split, size in SPLIT_SIZES.items():
        splits[split] = pool[start:start + size]
        start += size
    return splits


NO_SPACE_BEFORE = frozenset(".,;:!?)")


def space_after(tokens: list[Token]) -> list[bool]:
    flags = []
    for token, following in zip(tokens, tokens[1:]):
        flags.append(not (token.form.endswith("'") or following.form in NO_SPACE_BEFORE))
    return flags + [True]


def panx_text(lang: str, sentences: list[list[Token]]) -> str:
    return "".join("".join(f"{lang}:{t.form}\t{t.ner}\n" for t in tokens) + "\n" for tokens in sentences)


def conllu_text(lang: str, split: str, sentences: list[list[Token]]) -> str:
    blocks = []
    for number, tokens in enumerate(sentences, start=1):
        spaces = space_after(tokens)
        text = "".join(t.form + (" " if s else "") for t, s in zip(tokens, spaces)).rstrip()
        lines = [f"# sent_id = {lang}-{split}-{number:04d}", f"# text = {text}"]
        word_id = 1
        for token, space in zip(tokens, spaces):
            misc = "_" if space or token is tokens[-1] else "SpaceAfter=No"
            if len(token.words) > 1:
                last = word_id + len(token.words) - 1
                lines.append(f"{word_id}-{last}\t{token.form}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
                misc = "_"
            for word, upos in token.words:
                lines.append(f"{word_id}\t{word}\t_\t{upos}\t_\t_\t_\t_\t_\t{misc}")
                word_id += 1
        blocks.append("\n".join(lines) + "\n\n")
    return "".join(blocks)


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
word lists in `mtickets.testdata.demo`, filled in at random. The people, towns and companies
the articles describe are fictional; real place and organisation names only fill slots.
It is released under the repository's licence (MIT) and carries no Wikipedia,
WikiANN or Universal Dependencies content. Tags are correct by construction: template
words carry their UPOS, slot fillers their entity type; within names capitalised words are
PROPN and function words keep their own tag.
"""


# --------------------------------------------------------------------------------------------
# Language data
# --------------------------------------------------------------------------------------------

# The order in which languages are generated and listed in the bundle's README.
LANGUAGE_CODES = ("en", "de", "fr", "es", "ru", "el", "fi")


class LanguageLoader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # libyaml's parser is 10x faster
    """Every scalar stays a string (BaseLoader resolves no YAML types); a repeated key, which
    YAML would silently let win, is an error."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep)
        if len(mapping) < len(node.value):
            keys = [self.construct_object(key) for key, _ in node.value]
            twice = sorted({key for key in keys if keys.count(key) > 1})
            raise yaml.constructor.ConstructorError(None, None, f"keys given twice: {twice}", node.start_mark)
        return mapping


def load_language(code: str) -> dict:
    with (resources.files(__package__) / "languages" / f"{code}.yaml").open(encoding="utf-8") as stream:
        lang = yaml.load(stream, Loader=LanguageLoader)  # a stream, so that errors name the file
    lang["namespaces"] = {int(key): name for key, name in lang["namespaces"].items()}
    return {"code": code, **lang}


AN_RE = re.compile(r"\b([Aa]) (?=(?:\[\[(?:[^|\]]*\|)?)?[AEIOaeio])")


def english_articles(text: str) -> str:
    """"a" becomes "an" before a vowel (the vocabulary has no "u"/"eu" words that would need "a")."""
    return AN_RE.sub(lambda m: m.group(1) + "n ", text)


# Per language, a last pass over every rendered template.
TEXT_FIXES = {"en": english_articles}

LANGUAGES = {code: load_language(code) for code in LANGUAGE_CODES}
