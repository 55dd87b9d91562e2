"""Building blocks shared by every GAN of the library: spectral-norm layers, residual blocks,
conditional batch norm, self-attention, GAN losses and regularisers (``regularizers``: orthogonal and LeCam penalties).

``SNConv2d``, ``SNLinear`` and ``SNEmbedding`` are the hook-based spectral-norm layers of
``modules.layers`` (``default=False`` gives the buffered ones of ``modules.spectral_norm``);
``spectral_norm`` is that module, callable as ``spectral_norm(layer)``.
"""
from torch_mimicry.modules import losses, regularizers, spectral_norm
from torch_mimicry.modules.layers import (ConditionalBatchNorm2d, LinearConditionalBatchNorm2d, SelfAttention,
                                          SNConv2d, SNEmbedding, SNLinear)
from torch_mimicry.modules.losses import (hinge_loss_dis, hinge_loss_gen, minimax_loss_dis, minimax_loss_gen,
                                          ns_loss_gen, wasserstein_loss_dis, wasserstein_loss_gen)
from torch_mimicry.modules.resblocks import DBlock, DBlockOptimized, GBlock
from torch_mimicry.modules.spectral_norm import SpectralNorm

__all__ = ["ConditionalBatchNorm2d", "DBlock", "DBlockOptimized", "GBlock", "LinearConditionalBatchNorm2d", "SNConv2d",
           "SNEmbedding", "SNLinear", "SelfAttention", "SpectralNorm", "losses", "regularizers", "spectral_norm",
           "hinge_loss_dis", "hinge_loss_gen", "minimax_loss_dis", "minimax_loss_gen", "ns_loss_gen",
           "wasserstein_loss_dis", "wasserstein_loss_gen"]
