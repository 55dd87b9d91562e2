"""Augmentations of the discriminator's inputs as a Trainer component: ``Trainer(augment=...)``.

``augment`` is ``'diffaugment'``, ``'ada'`` or ``'pagan'`` (default settings) or an object of
:mod:`torch_mimicry.augment` (``DiffAugment(...)``, ``ADA(...)``, ``ProgressiveAugmentation(...)``).
The component attaches the augmentation to ``netD`` through forward hooks shared with the other
components that watch the discriminator (LeCam), enters them around every ``train_step`` with the
real batch of the step, logs ADA's ``p`` and ``r_t`` and PA-GAN's level, runs PA-GAN's schedule,
adds PA-GAN's bit kernel to the discriminator's optimizer, and saves and restores the
augmentation's state with each checkpoint. Under distributed training ADA's ``r_t`` sums the
signs of every process, so ``p`` is the same everywhere.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Optional, Tuple, Union

import torch
import torch.distributed as dist

from torch_mimicry.augment import Augmentation, DiscriminatorHooks, ProgressiveAugmentation, make_augmentation
from torch_mimicry.training.components import TrainerComponent


def discriminator_hooks(trainer: Any) -> DiscriminatorHooks:
    """The ``DiscriminatorHooks`` of ``trainer``'s networks shared by its components (made on first use)."""
    hooks = getattr(trainer, "discriminator_hooks", None)
    if hooks is None:
        hooks = DiscriminatorHooks(trainer.netD, trainer.netG)
        trainer.discriminator_hooks = hooks
    return hooks


def release_discriminator_hooks(trainer: Any, plugin: Any) -> None:
    """Takes ``plugin`` off the shared hooks, and the hooks off the networks once none is left."""
    hooks = getattr(trainer, "discriminator_hooks", None)
    if hooks is not None and hooks.discard(plugin):
        hooks.remove()
        trainer.discriminator_hooks = None


def _distributed(trainer: Any) -> Any:
    distributed = getattr(trainer, "distributed", None)
    return distributed if distributed is not None and distributed.active else None


def _comm_device(trainer: Any) -> torch.device:
    return trainer.device if trainer.device.type == "cuda" else torch.device("cpu")


class DiscriminatorAugmentation(TrainerComponent):
    """One augmentation of :mod:`torch_mimicry.augment` applied to every input of ``netD``.

    Args:
        augment (str or Augmentation): a name of ``torch_mimicry.augment.AUGMENTATIONS`` or an object.
    """

    name = "augment"

    def __init__(self, augment: Union[str, Augmentation]) -> None:
        self.augmentation = make_augmentation(augment)
        self.hooks: Optional[DiscriminatorHooks] = None
        self._param_group_added = False

    def hparams(self) -> Dict[str, Any]:
        return {"name": self.augmentation.name or type(self.augmentation).__name__, **self.augmentation.hparams()}

    def _attach(self, trainer: Any) -> DiscriminatorHooks:
        self.hooks = discriminator_hooks(trainer)
        self.hooks.add(self.augmentation)
        return self.hooks

    def setup(self, trainer: Any) -> None:
        self._attach(trainer)
        aug = self.augmentation
        if isinstance(aug, ProgressiveAugmentation) and hasattr(aug.criterion, "prepare"):
            aug.criterion.prepare(trainer)  # a missing Inception network is reported now, not at step 10000
        if isinstance(aug, ProgressiveAugmentation) and not self._param_group_added:
            # before the optimizer's state is restored on resume, so its groups match the checkpoint's
            trainer.optD.add_param_group({"params": aug.parameters()})
            self._param_group_added = True
        if _distributed(trainer) is not None and hasattr(aug, "reduce_sum"):
            device = _comm_device(trainer)

            def reduce_sum(sign_sum: float, count: int) -> Tuple[float, int]:
                totals = torch.tensor([sign_sum, float(count)], dtype=torch.float64, device=device)
                dist.all_reduce(totals)
                return float(totals[0]), int(totals[1])

            setattr(aug, "reduce_sum", reduce_sum)

    def step_context(self, trainer: Any, phase: str, real_batch: Any) -> contextlib.AbstractContextManager:
        hooks = self.hooks if self.hooks is not None else self._attach(trainer)  # train() again after close()
        return hooks.step(phase, real_batch, trainer.global_step)

    def _log(self, log_data: Any) -> None:
        for key, value in self.augmentation.metrics().items():
            log_data.add_metric(key, value, group="augment")

    def after_step(self, trainer: Any, phase: str, log_data: Any) -> None:
        if phase == "G":
            self._log(log_data)

    def after_iteration(self, trainer: Any, log_data: Any) -> None:
        aug = self.augmentation
        if not isinstance(aug, ProgressiveAugmentation) or not aug.is_check_step(trainer.global_step):
            return
        score = float(aug.criterion(trainer))
        distributed = _distributed(trainer)
        if distributed is not None:
            score = float(distributed.broadcast(score))  # every process decides alike
        level = aug.level
        if aug.record_score(score) and trainer.is_main_process:
            print(f"INFO: PA-GAN augmentation level {level} -> {aug.level} at step {trainer.global_step} "
                  f"(criterion {score:.6g}).", flush=True)
        log_data.add_metric("pa_criterion", score, group="augment", precision=6)
        self._log(log_data)

    def state_dict(self) -> Dict[str, Any]:
        return self.augmentation.state_dict()

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        if state is not None:
            self.augmentation.load_state_dict(state)

    def close(self, trainer: Any) -> None:
        release_discriminator_hooks(trainer, self.augmentation)
        self.hooks = None
