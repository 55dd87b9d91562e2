"""The Trainer's default memory format: channels-last only where it cannot break a network.

Channels-last (NHWC) storage makes convolutions faster on CPUs, with the same fp32 arithmetic.
It is invisible to code that reads tensors through ordinary operations, but not to ``.view``:
a feature map ``[N, C, H, W]`` stored channels-last is not contiguous in the NCHW sense, so
``h.view(N, -1)`` (a common way to flatten in a network of one's own) raises a RuntimeError.
And the format propagates: the output of a convolution follows its input's format, so a
channels-last generator hands channels-last images to the discriminator.

Hence the default (``channels_last=None``) switches it on only when training on the CPU and
when every method of both networks that handles their tensors (``forward``, ``train_step``,
``generate_images``, ``generate_images_with_labels``) is the library's own, i.e. defined in a
``torch_mimicry`` module: the library's networks are tested in that format, a network of the
user's is left in the format it was written for. ``channels_last=True`` turns it on for any
network.
"""
from typing import Union

import torch
import torch.nn as nn

__all__ = ["TENSOR_METHODS", "uses_only_library_code", "default_channels_last"]

#: Methods through which a network's feature maps pass.
TENSOR_METHODS = ("forward", "train_step", "generate_images", "generate_images_with_labels")


def uses_only_library_code(net: nn.Module) -> bool:
    """True when every method of ``TENSOR_METHODS`` that ``net`` has comes from torch_mimicry."""
    cls = type(net)
    for name in TENSOR_METHODS:
        method = getattr(cls, name, None)
        if method is None:
            continue
        module = getattr(method, "__module__", None) or ""
        if not module.startswith("torch_mimicry."):
            return False
    return True


def default_channels_last(device: Union[str, torch.device], netD: nn.Module, netG: nn.Module) -> bool:
    """The Trainer's ``channels_last=None`` choice for these networks on ``device``."""
    return torch.device(device).type == "cpu" and uses_only_library_code(netD) and uses_only_library_code(netG)
