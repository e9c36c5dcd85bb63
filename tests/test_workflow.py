"""The workflow as its users see it: dry-runs, config errors, a real DAG run, rerun scope."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

REPO = Path(__file__).resolve().parents[1]


def snakemake(*args: str, workdir: Path = REPO, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(*args: str, workdir: Path = REPO) -> dict[str, int]:
    """Job counts per rule from a dry-run's 'Job stats' table."""
    output = snakemake("--dry-run", "--quiet", "rules", *args, workdir=workdir).stdout
    stats = output.split("Job stats:")[1] if "Job stats:" in output else ""
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)$", stats, re.M) if name != "total"}


def write_config(workdir: Path, config: dict) -> Path:
    path = workdir / "config" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def demo_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def small_config() -> dict:
    """The demo shrunk to three languages, one seed and a few steps: a real run in ~2 minutes."""
    config = demo_config()
    languages = ["en", "de", "ru"]
    config["languages"] = languages
    config["corpus"]["mirror"] = str(REPO / "resources/demo/wikipedia")
    config["tokenizer"]["vocab_size"] = 1000
    config["shards"]["dupe_factor"] = 1
    config["scoring"]["tokens"] = 2000
    # A peak for MFU, which a CPU has none of.
    config["pretrain"].update(steps=30, warmup_steps=3, checkpoint_every=10, eval_every=10, peak_tflops=0.5)
    config["interference"].update(step=30, uc_every=5, gc_every=5)
    config["evaluation"]["seeds"] = [1]
    for task, spec in config["evaluation"]["tasks"].items():
        spec["languages"] = languages[:2] if task == "pos" else languages
        spec["source"] = str(REPO / spec["source"])
    return config


def test_demo_dry_run_plans_every_stage():
    # --forceall: the README runs the demo before the tests, so its results may be there.
    jobs = planned_jobs("--forceall")
    config = demo_config()
    n_lang, n_variants = len(config["languages"]), len(config["variants"])
    evaluated = [name for name, spec in config["variants"].items() if spec.get("evaluate", True)]
    n_eval = sum(len(task["languages"]) for task in config["evaluation"]["tasks"].values())
    assert jobs["download"] == jobs["extract"] == jobs["split"] == n_lang
    assert jobs["shards"] == 2 * n_lang
    assert jobs["score"] == 3 * n_lang  # three ticket variants
    assert jobs["pretrain"] == jobs["init"] == n_variants
    assert jobs["finetune"] == len(evaluated) * n_eval  # one job runs all seeds of a language
    assert jobs["relatedness"] == 3 and jobs["interference_figures"] == jobs["ticket_map"] == jobs["typology"] == 1
    assert jobs["tables"] == 2


def test_the_local_profile_replans_every_10_seconds_not_every_second():
    """Snakemake's default rate limit (100/1s) re-plans every ready job each second while the
    cores are busy: 17% of a core through the replication. profiles/default, which Snakemake
    picks up from the repository root, re-plans every 10 seconds, not longer, since a run ends
    up to one timespan after its last job (its timers are threads Snakemake waits for), and
    still lets many more jobs start than a machine's cores can finish."""
    from snakemake.settings.types import MaxJobsPerTimespan

    profile = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
    limit = MaxJobsPerTimespan.parse_choice(profile["max-jobs-per-timespan"])
    assert limit.timespan == 10 and limit.max_jobs / limit.timespan >= 10


def test_paper_config_plans_whole_dag_without_data(tmp_path):
    jobs = planned_jobs("--configfile", str(REPO / "config/paper.yaml"), workdir=tmp_path)
    assert jobs == {
        "download": 103,
        "extract": 103,
        "split": 103 - 9,
        "split_trankit": 9,  # he, hy, ar; azb, ka, my, ne, new, pnb (Arabic model)
        "tokenizer": 1,
        "shards": 103 * 2,  # sequence lengths 128 and 512
        "init": 8,  # the 7 of the tables and mtickets_controlled (Figure 3)
        "score": 6 * 103,  # random14/16, magnitude16, mtickets14/16, mtickets_controlled
        "merge": 6,
        "pretrain": 8,
        "task_data": 42 + 31,
        "finetune": 7 * (42 + 31),  # each job all 5 seeds
        "tables": 2,
        "typology": 1,
        "relatedness": 6,
        "relatedness_table": 1,
        "ticket_map": 1,
        "interference_figures": 1,
        "loss_curves": 1,
        "all": 1,
    }


def test_zero_shot_plans_one_job_per_variant_and_task_that_the_tables_read(tmp_path):
    config = demo_config()
    config["evaluation"].update(protocol="zero_shot", source_language="de")
    write_config(tmp_path, config)
    evaluated = [name for name, spec in config["variants"].items() if spec.get("evaluate", True)]
    jobs = planned_jobs(workdir=tmp_path)
    zero_shot = {rule: count for rule, count in jobs.items() if rule.startswith("finetune")}
    assert zero_shot == {f"finetune_zero_shot_{task}": len(evaluated) for task in config["evaluation"]["tasks"]}
    assert jobs["tables"] == 2 and jobs["task_data"] == 14  # every language's test, de's train and dev
    ner_table = planned_jobs("--cores", "1", "results/ner_table.csv", workdir=tmp_path)
    assert ner_table["finetune_zero_shot_ner"] == len(evaluated) and "finetune_zero_shot_pos" not in ner_table
    output = snakemake("--dry-run", "--printshellcmds", "results/pos_table.csv", workdir=tmp_path).stdout
    commands = [line for line in output.splitlines() if "mtickets finetune" in line]
    assert len(commands) == len(evaluated) and "finetune_zero_shot_ner" not in output
    for lang in config["evaluation"]["tasks"]["pos"]["languages"]:
        assert f"--test-set {lang} results/task_data/pos/{lang}/test.conllu" in commands[0]
    assert "--lang de --train results/task_data/pos/de/train.conllu --dev results/task_data/pos/de/dev.conllu" in \
        commands[0]
    assert "--out results/finetune_zero_shot/de/" in commands[0] and "/pos/{lang}/seed{seed}/metrics.json" in commands[0]


DIRECTORY_OUTPUTS = re.compile(r"results/(tokenizer|shards/[^/]+/seq\d+|pretrain/[^/]+/final|interference/[^/]+|init/[^/]+)$")


def fake_results(workdir: Path) -> None:
    """Every output of the default target's DAG as an empty file or directory, all of one age: up to date."""
    summary = snakemake("--summary", workdir=workdir).stdout.splitlines()
    paths = [workdir / line.split("\t")[0] for line in summary[summary.index(next(
        line for line in summary if line.startswith("output_file"))) + 1:] if line.strip()]
    for path in paths:
        if DIRECTORY_OUTPUTS.search(str(path)):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    now = time.time()  # newer than the rules' scripts
    for path in paths:
        os.utime(path, (now, now))


def test_results_lost_under_an_existing_table_are_made_again_and_protocols_keep_their_own(tmp_path):
    """A killed `--forcerun finetune_zero_shot_ner` had deleted the results, the table stayed and
    "Nothing to be done" followed; zero-shot results overwrote the in-language ones."""
    config = demo_config()
    config["evaluation"].update(protocol="zero_shot", source_language="de")
    write_config(tmp_path, config)
    fake_results(tmp_path)
    assert planned_jobs(workdir=tmp_path) == {}
    results = tmp_path / "results/finetune_zero_shot/de"
    assert sorted(p.name for p in (results / "random/ner").iterdir()) == sorted(config["evaluation"]["tasks"]["ner"]["languages"])
    assert not (tmp_path / "results/finetune").exists()  # in-language results stay where they are
    shutil.rmtree(results / "random/ner")
    assert planned_jobs(workdir=tmp_path) == {"finetune_zero_shot_ner": 1, "tables": 1, "all": 1}
    config["evaluation"]["protocol"] = "in_language"
    write_config(tmp_path, config)
    planned = snakemake("--dry-run", "--printshellcmds", workdir=tmp_path).stdout
    assert "--out results/finetune/" in planned and "finetune_zero_shot" not in planned


def test_save_models_best_keeps_one_model_folder_per_variant_task_and_language(tmp_path):
    """Turned on over finished results, it reruns the fine-tuning for the missing folders, each job
    told where to keep its model; zero-shot keeps one per (variant, task)."""
    config = demo_config()
    write_config(tmp_path, config)
    fake_results(tmp_path)
    assert planned_jobs(workdir=tmp_path) == {}
    config["evaluation"]["save_models"] = "best"
    write_config(tmp_path, config)
    evaluated = [name for name, spec in config["variants"].items() if spec.get("evaluate", True)]
    runs = sum(len(task["languages"]) for task in config["evaluation"]["tasks"].values())
    output = snakemake("--dry-run", "--printshellcmds", workdir=tmp_path).stdout
    commands = [line for line in output.splitlines() if "mtickets finetune" in line]
    assert len(commands) == len(evaluated) * runs
    for command in commands:
        variant, task, lang = re.search(r"--out results/finetune/([^/]+)/([^/]+)/([^/]+)/seed", command).groups()
        assert f"--save-model results/finetune/{variant}/{task}/{lang}/model " in command
    config["evaluation"].update(protocol="zero_shot", source_language="de")
    write_config(tmp_path, config)
    output = snakemake("--dry-run", "--printshellcmds", "--forceall", "results/ner_table.csv", workdir=tmp_path).stdout
    assert "--save-model results/finetune_zero_shot/de/mbert/ner/model " in output


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["pretrain"].update(stepz=10), "pretrain: unknown key 'stepz' (did you mean 'steps'?)"),
        (lambda c: c["pretrain"].update(steps="many"), "'many' is not of type 'integer'"),
        (lambda c: c["variants"]["mtickets"]["ticket"].update(proxy="grasp"), "'grasp' is not one of"),
    ],
)
def test_schema_error_names_the_key(tmp_path, edit, message):
    config = demo_config()
    edit(config)
    write_config(tmp_path, config)
    result = snakemake("--dry-run", workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_cross_key_error_names_language_and_fix(tmp_path):
    config = demo_config()
    config["evaluation"]["tasks"]["ner"]["languages"].append("sw")
    write_config(tmp_path, config)
    result = snakemake("--dry-run", workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert "evaluation.tasks.ner.languages: ['sw'] are not pretraining languages" in result.stderr + result.stdout


def test_a_language_the_local_mirror_lacks_stops_the_dry_run_listing_the_mirrors_languages(tmp_path):
    config = demo_config()
    config["corpus"]["mirror"] = str(REPO / "resources/demo/wikipedia")
    config["languages"].append("it")
    write_config(tmp_path, config)
    result = snakemake("--dry-run", workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert (f"languages: ['it'] have no dumps on the local mirror {REPO / 'resources/demo/wikipedia'} "
            "(corpus.mirror), which holds de, el, en, es, fi, fr, ru;") in result.stdout + result.stderr


def test_a_result_written_after_configfile_is_named_as_the_target_it_is(tmp_path):
    """`--configfile CONFIG TARGET` reads TARGET as a config file too; a JSON result loads, and its keys
    were reported as unknown config keys."""
    write_config(tmp_path, demo_config())
    result_file = tmp_path / "results/analysis/interference.json"
    result_file.parent.mkdir(parents=True)
    result_file.write_text(json.dumps({"figure2": {"step": 30}}))
    result = snakemake("--dry-run", "--configfile", "config/config.yaml", "results/analysis/interference.json",
                       workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert ("--configfile read results/analysis/interference.json as a config file, but it is certainly a target"
            in result.stderr + result.stdout)
    assert "put the targets first: snakemake results/analysis/interference.json --configfile config/config.yaml" \
        in result.stderr + result.stdout
    assert "unknown key" not in result.stderr + result.stdout


def test_slurm_profile_sets_only_rules_that_exist_and_leaves_config_threads_alone():
    """Rules of either evaluation protocol; no runtime for the fine-tuning rules, which
    scale theirs with the seeds one job trains."""
    # A misspelt rule name in a profile is silently ignored by Snakemake.
    rules = set(snakemake("--list-rules").stdout.split())
    rules |= set(snakemake("--list-rules", "--config", "evaluation={'protocol': 'zero_shot'}").stdout.split())
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    named = set(profile["set-threads"]) | set(profile["set-resources"])
    assert named <= rules, f"profiles/slurm/config.yaml names no rule {sorted(named - rules)}"
    rules_text = "".join(path.read_text() for path in (REPO / "rules").glob("*.smk"))
    config_threads = set(re.findall(r"rule (\w+):(?:(?!\nrule ).)*?threads: config\[", rules_text, re.S))
    assert config_threads >= {"extract", "split", "split_trankit"}
    assert not config_threads & set(profile["set-threads"]), "the profile would override the config's threads"
    finetune_rules = {name for name in rules if name.startswith("finetune")}
    assert finetune_rules == {"finetune", "finetune_zero_shot_ner", "finetune_zero_shot_pos"}
    assert finetune_rules <= set(profile["set-resources"])
    assert not any("runtime" in profile["set-resources"][name] for name in finetune_rules)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """One real run of the whole DAG on the small config."""
    workdir = tmp_path_factory.mktemp("pipeline")
    write_config(workdir, small_config())
    snakemake("--cores", "2", workdir=workdir)
    return workdir


@pytest.mark.slow
def test_end_to_end_writes_tables_with_f1_for_every_language(small_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = small_config()
    for task, spec in config["evaluation"]["tasks"].items():
        with open(small_run / f"results/{task}_table.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        evaluated = [name for name, spec in config["variants"].items() if spec.get("evaluate", True)]
        assert [row["variant"] for row in rows] == evaluated  # not mtickets_controlled (analysis only)
        for row in rows:
            for lang in spec["languages"] + ["avg"]:
                assert 0.0 <= float(row[lang]) <= 100.0
            assert int(row["params"]) > 0 and float(row["flops_per_sequence"]) > 0
        dense, snip = rows[0], rows[1]
        # A ticket model of ηs layers at keep ratio r runs about an η0-layer model.
        assert float(snip["flops_per_sequence"]) < 1.2 * float(dense["flops_per_sequence"])
    for path in ["results/tickets/mtickets/tickets.json", "results/pretrain/random/final/config.json"]:
        assert (small_run / path).is_file()
    assert list((small_run / "logs/pretrain").glob("*.log"))
    # Every run's metrics, for TensorBoard: each pretraining's, each fine-tuning seed's.
    for name in config["variants"]:
        assert list((small_run / f"results/pretrain/{name}/tensorboard").glob("events.out.tfevents.*")), name
    events = EventAccumulator(str(small_run / "results/pretrain/mbert/tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"train/loss", "train/lr", "throughput/tokens_per_s", "throughput/mfu"} <= tags
    for lang in config["languages"]:
        heldout = events.Scalars(f"heldout_loss/{lang}/seq64")
        assert {e.step for e in heldout} >= {10, 20} and all(e.value > 0 for e in heldout), lang
    assert list((small_run / "results/finetune").rglob("seed*/tensorboard/events.out.tfevents.*"))
    assert list((small_run / "benchmarks/finetune").rglob("*.tsv"))


REPORTED = ["ner_table.csv", "pos_table.csv", "relatedness.csv", "ticket_map.png", "interference_stability.png",
            "uc_per_layer.png", "loss_curves.png", "heldout_loss_per_language.png"]


@pytest.mark.slow
def test_the_report_holds_every_table_and_figure(small_run):
    import zipfile

    snakemake("--report", "report.zip", workdir=small_run)
    with zipfile.ZipFile(small_run / "report.zip") as archive:
        names = archive.namelist()
    for name in REPORTED:
        assert any(n.endswith(f"/{name}") for n in names), (name, names)
    for figure in ("overlap.png", "keep_ratio.png"):  # one per ticket variant: mtickets, random, mtickets_controlled
        assert sum(n.endswith(f"/{figure}") for n in names) == 3, (figure, names)
    interference = json.loads((small_run / "results/analysis/interference.json").read_text())
    assert interference["figure3"]["step"] == 30 and len(interference["figure2"]["gc_steps"]) == 5
    relatedness = json.loads((small_run / "results/analysis/mtickets/relatedness.json").read_text())
    assert relatedness["tests"]["family"]["exact"] and relatedness["languages"] == ["en", "de", "ru"]


@pytest.mark.slow
def test_reformatting_the_config_plans_nothing(small_run):
    """Keys sorted, flow style, comments dropped: the same settings, so nothing to rerun."""
    config = small_config()
    reformatted = yaml.safe_dump(config, sort_keys=True, default_flow_style=True)
    assert reformatted != yaml.safe_dump(config, sort_keys=False) and yaml.safe_load(reformatted) == config
    (small_run / "config" / "config.yaml").write_text(reformatted)
    try:
        assert planned_jobs(workdir=small_run) == {}
    finally:
        write_config(small_run, config)


SMALL_EVAL = 3 + 2  # fine-tunes per variant: NER en, de, ru; POS en, de (one seed)
# What a changed pretraining or ticket bank reruns of the analysis.
PRETRAIN_ANALYSIS = {"interference_figures": 1, "loss_curves": 1}
TICKET_ANALYSIS = {"relatedness": 2, "relatedness_table": 1, "ticket_map": 1}


@pytest.mark.slow
@pytest.mark.parametrize("section, key, value, reruns", [
    # Cannot change results: rerun nothing.
    ("pretrain", "checkpoint_every", 7, {}),
    ("pretrain", "loggers", [], {}),
    ("pretrain", "peak_tflops", 100, {}),
    ("evaluation", "loggers", [], {}),
    ("scoring", "checkpoint_every", 3, {}),
    # The scoring budget: the SNIP scores (not the random ones, not the shards) and after.
    # (mtickets and the analysis-only mtickets_controlled score with SNIP.)
    ("scoring", "tokens", 1500, {"score": 6, "merge": 2, "pretrain": 2, "finetune": SMALL_EVAL, "tables": 2,
                                 **TICKET_ANALYSIS, **PRETRAIN_ANALYSIS, "all": 1}),
    # The batch size: every pretraining (not the shards) and after.
    ("pretrain", "batch_size", 8, {"pretrain": 4, "finetune": 3 * SMALL_EVAL, "tables": 2, **PRETRAIN_ANALYSIS,
                                   "all": 1}),
    # The device may change the weights numerically.
    ("pretrain", "device", "cpu", {"pretrain": 4, "finetune": 3 * SMALL_EVAL, "tables": 2, **PRETRAIN_ANALYSIS,
                                   "all": 1}),
])
def test_a_changed_key_plans_only_what_it_can_change(small_run, section, key, value, reruns):
    config = small_config()
    assert config[section].get(key) != value  # a key the config leaves to the schema default is set
    changed = small_config()
    changed[section][key] = value
    write_config(small_run, changed)
    try:
        assert planned_jobs(workdir=small_run) == reruns
    finally:
        write_config(small_run, config)


@pytest.mark.slow
def test_changing_remain_ratio_reruns_only_merge_and_after(small_run):
    config = small_config()
    assert planned_jobs(workdir=small_run) == {}  # up to date after the run
    config["variants"]["mtickets"]["ticket"]["remain_ratio"] = 0.5
    write_config(small_run, config)
    n_eval = sum(len(task["languages"]) for task in config["evaluation"]["tasks"].values())
    assert planned_jobs(workdir=small_run) == {
        "merge": 1,
        "pretrain": 1,
        "finetune": n_eval,
        "tables": 2,
        "relatedness": 1,
        "relatedness_table": 1,
        "ticket_map": 1,
        "loss_curves": 1,
        "all": 1,
    }


@pytest.mark.slow
def test_pretraining_after_a_remain_ratio_change_starts_over_with_the_new_tickets(small_run):
    """The old run's checkpoints are not a Snakemake output and outlive the rerun; they must not be resumed."""
    from safetensors.torch import load_file

    config = small_config()
    config["variants"]["mtickets"]["ticket"]["remain_ratio"] = 0.5
    write_config(small_run, config)
    snakemake("--cores", "2", "results/pretrain/mtickets/final", workdir=small_run)
    tickets = load_file(str(small_run / "results/tickets/mtickets/tickets.safetensors"))
    model = load_file(str(small_run / "results/pretrain/mtickets/final/model.safetensors"))
    bank = {key.removeprefix("bert.tickets."): value for key, value in model.items() if ".tickets." in key}
    assert bank.keys() == tickets.keys()
    assert all(torch.equal(bank[key], tickets[key]) for key in tickets)
    log = (small_run / "logs/pretrain/mtickets.log").read_text()
    assert re.search(r"starting over: checkpoint \S+checkpoint-000000030.pt was made from other inputs or settings "
                     r"\(tickets differ\)", log), log
    summary = json.loads((small_run / "results/pretrain/mtickets/final/pretrain.json").read_text())
    assert summary["resumed_from_step"] == 0


def test_dump_date_latest_plans_with_the_recorded_name(tmp_path):
    config = demo_config()
    config["corpus"]["dump_date"] = "latest"
    write_config(tmp_path, config)
    output = snakemake("--dry-run", "--printshellcmds", "results/corpus/el/articles.jsonl.gz",
                       workdir=tmp_path).stdout
    assert "--lang el --date latest" in output
    assert "resources/wikipedia/elwiki-latest-pages-articles.xml.bz2" in output


def test_the_scoring_budget_is_required_where_scoring_reads_and_nowhere_else(tmp_path):
    config = demo_config()
    write_config(tmp_path, config)
    budget = config["scoring"]["tokens"]
    shards = snakemake("--dry-run", "--printshellcmds", "results/shards/fi/seq64", workdir=tmp_path).stdout
    assert "--seq-length 64" in shards and "--min-tokens" not in shards and "--min-examples" not in shards
    scores = snakemake("--dry-run", "--printshellcmds", "results/scores/mtickets/fi.safetensors",
                       "results/scores/random/fi.safetensors", workdir=tmp_path).stdout
    snip, random = (line for line in scores.splitlines() if "mtickets score" in line)
    if "--proxy snip" not in snip:
        snip, random = random, snip
    assert f"--tokens {budget} --min-tokens {budget}" in snip and "--shards results/shards/fi/seq64" in snip
    assert "--tokens" not in random and "--shards" not in random  # nothing of scoring.* but the seed


def test_trankit_model_for_a_language_not_on_trankit_is_an_error(tmp_path):
    config = demo_config()
    config["corpus"]["split"]["trankit_models"] = {"el": "greek"}
    write_config(tmp_path, config)
    result = snakemake("--dry-run", workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert "corpus.split.trankit_models: ['el'] do not use the trankit backend" in \
        result.stdout + result.stderr


@pytest.mark.slow
def test_pretrain_devices_2_trains_under_torchrun_with_two_processes(small_run):
    """pretrain.devices: 2 on CPU: the rule launches torchrun, two gloo processes train the ticket model."""
    import shutil

    write_config(small_run, small_config())
    pending = planned_jobs(workdir=small_run)  # what earlier tests' config changes left to redo
    config = small_config()
    config["pretrain"]["devices"] = 2
    write_config(small_run, config)
    try:
        # The launcher is a param: every pretraining and what follows it is planned again.
        assert planned_jobs(workdir=small_run) == {**pending, "pretrain": 4, "finetune": 3 * SMALL_EVAL, "tables": 2,
                                                   **PRETRAIN_ANALYSIS, "all": 1}
        shutil.rmtree(small_run / "results/pretrain/mtickets/checkpoints")  # else it resumes at the last step
        snakemake("--cores", "2", "results/pretrain/mtickets/final", workdir=small_run)
        summary = json.loads((small_run / "results/pretrain/mtickets/final/pretrain.json").read_text())
        assert summary["processes"] == 2 and summary["resumed_from_step"] == 0 and summary["ticketed"]
        rows = (small_run / "results/pretrain/mtickets/final/training_log.jsonl").read_text().splitlines()
        assert [json.loads(row)["step"] for row in rows] == list(range(1, 31))
    finally:
        write_config(small_run, small_config())


@pytest.mark.slow
def test_a_corpus_below_the_budget_or_a_batch_stops_before_any_training(small_run):
    """Last in this file: the failed jobs leave the run incomplete."""
    config = small_config()
    config["scoring"]["tokens"] = 10**9
    write_config(small_run, config)
    pretrain_log = small_run / "logs/pretrain/mtickets.log"
    before = pretrain_log.stat().st_mtime_ns
    result = snakemake("--cores", "2", "results/pretrain/mtickets/final", workdir=small_run, check=False)
    assert result.returncode != 0
    # Score jobs share one gpu slot, so which language runs (and fails) first varies.
    logs = {path.stem: path.read_text() for path in (small_run / "logs/score/mtickets").glob("*.log")}
    failed = [lang for lang, log in logs.items()
              if re.search(rf"language '{lang}': \S+ holds \d+ corpus wordpieces, fewer than --min-tokens 1000000000", log)]
    assert failed, logs
    assert pretrain_log.stat().st_mtime_ns == before  # no pretraining started

    config = small_config()
    config["pretrain"]["batch_size"] = 10**6
    write_config(small_run, config)
    result = snakemake("--cores", "2", "results/pretrain/mbert/final", workdir=small_run, check=False)
    assert result.returncode != 0
    log = (small_run / "logs/pretrain/mbert.log").read_text()
    assert re.search(r"language '\w+': \S+ holds \d+ examples, fewer than one batch \(--batch-size 1000000\)", log)
    assert "pretrain:" not in log  # stopped before the first step
