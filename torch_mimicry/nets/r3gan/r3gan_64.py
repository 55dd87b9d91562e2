"""R3GAN at 64x64: the official FFHQ-64 preset (``train.py --preset=FFHQ-64``); ``plan='imagenet64'``
gives the ImageNet-64 one."""
from typing import Any, Optional

from torch_mimicry.nets.r3gan import r3gan_base


class R3GANGenerator64(r3gan_base.R3GANGenerator):
    """R3GAN generator for 64x64 images: the ``'ffhq64'`` plan (widths 768 x 4 then 384, 2 blocks
    per stage, cardinality 96 x 4 then 48, expansion 2, z = 64); ``plan='imagenet64'`` (1536 x 5,
    with ``num_classes=1000``) for ImageNet-64. Noise ``[N, nz]`` (and labels ``[N]`` when
    ``num_classes > 0``) -> images ``[N, 3, 64, 64]``; see
    :class:`~torch_mimicry.nets.r3gan.r3gan_base.R3GANGenerator` for the arguments."""

    def __init__(self, nz: int = 64, ngf: Optional[int] = None, num_classes: int = 0, plan: Any = "ffhq64",
                 embed_dim: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(plan=plan, nz=nz, ngf=ngf, num_classes=num_classes, embed_dim=embed_dim, resolution=64,
                         **kwargs)


class R3GANDiscriminator64(r3gan_base.R3GANDiscriminator):
    """R3GAN discriminator for 64x64 images: the ``'ffhq64'`` plan in reverse, ``gamma`` from the
    plan's preset (FFHQ-64: 2.0; ImageNet-64: 1.0). Images ``[N, 3, 64, 64]`` (and labels ``[N]``
    when ``num_classes > 0``) -> logits ``[N, 1]``; see
    :class:`~torch_mimicry.nets.r3gan.r3gan_base.R3GANDiscriminator` for the arguments."""

    def __init__(self, ndf: Optional[int] = None, num_classes: int = 0, plan: Any = "ffhq64",
                 gamma: Optional[float] = None, embed_dim: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(plan=plan, ndf=ndf, num_classes=num_classes, gamma=gamma, embed_dim=embed_dim,
                         resolution=64, **kwargs)
