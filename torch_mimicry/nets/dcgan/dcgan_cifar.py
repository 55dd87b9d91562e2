"""ResNet DCGAN for CIFAR-10 in the setting of Kurach et al. 2019: the 32x32 DCGAN networks with a
sigmoid generator output, images in [0, 1] (train it on images that are not normalised to
[-1, 1]; the metrics expect [-1, 1], so map ``2 * x - 1`` before scoring)."""
from typing import Any

import torch

from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.dcgan import dcgan_32


class DCGANGeneratorCIFAR(dcgan_32.DCGANGenerator32):
    """DCGAN generator for CIFAR-10: noise ``[N, nz]`` -> images ``[N, 3, 32, 32]`` in [0, 1]
    (sigmoid output). Layers and checkpoints are those of ``DCGANGenerator32``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resnet_backbone.run_generator(self, x, output_activation=torch.sigmoid)


class DCGANDiscriminatorCIFAR(dcgan_32.DCGANDiscriminator32):
    """DCGAN discriminator for CIFAR-10: images ``[N, 3, 32, 32]`` -> logits ``[N, 1]``
    (the layers and forward of ``DCGANDiscriminator32``)."""
