"""Calls of the annotated training and datasets API that the type check must refuse (``make typecheck``).

Each line carries ``# type: ignore[<error code>]``; with ``warn_unused_ignores`` a line that
mypy stops refusing makes the check fail. This file is only type-checked, never run."""
from typing import Any

import torch
from torch.utils.data import DataLoader

from torch_mimicry.datasets import dataset_resolution, load_dataset
from torch_mimicry.nets.gan import BaseDiscriminator, BaseGenerator
from torch_mimicry.training import LRScheduler, Logger, MetricLog, Trainer
from torch_mimicry.training.checkpoints import checkpoint_path


def calls(netD: BaseDiscriminator, netG: BaseGenerator, optD: torch.optim.Optimizer, optG: torch.optim.Optimizer,
          dataloader: DataLoader[Any]) -> None:
    Trainer(netD, netG, optD, optG, dataloader, num_steps="10")  # type: ignore[arg-type]
    Trainer(netG, netD, optD, optG, dataloader, 10)  # type: ignore[arg-type]
    Trainer(netD, netG, optD, optG, dataloader, 10, seed=1.5)  # type: ignore[arg-type]
    Trainer(netD, netG, optD, optG, dataloader, 10, n_dis="5")  # type: ignore[arg-type]
    Trainer(netD, netG, optD, optG, dataloader, 10, netG_ckpt_file=3)  # type: ignore[arg-type]
    Trainer(netD, netG, optD, optG, dataloader, 10, components=["ema"])  # type: ignore[list-item]
    Trainer(netD, netG, optD, optG, dataloader, 10, nsteps=10)  # type: ignore[call-arg]
    step: str = Trainer(netD, netG, optD, optG, dataloader, 10).train()  # type: ignore[assignment]
    load_dataset(root=1, name="cifar10")  # type: ignore[arg-type]
    load_dataset("./datasets", name=10)  # type: ignore[arg-type]
    dataset_resolution("fake_data", image_size="32")  # type: ignore[arg-type]
    MetricLog().add_metric("errD", "0.5")  # type: ignore[arg-type]
    LRScheduler("linear", optD, optG, num_steps=None)  # type: ignore[arg-type]
    Logger("./log", num_steps=10, dataset_size=10).vis_images(netD, 1)  # type: ignore[arg-type]
    checkpoint_path("./log", "netG", global_step="10")  # type: ignore[arg-type]
    assert step
