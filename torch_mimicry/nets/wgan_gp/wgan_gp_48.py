"""WGAN-GP at 48x48 (STL-10) with ResNet backbones."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.wgan_gp import wgan_gp_base


class WGANGPGenerator48(wgan_gp_base.WGANGPBaseGenerator):
    """WGAN-GP generator for 48x48 images: noise ``[N, nz]`` -> images ``[N, 3, 48, 48]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 512, bottom_width: int = 6, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[48], xavier_output=False)
        wgan_gp_base.reset_shortcuts(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class WGANGPDiscriminator48(wgan_gp_base.WGANGPBaseDiscriminator):
    """WGAN-GP critic for 48x48 images: images ``[N, 3, 48, 48]`` -> scores ``[N, 1]`` (mean-pooled features)."""

    original_key_map = {"l5": "l6"}  # torch-mimicry 0.1.16 named this layer l5

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[48], spectral_norm=False)
        wgan_gp_base.reset_shortcuts(self)
        self.l6 = nn.Linear(self.ndf, 1)
        nn.init.xavier_uniform_(self.l6.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.resnet_logits(x, resnet_backbone.discriminator_blocks(self), self.l6, pool="mean")[0]
