"""SNDCGAN: the standard CNN of Miyato et al. 2018 with spectral norm, at 32 and 48 pixels."""
from torch_mimicry.nets.sndcgan.sndcgan_32 import SNDCGANDiscriminator32, SNDCGANGenerator32
from torch_mimicry.nets.sndcgan.sndcgan_48 import SNDCGANDiscriminator48, SNDCGANGenerator48
from torch_mimicry.nets.sndcgan.sndcgan_base import SNDCGANBaseDiscriminator, SNDCGANBaseGenerator

__all__ = ["SNDCGANBaseDiscriminator", "SNDCGANBaseGenerator", "SNDCGANDiscriminator32", "SNDCGANDiscriminator48",
           "SNDCGANGenerator32", "SNDCGANGenerator48"]
