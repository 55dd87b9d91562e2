"""DCGAN baseline of the Mimicry study: the SNGAN ResNet backbones (Miyato et al. 2018, see
``torch_mimicry.nets.resnet_backbone``) without spectral normalisation, trained with the
non-saturating loss ``'ns'`` (Goodfellow et al. 2014; Radford et al. 2016)."""
from typing import Any

from torch_mimicry.nets import gan


class DCGANBaseGenerator(gan.BaseGenerator):
    """Base class of the ResNet DCGAN generators (default loss ``'ns'``).

    Args:
        nz (int): noise dimension. ngf (int): base width. bottom_width (int): first feature map size.
        loss_type (str): one of ``torch_mimicry.modules.losses.LOSS_TYPES``.
    """

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str = "ns", **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)


class DCGANBaseDiscriminator(gan.BaseDiscriminator):
    """Base class of the ResNet DCGAN discriminators (default loss ``'ns'``, no spectral norm).

    ``forward(x)`` maps images ``[N, 3, H, W]`` in ``[-1, 1]`` to logits ``[N, 1]``.
    """

    def __init__(self, ndf: int, loss_type: str = "ns", **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
