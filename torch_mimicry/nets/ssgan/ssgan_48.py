"""SSGAN at 48x48 (STL-10) with ResNet backbones."""
from typing import Any, Tuple

import torch
import torch.nn as nn

from torch_mimicry.modules import SNLinear
from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.ssgan import ssgan_base


class SSGANGenerator48(ssgan_base.SSGANBaseGenerator):
    """SSGAN generator for 48x48 images: noise ``[N, nz]`` -> images ``[N, 3, 48, 48]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 512, bottom_width: int = 6, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[48])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class SSGANDiscriminator48(ssgan_base.SSGANBaseDiscriminator):
    """SSGAN discriminator for 48x48 images: images ``[N, 3, 48, 48]`` -> ``(logits [N, 1],
    rotation logits [N, 4])``."""

    original_key_map = {"l5": "l6"}  # torch-mimicry 0.1.16 named this layer l5

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[48])
        self.l6 = SNLinear(self.ndf, 1)
        self.l_y = SNLinear(self.ndf, self.num_rotations)
        nn.init.xavier_uniform_(self.l6.weight.data, 1.0)
        nn.init.xavier_uniform_(self.l_y.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        output, h = resnet_backbone.resnet_logits(x, resnet_backbone.discriminator_blocks(self), self.l6)
        return output, self.l_y(h)
