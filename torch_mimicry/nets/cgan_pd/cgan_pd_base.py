"""cGAN-PD (Miyato & Koyama 2018): a class-conditional GAN whose generator uses class-conditional
batch norm in every residual block and whose discriminator adds a projection term
``<embed(y), phi(x)>`` to its output. ResNet backbones of SNGAN with spectral norm in the
discriminator; default loss ``'hinge'``. Training is the default conditional GAN step (real
labels for real images, uniformly drawn labels for fakes)."""
from typing import Any, Iterable, Optional

import torch
import torch.nn as nn

from torch_mimicry.nets import gan
from torch_mimicry.nets.resnet_backbone import BlockHooks, resnet_logits


def projection_logits(x: torch.Tensor, y: torch.Tensor, blocks: Iterable[nn.Module], linear: nn.Module,
                      embed: nn.Module, hooks: Optional[BlockHooks] = None) -> torch.Tensor:
    """Projection discriminator output: ``linear(phi) + sum(embed(y) * phi, dim=1)``.

    Args:
        x (Tensor): images ``[N, 3, H, W]``. y (Tensor): labels ``[N]`` (int64).
        blocks: discriminator blocks (see ``resnet_features``); phi is their sum-pooled output ``[N, C]``.
        linear: ``C -> 1`` layer. embed: ``num_classes x C`` embedding.

    Returns:
        Tensor: logits ``[N, 1]``.
    """
    output, h = resnet_logits(x, blocks, linear, hooks=hooks)
    return output + torch.sum(embed(y) * h, dim=1, keepdim=True)


def check_labels(y: Optional[torch.Tensor]) -> torch.Tensor:
    """Raises a ValueError when a conditional discriminator is called without labels."""
    if y is None:
        raise ValueError("This discriminator is class-conditional: call it as netD(images, labels) with labels "
                         "of shape [N].")
    return y


def conditional_forward_labels(net: gan.BaseConditionalGenerator, z: torch.Tensor,
                               y: Optional[torch.Tensor]) -> torch.Tensor:
    """Labels for a conditional generator's forward: ``y`` or, when None, uniform random ones."""
    if y is None:
        y = torch.randint(0, net.num_classes, (z.shape[0],), device=z.device)
    return y


class CGANPDBaseGenerator(gan.BaseConditionalGenerator):
    """Base class of cGAN-PD generators; ``forward(z, y=None)`` maps noise ``[N, nz]`` and labels
    ``[N]`` (random when None) to images ``[N, 3, H, W]`` in ``[-1, 1]``.

    Args:
        num_classes (int): number of classes. bottom_width, nz, ngf: as ``BaseGenerator`` (in the
            argument order of torch-mimicry 0.1.16).
        loss_type (str): default ``'hinge'``.
    """

    def __init__(self, num_classes: int, bottom_width: int, nz: int, ngf: int, loss_type: str = "hinge",
                 **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type,
                         num_classes=num_classes, **kwargs)


class CGANPDBaseDiscriminator(gan.BaseConditionalDiscriminator):
    """Base class of cGAN-PD discriminators; ``forward(x, y)`` maps images ``[N, 3, H, W]`` and
    labels ``[N]`` to logits ``[N, 1]``.

    Args:
        num_classes (int): number of classes. ndf (int): base width. loss_type (str): default ``'hinge'``.
    """

    def __init__(self, num_classes: int, ndf: int, loss_type: str = "hinge", **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, num_classes=num_classes, **kwargs)
