"""The fine-tuning stage's options, one dataclass: ``mtickets finetune``'s flags, and the ``evaluation``
and ``evaluation.tasks.{task}`` config keys of the same names.

Free of torch, so the workflow (``rules/common.smk``) builds the rule's flags from it
without importing torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mtickets.errors import MticketsError
from mtickets.formats.xtreme import FORMAT_READERS
from mtickets.options import option
from mtickets.trackers import TRACKERS, check_trackers

PRECISIONS = ("auto", "fp32", "bf16")
BATCHING = ("random", "bucketed")


@dataclass
class FinetuneConfig:
    """One fine-tuning run: ``mtickets finetune``'s flags (``mtickets.options``) and the config keys of
    the same names (a test checks the schema's defaults against these)."""

    model: Path = option(help="pretrained model (save_pretrained dir)")
    task: str = option(help="the task's name (recorded in metrics.json)")
    format: str = option(choices=sorted(FORMAT_READERS),
                         help="the task files' format: panx or help_ui (IOB2 entity tags) or conllu (UPOS)")
    lang: str = option(help="language code (selects the ticket)")
    train: Path = option(help="the training split")
    dev: Path = option(help="the dev split (model selection)")
    out: Path = option(help="metrics.json path; with several seeds a template holding {seed}, with --test-set "
                            "also {lang} (the tested language)")
    test: Path | None = option(None, help="in-language: --lang's test split")
    tokenizer: Path | None = option(None, help="tokenizer directory (`mtickets tokenizer` output); default: --model")
    variant: str | None = option(None, help="model variant name, recorded in metrics.json")
    seeds: list[int] = option([1], help="one or more seeds, fine-tuned one after another in this process")
    epochs: int = option(2, help="training epochs (raised to reach --min-updates)")
    batch_size: int = option(32, help="training sentences per update")
    learning_rate: float = option(2e-5, help="peak learning rate (linear decay to 0)")
    min_updates: int = option(0, help="raise epochs until this many updates")
    eval_every: int = option(0, help="dev F1 every N updates as well as after every epoch; 0: epochs only")
    max_length: int = option(128, help="sub-tokens per piece; longer sentences are split")
    batching: str = option("random", choices=BATCHING,
                           help="training batches: uniformly random (as XTREME) or length-bucketed (faster)")
    precision: str = option("auto", choices=PRECISIONS,
                            help="bf16 autocast or fp32; auto: bf16 on a GPU that supports it")
    device: str = option("auto", help="auto (cuda if available, else cpu), cpu, cuda, cuda:N or xla (TPU)")
    threads: int | None = option(None, help="torch CPU threads (default: torch's choice)")
    save_model: Path | None = option(None, help="keep the first seed's model, at its best dev evaluation, here as a "
                                                "Hugging Face folder: weights, config with the label map, tokenizer")
    loggers: list[str] = option(["tensorboard"], choices=TRACKERS, may_be_empty=True,
                                help="experiment trackers, in tensorboard/ beside each seed's metrics.json; "
                                     "none: no trackers")
    # Not a flag (--test-set LANG PATH, repeatable): zero-shot's (language, test file) pairs, each
    # tested with the model trained and selected on `lang`.
    test_sets: Sequence[tuple[str, Path]] = ()

    def check(self) -> None:
        if self.epochs <= 0 or self.batch_size <= 0 or self.max_length < 3 or self.eval_every < 0:
            raise MticketsError("--epochs and --batch-size must be positive, --max-length at least 3 and "
                                "--eval-every not negative")
        if self.precision not in PRECISIONS:
            raise MticketsError(f"--precision {self.precision!r}: expected auto, fp32 or bf16")
        if self.batching not in BATCHING:
            raise MticketsError(f"--batching {self.batching!r}: expected bucketed or random")
        if self.format not in FORMAT_READERS:
            raise MticketsError(f"--format {self.format!r}: expected one of {', '.join(FORMAT_READERS)}")
        if len(self.seeds) > 1 and "{seed}" not in str(self.out):
            raise MticketsError(f"--out {self.out}: with several seeds it must hold {{seed}}, e.g. "
                                f"results/finetune/.../seed{{seed}}/metrics.json")
        if (self.test is None) == (not self.test_sets):
            raise MticketsError("pass --test PATH (in-language) or one --test-set LANG PATH per tested language "
                                "(zero-shot), not both or neither")
        check_trackers(self.loggers, "--loggers (evaluation.loggers)")
        self.check_test_sets()

    def check_test_sets(self) -> None:
        languages = [lang for lang, _ in self.test_sets]
        repeated = sorted({lang for lang in languages if languages.count(lang) > 1})
        if repeated:
            raise MticketsError(f"--test-set: {', '.join(repeated)} given more than once; name each language once")
        if self.test_sets and "{lang}" not in str(self.out):
            raise MticketsError(f"--out {self.out}: with --test-set it must hold {{lang}} (one metrics.json per "
                                f"tested language), e.g. results/finetune/.../{{lang}}/seed{{seed}}/metrics.json")

    @property
    def protocol(self) -> str:
        return "zero_shot" if self.test_sets else "in_language"

    def out_path(self, seed: int, lang: str | None = None) -> Path:
        path = str(self.out).replace("{seed}", str(seed))
        return Path(path if lang is None else path.replace("{lang}", lang))
