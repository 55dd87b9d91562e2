"""How a run shows its progress: the Trainer's console lines, or a progress bar over generator steps."""
from typing import Any

from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.utils.progress import TrainingProgress


class ProgressDisplay(TrainerComponent):
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

    def hparams(self) -> dict:
        return {"mode": self.mode}

    @property
    def wants_console_lines(self) -> bool:
        """True when the Trainer prints its console lines (no bar is shown)."""
        return self.display.wants_console_lines

    def after_iteration(self, trainer: Any, log_data: Any) -> None:
        if not trainer.is_main_process:
            return
        if not self._opened:  # opened at the first step run, so a resumed run starts where it stopped
            trainer_at = trainer.global_step
            trainer.global_step -= 1
            self.display.setup(trainer)
            trainer.global_step = trainer_at
            self._opened = True
        self.display.after_iteration(trainer, log_data)

    def close(self, trainer: Any) -> None:
        self.display.close(trainer)
        self._opened = False
