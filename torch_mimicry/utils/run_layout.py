"""The layout of a training run's folder: the one place that knows every path in ``log_dir``.

.. code-block:: text

   log_dir/
     params.json                                  hyperparameters (the Trainer)
     config.json                                  the configuration of ``mimicry train``
     checkpoints/<name>/<name>_<step>_steps.pth   netD, netG, trainer (RNG and data position),
                                                  netG_ema and other components' files
     checkpoints/best/<name>_<step>_steps.pth     the best step's networks, and best.json
     metrics/<metric>.json                        score records with their protocols
     data/                                        TensorBoard event files
     images/                                      image grids of random and fixed noise
     samples/                                     grids written by ``mimicry sample``
     trackers/<tracker>.json                      the experiment tracker's run id (W&B, MLflow),
                                                  so a resumed run logs to the same tracker run
     trackers/                                    also the tracker's local files (W&B's ``wandb/``)

Each checkpoint file is written atomically; the trainer state is written last, and a step
counts as complete when the files of every name it needs exist. Everything else in the package
asks :class:`RunLayout` (or the functions below, which take ``log_dir`` first) for these paths
and for the steps found, instead of building them.
"""
from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Tuple, Union

__all__ = ["RunLayout", "NETD", "NETG", "TRAINER", "EMA", "CHECKPOINT_NAMES", "STEP_PATTERN", "checkpoint_dir",
           "checkpoint_path", "checkpoint_file_name", "parse_checkpoint_name", "saved_steps", "candidate_steps",
           "remove_step", "find_run"]

StrPath = Union[str, "os.PathLike[str]"]

NETD, NETG, TRAINER = "netD", "netG", "trainer"
#: The EMA generator's checkpoints (``Trainer(ema_decay=...)``).
EMA = "netG_ema"
#: The files every complete step has.
CHECKPOINT_NAMES = (NETD, NETG, TRAINER)

#: ``<name>_<step>_steps.pth``: group 1 the name, group 2 the step.
STEP_PATTERN = re.compile(r"^(.+)_(\d+)_steps\.pth$")

PARAMS_FILE = "params.json"
CONFIG_FILE = "config.json"
TRACKERS_DIR = "trackers"
BEST_DIR = "best"
BEST_FILE = "best.json"


def checkpoint_file_name(name: str, step: int) -> str:
    """``<name>_<step>_steps.pth`` (the name torch-mimicry 0.1.16 gave its checkpoints)."""
    return f"{name}_{int(step)}_steps.pth"


def parse_checkpoint_name(file_name: str) -> Optional[Tuple[str, int]]:
    """``(name, step)`` of a checkpoint file name, or None for any other file."""
    match = STEP_PATTERN.match(os.path.basename(file_name))
    return (match.group(1), int(match.group(2))) if match else None


class RunLayout:
    """The paths of one training run's folder (see the module docstring).

    Args:
        log_dir (str or PathLike): the run's folder (it need not exist yet).
    """

    def __init__(self, log_dir: StrPath) -> None:
        self.root = os.fspath(log_dir)

    def __repr__(self) -> str:
        return f"RunLayout({self.root!r})"

    # -- files and folders ----------------------------------------------------------------------
    @property
    def params_file(self) -> str:
        """``log_dir/params.json``."""
        return os.path.join(self.root, PARAMS_FILE)

    @property
    def config_file(self) -> str:
        """``log_dir/config.json``."""
        return os.path.join(self.root, CONFIG_FILE)

    @property
    def checkpoints_dir(self) -> str:
        """``log_dir/checkpoints``."""
        return os.path.join(self.root, "checkpoints")

    @property
    def best_dir(self) -> str:
        """``log_dir/checkpoints/best``."""
        return os.path.join(self.checkpoints_dir, BEST_DIR)

    @property
    def best_file(self) -> str:
        """``log_dir/checkpoints/best/best.json``."""
        return os.path.join(self.best_dir, BEST_FILE)

    @property
    def metrics_dir(self) -> str:
        """``log_dir/metrics``."""
        return os.path.join(self.root, "metrics")

    @property
    def tensorboard_dir(self) -> str:
        """``log_dir/data`` (TensorBoard event files)."""
        return os.path.join(self.root, "data")

    @property
    def images_dir(self) -> str:
        """``log_dir/images``."""
        return os.path.join(self.root, "images")

    @property
    def samples_dir(self) -> str:
        """``log_dir/samples``."""
        return os.path.join(self.root, "samples")

    @property
    def trackers_dir(self) -> str:
        """``log_dir/trackers`` (experiment trackers' run ids and local files)."""
        return os.path.join(self.root, TRACKERS_DIR)

    def tracker_run_file(self, tracker: str) -> str:
        """``log_dir/trackers/<tracker>.json``: the id of the tracker's run (``tracker``: wandb, mlflow, ...)."""
        return os.path.join(self.trackers_dir, f"{tracker}.json")

    def metric_records(self, metric: str) -> str:
        """``log_dir/metrics/<metric>.json``."""
        return os.path.join(self.metrics_dir, f"{metric}.json")

    def metric_record_files(self) -> Dict[str, str]:
        """``{metric: log_dir/metrics/<metric>.json}`` of every records file found, sorted by metric."""
        if not os.path.isdir(self.metrics_dir):
            return {}
        names = sorted(f[:-len(".json")] for f in os.listdir(self.metrics_dir)
                       if f.endswith(".json") and not f.startswith("."))
        return {name: self.metric_records(name) for name in names}

    def checkpoint_dir(self, name: str) -> str:
        """``log_dir/checkpoints/<name>`` (``name``: netD, netG, trainer, netG_ema, ...)."""
        return os.path.join(self.checkpoints_dir, name)

    def checkpoint_path(self, name: str, step: int) -> str:
        """``log_dir/checkpoints/<name>/<name>_<step>_steps.pth``."""
        return os.path.join(self.checkpoint_dir(name), checkpoint_file_name(name, step))

    def best_path(self, name: str, step: int) -> str:
        """``log_dir/checkpoints/best/<name>_<step>_steps.pth``."""
        return os.path.join(self.best_dir, checkpoint_file_name(name, step))

    # -- steps found ----------------------------------------------------------------------------
    def steps(self, name: str = NETG) -> List[int]:
        """Sorted steps for which ``name`` has a checkpoint file (empty when there is none)."""
        folder = self.checkpoint_dir(name)
        if not os.path.isdir(folder):
            return []
        found = set()
        for file_name in os.listdir(folder):
            parsed = parse_checkpoint_name(file_name)
            if parsed is not None and parsed[0] == name:
                found.add(parsed[1])
        return sorted(found)

    def latest_step(self, name: str = NETG) -> Optional[int]:
        """The latest step with a checkpoint of ``name``, or None."""
        steps = self.steps(name)
        return steps[-1] if steps else None

    def complete_steps(self, extra_names: Iterable[str] = ()) -> Tuple[List[int], bool]:
        """Steps a run can resume from, latest first, and whether trainer state is expected.

        When the run has trainer-state files, only steps with the files of netD, netG, every name
        in ``extra_names`` and the trainer count. A folder holding only generator and
        discriminator checkpoints (written by other tools) gives the steps where both exist.
        """
        d, g, t = (set(self.steps(n)) for n in CHECKPOINT_NAMES)
        if t:
            complete = d & g & t
            for name in extra_names:
                complete &= set(self.steps(name))
            return sorted(complete, reverse=True), True
        return sorted(d & g, reverse=True), False

    def remove_step(self, step: int, extra_names: Iterable[str] = ()) -> None:
        """Deletes a step's files, the trainer state first, so a partial deletion leaves an
        incomplete step (never one that looks complete)."""
        for name in (TRAINER,) + tuple(extra_names) + (NETG, NETD):
            path = self.checkpoint_path(name, step)
            if os.path.exists(path):
                os.remove(path)

    def is_run(self) -> bool:
        """True when the folder holds a ``checkpoints`` folder."""
        return os.path.isdir(self.checkpoints_dir)


def find_run(path: StrPath) -> Tuple[Optional[RunLayout], Optional[int]]:
    """The run a file belongs to, and the step when it is a checkpoint file.

    ``log_dir/checkpoints/<name>/<name>_<step>_steps.pth`` gives ``(log_dir, step)``; other files
    directly in ``log_dir`` or one folder below it (params.json, metrics/, images/) give
    ``(log_dir, None)`` when ``log_dir/checkpoints`` exists; anything else ``(None, None)``.
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    parent = os.path.dirname(folder)
    if os.path.basename(parent) == "checkpoints":
        parsed = parse_checkpoint_name(os.fspath(path))
        return RunLayout(os.path.dirname(parent)), parsed[1] if parsed else None
    for candidate in (folder, parent):
        if RunLayout(candidate).is_run():
            return RunLayout(candidate), None
    return None, None


# -- the same, as functions of log_dir ----------------------------------------------------------
def checkpoint_dir(log_dir: StrPath, name: str) -> str:
    """``RunLayout(log_dir).checkpoint_dir(name)``."""
    return RunLayout(log_dir).checkpoint_dir(name)


def checkpoint_path(log_dir: StrPath, name: str, global_step: int) -> str:
    """``RunLayout(log_dir).checkpoint_path(name, global_step)``."""
    return RunLayout(log_dir).checkpoint_path(name, global_step)


def saved_steps(log_dir: StrPath, name: str) -> List[int]:
    """``RunLayout(log_dir).steps(name)``."""
    return RunLayout(log_dir).steps(name)


def candidate_steps(log_dir: StrPath, extra_names: Iterable[str] = ()) -> Tuple[List[int], bool]:
    """``RunLayout(log_dir).complete_steps(extra_names)``."""
    return RunLayout(log_dir).complete_steps(extra_names)


def remove_step(log_dir: StrPath, global_step: int, extra_names: Iterable[str] = ()) -> None:
    """``RunLayout(log_dir).remove_step(global_step, extra_names)``."""
    RunLayout(log_dir).remove_step(global_step, extra_names)
