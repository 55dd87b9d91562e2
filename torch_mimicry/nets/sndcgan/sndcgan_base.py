"""SNDCGAN: the "standard CNN" of Miyato et al. 2018 (Table 3) with spectral norm in the
discriminator, the baseline of studies such as Kurach et al. 2019 and PA-GAN (Zhang & Khoreva
2019). Default loss ``'ns'`` (non-saturating), as in those studies.

Generator: linear ``nz -> bw*bw*ngf``, BN-ReLU, three 4x4 stride-2 transposed convolutions
(``ngf/2``, ``ngf/4``, ``ngf/8`` channels, each BN-ReLU), 3x3 convolution to RGB, tanh.
Discriminator: seven convolutions alternating 3x3 stride 1 and 4x4 stride 2 (widths ``ndf/8``,
``ndf/8``, ``ndf/4``, ``ndf/4``, ``ndf/2``, ``ndf/2``, ``ndf``), each followed by LeakyReLU(0.1),
then a linear layer on the flattened ``bw x bw x ndf`` features; all spectrally normalised.
"""
from typing import Any

import torch
import torch.nn as nn

from torch_mimicry.modules import SNConv2d, SNLinear
from torch_mimicry.nets import gan

LEAKY_SLOPE = 0.1


class SNDCGANBaseGenerator(gan.BaseGenerator):
    """Base class of SNDCGAN generators: ``forward(z)`` maps ``[N, nz]`` to ``[N, 3, 8*bw, 8*bw]`` in [-1, 1].

    Args:
        nz (int): noise dimension. ngf (int): width of the first feature map (default 512).
        bottom_width (int): its size (4 for 32x32, 6 for 48x48). loss_type (str): default ``'ns'``.
    """

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str = "ns", **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.l1 = nn.Linear(nz, bottom_width * bottom_width * ngf)
        self.b1 = nn.BatchNorm2d(ngf)
        self.deconvs = nn.ModuleList(
            [nn.ConvTranspose2d(ngf >> i, ngf >> (i + 1), 4, 2, padding=1) for i in range(3)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(ngf >> (i + 1)) for i in range(3)])
        self.c_out = nn.Conv2d(ngf >> 3, 3, 3, 1, padding=1)
        self.activation = nn.ReLU(True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.l1(x).view(x.shape[0], self.ngf, self.bottom_width, self.bottom_width)
        h = self.activation(self.b1(h))
        for deconv, bn in zip(self.deconvs, self.bns):
            h = self.activation(bn(deconv(h)))
        return self.c_out(h).tanh()


class SNDCGANBaseDiscriminator(gan.BaseDiscriminator):
    """Base class of SNDCGAN discriminators: ``forward(x)`` maps ``[N, 3, 8*bw, 8*bw]`` to logits ``[N, 1]``.

    Args:
        ndf (int): width of the last convolution (default 512).
        bottom_width (int): size of the last feature map (4 for 32x32, 6 for 48x48).
        loss_type (str): default ``'ns'``.
    """

    def __init__(self, ndf: int, bottom_width: int, loss_type: str = "ns", **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.bottom_width = bottom_width
        widths = [3, ndf >> 3, ndf >> 3, ndf >> 2, ndf >> 2, ndf >> 1, ndf >> 1, ndf]
        self.convs = nn.ModuleList()
        for i in range(7):
            k, s = (3, 1) if i % 2 == 0 else (4, 2)
            self.convs.append(SNConv2d(widths[i], widths[i + 1], k, s, padding=1))
        self.l_out = SNLinear(bottom_width * bottom_width * ndf, 1)
        self.activation = nn.LeakyReLU(LEAKY_SLOPE, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for conv in self.convs:
            h = self.activation(conv(h))
        return self.l_out(h.flatten(1))
