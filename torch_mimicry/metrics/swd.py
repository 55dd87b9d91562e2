"""Sliced Wasserstein distance (SWD) between image sets: the multi-scale statistic of ProGAN
(Karras et al. 2018, Sec. 5), which needs no pretrained network.

Each image (uint8, as saved) becomes a Laplacian pyramid: level 0 at the image's resolution,
each next level half as large, down to ``min_resolution`` (32 px images: 32 and 16; 128 px:
128, 64, 32, 16); the last level is the low-pass residual. The 5-tap binomial filter
``[1, 4, 6, 4, 1] / 16`` (in both directions) with mirrored borders blurs before taking every
second pixel, and blurs the zero-filled double-size image (times 4) to go back up.
From each level, ``nhoods_per_image`` neighbourhoods of ``nhood_size x nhood_size`` pixels
(all 3 channels) are taken at random positions fully inside the image. The descriptors of a
set are normalised per colour channel (mean 0, standard deviation 1 over all of the set's
neighbourhoods and pixels) and flattened. The SWD of a level is the mean over
``dir_repeats x dirs_per_repeat`` random unit directions of the 1-D Wasserstein-1 distance
of the projections (the mean absolute difference of the sorted projections); the sets need
equal sizes. Values are reported times 1000, per level (keys are the resolutions as
strings) and as their average (``'avg'``), as in ProGAN's tables.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["SWD_DEFAULTS", "pyramid_resolutions", "laplacian_pyramid", "swd_descriptors", "normalize_descriptors",
           "sliced_wasserstein", "swd_from_descriptors", "swd_from_images"]

#: ProGAN's settings: 7x7 neighbourhoods, 128 per image and level, 4 x 128 directions, levels >= 16 px.
SWD_DEFAULTS = {"nhood_size": 7, "nhoods_per_image": 128, "dir_repeats": 4, "dirs_per_repeat": 128,
                "min_resolution": 16}

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=torch.float64)
_SCALE = 1e3


def pyramid_resolutions(resolution: int, min_resolution: int = 16) -> List[int]:
    """Resolutions of the pyramid levels: ``resolution``, halved while >= ``min_resolution``.

    Raises:
        ValueError: the image is smaller than ``min_resolution``, or a level before the last
            has an odd size.
    """
    resolution, min_resolution = int(resolution), int(min_resolution)
    if resolution < min_resolution:
        raise ValueError(f"SWD needs images of at least min_resolution={min_resolution} px; got {resolution} px.")
    levels = [resolution]
    while levels[-1] // 2 >= min_resolution:
        if levels[-1] % 2:
            raise ValueError(f"SWD pyramid: a level of {levels[-1]} px cannot be halved; use images whose size "
                             f"halves evenly down to {min_resolution} px (e.g. 32, 48, 64, 128).")
        levels.append(levels[-1] // 2)
    return levels


def _filter(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """5x5 binomial blur of ``[N, C, H, W]`` with mirrored borders (``d c b | a b c d | c b a``)."""
    k1 = (_BINOMIAL / 16.0).to(x.dtype)
    k2 = (k1[:, None] * k1[None, :] * gain).to(x.device)
    c = x.shape[1]
    xp = F.pad(x, (2, 2, 2, 2), mode="reflect")
    return F.conv2d(xp, k2.expand(c, 1, 5, 5), groups=c)


def _down(x: torch.Tensor) -> torch.Tensor:
    return _filter(x)[:, :, ::2, ::2]


def _up(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    z = torch.zeros(n, c, 2 * h, 2 * w, dtype=x.dtype, device=x.device)
    z[:, :, ::2, ::2] = x
    return _filter(z, gain=4.0)


def laplacian_pyramid(images: torch.Tensor, num_levels: int) -> List[torch.Tensor]:
    """Laplacian pyramid of ``images`` ``[N, C, H, W]`` (float); finest level first.

    Returns:
        list: ``num_levels`` float32 tensors; level ``i`` is ``[N, C, H / 2^i, W / 2^i]``,
        the last one the low-pass residual.
    """
    x = images.to(torch.float32)
    levels = [x]
    for _ in range(1, num_levels):
        low = _down(levels[-1])
        levels[-1] = levels[-1] - _up(low)
        levels.append(low)
    return levels


def swd_descriptors(images: torch.Tensor, nhood_size: int = 7, nhoods_per_image: int = 128, min_resolution: int = 16,
                    generator: Optional[torch.Generator] = None) -> List[torch.Tensor]:
    """Neighbourhood descriptors of each pyramid level of one batch.

    Args:
        images (Tensor): uint8 ``[N, 3, H, W]`` in [0, 255] (H = W).
        generator (torch.Generator): draws the neighbourhood positions.

    Returns:
        list: per level, float32 ``[N * nhoods_per_image, 3, nhood_size, nhood_size]``, the
        neighbourhoods of image ``i`` in rows ``i * nhoods_per_image ...``.
    """
    if images.dim() != 4 or images.shape[1] != 3 or images.shape[2] != images.shape[3]:
        raise ValueError(f"SWD needs square RGB images [N, 3, H, H]; got shape {tuple(images.shape)}.")
    resolutions = pyramid_resolutions(images.shape[-1], min_resolution)
    half = nhood_size // 2
    if resolutions[-1] < nhood_size:
        raise ValueError(f"SWD neighbourhoods of {nhood_size} px do not fit the {resolutions[-1]} px level.")
    n = images.shape[0]
    offsets = torch.arange(-half, half + 1)
    out = []
    for level, res in zip(laplacian_pyramid(images.cpu(), len(resolutions)), resolutions):
        count = n * nhoods_per_image
        img = torch.arange(n).repeat_interleave(nhoods_per_image)
        ys = torch.randint(half, res - half, (count,), generator=generator)
        xs = torch.randint(half, res - half, (count,), generator=generator)
        rows = (ys[:, None] + offsets[None, :])[:, None, :, None]     # [count, 1, k, 1]
        cols = (xs[:, None] + offsets[None, :])[:, None, None, :]     # [count, 1, 1, k]
        chans = torch.arange(3)[None, :, None, None]
        out.append(level[img[:, None, None, None], chans, rows, cols])
    return out


def normalize_descriptors(desc: torch.Tensor) -> torch.Tensor:
    """``[M, 3, k, k]`` descriptors with each channel at mean 0 and std 1 (ddof 0) over the
    set, flattened to ``[M, 3 k k]`` float32."""
    d = desc.to(torch.float64)
    mean = d.mean(dim=(0, 2, 3), keepdim=True)
    std = d.std(dim=(0, 2, 3), keepdim=True, unbiased=False)
    d = (d - mean) / std.clamp_min(1e-12)
    return d.reshape(d.shape[0], -1).to(torch.float32)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, dir_repeats: int = 4, dirs_per_repeat: int = 128,
                       generator: Optional[torch.Generator] = None) -> float:
    """Mean 1-D Wasserstein-1 distance of ``a`` and ``b`` (``[M, D]`` each) over random unit directions."""
    if a.shape != b.shape:
        raise ValueError(f"sliced_wasserstein needs sets of equal shape; got {tuple(a.shape)} and {tuple(b.shape)} "
                         "(use as many generated as real images).")
    total = 0.0
    for _ in range(dir_repeats):
        dirs = torch.randn(a.shape[1], dirs_per_repeat, generator=generator, dtype=torch.float64)
        dirs = (dirs / dirs.norm(dim=0, keepdim=True)).to(a.dtype)
        # one row per direction, sorted in place (numpy's vectorised sort is the fast one here)
        pa = (dirs.t() @ a.t()).cpu().numpy()
        pb = (dirs.t() @ b.t()).cpu().numpy()
        pa.sort(axis=1)
        pb.sort(axis=1)
        total += float(np.abs(pa - pb).mean(dtype=np.float64))
    return total / dir_repeats


def swd_from_descriptors(real_levels: Sequence[torch.Tensor], fake_levels: Sequence[torch.Tensor],
                         resolutions: Sequence[int], dir_repeats: int = 4, dirs_per_repeat: int = 128,
                         seed: int = 0) -> Dict[str, float]:
    """SWD x 1e3 per level and their average from per-level descriptors (:func:`swd_descriptors`).

    Returns:
        dict: ``{'<resolution>': value, ..., 'avg': mean over levels}`` (floats).
    """
    gen = torch.Generator().manual_seed(int(seed))
    scores: Dict[str, float] = {}
    for real, fake, res in zip(real_levels, fake_levels, resolutions):
        d = sliced_wasserstein(normalize_descriptors(real), normalize_descriptors(fake), dir_repeats,
                               dirs_per_repeat, generator=gen)
        scores[str(res)] = d * _SCALE
    scores["avg"] = float(np.mean(list(scores.values())))
    return scores


def _as_uint8(images: torch.Tensor) -> torch.Tensor:
    if images.dtype == torch.uint8:
        return images
    if not images.is_floating_point():
        raise ValueError(f"SWD images must be uint8 in [0, 255] or float in [-1, 1]; got dtype {images.dtype}.")
    return torch.round((images.detach().float() + 1.0) * 127.5).clamp_(0, 255).to(torch.uint8)


def swd_from_images(real_images: torch.Tensor, fake_images: torch.Tensor, seed: int = 0, nhood_size: int = 7,
                    nhoods_per_image: int = 128, dir_repeats: int = 4, dirs_per_repeat: int = 128,
                    min_resolution: int = 16) -> Dict[str, float]:
    """Multi-scale SWD x 1e3 between two image sets of equal size.

    Args:
        real_images, fake_images (Tensor): ``[N, 3, H, H]``, uint8 in [0, 255] or float in
            [-1, 1] (mapped as when saving a PNG); ProGAN uses N = 16384.
        seed (int): seeds the neighbourhood positions (the same for both sets) and the
            directions.

    Returns:
        dict: ``{'<resolution>': SWD x 1e3 of that level, ..., 'avg': their mean}``.

    Raises:
        ValueError: different counts or shapes, non-square images, images smaller than
            ``min_resolution``.
    """
    real, fake = _as_uint8(real_images), _as_uint8(fake_images)
    if real.shape != fake.shape:
        raise ValueError(f"SWD needs real and generated images of equal count and shape; got {tuple(real.shape)} "
                         f"and {tuple(fake.shape)}.")
    kw = dict(nhood_size=nhood_size, nhoods_per_image=nhoods_per_image, min_resolution=min_resolution)
    # Both sets take their neighbourhoods at the same positions (common random numbers): equal
    # sets give 0, and the positions add no noise to a comparison.
    real_levels = swd_descriptors(real, generator=torch.Generator().manual_seed(int(seed)), **kw)
    fake_levels = swd_descriptors(fake, generator=torch.Generator().manual_seed(int(seed)), **kw)
    return swd_from_descriptors(real_levels, fake_levels, pyramid_resolutions(real.shape[-1], min_resolution),
                                dir_repeats, dirs_per_repeat, seed=seed)
