"""``load_dataset``: the standard GAN datasets with the usual preprocessing.

Every dataset returned yields ``(image, label)`` pairs where ``image`` is a float32
tensor of shape (3, H, W) with values in [-1, 1] (``ToTensor`` followed by
``Normalize(0.5, 0.5)``) and ``label`` is an int (0 for datasets without labels).

``load_dataset`` asks the dataset registry (``torch_mimicry.datasets.registry``) for the
dataset's record and calls its builder; the files are checked as ``datasets.files``
describes: looked for first, downloaded only when some are missing, the dataset can be
downloaded and ``download=True``, then checked by torchvision's own integrity checks
(``check_integrity=True`` warns on a mismatch, ``'strict'`` raises, ``False`` skips).
"""
import os
from typing import Any, Optional

from torch.utils.data import Dataset

from torch_mimicry.datasets import catalog, original_keywords, original_layout
from torch_mimicry.datasets.files import DOWNLOAD_TIMEOUT
from torch_mimicry.datasets.registry import dataset_record, dataset_resolution
from torch_mimicry.utils.io import StrPath

__all__ = [
    "DATASET_NAMES", "DEFAULT_DATASET", "DOWNLOAD_TIMEOUT", "load_dataset", "dataset_resolution",
]

#: The built-in names :func:`load_dataset` accepts (``registry.dataset_names()`` adds the
#: datasets registered since).
DATASET_NAMES = catalog.BUILTIN_NAMES

#: Dataset used when none is named: generated on the fly, needs no files.
DEFAULT_DATASET = "synthetic"


def load_dataset(root: Optional[StrPath], name: str = DEFAULT_DATASET, **kwargs: Any) -> Dataset[Any]:
    """Build dataset ``name`` from the files under ``root``.

    Args:
        root (str or os.PathLike): directory holding (or receiving) the dataset files; for
            ``image_folder`` the image folder itself; ignored by ``synthetic``,
            ``fake_data``, ``digits`` and ``digits_subset`` (may be None).
        name (str): a registered name (:data:`DATASET_NAMES`, and any added with
            ``register_dataset``).
        **kwargs: per dataset (all accept ``download``):

            - ``cifar10``, ``cifar100``: ``split='train'|'test'``, ``download=True``,
              ``check_integrity=True``, ``transform=None``. 32x32.
            - ``stl10_48``: ``split='unlabeled'`` (or ``'train'``, ``'test'``,
              ``'train+unlabeled'``), ``folds=None``, ``download=True``,
              ``check_integrity=True``, ``transform=None``. Resized 96 -> 48.
            - ``celeba_64``, ``celeba_128``: ``split='all'`` (or ``'train'``, ``'valid'``,
              ``'test'``), ``download=True``, ``check_integrity=True``, ``transform=None``.
              Center crop 178x178 then resize. Label 0.
            - ``lsun_bedroom_128``: ``download=False``, ``transform=None``. Resize the
              short side to 128 then center crop. Label 0. Needs ``lmdb``.
            - ``imagenet_32``, ``imagenet_128``: ``split='train'|'val'``,
              ``download=False``, ``transform=None``. Resize the short side then center
              crop. Label = class index (sorted WordNet ids).
            - ``mnist``, ``fashion_mnist``: ``split='train'|'test'``, ``download=True``,
              ``transform=None``. 28x28 grey resized to 32x32 and repeated to 3 channels.
            - ``digits``: ``split='all'`` (1,797; or ``'train'``, 1,438, ``'test'``, 359),
              ``check_integrity=True``, ``transform=None``. scikit-learn's 8x8 UCI digits,
              bicubic to 32x32, grey on 3 channels; label = the digit. Needs scikit-learn.
            - ``digits_subset``: ``per_class=18``, ``seed=0``, ``check_integrity=True``,
              ``transform=None``: 18 seeded images of each digit (180).
            - ``fake_data``: ``size=1000``, ``image_size=(3, 32, 32)``,
              ``num_classes=10``, ``random_offset=0``, ``transform=None``.
            - ``image_folder``: ``image_size=None`` (int; None keeps the files' size),
              ``center_crop=True``, ``check_files=True``, ``transform=None``. Class
              subfolders give labels, a flat folder gives label 0. ``image_size=N``
              resizes the shorter side to N then center-crops N x N (``center_crop=False``:
              resizes to N x N). ``check_files`` opens every file's header first: an
              unreadable file is named, and without ``image_size`` (nor ``transform``)
              two files of different sizes are named.
            - ``synthetic``: ``size=10000``, ``image_size=32``, ``seed=0``.

            ``transform`` replaces the default preprocessing (PIL image in, anything
            out). ``check_integrity``: True warns when files differ from the official
            release (MD5), ``'strict'`` raises, False skips the verification.

            The keywords of torch-mimicry 0.1.16 are accepted too (``transform_data``,
            ``convert_tensor``, CIFAR ``split='all'``; see ``datasets.original_keywords``), and
            files in its folder layout (``root/cifar10/...``, ``root/stl10/...``,
            ``root/celeba/...``) are found.

    Returns:
        torch.utils.data.Dataset: items ``(image, label)``, image float32 (3, H, W) in
        [-1, 1], label int.

    Raises:
        ValueError: unknown ``name`` or invalid argument value.
        TypeError: argument not accepted by this dataset.
        FileNotFoundError: files missing and not downloadable (or download failed).
        RuntimeError: files present but failing the MD5 check.
        ImportError: ``lsun_bedroom_128`` without the ``lmdb`` package, ``digits`` without
            scikit-learn (the message says what to install).
        CorruptFileError (a RuntimeError and a ValueError): a file is truncated, corrupt or of
            another format; the message names it and how to get it again.
    """
    record = dataset_record(name)
    if original_keywords.uses_original_keywords(name, kwargs):
        request = original_keywords.translate(name, kwargs, record.resolution_for)
        return request.assemble([load_dataset(root, name, **part) for part in request.parts])
    accepted = record.accepted_kwargs()
    unknown = sorted(k for k in kwargs if k not in accepted)
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}) got unexpected keyword argument(s) {unknown}; "
            f"accepted: {accepted}."
        )
    if root is None and record.needs_root:
        raise ValueError(f"load_dataset({name!r}) needs a root directory, got None.")
    if root is not None:
        root = original_layout.find_root(os.path.expanduser(os.fspath(root)), name)
    return record.builder(record, root, **kwargs)
