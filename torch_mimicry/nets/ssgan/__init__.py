"""SSGAN (Chen et al. 2019), rotation self-supervision, with ResNet backbones at 32, 48, 64 and 128 pixels."""
from torch_mimicry.nets.ssgan.ssgan_32 import SSGANDiscriminator32, SSGANGenerator32
from torch_mimicry.nets.ssgan.ssgan_48 import SSGANDiscriminator48, SSGANGenerator48
from torch_mimicry.nets.ssgan.ssgan_64 import SSGANDiscriminator64, SSGANGenerator64
from torch_mimicry.nets.ssgan.ssgan_128 import SSGANDiscriminator128, SSGANGenerator128
from torch_mimicry.nets.ssgan.ssgan_base import (SSGANBaseDiscriminator, SSGANBaseGenerator, rotate_batch,
                                                 rotation_labels)

__all__ = ["SSGANBaseDiscriminator", "SSGANBaseGenerator",
           "SSGANDiscriminator32", "SSGANDiscriminator48", "SSGANDiscriminator64", "SSGANDiscriminator128",
           "SSGANGenerator32", "SSGANGenerator48", "SSGANGenerator64", "SSGANGenerator128",
           "rotate_batch", "rotation_labels"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear  # noqa: E402,F401
