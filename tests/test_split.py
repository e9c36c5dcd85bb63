"""mtickets split: Moses and Stanza backends, document layout, parallel determinism."""

from __future__ import annotations

import gzip
import json
import logging
import random
from pathlib import Path

import pytest

from mtickets import cli, split
from mtickets.errors import MticketsError
from mtickets.split import split_articles


def write_articles(path: Path, texts: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            record = {"id": str(i), "url": f"https://xx.wikipedia.org/wiki?curid={i}",
                      "title": f"T{i}", "text": text}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def read_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().split("\n")


def test_moses_layout(tmp_path):
    articles = write_articles(tmp_path / "articles.jsonl.gz", [
        "Mr. Smith went to Washington. He met Dr. Jones there!\nA second paragraph. It ends here.",
        "   \n\n",  # nothing to split: no document at all
        "One sentence only\n\n  Another paragraph without a full stop  ",
        "Line\u2028separator inside. Done.",
    ])
    out = tmp_path / "sentences.txt.gz"
    stats = split_articles(articles, "en", out)
    assert read_lines(out) == [
        "Mr. Smith went to Washington.",
        "He met Dr. Jones there!",
        "A second paragraph.",
        "It ends here.",
        "",
        "One sentence only",
        "Another paragraph without a full stop",
        "",
        "Line separator inside.",
        "Done.",
        "",
        "",  # the file ends with the blank line after the last document
    ]
    assert (stats.articles, stats.documents, stats.sentences) == (4, 3, 8)


def test_paragraphs_are_split_separately(tmp_path):
    # Without a paragraph boundary Moses would not split after "Introduction".
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Introduction\nThe text starts here."])
    out = tmp_path / "s.txt.gz"
    split_articles(articles, "en", out)
    assert read_lines(out)[:2] == ["Introduction", "The text starts here."]


def test_threads_give_identical_bytes(tmp_path):
    rng = random.Random(7)
    words = ["alpha", "beta", "Dr.", "gamma", "St.", "delta", "e.g.", "No.", "5", "epsilon"]
    texts = []
    for _ in range(300):
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 12))).capitalize()
                         + rng.choice([".", "!", "?"]) for _ in range(rng.randint(1, 5))]
            paragraphs.append(" ".join(sentences))
        texts.append("\n".join(paragraphs))
    articles = write_articles(tmp_path / "a.jsonl.gz", texts)
    one, many = tmp_path / "one.txt.gz", tmp_path / "many.txt.gz"
    split_articles(articles, "en", one, threads=1)
    assert cli.main(["split", "--articles", str(articles), "--lang", "en", "--backend", "moses",
                     "--model-dir", str(tmp_path / "unused"), "--threads", "3",
                     "--out", str(many)]) == 0
    split_articles(articles, "en", tmp_path / "small_chunks.txt.gz", threads=2,
                   documents_per_chunk=7)
    assert one.read_bytes() == many.read_bytes()
    assert one.read_bytes() == (tmp_path / "small_chunks.txt.gz").read_bytes()
    assert read_lines(one).count("") == 300 + 1


def test_sacremoses_prefixes_for_language_sentence_splitter_lacks(tmp_path, caplog):
    # Estonian: not in sentence_splitter, in sacremoses (its list has "dipl").
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Ta on dipl. Insener. Teine lause."])
    out = tmp_path / "et.txt.gz"
    with caplog.at_level(logging.INFO, logger="mtickets.split"):
        split_articles(articles, "et", out)
    assert "sacremoses nonbreaking_prefix.et" in caplog.text
    assert read_lines(out)[:2] == ["Ta on dipl. Insener.", "Teine lause."]


def test_unknown_language_falls_back_to_english_with_warning(tmp_path, caplog):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Si Dr. Cruz ang maestro. Tuod kini."])
    out = tmp_path / "ceb.txt.gz"
    with caplog.at_level(logging.WARNING, logger="mtickets.split"):
        split_articles(articles, "ceb", out)  # three letters: sentence_splitter rejects those
    assert "no Moses non-breaking prefix list for language 'ceb'" in caplog.text
    assert "English" in caplog.text
    assert read_lines(out)[:2] == ["Si Dr. Cruz ang maestro.", "Tuod kini."]


def test_stanza_missing_model_explains_how_to_provide_it(tmp_path):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Text."])
    model_dir = tmp_path / "stanza"
    out = tmp_path / "th.txt.gz"
    with pytest.raises(MticketsError) as error:
        split_articles(articles, "th", out, backend="stanza", model_dir=model_dir)
    message = str(error.value)
    assert "'th'" in message and str(model_dir) in message
    assert "stanza.download('th'" in message and "never downloads" in message
    assert not out.exists()


def test_stanza_requires_model_dir(tmp_path):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Text."])
    with pytest.raises(MticketsError, match="--backend stanza needs --model-dir"):
        split_articles(articles, "th", tmp_path / "o.txt.gz", backend="stanza")


class _FakeSentence:
    def __init__(self, text):
        self.text = text


class _FakeDocument:
    def __init__(self, _sentences, text):
        self.text = text
        self.sentences = []


class _FakePipeline:
    """Stands in for stanza.Pipeline: splits on '|' so the glue code can be checked."""

    calls: list[dict] = []

    def __init__(self, **kwargs):
        _FakePipeline.calls.append(kwargs)

    def __call__(self, docs):
        for doc in docs:
            doc.sentences = [_FakeSentence(s) for s in doc.text.split("|")]
        return docs


def test_stanza_backend_glue(tmp_path, monkeypatch):
    import stanza

    model_dir = tmp_path / "stanza"
    (model_dir / "th" / "tokenize").mkdir(parents=True)
    (model_dir / "th" / "tokenize" / "orchid.pt").write_bytes(b"")
    (model_dir / "resources.json").write_text("{}")
    monkeypatch.setattr(stanza, "Pipeline", _FakePipeline)
    monkeypatch.setattr(stanza, "Document", _FakeDocument)
    monkeypatch.setattr(split, "_worker_backend", None)
    articles = write_articles(tmp_path / "a.jsonl.gz", ["ก ข| ค\nง", "จ|  |ฉ"])
    out = tmp_path / "th.txt.gz"
    split_articles(articles, "th", out, backend="stanza", model_dir=model_dir)
    assert read_lines(out) == ["ก ข", "ค", "ง", "", "จ", "ฉ", "", ""]
    kwargs = _FakePipeline.calls[-1]
    assert kwargs["download_method"] is None and kwargs["processors"] == "tokenize"
    assert kwargs["dir"] == str(model_dir) and kwargs["lang"] == "th"


def test_bad_article_line_names_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(json.dumps({"id": "1", "text": "Fine."}) + "\n{not json\n")
    with pytest.raises(MticketsError, match=r"a.jsonl.gz line 2 is not an article record"):
        split_articles(path, "en", tmp_path / "o.txt.gz")
    assert not (tmp_path / "o.txt.gz").exists()


def test_no_sentences_is_an_error(tmp_path):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["  ", "\n"])
    with pytest.raises(MticketsError, match="gives no sentences"):
        split_articles(articles, "en", tmp_path / "o.txt.gz")
    assert not (tmp_path / "o.txt.gz").exists()


def test_missing_articles(tmp_path):
    with pytest.raises(MticketsError, match="does not exist"):
        split_articles(tmp_path / "none.jsonl.gz", "en", tmp_path / "o.txt.gz")


@pytest.fixture(scope="module")
def stanza_model_dir(tmp_path_factory) -> Path:
    """A Stanza model directory with a tiny, randomly initialised tokenize model.

    Laid out as stanza.download() leaves it (resources.json, {lang}/tokenize/*.pt),
    so the real loading path runs offline; its sentence boundaries are arbitrary.
    """
    import torch
    from stanza.models.tokenization.trainer import Trainer
    from stanza.models.tokenization.vocab import Vocab
    from stanza.models.tokenizer import DEFAULT_FEAT_FUNCS, parse_args

    root = tmp_path_factory.mktemp("stanza")
    args = parse_args(["--lang", "xx", "--shorthand", "xx_test", "--emb_dim", "4",
                       "--hidden_dim", "4", "--no_use_mwt"])
    args.update(feat_funcs=DEFAULT_FEAT_FUNCS, feat_dim=len(DEFAULT_FEAT_FUNCS), vocab_size=40)
    vocab = Vocab([[(c, 0) for c in "Hello world. This is it."]], "xx")
    torch.manual_seed(0)
    (root / "xx" / "tokenize").mkdir(parents=True)
    Trainer(args=args, vocab=vocab, device="cpu").save(str(root / "xx" / "tokenize" / "test.pt"))
    resources = {"xx": {"lang_name": "Test", "packages": {"default": {"tokenize": "test"}},
                        "tokenize": {"test": {}}, "default_processors": {"tokenize": "test"}}}
    (root / "resources.json").write_text(json.dumps(resources))
    return root


def test_stanza_backend_with_a_real_model(tmp_path, stanza_model_dir, monkeypatch):
    monkeypatch.setattr(split, "_worker_backend", None)
    texts = ["Hello world. This is it.\nSecond paragraph here.", "Another one. Short.", "   "]
    articles = write_articles(tmp_path / "a.jsonl.gz", texts)
    one, two = tmp_path / "one.txt.gz", tmp_path / "two.txt.gz"
    split_articles(articles, "xx", one, backend="stanza", model_dir=stanza_model_dir)
    split_articles(articles, "xx", two, backend="stanza", model_dir=stanza_model_dir,
                   threads=2, documents_per_chunk=1)
    assert one.read_bytes() == two.read_bytes()
    documents = "\n".join(read_lines(one)).strip("\n").split("\n\n")
    assert len(documents) == 2
    for document, text in zip(documents, texts):
        # Whatever the random model decides, no text is lost or moved across lines.
        assert "".join(document.split()) == "".join(text.split())
        assert all(line.strip() for line in document.split("\n"))
