"""The dataset registry: one :class:`DatasetRecord` per name, registered in one place.

A record says everything the library knows about a dataset: its resolution, the files it
reads (per split, with their published checksums), the builder that reads them, its labels,
where to get it, and the preprocessing applied (written with every score computed on it).
:func:`~torch_mimicry.datasets.load_dataset` and :func:`dataset_resolution` ask the registry
and never switch on names. The built-in datasets are registered by
``torch_mimicry.datasets.catalog``; a user's own dataset is one :func:`register_dataset` call::

    def build_faces(record, root, split="train", transform=None):
        ...  # a Dataset of (image [3, 64, 64] in [-1, 1], label)

    mmc.datasets.register_dataset(mmc.datasets.DatasetRecord(
        name="my_faces", resolution=64, builder=build_faces, source="my lab's server"))
    ds = mmc.datasets.load_dataset("./datasets", "my_faces", split="train")

This module is the bottom of the datasets package: it imports none of the builders.
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from torch.utils.data import Dataset

__all__ = ["DatasetRecord", "Builder", "ImageSize", "register_dataset", "unregister_dataset", "dataset_record",
           "dataset_names", "dataset_resolution", "check_choice"]

#: The ``image_size`` argument of the configurable datasets: an int (height = width) or ``(C, H, W)``.
ImageSize = Union[int, Tuple[int, int, int], None]

#: ``builder(record, root, **kwargs) -> Dataset``: its keyword arguments are the ones
#: ``load_dataset`` accepts for the dataset (each with its default).
Builder = Callable[..., "Dataset[Any]"]

#: A file a dataset reads: ``(path relative to the dataset's folder, md5 hex or None)``;
#: a path ending in ``/`` is a directory.
FileEntry = Tuple[str, Optional[str]]


@dataclasses.dataclass(frozen=True)
class DatasetRecord:
    """Everything the library knows about one dataset.

    Attributes:
        name (str): the name ``load_dataset`` takes.
        builder (callable): ``builder(record, root, **kwargs) -> Dataset`` whose items are
            ``(image float32 [3, H, W] in [-1, 1], label int)``; ``root`` is the folder the
            user gave (after 0.1.16's layout is resolved; ``None`` allowed when
            ``needs_root`` is False). Its keyword arguments, with their defaults, are the
            ones the dataset accepts.
        resolution (int or callable): the images' height (= width) in pixels, or, for a
            dataset whose size is an argument, ``resolution(image_size) -> int``.
        num_classes (int): number of labels (``0``: unlabelled, every label is 0).
        labels (str): what the labels are, in words.
        source (str): where to get the data (URL, package), quoted in error messages.
        folder (str): the folder under ``root`` that holds the files ('' for ``root`` itself).
        files (mapping): ``split -> ((relative path, md5 or None), ...)``: the files each
            split reads, with their published MD5 sums (empty for datasets without files).
        needs_root (bool): ``load_dataset`` refuses ``root=None``.
        downloadable (bool): ``download=True`` can fetch the files.
        preprocessing (str): what the builder does to the stored images, in words; part of
            the dataset's identity in score records.
        license (str): the data's license or terms of use, in words.
    """

    name: str
    builder: Builder
    resolution: Union[int, Callable[[ImageSize], int]]
    num_classes: int = 0
    labels: str = "0 (no labels)"
    source: str = ""
    folder: str = ""
    files: Mapping[str, Tuple[FileEntry, ...]] = dataclasses.field(default_factory=dict)
    needs_root: bool = True
    downloadable: bool = False
    preprocessing: str = "none"
    license: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or self.name != self.name.strip():
            raise ValueError(f"DatasetRecord: name must be a non-empty string without surrounding spaces, got "
                             f"{self.name!r}.")
        if not callable(self.builder):
            raise TypeError(f"DatasetRecord {self.name!r}: builder must be callable "
                            f"(builder(record, root, **kwargs) -> Dataset), got {type(self.builder).__name__}.")
        params = list(inspect.signature(self.builder).parameters.values())
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) < 2 and not any(p.kind == p.VAR_POSITIONAL for p in params):
            raise TypeError(f"DatasetRecord {self.name!r}: builder must take (record, root, **kwargs); "
                            f"{getattr(self.builder, '__name__', self.builder)!r} takes {[p.name for p in params]}.")
        if isinstance(self.resolution, bool) or not (callable(self.resolution) or (
                isinstance(self.resolution, int) and self.resolution > 0)):
            raise ValueError(f"DatasetRecord {self.name!r}: resolution must be a positive int or "
                             f"resolution(image_size) -> int, got {self.resolution!r}.")
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int) or self.num_classes < 0:
            raise ValueError(f"DatasetRecord {self.name!r}: num_classes must be an int >= 0, got "
                             f"{self.num_classes!r}.")

    def resolution_for(self, image_size: ImageSize = None) -> int:
        """The images' height (= width) for the dataset's ``image_size`` argument (read only by
        datasets whose size is an argument; ``None`` selects their default)."""
        if callable(self.resolution):
            return int(self.resolution(image_size))
        return self.resolution

    def split_files(self, split: str) -> Tuple[FileEntry, ...]:
        """The ``(relative path, md5)`` files of ``split``.

        Raises:
            ValueError: the record lists files and none for ``split``.
        """
        if split not in self.files:
            raise ValueError(f"load_dataset({self.name!r}): split must be one of {list(self.files)}, got {split!r}.")
        return self.files[split]

    def accepted_kwargs(self) -> List[str]:
        """The keyword arguments ``load_dataset`` accepts for this dataset (the builder's)."""
        params = list(inspect.signature(self.builder).parameters.values())[2:]
        return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def describe(self) -> Dict[str, Any]:
        """A JSON-able summary: name, resolution (or ``'image_size'``), labels, classes,
        source, preprocessing, license."""
        return {"name": self.name,
                "resolution": self.resolution if isinstance(self.resolution, int) else "image_size",
                "num_classes": self.num_classes, "labels": self.labels, "source": self.source,
                "preprocessing": self.preprocessing, "license": self.license}


_REGISTRY: Dict[str, DatasetRecord] = {}


def register_dataset(record: DatasetRecord, replace: bool = False) -> DatasetRecord:
    """Adds ``record`` to the registry under ``record.name`` and returns it.

    Raises:
        TypeError: ``record`` is not a :class:`DatasetRecord`.
        ValueError: the name is taken and ``replace`` is False.
    """
    if not isinstance(record, DatasetRecord):
        raise TypeError(f"register_dataset takes a DatasetRecord, got {type(record).__name__}.")
    if record.name in _REGISTRY and not replace:
        raise ValueError(f"A dataset named {record.name!r} is already registered; choose another name or pass "
                         "replace=True.")
    _REGISTRY[record.name] = record
    return record


def unregister_dataset(name: str) -> DatasetRecord:
    """Removes ``name`` from the registry and returns its record.

    Raises:
        ValueError: no dataset of that name.
    """
    record = dataset_record(name)
    del _REGISTRY[name]
    return record


def dataset_names() -> Tuple[str, ...]:
    """Every registered name, in the order of registration (built-ins first)."""
    return tuple(_REGISTRY)


def dataset_record(name: str) -> DatasetRecord:
    """The record of ``name``.

    Raises:
        ValueError: unknown name; the message lists the registered ones.
    """
    record = _REGISTRY.get(name) if isinstance(name, str) else None
    if record is None:
        raise ValueError(f"Unknown dataset {name!r}; valid names are: {', '.join(_REGISTRY)}.")
    return record


def dataset_resolution(name: str, image_size: ImageSize = None) -> int:
    """Height (= width) in pixels of the images ``load_dataset(root, name)`` yields.

    Args:
        name (str): a registered name (:func:`dataset_names`).
        image_size: only read for the configurable datasets, with the meaning of the
            ``image_size`` argument of that dataset: an int for ``synthetic`` and
            ``image_folder`` (required for the latter), a ``(C, H, W)`` tuple or an int
            for ``fake_data``. ``None`` selects the dataset's default.

    Returns:
        int: the resolution.

    Raises:
        ValueError: unknown name, or a required ``image_size`` missing.
        TypeError: an ``image_size`` of the wrong kind.
    """
    return dataset_record(name).resolution_for(image_size)


def check_choice(name: str, arg: str, value: object, choices: Sequence[object]) -> None:
    """Raises ``ValueError`` naming the dataset, the argument and the choices when ``value``
    is not one of ``choices``."""
    if value not in choices:
        raise ValueError(f"load_dataset({name!r}): {arg} must be one of {list(choices)}, got {value!r}.")

