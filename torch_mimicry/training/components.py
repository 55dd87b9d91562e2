"""TrainerComponent: one capability of the Trainer with its own state.

The EMA generator, evaluation during training, augmentations and regularisers of the
discriminator and the progress display each live in a small component that the Trainer
assembles, so ``trainer.py`` stays the loop. (Distribution and mixed precision are not
components: they are the Trainer's ``strategy`` and ``precision``, which the loop and the
components call through their own interfaces; see :mod:`torch_mimicry.training.context`.)

A component reaches a user's own ``train_step`` without the user changing it: through
:meth:`TrainerComponent.step_context` (a context manager around the step), extra ``train_step``
keyword arguments, the Trainer's discriminator hooks (``context.discriminator_hooks``), optimizer
step hooks, and the hooks below. Every hook has a do-nothing default and receives the Trainer
as ``context`` (the members listed in :class:`~torch_mimicry.training.context.TrainingContext`);
what a component shares with others it publishes through the protocol (:meth:`networks`), never
by setting attributes of the Trainer.

Order: the Trainer calls the hooks of its components in the order of ``trainer.components``:
the EMA generator, the evaluator (which scores the average the EMA has just updated), the
augmentation, LeCam, the progress display, then ``Trainer(components=[...])`` in the order given.
It records ``{name: hparams()}`` in ``params.json`` and stores ``{name: state_dict()}`` in each
trainer checkpoint.
"""
import contextlib
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Generic, Optional, Tuple, TypeVar

import torch.nn as nn

if TYPE_CHECKING:
    from torch_mimicry.training.context import TrainingContext
    from torch_mimicry.training.metric_log import MetricLog

#: The context a component is written against: :class:`TrainingContext` for the library's own
#: components; a component of yours that subclasses ``TrainerComponent`` without a parameter may
#: annotate it as ``Trainer``.
ContextT = TypeVar("ContextT", bound="TrainingContext")


class TrainerComponent(Generic[ContextT]):
    """Base class of the Trainer's components.

    Attributes:
        name (str): key of the component in ``params.json`` and in the trainer checkpoint.
        mutable_hparams (tuple): keys of :meth:`hparams` that may change when a run resumes.
    """

    name: Optional[str] = None
    mutable_hparams: Tuple[str, ...] = ()

    def hparams(self) -> Dict[str, Any]:
        """JSON-able hyperparameters, recorded in ``params.json`` under ``name``."""
        return {}

    def setup(self, context: ContextT) -> None:
        """Called once at the start of ``train()``, networks on their device, before resuming."""

    def state_dict(self) -> Dict[str, Any]:
        """State saved in the trainer checkpoint (tensors and plain data only)."""
        return {}

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        """Restores :meth:`state_dict` when a run resumes."""

    def networks(self) -> Dict[str, nn.Module]:
        """Networks this component publishes by name (``context.network(name)``), e.g. the EMA
        generator as ``'netG_ema'``."""
        return {}

    def step_context(self, context: ContextT, phase: str, real_batch: Any) -> ContextManager[Any]:
        """A context manager entered around each ``train_step`` call.

        Args:
            phase (str): ``'D'`` (a discriminator step) or ``'G'`` (the generator step).
            real_batch (tuple): ``(images, labels)``, the objects the ``train_step`` receives.
        """
        return contextlib.nullcontext()

    def train_step_kwargs(self, context: ContextT, phase: str) -> Dict[str, Any]:
        """Extra keyword arguments of ``train_step`` in ``phase`` (a dict)."""
        return {}

    def after_step(self, context: ContextT, phase: str, log_data: "MetricLog") -> None:
        """After each discriminator step (``'D'``) and the generator step (``'G'``)."""

    def after_iteration(self, context: ContextT, log_data: "MetricLog") -> None:
        """After ``context.global_step`` was incremented for the finished iteration."""

    def checkpoint_names(self) -> Tuple[str, ...]:
        """Names of the extra checkpoint folders this component writes (see :meth:`save`)."""
        return ()

    def save(self, context: ContextT, step: int) -> None:
        """Writes this component's checkpoint files of ``step`` (atomically).

        Called on the process that writes checkpoints, before the trainer state file that
        marks the step complete.
        """

    def restore(self, context: ContextT, step: int) -> None:
        """Reads the files written by :meth:`save` for ``step`` when a run resumes."""

    def close(self, context: ContextT) -> None:
        """At the end of ``train()`` (also when it stops on an error)."""
