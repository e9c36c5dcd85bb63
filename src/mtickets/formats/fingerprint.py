"""Content digests of a stage's inputs, so that resumable work resumes only on the same inputs.

Pretraining checkpoints and SNIP's partial sums outlive a Snakemake rerun (they are
not rule outputs), so each records what it was made from: the settings and a digest
of the content of every input file. A rerun after any input changed starts over.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mtickets.errors import MticketsError

CHUNK_BYTES = 1 << 22


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError as error:
        raise MticketsError(f"{path}: cannot be read ({error.strerror})") from None
    return digest.hexdigest()


def directory_sha256(directory: str | os.PathLike) -> str:
    """One digest of every file of a directory (names and contents), e.g. a save_pretrained model."""
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    listing = {str(p.relative_to(directory)): file_sha256(p) for p in files}
    return hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()


def shards_sha256(directory: str | os.PathLike, manifest: dict) -> str:
    """The digest of a shard directory's content, from its manifest's per-part digests.

    The shards stage writes a ``sha256`` for every part, so nothing but the manifest is
    read; a part listed without one (a manifest written by other tools) is hashed here.
    """
    directory = Path(directory)
    parts = [entry.get("sha256") or file_sha256(directory / entry["file"]) for entry in manifest["shards"]]
    described = {key: value for key, value in manifest.items() if key != "shards"}
    return hashlib.sha256(json.dumps([described, parts], sort_keys=True).encode()).hexdigest()


def state_dict_sha256(model) -> str:
    """One digest of a loaded model's weights and buffers (names, dtypes, shapes, values)."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
