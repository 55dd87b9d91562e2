"""What a Trainer component sees of a training run: a narrow, declared context.

Components (:mod:`torch_mimicry.training.components`) get the Trainer as ``context``, typed as
:class:`TrainingContext`: the networks and optimizers, the device, the step counters, the run
layout, the distribution strategy, the precision plugin, the discriminator hooks, the Logger
and the networks other components publish. Nothing else: a component never reads or writes
another component's attributes, and everything it shares goes through these members (the
library's components are type-checked against this protocol).

* ``strategy`` (:class:`~torch_mimicry.training.distributed.DistributedTraining`): rank, world
  size, collective operations, gradient averaging.
* ``precision`` (:class:`~torch_mimicry.training.precision.MixedPrecision`): autocast and the
  gradient scalers.
* ``discriminator_hooks`` (:class:`~torch_mimicry.augment.hooks.DiscriminatorHooks`): where
  augmentations and regularisers of the discriminator register (``add`` / ``discard``); the
  Trainer enters it around every ``train_step``.
* ``network(name)``: a network published by a component (``'netG_ema'`` by the EMA generator).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional, Protocol

import torch
import torch.nn as nn

if TYPE_CHECKING:
    from torch_mimicry.augment.hooks import DiscriminatorHooks
    from torch_mimicry.training.distributed import DistributedTraining
    from torch_mimicry.training.logger import Logger
    from torch_mimicry.training.precision import MixedPrecision
    from torch_mimicry.utils.run_layout import RunLayout

__all__ = ["TrainingContext"]


class TrainingContext(Protocol):
    """The members of a training run that components may use (see the module docstring)."""

    @property
    def netD(self) -> nn.Module:
        """The discriminator."""

    @property
    def netG(self) -> nn.Module:
        """The generator."""

    @property
    def optD(self) -> torch.optim.Optimizer:
        """The discriminator's optimizer."""

    @property
    def optG(self) -> torch.optim.Optimizer:
        """The generator's optimizer."""

    @property
    def device(self) -> torch.device:
        """This process's training device."""

    @property
    def global_step(self) -> int:
        """Generator steps done so far (incremented after each iteration's generator step)."""

    @property
    def num_steps(self) -> int:
        """Generator steps the run trains for."""

    @property
    def n_dis(self) -> int:
        """Discriminator steps per generator step."""

    @property
    def log_dir(self) -> str:
        """The run's folder (``layout.root``)."""

    @property
    def layout(self) -> "RunLayout":
        """Every path of the run's folder."""

    @property
    def is_main_process(self) -> bool:
        """True on the process that writes files (rank 0)."""

    @property
    def strategy(self) -> "DistributedTraining":
        """Distribution across processes (a single process is a strategy too)."""

    @property
    def precision(self) -> "MixedPrecision":
        """Autocast and gradient scalers."""

    @property
    def discriminator_hooks(self) -> "DiscriminatorHooks":
        """The one set of discriminator hooks, owned by the Trainer."""

    @property
    def logger(self) -> "Logger":
        """Console, TensorBoard and image grids (write only on the main process)."""

    @property
    def user_dataloader(self) -> Iterable[Any]:
        """The data as the user gave it (before sharding across processes)."""

    def network(self, name: str) -> Optional[nn.Module]:
        """A network published by a component (``'netG_ema'``), or None."""
