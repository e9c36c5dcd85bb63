"""mtickets.corpus.help_mirror: LibreOffice help pages as a dumps mirror that download + extract read."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mtickets import cli
from mtickets.corpus import help_mirror
from mtickets.corpus.download import download_dump
from mtickets.errors import MticketsError
from mtickets.corpus.extract import extract_articles

# The structure of a real page (text/shared/optionen/01060100.html and others), shortened.
PAGE = """<!DOCTYPE html>
<html lang="de" dir="ltr">
<head>
<base href="../../../../">
<noscript><meta http-equiv="refresh" content="0; URL=../../../../de/noscript.html"></noscript>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Anzeige &amp; Ansicht</title>
<script type="text/javascript" src="help.js" defer></script>
</head>
<body>
<header id="TopLeftHeader"><a class="logo" href="x.html"><p dir="auto">Hilfe für LibreOffice 7.4</p></a></header>
<aside class="leftside"><div id="Index"><div class="index-label" dir="auto">Index</div></div></aside>
<div id="DisplayArea" itemprop="softwareHelp">
<h1 id="hd_1" dir="auto"><a name="x"></a>Ansicht</h1>
<p id="par_1" class="paragraph" dir="auto"><span class="avis">Hier   bestimmen Sie,
 welche Elemente</span> angezeigt werden.</p>
<div class="howtogetbody"><div class="embedded"><p class="embedded" dir="auto">Wählen Sie <span id="sw_1" class="switchinline"><span hidden="true" id="MACtext_1" class="MAC"><span class="emph">LibreOffice – Einstellungen</span></span><span hidden="true" id="defaulttext_1"><span class="emph">Extras – Optionen…</span></span></span> – Ansicht.</p></div></div>
<span id="sw_2" class="switch"><span hidden="true" id="CALCtext_2" class="CALC"><p class="paragraph">Nur in Calc.</p></span></span>
<ul dir="auto"><li dir="auto"><p class="listitem">Erster Punkt mit [[Klammern]] und {{Vorlage}}.</p><p>{Menge} fällt weg</p></li>
<li dir="auto">''kursiv'' &lt;b&gt; &quot;zitiert&quot; __NOTOC__ * Stern</li></ul>
<table border="1"><tr><th><p class="tableheadintable">Kopf<br>zeile</p></th></tr>
<tr><td><p class="tablecontentintable">Zelle &#252;ber</p></td><td><p>42</p></td></tr></table>
<div class="bascode"><pre dir="auto"><code class="language-visual-basic">Sub Main
  MsgBox "Hallo"
End Sub</code></pre></div>
<p class="code" dir="auto">=SUMME(A1:A3)</p>
<p class="paragraph"><img src="media/x.svg" alt="Symbol für Suchen">Suchen  .</p>
<p class="paragraph">* Wildcard, ...... am Ende ( mit Raum ) .</p>
<p class="paragraph">(Nur Hinweis)</p>
<p class="paragraph">–  •  ✓</p>
</div>
<div id="SearchFrame"></div>
<footer><div id="DEBUG" class="debug"><p dir="auto">Title is: Ansicht</p></div></footer>
</body>
</html>
"""


def write_help(root: Path, lang: str, pages: dict[str, str]) -> None:
    for relative, html in pages.items():
        path = root / help_mirror.help_directory(lang) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")


def test_parser_keeps_the_visible_display_area(tmp_path):
    write_help(tmp_path, "de", {"text/shared/page.html": PAGE})
    page = help_mirror.parse_page(tmp_path / "de/text/shared/page.html", "text/shared/page.html")
    assert page.title == "Anzeige & Ansicht"
    assert page.paragraphs == (
        "Ansicht",
        "Hier bestimmen Sie, welche Elemente angezeigt werden.",
        "Wählen Sie Extras – Optionen… – Ansicht.",  # the default alternative only
        "Erster Punkt mit [[Klammern]] und {{Vorlage}}.",
        "''kursiv'' <b> \"zitiert\" __NOTOC__ * Stern",
        "Kopf zeile",
        "Zelle über",
        "Suchen.",  # what WikiExtractor would do to it anyway
        "Wildcard... am Ende (mit Raum).",  # a leading list marker is dropped
    )


def test_wikitext_hides_markup_from_wikiextractor():
    text = help_mirror.wikitext(("[[a|b]] {{c}}", "''d'' <e> &amp;"))
    assert text == ("&#91;&#91;a&#124;b&#93;&#93; &#123;&#123;c&#125;&#125;\n\n"
                    "&#39;&#39;d&#39;&#39; &#60;e&#62; &#38;amp;")


def test_missing_language_is_one_clear_error(tmp_path):
    write_help(tmp_path / "help", "de", {"text/a.html": PAGE})
    with pytest.raises(MticketsError) as error:
        help_mirror.write_help_mirror(tmp_path / "help", ["de", "en", "fi"], tmp_path / "out")
    message = str(error.value)
    assert "'en'" in message and "'fi'" in message and "'de'" not in message
    assert str(tmp_path / "help" / "en-US" / "text") in message
    assert "apt-get install --no-install-recommends libreoffice-help-en-us libreoffice-help-fi" \
        in message and "dpkg -x" in message and "--help-root" in message
    assert not (tmp_path / "out").exists()  # nothing written, not even de


def test_pages_are_those_in_every_language_and_max_pages_is_deterministic(tmp_path):
    common = [f"text/s{i % 3}/p{i:02d}.html" for i in range(12)]
    write_help(tmp_path, "de", {path: PAGE.replace("Ansicht", f"Ansicht {path}") for path in
                                [*common, "text/only_de.html"]})
    write_help(tmp_path, "fi", {path: PAGE.replace("Ansicht", f"Näkymä {path}") for path in
                                [*common, "text/only_fi.html"]})
    folders = help_mirror.language_directories(tmp_path, ["de", "fi"])
    assert help_mirror.parallel_pages(folders) == sorted(common)
    assert help_mirror.evenly_spaced(sorted(common), 4) == sorted(common)[::3]
    digests = []
    for out in ("one", "two"):
        source = help_mirror.write_help_mirror(tmp_path, ["de", "fi"], tmp_path / out, max_pages=5,
                                               keep_untranslated=True)
        assert source["languages"]["fi"]["pages"] == source["pages_requested"] == 5
        digests.append({path.relative_to(tmp_path / out).as_posix():
                        hashlib.md5(path.read_bytes()).hexdigest()
                        for path in sorted((tmp_path / out).rglob("*")) if path.is_file()})
    assert digests[0] == digests[1] and "fiwiki/20240101/dumpstatus.json" in digests[0]


def test_paragraphs_left_in_english_are_dropped_unless_kept(tmp_path):
    german = help_mirror.parse_page(write_page(tmp_path, "de", PAGE), "text/a.html").paragraphs
    untranslated = german[2]  # as if the translators had left this paragraph in English
    write_page(tmp_path, "en", f"<title>View</title><div id='DisplayArea'><p>View</p><p>{untranslated}</p></div>")
    write_page(tmp_path, "fi", PAGE)
    source = help_mirror.write_help_mirror(tmp_path, ["de", "fi"], tmp_path / "out")
    assert source["untranslated"] == "dropped"
    assert source["languages"]["de"]["untranslated_paragraphs_dropped"] == 1
    assert source["languages"]["de"]["paragraphs"] == len(german) - 1
    kept = help_mirror.write_help_mirror(tmp_path, ["de", "fi"], tmp_path / "kept", keep_untranslated=True)
    assert kept["languages"]["de"]["paragraphs"] == len(german) and kept["untranslated"] == "kept"
    write_page(tmp_path / "no_english", "de", PAGE)
    with pytest.raises(MticketsError, match="'en'"):  # dropping needs the English help
        help_mirror.write_help_mirror(tmp_path / "no_english", ["de"], tmp_path / "x")


def write_page(root: Path, lang: str, html: str) -> Path:
    write_help(root, lang, {"text/a.html": html})
    return root / help_mirror.help_directory(lang) / "text/a.html"


# ------------------------------------------------------------------------------ real data

PACKAGES = ("libreoffice-help-de", "libreoffice-help-fi")


def has_languages(root: Path) -> bool:
    return all((root / lang / "text").is_dir() for lang in ("de", "fi"))


@pytest.fixture(scope="session")
def help_root(request) -> Path:
    """The de and fi help: $MTICKETS_HELP_ROOT, the installed one, or fetched with apt-get."""
    if os.environ.get("MTICKETS_HELP_ROOT"):
        return Path(os.environ["MTICKETS_HELP_ROOT"])
    if has_languages(help_mirror.INSTALLED_ROOT):
        return help_mirror.INSTALLED_ROOT
    cache = Path(request.config.cache.mkdir("libreoffice-help"))
    root = cache / "usr/share/libreoffice/help"
    if has_languages(root):
        return root
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        pytest.skip("no LibreOffice help packages: set MTICKETS_HELP_ROOT, install "
                    f"{' '.join(PACKAGES)}, or run where apt-get can download them")
    done = subprocess.run(["apt-get", "download", *PACKAGES], cwd=cache, capture_output=True,
                          text=True)
    assert done.returncode == 0, f"apt-get download {' '.join(PACKAGES)} failed: {done.stderr}"
    for deb in sorted(cache.glob("libreoffice-help-*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(cache)], check=True)
        deb.unlink()
    return root


def test_real_help_goes_through_download_and_extract(help_root, tmp_path):
    mirror = tmp_path / "mirror"
    assert cli.main(["help-mirror", "--help-root", str(help_root), "--languages", "de", "fi",
                     "--max-pages", "20", "--keep-untranslated", "--out", str(mirror)]) == 0
    source = json.loads((mirror / "SOURCE.json").read_text(encoding="utf-8"))
    folders = help_mirror.language_directories(help_root, ["de", "fi"])
    relatives = help_mirror.evenly_spaced(help_mirror.parallel_pages(folders), 20)
    common_words = {"de": {"und", "die", "der"}, "fi": {"ja", "on", "tai"}}
    for lang in ("de", "fi"):
        assert source["languages"][lang]["package"] == f"libreoffice-help-{lang}"
        pages = [page for page in (help_mirror.parse_page(folders[lang] / r, r) for r in relatives)
                 if page.paragraphs]
        expected = {wiki.title: "\n".join(page.paragraphs)
                    for (wiki, _), page in zip(help_mirror.wiki_pages(pages), pages)}
        dump = tmp_path / f"{lang}.xml.bz2"
        download_dump(str(mirror), lang, "20240101", dump)
        extract_articles(dump, lang, tmp_path / f"{lang}.jsonl.gz")
        with gzip.open(tmp_path / f"{lang}.jsonl.gz", "rt", encoding="utf-8") as handle:
            articles = {record["title"]: record["text"] for record in map(json.loads, handle)}
        assert articles == expected  # titles, and the paragraphs verbatim
        words = " ".join(articles.values()).lower().split()
        assert len(words) > 500 and common_words[lang] <= set(words)
