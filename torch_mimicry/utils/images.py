"""The value-range check of images, shared by the Trainer and every metric path.

The library's images are float tensors in [-1, 1] (``ToTensor`` then ``Normalize(0.5, 0.5)``,
or a generator's ``tanh``). Two mistakes pass unnoticed by the networks and make results
wrong: pixel values in [0, 255] (or standardised by a dataset's mean and std), and
``ToTensor`` without ``Normalize`` (values in [0, 1]). The first is refused, the second warned
about, everywhere images enter the library.
"""
from __future__ import annotations

import warnings
from typing import Optional, Tuple

import torch

__all__ = ["RANGE_TOLERANCE", "NORMALIZE_FIX", "check_image_values"]

#: How far float images may exceed [-1, 1] (e.g. interpolation overshoot) before they are refused.
RANGE_TOLERANCE = 0.05

#: The transform that makes images of the expected range, quoted in the messages.
NORMALIZE_FIX = ("transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), "
                 "(0.5, 0.5, 0.5))]) as load_dataset does")


def _range_hint(lo: float, hi: float) -> str:
    if lo >= -RANGE_TOLERANCE and hi > 2.0:
        return ("They look like pixel values in [0, 255]: build the dataset with " + NORMALIZE_FIX
                + ", or map tensors with x / 127.5 - 1.")
    if lo < -1.0 and hi > 1.0:
        return ("They look standardised by a mean and a standard deviation (such as ImageNet's "
                "Normalize): use transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) after ToTensor() instead.")
    return "Build the dataset with " + NORMALIZE_FIX + ", or end the generator with tanh."


def check_image_values(images: torch.Tensor, what: str = "images", allow_uint8: bool = False,
                       warn_unit_range: bool = True, stacklevel: int = 2,
                       fix: Optional[str] = None) -> Optional[Tuple[float, float]]:
    """Checks that ``images`` are float values in [-1, 1]; returns ``(min, max)`` (None for uint8).

    Args:
        images (Tensor): any shape, any device.
        what (str): names the images in messages (e.g. ``'real images (the first batch)'``).
        allow_uint8 (bool): accept uint8 tensors (taken as [0, 255]) without further checks.
        warn_unit_range (bool): warn when every value lies in [0, 1] (``ToTensor`` without
            ``Normalize``).
        stacklevel (int): of the warning, as for ``warnings.warn``.
        fix (str): the fix quoted for values out of range (default: the dataset transform);
            e.g. for a generator's images, to end it with ``tanh``.

    Raises:
        ValueError: not floating point (uint8 unless allowed), NaN or infinite values, or
            values beyond ``[-1 - RANGE_TOLERANCE, 1 + RANGE_TOLERANCE]``; the message names
            the range seen and the transform that fixes it.
    """
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"{what} must be a torch.Tensor, got {type(images).__name__}.")
    if images.dtype == torch.uint8:
        if allow_uint8:
            return None
        raise ValueError(f"{what} are uint8 (pixel values 0..255) but the networks expect float images in [-1, 1]: "
                         f"build the dataset with {NORMALIZE_FIX}, or map tensors with x.float() / 127.5 - 1.")
    if not images.is_floating_point():
        raise ValueError(f"{what} have dtype {images.dtype}; expected float images in [-1, 1]"
                         + (" or uint8 images in [0, 255]" if allow_uint8 else "") + f". Build the dataset with "
                         f"{NORMALIZE_FIX}.")
    if images.numel() == 0:
        return None
    x = images.detach()
    finite = bool(torch.isfinite(x).all())
    if not finite:
        raise ValueError(f"{what} hold NaN or infinite values; expected finite values in [-1, 1]. Check the "
                         "data files and the transform (or the generator).")
    lo, hi = (float(v) for v in torch.aminmax(x.float()))
    if lo < -1.0 - RANGE_TOLERANCE or hi > 1.0 + RANGE_TOLERANCE:
        raise ValueError(f"{what} have values in [{lo:.4g}, {hi:.4g}]; expected [-1, 1]. "
                         + (fix or _range_hint(lo, hi)))
    if warn_unit_range and lo >= 0.0 and hi > 0.0:
        warnings.warn(f"{what} lie wholly in [{lo:.3g}, {hi:.3g}], within [0, 1]: the usual ToTensor() without "
                      "Normalize. The library expects [-1, 1]; add transforms.Normalize((0.5, 0.5, 0.5), "
                      "(0.5, 0.5, 0.5)) after ToTensor() (or map tensors with x * 2 - 1).", UserWarning,
                      stacklevel=stacklevel + 1)
    return lo, hi
