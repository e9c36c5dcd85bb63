"""Download a Wikipedia pages-articles dump from a mirror and verify its md5.

The mirror is laid out like https://dumps.wikimedia.org:
``{mirror}/{lang}wiki/{date}/{lang}wiki-{date}-pages-articles.xml.bz2`` with the
checksums in ``{mirror}/{lang}wiki/{date}/{lang}wiki-{date}-md5sums.txt``. It is a
local directory (or ``file://`` URL) or an http(s) URL. The dump is streamed in
chunks to a temporary file beside ``--out``, its md5 is checked against the
mirror's md5sums file, and only then is it renamed onto ``--out``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from tqdm import tqdm

from mtickets.atomic import atomic_path
from mtickets.errors import MticketsError

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
HTTP_TIMEOUT_S = 60
USER_AGENT = "mtickets-download/0.1 (research pipeline)"


def dump_filename(lang: str, date: str) -> str:
    return f"{lang}wiki-{date}-pages-articles.xml.bz2"


def md5sums_filename(lang: str, date: str) -> str:
    return f"{lang}wiki-{date}-md5sums.txt"


def _is_url(mirror: str) -> bool:
    return urllib.parse.urlsplit(mirror).scheme in ("http", "https", "file")


def mirror_location(mirror: str, lang: str, date: str, filename: str) -> str:
    """Where ``filename`` of (lang, date) lives on ``mirror``: a URL or a local path."""
    if _is_url(mirror):
        return f"{mirror.rstrip('/')}/{lang}wiki/{date}/{urllib.parse.quote(filename)}"
    return str(Path(mirror) / f"{lang}wiki" / date / filename)


@dataclass
class _Source:
    """An opened remote or local file: a binary stream and its size if known."""

    stream: BinaryIO
    size: int | None


def _open(location: str, lang: str, date: str) -> _Source:
    """Open ``location`` for reading; a missing file is an error naming language and date.

    The single place that talks to the mirror, so resuming (HTTP ``Range``) or other
    schemes can be added here without touching the copy/verify logic.
    """
    scheme = urllib.parse.urlsplit(location).scheme
    if scheme in ("http", "https", "file"):
        request = urllib.request.Request(location, headers={"User-Agent": USER_AGENT})
        try:
            response = urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S)
        except urllib.error.HTTPError as error:
            if error.code in (403, 404, 410):
                raise MticketsError(
                    f"no dump for language '{lang}' date {date} on the mirror: {location} "
                    f"answered HTTP {error.code}; check --lang/--date, or whether the mirror "
                    f"still keeps that date"
                ) from None
            raise MticketsError(
                f"mirror error for language '{lang}' date {date}: {location} answered HTTP "
                f"{error.code} {error.reason}; retry later or use another --mirror"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if scheme == "file":
                raise MticketsError(
                    f"no dump for language '{lang}' date {date} on the mirror: {location} "
                    f"cannot be read ({reason}); check --lang/--date/--mirror"
                ) from None
            raise MticketsError(
                f"cannot reach the mirror for language '{lang}' date {date}: {location} "
                f"({reason}); check --mirror and the network"
            ) from None
        length = response.headers.get("Content-Length")
        return _Source(response, int(length) if length and length.isdigit() else None)
    path = Path(location)
    if not path.is_file():
        raise MticketsError(
            f"no dump for language '{lang}' date {date} on the mirror: {path} does not "
            f"exist; check --lang/--date, or that --mirror is laid out as "
            f"{{mirror}}/{{lang}}wiki/{{date}}/"
        )
    return _Source(open(path, "rb"), path.stat().st_size)


def read_md5sums(text: str) -> dict[str, str]:
    """Parse an md5sums file (``md5  filename`` lines) into ``{filename: md5}``."""
    sums = {}
    for line in text.splitlines():
        parts = line.strip().split()
        if len(parts) >= 2 and len(parts[0]) == 32:
            sums[parts[-1].lstrip("*")] = parts[0].lower()
    return sums


def expected_md5(mirror: str, lang: str, date: str) -> tuple[str, str]:
    """Return (md5 of the pages-articles dump, where it was read from)."""
    location = mirror_location(mirror, lang, date, md5sums_filename(lang, date))
    source = _open(location, lang, date)
    with source.stream as stream:
        text = stream.read().decode("utf-8", errors="replace")
    name = dump_filename(lang, date)
    sums = read_md5sums(text)
    if name not in sums:
        raise MticketsError(
            f"{location} lists no md5 for {name} (language '{lang}', date {date}); "
            f"the dump may be incomplete on the mirror — pick another --date"
        )
    return sums[name], location


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def download_dump(mirror: str, lang: str, date: str, out: str | os.PathLike) -> Path:
    """Copy the (lang, date) pages-articles dump from ``mirror`` to ``out``, md5-verified.

    Returns the output path. Nothing is left at ``out`` (or beside it) on failure.
    """
    out = Path(out)
    want_md5, md5_location = expected_md5(mirror, lang, date)
    location = mirror_location(mirror, lang, date, dump_filename(lang, date))
    log.info("downloading %s -> %s", location, out)
    source = _open(location, lang, date)
    digest = hashlib.md5()
    copied = 0
    with atomic_path(out) as tmp, source.stream as stream, open(tmp, "wb") as sink:
        with tqdm(total=source.size, unit="B", unit_scale=True, unit_divisor=1024,
                  desc=f"{lang}wiki-{date}", disable=None) as bar:
            try:
                for chunk in _chunks(stream):
                    digest.update(chunk)
                    sink.write(chunk)
                    copied += len(chunk)
                    bar.update(len(chunk))
            except OSError as error:
                raise MticketsError(
                    f"download of {location} (language '{lang}', date {date}) broke off "
                    f"after {copied} bytes: {error}; rerun to retry"
                ) from None
        sink.flush()
        os.fsync(sink.fileno())
        if source.size is not None and copied != source.size:
            raise MticketsError(
                f"download of {location} (language '{lang}', date {date}) is truncated: "
                f"got {copied} of {source.size} bytes; rerun to retry"
            )
        got_md5 = digest.hexdigest()
        if got_md5 != want_md5:
            raise MticketsError(
                f"md5 mismatch for {location}: expected {want_md5} (from {md5_location}), "
                f"got {got_md5}; the download was deleted — rerun, or check the mirror"
            )
    log.info("verified md5 %s of %s (%d bytes)", want_md5, out, copied)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", required=True, help="Wikipedia language code, e.g. en")
    parser.add_argument("--date", required=True, help="dump date, e.g. 20240101")
    parser.add_argument("--mirror", required=True,
                        help="local directory or http(s) URL laid out like dumps.wikimedia.org")
    parser.add_argument("--out", required=True, help="output .xml.bz2 path")


def main(args: argparse.Namespace) -> None:
    download_dump(args.mirror, args.lang, args.date, args.out)

