"""Basic layers: spectral-normalised linear, convolution and embedding layers, conditional
batch normalisation (on labels, or on a condition vector) and self-attention."""
from typing import Any, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.modules import spectral_norm as sn_layers
from torch_mimicry.modules.spectral_norm import spectral_norm

_spectral_norm = spectral_norm  # the function, where an argument shadows its name


def SNConv2d(*args: Any, default: bool = True, **kwargs: Any) -> nn.Conv2d:
    """``nn.Conv2d`` with spectral normalisation; takes ``nn.Conv2d``'s arguments.

    ``default=True``: PyTorch's hook-based spectral norm (every layer of the library).
    ``default=False``: the buffered layer ``torch_mimicry.modules.spectral_norm.SNConv2d``.
    """
    if not default:
        return sn_layers.SNConv2d(*args, **kwargs)
    return spectral_norm(nn.Conv2d(*args, **kwargs))


def SNLinear(*args: Any, default: bool = True, **kwargs: Any) -> nn.Linear:
    """``nn.Linear`` with spectral normalisation; takes ``nn.Linear``'s arguments
    (``default`` as in :func:`SNConv2d`)."""
    if not default:
        return sn_layers.SNLinear(*args, **kwargs)
    return spectral_norm(nn.Linear(*args, **kwargs))


def SNEmbedding(*args: Any, default: bool = True, **kwargs: Any) -> nn.Embedding:
    """``nn.Embedding`` with spectral normalisation; takes ``nn.Embedding``'s arguments
    (``default`` as in :func:`SNConv2d`)."""
    if not default:
        return sn_layers.SNEmbedding(*args, **kwargs)
    return spectral_norm(nn.Embedding(*args, **kwargs))


def Conv2d(*args: Any, spectral_norm: bool = False, **kwargs: Any) -> nn.Conv2d:
    """``nn.Conv2d``, spectrally normalised when ``spectral_norm`` is True."""
    return SNConv2d(*args, **kwargs) if spectral_norm else nn.Conv2d(*args, **kwargs)


# F.pad arguments (left, right, top, bottom) placing a 3x3 kernel at each corner of a 4x4 one
_CORNERS = ((0, 1, 0, 1), (1, 0, 0, 1), (0, 1, 1, 0), (1, 0, 1, 0))


class PooledConv2d(nn.Conv2d):
    """A 3x3 convolution (stride 1, padding 1) that can also run fused with the 2x2 average
    pooling that follows it in a downsampling discriminator block.

    ``conv(x)`` is the plain 3x3 convolution, ``[N, in, H, W] -> [N, out, H, W]``, exactly as
    ``nn.Conv2d(in_channels, out_channels, 3, 1, 1)``: code that calls a block's ``c2`` itself
    (a network's own ``forward``) gets what it got from torch-mimicry 0.1.16.

    ``conv(x, pool=True)`` equals ``avg_pool2d(conv(x), 2)``, ``[N, in, H, W] -> [N, out, H // 2,
    W // 2]``, computed as one stride-2 convolution whose 4x4 kernel is the average of the 3x3
    kernel placed at the four corners: the same linear map (only the floating-point rounding
    differs) with 16 instead of 36 multiply-adds per output value and input channel. The
    library's blocks call it so. Parameters, state-dict keys and spectral normalisation (of the
    3x3 weight; its hook runs on either call) are those of the plain convolution.
    """

    def __init__(self, in_channels: int, out_channels: int, bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, 3, 1, padding=1, bias=bias)

    def forward(self, input: torch.Tensor, pool: bool = False) -> torch.Tensor:
        if not pool:
            return self._conv_forward(input, self.weight, self.bias)
        corners = [F.pad(self.weight, corner) for corner in _CORNERS]
        kernel = (corners[0] + corners[1] + corners[2] + corners[3]) * 0.25
        return F.conv2d(input, kernel, self.bias, stride=2, padding=1)


def pooled_conv3x3(in_channels: int, out_channels: int, spectral_norm: bool = False,
                   bias: bool = True) -> PooledConv2d:
    """A ``PooledConv2d``, spectrally normalised when ``spectral_norm`` is True."""
    conv = PooledConv2d(in_channels, out_channels, bias=bias)
    return _spectral_norm(conv) if spectral_norm else conv


def Linear(*args: Any, spectral_norm: bool = False, **kwargs: Any) -> nn.Linear:
    """``nn.Linear``, spectrally normalised when ``spectral_norm`` is True."""
    return SNLinear(*args, **kwargs) if spectral_norm else nn.Linear(*args, **kwargs)


class ConditionalBatchNorm2d(nn.Module):
    """Class-conditional batch normalisation (de Vries et al. 2017; Miyato & Koyama 2018).

    Normalises like ``nn.BatchNorm2d(affine=False)`` and then applies a per-class scale and
    shift looked up in an embedding of shape ``[num_classes, 2 * num_features]`` (scales
    first, initialised around 1; shifts second, initialised to 0).

    Args:
        num_features (int): channels C of the input.
        num_classes (int): number of classes.

    Shapes: ``x`` is ``[N, C, H, W]``, ``y`` is ``[N]`` (int64 labels in ``[0, num_classes)``).
    """

    def __init__(self, num_features: int, num_classes: int) -> None:
        super().__init__()
        self.num_features = num_features
        self.num_classes = num_classes
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        self.embed = nn.Embedding(num_classes, num_features * 2)
        self.embed.weight.data[:, :num_features].normal_(1, 0.02)
        self.embed.weight.data[:, num_features:].zero_()

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = self.bn(x)
        gamma, beta = self.embed(y).chunk(2, dim=1)
        return gamma[:, :, None, None] * out + beta[:, :, None, None]


class LinearConditionalBatchNorm2d(nn.Module):
    """Batch normalisation whose per-sample scale and shift are linear in a condition vector.

    ``out = BN(x) * (1 + W_gain c) + W_bias c``, with ``BN`` without affine parameters and
    ``W_gain``, ``W_bias`` bias-free linear maps ``cond_dim -> C``. This is the conditional batch
    norm of BigGAN (Brock et al. 2019), where ``c`` is a shared class embedding concatenated with a
    chunk of the latent vector; at ``c = 0`` it is plain batch normalisation.

    Args:
        num_features (int): channels C of the input.
        cond_dim (int): size of the condition vector.
        spectral_norm (bool): spectrally normalise the two linear maps (BigGAN does).
        eps (float), momentum (float): those of the batch statistics (``nn.BatchNorm2d``'s).

    Shapes: ``x`` is ``[N, C, H, W]``, ``cond`` is ``[N, cond_dim]``; output ``[N, C, H, W]``.
    """

    def __init__(self, num_features: int, cond_dim: int, spectral_norm: bool = True, eps: float = 1e-5,
                 momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features = num_features
        self.cond_dim = cond_dim
        self.bn = nn.BatchNorm2d(num_features, eps=eps, momentum=momentum, affine=False)
        self.gain = Linear(cond_dim, num_features, bias=False, spectral_norm=spectral_norm)
        self.bias = Linear(cond_dim, num_features, bias=False, spectral_norm=spectral_norm)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        if cond.dim() != 2 or cond.shape[1] != self.cond_dim:
            raise ValueError(f"Expected a condition of shape [N, {self.cond_dim}], got {tuple(cond.shape)}.")
        gain = 1.0 + self.gain(cond)
        return self.bn(x) * gain[:, :, None, None] + self.bias(cond)[:, :, None, None]


class SelfAttention(nn.Module):
    """Self-attention layer of SAGAN (Zhang et al. 2019), with spectral norm by default.

    Queries and keys have ``C // 8`` channels, values ``C // 2``; keys and values are
    max-pooled by 2 to cut the attention cost by 4. The output is ``x + gamma * attention``
    with ``gamma`` a learnt scalar starting at 0, so the layer starts as the identity.

    Args:
        num_feat (int): channels C of the input (at least 8).
        spectral_norm (bool): spectrally normalise the 1x1 convolutions.

    Shapes: ``[N, C, H, W] -> [N, C, H, W]``, H and W even.
    """

    def __init__(self, num_feat: int, spectral_norm: bool = True) -> None:
        super().__init__()
        if num_feat < 8:
            raise ValueError(f"SelfAttention needs at least 8 channels, got num_feat={num_feat}.")
        self.num_feat = num_feat
        conv = SNConv2d if spectral_norm else nn.Conv2d
        self.theta = conv(num_feat, num_feat >> 3, 1, 1, padding=0, bias=False)
        self.phi = conv(num_feat, num_feat >> 3, 1, 1, padding=0, bias=False)
        self.g = conv(num_feat, num_feat >> 1, 1, 1, padding=0, bias=False)
        self.o = conv(num_feat >> 1, num_feat, 1, 1, padding=0, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        theta = self.theta(x).flatten(2)                                    # [N, C/8, HW]
        phi = F.max_pool2d(self.phi(x), 2).flatten(2)                       # [N, C/8, HW/4]
        attn = torch.softmax(torch.bmm(theta.transpose(1, 2), phi), dim=-1)  # [N, HW, HW/4]
        g = F.max_pool2d(self.g(x), 2).flatten(2)                           # [N, C/2, HW/4]
        attn_g = torch.bmm(g, attn.transpose(1, 2)).view(n, c >> 1, h, w)
        return x + self.gamma * self.o(attn_g)
