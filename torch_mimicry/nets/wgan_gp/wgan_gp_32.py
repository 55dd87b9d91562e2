"""WGAN-GP at 32x32 (CIFAR-10 / CIFAR-100) with ResNet backbones."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.wgan_gp import wgan_gp_base


class WGANGPGenerator32(wgan_gp_base.WGANGPBaseGenerator):
    """WGAN-GP generator for 32x32 images: noise ``[N, nz]`` -> images ``[N, 3, 32, 32]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 256, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[32], xavier_output=False)
        wgan_gp_base.reset_shortcuts(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class WGANGPDiscriminator32(wgan_gp_base.WGANGPBaseDiscriminator):
    """WGAN-GP critic for 32x32 images: images ``[N, 3, 32, 32]`` -> scores ``[N, 1]`` (mean-pooled features)."""

    def __init__(self, ndf: int = 128, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[32], spectral_norm=False)
        wgan_gp_base.reset_shortcuts(self)
        self.l5 = nn.Linear(self.ndf, 1)
        nn.init.xavier_uniform_(self.l5.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.resnet_logits(x, resnet_backbone.discriminator_blocks(self), self.l5, pool="mean")[0]
