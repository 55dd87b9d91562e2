"""The builders of the built-in datasets: ``builder(record, root, **kwargs) -> Dataset``.

Each reads the files its :class:`~torch_mimicry.datasets.registry.DatasetRecord` lists (where
they are, their checksums, where to get them) and applies the usual preprocessing; the keyword
arguments of a builder are the ones ``load_dataset`` accepts for its datasets. The records are
made in ``torch_mimicry.datasets.catalog``.
"""
import os
from typing import Any, Callable, Optional, Tuple, Type, Union

from PIL import Image
from torch.utils.data import Dataset
from torchvision import datasets as tvd
from torchvision import transforms

from torch_mimicry.datasets.files import (IntegrityOption, ensure_files, probe_idx, probe_pickle, probe_stl,
                                          read_checked, read_files, unchecked)
from torch_mimicry.datasets.folder import _DECODE_ERRORS, FlatImageFolder, LMDBImages, check_image_files, list_images
from torch_mimicry.datasets.folder import load_rgb
from torch_mimicry.datasets.preprocessing import clip_label, pipeline, to_rgb, zero_label
from torch_mimicry.datasets.registry import Builder, DatasetRecord, ImageSize
from torch_mimicry.datasets.synthetic import SyntheticShapes
from torch_mimicry.utils.errors import CorruptFileError, DatasetNotFoundError

__all__ = ["cifar_builder", "build_stl10", "build_celeba", "build_lsun", "build_imagenet", "mnist_builder",
           "build_fake_data", "build_image_folder", "build_synthetic", "fake_data_resolution",
           "synthetic_resolution", "image_folder_resolution"]

#: A transform of a PIL image (what the dataset's items hold is what it returns).
Transform = Optional[Callable[[Image.Image], Any]]


def _how_to_get(record: DatasetRecord, root: str) -> str:
    return f"Get {record.source} and extract it into {root!r} (or pass download=True with network access)."


# ---------------------------------------------------------------------------------------
# CIFAR, STL-10, CelebA: torchvision's readers, with torchvision's integrity checks


def cifar_builder(tv_cls: Type[tvd.CIFAR10]) -> Builder:
    """The builder of CIFAR-10 (``tv_cls=torchvision.datasets.CIFAR10``) or CIFAR-100."""
    reader_unchecked = unchecked(tv_cls)

    def build_cifar(record: DatasetRecord, root: str, split: str = "train", download: bool = True,
                    check_integrity: IntegrityOption = True, transform: Transform = None) -> Dataset[Any]:
        """CIFAR: ``split='train'|'test'``; 32x32, no preprocessing; label = class index."""
        required = record.split_files(split)
        how_to_get = _how_to_get(record, root)
        folder = os.path.join(root, record.folder)
        ensure_files(record.name, folder, required, how_to_get, download, downloader=lambda: tvd.utils.
                     download_and_extract_archive(tv_cls.url, root, filename=tv_cls.filename, md5=tv_cls.tgz_md5))
        train, transform = split == "train", transform or pipeline()
        return read_checked(record.name, folder, required, how_to_get, check_integrity,
                            lambda: tv_cls(root, train=train, transform=transform, download=False),
                            lambda: reader_unchecked(root, train=train, transform=transform, download=False),
                            probe=probe_pickle)

    return build_cifar


_STL10Unchecked = unchecked(tvd.STL10)


def build_stl10(record: DatasetRecord, root: str, split: str = "unlabeled", folds: Optional[int] = None,
                download: bool = True, check_integrity: IntegrityOption = True,
                transform: Transform = None) -> Dataset[Any]:
    """STL-10 resized 96 -> 48: ``split='unlabeled'|'train'|'test'|'train+unlabeled'``, ``folds``."""
    required = record.split_files(split)
    if folds is not None:
        required += ((tvd.STL10.folds_list_file, None),)
    how_to_get = _how_to_get(record, root)
    folder = os.path.join(root, record.folder)
    ensure_files(record.name, folder, required, how_to_get, download, downloader=lambda: tvd.utils.
                 download_and_extract_archive(tvd.STL10.url, root, filename=tvd.STL10.filename,
                                              md5=tvd.STL10.tgz_md5))
    kwargs = dict(split=split, folds=folds, download=False, target_transform=clip_label,
                  transform=transform or pipeline(transforms.Resize((48, 48))))
    return read_checked(record.name, folder, required, how_to_get, check_integrity,
                        lambda: tvd.STL10(root, **kwargs), lambda: _STL10Unchecked(root, **kwargs), probe=probe_stl)


class _CelebAReader(tvd.CelebA):
    """torchvision's CelebA reader; an image that cannot be decoded is named when read."""

    def __getitem__(self, index: int) -> Any:
        try:
            return super().__getitem__(index)
        except FileNotFoundError:
            raise
        except _DECODE_ERRORS as err:
            path = os.path.join(self.root, self.base_folder, "img_align_celeba", self.filename[index])
            raise CorruptFileError(f"Dataset 'celeba': image {path!r} cannot be read ({type(err).__name__}: {err}); "
                                   "it is truncated or corrupt. Extract img_align_celeba.zip again.", path) from err


_CelebAUnchecked = unchecked(_CelebAReader)


def build_celeba(record: DatasetRecord, root: str, split: str = "all", download: bool = True,
                 check_integrity: IntegrityOption = True, transform: Transform = None) -> Dataset[Any]:
    """CelebA: ``split='all'|'train'|'valid'|'test'``; center crop 178, resize; label 0."""
    required = record.split_files(split)
    size = record.resolution_for()
    folder = os.path.join(root, record.folder)

    def downloader() -> None:
        for file_id, md5, filename in tvd.CelebA.file_list:
            tvd.utils.download_file_from_google_drive(file_id, folder, filename, md5)
        tvd.utils.extract_archive(os.path.join(folder, "img_align_celeba.zip"))

    how_to_get = (f"Download img_align_celeba.zip (extract it there) and the listed txt files from {record.source} "
                  "(Google Drive / Baidu links); download=True needs network access and the gdown package.")
    ensure_files(record.name, folder, required, how_to_get, download, downloader)
    kwargs = dict(split=split, target_type="attr", download=False, target_transform=zero_label,
                  transform=transform or pipeline(transforms.CenterCrop(178), transforms.Resize((size, size))))
    return read_checked(record.name, folder, required, how_to_get, check_integrity,
                        lambda: _CelebAReader(root, **kwargs), lambda: _CelebAUnchecked(root, **kwargs))


# ---------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST (torchvision checks only that files exist: done per split here)


def mnist_builder(tv_cls: Type[tvd.MNIST]) -> Builder:
    """The builder of MNIST (``tv_cls=torchvision.datasets.MNIST``) or Fashion-MNIST."""

    class Reader(tv_cls):
        @property
        def raw_folder(self) -> str:
            return os.path.join(self.root, tv_cls.__name__, "raw")

        def _check_exists(self) -> bool:  # one split's files suffice: checked by ensure_files
            return True

    Reader.__name__ = Reader.__qualname__ = f"_{tv_cls.__name__}Reader"

    def build_mnist(record: DatasetRecord, root: str, split: str = "train", download: bool = True,
                    transform: Transform = None) -> Dataset[Any]:
        """MNIST-format digits: ``split='train'|'test'``; 28 -> 32, grey on 3 channels; label = class."""
        required = record.split_files(split)
        prefix = "train" if split == "train" else "t10k"
        how_to_get = (f"Get {prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz from "
                      f"{record.source} and gunzip them there (or pass download=True with network access).")
        folder = os.path.join(root, record.folder)
        ensure_files(record.name, folder, required, how_to_get, download,
                     downloader=lambda: tv_cls(root, train=(split == "train"), download=True))
        return read_files(record.name, folder, [f for f, _ in required], lambda: Reader(
            root, train=(split == "train"), download=False,
            transform=transform or pipeline(transforms.Resize((32, 32)), to_rgb),
        ), how_to_get, probe=probe_idx)

    return build_mnist


# ---------------------------------------------------------------------------------------
# LSUN and ImageNet (not downloadable)


def build_lsun(record: DatasetRecord, root: str, download: bool = False, transform: Transform = None) -> LMDBImages:
    """LSUN bedroom from ``bedroom_train_lmdb/``: resize the short side to 128, center crop; label 0."""
    try:
        import lmdb  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f"Dataset {record.name!r} reads LMDB files and needs the optional lmdb package: pip install lmdb"
        ) from err
    candidates = [os.path.join(root, "bedroom_train_lmdb"), os.path.join(root, "lsun", "bedroom_train_lmdb")]
    path = next((p for p in candidates if os.path.isfile(os.path.join(p, "data.mdb"))), None)
    if path is None:
        raise DatasetNotFoundError(
            f"Dataset {record.name!r}: LMDB folder bedroom_train_lmdb/ (holding data.mdb) not found "
            f"under {root!r} (looked in {candidates}). LSUN cannot be downloaded automatically: get "
            f"bedroom_train_lmdb.zip with the download script of {record.source} "
            "(http://dl.yf.io/lsun/scenes/) and unzip it into the root directory."
        )
    size = record.resolution_for()
    return LMDBImages(path, transform=transform or pipeline(transforms.Resize(size), transforms.CenterCrop(size)))


def _has_class_folders(folder: str) -> bool:
    """True if ``folder`` has a subdirectory holding image files."""
    for entry in sorted(os.listdir(folder)):
        sub = os.path.join(folder, entry)
        if os.path.isdir(sub):
            for _, _, files in os.walk(sub):
                if any(f.lower().endswith(tvd.folder.IMG_EXTENSIONS) for f in files):
                    return True
    return False


def _image_folder_dataset(name: str, folder: str, transform: Callable[[Image.Image], Any]) -> Any:
    try:
        return tvd.ImageFolder(folder, transform=transform, loader=load_rgb)
    except FileNotFoundError as err:
        raise DatasetNotFoundError(f"Dataset {name!r}: unusable image folder {folder!r}: {err}") from err


def build_imagenet(record: DatasetRecord, root: str, split: str = "train", download: bool = False,
                   transform: Transform = None) -> Any:
    """ImageNet ``split='train'|'val'``: resize the short side, center crop; label = class index."""
    archives = [rel for rel, _ in record.split_files(split)]
    size = record.resolution_for()
    transform = transform or pipeline(transforms.Resize(size), transforms.CenterCrop(size))
    candidates = [os.path.join(root, record.folder), root]
    for base in candidates:
        split_dir = os.path.join(base, split)
        if os.path.isdir(split_dir) and _has_class_folders(split_dir):
            return _image_folder_dataset(record.name, split_dir, transform)
    for base in candidates:
        if all(os.path.isfile(os.path.join(base, a)) for a in archives):
            try:  # torchvision checks the archives' MD5 sums itself
                return tvd.ImageNet(base, split=split, transform=transform)
            except RuntimeError as err:
                raise RuntimeError(f"Dataset {record.name!r}: cannot read the ImageNet archives in {base!r}: "
                                   f"{err}") from err
    raise DatasetNotFoundError(
        f"Dataset {record.name!r}: ImageNet files not found under {root!r}. Expected either the folder "
        f"{os.path.join(candidates[0], split)}/<wnid>/*.JPEG (or {split}/<wnid>/ directly under the "
        f"root), or the archives {' and '.join(archives)} in {candidates[0]!r}. ImageNet cannot be "
        f"downloaded automatically: get it from {record.source} after registering."
    )


# ---------------------------------------------------------------------------------------
# Datasets without files of their own


def fake_data_resolution(image_size: ImageSize) -> int:
    """Resolution of ``fake_data``: 32, or that of ``image_size`` (an int or a square ``(3, H, W)``)."""
    if image_size is None:
        return 32
    if isinstance(image_size, int):
        return image_size
    _, h, w = image_size
    if h != w:
        raise ValueError(f"fake_data images of size {h}x{w} are not square.")
    return int(h)


def _int_size(name: str, image_size: ImageSize, default: Optional[int]) -> int:
    if isinstance(image_size, tuple):
        raise TypeError(f"image_size of {name!r} is an int (the height and width), got {image_size!r}.")
    if image_size is None:
        if default is None:
            raise ValueError(f"The resolution of {name!r} is set by its image_size argument; pass it.")
        return default
    return int(image_size)


def synthetic_resolution(image_size: ImageSize) -> int:
    """Resolution of ``synthetic``: ``image_size`` (an int), default 32."""
    return _int_size("synthetic", image_size, 32)


def image_folder_resolution(image_size: ImageSize) -> int:
    """Resolution of ``image_folder``: ``image_size`` (an int; required)."""
    return _int_size("image_folder", image_size, None)


def build_fake_data(record: DatasetRecord, root: Optional[str], size: int = 1000,
                    image_size: Union[int, Tuple[int, int, int]] = (3, 32, 32), num_classes: int = 10,
                    random_offset: int = 0, download: bool = False, transform: Transform = None) -> Any:
    """torchvision's ``FakeData``: random images; label in ``[0, num_classes)``."""
    if isinstance(image_size, int):
        image_size = (3, image_size, image_size)
    if len(image_size) != 3 or image_size[0] != 3:
        raise ValueError(f"load_dataset({record.name!r}): image_size must be (3, H, W) or an int, got "
                         f"{image_size!r}.")
    return tvd.FakeData(size=size, image_size=tuple(image_size), num_classes=num_classes,
                        random_offset=random_offset, transform=transform or pipeline())


def build_image_folder(record: DatasetRecord, root: str, image_size: Optional[int] = None, center_crop: bool = True,
                       check_files: bool = True, download: bool = False,
                       transform: Transform = None) -> Dataset[Any]:
    """A folder of images, flat (label 0) or in class subfolders (label = sorted folder index)."""
    name = record.name
    if not os.path.isdir(root):
        raise DatasetNotFoundError(
            f"Dataset {name!r}: folder {root!r} not found. Pass the directory holding your images "
            "(directly, or in one subfolder per class); it cannot be downloaded."
        )
    resized = None  # unknown for a transform of the user's
    if transform is None:
        resized = image_size is not None
        if image_size is None:
            transform = pipeline()
        elif center_crop:
            transform = pipeline(transforms.Resize(image_size), transforms.CenterCrop(image_size))
        else:
            transform = pipeline(transforms.Resize((image_size, image_size)))
    if _has_class_folders(root):
        ds = _image_folder_dataset(name, root, transform)
        paths = [path for path, _ in ds.samples]
    else:
        if not list_images(root):
            raise DatasetNotFoundError(
                f"Dataset {name!r}: no image files in {root!r} (extensions "
                f"{', '.join(tvd.folder.IMG_EXTENSIONS)}), neither directly nor in class subfolders."
            )
        ds = FlatImageFolder(root, transform=transform)
        paths = ds.samples
    if check_files:
        check_image_files(paths, same_size=resized is False, label=f"Dataset {name!r}: ",
                          fix=f"Pass image_size=N to load_dataset({name!r}) to resize the shorter side of every "
                              "image to N and center-crop it to N x N (or center_crop=False to resize to N x N).")
    return ds


def build_synthetic(record: DatasetRecord, root: Optional[str], size: int = 10000, image_size: int = 32,
                    seed: int = 0, download: bool = False) -> SyntheticShapes:
    """:class:`~torch_mimicry.datasets.SyntheticShapes`: generated on the fly."""
    return SyntheticShapes(size=size, image_size=image_size, seed=seed)
