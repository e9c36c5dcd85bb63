"""Figures: matplotlib without a display, written atomically, one colour per language family."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # rule jobs and tests have no display

import matplotlib.pyplot as plt  # noqa: E402

from mtickets.formats.atomic import atomic_path  # noqa: E402


def save_png(figure, path: str | Path, dpi: int = 150) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)


def family_colours(families: Sequence[str]) -> dict[str, tuple]:
    """A stable colour per family, in order of first appearance."""
    palette = plt.get_cmap("tab10" if len(set(families)) <= 10 else "tab20").colors
    ordered = list(dict.fromkeys(families))
    return {family: palette[i % len(palette)] for i, family in enumerate(ordered)}


def legend_right(figure, handles, labels, title: str):
    """One legend for the whole figure, right of its panels."""
    figure.legend(handles, labels, title=title, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                  frameon=False)
    figure.tight_layout()
    return figure
