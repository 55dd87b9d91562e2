"""Augmentations of the discriminator's inputs as a Trainer component: ``Trainer(augment=...)``.

``augment`` is ``'diffaugment'``, ``'ada'`` or ``'pagan'`` (default settings) or an object of
:mod:`torch_mimicry.augment` (``DiffAugment(...)``, ``ADA(...)``, ``ProgressiveAugmentation(...)``).
The component registers the augmentation into the Trainer's discriminator hooks (which reach
every call of the discriminator in both steps: ``netD(x)``, ``netD.forward(x)`` and
``self.forward(x)`` in its ``train_step``), logs ADA's ``p`` and ``r_t`` and PA-GAN's level, runs
PA-GAN's schedule, adds PA-GAN's bit kernel to the discriminator's optimizer, and saves and
restores the augmentation's state with each checkpoint. Under distributed training ADA's ``r_t``
sums the signs of every process, so ``p`` is the same everywhere.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple, Union

from torch_mimicry.augment import Augmentation, ProgressiveAugmentation, make_augmentation
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.discriminator_plugins import DiscriminatorPluginComponent
from torch_mimicry.training.metric_log import MetricLog


class DiscriminatorAugmentation(DiscriminatorPluginComponent):
    """One augmentation of :mod:`torch_mimicry.augment` applied to every input of ``netD``.

    Args:
        augment (str or Augmentation): a name of ``torch_mimicry.augment.AUGMENTATIONS`` or an object.
    """

    def __init__(self, augment: Union[str, Augmentation]) -> None:
        super().__init__(make_augmentation(augment), name="augment", log_group="augment", log_phase="G")
        self._param_group_added = False

    @property
    def augmentation(self) -> Augmentation:
        """The augmentation object."""
        aug: Augmentation = self.plugin
        return aug

    def hparams(self) -> Dict[str, Any]:
        return {"name": self.augmentation.name or type(self.augmentation).__name__, **self.augmentation.hparams()}

    def setup(self, context: TrainingContext) -> None:
        self.register(context)
        aug = self.augmentation
        if isinstance(aug, ProgressiveAugmentation) and hasattr(aug.criterion, "prepare"):
            aug.criterion.prepare(context)  # a missing Inception network is reported now, not at step 10000
        if isinstance(aug, ProgressiveAugmentation) and not self._param_group_added:
            # before the optimizer's state is restored on resume, so its groups match the checkpoint's
            context.optD.add_param_group({"params": aug.parameters()})
            self._param_group_added = True
        strategy = context.strategy
        if strategy.active and hasattr(aug, "reduce_sum"):
            def reduce_sum(sign_sum: float, count: int) -> Tuple[float, int]:
                total, images = strategy.sum([sign_sum, float(count)])
                return total, int(images)

            setattr(aug, "reduce_sum", reduce_sum)

    def after_iteration(self, context: TrainingContext, log_data: MetricLog) -> None:
        aug = self.augmentation
        if not isinstance(aug, ProgressiveAugmentation) or not aug.is_check_step(context.global_step):
            return
        score = float(aug.criterion(context))
        score = float(context.strategy.broadcast(score))  # every process decides alike
        level = aug.level
        if aug.record_score(score) and context.is_main_process:
            print(f"INFO: PA-GAN augmentation level {level} -> {aug.level} at step {context.global_step} "
                  f"(criterion {score:.6g}).", flush=True)
        log_data.add_metric("pa_criterion", score, group="augment", precision=6)
        self.log(log_data)
