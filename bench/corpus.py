"""Speed and memory of the corpus stages, each against a baseline measured in the same run.

    python bench/corpus.py                          # full run (2 cores: ~3 minutes)
    python bench/corpus.py --quick                  # small sizes, a smoke run (~30 s)
    python bench/corpus.py --stanza-model-dir DIR   # Stanza's sentences/s with that model
                                                    # (default: one trained on the corpus)

1. Synthetic English dumps (``mtickets.testdata.synthetic``) of N and 10·N articles, and the
   generator's own articles/s.
2. Download over loopback HTTP (``download_dump``: streaming, md5 + sha1, fsync,
   rename) against a plain ``urllib`` copy of the same file, and against that copy
   hashing and syncing as well (the least a verified download must do). The file is
   random bytes laid out as a mirror date folder, large enough to time.
3. extract, split (Moses) and shards at both corpus sizes, each stage in a fresh child
   process: wall time of the stage's public function, peak RSS of the largest process
   of the child's tree (``wait4`` rusage) and peak RSS summed over the tree (sampled
   every 20 ms with psutil when it is installed; shared pages count once per
   process). Flat memory means the 10× corpus peaks about where the small one does.
   Shards run with groups and buckets of ``--group-tokens`` wordpieces, so that both
   corpora span several groups as real Wikipedias do at the stage's default
   (32M wordpieces; a corpus under one group is held whole, as BERT does).
   extract is also timed against plain WikiExtractor (same processes, output to
   /dev/null), the floor of what the stage can reach.
4. Tokenizing + sharding throughput: wordpieces/s of ``write_shards`` (stage defaults,
   tokenizer trained by ``build_tokenizer``) on the large corpus, against raw
   ``tokenizers`` ``encode_batch`` of the same sentences, already in memory, with the
   same number of threads. Target ≥ 0.7×.
5. Sentences/s of the split per backend: Moses from step 3; Stanza on a sample of
   articles, with a model of Stanza's usual size trained offline on the small corpus
   (``mtickets stanza-train``) unless ``--stanza-model-dir`` gives one. Trankit runs
   only in its own environment and is not measured here.

Threads: ``--threads`` (default 2) for every stage and baseline.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

try:
    import psutil
except ImportError:  # the tree sum is then left out; rusage still gives the largest process
    psutil = None

DATE = "20240101"
LANG = "en"
ENCODE_BATCH = 10_000

# Runs the public function of one stage and prints its wall time and result as JSON.
CHILD = r"""
import json, sys, time
stage, kwargs = sys.argv[1], json.loads(sys.argv[2])
if stage == "extract":
    from mtickets.corpus.extract import extract_articles as run
    result = lambda stats: {"articles": stats.written}
elif stage == "split":
    from mtickets.corpus.split import split_articles as run
    result = lambda stats: {"sentences": stats.sentences, "articles": stats.articles}
elif stage == "tokenizer":
    from mtickets.corpus.tokenizer import build_tokenizer as run
    result = lambda size: {"vocab_size": size}
elif stage == "shards":
    from mtickets.corpus.shards import write_shards as run
    result = lambda manifest: {"tokens": manifest["tokens"], "examples": manifest["examples"]}
elif stage == "encode":  # the baseline: raw tokenizers on sentences already in memory
    import gzip
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(kwargs["tokenizer"] + "/tokenizer.json")
    with gzip.open(kwargs["sentences"], "rt", encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip()]
    batch = kwargs["batch"]
    def run():
        return sum(len(e.ids) for i in range(0, len(lines), batch)
                   for e in tokenizer.encode_batch(lines[i:i + batch], add_special_tokens=False))
    run()  # warm-up: the thread pool and the tokenizer's caches
    result = lambda tokens: {"tokens": tokens, "sentences": len(lines)}
    kwargs = {}
start = time.perf_counter()
value = run(**kwargs)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, **result(value)}))
"""


# Times a command whose output goes to /dev/null (plain WikiExtractor, the extract floor).
PLAIN_WIKIEXTRACTOR = (
    "import subprocess, sys, time, json; s = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
    "print(json.dumps({'seconds': time.perf_counter() - s}))"
)


@dataclass
class Measured:
    seconds: float  # the function's own wall time (or the command's, for plain commands)
    largest_mb: float  # peak RSS of the largest process in the tree
    tree_mb: float | None  # peak of the summed RSS of the tree
    result: dict


def _tree_rss(process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(argv: list[str], log: Path, env: dict[str, str]) -> Measured:
    """Run ``argv`` as a child; its peak memory (rusage and sampled tree) and its JSON line."""
    with open(log, "ab") as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, env=env)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            try:
                process = psutil.Process(child.pid)
                while not done.wait(0.02):
                    peak[0] = max(peak[0], _tree_rss(process))
            except psutil.Error:
                pass

        sampler = threading.Thread(target=sample, daemon=True)
        if psutil is not None:
            sampler.start()
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        done.set()
        if psutil is not None:
            sampler.join()
    if child.returncode != 0:
        sys.exit(f"{' '.join(argv[:4])} ... failed (exit {child.returncode}); see {log}")
    lines = output.decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    seconds = result.pop("seconds", elapsed)
    return Measured(seconds, usage.ru_maxrss / 1024, peak[0] / 2**20 if psutil else None, result)


def stage(name: str, kwargs: dict, work: Path, env: dict[str, str]) -> Measured:
    return measure([sys.executable, "-c", CHILD, name, json.dumps(kwargs)],
                   work / f"{name}.log", env)


# --------------------------------------------------------------------------- printing


def header(title: str, columns: list[str]) -> None:
    print(f"\n{title}")
    print("  " + "".join(f"{c:>{w}s}" for c, w in zip(columns, WIDTHS)))


WIDTHS = [38, 16, 16, 16, 12, 12]


def row(*cells: str) -> None:
    first, *rest = cells
    print(f"  {first:<{WIDTHS[0]}s}" + "".join(f"{c:>{w}s}" for c, w in zip(rest, WIDTHS[1:])))


def mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} MB"


def rate(count: float, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}"


# --------------------------------------------------------------------------- download


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def bench_download(work: Path, megabytes: int) -> None:
    from mtickets.corpus.download import download_dump

    folder = work / "blob-mirror" / "xxwiki" / DATE
    folder.mkdir(parents=True)
    name = f"xxwiki-{DATE}-pages-articles.xml.bz2"
    md5, sha1 = hashlib.md5(), hashlib.sha1()
    with open(folder / name, "wb") as handle:
        for _ in range(megabytes):
            block = os.urandom(1 << 20)
            md5.update(block)
            sha1.update(block)
            handle.write(block)
    (folder / f"xxwiki-{DATE}-md5sums.txt").write_text(f"{md5.hexdigest()}  {name}\n")
    size = megabytes << 20
    (folder / "dumpstatus.json").write_text(json.dumps({"jobs": {"articlesdump": {
        "status": "done", "files": {name: {"size": size, "md5": md5.hexdigest(),
                                           "sha1": sha1.hexdigest()}}}}}))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(work / "blob-mirror")))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    def plain(verified: bool) -> None:
        hashes = (hashlib.md5(), hashlib.sha1()) if verified else ()
        with urllib.request.urlopen(f"{url}/xxwiki/{DATE}/{name}") as response, \
                open(work / "plain.bin", "wb") as sink:
            while chunk := response.read(1 << 20):
                sink.write(chunk)
                for digest in hashes:
                    digest.update(chunk)
            if verified:
                sink.flush()
                os.fsync(sink.fileno())

    def ours() -> None:
        download_dump(url, "xx", DATE, work / "ours.xml.bz2", retries=0)

    variants = {"ours": ours, "plain": functools.partial(plain, False),
                "hashed": functools.partial(plain, True)}
    times: dict[str, list[float]] = {label: [] for label in variants}
    for _ in range(3):
        for label, function in variants.items():
            # Every variant writes a new file: freeing the last one's pages is not timed.
            for old in ("plain.bin", "ours.xml.bz2"):
                (work / old).unlink(missing_ok=True)
            start = time.perf_counter()
            function()
            times[label].append(time.perf_counter() - start)
    server.shutdown()
    server.server_close()
    best = {label: min(values) for label, values in times.items()}
    header(f"Download over loopback HTTP, {megabytes} MB (best of 3)",
           ["", "download_dump", "baseline", "ratio"])
    speed = {label: f"{megabytes / seconds:,.0f} MB/s" for label, seconds in best.items()}
    row("vs urllib copy", speed["ours"], speed["plain"],
        f"{best['plain'] / best['ours']:.2f}x")
    row("vs urllib copy + md5 + sha1 + fsync", speed["ours"], speed["hashed"],
        f"{best['hashed'] / best['ours']:.2f}x")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--threads", type=int, default=2, help="threads of every stage (2)")
    parser.add_argument("--articles", type=int, default=None,
                        help="articles of the small corpus; the large has 10x "
                             "(default 3000, --quick 300)")
    parser.add_argument("--group-tokens", type=int, default=None,
                        help="shards group and bucket size for the memory runs "
                             "(default 2^18 wordpieces, --quick 2^15)")
    parser.add_argument("--download-mb", type=int, default=None,
                        help="size of the download test file (default 512, --quick 32)")
    parser.add_argument("--stanza-model-dir", default=None,
                        help="Stanza model directory (resources.json, {lang}/tokenize/)")
    parser.add_argument("--stanza-lang", default="en", help="language of that Stanza model")
    parser.add_argument("--stanza-articles", type=int, default=200,
                        help="articles split with Stanza (default 200)")
    parser.add_argument("--workdir", default=None, help="keep the files here (default: temp)")
    args = parser.parse_args()
    small = args.articles or (300 if args.quick else 3000)
    sizes = [small, 10 * small]
    group_tokens = args.group_tokens or (1 << 15 if args.quick else 1 << 18)
    download_mb = args.download_mb or (32 if args.quick else 512)
    threads = args.threads

    from mtickets.corpus.extract import _WikiExtractorRun
    from mtickets.testdata.synthetic import generate_dump

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    work.mkdir(parents=True, exist_ok=True)
    # The tokenizers' Rust thread pool reads this once, at its first use in each process.
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    print(f"corpus benchmark: {threads} threads, {os.cpu_count()} cores, sizes {sizes} "
          f"articles ({LANG}), work dir {work}")
    wall = time.perf_counter()
    try:
        bench_download(work, download_mb)

        generated = {}
        for n in sizes:
            start = time.perf_counter()
            generated[n] = generate_dump(work / f"{LANG}-{n}.xml.bz2", LANG, n, seed=n)
            generated[n] = (generated[n], time.perf_counter() - start)
        header("Synthetic dumps (mtickets.testdata.synthetic)", ["", "pages", "bz2 size", "articles/s"])
        for n, (info, seconds) in generated.items():
            row(f"{n:,} articles", f"{info.pages:,}", f"{info.size / 2**20:.1f} MB",
                rate(n, seconds, "/s"))

        runs: dict[str, dict[int, Measured]] = {"extract": {}, "plain WikiExtractor": {},
                                                "split (moses)": {}, "shards": {}}
        tokenizer = work / "tokenizer"
        for n in sizes:
            dump, articles = generated[n][0].path, work / f"{LANG}-{n}.articles.jsonl.gz"
            sentences = work / f"{LANG}-{n}.sentences.txt.gz"
            runs["extract"][n] = stage("extract", {
                "dump": str(dump), "lang": LANG, "out": str(articles), "threads": threads},
                work, env)
            runs["plain WikiExtractor"][n] = measure(
                [sys.executable, "-c", PLAIN_WIKIEXTRACTOR, *_WikiExtractorRun.command(dump, threads)],
                work / "wikiextractor.log", env)
            runs["split (moses)"][n] = stage("split", {
                "articles": str(articles), "lang": LANG, "out": str(sentences),
                "backend": "moses", "threads": threads}, work, env)
            if n == sizes[0]:
                # The synthetic text's small vocabulary supports about 3,000 wordpieces
                # (3,000 articles), fewer in the quick run's corpus.
                stage("tokenizer", {"sentences": [str(sentences)], "out": str(tokenizer),
                                    "vocab_size": 1000 if args.quick else 3000, "seed": 0},
                      work, env)
            runs["shards"][n] = stage("shards", {
                "sentences": str(sentences), "tokenizer_dir": str(tokenizer), "lang": LANG,
                "out": str(work / f"shards-{n}"), "seq_length": 128, "threads": threads,
                "group_tokens": group_tokens, "bucket_tokens": group_tokens}, work, env)

        header("Peak memory per stage (child process tree), corpus 1x vs 10x",
               ["", f"{sizes[0]:,} art.", f"{sizes[1]:,} art.", "growth", "wall 1x",
                "wall 10x"])
        for label, by_size in runs.items():
            one, ten = by_size[sizes[0]], by_size[sizes[1]]
            row(f"{label}: largest process", mb(one.largest_mb), mb(ten.largest_mb),
                f"{ten.largest_mb / one.largest_mb:.2f}x", f"{one.seconds:.1f} s",
                f"{ten.seconds:.1f} s")
            if one.tree_mb is not None:
                row(f"{label}: whole tree (sum)", mb(one.tree_mb), mb(ten.tree_mb),
                    f"{ten.tree_mb / one.tree_mb:.2f}x")
        extract, plain = runs["extract"][sizes[1]], runs["plain WikiExtractor"][sizes[1]]
        header(f"Extract, {sizes[1]:,} articles", ["", "mtickets extract", "WikiExtractor",
                                                    "ratio"])
        row("articles/s (time ratio: ours / plain)",
            rate(extract.result["articles"], extract.seconds, "/s"),
            rate(extract.result["articles"], plain.seconds, "/s"),
            f"{extract.seconds / plain.seconds:.2f}x")

        large = sizes[1]
        sentences = work / f"{LANG}-{large}.sentences.txt.gz"
        shards = stage("shards", {
            "sentences": str(sentences), "tokenizer_dir": str(tokenizer), "lang": LANG,
            "out": str(work / "shards-default"), "seq_length": 128, "threads": threads},
            work, env)
        encode = [stage("encode", {"sentences": str(sentences), "tokenizer": str(tokenizer),
                                    "batch": ENCODE_BATCH}, work, env) for _ in range(2)]
        baseline = min(encode, key=lambda m: m.seconds)
        assert baseline.result["tokens"] == shards.result["tokens"], \
            (baseline.result, shards.result)
        ours_rate = shards.result["tokens"] / shards.seconds
        raw_rate = baseline.result["tokens"] / baseline.seconds
        header(f"Tokenizing + sharding, {large:,} articles, "
               f"{shards.result['tokens']:,} wordpieces, {threads} threads",
               ["", "write_shards", "encode_batch", "ratio", ">= 0.70x"])
        row("wordpieces/s", f"{ours_rate:,.0f}", f"{raw_rate:,.0f}",
            f"{ours_rate / raw_rate:.2f}x", "ok" if ours_rate >= 0.7 * raw_rate else "MISSED")

        header(f"Sentence splitting, {threads} threads", ["", "sentences/s", "sentences",
                                                          "articles"])
        for n in sizes:
            split = runs["split (moses)"][n]
            row(f"moses, {n:,} articles", rate(split.result["sentences"], split.seconds, "/s"),
                f"{split.result['sentences']:,}", f"{split.result['articles']:,}")
        if not args.stanza_model_dir:
            # A model of Stanza's released tokenizers' size, trained on the small corpus.
            from mtickets.testdata.stanza_train import read_documents, train_stanza_tokenizer

            args.stanza_model_dir = str(work / "stanza-model")
            train_stanza_tokenizer(read_documents(work / f"{LANG}-{sizes[0]}.sentences.txt.gz"),
                                   args.stanza_lang, args.stanza_model_dir, emb_dim=32,
                                   hidden_dim=64)
        sample = work / "stanza-sample.jsonl.gz"
        with gzip.open(work / f"{LANG}-{sizes[0]}.articles.jsonl.gz", "rt") as source, \
                gzip.open(sample, "wt") as sink:
            for _, line in zip(range(args.stanza_articles), source):
                sink.write(line)
        split = stage("split", {
            "articles": str(sample), "lang": args.stanza_lang,
            "out": str(work / "stanza.sentences.txt.gz"), "backend": "stanza",
            "model_dir": args.stanza_model_dir, "threads": threads}, work, env)
        row(f"stanza ({args.stanza_lang} model), {split.result['articles']:,} art.",
            rate(split.result["sentences"], split.seconds, "/s"),
            f"{split.result['sentences']:,}", f"{split.result['articles']:,}")
        print(f"\ntotal {time.perf_counter() - wall:.0f} s")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
