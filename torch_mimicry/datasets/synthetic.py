"""Procedurally generated image dataset that needs no files and no download."""
from __future__ import annotations

from typing import Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

#: Shape classes drawn by :class:`SyntheticShapes`; the label is the index in this tuple.
SHAPE_NAMES: Tuple[str, ...] = ("disc", "square", "ring", "cross")


class SyntheticShapes(Dataset[Tuple[torch.Tensor, int]]):
    """Deterministic images of one soft coloured shape on a smooth gradient background.

    Every image is rendered on demand from a generator seeded by ``(seed, index)``, so
    construction is instant, item ``i`` is identical across processes and runs, and no
    state is shared between items. The label of item ``i`` is ``i % 4`` and names the
    shape drawn (see :data:`SHAPE_NAMES`); position, size and colours are random.

    Args:
        size (int): number of items, > 0.
        image_size (int): height and width H = W of the images, >= 4.
        seed (int): non-negative seed; different seeds give different images.

    Items are ``(image, label)``: ``image`` a float32 tensor of shape (3, H, W) with
    values in [-1, 1], ``label`` an int in [0, 4).
    """

    num_classes = len(SHAPE_NAMES)

    def __init__(self, size: int = 10000, image_size: int = 32, seed: int = 0) -> None:
        for arg, value, low in (("size", size, 1), ("image_size", image_size, 4), ("seed", seed, 0)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"SyntheticShapes: {arg} must be an int >= {low}, got {value!r}.")
        self.size = int(size)
        self.image_size = int(image_size)
        self.seed = int(seed)
        coords = (torch.arange(self.image_size, dtype=torch.float32) + 0.5) / self.image_size * 2 - 1
        self._yy, self._xx = torch.meshgrid(coords, coords, indexing="ij")  # each (H, W) in (-1, 1)

    def __len__(self) -> int:
        return self.size

    def _generator(self, index: int) -> torch.Generator:
        state = np.random.SeedSequence([self.seed, index]).generate_state(2, dtype=np.uint32)
        return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))

    def __getitem__(self, index: Union[int, torch.Tensor]) -> Tuple[torch.Tensor, int]:
        if isinstance(index, torch.Tensor):
            index = int(index)
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(f"SyntheticShapes index {index} out of range for size {self.size}.")
        label = index % self.num_classes
        gen = self._generator(index)
        u = torch.rand(16, generator=gen)

        # Background: vertical gradient between two muted colours.
        top, bottom = 0.15 + 0.35 * u[0:3], 0.15 + 0.35 * u[3:6]
        t = (self._yy + 1) / 2
        background = top[:, None, None] * (1 - t) + bottom[:, None, None] * t  # (3, H, W)

        # Foreground: a bright shape with antialiased edges.
        colour = 0.35 + 0.65 * u[6:9]
        cx, cy = 0.5 * (2 * u[9] - 1), 0.5 * (2 * u[10] - 1)
        radius = 0.25 + 0.25 * u[11]
        dx, dy = self._xx - cx, self._yy - cy
        if label == 0:  # disc
            dist = torch.sqrt(dx ** 2 + dy ** 2) - radius
        elif label == 1:  # axis-aligned square
            dist = torch.maximum(dx.abs(), dy.abs()) - radius
        elif label == 2:  # ring of width radius / 2
            dist = (torch.sqrt(dx ** 2 + dy ** 2) - 0.75 * radius).abs() - 0.25 * radius
        else:  # plus-shaped cross with arm half-width radius / 3
            arm = radius / 3
            horizontal = torch.maximum(dx.abs() - radius, dy.abs() - arm)
            vertical = torch.maximum(dx.abs() - arm, dy.abs() - radius)
            dist = torch.minimum(horizontal, vertical)
        pixel = 2.0 / self.image_size
        mask = torch.sigmoid(-dist / (0.5 * pixel))  # (H, W) in (0, 1), about 1 px soft edge
        image = background * (1 - mask) + colour[:, None, None] * mask  # (3, H, W) in [0, 1]
        return (image * 2 - 1).clamp_(-1, 1), label

    def __repr__(self) -> str:
        return f"SyntheticShapes(size={self.size}, image_size={self.image_size}, seed={self.seed})"
