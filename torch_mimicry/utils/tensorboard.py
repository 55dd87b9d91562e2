"""TensorBoard without TensorFlow: the SummaryWriter of the Logger and the event-file reader.

``tensorboard`` imports TensorFlow, when it is installed, the first time it needs its file API
(``torch.utils.tensorboard.SummaryWriter`` does at construction); TensorBoard then takes about
20 s to start on 2 CPU cores, and TensorFlow is loaded into the training process, which the
library keeps TensorFlow out of (it runs only inside the metrics' TensorFlow backend, in a
child process). :func:`use_stub_tensorflow` makes tensorboard use its own stub of the file API
instead, as its ``no_tensorflow`` build does; event files are written and read the same way.
It has no effect when TensorFlow is already imported or tensorboard already chose.
"""
from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

__all__ = ["use_stub_tensorflow", "summary_writer", "event_file_loader"]

#: The module whose presence tells tensorboard to use its stub of TensorFlow's file API.
_NO_TENSORFLOW = "tensorboard.compat.notf"


def use_stub_tensorflow() -> None:
    """Makes tensorboard use its TensorFlow stub rather than import TensorFlow (see the module docstring)."""
    if "tensorflow" not in sys.modules and _NO_TENSORFLOW not in sys.modules:
        sys.modules[_NO_TENSORFLOW] = types.ModuleType(_NO_TENSORFLOW)


def summary_writer(log_dir: str, flush_secs: int = 120, **kwargs: Any) -> "SummaryWriter":
    """``torch.utils.tensorboard.SummaryWriter(log_dir, flush_secs=...)`` without TensorFlow."""
    use_stub_tensorflow()
    from torch.utils.tensorboard import SummaryWriter
    return SummaryWriter(log_dir=log_dir, flush_secs=flush_secs, **kwargs)


def event_file_loader(path: str) -> Any:
    """tensorboard's ``EventFileLoader`` of one event file (its ``Load()`` yields ``Event`` protos),
    without TensorFlow."""
    use_stub_tensorflow()
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    return EventFileLoader(path)
