"""InfoMax-GAN at 32x32 (CIFAR-10 / CIFAR-100) with ResNet backbones."""
from torch_mimicry.nets.dcgan import dcgan_base
from torch_mimicry.nets.infomax_gan import infomax_gan_base


class InfoMaxGANGenerator32(infomax_gan_base.InfoMaxGANBaseGenerator):
    """InfoMax-GAN generator for 32x32 images: noise ``[N, nz]`` -> images ``[N, 3, 32, 32]`` in [-1, 1]."""

    def __init__(self, nz=128, ngf=256, bottom_width=4, **kwargs):
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        dcgan_base.build_generator(self, dcgan_base.GENERATOR_PLANS[32])

    def forward(self, x):
        return dcgan_base.run_generator(self, x)


class InfoMaxGANDiscriminator32(infomax_gan_base.InfoMaxGANBaseDiscriminator):
    """InfoMax-GAN discriminator for 32x32 images: images ``[N, 3, 32, 32]`` -> ``(logits [N, 1],
    local features, global features [N, ndf])``. The last block of the SNGAN discriminator makes
    the global features; the blocks before it the local ones."""

    def __init__(self, nrkhs=1024, ndf=128, **kwargs):
        super().__init__(nrkhs=nrkhs, ndf=ndf, **kwargs)
        self.build_layers(dcgan_base.DISCRIMINATOR_PLANS[32])
