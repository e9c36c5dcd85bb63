"""Download a Wikipedia pages-articles dump from a mirror, resumably, and verify its checksums.

The mirror is laid out like https://dumps.wikimedia.org:
``{mirror}/{lang}wiki/{date}/{lang}wiki-{date}-pages-articles.xml.bz2``, with
``{lang}wiki-{date}-md5sums.txt`` (lines ``md5  filename``) and, where the mirror
has it, ``dumpstatus.json`` (per job: status and each file's size, md5 and sha1)
beside it. It is a local directory (or ``file://`` URL) or an http(s) URL. As on the
dumps site, a hyphen of the language code becomes an underscore there (``bat-smg`` ->
``bat_smgwiki``).

The dump is streamed into ``{out}.partial``; a broken connection is retried with
exponential backoff and continues where it stopped (HTTP ``Range``, guarded by
``If-Range``), and so does a rerun after the job was killed. ``--retries`` bounds the
failed attempts in a row that get no further into the file than the partial has been;
one that gets further starts the count again. So a long download over a flaky line
keeps going, but a server that ignores ``Range`` and breaks off at the same byte each
time is given up on. Only when the md5 (and the sha1, if ``dumpstatus.json`` gives
one) match is the file renamed onto ``--out``; a mismatch deletes it.

``--date latest`` picks the newest date whose pages-articles dump is complete on the
mirror and records it in ``{lang}wiki-latest.resolved.json`` beside ``--out``; later
runs read that record and fetch the same date again (delete it to re-resolve).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

from tqdm import tqdm

from mtickets.formats.atomic import exclusive_lock, lock_path, partial_path, write_json
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
HTTP_TIMEOUT_S = 60
USER_AGENT = "mtickets-download/0.1 (research pipeline)"
DEFAULT_RETRIES = 5
DEFAULT_RETRY_DELAY_S = 2.0
LATEST = "latest"
DUMPSTATUS = "dumpstatus.json"

_DATE_RE = re.compile(r"^[0-9]{8}$")
_LANG_RE = re.compile(r"^[a-z][a-z_-]*$")
_HREF_DATE_RE = re.compile(r"""href=["']?(?:[^"'>]*/)?([0-9]{8})/?["'>]""")
_CONTENT_RANGE_RE = re.compile(r"^bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)$")
# Answers that mean "this file is not on the mirror": no point in retrying them.
_MISSING_CODES = (403, 404, 410)

T = TypeVar("T")


def wiki_name(lang: str) -> str:
    """The dumps site's wiki name of a language code: ``bat-smg`` -> ``bat_smgwiki``."""
    return lang.replace("-", "_") + "wiki"


def mirror_languages(mirror: str) -> list[str] | None:
    """The language codes of a local mirror's ``{wiki}wiki`` folders; None for an http(s) mirror
    (the dumps site lists no languages per se) or a directory that is not there."""
    source = _Mirror(mirror, 0, 0.0)
    root = Path(source.root)
    if source.http or not root.is_dir():
        return None
    return sorted(path.name[: -len("wiki")].replace("_", "-") for path in root.iterdir()
                  if path.is_dir() and path.name.endswith("wiki"))


def _no_language(mirror: _Mirror, lang: str, question: str) -> str:
    """What to say when the mirror has no folder for ``lang``: a local mirror's languages, else ``question``."""
    held = None if mirror.http else mirror_languages(mirror.root)
    if held is None:
        return question
    return f"it holds {', '.join(held) or 'no language'}: add {wiki_name(lang)}/ there or use one of those"


def dump_filename(lang: str, date: str) -> str:
    return f"{wiki_name(lang)}-{date}-pages-articles.xml.bz2"


def md5sums_filename(lang: str, date: str) -> str:
    return f"{wiki_name(lang)}-{date}-md5sums.txt"


def latest_record_path(out: str | os.PathLike, lang: str) -> Path:
    return Path(out).parent / f"{lang}wiki-latest.resolved.json"


# ------------------------------------------------------------------------ mirror access


class _Missing(Exception):
    """The mirror answered that a file does not exist (HTTP 403/404/410, or no such path)."""

    def __init__(self, location: str, detail: str):
        super().__init__(f"{location} {detail}")
        self.location, self.detail = location, detail


class _Transient(Exception):
    """A failure worth retrying: a dropped connection, a timeout, an HTTP 5xx or 429."""


@dataclass
class _Body:
    """An opened (part of a) file: bytes from ``start`` on, ``total`` the file's full size."""

    stream: BinaryIO
    start: int
    total: int | None
    validator: str | None  # for If-Range on a later resume: a strong ETag or Last-Modified


class _Mirror:
    """A dumps mirror, local or http(s): locations, small files, listings, ranged reads."""

    def __init__(self, mirror: str, retries: int, retry_delay: float):
        parts = urllib.parse.urlsplit(mirror)
        self.http = parts.scheme in ("http", "https")
        if parts.scheme == "file":
            self.root = urllib.request.url2pathname(parts.path)
        else:
            self.root = mirror.rstrip("/") if self.http else mirror
        self.retries, self.retry_delay = retries, retry_delay

    def location(self, *parts: str) -> str:
        if self.http:
            return "/".join([self.root, *(urllib.parse.quote(p) for p in parts)])
        return str(Path(self.root).joinpath(*parts))

    def folder(self, *parts: str) -> str:
        """A directory's location; its URL ends with "/", as the dumps site's listings do."""
        return self.location(*parts) + ("/" if self.http else "")

    # -- retries

    def retrying(self, action: Callable[[], T], what: str) -> T:
        """Run ``action``, retrying ``_Transient`` failures with exponential backoff."""
        for attempt in range(self.retries + 1):
            try:
                return action()
            except _Transient as error:
                if attempt == self.retries:
                    raise MticketsError(
                        f"{what} failed {attempt + 1} times; the last error: {error}; check "
                        f"the network and --mirror, then rerun (or raise --retries)"
                    ) from None
                self.backoff(attempt, error)
        raise AssertionError("unreachable")

    def backoff(self, attempt: int, error: Exception) -> None:
        delay = self.retry_delay * 2 ** attempt
        log.warning("%s; retrying in %.1f s (attempt %d of %d)", error, delay, attempt + 2,
                    self.retries + 1)
        time.sleep(delay)

    # -- whole small files and listings

    def read(self, location: str) -> bytes:
        """The bytes of a small file; ``_Missing`` if it is not there (retried otherwise)."""
        if not self.http:
            path = Path(location)
            if not path.is_file():
                raise _Missing(location, "does not exist")
            return path.read_bytes()

        def fetch() -> bytes:
            body = self.open_range(location, 0, None)
            with body.stream as stream:
                try:
                    data = stream.read()
                except (OSError, http.client.HTTPException) as error:
                    raise _Transient(f"reading {location} broke off: {error!r}") from None
            if body.total is not None and len(data) != body.total:
                raise _Transient(f"{location} ended after {len(data)} of {body.total} bytes")
            return data

        return self.retrying(fetch, f"reading {location}")

    def dates(self, lang: str) -> list[str]:
        """The dump dates the mirror lists for ``lang``, newest first."""
        folder = self.folder(wiki_name(lang))
        if self.http:
            html = self.read(folder).decode("utf-8", errors="replace")
            found = set(_HREF_DATE_RE.findall(html))
        else:
            path = Path(folder)
            if not path.is_dir():
                raise _Missing(folder, "does not exist")
            found = {p.name for p in path.iterdir() if p.is_dir() and _DATE_RE.match(p.name)}
        return sorted(found, reverse=True)

    # -- ranged reads

    def open_range(self, location: str, offset: int, validator: str | None) -> _Body:
        """Open ``location`` from byte ``offset``; ``start`` says where the bytes really begin.

        A server that ignores ``Range``, or whose file changed since ``validator`` was
        taken, sends the whole file (``start`` 0). ``offset`` at or past the end gives an
        empty body with ``start == offset`` if the sizes agree.
        """
        if not self.http:
            return self._open_local(location, offset, validator)
        headers = {"User-Agent": USER_AGENT}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        request = urllib.request.Request(location, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code in _MISSING_CODES:
                raise _Missing(location, f"answered HTTP {error.code}") from None
            if error.code == 416:  # nothing left from `offset` on: complete, or a stale partial
                total = _content_range(error.headers.get("Content-Range", ""))[2]
                if total == offset:
                    return _Body(_empty_stream(), offset, total, validator)
                return self.open_range(location, 0, None)
            if error.code == 429 or error.code >= 500:
                raise _Transient(f"{location} answered HTTP {error.code} {error.reason}") from None
            raise MticketsError(
                f"{location} answered HTTP {error.code} {error.reason}; check --mirror"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _Transient(f"cannot reach {location}: {getattr(error, 'reason', error)}") \
                from None
        headers_in = response.headers
        etag = headers_in.get("ETag")
        new_validator = etag if etag and not etag.startswith("W/") else \
            headers_in.get("Last-Modified")
        if response.status == 206:
            first, _, total = _content_range(headers_in.get("Content-Range", ""))
            if first != offset:
                response.close()
                raise _Transient(f"{location} sent bytes from {first} when asked for {offset}")
            return _Body(response, offset, total, validator or new_validator)
        length = headers_in.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        return _Body(response, 0, total, new_validator)

    @staticmethod
    def _open_local(location: str, offset: int, validator: str | None) -> _Body:
        path = Path(location)
        if not path.is_file():
            raise _Missing(location, "does not exist")
        stat = path.stat()
        current = f"{stat.st_size}-{stat.st_mtime_ns}"
        stream = open(path, "rb")
        if offset and validator == current and offset <= stat.st_size:
            stream.seek(offset)
            return _Body(stream, offset, stat.st_size, current)
        return _Body(stream, 0, stat.st_size, current)


def _content_range(value: str) -> tuple[int | None, int | None, int | None]:
    """``bytes 100-199/200`` -> (100, 199, 200); unknown parts are None."""
    match = _CONTENT_RANGE_RE.match(value.strip())
    if not match:
        return None, None, None
    first, last, total = match.groups()
    return (int(first) if first else None, int(last) if last else None,
            int(total) if total and total != "*" else None)


def _empty_stream() -> BinaryIO:
    return io.BytesIO(b"")


# ---------------------------------------------------------------------------- checksums


def read_md5sums(text: str) -> dict[str, str]:
    """Parse an md5sums file (``md5  filename`` lines) into ``{filename: md5}``."""
    sums = {}
    for line in text.splitlines():
        parts = line.strip().split()
        if len(parts) >= 2 and len(parts[0]) == 32:
            sums[parts[-1].lstrip("*")] = parts[0].lower()
    return sums


@dataclass(frozen=True)
class FileStatus:
    """What ``dumpstatus.json`` says about one file: its job's status and its sums."""

    job: str
    status: str
    listed: bool  # False: no job lists the file yet; ``job`` is the one that will make it
    md5: str | None = None
    sha1: str | None = None
    size: int | None = None


# The jobs that write a pages-articles file: small wikis in ``articlesdump``, large ones
# (dumped in parts) recombine the parts in ``articlesdumprecombine``.
_ARTICLES_JOBS = ("articlesdumprecombine", "articlesdump")


def read_dumpstatus(text: str, filename: str) -> FileStatus | None:
    """The entry for ``filename`` in a ``dumpstatus.json``.

    Every job is searched for the file. A file no job lists yet (the dump is still
    running) gets the status of the job that writes pages-articles files; None if
    there is no such job either.
    """
    jobs = json.loads(text).get("jobs") or {}
    for name, job in jobs.items():
        meta = (job.get("files") or {}).get(filename)
        if meta is not None:
            size = meta.get("size")
            return FileStatus(name, str(job.get("status", "")), True, meta.get("md5") or None,
                              meta.get("sha1") or None, int(size) if size is not None else None)
    for name in _ARTICLES_JOBS:
        if name in jobs:
            return FileStatus(name, str(jobs[name].get("status", "")), False)
    return None


@dataclass(frozen=True)
class Checksums:
    md5: str
    md5_source: str
    sha1: str | None = None
    size: int | None = None
    status_source: str | None = None  # the dumpstatus.json that gave sha1 and size


class _NotReady(Exception):
    """The mirror has the date but not (yet) a complete pages-articles dump for it."""


def checksums(mirror: _Mirror, lang: str, date: str) -> Checksums:
    """The md5 (and sha1, size where dumpstatus.json has them) of a date's dump.

    Raises ``_Missing`` when neither checksum file exists, ``_NotReady`` when they
    exist but do not vouch for a finished pages-articles file.
    """
    folder = (wiki_name(lang), date)
    name = dump_filename(lang, date)
    status_at = mirror.location(*folder, DUMPSTATUS)
    entry = None
    try:
        entry = read_dumpstatus(mirror.read(status_at).decode("utf-8"), name)
    except _Missing:
        status_at = None
    except (ValueError, AttributeError) as error:
        raise MticketsError(f"{status_at} is not a valid dumpstatus.json ({error}); "
                            f"check --mirror") from None
    if status_at and (entry is None or entry.status != "done" or not entry.listed):
        if entry is None:
            state = "no job lists it"
        else:
            state = f"job '{entry.job}' is '{entry.status}'" + \
                ("" if entry.listed else f" and does not list {name}")
        raise _NotReady(f"{name} is not finished on the mirror: {status_at}: {state}")

    sums_at = mirror.location(*folder, md5sums_filename(lang, date))
    try:
        md5 = read_md5sums(mirror.read(sums_at).decode("utf-8", errors="replace")).get(name)
    except _Missing:
        if entry is None or entry.md5 is None:
            raise
        md5 = None
    if md5 is None and (entry is None or entry.md5 is None):
        raise _NotReady(f"{sums_at} lists no md5 for {name}")
    if md5 and entry and entry.md5 and md5 != entry.md5.lower():
        raise MticketsError(f"the mirror contradicts itself about {name}: md5 {md5} in "
                            f"{sums_at}, {entry.md5} in {status_at}; use another --mirror")
    if md5 is None:
        md5, sums_at = entry.md5.lower(), status_at
    return Checksums(md5=md5, md5_source=sums_at,
                     sha1=entry.sha1.lower() if entry and entry.sha1 else None,
                     size=entry.size if entry else None, status_source=status_at)


def _date_checksums(mirror: _Mirror, lang: str, date: str) -> Checksums:
    """``checksums`` for a date the user asked for: every problem is a clear error."""
    try:
        return checksums(mirror, lang, date)
    except _NotReady as error:
        raise MticketsError(f"{error} (language '{lang}', date {date}); the dump may be "
                            f"incomplete on the mirror — pick another --date") from None
    except _Missing as missing:
        raise _missing_error(mirror, lang, date, missing) from None


def _missing_error(mirror: _Mirror, lang: str, date: str, missing: _Missing) -> MticketsError:
    """A 404 for (lang, date): say whether the language or only the date is unknown."""
    try:
        known = mirror.dates(lang)
    except _Missing:
        return MticketsError(
            f"no dump for language '{lang}' date {date} on the mirror: {missing.location} "
            f"{missing.detail}, and the mirror has no {mirror.folder(wiki_name(lang))} at "
            f"all; {_no_language(mirror, lang, f'is {lang!r} a Wikipedia language code?')}"
        )
    except MticketsError:  # the listing itself failed: report the original 404
        known = []
    hint = f"; it has {', '.join(known[:5])}" if known else ""
    return MticketsError(
        f"no dump for language '{lang}' date {date} on the mirror: {missing.location} "
        f"{missing.detail}; check --lang/--date, or whether the mirror still keeps that "
        f"date{hint}"
    )


# ------------------------------------------------------------------------- latest


def resolve_latest(mirror: _Mirror, lang: str, out: Path) -> tuple[str, Checksums]:
    """The date ``latest`` stands for: the recorded one, else the mirror's newest complete dump."""
    record_path = latest_record_path(out, lang)
    if record_path.is_file():
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            date = record["date"]
        except (ValueError, KeyError, TypeError) as error:
            raise MticketsError(f"{record_path} is not a valid record ({error!r}); delete it "
                                f"to resolve '{LATEST}' again") from None
        if not _DATE_RE.match(str(date)):
            raise MticketsError(f"{record_path} records date {date!r}, not YYYYMMDD; delete it "
                                f"to resolve '{LATEST}' again")
        log.info("'%s' for language '%s' is %s, as recorded in %s (delete it to re-resolve)",
                 LATEST, lang, date, record_path)
        try:
            sums = _date_checksums(mirror, lang, date)
        except MticketsError as error:
            raise MticketsError(f"{error} (the date was recorded in {record_path}; delete it "
                                f"to resolve '{LATEST}' again)") from None
        if record.get("md5") and record["md5"] != sums.md5:
            raise MticketsError(
                f"the mirror's md5 of {dump_filename(lang, date)} is now {sums.md5}, but "
                f"{record_path} recorded {record['md5']}; delete the record to resolve "
                f"'{LATEST}' again"
            )
        return date, sums
    try:
        dates = mirror.dates(lang)
    except _Missing as missing:
        raise MticketsError(
            f"cannot resolve --date {LATEST} for language '{lang}': {missing.location} "
            f"{missing.detail}; "
            + _no_language(mirror, lang, f"is '{lang}' a Wikipedia language code, and --mirror right?")
        ) from None
    for date in dates:
        try:
            sums = checksums(mirror, lang, date)
        except (_NotReady, _Missing) as error:
            log.info("skipping %s for '%s': %s", date, LATEST, error)
            continue
        location = mirror.location(wiki_name(lang), date, dump_filename(lang, date))
        write_json(record_path, {"date": date, "url": location, "md5": sums.md5,
                                 "sha1": sums.sha1})
        log.info("resolved '%s' for language '%s' to %s; recorded in %s", LATEST, lang, date,
                 record_path)
        return date, sums
    raise MticketsError(
        f"cannot resolve --date {LATEST} for language '{lang}': none of the "
        f"{len(dates)} dates under {mirror.folder(wiki_name(lang))} has a finished "
        f"pages-articles dump; give a --date explicitly"
    )


# ------------------------------------------------------------------------- download


class _Hashes:
    """md5 (and sha1, when there is one to check) of a file's first ``position`` bytes, fed as it is written."""

    def __init__(self, sha1: bool) -> None:
        self.md5, self.sha1, self.position = hashlib.md5(), hashlib.sha1() if sha1 else None, 0

    def update(self, chunk: bytes) -> None:
        self.md5.update(chunk)
        if self.sha1 is not None:
            self.sha1.update(chunk)
        self.position += len(chunk)

    def catch_up(self, path: Path, size: int) -> None:
        """Hash ``path``'s first ``size`` bytes afresh (a partial left by an earlier run)."""
        self.__init__(self.sha1 is not None)
        with open(path, "rb") as handle:
            while self.position < size:
                chunk = handle.read(min(CHUNK_SIZE, size - self.position))
                if not chunk:
                    break
                self.update(chunk)


def _fetch(mirror: _Mirror, location: str, partial: Path, expected: Checksums,
           desc: str) -> _Hashes:
    """Fill ``partial`` with the file at ``location``, resuming and retrying; returns its hashes.

    ``{partial}.json`` remembers which file and which version (validator) the partial
    holds, so a rerun resumes only the same file. An attempt that breaks off further
    into the file than the partial has ever reached is the first failure of a new run
    of them; any other failed attempt counts towards ``mirror.retries``.
    """
    meta_path = _meta_path(partial)
    meta = _read_meta(meta_path)
    if partial.exists() and (meta.get("url") != location or meta.get("md5") != expected.md5):
        log.info("discarding %s: it holds another download", partial)
        partial.unlink()
    hashes = _Hashes(sha1=expected.sha1 is not None)
    failures = 0
    # The most bytes the partial has held. Bytes received are not progress by themselves:
    # a server that ignores Range sends the start of the file again on every attempt.
    furthest = partial.stat().st_size if partial.exists() else 0

    def retry_or_give_up(error: Exception) -> None:
        if failures > mirror.retries:
            raise _gave_up(location, partial, failures, error) from None
        mirror.backoff(failures - 1, error)

    while True:
        offset = partial.stat().st_size if partial.exists() else 0
        if offset:
            log.info("resuming %s at byte %d", location, offset)
        try:
            body = mirror.open_range(location, offset, meta.get("validator") if offset else None)
        except _Transient as error:
            failures += 1
            retry_or_give_up(error)
            continue
        if body.start != offset:
            log.warning("%s cannot continue %s at byte %d; starting again from 0", location,
                        partial, offset)
        if body.start == 0:
            meta = {"url": location, "md5": expected.md5, "validator": body.validator}
            write_json(meta_path, meta)
        if hashes.position != body.start:
            hashes.catch_up(partial, body.start)
        received = 0
        error: Exception | None = None
        with body.stream as stream, open(partial, "r+b" if body.start else "wb") as sink, \
                tqdm(total=body.total, initial=body.start, unit="B", unit_scale=True,
                     unit_divisor=1024, desc=desc, disable=None) as bar:
            sink.seek(body.start)
            sink.truncate()
            try:
                while chunk := stream.read(CHUNK_SIZE):
                    sink.write(chunk)
                    hashes.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as caught:
                error = caught
            sink.flush()
            os.fsync(sink.fileno())
        size = body.start + received
        if error is None and (body.total is None or size == body.total):
            return hashes
        failures = 1 if size > furthest else failures + 1
        furthest = max(furthest, size)
        retry_or_give_up(_Transient(f"download of {location} broke off at byte {size} of "
                                    f"{body.total or '?'}" + (f": {error!r}" if error else "")))


def _read_meta(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _gave_up(location: str, partial: Path, attempts: int, error: Exception) -> MticketsError:
    size = partial.stat().st_size if partial.exists() else 0
    kept = f"; {partial} keeps the {size} bytes so far and a rerun resumes from there" \
        if size else ""
    return MticketsError(f"download of {location} failed {attempts} times in a row; the last "
                         f"error: {error}{kept}; check the network and --mirror, or raise "
                         f"--retries")


def _meta_path(partial: Path) -> Path:
    """Which file and version a partial download holds."""
    return Path(f"{partial}.json")


def _discard(partial: Path) -> None:
    partial.unlink(missing_ok=True)
    _meta_path(partial).unlink(missing_ok=True)


def download_dump(mirror: str, lang: str, date: str, out: str | os.PathLike,
                  retries: int = DEFAULT_RETRIES,
                  retry_delay: float = DEFAULT_RETRY_DELAY_S) -> Path:
    """Fetch the (lang, date) pages-articles dump from ``mirror`` to ``out``, verified.

    ``date`` is YYYYMMDD or ``latest``. Returns the output path. ``out`` only ever
    holds a verified dump; an interrupted download stays in ``{out}.partial`` for the
    next run to resume, a dump with a wrong checksum is deleted.
    """
    out = Path(out)
    if not _LANG_RE.match(lang):
        raise MticketsError(f"--lang {lang!r} is not a Wikipedia language code (e.g. en, "
                            f"bat-smg)")
    if retries < 0 or retry_delay < 0:
        raise MticketsError("--retries and --retry-delay must not be negative")
    source = _Mirror(mirror, retries, retry_delay)
    out.parent.mkdir(parents=True, exist_ok=True)
    if date == LATEST:
        date, expected = resolve_latest(source, lang, out)
    elif _DATE_RE.match(date):
        expected = _date_checksums(source, lang, date)
    else:
        raise MticketsError(f"--date {date!r} is neither YYYYMMDD nor '{LATEST}'")
    name = dump_filename(lang, date)
    location = source.location(wiki_name(lang), date, name)
    partial = partial_path(out)
    log.info("downloading %s -> %s", location, out)
    try:
        hashes = _fetch(source, location, partial, expected, f"{wiki_name(lang)}-{date}")
    except _Missing as missing:
        raise _missing_error(source, lang, date, missing) from None
    size = hashes.position
    for kind, want, digest, where in (
        ("md5", expected.md5, hashes.md5, expected.md5_source),
        ("sha1", expected.sha1, hashes.sha1, expected.status_source),
    ):
        if want is not None and (got := digest.hexdigest()) != want:
            _discard(partial)
            raise MticketsError(
                f"{kind} mismatch for {name} (language '{lang}', date {date}, from "
                f"{location}): expected {want} (from {where}), got {got}; the download was "
                f"deleted — rerun, or check the mirror"
            )
    if expected.size is not None and size != expected.size:
        _discard(partial)
        raise MticketsError(f"{name} has {size} bytes but {expected.status_source} says "
                            f"{expected.size}; the download was deleted — rerun")
    os.replace(partial, out)
    _discard(partial)  # the partial is now `out`; this removes its record
    log.info("verified md5 %s%s of %s (%d bytes, date %s)", expected.md5,
             f" and sha1 {expected.sha1}" if expected.sha1 else "", out, size, date)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", required=True, help="Wikipedia language code, e.g. en")
    parser.add_argument("--date", required=True,
                        help=f"dump date YYYYMMDD, or '{LATEST}' (resolved once, then recorded "
                             f"beside --out)")
    parser.add_argument("--mirror", required=True,
                        help="local directory or http(s) URL laid out like dumps.wikimedia.org")
    parser.add_argument("--out", required=True, help="output .xml.bz2 path")
    parser.add_argument("--retries", type=int, default=DEFAULT_RETRIES,
                        help=f"retries of a failed request (default {DEFAULT_RETRIES})")
    parser.add_argument("--retry-delay", type=float, default=DEFAULT_RETRY_DELAY_S,
                        help=f"seconds before the first retry, doubled for each next one "
                             f"(default {DEFAULT_RETRY_DELAY_S})")


def main(args: argparse.Namespace) -> None:
    # One process resumes {out}.partial at a time: two would write into it at once.
    with exclusive_lock(lock_path(args.out), args.out):
        download_dump(args.mirror, args.lang, args.date, args.out, retries=args.retries,
                      retry_delay=args.retry_delay)
