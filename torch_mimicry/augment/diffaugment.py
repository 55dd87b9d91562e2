"""DiffAugment (Zhao et al. 2020, *Differentiable Augmentation for Data-Efficient GAN Training*).

The same random, differentiable transforms are applied to real and generated images whenever the
discriminator sees them, in its own step and in the generator's step, so the generator is trained
through them. The three transforms and their parameters are the paper's:

* ``color``: brightness ``x + u`` with ``u ~ U(-0.5, 0.5)``, saturation (each pixel's deviation
  from its channel mean scaled by ``U(0, 2)``), contrast (deviation from the image mean scaled by
  ``U(0.5, 1.5)``), in that order;
* ``translation``: a shift by a whole number of pixels, up to ``translation_ratio`` (1/8) of the
  image side in each direction, uncovered pixels filled with 0 (mid-grey in [-1, 1]);
* ``cutout``: one square of ``cutout_ratio`` (1/2) of the side, at a uniformly drawn centre
  (it may extend past the border), set to 0.

Every image draws its own parameters. Here an image is augmented with probability ``p`` (1 in
the paper; 0 is the identity), and the output is clipped to [-1, 1] (the colour transforms can
leave the range; the gradient is 0 where they do).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Tuple, Union

import torch

from torch_mimicry.augment.base import Augmentation, bernoulli, check_probability

POLICIES = ("color", "translation", "cutout")


def _uniform(n: int, low: float, high: float, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.rand(n, 1, 1, 1, device=device, dtype=dtype) * (high - low) + low


def color(x: torch.Tensor) -> torch.Tensor:
    """Random brightness, saturation and contrast (per image)."""
    n, device, dtype = x.shape[0], x.device, x.dtype
    x = x + _uniform(n, -0.5, 0.5, device, dtype)
    mean_c = x.mean(dim=1, keepdim=True)
    x = (x - mean_c) * _uniform(n, 0.0, 2.0, device, dtype) + mean_c
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(n, 0.5, 1.5, device, dtype) + mean


def _max_shift(size: int, ratio: float) -> int:
    return int(size * ratio + 0.5)


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shifts each image by whole pixels, at most ``ratio`` of its side per axis; uncovered pixels are 0."""
    n, _, h, w = x.shape
    sy, sx = _max_shift(h, ratio), _max_shift(w, ratio)
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), device=x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) + dy          # source row of each output row
    cols = torch.arange(w, device=x.device).view(1, 1, w) + dx
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)         # [N, H, W]
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    moved = x.permute(0, 2, 3, 1)[batch, rows.clamp(0, h - 1), cols.clamp(0, w - 1)]  # [N, H, W, C]
    return moved.permute(0, 3, 1, 2) * inside.unsqueeze(1).to(x.dtype)


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Sets one square of ``ratio`` of the side (per axis) of each image to 0."""
    n, _, h, w = x.shape
    ch, cw = _max_shift(h, ratio), _max_shift(w, ratio)
    # centres as in the paper's code: offsets in [0, side + (1 - cut % 2)), box starting cut // 2 before
    top = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device) - ch // 2
    left = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    box = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~box).unsqueeze(1).to(x.dtype)


def parse_policy(policy: Union[str, Iterable[str]]) -> Tuple[str, ...]:
    """``'color,translation,cutout'`` (or a list) -> a tuple of transform names, checked."""
    names = [p.strip() for p in policy.split(",")] if isinstance(policy, str) else list(policy)
    names = [p for p in names if p]
    unknown = [p for p in names if p not in POLICIES]
    if unknown or not names:
        raise ValueError(f"Unknown DiffAugment policy {policy!r}: expected a comma-separated subset of "
                         f"{', '.join(POLICIES)}.")
    return tuple(names)


class DiffAugment(Augmentation):
    """DiffAugment: ``policy`` transforms applied, in order, to each image with probability ``p``.

    Args:
        policy (str): comma-separated subset of ``color``, ``translation``, ``cutout``
            (default all three, the paper's choice; its BigGAN CIFAR scripts use
            ``'translation,cutout'``).
        p (float): probability that an image is augmented (default 1, as in the paper).
        translation_ratio (float): largest shift as a fraction of the side (1/8).
        cutout_ratio (float): side of the cut square as a fraction of the image side (1/2).

    Shapes: ``[N, C, H, W] -> [N, C, H, W]``, values in [-1, 1].
    """

    name = "diffaugment"

    def __init__(self, policy: Union[str, Iterable[str]] = "color,translation,cutout", p: float = 1.0,
                 translation_ratio: float = 0.125, cutout_ratio: float = 0.5) -> None:
        self.policy = parse_policy(policy)
        self.p = check_probability("p", p)
        self.translation_ratio = check_probability("translation_ratio", translation_ratio)
        self.cutout_ratio = check_probability("cutout_ratio", cutout_ratio)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """The augmented images ``[N, C, H, W]`` in ``[-1, 1]`` (the input itself at probability 0)."""
        if self.p == 0.0:
            return x
        out = x
        for name in self.policy:
            if name == "color":
                out = color(out)
            elif name == "translation":
                out = translation(out, self.translation_ratio)
            else:
                out = cutout(out, self.cutout_ratio)
        out = out.clamp(-1.0, 1.0)
        if self.p < 1.0:
            chosen = bernoulli(x.shape[0], self.p, x.device).view(-1, 1, 1, 1)
            out = torch.where(chosen, out, x)
        return out

    def hparams(self) -> Dict[str, Any]:
        """The settings, as recorded in the run's params.json."""
        return {"policy": ",".join(self.policy), "p": self.p, "translation_ratio": self.translation_ratio,
                "cutout_ratio": self.cutout_ratio}

    def state_dict(self) -> Dict[str, Any]:
        """The state that changes during training (saved in the checkpoints)."""
        return {"p": self.p}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Restores a ``state_dict()``."""
        self.p = check_probability("p", state["p"])
