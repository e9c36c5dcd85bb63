"""Normalise and merge per-language unit scores into a ticket bank (paper footnote 4).

Every (language, layer, component) score vector is divided by its L2 norm; all entries
of all languages, layers and components are pooled and the global top ⌊r · total⌋ are
kept (``--budget joint``: single languages and layers may keep more or less than r).
``--budget per_language`` keeps the top ⌊r · n_lang⌋ of each language instead; so does
the joint budget when every language has the same scores (an input-invariant proxy such
as magnitude), so that all languages get the same ticket. Ties are
broken deterministically: by score descending, then by position in the pooled order
(language order of ``--languages``, then layer, then qk / v / ffn, then unit index).

Outputs (``--out-dir``): ``tickets.safetensors`` (``layer.{k}.qk|v|ffn``, ``[languages,
dim]`` uint8; metadata ``languages`` JSON list, ``remain_ratio``, ``budget``),
``tickets.json`` (keep ratios overall / per language / per (language, layer, component),
and the language × language Jaccard overlap of the tickets) and ``tickets.csv``
(``language,layer,component,kept,total,ratio``).
"""

from __future__ import annotations

import argparse
import csv
import logging
from decimal import Decimal
from pathlib import Path

import torch

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path, write_json
from mtickets.formats.tensors import COMPONENT_ORDER, KEY, load_scores, save_ticket_bank

log = logging.getLogger(__name__)

BUDGETS = ("joint", "per_language")


def ordered_keys(keys) -> list[str]:
    """Ticket keys sorted by (layer, qk < v < ffn)."""
    parsed = []
    for key in keys:
        match = KEY.match(key)
        if match is None:
            raise ValueError(key)
        parsed.append((int(match.group(1)), COMPONENT_ORDER[match.group(2)], key))
    return [key for _, _, key in sorted(parsed)]


def keep_count(ratio: float, total: int) -> int:
    """⌊ratio · total⌋ in decimal arithmetic (0.29 · 100 is 29, not 28)."""
    return int((Decimal(repr(float(ratio))) * total) // 1)


def top_mask(values: torch.Tensor, keep: int) -> torch.Tensor:
    """0/1 mask (uint8) of the ``keep`` largest values; ties go to the lower index.

    The same set as a stable descending sort's first ``keep`` entries, found in linear
    time: the keep-th largest value ``t`` by selection (``numpy.partition``), every value
    above ``t``, then the lowest-indexed values equal to ``t`` until ``keep`` are chosen.
    Memory: one copy of ``values`` plus byte masks.
    """
    values = values.reshape(-1)
    total = values.numel()
    if keep <= 0:
        return torch.zeros(total, dtype=torch.uint8)
    if keep >= total:
        return torch.ones(total, dtype=torch.uint8)
    import numpy as np

    array = values.numpy()
    threshold = np.partition(array, total - keep)[total - keep]  # the keep-th largest
    above = array > threshold
    mask = torch.from_numpy(above.view(np.uint8))
    missing = keep - int(np.count_nonzero(above))
    if missing:
        ties = np.flatnonzero(array == threshold)[:missing]
        mask[torch.from_numpy(ties)] = 1
    return mask


def normalise(scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each vector divided by its L2 norm (float64; an all-zero vector stays zero)."""
    out = {}
    for key, value in scores.items():
        value = value.double()
        norm = torch.linalg.vector_norm(value)
        out[key] = value / norm if norm > 0 else torch.zeros_like(value)
    return out


def pooled_scores(scores: dict[str, dict[str, torch.Tensor]], languages: list[str], keys: list[str]) -> torch.Tensor:
    """``[languages, units]`` float64: each (language, key) vector divided by its L2 norm, in pooled order.

    Written in place into one preallocated array (no per-language intermediate copies).
    """
    dims = [scores[languages[0]][key].numel() for key in keys]
    pooled = torch.empty(len(languages), sum(dims), dtype=torch.float64)
    for row, lang in enumerate(languages):
        offset = 0
        for key, dim in zip(keys, dims):
            target = pooled[row, offset:offset + dim]
            target.copy_(scores[lang][key].reshape(-1))
            norm = torch.linalg.vector_norm(target)
            if norm > 0:
                target.div_(norm)
            else:
                target.zero_()
            offset += dim
    return pooled


def merge_scores(
    scores: dict[str, dict[str, torch.Tensor]],
    languages: list[str],
    remain_ratio: float,
    budget: str = "joint",
) -> dict[str, torch.Tensor]:
    """``scores[lang][key]`` (1-D) → ticket bank ``{key: [languages, dim] uint8}``.

    Linear time and memory: the normalised scores are one float64 array of all entries
    (8 bytes each), selection copies it once; 104 languages × 16 BERT-base layers
    (7.67M entries) take well under a second and ~150 MB beyond the inputs.
    """
    if not 0.0 < remain_ratio <= 1.0:
        raise MticketsError(f"--remain-ratio {remain_ratio}: must be in (0, 1]")
    if budget not in BUDGETS:
        raise MticketsError(f"--budget {budget!r}: expected one of {', '.join(BUDGETS)}")
    keys = ordered_keys(scores[languages[0]])
    dims = [scores[languages[0]][key].numel() for key in keys]
    # Pooled order: language, then layer / component, then unit index.
    pooled = pooled_scores(scores, languages, keys)  # [languages, units]
    if budget == "joint" and all(torch.equal(row, pooled[0]) for row in pooled[1:]):
        # Input-invariant scores (magnitude): every language gets the same ticket. A joint
        # top-k would split the group of equal entries at the threshold between languages
        # whenever ⌊r · total⌋ is not a multiple of the language count.
        budget = "per_language"
    if budget == "joint":
        kept = top_mask(pooled, keep_count(remain_ratio, pooled.numel())).reshape(pooled.shape)
    else:
        keep = keep_count(remain_ratio, pooled.shape[1])
        kept = torch.stack([top_mask(row, keep) for row in pooled])
    del pooled
    return dict(zip(keys, torch.split(kept, dims, dim=1)))


def ticket_summary(bank: dict[str, torch.Tensor], languages: list[str], remain_ratio: float, budget: str) -> dict:
    """Keep ratios (overall, per language, per (language, layer, component)) and Jaccard overlaps."""
    keys = ordered_keys(bank)
    stacked = torch.cat([bank[key] for key in keys], dim=1).double()  # [languages, units]
    kept_per_language = stacked.sum(dim=1)
    units = stacked.shape[1]
    intersection = stacked @ stacked.T
    union = kept_per_language[:, None] + kept_per_language[None, :] - intersection
    jaccard = torch.where(union > 0, intersection / union.clamp_min(1), torch.ones_like(union))
    rows = []
    for key in keys:
        layer, component = KEY.match(key).groups()
        kept = bank[key].sum(dim=1).tolist()
        total = bank[key].shape[1]
        for lang, count in zip(languages, kept):
            rows.append({"language": lang, "layer": int(layer), "component": component,
                         "kept": int(count), "total": int(total), "ratio": count / total})
    return {
        "languages": languages,
        "remain_ratio": remain_ratio,
        "budget": budget,
        "kept": int(stacked.sum()),
        "total": int(stacked.numel()),
        "keep_ratio": float(stacked.mean()),
        "per_language": {
            lang: {"kept": int(k), "total": units, "ratio": float(k) / units}
            for lang, k in zip(languages, kept_per_language.tolist())
        },
        "per_component": rows,
        "overlap": {"metric": "jaccard", "languages": languages,
                    "matrix": [[round(v, 6) for v in row] for row in jaccard.tolist()]},
    }


# --------------------------------------------------------------------------- files


def write_outputs(out_dir: str | Path, bank: dict[str, torch.Tensor], summary: dict) -> None:
    out_dir = Path(out_dir)
    save_ticket_bank(out_dir / "tickets.safetensors", bank, summary["languages"], summary["remain_ratio"],
                     summary["budget"])
    write_json(out_dir / "tickets.json", summary)
    with atomic_path(out_dir / "tickets.csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["language", "layer", "component", "kept", "total", "ratio"])
        writer.writeheader()
        for row in summary["per_component"]:
            writer.writerow({**row, "ratio": f"{row['ratio']:.6f}"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scores", nargs="+", required=True,
                        help="score files, one per language, in --languages order")
    parser.add_argument("--languages", nargs="+", required=True, help="ordered languages (ticket bank rows)")
    parser.add_argument("--remain-ratio", type=float, required=True, help="fraction r of units to keep")
    parser.add_argument("--budget", choices=BUDGETS, default="joint", help="pool all languages or each language alone")
    parser.add_argument("--out-dir", required=True, help="directory for tickets.safetensors / .json / .csv")


def main(args: argparse.Namespace) -> None:
    scores = load_scores(args.scores, args.languages)
    bank = merge_scores(scores, args.languages, args.remain_ratio, args.budget)
    summary = ticket_summary(bank, args.languages, args.remain_ratio, args.budget)
    write_outputs(args.out_dir, bank, summary)
    log.info(
        "tickets of %d languages: keep %.4f overall (%s budget, r = %g) -> %s",
        len(args.languages), summary["keep_ratio"], args.budget, args.remain_ratio, args.out_dir,
    )
