"""ResNet DCGAN (the non-spectral-norm baseline of the Mimicry study) at 32, 48, 64 and 128 pixels."""
from torch_mimicry.nets.dcgan.dcgan_32 import DCGANDiscriminator32, DCGANGenerator32
from torch_mimicry.nets.dcgan.dcgan_48 import DCGANDiscriminator48, DCGANGenerator48
from torch_mimicry.nets.dcgan.dcgan_64 import DCGANDiscriminator64, DCGANGenerator64
from torch_mimicry.nets.dcgan.dcgan_128 import DCGANDiscriminator128, DCGANGenerator128
from torch_mimicry.nets.dcgan.dcgan_base import DCGANBaseDiscriminator, DCGANBaseGenerator
from torch_mimicry.nets.dcgan.dcgan_cifar import DCGANDiscriminatorCIFAR, DCGANGeneratorCIFAR

__all__ = ["DCGANBaseDiscriminator", "DCGANBaseGenerator",
           "DCGANDiscriminator32", "DCGANDiscriminator48", "DCGANDiscriminator64", "DCGANDiscriminator128",
           "DCGANGenerator32", "DCGANGenerator48", "DCGANGenerator64", "DCGANGenerator128",
           "DCGANDiscriminatorCIFAR", "DCGANGeneratorCIFAR"]

# Also reachable here, as in torch-mimicry 0.1.16 (not part of __all__).
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock  # noqa: E402,F401
