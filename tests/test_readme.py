"""The README is the user's contract: its set-up commands are what CI runs, and it reads once through."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    ")]


def test_ci_checks_the_workflow_style_and_runs_the_readme_test_command():
    demo, tests = setup_commands()
    assert "snakemake --cores 2" in demo and "snakemake --report results/report.zip" in demo
    install, run_tests = (part.strip() for part in tests.split("&&"))
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                   if line and not line.startswith(("#", "set ", "cd "))]
    assert ci_commands[0] == install and ci_commands[-1] == run_tests
    assert any(line.startswith("lint=$(snakemake --lint") for line in ci_commands)
    assert "snakefmt --check ." in ci_commands


def test_every_section_appears_once_under_its_parent():
    # A stale copy of a block (an edit applied twice) shows as a repeated heading.
    seen, parent = set(), ""
    for level, title in re.findall(r"^(#{1,4}) (.+)$", README, flags=re.MULTILINE):
        if level == "##":
            parent = title
        key = (parent, level, title) if level != "##" else ("", level, title)
        assert key not in seen, f"README.md repeats the section {level} {title!r} under {parent!r}"
        seen.add(key)


def documented_snakemake_commands() -> list[tuple[str, str]]:
    """``(file, command)`` for every snakemake command a user is told to type."""
    commands = []
    files = ["README.md", "profiles/slurm/config.yaml", *sorted(str(path.relative_to(ROOT)) for path in
                                                                 [*(ROOT / "config").glob("*.yaml"),
                                                                  *(ROOT / "config").glob("*.md"),
                                                                  *(ROOT / "docs").rglob("*.md")])]
    for name in files:
        text = (ROOT / name).read_text(encoding="utf-8")
        lines = re.findall(r"^(?:    |#   )(.*snakemake .*)$", text, flags=re.MULTILINE)
        lines += re.findall(r"`(snakemake [^`]+)`", text)
        commands += [(name, part.strip()) for line in lines for part in line.split("&&")
                     if part.strip().startswith("snakemake ")]
    return commands


def test_documented_snakemake_commands_parse_as_meant():
    # `--configfile` swallows every word up to the next option: a target written after it
    # becomes a config file (the SLURM command did this), so parse each command as Snakemake does.
    import shlex

    from snakemake.cli import get_argument_parser

    parser = get_argument_parser()
    commands = documented_snakemake_commands()
    assert len(commands) >= 5
    for name, command in commands:
        words = shlex.split(command)[1:]
        args = parser.parse_args(words)
        if args.configfile:  # the targets first, where a word after --configfile cannot be taken for one
            assert all(words.index(target) < words.index("--configfile") for target in args.targets), \
                f"{name}: {command!r}: put the targets before --configfile"
        for configfile in args.configfile or []:
            assert (ROOT / configfile).is_file(), f"{name}: {command!r} reads {configfile} as a config file"
        for profile in args.profile or []:
            assert (ROOT / profile / "config.yaml").is_file(), f"{name}: {command!r}: no profile {profile}"
        # No target: the default one, `all` (every table and figure).
        assert all(target.startswith("results/") for target in args.targets), f"{name}: {command!r}"
        assert not args.report or str(args.report).startswith("results/"), f"{name}: {command!r}"


def figures_not_on(outcome: str, page: Path) -> list[str]:
    """The figures (decimals; run times excepted) of ``outcome`` that ``page`` does not give."""
    text = page.read_text(encoding="utf-8").replace("−", "-")
    figures = [m.group(1) for m in re.finditer(r"([+−-]?\d+\.\d+)(?! ?min)(?!\d)", outcome)]
    assert figures, "no figures in the outcome"
    return [figure for figure in figures if figure.replace("−", "-").lstrip("+") not in text]


def test_the_replication_outcome_quotes_the_committed_page():
    """Every figure the README gives of the replication's outcome is on the page the run wrote
    (kept in docs/runs/), so the summary cannot drift from it; run times are the README's own."""
    section = README.split("## Replication:", 1)[1].split("\n## ", 1)[0]
    outcome = section.split("**Outcome**", 1)[1]
    page_name = re.search(r"docs/runs/replication-\d{4}-\d{2}-\d{2}[a-z]?\.md", outcome).group(0)
    assert figures_not_on(outcome, ROOT / page_name) == [], f"README figures not on {page_name}"
