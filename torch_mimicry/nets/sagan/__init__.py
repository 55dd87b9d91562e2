"""SAGAN (Zhang et al. 2019): conditional GAN with self-attention at 32, 48, 64 and 128 pixels."""
from torch_mimicry.nets.sagan.sagan_32 import SAGANDiscriminator32, SAGANGenerator32
from torch_mimicry.nets.sagan.sagan_48 import SAGANDiscriminator48, SAGANGenerator48
from torch_mimicry.nets.sagan.sagan_64 import SAGANDiscriminator64, SAGANGenerator64
from torch_mimicry.nets.sagan.sagan_128 import SAGANDiscriminator128, SAGANGenerator128
from torch_mimicry.nets.sagan.sagan_base import SAGANBaseDiscriminator, SAGANBaseGenerator

__all__ = ["SAGANBaseDiscriminator", "SAGANBaseGenerator",
           "SAGANDiscriminator32", "SAGANDiscriminator48", "SAGANDiscriminator64", "SAGANDiscriminator128",
           "SAGANGenerator32", "SAGANGenerator48", "SAGANGenerator64", "SAGANGenerator128"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.modules import (DBlock, DBlockOptimized, GBlock, SelfAttention, SNConv2d,  # noqa: E402,F401
                                     SNEmbedding, SNLinear)
