"""Snakemake adapter: one task's results table (CSV and Markdown) from all its fine-tuning runs."""

import logging
from pathlib import Path

from mtickets.evaluation.tables import make_table

logging.basicConfig(
    filename=snakemake.log[0],  # noqa: F821 (injected by Snakemake)
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)
make_table(
    metrics=snakemake.input.metrics,  # noqa: F821
    models=dict(zip(snakemake.params.variants, map(Path, snakemake.input.models))),  # noqa: F821
    task=snakemake.wildcards.task,  # noqa: F821
    seq_length=snakemake.params.seq_length,  # noqa: F821
    out=Path(snakemake.output.csv),  # noqa: F821
    languages=snakemake.params.languages,  # noqa: F821
    fmt=snakemake.params.format,  # noqa: F821
    md=Path(snakemake.output.md),  # noqa: F821
    dense=snakemake.params.dense,  # noqa: F821
    min_sentences=snakemake.params.min_sentences,  # noqa: F821
    seed=snakemake.params.seed,  # noqa: F821
)
