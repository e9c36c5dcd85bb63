"""Command line: one subcommand per pipeline stage.

Each stage module defines ``add_arguments(parser)`` and ``main(args)``; its docstring's
first line is the subcommand's help. Only the stage that runs is imported, so that light
stages (download, split) start without importing torch; ``mtickets --help`` reads the
stages' summaries from their source.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import logging
import os
import shlex
import sys
from pathlib import Path

from mtickets import __version__
from mtickets.errors import MticketsError

STAGES = {
    "make-demo": "mtickets.testdata.demo",
    "synth-dump": "mtickets.testdata.synthetic",
    "help-mirror": "mtickets.corpus.help_mirror",
    "help-task": "mtickets.corpus.help_task",
    "download": "mtickets.corpus.download",
    "extract": "mtickets.corpus.extract",
    "split": "mtickets.corpus.split",
    "stanza-train": "mtickets.testdata.stanza_train",
    "tokenizer": "mtickets.corpus.tokenizer",
    "shards": "mtickets.corpus.shards",
    "init": "mtickets.tickets.init",
    "score": "mtickets.tickets.score",
    "merge": "mtickets.tickets.merge",
    "export": "mtickets.modeling.export",
    "pretrain": "mtickets.training.pretrain",
    "task-data": "mtickets.evaluation.task_data",
    "finetune": "mtickets.evaluation.finetune",
    "tables": "mtickets.evaluation.tables",
    "typology": "mtickets.analysis.typology",
    "relatedness": "mtickets.analysis.relatedness",
    "ticket-map": "mtickets.analysis.ticket_map",
    "interference-figures": "mtickets.analysis.interference_figures",
    "loss-curves": "mtickets.analysis.loss_curves",
    "baselines": "mtickets.analysis.baselines",
    "ticket-noise": "mtickets.analysis.ticket_noise",
    "replication": "mtickets.analysis.replication",
}


def summary(module_name: str) -> str:
    """The first line of a module's docstring, read from its source without importing it."""
    source = Path(importlib.util.find_spec(module_name).origin).read_text(encoding="utf-8")
    return (ast.get_docstring(ast.parse(source)) or "").splitlines()[0]


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mtickets", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mtickets {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="stage", required=True, metavar="STAGE")
    # Only the requested stage's module is imported; the others get a bare entry for --help.
    requested = next((a for a in argv if a in STAGES), None)
    for name, module_name in STAGES.items():
        if name == requested:
            module = importlib.import_module(module_name)
            sub = subparsers.add_parser(
                name,
                help=module.__doc__.splitlines()[0],
                description=module.__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter,  # docstrings are laid out already
            )
            module.add_arguments(sub)
            sub.set_defaults(run=module.main)
        else:
            # Other stages' summaries show only in `mtickets --help` (no stage named);
            # reading them costs every stage run ~75 ms otherwise.
            subparsers.add_parser(name, help=summary(module_name) if requested is None else None)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not sys.stderr.isatty():
        # transformers' own bars (loading, saving weights) would pile up in the rule log as
        # carriage-return frames; ours write log lines (mtickets.progress).
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The rule logs hold stderr only: this line makes each log say what ran.
    logging.getLogger("mtickets").info("mtickets %s", shlex.join(argv))
    try:
        args.run(args)
    except MticketsError as error:
        logging.getLogger("mtickets").error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
