"""The README is the user's contract: its set-up commands are what CI runs, and it reads once through."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    ")]


def test_ci_runs_the_readme_test_command():
    demo, tests = setup_commands()
    assert "snakemake" in demo and "results/ner_table.csv" in demo
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                   if line and not line.startswith(("#", "set ", "cd "))]
    assert ci_commands == [tests]


def test_every_section_appears_once_under_its_parent():
    # A stale copy of a block (an edit applied twice) shows as a repeated heading.
    seen, parent = set(), ""
    for level, title in re.findall(r"^(#{1,4}) (.+)$", README, flags=re.MULTILINE):
        if level == "##":
            parent = title
        key = (parent, level, title) if level != "##" else ("", level, title)
        assert key not in seen, f"README.md repeats the section {level} {title!r} under {parent!r}"
        seen.add(key)
