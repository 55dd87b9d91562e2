"""Calls of the networks and building blocks that the type check must refuse (``make typecheck``).

Each line carries ``# type: ignore[<error code>]``; with ``warn_unused_ignores`` a line that
mypy stops refusing makes the check fail. This file is only type-checked, never run."""
import torch

from torch_mimicry.modules import GBlock, SelfAttention
from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.cgan_pd import CGANPDGenerator32
from torch_mimicry.nets.sngan import SNGANDiscriminator32, SNGANGenerator32
from torch_mimicry.nets.ssgan import SSGANDiscriminator32, rotate_batch
from torch_mimicry.training.metric_log import MetricLog


def calls(images: torch.Tensor, optD: torch.optim.Optimizer, log_data: MetricLog) -> None:
    SNGANGenerator32(nz="128")  # type: ignore[arg-type]
    netG, netD = SNGANGenerator32(), SNGANDiscriminator32()
    netG.generate_images("4")  # type: ignore[arg-type]
    netG.generate_images(4, device=0.5)  # type: ignore[arg-type]
    CGANPDGenerator32(num_classes=10).generate_images(4, c="3")  # type: ignore[arg-type]
    netD.train_step((images, images), netG, optD, {})  # type: ignore[arg-type]
    netD.train_step((images, images), netD, optD, log_data)  # type: ignore[arg-type]
    netD.train_step((images, images), netG, optD, log_data, global_step="1")  # type: ignore[arg-type]
    probs: float = netD.compute_probs(images, images)  # type: ignore[assignment]
    logits: torch.Tensor = SSGANDiscriminator32().forward(images)  # type: ignore[assignment]
    rotate_batch([images])  # type: ignore[arg-type]
    GBlock(8, 8, hidden_channels=4.0)  # type: ignore[arg-type]
    SelfAttention(num_feat="64")  # type: ignore[arg-type]
    resnet_backbone.build_generator(netG, [(0, 0)])  # type: ignore[arg-type]
    assert probs and logits.ndim
