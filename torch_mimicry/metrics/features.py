"""The feature extractor used by the metrics, and image conversion.

:func:`extract` and :func:`weights_hash` forward to ``torch_mimicry.metrics.inception``
(imported on first use, so importing the metrics package stays cheap). Everything in the
metrics package calls them through this module, so replacing them here (e.g. with a fixed
random projection in tests) replaces the network everywhere.
"""
import os
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

import torch

from torch_mimicry.utils.images import check_image_values

__all__ = ["inception_features", "extract", "extract_with", "weights_hash", "to_uint8", "FEATURE_DIM"]

#: Width of the pool3 features :func:`extract` returns (replace it together with ``extract``).
FEATURE_DIM = 2048

#: Images accepted by the feature extractor: one batch or an iterable of batches.
Images = Union[torch.Tensor, Iterable[torch.Tensor]]
#: Inception weights: a file, or an already loaded canonical state dict; None: the default.
Weights = Union[None, str, "os.PathLike[str]", Mapping[str, torch.Tensor]]
#: A torch device, its name, or None for the default.
Device = Union[str, torch.device, None]


def inception_features(images: Images, weights: Weights = None, backend: str = "torch", batch_size: int = 50,
                       device: Device = None, dtype: torch.dtype = torch.float32) -> Tuple[torch.Tensor, torch.Tensor]:
    """Inception ``pool_3`` features and unbiased logits of images (``mmc.metrics.inception_features``).

    Args:
        images: uint8 ``[N, 3, H, W]`` tensor in [0, 255], float tensor in [-1, 1], or an
            iterable of such batches.
        weights: Inception weights file (default: ``$MIMICRY_INCEPTION_WEIGHTS``, the cache or
            a download; see ``torch_mimicry.metrics.inception.load_inception_weights``).
        backend (str): ``'torch'`` (PyTorch port) or ``'tf'`` (the original graph in TensorFlow).
        batch_size (int): images per forward pass. device: default CUDA if available.
        dtype: ``torch.float32`` or ``torch.float64`` (torch backend).

    Returns:
        tuple: ``(pool3 [N, 2048], logits [N, 1008])`` float64 CPU tensors.
    """
    from torch_mimicry.metrics.inception import inception_features as _inception_features
    return _inception_features(images, weights=weights, backend=backend, batch_size=batch_size, device=device,
                               dtype=dtype)


def extract(images: Images, weights: Weights = None, backend: str = "torch", batch_size: int = 50,
            device: Device = None, resize: str = "tf1") -> Tuple[torch.Tensor, torch.Tensor]:
    """Inception features of images.

    Args:
        images: uint8 ``[N, 3, H, W]`` tensor in [0, 255], float tensor in [-1, 1], or an
            iterable of such batches.
        resize (str): ``'tf1'`` or ``'clean'`` (see
            :mod:`torch_mimicry.metrics.inception.resize`).

    Returns:
        tuple: ``(pool3 [N, 2048], logits [N, 1008])`` float64 CPU tensors.
    """
    from torch_mimicry.metrics.inception import inception_features
    return inception_features(images, weights=weights, backend=backend, batch_size=batch_size, device=device,
                              resize=resize)


def extract_with(images: Images, resize: str = "tf1", **kwargs: Any) -> Tuple[torch.Tensor, torch.Tensor]:
    """:func:`extract` as currently set in this module, with ``resize`` passed only when it is
    not the default, so a replacement ``extract`` written for the default protocol keeps working."""
    if resize != "tf1":
        kwargs["resize"] = resize
    return extract(images, **kwargs)


def weights_hash(weights: Weights = None) -> str:
    """SHA-256 hex digest identifying the Inception weights ``weights`` resolves to."""
    from torch_mimicry.metrics.inception import weights_hash as _weights_hash
    return _weights_hash(weights)


def to_uint8(images: torch.Tensor, what: str = "images", warn_unit_range: bool = False,
             fix: Optional[str] = None) -> torch.Tensor:
    """Maps float images in [-1, 1] to uint8 ``round((x + 1) * 127.5)`` clamped to [0, 255].

    Every path from images to features goes through here, so real and generated images are
    checked alike (:func:`torch_mimicry.utils.check_image_values`).

    Args:
        images (Tensor): ``[N, 3, H, W]`` float (or already uint8, returned unchanged).
        what (str): names the images in error messages.
        warn_unit_range (bool): warn when every value lies in [0, 1] (``ToTensor`` without
            ``Normalize``); callers set it for the first batch only.
        fix (str): the fix quoted for values out of range (default: the dataset transform).

    Returns:
        Tensor: uint8 ``[N, 3, H, W]`` on the CPU.

    Raises:
        ValueError: not a tensor, neither uint8 nor float, NaN, or values beyond [-1, 1].
    """
    check_image_values(images, what=what, allow_uint8=True, warn_unit_range=warn_unit_range, stacklevel=3, fix=fix)
    if images.dtype == torch.uint8:
        return images.cpu()
    x = images.detach().to(torch.float32)
    return torch.round((x + 1.0) * 127.5).clamp_(0, 255).to("cpu", torch.uint8)
