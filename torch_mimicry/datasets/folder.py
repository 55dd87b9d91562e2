"""Datasets over plain files: a flat folder of images and an LMDB of encoded images.

An image that cannot be decoded is reported by name (:class:`CorruptFileError`), whether it
is found when a dataset is built (:func:`check_image_files`) or when an item is read.
"""
import io
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from PIL import Image
from torch.utils.data import Dataset
from torchvision.datasets.folder import IMG_EXTENSIONS

from torch_mimicry.utils.errors import CorruptFileError
from torch_mimicry.utils.io import StrPath

#: A transform of the RGB PIL image (the item's image is what it returns).
ImageTransform = Callable[[Image.Image], Any]

#: What PIL raises for a file it cannot decode (truncated, corrupt, not an image).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def load_rgb(path: StrPath) -> Image.Image:
    """The image file at ``path`` as an RGB PIL image.

    Raises:
        CorruptFileError: the file is truncated, corrupt or not an image (named in the message).
    """
    try:
        with Image.open(path) as img:
            return img.convert("RGB")
    except FileNotFoundError:
        raise
    except _DECODE_ERRORS as err:
        raise CorruptFileError(f"Image file {path!r} cannot be read ({type(err).__name__}: {err}); it is truncated, "
                               "corrupt or not an image. Replace or delete it.", os.fspath(path)) from err


def check_image_files(paths: Iterable[str], same_size: bool = False, fix: str = "",
                      label: str = "") -> Set[Tuple[int, int]]:
    """Opens the header of every image file (fast: the pixels are not decoded).

    Args:
        paths (list of str): image files.
        same_size (bool): require one size for all (they are batched without a resize).
        fix (str): how to make sizes equal, appended to the size error.
        label (str): put before the messages (e.g. ``"Dataset 'image_folder': "``).

    Returns:
        set: the ``(width, height)`` sizes found.

    Raises:
        CorruptFileError: a file is not a readable image (named).
        ValueError: ``same_size`` and two files differ in size (both named, with their sizes).
    """
    sizes: Set[Tuple[int, int]] = set()
    first: Dict[Tuple[int, int], str] = {}
    for path in paths:
        try:
            with Image.open(path) as img:
                size = img.size
        except _DECODE_ERRORS as err:
            raise CorruptFileError(f"{label}image file {path!r} cannot be read ({type(err).__name__}: {err}); it is "
                                   "truncated, corrupt or not an image. Replace or delete it.", path) from err
        if same_size and sizes and size not in sizes:
            other = next(iter(sizes))
            raise ValueError(f"{label}Images of different sizes cannot be batched: {first[other]!r} is "
                             f"{other[0]}x{other[1]} and {path!r} is {size[0]}x{size[1]} (width x height). "
                             f"{fix}".rstrip())
        first.setdefault(size, path)
        sizes.add(size)
    return sizes


def list_images(folder: StrPath) -> List[str]:
    """Sorted paths of the image files directly inside ``folder`` (not recursive)."""
    names = sorted(os.listdir(folder))
    return [
        os.path.join(folder, n) for n in names
        if n.lower().endswith(IMG_EXTENSIONS) and os.path.isfile(os.path.join(folder, n))
    ]


class FlatImageFolder(Dataset[Tuple[Any, int]]):
    """Every image file directly inside one folder, all with label 0.

    Args:
        folder (str): directory holding the images (extensions as torchvision's
            ``IMG_EXTENSIONS``); files are taken in sorted name order.
        transform (callable, optional): applied to the RGB PIL image.

    Items are ``(transform(image), 0)``.
    """

    def __init__(self, folder: StrPath, transform: Optional[ImageTransform] = None) -> None:
        self.root = folder
        self.transform = transform
        self.samples = list_images(folder)
        if not self.samples:
            raise FileNotFoundError(f"No image files found in {folder!r}.")

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Tuple[Any, int]:
        img: Any = load_rgb(self.samples[index])
        if self.transform is not None:
            img = self.transform(img)
        return img, 0


_LMDB_ENVS: Dict[str, Any] = {}  # lmdb.Environment objects


def _open_lmdb(path: str) -> Any:
    """Read-only, lock-free LMDB environment for ``path``, opened once per path.

    lmdb refuses to open one environment twice in a process (forked children included),
    so it is cached; forked DataLoader workers read through the inherited environment, as
    with ``torchvision.datasets.LSUN``, and spawned workers open their own.
    """
    import lmdb

    key = path
    if key not in _LMDB_ENVS:
        try:
            _LMDB_ENVS[key] = lmdb.open(path, readonly=True, lock=False, readahead=False, meminit=False)
        except lmdb.Error as err:
            raise CorruptFileError(f"LMDB database {os.path.join(path, 'data.mdb')!r} cannot be opened ({err}); it is "
                                   "truncated or corrupt. Delete the folder and unzip the archive again.",
                                   path) from err
    return _LMDB_ENVS[key]


class LMDBImages(Dataset[Tuple[Any, int]]):
    """Encoded images stored as the values of an LMDB database (the LSUN format), label 0.

    Reads the same ``<category>_<split>_lmdb`` folders as ``torchvision.datasets.LSUN``
    but keeps its key list in memory instead of writing a cache file to the working
    directory, and opens the database once per process so it works in DataLoader workers.

    Args:
        path (str): the LMDB directory (holding ``data.mdb``).
        transform (callable, optional): applied to the RGB PIL image.

    Items are ``(transform(image), 0)``. Requires the optional ``lmdb`` package.
    """

    def __init__(self, path: StrPath, transform: Optional[ImageTransform] = None) -> None:
        self.root = os.path.abspath(path)
        self.transform = transform
        with _open_lmdb(self.root).begin(write=False) as txn:
            self.keys: List[bytes] = list(txn.cursor().iternext(keys=True, values=False))

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> Tuple[Any, int]:
        with _open_lmdb(self.root).begin(write=False) as txn:
            buf = txn.get(self.keys[index])
        try:
            with Image.open(io.BytesIO(buf)) as img:
                img = img.convert("RGB")
        except _DECODE_ERRORS as err:
            raise CorruptFileError(f"The image under key {self.keys[index]!r} of the LMDB database {self.root!r} "
                                   f"cannot be decoded ({type(err).__name__}: {err}); the database is corrupt. "
                                   "Delete the folder and unzip the archive again.", self.root) from err
        if self.transform is not None:
            img = self.transform(img)
        return img, 0
