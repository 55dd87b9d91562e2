"""Building blocks shared by every GAN of the library: spectral-norm layers, residual blocks,
conditional batch norm, self-attention, GAN losses and regularisers."""
from torch_mimicry.modules import losses, regularizers
from torch_mimicry.modules.layers import (ConditionalBatchNorm2d, LinearConditionalBatchNorm2d, SelfAttention,
                                          SNConv2d, SNEmbedding, SNLinear)
from torch_mimicry.modules.resblocks import DBlock, DBlockOptimized, GBlock
from torch_mimicry.modules.spectral_norm import spectral_norm

__all__ = ["ConditionalBatchNorm2d", "DBlock", "DBlockOptimized", "GBlock", "LinearConditionalBatchNorm2d",
           "SNConv2d", "SNEmbedding", "SNLinear", "SelfAttention", "losses", "regularizers", "spectral_norm"]
