#!/usr/bin/env python3
"""Split extracted articles into sentences with Trankit (paper §4.1: he, hy, ar, and
Trankit's Arabic model for azb, ka, my, ne, new, pnb).

Trankit 1.1.1 needs an older torch than the pipeline's, so this script runs in its own
environment (envs/trankit.yaml, rule split_trankit) and uses only the
standard library and trankit: it does not import mtickets. It keeps `mtickets split`'s
contract: reads ``articles.jsonl.gz`` (a JSON record a line; paragraphs of its "text"
separated by "\\n"), splits each paragraph on its own and writes ``sentences.txt.gz``,
gzip UTF-8, one sentence a line and a blank line after each document, atomically;
empty paragraphs and documents are dropped. Models come from --cache-dir and are
never downloaded.

    python workflow/scripts/split_trankit.py --articles results/corpus/azb/articles.jsonl.gz \\
        --lang azb --model arabic --cache-dir resources/trankit \\
        --out results/corpus/azb/sentences.txt.gz
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, List

log = logging.getLogger("split_trankit")

# Trankit's default embedding: its released models are trained on top of it.
EMBEDDING = "xlm-roberta-base"

# The sentences of one document, given its non-empty paragraphs (no newlines inside).
SplitParagraphs = Callable[[List[str]], List[str]]


class SplitError(Exception):
    """A problem the user must fix; its message names the language or file and what to do."""


# ------------------------------------------------------------------ reading and writing


def read_article_texts(path: str | os.PathLike) -> Iterator[str]:
    """The ``text`` of each record of an ``articles.jsonl.gz`` file."""
    if not Path(path).is_file():
        raise SplitError(f"articles file {path} does not exist; run `mtickets extract` first")
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise SplitError(
                    f"{path} line {number} is not an article record {{\"id\", \"url\", "
                    f"\"title\", \"text\"}} ({error}); rerun `mtickets extract`"
                ) from None
            yield text


def document_sentences(text: str, split_paragraphs: SplitParagraphs) -> list[str]:
    """The sentences of one article text, as `mtickets split` lays them out."""
    paragraphs = [p.strip() for p in text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return []
    sentences = []
    for sentence in split_paragraphs(paragraphs):
        # A sentence is one line whatever a reader counts as a line break.
        sentence = " ".join(part.strip() for part in sentence.splitlines()).strip()
        if sentence:
            sentences.append(sentence)
    return sentences


@contextlib.contextmanager
def atomic_gzip_text(path: str | os.PathLike) -> Iterator[io.TextIOBase]:
    """Write gzip UTF-8 text to a temporary file beside ``path``; rename it into place
    only on success. No file name and mtime 0 in the header: same text, same bytes."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6,
                              mtime=0) as compressed, \
                io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as text:
            yield text
        # mkstemp creates 0600; the output gets an ordinary new file's permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_sentences(articles: str | os.PathLike, out: str | os.PathLike, lang: str,
                    split_paragraphs: SplitParagraphs) -> tuple[int, int, int]:
    """Split the articles into ``out``; returns the numbers of articles, documents, sentences."""
    n_articles = n_documents = n_sentences = 0
    with atomic_gzip_text(out) as sink:
        for text in read_article_texts(articles):
            n_articles += 1
            sentences = document_sentences(text, split_paragraphs)
            if sentences:
                sink.write("\n".join(sentences) + "\n\n")
                n_documents += 1
                n_sentences += len(sentences)
        if n_sentences == 0:
            raise SplitError(f"{articles} (language '{lang}') gives no sentences ({n_articles} "
                             "articles); check that extraction produced text for this language")
    return n_articles, n_documents, n_sentences


# ------------------------------------------------------------------------------ Trankit


def _fetch_hint(name: str, cache_dir: str | os.PathLike) -> str:
    return (
        "The split stage never downloads: on a machine with network access, in the "
        f"envs/trankit.yaml environment, run `python -c \"import trankit; trankit.Pipeline("
        f"'{name}', cache_dir='{cache_dir}', gpu=False)\"` (it fetches XLM-R and the "
        f"'{name}' models), and copy {cache_dir} here (corpus.split.trankit_cache_dir)"
    )


def import_trankit(lang: str):
    """The trankit module, or one message: which language needs it and the alternatives."""
    try:
        import trankit
    except ImportError as error:
        if error.name != "trankit":
            raise SplitError(f"Trankit is installed in {sys.executable} but does not import "
                             f"({error}); rebuild the envs/trankit.yaml environment") from None
        raise SplitError(
            f"language '{lang}' is configured for the trankit sentence splitter, but Trankit "
            f"is not installed in this Python ({sys.executable}). Trankit needs an older "
            "torch and runs in its own environment: run Snakemake with `--sdm conda` so "
            "that envs/trankit.yaml is built for rule split_trankit, or set "
            f"another backend for the language in the config, e.g. "
            f"`corpus.split.backends: {{{lang}: moses}}`"
        ) from None
    return trankit


def trankit_splitter(lang: str, model: str | None, cache_dir: str | os.PathLike,
                     threads: int) -> SplitParagraphs:
    """A sentence splitter from Trankit's pipeline ``model`` (default: Trankit's name for
    ``lang``), loaded from ``cache_dir`` only."""
    trankit = import_trankit(lang)
    import torch
    from trankit.adapter_transformers import file_utils
    from trankit.utils.tbinfo import code2lang, supported_langs

    name = model or code2lang.get(lang)
    if name is None:
        raise SplitError(f"Trankit has no model named after language '{lang}'; choose one "
                         f"of its pipelines in the config, corpus.split.trankit_models: "
                         f"{{{lang}: NAME}} (the paper used arabic for azb, ka, my, ne, "
                         f"new, pnb)")
    if name not in supported_langs:
        raise SplitError(f"'{name}' (language '{lang}') is not a Trankit pipeline; use one "
                         f"of {', '.join(sorted(supported_langs))}")
    # Without these Trankit's Pipeline downloads the language's models.
    model_dir = Path(cache_dir) / EMBEDDING / name
    for required in (model_dir / f"{name}.downloaded", model_dir / f"{name}.tokenizer.mdl"):
        if not required.is_file():
            raise SplitError(f"no Trankit model '{name}' for language '{lang}' in {cache_dir}: "
                             f"{required} is missing. {_fetch_hint(name, cache_dir)}")
    # Trankit's bundled transformers asks the hub whether XLM-R changed on every load and
    # downloads it if so; its own local_files_only switch keeps it to the cache.
    get_from_cache = file_utils.get_from_cache

    def cached_only(url, **kwargs):
        return get_from_cache(url, **{**kwargs, "local_files_only": True})

    file_utils.get_from_cache = cached_only
    torch.set_num_threads(threads)
    # Trankit reports progress with print(): keep stdout for data, send it to the log.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            pipeline = trankit.Pipeline(name, cache_dir=str(cache_dir), gpu=False)
        except (OSError, ValueError) as error:
            raise SplitError(f"cannot load Trankit's '{name}' pipeline (language '{lang}') "
                             f"from {cache_dir}: {str(error).rstrip('.')}. "
                             f"{_fetch_hint(name, cache_dir)}") from None

    def split_paragraphs(paragraphs: list[str]) -> list[str]:
        # Trankit splits its input into paragraphs at blank lines and never carries a
        # sentence across one, so one call per document splits each paragraph on its own.
        with contextlib.redirect_stdout(sys.stderr):
            document = pipeline.ssplit("\n\n".join(paragraphs))
        return [sentence["text"] for sentence in document["sentences"]]

    return split_paragraphs


# ------------------------------------------------------------------------ command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", required=True,
                        help="articles.jsonl.gz from `mtickets extract`")
    parser.add_argument("--lang", required=True, help="Wikipedia language code")
    parser.add_argument("--model", default=None,
                        help="Trankit pipeline name, e.g. arabic (default: Trankit's name "
                             "for --lang: he -> hebrew, hy -> armenian, ar -> arabic)")
    parser.add_argument("--cache-dir", required=True,
                        help=f"Trankit cache: {EMBEDDING}/ (XLM-R) and {EMBEDDING}/NAME/")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", required=True, help="output sentences.txt.gz")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        splitter = trankit_splitter(args.lang, args.model, args.cache_dir, args.threads)
        articles, documents, sentences = write_sentences(args.articles, args.out, args.lang,
                                                         splitter)
    except SplitError as error:
        log.error("%s", error)
        return 1
    log.info("%s: %d articles -> %d documents, %d sentences (trankit) in %s", args.lang,
             articles, documents, sentences, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
