"""Schedules of training hyperparameters, as Trainer components.

A schedule is a pure function of training progress: the number of generator steps done, or the
images the discriminator has seen (``steps x images_per_step``, the ``kimg`` counter of NVlabs'
and R3GAN's training loops). A component sets its target to the schedule's value before every
``train_step`` (in :meth:`~torch_mimicry.training.components.TrainerComponent.step_context`), from
the progress *before* the iteration, as those loops do, and logs the value. Nothing but the
number of images per step is kept as state, so a resumed run continues exactly.

Shapes (:class:`Schedule`): :class:`Constant`, :class:`Linear`, :class:`Cosine` (R3GAN's
``cosine_decay_with_warmup`` without warm-up: ``start + (end - start) * (1 - cos(pi t / T)) / 2``
for ``t <= T``, then ``end``).

Targets:

* :class:`OptimizerSchedule`: a hyperparameter of every parameter group of ``optD`` and / or
  ``optG``, like torch's LR schedulers: ``'lr'``, ``'beta1'`` / ``'beta2'`` (Adam's ``betas``), or
  any other numeric group key (``'weight_decay'``, ...);
* :class:`AttributeSchedule`: an attribute of a network (``netD.gamma``, the R1 / R2 weight);
* :class:`AugmentSchedule`: the probability ``p`` of an augmentation (:mod:`torch_mimicry.augment`)
  that does not adapt it itself;
* :class:`EMAHalfLife`: the EMA generator (it replaces ``Trainer(ema_decay=...)``) whose decay
  per update is ``0.5 ** (images_per_step / half_life)`` for a scheduled half-life in images.

Example, R3GAN's CIFAR-10 preset (also built by ``mmc.nets.r3gan.preset_schedules('cifar10', ada)``)::

    from torch_mimicry.training import schedules as S
    ada = mmc.augment.ADA(adaptive=False)
    components = [S.OptimizerSchedule("lr", S.Cosine(2e-4, 5e-5, 2e7)),
                  S.OptimizerSchedule("beta2", S.Cosine(0.9, 0.99, 2e7)),
                  S.AttributeSchedule("netD", "gamma", S.Cosine(0.05, 0.005, 2e7)),
                  S.EMAHalfLife(S.Cosine(0.0, 5e6, 2e7)),
                  S.AugmentSchedule(ada, S.Cosine(0.0, 0.55, 2e7))]
    trainer = mmc.training.Trainer(..., augment=ada, components=components)

Each component's settings go to ``params.json`` under its name (``schedule_lr``,
``schedule_beta2``, ``schedule_netD_gamma``, ``ema``, ``schedule_augment_p``). A configuration of
``mimicry train`` names them under ``schedules`` (:func:`from_config`, ``examples/configs/r3gan.yaml``).
"""
from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Optional, Sequence

from torch_mimicry.training.components import TrainerComponent
from torch_mimicry.training.context import TrainingContext
from torch_mimicry.training.ema import EMAGenerator
from torch_mimicry.training.metric_log import MetricLog

if TYPE_CHECKING:
    from torch_mimicry.augment import Augmentation

__all__ = ["Schedule", "Constant", "Linear", "Cosine", "Clock", "UNITS", "ScheduledValue", "OptimizerSchedule",
           "AttributeSchedule", "AugmentSchedule", "EMAHalfLife", "SHAPES", "schedule_from_config", "from_config"]

#: Units of training progress.
UNITS = ("images", "steps")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return float(value)


class Schedule:
    """A value as a function of training progress ``t >= 0`` (in the unit of the component that uses it)."""

    def __call__(self, t: float) -> float:
        raise NotImplementedError

    def hparams(self) -> Dict[str, Any]:
        """The schedule's shape and settings (JSON-able), recorded in ``params.json``."""
        raise NotImplementedError


class Constant(Schedule):
    """``value`` at every ``t``."""

    def __init__(self, value: float) -> None:
        self.value = _number("value", value)

    def __call__(self, t: float) -> float:
        return self.value

    def hparams(self) -> Dict[str, Any]:
        return {"shape": "constant", "value": self.value}


class _Ramp(Schedule):
    shape = ""

    def __init__(self, start: float, end: float, duration: float) -> None:
        self.start, self.end = _number("start", start), _number("end", end)
        self.duration = _number("duration", duration)
        if self.duration <= 0:
            raise ValueError(f"duration must be > 0 (the progress at which the ramp reaches end), got {duration!r}.")

    def _fraction(self, u: float) -> float:
        raise NotImplementedError

    def __call__(self, t: float) -> float:
        if t >= self.duration:
            return self.end
        u = max(0.0, float(t)) / self.duration
        return self.start + (self.end - self.start) * self._fraction(u)

    def hparams(self) -> Dict[str, Any]:
        return {"shape": self.shape, "start": self.start, "end": self.end, "duration": self.duration}


class Linear(_Ramp):
    """From ``start`` at ``t = 0`` to ``end`` at ``t = duration`` on a line, then ``end``."""

    shape = "linear"

    def _fraction(self, u: float) -> float:
        return u


class Cosine(_Ramp):
    """``start + (end - start) * (1 - cos(pi t / duration)) / 2`` up to ``duration``, then ``end``
    (a half cosine: flat at both ends)."""

    shape = "cosine"

    def _fraction(self, u: float) -> float:
        return 0.5 * (1.0 - math.cos(math.pi * u))


class Clock:
    """Training progress of a run as a number.

    Args:
        unit (str): ``'images'`` (``global_step * images_per_step``) or ``'steps'`` (``global_step``).
        images_per_step (int): real images the discriminator sees per generator step; default
            (None) the global batch size times ``n_dis``, read from the first batch of the run and
            kept in the component's state (so a resumed run counts as before).
    """

    def __init__(self, unit: str = "images", images_per_step: Optional[int] = None) -> None:
        if unit not in UNITS:
            raise ValueError(f"Unknown unit {unit!r}: expected one of {', '.join(UNITS)}.")
        if images_per_step is not None and (isinstance(images_per_step, bool) or not isinstance(images_per_step, int)
                                            or images_per_step < 1):
            raise ValueError(f"images_per_step must be a positive int or None (from the first batch), got "
                             f"{images_per_step!r}.")
        self.unit = unit
        self.images_per_step_given = images_per_step
        self.images_per_step: Optional[int] = images_per_step

    def observe(self, trainer: TrainingContext, real_batch: Any) -> None:
        """Reads ``images_per_step`` from a real batch (``images [N, ...]``) when it is not known yet."""
        if self.images_per_step is None and self.unit == "images":
            images = real_batch[0] if isinstance(real_batch, (tuple, list)) else real_batch
            self.images_per_step = int(images.shape[0]) * int(trainer.strategy.world_size) * int(trainer.n_dis)

    def progress(self, step: int) -> float:
        """Progress after ``step`` generator steps, in ``unit``."""
        if self.unit == "steps":
            return float(step)
        if self.images_per_step is None:
            raise RuntimeError("The images per step are not known before the first batch: pass images_per_step, or "
                               "read the schedule from inside a training step.")
        return float(step) * self.images_per_step

    def hparams(self) -> Dict[str, Any]:
        """``unit`` and the ``images_per_step`` given (None: read from the first batch)."""
        return {"unit": self.unit, "images_per_step": self.images_per_step_given}

    def state_dict(self) -> Dict[str, Any]:
        """``{'images_per_step': int or None}``."""
        return {"images_per_step": self.images_per_step}

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        """Restores the images per step of a saved run (a given value stays)."""
        if state and state.get("images_per_step") is not None and self.images_per_step_given is None:
            self.images_per_step = int(state["images_per_step"])


def _check_schedule(schedule: Any) -> Schedule:
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a torch_mimicry.training.schedules.Schedule (Cosine, Linear, Constant); "
                        f"got {type(schedule).__name__}.")
    return schedule


class ScheduledValue(TrainerComponent[TrainingContext]):
    """Base class: sets one target to ``schedule(progress)`` before every ``train_step`` and logs it.

    Args:
        schedule (Schedule): the values.
        unit (str): ``'images'`` (default) or ``'steps'``: what ``t`` counts (see :class:`Clock`).
        images_per_step (int): see :class:`Clock`.
        name (str): the component's name (default from the target).

    Subclasses implement :meth:`apply` and :attr:`metric_name`.
    """

    #: TensorBoard group of the logged value.
    metric_group = "schedule"

    def __init__(self, schedule: Schedule, unit: str = "images", images_per_step: Optional[int] = None,
                 name: Optional[str] = None) -> None:
        self.schedule = _check_schedule(schedule)
        self.clock = Clock(unit, images_per_step)
        if name is not None:
            self.name = name
        self.current: Optional[float] = None

    def value(self, step: int) -> float:
        """The scheduled value for the iteration that starts after ``step`` generator steps."""
        return self.schedule(self.clock.progress(step))

    def apply(self, trainer: TrainingContext, phase: str, value: float) -> None:
        """Sets the target to ``value`` before a step of ``phase`` (``'D'`` or ``'G'``)."""
        raise NotImplementedError

    def metric_name(self, phase: str) -> Optional[str]:
        """The name the value is logged under after a step of ``phase`` (None: not logged then)."""
        return self.name

    def step_context(self, trainer: TrainingContext, phase: str, real_batch: Any) -> ContextManager[Any]:
        self.clock.observe(trainer, real_batch)
        self.current = self.value(trainer.global_step)
        self.apply(trainer, phase, self.current)
        return contextlib.nullcontext()

    def after_step(self, trainer: TrainingContext, phase: str, log_data: MetricLog) -> None:
        name = self.metric_name(phase)
        if name is not None and self.current is not None:
            log_data.add_metric(name, self.current, group=self.metric_group, precision=6)

    def hparams(self) -> Dict[str, Any]:
        return {"schedule": self.schedule.hparams(), **self.clock.hparams()}

    def state_dict(self) -> Dict[str, Any]:
        return self.clock.state_dict()

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        self.clock.load_state_dict(state)


_OPTIMIZERS = ("D", "G")


class OptimizerSchedule(ScheduledValue):
    """Schedules a hyperparameter of the optimizers (every parameter group), like torch's LR schedulers.

    Args:
        hyperparameter (str): ``'lr'``, ``'beta1'`` or ``'beta2'`` (an entry of ``betas``), or another
            numeric key of the parameter groups (``'weight_decay'``, ``'eps'``, ...).
        schedule (Schedule): its values.
        optimizers (tuple of str): ``'D'`` (``optD``) and / or ``'G'`` (``optG``); both by default.
        unit, images_per_step, name: see :class:`ScheduledValue` (name default
            ``schedule_<hyperparameter>``, with ``_D`` / ``_G`` when it schedules one optimizer).

    The value is set before each step of the optimizer's network and logged as
    ``<hyperparameter>_<D|G>`` (for ``'lr'`` in place of the ``lr_D`` / ``lr_G`` the Trainer logs).
    A learning-rate schedule replaces ``Trainer(lr_decay=...)``: setting both is refused.
    """

    def __init__(self, hyperparameter: str, schedule: Schedule, optimizers: Sequence[str] = _OPTIMIZERS,
                 unit: str = "images", images_per_step: Optional[int] = None, name: Optional[str] = None) -> None:
        if not isinstance(hyperparameter, str) or not hyperparameter:
            raise ValueError(f"hyperparameter must be a parameter-group key such as 'lr' or 'beta2', got "
                             f"{hyperparameter!r}.")
        optimizers = tuple(optimizers)
        if not optimizers or not set(optimizers) <= set(_OPTIMIZERS) or len(set(optimizers)) != len(optimizers):
            raise ValueError(f"optimizers must be 'D' and / or 'G', got {optimizers!r}.")
        suffix = "" if len(optimizers) == 2 else f"_{optimizers[0]}"
        super().__init__(schedule, unit, images_per_step, name or f"schedule_{hyperparameter}{suffix}")
        self.hyperparameter = hyperparameter
        self.optimizers = optimizers
        self.metric_group = "lr" if hyperparameter == "lr" else hyperparameter

    def hparams(self) -> Dict[str, Any]:
        return {"hyperparameter": self.hyperparameter, "optimizers": list(self.optimizers), **super().hparams()}

    def setup(self, trainer: TrainingContext) -> None:
        lr_decay = getattr(trainer, "lr_decay", None)  # a Trainer's own setting, not a context member
        if self.hyperparameter == "lr" and lr_decay is not None:
            raise ValueError(f"{self.name} schedules the learning rate and Trainer(lr_decay={lr_decay!r}) "
                             "decays it too: use one of them (lr_decay=None with a learning-rate schedule).")
        for key in self.optimizers:
            opt = trainer.optD if key == "D" else trainer.optG
            for group in opt.param_groups:
                self._check_group(group, type(opt).__name__, key)

    def _check_group(self, group: Dict[str, Any], opt_name: str, key: str) -> None:
        if self.hyperparameter in ("beta1", "beta2"):
            betas = group.get("betas")
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise ValueError(f"{self.name}: opt{key} ({opt_name}) has no betas to schedule {self.hyperparameter} "
                                 "of; use an Adam-like optimizer.")
        elif not isinstance(group.get(self.hyperparameter), (int, float)) or isinstance(
                group.get(self.hyperparameter), bool):
            raise ValueError(f"{self.name}: the parameter groups of opt{key} ({opt_name}) have no numeric "
                             f"{self.hyperparameter!r} (keys: {', '.join(k for k in group if k != 'params')}).")

    def apply(self, trainer: TrainingContext, phase: str, value: float) -> None:
        if phase not in self.optimizers:
            return
        opt = trainer.optD if phase == "D" else trainer.optG
        for group in opt.param_groups:
            if self.hyperparameter in ("beta1", "beta2"):
                betas = list(group["betas"])
                betas[0 if self.hyperparameter == "beta1" else 1] = value
                group["betas"] = (betas[0], betas[1])
            else:
                group[self.hyperparameter] = value

    def metric_name(self, phase: str) -> Optional[str]:
        return f"{self.hyperparameter}_{phase}" if phase in self.optimizers else None


_NETWORKS = ("netD", "netG")


class AttributeSchedule(ScheduledValue):
    """Schedules a numeric attribute of a network, e.g. ``AttributeSchedule('netD', 'gamma', ...)``
    (R3GAN's R1 / R2 weight).

    Args:
        network (str): ``'netD'`` or ``'netG'``.
        attribute (str): the attribute (it must exist and be a number).
        schedule, unit, images_per_step, name: see :class:`ScheduledValue` (name default
            ``schedule_<network>_<attribute>``).

    The value is set before every step and logged as ``<network>.<attribute>`` after the steps of
    that network.
    """

    def __init__(self, network: str, attribute: str, schedule: Schedule, unit: str = "images",
                 images_per_step: Optional[int] = None, name: Optional[str] = None) -> None:
        if network not in _NETWORKS:
            raise ValueError(f"network must be 'netD' or 'netG', got {network!r}.")
        if not isinstance(attribute, str) or not attribute.isidentifier():
            raise ValueError(f"attribute must be an attribute name such as 'gamma', got {attribute!r}.")
        super().__init__(schedule, unit, images_per_step, name or f"schedule_{network}_{attribute}")
        self.network, self.attribute = network, attribute

    def hparams(self) -> Dict[str, Any]:
        return {"network": self.network, "attribute": self.attribute, **super().hparams()}

    def setup(self, trainer: TrainingContext) -> None:
        net = getattr(trainer, self.network)
        current = getattr(net, self.attribute, None)
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise ValueError(f"{self.name}: {self.network} ({type(net).__name__}) has no numeric attribute "
                             f"{self.attribute!r} to schedule (its value: {current!r}).")

    def apply(self, trainer: TrainingContext, phase: str, value: float) -> None:
        setattr(getattr(trainer, self.network), self.attribute, value)

    def metric_name(self, phase: str) -> Optional[str]:
        return f"{self.network}.{self.attribute}" if phase == self.network[-1] else None


class AugmentSchedule(ScheduledValue):
    """Schedules the probability ``p`` of an augmentation, e.g. R3GAN's ramp of ADA's ``p`` from 0
    to 0.55 over 20M images.

    Args:
        augmentation (Augmentation): the object also passed to ``Trainer(augment=...)``; one with
            an ``adaptive`` switch (ADA) must have it off (``ADA(adaptive=False)``).
        schedule, unit, images_per_step, name: see :class:`ScheduledValue` (name default
            ``schedule_augment_p``).

    The value (clipped to [0, 1]) is set before every step and logged as ``augment_p``.

    Raises:
        ValueError: an augmentation without ``p``, or one that adapts ``p`` itself; at the start of
            training, an augmentation that is not the one the discriminator's hooks apply.
    """

    def __init__(self, augmentation: "Augmentation", schedule: Schedule, unit: str = "images",
                 images_per_step: Optional[int] = None, name: Optional[str] = None) -> None:
        if not isinstance(getattr(augmentation, "p", None), (int, float)):
            raise ValueError(f"{type(augmentation).__name__} has no probability p to schedule (DiffAugment and ADA "
                             "have one).")
        if getattr(augmentation, "adaptive", False):
            raise ValueError(f"{type(augmentation).__name__} adapts p itself (adaptive=True); build it with "
                             "adaptive=False for a scheduled p.")
        super().__init__(schedule, unit, images_per_step, name or "schedule_augment_p")
        self.augmentation = augmentation

    def hparams(self) -> Dict[str, Any]:
        return {"augmentation": type(self.augmentation).__name__, **super().hparams()}

    def setup(self, trainer: TrainingContext) -> None:
        hooks = trainer.discriminator_hooks
        if not any(plugin is self.augmentation for plugin in hooks.plugins):
            raise ValueError(f"{self.name}: the scheduled {type(self.augmentation).__name__} is not applied to the "
                             "discriminator; pass the same object to Trainer(augment=...).")

    def apply(self, trainer: TrainingContext, phase: str, value: float) -> None:
        setattr(self.augmentation, "p", min(1.0, max(0.0, value)))

    def metric_name(self, phase: str) -> Optional[str]:
        return "augment_p" if phase == "D" else None


class EMAHalfLife(EMAGenerator):
    """The EMA generator (``trainer.netG_ema``, saved as ``checkpoints/netG_ema``) with a scheduled
    half-life, as R3GAN and StyleGAN2-ADA average: the update after an iteration uses
    ``decay = 0.5 ** (images_per_step / max(half_life(t), 1e-8))``, ``t`` the progress before the
    iteration. A half-life of 0 copies the generator.

    Pass it in ``Trainer(components=[...])`` *instead of* ``ema_decay`` (it is named ``'ema'``
    too: both at once are refused as duplicate components).

    Args:
        half_life (Schedule): the half-life, in images (``unit='images'``) or in generator steps
            (``unit='steps'``, then ``decay = 0.5 ** (1 / half_life)``).
        unit (str): ``'images'`` or ``'steps'``.
        images_per_step (int): see :class:`Clock`.
    """

    name = "ema"

    def __init__(self, half_life: Schedule, unit: str = "images", images_per_step: Optional[int] = None) -> None:
        super().__init__(decay=0.0, start=0)
        self.half_life = _check_schedule(half_life)
        self.clock = Clock(unit, images_per_step)

    def hparams(self) -> Dict[str, Any]:
        return {"half_life": self.half_life.hparams(), **self.clock.hparams()}

    def decay_at(self, step: int) -> float:
        """``0.5 ** (per_step / max(half_life(progress(step - 1)), 1e-8))`` for the update after
        generator step ``step`` (1-based); ``per_step`` is ``images_per_step`` or 1."""
        half_life = self.half_life(self.clock.progress(step - 1))
        per_step = 1.0 if self.clock.unit == "steps" else float(self.clock.progress(1))
        return 0.5 ** (per_step / max(half_life, 1e-8))

    def step_context(self, trainer: TrainingContext, phase: str, real_batch: Any) -> ContextManager[Any]:
        self.clock.observe(trainer, real_batch)
        return contextlib.nullcontext()

    def after_iteration(self, trainer: TrainingContext, log_data: MetricLog) -> None:
        super().after_iteration(trainer, log_data)
        log_data.add_metric("ema_half_life", self.half_life(self.clock.progress(trainer.global_step - 1)),
                            group="schedule", precision=1)

    def state_dict(self) -> Dict[str, Any]:
        return self.clock.state_dict()

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        self.clock.load_state_dict(state)


#: Shapes by name (``from_config``).
SHAPES = {"constant": Constant, "linear": Linear, "cosine": Cosine}


def schedule_from_config(spec: Any, where: str = "schedule") -> Schedule:
    """A :class:`Schedule` from a mapping ``{shape: cosine | linear | constant, start, end, duration}``
    (``{shape: constant, value}``); a bare number is a constant.

    Raises:
        ValueError: an unknown shape or missing / unexpected settings (the message names ``where``).
    """
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Constant(spec)
    if not isinstance(spec, dict) or spec.get("shape") not in SHAPES:
        raise ValueError(f"{where}: expected a mapping with shape one of {', '.join(SHAPES)} (e.g. {{shape: cosine, "
                         f"start: 2.0e-4, end: 5.0e-5, duration: 2.0e+7}}), got {spec!r}.")
    kwargs = {k: v for k, v in spec.items() if k != "shape"}
    try:
        return SHAPES[spec["shape"]](**kwargs)
    except TypeError as e:
        raise ValueError(f"{where}: {e}.") from None


def from_config(spec: Dict[str, Any], augmentation: Optional["Augmentation"] = None) -> "list[TrainerComponent]":
    """The schedule components of a configuration's ``schedules`` mapping (``mimicry train``).

    Keys: ``unit`` and ``images_per_step`` (for all; optional), then one per target:
    ``netD.<attribute>`` / ``netG.<attribute>`` (:class:`AttributeSchedule`), ``ema_half_life``
    (:class:`EMAHalfLife`), ``augment_p`` (:class:`AugmentSchedule` of ``augmentation``),
    ``optD.<key>`` / ``optG.<key>`` (one optimizer) or a bare key such as ``lr`` or ``beta2``
    (both optimizers; :class:`OptimizerSchedule`). Each value is a schedule
    (:func:`schedule_from_config`).

    Raises:
        ValueError: a setting that cannot be used (named in the message).
    """
    if not isinstance(spec, dict):
        raise ValueError(f"schedules must be a mapping of targets to schedules, got {spec!r}.")
    spec = dict(spec)
    clock: Dict[str, Any] = {"unit": spec.pop("unit", "images"), "images_per_step": spec.pop("images_per_step", None)}
    components: "list[TrainerComponent]" = []
    for key, value in spec.items():
        schedule = schedule_from_config(value, f"schedules.{key}")
        head, _, tail = str(key).partition(".")
        if head in _NETWORKS and tail:
            components.append(AttributeSchedule(head, tail, schedule, **clock))
        elif key == "ema_half_life":
            components.append(EMAHalfLife(schedule, **clock))
        elif key == "augment_p":
            if augmentation is None:
                raise ValueError("schedules.augment_p needs an augmentation: set trainer.augment (e.g. {name: ada, "
                                 "adaptive: false}).")
            components.append(AugmentSchedule(augmentation, schedule, **clock))
        elif head in ("optD", "optG") and tail:
            components.append(OptimizerSchedule(tail, schedule, optimizers=(head[-1],), **clock))
        else:
            components.append(OptimizerSchedule(str(key), schedule, **clock))
    return components
