"""``digits``: the 1,797 UCI handwritten digits that scikit-learn ships in its wheel, at 32 px.

A real dataset that needs no download (``pip install torch-mimicry[digits]``, i.e.
scikit-learn). The source is the test part of the UCI "Optical Recognition of Handwritten
Digits" data (E. Alpaydin, C. Kaynak, 1998; 13 writers): 8x8 images whose pixels count the
ink in 4x4 blocks of a 32x32 bitmap, integers 0..16, read with
``sklearn.datasets.load_digits``. Their content is checked against :data:`DIGITS_SHA256`.

Preprocessing (:data:`DIGITS_RESIZE`, recorded in the dataset's registry record and in the
protocol of the digit score): the 8x8 values, as float64, are upsampled to 32x32 by
``torch.nn.functional.interpolate(mode='bicubic', align_corners=False, antialias=False)``
(Keys' cubic kernel with a = -0.75; exact in float64 for this 4x factor), clamped to
[0, 16], mapped to 8 bits by ``round(v * 255 / 16)`` (half to even), and the grey image is
repeated on 3 channels: white ink on black, like MNIST. Items are then ``x / 255 * 2 - 1``,
float32 ``(3, 32, 32)`` in [-1, 1], bit for bit what ``ToTensor`` and ``Normalize(0.5, 0.5)``
give for that 8-bit image, and the label is the digit, 0-9.

Splits (:func:`digits_indices`): ``'all'`` (1,797), and a fixed class-stratified split:
per class in order 0..9, a permutation of its images by one ``np.random.RandomState(0)``;
the first ``round(0.2 * n_class)`` go to ``'test'`` (359 images), the rest to ``'train'``
(1,438). ``digits_subset`` (:func:`digits_subset_indices`): 18 images of each class (180,
10 % of the set), drawn the same way with ``np.random.RandomState(0)``, for limited-data runs.
"""
from __future__ import annotations

import functools
import hashlib
import warnings
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Dataset

from torch_mimicry.datasets.files import IntegrityOption, check_integrity_option
from torch_mimicry.datasets.registry import DatasetRecord, check_choice

__all__ = ["DIGITS_SHA256", "DIGITS_RESIZE", "DIGITS_PREPROCESSING", "DIGITS_SPLITS", "DIGITS_SPLIT_SEED",
           "DIGITS_TEST_FRACTION", "DIGITS_SUBSET_PER_CLASS", "DIGITS_SUBSET_SEED", "DIGITS_SOURCE",
           "DIGITS_LICENSE", "INSTALL_HINT", "load_uci_digits", "upsample_digits", "digits_indices",
           "digits_subset_indices", "DigitsDataset", "build_digits", "build_digits_subset"]

#: SHA-256 of the 8x8 images (uint8, C order) followed by the labels (int64 little-endian).
DIGITS_SHA256 = "65e5b4619795efb40c1082f4c350c049e4ad552200d369b6ae99e21eef5e72c5"

#: The upsampling from 8x8 to 32x32, as ``torch.nn.functional.interpolate`` arguments and the quantisation.
DIGITS_RESIZE: Dict[str, Any] = {"from_size": 8, "size": 32, "mode": "bicubic", "align_corners": False,
                                 "antialias": False, "dtype": "float64", "clamp": [0, 16],
                                 "to_uint8": "round(v * 255 / 16), half to even"}

#: The preprocessing in words (the ``preprocessing`` of the registry records).
DIGITS_PREPROCESSING = ("8x8 values 0..16 (float64) upsampled to 32x32 with torch.nn.functional.interpolate("
                        "mode='bicubic', align_corners=False, antialias=False), clamped to [0, 16], "
                        "round(v * 255 / 16) to uint8 (half to even), grey repeated on 3 channels (white ink on "
                        "black), then x / 255 * 2 - 1")

#: Where the data come from.
DIGITS_SOURCE = ("scikit-learn's copy (sklearn.datasets.load_digits) of the test part of the UCI Optical "
                 "Recognition of Handwritten Digits data, https://archive.ics.uci.edu/dataset/80")

#: The data's terms of use.
DIGITS_LICENSE = "CC BY 4.0 (UCI Machine Learning Repository; E. Alpaydin, C. Kaynak, 1998)"

#: How to get scikit-learn, quoted when it is missing.
INSTALL_HINT = "pip install scikit-learn (or pip install 'torch-mimicry[digits]')"

#: The splits of ``digits``.
DIGITS_SPLITS = ("all", "train", "test")
#: Seed of the stratified train / test split.
DIGITS_SPLIT_SEED = 0
#: Fraction of each class in the test split (rounded per class).
DIGITS_TEST_FRACTION = 0.2
#: Images per class in ``digits_subset`` (10 classes: 180 images).
DIGITS_SUBSET_PER_CLASS = 18
#: Seed of ``digits_subset``.
DIGITS_SUBSET_SEED = 0

NUM_CLASSES = 10


def _content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    h = hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    h.update(np.ascontiguousarray(labels, dtype="<i8").tobytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _read_sklearn_digits() -> Tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(f"Dataset 'digits' reads the UCI handwritten digits that scikit-learn ships, and "
                          f"scikit-learn is not installed: {INSTALL_HINT}.") from err
    bunch = load_digits()
    images = np.asarray(bunch.images)
    labels = np.asarray(bunch.target)
    if images.shape != (1797, 8, 8) or labels.shape != (1797,) or images.min() < 0 or images.max() > 16 \
            or not np.array_equal(images, np.round(images)):
        raise RuntimeError(f"sklearn.datasets.load_digits returned images of shape {images.shape} with values in "
                           f"[{images.min()}, {images.max()}], not the 1797 8x8 UCI digits with integer values "
                           "0..16; reinstall scikit-learn.")
    images_u8, labels_i64 = images.astype(np.uint8), labels.astype(np.int64)
    images_u8.setflags(write=False)
    labels_i64.setflags(write=False)
    return images_u8, labels_i64


def load_uci_digits(check_integrity: IntegrityOption = True) -> Tuple[np.ndarray, np.ndarray]:
    """The 1,797 UCI digits as scikit-learn ships them, read once per process.

    Args:
        check_integrity: True: warn when their content differs from :data:`DIGITS_SHA256`;
            ``'strict'``: raise; False: skip the check.

    Returns:
        tuple: ``(images uint8 [1797, 8, 8] in 0..16, labels int64 [1797] in 0..9)``, read-only.

    Raises:
        ImportError: scikit-learn is not installed (the message says how to install it).
        RuntimeError: ``'strict'`` and the content differs.
    """
    check_integrity_option(check_integrity)
    images, labels = _read_sklearn_digits()
    if check_integrity:
        digest = _content_sha256(images, labels)
        if digest != DIGITS_SHA256:
            message = (f"Dataset 'digits': the images scikit-learn returned have SHA-256 {digest[:16]}..., not "
                       f"{DIGITS_SHA256[:16]}... of the UCI digits this library records; scores computed on them "
                       "are not comparable with others. Reinstall scikit-learn, or pass check_integrity=False "
                       "to skip this check.")
            if check_integrity == "strict":
                raise RuntimeError(message)
            warnings.warn(message, UserWarning, stacklevel=3)
    return images, labels


def upsample_digits(images: Union[np.ndarray, torch.Tensor]) -> torch.Tensor:
    """The 32x32 8-bit images of 8x8 digits (see :data:`DIGITS_RESIZE`).

    Args:
        images: ``[N, 8, 8]`` values in [0, 16].

    Returns:
        torch.Tensor: uint8 ``[N, 32, 32]`` (0: no ink, 255: full ink).
    """
    x = torch.tensor(np.asarray(images), dtype=torch.float64)  # a copy (the digits are read-only)
    if x.ndim != 3 or tuple(x.shape[1:]) != (8, 8):
        raise ValueError(f"upsample_digits takes [N, 8, 8] images, got shape {tuple(x.shape)}.")
    r = DIGITS_RESIZE
    up = F.interpolate(x[:, None], size=(r["size"], r["size"]), mode=r["mode"], align_corners=r["align_corners"],
                       antialias=r["antialias"])[:, 0]
    return torch.round(up.clamp(0.0, 16.0) * (255.0 / 16.0)).to(torch.uint8)


def _stratified(labels: np.ndarray, seed: int, count: Callable[[int], int]) -> np.ndarray:
    """Sorted indices: per class 0..9 in order, the first ``count(n_class)`` of a permutation
    drawn by one ``np.random.RandomState(seed)``."""
    rng = np.random.RandomState(seed)
    chosen = []
    for c in range(NUM_CLASSES):
        members = np.flatnonzero(labels == c)
        chosen.append(rng.permutation(members)[:count(len(members))])
    return np.sort(np.concatenate(chosen))


def digits_indices(split: str = "all", labels: Optional[np.ndarray] = None) -> np.ndarray:
    """Indices (sorted, into the 1,797 digits) of ``split``: ``'all'``, ``'train'`` or ``'test'``.

    ``labels`` (``[1797]``) default to those of :func:`load_uci_digits`.
    """
    check_choice("digits", "split", split, DIGITS_SPLITS)
    if labels is None:
        labels = load_uci_digits(check_integrity=False)[1]
    if split == "all":
        return np.arange(len(labels))
    test = _stratified(labels, DIGITS_SPLIT_SEED, lambda n: int(round(DIGITS_TEST_FRACTION * n)))
    if split == "test":
        return test
    return np.setdiff1d(np.arange(len(labels)), test)


def digits_subset_indices(per_class: int = DIGITS_SUBSET_PER_CLASS, seed: int = DIGITS_SUBSET_SEED,
                          labels: Optional[np.ndarray] = None) -> np.ndarray:
    """Indices (sorted) of the class-balanced subset: ``per_class`` images of each digit."""
    if labels is None:
        labels = load_uci_digits(check_integrity=False)[1]
    smallest = int(np.bincount(labels, minlength=NUM_CLASSES).min())
    if isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) or not 1 <= per_class <= smallest:
        raise ValueError(f"load_dataset('digits_subset'): per_class must be an int in [1, {smallest}] (the smallest "
                         f"class has {smallest} images), got {per_class!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"load_dataset('digits_subset'): seed must be an int >= 0, got {seed!r}.")
    return _stratified(labels, int(seed), lambda n: int(per_class))


class DigitsDataset(Dataset[Tuple[Any, int]]):
    """Digit images at 32 px with their labels.

    Args:
        images (Tensor): uint8 ``[N, 32, 32]``, the 8-bit grey images.
        labels (sequence of int): ``[N]`` digits 0-9.
        transform (callable, optional): replaces the default conversion; takes the RGB PIL
            image (grey repeated on 3 channels).

    Items are ``(image, label)``: ``image`` float32 ``(3, 32, 32)`` in [-1, 1] (or what
    ``transform`` returns), ``label`` an int in [0, 10).
    """

    num_classes = NUM_CLASSES

    def __init__(self, images: torch.Tensor, labels: Sequence[int],
                 transform: Optional[Callable[[Image.Image], Any]] = None) -> None:
        if images.dtype != torch.uint8 or images.ndim != 3:
            raise ValueError(f"DigitsDataset takes uint8 [N, H, W] images, got {images.dtype} {tuple(images.shape)}.")
        if len(labels) != images.shape[0]:
            raise ValueError(f"DigitsDataset: {images.shape[0]} images but {len(labels)} labels.")
        self.images = images
        self.labels = [int(y) for y in labels]
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: Union[int, torch.Tensor]) -> Tuple[Any, int]:
        i = int(index)
        grey = self.images[i]
        if self.transform is not None:
            return self.transform(Image.fromarray(grey.numpy()).convert("RGB")), self.labels[i]
        # ToTensor then Normalize(0.5, 0.5), operation for operation.
        x = grey.to(torch.float32).div(255).sub(0.5).div(0.5)
        return x.expand(3, -1, -1).clone(), self.labels[i]

    def __repr__(self) -> str:
        return f"DigitsDataset(size={len(self)}, resolution={self.images.shape[-1]})"


@functools.lru_cache(maxsize=1)
def _upsampled() -> torch.Tensor:
    return upsample_digits(load_uci_digits(check_integrity=False)[0])


def _dataset(indices: np.ndarray, labels: np.ndarray,
             transform: Optional[Callable[[Image.Image], Any]]) -> DigitsDataset:
    return DigitsDataset(_upsampled()[torch.as_tensor(indices, dtype=torch.long)], labels[indices].tolist(),
                         transform=transform)


def build_digits(record: DatasetRecord, root: Optional[str], split: str = "all",
                 check_integrity: IntegrityOption = True, download: bool = False,
                 transform: Optional[Callable[[Image.Image], Any]] = None) -> DigitsDataset:
    """``digits``: ``split='all'`` (1,797) ``|'train'`` (1,438) ``|'test'`` (359); label = digit."""
    check_choice(record.name, "split", split, DIGITS_SPLITS)
    labels = load_uci_digits(check_integrity)[1]
    return _dataset(digits_indices(split, labels), labels, transform)


def build_digits_subset(record: DatasetRecord, root: Optional[str], per_class: int = DIGITS_SUBSET_PER_CLASS,
                        seed: int = DIGITS_SUBSET_SEED, check_integrity: IntegrityOption = True,
                        download: bool = False,
                        transform: Optional[Callable[[Image.Image], Any]] = None) -> DigitsDataset:
    """``digits_subset``: ``per_class`` (18) seeded images of each digit (180 in all)."""
    labels = load_uci_digits(check_integrity)[1]
    return _dataset(digits_subset_indices(per_class, seed, labels), labels, transform)
