"""SNGAN at 48x48 (STL-10): the ResNet generator and discriminator of Miyato et al. 2018."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear
from torch_mimicry.nets.sngan import sngan_base


class SNGANGenerator48(sngan_base.SNGANBaseGenerator):
    """SNGAN generator for 48x48 images: noise ``[N, nz]`` -> images ``[N, 3, 48, 48]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 512, bottom_width: int = 6, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        self.l1 = nn.Linear(self.nz, (self.bottom_width ** 2) * self.ngf)
        self.block2 = GBlock(self.ngf, self.ngf >> 1, upsample=True)
        self.block3 = GBlock(self.ngf >> 1, self.ngf >> 2, upsample=True)
        self.block4 = GBlock(self.ngf >> 2, self.ngf >> 3, upsample=True)
        self.b5 = nn.BatchNorm2d(self.ngf >> 3)
        self.c5 = nn.Conv2d(self.ngf >> 3, 3, 3, 1, padding=1)
        self.activation = nn.ReLU(True)
        nn.init.xavier_uniform_(self.l1.weight.data, 1.0)
        nn.init.xavier_uniform_(self.c5.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sngan_base.run_generator(self, x, (self.block2, self.block3, self.block4), self.b5, self.c5)


class SNGANDiscriminator48(sngan_base.SNGANBaseDiscriminator):
    """SNGAN discriminator for 48x48 images: images ``[N, 3, 48, 48]`` -> logits ``[N, 1]``."""

    original_key_map = {"l5": "l6"}  # torch-mimicry 0.1.16 named this layer l5

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        self.block1 = DBlockOptimized(3, self.ndf >> 4)
        self.block2 = DBlock(self.ndf >> 4, self.ndf >> 3, downsample=True)
        self.block3 = DBlock(self.ndf >> 3, self.ndf >> 2, downsample=True)
        self.block4 = DBlock(self.ndf >> 2, self.ndf >> 1, downsample=True)
        self.block5 = DBlock(self.ndf >> 1, self.ndf, downsample=False)
        self.l6 = SNLinear(self.ndf, 1)
        self.activation = nn.ReLU(True)
        nn.init.xavier_uniform_(self.l6.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sngan_base.run_discriminator(self, x, (self.block1, self.block2, self.block3, self.block4, self.block5), self.l6)
