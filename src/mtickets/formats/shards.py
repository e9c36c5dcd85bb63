"""Shard directories: the pretraining examples of one (language, sequence length).

``manifest.json`` plus ``part-00000.parquet, ...`` (schema: ``parquet_schema()``), as
the shards stage (``mtickets.corpus.shards``) writes them (docs/contracts.md), and the same
rows, in the same order, as flat arrays for memory mapping (``MappedWriter``; the
manifest's ``memory_map``):

- ``examples.tokens.i32``: every row's ``input_ids``, back to back;
- ``examples.offsets.i64``: where each row starts (rows + 1 entries);
- ``examples.first.i16``: each row's ``[CLS] A [SEP]`` length (its token type 0 part);
- ``examples.nsp.i8``: ``next_sentence_label``.

``open_shards`` is the one reader: scoring streams a directory's examples in file
order (``iter_examples``), pretraining takes batches at random positions (``get``).
With the flat arrays, ``get`` reads only the rows it is asked for from memory-mapped
files, so a process's resident memory does not grow with the corpus and processes on
one machine share the pages; a directory without them (written by other tools) is
read from its Parquet parts into memory on first use.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mtickets.errors import MticketsError
from mtickets.formats.fingerprint import shards_sha256
from mtickets.formats.special_tokens import SpecialTokens

MANIFEST = "manifest.json"
REQUIRED_KEYS = ("language", "seq_length", "tokens", "examples", "vocab_size", "shards")
COLUMNS = ["input_ids", "token_type_ids", "next_sentence_label"]
STREAM_ROWS = 1024  # rows per Parquet read when streaming
MEMORY_MAP = "memory_map"
MAPPED_FILES = {"tokens": ("tokens.i32", np.int32), "offsets": ("offsets.i64", np.int64),
                "first": ("first.i16", np.int16), "nsp": ("nsp.i8", np.int8)}  # after a prefix
HELDOUT = "heldout"


def parquet_schema():
    """The columns of every shard part."""
    import pyarrow as pa

    return pa.schema([
        pa.field("input_ids", pa.list_(pa.int32())),
        pa.field("token_type_ids", pa.list_(pa.int8())),
        pa.field("next_sentence_label", pa.int8()),
        pa.field("language", pa.string()),
    ])


def read_manifest(directory: str | os.PathLike,
                  required: tuple[str, ...] = ("language", "shards")) -> dict:
    """The ``manifest.json`` of a shard directory, with ``required`` keys present."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise MticketsError(f"{directory}: no manifest.json; is this a `mtickets shards` "
                            f"output directory?")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MticketsError(f"{path}: not valid JSON ({error}); rerun `mtickets shards` for "
                            f"it") from None
    missing = [key for key in required if key not in manifest]
    if missing:
        raise MticketsError(f"{path}: manifest lacks {', '.join(missing)}; rerun `mtickets "
                            f"shards` for it")
    return manifest


def shard_files(directory: str | os.PathLike, manifest: dict) -> list[Path]:
    """The Parquet parts the manifest lists, each checked to exist."""
    files = [Path(directory) / entry["file"] for entry in manifest["shards"]]
    for file in files:
        if not file.is_file():
            raise MticketsError(f"{file}: listed in {Path(directory) / MANIFEST} but "
                                f"missing; rerun the shards stage")
    return files


class MappedWriter:
    """Appends shard rows (pyarrow tables with the shard schema) to the flat arrays."""

    def __init__(self, directory: Path, prefix: str = "examples"):
        self.directory = Path(directory)
        self._files = {name: f"{prefix}.{suffix}" for name, (suffix, _) in MAPPED_FILES.items()}
        self._handles = {name: open(self.directory / file, "wb") for name, file in self._files.items()}
        self.rows = self.tokens = 0
        self._handles["offsets"].write(np.zeros(1, dtype=np.int64).tobytes())

    def write(self, table) -> None:
        input_ids = table.column("input_ids").combine_chunks()
        lengths = np.diff(input_ids.offsets.to_numpy()).astype(np.int64)
        types = table.column("token_type_ids").combine_chunks().flatten().to_numpy()
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        first = lengths - np.add.reduceat(types.astype(np.int64), starts) if len(lengths) else lengths
        self._handles["tokens"].write(input_ids.flatten().to_numpy().astype(np.int32).tobytes())
        self._handles["offsets"].write((self.tokens + np.cumsum(lengths)).astype(np.int64).tobytes())
        self._handles["first"].write(first.astype(np.int16).tobytes())
        self._handles["nsp"].write(table.column("next_sentence_label").to_numpy().astype(np.int8).tobytes())
        self.rows += len(lengths)
        self.tokens += int(lengths.sum())

    def close(self) -> dict:
        """The manifest's ``memory_map`` entry: file names and their content digests."""
        from mtickets.formats.fingerprint import file_sha256

        for handle in self._handles.values():
            handle.close()
        return {name: {"file": file, "sha256": file_sha256(self.directory / file)}
                for name, file in self._files.items()}


@dataclass
class _Columns:
    """All examples of a directory as flat arrays: example i is ``ids[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray  # int32
    first: np.ndarray  # int16: tokens of type 0 per example
    offsets: np.ndarray  # int64, examples + 1
    nsp: np.ndarray  # int8


@dataclass
class ShardDirectory:
    """One shard directory: what its manifest says, and its examples.

    ``get`` reads the parts into flat arrays on first use; ``iter_examples`` streams
    them and holds one read of ``STREAM_ROWS`` rows.
    """

    path: Path
    manifest: dict
    files: list[Path]
    special_tokens: SpecialTokens
    digest: str  # of the content (fingerprint.shards_sha256)
    _columns: _Columns | None = field(default=None, repr=False)

    @property
    def language(self) -> str:
        return str(self.manifest["language"])

    @property
    def seq_length(self) -> int:
        return int(self.manifest["seq_length"])

    @property
    def tokens(self) -> int:
        """Wordpieces of the language's corpus (before pairing)."""
        return int(self.manifest["tokens"])

    @property
    def vocab_size(self) -> int:
        return int(self.manifest["vocab_size"])

    def __len__(self) -> int:
        return int(self.manifest["examples"])

    def get(self, indices: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """``(input_ids, token_type_ids, next_sentence_label)`` of the examples at ``indices``, unpadded."""
        columns = self._columns if self._columns is not None else self._open_columns()
        rows = np.asarray(indices, dtype=np.int64)
        starts, ends, first = columns.offsets[rows], columns.offsets[rows + 1], columns.first[rows]
        ids = [np.asarray(columns.ids[start:end]) for start, end in zip(starts, ends)]
        types = [(np.arange(end - start) >= split).astype(np.int8) for start, end, split in zip(starts, ends, first)]
        return ids, types, np.asarray(columns.nsp[rows])

    def iter_examples(self) -> Iterator[tuple[list[int], list[int], int]]:
        """``(input_ids, token_type_ids, next_sentence_label)`` of every example, in file order."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        for path in self.files:
            try:
                for batch in pq.ParquetFile(path).iter_batches(batch_size=STREAM_ROWS, columns=COLUMNS):
                    ids, types, nsp = (batch.column(i).to_pylist() for i in range(3))
                    yield from zip(ids, types, nsp)
            except (pa.ArrowException, OSError, KeyError) as error:
                raise MticketsError(f"{path}: cannot read shard examples ({error}); rerun the shards stage") from None

    def _open_columns(self) -> _Columns:
        mapped = self.manifest.get(MEMORY_MAP)
        self._columns = self._map(mapped) if mapped else self._load()
        return self._columns

    def _map(self, mapped: dict) -> _Columns:
        arrays = {}
        for name, (_, dtype) in MAPPED_FILES.items():
            path = self.path / mapped[name]["file"]
            try:
                arrays[name] = np.memmap(path, dtype=dtype, mode="r")
            except (OSError, ValueError) as error:
                raise MticketsError(f"{path}: cannot be memory-mapped ({error}); rerun the shards stage") from None
        examples = len(self)
        if not (len(arrays["offsets"]) == examples + 1 == len(arrays["first"]) + 1 == len(arrays["nsp"]) + 1
                and int(arrays["offsets"][-1]) == len(arrays["tokens"])):
            raise MticketsError(f"{self.path}: the memory-mapped arrays do not hold the manifest's {examples} "
                                f"examples; rerun the shards stage")
        return _Columns(ids=arrays["tokens"], first=arrays["first"], offsets=arrays["offsets"], nsp=arrays["nsp"])

    def _load(self) -> _Columns:
        import pyarrow as pa
        import pyarrow.parquet as pq

        directory = self.path
        try:
            table = pa.concat_tables([pq.read_table(f, columns=COLUMNS) for f in self.files])
        except (pa.ArrowException, OSError) as error:
            raise MticketsError(f"{directory}: cannot read shard parquet files ({error}); rerun the shards stage") from None
        input_ids = table.column("input_ids").combine_chunks()
        token_types = table.column("token_type_ids").combine_chunks()
        offsets = input_ids.offsets.to_numpy().astype(np.int64)
        offsets -= offsets[0]
        ids = input_ids.flatten().to_numpy().astype(np.int32)  # flatten() respects slicing
        types = token_types.flatten().to_numpy().astype(np.int8)
        type_offsets = token_types.offsets.to_numpy().astype(np.int64)
        if len(types) != len(ids) or not np.array_equal(type_offsets - type_offsets[0], offsets):
            raise MticketsError(f"{directory}: token_type_ids and input_ids differ in length; rerun the shards stage")
        nsp = table.column("next_sentence_label").to_numpy().astype(np.int8)
        if len(nsp) != len(self) or len(nsp) == 0:
            raise MticketsError(
                f"{directory}: manifest says {len(self)} examples, the parquet files hold {len(nsp)}"
            )
        lengths = np.diff(offsets)
        if lengths.max() > self.seq_length:
            raise MticketsError(
                f"{directory}: an example has {int(lengths.max())} tokens, more than the manifest's "
                f"seq_length {self.seq_length}"
            )
        first = lengths - np.add.reduceat(types.astype(np.int64), offsets[:-1])
        positions = np.arange(len(types)) - np.repeat(offsets[:-1], lengths)
        if not np.array_equal(positions >= np.repeat(first, lengths), types.astype(bool)):
            raise MticketsError(f"{directory}: token_type_ids are not 0 for [CLS] A [SEP] and 1 for B [SEP] in "
                                f"every example; rerun the shards stage")
        return _Columns(ids=ids, first=first.astype(np.int16), offsets=offsets, nsp=nsp)


def open_shards(directory: str | os.PathLike, heldout: bool = False) -> ShardDirectory:
    """A shard directory, its manifest checked and its parts found; examples are read on use.

    ``heldout``: the examples the shards stage set aside (``--heldout``), never trained on.
    """
    directory = Path(directory)
    manifest = read_manifest(directory, REQUIRED_KEYS)
    if heldout:
        if not manifest.get(HELDOUT):
            raise MticketsError(f"{directory}: no held-out examples; rebuild it with `mtickets shards --heldout N` "
                                f"(shards.heldout in the config)")
        manifest = {**manifest, **manifest[HELDOUT]}
    files = shard_files(directory, manifest)
    if not files:
        raise MticketsError(f"{directory}: manifest lists no shard files; the corpus of "
                            f"'{manifest['language']}' is empty")
    return ShardDirectory(
        path=directory,
        manifest=manifest,
        files=files,
        special_tokens=SpecialTokens.from_manifest(manifest, str(directory / MANIFEST)),
        digest=shards_sha256(directory, manifest),
    )
