"""Wikitext articles (biographies, towns, companies) and the pages around them, from a language's templates.

Each article binds its subject, dates and numbers and every vocabulary value its templates
use, so "$city" names the same town throughout; its wikitext has what real articles have
(infobox, links, references, sections, a list, a table, categories). Around the articles:
redirects, a disambiguation page and the talk, user, project, template and category pages
that text extraction must skip.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from urllib.parse import quote

from mtickets.errors import MticketsError
from mtickets.formats.wikipedia_dump import Page
from mtickets.testdata.language_data import TEXT_FIXES
from mtickets.testdata.templates import (
    SLOT_RE, Person, capitalize, entry_forms, join_prefix, make_person, person_value, resolve_gender, rng_for,
    select_form, split_prefix,
)

# Articles per language and kind; together ~50 articles, a few hundred sentences each language.
ARTICLES_PER_KIND = {"person": 17, "town": 17, "org": 16}
# Vocabulary categories whose first mention in an article becomes a wikilink (sometimes).
LINKABLE = frozenset({"city", "river", "region", "country", "uni", "prof"})
LINK_PROBABILITY = 0.6


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
