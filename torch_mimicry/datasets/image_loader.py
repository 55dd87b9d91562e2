"""Random real images as numpy arrays, with the functions of torch-mimicry 0.1.16 (which fed
them to the TensorFlow Inception graph): ``[N, H, W, 3]`` arrays with values in [0, 255].

Images are drawn without replacement with numpy's global random state (``random`` for
:func:`sample_dataset_images`), as in 0.1.16; seed them for reproducible draws. The metrics of
this library draw real images themselves, seeded (``torch_mimicry.metrics.real_stats``).
"""
import os
import random
from typing import Any, Callable, Dict, List, Sized, Union, cast

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms

from torch_mimicry.datasets import data_utils
from torch_mimicry.datasets.registry import dataset_names
from torch_mimicry.utils.io import StrPath

__all__ = ["get_random_images", "get_imagenet_images", "get_fake_data_images", "get_lsun_bedroom_images",
           "get_celeba_images", "get_stl10_images", "get_cifar10_images", "get_cifar100_images",
           "sample_dataset_images", "get_dataset_images"]


def _size(dataset: Dataset[Any]) -> int:
    """``len(dataset)`` of a map-style dataset."""
    return len(cast(Sized, dataset))


def _check_count(dataset: Dataset[Any], num_samples: int) -> None:
    if num_samples > _size(dataset):
        raise ValueError(f"{num_samples} images requested but the dataset has only {_size(dataset)}.")


def get_random_images(dataset: Dataset[Any], num_samples: int) -> np.ndarray:
    """``num_samples`` images of ``dataset`` drawn without replacement (``np.random.choice``),
    each converted with ``np.array`` and stacked: ``[N, H, W, 3]`` uint8 for PIL images."""
    _check_count(dataset, num_samples)
    choices = np.random.choice(_size(dataset), size=num_samples, replace=False)
    return np.stack([np.array(dataset[int(i)][0]) for i in choices])


def get_imagenet_images(num_samples: int, root: StrPath = "./datasets", size: int = 32) -> np.ndarray:
    """``num_samples // 1000`` random images of each ImageNet class (``root/imagenet/train/<wnid>/``),
    center-cropped to 224 and resized to ``size``: ``[N, size, size, 3]`` uint8.

    Raises:
        ValueError: ``num_samples`` below 1000 (one image per class at least).
        FileNotFoundError: no ``root/imagenet/train`` folder.
    """
    if num_samples < 1000:
        raise ValueError(f"num_samples {num_samples} must be at least 1000 to sample images from each class.")
    data_dir = os.path.join(root, "imagenet", "train")
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(f"No ImageNet training folder at {data_dir!r} (expected <wnid>/ subfolders of JPEG "
                                "files); ImageNet cannot be downloaded automatically: get it from image-net.org.")
    prep = transforms.Compose([transforms.CenterCrop(224), transforms.Resize(size)])
    images: List[np.ndarray] = []
    for class_dir in sorted(os.listdir(data_dir)):
        files = sorted(os.listdir(os.path.join(data_dir, class_dir)))
        for i in np.random.choice(len(files), size=num_samples // 1000, replace=False):
            with Image.open(os.path.join(data_dir, class_dir, files[int(i)])) as img:
                images.append(np.asarray(prep(img.convert("RGB"))))
    return np.stack(images)


def get_fake_data_images(num_samples: int, root: StrPath = "./datasets", size: int = 32, **kwargs: Any) -> np.ndarray:
    """Random images of ``FakeData`` (``[N, size, size, 3]`` uint8)."""
    dataset = data_utils.load_fake_dataset(root, image_size=(3, size, size), convert_tensor=False, **kwargs)
    return get_random_images(dataset, num_samples)


def get_lsun_bedroom_images(num_samples: int, root: StrPath = "./datasets", size: int = 128,
                            **kwargs: Any) -> np.ndarray:
    """Random LSUN bedroom images (``[N, size, size, 3]`` uint8)."""
    dataset = data_utils.load_lsun_bedroom_dataset(root, size=size, convert_tensor=False, **kwargs)
    return get_random_images(dataset, num_samples)


def get_celeba_images(num_samples: int, root: StrPath = "./datasets", size: int = 128, **kwargs: Any) -> np.ndarray:
    """Random CelebA images (``[N, size, size, 3]`` uint8)."""
    dataset = data_utils.load_celeba_dataset(root, size=size, convert_tensor=False, **kwargs)
    return get_random_images(dataset, num_samples)


def get_stl10_images(num_samples: int, root: StrPath = "./datasets", size: int = 48, **kwargs: Any) -> np.ndarray:
    """Random STL-10 images (unlabeled split by default; ``[N, size, size, 3]`` uint8)."""
    dataset = data_utils.load_stl10_dataset(root, size=size, convert_tensor=False, **kwargs)
    return get_random_images(dataset, num_samples)


def get_cifar10_images(num_samples: int, root: StrPath = "./datasets", **kwargs: Any) -> np.ndarray:
    """Random CIFAR-10 training images (``[N, 32, 32, 3]`` uint8)."""
    dataset = data_utils.load_cifar10_dataset(root, transform_data=False, **kwargs)
    return get_random_images(dataset, num_samples)


def get_cifar100_images(num_samples: int, root: StrPath = "./datasets", **kwargs: Any) -> np.ndarray:
    """Random CIFAR-100 training images (``[N, 32, 32, 3]`` uint8)."""
    kwargs.setdefault("split", "train")
    dataset = data_utils.load_cifar100_dataset(root, transform_data=False, **kwargs)
    return get_random_images(dataset, num_samples)


def sample_dataset_images(dataset: Dataset[Any], num_samples: int) -> np.ndarray:
    """``num_samples`` images (tensors ``[C, H, W]``) of ``dataset`` drawn with ``random.sample``,
    stacked into a numpy array ``[N, C, H, W]`` (values as the dataset gives them)."""
    if _size(dataset) < num_samples:
        raise ValueError(f"Given dataset has less than num_samples images: {_size(dataset)} given but requires at "
                         f"least {num_samples}.")
    images: List[np.ndarray] = []
    for i in random.sample(range(_size(dataset)), num_samples):
        item = dataset[i]
        img = item[0] if isinstance(item, (tuple, list)) else item
        images.append(np.asarray(img.detach().cpu() if isinstance(img, torch.Tensor) else img))
    return np.stack(images)


def _to_uint8_range(images: np.ndarray) -> np.ndarray:
    """Float images in [-1, 1] (this library's datasets) to [0, 255]; others clipped to [0, 255]."""
    if images.dtype != np.uint8 and images.size and images.min() >= -1.0 and images.max() <= 1.0:
        return np.round((images.astype(np.float64) + 1.0) * 127.5).astype(np.uint8)
    if images.size and (images.min() < 0 or images.max() > 255):
        print("INFO: Some pixel values lie outside of [0, 255]. Clipping values..")
        images = np.clip(images, 0, 255)
    return images


def get_dataset_images(dataset: Union[str, Dataset[Any]], num_samples: int = 50000, **kwargs: Any) -> np.ndarray:
    """``num_samples`` random images of a dataset as ``[N, H, W, 3]`` with values in [0, 255].

    Args:
        dataset (str or Dataset): a name of ``load_dataset`` (files under ``root=``, default
            ``./datasets``) or a Dataset whose items are ``(image, label)``.
        num_samples (int): images drawn without replacement.
        **kwargs: for named datasets, ``root`` and the dataset's own arguments.

    A Dataset yielding float images in [-1, 1] (as this library's do) is mapped to [0, 255] by
    ``round((x + 1) * 127.5)``; other values are clipped to [0, 255] as in 0.1.16.
    """
    if isinstance(dataset, str):
        named: Dict[str, Callable[[], np.ndarray]] = {
            "imagenet_32": lambda: get_imagenet_images(num_samples, size=32, **kwargs),
            "imagenet_128": lambda: get_imagenet_images(num_samples, size=128, **kwargs),
            "celeba_64": lambda: get_celeba_images(num_samples, size=64, **kwargs),
            "celeba_128": lambda: get_celeba_images(num_samples, size=128, **kwargs),
            "stl10_48": lambda: get_stl10_images(num_samples, **kwargs),
            "cifar10": lambda: get_cifar10_images(num_samples, **kwargs),
            "cifar100": lambda: get_cifar100_images(num_samples, **kwargs),
            "lsun_bedroom_128": lambda: get_lsun_bedroom_images(num_samples, size=128, **kwargs),
            "fake_data": lambda: get_fake_data_images(num_samples, size=32, **kwargs),
        }
        if dataset in named:
            images = named[dataset]()
        elif dataset in dataset_names():
            root = kwargs.pop("root", "./datasets")
            images = get_random_images(data_utils.load_dataset(root, dataset, convert_tensor=False, **kwargs),
                                       num_samples)
        else:
            raise ValueError(f"Invalid dataset name {dataset!r}; valid names are: {', '.join(dataset_names())}.")
    elif isinstance(dataset, torch.utils.data.Dataset):
        images = sample_dataset_images(dataset, num_samples)
    else:
        raise ValueError("dataset must be of type str or a Dataset object.")
    if images.ndim == 4 and images.shape[1] == 3 and images.shape[3] != 3:
        images = images.transpose((0, 2, 3, 1))
    return _to_uint8_range(images)
