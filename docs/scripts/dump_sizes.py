"""Is a dump date served for every language of a config, and how large are its dumps?

    python docs/scripts/dump_sizes.py --date 20231101 [--config config/paper.yaml]
        [--mirror https://dumps.wikimedia.org]

For each language it prints whether the mirror has that date's pages-articles dump, the
dump job's status and the file's size, then the total; it exits 1 if any language lacks
a finished dump, so a date can be tried before the download stage fetches 103 dumps.
Sizes come from the mirror's dumpstatus.json (as the download stage reads it), or, where
a mirror has none, from the file itself (a local mirror) or its Content-Length (http).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def fetch(mirror: str, path: str, head: bool = False) -> tuple[bytes | None, int | None]:
    """(content, size) of ``mirror/path``; (None, None) if it is not there."""
    if not mirror.startswith(("http://", "https://")):
        local = Path(mirror) / path
        if not local.is_file():
            return None, None
        return (None if head else local.read_bytes()), local.stat().st_size
    request = urllib.request.Request(f"{mirror.rstrip('/')}/{path}", method="HEAD" if head else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            length = response.headers.get("Content-Length")
            return (None if head else response.read()), (int(length) if length else None)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None, None
        raise


def dump_entry(mirror: str, lang: str, date: str) -> tuple[str, int | None]:
    """(status, size in bytes) of one language's pages-articles dump of ``date``."""
    folder = f"{lang}wiki/{date}"
    name = f"{lang}wiki-{date}-pages-articles.xml.bz2"
    status, _ = fetch(mirror, f"{folder}/dumpstatus.json")
    if status is not None:
        for job in (json.loads(status).get("jobs") or {}).values():
            meta = (job.get("files") or {}).get(name)
            if meta is not None:
                size = meta.get("size")
                return str(job.get("status", "")), (int(size) if size is not None else None)
        return "not listed yet", None
    sums, _ = fetch(mirror, f"{folder}/{lang}wiki-{date}-md5sums.txt")
    if sums is None or name not in sums.decode("utf-8", "replace"):
        return "missing", None
    _, size = fetch(mirror, f"{folder}/{name}", head=True)
    return "done", size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--date", required=True, help="YYYYMMDD")
    parser.add_argument("--config", default=str(ROOT / "config" / "paper.yaml"))
    parser.add_argument("--mirror", help="default: the config's corpus.mirror")
    args = parser.parse_args()
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    mirror = args.mirror or config["corpus"]["mirror"]
    total, unfinished = 0, []
    for lang in config["languages"]:
        try:
            status, size = dump_entry(mirror, lang, args.date)
        except (urllib.error.URLError, OSError) as error:
            print(f"cannot read {mirror} for {lang}: {error}", file=sys.stderr)
            return 2
        total += size or 0
        if status != "done":
            unfinished.append(lang)
        shown = f"{size / 1e6:10.1f} MB" if size is not None else f"{'?':>10}   "
        print(f"{lang:>8}  {shown}  {status}")
    print(f"{'total':>8}  {total / 1e6:10.1f} MB  {len(config['languages']) - len(unfinished)} of "
          f"{len(config['languages'])} languages finished")
    if unfinished:
        print(f"no finished {args.date} dump for: {' '.join(unfinished)}; try another date "
              f"(each wiki's dates: {mirror.rstrip('/')}/{{lang}}wiki/)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
