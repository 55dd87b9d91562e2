"""InfoMax-GAN at 64x64 (CelebA 64) with ResNet backbones."""
from typing import Any

import torch

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.infomax_gan import infomax_gan_base


class InfoMaxGANGenerator64(infomax_gan_base.InfoMaxGANBaseGenerator):
    """InfoMax-GAN generator for 64x64 images: noise ``[N, nz]`` -> images ``[N, 3, 64, 64]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 1024, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[64])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class InfoMaxGANDiscriminator64(infomax_gan_base.InfoMaxGANBaseDiscriminator):
    """InfoMax-GAN discriminator for 64x64 images: images ``[N, 3, 64, 64]`` -> ``(logits [N, 1],
    local features, global features [N, ndf])``. The last block of the SNGAN discriminator makes
    the global features; the blocks before it the local ones."""

    def __init__(self, nrkhs: int = 1024, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(nrkhs=nrkhs, ndf=ndf, **kwargs)
        self.build_layers(resnet_backbone.DISCRIMINATOR_PLANS[64])
