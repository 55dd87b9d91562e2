"""Networks: the base classes and every GAN family (one subpackage per family)."""
from torch_mimicry.nets import basemodel, gan, sngan
from torch_mimicry.nets import biggan, cgan_pd, dcgan, infomax_gan, r3gan, sagan, sndcgan, ssgan, wgan_gp

__all__ = ["basemodel", "gan", "sngan", "dcgan", "wgan_gp", "cgan_pd", "ssgan", "infomax_gan", "sagan",
           "sndcgan", "biggan", "r3gan"]
