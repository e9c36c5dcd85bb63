"""Shard directories: the pretraining examples of one (language, sequence length).

``manifest.json`` plus ``part-00000.parquet, ...`` (schema: ``parquet_schema()``), as
the shards stage writes them (docs/contracts.md). ``open_shards`` is the one reader:
scoring streams a directory's examples in file order (``iter_examples``), pretraining
takes batches at random positions (``get``).
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


@dataclass
class _Columns:
    """All examples of a directory as flat arrays: example i is ``ids[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray  # int32
    types: np.ndarray  # int8
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
        columns = self._columns if self._columns is not None else self._load()
        offsets = columns.offsets
        ids = [columns.ids[offsets[i] : offsets[i + 1]] for i in indices]
        types = [columns.types[offsets[i] : offsets[i + 1]] for i in indices]
        return ids, types, columns.nsp[np.asarray(indices, dtype=np.int64)]

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
        self._columns = _Columns(ids=ids, types=types, offsets=offsets, nsp=nsp)
        return self._columns


def open_shards(directory: str | os.PathLike) -> ShardDirectory:
    """A shard directory, its manifest checked and its parts found; examples are read on use."""
    directory = Path(directory)
    manifest = read_manifest(directory, REQUIRED_KEYS)
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
