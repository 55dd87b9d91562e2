"""Datasets over plain files: a flat folder of images and an LMDB of encoded images."""
import io
import os

from PIL import Image
from torch.utils.data import Dataset
from torchvision.datasets.folder import IMG_EXTENSIONS


def list_images(folder):
    """Sorted paths of the image files directly inside ``folder`` (not recursive)."""
    names = sorted(os.listdir(folder))
    return [
        os.path.join(folder, n) for n in names
        if n.lower().endswith(IMG_EXTENSIONS) and os.path.isfile(os.path.join(folder, n))
    ]


class FlatImageFolder(Dataset):
    """Every image file directly inside one folder, all with label 0.

    Args:
        folder (str): directory holding the images (extensions as torchvision's
            ``IMG_EXTENSIONS``); files are taken in sorted name order.
        transform (callable, optional): applied to the RGB PIL image.

    Items are ``(transform(image), 0)``.
    """

    def __init__(self, folder, transform=None):
        self.root = folder
        self.transform = transform
        self.samples = list_images(folder)
        if not self.samples:
            raise FileNotFoundError(f"No image files found in {folder!r}.")

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        with Image.open(self.samples[index]) as img:
            img = img.convert("RGB")
        if self.transform is not None:
            img = self.transform(img)
        return img, 0


_LMDB_ENVS = {}


def _open_lmdb(path):
    """Read-only, lock-free LMDB environment for ``path``, opened once per path.

    lmdb refuses to open one environment twice in a process (forked children included),
    so it is cached; forked DataLoader workers read through the inherited environment, as
    with ``torchvision.datasets.LSUN``, and spawned workers open their own.
    """
    import lmdb

    key = path
    if key not in _LMDB_ENVS:
        _LMDB_ENVS[key] = lmdb.open(path, readonly=True, lock=False, readahead=False, meminit=False)
    return _LMDB_ENVS[key]


class LMDBImages(Dataset):
    """Encoded images stored as the values of an LMDB database (the LSUN format), label 0.

    Reads the same ``<category>_<split>_lmdb`` folders as ``torchvision.datasets.LSUN``
    but keeps its key list in memory instead of writing a cache file to the working
    directory, and opens the database once per process so it works in DataLoader workers.

    Args:
        path (str): the LMDB directory (holding ``data.mdb``).
        transform (callable, optional): applied to the RGB PIL image.

    Items are ``(transform(image), 0)``. Requires the optional ``lmdb`` package.
    """

    def __init__(self, path, transform=None):
        self.root = os.path.abspath(path)
        self.transform = transform
        with _open_lmdb(self.root).begin(write=False) as txn:
            self.keys = list(txn.cursor().iternext(keys=True, values=False))

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, index):
        with _open_lmdb(self.root).begin(write=False) as txn:
            buf = txn.get(self.keys[index])
        with Image.open(io.BytesIO(buf)) as img:
            img = img.convert("RGB")
        if self.transform is not None:
            img = self.transform(img)
        return img, 0
