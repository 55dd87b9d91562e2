"""Datasets for GAN training: ``load_dataset(root, name, **kwargs)`` and helpers.

Items are ``(image, label)`` with ``image`` a float32 tensor (3, H, W) in [-1, 1] and
``label`` an int. ``DEFAULT_DATASET`` ('synthetic') needs no files at all; ``digits`` (the
UCI handwritten digits scikit-learn ships) is real data that needs no download. Every name is
a :class:`DatasetRecord` of the registry (``datasets.registry``); :func:`register_dataset`
adds one of the user's.
"""
from torch_mimicry.datasets.registry import (DatasetRecord, dataset_names, dataset_record, dataset_resolution,
                                             register_dataset, unregister_dataset)
from torch_mimicry.datasets.folder import FlatImageFolder, LMDBImages
from torch_mimicry.datasets.load import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    DOWNLOAD_TIMEOUT,
    load_dataset,
)
from torch_mimicry.datasets.digits import DigitsDataset
from torch_mimicry.datasets.synthetic import SHAPE_NAMES, SyntheticShapes

# torch-mimicry 0.1.16's modules and functions (not part of __all__).
from torch_mimicry.datasets import data_utils, image_loader, imagenet  # noqa: E402
from torch_mimicry.datasets.data_utils import (load_celeba_dataset, load_cifar10_dataset,  # noqa: E402,F401
                                               load_cifar100_dataset, load_fake_dataset, load_imagenet_dataset,
                                               load_lsun_bedroom_dataset, load_stl10_dataset)
from torch_mimicry.datasets.image_loader import (get_celeba_images, get_cifar10_images,  # noqa: E402,F401
                                                 get_cifar100_images, get_dataset_images, get_fake_data_images,
                                                 get_imagenet_images, get_lsun_bedroom_images, get_random_images,
                                                 get_stl10_images, sample_dataset_images)

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "DOWNLOAD_TIMEOUT",
    "DatasetRecord",
    "DigitsDataset",
    "FlatImageFolder",
    "LMDBImages",
    "SHAPE_NAMES",
    "SyntheticShapes",
    "dataset_names",
    "dataset_record",
    "dataset_resolution",
    "load_dataset",
    "register_dataset",
    "unregister_dataset",
]
