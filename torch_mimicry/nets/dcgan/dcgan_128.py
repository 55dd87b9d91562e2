"""ResNet DCGAN at 128x128 (CelebA 128, LSUN-Bedroom, ImageNet 128): SNGAN's backbone without spectral norm."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.dcgan import dcgan_base


class DCGANGenerator128(dcgan_base.DCGANBaseGenerator):
    """DCGAN generator for 128x128 images: noise ``[N, nz]`` -> images ``[N, 3, 128, 128]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 1024, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[128])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class DCGANDiscriminator128(dcgan_base.DCGANBaseDiscriminator):
    """DCGAN discriminator for 128x128 images: images ``[N, 3, 128, 128]`` -> logits ``[N, 1]``."""

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[128], spectral_norm=False)
        self.l7 = nn.Linear(self.ndf, 1)
        nn.init.xavier_uniform_(self.l7.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.resnet_logits(x, resnet_backbone.discriminator_blocks(self), self.l7)[0]
