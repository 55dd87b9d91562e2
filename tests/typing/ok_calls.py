"""Calls of the annotated public API that the type check must accept (``make typecheck``).

This file is only type-checked, never run."""
import pathlib
from typing import Tuple

import torch

from torch_mimicry.datasets.synthetic import SyntheticShapes
from torch_mimicry.modules import losses
from torch_mimicry.nets.basemodel import BaseModel, load_checkpoint_file
from torch_mimicry.utils import atomic_json_dump, atomic_torch_save


def calls(model: BaseModel, optimizer: torch.optim.Optimizer) -> None:
    real, fake = torch.randn(4, 1), torch.randn(4, 1)
    loss: torch.Tensor = losses.hinge_loss_dis(real, fake) + losses.generator_loss("rahinge", fake, real)
    assert losses.is_relativistic(losses.check_loss_type("ns"))
    assert loss.ndim == 0

    dataset = SyntheticShapes(size=8, image_size=16, seed=1)
    image, label = dataset[0]
    item: Tuple[torch.Tensor, int] = dataset[torch.tensor(1)]
    assert image.shape == item[0].shape and label + len(dataset) > 0

    path: str = model.save_checkpoint(pathlib.Path("ckpt"), global_step=3, optimizer=optimizer)
    step: int = model.restore_checkpoint(path, optimizer=optimizer)
    total, trainable = model.count_params()
    device: torch.device = model.device
    assert step + total + trainable >= 0 and device.type
    assert "model_state_dict" in load_checkpoint_file(path)
    atomic_torch_save({"step": step}, path)
    atomic_json_dump({"step": step}, pathlib.Path("x.json"), indent=None)
