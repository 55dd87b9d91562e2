"""InfoMax-GAN at 128x128 (CelebA 128, LSUN-Bedroom, ImageNet 128) with ResNet backbones."""
import torch.nn as nn

from torch_mimicry.modules import SNConv2d, SNLinear
from torch_mimicry.nets.dcgan import dcgan_base
from torch_mimicry.nets.infomax_gan import infomax_gan_base


class InfoMaxGANGenerator128(infomax_gan_base.InfoMaxGANBaseGenerator):
    """InfoMax-GAN generator for 128x128 images: noise ``[N, nz]`` -> images ``[N, 3, 128, 128]`` in [-1, 1]."""

    def __init__(self, nz=128, ngf=1024, bottom_width=4, **kwargs):
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        dcgan_base.build_generator(self, dcgan_base.GENERATOR_PLANS[128])

    def forward(self, x):
        return dcgan_base.run_generator(self, x)


class InfoMaxGANDiscriminator128(infomax_gan_base.InfoMaxGANBaseDiscriminator):
    """InfoMax-GAN discriminator for 128x128 images: images ``[N, 3, 128, 128]`` -> ``(logits [N, 1],
    local features, global features [N, ndf])``. The last block of the SNGAN discriminator makes
    the global features; the blocks before it the local ones."""

    def __init__(self, nrkhs=1024, ndf=1024, **kwargs):
        super().__init__(nrkhs=nrkhs, ndf=ndf, **kwargs)
        first, rest = dcgan_base.DISCRIMINATOR_PLANS[128]
        blocks = dcgan_base.make_dblocks(self.ndf, first, rest)
        self.local_feat_blocks = nn.Sequential(*blocks[:-1])
        self.global_feat_blocks = nn.Sequential(blocks[-1])
        self.linear = SNLinear(self.ndf, 1)
        c_local = self.ndf
        self.local_nrkhs_a = SNConv2d(c_local, c_local, 1, 1, 0)
        self.local_nrkhs_b = SNConv2d(c_local, self.nrkhs, 1, 1, 0)
        self.local_nrkhs_sc = SNConv2d(c_local, self.nrkhs, 1, 1, 0)
        self.global_nrkhs_a = SNLinear(self.ndf, self.ndf)
        self.global_nrkhs_b = SNLinear(self.ndf, self.nrkhs)
        self.global_nrkhs_sc = SNLinear(self.ndf, self.nrkhs)
        for layer in (self.linear, self.local_nrkhs_a, self.local_nrkhs_b, self.local_nrkhs_sc,
                      self.global_nrkhs_a, self.global_nrkhs_b, self.global_nrkhs_sc):
            nn.init.xavier_uniform_(layer.weight.data, 1.0)
