"""mtickets split: Moses and Stanza backends, document layout, parallel determinism;
the Trankit backend's standalone script (own environment) and its wiring."""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
import logging
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from demo_text import as_documents, demo_sentences

from mtickets import cli
from mtickets.corpus import split
from mtickets.errors import MticketsError
from mtickets.corpus.split import MosesBackend, split_articles

REPO = Path(__file__).resolve().parents[1]


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
    with caplog.at_level(logging.INFO, logger="mtickets.corpus.split"):
        split_articles(articles, "et", out)
    assert "sacremoses nonbreaking_prefix.et" in caplog.text
    assert read_lines(out)[:2] == ["Ta on dipl. Insener.", "Teine lause."]


def test_unknown_language_falls_back_to_english_with_warning(tmp_path, caplog):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Si Dr. Cruz ang maestro. Tuod kini."])
    out = tmp_path / "ceb.txt.gz"
    with caplog.at_level(logging.WARNING, logger="mtickets.corpus.split"):
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
    """A real Stanza tokenize model for "xx", trained offline on the demo's English UD sentences."""
    from mtickets.testdata.stanza_train import train_stanza_tokenizer

    root = tmp_path_factory.mktemp("stanza") / "model"
    train_stanza_tokenizer(as_documents(demo_sentences("train")), "xx", root)
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
    assert documents == ["Hello world.\nThis is it.\nSecond paragraph here.",
                         "Another one.\nShort."]


# ------------------------------------------------------------------------------ Trankit
# Trankit is not installed here (it needs an older torch): these tests cover the message
# its script gives without it, the script's reading and writing with a real splitter in
# Trankit's place, and which rule Snakemake picks for a Trankit language.

TRANKIT_SCRIPT = REPO / "workflow" / "scripts" / "split_trankit.py"


def load_script():
    spec = importlib.util.spec_from_file_location("split_trankit", TRANKIT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def moses_splitter(lang: str):
    """A real splitter with the script's interface: a document's paragraphs -> sentences."""
    backend = MosesBackend(lang, None)
    return lambda paragraphs: [s for split in backend.split_paragraphs(paragraphs) for s in split]


@pytest.mark.skipif(importlib.util.find_spec("trankit") is not None,
                    reason="trankit is installed in this environment")
def test_without_trankit_one_message_names_language_and_alternatives(tmp_path):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["שלום עולם. משפט שני."])
    out = tmp_path / "out" / "sentences.txt.gz"
    result = subprocess.run(
        [sys.executable, str(TRANKIT_SCRIPT), "--articles", str(articles), "--lang", "he",
         "--cache-dir", str(tmp_path / "trankit"), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr
    message = errors[0]
    assert "language 'he'" in message and "Trankit is not installed" in message
    assert "--sdm conda" in message and "envs/trankit.yaml" in message
    assert "corpus.split.backends: {he: moses}" in message
    assert not out.exists() and not (tmp_path / "trankit").exists()


def test_script_needs_only_the_standard_library_and_trankit():
    imported = set()
    for node in ast.walk(ast.parse(TRANKIT_SCRIPT.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"trankit", "torch"}


def test_output_is_byte_identical_to_mtickets_split(tmp_path):
    # The same splitter in both: any difference is the script's reading, normalising
    # or writing, which must follow `mtickets split` exactly.
    texts = [
        "Mr. Smith went to Washington. He met Dr. Jones there!\nA second paragraph. It ends.",
        "   \n\n",
        "One sentence only\n\n  Another paragraph without a full stop  ",
        "Line\u2028separator inside. Done.",
        "",
    ]
    articles = write_articles(tmp_path / "a.jsonl.gz", texts)
    script_out, mtickets_out = tmp_path / "script.txt.gz", tmp_path / "mtickets.txt.gz"
    counts = load_script().write_sentences(articles, script_out, "en", moses_splitter("en"))
    split_articles(articles, "en", mtickets_out)
    assert script_out.read_bytes() == mtickets_out.read_bytes()
    assert counts == (5, 3, 8)
    assert read_lines(script_out)[:5] == ["Mr. Smith went to Washington.",
                                          "He met Dr. Jones there!", "A second paragraph.",
                                          "It ends.", ""]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl.gz", "mtickets.txt.gz",
                                                          "script.txt.gz"]


@pytest.mark.parametrize(("lines", "message"), [
    (['{"id": "1", "text": "Fine."}', "{not json"], "a.jsonl.gz line 2 is not an article record"),
    (['{"id": "1", "text": "  "}', '{"id": "2", "text": "\\n"}'], "gives no sentences"),
])
def test_bad_input_leaves_no_output(tmp_path, lines, message):
    script = load_script()
    articles = tmp_path / "a.jsonl.gz"
    with gzip.open(articles, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    out = tmp_path / "out" / "sentences.txt.gz"
    with pytest.raises(script.SplitError, match=message):
        script.write_sentences(articles, out, "en", moses_splitter("en"))
    assert list(out.parent.iterdir()) == []


def test_mtickets_split_points_to_the_trankit_environment(tmp_path, caplog):
    articles = write_articles(tmp_path / "a.jsonl.gz", ["Text."])
    out = tmp_path / "he.txt.gz"
    assert cli.main(["split", "--articles", str(articles), "--lang", "he", "--backend",
                     "trankit", "--out", str(out)]) == 1
    assert "language 'he'" in caplog.text and "envs/trankit.yaml" in caplog.text
    assert "--sdm conda" in caplog.text and "corpus.split.backends: {he: moses}" in caplog.text
    assert not out.exists()


def dry_run_commands(workdir: Path, *args: str) -> str:
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
               "--dry-run", "--printshellcmds", *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_trankit_languages_go_to_the_trankit_rule(tmp_path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["corpus"]["split"].update(backends={"de": "trankit", "ru": "trankit"},
                                     trankit_models={"ru": "russian-taiga"})
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    output = dry_run_commands(tmp_path, *(f"results/corpus/{lang}/sentences.txt.gz"
                                          for lang in ("en", "de", "ru")))
    assert output.count("rule split_trankit:") == 2
    assert output.count("rule split:") == 1
    assert f"{TRANKIT_SCRIPT} --articles results/corpus/de/articles.jsonl.gz" in output
    assert re.search(r"--lang de +--cache-dir resources/trankit", output)  # Trankit's "german"
    assert "--lang ru --model russian-taiga --cache-dir resources/trankit" in output
    assert "mtickets split --articles results/corpus/en/articles.jsonl.gz --lang en" in output


def test_paper_splits_azb_with_trankits_arabic_model(tmp_path):
    output = dry_run_commands(tmp_path, "--configfile", str(REPO / "config" / "paper.yaml"),
                              "--", "results/corpus/azb/sentences.txt.gz",
                              "results/corpus/he/sentences.txt.gz",
                              "results/corpus/th/sentences.txt.gz")
    assert "--lang azb --model arabic --cache-dir resources/trankit" in output
    assert re.search(r"split_trankit.py --articles \S+ --lang he +--cache-dir", output)
    assert "--lang th --backend stanza" in output
