"""The docs state numbers a reader plans a cluster run by: each is recomputed here from the
command that gave it, and the site itself must build in strict mode."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAPER_RUN = (DOCS / "paper-run.md").read_text(encoding="utf-8")
CONFIG_README = (ROOT / "config" / "README.md").read_text(encoding="utf-8")


def load_script(name: str):
    """A script of docs/scripts/ as a module (they are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, DOCS / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def job_stats(output: str) -> dict[str, int]:
    """``{rule: jobs}`` and ``total`` from the "Job stats" table a dry run prints."""
    table = output.split("Job stats:", 1)[1]
    stats = {}
    for line in table.splitlines()[3:]:
        words = line.split()
        if len(words) != 2 or not words[1].isdigit():
            break
        stats[words[0]] = int(words[1])
    return stats


def dry_runs(*targets: list[str]) -> list[dict[str, int]]:
    """The job stats of ``snakemake -n`` for each word list, run side by side. --forceall
    counts every job whatever results this checkout already holds, as on a fresh clone."""
    snakemake = [sys.executable, "-m", "snakemake", "-n", "--forceall"]
    runs = [subprocess.Popen([*snakemake, *words], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for words in targets]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    for words, run, output in zip(targets, runs, outputs):
        assert run.returncode == 0, f"snakemake -n {' '.join(words)} failed:\n{output[-2000:]}"
    return [job_stats(output) for output in outputs]


def test_the_job_counts_are_a_dry_runs():
    ner, everything, demo = dry_runs(["results/ner_table.csv", "--configfile", "config/paper.yaml"],
                                     ["--configfile", "config/paper.yaml"], [])
    rows = re.findall(r"^\| (?:`(\w+)`|\*\*(total)\*\*) \| \**(\d+)\** \| \**(\d+)\** \|$", PAPER_RUN,
                      flags=re.MULTILINE)
    page = {rule or total: (int(a), int(b)) for rule, total, a, b in rows}
    assert page == {rule: (ner.get(rule, 0), everything.get(rule, 0)) for rule in everything}
    # The prose repeats the NER table's total (the --directory run) and its fine-tuning jobs.
    assert f"same {ner['total']} jobs" in PAPER_RUN
    assert f"{ner['finetune']} NER jobs and {everything['finetune'] - ner['finetune']} POS jobs" in PAPER_RUN
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"({demo['total']} jobs:" in readme, "the README's demo job count is not a dry run's"


def test_the_cost_table_is_the_flops_accountings():
    cost = load_script("paper_cost")
    tflops = float(re.search(r"Assumed throughput: (\d+(?:\.\d+)?) TFLOP/s", PAPER_RUN).group(1))
    assert f"paper_cost.py --tflops {tflops:g}" in PAPER_RUN
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text(encoding="utf-8"))
    assert cost.markdown_table(cost.variant_costs(config, tflops)) in PAPER_RUN


def test_the_cost_model_matches_the_accounting_for_a_dense_bert_base():
    # Hand count of one BERT-base layer at T = 128 (README formula): 4·T·H·H (Q, K) +
    # 2·T·H·H (V) + 4·T²·H (attention) + 2·T·H·H (W_O) + 4·T·H·F (FFN), F = 4H.
    cost = load_script("paper_cost")
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text(encoding="utf-8"))
    model = cost.variant_config(config, {})
    t, h = 128, 768
    layer = 4 * t * h * h + 2 * t * h * h + 4 * t * t * h + 2 * t * h * h + 4 * t * h * 4 * h
    heads = 2 * 20 * h * (h + 119547) + 2 * h * (h + 2)
    assert cost.forward_flops(model, t, 20) == 12 * layer + heads
    # A ticket keeping r of every unit at ηs·r = η0 costs what the dense model costs.
    deep = cost.variant_config(config, {"model": {"num_hidden_layers": 16}})
    assert cost.forward_flops(deep, t, 20, cost.uniform_ticket(deep, 0.75)) == 12 * layer + heads


def test_the_flops_per_token_table_is_the_accountings():
    """docs/performance.md's table is the script's output, and its independent column is 4 FLOPs per encoder
    matrix weight: 12 layers of 4·H² + 2·H·F weights (339.7 M for mBERT, 372.3 M for the scaled one)."""
    flops = load_script("flops_per_token")
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text(encoding="utf-8"))
    rows = flops.variant_rows(config)
    performance = (DOCS / "performance.md").read_text(encoding="utf-8")
    assert "python docs/scripts/flops_per_token.py" in performance
    assert flops.markdown_table(rows) in performance
    by_name = {row["variant"]: row for row in rows}
    for name, (hidden, ffn, millions) in {"mbert": (768, 3072, 339.7), "mbert_scaled": (804, 3216, 372.3)}.items():
        assert by_name[name]["per_weight"] == 4 * 12 * (4 * hidden * hidden + 2 * hidden * ffn)
        assert round(by_name[name]["per_weight"] / 1e6, 1) == millions


def test_the_download_sizes_and_vocabulary_are_the_codes():
    try:
        from mtickets.evaluation.xtreme_sources import PUBLISHED
    except ImportError:  # the layout before the package was cut by phase
        from mtickets.formats.xtreme_sources import PUBLISHED
    ud_size = PUBLISHED["ud-treebanks-v2.5.tgz"][0]
    assert f"{ud_size:,} bytes" in PAPER_RUN
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text(encoding="utf-8"))
    assert f"{paper['tokenizer']['vocab_size']:,} lines" in PAPER_RUN
    assert f'`corpus.dump_date: "{paper["corpus"]["dump_date"]}"`' in PAPER_RUN


def test_dump_sizes_checks_a_date_on_a_local_mirror(capsys, monkeypatch):
    sizes = load_script("dump_sizes")
    demo = ["--config", str(ROOT / "config" / "config.yaml"), "--mirror", str(ROOT / "resources/demo/wikipedia")]
    monkeypatch.setattr(sys, "argv", ["dump_sizes.py", "--date", "20240101", *demo])
    assert sizes.main() == 0
    assert "7 of 7 languages finished" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["dump_sizes.py", "--date", "20240102", *demo])
    assert sizes.main() == 1
    assert "no finished 20240102 dump for: en de fr es ru el fi" in capsys.readouterr().err


def schema_keys() -> dict[str, bool]:
    """Every key path of the config schema (a map of names, variants or tasks, as NAME), and
    whether it is a leaf."""
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    defs = schema["$defs"]

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = {**defs[node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    keys = {}  # path: whether it is a leaf (a value, not a section of further keys)

    def walk(path: str, node: dict) -> None:
        node = resolve(node)
        children = node.get("properties") or {}
        named = node.get("additionalProperties")
        named = named if isinstance(named, dict) and "pattern" in node.get("propertyNames", {}) else None
        keys[path] = not children and named is None
        for name, child in children.items():
            walk(f"{path}.{name}", child)
        if named is not None:
            walk(f"{path}.NAME", named)

    for name, node in schema["properties"].items():
        walk(name, node)
    # A variant's model holds the fields of `model`, documented there.
    return {key: leaf for key, leaf in keys.items() if not key.startswith("variants.NAME.model.")}


def test_config_readme_documents_every_schema_key_and_no_other():
    documented = set(re.findall(r"^\| `([\w.]+)` \|", CONFIG_README, flags=re.MULTILINE))
    keys = schema_keys()
    leaves = {key for key, leaf in keys.items() if leaf}
    assert leaves - documented == set(), "config/README.md lacks these keys"
    assert documented - set(keys) == set(), "config/README.md documents keys the schema does not have"
    # Which file is for what: every config file of the repository is named there.
    for path in sorted((ROOT / "config").glob("*.yaml")):
        assert f"`config/{path.name}`" in CONFIG_README


def slug(title: str) -> str:
    """The anchor MkDocs gives a heading (Python-Markdown's default slugify of its text),
    written out so that the test needs no docs dependency."""
    text = unicodedata.normalize("NFKD", re.sub(r"[`*]", "", title)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def test_the_readme_is_short_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert any(link.startswith("docs/paper-run.md") for link in links)
    for link in links:
        if "://" in link:
            continue
        path, _, anchor = link.partition("#")
        assert (ROOT / path).is_file(), f"README.md links to {path}, which does not exist"
        if anchor:
            titles = re.findall(r"^#{1,6} (.+)$", (ROOT / path).read_text(encoding="utf-8"), flags=re.MULTILINE)
            assert anchor in {slug(title) for title in titles}, f"README.md: no #{anchor} in {path}"


def test_license_and_citation():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    paper = citation["preferred-citation"]
    assert paper["title"] == "Multilingual Lottery Tickets to Pretrain Language Models"
    assert [author["family-names"] for author in paper["authors"]] == ["Lee", "Hwang"]


def test_the_site_builds_in_strict_mode(tmp_path):
    # Strict: a broken link or anchor, or a page missing from mkdocs.yml's nav, fails.
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    mkdocs = shutil.which("mkdocs")
    command = [mkdocs] if mkdocs else [sys.executable, "-m", "mkdocs"]
    result = subprocess.run([*command, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_replication_pages_outcome_quotes_its_run_record():
    """As the README's (tests/test_readme.py): every figure of docs/replication.md's outcome
    is on the run record it links, so the two cannot drift apart."""
    from test_readme import figures_not_on

    outcome = (DOCS / "replication.md").read_text(encoding="utf-8").split("**Outcome**", 1)[1].split("\n## ", 1)[0]
    record = re.search(r"\]\((runs/replication-\d{4}-\d{2}-\d{2}[a-z]?\.md)\)", outcome).group(1)
    assert figures_not_on(outcome, DOCS / record) == [], f"docs/replication.md figures not on {record}"


def named_modules(text: str) -> set[str]:
    """Every dotted ``mtickets.…`` name a page writes in backticks."""
    return set(re.findall(r"`(mtickets(?:\.[a-z_]+)+)`", text))


def resolves(name: str) -> bool:
    """A module of the package, or a name defined at the top of one (found without importing it)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        path = ROOT / "src" / Path(*parts[:cut])
        source = path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"
        if source.is_file():
            rest = parts[cut:]
            if not rest:
                return True
            text = source.read_text(encoding="utf-8")
            return len(rest) == 1 and re.search(rf"^(?:def|class) {rest[0]}\b|^{rest[0]}\b.*=", text,
                                                flags=re.MULTILINE) is not None
        if cut == 1:
            return False
    return False


def test_the_modules_the_docs_name_exist_and_the_map_is_the_package():
    if not (ROOT / "src" / "mtickets" / "corpus" / "__init__.py").is_file():
        pytest.skip("the package is not cut by phase yet (issue 24): the docs name its new layout")
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    for page in pages:
        for name in named_modules(page.read_text(encoding="utf-8")):
            assert resolves(name), f"{page.relative_to(ROOT)} names {name}, which the package lacks"
    # The README's map: each phase's rules file and subpackage, and each module it lists.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \w+ \| `(rules/\w+\.smk)` \| `(mtickets\.\w+)` \| ([^|]+) \|", readme, flags=re.MULTILINE)
    assert len(rows) == 5
    for rules, package, modules in rows:
        assert (ROOT / rules).is_file(), f"README's map names {rules}"
        for module in re.findall(r"\w+", modules):
            assert resolves(f"{package}.{module}"), f"README's map names {package}.{module}"
