"""InfoMax-GAN (Lee et al. 2021) with ResNet backbones at 32, 48, 64 and 128 pixels."""
from torch_mimicry.nets.infomax_gan.infomax_gan_32 import InfoMaxGANDiscriminator32, InfoMaxGANGenerator32
from torch_mimicry.nets.infomax_gan.infomax_gan_48 import InfoMaxGANDiscriminator48, InfoMaxGANGenerator48
from torch_mimicry.nets.infomax_gan.infomax_gan_64 import InfoMaxGANDiscriminator64, InfoMaxGANGenerator64
from torch_mimicry.nets.infomax_gan.infomax_gan_128 import InfoMaxGANDiscriminator128, InfoMaxGANGenerator128
from torch_mimicry.nets.infomax_gan.infomax_gan_base import (InfoMaxGANBaseDiscriminator, InfoMaxGANBaseGenerator,
                                                             infonce_loss)

__all__ = ["InfoMaxGANBaseDiscriminator", "InfoMaxGANBaseGenerator",
           "InfoMaxGANDiscriminator32", "InfoMaxGANDiscriminator48", "InfoMaxGANDiscriminator64",
           "InfoMaxGANDiscriminator128", "InfoMaxGANGenerator32", "InfoMaxGANGenerator48", "InfoMaxGANGenerator64",
           "InfoMaxGANGenerator128", "infonce_loss"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNConv2d, SNLinear  # noqa: E402,F401
from torch_mimicry.nets.infomax_gan.infomax_gan_base import BaseDiscriminator  # noqa: E402,F401
