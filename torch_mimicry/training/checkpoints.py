"""The checkpoint layout of a training run, as the Trainer's modules have imported it.

Its owner is :mod:`torch_mimicry.utils.run_layout` (every path of a log folder); this module
re-exports the checkpoint part of it.
"""
from torch_mimicry.utils.run_layout import (CHECKPOINT_NAMES, STEP_PATTERN, candidate_steps, checkpoint_dir,
                                            checkpoint_path, remove_step, saved_steps)

__all__ = ["CHECKPOINT_NAMES", "STEP_PATTERN", "candidate_steps", "checkpoint_dir", "checkpoint_path",
           "remove_step", "saved_steps"]
