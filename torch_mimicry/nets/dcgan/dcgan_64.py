"""ResNet DCGAN at 64x64 (CelebA 64): SNGAN's backbone without spectral norm."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.dcgan import dcgan_base


class DCGANGenerator64(dcgan_base.DCGANBaseGenerator):
    """DCGAN generator for 64x64 images: noise ``[N, nz]`` -> images ``[N, 3, 64, 64]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 1024, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[64])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class DCGANDiscriminator64(dcgan_base.DCGANBaseDiscriminator):
    """DCGAN discriminator for 64x64 images: images ``[N, 3, 64, 64]`` -> logits ``[N, 1]``."""

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[64], spectral_norm=False)
        self.l6 = nn.Linear(self.ndf, 1)
        nn.init.xavier_uniform_(self.l6.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.resnet_logits(x, resnet_backbone.discriminator_blocks(self), self.l6)[0]
