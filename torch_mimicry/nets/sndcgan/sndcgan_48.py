"""SNDCGAN at 48x48 (STL-10): the standard CNN of Miyato et al. 2018."""
from typing import Any

from torch_mimicry.nets.sndcgan import sndcgan_base


class SNDCGANGenerator48(sndcgan_base.SNDCGANBaseGenerator):
    """SNDCGAN generator for 48x48 images: noise ``[N, nz]`` -> images ``[N, 3, 48, 48]`` in [-1, 1]."""

    def __init__(self, nz: int = 128, ngf: int = 512, bottom_width: int = 6, **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)


class SNDCGANDiscriminator48(sndcgan_base.SNDCGANBaseDiscriminator):
    """SNDCGAN discriminator for 48x48 images: images ``[N, 3, 48, 48]`` -> logits ``[N, 1]``."""

    def __init__(self, ndf: int = 512, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, bottom_width=6, **kwargs)
