"""Snakemake adapter: every ticket variant's Mantel tests in one CSV."""

import logging
from pathlib import Path

from mtickets.analysis.relatedness import write_table

logging.basicConfig(
    filename=snakemake.log[0],  # noqa: F821 (injected by Snakemake)
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)
write_table([Path(path) for path in snakemake.input], Path(snakemake.output[0]))  # noqa: F821
