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
    languages, pretrained = len(config["languages"]), len(config["pretrain"]["languages"])
    assert jobs["help_mirror"] == 1 and jobs["download"] == jobs["shards"] == languages
    # dense, the control, scaled, SNIP, random and magnitude, 3 times each; the rescored SNIP
    # tickets (the noise floor) are scored from one initialisation and never pretrained.
    assert jobs["pretrain"] == 6 * 3 and jobs["init"] == 6 * 3 + 1
    assert jobs["score"] == (3 * 3 + 1) * languages and jobs["merge"] == 3 * 3 + 1
    assert jobs["relatedness"] == 3 and jobs["ticket_noise"] == jobs["baselines"] == jobs["replication"] == 1
    # the help's UI-markup task, staged and fine-tuned in every pretraining language, every replicate
    assert jobs["help_task"] == 1 and jobs["task_data"] == pretrained >= 8
    assert jobs["finetune"] == 6 * 3 * pretrained
    # `all` adds the figures, which show first replicates (the rescored variant's too).
    everything = planned_jobs(workdir=tmp_path)
    assert everything["pretrain"] == 6 * 3 + 1
    assert everything["ticket_map"] == everything["loss_curves"] == everything["interference_figures"] == 1


def test_replicate_k_draws_from_the_seeds_plus_k_minus_1(tmp_path):
    config = replicate_config()
    write_config(tmp_path, config)
    commands = "\n".join(shell_commands(tmp_path, "results/replication.md"))
    base = config["model"]["seed"]
    for k in (1, 2, 3):
        init = re.search(rf"mtickets init .*--seed (\d+) --out results/init/mbert_r{k} ", commands)
        assert init and int(init.group(1)) == base + k - 1
        pretrain = re.search(rf"mtickets pretrain --model results/init/random_r{k} .*?--seed (\d+)", commands)
        assert pretrain and int(pretrain.group(1)) == config["pretrain"]["seed"] + k - 1
        score = re.search(rf"mtickets score --proxy random --model results/init/random_r{k} .*--seed (\d+) "
                          rf"--out results/scores/random_r{k}/en\.safetensors", commands)
        assert score and int(score.group(1)) == config["scoring"]["seed"] + k - 1
    # gc only for the dense variant's first replicate (Figure 2); uc for every run.
    gc = re.findall(r"--gc-every [1-9]\d* .*--out results/pretrain/(\w+)/final", commands)
    assert gc == ["mbert_r1"]
    page = re.search(r"mtickets replication .*", commands).group(0)
    assert all(f"results/pretrain/mtickets_r{k}/final" in page for k in (1, 2, 3))
    assert all(f"results/interference/{v}_r3" in page for v in ("mbert", "mbert_lang", "mtickets"))
    assert "--task help_ui --task-languages en de fr es el ru hu eu" in page
    # uc exact in every layer a variant has: 4 for dense models, 6 for tickets
    layers = {variant: exact.split() for exact, variant in re.findall(
        r"--exact-layers ([\w. ]+?) --exact-languages.*--out results/pretrain/(\w+)/final", commands)}
    assert layers["mbert_r1"][-1] == "layer.3" and layers["mtickets_r1"][-1] == "layer.5"
    # the rescored tickets: mtickets' initialisation seed, another scoring seed
    assert re.search(r"mtickets init .*--seed 42 --out results/init/mtickets_rescored_r1 ", commands)
    assert re.search(r"--seed 1000 --out results/scores/mtickets_rescored_r1/en\.safetensors", commands)


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
    (lambda c: c["replication"].update(control="mbert"), "replication.control: 'mbert' needs model: "
                                                          "{language_embedding: true}"),
    (lambda c: c["variants"]["mtickets_rescored"]["ticket"].pop("scoring_seed_offset"),
     "replication.rescored: 'mtickets_rescored' scores with the same seed as 'mtickets'"),
    (lambda c: c["replication"].update(task="ner"), "replication.task: 'ner' is not one of evaluation.tasks"),
    (lambda c: c["pretrain"].update(languages=["en", "fi"]), "pretrain.languages: ['fi'] are not in `languages`"),
])
def test_replication_config_errors_name_the_key(tmp_path, edit, message):
    config = replicate_config()
    edit(config)
    write_config(tmp_path, config)
    result = snakemake("--dry-run", "results/replication.md", workdir=tmp_path, check=False)
    assert result.returncode != 0 and message in result.stdout + result.stderr
