"""BigGAN at 64x64 (64x64 data, e.g. ImageNet 64)."""
from typing import Any, Optional

import torch

from torch_mimicry.nets.biggan import biggan_base


class BigGANGenerator64(biggan_base.BigGANBaseGenerator):
    """BigGAN generator for 64x64 images: noise ``[N, nz]``, labels ``[N]`` -> images
    ``[N, 3, 64, 64]`` in [-1, 1]. Self-attention after the block with 32x32 outputs
    (``attention_resolution``, 0 for none); see ``BigGANBaseGenerator`` for the other arguments."""

    def __init__(self, num_classes: int, nz: int = 120, ngf: int = 64, bottom_width: int = 4,
                 attention_resolution: int = 32, **kwargs: Any) -> None:
        super().__init__(num_classes=num_classes, nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        biggan_base.build_generator(self, biggan_base.GENERATOR_PLANS[64], attention_resolution)

    def forward(self, z: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        return biggan_base.run_generator(self, z, y)


class BigGANDiscriminator64(biggan_base.BigGANBaseDiscriminator):
    """BigGAN projection discriminator for 64x64 images: images ``[N, 3, 64, 64]``, labels
    ``[N]`` -> logits ``[N, 1]``. Self-attention after the block with 32x32 outputs
    (``attention_resolution``, 0 for none)."""

    def __init__(self, num_classes: int, ndf: int = 64, attention_resolution: int = 32, **kwargs: Any) -> None:
        super().__init__(num_classes=num_classes, ndf=ndf, **kwargs)
        biggan_base.build_discriminator(self, biggan_base.DISCRIMINATOR_PLANS[64], 64, attention_resolution)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return biggan_base.run_discriminator(self, x, y)
