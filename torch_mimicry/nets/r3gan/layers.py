"""The building blocks of R3GAN's networks (Huang et al. 2024, Section 3).

* :class:`BiasedLeakyReLU`: a learned per-channel bias, then LeakyReLU(0.2); the network's only
  bias terms (its convolutions have none).
* :class:`ResidualBlock`: ``x + conv1x1(act(grouped conv3x3(act(conv1x1(x)))))`` with an expanded
  hidden width, no normalisation; the last convolution starts at zero, so every block starts as
  the identity.
* :class:`LowPassResample`: fixed ``[1, 2, 1]`` low-pass resampling by 2 (the binomial filter
  ``[1, 3, 3, 1]`` applied per channel, as StyleGAN2's ``upfirdn2d`` with that filter), with a
  1x1 convolution only where the width changes (before upsampling, after downsampling).
* :class:`GenerativeBasis`: the generator's 4x4 start, a learned ``[C, 4, 4]`` basis scaled per
  channel by a linear map of the latent.
* :class:`DiscriminativeBasis`: the discriminator's end, a 4x4 depthwise convolution to ``[N, C]``
  then a linear map.

Initialisation (``msr_init_``): weights ``N(0, gain^2 / fan_in)``; inside a residual block the
two first convolutions have gain ``sqrt(2 / (1 + 0.2^2)) * L^(-1/4)`` for ``L`` blocks in the
network (the variance scaling of Fixup: ``L^(-1/(2m-2))`` for ``m = 3`` layers per branch).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["LEAKY_SLOPE", "LEAKY_GAIN", "msr_init_", "BiasedLeakyReLU", "ResidualBlock", "LowPassResample",
           "GenerativeBasis", "DiscriminativeBasis", "Stage", "lowpass_kernel"]

#: Negative slope of every LeakyReLU.
LEAKY_SLOPE = 0.2
#: The gain that keeps the variance of activations through LeakyReLU(0.2): ``sqrt(2 / (1 + 0.2^2))``.
LEAKY_GAIN = math.sqrt(2.0 / (1.0 + LEAKY_SLOPE ** 2))


def msr_init_(weight: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """Fills ``weight`` (``[out, in / groups, *kernel]`` or ``[out, in]``) with ``N(0, gain^2 / fan_in)``,
    ``fan_in = weight[0].numel()``, in place; gain 0 gives zeros. Returns ``weight``."""
    with torch.no_grad():
        return weight.normal_(0.0, gain / math.sqrt(weight[0].numel()))


def _conv(in_channels: int, out_channels: int, kernel_size: int, groups: int = 1, gain: float = 1.0) -> nn.Conv2d:
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2, groups=groups,
                     bias=False)
    msr_init_(conv.weight, gain)
    return conv


class BiasedLeakyReLU(nn.Module):
    """``leaky_relu(x + bias, 0.2)`` with a learned bias per channel (initialised to 0).

    Shapes: ``x`` is ``[N, C, H, W]`` or ``[N, C]``; the output has its shape.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.bias.to(x.dtype)
        bias = bias.view(1, -1, 1, 1) if x.dim() == 4 else bias.view(1, -1)
        return F.leaky_relu(x + bias, LEAKY_SLOPE)


class ResidualBlock(nn.Module):
    """R3GAN's residual block on ``[N, C, H, W]`` (output of the same shape).

    ``x + conv3(act2(conv2(act1(conv1(x)))))``: ``conv1`` 1x1 to ``C * expansion`` channels,
    ``conv2`` 3x3 in ``cardinality`` groups, ``conv3`` 1x1 back to ``C``, initialised to zero.

    Args:
        channels (int): C.
        cardinality (int): groups of the 3x3 convolution (must divide ``C * expansion``).
        expansion (int): width of the hidden layers relative to C.
        num_blocks (int): residual blocks in the whole network (L of the variance scaling).
        kernel_size (int): of the grouped convolution (3).
    """

    def __init__(self, channels: int, cardinality: int, expansion: int, num_blocks: int, kernel_size: int = 3) -> None:
        super().__init__()
        hidden = channels * expansion
        if hidden % cardinality:
            raise ValueError(f"The cardinality {cardinality} must divide the hidden width {hidden} "
                             f"({channels} channels x expansion {expansion}).")
        gain = LEAKY_GAIN * num_blocks ** (-1.0 / 4.0)  # L^(-1/(2m-2)) for m = 3 layers
        self.conv1 = _conv(channels, hidden, 1, gain=gain)
        self.act1 = BiasedLeakyReLU(hidden)
        self.conv2 = _conv(hidden, hidden, kernel_size, groups=cardinality, gain=gain)
        self.act2 = BiasedLeakyReLU(hidden)
        self.conv3 = _conv(hidden, channels, 1, gain=0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv3(self.act2(self.conv2(self.act1(self.conv1(x)))))


def lowpass_kernel(taps: Sequence[float] = (1, 2, 1)) -> torch.Tensor:
    """The 2D resampling kernel of ``taps``: ``k = taps * [1, 1]`` (so ``[1, 3, 3, 1]``), ``outer(k, k)``
    normalised to sum 1; shape ``[len(taps) + 1, len(taps) + 1]``."""
    t = torch.tensor([0.0] + [float(v) for v in taps], dtype=torch.float64)
    k = t + t.roll(-1)  # taps convolved with [1, 1]
    kernel = torch.outer(k, k)
    return (kernel / kernel.sum()).float()


class LowPassResample(nn.Module):
    """Upsampling or downsampling by 2 with the fixed low-pass ``[1, 2, 1]`` filter, per channel.

    Up: ``[N, C_in, H, W] -> [N, C_out, 2H, 2W]``, the 1x1 convolution (when ``C_in != C_out``)
    before the filter. Down: ``[N, C_in, H, W] -> [N, C_out, H/2, W/2]``, the convolution after it.
    Both are the maps of StyleGAN2's ``upsample2d`` / ``downsample2d`` with this filter (zero
    padding): downsampling is a stride-2 depthwise convolution with the ``[1, 3, 3, 1]`` kernel;
    upsampling (zero insertion, then ``4 * kernel``) equals bilinear interpolation with half-pixel
    centres except on the border rows and columns, where zero padding weighs the image by 3/4
    instead of repeating its edge, so it is computed as that interpolation times a border mask.

    The filter runs in float32 (float64 stays float64) also under mixed precision: it is a few
    operations per pixel, and depthwise convolutions in bfloat16 are many times slower on CPUs.

    Args:
        in_channels, out_channels (int): widths.
        up (bool): upsample (True) or downsample (False).
    """

    def __init__(self, in_channels: int, out_channels: int, up: bool) -> None:
        super().__init__()
        self.up = bool(up)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.conv: Optional[nn.Conv2d] = _conv(in_channels, out_channels, 1) if in_channels != out_channels else None
        kernel = lowpass_kernel()
        self.register_buffer("kernel", kernel.view(1, 1, *kernel.shape), persistent=False)
        self.kernel: torch.Tensor

    @staticmethod
    def _border(size: int, x: torch.Tensor) -> torch.Tensor:
        m = torch.ones(size, dtype=x.dtype, device=x.device)
        m[0] = m[-1] = 0.75
        return m

    def _filter(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        work = dtype if dtype in (torch.float32, torch.float64) else torch.float32
        with torch.autocast(device_type=x.device.type, enabled=False):
            y = x.to(work)
            if self.up:
                y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
                h, w = y.shape[2], y.shape[3]
                y = y * (self._border(h, y).view(h, 1) * self._border(w, y).view(1, w))
            else:
                c = y.shape[1]
                y = F.conv2d(y, self.kernel.to(work).expand(c, 1, 4, 4), stride=2, padding=1, groups=c)
        return y.to(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.up:
            return self._filter(x if self.conv is None else self.conv(x))
        x = self._filter(x)
        return x if self.conv is None else self.conv(x)


class GenerativeBasis(nn.Module):
    """The generator's first layer: ``basis [C, 4, 4] * linear(w)[:, :, None, None]``.

    Shapes: ``w`` ``[N, in_features]`` -> ``[N, C, 4, 4]``. The basis starts ``N(0, 1)``, the
    linear map (no bias) ``N(0, 1 / in_features)``.
    """

    def __init__(self, in_features: int, channels: int) -> None:
        super().__init__()
        self.basis = nn.Parameter(torch.randn(channels, 4, 4))
        self.linear = nn.Linear(in_features, channels, bias=False)
        msr_init_(self.linear.weight)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return self.basis.to(w.dtype).unsqueeze(0) * self.linear(w).view(w.shape[0], -1, 1, 1)


class DiscriminativeBasis(nn.Module):
    """The discriminator's last layer: a 4x4 depthwise convolution (no padding) to ``[N, C]``, then
    a linear map (no bias) to ``[N, out_features]``. Input ``[N, C, 4, 4]``."""

    def __init__(self, channels: int, out_features: int) -> None:
        super().__init__()
        self.basis = nn.Conv2d(channels, channels, 4, groups=channels, bias=False)
        msr_init_(self.basis.weight)
        self.linear = nn.Linear(channels, out_features, bias=False)
        msr_init_(self.linear.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.basis(x).flatten(1))


class Stage(nn.Module):
    """One resolution of a network: a ``transition`` layer (basis or resampling) and residual ``blocks``.

    In the generator the transition comes first (``transition_first=True``: reach the stage's
    resolution and width, then refine), in the discriminator last (refine, then leave for the next
    resolution or, in the last stage, the head).
    """

    def __init__(self, transition: nn.Module, blocks: Sequence[nn.Module], transition_first: bool) -> None:
        super().__init__()
        self.transition = transition
        self.blocks = nn.ModuleList(blocks)
        self.transition_first = bool(transition_first)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.transition_first:
            x = self.transition(x)
        for block in self.blocks:
            x = block(x)
        return x if self.transition_first else self.transition(x)
