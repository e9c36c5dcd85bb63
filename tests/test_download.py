"""mtickets download: local and HTTP mirrors, resume, retries, checksums, `latest`."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from mtickets import cli
from mtickets.formats.atomic import partial_path
from mtickets.corpus.download import download_dump, latest_record_path
from mtickets.errors import MticketsError

DATE = "20240101"
PAYLOAD = b"BZh9 not really a dump, but bytes to copy \x00\xff" * 5000
# Fast retries: the backoff's shape is tested, not its wall-clock length.
FAST = {"retries": 3, "retry_delay": 0.001}


def make_mirror(root: Path, lang: str = "xx", payload: bytes = PAYLOAD, md5: str | None = None,
                date: str = DATE, status: str | None = None, sha1: str | None = None,
                md5sums: bool = True) -> Path:
    """A mirror date folder; ``status`` adds a dumpstatus.json with that job status."""
    folder = root / f"{lang}wiki" / date
    folder.mkdir(parents=True)
    name = f"{lang}wiki-{date}-pages-articles.xml.bz2"
    (folder / name).write_bytes(payload)
    md5 = md5 or hashlib.md5(payload).hexdigest()
    if md5sums:
        (folder / f"{lang}wiki-{date}-md5sums.txt").write_text(
            f"{'0' * 32}  {lang}wiki-{date}-pages-meta-history.xml.bz2\n"
            f"{md5}  {name}\n"
            f"{'1' * 32}  {lang}wiki-{date}-abstract.xml.gz\n"
        )
    if status is not None:
        # The real format (dumps.wikimedia.org/{wiki}/{date}/dumpstatus.json, version 0.8).
        files = {name: {"size": len(payload), "url": f"/{lang}wiki/{date}/{name}",
                        "md5": md5, "sha1": sha1 or hashlib.sha1(payload).hexdigest()}}
        (folder / "dumpstatus.json").write_text(json.dumps({"jobs": {
            "articlesdump": {"status": status, "updated": "2024-01-02 10:00:00",
                             "files": files if status == "done" else {}},
            "abstractsdump": {"status": "done", "updated": "2024-01-02 09:00:00", "files": {}},
        }, "version": "0.8"}))
    return root


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with ``Range``/``If-Range``, an ETag, and scripted failures.

    ``server.script`` maps a URL path to a list of actions used up one per request:
    ``"drop"`` sends the headers of the whole answer but only half of its bytes and
    closes the connection; ``"503"`` answers Service Unavailable; ``"norange"`` ignores
    the Range header (answers 200 with the whole file); ``"norange-drop"`` does both, so
    it breaks off at the middle of the file whatever was asked for.
    """

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return super().do_GET()
        self.server.requests.append((self.path, self.headers.get("Range"),
                                     self.headers.get("If-Range")))
        actions = self.server.script.get(self.path, [])
        action = actions.pop(0) if actions else None
        if action == "503":
            self.send_error(503, "busy")
            return
        data = path.read_bytes()
        etag = '"' + hashlib.md5(data).hexdigest()[:16] + '"'
        start, status = 0, 200
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and action not in ("norange", "norange-drop") and \
                self.headers.get("If-Range") in (None, etag):
            start = int(match.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if action in ("drop", "norange-drop"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def http_mirror(tmp_path):
    """A loopback HTTP server on tmp_path/mirror; yields (mirror dir, base URL, server)."""
    root = tmp_path / "mirror"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(RangeHandler, directory=str(root)))
    server.script, server.requests = {}, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or
                  p.name.endswith((".partial", ".partial.json")))


def dump_path(lang: str = "xx", date: str = DATE) -> str:
    return f"/{lang}wiki/{date}/{lang}wiki-{date}-pages-articles.xml.bz2"


def test_local_mirror_copies_and_verifies(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    out = tmp_path / "out" / f"xxwiki-{DATE}-pages-articles.xml.bz2"
    download_dump(str(mirror), "xx", DATE, out)
    assert out.read_bytes() == PAYLOAD
    assert leftovers(out.parent) == []


def test_http_mirror_streams_and_verifies(tmp_path, http_mirror):
    root, url, _ = http_mirror
    make_mirror(root, lang="yy")
    out = tmp_path / "out" / "dump.xml.bz2"
    # Through the command line, as the workflow runs it.
    code = cli.main(["download", "--lang", "yy", "--date", DATE, "--mirror", url + "/",
                     "--out", str(out)])
    assert code == 0
    assert out.read_bytes() == PAYLOAD
    assert leftovers(out.parent) == []


def test_dropped_connection_resumes_with_range(tmp_path, http_mirror, caplog):
    root, url, server = http_mirror
    make_mirror(root)
    server.script[dump_path()] = ["drop", "drop"]
    out = tmp_path / "out" / "dump.xml.bz2"
    with caplog.at_level(logging.INFO, logger="mtickets.corpus.download"):
        download_dump(url, "xx", DATE, out, **FAST)
    assert out.read_bytes() == PAYLOAD
    gets = [(r, i) for p, r, i in server.requests if p == dump_path()]
    half = len(PAYLOAD) // 2
    assert gets[0] == (None, None)
    # Each resume asks for the rest, guarded by the first answer's ETag.
    assert gets[1][0] == f"bytes={half}-" and gets[1][1].startswith('"')
    assert gets[2][0] == f"bytes={half + (len(PAYLOAD) - half) // 2}-"
    assert len(gets) == 3
    assert "resuming" in caplog.text
    assert leftovers(out.parent) == []


def test_rerun_resumes_a_partial_left_by_a_killed_job(tmp_path, http_mirror):
    root, url, server = http_mirror
    make_mirror(root)
    out = tmp_path / "out" / "dump.xml.bz2"
    server.script[dump_path()] = ["drop"] + ["503"] * 10
    with pytest.raises(MticketsError) as error:
        download_dump(url, "xx", DATE, out, retries=1, retry_delay=0.001)
    partial = partial_path(out)
    assert partial.stat().st_size == len(PAYLOAD) // 2
    assert str(partial) in str(error.value) and "resumes" in str(error.value)
    assert not out.exists()
    server.script.clear()
    server.requests.clear()
    download_dump(url, "xx", DATE, out, **FAST)  # a new process would do the same
    assert out.read_bytes() == PAYLOAD
    assert [r for p, r, _ in server.requests if p == dump_path()] == [
        f"bytes={len(PAYLOAD) // 2}-"]
    assert leftovers(out.parent) == []


# A server that ignores Range after a drop makes the download start over from byte 0;
# 5xx answers are retried.
@pytest.mark.parametrize("script", [["drop", "norange"], ["503", "503"]],
                         ids=["server-ignores-range", "server-errors"])
def test_download_recovers_with_exact_bytes(tmp_path, http_mirror, script):
    root, url, server = http_mirror
    make_mirror(root)
    server.script[dump_path()] = script
    out = tmp_path / "out" / "dump.xml.bz2"
    download_dump(url, "xx", DATE, out, **FAST)
    assert out.read_bytes() == PAYLOAD


def test_changed_file_on_the_mirror_restarts_from_zero(tmp_path, http_mirror):
    root, url, server = http_mirror
    make_mirror(root)
    out = tmp_path / "out" / "dump.xml.bz2"
    partial_path(out).parent.mkdir(parents=True)
    # A partial of the same file whose recorded ETag the server no longer has: If-Range
    # fails, the server sends everything, and the result is still exact.
    partial_path(out).write_bytes(b"stale bytes")
    Path(f"{partial_path(out)}.json").write_text(json.dumps({
        "url": url + dump_path(), "md5": hashlib.md5(PAYLOAD).hexdigest(),
        "validator": '"old-etag"'}))
    download_dump(url, "xx", DATE, out, **FAST)
    assert out.read_bytes() == PAYLOAD
    assert [(r, i) for p, r, i in server.requests if p == dump_path()] == [
        ("bytes=11-", '"old-etag"')]


def test_retries_exhausted_is_a_clear_error(tmp_path, http_mirror, monkeypatch):
    root, url, server = http_mirror
    make_mirror(root)
    server.script[dump_path()] = ["503"] * 10
    delays = []
    monkeypatch.setattr("mtickets.corpus.download.time.sleep", delays.append)
    out = tmp_path / "out" / "dump.xml.bz2"
    with pytest.raises(MticketsError) as error:
        download_dump(url, "xx", DATE, out, retries=3, retry_delay=0.5)
    message = str(error.value)
    assert "failed 4 times" in message and "503" in message and url + dump_path() in message
    assert delays == [0.5, 1.0, 2.0]  # exponential backoff
    assert not out.exists()


def retry_attempts(log_text: str) -> list[str]:
    """The "attempt N of M" of each retry message, in order."""
    return re.findall(r"attempt (\d+ of \d+)", log_text)


# Bytes received are not progress when they are the ones the partial already had: a
# server that ignores Range and always breaks off at the middle (or only sometimes
# honours Range, so the download never gets past three quarters) is given up on after
# retries + 1 attempts, with the documented backoff.
@pytest.mark.parametrize("script, delays", [
    (["norange-drop"] * 10, [0.5, 1.0, 2.0]),
    (["norange-drop", "drop"] * 5, [0.5, 0.5, 1.0, 2.0]),
], ids=["always-ignores-range", "sometimes-ignores-range"])
def test_no_further_each_time_gives_up(tmp_path, http_mirror, monkeypatch, caplog, script,
                                       delays):
    root, url, server = http_mirror
    make_mirror(root)
    server.script[dump_path()] = script  # ten answers: then it would serve the file
    slept = []
    monkeypatch.setattr("mtickets.corpus.download.time.sleep", slept.append)
    out = tmp_path / "out" / "dump.xml.bz2"
    with caplog.at_level(logging.WARNING, logger="mtickets.corpus.download"), \
            pytest.raises(MticketsError) as error:
        download_dump(url, "xx", DATE, out, retries=3, retry_delay=0.5)
    assert "failed 4 times in a row" in str(error.value)
    assert f"broke off at byte {len(PAYLOAD) // 2} of {len(PAYLOAD)}" in str(error.value)
    assert slept == delays  # the first retry after the furthest attempt waits retry_delay
    assert retry_attempts(caplog.text) == ["2 of 4"] * (len(delays) - 2) + ["3 of 4", "4 of 4"]
    assert len([p for p, _, _ in server.requests if p == dump_path()]) == len(delays) + 1
    assert partial_path(out).stat().st_size == len(PAYLOAD) // 2 and not out.exists()


def test_getting_further_each_time_never_gives_up(tmp_path, http_mirror, monkeypatch, caplog):
    root, url, server = http_mirror
    make_mirror(root)
    server.script[dump_path()] = ["drop"] * 8  # each resume gets half of what is left
    slept = []
    monkeypatch.setattr("mtickets.corpus.download.time.sleep", slept.append)
    out = tmp_path / "out" / "dump.xml.bz2"
    with caplog.at_level(logging.WARNING, logger="mtickets.corpus.download"):
        download_dump(url, "xx", DATE, out, retries=1, retry_delay=0.5)
    assert out.read_bytes() == PAYLOAD
    # Every break is the first failure of a new run: the first retry's delay and number.
    assert slept == [0.5] * 8
    assert retry_attempts(caplog.text) == ["2 of 2"] * 8


def test_md5_mismatch_deletes_and_names_both_sums(tmp_path, http_mirror):
    root, url, _ = http_mirror
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
    assert leftovers(out.parent) == []  # the partial is gone too


def test_sha1_from_dumpstatus_is_checked(tmp_path, http_mirror):
    root, url, _ = http_mirror
    make_mirror(root, status="done", sha1="f" * 40)
    out = tmp_path / "out" / "dump.xml.bz2"
    with pytest.raises(MticketsError) as error:
        download_dump(url, "xx", DATE, out)
    message = str(error.value)
    assert "sha1 mismatch" in message and "f" * 40 in message
    assert hashlib.sha1(PAYLOAD).hexdigest() in message and "dumpstatus.json" in message
    assert not out.exists() and leftovers(out.parent) == []


def test_dumpstatus_alone_is_enough_and_verified(tmp_path, caplog):
    mirror = make_mirror(tmp_path / "mirror", status="done", md5sums=False)
    out = tmp_path / "out" / "dump.xml.bz2"
    with caplog.at_level(logging.INFO, logger="mtickets.corpus.download"):
        download_dump(str(mirror), "xx", DATE, out)
    assert out.read_bytes() == PAYLOAD
    assert f"sha1 {hashlib.sha1(PAYLOAD).hexdigest()}" in caplog.text


def test_unfinished_dump_is_an_error(tmp_path):
    mirror = make_mirror(tmp_path / "mirror", status="in-progress")
    with pytest.raises(MticketsError, match="not finished on the mirror.*in-progress"):
        download_dump(str(mirror), "xx", DATE, tmp_path / "out.xml.bz2")


def test_missing_language_local(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    out = tmp_path / "out" / "dump.xml.bz2"
    with pytest.raises(MticketsError) as error:
        download_dump(str(mirror), "zz", DATE, out)
    message = str(error.value)
    assert "'zz'" in message and DATE in message and "zzwiki" in message
    # A local mirror can say which languages it has, rather than doubt the code.
    assert "it holds xx: add zzwiki/ there or use one of those" in message
    assert not out.exists()
    with pytest.raises(MticketsError, match="it holds xx: add zzwiki/ there"):
        download_dump(str(mirror), "zz", "latest", out)


def download_error(url: str, lang: str, date: str, out: Path) -> str:
    """The message of the MticketsError that ``download_dump`` raises."""
    with pytest.raises(MticketsError) as error:
        download_dump(url, lang, date, out, **FAST)
    return str(error.value)


def test_missing_language_http_404(tmp_path, http_mirror):
    root, url, _ = http_mirror
    make_mirror(root)
    out = tmp_path / "out" / "dump.xml.bz2"
    message = download_error(url, "zz", "20990101", out)
    assert "'zz'" in message and "20990101" in message
    assert f"{url}/zzwiki/20990101/" in message and "404" in message
    assert not out.exists()


def test_missing_date_http_404_lists_known_dates(tmp_path, http_mirror):
    root, url, _ = http_mirror
    make_mirror(root)
    message = download_error(url, "xx", "20990101", tmp_path / "out.xml.bz2")
    assert "'xx'" in message and "20990101" in message and "404" in message
    assert f"it has {DATE}" in message


def test_bad_language_code_and_date(tmp_path):
    with pytest.raises(MticketsError, match="not a Wikipedia language code"):
        download_dump(str(tmp_path), "../etc", DATE, tmp_path / "out.xml.bz2")
    with pytest.raises(MticketsError, match="neither YYYYMMDD nor 'latest'"):
        download_dump(str(tmp_path), "xx", "2024-01-01", tmp_path / "out.xml.bz2")


def test_md5sums_without_the_dump_is_an_error(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    sums = mirror / "xxwiki" / DATE / f"xxwiki-{DATE}-md5sums.txt"
    sums.write_text(f"{'0' * 32}  xxwiki-{DATE}-abstract.xml.gz\n")
    with pytest.raises(MticketsError, match="lists no md5"):
        download_dump(str(mirror), "xx", DATE, tmp_path / "out.xml.bz2")


def test_latest_resolves_once_and_is_reused(tmp_path, http_mirror):
    root, url, _ = http_mirror
    old, newer = PAYLOAD, PAYLOAD[::-1]
    make_mirror(root, date="20231201", payload=b"older" + old, status="done")
    make_mirror(root, date=DATE, payload=old, status="done")
    make_mirror(root, date="20240201", payload=newer, status="in-progress")  # not finished
    out = tmp_path / "out" / "xxwiki-latest-pages-articles.xml.bz2"
    download_dump(url, "xx", "latest", out, **FAST)
    assert out.read_bytes() == old
    record = json.loads(latest_record_path(out, "xx").read_text())
    assert record == {"date": DATE, "url": f"{url}{dump_path()}",
                      "md5": hashlib.md5(old).hexdigest(),
                      "sha1": hashlib.sha1(old).hexdigest()}
    # A newer dump finishes; a rerun still fetches the recorded date.
    make_mirror(root, date="20240301", payload=newer, status="done")
    out.unlink()
    download_dump(url, "xx", "latest", out, **FAST)
    assert out.read_bytes() == old
    # Deleting the record re-resolves.
    latest_record_path(out, "xx").unlink()
    out.unlink()
    download_dump(url, "xx", "latest", out, **FAST)
    assert out.read_bytes() == newer
    assert json.loads(latest_record_path(out, "xx").read_text())["date"] == "20240301"


def test_latest_on_a_local_mirror_without_dumpstatus(tmp_path):
    mirror = make_mirror(tmp_path / "mirror", date="20231201")
    make_mirror(mirror, date=DATE, payload=b"newest")
    sums = mirror / "xxwiki" / DATE / f"xxwiki-{DATE}-md5sums.txt"
    sums.write_text(f"{'0' * 32}  xxwiki-{DATE}-abstract.xml.gz\n")  # not done yet
    out = tmp_path / "out" / "xxwiki-latest-pages-articles.xml.bz2"
    assert cli.main(["download", "--lang", "xx", "--date", "latest", "--mirror", str(mirror),
                     "--out", str(out)]) == 0
    assert out.read_bytes() == PAYLOAD
    assert json.loads(latest_record_path(out, "xx").read_text())["date"] == "20231201"


def test_latest_for_an_unknown_language(tmp_path, http_mirror):
    root, url, _ = http_mirror
    make_mirror(root)
    message = download_error(url, "zz", "latest", tmp_path / "out.xml.bz2")
    assert "'zz'" in message and f"{url}/zzwiki/" in message and "404" in message


def test_cli_reports_error_and_exits_1(tmp_path, caplog):
    mirror = make_mirror(tmp_path / "mirror")
    with caplog.at_level(logging.ERROR):
        code = cli.main(["download", "--lang", "zz", "--date", DATE, "--mirror", str(mirror),
                         "--out", str(tmp_path / "out.xml.bz2")])
    assert code == 1
    assert "no dump for language 'zz'" in caplog.text


def test_output_keeps_umask_permissions(tmp_path):
    mirror = make_mirror(tmp_path / "mirror")
    out = tmp_path / "out.xml.bz2"
    download_dump(str(mirror), "xx", DATE, out)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_hyphenated_code_and_file_url(tmp_path):
    # The dumps site spells bat-smg's wiki "bat_smgwiki".
    mirror = make_mirror(tmp_path / "mirror", lang="bat_smg")
    out = download_dump(mirror.as_uri(), "bat-smg", DATE, tmp_path / "out.xml.bz2")
    assert out.read_bytes() == PAYLOAD


def test_a_second_download_of_one_output_stops_naming_the_holder_and_leaves_the_partial(tmp_path, caplog):
    """Two jobs resuming one {out}.partial would write into it at once."""
    from killed_writer import hold_lock, release
    from mtickets.formats.atomic import lock_path

    mirror = make_mirror(tmp_path / "mirror")
    out = tmp_path / "out.xml.bz2"
    partial_path(out).write_bytes(PAYLOAD[:1000])
    holder = hold_lock(lock_path(out))
    try:
        with caplog.at_level(logging.ERROR):
            assert cli.main(["download", "--lang", "xx", "--date", DATE, "--mirror", str(mirror),
                             "--out", str(out)]) == 1
    finally:
        release(holder)
    assert f"{out} is being written by another process (PID {holder.pid} on " in caplog.text
    assert partial_path(out).read_bytes() == PAYLOAD[:1000] and not out.exists()
    assert cli.main(["download", "--lang", "xx", "--date", DATE, "--mirror", str(mirror), "--out", str(out)]) == 0
    assert out.read_bytes() == PAYLOAD and not lock_path(out).exists()
