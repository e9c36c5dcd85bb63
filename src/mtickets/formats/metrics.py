"""Fine-tuning results: one ``metrics.json`` per (variant, task, language, seed).

The finetune stage writes it (``write_metrics``); the tables read it (``read_metric``).
Its fields: task, language, seed, variant, f1 (test, percent), precision, recall,
token_accuracy, best_epoch, dev_f1, ... (docs/contracts.md).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from mtickets.errors import MticketsError
from mtickets.formats.atomic import write_json


def write_metrics(path: str | Path, metrics: dict) -> None:
    write_json(path, metrics)


PATH_PATTERN = re.compile(
    r"(?P<variant>[^/]+)/(?P<task>[^/]+)/(?P<lang>[^/]+)/seed(?P<seed>-?\d+)/metrics\.json$"
)


def read_metric(path: str | Path, task: str | None = None) -> dict:
    """Load one metrics.json; return {variant, task, language, seed, f1, path}."""
    path = Path(path)
    if not path.is_file():
        raise MticketsError(f"metrics file {path} is missing; run its fine-tuning job first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MticketsError(f"{path}: not valid JSON ({error}); rerun its fine-tuning job") from None
    if not isinstance(data, dict):
        raise MticketsError(f"{path}: expected a JSON object")
    if data.get("skipped"):
        raise MticketsError(f"{path}: the run was skipped ({data.get('reason', 'no reason given')}); "
                            f"drop that language from the table or rerun it")
    match = PATH_PATTERN.search(path.as_posix())
    from_path = match.groupdict() if match else {}
    record = {
        "variant": data.get("variant") or from_path.get("variant"),
        "task": data.get("task") or from_path.get("task"),
        "language": data.get("language") or from_path.get("lang"),
        "seed": data.get("seed", from_path.get("seed")),
        "f1": data.get("f1"),
        "token_accuracy": data.get("token_accuracy"),  # beside F1 (for POS the two differ)
        "path": path,
    }
    for key in ("variant", "language", "seed"):
        if record[key] is None:
            raise MticketsError(
                f"{path}: no '{key}' in the file and the path is not "
                f".../{{variant}}/{{task}}/{{lang}}/seed{{s}}/metrics.json"
            )
    record["seed"] = int(record["seed"])
    f1 = record["f1"]
    if not isinstance(f1, (int, float)) or isinstance(f1, bool) or not math.isfinite(f1):
        raise MticketsError(f"{path}: 'f1' is {f1!r}, not a number; rerun its fine-tuning job")
    if task is not None and record["task"] not in (None, task):
        raise MticketsError(f"{path}: a '{record['task']}' result given to the '{task}' table")
    return record
