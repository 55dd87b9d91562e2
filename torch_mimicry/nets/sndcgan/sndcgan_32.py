"""SNDCGAN at 32x32 (CIFAR-10): the standard CNN of Miyato et al. 2018."""
from typing import Any

from torch_mimicry.nets.sndcgan import sndcgan_base


class SNDCGANGenerator32(sndcgan_base.SNDCGANBaseGenerator):
    """SNDCGAN generator for 32x32 images: noise ``[N, nz]`` -> images ``[N, 3, 32, 32]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 512, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)


class SNDCGANDiscriminator32(sndcgan_base.SNDCGANBaseDiscriminator):
    """SNDCGAN discriminator for 32x32 images: images ``[N, 3, 32, 32]`` -> logits ``[N, 1]``."""

    def __init__(self, ndf: int = 512, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, bottom_width=4, **kwargs)
