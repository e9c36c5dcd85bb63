"""Special token ids: read from the tokenizer, carried by the data and the model.

A vocabulary decides where ``[PAD] [UNK] [CLS] [SEP] [MASK]`` sit (the project's own
tokenizer puts them at 0-4, mBERT's ``vocab.txt`` at 0 and 100-103), so no stage
assumes ids: the shards stage writes them into each shard manifest, ``mtickets init``
into the model config, and every stage that reads two of these sources checks that
they agree before it uses either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from mtickets.errors import MticketsError

TOKENS = {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}
MANIFEST_KEY = "special_tokens"


@dataclass(frozen=True)
class SpecialTokens:
    pad: int
    unk: int
    cls: int
    sep: int
    mask: int

    @property
    def never_masked(self) -> tuple[int, int, int]:
        """Positions MLM never selects: padding and the pair's frame."""
        return (self.pad, self.cls, self.sep)

    def to_manifest(self) -> dict[str, int]:
        """``{"[PAD]": 0, ...}``, as a shard manifest stores them."""
        return {TOKENS[f.name]: getattr(self, f.name) for f in fields(self)}

    def to_config(self) -> dict[str, int]:
        """``{"pad_token_id": 0, ...}``, the model config's fields."""
        return {f"{f.name}_token_id": getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_vocab(cls, vocab: Mapping[str, int], source: str) -> SpecialTokens:
        """The ids of a token → id mapping; ``source`` names it in the error."""
        missing = [token for token in TOKENS.values() if token not in vocab]
        if missing:
            raise MticketsError(f"{source} lacks the special token(s) {', '.join(missing)}; "
                                f"rebuild the tokenizer with `mtickets tokenizer`")
        return cls(**{name: int(vocab[token]) for name, token in TOKENS.items()})

    @classmethod
    def from_manifest(cls, manifest: Mapping, source: str) -> SpecialTokens:
        stored = manifest.get(MANIFEST_KEY)
        if not isinstance(stored, Mapping):
            raise MticketsError(f"{source}: manifest lacks '{MANIFEST_KEY}' (the tokenizer's "
                                f"special token ids); rerun the shards stage for it")
        return cls.from_vocab(stored, f"{source} ('{MANIFEST_KEY}')")

    @classmethod
    def from_config(cls, config, source: str) -> SpecialTokens:
        values = {name: getattr(config, f"{name}_token_id", None) for name in TOKENS}
        missing = [f"{name}_token_id" for name, value in values.items() if value is None]
        if missing:
            raise MticketsError(f"{source}: model config lacks {', '.join(missing)}; "
                                f"rebuild the model with `mtickets init`")
        return cls(**{name: int(value) for name, value in values.items()})


def check_agree(first: SpecialTokens, first_source: str, second: SpecialTokens,
                second_source: str) -> None:
    """One error naming both sources when their special token ids differ."""
    if first == second:
        return
    differ = ", ".join(f"{TOKENS[f.name]} {getattr(first, f.name)} vs {getattr(second, f.name)}"
                       for f in fields(first) if getattr(first, f.name) != getattr(second, f.name))
    raise MticketsError(f"{first_source} and {second_source} disagree on special token ids "
                        f"({differ}): they were built with different tokenizers; rebuild one "
                        f"of them with the tokenizer of the other")
