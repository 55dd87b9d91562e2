"""How a run shows its progress: the Trainer's console lines, or a progress bar over generator steps."""
from typing import Any, Dict

from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.utils.progress import TrainingProgress


class ProgressDisplay(TrainerComponent[TrainingContext]):
    """``Trainer(progress=...)``: ``'log'`` (default) prints the console line of every
    ``print_steps`` steps (losses, seconds per step, ETA); ``'bar'`` shows a tqdm bar with the
    latest losses instead (only on a terminal, and on rank 0); ``'auto'`` is ``'bar'`` where a bar
    can be shown and ``'log'`` elsewhere. ``MIMICRY_PROGRESS=0`` turns bars off everywhere.

    Args:
        mode (str): ``'log'``, ``'bar'`` or ``'auto'``.
    """

    name = "progress"
    mutable_hparams = ("mode",)

    def __init__(self, mode: str = "log") -> None:
        self.display = TrainingProgress(mode)
        self.mode = mode
        self._opened = False

    def hparams(self) -> Dict[str, Any]:
        return {"mode": self.mode}

    @property
    def wants_console_lines(self) -> bool:
        """True when the Trainer prints its console lines (no bar is shown)."""
        return self.display.wants_console_lines

    def after_iteration(self, context: TrainingContext, log_data: MetricLog) -> None:
        if not context.is_main_process:
            return
        if not self._opened:  # opened at the first step run, so a resumed run starts where it stopped
            self.display.open(context.num_steps, context.global_step - 1)
            self._opened = True
        self.display.after_iteration(context.global_step, log_data)

    def close(self, context: TrainingContext) -> None:
        self.display.close()
        self._opened = False
