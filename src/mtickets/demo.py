"""Write the embedded demo's bundled data: a miniature Wikipedia mirror and XTREME-format fixtures.

The demo config (`config/config.yaml`) runs the whole pipeline on what this writes under
`resources/demo`: per language a MediaWiki export (schema 0.11) laid out like the dumps
site, with its md5sums file, plus PAN-X (NER) and UD (POS) train/dev/test files.

All text is produced here from per-language sentence templates and vocabularies written
for this project (the language data at the end of this module), so it carries no
third-party licence; the people, towns and companies the articles are about are fictional.
The fixtures' tags are correct by construction: every template word carries its UPOS tag
and every slot filler its entity type. The same seed and date give byte-identical files, compressed dumps
included, so the bundle can be checked against a fresh run.
"""

from __future__ import annotations

import bz2
import dataclasses
import hashlib
import logging
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

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
    article = lang["labels"]["person_article"]
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
        fix = self.lang.get("fix")
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
        article.render(rng.choice(spec["lead"][0]), bold_name=True)
        + f'<ref name="web{article.facts["num"]}">{web}</ref>',
        with_ref(article.render(rng.choice(spec["lead"][1])), article),
    ]
    lines = [article.render(spec["infobox"], links=False), " ".join(lead)]
    for index, (heading, pool) in enumerate(spec["sections"]):
        picked = sorted(rng.sample(range(len(pool)), k=min(len(pool), rng.randint(3, 5))))
        sentences = [with_ref(article.render(pool[i]), article) for i in picked]
        half = (len(sentences) + 1) // 2 if len(sentences) >= 4 else len(sentences)
        lines += ["", f"== {heading} ==", " ".join(sentences[:half])]
        if index == 0:
            caption = article.render(spec["caption"], links=False)
            lines.append(f"[[{labels['file']}:{article.facts['image']}|{labels['thumb']}|{caption}]]")
        if sentences[half:]:
            lines += ["", " ".join(sentences[half:])]
    heading, intro, items = spec["list"]
    lines += ["", f"== {heading} =="]
    if intro:
        lines.append(article.render(intro))
    lines += [f"* {capitalize(article.render(item))}" for item in items]
    heading, intro, header, rows = spec["table"]
    lines += ["", f"== {heading} ==", article.render(intro), '{| class="wikitable"', "! " + " !! ".join(header)]
    for row in rows:
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
        Page(f"{ns[4]}:{labels['project'][0]}", 4, labels["project"][1]),
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

Generated by `mtickets make-demo --date {date_text} --seed {seed}` (module `mtickets.demo`);
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
word lists in `mtickets.demo`, filled in at random. The people, towns and companies
the articles describe are fictional; real place and organisation names only fill slots.
It is released under the repository's licence (MIT) and carries no Wikipedia,
WikiANN or Universal Dependencies content. Tags are correct by construction: template
words carry their UPOS, slot fillers their entity type; within names capitalised words are
PROPN and function words keep their own tag.
"""


# --------------------------------------------------------------------------------------------
# Language data
#
# Per language: site metadata, namespaces, labels, vocabularies, article templates per kind
# (person, town, org) and tagged fixture templates. A vocabulary entry lists its inflected
# forms separated by "|" in the order `forms[category]` gives; "[m|f]" alternations agree
# with the article's subject. In fixture templates every word is `word_UPOS` (a contraction
# `word_ADP+DET:in+dem`) and `$PER`, `$ORG`, `$CITY`, `$COUNTRY`, `$YEAR` are slots.
# --------------------------------------------------------------------------------------------

NAMESPACE_KEYS = (-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)


def namespaces(names: tuple[str, ...], extra: dict[int, str]) -> dict[int, str]:
    """The standard namespaces (Media, Special, main, Talk, ... Category talk) plus extras."""
    assert len(names) == len(NAMESPACE_KEYS)
    return {**dict(zip(NAMESPACE_KEYS, names)), **extra}


AN_RE = re.compile(r"\b([Aa]) (?=(?:\[\[(?:[^|\]]*\|)?)?[AEIOaeio])")


def english_articles(text: str) -> str:
    """"a" becomes "an" before a vowel (the vocabulary has no "u"/"eu" words that would need "a")."""
    return AN_RE.sub(lambda m: m.group(1) + "n ", text)


def finnish_company(name: str) -> str:
    return f"{name} Oy|{name} Oy:n|{name} Oy:ssä"


GREEK_LONG_ARTICLE = tuple("ΑΕΗΙΟΥΩΆΈΉΊΌΎΏΚΠΤΞΨ")


def greek_feminine(name: str) -> str:
    """A feminine Greek place name in nom|gen|acc|loc with its article ("την" keeps its ν
    before vowels and stops)."""
    genitive = name + "ς"
    article = "την" if name.startswith(GREEK_LONG_ARTICLE) else "τη"
    return f"η~{name}|της~{genitive}|{article}~{name}|σ{article}~{name}"


EN = {
    "code": "en",
    "sitename": "Wikipedia",
    "main_page": "Main Page",
    "namespaces": namespaces(
        ("Media", "Special", "", "Talk", "User", "User talk", "Wikipedia", "Wikipedia talk", "File",
         "File talk", "MediaWiki", "MediaWiki talk", "Template", "Template talk", "Help", "Help talk",
         "Category", "Category talk"),
        {100: "Portal", 101: "Portal talk", 118: "Draft", 119: "Draft talk", 828: "Module", 829: "Module talk"},
    ),
    "forms": {"prof": ("nom", "field")},
    "fix": english_articles,
    "labels": {
        "thousands": ",", "person_article": None, "org_title": "{}", "org_redirect": "{} (company)",
        "town_suffix": "(town)", "file": "File", "thumb": "thumb", "references": "References",
        "reflist": "{{Reflist}}", "see_also": "See also", "footer": "{{Authority control}}",
        "category": "Category", "redirect": "#REDIRECT", "redirect_template": "{{R from alternative name}}",
        "disambig_lead": "{} may refer to:", "disambig_template": "{{Disambiguation|surname}}",
        "cite_book": "{{cite book |last=$surname2 |title=$work3 |year=$year3 |location=$city3.bare}}",
        "cite_web": "{{cite web |url=$url |title=$title |access-date=$access}}",
        "talk": "== Population ==\nWhere does the population figure come from? The source looks outdated. ~~~~",
        "user": "I mainly write about local history and geography.",
        "project": ("About", "'''Wikipedia''' is a free online encyclopedia that anyone can edit."),
        "category_text": "Articles about towns in this region.",
    },
    "vocab": {
        "first_m": ["James", "William", "Thomas", "Henry", "Edward", "George", "Arthur", "Charles", "Samuel",
                    "Robert", "Walter", "Frederick"],
        "first_f": ["Mary", "Elizabeth", "Margaret", "Alice", "Emily", "Charlotte", "Florence", "Edith",
                    "Harriet", "Clara", "Agnes", "Dorothy"],
        "surname": ["Ashworth", "Blackwood", "Carrington", "Dalton", "Ellison", "Fairbairn", "Greenhalgh",
                    "Hartley", "Ingram", "Jennings", "Kendall", "Lockwood", "Marsh", "Norbury", "Oakley",
                    "Pennington", "Radcliffe", "Sutcliffe", "Thornton", "Whitfield"],
        "city": ["London", "Manchester", "Edinburgh", "Bristol", "Liverpool", "Glasgow", "Cardiff", "Leeds",
                 "York", "Norwich", "Bath", "Dublin", "Boston", "Toronto", "Sydney", "Cambridge", "Oxford",
                 "Birmingham", "Belfast", "Aberdeen", "New York", "Milton Keynes"],
        "river": ["the~Thames", "the~Severn", "the~Trent", "the~Tyne", "the~Wye", "the~Avon", "the~Mersey",
                  "the~Tweed", "the~Ouse", "the~Dee", "the~Tamar", "the~Derwent"],
        "region": ["Yorkshire", "Kent", "Cornwall", "Devon", "Norfolk", "Cumbria", "Somerset", "Dorset",
                   "Lancashire", "Northumberland", "Suffolk", "Shropshire"],
        "country": ["France", "Germany", "Italy", "Spain", "Norway", "Sweden", "Canada", "Australia", "India",
                    "Japan", "Egypt", "Brazil", "New Zealand", "South Africa"],
        "uni": ["the~University of Edinburgh", "the~University of Manchester", "King's College London",
                "Trinity College Dublin", "the~University of Bristol", "Imperial College London",
                "the~University of Glasgow", "the~University of St Andrews", "Durham University",
                "the~University of Leeds"],
        "prof": ["physicist|physics", "chemist|chemistry", "painter|painting", "novelist|literature",
                 "architect|architecture", "composer|music", "historian|history", "engineer|engineering",
                 "sculptor|sculpture", "journalist|journalism", "botanist|botany", "mathematician|mathematics",
                 "geologist|geology", "photographer|photography", "astronomer|astronomy"],
        "adj": ["a small", "an old", "a quiet", "a historic", "a busy", "a pleasant", "a prosperous",
                "an ancient"],
        "industry": ["textiles", "optical instruments", "porcelain", "paper", "furniture", "machine tools",
                     "bicycles", "pharmaceuticals", "printing presses", "glassware", "ships",
                     "agricultural machinery", "clocks", "chocolate", "leather goods"],
        "building": ["parish church", "old town hall", "stone bridge", "railway station", "covered market",
                     "public library", "grammar school", "windmill", "ruined castle", "local museum",
                     "water tower", "former abbey"],
        "work": ["The Northern Light", "The Silent Harbour", "Winter Fields", "A Study of Crystals",
                 "The Northern Road", "Songs of the Valley", "On Moving Water", "The Glass House",
                 "Letters from the Coast", "Seven Bridges", "The Year of the Cranes", "Notes on the Sky"],
        "town": ["Ashbury", "Brackenholm", "Caddleton", "Dunmere", "Elderbrook", "Fenwick Hollow",
                 "Glenmarrow", "Hollingford", "Kestermoor", "Lowerby", "Marlcombe", "Nettlefold", "Oakhaven",
                 "Quarrington", "Redwater", "Saltmarsh End", "Thornleigh"],
        "org": ["Halewood & Sons", "Carrow Brothers", "Ellerby Works", "Penmore Limited", "Ravensworth Company",
                "Stanmoor Group", "Whitby and Hale", "Ashdown Industries", "Kestrel Manufacturing",
                "Holloway Brothers", "Mercer and Lyle", "Tamar Works", "Greyfield Limited", "Linden Company",
                "Saxonby Industries", "Brightwater Group"],
        "ner_org": ["Rolls-Royce", "Barclays", "Oxford University Press", "Manchester United", "British Airways",
                    "Royal Mail", "Unilever", "Aston Villa", "Lloyds Bank", "Marks & Spencer",
                    "Cambridge University Press", "Jaguar Land Rover"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Infobox person\n| name        = $title\n| image       = $image\n"
                       "| birth_date  = $born\n| birth_place = $city.bare, $region\n| death_date  = $died\n"
                       "| death_place = $city2.bare\n| occupation  = $prof\n| alma_mater  = $uni.bare\n}}",
            "lead": (
                ["$name ($born – $died) was a British $prof who worked mainly in $city.",
                 "$name ($born–$died) was a British $prof and teacher from $city, $region."],
                ["[He|She] is best known for the book ''$work'', first published in $year3.",
                 "[He|She] devoted most of [his|her] working life to $prof.field and to teaching."],
            ),
            "sections": [
                ("Early life", [
                    "$name was born in $city in $born and grew up in $region.",
                    "[His|Her] father was a clerk and [his|her] mother taught at the village school.",
                    "As a child [he|she] collected stones, plants, old coins, etc., and kept careful notes on each of them.",
                    "In $year1 [he|she] entered $uni to study $prof.field under Dr. $surname2.",
                    "[He|She] spent the summer of $year1 travelling through $country and $country2.",
                    "After graduating in $year2, [he|she] worked as a $prof in $city2 for several years.",
                ]),
                ("Career", [
                    "In $year3 [he|she] published ''$work'', which received wide attention in $country.",
                    "Critics praised the book for its clear style and its careful attention to detail.",
                    "[He|She] later joined several learned societies and gave public lectures in $city3.",
                    "Among [his|her] students was $person, who continued [his|her] work.",
                    "For many years [he|she] lived in a small house on $river, where [he|she] wrote most of [his|her] books.",
                    "[His|Her] second major work, ''$work2'', appeared a few years later.",
                ]),
                ("Later life", [
                    "Contemporaries described [him|her] as a patient, modest and unusually precise colleague.",
                    "$surname died in $city2 in $died at the age of $age.",
                    "[His|Her] letters and notebooks are kept in the library of $uni.",
                    "A street in $city was named after [him|her] in $later.",
                    "The first full biography of $surname, written by Dr. $surname3, appeared in $later.",
                ]),
            ],
            "caption": "$name in $year4",
            "list": ("Selected works", None, ["''$work'' ($year3)", "''$work2'' ($year4)", "''$work3'' ($year5)"]),
            "table": ("Timeline", "The table lists the main dates of [his|her] life.", ["Year", "Event"],
                      [["$born", "Born in $city.bare"], ["$year1", "Studies at $uni.bare"],
                       ["$year3", "Publishes ''$work''"], ["$died", "Dies in $city2.bare"]]),
            "categories": ["$born births", "$died deaths", "People from $city.bare"],
        },
        "town": {
            "infobox": "{{Infobox settlement\n| name              = $title\n| settlement_type   = Town\n"
                       "| image_skyline     = $image\n| subdivision_type1 = County\n"
                       "| subdivision_name1 = $region\n| population_total  = $pop <!-- census estimate -->\n"
                       "| area_total_km2    = $area\n| elevation_m       = $elev\n}}",
            "lead": (
                ["$name is $adj market town in $region, England, on $river.",
                 "$name is $adj town on $river in the county of $region."],
                ["It lies about $num kilometres from $city and has a population of $pop.",
                 "At the last census the town had $pop inhabitants."],
            ),
            "sections": [
                ("History", [
                    "The settlement is first mentioned in a charter of $founded.",
                    "In the Middle Ages it grew around a market, a mill and a ford across $river.",
                    "In $year1 the town received the right to hold a weekly market.",
                    "A large fire destroyed much of the old centre in $year2.",
                    "The railway from $city reached $name in $year3, and new factories were built near the station.",
                    "During the nineteenth century the population rose quickly, e.g. because of the growing textile trade.",
                    "In $year4 several neighbouring villages were merged into the town.",
                ]),
                ("Geography", [
                    "$name lies in a wide valley at an elevation of $elev metres.",
                    "The surrounding area is used mainly for farming, forestry, etc., and is popular with walkers.",
                    "The nearest larger towns are $city and $city2.",
                    "The municipal area covers $area square kilometres.",
                    "Several small streams flow through the town into $river.",
                ]),
                ("Economy", [
                    "Traditional industries include brewing, weaving and the production of $industry.",
                    "Today most residents work in services, trade and tourism.",
                    "The largest employer in the town is a company that makes $industry2.",
                    "A weekly market is still held on the main square every Saturday.",
                    "Many inhabitants commute to work in $city.",
                ]),
            ],
            "caption": "View of $name in $year5",
            "list": ("Sights", "The town has several listed buildings.", ["$building", "$building2", "$building3"]),
            "table": ("Population", "The following table shows the development of the population.",
                      ["Year", "Population"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["Towns in $region", "Populated places established in $founded"],
        },
        "org": {
            "infobox": "{{Infobox company\n| name          = $title\n| logo          = $image\n"
                       "| type          = Private\n| industry      = $industry\n| founded       = $founded\n"
                       "| founder       = $person\n| hq_location_city = $city.bare\n| num_employees = $staff\n}}",
            "lead": (
                ["$name is a British company based in $city that makes $industry.",
                 "$name is a manufacturer of $industry with its head office in $city."],
                ["It was founded in $founded by $person and employs about $staff people.",
                 "The company has about $staff employees and sells its products in more than $num countries."],
            ),
            "sections": [
                ("History", [
                    "The firm began in $founded as a small workshop in the centre of $city.",
                    "Its founder, $person, had previously worked for a larger company in $city2.",
                    "In $year1 the workshop moved to a new building on the banks of $river.",
                    "By $year2 the company employed $staff1 people and exported to $country.",
                    "During the economic crisis of $year3 it nearly went bankrupt, but was saved by a loan from a local bank.",
                    "In $year4 it opened a second factory in $city2.",
                    "A new head office was opened in $city in $year5.",
                ]),
                ("Products", [
                    "The main products are $industry, spare parts, tools, etc., for customers in $country and $country2.",
                    "In $year3 the company introduced a new range that became a commercial success.",
                    "Its designs have won several prizes at trade fairs in $city3.",
                    "Most products are still assembled by hand in the factory in $city.",
                    "About half of the annual production is sold abroad.",
                ]),
            ],
            "caption": "The head office in $city.bare",
            "list": ("Locations", "The company has sites in several towns.", ["$city", "$city2", "$city3"]),
            "table": ("Employees", "The number of employees has grown over the years.", ["Year", "Employees"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Companies based in $city.bare", "Manufacturing companies established in $founded"],
        },
    },
    "lexicon": {"the": "DET", "of": "ADP", "&": "CCONJ", "and": "CCONJ"},
    "ner_templates": [
        "$PER was_AUX born_VERB in_ADP $CITY in_ADP $YEAR ._PUNCT",
        "$PER works_VERB for_ADP $ORG in_ADP $CITY ._PUNCT",
        "In_ADP $YEAR ,_PUNCT $ORG opened_VERB a_DET new_ADJ office_NOUN in_ADP $CITY ._PUNCT",
        "$PER and_CCONJ $PER met_VERB in_ADP $CITY last_ADJ year_NOUN ._PUNCT",
        "The_DET company_NOUN $ORG was_AUX founded_VERB by_ADP $PER ._PUNCT",
        "$PER moved_VERB from_ADP $CITY to_ADP $COUNTRY after_ADP the_DET war_NOUN ._PUNCT",
        "According_VERB to_ADP $PER ,_PUNCT $ORG will_AUX build_VERB a_DET factory_NOUN near_ADP $CITY ._PUNCT",
        "$PER studied_VERB history_NOUN in_ADP $CITY before_SCONJ joining_VERB $ORG ._PUNCT",
        "The_DET old_ADJ bridge_NOUN in_ADP $CITY was_AUX repaired_VERB in_ADP $YEAR ._PUNCT",
        "$ORG signed_VERB a_DET contract_NOUN with_ADP $ORG on_ADP Monday_PROPN ._PUNCT",
        "Every_DET summer_NOUN ,_PUNCT thousands_NOUN of_ADP tourists_NOUN visit_VERB $COUNTRY ._PUNCT",
        "$PER ,_PUNCT a_DET former_ADJ player_NOUN of_ADP $ORG ,_PUNCT now_ADV lives_VERB in_ADP $COUNTRY ._PUNCT",
    ],
}

DE = {
    "code": "de",
    "sitename": "Wikipedia",
    "main_page": "Wikipedia:Hauptseite",
    "namespaces": namespaces(
        ("Medium", "Spezial", "", "Diskussion", "Benutzer", "Benutzer Diskussion", "Wikipedia",
         "Wikipedia Diskussion", "Datei", "Datei Diskussion", "MediaWiki", "MediaWiki Diskussion", "Vorlage",
         "Vorlage Diskussion", "Hilfe", "Hilfe Diskussion", "Kategorie", "Kategorie Diskussion"),
        {100: "Portal", 101: "Portal Diskussion", 828: "Modul", 829: "Modul Diskussion"},
    ),
    "forms": {"river": ("nom", "loc"), "prof": ("nom", "field"), "industry": ("acc", "dat")},
    "labels": {
        "thousands": ".", "person_article": None, "org_title": "{}", "org_redirect": "{} (Unternehmen)",
        "town_suffix": "(Stadt)", "file": "Datei", "thumb": "mini", "references": "Einzelnachweise",
        "reflist": "<references />", "see_also": "Siehe auch", "footer": "{{Normdaten|TYP=g}}",
        "category": "Kategorie", "redirect": "#WEITERLEITUNG", "redirect_template": "{{Weiterleitungshinweis}}",
        "disambig_lead": "{} ist der Familienname folgender Personen:", "disambig_template": "{{Begriffsklärung}}",
        "cite_book": "{{Literatur |Autor=$surname2 |Titel=$work3 |Jahr=$year3 |Ort=$city3.bare}}",
        "cite_web": "{{Internetquelle |url=$url |titel=$title |abruf=$access}}",
        "talk": "== Einwohnerzahl ==\nWoher stammt die Einwohnerzahl? Die Quelle scheint veraltet. ~~~~",
        "user": "Ich schreibe vor allem über Ortsgeschichte und Geographie.",
        "project": ("Über Wikipedia", "'''Wikipedia''' ist eine freie Online-Enzyklopädie, an der jeder mitarbeiten kann."),
        "category_text": "Artikel über Orte in dieser Region.",
    },
    "vocab": {
        "first_m": ["Johann", "Friedrich", "Karl", "Wilhelm", "Heinrich", "Ludwig", "Ernst", "Otto", "Hermann",
                    "Paul", "August", "Georg"],
        "first_f": ["Anna", "Maria", "Elisabeth", "Margarete", "Luise", "Clara", "Johanna", "Emma", "Helene",
                    "Sophie", "Gertrud", "Käthe"],
        "surname": ["Brenner", "Hoffmann", "Keller", "Lindner", "Vogt", "Wagner", "Schäfer", "Krüger", "Hartmann",
                    "Albrecht", "Engel", "Förster", "Graf", "Haas", "Jäger", "Kühn", "Lorenz", "Möller", "Roth",
                    "Seidel"],
        "city": ["Hamburg", "München", "Köln", "Leipzig", "Dresden", "Bremen", "Hannover", "Nürnberg", "Stuttgart",
                 "Kassel", "Erfurt", "Rostock", "Münster", "Augsburg", "Regensburg", "Potsdam", "Lübeck", "Mainz",
                 "Wien", "Zürich", "Graz", "Frankfurt am Main", "Bad Homburg"],
        "river": ["der~Rhein|am~Rhein", "die~Donau|an der~Donau", "die~Elbe|an der~Elbe", "der~Main|am~Main",
                  "die~Weser|an der~Weser", "die~Mosel|an der~Mosel", "der~Neckar|am~Neckar",
                  "die~Saale|an der~Saale", "die~Isar|an der~Isar", "die~Oder|an der~Oder", "die~Lahn|an der~Lahn",
                  "die~Ems|an der~Ems"],
        "region": ["Bayern", "Hessen", "Sachsen", "Thüringen", "Niedersachsen", "Brandenburg", "Baden-Württemberg",
                   "Westfalen", "Schleswig-Holstein", "Mecklenburg", "Franken", "Schwaben"],
        "country": ["Frankreich", "Italien", "Polen", "Schweden", "Dänemark", "Norwegen", "Ungarn", "Spanien",
                    "Russland", "Kanada", "Japan", "Ägypten", "Costa Rica", "Sri Lanka"],
        "uni": ["Universität Heidelberg", "Universität Leipzig", "Universität Göttingen", "Universität Tübingen",
                "Universität Jena", "Universität Freiburg", "Universität Marburg", "Universität Rostock",
                "Universität Würzburg", "Bergakademie Freiberg"],
        "prof": ["Physiker[|in]|Physik", "Chemiker[|in]|Chemie", "Maler[|in]|Malerei",
                 "Schriftsteller[|in]|Literatur", "Architekt[|in]|Architektur", "Komponist[|in]|Musik",
                 "Historiker[|in]|Geschichte", "Ingenieur[|in]|Mechanik", "Bildhauer[|in]|Bildhauerei",
                 "Journalist[|in]|Publizistik", "Botaniker[|in]|Botanik", "Mathematiker[|in]|Mathematik",
                 "Geolog[e|in]|Geologie", "Fotograf[|in]|Fotografie", "Astronom[|in]|Astronomie"],
        "adj": ["eine kleine", "eine alte", "eine ruhige", "eine historische", "eine lebhafte", "eine wohlhabende"],
        "industry": ["Textilien|Textilien", "Papier|Papier", "Glaswaren|Glaswaren", "Porzellan|Porzellan",
                     "Möbel|Möbeln", "Maschinen|Maschinen", "Fahrräder|Fahrrädern", "Uhren|Uhren",
                     "Schokolade|Schokolade", "Druckmaschinen|Druckmaschinen", "Schiffe|Schiffen",
                     "Arzneimittel|Arzneimitteln", "Elektrogeräte|Elektrogeräten", "Lederwaren|Lederwaren",
                     "optische Instrumente|optischen Instrumenten"],
        "building": ["die gotische Kirche", "das alte Rathaus", "die steinerne Brücke", "der Bahnhof",
                     "die Markthalle", "die Stadtbibliothek", "das Gymnasium", "die Windmühle", "die Burgruine",
                     "das Heimatmuseum", "der Wasserturm", "das ehemalige Kloster"],
        "work": ["Über das Licht", "Der stille Hafen", "Winterfelder", "Studien über Kristalle",
                 "Die nördliche Straße", "Lieder aus dem Tal", "Vom fließenden Wasser", "Das gläserne Haus",
                 "Briefe von der Küste", "Sieben Brücken", "Das Jahr der Kraniche", "Beobachtungen am Himmel"],
        "town": ["Altenbrück", "Birkenfelde", "Dornhagen", "Eschenau", "Falkenried", "Grünwalde", "Hohenfurt",
                 "Kaltenbach", "Lindenhof", "Mühlbach", "Ostermoor", "Rabenau", "Sonnenberg", "Tannwald",
                 "Wolfsgrund", "Erlenbrunn", "Steinfurth"],
        "org": ["Helmwerk GmbH", "Brenner AG", "Kaltenbach AG", "Lindner GmbH", "Steinhof GmbH", "Morgenrot AG",
                "Falkenstein GmbH", "Auerbach Maschinenbau GmbH", "Rosental GmbH", "Hagedorn AG", "Ebersberg AG",
                "Tannenhof GmbH", "Kranich AG", "Sonnleitner GmbH", "Weidmann GmbH", "Nordlicht AG"],
        "ner_org": ["Siemens", "Volkswagen", "Bosch", "Bayer", "BASF", "Carl Zeiss", "Borussia Dortmund",
                    "Hertha BSC", "Werder Bremen", "Eintracht Frankfurt", "Robert Bosch GmbH", "Henkel", "Miele"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Infobox Person\n| NAME = $title\n| BILD = $image\n| GEBURTSDATUM = $born\n"
                       "| GEBURTSORT = $city\n| STERBEDATUM = $died\n| STERBEORT = $city2\n| BERUF = $prof\n}}",
            "lead": (
                ["$name (* $born in $city; † $died in $city2) war [ein deutscher|eine deutsche] $prof.",
                 "$name (* $born in $city; † $died in $city2) war [ein deutscher|eine deutsche] $prof und Hochschullehrer[|in]."],
                ["[Er|Sie] wurde vor allem durch das Buch ''$work'' bekannt, das $year3 erschien.",
                 "[Sein|Ihr] Werk umfasst Beiträge zur $prof.field, Lehrbücher, Reiseberichte usw. sowie zahlreiche Briefe."],
            ),
            "sections": [
                ("Leben", [
                    "$name wurde $born in $city geboren und wuchs in $region auf.",
                    "[Sein|Ihr] Vater war Kaufmann, [seine|ihre] Mutter unterrichtete an der Dorfschule.",
                    "Schon als Kind sammelte [er|sie] Steine, Pflanzen, alte Münzen usw. und führte darüber genaue Listen.",
                    "Ab $year1 studierte [er|sie] $prof.field an der $uni bei Dr. $surname2.",
                    "Im Sommer $year1 unternahm [er|sie] eine längere Reise durch $country und $country2.",
                    "Nach dem Abschluss im Jahr $year2 arbeitete [er|sie] einige Jahre als $prof in $city2.",
                ]),
                ("Wirken", [
                    "$year3 veröffentlichte [er|sie] das Buch ''$work'', das in $country große Beachtung fand.",
                    "Die Kritik lobte z. B. den klaren Stil und die sorgfältigen Beobachtungen.",
                    "Später wurde [er|sie] Mitglied mehrerer gelehrter Gesellschaften und hielt Vorträge in $city3.",
                    "Zu [seinen|ihren] Schülern gehörte auch $person.",
                    "Viele Jahre lebte [er|sie] in einem kleinen Haus $river.loc, wo die meisten [seiner|ihrer] Bücher entstanden.",
                    "[Sein|Ihr] zweites Hauptwerk, ''$work2'', erschien einige Jahre später.",
                ]),
                ("Spätere Jahre", [
                    "Zeitgenossen beschrieben [ihn|sie] als geduldig, bescheiden und ungewöhnlich genau.",
                    "$surname starb $died im Alter von $age Jahren in $city2.",
                    "[Sein|Ihr] Nachlass befindet sich heute in der Bibliothek der $uni.",
                    "$later wurde in $city eine Straße nach [ihm|ihr] benannt.",
                    "Die erste vollständige Biografie über $surname schrieb Dr. $surname3 im Jahr $later.",
                ]),
            ],
            "caption": "$name im Jahr $year4",
            "list": ("Werke (Auswahl)", None, ["''$work'' ($year3)", "''$work2'' ($year4)", "''$work3'' ($year5)"]),
            "table": ("Zeittafel", "Die Tabelle zeigt die wichtigsten Daten [seines|ihres] Lebens.", ["Jahr", "Ereignis"],
                      [["$born", "Geburt in $city"], ["$year1", "Studium an der $uni"],
                       ["$year3", "Veröffentlichung von ''$work''"], ["$died", "Tod in $city2"]]),
            "categories": ["Person ($city)", "Geboren $born", "Gestorben $died"],
        },
        "town": {
            "infobox": "{{Infobox Ort in Deutschland\n| Art = Stadt\n| Name = $title\n| Bild = $image\n"
                       "| Region = $region\n| Einwohner = $pop <!-- Stand: letzte Zählung -->\n| Fläche = $area\n"
                       "| Höhe = $elev\n}}",
            "lead": (
                ["$name ist $adj Stadt in $region $river.loc.",
                 "$name ist $adj Stadt $river.loc im Süden von $region."],
                ["Sie liegt etwa $num Kilometer von $city entfernt und hat $pop Einwohner.",
                 "Bei der letzten Zählung hatte die Stadt $pop Einwohner."],
            ),
            "sections": [
                ("Geschichte", [
                    "Der Ort wurde im Jahr $founded erstmals urkundlich erwähnt.",
                    "Im Mittelalter entwickelte er sich um einen Markt, eine Mühle und eine Furt $river.loc.",
                    "$year1 erhielt $name das Marktrecht.",
                    "Ein großer Brand zerstörte $year2 einen Teil der Altstadt.",
                    "Die Eisenbahn aus $city erreichte die Stadt im Jahr $year3, danach entstanden neue Fabriken am Bahnhof.",
                    "Im 19. Jahrhundert wuchs die Bevölkerung stark, z. B. durch die aufstrebende Textilindustrie.",
                    "$year4 wurden mehrere Nachbardörfer eingemeindet.",
                ]),
                ("Geographie", [
                    "$name liegt in einem breiten Tal auf einer Höhe von $elev Metern.",
                    "Die Umgebung wird vor allem land- und forstwirtschaftlich genutzt und ist bei Wanderern beliebt.",
                    "Die nächsten größeren Städte sind $city und $city2.",
                    "Das Stadtgebiet umfasst eine Fläche von $area Quadratkilometern.",
                    "Durch die Stadt fließen mehrere kleine Bäche.",
                ]),
                ("Wirtschaft", [
                    "Zu den traditionellen Gewerben zählen Brauereien, Webereien und die Herstellung von $industry.dat.",
                    "Heute arbeiten die meisten Einwohner im Handel, im Tourismus und in anderen Dienstleistungen.",
                    "Größter Arbeitgeber der Stadt ist ein Unternehmen, das $industry2 herstellt.",
                    "Jeden Samstag findet auf dem Marktplatz ein Wochenmarkt statt.",
                    "Viele Einwohner pendeln zur Arbeit nach $city.",
                ]),
            ],
            "caption": "Ansicht von $name im Jahr $year5",
            "list": ("Sehenswürdigkeiten", "Die Stadt besitzt mehrere denkmalgeschützte Bauwerke.",
                     ["$building", "$building2", "$building3"]),
            "table": ("Einwohnerentwicklung", "Die folgende Tabelle zeigt die Entwicklung der Einwohnerzahl.",
                      ["Jahr", "Einwohner"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["Ort in $region", "Ersterwähnung $founded"],
        },
        "org": {
            "infobox": "{{Infobox Unternehmen\n| Name = $title\n| Logo = $image\n| Gründungsdatum = $founded\n"
                       "| Gründer = $person\n| Sitz = $city\n| Mitarbeiterzahl = $staff\n| Branche = $industry\n}}",
            "lead": (
                ["Die $name ist ein deutsches Unternehmen mit Sitz in $city, das $industry herstellt.",
                 "Die $name ist ein Hersteller von $industry.dat mit Sitz in $city."],
                ["Sie wurde $founded von $person gegründet und beschäftigt rund $staff Mitarbeiter.",
                 "Das Unternehmen hat etwa $staff Beschäftigte und verkauft seine Produkte in mehr als $num Ländern."],
            ),
            "sections": [
                ("Geschichte", [
                    "Das Unternehmen begann $founded als kleine Werkstatt in der Innenstadt von $city.",
                    "[Der Gründer|Die Gründerin] $person hatte zuvor bei einem größeren Betrieb in $city2 gearbeitet.",
                    "$year1 zog die Werkstatt in ein neues Gebäude $river.loc.",
                    "Im Jahr $year2 beschäftigte die Firma bereits $staff1 Mitarbeiter und exportierte nach $country.",
                    "In der Wirtschaftskrise von $year3 stand sie kurz vor dem Konkurs, wurde aber durch einen Kredit einer örtlichen Bank gerettet.",
                    "$year4 eröffnete das Unternehmen ein zweites Werk in $city2.",
                    "$year5 wurde in $city ein neues Verwaltungsgebäude eingeweiht.",
                ]),
                ("Produkte", [
                    "Zu den wichtigsten Produkten gehören $industry, Ersatzteile, Werkzeuge usw. für Kunden in $country und $country2.",
                    "$year3 brachte das Unternehmen eine neue Produktreihe auf den Markt, die ein großer Erfolg wurde.",
                    "Ihre Entwürfe wurden auf Messen in $city3 mehrfach ausgezeichnet.",
                    "Die meisten Produkte werden bis heute im Werk in $city von Hand montiert.",
                    "Etwa die Hälfte der Jahresproduktion wird ins Ausland verkauft.",
                ]),
            ],
            "caption": "Firmensitz in $city",
            "list": ("Standorte", "Das Unternehmen unterhält Standorte in mehreren Städten.", ["$city", "$city2", "$city3"]),
            "table": ("Mitarbeiter", "Die Zahl der Mitarbeiter ist im Lauf der Jahre gewachsen.", ["Jahr", "Mitarbeiter"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Unternehmen ($city)", "Gegründet $founded"],
        },
    },
    "lexicon": {"am": "ADP+DET:an+dem"},
    "ner_templates": [
        "$PER wurde_AUX $YEAR in_ADP $CITY geboren_VERB ._PUNCT",
        "$PER arbeitet_VERB seit_ADP $YEAR bei_ADP $ORG in_ADP $CITY ._PUNCT",
        "Im_ADP+DET:In+dem Jahr_NOUN $YEAR eröffnete_VERB $ORG ein_DET neues_ADJ Büro_NOUN in_ADP $CITY ._PUNCT",
        "$PER und_CCONJ $PER trafen_VERB sich_PRON in_ADP $CITY ._PUNCT",
        "Das_DET Unternehmen_NOUN $ORG wurde_AUX von_ADP $PER gegründet_VERB ._PUNCT",
        "Nach_ADP dem_DET Krieg_NOUN zog_VERB $PER von_ADP $CITY nach_ADP $COUNTRY ._PUNCT",
        "Laut_ADP $PER will_AUX $ORG eine_DET Fabrik_NOUN bei_ADP $CITY bauen_VERB ._PUNCT",
        "$PER studierte_VERB Geschichte_NOUN in_ADP $CITY ,_PUNCT bevor_SCONJ [er|sie]_PRON zu_ADP $ORG wechselte_VERB ._PUNCT",
        "Die_DET alte_ADJ Brücke_NOUN in_ADP $CITY wurde_AUX $YEAR renoviert_VERB ._PUNCT",
        "$ORG unterzeichnete_VERB am_ADP+DET:an+dem Montag_NOUN einen_DET Vertrag_NOUN mit_ADP $ORG ._PUNCT",
        "Jedes_DET Jahr_NOUN besuchen_VERB Tausende_NOUN von_ADP Touristen_NOUN $COUNTRY ._PUNCT",
        "$PER ,_PUNCT [ein|eine]_DET [ehemaliger|ehemalige]_ADJ [Spieler|Spielerin]_NOUN von_ADP $ORG ,_PUNCT lebt_VERB heute_ADV in_ADP $COUNTRY ._PUNCT",
    ],
}

FR = {
    "code": "fr",
    "sitename": "Wikipédia",
    "main_page": "Wikipédia:Accueil principal",
    "namespaces": namespaces(
        ("Média", "Spécial", "", "Discussion", "Utilisateur", "Discussion utilisateur", "Wikipédia",
         "Discussion Wikipédia", "Fichier", "Discussion fichier", "MediaWiki", "Discussion MediaWiki", "Modèle",
         "Discussion modèle", "Aide", "Discussion aide", "Catégorie", "Discussion catégorie"),
        {100: "Portail", 101: "Discussion Portail", 102: "Projet", 103: "Discussion Projet", 828: "Module",
         829: "Discussion module"},
    ),
    "forms": {"river": ("nom", "gen", "loc"), "region": ("nom", "loc"), "country": ("nom", "loc"),
              "uni": ("nom", "loc"), "prof": ("nom", "field"), "industry": ("nom", "gen")},
    "labels": {
        "thousands": " ", "person_article": None, "org_title": "{}", "org_redirect": "{} (entreprise)",
        "town_suffix": "(ville)", "file": "Fichier", "thumb": "vignette", "references": "Notes et références",
        "reflist": "{{Références}}", "see_also": "Voir aussi", "footer": "{{Portail|entreprises}}",
        "category": "Catégorie", "redirect": "#REDIRECTION", "redirect_template": "{{Redirection}}",
        "disambig_lead": "{} peut désigner :", "disambig_template": "{{Homonymie}}",
        "cite_book": "{{Ouvrage |auteur1=$surname2 |titre=$work3 |année=$year3 |lieu=$city3.bare}}",
        "cite_web": "{{Lien web |url=$url |titre=$title |consulté le=$access}}",
        "talk": "== Population ==\nD'où vient le chiffre de population ? La source semble ancienne. ~~~~",
        "user": "J'écris surtout sur l'histoire locale et la géographie.",
        "project": ("À propos", "'''Wikipédia''' est une encyclopédie en ligne libre que chacun peut modifier."),
        "category_text": "Articles sur les communes de cette région.",
    },
    "vocab": {
        "first_m": ["Jean", "Pierre", "Louis", "Henri", "Charles", "Paul", "Jacques", "Émile", "Georges", "Victor",
                    "André", "Lucien"],
        "first_f": ["Marie", "Jeanne", "Louise", "Marguerite", "Madeleine", "Suzanne", "Berthe", "Camille",
                    "Hélène", "Juliette", "Lucie", "Geneviève"],
        "surname": ["Morel", "Vautrin", "Garnier", "Bertin", "Duroc", "Lemaire", "Chaumont", "Fourcade", "Lacombe",
                    "Roussel", "Mercier", "Bellanger", "Poirier", "Vidal", "Castel", "Marchand", "Fontaine",
                    "Girard", "Rivière", "Bonnet"],
        # Consonant-initial only: the templates write "de $city", never "d'".
        "city": ["Lyon", "Marseille", "Toulouse", "Bordeaux", "Nantes", "Lille", "Strasbourg", "Rennes", "Dijon",
                 "Grenoble", "Montpellier", "Nancy", "Reims", "Tours", "Limoges", "Poitiers", "Bruxelles",
                 "Genève", "Québec", "Montréal", "La Rochelle", "Saint-Étienne", "Clermont-Ferrand"],
        "river": ["la~Loire|de la~Loire|sur la~Loire", "la~Seine|de la~Seine|sur la~Seine",
                  "le~Rhône|du~Rhône|sur le~Rhône", "la~Garonne|de la~Garonne|sur la~Garonne",
                  "la~Dordogne|de la~Dordogne|sur la~Dordogne", "le~Lot|du~Lot|sur le~Lot",
                  "la~Marne|de la~Marne|sur la~Marne", "la~Meuse|de la~Meuse|sur la~Meuse",
                  "la~Moselle|de la~Moselle|sur la~Moselle", "la~Saône|de la~Saône|sur la~Saône",
                  "la~Vienne|de la~Vienne|sur la~Vienne", "le~Tarn|du~Tarn|sur le~Tarn"],
        "region": ["la~Bretagne|en~Bretagne", "la~Normandie|en~Normandie", "la~Provence|en~Provence",
                   "la~Bourgogne|en~Bourgogne", "l'~Alsace|en~Alsace", "l'~Auvergne|en~Auvergne",
                   "la~Lorraine|en~Lorraine", "la~Picardie|en~Picardie", "la~Champagne|en~Champagne",
                   "la~Savoie|en~Savoie", "la~Gascogne|en~Gascogne", "la~Touraine|en~Touraine"],
        "country": ["la~Belgique|en~Belgique", "le~Portugal|au~Portugal", "l'~Italie|en~Italie",
                    "le~Canada|au~Canada", "la~Suisse|en~Suisse", "l'~Allemagne|en~Allemagne",
                    "l'~Espagne|en~Espagne", "le~Japon|au~Japon", "la~Suède|en~Suède", "l'~Égypte|en~Égypte",
                    "le~Brésil|au~Brésil", "la~Grèce|en~Grèce", "le~Costa Rica|au~Costa Rica",
                    "la~Nouvelle-Zélande|en~Nouvelle-Zélande"],
        "uni": ["l'~université de Strasbourg|à l'~université de Strasbourg",
                "l'~université de Lyon|à l'~université de Lyon",
                "l'~université de Bordeaux|à l'~université de Bordeaux",
                "l'~université de Montpellier|à l'~université de Montpellier",
                "l'~université de Grenoble|à l'~université de Grenoble",
                "l'~université de Rennes|à l'~université de Rennes",
                "l'~université de Nancy|à l'~université de Nancy",
                "l'~université de Poitiers|à l'~université de Poitiers",
                "l'~École polytechnique|à l'~École polytechnique", "la~Sorbonne|à la~Sorbonne"],
        # Fields are feminine or elided so that "à $prof.field" never needs "au".
        "prof": ["physicien[|ne]|la~physique", "chimiste|la~chimie", "peintre|la~peinture",
                 "écrivain[|e]|la~littérature", "architecte|l'~architecture", "[compositeur|compositrice]|la~musique",
                 "historien[|ne]|l'~histoire", "ingénieur[|e]|la~mécanique", "[sculpteur|sculptrice]|la~sculpture",
                 "journaliste|la~presse", "botaniste|la~botanique", "mathématicien[|ne]|la~géométrie",
                 "géologue|la~géologie", "photographe|la~photographie", "astronome|l'~astronomie"],
        "adj": ["une petite", "une ancienne", "une paisible", "une jolie", "une vieille", "une modeste"],
        "industry": ["des~textiles|de~textiles", "du~papier|de~papier", "du~verre|de~verre",
                     "de la~porcelaine|de~porcelaine", "des~meubles|de~meubles", "des~machines|de~machines",
                     "des~bicyclettes|de~bicyclettes", "des~horloges|d'~horloges", "du~chocolat|de~chocolat",
                     "des~presses à imprimer|de~presses à imprimer", "des~navires|de~navires",
                     "des~médicaments|de~médicaments", "du~matériel électrique|de~matériel électrique",
                     "des~articles en cuir|d'~articles en cuir", "des~instruments d'optique|d'~instruments d'optique"],
        "building": ["l'église gothique", "l'ancien hôtel de ville", "le pont de pierre", "la gare", "les halles",
                     "la bibliothèque municipale", "le lycée", "le moulin à vent", "les ruines du château",
                     "le musée local", "le château d'eau", "l'abbaye"],
        "work": ["La Lumière du nord", "Le Port silencieux", "Champs d'hiver", "Études sur les cristaux",
                 "La Route du nord", "Chansons de la vallée", "De l'eau qui coule", "La Maison de verre",
                 "Lettres de la côte", "Sept Ponts", "L'Année des grues", "Observations du ciel"],
        "town": ["Beaumesnil", "Châtelneuf", "Fontbrune", "Grandpré", "Lavernay", "Montclar", "Noirval",
                 "Pontarlis", "Roquebelle", "Saint-Aubin-des-Prés", "Valbrune", "Verneuil-le-Vieux", "Bois-Joli",
                 "Cressange", "Durbelle", "Mirandol", "Sauveterre-la-Forêt"],
        "org": ["Morel et Fils", "Vautrin SA", "Garnier Frères", "Bertin SA", "Duroc et Cie", "Lemaire Industries",
                "Chaumont SA", "Fourcade et Fils", "Lacombe Frères", "Roussel SA", "Mercier et Cie",
                "Bellanger Industries", "Poirier SA", "Vidal Frères", "Castel et Fils", "Marchand SA"],
        "ner_org": ["Renault", "Michelin", "Peugeot", "Danone", "Thales", "Crédit Agricole", "Société Générale",
                    "Paris Saint-Germain", "Dassault Aviation", "Gaz de France", "Saint-Gobain", "Carrefour",
                    "Bouygues Telecom"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Infobox Biographie2\n| nom = $title\n| image = $image\n| date de naissance = $born\n"
                       "| lieu de naissance = $city\n| date de décès = $died\n| lieu de décès = $city2\n"
                       "| activité = $prof\n}}",
            "lead": (
                ["$name, né[|e] à $city en $born et mort[|e] à $city2 en $died, est [un|une] $prof [français|française].",
                 "$name ($born-$died) est [un|une] $prof [français|française] originaire de $city."],
                ["[Il|Elle] est surtout connu[|e] pour son ouvrage ''$work'', paru en $year3.",
                 "[Il|Elle] a consacré l'essentiel de sa carrière à $prof.field et à l'enseignement."],
            ),
            "sections": [
                ("Biographie", [
                    "[Il|Elle] grandit $region.loc, où [il|elle] fréquente l'école du village.",
                    "Son père est commerçant et sa mère enseigne à l'école communale.",
                    "Dès l'enfance, [il|elle] collectionne les pierres, les plantes, les vieilles monnaies, etc., et tient des carnets très précis.",
                    "À partir de $year1, [il|elle] étudie $prof.field $uni.loc auprès de M. $surname2.",
                    "En $year1, [il|elle] entreprend un long voyage $country.loc et $country2.loc.",
                    "Après ses études, [il|elle] travaille plusieurs années comme $prof à $city2.",
                ]),
                ("Carrière", [
                    "En $year3, [il|elle] publie ''$work'', qui connaît un grand succès $country.loc.",
                    "Les critiques saluent la clarté de son style et la précision de ses observations.",
                    "[Il|Elle] devient ensuite membre de plusieurs sociétés savantes et donne des conférences à $city3.",
                    "Parmi ses élèves figure notamment $person.",
                    "Pendant de longues années, [il|elle] vit dans une petite maison au bord $river.gen, où [il|elle] écrit la plupart de ses livres.",
                    "Son deuxième grand ouvrage, ''$work2'', paraît quelques années plus tard.",
                ]),
                ("Dernières années", [
                    "Ses contemporains [le|la] décrivent comme une personne patiente, modeste et d'une grande rigueur.",
                    "$surname meurt à $city2 en $died, à l'âge de $age ans.",
                    "Ses archives sont conservées à la bibliothèque municipale de $city.",
                    "En $later, une rue de $city reçoit son nom.",
                    "La première biographie complète de $surname, écrite par M. $surname3, paraît en $later.",
                ]),
            ],
            "caption": "$name en $year4",
            "list": ("Œuvres principales", None, ["''$work'' ($year3)", "''$work2'' ($year4)", "''$work3'' ($year5)"]),
            "table": ("Chronologie", "Le tableau suivant résume les principales dates de sa vie.", ["Année", "Événement"],
                      [["$born", "Naissance à $city"], ["$year1", "Études $uni.loc"],
                       ["$year3", "Publication de ''$work''"], ["$died", "Mort à $city2"]]),
            "categories": ["Naissance en $born", "Décès en $died", "Naissance à $city"],
        },
        "town": {
            "infobox": "{{Infobox Commune de France\n| nom = $title\n| image = $image\n| région = $region.bare\n"
                       "| population = $pop <!-- population municipale -->\n| superficie = $area\n"
                       "| altitude = $elev\n}}",
            "lead": (
                ["$name est $adj ville française située $region.loc, $river.loc.",
                 "$name est $adj commune française $region.loc, au bord $river.gen."],
                ["Elle se trouve à environ $num kilomètres de $city et compte $pop habitants.",
                 "Lors du dernier recensement, la commune comptait $pop habitants."],
            ),
            "sections": [
                ("Histoire", [
                    "La localité est mentionnée pour la première fois dans une charte de $founded.",
                    "Au Moyen Âge, elle se développe autour d'un marché, d'un moulin et d'un gué $river.loc.",
                    "En $year1, la ville obtient le droit de tenir un marché hebdomadaire.",
                    "Un grand incendie détruit une partie du centre ancien en $year2.",
                    "Le chemin de fer venant de $city atteint la ville en $year3, et de nouvelles usines sont construites près de la gare.",
                    "Au XIXe siècle, la population augmente rapidement, notamment grâce à l'industrie textile.",
                    "En $year4, plusieurs villages voisins sont rattachés à la commune.",
                ]),
                ("Géographie", [
                    "$name est située dans une large vallée, à une altitude de $elev mètres.",
                    "Les environs sont surtout consacrés à l'agriculture, à l'élevage, à la forêt, etc., et attirent de nombreux randonneurs.",
                    "Les villes importantes les plus proches sont $city et $city2.",
                    "La superficie de la commune est de $area kilomètres carrés.",
                    "Plusieurs petits ruisseaux traversent la ville.",
                ]),
                ("Économie", [
                    "Parmi les activités traditionnelles figurent la brasserie, le tissage et la production $industry.gen.",
                    "Aujourd'hui, la plupart des habitants travaillent dans le commerce, les services et le tourisme.",
                    "Le principal employeur de la ville est une entreprise qui fabrique $industry2.",
                    "Un marché se tient chaque samedi sur la place principale.",
                    "De nombreux habitants travaillent à $city.",
                ]),
            ],
            "caption": "Vue de $name en $year5",
            "list": ("Patrimoine", "La ville possède plusieurs monuments protégés.", ["$building", "$building2", "$building3"]),
            "table": ("Démographie", "Le tableau suivant présente l'évolution de la population.", ["Année", "Habitants"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["Commune $region.loc", "Ville fondée en $founded"],
        },
        "org": {
            "infobox": "{{Infobox Entreprise\n| nom = $title\n| logo = $image\n| création = $founded\n"
                       "| fondateurs = $person\n| siège = $city\n| effectif = $staff\n| activité = $industry.bare\n}}",
            "lead": (
                ["$name est une entreprise française établie à $city qui fabrique $industry.",
                 "$name est un fabricant $industry.gen dont le siège se trouve à $city."],
                ["Elle a été fondée en $founded par $person et emploie environ $staff personnes.",
                 "L'entreprise compte environ $staff salariés et vend ses produits dans plus de $num pays."],
            ),
            "sections": [
                ("Histoire", [
                    "L'entreprise naît en $founded sous la forme d'un petit atelier dans le centre de $city.",
                    "[Son fondateur|Sa fondatrice], $person, avait auparavant travaillé pour une grande entreprise de $city2.",
                    "En $year1, l'atelier s'installe dans un nouveau bâtiment au bord $river.gen.",
                    "En $year2, la société emploie déjà $staff1 personnes et exporte $country.loc.",
                    "Pendant la crise économique de $year3, elle frôle la faillite, mais un prêt d'une banque locale la sauve.",
                    "En $year4, elle ouvre une deuxième usine à $city2.",
                    "Un nouveau siège social est inauguré à $city en $year5.",
                ]),
                ("Produits", [
                    "Les principaux produits sont $industry, des pièces détachées, des outils, etc., destinés à des clients $country.loc et $country2.loc.",
                    "En $year3, l'entreprise lance une nouvelle gamme qui rencontre un grand succès commercial.",
                    "Ses modèles ont reçu plusieurs prix lors de salons professionnels à $city3.",
                    "La plupart des produits sont encore assemblés à la main dans l'usine de $city.",
                    "Environ la moitié de la production annuelle est vendue à l'étranger.",
                ]),
            ],
            "caption": "Le siège de l'entreprise à $city",
            "list": ("Implantations", "L'entreprise possède des sites dans plusieurs villes.", ["$city", "$city2", "$city3"]),
            "table": ("Effectifs", "Le nombre de salariés a augmenté au fil des années.", ["Année", "Salariés"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Entreprise fondée en $founded", "Entreprise ayant son siège à $city"],
        },
    },
    "lexicon": {"la": "DET", "le": "DET", "l'": "DET", "La": "DET", "en": "ADP", "au": "ADP+DET:à+le",
                "de": "ADP"},
    "ner_templates": [
        "$PER est_AUX né[|e]_VERB à_ADP $CITY en_ADP $YEAR ._PUNCT",
        "$PER travaille_VERB chez_ADP $ORG à_ADP $CITY ._PUNCT",
        "En_ADP $YEAR ,_PUNCT $ORG a_AUX ouvert_VERB un_DET nouveau_ADJ bureau_NOUN à_ADP $CITY ._PUNCT",
        "$PER a_AUX rencontré_VERB $PER à_ADP $CITY ._PUNCT",
        "L'_DET entreprise_NOUN $ORG a_AUX été_AUX fondée_VERB par_ADP $PER ._PUNCT",
        "Après_ADP la_DET guerre_NOUN ,_PUNCT $PER a_AUX quitté_VERB $CITY pour_ADP $COUNTRY.nom ._PUNCT",
        "Selon_ADP $PER ,_PUNCT $ORG va_AUX construire_VERB une_DET usine_NOUN près_ADV de_ADP $CITY ._PUNCT",
        "$PER a_AUX étudié_VERB l'_DET histoire_NOUN à_ADP $CITY avant_ADV de_ADP rejoindre_VERB $ORG ._PUNCT",
        "Le_DET vieux_ADJ pont_NOUN de_ADP $CITY a_AUX été_AUX restauré_VERB en_ADP $YEAR ._PUNCT",
        "$ORG a_AUX signé_VERB lundi_NOUN un_DET contrat_NOUN avec_ADP $ORG ._PUNCT",
        "Chaque_DET été_NOUN ,_PUNCT des_DET milliers_NOUN de_ADP touristes_NOUN visitent_VERB $COUNTRY.nom ._PUNCT",
        "$PER ,_PUNCT [ancien|ancienne]_ADJ [joueur|joueuse]_NOUN de_ADP $ORG ,_PUNCT vit_VERB aujourd'hui_ADV $COUNTRY.loc ._PUNCT",
    ],
}

ES = {
    "code": "es",
    "sitename": "Wikipedia",
    "main_page": "Wikipedia:Portada",
    "namespaces": namespaces(
        ("Medio", "Especial", "", "Discusión", "Usuario", "Usuario discusión", "Wikipedia", "Wikipedia discusión",
         "Archivo", "Archivo discusión", "MediaWiki", "MediaWiki discusión", "Plantilla", "Plantilla discusión",
         "Ayuda", "Ayuda discusión", "Categoría", "Categoría discusión"),
        {100: "Portal", 101: "Portal discusión", 102: "Wikiproyecto", 103: "Wikiproyecto discusión",
         104: "Anexo", 105: "Anexo discusión", 828: "Módulo", 829: "Módulo discusión"},
    ),
    "forms": {"prof": ("nom", "field")},
    "labels": {
        "thousands": " ", "person_article": None, "org_title": "{}", "org_redirect": "{} (empresa)",
        "town_suffix": "(localidad)", "file": "Archivo", "thumb": "miniaturadeimagen", "references": "Referencias",
        "reflist": "{{listaref}}", "see_also": "Véase también", "footer": "{{Control de autoridades}}",
        "category": "Categoría", "redirect": "#REDIRECCIÓN", "redirect_template": "",
        "disambig_lead": "{} puede referirse a:", "disambig_template": "{{Desambiguación}}",
        "cite_book": "{{Cita libro |apellidos=$surname2 |título=$work3 |año=$year3 |ubicación=$city3.bare}}",
        "cite_web": "{{Cita web |url=$url |título=$title |fechaacceso=$access}}",
        "talk": "== Población ==\n¿De dónde procede la cifra de población? La fuente parece antigua. ~~~~",
        "user": "Escribo sobre todo de historia local y geografía.",
        "project": ("Acerca de", "'''Wikipedia''' es una enciclopedia en línea libre que cualquiera puede editar."),
        "category_text": "Artículos sobre localidades de esta región.",
    },
    "vocab": {
        "first_m": ["José", "Antonio", "Manuel", "Francisco", "Juan", "Luis", "Miguel", "Rafael", "Pedro",
                    "Fernando", "Carlos", "Andrés"],
        "first_f": ["María", "Carmen", "Dolores", "Isabel", "Pilar", "Teresa", "Rosa", "Elena", "Lucía", "Mercedes",
                    "Consuelo", "Julia"],
        "surname": ["Castillo", "Olmedo", "Ribera", "Navarro", "Aranda", "Valdés", "Moncayo", "Luján", "Serrano",
                    "Ferrer", "Ocaña", "Ibarra", "Mendoza", "Rovira", "Solís", "Herrera", "Cabrera", "Montero",
                    "Delgado", "Quintana"],
        "city": ["Madrid", "Barcelona", "Sevilla", "Valencia", "Bilbao", "Zaragoza", "Málaga", "Granada", "Córdoba",
                 "Salamanca", "Toledo", "Valladolid", "Burgos", "Cádiz", "Pamplona", "San Sebastián",
                 "Santiago de Compostela", "Buenos Aires", "Lima", "Ciudad de México", "Bogotá"],
        "river": ["Ebro", "Tajo", "Duero", "Guadalquivir", "Miño", "Júcar", "Segura", "Guadiana", "Turia", "Genil",
                  "Esla", "Pisuerga"],
        "region": ["Andalucía", "Aragón", "Galicia", "Cataluña", "Extremadura", "Asturias", "Navarra", "Cantabria",
                   "Castilla y León", "Castilla-La Mancha", "La Rioja", "Murcia"],
        "country": ["Portugal", "Francia", "Italia", "México", "Argentina", "Chile", "Perú", "Colombia", "Alemania",
                    "Marruecos", "Cuba", "Uruguay", "Costa Rica", "Puerto Rico"],
        "uni": ["la~Universidad de Salamanca", "la~Universidad de Granada", "la~Universidad de Valladolid",
                "la~Universidad de Sevilla", "la~Universidad de Zaragoza", "la~Universidad de Oviedo",
                "la~Universidad de Valencia", "la~Universidad de Santiago de Compostela",
                "la~Universidad Complutense", "la~Universidad de Barcelona"],
        # Fields are feminine: "a la $prof.field".
        "prof": ["físic[o|a]|física", "químic[o|a]|química", "pint[or|ora]|pintura", "escri[tor|tora]|literatura",
                 "arquitect[o|a]|arquitectura", "compos[itor|itora]|música", "historiad[or|ora]|historia",
                 "ingenier[o|a]|ingeniería", "escult[or|ora]|escultura", "filólog[o|a]|filología",
                 "botánic[o|a]|botánica", "matemátic[o|a]|geometría", "geólog[o|a]|geología",
                 "fotógraf[o|a]|fotografía", "astrónom[o|a]|astronomía"],
        "adj": ["una pequeña", "una antigua", "una tranquila", "una próspera", "una bonita", "una modesta"],
        "industry": ["tejidos", "papel", "vidrio", "porcelana", "muebles", "maquinaria", "bicicletas", "relojes",
                     "chocolate", "material de imprenta", "barcos", "medicamentos", "material eléctrico",
                     "artículos de cuero", "instrumentos ópticos"],
        "building": ["la iglesia gótica", "el antiguo ayuntamiento", "el puente de piedra", "la estación de tren",
                     "el mercado cubierto", "la biblioteca municipal", "el instituto", "el molino de viento",
                     "las ruinas del castillo", "el museo local", "la torre del reloj", "el monasterio"],
        "work": ["La luz del norte", "El puerto silencioso", "Campos de invierno", "Estudios sobre los cristales",
                 "El camino del norte", "Canciones del valle", "Del agua que corre", "La casa de cristal",
                 "Cartas desde la costa", "Siete puentes", "El año de las grullas", "Observaciones del cielo"],
        "town": ["Valdemora", "Fuentelarga", "Castrejón", "Peñaclara", "Torrealba", "Villanueva del Prado",
                 "Robledo de la Sierra", "Almenara del Campo", "Montealegre", "Navalcruz", "Aldeaverde", "Cabezuela",
                 "Villafranca del Valle", "Puentenueva", "Olivares de Arriba", "Sotomayor", "Santa Olalla del Monte"],
        "org": ["Hermanos Castillo", "Industrias Olmedo", "Talleres Ribera", "Navarro y Compañía",
                "Fundiciones Aranda", "Grupo Valdés", "Textiles Moncayo", "Cerámicas Luján", "Hijos de Serrano",
                "Construcciones Ferrer", "Vidrieras Ocaña", "Grupo Ibarra", "Talleres Mendoza", "Industrias Rovira",
                "Almacenes Solís", "Papeleras Herrera"],
        "ner_org": ["Telefónica", "Iberia", "Repsol", "Real Madrid", "Banco Santander", "El Corte Inglés",
                    "Atlético de Madrid", "Renfe", "Mercadona", "Inditex", "Real Betis", "Banco Sabadell"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Ficha de persona\n| nombre = $title\n| imagen = $image\n| fecha de nacimiento = $born\n"
                       "| lugar de nacimiento = $city\n| fecha de fallecimiento = $died\n"
                       "| lugar de fallecimiento = $city2\n| ocupación = $prof\n}}",
            "lead": (
                ["$name ($city, $born-$city2, $died) fue [un|una] $prof [español|española].",
                 "$name ($born-$died) fue [un|una] $prof [español|española] [nacido|nacida] en $city."],
                ["Es [conocido|conocida] sobre todo por el libro ''$work'', publicado en $year3.",
                 "Dedicó la mayor parte de su carrera a la $prof.field y a la enseñanza."],
            ),
            "sections": [
                ("Biografía", [
                    "Nació en $city en $born y pasó su infancia en $region.",
                    "Su padre era comerciante y su madre enseñaba en la escuela del pueblo.",
                    "Ya de niñ[o|a] coleccionaba piedras, plantas, monedas antiguas, etc., y llevaba cuadernos muy detallados.",
                    "A partir de $year1 estudió $prof.field en $uni con el Dr. $surname2.",
                    "En $year1 emprendió un largo viaje por $country y $country2.",
                    "Tras terminar sus estudios, trabajó varios años como $prof en $city2.",
                ]),
                ("Carrera", [
                    "En $year3 publicó ''$work'', que tuvo una gran acogida en $country.",
                    "La crítica elogió la claridad de su estilo y la precisión de sus observaciones.",
                    "Más tarde ingresó en varias sociedades científicas y dio conferencias en $city3.",
                    "Entre sus discípulos se encontraba $person.",
                    "Durante muchos años vivió en una pequeña casa a orillas del río $river, donde escribió la mayoría de sus libros.",
                    "Su segunda gran obra, ''$work2'', apareció pocos años después.",
                ]),
                ("Últimos años", [
                    "Sus contemporáneos [lo|la] describían como una persona paciente, modesta y muy rigurosa.",
                    "$surname murió en $city2 en $died, a los $age años.",
                    "Su archivo personal se conserva en la biblioteca de $uni.",
                    "En $later, una calle de $city recibió su nombre.",
                    "La primera biografía completa de $surname, escrita por el Sr. $surname3, se publicó en $later.",
                ]),
            ],
            "caption": "$name en $year4",
            "list": ("Obras", None, ["''$work'' ($year3)", "''$work2'' ($year4)", "''$work3'' ($year5)"]),
            "table": ("Cronología", "La siguiente tabla resume las fechas principales de su vida.",
                      ["Año", "Acontecimiento"],
                      [["$born", "Nacimiento en $city"], ["$year1", "Estudios en $uni"],
                       ["$year3", "Publicación de ''$work''"], ["$died", "Muerte en $city2"]]),
            "categories": ["Nacidos en $born", "Fallecidos en $died", "Nacidos en $city"],
        },
        "town": {
            "infobox": "{{Ficha de localidad de España\n| nombre = $title\n| imagen = $image\n"
                       "| comunidad = $region\n| población = $pop <!-- padrón municipal -->\n"
                       "| superficie = $area\n| altitud = $elev\n}}",
            "lead": (
                ["$name es $adj localidad española situada en $region, a orillas del río $river.",
                 "$name es $adj localidad de $region atravesada por el río $river."],
                ["Se encuentra a unos $num kilómetros de $city y tiene $pop habitantes.",
                 "Según el último censo, el municipio contaba con $pop habitantes."],
            ),
            "sections": [
                ("Historia", [
                    "La localidad aparece mencionada por primera vez en un documento de $founded.",
                    "En la Edad Media creció en torno a un mercado, un molino y un vado del río $river.",
                    "En $year1 obtuvo el derecho a celebrar un mercado semanal.",
                    "Un gran incendio destruyó parte del casco antiguo en $year2.",
                    "El ferrocarril procedente de $city llegó a la localidad en $year3, y junto a la estación se construyeron nuevas fábricas.",
                    "Durante el siglo XIX la población creció con rapidez, p. ej. gracias a la industria textil.",
                    "En $year4 se incorporaron al municipio varias aldeas vecinas.",
                ]),
                ("Geografía", [
                    "$name se encuentra en un amplio valle, a una altitud de $elev metros.",
                    "Los alrededores se dedican sobre todo a la agricultura, la ganadería, la explotación forestal, etc., y atraen a muchos excursionistas.",
                    "Las ciudades más cercanas son $city y $city2.",
                    "El término municipal tiene una superficie de $area kilómetros cuadrados.",
                    "Varios arroyos atraviesan el casco urbano.",
                ]),
                ("Economía", [
                    "Entre las actividades tradicionales destacan la elaboración de vino, la cestería y la fabricación de $industry.",
                    "Hoy en día la mayoría de los habitantes trabaja en el comercio, los servicios y el turismo.",
                    "La mayor empresa de la localidad fabrica $industry2.",
                    "Cada sábado se celebra un mercado en la plaza mayor.",
                    "Muchos vecinos trabajan en $city.",
                ]),
            ],
            "caption": "Vista de $name en $year5",
            "list": ("Patrimonio", "La localidad conserva varios monumentos de interés.",
                     ["$building", "$building2", "$building3"]),
            "table": ("Demografía", "La siguiente tabla muestra la evolución de la población.", ["Año", "Habitantes"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["Localidades de $region", "Municipios de $region"],
        },
        "org": {
            "infobox": "{{Ficha de organización\n| nombre = $title\n| logo = $image\n| tipo = Empresa\n"
                       "| fundación = $founded\n| fundador = $person\n| sede = $city\n| empleados = $staff\n"
                       "| industria = $industry\n}}",
            "lead": (
                ["$name es una empresa española con sede en $city que fabrica $industry.",
                 "$name es un fabricante de $industry con sede en $city."],
                ["Fue fundada en $founded por $person y emplea a unas $staff personas.",
                 "La empresa cuenta con unos $staff empleados y vende sus productos en más de $num países."],
            ),
            "sections": [
                ("Historia", [
                    "La empresa nació en $founded como un pequeño taller en el centro de $city.",
                    "[Su fundador|Su fundadora], $person, había trabajado antes en una gran empresa de $city2.",
                    "En $year1 el taller se trasladó a un nuevo edificio a orillas del río $river.",
                    "En $year2 la compañía ya daba trabajo a $staff1 personas y exportaba a $country.",
                    "Durante la crisis económica de $year3 estuvo al borde de la quiebra, pero la salvó un préstamo de un banco local.",
                    "En $year4 abrió una segunda fábrica en $city2.",
                    "En $year5 inauguró una nueva sede en $city.",
                ]),
                ("Productos", [
                    "Sus principales productos son $industry, piezas de repuesto, herramientas, etc., para clientes de $country y $country2.",
                    "En $year3 la empresa lanzó una nueva gama que tuvo un gran éxito comercial.",
                    "Sus diseños han recibido varios premios en ferias de $city3.",
                    "La mayoría de los productos todavía se montan a mano en la fábrica de $city.",
                    "Aproximadamente la mitad de la producción anual se vende en el extranjero.",
                ]),
            ],
            "caption": "Sede de la empresa en $city",
            "list": ("Sedes", "La empresa tiene instalaciones en varias ciudades.", ["$city", "$city2", "$city3"]),
            "table": ("Plantilla", "El número de empleados ha crecido con los años.", ["Año", "Empleados"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Empresas fundadas en $founded", "Empresas con sede en $city"],
        },
    },
    "lexicon": {"de": "ADP", "El": "DET", "La": "DET", "y": "CCONJ"},
    "ner_templates": [
        "$PER nació_VERB en_ADP $CITY en_ADP $YEAR ._PUNCT",
        "$PER trabaja_VERB en_ADP $ORG desde_ADP $YEAR ._PUNCT",
        "En_ADP $YEAR ,_PUNCT $ORG abrió_VERB una_DET nueva_ADJ oficina_NOUN en_ADP $CITY ._PUNCT",
        "$PER conoció_VERB a_ADP $PER en_ADP $CITY ._PUNCT",
        "La_DET empresa_NOUN $ORG fue_AUX fundada_VERB por_ADP $PER ._PUNCT",
        "Después_ADV de_ADP la_DET guerra_NOUN ,_PUNCT $PER se_PRON trasladó_VERB de_ADP $CITY a_ADP $COUNTRY ._PUNCT",
        "Según_ADP $PER ,_PUNCT $ORG construirá_VERB una_DET fábrica_NOUN cerca_ADV de_ADP $CITY ._PUNCT",
        "$PER estudió_VERB historia_NOUN en_ADP $CITY antes_ADV de_ADP entrar_VERB en_ADP $ORG ._PUNCT",
        "El_DET viejo_ADJ puente_NOUN de_ADP $CITY fue_AUX restaurado_VERB en_ADP $YEAR ._PUNCT",
        "$ORG firmó_VERB el_DET lunes_NOUN un_DET contrato_NOUN con_ADP $ORG ._PUNCT",
        "Cada_DET verano_NOUN ,_PUNCT miles_NOUN de_ADP turistas_NOUN visitan_VERB $COUNTRY ._PUNCT",
        "$PER ,_PUNCT [antiguo|antigua]_ADJ [jugador|jugadora]_NOUN de_ADP $ORG ,_PUNCT vive_VERB ahora_ADV en_ADP $COUNTRY ._PUNCT",
    ],
}

RU = {
    "code": "ru",
    "sitename": "Википедия",
    "main_page": "Заглавная страница",
    "namespaces": namespaces(
        ("Медиа", "Служебная", "", "Обсуждение", "Участник", "Обсуждение участника", "Википедия",
         "Обсуждение Википедии", "Файл", "Обсуждение файла", "MediaWiki", "Обсуждение MediaWiki", "Шаблон",
         "Обсуждение шаблона", "Справка", "Обсуждение справки", "Категория", "Обсуждение категории"),
        {100: "Портал", 101: "Обсуждение портала", 104: "Проект", 105: "Обсуждение проекта", 828: "Модуль",
         829: "Обсуждение модуля"},
    ),
    "forms": {"city": ("nom", "gen", "loc"), "river": ("nom", "gen", "loc"), "region": ("nom", "gen", "loc"),
              "country": ("nom", "gen", "loc"), "uni": ("nom", "gen", "loc"),
              "prof": ("nom", "ins", "field", "fins", "facc"), "industry": ("acc", "gen"),
              "town": ("nom", "gen", "loc"), "ner_org": ("nom", "gen", "loc")},
    "labels": {
        "thousands": " ", "person_article": None, "org_title": "{} (компания)", "org_redirect": "{} (предприятие)",
        "town_suffix": "(город)", "file": "Файл", "thumb": "мини", "references": "Примечания",
        "reflist": "{{примечания}}", "see_also": "См. также", "footer": "{{ВС}}",
        "category": "Категория", "redirect": "#перенаправление", "redirect_template": "",
        "disambig_lead": "{} — фамилия. Известные носители:", "disambig_template": "{{Неоднозначность}}",
        "cite_book": "{{книга |автор=$surname2 |заглавие=$work3 |год=$year3 |место=$city3.bare}}",
        "cite_web": "{{cite web |url=$url |title=$title |accessdate=$access}}",
        "talk": "== Население ==\nОткуда взята численность населения? Источник, похоже, устарел. ~~~~",
        "user": "Пишу в основном о краеведении и географии.",
        "project": ("Описание", "'''Википедия''' — свободная онлайн-энциклопедия, которую может редактировать каждый."),
        "category_text": "Статьи о населённых пунктах этого региона.",
    },
    "vocab": {
        "first_m": ["Иван", "Алексей", "Сергей", "Дмитрий", "Николай", "Михаил", "Андрей", "Павел", "Григорий",
                    "Константин", "Фёдор", "Пётр"],
        "first_f": ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Екатерина", "Ирина", "Софья", "Вера",
                    "Людмила", "Дарья"],
        "surname": ["Петров[|а]", "Иванов[|а]", "Соколов[|а]", "Кузнецов[|а]", "Лебедев[|а]", "Морозов[|а]",
                    "Волков[|а]", "Орлов[|а]", "Зайцев[|а]", "Белов[|а]", "Смирнов[|а]", "Воронцов[|а]",
                    "Громов[|а]", "Тихонов[|а]", "Ершов[|а]", "Крылов[|а]", "Вишневск[ий|ая]", "Островск[ий|ая]"],
        # No city that needs "во" ("во Владимире"): the templates write "в $city.loc".
        "city": ["Москва|Москвы|Москве", "Санкт-Петербург|Санкт-Петербурга|Санкт-Петербурге",
                 "Казань|Казани|Казани", "Новосибирск|Новосибирска|Новосибирске",
                 "Екатеринбург|Екатеринбурга|Екатеринбурге", "Самара|Самары|Самаре", "Тверь|Твери|Твери",
                 "Ярославль|Ярославля|Ярославле", "Смоленск|Смоленска|Смоленске", "Калуга|Калуги|Калуге",
                 "Тула|Тулы|Туле", "Воронеж|Воронежа|Воронеже", "Саратов|Саратова|Саратове", "Пермь|Перми|Перми",
                 "Омск|Омска|Омске", "Иркутск|Иркутска|Иркутске", "Архангельск|Архангельска|Архангельске",
                 "Псков|Пскова|Пскове", "Нижний Новгород|Нижнего Новгорода|Нижнем Новгороде",
                 "Великий Новгород|Великого Новгорода|Великом Новгороде",
                 "Ростов-на-Дону|Ростова-на-Дону|Ростове-на-Дону"],
        "river": ["Волга|Волги|Волге", "Ока|Оки|Оке", "Кама|Камы|Каме", "Дон|Дона|Дону", "Днепр|Днепра|Днепре",
                  "Нева|Невы|Неве", "Обь|Оби|Оби", "Енисей|Енисея|Енисее", "Вятка|Вятки|Вятке", "Сура|Суры|Суре",
                  "Клязьма|Клязьмы|Клязьме", "Десна|Десны|Десне"],
        "region": ["Тверская область|Тверской области|Тверской области",
                   "Ярославская область|Ярославской области|Ярославской области",
                   "Калужская область|Калужской области|Калужской области",
                   "Смоленская область|Смоленской области|Смоленской области",
                   "Тульская область|Тульской области|Тульской области",
                   "Рязанская область|Рязанской области|Рязанской области",
                   "Костромская область|Костромской области|Костромской области",
                   "Вологодская область|Вологодской области|Вологодской области",
                   "Псковская область|Псковской области|Псковской области",
                   "Новгородская область|Новгородской области|Новгородской области",
                   "Пермский край|Пермского края|Пермском крае", "Алтайский край|Алтайского края|Алтайском крае"],
        "country": ["Франция|Франции|Франции", "Германия|Германии|Германии", "Италия|Италии|Италии",
                    "Испания|Испании|Испании", "Польша|Польши|Польше", "Швеция|Швеции|Швеции",
                    "Норвегия|Норвегии|Норвегии", "Финляндия|Финляндии|Финляндии", "Канада|Канады|Канаде",
                    "Япония|Японии|Японии", "Египет|Египта|Египте", "Бразилия|Бразилии|Бразилии",
                    "Южная Корея|Южной Кореи|Южной Корее", "Новая Зеландия|Новой Зеландии|Новой Зеландии"],
        "uni": ["Московский университет|Московского университета|Московском университете",
                "Казанский университет|Казанского университета|Казанском университете",
                "Петербургский университет|Петербургского университета|Петербургском университете",
                "Томский университет|Томского университета|Томском университете",
                "Харьковский университет|Харьковского университета|Харьковском университете",
                "Дерптский университет|Дерптского университета|Дерптском университете",
                "Новороссийский университет|Новороссийского университета|Новороссийском университете",
                "Киевский университет|Киевского университета|Киевском университете"],
        "prof": ["физик|физиком|физика|физикой|физику", "химик|химиком|химия|химией|химию",
                 "художни[к|ца]|художни[ком|цей]|живопись|живописью|живопись",
                 "писател[ь|ьница]|писател[ем|ьницей]|литература|литературой|литературу",
                 "архитектор|архитектором|архитектура|архитектурой|архитектуру",
                 "композитор|композитором|музыка|музыкой|музыку", "историк|историком|история|историей|историю",
                 "инженер|инженером|механика|механикой|механику",
                 "скульптор|скульптором|скульптура|скульптурой|скульптуру",
                 "журналист[|ка]|журналист[ом|кой]|журналистика|журналистикой|журналистику",
                 "ботаник|ботаником|ботаника|ботаникой|ботанику",
                 "математик|математиком|математика|математикой|математику",
                 "геолог|геологом|геология|геологией|геологию",
                 "фотограф|фотографом|фотография|фотографией|фотографию",
                 "астроном|астрономом|астрономия|астрономией|астрономию"],
        "adj": ["небольшой", "старинный", "тихий", "древний", "живописный", "зелёный"],
        "industry": ["ткани|тканей", "бумагу|бумаги", "стекло|стекла", "фарфор|фарфора", "мебель|мебели",
                     "станки|станков", "велосипеды|велосипедов", "часы|часов", "шоколад|шоколада",
                     "полиграфическое оборудование|полиграфического оборудования", "суда|судов",
                     "лекарства|лекарств", "электрооборудование|электрооборудования",
                     "кожаные изделия|кожаных изделий", "оптические приборы|оптических приборов"],
        "building": ["готический собор", "старая ратуша", "каменный мост", "железнодорожный вокзал",
                     "крытый рынок", "городская библиотека", "гимназия", "ветряная мельница", "руины крепости",
                     "краеведческий музей", "водонапорная башня", "бывший монастырь"],
        "work": ["Свет севера", "Тихая гавань", "Зимние поля", "Очерки о кристаллах", "Северная дорога",
                 "Песни долины", "О текущей воде", "Стеклянный дом", "Письма с побережья", "Семь мостов",
                 "Год журавлей", "Наблюдения за небом"],
        "town": ["Белоярск|Белоярска|Белоярске", "Ключевск|Ключевска|Ключевске",
                 "Сосновогорск|Сосновогорска|Сосновогорске", "Ольховск|Ольховска|Ольховске",
                 "Зареченск|Зареченска|Зареченске", "Красноборск|Красноборска|Красноборске",
                 "Липовец|Липовца|Липовце", "Дубравск|Дубравска|Дубравске", "Ясногорск|Ясногорска|Ясногорске",
                 "Тихоречье|Тихоречья|Тихоречье", "Верхнеозёрск|Верхнеозёрска|Верхнеозёрске",
                 "Рябиновск|Рябиновска|Рябиновске", "Черноречье|Черноречья|Черноречье",
                 "Каменск|Каменска|Каменске", "Светлогорье|Светлогорья|Светлогорье",
                 "Новоборск|Новоборска|Новоборске", "Лесногорск|Лесногорска|Лесногорске"],
        "org": ["«Заря»", "«Восход»", "«Рассвет»", "«Маяк»", "«Звезда»", "«Искра»", "«Прогресс»", "«Октава»",
                "«Сокол»", "«Волна»", "«Север»", "«Полёт»", "«Радуга»", "«Кристалл»", "«Берёзка»", "«Метеор»"],
        "ner_org": ["Газпром|Газпрома|Газпроме", "Аэрофлот|Аэрофлота|Аэрофлоте", "Сбербанк|Сбербанка|Сбербанке",
                    "Яндекс|Яндекса|Яндексе", "Роснефть|Роснефти|Роснефти",
                    "Большой театр|Большого театра|Большом театре", "Эрмитаж|Эрмитажа|Эрмитаже",
                    "Московский университет|Московского университета|Московском университете",
                    "Мариинский театр|Мариинского театра|Мариинском театре", "Лукойл|Лукойла|Лукойле",
                    "Ростелеком|Ростелекома|Ростелекоме", "Русский музей|Русского музея|Русском музее"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Персона\n| имя = $title\n| изображение = $image\n| дата рождения = $born\n"
                       "| место рождения = $city\n| дата смерти = $died\n| место смерти = $city2\n"
                       "| род деятельности = $prof\n}}",
            "lead": (
                ["$name ($born, $city — $died, $city2) — $prof, [работавший|работавшая] в основном в $city.loc.",
                 "$name ($born—$died) — $prof и преподаватель, [уроженец|уроженка] $city.gen."],
                ["Наибольшую известность [ему|ей] принесла книга «$work», вышедшая в $year3 году.",
                 "[Он|Она] всю жизнь [занимался|занималась] $prof.fins и преподаванием."],
            ),
            "sections": [
                ("Биография", [
                    "$name [родился|родилась] в $born году в $city.loc, детство [провёл|провела] в $region.loc.",
                    "[Его|Её] отец был купцом, а мать преподавала в сельской школе.",
                    "Ещё в детстве [он|она] [собирал|собирала] камни, растения, старые монеты и т. д. и [вёл|вела] подробные записи.",
                    "С $year1 г. [он|она] [изучал|изучала] $prof.facc в $uni.loc.",
                    "В $year1 году [он|она] [побывал|побывала] в $country.loc и $country2.loc.",
                    "После окончания учёбы [он|она] несколько лет [работал|работала] $prof.ins в $city2.loc.",
                ]),
                ("Деятельность", [
                    "В $year3 году вышла [его|её] книга «$work», получившая широкую известность в $country.loc.",
                    "Критики отмечали ясность стиля и точность наблюдений.",
                    "Позднее [он|она] [стал|стала] членом нескольких научных обществ и [выступал|выступала] с лекциями в $city3.loc.",
                    "Среди [его|её] учеников — $person.",
                    "Много лет [он|она] [жил|жила] в небольшом доме на $river.loc, где [написал|написала] большую часть своих книг.",
                    "[Его|Её] второй крупный труд, «$work2», вышел несколько лет спустя.",
                ]),
                ("Последние годы", [
                    "Современники описывали [его|её] как терпеливого, скромного и необычайно точного человека.",
                    "$surname [умер|умерла] в $city2.loc в $died году.",
                    "[Его|Её] архив хранится в библиотеке $uni.gen.",
                    "В $later году одна из улиц $city.gen была названа в [его|её] честь.",
                    "В $later году вышла первая подробная биография, т. е. полное описание [его|её] жизни и трудов.",
                ]),
            ],
            "caption": "$name в $year4 году",
            "list": ("Основные труды", None, ["«$work» ($year3)", "«$work2» ($year4)", "«$work3» ($year5)"]),
            "table": ("Хронология", "В таблице приведены основные даты [его|её] жизни.", ["Год", "Событие"],
                      [["$born", "Рождение в $city.loc"], ["$year1", "Учёба в $uni.loc"],
                       ["$year3", "Выход книги «$work»"], ["$died", "Смерть в $city2.loc"]]),
            "categories": ["Родившиеся в $born году", "Умершие в $died году", "Родившиеся в $city.loc"],
        },
        "town": {
            "infobox": "{{Населённый пункт России\n| русское название = $title\n| изображение = $image\n"
                       "| регион = $region\n| население = $pop <!-- по данным переписи -->\n| площадь = $area\n"
                       "| высота центра НП = $elev\n}}",
            "lead": (
                ["$name — $adj город в $region.loc, на $river.loc.",
                 "$name — $adj город на $river.loc, административный центр района в $region.loc."],
                ["Расположен в $num км от $city.gen, население — $pop человек.",
                 "По данным последней переписи, в городе проживало $pop человек."],
            ),
            "sections": [
                ("История", [
                    "Впервые поселение упоминается в грамоте $founded года.",
                    "В Средние века поселение росло вокруг рынка, мельницы и переправы на $river.loc.",
                    "В $year1 году поселение получило право проводить еженедельную ярмарку.",
                    "Большой пожар в $year2 году уничтожил часть старого центра.",
                    "В $year3 году до города дошла железная дорога из $city.gen, и у вокзала были построены новые фабрики.",
                    "В XIX в. население быстро росло, т. е. город стал одним из центров текстильной промышленности края.",
                    "В $year4 году в состав города вошли несколько соседних деревень.",
                ]),
                ("География", [
                    "Город расположен в широкой долине на высоте $elev м над уровнем моря.",
                    "Окрестности используются главным образом для сельского и лесного хозяйства и популярны у туристов.",
                    "Ближайшие крупные города — $city и $city2.",
                    "Площадь городской территории составляет $area км².",
                    "Через город протекает несколько небольших ручьёв.",
                ]),
                ("Экономика", [
                    "К традиционным промыслам относятся пивоварение, ткачество и производство $industry.gen.",
                    "Сегодня большинство жителей занято в торговле, сфере услуг и туризме.",
                    "Крупнейшее предприятие города производит $industry2.",
                    "По субботам на главной площади работает рынок.",
                    "Многие жители работают в $city.loc.",
                ]),
            ],
            "caption": "$name в $year5 году",
            "list": ("Достопримечательности", "В городе сохранилось несколько памятников архитектуры.",
                     ["$building", "$building2", "$building3"]),
            "table": ("Население", "В таблице показана динамика численности населения.", ["Год", "Население"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["Населённые пункты $region.gen", "Города на $river.loc"],
        },
        "org": {
            "infobox": "{{Компания\n| название = $title\n| логотип = $image\n| основание = $founded\n"
                       "| основатели = $person\n| расположение = $city\n| число сотрудников = $staff\n"
                       "| отрасль = $industry\n}}",
            "lead": (
                ["$name — российская компания из $city.gen, производящая $industry.",
                 "$name — производитель $industry.gen со штаб-квартирой в $city.loc."],
                ["Компания основана в $founded году; [её основатель|её основательница] — $person.",
                 "В компании работает около $staff человек, её продукция продаётся более чем в $num странах."],
            ),
            "sections": [
                ("История", [
                    "Компания начиналась в $founded году как небольшая мастерская в центре $city.gen.",
                    "[Её основатель|Её основательница] $person до этого [работал|работала] на крупном заводе в $city2.loc.",
                    "В $year1 году мастерская переехала в новое здание на берегу $river.gen.",
                    "К $year2 году на предприятии работало уже $staff1 человек, а продукция продавалась и в $country.loc.",
                    "Во время экономического кризиса $year3 года компания оказалась на грани банкротства, но её спас кредит местного банка.",
                    "В $year4 году был открыт второй завод в $city2.loc.",
                    "В $year5 году в $city.loc открылось новое административное здание.",
                ]),
                ("Продукция", [
                    "Основная продукция — $industry, запасные части, инструменты и т. п. для заказчиков в $country.loc и $country2.loc.",
                    "В $year3 году компания выпустила новую серию изделий, которая имела большой коммерческий успех.",
                    "Её изделия неоднократно получали награды на выставках в $city3.loc.",
                    "Большая часть продукции до сих пор собирается вручную на заводе в $city.loc.",
                    "Около половины годового объёма производства продаётся за рубежом.",
                ]),
            ],
            "caption": "Здание компании в $city.loc",
            "list": ("Предприятия", "Компания имеет производственные площадки в нескольких городах.",
                     ["$city", "$city2", "$city3"]),
            "table": ("Персонал", "Численность сотрудников со временем росла.", ["Год", "Сотрудники"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Компании $city.gen", "Компании, основанные в $founded году"],
        },
    },
    "lexicon": {word: "NOUN" for word in ("театр", "театра", "театре", "университет", "университета",
                                          "университете", "музей", "музея", "музее")},
    "ner_templates": [
        "$PER [родился|родилась]_VERB в_ADP $CITY.loc в_ADP $YEAR году_NOUN ._PUNCT",
        "$PER работает_VERB в_ADP $ORG.loc с_ADP $YEAR года_NOUN ._PUNCT",
        "В_ADP $CITY.loc открылся_VERB новый_ADJ офис_NOUN $ORG.gen ._PUNCT",
        "$PER и_CCONJ $PER встретились_VERB в_ADP $CITY.loc ._PUNCT",
        "В_ADP $YEAR году_NOUN $PER [перешёл|перешла]_VERB в_ADP $ORG.nom ._PUNCT",
        "После_ADP войны_NOUN $PER [жил|жила]_VERB в_ADP $COUNTRY.loc ._PUNCT",
        "$PER [уехал|уехала]_VERB из_ADP $CITY.gen в_ADP $YEAR году_NOUN ._PUNCT",
        "Как_SCONJ [сообщил|сообщила]_VERB $PER ,_PUNCT $ORG.nom построит_VERB завод_NOUN недалеко_ADV от_ADP $CITY.gen ._PUNCT",
        "$PER [изучал|изучала]_VERB историю_NOUN в_ADP $CITY.loc ,_PUNCT а_CCONJ затем_ADV [перешёл|перешла]_VERB в_ADP $ORG.nom ._PUNCT",
        "Старый_ADJ мост_NOUN в_ADP $CITY.loc отремонтировали_VERB в_ADP $YEAR году_NOUN ._PUNCT",
        "В_ADP понедельник_NOUN $ORG.nom и_CCONJ $ORG.nom подписали_VERB договор_NOUN ._PUNCT",
        "Каждое_DET лето_NOUN в_ADP $CITY.loc отдыхают_VERB тысячи_NOUN туристов_NOUN ._PUNCT",
        "$PER ,_PUNCT [бывший|бывшая]_ADJ [сотрудник|сотрудница]_NOUN $ORG.gen ,_PUNCT теперь_ADV живёт_VERB в_ADP $COUNTRY.loc ._PUNCT",
    ],
}

EL = {
    "code": "el",
    "sitename": "Βικιπαίδεια",
    "main_page": "Πύλη:Κύρια",
    "namespaces": namespaces(
        ("Μέσο", "Ειδικό", "", "Συζήτηση", "Χρήστης", "Συζήτηση χρήστη", "Βικιπαίδεια", "Βικιπαίδεια συζήτηση",
         "Αρχείο", "Συζήτηση αρχείου", "MediaWiki", "Συζήτηση MediaWiki", "Πρότυπο", "Συζήτηση προτύπου",
         "Βοήθεια", "Συζήτηση βοήθειας", "Κατηγορία", "Συζήτηση κατηγορίας"),
        {100: "Πύλη", 101: "Συζήτηση πύλης", 828: "Module", 829: "Module talk"},
    ),
    "forms": {"city": ("nom", "gen", "acc", "loc"), "river": ("nom", "gen", "acc", "loc"),
              "region": ("nom", "gen", "loc"), "country": ("nom", "gen", "acc", "loc"), "uni": ("nom", "gen", "loc"),
              "prof": ("nom", "field", "facc"), "industry": ("acc", "gen"), "town": ("nom", "gen", "acc", "loc"),
              "ner_org": ("nom", "gen", "acc", "loc")},
    "labels": {
        "thousands": ".", "person_article": ("ο", "η"), "org_title": "{} (εταιρεία)",
        "org_redirect": "{} (επιχείρηση)", "town_suffix": "(πόλη)", "file": "Αρχείο", "thumb": "μικρογραφία",
        "references": "Παραπομπές", "reflist": "{{παραπομπές}}", "see_also": "Δείτε επίσης",
        "footer": "{{Έλεγχος καθιέρωσης}}", "category": "Κατηγορία", "redirect": "#ΑΝΑΚΑΤΕΥΘΥΝΣΗ",
        "redirect_template": "", "disambig_lead": "{} μπορεί να αναφέρεται σε:",
        "disambig_template": "{{αποσαφήνιση}}",
        "cite_book": "{{Cite book |last=$surname2 |title=$work3 |year=$year3 |location=$city3.bare}}",
        "cite_web": "{{Cite web |url=$url |title=$title |accessdate=$access}}",
        "talk": "== Πληθυσμός ==\nΑπό πού προέρχεται ο αριθμός του πληθυσμού; Η πηγή φαίνεται παλιά. ~~~~",
        "user": "Γράφω κυρίως για την τοπική ιστορία και τη γεωγραφία.",
        "project": ("Σχετικά", "Η '''Βικιπαίδεια''' είναι μια ελεύθερη διαδικτυακή εγκυκλοπαίδεια που μπορεί να επεξεργαστεί ο καθένας."),
        "category_text": "Άρθρα για οικισμούς αυτής της περιφέρειας.",
    },
    "vocab": {
        "first_m": ["Γιώργος", "Νίκος", "Δημήτρης", "Κώστας", "Γιάννης", "Αλέξανδρος", "Παναγιώτης", "Σπύρος",
                    "Μιχάλης", "Θανάσης", "Στέφανος", "Ανδρέας"],
        "first_f": ["Μαρία", "Ελένη", "Κατερίνα", "Σοφία", "Άννα", "Δέσποινα", "Ιωάννα", "Γεωργία", "Αικατερίνη",
                    "Ειρήνη", "Χριστίνα", "Αγγελική"],
        "surname": ["[Παπαδόπουλος|Παπαδοπούλου]", "Οικονόμου", "Γεωργίου", "Παπαδημητρίου", "Νικολάου", "Καραγιάνν[ης|η]",
                    "Βασιλείου", "Μαυρίδ[ης|ου]", "Κωνσταντινίδ[ης|ου]", "Ιωαννίδ[ης|ου]", "Σαββίδ[ης|ου]",
                    "[Δημητρόπουλος|Δημητροπούλου]", "[Αντωνόπουλος|Αντωνοπούλου]", "[Πετρόπουλος|Πετροπούλου]", "Χατζ[ής|ή]", "Μαργαρίτ[ης|η]",
                    "Λαμπράκ[ης|η]", "Βλάχ[ος|ου]"],
        "city": [greek_feminine(c) for c in ("Αθήνα", "Πάτρα", "Λάρισα", "Καβάλα", "Καλαμάτα", "Κοζάνη",
                                             "Κέρκυρα", "Λευκωσία", "Κωνσταντινούπολη", "Σμύρνη", "Αλεξάνδρεια")]
        + ["η~Θεσσαλονίκη|της~Θεσσαλονίκης|τη~Θεσσαλονίκη|στη~Θεσσαλονίκη",
           "ο~Βόλος|του~Βόλου|τον~Βόλο|στον~Βόλο", "τα~Ιωάννινα|των~Ιωαννίνων|τα~Ιωάννινα|στα~Ιωάννινα",
           "τα~Χανιά|των~Χανίων|τα~Χανιά|στα~Χανιά", "το~Ηράκλειο|του~Ηρακλείου|το~Ηράκλειο|στο~Ηράκλειο",
           "η~Ρόδος|της~Ρόδου|τη~Ρόδο|στη~Ρόδο", "οι~Σέρρες|των~Σερρών|τις~Σέρρες|στις~Σέρρες",
           "τα~Τρίκαλα|των~Τρικάλων|τα~Τρίκαλα|στα~Τρίκαλα", "η~Νέα Υόρκη|της~Νέας Υόρκης|τη~Νέα Υόρκη|στη~Νέα Υόρκη"],
        "river": ["ο~Αχελώος|του~Αχελώου|τον~Αχελώο|στον~Αχελώο", "ο~Αλιάκμονας|του~Αλιάκμονα|τον~Αλιάκμονα|στον~Αλιάκμονα",
                  "ο~Αξιός|του~Αξιού|τον~Αξιό|στον~Αξιό", "ο~Πηνειός|του~Πηνειού|τον~Πηνειό|στον~Πηνειό",
                  "ο~Στρυμόνας|του~Στρυμόνα|τον~Στρυμόνα|στον~Στρυμόνα", "ο~Νέστος|του~Νέστου|τον~Νέστο|στον~Νέστο",
                  "ο~Έβρος|του~Έβρου|τον~Έβρο|στον~Έβρο", "ο~Αλφειός|του~Αλφειού|τον~Αλφειό|στον~Αλφειό",
                  "ο~Άραχθος|του~Άραχθου|τον~Άραχθο|στον~Άραχθο", "ο~Λούρος|του~Λούρου|τον~Λούρο|στον~Λούρο",
                  "ο~Ευρώτας|του~Ευρώτα|τον~Ευρώτα|στον~Ευρώτα", "ο~Σπερχειός|του~Σπερχειού|τον~Σπερχειό|στον~Σπερχειό"],
        "region": ["η~Θεσσαλία|της~Θεσσαλίας|στη~Θεσσαλία", "η~Μακεδονία|της~Μακεδονίας|στη~Μακεδονία",
                   "η~Ήπειρος|της~Ηπείρου|στην~Ήπειρο", "η~Πελοπόννησος|της~Πελοποννήσου|στην~Πελοπόννησο",
                   "η~Κρήτη|της~Κρήτης|στην~Κρήτη", "η~Θράκη|της~Θράκης|στη~Θράκη",
                   "η~Στερεά Ελλάδα|της~Στερεάς Ελλάδας|στη~Στερεά Ελλάδα", "η~Αττική|της~Αττικής|στην~Αττική",
                   "η~Εύβοια|της~Εύβοιας|στην~Εύβοια", "η~Αιτωλοακαρνανία|της~Αιτωλοακαρνανίας|στην~Αιτωλοακαρνανία",
                   "η~Αρκαδία|της~Αρκαδίας|στην~Αρκαδία", "η~Χαλκιδική|της~Χαλκιδικής|στη~Χαλκιδική"],
        "country": [greek_feminine(c) for c in ("Γαλλία", "Γερμανία", "Ιταλία", "Ισπανία", "Τουρκία", "Αυστρία",
                                                "Ρωσία", "Αυστραλία", "Βραζιλία")]
        + ["η~Αίγυπτος|της~Αιγύπτου|την~Αίγυπτο|στην~Αίγυπτο", "η~Κύπρος|της~Κύπρου|την~Κύπρο|στην~Κύπρο",
           "ο~Καναδάς|του~Καναδά|τον~Καναδά|στον~Καναδά",
           "η~Νότια Αφρική|της~Νότιας Αφρικής|τη~Νότια Αφρική|στη~Νότια Αφρική",
           "το~Ηνωμένο Βασίλειο|του~Ηνωμένου Βασιλείου|το~Ηνωμένο Βασίλειο|στο~Ηνωμένο Βασίλειο"],
        "uni": [f"το~{u}|του~{g}|στο~{u}" for u, g in (
            ("Πανεπιστήμιο Αθηνών", "Πανεπιστημίου Αθηνών"), ("Πανεπιστήμιο Πατρών", "Πανεπιστημίου Πατρών"),
            ("Πανεπιστήμιο Ιωαννίνων", "Πανεπιστημίου Ιωαννίνων"), ("Πανεπιστήμιο Κρήτης", "Πανεπιστημίου Κρήτης"),
            ("Πανεπιστήμιο Μακεδονίας", "Πανεπιστημίου Μακεδονίας"), ("Πανεπιστήμιο Θεσσαλίας", "Πανεπιστημίου Θεσσαλίας"),
            ("Αριστοτέλειο Πανεπιστήμιο Θεσσαλονίκης", "Αριστοτελείου Πανεπιστημίου Θεσσαλονίκης"),
            ("Εθνικό Μετσόβιο Πολυτεχνείο", "Εθνικού Μετσόβιου Πολυτεχνείου"))],
        "prof": ["φυσικός|η~φυσική|τη~φυσική", "χημικός|η~χημεία|τη~χημεία", "ζωγράφος|η~ζωγραφική|τη~ζωγραφική",
                 "συγγραφέας|η~λογοτεχνία|τη~λογοτεχνία", "αρχιτέκτονας|η~αρχιτεκτονική|την~αρχιτεκτονική",
                 "[συνθέτης|συνθέτρια]|η~μουσική|τη~μουσική", "ιστορικός|η~ιστορία|την~ιστορία",
                 "μηχανικός|η~μηχανική|τη~μηχανική", "[γλύπτης|γλύπτρια]|η~γλυπτική|τη~γλυπτική",
                 "δημοσιογράφος|η~δημοσιογραφία|τη~δημοσιογραφία", "βοτανολόγος|η~βοτανική|τη~βοτανική",
                 "μαθηματικός|τα~μαθηματικά|τα~μαθηματικά", "γεωλόγος|η~γεωλογία|τη~γεωλογία",
                 "φωτογράφος|η~φωτογραφία|τη~φωτογραφία", "αστρονόμος|η~αστρονομία|την~αστρονομία"],
        "adj": ["μικρή", "παλιά", "ήσυχη", "ιστορική", "γραφική", "ακμάζουσα"],
        "industry": ["υφάσματα|υφασμάτων", "χαρτί|χαρτιού", "γυαλί|γυαλιού", "πορσελάνη|πορσελάνης",
                     "έπιπλα|επίπλων", "μηχανήματα|μηχανημάτων", "ποδήλατα|ποδηλάτων", "ρολόγια|ρολογιών",
                     "σοκολάτα|σοκολάτας", "εκτυπωτικά μηχανήματα|εκτυπωτικών μηχανημάτων", "πλοία|πλοίων",
                     "φάρμακα|φαρμάκων", "ηλεκτρικό υλικό|ηλεκτρικού υλικού", "δερμάτινα είδη|δερμάτινων ειδών",
                     "οπτικά όργανα|οπτικών οργάνων"],
        "building": ["ο βυζαντινός ναός", "το παλιό δημαρχείο", "το πέτρινο γεφύρι", "ο σιδηροδρομικός σταθμός",
                     "η σκεπαστή αγορά", "η δημοτική βιβλιοθήκη", "το γυμνάσιο", "ο ανεμόμυλος",
                     "τα ερείπια του κάστρου", "το λαογραφικό μουσείο", "ο υδατόπυργος", "η παλιά μονή"],
        "work": ["Το φως του βορρά", "Το ήσυχο λιμάνι", "Χειμωνιάτικα χωράφια", "Μελέτες για τους κρυστάλλους",
                 "Ο βόρειος δρόμος", "Τραγούδια της κοιλάδας", "Για το νερό που τρέχει", "Το γυάλινο σπίτι",
                 "Γράμματα από την ακτή", "Επτά γέφυρες", "Η χρονιά των γερανών", "Παρατηρήσεις του ουρανού"],
        "town": [greek_feminine(t) for t in ("Λευκόβρυση", "Πλατανούσα", "Ελαιόπολη", "Δαφνούλα", "Καστανέα",
                                             "Μυρτιά", "Κερασιά", "Ασπρόλιθη", "Ροδόπολη", "Αμπελιά", "Καλαμούλα",
                                             "Πευκόπολη", "Βελανιδιά", "Κρανιά", "Λιθόπολη", "Αγριλιά", "Φτελιά")],
        "org": ["«Αστέρας»", "«Ορίζων»", "«Πήγασος»", "«Αιγαίο»", "«Ήλιος»", "«Κύμα»", "«Ολυμπία»", "«Αρμονία»",
                "«Πρόοδος»", "«Φάρος»", "«Δελφίνι»", "«Ίριδα»", "«Νηρέας»", "«Ταΰγετος»", "«Ερμής»", "«Αθηνά»"],
        "ner_org": ["ο~Ολυμπιακός|του~Ολυμπιακού|τον~Ολυμπιακό|στον~Ολυμπιακό",
                    "ο~Παναθηναϊκός|του~Παναθηναϊκού|τον~Παναθηναϊκό|στον~Παναθηναϊκό",
                    "η~Εθνική Τράπεζα|της~Εθνικής Τράπεζας|την~Εθνική Τράπεζα|στην~Εθνική Τράπεζα",
                    "ο~ΟΤΕ|του~ΟΤΕ|τον~ΟΤΕ|στον~ΟΤΕ", "η~ΔΕΗ|της~ΔΕΗ|τη~ΔΕΗ|στη~ΔΕΗ",
                    "η~ΑΕΚ|της~ΑΕΚ|την~ΑΕΚ|στην~ΑΕΚ", "ο~ΠΑΟΚ|του~ΠΑΟΚ|τον~ΠΑΟΚ|στον~ΠΑΟΚ",
                    "το~Πανεπιστήμιο Αθηνών|του~Πανεπιστημίου Αθηνών|το~Πανεπιστήμιο Αθηνών|στο~Πανεπιστήμιο Αθηνών",
                    "η~Βουλή των Ελλήνων|της~Βουλής των Ελλήνων|τη~Βουλή των Ελλήνων|στη~Βουλή των Ελλήνων",
                    "η~Τράπεζα της Ελλάδος|της~Τράπεζας της Ελλάδος|την~Τράπεζα της Ελλάδος|στην~Τράπεζα της Ελλάδος",
                    "το~Μέγαρο Μουσικής|του~Μεγάρου Μουσικής|το~Μέγαρο Μουσικής|στο~Μέγαρο Μουσικής"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Πληροφορίες προσώπου\n| όνομα = $title\n| εικόνα = $image\n| ημερομηνία_γέννησης = $born\n"
                       "| τόπος_γέννησης = $city.bare\n| ημερομηνία_θανάτου = $died\n| τόπος_θανάτου = $city2.bare\n"
                       "| ιδιότητα = $prof\n}}",
            "lead": (
                ["[Ο|Η] $name ($city.bare, $born – $city2.bare, $died) ήταν [Έλληνας|Ελληνίδα] $prof.",
                 "[Ο|Η] $name ($born – $died) ήταν [Έλληνας|Ελληνίδα] $prof και [δάσκαλος|δασκάλα] από $city.acc."],
                ["Έγινε [γνωστός|γνωστή] κυρίως από το βιβλίο «$work», που κυκλοφόρησε το $year3.",
                 "Σε όλη τη ζωή [του|της] ασχολήθηκε με $prof.facc και τη διδασκαλία."],
            ),
            "sections": [
                ("Βιογραφία", [
                    "Γεννήθηκε $city.loc το $born και μεγάλωσε $region.loc.",
                    "Ο πατέρας [του|της] ήταν έμπορος και η μητέρα [του|της] δίδασκε στο σχολείο του χωριού.",
                    "Από [μικρός|μικρή] συνέλεγε πέτρες, φυτά, παλιά νομίσματα κ.λπ. και κρατούσε λεπτομερείς σημειώσεις.",
                    "Από το $year1 σπούδασε $prof.facc $uni.loc.",
                    "Το $year1 ταξίδεψε $country.loc και $country2.loc.",
                    "Μετά τις σπουδές [του|της] εργάστηκε για αρκετά χρόνια ως $prof $city2.loc.",
                ]),
                ("Σταδιοδρομία", [
                    "Το $year3 δημοσίευσε το βιβλίο «$work», που γνώρισε μεγάλη επιτυχία $country.loc.",
                    "Οι κριτικοί επαίνεσαν τη σαφήνεια του ύφους και την ακρίβεια των παρατηρήσεων.",
                    "Αργότερα έγινε μέλος πολλών επιστημονικών εταιρειών και έδωσε διαλέξεις $city3.loc.",
                    "Στους μαθητές [του|της] συγκαταλέγεται και $person.",
                    "Για πολλά χρόνια έζησε σε ένα μικρό σπίτι στις όχθες $river.gen, όπου έγραψε τα περισσότερα βιβλία [του|της].",
                    "Το δεύτερο σημαντικό έργο [του|της], «$work2», κυκλοφόρησε λίγα χρόνια αργότερα.",
                ]),
                ("Τελευταία χρόνια", [
                    "Οι σύγχρονοί [του|της] [τον|την] περιέγραφαν ως υπομονετικό, μετριοπαθή και εξαιρετικά ακριβή άνθρωπο.",
                    "[Ο|Η] $surname πέθανε $city2.loc το $died, σε ηλικία $age ετών.",
                    "Το αρχείο [του|της] φυλάσσεται στη βιβλιοθήκη $uni.gen.",
                    "Το $later ένας δρόμος $city.gen πήρε το όνομά [του|της].",
                    "Η πρώτη πλήρης βιογραφία [του|της] κυκλοφόρησε το $later.",
                ]),
            ],
            "caption": "[Ο|Η] $name το $year4",
            "list": ("Έργα", None, ["«$work» ($year3)", "«$work2» ($year4)", "«$work3» ($year5)"]),
            "table": ("Χρονολόγιο", "Ο πίνακας παρουσιάζει τις σημαντικότερες ημερομηνίες της ζωής [του|της].",
                      ["Έτος", "Γεγονός"],
                      [["$born", "Γέννηση $city.loc"], ["$year1", "Σπουδές $uni.loc"],
                       ["$year3", "Έκδοση του «$work»"], ["$died", "Θάνατος $city2.loc"]]),
            "categories": ["Γεννήσεις το $born", "Θάνατοι το $died"],
        },
        "town": {
            "infobox": "{{Πληροφορίες οικισμού\n| όνομα = $title\n| εικόνα = $image\n| περιφέρεια = $region.bare\n"
                       "| πληθυσμός = $pop <!-- απογραφή -->\n| έκταση = $area\n| υψόμετρο = $elev\n}}",
            "lead": (
                ["$name είναι $adj πόλη $region.gen, κοντά $river.loc.",
                 "$name είναι $adj πόλη στις όχθες $river.gen, $region.loc."],
                ["Βρίσκεται περίπου $num χιλιόμετρα από $city.acc και έχει $pop κατοίκους.",
                 "Σύμφωνα με την τελευταία απογραφή, η πόλη είχε $pop κατοίκους."],
            ),
            "sections": [
                ("Ιστορία", [
                    "Ο οικισμός αναφέρεται για πρώτη φορά σε έγγραφο του $founded.",
                    "Κατά τον Μεσαίωνα αναπτύχθηκε γύρω από μια αγορά, έναν μύλο και ένα πέρασμα του ποταμού.",
                    "Το $year1 η πόλη απέκτησε το δικαίωμα να διοργανώνει εβδομαδιαία αγορά.",
                    "Μεγάλη πυρκαγιά κατέστρεψε μέρος της παλιάς πόλης το $year2.",
                    "Ο σιδηρόδρομος από $city.acc έφτασε στην πόλη το $year3 και κοντά στον σταθμό χτίστηκαν νέα εργοστάσια.",
                    "Τον 19ο αι. ο πληθυσμός αυξήθηκε γρήγορα, κυρίως λόγω της κλωστοϋφαντουργίας.",
                    "Το $year4 προσαρτήθηκαν στον δήμο αρκετά γειτονικά χωριά.",
                ]),
                ("Γεωγραφία", [
                    "$name βρίσκεται σε μια πλατιά κοιλάδα, σε υψόμετρο $elev μέτρων.",
                    "Η γύρω περιοχή χρησιμοποιείται κυρίως για γεωργία, κτηνοτροφία κ.λπ. και είναι δημοφιλής στους πεζοπόρους.",
                    "Οι πλησιέστερες μεγάλες πόλεις είναι $city και $city2.",
                    "Ο δήμος έχει έκταση $area τετραγωνικά χιλιόμετρα.",
                    "Μέσα από την πόλη κυλούν αρκετά μικρά ρέματα.",
                ]),
                ("Οικονομία", [
                    "Στις παραδοσιακές δραστηριότητες περιλαμβάνονται η ζυθοποιία, η υφαντική και η παραγωγή $industry.gen.",
                    "Σήμερα οι περισσότεροι κάτοικοι εργάζονται στο εμπόριο, στις υπηρεσίες και στον τουρισμό.",
                    "Ο μεγαλύτερος εργοδότης της πόλης είναι μια επιχείρηση που παράγει $industry2.",
                    "Κάθε Σάββατο γίνεται λαϊκή αγορά στην κεντρική πλατεία.",
                    "Πολλοί κάτοικοι εργάζονται $city.loc.",
                ]),
            ],
            "caption": "Άποψη $name.gen το $year5",
            "list": ("Αξιοθέατα", "Στην πόλη σώζονται αρκετά διατηρητέα κτίρια.", ["$building", "$building2", "$building3"]),
            "table": ("Πληθυσμός", "Ο πίνακας δείχνει την εξέλιξη του πληθυσμού.", ["Έτος", "Πληθυσμός"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["Πόλεις $region.gen"],
        },
        "org": {
            "infobox": "{{Πληροφορίες εταιρείας\n| όνομα = $title\n| λογότυπο = $image\n| ίδρυση = $founded\n"
                       "| ιδρυτής = $person.bare\n| έδρα = $city.bare\n| υπάλληλοι = $staff\n| προϊόντα = $industry\n}}",
            "lead": (
                ["Η εταιρεία $name είναι ελληνική επιχείρηση με έδρα $city.loc, που παράγει $industry.",
                 "Η εταιρεία $name είναι ελληνικός κατασκευαστής $industry.gen με έδρα $city.loc."],
                ["Ιδρύθηκε το $founded και απασχολεί περίπου $staff εργαζόμενους.",
                 "Η εταιρεία απασχολεί περίπου $staff άτομα και πουλά τα προϊόντα της σε περισσότερες από $num χώρες."],
            ),
            "sections": [
                ("Ιστορία", [
                    "Η επιχείρηση ξεκίνησε το $founded ως μικρό εργαστήριο στο κέντρο $city.gen.",
                    "[Ο ιδρυτής|Η ιδρύτρια] της, $person.bare, είχε εργαστεί στο παρελθόν σε μεγάλη εταιρεία $city2.gen.",
                    "Το $year1 το εργαστήριο μεταφέρθηκε σε νέο κτίριο στις όχθες $river.gen.",
                    "Το $year2 η εταιρεία απασχολούσε ήδη $staff1 άτομα και εξήγαγε προϊόντα $country.loc.",
                    "Κατά την οικονομική κρίση του $year3 βρέθηκε στα πρόθυρα της χρεοκοπίας, αλλά τη διέσωσε ένα δάνειο από τοπική τράπεζα.",
                    "Το $year4 άνοιξε δεύτερο εργοστάσιο $city2.loc.",
                    "Το $year5 εγκαινιάστηκαν τα νέα γραφεία της $city.loc.",
                ]),
                ("Προϊόντα", [
                    "Τα κύρια προϊόντα της είναι $industry, ανταλλακτικά, εργαλεία κ.λπ. για πελάτες $country.loc και $country2.loc.",
                    "Το $year3 η εταιρεία παρουσίασε μια νέα σειρά προϊόντων που γνώρισε μεγάλη εμπορική επιτυχία.",
                    "Τα σχέδιά της έχουν βραβευτεί σε εμπορικές εκθέσεις $city3.gen.",
                    "Τα περισσότερα προϊόντα συναρμολογούνται ακόμη με το χέρι στο εργοστάσιο $city.gen.",
                    "Περίπου το μισό της ετήσιας παραγωγής πωλείται στο εξωτερικό.",
                ]),
            ],
            "caption": "Τα γραφεία της εταιρείας $city.loc",
            "list": ("Εγκαταστάσεις", "Η εταιρεία διαθέτει εγκαταστάσεις σε αρκετές πόλεις.",
                     ["$city.bare", "$city2.bare", "$city3.bare"]),
            "table": ("Προσωπικό", "Ο αριθμός των εργαζομένων αυξήθηκε με τα χρόνια.", ["Έτος", "Εργαζόμενοι"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Εταιρείες που ιδρύθηκαν το $founded"],
        },
    },
    "lexicon": {
        **{word: "DET" for word in ("ο", "η", "το", "οι", "τα", "του", "της", "των", "τον", "την", "τη", "τις")},
        **{f"σ{article}": f"ADP+DET:σ+{article}" for article in ("τον", "την", "τη", "το", "τα", "τις")},
    },
    "ner_templates": [
        "$PER γεννήθηκε_VERB $CITY.loc το_DET $YEAR ._PUNCT",
        "$PER εργάζεται_VERB $ORG.loc από_ADP το_DET $YEAR ._PUNCT",
        "Το_DET $YEAR $ORG.nom άνοιξε_VERB νέο_ADJ γραφείο_NOUN $CITY.loc ._PUNCT",
        "$PER και_CCONJ $PER συναντήθηκαν_VERB $CITY.loc ._PUNCT",
        "$ORG.nom ιδρύθηκε_VERB το_DET $YEAR $CITY.loc ._PUNCT",
        "Μετά_ADP τον_DET πόλεμο_NOUN $PER μετακόμισε_VERB από_ADP $CITY.acc $COUNTRY.loc ._PUNCT",
        "Όπως_SCONJ δήλωσε_VERB $PER ,_PUNCT $ORG.nom θα_PART χτίσει_VERB εργοστάσιο_NOUN κοντά_ADV $CITY.loc ._PUNCT",
        "$PER σπούδασε_VERB ιστορία_NOUN $CITY.loc και_CCONJ στη_ADP+DET:σ+τη συνέχεια_NOUN εργάστηκε_VERB $ORG.loc ._PUNCT",
        "Η_DET παλιά_ADJ γέφυρα_NOUN $CITY.gen αναστηλώθηκε_VERB το_DET $YEAR ._PUNCT",
        "$ORG.nom υπέγραψε_VERB τη_DET Δευτέρα_NOUN συμφωνία_NOUN με_ADP $ORG.acc ._PUNCT",
        "Κάθε_DET καλοκαίρι_NOUN χιλιάδες_NOUN τουρίστες_NOUN επισκέπτονται_VERB $COUNTRY.acc ._PUNCT",
        "$PER ,_PUNCT πρώην_ADV [παίκτης|παίκτρια]_NOUN $ORG.gen ,_PUNCT ζει_VERB σήμερα_ADV $COUNTRY.loc ._PUNCT",
    ],
}

FI = {
    "code": "fi",
    "sitename": "Wikipedia",
    "main_page": "Wikipedia:Etusivu",
    "namespaces": namespaces(
        ("Media", "Toiminnot", "", "Keskustelu", "Käyttäjä", "Keskustelu käyttäjästä", "Wikipedia",
         "Keskustelu Wikipediasta", "Tiedosto", "Keskustelu tiedostosta", "Järjestelmäviesti",
         "Keskustelu järjestelmäviestistä", "Malline", "Keskustelu mallineesta", "Ohje", "Keskustelu ohjeesta",
         "Luokka", "Keskustelu luokasta"),
        {100: "Teemasivu", 101: "Keskustelu teemasivusta", 828: "Moduuli", 829: "Keskustelu moduulista"},
    ),
    "forms": {"city": ("nom", "gen", "loc", "ela"), "river": ("nom", "gen"), "region": ("nom", "gen", "loc"),
              "country": ("nom", "gen", "loc", "ela", "ill"), "uni": ("nom", "gen", "loc"),
              "prof": ("nom", "ess", "fpar", "fgen"), "industry": ("par", "gen"), "town": ("nom", "gen", "loc", "ela"),
              "org": ("nom", "gen", "loc"), "ner_org": ("nom", "gen", "loc")},
    "labels": {
        "thousands": " ", "person_article": None, "org_title": "{}", "org_redirect": "{} (yritys)",
        "town_suffix": "(kaupunki)", "file": "Tiedosto", "thumb": "pienoiskuva", "references": "Lähteet",
        "reflist": "{{Viitteet}}", "see_also": "Katso myös", "footer": "{{Auktoriteettitunnisteet}}",
        "category": "Luokka", "redirect": "#OHJAUS", "redirect_template": "",
        "disambig_lead": "{} voi tarkoittaa seuraavia henkilöitä:", "disambig_template": "{{Täsmennyssivu}}",
        "cite_book": "{{Kirjaviite |Tekijä=$surname2 |Nimeke=$work3 |Vuosi=$year3 |Julkaisupaikka=$city3.bare}}",
        "cite_web": "{{Verkkoviite |Osoite=$url |Nimeke=$title |Luettu=$access}}",
        "talk": "== Asukasluku ==\nMistä asukasluku on peräisin? Lähde näyttää vanhentuneelta. ~~~~",
        "user": "Kirjoitan enimmäkseen paikallishistoriasta ja maantieteestä.",
        "project": ("Tietoja", "'''Wikipedia''' on vapaa verkkotietosanakirja, jota kuka tahansa voi muokata."),
        "category_text": "Artikkeleita tämän maakunnan paikkakunnista.",
    },
    "vocab": {
        "first_m": ["Matti", "Juhani", "Pekka", "Mikko", "Antti", "Kalle", "Eero", "Lauri", "Ville", "Heikki",
                    "Tapio", "Olli"],
        "first_f": ["Aino", "Helmi", "Kaisa", "Liisa", "Elina", "Anna", "Sanna", "Tuula", "Marjatta", "Riitta",
                    "Hanna", "Laura"],
        "surname": ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
                    "Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä",
                    "Kinnunen", "Salonen", "Turunen", "Lindqvist"],
        "city": ["Helsinki|Helsingin|Helsingissä|Helsingistä", "Tampere|Tampereen|Tampereella|Tampereelta",
                 "Turku|Turun|Turussa|Turusta", "Oulu|Oulun|Oulussa|Oulusta",
                 "Jyväskylä|Jyväskylän|Jyväskylässä|Jyväskylästä", "Kuopio|Kuopion|Kuopiossa|Kuopiosta",
                 "Lahti|Lahden|Lahdessa|Lahdesta", "Pori|Porin|Porissa|Porista", "Vaasa|Vaasan|Vaasassa|Vaasasta",
                 "Joensuu|Joensuun|Joensuussa|Joensuusta", "Rovaniemi|Rovaniemen|Rovaniemellä|Rovaniemeltä",
                 "Kotka|Kotkan|Kotkassa|Kotkasta", "Hämeenlinna|Hämeenlinnan|Hämeenlinnassa|Hämeenlinnasta",
                 "Savonlinna|Savonlinnan|Savonlinnassa|Savonlinnasta", "Tukholma|Tukholman|Tukholmassa|Tukholmasta",
                 "Pietari|Pietarin|Pietarissa|Pietarista", "Tallinna|Tallinnan|Tallinnassa|Tallinnasta",
                 "Lappeenranta|Lappeenrannan|Lappeenrannassa|Lappeenrannasta", "Mikkeli|Mikkelin|Mikkelissä|Mikkelistä",
                 "New York|New Yorkin|New Yorkissa|New Yorkista",
                 "Los Angeles|Los Angelesin|Los Angelesissa|Los Angelesista"],
        "river": ["Kymijoki|Kymijoen", "Kokemäenjoki|Kokemäenjoen", "Oulujoki|Oulujoen", "Kemijoki|Kemijoen",
                  "Tornionjoki|Tornionjoen", "Vantaanjoki|Vantaanjoen", "Aurajoki|Aurajoen", "Porvoonjoki|Porvoonjoen",
                  "Iijoki|Iijoen", "Kalajoki|Kalajoen", "Lapuanjoki|Lapuanjoen", "Pielisjoki|Pielisjoen"],
        "region": ["Pirkanmaa|Pirkanmaan|Pirkanmaalla", "Uusimaa|Uudenmaan|Uudellamaalla",
                   "Satakunta|Satakunnan|Satakunnassa", "Pohjanmaa|Pohjanmaan|Pohjanmaalla", "Savo|Savon|Savossa",
                   "Karjala|Karjalan|Karjalassa", "Häme|Hämeen|Hämeessä", "Lappi|Lapin|Lapissa",
                   "Kainuu|Kainuun|Kainuussa", "Varsinais-Suomi|Varsinais-Suomen|Varsinais-Suomessa",
                   "Keski-Suomi|Keski-Suomen|Keski-Suomessa", "Kymenlaakso|Kymenlaakson|Kymenlaaksossa"],
        "country": ["Ruotsi|Ruotsin|Ruotsissa|Ruotsista|Ruotsiin", "Norja|Norjan|Norjassa|Norjasta|Norjaan",
                    "Saksa|Saksan|Saksassa|Saksasta|Saksaan", "Ranska|Ranskan|Ranskassa|Ranskasta|Ranskaan",
                    "Italia|Italian|Italiassa|Italiasta|Italiaan", "Espanja|Espanjan|Espanjassa|Espanjasta|Espanjaan",
                    "Viro|Viron|Virossa|Virosta|Viroon", "Venäjä|Venäjän|Venäjällä|Venäjältä|Venäjälle",
                    "Kanada|Kanadan|Kanadassa|Kanadasta|Kanadaan", "Japani|Japanin|Japanissa|Japanista|Japaniin",
                    "Egypti|Egyptin|Egyptissä|Egyptistä|Egyptiin",
                    "Brasilia|Brasilian|Brasiliassa|Brasiliasta|Brasiliaan",
                    "Uusi-Seelanti|Uuden-Seelannin|Uudessa-Seelannissa|Uudesta-Seelannista|Uuteen-Seelantiin",
                    "Yhdysvallat|Yhdysvaltojen|Yhdysvalloissa|Yhdysvalloista|Yhdysvaltoihin",
                    "Costa Rica|Costa Rican|Costa Ricassa|Costa Ricasta|Costa Ricaan"],
        "uni": ["Helsingin yliopisto|Helsingin yliopiston|Helsingin yliopistossa",
                "Turun yliopisto|Turun yliopiston|Turun yliopistossa", "Åbo Akademi|Åbo Akademin|Åbo Akademissa",
                "Tampereen yliopisto|Tampereen yliopiston|Tampereen yliopistossa",
                "Oulun yliopisto|Oulun yliopiston|Oulun yliopistossa",
                "Jyväskylän yliopisto|Jyväskylän yliopiston|Jyväskylän yliopistossa",
                "Teknillinen korkeakoulu|Teknillisen korkeakoulun|Teknillisessä korkeakoulussa",
                "Uppsalan yliopisto|Uppsalan yliopiston|Uppsalan yliopistossa"],
        "prof": ["fyysikko|fyysikkona|fysiikkaa|fysiikan", "kemisti|kemistinä|kemiaa|kemian",
                 "taidemaalari|taidemaalarina|maalaustaidetta|maalaustaiteen",
                 "kirjailija|kirjailijana|kirjallisuutta|kirjallisuuden",
                 "arkkitehti|arkkitehtina|arkkitehtuuria|arkkitehtuurin", "säveltäjä|säveltäjänä|musiikkia|musiikin",
                 "historioitsija|historioitsijana|historiaa|historian", "insinööri|insinöörinä|tekniikkaa|tekniikan",
                 "kuvanveistäjä|kuvanveistäjänä|kuvanveistoa|kuvanveiston",
                 "toimittaja|toimittajana|journalismia|journalismin",
                 "kasvitieteilijä|kasvitieteilijänä|kasvitiedettä|kasvitieteen",
                 "matemaatikko|matemaatikkona|matematiikkaa|matematiikan", "geologi|geologina|geologiaa|geologian",
                 "valokuvaaja|valokuvaajana|valokuvausta|valokuvauksen",
                 "tähtitieteilijä|tähtitieteilijänä|tähtitiedettä|tähtitieteen"],
        "adj": ["pieni", "vanha", "rauhallinen", "historiallinen", "viehättävä", "vauras"],
        "industry": ["tekstiilejä|tekstiilien", "paperia|paperin", "lasia|lasin", "posliinia|posliinin",
                     "huonekaluja|huonekalujen", "koneita|koneiden", "polkupyöriä|polkupyörien", "kelloja|kellojen",
                     "suklaata|suklaan", "painokoneita|painokoneiden", "laivoja|laivojen", "lääkkeitä|lääkkeiden",
                     "sähkölaitteita|sähkölaitteiden", "nahkatuotteita|nahkatuotteiden",
                     "optisia laitteita|optisten laitteiden"],
        "building": ["goottilainen kirkko", "vanha raatihuone", "kivisilta", "rautatieasema", "kauppahalli",
                     "kaupunginkirjasto", "lukio", "tuulimylly", "linnan rauniot", "kotiseutumuseo", "vesitorni",
                     "entinen luostari"],
        "work": ["Pohjolan valo", "Hiljainen satama", "Talviset pellot", "Tutkielmia kiteistä", "Pohjoinen tie",
                 "Laakson lauluja", "Virtaavasta vedestä", "Lasitalo", "Kirjeitä rannikolta", "Seitsemän siltaa",
                 "Kurkien vuosi", "Taivaan havaintoja"],
        "town": ["Koivula|Koivulan|Koivulassa|Koivulasta", "Järvelä|Järvelän|Järvelässä|Järvelästä",
                 "Kuusimäki|Kuusimäen|Kuusimäellä|Kuusimäeltä", "Pihlajavesi|Pihlajaveden|Pihlajavedellä|Pihlajavedeltä",
                 "Kalliola|Kalliolan|Kalliolassa|Kalliolasta", "Harjula|Harjulan|Harjulassa|Harjulasta",
                 "Lehtoranta|Lehtorannan|Lehtorannassa|Lehtorannasta",
                 "Haukkaniemi|Haukkaniemen|Haukkaniemellä|Haukkaniemeltä",
                 "Sorsakoski|Sorsakosken|Sorsakoskella|Sorsakoskelta", "Mäntylahti|Mäntylahden|Mäntylahdessa|Mäntylahdesta",
                 "Tervaniemi|Tervaniemen|Tervaniemellä|Tervaniemeltä", "Kivijärvi|Kivijärven|Kivijärvellä|Kivijärveltä",
                 "Rautalampi|Rautalammen|Rautalammella|Rautalammelta", "Ahvenlahti|Ahvenlahden|Ahvenlahdessa|Ahvenlahdesta",
                 "Vuorela|Vuorelan|Vuorelassa|Vuorelasta", "Hirvikoski|Hirvikosken|Hirvikoskella|Hirvikoskelta",
                 "Peltola|Peltolan|Peltolassa|Peltolasta"],
        "org": [finnish_company(name) for name in (
            "Koivukone", "Järvilasi", "Pohjan Tekstiili", "Kuusiranta", "Revontuli", "Kalliosilta", "Aaltokone",
            "Honkapuu", "Lehtolan Mylly", "Sinisalo", "Harjun Paperi", "Rautaranta", "Meriluoto", "Kivikoski",
            "Hirvelä", "Tähtikello")],
        "ner_org": ["Nokia|Nokian|Nokialla", "Finnair|Finnairin|Finnairilla", "Kone|Koneen|Koneella",
                    "Fazer|Fazerin|Fazerilla", "Marimekko|Marimekon|Marimekolla", "Valmet|Valmetin|Valmetilla",
                    "Yleisradio|Yleisradion|Yleisradiossa", "Stora Enso|Stora Enson|Stora Ensolla",
                    "Helsingin yliopisto|Helsingin yliopiston|Helsingin yliopistossa",
                    "Suomen Pankki|Suomen Pankin|Suomen Pankissa",
                    "Tampereen yliopisto|Tampereen yliopiston|Tampereen yliopistossa",
                    "Kansallisteatteri|Kansallisteatterin|Kansallisteatterissa", "Wärtsilä|Wärtsilän|Wärtsilällä"],
    },
    "kinds": {
        "person": {
            "infobox": "{{Henkilö\n| nimi = $title\n| kuva = $image\n| syntynyt = $born $city\n"
                       "| kuollut = $died $city2\n| ammatti = $prof\n}}",
            "lead": (
                ["$name ($born $city – $died $city2) oli suomalainen $prof.",
                 "$name ($born–$died) oli suomalainen $prof ja opettaja, joka syntyi $city.loc."],
                ["Hänet tunnetaan erityisesti kirjastaan ''$work'', joka ilmestyi vuonna $year3.",
                 "Hän työskenteli koko uransa $prof.fgen ja opetustyön parissa."],
            ),
            "sections": [
                ("Elämä", [
                    "$name syntyi $city.loc vuonna $born ja kasvoi $region.loc.",
                    "Hänen isänsä oli kauppias ja äitinsä opetti kyläkoulussa.",
                    "Jo lapsena hän keräsi kiviä, kasveja, vanhoja kolikoita jne. ja piti niistä tarkkaa kirjaa.",
                    "Vuodesta $year1 alkaen hän opiskeli $prof.fpar $uni.loc.",
                    "Vuonna $year1 hän matkusti $country.loc ja $country2.loc.",
                    "Opintojensa jälkeen hän työskenteli useita vuosia $prof.ess $city2.loc.",
                ]),
                ("Ura", [
                    "Vuonna $year3 hän julkaisi teoksen ''$work'', joka sai laajaa huomiota $country.loc.",
                    "Arvostelijat kiittivät teoksen selkeää tyyliä ja tarkkoja havaintoja.",
                    "Myöhemmin hänestä tuli useiden tieteellisten seurojen jäsen, ja hän luennoi mm. $city3.loc.",
                    "Hänen oppilaisiinsa kuului $person.",
                    "Vuosien ajan hän asui pienessä talossa $river.gen rannalla, missä syntyi suurin osa hänen kirjoistaan.",
                    "Hänen toinen pääteoksensa ''$work2'' ilmestyi muutamaa vuotta myöhemmin.",
                ]),
                ("Myöhemmät vuodet", [
                    "Aikalaiset kuvasivat häntä kärsivälliseksi, vaatimattomaksi ja poikkeuksellisen tarkaksi ihmiseksi.",
                    "$surname kuoli $city2.loc vuonna $died $age vuoden iässä.",
                    "Hänen arkistonsa säilytetään $uni.gen kirjastossa.",
                    "Vuonna $later hänen mukaansa nimettiin katu $city.loc.",
                    "Hänen töitään on tutkittu myöhemmin paljon, esim. useissa väitöskirjoissa.",
                ]),
            ],
            "caption": "$name vuonna $year4",
            "list": ("Teoksia", None, ["''$work'' ($year3)", "''$work2'' ($year4)", "''$work3'' ($year5)"]),
            "table": ("Aikajana", "Taulukossa on hänen elämänsä tärkeimmät vaiheet.", ["Vuosi", "Tapahtuma"],
                      [["$born", "Syntyi $city.loc"], ["$year1", "Opinnot $uni.loc"],
                       ["$year3", "''$work'' ilmestyi"], ["$died", "Kuoli $city2.loc"]]),
            "categories": ["Vuonna $born syntyneet", "Vuonna $died kuolleet"],
        },
        "town": {
            "infobox": "{{Kaupunki\n| nimi = $title\n| kuva = $image\n| maakunta = $region\n"
                       "| asukasluku = $pop <!-- väestörekisteri -->\n| pinta-ala = $area\n| korkeus = $elev\n}}",
            "lead": (
                ["$name on $adj kaupunki $region.loc $river.gen rannalla.",
                 "$name on $adj kaupunki, joka sijaitsee $region.loc."],
                ["Se sijaitsee noin $num kilometrin päässä $city.ela, ja siellä asuu $pop ihmistä.",
                 "Viimeisimmän väestönlaskennan mukaan kaupungissa asui $pop ihmistä."],
            ),
            "sections": [
                ("Historia", [
                    "Paikkakunta mainitaan ensimmäisen kerran asiakirjassa vuodelta $founded.",
                    "Keskiajalla asutus kasvoi torin, myllyn ja joen ylityspaikan ympärille.",
                    "Vuonna $year1 paikkakunta sai oikeuden pitää viikoittaisia markkinoita.",
                    "Suuri tulipalo tuhosi osan vanhasta keskustasta vuonna $year2.",
                    "Rautatie $city.ela saapui kaupunkiin vuonna $year3, ja aseman lähelle rakennettiin uusia tehtaita.",
                    "Väkiluku kasvoi 1800-luvulla nopeasti, esim. tekstiiliteollisuuden ansiosta.",
                    "Vuonna $year4 kaupunkiin liitettiin useita naapurikyliä.",
                ]),
                ("Maantiede", [
                    "$name sijaitsee laajassa laaksossa $elev metrin korkeudessa merenpinnasta.",
                    "Ympäröivä alue on pääosin maa- ja metsätalouskäytössä, ja se on suosittu retkeilijöiden keskuudessa.",
                    "Lähimmät suuremmat kaupungit ovat $city ja $city2.",
                    "Kaupungin pinta-ala on $area neliökilometriä.",
                    "Kaupungin läpi virtaa useita pieniä puroja.",
                ]),
                ("Talous", [
                    "Perinteisiä elinkeinoja ovat olleet oluenpanimot, kutomot ja $industry.gen valmistus.",
                    "Nykyään suurin osa asukkaista työskentelee kaupan, palvelujen ja matkailun aloilla.",
                    "Kaupungin suurin työnantaja on yritys, joka valmistaa $industry2.",
                    "Torilla pidetään markkinat joka lauantai.",
                    "Monet asukkaat käyvät töissä $city.loc.",
                ]),
            ],
            "caption": "Näkymä $name.ela vuonna $year5",
            "list": ("Nähtävyyksiä", "Kaupungissa on useita suojeltuja rakennuksia.", ["$building", "$building2", "$building3"]),
            "table": ("Väestö", "Taulukossa esitetään väkiluvun kehitys.", ["Vuosi", "Asukkaita"],
                      [["$year3", "$pop1"], ["$year4", "$pop2"], ["$year5", "$pop3"], ["$census", "$pop"]]),
            "categories": ["$region.gen kunnat"],
        },
        "org": {
            "infobox": "{{Yritys\n| nimi = $title\n| logo = $image\n| perustettu = $founded\n| perustaja = $person\n"
                       "| kotipaikka = $city\n| henkilöstö = $staff\n| toimiala = $industry\n}}",
            "lead": (
                ["$name on suomalainen yritys, jonka kotipaikka on $city ja joka valmistaa $industry.",
                 "$name on $industry.gen valmistaja, jonka pääkonttori sijaitsee $city.loc."],
                ["Yrityksen perusti $person vuonna $founded, ja sen palveluksessa on noin $staff henkeä.",
                 "Yhtiöllä on noin $staff työntekijää, ja se myy tuotteitaan yli $num maahan."],
            ),
            "sections": [
                ("Historia", [
                    "Yritys aloitti toimintansa vuonna $founded pienenä verstaana $city.gen keskustassa.",
                    "Perustaja $person oli aiemmin työskennellyt suuremmassa yrityksessä $city2.loc.",
                    "Vuonna $year1 verstas muutti uuteen rakennukseen $river.gen rannalle.",
                    "Vuonna $year2 yrityksellä oli jo $staff1 työntekijää, ja sen tuotteita myytiin myös $country.loc.",
                    "Vuoden $year3 talouskriisin aikana yritys oli lähellä konkurssia, mutta paikallisen pankin laina pelasti sen.",
                    "Vuonna $year4 yritys avasi toisen tehtaan $city2.loc.",
                    "Uusi pääkonttori valmistui $city.loc vuonna $year5.",
                ]),
                ("Tuotteet", [
                    "Yritys valmistaa $industry, varaosia, työkaluja jne. asiakkaille $country.loc ja $country2.loc.",
                    "Vuonna $year3 yritys toi markkinoille uuden tuotesarjan, josta tuli kaupallinen menestys.",
                    "Sen tuotteet ovat saaneet useita palkintoja messuilla $city3.loc.",
                    "Suurin osa tuotteista kootaan edelleen käsin $city.gen tehtaalla.",
                    "Noin puolet vuosituotannosta myydään ulkomaille.",
                ]),
            ],
            "caption": "Yrityksen pääkonttori $city.loc",
            "list": ("Toimipaikat", "Yrityksellä on toimipaikkoja useissa kaupungeissa.", ["$city", "$city2", "$city3"]),
            "table": ("Henkilöstö", "Työntekijöiden määrä on kasvanut vuosien mittaan.", ["Vuosi", "Työntekijöitä"],
                      [["$year2", "$staff1"], ["$year4", "$staff2"], ["$year5", "$staff3"]]),
            "categories": ["Suomalaiset yritykset", "Vuonna $founded perustetut yritykset"],
        },
    },
    "lexicon": {word: "NOUN" for word in ("yliopisto", "yliopiston", "yliopistossa")},
    "ner_templates": [
        "$PER syntyi_VERB $CITY.loc vuonna_NOUN $YEAR ._PUNCT",
        "$PER työskentelee_VERB $ORG.loc vuodesta_NOUN $YEAR alkaen_ADP ._PUNCT",
        "Vuonna_NOUN $YEAR $ORG.nom avasi_VERB uuden_ADJ toimiston_NOUN $CITY.loc ._PUNCT",
        "$PER ja_CCONJ $PER tapasivat_VERB $CITY.loc ._PUNCT",
        "$ORG.gen perusti_VERB $PER vuonna_NOUN $YEAR ._PUNCT",
        "Sodan_NOUN jälkeen_ADP $PER muutti_VERB $CITY.ela $COUNTRY.ill ._PUNCT",
        "Toimitusjohtaja_NOUN $PER kertoi_VERB ,_PUNCT että_SCONJ $ORG.nom rakentaa_VERB tehtaan_NOUN $CITY.gen lähelle_ADP ._PUNCT",
        "$PER opiskeli_VERB historiaa_NOUN $CITY.loc ja_CCONJ työskenteli_VERB sitten_ADV $ORG.loc ._PUNCT",
        "$CITY.gen vanha_ADJ silta_NOUN korjattiin_VERB vuonna_NOUN $YEAR ._PUNCT",
        "$ORG.nom ja_CCONJ $ORG.nom allekirjoittivat_VERB sopimuksen_NOUN maanantaina_NOUN ._PUNCT",
        "Kesäisin_ADV $COUNTRY.loc vierailee_VERB paljon_ADV matkailijoita_NOUN ._PUNCT",
        "$PER ,_PUNCT $ORG.gen entinen_ADJ työntekijä_NOUN ,_PUNCT asuu_VERB nykyään_ADV $COUNTRY.loc ._PUNCT",
    ],
}

LANGUAGES = {lang["code"]: lang for lang in (EN, DE, FR, ES, RU, EL, FI)}
