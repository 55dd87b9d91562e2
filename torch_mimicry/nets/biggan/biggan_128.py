"""BigGAN at 128x128 (ImageNet 128)."""
from typing import Any, Optional

import torch

from torch_mimicry.nets.biggan import biggan_base


class BigGANGenerator128(biggan_base.BigGANBaseGenerator):
    """BigGAN generator for 128x128 images: noise ``[N, nz]``, labels ``[N]`` -> images
    ``[N, 3, 128, 128]`` in [-1, 1]. Self-attention after the block with 64x64 outputs
    (``attention_resolution``, 0 for none); see ``BigGANBaseGenerator`` for the other arguments."""

    def __init__(self, num_classes: int, nz: int = 120, ngf: int = 96, bottom_width: int = 4,
                 attention_resolution: int = 64, **kwargs: Any) -> None:
        super().__init__(num_classes=num_classes, nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        biggan_base.build_generator(self, biggan_base.GENERATOR_PLANS[128], attention_resolution)

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        return biggan_base.run_generator(self, z, y)


class BigGANDiscriminator128(biggan_base.BigGANBaseDiscriminator):
    """BigGAN projection discriminator for 128x128 images: images ``[N, 3, 128, 128]``, labels
    ``[N]`` -> logits ``[N, 1]``. Self-attention after the block with 64x64 outputs
    (``attention_resolution``, 0 for none)."""

    def __init__(self, num_classes: int, ndf: int = 96, attention_resolution: int = 64, **kwargs: Any) -> None:
        super().__init__(num_classes=num_classes, ndf=ndf, **kwargs)
        biggan_base.build_discriminator(self, biggan_base.DISCRIMINATOR_PLANS[128], 128, attention_resolution)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return biggan_base.run_discriminator(self, x, y)
