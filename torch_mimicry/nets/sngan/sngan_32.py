"""SNGAN at 32x32 (CIFAR-10 / CIFAR-100): the ResNet generator and discriminator of Miyato et al. 2018."""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear
from torch_mimicry.nets.sngan import sngan_base


class SNGANGenerator32(sngan_base.SNGANBaseGenerator):
    """SNGAN generator for 32x32 images: noise ``[N, nz]`` -> images ``[N, 3, 32, 32]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 256, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        self.l1 = nn.Linear(self.nz, (self.bottom_width ** 2) * self.ngf)
        self.block2 = GBlock(self.ngf, self.ngf, upsample=True)
        self.block3 = GBlock(self.ngf, self.ngf, upsample=True)
        self.block4 = GBlock(self.ngf, self.ngf, upsample=True)
        self.b5 = nn.BatchNorm2d(self.ngf)
        self.c5 = nn.Conv2d(self.ngf, 3, 3, 1, padding=1)
        self.activation = nn.ReLU(True)
        nn.init.xavier_uniform_(self.l1.weight.data, 1.0)
        nn.init.xavier_uniform_(self.c5.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sngan_base.run_generator(self, x, (self.block2, self.block3, self.block4), self.b5, self.c5)


class SNGANDiscriminator32(sngan_base.SNGANBaseDiscriminator):
    """SNGAN discriminator for 32x32 images: images ``[N, 3, 32, 32]`` -> logits ``[N, 1]``."""

    def __init__(self, ndf: int = 128, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, **kwargs)
        self.block1 = DBlockOptimized(3, self.ndf)
        self.block2 = DBlock(self.ndf, self.ndf, downsample=True)
        self.block3 = DBlock(self.ndf, self.ndf, downsample=False)
        self.block4 = DBlock(self.ndf, self.ndf, downsample=False)
        self.l5 = SNLinear(self.ndf, 1)
        self.activation = nn.ReLU(True)
        nn.init.xavier_uniform_(self.l5.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sngan_base.run_discriminator(self, x, (self.block1, self.block2, self.block3, self.block4), self.l5)
