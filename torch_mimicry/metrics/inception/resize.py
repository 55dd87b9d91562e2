"""How images reach the Inception network's 299 x 299 input: the resize protocol.

* ``'tf1'`` (default): the 2015 graph's own TensorFlow 1 ``ResizeBilinear`` on uint8 images
  (no anti-aliasing, no half-pixel offset), as TTUR, improved-GAN and MMD-GAN computed
  their scores; done inside :class:`~torch_mimicry.metrics.inception.InceptionV3TF`.
* ``'clean'``: clean-fid's resize (Parmar et al. 2022): each channel of the uint8 image is
  taken as a float image in [0, 255] and resized with PIL's anti-aliased bicubic filter
  (``Image.fromarray(x, mode='F').resize(..., Image.BICUBIC)``), the result clipped to
  [0, 255] and passed on without quantisation.

Both resizes are separable linear maps, applied here as two matrix products (height, then
width) in float32; :func:`pil_bicubic_matrix` builds PIL's interpolation weights.
"""
from __future__ import annotations

import functools
from typing import Tuple, Union

import numpy as np
import torch

__all__ = ["RESIZE_MODES", "check_resize", "pil_bicubic_matrix", "clean_resize"]

#: Names accepted by ``resize=``.
RESIZE_MODES = ("tf1", "clean")

_BICUBIC_A = -0.5  # PIL's Keys cubic coefficient
_BICUBIC_SUPPORT = 2.0


def check_resize(resize: str) -> str:
    """Returns ``resize`` when it is one of :data:`RESIZE_MODES`; raises ValueError otherwise."""
    if resize not in RESIZE_MODES:
        raise ValueError(f"resize must be one of {', '.join(repr(m) for m in RESIZE_MODES)} ('tf1': the original "
                         f"graph's bilinear resize, 'clean': clean-fid's anti-aliased bicubic); got {resize!r}.")
    return resize


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with ``a = -0.5`` at distances ``x`` (numpy array)."""
    x = np.abs(x)
    a = _BICUBIC_A
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def pil_bicubic_matrix(in_size: int, out_size: int) -> np.ndarray:
    """Weights of PIL's bicubic resampling of one axis from ``in_size`` to ``out_size`` pixels.

    Output pixel ``i`` is centred at ``c = (i + 0.5) * s`` in input coordinates
    (``s = in_size / out_size``). When shrinking, the kernel is stretched by ``s`` (the
    anti-aliasing). Input pixels ``j`` with ``floor(c - r + 0.5) <= j < floor(c + r + 0.5)``
    (``r = 2 max(s, 1)``, clipped to the image) get the weight
    ``cubic((j + 0.5 - c) / max(s, 1))``, normalised so each row sums to 1.

    Returns:
        numpy.ndarray: float64 ``[out_size, in_size]``.
    """
    in_size, out_size = int(in_size), int(out_size)
    if in_size < 1 or out_size < 1:
        raise ValueError(f"sizes must be positive; got {in_size} -> {out_size}.")
    scale = in_size / out_size
    stretch = max(scale, 1.0)
    radius = _BICUBIC_SUPPORT * stretch
    m = np.zeros((out_size, in_size), dtype=np.float64)
    for i in range(out_size):
        centre = (i + 0.5) * scale
        lo = max(int(centre - radius + 0.5), 0)
        hi = min(int(centre + radius + 0.5), in_size)
        j = np.arange(lo, hi)
        w = _cubic((j + 0.5 - centre) / stretch)
        total = w.sum()
        m[i, lo:hi] = w / total if total != 0.0 else w
    return m


@functools.lru_cache(maxsize=32)
def _matrix(in_size: int, out_size: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    with torch.inference_mode(False):
        return torch.from_numpy(pil_bicubic_matrix(in_size, out_size)).to(device, dtype)


def clean_resize(images: torch.Tensor, size: Union[int, Tuple[int, int]] = (299, 299),
                 dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """clean-fid's resize of a batch.

    Args:
        images (Tensor): uint8 ``[N, C, H, W]`` in [0, 255] (or float holding 0..255).
        size (tuple): output ``(height, width)``.
        dtype: ``torch.float32`` (as PIL's ``'F'`` images) or ``torch.float64``.

    Returns:
        Tensor: ``[N, C, size[0], size[1]]`` of ``dtype`` in [0, 255] on the device of ``images``.
    """
    if isinstance(size, int):
        size = (size, size)
    out_h, out_w = size
    x = images.to(dtype)
    h, w = x.shape[-2:]
    # PIL resamples the width first, then the height; the order changes only float32 rounding.
    if w != out_w:
        x = torch.matmul(x, _matrix(w, out_w, x.device, x.dtype).t())
    if h != out_h:
        x = torch.matmul(_matrix(h, out_h, x.device, x.dtype), x)
    return x.clamp_(0.0, 255.0)
