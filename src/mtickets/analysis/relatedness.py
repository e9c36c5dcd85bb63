"""Are the tickets of related languages more alike? Mantel tests against genealogy and script.

For a ticket bank (``mtickets merge``), each language's ticket is its concatenated
unit masks; two tickets' distance is the Jaccard distance of the kept units. It is
tested against, over the same language pairs:

- ``family``, ``genus``: 0 for a pair in one family (genus), else 1 (``mtickets typology``);
- ``genealogy``: 1 − cosine of the two languages' URIEL family-tree memberships
  (URIEL's genetic distance; 0 for one language, 1 for two families);
- ``script``: 0 for one writing system, else 1;
- ``genealogy | script``: the partial Mantel correlation of tickets and genealogy with
  the script distance held fixed. The paper's caveat — related languages often share
  a script — is what it separates.

A Mantel test's statistic is the Pearson correlation of the pairs' distances; its
p-value is one-sided (tickets of closer languages more alike; ``p_opposite`` the other
side), from permuting the languages of one matrix: all n! permutations when there are at most
``--permutations`` of them (exact), else that many random ones, p = (1 + count) /
(1 + permutations). Figures: the languages' ticket overlap (Jaccard similarity) ordered
by family, and the keep ratio per layer and component.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json

log = logging.getLogger(__name__)
COMPONENTS = ("qk", "v", "ffn")


def ticket_matrix(masks: dict, languages: list[str]) -> np.ndarray:
    """``[languages, units]`` bool: every layer's and component's mask side by side."""
    return np.concatenate([masks[key].numpy().astype(bool) for key in sorted(masks)], axis=1)


def jaccard_distances(tickets: np.ndarray) -> np.ndarray:
    t = tickets.astype(np.float64)
    shared = t @ t.T
    union = t.sum(1)[:, None] + t.sum(1)[None, :] - shared
    return 1.0 - np.divide(shared, union, out=np.ones_like(shared), where=union > 0)


def category_distances(labels: list[str]) -> np.ndarray:
    labels = np.asarray(labels, dtype=object)
    return (labels[:, None] != labels[None, :]).astype(np.float64)


def genealogy_distances(ancestors: list[list[str]]) -> np.ndarray:
    nodes = sorted({node for chain in ancestors for node in chain})
    index = {node: i for i, node in enumerate(nodes)}
    member = np.zeros((len(ancestors), len(nodes)))
    for row, chain in enumerate(ancestors):
        member[row, [index[node] for node in chain]] = 1.0
    norms = np.linalg.norm(member, axis=1)
    return 1.0 - (member @ member.T) / np.outer(norms, norms)


def _permutations(n: int, limit: int, seed: int) -> tuple[np.ndarray, bool]:
    """Every permutation of n (exact) if there are at most ``limit``, else ``limit`` random ones."""
    if math.factorial(n) <= limit:
        return np.array(list(itertools.permutations(range(n)))), True
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random((limit, n)), axis=1), False


def _correlations(x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``x`` with each row of ``ys``."""
    xc = x - x.mean()
    yc = ys - ys.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((xc**2).sum() * (yc**2).sum(axis=-1))
    return np.divide(yc @ xc, denominator, out=np.full(len(ys), np.nan), where=denominator > 0)


def partial_correlation(x: np.ndarray, ys: np.ndarray, z: np.ndarray | None) -> np.ndarray:
    """Correlation of ``x`` with each row of ``ys``; with ``z``, the partial correlation given ``z``."""
    r_xy = _correlations(x, ys)
    if z is None:
        return r_xy
    r_xz, r_yz = _correlations(x, z[None])[0], _correlations(z, ys)
    return (r_xy - r_xz * r_yz) / np.sqrt((1 - r_xz**2) * (1 - r_yz**2))


def mantel(a: np.ndarray, b: np.ndarray, permutations: int = 9999, seed: int = 0,
           control: np.ndarray | None = None) -> dict:
    """Mantel (or, with ``control``, partial Mantel) correlation of two distance matrices and its
    one-sided permutation p-value; ``r`` is None when a matrix's distances are all equal."""
    n = a.shape[0]
    i, j = np.triu_indices(n, k=1)
    x, z = a[i, j], control[i, j] if control is not None else None
    observed = float(partial_correlation(x, b[i, j][None], z)[0])
    orders, exact = _permutations(n, permutations, seed)
    summary = {"permutations": len(orders), "exact": exact, "pairs": len(x)}
    if not math.isfinite(observed):
        return {"r": None, "p": None, "p_opposite": None, **summary}
    permuted = partial_correlation(x, b[orders[:, i], orders[:, j]], z)  # b's languages permuted

    def p_value(count: int) -> float:
        return count / len(orders) if exact else (1 + count) / (1 + len(orders))  # exact: identity among them

    # p_opposite tests the other side (related languages' tickets less alike): a claim
    # "fails" only when that side is significant, not when p is merely large.
    return {"r": observed, "p": p_value(int(np.sum(permuted >= observed - 1e-12))),
            "p_opposite": p_value(int(np.sum(permuted <= observed + 1e-12))), **summary}


def relatedness(masks: dict, languages: list[str], typology: dict, permutations: int, seed: int) -> dict:
    missing = [lang for lang in languages if lang not in typology]
    if missing:
        raise MticketsError(f"the typology file lacks {', '.join(missing)}; rerun `mtickets typology` with them")
    info = [typology[lang] for lang in languages]
    tickets = jaccard_distances(ticket_matrix(masks, languages))
    distances = {
        "family": category_distances([x["family"] for x in info]),
        "genus": category_distances([x["genus"] for x in info]),
        "genealogy": genealogy_distances([x["ancestors"] for x in info]),
        "script": category_distances([x["script"] for x in info]),
    }
    tests = {name: mantel(tickets, d, permutations, seed) for name, d in distances.items()}
    tests["genealogy | script"] = mantel(tickets, distances["genealogy"], permutations, seed,
                                         control=distances["script"])
    i, j = np.triu_indices(len(languages), k=1)
    same = distances["family"][i, j] == 0
    return {
        "languages": languages,
        "tests": tests,
        "mean_jaccard_distance": {
            "same family": float(tickets[i, j][same].mean()) if same.any() else None,
            "different families": float(tickets[i, j][~same].mean()) if (~same).any() else None,
        },
    }


def overlap_figure(masks: dict, languages: list[str], typology: dict, title: str):
    from mtickets.analysis.plotting import family_colours, plt

    order = sorted(range(len(languages)), key=lambda k: (typology[languages[k]]["family"],
                                                          typology[languages[k]]["genus"], languages[k]))
    names = [languages[k] for k in order]
    similarity = 1.0 - jaccard_distances(ticket_matrix(masks, languages))[np.ix_(order, order)]
    size = max(4.0, 0.28 * len(names) + 2.5)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    # Colours span the pairs only: the diagonal's 1.0 would squeeze the pairs (0.5-0.7) into one shade.
    pairs = np.ma.masked_where(np.eye(len(names), dtype=bool), similarity)
    colours_map = plt.get_cmap("viridis").with_extremes(bad="lightgrey")
    limits = (float(pairs.min()), float(pairs.max())) if pairs.count() else (None, None)
    image = axes.imshow(pairs, cmap=colours_map, vmin=limits[0], vmax=limits[1])
    axes.set_xticks(range(len(names)), names, rotation=90, fontsize=8 if len(names) < 40 else 5)
    axes.set_yticks(range(len(names)), names, fontsize=8 if len(names) < 40 else 5)
    families = [typology[name]["family"] for name in names]
    colours = family_colours(families)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_color(colours[typology[label.get_text()]["family"]])
    for k in range(1, len(names)):  # family boundaries
        if families[k] != families[k - 1]:
            axes.axhline(k - 0.5, color="white", linewidth=0.8)
            axes.axvline(k - 0.5, color="white", linewidth=0.8)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="ticket overlap (Jaccard similarity; diagonal grey)")
    handles = [plt.Line2D([], [], marker="s", linestyle="", color=c, label=f) for f, c in colours.items()]
    axes.legend(handles=handles, title="family (label colour)", loc="upper left", bbox_to_anchor=(1.35, 1.0),
                fontsize=8, title_fontsize=8, frameon=False)
    axes.set_title(title)
    return figure


def keep_ratio_figure(masks: dict, languages: list[str], title: str):
    from mtickets.analysis.plotting import plt

    layers = sorted({int(key.split(".")[1]) for key in masks})
    figure, axes = plt.subplots(figsize=(max(5.0, 0.45 * len(layers) + 3), 3.6))
    for component, marker in zip(COMPONENTS, "osd"):
        ratios = np.array([masks[f"layer.{k}.{component}"].float().mean(dim=1).numpy() for k in layers])  # [L, langs]
        axes.plot(layers, ratios.mean(axis=1), marker=marker, label=f"{component} (mean over languages)")
        axes.fill_between(layers, ratios.min(axis=1), ratios.max(axis=1), alpha=0.2)
    axes.set_xticks(layers, [str(k + 1) for k in layers])
    axes.set_xlabel("layer")
    axes.set_ylabel("keep ratio (band: min–max over languages)")
    axes.set_ylim(0, 1.05)
    axes.legend(fontsize=8, loc="lower left")
    axes.set_title(title)
    return figure


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", required=True, type=Path, help="tickets.safetensors of `mtickets merge`")
    parser.add_argument("--typology", required=True, type=Path, help="languages.json of `mtickets typology`")
    parser.add_argument("--variant", required=True, help="the variant's name, for titles")
    parser.add_argument("--permutations", type=int, default=9999)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path, help="relatedness.json")
    parser.add_argument("--overlap", required=True, type=Path, help="the overlap heatmap (PNG)")
    parser.add_argument("--keep-ratio", required=True, type=Path, help="keep ratio per layer (PNG)")


def main(args: argparse.Namespace) -> None:
    from mtickets.formats.tensors import load_ticket_bank
    from mtickets.analysis.plotting import save_png

    masks, languages = load_ticket_bank(args.tickets)
    typology = json.loads(args.typology.read_text(encoding="utf-8"))
    result = {"variant": args.variant, **relatedness(masks, languages, typology, args.permutations, args.seed)}
    save_png(overlap_figure(masks, languages, typology, f"{args.variant}: ticket overlap by family"), args.overlap)
    save_png(keep_ratio_figure(masks, languages, f"{args.variant}: keep ratio per layer"), args.keep_ratio)
    write_json(args.out, result)
    for name, test in result["tests"].items():
        log.info("%s: Mantel %s r %s p %s", args.variant, name, test["r"], test["p"])


def write_table(summaries: list[Path], out: Path) -> None:
    """One row per ticket variant and test: Mantel r and p, pairs, permutations."""
    import csv

    from mtickets.formats.atomic import atomic_path

    rows = []
    for path in summaries:
        result = json.loads(Path(path).read_text(encoding="utf-8"))
        for test, values in result["tests"].items():
            rows.append({"variant": result["variant"], "test": test,
                         "r": "" if values["r"] is None else f"{values['r']:.4f}",
                         "p": "" if values["p"] is None else f"{values['p']:.4f}",
                         "pairs": values["pairs"], "permutations": values["permutations"],
                         "exact": values["exact"]})
    with atomic_path(out) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["variant", "test", "r", "p", "pairs", "permutations", "exact"])
        writer.writeheader()
        writer.writerows(rows)
