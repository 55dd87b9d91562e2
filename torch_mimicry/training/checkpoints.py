"""The on-disk layout of a training run's checkpoints, and finding the latest complete one.

``log_dir/checkpoints/{netD,netG,trainer}/<name>_<step>_steps.pth``: one file per network and
one for the trainer's own state (RNG and data position); components of the Trainer may add
folders of their own (e.g. ``netG_ema``). Each file is written atomically; the trainer state is
written last, and a step counts as complete when all its files exist.
"""
import os
import re
from typing import Iterable, List, Tuple

from torch_mimicry.utils.io import StrPath

CHECKPOINT_NAMES = ("netD", "netG", "trainer")

#: ``<name>_<step>_steps.pth``: group 1 the name, group 2 the step.
STEP_PATTERN = re.compile(r"^(.+)_(\d+)_steps\.pth$")


def checkpoint_dir(log_dir: StrPath, name: str) -> str:
    """Folder of ``name``'s checkpoints (``name`` in netD, netG, trainer)."""
    return os.path.join(log_dir, "checkpoints", name)


def checkpoint_path(log_dir: StrPath, name: str, global_step: int) -> str:
    """Path of ``name``'s checkpoint at ``global_step``."""
    return os.path.join(checkpoint_dir(log_dir, name), f"{name}_{global_step}_steps.pth")


def saved_steps(log_dir: StrPath, name: str) -> List[int]:
    """Sorted global steps for which ``name`` has a checkpoint file."""
    folder = checkpoint_dir(log_dir, name)
    if not os.path.isdir(folder):
        return []
    steps = set()
    for fname in os.listdir(folder):
        match = STEP_PATTERN.match(fname)
        if match and match.group(1) == name:
            steps.add(int(match.group(2)))
    return sorted(steps)


def candidate_steps(log_dir: StrPath, extra_names: Iterable[str] = ()) -> Tuple[List[int], bool]:
    """Steps to try to resume from, latest first, and whether trainer state is expected.

    When a run has trainer-state files, only steps with the files of netD, netG, every name in
    ``extra_names`` and the trainer are candidates. A folder holding only generator and
    discriminator checkpoints (written by other tools) gives the steps where both exist.
    """
    d, g, t = (set(saved_steps(log_dir, n)) for n in CHECKPOINT_NAMES)
    if t:
        complete = d & g & t
        for name in extra_names:
            complete &= set(saved_steps(log_dir, name))
        return sorted(complete, reverse=True), True
    return sorted(d & g, reverse=True), False


def remove_step(log_dir: StrPath, global_step: int, extra_names: Iterable[str] = ()) -> None:
    """Deletes a step's files, trainer state first, so a partial deletion leaves an incomplete step."""
    for name in ("trainer",) + tuple(extra_names) + ("netG", "netD"):
        path = checkpoint_path(log_dir, name, global_step)
        if os.path.exists(path):
            os.remove(path)
