"""The demo's template language: slots, inflected forms, gender agreement, people and seeded streams.

Article templates fill `$slot` (a vocabulary category or an article fact), `$slot2` (a
second, different value) and `$slot.form`; fixture templates fill `$PER`, `$ORG`, `$CITY`,
`$COUNTRY` and `$YEAR`. A vocabulary entry lists its inflected forms separated by "|";
"prefix~body" marks the prefix (article, preposition) as ordinary text; "[m|f]"
alternations agree with a person's gender (``testdata.language_data`` describes the files).
"""

from __future__ import annotations

import dataclasses
import random
import re

from mtickets.errors import MticketsError

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


def rng_for(seed: int, *parts: str) -> random.Random:
    """An independent, reproducible stream per purpose (string seeds are hashed with SHA-512)."""
    return random.Random(":".join([str(seed), *parts]))


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
