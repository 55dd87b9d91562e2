"""TrainerComponent: one capability of the Trainer with its own state.

Mixed precision, distributed data parallel, the EMA generator, evaluation during training,
augmentations and regularisers each live in a small component that the Trainer assembles, so
``trainer.py`` stays the loop. A component reaches a user's own ``train_step`` without the user
changing it: through :meth:`TrainerComponent.step_context` (e.g. ``torch.autocast``), extra
``train_step`` keyword arguments, module (pre-)hooks on the networks, optimizer step hooks, and
the hooks below. Every hook has a do-nothing default.

The Trainer calls the hooks of ``trainer.components`` in list order, records
``{name: hparams()}`` in ``params.json`` and stores ``{name: state_dict()}`` in each trainer
checkpoint.
"""
import contextlib
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Optional, Tuple

if TYPE_CHECKING:  # the Trainer imports this module
    from torch_mimicry.training.metric_log import MetricLog
    from torch_mimicry.training.trainer import Trainer


class TrainerComponent:
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

    def setup(self, trainer: "Trainer") -> None:
        """Called once at the start of ``train()``, networks on their device, before resuming."""

    def state_dict(self) -> Dict[str, Any]:
        """State saved in the trainer checkpoint (tensors and plain data only)."""
        return {}

    def load_state_dict(self, state: Optional[Dict[str, Any]]) -> None:
        """Restores :meth:`state_dict` when a run resumes."""

    def step_context(self, trainer: "Trainer", phase: str, real_batch: Any) -> ContextManager[Any]:
        """A context manager entered around each ``train_step`` call.

        Args:
            phase (str): ``'D'`` (a discriminator step) or ``'G'`` (the generator step).
            real_batch (tuple): ``(images, labels)``, the objects the ``train_step`` receives.
        """
        return contextlib.nullcontext()

    def train_step_kwargs(self, trainer: "Trainer", phase: str) -> Dict[str, Any]:
        """Extra keyword arguments of ``train_step`` in ``phase`` (a dict)."""
        return {}

    def after_step(self, trainer: "Trainer", phase: str, log_data: "MetricLog") -> None:
        """After each discriminator step (``'D'``) and the generator step (``'G'``)."""

    def after_iteration(self, trainer: "Trainer", log_data: "MetricLog") -> None:
        """After ``trainer.global_step`` was incremented for the finished iteration."""

    def checkpoint_names(self) -> Tuple[str, ...]:
        """Names of the extra checkpoint folders this component writes (see :meth:`save`)."""
        return ()

    def save(self, trainer: "Trainer", step: int) -> None:
        """Writes this component's checkpoint files of ``step`` (atomically).

        Called on the process that writes checkpoints, before the trainer state file that
        marks the step complete.
        """

    def restore(self, trainer: "Trainer", step: int) -> None:
        """Reads the files written by :meth:`save` for ``step`` when a run resumes."""

    def close(self, trainer: "Trainer") -> None:
        """At the end of ``train()`` (also when it stops on an error)."""
