"""The dataset loaders of torch-mimicry 0.1.16 (``load_dataset`` and ``load_<name>_dataset``)
with their arguments, built on this library's ``load_dataset``.

Besides the dataset's own arguments they take ``transform_data`` (False: the raw PIL images,
no preprocessing) and ``convert_tensor`` (False: the resized / cropped PIL images, not converted
to tensors in [-1, 1]); CIFAR also takes ``split='all'`` (train then test). Files are looked
for under ``root`` and in 0.1.16's folders (``root/cifar10``, ``root/stl10``, ...). The ImageNet
and LSUN loaders keep 0.1.16's preprocessing (ImageNet: center crop 224 then resize; LSUN: center
crop 256 then resize), which differs slightly from ``load_dataset``'s. The keywords are
translated by ``datasets.original_keywords``; this module only adds 0.1.16's function names
and their ``size`` arguments.
"""
from typing import Any, Callable, List, Optional, Tuple, Union

from torch.utils.data import Dataset
from torchvision import transforms

from torch_mimicry.datasets import load as _load
from torch_mimicry.datasets.original_keywords import tensor_steps
from torch_mimicry.utils.io import StrPath

__all__ = ["load_dataset", "load_cifar10_dataset", "load_cifar100_dataset", "load_stl10_dataset",
           "load_celeba_dataset", "load_imagenet_dataset", "load_lsun_bedroom_dataset", "load_fake_dataset"]


def _resized(steps: List[Callable[[Any], Any]], convert_tensor: bool) -> Callable[[Any], Any]:
    """0.1.16's preprocessing at a size ``load_dataset`` has no name for."""
    return transforms.Compose(steps + (tensor_steps() if convert_tensor else []))


def load_dataset(root: Optional[StrPath], name: str, transform_data: bool = True, convert_tensor: bool = True,
                 **kwargs: Any) -> Dataset[Any]:
    """Dataset ``name`` (any name of ``torch_mimicry.datasets.load_dataset``) as 0.1.16 made it:
    its keywords (``transform_data``, ``convert_tensor``, CIFAR ``split='all'``) besides those of
    ``torch_mimicry.datasets.load_dataset``, and 0.1.16's ImageNet and LSUN preprocessing."""
    return _load.load_dataset(root, name, transform_data=transform_data, convert_tensor=convert_tensor, **kwargs)


def load_fake_dataset(root: Optional[StrPath], transform_data: bool = True, convert_tensor: bool = True,
                      image_size: Union[int, Tuple[int, int, int]] = (3, 32, 32), **kwargs: Any) -> Dataset[Any]:
    """Random images (torchvision's ``FakeData``); ``kwargs``: ``size``, ``num_classes``, ..."""
    return load_dataset(root, "fake_data", transform_data, convert_tensor, image_size=image_size, **kwargs)


def load_lsun_bedroom_dataset(root: StrPath, size: int = 128, transform_data: bool = True, convert_tensor: bool = True,
                              **kwargs: Any) -> Dataset[Any]:
    """LSUN bedroom (``bedroom_train_lmdb`` under ``root`` or ``root/lsun``), center crop 256
    then resize to ``size``, as in 0.1.16."""
    if size != 128 and transform_data:
        kwargs["transform"] = _resized([transforms.CenterCrop(256), transforms.Resize(size)], convert_tensor)
    return load_dataset(root, "lsun_bedroom_128", transform_data, convert_tensor, **kwargs)


def load_celeba_dataset(root: StrPath, transform_data: bool = True, convert_tensor: bool = True, download: bool = True,
                        split: str = "all", size: int = 64, **kwargs: Any) -> Dataset[Any]:
    """CelebA center-cropped to 178 and resized to ``size`` (64 or 128)."""
    name = "celeba_128" if size == 128 else "celeba_64"
    if size not in (64, 128) and transform_data:
        kwargs["transform"] = _resized([transforms.CenterCrop(178), transforms.Resize((size, size))], convert_tensor)
    return load_dataset(root, name, transform_data, convert_tensor, download=download, split=split, **kwargs)


def load_stl10_dataset(root: StrPath, size: int = 48, split: str = "unlabeled", download: bool = True,
                       transform_data: bool = True, convert_tensor: bool = True, **kwargs: Any) -> Dataset[Any]:
    """STL-10 resized to ``size``."""
    if size != 48 and transform_data:
        kwargs["transform"] = _resized([transforms.Resize((size, size))], convert_tensor)
    return load_dataset(root, "stl10_48", transform_data, convert_tensor, download=download, split=split, **kwargs)


def load_imagenet_dataset(root: StrPath, size: int = 32, split: str = "train", download: bool = True,
                          transform_data: bool = True, convert_tensor: bool = True, **kwargs: Any) -> Dataset[Any]:
    """ImageNet (``root/imagenet/<split>/<wnid>/*.JPEG``), center crop 224 then resize to ``size``,
    as in 0.1.16. ImageNet cannot be downloaded automatically: ``download`` is ignored."""
    name = "imagenet_128" if size == 128 else "imagenet_32"
    if size not in (32, 128) and transform_data:
        kwargs["transform"] = _resized([transforms.CenterCrop(224), transforms.Resize(size)], convert_tensor)
    return load_dataset(root, name, transform_data, convert_tensor, split=split, **kwargs)


def load_cifar100_dataset(root: StrPath, split: str = "train", download: bool = True, transform_data: bool = True,
                          convert_tensor: bool = True, **kwargs: Any) -> Dataset[Any]:
    """CIFAR-100; ``split`` is ``'train'``, ``'test'`` or ``'all'``."""
    return load_dataset(root, "cifar100", transform_data, convert_tensor, split=split, download=download, **kwargs)


def load_cifar10_dataset(root: StrPath, split: str = "train", download: bool = True, transform_data: bool = True,
                         **kwargs: Any) -> Dataset[Any]:
    """CIFAR-10; ``split`` is ``'train'``, ``'test'`` or ``'all'`` (``convert_tensor`` in ``kwargs``)."""
    return load_dataset(root, "cifar10", transform_data, split=split, download=download, **kwargs)
