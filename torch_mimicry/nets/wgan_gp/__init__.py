"""WGAN-GP (Gulrajani et al. 2017) with ResNet backbones at 32, 48, 64 and 128 pixels."""
from torch_mimicry.nets.wgan_gp.wgan_gp_32 import WGANGPDiscriminator32, WGANGPGenerator32
from torch_mimicry.nets.wgan_gp.wgan_gp_48 import WGANGPDiscriminator48, WGANGPGenerator48
from torch_mimicry.nets.wgan_gp.wgan_gp_64 import WGANGPDiscriminator64, WGANGPGenerator64
from torch_mimicry.nets.wgan_gp.wgan_gp_128 import WGANGPDiscriminator128, WGANGPGenerator128
from torch_mimicry.nets.wgan_gp.wgan_gp_base import WGANGPBaseDiscriminator, WGANGPBaseGenerator

__all__ = ["WGANGPBaseDiscriminator", "WGANGPBaseGenerator",
           "WGANGPDiscriminator32", "WGANGPDiscriminator48", "WGANGPDiscriminator64", "WGANGPDiscriminator128",
           "WGANGPGenerator32", "WGANGPGenerator48", "WGANGPGenerator64", "WGANGPGenerator128"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.nets.wgan_gp import wgan_gp_resblocks  # noqa: E402,F401
from torch_mimicry.nets.wgan_gp.wgan_gp_resblocks import DBlock, DBlockOptimized, GBlock  # noqa: E402,F401
