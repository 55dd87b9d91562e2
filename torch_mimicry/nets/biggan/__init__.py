"""BigGAN (Brock et al. 2019): shared class embedding, hierarchical latent, projection discriminator,
self-attention and the truncation trick, at 32, 64 and 128 pixels."""
from torch_mimicry.nets.biggan.biggan_32 import BigGANDiscriminator32, BigGANGenerator32
from torch_mimicry.nets.biggan.biggan_64 import BigGANDiscriminator64, BigGANGenerator64
from torch_mimicry.nets.biggan.biggan_128 import BigGANDiscriminator128, BigGANGenerator128
from torch_mimicry.nets.biggan.biggan_base import BigGANBaseDiscriminator, BigGANBaseGenerator

__all__ = ["BigGANBaseDiscriminator", "BigGANBaseGenerator",
           "BigGANDiscriminator32", "BigGANDiscriminator64", "BigGANDiscriminator128",
           "BigGANGenerator32", "BigGANGenerator64", "BigGANGenerator128"]
