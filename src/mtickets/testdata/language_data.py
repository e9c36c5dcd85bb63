"""The demo's language data: one YAML file per language, read as package data.

The files are `languages/{code}.yaml` next to this module (src/mtickets/testdata/languages/).
Each holds the wiki's site name and namespaces, `labels` (wikitext keywords and
boilerplate), `forms`, `vocab`, the article templates per kind (`kinds`: person, town, org)
and the tagged fixture templates (`ner_templates`, with their `lexicon`). Editing them:

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

Then run `mtickets make-demo` and commit the new `resources/demo`: `tests/test_demo_data.py`
checks that it is what the generator writes. A new language also needs its code in
`LANGUAGE_CODES`.
"""

from __future__ import annotations

import re
from importlib import resources

import yaml

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
