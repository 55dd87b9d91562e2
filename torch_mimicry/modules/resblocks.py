"""Residual blocks of the ResNet backbones of Miyato et al. 2018 (SNGAN) and the GANs built on it.

``GBlock`` upsamples (generator), ``DBlock`` downsamples (discriminator), and
``DBlockOptimized`` is the discriminator's first block, which sees raw images.
Residual convolutions are initialised with ``xavier_uniform_`` (gain sqrt(2)) and 1x1 shortcut
convolutions with gain 1.
"""
import math
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.modules.layers import (ConditionalBatchNorm2d, Conv2d, LinearConditionalBatchNorm2d,
                                          pooled_conv3x3)
from torch_mimicry.modules.spectral_norm import converge_spectral_norms


UPSAMPLE_MODES = ("bilinear", "nearest")


def upsample(x: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """Doubles height and width (``mode`` 'bilinear' or 'nearest'): ``[N, C, H, W] -> [N, C, 2H, 2W]``."""
    if mode == "nearest":
        return F.interpolate(x, scale_factor=2, mode="nearest")
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def downsample(x: torch.Tensor) -> torch.Tensor:
    """Halves height and width by 2x2 average pooling: ``[N, C, H, W] -> [N, C, H/2, W/2]``."""
    return F.avg_pool2d(x, 2)


def _init_residual(block: Union["GBlock", "DBlock", "DBlockOptimized"]) -> None:
    nn.init.xavier_uniform_(block.c1.weight.data, math.sqrt(2.0))
    nn.init.xavier_uniform_(block.c2.weight.data, math.sqrt(2.0))
    if getattr(block, "c_sc", None) is not None:
        nn.init.xavier_uniform_(block.c_sc.weight.data, 1.0)
    converge_spectral_norms(block)  # the estimates of the initialised weights (a block used on its own)


class GBlock(nn.Module):
    """Generator residual block: BN-ReLU-(upsample)-conv3x3-BN-ReLU-conv3x3, plus a shortcut.

    Args:
        in_channels (int), out_channels (int): channels of input and output.
        hidden_channels (int): channels between the two convolutions (default ``out_channels``).
        upsample (bool): double the resolution.
        num_classes (int): when above 0, batch norms are class-conditional and ``forward``
            takes labels ``y`` of shape ``[N]``.
        cond_dim (int): when above 0, batch norms are conditioned on a vector
            (``LinearConditionalBatchNorm2d``, BigGAN) and ``forward`` takes ``y`` of shape
            ``[N, cond_dim]``. At most one of ``num_classes`` and ``cond_dim`` is above 0.
        spectral_norm (bool): spectrally normalise the convolutions (SAGAN, BigGAN do) and the
            linear maps of vector-conditional batch norms.
        upsample_mode (str): 'bilinear' (SNGAN and the families built on it) or 'nearest' (BigGAN).

    Shapes: ``[N, in, H, W] -> [N, out, 2H, 2W]`` with upsampling, else ``[N, out, H, W]``.
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: Optional[int] = None,
                 upsample: bool = False, num_classes: int = 0, spectral_norm: bool = False, cond_dim: int = 0,
                 upsample_mode: str = "bilinear") -> None:
        super().__init__()
        if num_classes > 0 and cond_dim > 0:
            raise ValueError("GBlock: give num_classes (labels) or cond_dim (condition vectors), not both.")
        if upsample_mode not in UPSAMPLE_MODES:
            raise ValueError(f"Unknown upsample_mode {upsample_mode!r}: expected one of {', '.join(UPSAMPLE_MODES)}.")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels if hidden_channels is not None else out_channels
        self.upsample = upsample
        self.upsample_mode = upsample_mode
        self.num_classes = num_classes
        self.cond_dim = cond_dim
        self.spectral_norm = spectral_norm
        self.learnable_sc = in_channels != out_channels or upsample

        self.c1 = Conv2d(in_channels, self.hidden_channels, 3, 1, padding=1, spectral_norm=spectral_norm)
        self.c2 = Conv2d(self.hidden_channels, out_channels, 3, 1, padding=1, spectral_norm=spectral_norm)
        self.b1: nn.Module
        self.b2: nn.Module
        if num_classes > 0:
            self.b1 = ConditionalBatchNorm2d(in_channels, num_classes)
            self.b2 = ConditionalBatchNorm2d(self.hidden_channels, num_classes)
        elif cond_dim > 0:
            self.b1 = LinearConditionalBatchNorm2d(in_channels, cond_dim, spectral_norm=spectral_norm)
            self.b2 = LinearConditionalBatchNorm2d(self.hidden_channels, cond_dim, spectral_norm=spectral_norm)
        else:
            self.b1 = nn.BatchNorm2d(in_channels)
            self.b2 = nn.BatchNorm2d(self.hidden_channels)
        self.activation = nn.ReLU(True)
        if self.learnable_sc:
            self.c_sc = Conv2d(in_channels, out_channels, 1, 1, padding=0, spectral_norm=spectral_norm)
        _init_residual(self)

    @property
    def conditional(self) -> bool:
        """True when the batch norms take a condition (labels or vectors)."""
        return self.num_classes > 0 or self.cond_dim > 0

    def _norm(self, bn: nn.Module, h: torch.Tensor, y: Optional[torch.Tensor]) -> torch.Tensor:
        return bn(h, y) if self.conditional else bn(h)

    def residual(self, x: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The residual branch, ``[N, C_in, H, W]`` -> ``[N, C_out, 2H, 2W]`` (``H, W`` without upsampling).

        ``y``: class labels ``[N]`` for conditional batch norm (``num_classes > 0`` only).
        """
        h = self.activation(self._norm(self.b1, x, y))
        if self.upsample:
            h = upsample(h, self.upsample_mode)
        h = self.c1(h)
        h = self.activation(self._norm(self.b2, h, y))
        return self.c2(h)

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        """The shortcut branch: identity, or upsampling and a 1x1 convolution when the shape changes."""
        if not self.learnable_sc:
            return x
        # A 1x1 convolution commutes with bilinear and nearest upsampling (bilinear weights sum
        # to 1): convolve first, at a quarter of the pixels.
        return upsample(self.c_sc(x), self.upsample_mode) if self.upsample else self.c_sc(x)

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.conditional and y is None:
            kind = ("class-conditional (num_classes > 0)" if self.num_classes > 0
                    else "conditioned on vectors (cond_dim > 0)")
            raise ValueError(f"This GBlock is {kind}: call it as block(x, y).")
        return self.residual(x, y) + self.shortcut(x)


class DBlock(nn.Module):
    """Discriminator residual block: ReLU-conv3x3-ReLU-conv3x3-(avgpool), plus a shortcut.

    Args:
        in_channels (int), out_channels (int): channels of input and output.
        hidden_channels (int): channels between the two convolutions (default ``in_channels``).
        downsample (bool): halve the resolution.
        spectral_norm (bool): spectrally normalise the convolutions (default True).

    Shapes: ``[N, in, H, W] -> [N, out, H/2, W/2]`` with downsampling, else ``[N, out, H, W]``.
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: Optional[int] = None,
                 downsample: bool = False, spectral_norm: bool = True) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels if hidden_channels is not None else in_channels
        self.downsample = downsample
        self.spectral_norm = spectral_norm
        self.learnable_sc = in_channels != out_channels or downsample

        self.c1 = Conv2d(in_channels, self.hidden_channels, 3, 1, padding=1, spectral_norm=spectral_norm)
        # With downsampling, c2 is a PooledConv2d: the block calls it with pool=True (conv and
        # 2x2 average pooling in one); called alone it is the plain 3x3 convolution.
        self.c2 = (pooled_conv3x3(self.hidden_channels, out_channels, spectral_norm=spectral_norm) if downsample
                   else Conv2d(self.hidden_channels, out_channels, 3, 1, padding=1, spectral_norm=spectral_norm))
        self.activation = nn.ReLU(True)
        if self.learnable_sc:
            self.c_sc = Conv2d(in_channels, out_channels, 1, 1, padding=0, spectral_norm=spectral_norm)
        _init_residual(self)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch: ReLU, 3x3 convolution, ReLU, 3x3 convolution (pooled when downsampling)."""
        # Not in place: ``x`` is also the shortcut's input.
        h = self.c1(F.relu(x))
        h = self.activation(h)
        return self.c2(h, pool=True) if self.downsample else self.c2(h)

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        """The shortcut branch: identity, or 2x2 average pooling (when downsampling) and a 1x1 convolution."""
        if not self.learnable_sc:
            return x
        # A 1x1 convolution commutes with average pooling: pool first, 4x fewer operations.
        return self.c_sc(downsample(x) if self.downsample else x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


class DBlockOptimized(nn.Module):
    """First discriminator block: conv3x3-ReLU-conv3x3-avgpool, plus avgpool-conv1x1 shortcut.

    Always halves the resolution. Shapes: ``[N, in, H, W] -> [N, out, H/2, W/2]``.
    """

    def __init__(self, in_channels: int, out_channels: int, spectral_norm: bool = True) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.spectral_norm = spectral_norm
        self.c1 = Conv2d(in_channels, out_channels, 3, 1, padding=1, spectral_norm=spectral_norm)
        self.c2 = pooled_conv3x3(out_channels, out_channels, spectral_norm=spectral_norm)  # fused with the avgpool
        self.c_sc = Conv2d(in_channels, out_channels, 1, 1, padding=0, spectral_norm=spectral_norm)
        self.activation = nn.ReLU(True)
        _init_residual(self)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch: 3x3 convolution, ReLU, 3x3 convolution with 2x2 average pooling."""
        return self.c2(self.activation(self.c1(x)), pool=True)  # conv3x3 + avgpool in one

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        """The shortcut branch: 2x2 average pooling, then a 1x1 convolution."""
        return self.c_sc(downsample(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)
