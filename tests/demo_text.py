"""Real, segmented English sentences from the demo's UD file, for the sentence-splitter tests."""

from __future__ import annotations

from pathlib import Path

UDPOS = Path(__file__).resolve().parents[1] / "resources" / "demo" / "xtreme" / "udpos" / "en"
SENTENCES_PER_DOCUMENT = 4


def demo_sentences(split: str) -> list[str]:
    """The `# text =` lines of the demo's English UD file."""
    lines = (UDPOS / f"{split}.conllu").read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# text = ") for line in lines if line.startswith("# text = ")]


def as_documents(sentences: list[str]) -> list[list[str]]:
    return [sentences[i:i + SENTENCES_PER_DOCUMENT]
            for i in range(0, len(sentences), SENTENCES_PER_DOCUMENT)]
