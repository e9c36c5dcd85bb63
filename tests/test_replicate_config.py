"""config/replicate.yaml and `replicates`: the DAG a researcher gets, the seeds each replicate draws, errors."""

from __future__ import annotations

import re

import pytest
import yaml
from test_workflow import REPO, snakemake, write_config

from mtickets import configuration


def replicate_config() -> dict:
    return yaml.safe_load((REPO / "config" / "replicate.yaml").read_text())


def planned_jobs(*targets: str, workdir) -> dict[str, int]:
    """Job counts per rule from a dry-run's 'Job stats' table."""
    output = snakemake("--dry-run", *targets, "--quiet", "rules", workdir=workdir).stdout
    stats = output.split("Job stats:")[1] if "Job stats:" in output else ""
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)$", stats, re.M) if name != "total"}


def shell_commands(workdir, *targets) -> list[str]:
    output = snakemake("--dry-run", "--printshellcmds", *targets, workdir=workdir).stdout
    return [line for line in output.splitlines() if line.startswith(("Shell command: ", "mtickets ", "OMP_"))]


def test_replicate_config_plans_three_replicates_of_the_page_variants(tmp_path):
    write_config(tmp_path, replicate_config())
    jobs = planned_jobs("results/replication.md", workdir=tmp_path)
    config = replicate_config()
    languages = len(config["languages"])
    assert jobs["help_mirror"] == 1 and jobs["download"] == languages
    # dense, scaled, SNIP, random, magnitude and the controlled tickets; the 5-layer variant is not on the page.
    assert jobs["pretrain"] == jobs["init"] == 6 * 3
    assert jobs["score"] == 4 * 3 * languages and jobs["merge"] == 4 * 3
    assert jobs["relatedness"] == 3 and jobs["replication"] == 1
    assert "finetune" not in jobs  # no labelled data: evaluation.tasks is empty
    # `all` adds the figures, which show first replicates: the 5-layer tickets' first replicate only.
    everything = planned_jobs(workdir=tmp_path)
    assert everything["pretrain"] == 6 * 3 + len(config["variants"]) - 6
    assert everything["ticket_map"] == everything["loss_curves"] == everything["interference_figures"] == 1


def test_replicate_k_draws_from_the_seeds_plus_k_minus_1(tmp_path):
    config = replicate_config()
    write_config(tmp_path, config)
    commands = "\n".join(shell_commands(tmp_path, "results/replication.md"))
    base = config["model"]["seed"]
    for k in (1, 2, 3):
        init = re.search(rf"mtickets init .*--seed (\d+) --out results/init/mbert_r{k} ", commands)
        assert init and int(init.group(1)) == base + k - 1
        pretrain = re.search(rf"--seed (\d+) --out results/pretrain/random_r{k}/final", commands)
        assert pretrain and int(pretrain.group(1)) == config["pretrain"]["seed"] + k - 1
        score = re.search(rf"mtickets score --proxy random --model results/init/random_r{k} .*--seed (\d+) "
                          rf"--out results/scores/random_r{k}/en\.safetensors", commands)
        assert score and int(score.group(1)) == config["scoring"]["seed"] + k - 1
    # gc only for the dense variant's first replicate (Figure 2); uc for every run.
    gc = re.findall(r"--gc-every \d+ .*--out results/pretrain/(\w+)/final", commands)
    assert gc == ["mbert_r1"]
    page = re.search(r"mtickets replication .*", commands).group(0)
    assert all(f"results/pretrain/mtickets_r{k}/final" in page for k in (1, 2, 3))
    assert "results/interference/mtickets_controlled_r3" in page


def test_expand_replicates_keeps_one_replicate_as_declared():
    config = {"replicates": 1, "variants": {"mbert": {}}}
    assert configuration.expand_replicates(config) == {"mbert": ["mbert"]} and config["variants"] == {"mbert": {}}
    config = {"replicates": 2, "variants": {"mbert": {"model": {"num_hidden_layers": 3}}}, "model": {"seed": 7}}
    assert configuration.expand_replicates(config) == {"mbert": ["mbert_r1", "mbert_r2"]}
    assert [configuration.variant_model_config(config, v)["seed"] for v in ("mbert_r1", "mbert_r2")] == [7, 8]


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["replication"].update(tickets="random"),
     "replication.tickets: 'random' is not a ticket variant with proxy snip"),
    (lambda c: c["replication"].update(dense="mtickets"), "replication.dense: 'mtickets' has a ticket"),
    (lambda c: c["replication"].update(scaled="nope"), "replication.scaled: 'nope' is not one of variants"),
    (lambda c: c["variants"].update(mbert_r2={}), "variants: ['mbert_r2'] end like a replicate name"),
    (lambda c: c["pretrain"].update(eval_every=0), "pretrain.eval_every: 0 never evaluates"),
])
def test_replication_config_errors_name_the_key(tmp_path, edit, message):
    config = replicate_config()
    edit(config)
    write_config(tmp_path, config)
    result = snakemake("--dry-run", "results/replication.md", workdir=tmp_path, check=False)
    assert result.returncode != 0 and message in result.stdout + result.stderr
