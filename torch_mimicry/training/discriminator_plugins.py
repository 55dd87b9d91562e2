"""A plugin of the Trainer's discriminator hooks as a Trainer component.

The Trainer owns one :class:`~torch_mimicry.augment.hooks.DiscriminatorHooks` over its networks
(``context.discriminator_hooks``) and enters it around every ``train_step``. An augmentation or a
regulariser of the discriminator is a plugin of it (:class:`~torch_mimicry.augment.hooks.DiscriminatorPlugin`);
:class:`DiscriminatorPluginComponent` registers the plugin when training starts, takes it off at
the end, records its settings (``hparams()``) in ``params.json``, saves and restores its state
(``state_dict()``) with each checkpoint and logs its ``metrics()``.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.metric_log import MetricLog


class DiscriminatorPluginComponent(TrainerComponent[TrainingContext]):
    """Registers ``plugin`` into the Trainer's discriminator hooks (see the module docstring).

    Args:
        plugin: a :class:`~torch_mimicry.augment.hooks.DiscriminatorPlugin` with ``hparams()``,
            ``state_dict()``, ``load_state_dict(state)`` and ``metrics()``.
        name (str): the component's name (its key in ``params.json`` and checkpoints).
        log_group (str): group of the logged metrics.
        log_phase (str): log after the discriminator's (``'D'``) or the generator's (``'G'``) step.
    """

    def __init__(self, plugin: Any, name: str, log_group: str, log_phase: str = "G") -> None:
        self.plugin = plugin
        self.name = name
        self.log_group = log_group
        self.log_phase = log_phase
        self._registered = False

    def hparams(self) -> Dict[str, Any]:
        return dict(self.plugin.hparams())

    def setup(self, context: TrainingContext) -> None:
        self.register(context)

    def register(self, context: TrainingContext) -> None:
        """Adds the plugin to ``context.discriminator_hooks`` (once)."""
        if not self._registered:
            context.discriminator_hooks.add(self.plugin)
            self._registered = True

    def log(self, log_data: MetricLog) -> None:
        """Adds the plugin's metrics to ``log_data``."""
        for key, value in self.plugin.metrics().items():
            log_data.add_metric(key, value, group=self.log_group)

    def after_step(self, context: TrainingContext, phase: str, log_data: MetricLog) -> None:
        if phase == self.log_phase:
            self.log(log_data)

    def state_dict(self) -> Dict[str, Any]:
        return dict(self.plugin.state_dict())

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        if state is not None:
            self.plugin.load_state_dict(state)

    def close(self, context: TrainingContext) -> None:
        if self._registered:
            context.discriminator_hooks.discard(self.plugin)
            self._registered = False
