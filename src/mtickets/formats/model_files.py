"""What a model directory holds besides the model: its tokenizer, so that
``AutoTokenizer.from_pretrained(dir)`` works on every model the pipeline writes."""

from __future__ import annotations

import shutil
from pathlib import Path

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json",
                   "added_tokens.json")


def copy_tokenizer_files(source: str | Path, destination: str | Path) -> list[str]:
    """Copy the tokenizer files present in ``source`` into ``destination``; returns their names."""
    source, destination = Path(source), Path(destination)
    copied = [name for name in TOKENIZER_FILES if (source / name).is_file()]
    for name in copied:
        shutil.copy2(source / name, destination / name)
    return copied
