"""The pipeline config's checks: one line per problem, naming the key and the fix.

``schema_problems`` reads the JSON schema's verdict the way a researcher editing YAML
needs it (the key path first, YAML's own traps explained); ``cross_key_problems``
checks what a schema cannot express, ``mirror_problems`` the languages a local mirror
holds. ``rules/common.smk`` runs ``config_problems`` (all three, with the schema's
defaults filled in after the first) before any job, and takes
``variant_model_config``, ``split_backend`` and each stage's options (``pretrain_options``,
``interference_options``, ``scoring_options``, ``finetune_options``) from here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

import jsonschema
import yaml
from snakemake.utils import validate

from mtickets.corpus.download import mirror_languages

_YAML_BOOLEAN_HINT = (
    "YAML reads unquoted yes/no/on/off/true/false as a boolean; quote the value "
    '(e.g. "no" for Norwegian)'
)
_OVERLAY_HINT = (
    "--configfile replaces config/config.yaml rather than adding to it: start from a "
    "copy of a whole config, or pass both: --configfile config/config.yaml yours.yaml"
)


def key_path(path: Iterable) -> str:
    """``["pretrain", "seq_schedule", 0, "length"]`` → ``pretrain.seq_schedule[0].length``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "the config"


def _strict_validator(schema: dict):
    """The schema's validator, except that 3.0e+2 is not an integer: YAML gives a float,
    which would reach the stages' command lines as ``300.0``."""
    base = jsonschema.validators.validator_for(schema)
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    return jsonschema.validators.extend(base, type_checker=checker)(schema)


def _explain(error: jsonschema.ValidationError) -> str:
    where = key_path(error.absolute_path)
    value = error.instance
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(value) - set(allowed))
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hints.append(f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        return f"{where}: " + "; ".join(hints) + f"; allowed: {', '.join(allowed)}"
    if error.validator == "type":
        expected = error.validator_value
        if isinstance(value, bool) and "boolean" not in expected:
            return f"{where}: {value} is not a {expected}. {_YAML_BOOLEAN_HINT}"
        if isinstance(value, str) and _is_number(value):
            return (f"{where}: YAML reads {value} as text; write it with a decimal point "
                    f"({float(value)!r}) or digits only")
        if isinstance(value, float) and value.is_integer() and "integer" in expected:
            return f"{where}: {value!r} must be an integer; write {int(value)}"
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in value]
        return f"{where}: missing key{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    if error.validator in ("anyOf", "oneOf") and error.context:
        return _explain(jsonschema.exceptions.best_match(error.context))
    return f"{where}: {error.message}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def schema_problems(config: dict, schema: dict) -> list[str]:
    """Every schema violation of ``config``, one line each, in key order."""
    errors = sorted(_strict_validator(schema).iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    problems = list(dict.fromkeys(_explain(error) for error in errors))
    missing_top = [e for e in errors if e.validator == "required" and not e.absolute_path]
    if missing_top and isinstance(config, dict) and len(config) < len(schema.get("required", [])):
        problems.append(_OVERLAY_HINT)
    return problems


def config_problems(config: dict, schema_path: Path) -> list[str]:
    """The schema's problems; if there are none, the cross-key ones. Fills in the schema's
    defaults (in place) when the schema passes."""
    problems = schema_problems(config, yaml.safe_load(schema_path.read_text(encoding="utf-8")))
    if problems:
        return problems
    validate(config, schema=str(schema_path))
    return cross_key_problems(config) + mirror_problems(config)


def mirror_problems(config: dict) -> list[str]:
    """Languages a local corpus.mirror has no dumps of: found before any job, not in each download.
    A mirror a stage builds (corpus.libreoffice_help), an http(s) one, or one not there yet is not looked into."""
    corpus = config["corpus"]
    held = None if "libreoffice_help" in corpus else mirror_languages(corpus["mirror"])
    missing = [lang for lang in config["languages"] if held is not None and lang not in held]
    if not missing:
        return []
    return [f"languages: {missing} have no dumps on the local mirror {corpus['mirror']} (corpus.mirror), which holds "
            f"{', '.join(held) or 'no language'}; add their {{lang}}wiki/ folders there or remove them from `languages`"]


def variant_model_config(config: dict, variant: str) -> dict:
    """The variant's BERT fields: `model` with the variant's overrides; a replicate's seed moved on by its
    index (see ``expand_replicates``)."""
    spec = config["variants"][variant]
    model = {**config["model"], **spec.get("model", {})}
    return {**model, "seed": model["seed"] + spec.get("replicate", 0)}


def init_model_fields(fields: dict, languages: list[str]) -> dict:
    """A variant's architecture as `mtickets init` reads it: a language-embedding model also gets its
    rows, the pretraining ``languages``. language_embedding false is left out, so that every other
    variant's init param reads as before the option existed (a changed param reruns the job)."""
    fields = dict(fields)
    if not fields.pop("language_embedding", False):
        return fields
    return {**fields, "language_embedding": True, "embedding_languages": list(languages)}


def exact_layers(config: dict, variant: str) -> list[str]:
    """interference.exact_layers that the variant has: one list serves models of several depths."""
    depth = variant_model_config(config, variant)["num_hidden_layers"]
    deeper = {f"layer.{k}" for k in range(depth, 1000)}
    return [layer for layer in config["interference"]["exact_layers"] if layer not in deeper]


def pretraining_languages(config: dict) -> list[str]:
    """pretrain.languages, or every language when it is empty (in `languages`' order)."""
    chosen = config["pretrain"].get("languages") or config["languages"]
    return [lang for lang in config["languages"] if lang in chosen]


def replicate_seed(config: dict, variant: str, stage: str) -> int:
    """``{stage}.seed`` (scoring, pretrain) moved on by the variant's replicate index (and, for
    scoring, by its ticket's scoring_seed_offset)."""
    spec = config["variants"][variant]
    offset = spec.get("ticket", {}).get("scoring_seed_offset", 0) if stage == "scoring" else 0
    return config[stage]["seed"] + spec.get("replicate", 0) + offset


def dense_baseline(config: dict, evaluated: list[str]) -> str | None:
    """The tables' dense η0 baseline: the first evaluated variant without a ticket whose layers,
    hidden and FFN sizes are the base model's (so never mbert_scaled); None if there is none."""
    sizes = ("num_hidden_layers", "hidden_size", "intermediate_size")
    return next((name for name in evaluated if "ticket" not in config["variants"][name]
                 and all(variant_model_config(config, name)[key] == config["model"][key] for key in sizes)), None)


# Passed to the rules as resources, not params: Snakemake reruns a job whose params changed,
# and none of these changes the results (a resumed run ends with an uninterrupted run's; the
# trackers and the MFU's peak only watch).
PRETRAIN_RERUN_FREE = ("checkpoint_every", "eval_every", "loggers", "peak_tflops")
SCORING_RERUN_FREE = ("checkpoint_every",)
FINETUNE_RERUN_FREE = ("loggers",)


def _named_options(options_class: type, section: dict, derived: dict, leave_out: Iterable[str] = ()) -> dict:
    """The options of ``options_class`` that ``derived`` sets or ``section`` names (its keys of the same
    names, but ``leave_out``), in the dataclass's order."""
    from mtickets.options import flags

    return {field.name: derived[field.name] if field.name in derived else section[field.name]
            for field in flags(options_class)
            if field.name in derived or (field.name in section and field.name not in leave_out)}


def pretrain_options(config: dict, variant: str) -> dict:
    """The ``mtickets pretrain`` options (``PretrainConfig`` fields) of a variant: the ``pretrain``
    keys named like an option, the sequence schedule as its flags spell it, the replicate's seed.
    The rule's own paths (model, shards, outputs) and ``PRETRAIN_RERUN_FREE`` are not here."""
    from mtickets.training.settings import PretrainConfig

    schedule = config["pretrain"]["seq_schedule"]
    derived = {
        "seq_schedule": ",".join(f"{stage['length']}:{stage['fraction']}" for stage in schedule),
        "max_predictions": ",".join(str(stage["max_predictions"]) for stage in schedule),
        "seed": replicate_seed(config, variant, "pretrain"),
    }
    return _named_options(PretrainConfig, config["pretrain"], derived, PRETRAIN_RERUN_FREE)


def interference_options(config: dict, variant: str) -> dict:
    """The interference options (``InterferenceSettings`` fields) of a variant's pretraining: the
    ``interference`` keys named like an option, the exact layers the variant has, and gc (a backward
    pass per language) only for the dense variant's first replicate, the run Figure 2 shows."""
    from mtickets.training.settings import InterferenceSettings

    spec = config["interference"]
    measures_gc = variant == replicate_names(spec["dense"], config["replicates"])[0]
    derived = {"exact_layers": exact_layers(config, variant), "gc_every": spec["gc_every"] if measures_gc else 0}
    return _named_options(InterferenceSettings, spec, derived)


def scoring_options(config: dict, variant: str, shards: str | Path | None) -> dict:
    """The ``mtickets score`` options (``ScoringOptions`` fields) of a variant's ticket in the language
    whose shard directory is ``shards``: the ``scoring`` keys named like an option, the replicate's
    seed, and the budget required of the corpus too (a too-small language stops before any training).
    A proxy that reads no data gets the seed alone, so that the data settings rerun only the scores
    they can change. ``SCORING_RERUN_FREE`` is not here."""
    from mtickets.tickets.score import PROXIES, ScoringOptions

    seed = replicate_seed(config, variant, "scoring")
    if not PROXIES[config["variants"][variant]["ticket"]["proxy"]].reads_shards:
        return {"seed": seed}
    section = config["scoring"]
    derived = {"shards": shards, "min_tokens": section["tokens"], "seed": seed}
    return _named_options(ScoringOptions, section, derived, SCORING_RERUN_FREE)


def finetune_options(config: dict, variant: str, task: str) -> dict:
    """The ``mtickets finetune`` options (``FinetuneConfig`` fields) both protocols pass beyond the
    files: the ``evaluation`` keys and the task's keys named like an option, the variant and task."""
    from mtickets.evaluation.settings import FinetuneConfig

    evaluation = config["evaluation"]
    return _named_options(FinetuneConfig, {**evaluation, **evaluation["tasks"][task]},
                          {"variant": variant, "task": task}, FINETUNE_RERUN_FREE)


def replicate_names(declared: str, count: int) -> list[str]:
    """The names of a declared variant's ``count`` replicates (itself alone when there is one)."""
    return [declared] if count == 1 else [f"{declared}_r{k}" for k in range(1, count + 1)]


def expand_replicates(config: dict) -> dict[str, list[str]]:
    """With ``replicates: N > 1``, replace every variant V by ``V_r1`` ... ``V_rN`` (in place): replicate k
    (index k − 1) draws its initialisation, scoring batches or random ticket, and pretraining data order
    from model.seed, scoring.seed and pretrain.seed + k − 1, so replicate 1 is the unreplicated run.
    Returns each declared variant's replicate names (itself alone when N is 1)."""
    count, declared = config["replicates"], config["variants"]
    groups = {name: replicate_names(name, count) for name in declared}
    if count == 1:
        return groups
    config["variants"] = {replicate: {**spec, "replicate": index} for name, spec in declared.items()
                          for index, replicate in enumerate(groups[name])}
    return groups


def interference_problems(config: dict) -> list[str]:
    spec, variants, problems = config["interference"], config["variants"], []
    if "ticket" in variants.get(spec["dense"], {"ticket": None}):
        problems.append(f"interference.dense: {spec['dense']!r} is not a dense variant (one without `ticket`) of "
                        f"variants: {', '.join(variants)}")
    if "ticket" not in variants.get(spec["tickets"], {}):
        problems.append(f"interference.tickets: {spec['tickets']!r} is not a ticket variant of variants: "
                        f"{', '.join(variants)}")
    last = min(spec["until"] or config["pretrain"]["steps"], config["pretrain"]["steps"])
    if spec["step"] > last or spec["step"] % spec["uc_every"]:
        problems.append(f"interference.step {spec['step']}: must be a multiple of interference.uc_every "
                        f"({spec['uc_every']}) and at most {last} (pretrain.steps, interference.until)")
    pretrained = pretraining_languages(config)
    unknown = [lang for lang in spec["languages"] + spec["exact_languages"] if lang not in pretrained]
    if unknown:
        problems.append(f"interference.languages / exact_languages: {unknown} are not pretraining languages")
    return problems


REPLICATION_PROXIES = {"tickets": "snip", "random": "random", "magnitude": "magnitude", "rescored": "snip"}


def replication_problems(config: dict) -> list[str]:
    """The claims page's roles name variants of the right kind; replicate names stay free."""
    variants, problems = config["variants"], []
    if config["replicates"] > 1:
        taken = [name for name in variants if re.fullmatch(r".+_r\d+", name)]
        if taken:
            problems.append(f"variants: {taken} end like a replicate name (_r1, _r2, ...), which replicates: "
                            f"{config['replicates']} would repeat; rename them")
    spec = config.get("replication")
    if not spec:
        return problems
    for role in ("dense", "control", "scaled", *REPLICATION_PROXIES):
        name = spec[role]
        if name not in variants:
            problems.append(f"replication.{role}: {name!r} is not one of variants: {', '.join(variants)}")
            continue
        ticket = variants[name].get("ticket")
        if role in ("dense", "control", "scaled") and ticket:
            problems.append(f"replication.{role}: {name!r} has a ticket; name a dense variant")
        told = bool(variants[name].get("model", {}).get("language_embedding"))
        if (role == "control") != told and role in ("dense", "control"):
            problems.append(f"replication.{role}: {name!r} " + ("needs model: {language_embedding: true}"
                            if role == "control" else "is told the language; name the plain dense variant"))
        if role in REPLICATION_PROXIES and (not ticket or ticket["proxy"] != REPLICATION_PROXIES[role]):
            problems.append(f"replication.{role}: {name!r} is not a ticket variant with proxy "
                            f"{REPLICATION_PROXIES[role]}")
    if spec.get("task") and spec["task"] not in config["evaluation"]["tasks"]:
        problems.append(f"replication.task: {spec['task']!r} is not one of evaluation.tasks "
                        f"({', '.join(config['evaluation']['tasks']) or 'none'})")
    rescored = variants.get(spec["rescored"], {}).get("ticket", {})
    if spec["rescored"] in variants and not rescored.get("scoring_seed_offset"):
        problems.append(f"replication.rescored: {spec['rescored']!r} scores with the same seed as "
                        f"{spec['tickets']!r}; give it ticket.scoring_seed_offset: 1000")
    if config["pretrain"]["eval_every"] == 0:
        problems.append("pretrain.eval_every: 0 never evaluates, and the replication page needs held-out loss at "
                        "the last step; set it above 0")
    if config["shards"]["heldout"] == 0:
        problems.append("shards.heldout: 0 holds out nothing, and the replication page needs held-out loss; "
                        "set it above 0")
    return problems


def zero_shot_problems(config: dict) -> list[str]:
    """zero_shot trains every task on one language: it must be each task's, and have a ticket."""
    evaluation = config["evaluation"]
    if evaluation["protocol"] != "zero_shot":
        return []
    source = evaluation["source_language"]
    tickets = [name for name, spec in config["variants"].items() if "ticket" in spec and spec.get("evaluate", True)]
    pretrained = pretraining_languages(config)
    if tickets and source not in pretrained:
        return [f"evaluation.source_language: {source!r} is not a pretraining language, so the ticket variants "
                f"({', '.join(tickets)}) have no trained ticket to train it through; choose one of "
                f"{', '.join(pretrained)}"]
    without = [task for task, spec in evaluation["tasks"].items() if source not in spec["languages"]]
    if without:
        return [f"evaluation.source_language: {source!r} is not among the languages of "
                f"{', '.join(f'evaluation.tasks.{task}' for task in without)}; add it there or choose a language "
                "every task has"]
    return []


def split_backend(config: dict, lang: str) -> str:
    split = config["corpus"]["split"]
    return split.get("backends", {}).get(lang, split["default_backend"])


def _model_key(config: dict, variant: str, field: str) -> str:
    """Where a variant's model field is set: its own override, else the shared `model`."""
    if field in config["variants"][variant].get("model", {}):
        return f"variants.{variant}.model.{field}"
    return f"model.{field}"


def cross_key_problems(config: dict) -> list[str]:
    """Checks across keys, on a config the schema has passed (with its defaults filled in)."""
    problems = interference_problems(config) + replication_problems(config) + zero_shot_problems(config)
    languages, pretrained = config["languages"], pretraining_languages(config)
    outside = [lang for lang in config["pretrain"].get("languages", []) if lang not in languages]
    if outside:
        problems.append(f"pretrain.languages: {outside} are not in `languages`; add them there or drop them here")
    for task, spec in config["evaluation"]["tasks"].items():
        missing = [lang for lang in spec["languages"] if lang not in pretrained]
        if missing:
            problems.append(f"evaluation.tasks.{task}.languages: {missing} are not pretraining languages; "
                            "add them to `languages` (and pretrain.languages, if set) or remove them from the task")
    split = config["corpus"]["split"]
    backends = split.get("backends", {})
    strangers = [lang for lang in backends if lang not in languages]
    if strangers:
        problems.append(f"corpus.split.backends: {strangers} are not pretraining languages; "
                        "add them to `languages` or remove them here")
    not_trankit = [lang for lang in split["trankit_models"] if split_backend(config, lang) != "trankit"]
    if not_trankit:
        problems.append(f"corpus.split.trankit_models: {not_trankit} do not use the trankit backend; "
                        "set corpus.split.backends for them to trankit, or drop them")
    pretrain = config["pretrain"]
    lengths = [stage["length"] for stage in pretrain["seq_schedule"]]
    repeated = sorted({length for length in lengths if lengths.count(length) > 1})
    if repeated:
        problems.append(f"pretrain.seq_schedule: length {repeated} appears more than once; "
                        "give each length one entry")
    fractions = sum(stage["fraction"] for stage in pretrain["seq_schedule"])
    if abs(fractions - 1.0) > 1e-6:
        problems.append(f"pretrain.seq_schedule: fractions sum to {fractions:g}, not 1; scale them to sum to 1")
    if pretrain["warmup_steps"] >= pretrain["steps"]:
        problems.append(f"pretrain.warmup_steps: {pretrain['warmup_steps']} is not below pretrain.steps "
                        f"{pretrain['steps']}, so the learning rate never reaches its peak; lower it")
    if config["scoring"]["seq_length"] not in lengths:
        problems.append(f"scoring.seq_length: {config['scoring']['seq_length']} is not one of "
                        f"pretrain.seq_schedule's lengths {lengths}")
    return problems + _model_problems(config, max(lengths))


def _model_problems(config: dict, longest_sequence: int) -> list[str]:
    """Each model problem once, with the variants it affects (a shared `model` key affects several)."""
    variants_of: dict[str, list[str]] = {}
    max_length = config["evaluation"]["max_length"]
    for variant in config["variants"]:
        model = variant_model_config(config, variant)
        found = []
        if model["hidden_size"] % model["num_attention_heads"]:
            found.append(f"{_model_key(config, variant, 'hidden_size')}: {model['hidden_size']} is not a multiple "
                         f"of num_attention_heads {model['num_attention_heads']}")
        positions = model["max_position_embeddings"]
        where = _model_key(config, variant, "max_position_embeddings")
        if longest_sequence > positions:
            found.append(f"{where}: {positions} is below the longest pretraining sequence {longest_sequence}; "
                         "raise it")
        if max_length > positions and config["variants"][variant].get("evaluate", True):
            found.append(f"evaluation.max_length: {max_length} exceeds {where} {positions}; lower it")
        for problem in found:
            variants_of.setdefault(problem, []).append(variant)
    return [f"{problem} (variant{'s' if len(names) > 1 else ''} {', '.join(names)})"
            for problem, names in variants_of.items()]
