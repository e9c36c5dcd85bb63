"""mtickets download: local and HTTP mirrors, md5 verification, missing dumps."""

from __future__ import annotations

import functools
import hashlib
import http.server
import logging
import threading
from pathlib import Path

import pytest

from mtickets import cli
from mtickets.download import download_dump
from mtickets.errors import MticketsError

DATE = "20240101"
PAYLOAD = b"BZh9 not really a dump, but bytes to copy \x00\xff" * 5000


def make_mirror(root: Path, lang: str = "xx", payload: bytes = PAYLOAD,
                md5: str | None = None) -> Path:
    folder = root / f"{lang}wiki" / DATE
    folder.mkdir(parents=True)
    name = f"{lang}wiki-{DATE}-pages-articles.xml.bz2"
    (folder / name).write_bytes(payload)
    md5 = md5 or hashlib.md5(payload).hexdigest()
    (folder / f"{lang}wiki-{DATE}-md5sums.txt").write_text(
        f"{'0' * 32}  {lang}wiki-{DATE}-pages-meta-history.xml.bz2\n"
        f"{md5}  {name}\n"
        f"{'1' * 32}  {lang}wiki-{DATE}-abstract.xml.gz\n"
    )
    return root


@pytest.fixture
def http_mirror(tmp_path):
    """A loopback HTTP server serving tmp_path/mirror; yields (mirror dir, base URL)."""
    root = tmp_path / "mirror"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_local_mirror_copies_and_verifies(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    out = tmp_path / "out" / f"xxwiki-{DATE}-pages-articles.xml.bz2"
    download_dump(str(mirror), "xx", DATE, out)
    assert out.read_bytes() == PAYLOAD
    assert leftovers(out.parent) == []


def test_http_mirror_streams_and_verifies(tmp_path, http_mirror):
    root, url = http_mirror
    make_mirror(root, lang="yy")
    out = tmp_path / "out" / "dump.xml.bz2"
    # Through the command line, as the workflow runs it.
    code = cli.main(["download", "--lang", "yy", "--date", DATE, "--mirror", url + "/",
                     "--out", str(out)])
    assert code == 0
    assert out.read_bytes() == PAYLOAD
    assert leftovers(out.parent) == []


def test_md5_mismatch_deletes_and_names_both_sums(tmp_path, http_mirror):
    root, url = http_mirror
    make_mirror(root, md5="0123456789abcdef0123456789abcdef")
    out = tmp_path / "out" / "dump.xml.bz2"
    with pytest.raises(MticketsError) as error:
        download_dump(url, "xx", DATE, out)
    message = str(error.value)
    assert "md5 mismatch" in message
    assert f"xxwiki-{DATE}-pages-articles.xml.bz2" in message
    assert "0123456789abcdef0123456789abcdef" in message
    assert hashlib.md5(PAYLOAD).hexdigest() in message
    assert not out.exists()
    assert leftovers(out.parent) == []


def test_missing_language_local(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    out = tmp_path / "out" / "dump.xml.bz2"
    with pytest.raises(MticketsError) as error:
        download_dump(str(mirror), "zz", DATE, out)
    message = str(error.value)
    assert "'zz'" in message and DATE in message and "zzwiki" in message
    assert not out.exists()


def test_missing_language_http_404(tmp_path, http_mirror):
    root, url = http_mirror
    make_mirror(root)
    out = tmp_path / "out" / "dump.xml.bz2"
    with pytest.raises(MticketsError) as error:
        download_dump(url, "zz", "20990101", out)
    message = str(error.value)
    assert "'zz'" in message and "20990101" in message
    assert f"{url}/zzwiki/20990101/" in message and "404" in message
    assert not out.exists()


def test_md5sums_without_the_dump_is_an_error(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    sums = mirror / "xxwiki" / DATE / f"xxwiki-{DATE}-md5sums.txt"
    sums.write_text(f"{'0' * 32}  xxwiki-{DATE}-abstract.xml.gz\n")
    with pytest.raises(MticketsError, match="lists no md5"):
        download_dump(str(mirror), "xx", DATE, tmp_path / "out.xml.bz2")


def test_cli_reports_error_and_exits_1(tmp_path, caplog):
    mirror = make_mirror(tmp_path / "mirror")
    with caplog.at_level(logging.ERROR):
        code = cli.main(["download", "--lang", "zz", "--date", DATE, "--mirror", str(mirror),
                         "--out", str(tmp_path / "out.xml.bz2")])
    assert code == 1
    assert "no dump for language 'zz'" in caplog.text
