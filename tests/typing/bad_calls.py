"""Calls of the annotated public API that the type check must refuse (``make typecheck``).

Each line carries ``# type: ignore[<error code>]``; with ``warn_unused_ignores`` a line that
mypy stops refusing makes the check fail. This file is only type-checked, never run."""
import torch

from torch_mimicry.datasets.synthetic import SyntheticShapes
from torch_mimicry.modules import losses
from torch_mimicry.nets.basemodel import BaseModel
from torch_mimicry.utils import atomic_json_dump


def calls(model: BaseModel) -> None:
    logits = torch.randn(4, 1)
    losses.hinge_loss_dis(logits, 0.5)  # type: ignore[arg-type]
    losses.generator_loss(logits, logits)  # type: ignore[arg-type]
    losses.discriminator_loss("hinge", logits)  # type: ignore[call-arg]
    SyntheticShapes(size="64")  # type: ignore[arg-type]
    SyntheticShapes(image_size=32.0)  # type: ignore[arg-type]
    model.restore_checkpoint(7)  # type: ignore[arg-type]
    model.save_checkpoint("ckpt", global_step="3")  # type: ignore[arg-type]
    atomic_json_dump({}, 5)  # type: ignore[arg-type]
    count: int = model.count_params()  # type: ignore[assignment]
    name: str = losses.is_relativistic("ns")  # type: ignore[assignment]
    assert count and name
