"""Residual blocks of WGAN-GP: the library's blocks without spectral norm, whose 1x1 shortcut
convolution ``c_sc`` keeps PyTorch's default initialisation (as torch-mimicry 0.1.16 built them;
the WGAN-GP networks get the same through ``wgan_gp_base.reset_shortcuts``)."""
from typing import Any, Optional, Union

from torch_mimicry.modules import resblocks

__all__ = ["GBlock", "DBlock", "DBlockOptimized"]


def _reset_shortcut(block: Union[resblocks.GBlock, resblocks.DBlock, resblocks.DBlockOptimized]) -> None:
    if getattr(block, "c_sc", None) is not None:
        block.c_sc.reset_parameters()


class GBlock(resblocks.GBlock):
    """``torch_mimicry.modules.GBlock`` with a default-initialised shortcut (no spectral norm by default)."""

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: Optional[int] = None,
                 upsample: bool = False, num_classes: int = 0, spectral_norm: bool = False, **kwargs: Any) -> None:
        super().__init__(in_channels=in_channels, out_channels=out_channels, hidden_channels=hidden_channels,
                         upsample=upsample, num_classes=num_classes, spectral_norm=spectral_norm, **kwargs)
        _reset_shortcut(self)


class DBlock(resblocks.DBlock):
    """``torch_mimicry.modules.DBlock`` without normalisation or spectral norm, with a
    default-initialised shortcut. ``norm1`` / ``norm2`` are None (no layer norm), as in 0.1.16."""

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: Optional[int] = None,
                 downsample: bool = False, spectral_norm: bool = False, **kwargs: Any) -> None:
        super().__init__(in_channels=in_channels, out_channels=out_channels, hidden_channels=hidden_channels,
                         downsample=downsample, spectral_norm=spectral_norm, **kwargs)
        _reset_shortcut(self)
        self.norm1 = None
        self.norm2 = None


class DBlockOptimized(resblocks.DBlockOptimized):
    """``torch_mimicry.modules.DBlockOptimized`` without spectral norm, with a default-initialised shortcut."""

    def __init__(self, in_channels: int, out_channels: int, spectral_norm: bool = False, **kwargs: Any) -> None:
        super().__init__(in_channels=in_channels, out_channels=out_channels, spectral_norm=spectral_norm, **kwargs)
        _reset_shortcut(self)
