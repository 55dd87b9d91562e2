"""Building blocks shared by every GAN of the library: spectral-norm layers, residual blocks,
conditional batch norm, self-attention and GAN losses."""
from torch_mimicry.modules import losses
from torch_mimicry.modules.layers import (ConditionalBatchNorm2d, SelfAttention, SNConv2d,
                                          SNEmbedding, SNLinear)
from torch_mimicry.modules.resblocks import DBlock, DBlockOptimized, GBlock
from torch_mimicry.modules.spectral_norm import spectral_norm

__all__ = ["ConditionalBatchNorm2d", "DBlock", "DBlockOptimized", "GBlock", "SNConv2d",
           "SNEmbedding", "SNLinear", "SelfAttention", "losses", "spectral_norm"]
