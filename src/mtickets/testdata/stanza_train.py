"""Train a small Stanza tokenize model offline from text that is already split into sentences.

Stanza's models are fetched by `stanza.download`, which needs network access that the
pipeline's machines may not have (`mtickets split --backend stanza` never downloads).
This stage trains one with Stanza's own trainer (`stanza.models.tokenizer`) from
segmented text, e.g. the sentences of a UD treebank or a corpus split earlier, and lays
it out as `stanza.download` would: ``OUT/resources.json`` and
``OUT/{lang}/tokenize/mtickets.pt``, which ``stanza.Pipeline(lang, dir=OUT,
processors="tokenize", download_method=None)`` (and `mtickets split --model-dir OUT`)
loads. Tests and benchmarks use it to run the Stanza path with a real, trained model.

The model is small (it trains in seconds on a CPU) and learns only what its text
shows: tokens are the whitespace-separated words and each document is one paragraph
whose sentences are joined by spaces. ``--sentences`` is a sentences.txt.gz: one
sentence per line, a blank line after each document. The same text, steps and seed
give a byte-identical model file on the same platform.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from mtickets.formats.atomic import atomic_dir, write_json
from mtickets.errors import MticketsError
from mtickets.formats.text import open_gzip_text

log = logging.getLogger(__name__)

PACKAGE = "mtickets"  # the model's package name in resources.json and its file name
DEFAULT_STEPS = 100
DEFAULT_SEED = 0
# Stanza's defaults are 32 and 64 with a learning rate of 0.002 over 50000 steps; a
# smaller network and a higher rate learn clean sentence boundaries in ~100 steps.
EMB_DIM, HIDDEN_DIM, LEARNING_RATE = 16, 32, 0.02
# Paragraphs (documents) of the training text the trainer scores the model on once, at
# the end: a logged sanity check, kept small because it runs the model over them.
FIT_PARAGRAPHS = 50
# What Stanza's reader turns into a space (its WHITESPACE_RE): labels must follow that.
_SPACE_RE = re.compile(r"[\s\u0080-\u009f]+")


def training_files(documents: Iterable[Sequence[str]]) -> tuple[str, str]:
    """Stanza's training text and its per-character labels for ``documents``.

    Each document becomes one paragraph (paragraphs are separated by a blank line in both
    files). A label is 0 inside a token or on a space, 1 on a token's last character and
    2 on a sentence's last character.
    """
    texts, labels = [], []
    for document in documents:
        text_parts, label_parts = [], []
        for sentence in document:
            tokens = _SPACE_RE.split(sentence.strip())
            if tokens == [""]:
                continue
            text_parts.append(" ".join(tokens))
            label_parts.append("0".join("0" * (len(t) - 1) + "1" for t in tokens)[:-1] + "2")
        if text_parts:
            texts.append(" ".join(text_parts))
            labels.append("0".join(label_parts))
    if not texts:
        raise MticketsError("no sentences to train the Stanza tokenizer on")
    return "\n\n".join(texts) + "\n", "\n\n".join(labels) + "\n"


def _resources(lang: str, model: Path) -> dict:
    """The resources.json entries stanza.Pipeline reads (as stanza.download writes them)."""
    from stanza.models.common.constant import langcode_to_lang

    return {lang: {
        "lang_name": langcode_to_lang(lang),
        "packages": {"default": {"tokenize": PACKAGE}},
        "default_processors": {"tokenize": PACKAGE},
        "tokenize": {PACKAGE: {"md5": hashlib.md5(model.read_bytes()).hexdigest()}},
    }}


def _check_replaceable(out: Path, lang: str) -> None:
    """Refuse to replace a directory that holds more than an earlier model of ``lang``."""
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return
    if out.is_dir() and {p.name for p in out.iterdir()} == {"resources.json", lang}:
        try:
            if set(json.loads((out / "resources.json").read_text(encoding="utf-8"))) == {lang}:
                return
        except ValueError:  # not JSON: not a directory this stage wrote
            pass
    raise MticketsError(
        f"{out} exists and holds more than a Stanza model of language '{lang}'; training "
        f"replaces the whole directory, so write the model to a new directory"
    )


def train_stanza_tokenizer(documents: Iterable[Sequence[str]], lang: str,
                           out_dir: str | os.PathLike, steps: int = DEFAULT_STEPS,
                           seed: int = DEFAULT_SEED, emb_dim: int = EMB_DIM,
                           hidden_dim: int = HIDDEN_DIM) -> Path:
    """Train a tokenize model of ``lang`` on ``documents`` (lists of sentences) into ``out_dir``.

    ``out_dir`` is replaced as a whole, atomically. Returns the model file's path.
    """
    import torch
    from stanza.models import tokenizer

    # Importing the trainer sets Stanza's logger to DEBUG; its INFO lines (loss, fit) suffice.
    logging.getLogger("stanza").setLevel(logging.INFO)
    if steps < 1:
        raise MticketsError(f"--steps must be at least 1, not {steps}")
    out = Path(out_dir)
    _check_replaceable(out, lang)
    text, labels = training_files(documents)
    with tempfile.TemporaryDirectory(prefix="mtickets-stanza-") as tmp, atomic_dir(out) as staged:
        work = Path(tmp)
        (work / "train.txt").write_text(text, encoding="utf-8")
        (work / "train.labels").write_text(labels, encoding="utf-8")
        for name, content in (("fit.txt", text), ("fit.labels", labels)):
            paragraphs = content.split("\n\n")[:FIT_PARAGRAPHS]
            (work / name).write_text("\n\n".join(paragraphs).rstrip("\n") + "\n",
                                     encoding="utf-8")
        (work / "mwt.json").write_text("[]", encoding="utf-8")  # whitespace tokens: no MWTs
        threads = torch.get_num_threads()
        # One thread: the same floating-point sums whatever the core count, and no
        # oversubscription on a loaded machine (the network is tiny).
        torch.set_num_threads(1)
        try:
            tokenizer.main([
                "--mode", "train", "--lang", lang, "--shorthand", f"{lang}_{PACKAGE}",
                "--txt_file", str(work / "train.txt"), "--label_file", str(work / "train.labels"),
                # The trainer needs a dev set: the first training paragraphs, evaluated
                # once, at the last step, which logs how well the model fits them and saves.
                "--dev_txt_file", str(work / "fit.txt"),
                "--dev_label_file", str(work / "fit.labels"),
                "--mwt_json_file", str(work / "mwt.json"), "--no_use_mwt",
                "--steps", str(steps), "--eval_steps", str(steps),
                "--emb_dim", str(emb_dim), "--hidden_dim", str(hidden_dim),
                "--lr0", str(LEARNING_RATE), "--seed", str(seed), "--cpu",
                "--save_dir", str(work), "--save_name", "model.pt",
            ])
        finally:
            torch.set_num_threads(threads)
        # The checkpoint's config records the temporary paths; keep only the names so the
        # file depends on the text, language, sizes, steps and seed alone.
        checkpoint = torch.load(work / "model.pt", map_location="cpu", weights_only=True)
        config = checkpoint["config"]
        for key, value in config.items():
            if isinstance(value, str) and value.startswith(tmp):
                config[key] = os.path.relpath(value, tmp)
        model = staged / lang / "tokenize" / f"{PACKAGE}.pt"
        model.parent.mkdir(parents=True)
        # The zip format, not the legacy one Stanza writes: that keys tensors by memory address.
        torch.save(checkpoint, model)
        write_json(staged / "resources.json", _resources(lang, model))
    log.info("Stanza tokenize model of '%s' (%d steps, seed %d) in %s", lang, steps, seed, out)
    return out / lang / "tokenize" / f"{PACKAGE}.pt"


def read_documents(path: str | os.PathLike) -> list[list[str]]:
    """The documents of a sentences.txt.gz: sentences one a line, blank line after each."""
    documents: list[list[str]] = [[]]
    with open_gzip_text(path) as handle:
        for line in handle:
            line = line.strip()
            if line:
                documents[-1].append(line)
            elif documents[-1]:
                documents.append([])
    return [d for d in documents if d]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sentences", required=True,
                        help="sentences.txt.gz: one sentence a line, a blank line after "
                             "each document")
    parser.add_argument("--lang", required=True, help="language code the model is for")
    parser.add_argument("--out", required=True,
                        help="model directory to write (replaced): resources.json, "
                             "{lang}/tokenize/")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help=f"training steps (default {DEFAULT_STEPS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")


def main(args: argparse.Namespace) -> None:
    train_stanza_tokenizer(read_documents(args.sentences), args.lang, args.out,
                           steps=args.steps, seed=args.seed)
