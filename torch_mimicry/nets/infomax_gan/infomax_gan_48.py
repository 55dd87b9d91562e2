"""InfoMax-GAN at 48x48 (STL-10) with ResNet backbones."""
from typing import Any

import torch

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.infomax_gan import infomax_gan_base


class InfoMaxGANGenerator48(infomax_gan_base.InfoMaxGANBaseGenerator):
    """InfoMax-GAN generator for 48x48 images: noise ``[N, nz]`` -> images ``[N, 3, 48, 48]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 512, bottom_width: int = 6, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[48])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x)


class InfoMaxGANDiscriminator48(infomax_gan_base.InfoMaxGANBaseDiscriminator):
    """InfoMax-GAN discriminator for 48x48 images: images ``[N, 3, 48, 48]`` -> ``(logits [N, 1],
    local features, global features [N, ndf])``. The last block of the SNGAN discriminator makes
    the global features; the blocks before it the local ones."""

    def __init__(self, ndf: int = 1024, nrkhs: int = 1024, **kwargs: Any) -> None:  # 0.1.16's argument order
        super().__init__(nrkhs=nrkhs, ndf=ndf, **kwargs)
        self.build_layers(resnet_backbone.DISCRIMINATOR_PLANS[48])
