"""mtickets.testdata.synthetic: valid, deterministic dumps of any size and a mirror around them."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest

from mtickets import cli
from mtickets.testdata import synthetic
from mtickets.corpus.download import download_dump
from mtickets.errors import MticketsError
from mtickets.corpus.extract import extract_articles

NS = "{http://www.mediawiki.org/xml/export-0.11/}"


def test_dump_is_a_valid_export_with_the_asked_articles(tmp_path):
    info = synthetic.generate_dump(tmp_path / "dump.xml.bz2", "de", 120, seed=3)
    root = ET.fromstring(bz2.decompress(info.path.read_bytes()))
    assert root.tag == f"{NS}mediawiki" and root.get("version") == "0.11"
    pages = root.findall(f"{NS}page")
    assert len(pages) == info.pages == 120 + 12 + 6 + 2  # articles, redirects, talk, dab
    ids = [int(p.find(f"{NS}id").text) for p in pages]
    assert ids == sorted(set(ids))  # page-id order, as dumps are
    articles = [p for p in pages if p.find(f"{NS}ns").text == "0"
                and p.find(f"{NS}redirect") is None]
    titles = [p.find(f"{NS}title").text for p in articles]
    assert len(titles) == len(set(titles)) == info.articles + 2
    assert info.md5 == hashlib.md5(info.path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path):
    one = synthetic.generate_dump(tmp_path / "a.xml.bz2", "en", 40, seed=1)
    two = synthetic.generate_dump(tmp_path / "b.xml.bz2", "en", 40, seed=1)
    three = synthetic.generate_dump(tmp_path / "c.xml.bz2", "en", 40, seed=2)
    assert one.md5 == two.md5 != three.md5


def test_mirror_downloads_and_extracts(tmp_path):
    infos = synthetic.write_mirror(tmp_path / "mirror", ["en", "fi"], 60, seed=0)
    folder = tmp_path / "mirror" / "fiwiki" / "20240101"
    status = json.loads((folder / "dumpstatus.json").read_text())
    entry = status["jobs"]["articlesdump"]["files"]["fiwiki-20240101-pages-articles.xml.bz2"]
    assert entry["sha1"] == infos[1].sha1 and entry["size"] == infos[1].size
    out = tmp_path / "fi.xml.bz2"
    download_dump(str(tmp_path / "mirror"), "fi", "20240101", out)
    stats = extract_articles(out, "fi", tmp_path / "fi.jsonl.gz", threads=2)
    # Redirects, talk pages and disambiguation pages are all recognised and dropped.
    assert stats.written == 60 and stats.disambiguation == 1
    with gzip.open(tmp_path / "fi.jsonl.gz", "rt", encoding="utf-8") as handle:
        assert all(json.loads(line)["text"].strip() for line in handle)


def test_unknown_language_and_bad_size(tmp_path):
    with pytest.raises(MticketsError, match="no synthetic text for language 'xx'.*en"):
        synthetic.generate_dump(tmp_path / "x.xml.bz2", "xx", 10)
    with pytest.raises(MticketsError, match="at least one article"):
        synthetic.generate_dump(tmp_path / "x.xml.bz2", "en", 0)
    assert not list(tmp_path.iterdir())


def test_command_line(tmp_path):
    assert cli.main(["synth-dump", "--out", str(tmp_path), "--languages", "ru", "--articles", "5",
              "--date", "20230101"]) == 0
    assert (tmp_path / "ruwiki" / "20230101" / "ruwiki-20230101-md5sums.txt").is_file()
