"""Datasets for GAN training: ``load_dataset(root, name, **kwargs)`` and helpers.

Items are ``(image, label)`` with ``image`` a float32 tensor (3, H, W) in [-1, 1] and
``label`` an int. ``DEFAULT_DATASET`` ('synthetic') needs no files at all.
"""
from torch_mimicry.datasets.folder import FlatImageFolder, LMDBImages
from torch_mimicry.datasets.load import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    DOWNLOAD_TIMEOUT,
    dataset_resolution,
    load_dataset,
)
from torch_mimicry.datasets.synthetic import SHAPE_NAMES, SyntheticShapes

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_DATASET",
    "DOWNLOAD_TIMEOUT",
    "FlatImageFolder",
    "LMDBImages",
    "SHAPE_NAMES",
    "SyntheticShapes",
    "dataset_resolution",
    "load_dataset",
]
