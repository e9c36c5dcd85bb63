"""Metrics to standard experiment trackers: TensorBoard by default, W&B and MLflow when asked.

``Trackers`` sends scalars (a name and a value at a step) to each chosen tracker, every one
of them writing into the run's tracking directory, offline:

- ``tensorboard``: event files in the directory (``tensorboard --logdir DIR``);
- ``wandb``: an offline W&B run under ``DIR/wandb/`` (``wandb sync DIR/wandb/offline-run-*``
  uploads it later; ``WANDB_MODE=online`` logs live instead);
- ``mlflow``: a run in the SQLite store ``DIR/mlflow.db`` (``mlflow ui --backend-store-uri
  sqlite:///DIR/mlflow.db``; ``MLFLOW_TRACKING_URI`` sends it elsewhere).

W&B and MLflow are the optional extra ``pip install -e '.[trackers]'``. A resumed run
passes the step it resumes from: TensorBoard then hides what the interrupted run wrote
after it (its ``purge_step``), and W&B and MLflow start a new run of the same name.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from mtickets.errors import MticketsError

TRACKERS = ("tensorboard", "wandb", "mlflow")
PROJECT = "mtickets"  # W&B's project and MLflow's experiment
EXTRA = "pip install -e '.[trackers]'"


def check_trackers(names: Sequence[str], option: str) -> None:
    """Known names, and the packages of the opt-in ones installed: one error naming ``option``."""
    unknown = [name for name in names if name not in TRACKERS]
    if unknown:
        raise MticketsError(f"{option}: {', '.join(unknown)} unknown; choose from {', '.join(TRACKERS)}")
    for name in set(names) - {"tensorboard"}:
        try:
            __import__(name)
        except ImportError:
            raise MticketsError(f"{option} {name}: the {name} package is not installed; {EXTRA}, or drop "
                                f"{name} from {option}") from None


def clear_event_files(directory: Path) -> None:
    """A run that starts over removes the TensorBoard events of the run it replaces (TensorBoard
    would draw both as one curve)."""
    for path in Path(directory).glob("events.out.tfevents.*"):
        path.unlink()


class Trackers:
    """The chosen trackers of one run. ``log`` takes plain floats (the caller has brought them to
    the host at a point where it waits for the device anyway)."""

    def __init__(self, names: Sequence[str], directory: Path, run_name: str, settings: Mapping | None = None,
                 resume_step: int = 0):
        check_trackers(names, "loggers")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        scalars = {key: value for key, value in (settings or {}).items()
                   if isinstance(value, (bool, int, float, str)) or value is None}
        self.tensorboard = self.wandb = self.mlflow = None
        if "tensorboard" in names:
            from torch.utils.tensorboard import SummaryWriter

            # Events after the resumed step were written by the interrupted run: hidden from here on. Its
            # writer thread writes the events as they come and flushes the file every 30 s; a queue longer
            # than a flush's events, as a full one would make the step wait for that thread.
            self.tensorboard = SummaryWriter(str(self.directory), purge_step=resume_step + 1 if resume_step else None,
                                             max_queue=1000, flush_secs=30)
            self.tensorboard.add_text("settings", f"```\n{json.dumps(scalars, indent=1, default=str)}\n```")
        if "wandb" in names:
            import wandb

            self.wandb = wandb.init(
                project=PROJECT, name=run_name, dir=str(self.directory), config=scalars,
                mode=os.environ.get("WANDB_MODE", "offline"),
                # No console capture: the rule log is this process's stderr.
                settings=wandb.Settings(console="off", silent=True, disable_git=True, save_code=False),
            )
        if "mlflow" in names:
            self.mlflow = MlflowRun(self.directory, run_name, scalars)

    def log(self, scalars: Mapping[str, float], step: int) -> None:
        if self.tensorboard is not None:
            # One event of all the step's values: a fifth of add_scalar's cost per value.
            from tensorboard.compat.proto.summary_pb2 import Summary

            values = [Summary.Value(tag=name, simple_value=float(value)) for name, value in scalars.items()]
            self.tensorboard.file_writer.add_summary(Summary(value=values), step)
        if self.wandb is not None:
            self.wandb.log(dict(scalars), step=step)
        if self.mlflow is not None:
            self.mlflow.log(scalars, step)

    def flush(self) -> None:
        """MLflow's pending metrics go now (TensorBoard's writer thread keeps up by itself)."""
        if self.mlflow is not None:
            self.mlflow.flush()

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()
        if self.wandb is not None:
            self.wandb.finish()
        if self.mlflow is not None:
            self.mlflow.close()
        self.tensorboard = self.wandb = self.mlflow = None


class MlflowRun:
    """An MLflow run through its client (no global active run), metrics sent in batches."""

    def __init__(self, directory: Path, run_name: str, params: Mapping):
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        uri = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path(directory).absolute() / 'mlflow.db'}"
        self.client = MlflowClient(uri)
        experiment = self.client.get_experiment_by_name(PROJECT)
        experiment_id = experiment.experiment_id if experiment else self.client.create_experiment(PROJECT)
        self.run_id = self.client.create_run(experiment_id, run_name=run_name).info.run_id
        self.client.log_batch(self.run_id, params=[Param(key, str(value)[:500]) for key, value in params.items()])
        self.pending: list = []

    def log(self, scalars: Mapping[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.pending += [Metric(name, float(value), now, step) for name, value in scalars.items()]

    def flush(self) -> None:
        for start in range(0, len(self.pending), 1000):  # MLflow's limit of metrics per batch
            self.client.log_batch(self.run_id, metrics=self.pending[start : start + 1000])
        self.pending = []

    def close(self) -> None:
        self.flush()
        self.client.set_terminated(self.run_id)
