"""cGAN-PD (Miyato & Koyama 2018): conditional-BN generator and projection discriminator at 32, 48, 64
and 128 pixels."""
from torch_mimicry.nets.cgan_pd.cgan_pd_32 import CGANPDDiscriminator32, CGANPDGenerator32
from torch_mimicry.nets.cgan_pd.cgan_pd_48 import CGANPDDiscriminator48, CGANPDGenerator48
from torch_mimicry.nets.cgan_pd.cgan_pd_64 import CGANPDDiscriminator64, CGANPDGenerator64
from torch_mimicry.nets.cgan_pd.cgan_pd_128 import CGANPDDiscriminator128, CGANPDGenerator128
from torch_mimicry.nets.cgan_pd.cgan_pd_base import CGANPDBaseDiscriminator, CGANPDBaseGenerator

__all__ = ["CGANPDBaseDiscriminator", "CGANPDBaseGenerator",
           "CGANPDDiscriminator32", "CGANPDDiscriminator48", "CGANPDDiscriminator64", "CGANPDDiscriminator128",
           "CGANPDGenerator32", "CGANPDGenerator48", "CGANPDGenerator64", "CGANPDGenerator128"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNEmbedding, SNLinear  # noqa: E402,F401
