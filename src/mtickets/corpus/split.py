"""Split extracted articles into sentences (Moses heuristics or a Stanza model).

Reads ``articles.jsonl.gz`` and writes ``sentences.txt.gz``: gzip UTF-8 text, one
sentence per line and one blank line after each document. Each paragraph (line of
an article's ``text``) is split on its own. Backends: ``moses`` (the
``sentence_splitter`` port of the Moses splitter, with the language's non-breaking
prefixes from sentence_splitter or sacremoses, else English) and ``stanza`` (a
tokenize-only Stanza pipeline loaded from ``--model-dir``; never downloads). The third
backend, ``trankit``, needs an older torch and runs in its own environment
(envs/trankit.yaml) as workflow/scripts/split_trankit.py, with the same output.
``--threads`` splits chunks of documents in parallel; output order is the input order.
"""

from __future__ import annotations

import abc
import argparse
import collections
import json
import logging
import multiprocessing
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from tqdm import tqdm

from mtickets.errors import MticketsError
from mtickets.formats.text import gzip_text_writer, open_gzip_text

log = logging.getLogger(__name__)

BACKENDS = ("moses", "stanza")
TRANKIT = "trankit"  # same contract, own environment: workflow/scripts/split_trankit.py
DOCUMENTS_PER_CHUNK = 64


# ------------------------------------------------------------------------ backends


class SentenceBackend(abc.ABC):
    """Splits one paragraph (no newlines) into sentences."""

    @abc.abstractmethod
    def split_paragraphs(self, paragraphs: Sequence[str]) -> list[list[str]]:
        """Sentences of each paragraph, in order."""


@dataclass(frozen=True)
class BackendSpec:
    """Everything a worker process needs to build its own backend (picklable)."""

    name: str
    lang: str
    prefix_file: str | None = None  # moses
    model_dir: str | None = None  # stanza

    def build(self) -> SentenceBackend:
        if self.name == "moses":
            return MosesBackend(self.lang, self.prefix_file)
        if self.name == "stanza":
            return StanzaBackend(self.lang, self.model_dir)
        raise MticketsError(f"unknown sentence splitter backend '{self.name}'; "
                            f"use one of {', '.join(BACKENDS)}")


class MosesBackend(SentenceBackend):
    def __init__(self, lang: str, prefix_file: str | None):
        from sentence_splitter import SentenceSplitter

        # sentence_splitter accepts only two-letter codes, but uses the code solely to
        # find its own prefix file; with an explicit file any valid code will do.
        code = lang if re.fullmatch(r"[a-z]{2}", lang) else "en"
        self._splitter = SentenceSplitter(language=code, non_breaking_prefix_file=prefix_file)

    def split_paragraphs(self, paragraphs: Sequence[str]) -> list[list[str]]:
        return [self._splitter.split(p) for p in paragraphs]


class StanzaBackend(SentenceBackend):
    def __init__(self, lang: str, model_dir: str | None):
        check_stanza_model(lang, model_dir)
        import stanza
        import torch

        torch.set_num_threads(1)
        try:
            self._pipeline = stanza.Pipeline(
                lang=lang, dir=model_dir, processors="tokenize", download_method=None,
                use_gpu=False, logging_level="WARN",
            )
        except (FileNotFoundError, ValueError, KeyError) as error:
            raise MticketsError(
                f"cannot load the Stanza tokenize model of language '{lang}' from {model_dir}: "
                f"{error}. {_stanza_hint(lang, model_dir)}"
            ) from None
        self._document = stanza.Document

    def split_paragraphs(self, paragraphs: Sequence[str]) -> list[list[str]]:
        if not paragraphs:
            return []
        docs = self._pipeline([self._document([], text=p) for p in paragraphs])
        return [[sentence.text for sentence in doc.sentences] for doc in docs]


def _stanza_hint(lang: str, model_dir: str | None) -> str:
    where = model_dir or "DIR"
    return (
        f"The split stage never downloads: fetch the model once on a machine with network "
        f"access, `python -c \"import stanza; stanza.download('{lang}', model_dir='{where}', "
        f"processors='tokenize')\"`, and copy that directory here (--model-dir {where})"
    )


def check_stanza_model(lang: str, model_dir: str | os.PathLike | None) -> None:
    """Error (language, path, how to provide it) unless ``model_dir`` holds a tokenize model."""
    if model_dir is None:
        raise MticketsError(
            f"--backend stanza needs --model-dir for language '{lang}'. {_stanza_hint(lang, None)}"
        )
    root = Path(model_dir)
    resources = root / "resources.json"
    models = sorted((root / lang / "tokenize").glob("*.pt"))
    if not resources.is_file() or not models:
        missing = resources if not resources.is_file() else root / lang / "tokenize" / "*.pt"
        raise MticketsError(
            f"no Stanza tokenize model for language '{lang}' in {root}: {missing} is missing. "
            f"{_stanza_hint(lang, str(root))}"
        )


@dataclass(frozen=True)
class PrefixSource:
    """Where the Moses non-breaking prefixes of a language come from."""

    description: str
    text: str | None  # None: sentence_splitter's own file for the language
    fallback: bool = False  # True: the English list stands in for a missing one


def moses_prefix_source(lang: str) -> PrefixSource:
    """sentence_splitter's list for ``lang``, else sacremoses', else English."""
    import sentence_splitter

    own = Path(sentence_splitter.__file__).parent / "non_breaking_prefixes" / f"{lang}.txt"
    if own.is_file():
        return PrefixSource(f"sentence_splitter {own.name}", None)
    from sacremoses.corpus import NonbreakingPrefixes

    available = NonbreakingPrefixes().available_langs
    if lang in available:
        code = available[lang]
        return PrefixSource(f"sacremoses nonbreaking_prefix.{code}", _sacremoses_prefixes(code))
    return PrefixSource("sacremoses nonbreaking_prefix.en", _sacremoses_prefixes("en"),
                        fallback=True)


def _sacremoses_prefixes(code: str) -> str:
    """The Moses prefix file of ``code`` as sacremoses ships it (comments, #NUMERIC_ONLY#)."""
    try:  # sacremoses >= 0.2 serves the files from code
        from sacremoses._data_nonbreaking_prefixes import NONBREAKING_PREFIXES

        return NONBREAKING_PREFIXES[f"nonbreaking_prefix.{code}"]
    except (ImportError, KeyError):
        from sacremoses.corpus import NonbreakingPrefixes

        return "\n".join(NonbreakingPrefixes().words(code)) + "\n"


# ------------------------------------------------------------------------ splitting


def sentences_of(document: str, backend: SentenceBackend) -> list[str]:
    """The sentences of one article text: paragraphs split separately, empties dropped."""
    paragraphs = [p.strip() for p in document.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    sentences = []
    for split in backend.split_paragraphs(paragraphs):
        for sentence in split:
            # A sentence is one line whatever a reader counts as a line break.
            sentence = " ".join(part.strip() for part in sentence.splitlines()).strip()
            if sentence:
                sentences.append(sentence)
    return sentences


_worker_backend: SentenceBackend | None = None
_worker_spec: BackendSpec | None = None


def _backend_for(spec: BackendSpec) -> SentenceBackend:
    """This process's backend, built once (model loading is the expensive part)."""
    global _worker_backend, _worker_spec
    if _worker_backend is None or _worker_spec != spec:
        _worker_backend = spec.build()
        _worker_spec = spec
    return _worker_backend


def _split_chunk(spec: BackendSpec, documents: list[str]) -> tuple[str, int, int]:
    """Split a chunk of documents; returns (output text, documents kept, sentences)."""
    backend = _backend_for(spec)
    parts = []
    kept = sentences = 0
    for document in documents:
        lines = sentences_of(document, backend)
        if lines:
            parts.append("\n".join(lines) + "\n\n")
            kept += 1
            sentences += len(lines)
    return "".join(parts), kept, sentences


def read_article_texts(path: str | os.PathLike) -> Iterator[str]:
    """The ``text`` of each record of an ``articles.jsonl.gz`` file."""
    with open_gzip_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise MticketsError(
                    f"{path} line {number} is not an article record {{\"id\", \"url\", "
                    f"\"title\", \"text\"}} ({error}); rerun `mtickets extract`"
                ) from None
            yield text


def _chunks(items: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class SplitStats:
    articles: int = 0
    documents: int = 0
    sentences: int = 0


def split_articles(articles: str | os.PathLike, lang: str, out: str | os.PathLike,
                   backend: str = "moses", model_dir: str | os.PathLike | None = None,
                   threads: int = 1, documents_per_chunk: int = DOCUMENTS_PER_CHUNK) -> SplitStats:
    """Write the sentences of ``articles`` to ``out`` (gzip, blank line after each document)."""
    if backend == TRANKIT:
        raise MticketsError(
            f"the trankit backend (language '{lang}') does not run in `mtickets split`: "
            "Trankit needs an older torch and has its own environment, envs/trankit.yaml, "
            "and script, workflow/scripts/split_trankit.py. Run Snakemake with `--sdm conda` "
            "(rule split_trankit) or that script with the environment's python, "
            f"or set another backend for the language, `corpus.split.backends: {{{lang}: moses}}`"
        )
    if backend not in BACKENDS:
        raise MticketsError(f"unknown --backend '{backend}'; use one of {', '.join(BACKENDS)}")
    if not Path(articles).is_file():
        raise MticketsError(f"articles file {articles} (language '{lang}') does not exist; "
                            f"run `mtickets extract` first")
    stats = SplitStats()
    with tempfile.TemporaryDirectory(prefix="mtickets-split-") as tmp:
        if backend == "moses":
            source = moses_prefix_source(lang)
            prefix_file = None
            if source.text is not None:
                prefix_file = str(Path(tmp) / f"nonbreaking_prefix.{lang}")
                Path(prefix_file).write_text(source.text, encoding="utf-8")
            if source.fallback:
                log.warning("no Moses non-breaking prefix list for language '%s' in "
                            "sentence_splitter or sacremoses; using the English list", lang)
            else:
                log.info("Moses non-breaking prefixes of '%s': %s", lang, source.description)
            spec = BackendSpec("moses", lang, prefix_file=prefix_file)
        else:
            check_stanza_model(lang, model_dir)
            spec = BackendSpec("stanza", lang, model_dir=str(model_dir))
        texts = read_article_texts(articles)

        def counted(items: Iterator[str]) -> Iterator[str]:
            for item in items:
                stats.articles += 1
                yield item

        chunks = _chunks(counted(texts), documents_per_chunk)
        with gzip_text_writer(out) as sink, \
                tqdm(desc=f"split {lang}", unit=" articles", disable=None) as bar:
            for text, kept, sentences in _map_ordered(spec, chunks, threads):
                sink.write(text)
                stats.documents += kept
                stats.sentences += sentences
                bar.update(stats.articles - bar.n)
            if stats.sentences == 0:
                raise MticketsError(
                    f"{articles} (language '{lang}') gives no sentences ({stats.articles} "
                    f"articles); check that extraction produced text for this language"
                )
    log.info("%s: %d articles -> %d documents, %d sentences (%s backend) in %s", lang,
             stats.articles, stats.documents, stats.sentences, backend, out)
    return stats


def _map_ordered(spec: BackendSpec, chunks: Iterator[list[str]],
                 threads: int) -> Iterator[tuple[str, int, int]]:
    """Results of ``_split_chunk`` over ``chunks`` in input order, at most a few in flight."""
    if threads <= 1:
        for chunk in chunks:
            yield _split_chunk(spec, chunk)
        return
    # Stanza workers load torch models: spawn them clean rather than forking a process
    # that may hold threads. Moses workers are plain Python: fork starts fastest.
    context = multiprocessing.get_context("spawn" if spec.name == "stanza" else "fork")
    with context.Pool(threads) as pool:
        pending: collections.deque = collections.deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_split_chunk, (spec, chunk)))
            if len(pending) >= 4 * threads:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", required=True,
                        help="articles.jsonl.gz from `mtickets extract`")
    parser.add_argument("--lang", required=True, help="Wikipedia language code")
    parser.add_argument("--backend", choices=(*BACKENDS, TRANKIT), default="moses",
                        help="sentence splitter (trankit: see workflow/scripts/split_trankit.py)")
    parser.add_argument("--model-dir", default=None,
                        help="Stanza model directory (resources.json, {lang}/tokenize/*.pt)")
    parser.add_argument("--out", required=True, help="output sentences.txt.gz")
    parser.add_argument("--threads", type=int, default=1, help="worker processes (default 1)")


def main(args: argparse.Namespace) -> None:
    split_articles(args.articles, args.lang, args.out, backend=args.backend,
                   model_dir=args.model_dir, threads=args.threads)
