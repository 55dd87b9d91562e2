"""SNGAN (Miyato et al. 2018) at 32, 48, 64 and 128 pixels."""
from torch_mimicry.nets.sngan.sngan_32 import SNGANDiscriminator32, SNGANGenerator32
from torch_mimicry.nets.sngan.sngan_48 import SNGANDiscriminator48, SNGANGenerator48
from torch_mimicry.nets.sngan.sngan_64 import SNGANDiscriminator64, SNGANGenerator64
from torch_mimicry.nets.sngan.sngan_128 import SNGANDiscriminator128, SNGANGenerator128
from torch_mimicry.nets.sngan.sngan_base import SNGANBaseDiscriminator, SNGANBaseGenerator

__all__ = ["SNGANBaseDiscriminator", "SNGANBaseGenerator",
           "SNGANDiscriminator32", "SNGANDiscriminator48", "SNGANDiscriminator64", "SNGANDiscriminator128",
           "SNGANGenerator32", "SNGANGenerator48", "SNGANGenerator64", "SNGANGenerator128"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear  # noqa: E402,F401
