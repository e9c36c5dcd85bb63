"""XTREME-format fixtures: tagged sentences from a language's templates, as PAN-X and CoNLL-U text.

In fixture templates every word is `word_UPOS` (a contraction `word_ADP+DET:in+dem`: the
syntactic words UD splits it into) and the slots' fillers carry their entity type, so the
tags are correct by construction: within names capitalised words are PROPN and function
words keep their own tag.
"""

from __future__ import annotations

import dataclasses
import random

from mtickets.errors import MticketsError
from mtickets.testdata.templates import (
    ALT_RE, NER_SLOT_RE, capitalize, make_person, person_value, resolve_gender, rng_for, select_form, split_prefix,
)

# Fixture split sizes (sentences) per language and task; above the 80/20/20 the demo needs.
SPLIT_SIZES = {"train": 160, "dev": 40, "test": 40}
UPOS = frozenset(
    "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
)
NER_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")


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
