"""R3GAN at 32x32: the official CIFAR-10 preset (``train.py --preset=CIFAR10``)."""
from typing import Any, Optional

from torch_mimicry.nets.r3gan import r3gan_base


class R3GANGenerator32(r3gan_base.R3GANGenerator):
    """R3GAN generator for 32x32 images: the ``'cifar10'`` plan (4 stages of 768 channels, 2 blocks
    each, cardinality 96, expansion 2, z = 64; 20,732,160 parameters, 20,781,952 with 10 classes);
    ``plan='imagenet32'`` (1536 x 4, with ``num_classes=1000``) for ImageNet-32.
    Noise ``[N, nz]`` (and labels ``[N]`` when ``num_classes > 0``) -> images ``[N, 3, 32, 32]``;
    see :class:`~torch_mimicry.nets.r3gan.r3gan_base.R3GANGenerator` for the arguments."""

    def __init__(self, nz: int = 64, ngf: Optional[int] = None, num_classes: int = 0, plan: Any = "cifar10",
                 embed_dim: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(plan=plan, nz=nz, ngf=ngf, num_classes=num_classes, embed_dim=embed_dim, resolution=32,
                         **kwargs)


class R3GANDiscriminator32(r3gan_base.R3GANDiscriminator):
    """R3GAN discriminator for 32x32 images: the ``'cifar10'`` plan in reverse (20,683,776
    parameters, 21,280,512 with 10 classes), ``gamma`` from the plan's preset (CIFAR-10: 0.05). Images ``[N, 3, 32, 32]`` (and labels
    ``[N]`` when ``num_classes > 0``) -> logits ``[N, 1]``; see
    :class:`~torch_mimicry.nets.r3gan.r3gan_base.R3GANDiscriminator` for the arguments."""

    def __init__(self, ndf: Optional[int] = None, num_classes: int = 0, plan: Any = "cifar10",
                 gamma: Optional[float] = None,
                 embed_dim: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(plan=plan, ndf=ndf, num_classes=num_classes, gamma=gamma, embed_dim=embed_dim,
                         resolution=32, **kwargs)
