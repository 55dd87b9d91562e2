"""``load_dataset``: the standard GAN datasets with the usual preprocessing.

Every dataset returned yields ``(image, label)`` pairs where ``image`` is a float32
tensor of shape (3, H, W) with values in [-1, 1] (``ToTensor`` followed by
``Normalize(0.5, 0.5)``) and ``label`` is an int (0 for datasets without labels).

File handling follows one rule: the files a dataset needs are looked for first; a
download is attempted only when some are missing, the dataset can be downloaded and
``download=True``; if they are still missing a single ``FileNotFoundError`` names the
dataset, the expected files, the folder searched and where to get them. With
``check_integrity=True`` (default) the files of datasets with published checksums are
then MD5-verified and a mismatch gives a ``UserWarning`` (the files are read, but scores
computed on them are not comparable with published ones); ``check_integrity='strict'``
raises ``RuntimeError`` instead and ``False`` skips the check. The torchvision readers are
used with their own checks disabled (the checks above replace them), so any files in the
real on-disk format are read, and a mismatch is never answered by a silent re-download.
"""
import contextlib
import inspect
import math
import os
import pickle
import socket
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from PIL import Image
from torch.utils.data import Dataset
from torchvision import datasets as tvd
from torchvision import transforms
from torchvision.datasets.utils import check_md5

from torch_mimicry.datasets import original_layout
from torch_mimicry.datasets.folder import _DECODE_ERRORS, FlatImageFolder, LMDBImages, check_image_files, list_images
from torch_mimicry.datasets.folder import load_rgb
from torch_mimicry.datasets.synthetic import SyntheticShapes
from torch_mimicry.utils.errors import CorruptFileError
from torch_mimicry.utils.io import StrPath

__all__ = [
    "DATASET_NAMES", "DEFAULT_DATASET", "DOWNLOAD_TIMEOUT", "load_dataset", "dataset_resolution",
]

#: Names accepted by :func:`load_dataset`.
DATASET_NAMES = (
    "cifar10", "cifar100", "stl10_48", "celeba_64", "celeba_128", "lsun_bedroom_128",
    "imagenet_32", "imagenet_128", "mnist", "fashion_mnist", "fake_data", "image_folder", "synthetic",
)

#: Dataset used when none is named: generated on the fly, needs no files.
DEFAULT_DATASET = "synthetic"

#: Socket timeout in seconds applied while a download is attempted.
DOWNLOAD_TIMEOUT = 20.0

_FIXED_RESOLUTION = {
    "cifar10": 32, "cifar100": 32, "stl10_48": 48, "celeba_64": 64, "celeba_128": 128,
    "lsun_bedroom_128": 128, "imagenet_32": 32, "imagenet_128": 128, "mnist": 32, "fashion_mnist": 32,
}


def dataset_resolution(name: str, image_size: Union[int, Tuple[int, int, int], None] = None) -> int:
    """Height (= width) in pixels of the images ``load_dataset(root, name)`` yields.

    Args:
        name (str): one of :data:`DATASET_NAMES`.
        image_size: only read for the configurable datasets, with the meaning of the
            ``image_size`` argument of that dataset: an int for ``synthetic`` and
            ``image_folder`` (required for the latter), a ``(C, H, W)`` tuple or an int
            for ``fake_data``. ``None`` selects the dataset's default.

    Returns:
        int: the resolution.
    """
    _check_name(name)
    if name in _FIXED_RESOLUTION:
        return _FIXED_RESOLUTION[name]
    if name == "fake_data":
        if image_size is None:
            return 32
        if isinstance(image_size, int):
            return image_size
        _, h, w = image_size
        if h != w:
            raise ValueError(f"fake_data images of size {h}x{w} are not square.")
        return int(h)
    if isinstance(image_size, tuple):
        raise TypeError(f"image_size of {name!r} is an int (the height and width), got {image_size!r}.")
    if name == "synthetic":
        return 32 if image_size is None else int(image_size)
    if image_size is None:
        raise ValueError("The resolution of 'image_folder' is set by its image_size argument; pass it.")
    return int(image_size)


def load_dataset(root: Optional[StrPath], name: str = DEFAULT_DATASET, **kwargs: Any) -> Dataset[Any]:
    """Build dataset ``name`` from the files under ``root``.

    Args:
        root (str or os.PathLike): directory holding (or receiving) the dataset files; for
            ``image_folder`` the image folder itself; ignored by ``synthetic`` and
            ``fake_data`` (may be None).
        name (str): one of :data:`DATASET_NAMES`.
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
            ``convert_tensor``, CIFAR ``split='all'``; see ``datasets.data_utils``), and files
            in its folder layout (``root/cifar10/...``, ``root/stl10/...``, ``root/celeba/...``)
            are found.

    Returns:
        torch.utils.data.Dataset: items ``(image, label)``, image float32 (3, H, W) in
        [-1, 1], label int.

    Raises:
        ValueError: unknown ``name`` or invalid argument value.
        TypeError: argument not accepted by this dataset.
        FileNotFoundError: files missing and not downloadable (or download failed).
        RuntimeError: files present but failing the MD5 check.
        ImportError: ``lsun_bedroom_128`` without the ``lmdb`` package.
        CorruptFileError (a RuntimeError and a ValueError): a file is truncated, corrupt or of
            another format; the message names it and how to get it again.
    """
    _check_name(name)
    if any(k in kwargs for k in ("transform_data", "convert_tensor")) or (
            kwargs.get("split") == "all" and name in ("cifar10", "cifar100")):
        from torch_mimicry.datasets import data_utils  # torch-mimicry 0.1.16's keywords
        return data_utils.load_dataset(root, name, **kwargs)
    builder = _BUILDERS[name]
    params = inspect.signature(builder).parameters
    accepted = [p for p in params if p not in ("root", "name")]
    unknown = sorted(k for k in kwargs if k not in accepted)
    if unknown:
        raise TypeError(
            f"load_dataset({name!r}) got unexpected keyword argument(s) {unknown}; "
            f"accepted: {accepted}."
        )
    if root is None and name not in ("synthetic", "fake_data"):
        raise ValueError(f"load_dataset({name!r}) needs a root directory, got None.")
    if root is not None:
        root = original_layout.find_root(os.path.expanduser(os.fspath(root)), name)
    return builder(root, name, **kwargs)


def _check_name(name: str) -> None:
    if name not in DATASET_NAMES:
        raise ValueError(f"Unknown dataset {name!r}; valid names are: {', '.join(DATASET_NAMES)}.")


def _check_choice(name: str, arg: str, value: object, choices: Sequence[object]) -> None:
    if value not in choices:
        raise ValueError(f"load_dataset({name!r}): {arg} must be one of {list(choices)}, got {value!r}.")


# ---------------------------------------------------------------------------------------
# Preprocessing


def _pipeline(*steps: Callable[[Any], Any]) -> Callable[[Image.Image], Any]:
    """PIL image -> steps -> float32 tensor (3, H, W) in [-1, 1]."""
    return transforms.Compose(
        list(steps) + [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
    )


def _zero_label(_target: object) -> int:
    """Replaces the target of datasets used without labels."""
    return 0


def _to_rgb(image: Image.Image) -> Image.Image:
    """PIL image of any mode -> RGB (grey values repeated on the three channels)."""
    return image.convert("RGB")


def _clip_label(target: int) -> int:
    """STL-10 marks unlabeled images with -1; report them as 0."""
    return max(int(target), 0)


# ---------------------------------------------------------------------------------------
# File checks and downloads


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _ensure_files(name: str, folder: str, required: Sequence[Tuple[str, Optional[str]]], how_to_get: str,
                  download: bool, downloader: Optional[Callable[[], object]],
                  check_integrity: Union[bool, str]) -> None:
    """Make sure ``required`` files exist under ``folder``, downloading them if allowed.

    ``required`` is a list of ``(relative path, md5 or None)``; a path ending in "/" is a
    directory. Raises the single clear ``FileNotFoundError`` or, for MD5 mismatches,
    ``RuntimeError``.
    """

    def missing_files() -> List[str]:
        return [rel for rel, _ in required if not os.path.exists(os.path.join(folder, rel))]

    missing = missing_files()
    failure: Optional[Exception] = None
    if missing and download and downloader is not None:
        try:
            with _socket_timeout(DOWNLOAD_TIMEOUT):
                downloader()
        except Exception as err:  # no network, server error, missing helper package ...
            failure = err
        missing = missing_files()
    if missing:
        if downloader is None:
            note = "This dataset cannot be downloaded automatically."
        elif not download:
            note = "No download was attempted (download=False)."
        elif failure is not None:
            note = f"The download attempt failed: {type(failure).__name__}: {str(failure).rstrip('.')}."
        else:
            note = "The download finished but did not produce these files."
        expected = ", ".join(rel for rel, _ in required)
        absent = "none of them exist" if len(missing) == len(required) else f"missing: {', '.join(missing)}"
        raise FileNotFoundError(
            f"Dataset {name!r}: files not found under {folder!r}. Expected: {expected}; {absent}. "
            f"{note} {how_to_get}"
        ) from failure
    if check_integrity not in (True, False, "strict"):
        raise ValueError(f"check_integrity must be True, False or 'strict', got {check_integrity!r}.")
    if check_integrity:
        bad = [rel for rel, md5 in required if md5 and not check_md5(os.path.join(folder, rel), md5)]
        if bad:
            message = (f"Dataset {name!r}: {', '.join(bad)} under {folder!r} failed the MD5 check "
                       f"(corrupted, modified or not the official files). Scores computed on them are not "
                       f"comparable with published ones. To get the official files, delete these and "
                       f"download them again ({how_to_get}); pass check_integrity=False to skip this check.")
            if check_integrity == "strict":
                raise RuntimeError(message)
            warnings.warn(message, UserWarning, stacklevel=4)


# ---------------------------------------------------------------------------------------
# Reading the files: a truncated or corrupt one is named, with the fix

#: What the torchvision readers raise on a truncated or corrupt file.
_READ_ERRORS = (pickle.UnpicklingError, EOFError, ValueError, RuntimeError, AssertionError, KeyError, IndexError,
                TypeError, AttributeError, UnicodeDecodeError, OSError)


def _probe_pickle(path: str) -> Optional[str]:
    """Why a CIFAR batch file is unusable, or None."""
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="latin1")
    except Exception as err:  # noqa: BLE001  (any failure to unpickle means a bad file)
        return f"{type(err).__name__}: {err}"
    if not isinstance(entry, dict):
        return f"it holds a {type(entry).__name__}, not the dict of a CIFAR batch"
    return None


def _probe_idx(path: str) -> Optional[str]:
    """Why an IDX file (MNIST format) is unusable, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        return f"{len(data)} bytes, shorter than an IDX header"
    magic = int.from_bytes(data[:4], "big")
    if magic >> 8 != 0x08 or not 1 <= magic & 0xFF <= 4:
        return f"magic number {magic:#010x} is not that of an IDX file of bytes (0x0801 / 0x0803)"
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    expected = 4 + 4 * ndim + math.prod(dims)
    if len(data) != expected:
        return f"{len(data)} bytes where its header ({' x '.join(map(str, dims))}) announces {expected}"
    return None


def _probe_stl(path: str) -> Optional[str]:
    """Why an STL-10 binary file is unusable, or None."""
    size = os.path.getsize(path)
    image_bytes = 3 * 96 * 96
    if path.endswith("_X.bin") and (size == 0 or size % image_bytes):
        return f"{size} bytes, not a whole number of 96x96 RGB images ({image_bytes} bytes each)"
    return None


def _read_files(name: str, folder: str, files: Sequence[str], build: Callable[[], Any], how_to_get: str,
                probe: Optional[Callable[[str], Optional[str]]] = None) -> Any:
    """``build()`` the reader of ``files`` (paths relative to ``folder``).

    Raises:
        CorruptFileError: the reader failed, or read no images; names the file found bad by
            ``probe(path) -> reason or None`` (or every file when none is), and the fix.
    """
    fix = f"Delete it and get the dataset again: {how_to_get}"
    try:
        ds = build()
    except _READ_ERRORS as err:
        if isinstance(err, FileNotFoundError):
            raise
        for rel in files:
            path = os.path.join(folder, rel)
            reason = probe(path) if probe is not None and os.path.isfile(path) else None
            if reason is not None:
                raise CorruptFileError(f"Dataset {name!r}: {path!r} is truncated or corrupt ({reason}). {fix}",
                                       path) from err
        raise CorruptFileError(
            f"Dataset {name!r}: the files under {folder!r} cannot be read ({type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else 'no message'}); one of {', '.join(files)} is truncated, "
            f"corrupt or of another format. {fix.replace('Delete it', 'Delete them')}", folder) from err
    if len(ds) == 0:
        raise CorruptFileError(f"Dataset {name!r}: the files under {folder!r} hold no images (one of "
                               f"{', '.join(files)} is truncated or corrupt). "
                               f"{fix.replace('Delete it', 'Delete them')}", folder)
    return ds


# ---------------------------------------------------------------------------------------
# torchvision readers with their file checks replaced by ``_ensure_files``


class _CIFAR10Reader(tvd.CIFAR10):
    """torchvision's CIFAR-10 reader; files were checked by ``load_dataset`` beforehand."""

    meta = dict(tvd.CIFAR10.meta, md5=None)

    def _check_integrity(self) -> bool:
        return True


class _CIFAR100Reader(tvd.CIFAR100):
    """torchvision's CIFAR-100 reader; files were checked by ``load_dataset`` beforehand."""

    meta = dict(tvd.CIFAR100.meta, md5=None)

    def _check_integrity(self) -> bool:
        return True


class _STL10Reader(tvd.STL10):
    """torchvision's STL-10 reader; files were checked by ``load_dataset`` beforehand."""

    def _check_integrity(self) -> bool:
        return True


class _CelebAReader(tvd.CelebA):
    """torchvision's CelebA reader; files were checked by ``load_dataset`` beforehand."""

    def _check_integrity(self) -> bool:
        return True

    def __getitem__(self, index: int) -> Any:
        try:
            return super().__getitem__(index)
        except FileNotFoundError:
            raise
        except _DECODE_ERRORS as err:
            path = os.path.join(self.root, self.base_folder, "img_align_celeba", self.filename[index])
            raise CorruptFileError(f"Dataset 'celeba': image {path!r} cannot be read ({type(err).__name__}: {err}); "
                                   "it is truncated or corrupt. Extract img_align_celeba.zip again.", path) from err


def _idx_reader(tv_cls: Any) -> Any:
    """torchvision's MNIST-format reader ``tv_cls``, reading ``<root>/<tv_cls name>/raw`` (files
    checked by ``load_dataset`` beforehand)."""

    class Reader(tv_cls):
        @property
        def raw_folder(self) -> str:
            return os.path.join(self.root, tv_cls.__name__, "raw")

        def _check_exists(self) -> bool:
            return True

    Reader.__name__ = Reader.__qualname__ = f"_{tv_cls.__name__}Reader"
    return Reader


_MNIST_CLASSES = {"mnist": tvd.MNIST, "fashion_mnist": tvd.FashionMNIST}
_MNIST_READERS = {name: _idx_reader(cls) for name, cls in _MNIST_CLASSES.items()}


# ---------------------------------------------------------------------------------------
# Builders: one per dataset family; their keyword arguments are the accepted kwargs.


def _cifar(root: str, name: str, split: str = "train", download: bool = True, check_integrity: Union[bool, str] = True,
           transform: Optional[Callable[[Image.Image], Any]] = None) -> Any:
    _check_choice(name, "split", split, ("train", "test"))
    tv_cls, reader = (tvd.CIFAR10, _CIFAR10Reader) if name == "cifar10" else (tvd.CIFAR100, _CIFAR100Reader)
    files = tv_cls.train_list if split == "train" else tv_cls.test_list
    required = [(f, md5) for f, md5 in files] + [(tv_cls.meta["filename"], tv_cls.meta["md5"])]
    how_to_get = f"Get {tv_cls.url} and extract it into {root!r} (or pass download=True with network access)."
    folder = os.path.join(root, tv_cls.base_folder)
    _ensure_files(
        name, folder, required, how_to_get=how_to_get,
        download=download,
        downloader=lambda: tvd.utils.download_and_extract_archive(
            tv_cls.url, root, filename=tv_cls.filename, md5=tv_cls.tgz_md5),
        check_integrity=check_integrity,
    )
    return _read_files(name, folder, [f for f, _ in required],
                       lambda: reader(root, train=(split == "train"), transform=transform or _pipeline(),
                                      download=False),
                       how_to_get, probe=_probe_pickle)


def _stl10(root: str, name: str, split: str = "unlabeled", folds: Optional[int] = None, download: bool = True,
           check_integrity: Union[bool, str] = True, transform: Optional[Callable[[Image.Image], Any]] = None) -> Any:
    _check_choice(name, "split", split, tvd.STL10.splits)
    md5 = dict(tvd.STL10.train_list + tvd.STL10.test_list)
    needed = {
        "train": ["train_X.bin", "train_y.bin"],
        "test": ["test_X.bin", "test_y.bin"],
        "unlabeled": ["unlabeled_X.bin"],
        "train+unlabeled": ["train_X.bin", "train_y.bin", "unlabeled_X.bin"],
    }[split]
    required = [(f, md5[f]) for f in needed]
    if folds is not None:
        required.append((tvd.STL10.folds_list_file, None))
    how_to_get = f"Get {tvd.STL10.url} and extract it into {root!r} (or pass download=True with network access)."
    folder = os.path.join(root, tvd.STL10.base_folder)
    _ensure_files(
        name, folder, required, how_to_get=how_to_get,
        download=download,
        downloader=lambda: tvd.utils.download_and_extract_archive(
            tvd.STL10.url, root, filename=tvd.STL10.filename, md5=tvd.STL10.tgz_md5),
        check_integrity=check_integrity,
    )
    return _read_files(name, folder, [f for f, _ in required], lambda: _STL10Reader(
        root, split=split, folds=folds, download=False,
        transform=transform or _pipeline(transforms.Resize((48, 48))), target_transform=_clip_label,
    ), how_to_get, probe=_probe_stl)


def _celeba(root: str, name: str, split: str = "all", download: bool = True, check_integrity: Union[bool, str] = True,
            transform: Optional[Callable[[Image.Image], Any]] = None) -> Any:
    _check_choice(name, "split", split, ("train", "valid", "test", "all"))
    size = _FIXED_RESOLUTION[name]
    folder = os.path.join(root, tvd.CelebA.base_folder)
    required = [("img_align_celeba/", None)] + [
        (filename, md5) for _, md5, filename in tvd.CelebA.file_list if not filename.endswith(".zip")
    ]

    def downloader() -> None:
        for file_id, md5, filename in tvd.CelebA.file_list:
            tvd.utils.download_file_from_google_drive(file_id, folder, filename, md5)
        tvd.utils.extract_archive(os.path.join(folder, "img_align_celeba.zip"))

    how_to_get = ("Download img_align_celeba.zip (extract it there) and the listed txt files from "
                  "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (Google Drive / Baidu links); "
                  "download=True needs network access and the gdown package.")
    _ensure_files(name, folder, required, how_to_get=how_to_get, download=download, downloader=downloader,
                  check_integrity=check_integrity)
    return _read_files(name, folder, [f for f, _ in required if not f.endswith("/")], lambda: _CelebAReader(
        root, split=split, target_type="attr", download=False,
        transform=transform or _pipeline(transforms.CenterCrop(178), transforms.Resize((size, size))),
        target_transform=_zero_label,
    ), how_to_get)


def _lsun(root: str, name: str, download: bool = False,
          transform: Optional[Callable[[Image.Image], Any]] = None) -> LMDBImages:
    try:
        import lmdb  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "Dataset 'lsun_bedroom_128' reads LMDB files and needs the optional lmdb package: "
            "pip install lmdb"
        ) from err
    candidates = [os.path.join(root, "bedroom_train_lmdb"), os.path.join(root, "lsun", "bedroom_train_lmdb")]
    path = next((p for p in candidates if os.path.isfile(os.path.join(p, "data.mdb"))), None)
    if path is None:
        raise FileNotFoundError(
            f"Dataset 'lsun_bedroom_128': LMDB folder bedroom_train_lmdb/ (holding data.mdb) not found "
            f"under {root!r} (looked in {candidates}). LSUN cannot be downloaded automatically: get "
            "bedroom_train_lmdb.zip with the download script of https://github.com/fyu/lsun "
            "(http://dl.yf.io/lsun/scenes/) and unzip it into the root directory."
        )
    return LMDBImages(path, transform=transform or _pipeline(transforms.Resize(128), transforms.CenterCrop(128)))


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
        raise FileNotFoundError(f"Dataset {name!r}: unusable image folder {folder!r}: {err}") from err


def _imagenet(root: str, name: str, split: str = "train", download: bool = False,
              transform: Optional[Callable[[Image.Image], Any]] = None) -> Any:
    _check_choice(name, "split", split, ("train", "val"))
    size = _FIXED_RESOLUTION[name]
    transform = transform or _pipeline(transforms.Resize(size), transforms.CenterCrop(size))
    archives = ["ILSVRC2012_devkit_t12.tar.gz", f"ILSVRC2012_img_{split}.tar"]
    candidates = [os.path.join(root, "imagenet"), root]
    for base in candidates:
        split_dir = os.path.join(base, split)
        if os.path.isdir(split_dir) and _has_class_folders(split_dir):
            return _image_folder_dataset(name, split_dir, transform)
    for base in candidates:
        if all(os.path.isfile(os.path.join(base, a)) for a in archives):
            try:
                return tvd.ImageNet(base, split=split, transform=transform)
            except RuntimeError as err:
                raise RuntimeError(f"Dataset {name!r}: cannot read the ImageNet archives in {base!r}: {err}") from err
    raise FileNotFoundError(
        f"Dataset {name!r}: ImageNet files not found under {root!r}. Expected either the folder "
        f"{os.path.join(candidates[0], split)}/<wnid>/*.JPEG (or {split}/<wnid>/ directly under the "
        f"root), or the archives {' and '.join(archives)} in {candidates[0]!r}. ImageNet cannot be "
        "downloaded automatically: get it from https://image-net.org/download.php after registering."
    )


def _mnist(root: str, name: str, split: str = "train", download: bool = True,
           transform: Optional[Callable[[Image.Image], Any]] = None) -> Any:
    _check_choice(name, "split", split, ("train", "test"))
    tv_cls = _MNIST_CLASSES[name]
    prefix = "train" if split == "train" else "t10k"
    required = [(f"{prefix}-images-idx3-ubyte", None), (f"{prefix}-labels-idx1-ubyte", None)]
    how_to_get = (f"Get {prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz from "
                  f"{tv_cls.mirrors[0]} and gunzip them there (or pass download=True with network access).")
    folder = os.path.join(root, tv_cls.__name__, "raw")
    _ensure_files(
        name, folder, required, how_to_get=how_to_get,
        download=download,
        downloader=lambda: tv_cls(root, train=(split == "train"), download=True),
        check_integrity=False,
    )
    return _read_files(name, folder, [f for f, _ in required], lambda: _MNIST_READERS[name](
        root, train=(split == "train"), download=False,
        transform=transform or _pipeline(transforms.Resize((32, 32)), _to_rgb),
    ), how_to_get, probe=_probe_idx)


def _fake_data(root: Optional[str], name: str, size: int = 1000,
               image_size: Union[int, Tuple[int, int, int]] = (3, 32, 32), num_classes: int = 10,
               random_offset: int = 0, download: bool = False,
               transform: Optional[Callable[[Image.Image], Any]] = None) -> Any:
    if isinstance(image_size, int):
        image_size = (3, image_size, image_size)
    if len(image_size) != 3 or image_size[0] != 3:
        raise ValueError(f"load_dataset('fake_data'): image_size must be (3, H, W) or an int, got {image_size!r}.")
    return tvd.FakeData(
        size=size, image_size=tuple(image_size), num_classes=num_classes,
        random_offset=random_offset, transform=transform or _pipeline(),
    )


def _image_folder(root: str, name: str, image_size: Optional[int] = None, center_crop: bool = True,
                  check_files: bool = True, download: bool = False,
                  transform: Optional[Callable[[Image.Image], Any]] = None) -> Dataset[Any]:
    if not os.path.isdir(root):
        raise FileNotFoundError(
            f"Dataset 'image_folder': folder {root!r} not found. Pass the directory holding your images "
            "(directly, or in one subfolder per class); it cannot be downloaded."
        )
    resized = None  # unknown for a transform of the user's
    if transform is None:
        resized = image_size is not None
        if image_size is None:
            transform = _pipeline()
        elif center_crop:
            transform = _pipeline(transforms.Resize(image_size), transforms.CenterCrop(image_size))
        else:
            transform = _pipeline(transforms.Resize((image_size, image_size)))
    if _has_class_folders(root):
        ds = _image_folder_dataset(name, root, transform)
        paths = [path for path, _ in ds.samples]
    else:
        if not list_images(root):
            raise FileNotFoundError(
                f"Dataset 'image_folder': no image files in {root!r} (extensions "
                f"{', '.join(tvd.folder.IMG_EXTENSIONS)}), neither directly nor in class subfolders."
            )
        ds = FlatImageFolder(root, transform=transform)
        paths = ds.samples
    if check_files:
        check_image_files(paths, same_size=resized is False, label="Dataset 'image_folder': ",
                          fix="Pass image_size=N to load_dataset('image_folder') to resize the shorter side of every "
                              "image to N and center-crop it to N x N (or center_crop=False to resize to N x N).")
    return ds


def _synthetic(root: Optional[str], name: str, size: int = 10000, image_size: int = 32, seed: int = 0,
               download: bool = False) -> SyntheticShapes:
    return SyntheticShapes(size=size, image_size=image_size, seed=seed)


_BUILDERS: Dict[str, Callable[..., Dataset[Any]]] = {
    "cifar10": _cifar, "cifar100": _cifar, "stl10_48": _stl10, "celeba_64": _celeba,
    "celeba_128": _celeba, "lsun_bedroom_128": _lsun, "imagenet_32": _imagenet,
    "imagenet_128": _imagenet, "mnist": _mnist, "fashion_mnist": _mnist, "fake_data": _fake_data,
    "image_folder": _image_folder,
    "synthetic": _synthetic,
}
