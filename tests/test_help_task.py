"""mtickets.corpus.help_task: the LibreOffice help's UI markup as an IOB2 token classification task."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from mtickets import cli
from mtickets.corpus import help_mirror, help_task
from mtickets.evaluation import finetune
from mtickets.errors import MticketsError
from mtickets.formats.xtreme import FORMAT_LABELS, FORMAT_READERS, HELP_LABELS, read_panx
from mtickets.corpus.help_task import Example
from mtickets.evaluation.tables import FORMATS
from mtickets.evaluation.task_data import stage_task_data
from test_help_mirror import write_help

HEAD = """<!DOCTYPE html><html lang="de"><head><title>{title}</title></head><body>
<header><p>Navigation <span class="emph">Menü</span></p></header>
<div id="DisplayArea">
"""
TAIL = """</div><footer><p>Fuß</p></footer></body></html>
"""

# The markup of the real pages, each case on a paragraph of its own.
MARKUP = HEAD.format(title="Markup") + """<h1><a name="bm_1"></a>Zellen &amp; Rahmen</h1>
<p class="paragraph">Wählen Sie <span class="menuitem">Format - Zellen</span> und
<span class="emph">Rahmen</span><span class="emph">Linien</span>.</p>
<p>Drücken Sie <span class="keycode">Strg+Umschalt+F9</span> oder
<span class="emph"></span><span class="keycode"> </span>nichts.</p>
<p>Siehe <a href="de/text/a.html">Suchen <span class="emph">&amp; Ersetzen</span></a> und
<span class="emph">die <a href="de/text/b.html">Seite</a> hier</span>.</p>
<p>Geben Sie <span class="input">=SUMME(A1:A3)</span> ein; <span class="literal">True</span> gilt.</p>
<p><span class="menuitem">Extras -
 Optionen</span> über zwei<br>Zeilen, <span class="emph">Kopf<br>zeile</span>.</p>
<p>Wählen Sie <span class="switchinline"><span hidden="true" id="MACtext_1"><span class="emph">Einstellungen</span></span
><span hidden="true" id="defaulttext_1"><span class="emph">Extras - Optionen…</span></span></span>.</p>
<div class="bascode"><pre><code>MsgBox <span class="literal">"Hallo"</span></code></pre></div>
<p class="code">=SUMME(<span class="literal">A1</span>)</p>
<p><span class="avis">Ein <span class="productname">LibreOffice</span>-Tipp</span> mit
<span class="widget">Knopf</span>s.</p>
<p>– 42 –</p>
""" + TAIL


def tagged(example: Example) -> list[str]:
    return [f"{token}/{tag}" for token, tag in zip(example.tokens, example.tags)]


def test_markup_becomes_iob2_entities(tmp_path):
    write_help(tmp_path, "de", {"text/page.html": MARKUP})
    examples = help_task.page_examples(tmp_path / "de/text/page.html")
    assert [tagged(e) for e in examples] == [
        # an anchor without href marks nothing; &amp; is decoded
        ["Zellen/O", "&/O", "Rahmen/O"],
        # adjacent spans of one type are two entities
        ["Wählen/O", "Sie/O", "Format/B-UI", "-/I-UI", "Zellen/I-UI", "und/O", "Rahmen/B-UI", "Linien/B-UI", "./O"],
        # empty spans, and spans of spaces, are no entity
        ["Drücken/O", "Sie/O", "Strg/B-KEY", "+/I-KEY", "Umschalt/I-KEY", "+/I-KEY", "F9/I-KEY", "oder/O",
         "nichts/O", "./O"],
        # the outermost element decides: an emphasis inside a link is LINK, a link inside an emphasis UI
        ["Siehe/O", "Suchen/B-LINK", "&/I-LINK", "Ersetzen/I-LINK", "und/O", "die/B-UI", "Seite/I-UI", "hier/I-UI",
         "./O"],
        ["Geben/O", "Sie/O", "=/B-LIT", "SUMME/I-LIT", "(/I-LIT", "A1/I-LIT", ":/I-LIT", "A3/I-LIT", ")/I-LIT",
         "ein/O", ";/O", "True/B-LIT", "gilt/O", "./O"],
        # a span across a line break or a <br> is one entity
        ["Extras/B-UI", "-/I-UI", "Optionen/I-UI", "über/O", "zwei/O", "Zeilen/O", ",/O", "Kopf/B-UI", "zeile/I-UI",
         "./O"],
        # only the default alternative is visible
        ["Wählen/O", "Sie/O", "Extras/B-UI", "-/I-UI", "Optionen/I-UI", "…/I-UI", "./O"],
        # code listings are skipped; avis and productname are plain; a word is split at a span's end
        ["Ein/O", "LibreOffice/O", "-/O", "Tipp/O", "mit/O", "Knopf/B-UI", "s/O", "./O"],
    ]  # and "– 42 –" has no letter
    assert examples[0].plain == "Zellen & Rahmen"
    # the mirror's text, paragraph for paragraph
    mirror = help_mirror.parse_page(tmp_path / "de/text/page.html", "text/page.html")
    assert tuple(filter(None, (help_mirror.clean_paragraph(e.plain) for e in examples))) == mirror.paragraphs


def test_words_keep_combining_marks_and_drop_invisible_characters():
    assert help_task.WORD.findall("हिन्दी ការ\u200bសាកល្បង Datei\u200e-Menü x_1 3.5") == [
        "हिन्दी", "ការ", "សាកល្បង", "Datei", "-", "Menü", "x_1", "3", ".", "5"]


def page(title: str, *paragraphs: str) -> str:
    body = "".join(f'<p>{p}</p>\n' for p in paragraphs)
    return HEAD.format(title=title) + body + TAIL


def fake_help(root: Path, count: int = 30, languages=("en", "de", "fr")) -> list[str]:
    """``count`` pages in every language (fr lacks the last one); de leaves one paragraph in English."""
    relatives = [f"text/shared/{i:03d}.html" for i in range(count)]
    for lang in languages:
        pages = {}
        for i, relative in enumerate(relatives):
            if lang == "fr" and i == count - 1:
                continue
            text = f"Text {i} in {lang}, click <span class=\"emph\">Button {i}</span>."
            untranslated = f"Press <span class=\"keycode\">Enter</span> on page {i}."
            pages[relative] = page(f"Page {i}", text, untranslated if lang in ("en", "de") else f"{lang} {i}")
        write_help(root, lang, pages)
    return relatives


def test_task_pages_leave_out_the_corpus_pages_and_split_them_alike(tmp_path):
    relatives = fake_help(tmp_path)
    folders = help_mirror.language_directories(tmp_path, ["en", "de", "fr"])
    corpus = help_mirror.evenly_spaced(help_mirror.parallel_pages(folders), 10)  # what help-mirror --max-pages 10 uses
    available, used = help_task.task_pages(folders, ["de", "fr"], ["de", "fr"], 10)
    assert used == 10 and not set(available) & set(corpus)
    assert set(available) == set(relatives) - set(corpus) - {relatives[-1]}  # fr lacks the last page
    # the corpus's pages come from its own languages (de and en have the last page too)
    assert help_task.task_pages(folders, ["de", "fr"], ["de"], 10)[0] == [
        p for p in relatives[:-1] if p not in help_mirror.evenly_spaced(relatives, 10)]

    splits = help_task.split_pages(available, {"train": 8, "dev": 3, "test": 5}, seed=0)
    assert {s: len(p) for s, p in splits.items()} == {"train": 8, "dev": 3, "test": 5}
    assert all(p == sorted(p) for p in splits.values())
    assert len({p for s in splits.values() for p in s}) == 16  # disjoint
    assert help_task.split_pages(available, {"train": 8, "dev": 3, "test": 5}, seed=0) == splits
    assert help_task.split_pages(available, {"train": 8, "dev": 3, "test": 5}, seed=1) != splits
    with pytest.raises(MticketsError, match="20 task pages requested .* only 19 pages"):
        help_task.split_pages(available, {"train": 10, "dev": 5, "test": 5}, seed=0)


def test_written_task_is_the_same_pages_in_every_language(tmp_path):
    fake_help(tmp_path / "help")
    out = tmp_path / "task"
    assert cli.main(["help-task", "--help-root", str(tmp_path / "help"), "--languages", "en", "de", "fr",
                     "--corpus-languages", "de", "fr", "--corpus-max-pages", "10", "--train-pages", "6",
                     "--dev-pages", "2", "--test-pages", "3", "--out", str(out)]) == 0
    sizes = json.loads((out / "SIZES.json").read_text())
    assert {s: len(p) for s, p in sizes["split_pages"].items()} == {"train": 6, "dev": 2, "test": 3}
    assert (sizes["corpus_pages"], sizes["available_pages"], sizes["labels"]) == (10, 19, HELP_LABELS)
    for split, pages in sizes["split_pages"].items():
        numbers = [str(int(re.search(r"(\d+)\.html", page).group(1))) for page in pages]
        files = {lang: out / lang / f"{split}.tsv" for lang in ("en", "de", "fr")}
        en, de, fr = (read_panx(path, HELP_LABELS) for path in files.values())
        # the same pages, in page order, in every language; de's paragraph left in English is dropped,
        # and fr's paragraph without an entity (PAN-X keeps only sentences with a name)
        for sentences in (en[::2], de, fr):
            assert [tokens[:2] for tokens, _ in sentences] == [["Text", n] for n in numbers]
        assert [tokens[0] for tokens, _ in en[1::2]] == ["Press"] * len(pages)
        assert all(path.read_text().startswith(f"{lang}:Text\tO\n") for lang, path in files.items())
        assert sizes["languages"]["de"][split] == {
            "pages": len(pages), "sentences": len(pages), "tokens": 9 * len(pages),
            "entities": {"UI": len(pages), "KEY": 0, "LIT": 0, "LINK": 0}, "untranslated_dropped": len(pages),
            "without_entity_dropped": 0}
        assert sizes["languages"]["fr"][split]["without_entity_dropped"] == len(pages)
        assert sizes["languages"]["en"][split]["entities"]["KEY"] == len(pages)
        assert fr[0] == (["Text", numbers[0], "in", "fr", ",", "click", "Button", numbers[0], "."],
                         ["O", "O", "O", "O", "O", "O", "B-UI", "I-UI", "O"])


def test_all_paragraphs_keeps_those_without_an_entity(tmp_path):
    fake_help(tmp_path / "help")
    sizes = help_task.write_help_task(tmp_path / "help", ["fr"], ["fr"], 10, {"train": 2, "dev": 1, "test": 1},
                                      tmp_path / "task", all_paragraphs=True)
    fr = read_panx(tmp_path / "task/fr/train.tsv", HELP_LABELS)
    assert [tokens[0] for tokens, _ in fr] == ["Text", "fr", "Text", "fr"]
    assert set(fr[1][1]) == {"O"} and sizes["languages"]["fr"]["train"]["without_entity_dropped"] == 0


def test_missing_language_and_bad_sizes_are_clear_errors(tmp_path):
    fake_help(tmp_path, languages=("en", "de"))
    with pytest.raises(MticketsError, match=r"'fi': no .*fi/text.*libreoffice-help-fi"):
        help_task.write_help_task(tmp_path, ["de", "fi"], ["de"], 10, {"train": 1, "dev": 1, "test": 1},
                                  tmp_path / "out")
    with pytest.raises(MticketsError, match="every split needs at least one page"):
        help_task.write_help_task(tmp_path, ["de"], ["de"], 10, {"train": 1, "dev": 0, "test": 1}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_staged_by_task_data_and_read_by_finetune(tmp_path, monkeypatch):
    fake_help(tmp_path / "help")
    help_task.write_help_task(tmp_path / "help", ["en", "de"], ["de"], 10, {"train": 4, "dev": 2, "test": 3},
                              tmp_path / "task")
    staged = tmp_path / "staged"
    assert stage_task_data("help_ui", "de", "help_ui", str(tmp_path / "task/{lang}/{split}.tsv"), staged) == {
        "train": 4, "dev": 2, "test": 3}
    assert FORMAT_READERS["help_ui"](staged / "train.tsv", FORMAT_LABELS["help_ui"])[0][1][-3:] == [
        "B-UI", "I-UI", "O"]
    with pytest.raises(MticketsError, match=r"help_ui data is read from one file per split.*\{lang\}/\{split\}\.tsv"):
        stage_task_data("help_ui", "de", "help_ui", str(tmp_path / "task"), tmp_path / "staged2")
    assert "help_ui" in FORMATS

    # fine-tuning takes the labels from the format: the help's, in HELP_LABELS's order
    seen = {}

    def stop(cfg, tokenizer, label2id):
        seen.update(label2id)
        raise MticketsError("stop")

    monkeypatch.setattr(finetune, "load_tokenizer", lambda path: None)
    monkeypatch.setattr(finetune, "read_splits", stop)
    argv = ["finetune", "--model", str(tmp_path), "--task", "ui", "--format", "help_ui", "--lang", "de",
            "--train", str(staged / "train.tsv"), "--dev", str(staged / "dev.tsv"), "--test",
            str(staged / "test.tsv"), "--device", "cpu", "--out", str(tmp_path / "ft/metrics.json")]
    assert cli.main(argv) == 1
    assert list(seen) == HELP_LABELS == FORMAT_LABELS["help_ui"]
    assert HELP_LABELS == ["O", "B-UI", "I-UI", "B-KEY", "I-KEY", "B-LIT", "I-LIT", "B-LINK", "I-LINK"]


def installed_help() -> Path:
    root = Path(os.environ.get("MTICKETS_HELP_ROOT") or help_mirror.INSTALLED_ROOT)
    if not all((root / help_mirror.help_directory(lang) / "text").is_dir() for lang in ("en", "de")):
        pytest.skip(f"no en and de LibreOffice help under {root}: set MTICKETS_HELP_ROOT or install "
                    "libreoffice-help-en-us and libreoffice-help-de")
    return root


MARKED = {"UI": r'<span class="(?:emph|menuitem|widget)"', "KEY": r'<span class="keycode"',
          "LIT": r'<span class="(?:literal|input)"', "LINK": r"<a [^>]*href="}


def test_real_help_entities_follow_its_markup():
    folders = help_mirror.language_directories(installed_help(), ["en", "de"])
    pages = help_mirror.evenly_spaced(help_mirror.parallel_pages(folders), 40)
    entities = {}
    for lang, folder in folders.items():
        marked, found = Counter(), Counter()
        for relative in pages:
            html = (folder / relative).read_text(encoding="utf-8")
            display = html[html.index('id="DisplayArea"'):].split("<footer")[0]
            marked.update({kind: len(re.findall(pattern, display)) for kind, pattern in MARKED.items()})
            examples = help_task.page_examples(folder / relative)
            found.update(tag[2:] for e in examples for tag in e.tags if tag.startswith("B-"))
            assert all(len(e.tokens) == len(e.tags) and e.tokens for e in examples)
        # hidden alternatives, code and nested markup hold some of the marked spans, never more
        assert all(found[kind] <= marked[kind] for kind in MARKED), (found, marked)
        assert all(found[kind] >= 0.7 * marked[kind] for kind in MARKED if marked[kind] >= 20), (found, marked)
        entities[lang] = found
    assert all(abs(entities["de"][k] - entities["en"][k]) <= 0.1 * entities["en"][k] + 2 for k in MARKED)
