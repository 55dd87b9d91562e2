"""Learning-rate schedules stepped by the Trainer once per generator step."""
from typing import Any, Dict, List, Optional, Tuple

import torch

from torch_mimicry.training.metric_log import MetricLog

LR_DECAY_POLICIES = (None, "None", "linear")


class UnknownLRDecayError(ValueError, NotImplementedError):
    """An ``lr_decay`` that is not one of :data:`LR_DECAY_POLICIES`. Both a ``ValueError`` and, as
    torch-mimicry 0.1.16 raised, a ``NotImplementedError``."""


class LRScheduler:
    """Sets the learning rates of both optimizers for each global step and logs them.

    Args:
        lr_decay (str or None): ``None`` (constant) or ``'linear'`` (from the initial rate
            at ``start_step`` down to 0 at ``num_steps``).
        optD, optG (Optimizer): the two optimizers; their current rates are the initial ones.
        num_steps (int): the step at which a linear decay reaches 0.
        start_step (int): the step from which the decay starts.
        **kwargs: accepted and ignored, as in 0.1.16.

    Attributes ``lr_D`` and ``lr_G`` are the initial rates (of the first parameter group). The
    schedule is a pure function of the global step, so it needs no state beyond the initial
    rates and resumes exactly.

    Raises:
        UnknownLRDecayError: (a ValueError and a NotImplementedError) for another ``lr_decay``.
    """

    def __init__(self, lr_decay: Optional[str], optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
                 num_steps: int, start_step: int = 0, **kwargs: Any) -> None:
        if lr_decay == "None":
            lr_decay = None
        if lr_decay not in LR_DECAY_POLICIES:
            raise UnknownLRDecayError(f"Unknown lr_decay {lr_decay!r}: expected None or 'linear'.")
        if lr_decay == "linear" and not 0 <= start_step < num_steps:
            raise ValueError(f"start_step must lie in [0, num_steps), got {start_step} with num_steps={num_steps}.")
        self.lr_decay = lr_decay
        self.optD = optD
        self.optG = optG
        self.num_steps = num_steps
        self.start_step = start_step
        self.base_lrs: Dict[str, List[float]] = {"D": [g.get("initial_lr", g["lr"]) for g in optD.param_groups],
                         "G": [g.get("initial_lr", g["lr"]) for g in optG.param_groups]}
        for opt in (optD, optG):
            for group in opt.param_groups:
                group.setdefault("initial_lr", group["lr"])
        self.lr_D = self.base_lrs["D"][0]
        self.lr_G = self.base_lrs["G"][0]

    def linear_decay(self, optimizer: torch.optim.Optimizer, global_step: int, lr_value_range: Tuple[float, float],
                     lr_step_range: Tuple[int, int]) -> float:
        """Sets the first parameter group's rate of ``optimizer`` on a line and returns it.

        The rate is ``v1`` up to step ``s1``, ``v2`` from step ``s2`` on, and linear in between,
        for ``lr_value_range = (v1, v2)`` and ``lr_step_range = (s1, s2)`` (0.1.16's helper).
        """
        (v1, v2), (s1, s2) = lr_value_range, lr_step_range
        if global_step <= s1:
            lr = v1
        elif global_step >= s2:
            lr = v2
        else:
            lr = v1 + (global_step - s1) / (s2 - s1) * (v2 - v1)
        optimizer.param_groups[0]["lr"] = lr
        return lr

    def factor(self, global_step: int) -> float:
        """The multiplier of the initial learning rates at ``global_step`` (1 down to 0)."""
        if self.lr_decay is None or global_step < self.start_step:
            return 1.0
        return max(0.0, 1.0 - (global_step - self.start_step) / (self.num_steps - self.start_step))

    def step(self, log_data: MetricLog, global_step: int) -> MetricLog:
        """Sets the rates for ``global_step`` and logs ``lr_D`` and ``lr_G`` (group ``'lr'``)."""
        factor = self.factor(global_step)
        for key, opt in (("D", self.optD), ("G", self.optG)):
            for group, base_lr in zip(opt.param_groups, self.base_lrs[key]):
                group["lr"] = base_lr * factor
        log_data.add_metric("lr_D", self.optD.param_groups[0]["lr"], group="lr", precision=6)
        log_data.add_metric("lr_G", self.optG.param_groups[0]["lr"], group="lr", precision=6)
        return log_data
