"""cGAN-PD at 64x64 (CelebA 64) with ResNet backbones."""
from typing import Any, Optional

import torch
import torch.nn as nn

from torch_mimicry.modules import SNEmbedding, SNLinear
from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.cgan_pd import cgan_pd_base


class CGANPDGenerator64(cgan_pd_base.CGANPDBaseGenerator):
    """cGAN-PD generator for 64x64 images: noise ``[N, nz]``, labels ``[N]`` ->
    images ``[N, 3, 64, 64]`` in [-1, 1]."""

    def __init__(self, num_classes: int, nz: int = 128, ngf: int = 1024, bottom_width: int = 4, **kwargs: Any) -> None:
        super().__init__(num_classes=num_classes, nz=nz, ngf=ngf, bottom_width=bottom_width, **kwargs)
        resnet_backbone.build_generator(self, resnet_backbone.GENERATOR_PLANS[64], num_classes=num_classes)

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = cgan_pd_base.conditional_forward_labels(self, x, y)
        return resnet_backbone.run_generator(self, x, y=y)


class CGANPDDiscriminator64(cgan_pd_base.CGANPDBaseDiscriminator):
    """cGAN-PD projection discriminator for 64x64 images: images ``[N, 3, 64, 64]``,
    labels ``[N]`` -> logits ``[N, 1]``."""

    def __init__(self, num_classes: int, ndf: int = 1024, **kwargs: Any) -> None:
        super().__init__(num_classes=num_classes, ndf=ndf, **kwargs)
        resnet_backbone.build_discriminator(self, resnet_backbone.DISCRIMINATOR_PLANS[64])
        self.l6 = SNLinear(self.ndf, 1)
        self.l_y = SNEmbedding(num_embeddings=self.num_classes, embedding_dim=self.ndf)
        nn.init.xavier_uniform_(self.l6.weight.data, 1.0)
        nn.init.xavier_uniform_(self.l_y.weight.data, 1.0)

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = cgan_pd_base.check_labels(y)
        return cgan_pd_base.projection_logits(x, y, resnet_backbone.discriminator_blocks(self), self.l6, self.l_y)
