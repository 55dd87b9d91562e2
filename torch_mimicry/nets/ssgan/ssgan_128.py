"""SSGAN at 128x128 (CelebA 128, LSUN-Bedroom, ImageNet 128) with ResNet backbones."""
from typing import Any, Tuple

import torch
import torch.nn as nn

from torch_mimicry.modules import SNLinear
from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.ssgan import ssgan_base


class SSGANGenerator128(ssgan_base.SSGANBaseGenerator):
    """SSGAN generator for 128x128 images: noise ``[N, nz]`` -> images ``[N, 3, 128, 128]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 1024, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[128])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class SSGANDiscriminator128(ssgan_base.SSGANBaseDiscriminator):
    """SSGAN discriminator for 128x128 images: images ``[N, 3, 128, 128]`` -> ``(logits [N, 1],
    rotation logits [N, 4])``."""

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[128])
        self.l7 = SNLinear(self.ndf, 1)
        self.l_y = SNLinear(self.ndf, self.num_rotations)
        nn.init.xavier_uniform_(self.l7.weight.data, 1.0)
        nn.init.xavier_uniform_(self.l_y.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        output, h = resnet_backbone.resnet_logits(x, resnet_backbone.discriminator_blocks(self), self.l7)
        return output, self.l_y(h)
