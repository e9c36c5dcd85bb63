"""Figure 4: a UMAP of the languages' tickets, one panel per ticket variant, coloured by family.

Each language is its ticket, the concatenated unit masks of its row in the variant's
bank, placed by UMAP (umap-learn) under the Jaccard metric, seeded. SNIP tickets beside
random ones show whether related languages' tickets cluster beyond chance. With few
languages UMAP's neighbourhood is all of them (``n_neighbors`` ≤ languages − 1).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json
from mtickets.analysis.relatedness import ticket_matrix

log = logging.getLogger(__name__)


def embed(tickets: np.ndarray, seed: int) -> np.ndarray:
    """2-D UMAP coordinates of the rows of a boolean matrix."""
    import umap

    n = len(tickets)
    if n < 3:
        raise MticketsError(f"a ticket map needs at least 3 languages, the bank has {n}")
    reducer = umap.UMAP(n_neighbors=min(15, n - 1), metric="jaccard", random_state=seed, init="random",
                        n_jobs=1)
    return reducer.fit_transform(tickets.astype(bool))


def map_figure(panels: dict[str, tuple[list[str], np.ndarray]], typology: dict, proxies: dict[str, str]):
    from mtickets.analysis.plotting import family_colours, legend_right, plt

    families = [typology[lang]["family"] for languages, _ in panels.values() for lang in languages]
    colours = family_colours(families)
    figure, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels) + 2.2, 4.4), squeeze=False)
    for ax, (variant, (languages, points)) in zip(axes[0], panels.items()):
        for lang, (x, y) in zip(languages, points):
            ax.scatter(x, y, color=colours[typology[lang]["family"]], s=40)
            ax.annotate(lang, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
        ax.set_title(f"{variant} ({proxies[variant]} tickets)")
        ax.set_xlabel("UMAP 1")
        ax.set_ylabel("UMAP 2")
        ax.margins(0.15)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=c) for c in colours.values()]
    return legend_right(figure, handles, list(colours), title="family")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", nargs="+", required=True, metavar="VARIANT=PROXY=PATH",
                        help="each ticket variant's tickets.safetensors, e.g. mtickets=snip=results/tickets/...")
    parser.add_argument("--typology", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path, help="the figure (PNG)")
    parser.add_argument("--coordinates", required=True, type=Path, help="the UMAP coordinates (JSON)")


def main(args: argparse.Namespace) -> None:
    from mtickets.formats.tensors import load_ticket_bank
    from mtickets.analysis.plotting import save_png

    typology = json.loads(args.typology.read_text(encoding="utf-8"))
    panels, proxies = {}, {}
    for item in args.tickets:
        variant, proxy, path = (item.split("=", 2) + ["", ""])[:3]
        if not path:
            raise MticketsError(f"--tickets {item!r}: expected VARIANT=PROXY=PATH")
        masks, languages = load_ticket_bank(path)
        panels[variant] = (languages, embed(ticket_matrix(masks, languages), args.seed))
        proxies[variant] = proxy
    save_png(map_figure(panels, typology, proxies), args.out)
    write_json(args.coordinates, {variant: dict(zip(languages, points.tolist()))
                                  for variant, (languages, points) in panels.items()})
    log.info("ticket map of %s -> %s", ", ".join(panels), args.out)
