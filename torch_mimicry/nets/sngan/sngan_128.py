"""SNGAN at 128x128 (CelebA 128, LSUN-Bedroom, ImageNet 128): the ResNet generator and discriminator of Miyato et al. 2018."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear
from torch_mimicry.nets.sngan import sngan_base


class SNGANGenerator128(sngan_base.SNGANBaseGenerator):
    """SNGAN generator for 128x128 images: noise ``[N, nz]`` -> images ``[N, 3, 128, 128]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 1024, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        self.l1 = nn.Linear(self.nz, (self.bottom_width ** 2) * self.ngf)
        self.block2 = GBlock(self.ngf, self.ngf, upsample=True)
        self.block3 = GBlock(self.ngf, self.ngf >> 1, upsample=True)
        self.block4 = GBlock(self.ngf >> 1, self.ngf >> 2, upsample=True)
        self.block5 = GBlock(self.ngf >> 2, self.ngf >> 3, upsample=True)
        self.block6 = GBlock(self.ngf >> 3, self.ngf >> 4, upsample=True)
        self.b7 = nn.BatchNorm2d(self.ngf >> 4)
        self.c7 = nn.Conv2d(self.ngf >> 4, 3, 3, 1, padding=1)
        self.activation = nn.ReLU(True)
        nn.init.xavier_uniform_(self.l1.weight.data, 1.0)
        nn.init.xavier_uniform_(self.c7.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sngan_base.run_generator(self, x, (self.block2, self.block3, self.block4, self.block5, self.block6), self.b7, self.c7)


class SNGANDiscriminator128(sngan_base.SNGANBaseDiscriminator):
    """SNGAN discriminator for 128x128 images: images ``[N, 3, 128, 128]`` -> logits ``[N, 1]``."""

    def __init__(self, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        self.block1 = DBlockOptimized(3, self.ndf >> 4)
        self.block2 = DBlock(self.ndf >> 4, self.ndf >> 3, downsample=True)
        self.block3 = DBlock(self.ndf >> 3, self.ndf >> 2, downsample=True)
        self.block4 = DBlock(self.ndf >> 2, self.ndf >> 1, downsample=True)
        self.block5 = DBlock(self.ndf >> 1, self.ndf, downsample=True)
        self.block6 = DBlock(self.ndf, self.ndf, downsample=False)
        self.l7 = SNLinear(self.ndf, 1)
        self.activation = nn.ReLU(True)
        nn.init.xavier_uniform_(self.l7.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sngan_base.run_discriminator(self, x, (self.block1, self.block2, self.block3, self.block4, self.block5, self.block6), self.l7)
