"""The base class of the augmentations that reach the discriminator."""
from __future__ import annotations

from typing import Any, Dict, Optional, Set

import torch

from torch_mimicry.augment.hooks import DiscriminatorCall, DiscriminatorPlugin


def check_probability(name: str, p: Any) -> float:
    """``p`` as a float in [0, 1], or a ValueError naming ``name``."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}.")
    return float(p)


def check_images(x: Any) -> torch.Tensor:
    """Raises a ValueError unless ``x`` is a floating-point tensor ``[N, C, H, W]``."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"Augmentations take float images [N, C, H, W] in [-1, 1]; got {shape}.")
    return x


def bernoulli(n: int, p: float, device: Any) -> torch.Tensor:
    """``[n]`` booleans, each True with probability ``p`` (drawn from torch's global RNG)."""
    return torch.rand(n, device=device) < p


class Augmentation(DiscriminatorPlugin):
    """A random, differentiable map of images ``[N, C, H, W]`` in ``[-1, 1]`` to images of the
    same shape in ``[-1, 1]`` (``x -> x``: an augmentation object is called on the images,
    ``augmentation(x)``, which checks them and runs :meth:`augment`), applied to every image the
    discriminator sees when added to ``DiscriminatorHooks`` or passed to ``Trainer(augment=...)``.
    A discriminator step whose real batch never reaches the discriminator is refused
    (:meth:`required_kinds`): an augmentation applied to the fakes alone breaks training.

    Random numbers come from torch's global RNG on the images' device, so a resumed run (whose
    RNG state the Trainer restores) draws the same augmentations. At probability 0 the output
    is the input itself. Subclasses implement ``augment(x)`` and keep their state (which must
    resume exactly) in ``state_dict`` / ``load_state_dict``; ``hparams()`` are their settings.
    """

    name: Optional[str] = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.augment(check_images(x))

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """The augmented images ``[N, C, H, W]`` in ``[-1, 1]`` of images ``x`` of that shape and range."""
        raise NotImplementedError

    def on_input(self, x: torch.Tensor, call: DiscriminatorCall) -> torch.Tensor:
        return self(x)

    def required_kinds(self, phase: str) -> Set[str]:
        """The discriminator's step must see the real batch (``{'real'}``)."""
        return {"real"} if phase == "D" else set()

    def hparams(self) -> Dict[str, Any]:
        """The settings, as recorded in the run's params.json."""
        return {}

    def state_dict(self) -> Dict[str, Any]:
        """The state that changes during training (saved in the checkpoints)."""
        return {}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restores a ``state_dict()``."""
        pass

    def metrics(self) -> Dict[str, float]:
        """Values to log ({name: float}), e.g. ADA's p."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hparams().items())
        return f"{type(self).__name__}({args})"
