"""The noise floor of ticket distances: each language's ticket found twice from one initialisation.

Ticket relatedness (§5.2) reads meaning into the Jaccard distances between languages'
tickets. SNIP scores a few thousand tokens, so a ticket also depends on which batches
and masks it saw. Two ticket banks merged from the same initialised model, scored with
different scoring seeds (``ticket.scoring_seed_offset``), measure that:

- ``per_language``, ``mean``: the distance between one language's two tickets;
- ``pair_change``: how much a between-language distance moves from one scoring to the
  other (mean |d₁ − d₂| over language pairs), against ``between_spread``, how much the
  between-language distances of one scoring differ from each other (their standard
  deviation over pairs). Relatedness lives in those differences: when the rescoring
  moves a pair's distance about as much as the pairs differ, a ticket distance says
  little about the two languages.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json
from mtickets.analysis.relatedness import jaccard_distances, ticket_matrix

log = logging.getLogger(__name__)


def noise_floor(first: dict, first_languages: list[str], second: dict, second_languages: list[str]) -> dict:
    """Per language the distance between its two tickets; the mean distance between languages in ``first``."""
    if first_languages != second_languages or sorted(first) != sorted(second):
        raise MticketsError("the two ticket banks hold different languages or layers; merge both from the same "
                            "languages and model")
    a = ticket_matrix(first, first_languages).astype(bool)
    b = ticket_matrix(second, second_languages).astype(bool)
    union = (a | b).sum(axis=1)
    within = 1.0 - np.divide((a & b).sum(axis=1), union, out=np.ones(len(union)), where=union > 0)
    i, j = np.triu_indices(len(first_languages), k=1)
    between, rescored = jaccard_distances(a)[i, j], jaccard_distances(b)[i, j]
    pairs = bool(len(i))
    return {
        "method": "two scorings of one initialisation (scoring seeds differ)",
        "per_language": {lang: float(value) for lang, value in zip(first_languages, within)},
        "mean": float(within.mean()),
        "between_languages": float(between.mean()) if pairs else None,
        "pair_change": float(np.abs(between - rescored).mean()) if pairs else None,
        "between_spread": float(between.std()) if pairs else None,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", required=True, type=Path, help="tickets.safetensors of the first scoring")
    parser.add_argument("--rescored", required=True, type=Path,
                        help="tickets.safetensors of the same initialisation scored with another seed")
    parser.add_argument("--out", required=True, type=Path, help="noise_floor.json to write")


def main(args: argparse.Namespace) -> None:
    from mtickets.formats.tensors import load_ticket_bank

    result = noise_floor(*load_ticket_bank(args.tickets), *load_ticket_bank(args.rescored))
    write_json(args.out, result)
    log.info("noise floor: the same language's tickets %.3f apart (mean), two languages %.3f",
             result["mean"], result["between_languages"] or float("nan"))
