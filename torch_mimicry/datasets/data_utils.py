"""The dataset loaders of torch-mimicry 0.1.16 (``load_dataset`` and ``load_<name>_dataset``)
with their arguments, built on this library's ``load_dataset``.

Besides the dataset's own arguments they take ``transform_data`` (False: the raw PIL images,
no preprocessing) and ``convert_tensor`` (False: the resized / cropped PIL images, not converted
to tensors in [-1, 1]); CIFAR also takes ``split='all'`` (train then test). Files are looked
for under ``root`` and in 0.1.16's folders (``root/cifar10``, ``root/stl10``, ...). The ImageNet
and LSUN loaders keep 0.1.16's preprocessing (ImageNet: center crop 224 then resize; LSUN: center
crop 256 then resize), which differs slightly from ``load_dataset``'s.
"""
from typing import Any, Callable, Dict, List, Optional, Sized, Tuple, TypeVar, Union, cast

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from torch_mimicry.datasets import load as _load
from torch_mimicry.utils.io import StrPath

__all__ = ["load_dataset", "load_cifar10_dataset", "load_cifar100_dataset", "load_stl10_dataset",
           "load_celeba_dataset", "load_imagenet_dataset", "load_lsun_bedroom_dataset", "load_fake_dataset"]

ORIGINAL_KEYWORDS = ("transform_data", "convert_tensor")

_T = TypeVar("_T")


def _raw(image: _T) -> _T:
    """The identity transform (PIL image in, PIL image out)."""
    return image


def _to_tensor() -> List[Callable[[Any], Any]]:
    return [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]


class _TensorToPIL:
    """Maps an image tensor in [-1, 1] back to the 8-bit PIL image it was made from (exact:
    ``ToTensor`` and ``Normalize(0.5, 0.5)`` are inverted by ``round((x + 1) * 127.5)``)."""

    def __call__(self, x: torch.Tensor) -> Image.Image:
        arr = torch.round((x + 1.0) * 127.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
        return Image.fromarray(arr)


class _MappedImages(Dataset[Tuple[Any, Any]]):
    """``dataset`` with ``fn`` applied to each item's image."""

    def __init__(self, dataset: Dataset[Any], fn: Callable[[Any], Any]) -> None:
        self.dataset, self.fn = dataset, fn

    def __len__(self) -> int:
        return len(cast(Sized, self.dataset))  # a map-style dataset

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        image, label = self.dataset[index]
        return self.fn(image), label


def _build(root: Optional[StrPath], name: str, transform_data: bool = True, convert_tensor: bool = True,
           transform: Optional[Callable[[Any], Any]] = None, split: Optional[str] = None,
           **kwargs: Any) -> Dataset[Any]:
    """``load_dataset(root, name)`` with the 0.1.16 keywords applied."""
    if split == "all" and name in ("cifar10", "cifar100"):
        parts = [_build(root, name, transform_data, convert_tensor, transform, split=s, **kwargs)
                 for s in ("train", "test")]
        return torch.utils.data.ConcatDataset(parts)
    if split is not None:
        kwargs["split"] = split
    if not transform_data:
        transform = _raw
    dataset = _load.load_dataset(root, name, transform=transform, **kwargs)
    if transform_data and not convert_tensor and transform is None:
        dataset = _MappedImages(dataset, _TensorToPIL())
    return dataset


def load_dataset(root: Optional[StrPath], name: str, **kwargs: Any) -> Dataset[Any]:
    """Dataset ``name`` (any of ``torch_mimicry.datasets.DATASET_NAMES``) with the keywords of
    0.1.16 (``transform_data``, ``convert_tensor``, CIFAR ``split='all'``) besides those of
    ``torch_mimicry.datasets.load_dataset``."""
    builders: Dict[str, Callable[..., Dataset[Any]]] = {
        "cifar10": load_cifar10_dataset, "cifar100": load_cifar100_dataset,
        "imagenet_32": lambda r, **k: load_imagenet_dataset(r, size=32, **k),
        "imagenet_128": lambda r, **k: load_imagenet_dataset(r, size=128, **k),
        "lsun_bedroom_128": lambda r, **k: load_lsun_bedroom_dataset(r, size=128, **k)}
    if name in builders:
        return builders[name](root, **kwargs)
    return _build(root, name, **kwargs)


def load_fake_dataset(root: Optional[StrPath], transform_data: bool = True, convert_tensor: bool = True,
                      image_size: Union[int, Tuple[int, int, int]] = (3, 32, 32), **kwargs: Any) -> Dataset[Any]:
    """Random images (torchvision's ``FakeData``); ``kwargs``: ``size``, ``num_classes``, ..."""
    return _build(root, "fake_data", transform_data, convert_tensor, image_size=image_size, **kwargs)


def load_lsun_bedroom_dataset(root: StrPath, size: int = 128, transform_data: bool = True, convert_tensor: bool = True,
                              **kwargs: Any) -> Dataset[Any]:
    """LSUN bedroom (``bedroom_train_lmdb`` under ``root`` or ``root/lsun``), center crop 256
    then resize to ``size``, as in 0.1.16."""
    steps = [transforms.CenterCrop(256), transforms.Resize(size)] + (_to_tensor() if convert_tensor else [])
    transform = transforms.Compose(steps) if transform_data else _raw
    return _load.load_dataset(root, "lsun_bedroom_128", transform=transform, **kwargs)


def load_celeba_dataset(root: StrPath, transform_data: bool = True, convert_tensor: bool = True, download: bool = True,
                        split: str = "all", size: int = 64, **kwargs: Any) -> Dataset[Any]:
    """CelebA center-cropped to 178 and resized to ``size`` (64 or 128)."""
    name = "celeba_128" if size == 128 else "celeba_64"
    transform: Optional[Callable[[Any], Any]] = None
    if size not in (64, 128) and transform_data:
        steps = [transforms.CenterCrop(178), transforms.Resize((size, size))] + (_to_tensor() if convert_tensor
                                                                                 else [])
        transform, convert_tensor = transforms.Compose(steps), True
    return _build(root, name, transform_data, convert_tensor, transform=transform, download=download, split=split,
                  **kwargs)


def load_stl10_dataset(root: StrPath, size: int = 48, split: str = "unlabeled", download: bool = True,
                       transform_data: bool = True, convert_tensor: bool = True, **kwargs: Any) -> Dataset[Any]:
    """STL-10 resized to ``size``."""
    transform: Optional[Callable[[Any], Any]] = None
    if size != 48 and transform_data:
        steps = [transforms.Resize((size, size))] + (_to_tensor() if convert_tensor else [])
        transform, convert_tensor = transforms.Compose(steps), True
    return _build(root, "stl10_48", transform_data, convert_tensor, transform=transform, download=download,
                  split=split, **kwargs)


def load_imagenet_dataset(root: StrPath, size: int = 32, split: str = "train", download: bool = True,
                          transform_data: bool = True, convert_tensor: bool = True, **kwargs: Any) -> Dataset[Any]:
    """ImageNet (``root/imagenet/<split>/<wnid>/*.JPEG``), center crop 224 then resize to ``size``,
    as in 0.1.16. ImageNet cannot be downloaded automatically: ``download`` is ignored."""
    steps = [transforms.CenterCrop(224), transforms.Resize(size)] + (_to_tensor() if convert_tensor else [])
    transform = transforms.Compose(steps) if transform_data else _raw
    name = "imagenet_128" if size == 128 else "imagenet_32"
    return _load.load_dataset(root, name, split=split, transform=transform, **kwargs)


def load_cifar100_dataset(root: StrPath, split: str = "train", download: bool = True, transform_data: bool = True,
                          convert_tensor: bool = True, **kwargs: Any) -> Dataset[Any]:
    """CIFAR-100; ``split`` is ``'train'``, ``'test'`` or ``'all'``."""
    return _build(root, "cifar100", transform_data, convert_tensor, split=split, download=download, **kwargs)


def load_cifar10_dataset(root: StrPath, split: str = "train", download: bool = True, transform_data: bool = True,
                         **kwargs: Any) -> Dataset[Any]:
    """CIFAR-10; ``split`` is ``'train'``, ``'test'`` or ``'all'`` (``convert_tensor`` in ``kwargs``)."""
    return _build(root, "cifar10", transform_data, split=split, download=download, **kwargs)
