"""An exponential moving average (EMA) of the generator's weights.

``Trainer(ema_decay=d, ema_start=s)`` keeps ``netG_ema``, a copy of the generator, published to
the other components as ``context.network('netG_ema')`` (and readable as ``trainer.netG_ema``).
After every generator step ``t`` (``t = global_step`` after the step):

* ``t <= s``: the copy takes the generator's weights (``ema = w_t``);
* ``t > s``: ``ema = d * ema + (1 - d) * w_t`` for every floating-point parameter.

The decay of each update is :meth:`EMAGenerator.decay_at`; a subclass that overrides it makes the
decay follow a schedule (:class:`torch_mimicry.training.schedules.EMAHalfLife`: a half-life in
images that ramps up, as R3GAN and StyleGAN2-ADA train).

Buffers (batch-norm running statistics, spectral-norm vectors) are copied from the generator
at every update, as in StyleGAN2-ADA: they describe the current generator's activations. The
copy is saved with each checkpoint as ``checkpoints/netG_ema/netG_ema_<step>_steps.pth`` (a
generator checkpoint of the same class), restored on resume, used for the fixed-noise image
grids, and scored by :func:`torch_mimicry.metrics.evaluate` by default.
"""
import copy
import os
from typing import Any, Dict, Optional, Tuple

import torch
import torch.nn as nn

from torch_mimicry.nets.basemodel import CheckpointError
from torch_mimicry.nets.gan.gan import BaseGenerator
from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.metric_log import MetricLog
from torch_mimicry.utils.run_layout import EMA

#: Name of the EMA generator's checkpoint folder and file prefix (owned by the run layout).
EMA_NAME = EMA


def check_ema_args(ema_decay: Optional[float], ema_start: int) -> None:
    """Raises ValueError unless ``ema_decay`` is None or in [0, 1) and ``ema_start`` an int >= 0."""
    if ema_decay is not None:
        if isinstance(ema_decay, bool) or not isinstance(ema_decay, (int, float)) or not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must be None (no EMA generator) or a number in [0, 1), e.g. 0.9999; "
                             f"got {ema_decay!r}.")
    if isinstance(ema_start, bool) or not isinstance(ema_start, int) or ema_start < 0:
        raise ValueError(f"ema_start must be an int >= 0 (the generator step from which weights are averaged); "
                         f"got {ema_start!r}.")


class EMAGenerator(TrainerComponent[TrainingContext]):
    """Maintains the EMA generator, published as ``'netG_ema'`` (see the module docstring).

    Args:
        decay (float): in [0, 1).
        start (int): generator steps during which the copy just follows the generator.
    """

    name = "ema"

    def __init__(self, decay: float, start: int = 0) -> None:
        check_ema_args(decay, start)
        self.decay = float(decay)
        self.start = int(start)
        self.netG_ema: Optional[BaseGenerator] = None

    def hparams(self) -> Dict[str, Any]:
        return {"decay": self.decay, "start": self.start}

    def _ema(self) -> BaseGenerator:
        if self.netG_ema is None:
            raise RuntimeError("The EMA generator is made by EMAGenerator.setup(trainer), which has not run yet.")
        return self.netG_ema

    def setup(self, trainer: TrainingContext) -> None:
        if self.netG_ema is not None:  # train() again: the average goes on
            return
        netG_ema = copy.deepcopy(trainer.netG)
        if not isinstance(netG_ema, BaseGenerator):
            raise TypeError(f"The EMA generator needs a BaseGenerator; got {type(netG_ema).__name__}.")
        netG_ema.__dict__.pop("_compiled_call_impl", None)  # a compiled forward would run netG's
        netG_ema.requires_grad_(False)
        netG_ema.eval()
        self.netG_ema = netG_ema

    def networks(self) -> Dict[str, nn.Module]:
        return {EMA_NAME: self.netG_ema} if self.netG_ema is not None else {}

    def decay_at(self, step: int) -> float:
        """The decay of the update after generator step ``step`` (1-based): 0 (a copy) up to
        ``start``, then ``decay``. Subclasses override it to schedule the decay."""
        return self.decay if step > self.start else 0.0

    @torch.no_grad()
    def update(self, netG: nn.Module, step: int) -> None:
        """One EMA update after generator step ``step`` (1-based), with decay ``decay_at(step)``."""
        decay = self.decay_at(step)
        for ema_p, p in zip(self._ema().parameters(), netG.parameters()):
            if decay == 0.0 or not ema_p.is_floating_point():
                ema_p.copy_(p)
            else:
                ema_p.lerp_(p.to(ema_p.dtype), 1.0 - decay)
        for ema_b, b in zip(self._ema().buffers(), netG.buffers()):
            ema_b.copy_(b)

    def after_iteration(self, trainer: TrainingContext, log_data: MetricLog) -> None:
        # the Trainer's strategy synchronised the buffers of every rank before the components run
        self.update(trainer.netG, trainer.global_step)

    def checkpoint_names(self) -> Tuple[str, ...]:
        return (EMA_NAME,)

    def save(self, trainer: TrainingContext, step: int) -> None:
        layout = trainer.layout
        self._ema().save_checkpoint(layout.checkpoint_dir(EMA_NAME), step,
                                    name=os.path.basename(layout.checkpoint_path(EMA_NAME, step)))

    def restore(self, trainer: TrainingContext, step: int) -> None:
        path = trainer.layout.checkpoint_path(EMA_NAME, step)
        if not os.path.isfile(path):
            raise CheckpointError(f"EMA generator checkpoint {path!r} is missing.")
        self._ema().restore_checkpoint(path)
