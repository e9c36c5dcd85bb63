import json
import shlex
from pathlib import Path

from mtickets import configuration
from mtickets.evaluation.settings import FinetuneConfig
from mtickets.options import command_line
from mtickets.tickets.score import PROXIES, ScoringOptions
from mtickets.training.settings import InterferenceSettings, PretrainConfig

SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"


# Snakemake takes every word after --configfile for a config file, so a target written
# after it is merged into the config when it loads (a JSON result does). A config file
# under results/ is certainly such a target: say so, before its keys are called unknown.
TARGETS_READ_AS_CONFIG = [
    path
    for path in workflow.overwrite_configfiles
    if Path(path).absolute().is_relative_to(Path("results").absolute())
]
if TARGETS_READ_AS_CONFIG:

    def shown(path):
        """As typed: relative to the working directory when inside it."""
        path = Path(path)
        return str(
            path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        )

    targets = " ".join(map(shown, TARGETS_READ_AS_CONFIG))
    configfiles = " ".join(
        shown(path)
        for path in workflow.overwrite_configfiles
        if path not in TARGETS_READ_AS_CONFIG
    )
    raise ValueError(
        f"--configfile read {targets} as a config file, but it is certainly a target"
        " (results/ holds outputs): Snakemake reads every word after --configfile as a"
        f" config file, so put the targets first: snakemake {targets} --configfile {configfiles}"
    )


# One line per problem, naming the config file(s) read; on success the schema's
# defaults are filled in.
CONFIG_PROBLEMS = configuration.config_problems(config, SCHEMA)
if CONFIG_PROBLEMS:
    files = workflow.overwrite_configfiles or ["config/config.yaml"]
    raise ValueError(
        f"invalid config ({', '.join(map(str, files))}):\n  "
        + "\n  ".join(CONFIG_PROBLEMS)
    )

LANGUAGES = config["languages"]
PRETRAIN_LANGUAGES = configuration.pretraining_languages(config)
# Each declared variant's replicates (replicates: N > 1 runs V as V_r1 ... V_rN).
REPLICATES = configuration.expand_replicates(config)
VARIANTS = config["variants"]
# Variants fine-tuned and in the tables (the others are pretrained for the analysis).
EVALUATED = [name for name, spec in VARIANTS.items() if spec.get("evaluate", True)]
INTERFERENCE = config["interference"]
ANALYSIS = config["analysis"]
TASKS = config["evaluation"]["tasks"]
SEQ_LENGTHS = [stage["length"] for stage in config["pretrain"]["seq_schedule"]]
SPLITS = ["train", "dev", "test"]
TASK_EXTENSION = {"panx": "tsv", "conllu": "conllu", "help_ui": "tsv"}


def variant_model_config(variant):
    return configuration.variant_model_config(config, variant)


def first_replicate(declared):
    """The replicate of a declared variant that the figures show (the unreplicated run)."""
    return REPLICATES[declared][0]


def figure_variants(names):
    """Of ``names``, the first replicates: one line or panel per declared variant."""
    firsts = {replicates[0] for replicates in REPLICATES.values()}
    return [name for name in names if name in firsts]


def architecture(variant):
    """The BERT config fields of a variant, without the initialisation seed.

    vocab_size is tokenizer.vocab_size; init checks it against the tokenizer built.
    """
    fields = {k: v for k, v in variant_model_config(variant).items() if k != "seed"}
    return {**fields, "vocab_size": config["tokenizer"]["vocab_size"]}


def ticket_variants():
    return [name for name, spec in VARIANTS.items() if "ticket" in spec]


def ticket(variant):
    return VARIANTS[variant]["ticket"]


def proxy_reads_shards(variant):
    """Whether the variant's proxy scores on the language's shards (the registry says)."""
    return PROXIES[ticket(variant)["proxy"]].reads_shards


def mirror_input():
    """The mirror directory when a stage builds it (corpus.libreoffice_help), else nothing."""
    return (
        [config["corpus"]["mirror"]] if "libreoffice_help" in config["corpus"] else []
    )


def help_task_languages():
    """Every language of the help_ui tasks (their files come from one help_task job)."""
    languages = {
        lang
        for task in TASKS.values()
        if task["format"] == "help_ui"
        for lang in task["languages"]
    }
    return [lang for lang in LANGUAGES if lang in languages]


def help_max_pages_option():
    pages = config["corpus"]["libreoffice_help"]["max_pages"]
    return f"--max-pages {pages}" if pages else ""


def split_backend(lang):
    return configuration.split_backend(config, lang)


def split_languages_pattern(trankit):
    """{lang} of the languages split by Trankit (True) or by `mtickets split` (False).

    Both rules make sentences.txt.gz; this keeps them apart. With no such language the
    pattern matches nothing, so that rule never applies.
    """
    languages = [
        lang for lang in LANGUAGES if (split_backend(lang) == "trankit") == trankit
    ]
    return "|".join(languages) or "(?!)"


def trankit_model_option(lang):
    """--model NAME where trankit_models names lang's pipeline; else none: the script
    takes Trankit's own name for the code (he: hebrew, ...)."""
    model = config["corpus"]["split"]["trankit_models"].get(lang)
    return f"--model {model}" if model else ""


def shard_dir(lang, seq_length):
    return f"results/shards/{lang}/seq{seq_length}"


def pretrain_shard_dirs(wildcards):
    return [
        shard_dir(lang, length) for lang in PRETRAIN_LANGUAGES for length in SEQ_LENGTHS
    ]


def score_inputs(wildcards):
    """A proxy that reads data gets the language's shards; the others need only the model."""
    inputs = {"model": f"results/init/{wildcards.variant}"}
    if proxy_reads_shards(wildcards.variant):
        inputs["shards"] = shard_dir(wildcards.lang, config["scoring"]["seq_length"])
    return inputs


def scoring_command_line(wildcards):
    """The variant's `mtickets score` flags, made from its options dataclass. Not a
    function of `input`: Snakemake ignores changes of params derived from input."""
    shards = score_inputs(wildcards).get("shards")
    return command_line(
        ScoringOptions,
        configuration.scoring_options(config, wildcards.variant, shards),
        "scoring",
    )


def score_files(wildcards):
    return expand(
        "results/scores/{variant}/{lang}.safetensors",
        variant=wildcards.variant,
        lang=LANGUAGES,
    )


def pretrain_inputs(wildcards):
    inputs = {
        "model": f"results/init/{wildcards.variant}",
        "shards": pretrain_shard_dirs(wildcards),
    }
    if "ticket" in VARIANTS[wildcards.variant]:
        inputs["tickets"] = f"results/tickets/{wildcards.variant}/tickets.safetensors"
    return inputs


def tickets_option(wildcards, input):
    return f"--tickets {input.tickets}" if "tickets" in input.keys() else ""


def pretrain_command_line(wildcards):
    """The variant's `mtickets pretrain` flags, made from its options dataclass."""
    return command_line(
        PretrainConfig,
        configuration.pretrain_options(config, wildcards.variant),
        "pretrain",
    )


def pretrain_monitoring(wildcards):
    """--loggers (all of them, [] too) and --peak-tflops where set."""
    pretrain = config["pretrain"]
    return command_line(
        PretrainConfig,
        {key: pretrain.get(key) for key in ("loggers", "peak_tflops")},
        "pretrain",
    )


def on_tpu():
    return config["pretrain"]["device"] == "xla"


def pretrain_environment():
    """TPUs need torch_xla, built against an older torch: its own environment."""
    return "../envs/tpu.yaml" if on_tpu() else "../envs/mtickets.yaml"


def pretrain_launcher():
    """The command that starts pretraining: one process, torchrun's processes on one
    node, or (pretrain.nodes > 1, inside a SLURM allocation) one torchrun per node
    started by srun, meeting at the first node through torchrun's c10d rendezvous.
    On TPUs the package runs from src/ (envs/tpu.yaml cannot install it)."""
    devices = config["pretrain"].get("devices", 1)
    nodes = config["pretrain"].get("nodes", 1)
    command = "mtickets pretrain"
    if on_tpu():
        command = f"env PYTHONPATH={workflow.basedir}/src python -m mtickets pretrain"
    if devices * nodes == 1:
        return command
    torchrun = f"torchrun --nproc-per-node {devices} --no-python {command}"
    if nodes == 1:
        return torchrun.replace("torchrun", "torchrun --standalone", 1)
    rendezvous = (
        f"--nnodes {nodes} --rdzv-backend c10d --rdzv-id $SLURM_JOB_ID"
        ' --rdzv-endpoint "$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)":29500'
    )
    return (
        f"srun --nodes {nodes} --ntasks {nodes} --ntasks-per-node 1 "
        + torchrun.replace("torchrun", f"torchrun {rendezvous}", 1)
    )


def interference_command_line(wildcards):
    """The variant's interference flags (with --interference-out), from their dataclass."""
    return command_line(
        InterferenceSettings,
        configuration.interference_options(config, wildcards.variant),
        "interference",
    )


def task_file(task, lang, split):
    extension = TASK_EXTENSION[TASKS[task]["format"]]
    return f"results/task_data/{task}/{lang}/{split}.{extension}"


def task_source_files(wildcards):
    """A task source the workflow writes (a template under results/, e.g. the help
    task's) is the task_data job's input; a researcher's XTREME files are read in place.
    """
    source = TASKS[wildcards.task]["source"]
    if not source.startswith("results/"):
        return []
    return [source.format(lang=wildcards.lang, split=split) for split in SPLITS]


def task_data(wildcards):
    return {split: task_file(wildcards.task, wildcards.lang, split) for split in SPLITS}


def finetune_command_line(wildcards):
    """The `mtickets finetune` flags both protocols pass beyond the files, from its dataclass."""
    return command_line(
        FinetuneConfig,
        configuration.finetune_options(config, wildcards.variant, wildcards.task),
        "evaluation",
    )


def finetune_loggers(wildcards):
    """--loggers, all of them ([] too): the trackers go beside each seed's metrics.json."""
    return command_line(
        FinetuneConfig, {"loggers": config["evaluation"]["loggers"]}, "evaluation"
    )


def saved_model_pattern():
    """Where evaluation.save_models: best keeps a fine-tuned model: beside the seeds'
    results, per (variant, task, language); zero-shot per (variant, task)."""
    parts = ["{variant}", "{task}"]
    if config["evaluation"]["protocol"] == "in_language":
        parts.append("{lang}")
    return str(Path(finetune_root(), *parts, "model"))


def saved_model_output():
    """The fine-tuned model folder as a named output, with evaluation.save_models: best."""
    if config["evaluation"]["save_models"] != "best":
        return {}
    return {"model": directory(saved_model_pattern())}


def saved_models(metrics):
    """The model folders beside these results (metrics.json paths) that
    evaluation.save_models: best keeps."""
    if config["evaluation"]["save_models"] != "best":
        return []
    level = 1 if config["evaluation"]["protocol"] == "in_language" else 2
    return list(
        dict.fromkeys(str(Path(path).parents[level] / "model") for path in metrics)
    )


def save_model_flag(wildcards):
    """--save-model for the folder saved_model_output declares ("" when off): a resource,
    so that turning it off reruns nothing (and turning it on reruns for the missing folder).
    """
    if config["evaluation"]["save_models"] != "best":
        return ""
    return command_line(
        FinetuneConfig,
        {"save_model": saved_model_pattern().format(**dict(wildcards.items()))},
        "evaluation",
    )


def finetune_out_template(wildcards):
    """metrics.json of every seed of a (variant, task, language): `mtickets finetune` fills {seed}."""
    parts = [
        wildcards.variant,
        wildcards.task,
        wildcards.lang,
        "seed{seed}",
        "metrics.json",
    ]
    return str(Path("results", "finetune", *parts))


def zero_shot_task_data(wildcards):
    """The source language's train and dev splits, and every language's test split."""
    source = config["evaluation"]["source_language"]
    tests = {
        f"test_{lang}": task_file(wildcards.task, lang, "test")
        for lang in TASKS[wildcards.task]["languages"]
    }
    return {
        "train": task_file(wildcards.task, source, "train"),
        "dev": task_file(wildcards.task, source, "dev"),
        **tests,
    }


def test_set_options(wildcards, input):
    return " ".join(
        f"--test-set {lang} {input[f'test_{lang}']}"
        for lang in TASKS[wildcards.task]["languages"]
    )


def finetune_root():
    """Where the protocol's results are, as {root}/{variant}/{task}/{lang}/seed{s}/: zero-shot
    ones apart from in-language ones and per source language, so that switching either
    keeps (and never overwrites) the other's."""
    evaluation = config["evaluation"]
    if evaluation["protocol"] == "zero_shot":
        return f"results/finetune_zero_shot/{evaluation['source_language']}"
    return "results/finetune"


def zero_shot_outputs(task, name):
    """{name} (metrics.json, predictions.tsv) of every language of task and seed, per
    {variant} and {task} (which the rule constrains to task)."""
    return expand(
        str(Path(finetune_root(), "{{variant}}/{{task}}/{lang}/seed{seed}/{name}")),
        lang=TASKS[task]["languages"],
        seed=config["evaluation"]["seeds"],
        name=name,
    )


def zero_shot_out_template(wildcards):
    """metrics.json of every (language, seed): `mtickets finetune` fills {lang} and {seed}."""
    parts = [wildcards.variant, wildcards.task, "{lang}", "seed{seed}", "metrics.json"]
    return str(Path(finetune_root(), *parts))


def finetune_metrics(task, variant=None):
    return expand(
        str(Path(finetune_root(), "{variant}/{task}/{lang}/seed{seed}/metrics.json")),
        variant=[variant] if variant else EVALUATED,
        task=task,
        lang=TASKS[task]["languages"],
        seed=config["evaluation"]["seeds"],
    )


def table_inputs(wildcards):
    return {
        "metrics": finetune_metrics(wildcards.task),
        "models": expand("results/pretrain/{variant}/final", variant=EVALUATED),
    }


def ticket_bank(variant):
    return f"results/tickets/{variant}/tickets.safetensors"


REPLICATION_ROLES = ("dense", "control", "scaled", "tickets", "random", "magnitude")


def replication_inputs(wildcards):
    """Every replicate of each role's variant: models, uc, SNIP relatedness; the
    baselines and the ticket noise floor; the task's test metrics when it has one."""
    roles = config["replication"]
    inputs = {
        role: expand(
            "results/pretrain/{variant}/final", variant=REPLICATES[roles[role]]
        )
        for role in REPLICATION_ROLES
    }
    for role, declared in (
        ("dense", roles["dense"]),
        ("control", roles["control"]),
        ("tickets", INTERFERENCE["tickets"]),
    ):
        inputs[f"uc_{role}"] = expand(
            "results/interference/{variant}", variant=REPLICATES[declared]
        )
    inputs["relatedness"] = expand(
        "results/analysis/{variant}/relatedness.json",
        variant=REPLICATES[roles["tickets"]],
    )
    inputs["noise_floor"] = "results/analysis/ticket_noise.json"
    inputs["baselines"] = "results/analysis/baselines.json"
    if roles["task"]:
        inputs["metrics"] = replication_metrics()
    return inputs


def replication_metrics():
    """The replication task's test metrics of every replicate of each role's variant."""
    roles = config["replication"]
    return [
        path
        for role in REPLICATION_ROLES
        for variant in REPLICATES[roles[role]]
        for path in finetune_metrics(roles["task"], variant)
    ]


def replication_options(wildcards):
    """The page's settings: the task and its languages, the gate, uc's step, intervals."""
    spec = config["replication"]
    options = [
        f"--step {INTERFERENCE['step']} --gate {spec['gate']}",
        f"--confidence {spec['confidence']}",
        "--not-measured "
        + " ".join(shlex.quote(line) for line in spec["not_measured"]),
    ]
    if spec["task"]:
        languages = " ".join(TASKS[spec["task"]]["languages"])
        options.append(f"--task {spec['task']} --task-languages {languages}")
    return " ".join(options)


def all_outputs():
    """Every table and figure, and the fine-tuning results the tables summarize: Snakemake
    replans a job only from its own outputs, and asks for a missing input only when a job
    that reads it must run. Results deleted under an existing table (a killed --forcerun
    of fine-tuning removes them first) would stay lost, the table up to date; asked for
    here, they are made again, and the table with them."""
    results = [path for task in TASKS for path in finetune_metrics(task)]
    if "replication" in config and config["replication"]["task"]:
        results += replication_metrics()
    return [
        *(["results/replication.md"] if "replication" in config else []),
        *expand("results/{task}_table.csv", task=list(TASKS)),
        *dict.fromkeys(results),
        *saved_models(results),
        "results/analysis/relatedness.csv",
        "results/figures/ticket_map.png",
        "results/figures/interference_stability.png",
        "results/figures/loss_curves.png",
        *expand("results/analysis/{variant}/overlap.png", variant=ticket_variants()),
    ]


wildcard_constraints:
    lang="|".join(LANGUAGES),
    variant="|".join(VARIANTS),
    task="|".join(TASKS) or "(?!)",
    seed=r"\d+",
    seq_length=r"\d+",
    date=r"\d{8}|latest",
    extension="tsv|conllu",
    split="|".join(SPLITS),
