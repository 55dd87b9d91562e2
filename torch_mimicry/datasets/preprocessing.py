"""The image and label transforms the built-in datasets share.

Every dataset of the library yields float32 images ``(3, H, W)`` in [-1, 1]: the stored 8-bit
image, after the dataset's own steps (resize, crop), goes through ``ToTensor`` then
``Normalize(0.5, 0.5)``, i.e. ``x / 255 * 2 - 1``.
"""
from typing import Any, Callable, TypeVar

from PIL import Image
from torchvision import transforms

__all__ = ["pipeline", "identity", "zero_label", "to_rgb", "clip_label"]

_T = TypeVar("_T")


def pipeline(*steps: Callable[[Any], Any]) -> Callable[[Image.Image], Any]:
    """PIL image -> ``steps`` -> float32 tensor (3, H, W) in [-1, 1] (``ToTensor``, ``Normalize(0.5, 0.5)``)."""
    return transforms.Compose(
        list(steps) + [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
    )


def identity(x: _T) -> _T:
    """The identity transform (e.g. PIL image in, PIL image out)."""
    return x


def zero_label(_target: object) -> int:
    """Replaces the target of datasets used without labels: always 0."""
    return 0


def to_rgb(image: Image.Image) -> Image.Image:
    """PIL image of any mode -> RGB (grey values repeated on the three channels)."""
    return image.convert("RGB")


def clip_label(target: int) -> int:
    """STL-10 marks unlabeled images with -1; report them as 0."""
    return max(int(target), 0)
