"""SNGAN (Miyato et al. 2018): ResNet backbones with a spectrally normalised discriminator,
trained with the hinge loss. The family's training is the default GAN step of the base
classes; resolution classes only add layers and ``forward``.

The discriminator feeds every block after the first the ReLU of the previous block's output,
shortcut included, as torch-mimicry 0.1.16 did (its ``DBlock`` rectified its input in place
before the shortcut read it); checkpoints of that release load with ``restore_checkpoint`` and
give the same outputs (see ``torch_mimicry.nets.resnet_backbone.resnet_features``).
"""
from typing import Any, Iterable

import torch
import torch.nn as nn

from torch_mimicry.nets import gan
from torch_mimicry.nets import resnet_backbone


class SNGANBaseGenerator(gan.BaseGenerator):
    """Base class of SNGAN generators (default loss ``'hinge'``)."""

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str = "hinge", **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)


class SNGANBaseDiscriminator(gan.BaseDiscriminator):
    """Base class of SNGAN discriminators (default loss ``'hinge'``)."""

    def __init__(self, ndf: int, loss_type: str = "hinge", **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)


def run_generator(net: gan.BaseGenerator, z: torch.Tensor, blocks: Iterable[nn.Module], bn: nn.Module,
                  conv: nn.Module) -> torch.Tensor:
    """The generator body shared by every resolution: linear -> GBlocks -> BN-ReLU -> conv -> tanh.

    ``z`` is ``[N, nz]``; the output is ``[N, 3, H, W]`` in ``[-1, 1]``.
    """
    g: Any = net  # l1 and activation: layers the resolution class adds
    h = g.l1(z).view(z.shape[0], -1, g.bottom_width, g.bottom_width)
    for block in blocks:
        h = block(h)
    h = g.activation(bn(h))
    return torch.tanh(conv(h))


def run_discriminator(net: gan.BaseDiscriminator, x: torch.Tensor, blocks: Iterable[nn.Module],
                      linear: nn.Module) -> torch.Tensor:
    """The discriminator body shared by every resolution: blocks (each after the first on the ReLU
    of its predecessor's output) -> ReLU -> global sum pool -> linear.

    ``x`` is ``[N, 3, H, W]``; the output is logits ``[N, 1]``.
    """
    return resnet_backbone.resnet_logits(x, blocks, linear, pool="sum")[0]
