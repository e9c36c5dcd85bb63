"""Safetensors files that stages hand on: per-language unit scores and the merged ticket bank.

Keys are ``layer.{k}.qk|v|ffn``. A score file holds float32 ``[dim]`` vectors and
string metadata (``language``, ``proxy``, ...); the ticket bank holds uint8 0/1
``[languages, dim]`` rows and the metadata ``languages`` (JSON list: the row order),
``remain_ratio`` and ``budget``. Written byte-reproducibly and atomically.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from mtickets.errors import MticketsError
from mtickets.formats.atomic import atomic_path

if TYPE_CHECKING:
    import torch

KEY = re.compile(r"^layer\.(\d+)\.(qk|v|ffn)$")
COMPONENT_ORDER = {"qk": 0, "v": 1, "ffn": 2}


def load_scores(paths: list[str | Path], languages: list[str]) -> dict[str, dict[str, torch.Tensor]]:
    """Read one score file per language and check they all have the same keys and shapes."""
    import torch
    from safetensors import safe_open

    if len(paths) != len(languages):
        raise MticketsError(f"--scores gives {len(paths)} files but --languages names {len(languages)} languages")
    if len(set(languages)) != len(languages):
        raise MticketsError(f"--languages {' '.join(languages)}: a language is listed twice")
    scores, reference = {}, None
    for path, lang in zip(map(Path, paths), languages):
        if not path.is_file():
            raise MticketsError(f"score file of '{lang}' not found: {path}; run `mtickets score --lang {lang}`")
        try:
            with safe_open(str(path), framework="pt") as handle:
                metadata = handle.metadata() or {}
                tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        except Exception as error:  # safetensors raises its own error types
            raise MticketsError(
                f"{path}: not a readable safetensors score file ({error}); rerun `mtickets score`"
            ) from None
        if metadata.get("language", lang) != lang:
            raise MticketsError(
                f"{path} holds scores of '{metadata['language']}' but is given for '{lang}'; "
                "list --scores in the order of --languages"
            )
        bad = sorted(key for key in tensors if not KEY.match(key))
        if bad:
            raise MticketsError(f"{path}: unexpected key {bad[0]} (expected layer.K.qk|v|ffn); rerun `mtickets score`")
        for key, value in tensors.items():
            if value.dim() != 1 or not value.is_floating_point():
                raise MticketsError(f"{path}: {key} must be a 1-D float tensor, got {value.dtype} {tuple(value.shape)}")
            if not bool(torch.isfinite(value).all()):
                raise MticketsError(f"{path}: {key} holds non-finite scores; rerun `mtickets score`")
        shapes = {key: tuple(value.shape) for key, value in tensors.items()}
        if reference is None:
            reference = (path, shapes)
            layers = sorted({int(KEY.match(k).group(1)) for k in shapes})
            want = {f"layer.{k}.{c}" for k in range(len(layers)) for c in COMPONENT_ORDER}
            missing = sorted(want - set(shapes))
            if not shapes or missing:
                first = missing[0] if missing else "layer.0.qk"
                raise MticketsError(f"{path}: missing key {first}; rerun `mtickets score`")
        else:
            ref_path, ref_shapes = reference
            for key in sorted(set(ref_shapes) | set(shapes)):
                if key not in shapes:
                    raise MticketsError(f"{path}: missing key {key} (present in {ref_path}); rerun `mtickets score`")
                if key not in ref_shapes:
                    raise MticketsError(f"{path}: key {key} is not in {ref_path}; were they scored on the same model?")
                if shapes[key] != ref_shapes[key]:
                    raise MticketsError(
                        f"{path}: {key} has shape {shapes[key]} but {ref_shapes[key]} in {ref_path}; "
                        "were they scored on the same model?"
                    )
        scores[lang] = tensors
    return scores


def save_safetensors(tensors: dict[str, torch.Tensor], path: str | Path, metadata: dict[str, str]) -> None:
    """``safetensors.torch.save_file``, atomically and byte-reproducibly.

    safetensors writes the metadata in hash-map order, which changes from run to run;
    the header is rewritten with sorted metadata so equal inputs give equal bytes. The
    bytes are serialised in memory and written once into the temporary: ``save_file``
    would replace the temporary by a file of its own (0600, not the one atomic_path locks).
    """
    import struct

    from safetensors.torch import save

    raw = save({key: value.contiguous() for key, value in tensors.items()}, metadata=metadata)
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    header["__metadata__"] = dict(sorted((header.get("__metadata__") or {}).items()))
    ordered = {"__metadata__": header.pop("__metadata__"), **header}
    encoded = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    data = struct.pack("<Q", len(encoded)) + encoded + raw[8 + length :]
    with atomic_path(path, size=len(data)) as tmp:
        tmp.write_bytes(data)


def save_ticket_bank(path: str | Path, bank: dict[str, torch.Tensor], languages: list[str], remain_ratio: float,
                     budget: str) -> None:
    metadata = {"languages": json.dumps(languages), "remain_ratio": repr(float(remain_ratio)), "budget": budget}
    save_safetensors(bank, path, metadata)


def load_ticket_bank(path: str | Path) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Read a merged ticket bank (safetensors [languages, dim] uint8, metadata languages)."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise MticketsError(f"--tickets {path}: file not found")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            masks = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 (safe_open is not iterable)
    except Exception as error:  # safetensors raises its own error types
        raise MticketsError(f"{path}: not a readable safetensors ticket file ({error})") from None
    if "languages" not in metadata:
        raise MticketsError(f"{path}: metadata lacks 'languages'; rerun `mtickets merge`")
    languages = json.loads(metadata["languages"])
    for key, mask in masks.items():
        if mask.dim() != 2 or mask.shape[0] != len(languages):
            raise MticketsError(
                f"{path}: tensor {key} has shape {tuple(mask.shape)}, expected [{len(languages)}, dim]"
            )
    return masks, languages
