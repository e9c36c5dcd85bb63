"""Language families, genera and scripts of the configured languages, from typological databases.

Genealogy is URIEL's (Littell et al. 2017) Glottolog-derived family tree as shipped in
``lang2vec`` (``data/family_features.npz``: one binary column per tree node, in top-down
order, so a language's nonzero columns are its ancestors from its family down). Read
directly: ``lang2vec``'s own module needs ``pkg_resources``, which setuptools ≥ 82 lacks.

- family: the top node (Indo-European); genus: the node below it (Germanic, Italic,
  Balto-Slavic, Indo-Iranian, ...): Glottolog's major branch, coarser than a WALS genus
  for some families (Italic rather than Romance); ``ancestors``: the whole chain;
- the writing system: CLDR's likely script for the language (``langcodes``), an
  ISO 15924 code (Latn, Cyrl, Grek, Jpan, ...), unless ``--script`` says otherwise
  (CLDR gives South Azerbaijani, ``azb``, Latn; its Wikipedia is written in Arabic).

Wikipedia codes become ISO 639-3 through ``langcodes``, except the Wikimedia-only ones
(``WIKIMEDIA_CODES``). A macrolanguage (zh, ar, ms, ...) whose URIEL row stops short
takes the deepest node its member languages share; an individual language without a
row (nn) takes its macrolanguage's. A language URIEL does not classify (an isolate such
as Basque, a constructed language) is an error unless ``--own-family`` lists it; it is
then a family (and genus) of its own.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json

log = logging.getLogger(__name__)

# Wikipedia codes that are no ISO 639 code, or name another language there.
WIKIMEDIA_CODES = {
    "simple": "eng", "als": "gsw", "bat-smg": "sgs", "roa-rup": "rup", "fiu-vro": "vro", "zh-min-nan": "nan",
    "zh-classical": "lzh", "zh-yue": "yue", "nds-nl": "nds", "be-tarask": "bel", "be-x-old": "bel", "sh": "hbs",
    "tl": "tgl",
}


@lru_cache(maxsize=1)
def _family_tree() -> tuple[dict[str, int], list[str], np.ndarray]:
    # Found through the distribution's files, not by importing lang2vec: the wheel also puts a
    # lang2vec.py script into bin/, which is first on sys.path when the mtickets script runs.
    path = Path(importlib.metadata.distribution("lang2vec").locate_file("lang2vec/data/family_features.npz"))
    data = np.load(path)
    rows = {str(code): i for i, code in enumerate(data["langs"])}
    nodes = [str(name).removeprefix("F_") for name in data["feats"]]
    return rows, nodes, data["data"][:, :, 0] > 0


def iso639_3(code: str) -> str:
    import langcodes

    if code in WIKIMEDIA_CODES:
        return WIKIMEDIA_CODES[code]
    try:
        return langcodes.Language.get(code).to_alpha3()
    except (LookupError, ValueError):
        raise MticketsError(f"language '{code}': not a language code langcodes knows; use its ISO 639 code") from None


def _chain(iso3: str) -> list[str]:
    rows, nodes, member = _family_tree()
    return [nodes[j] for j in np.flatnonzero(member[rows[iso3]])] if iso3 in rows else []


def ancestors(iso3: str) -> list[str]:
    """URIEL's family-tree nodes above a language, from its family down."""
    import iso639

    own = _chain(iso3)
    try:
        language = iso639.Lang(iso3)
    except iso639.exceptions.InvalidLanguageValue:
        return own
    if language.scope() == "Macrolanguage":
        shared: list[str] = []
        for nodes in zip(*[chain for chain in (_chain(m.pt3) for m in language.individuals()) if chain]):
            if len(set(nodes)) > 1:
                break
            shared.append(nodes[0])
        return max(own, shared, key=len)
    if not own and language.macro() is not None:
        return _chain(language.macro().pt3)
    return own


def script(code: str, iso3: str) -> str:
    import langcodes

    for tag in (code, iso3):
        try:
            found = langcodes.Language.get(tag).maximize().script
        except (LookupError, ValueError):
            continue
        if found:
            return found
    raise MticketsError(f"language '{code}': CLDR has no likely script for it")


def classify(languages: Sequence[str], own_family: Sequence[str] = (),
             scripts: dict[str, str] | None = None) -> dict[str, dict]:
    """``{code: {iso639_3, family, genus, ancestors, script}}``; one error naming every unclassified language."""
    out, unclassified = {}, []
    for code in languages:
        iso3 = iso639_3(code)
        chain = ancestors(iso3)
        if not chain:
            if code not in own_family:
                unclassified.append(f"{code} ({iso3})")
                continue
            chain = [f"{code} (own family)"]
        out[code] = {"iso639_3": iso3, "family": chain[0], "genus": chain[1] if len(chain) > 1 else chain[0],
                     "ancestors": chain, "script": (scripts or {}).get(code) or script(code, iso3)}
    if unclassified:
        raise MticketsError(
            f"URIEL's family tree does not classify {', '.join(unclassified)}; list an isolate or constructed "
            f"language under analysis.own_family to make it a family of its own, or drop it from the languages"
        )
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--languages", nargs="+", required=True, help="Wikipedia language codes")
    parser.add_argument("--own-family", nargs="*", default=[],
                        help="languages URIEL leaves unclassified (isolates) that form a family of their own")
    parser.add_argument("--script", nargs="*", default=[], metavar="CODE=SCRIPT",
                        help="a language's ISO 15924 script where CLDR's likely one is not its Wikipedia's")
    parser.add_argument("--out", required=True, type=Path, help="languages.json")


def main(args: argparse.Namespace) -> None:
    scripts = dict(item.split("=", 1) for item in args.script if "=" in item)
    if len(scripts) != len(args.script):
        raise MticketsError(f"--script {' '.join(args.script)}: expected CODE=SCRIPT, e.g. azb=Arab")
    languages = classify(args.languages, args.own_family, scripts)
    write_json(args.out, languages)
    log.info("%d languages in %d families, %d scripts -> %s", len(languages),
             len({v["family"] for v in languages.values()}), len({v["script"] for v in languages.values()}), args.out)
