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
from typing import Optional, Tuple


class TrainerComponent:
    """Base class of the Trainer's components.

    Attributes:
        name (str): key of the component in ``params.json`` and in the trainer checkpoint.
        mutable_hparams (tuple): keys of :meth:`hparams` that may change when a run resumes.
    """

    name: Optional[str] = None
    mutable_hparams: Tuple[str, ...] = ()

    def hparams(self):
        """JSON-able hyperparameters, recorded in ``params.json`` under ``name``."""
        return {}

    def setup(self, trainer):
        """Called once at the start of ``train()``, networks on their device, before resuming."""

    def state_dict(self):
        """State saved in the trainer checkpoint (tensors and plain data only)."""
        return {}

    def load_state_dict(self, state):
        """Restores :meth:`state_dict` when a run resumes."""

    def step_context(self, trainer, phase, real_batch):
        """A context manager entered around each ``train_step`` call.

        Args:
            phase (str): ``'D'`` (a discriminator step) or ``'G'`` (the generator step).
            real_batch (tuple): ``(images, labels)``, the objects the ``train_step`` receives.
        """
        return contextlib.nullcontext()

    def train_step_kwargs(self, trainer, phase):
        """Extra keyword arguments of ``train_step`` in ``phase`` (a dict)."""
        return {}

    def after_step(self, trainer, phase, log_data):
        """After each discriminator step (``'D'``) and the generator step (``'G'``)."""

    def after_iteration(self, trainer, log_data):
        """After ``trainer.global_step`` was incremented for the finished iteration."""

    def checkpoint_names(self):
        """Names of the extra checkpoint folders this component writes (see :meth:`save`)."""
        return ()

    def save(self, trainer, step):
        """Writes this component's checkpoint files of ``step`` (atomically).

        Called on the process that writes checkpoints, before the trainer state file that
        marks the step complete.
        """

    def restore(self, trainer, step):
        """Reads the files written by :meth:`save` for ``step`` when a run resumes."""

    def close(self, trainer):
        """At the end of ``train()`` (also when it stops on an error)."""
