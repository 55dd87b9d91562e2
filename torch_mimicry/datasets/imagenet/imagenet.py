"""The ImageNet 2012 dataset class of torch-mimicry 0.1.16 and its folder helpers.

:class:`ImageNet` reads ``<root>/<split>/<wnid>/*.JPEG`` (one folder per class), with the class
names from ``<root>/meta.bin`` when 0.1.16 wrote one. ImageNet can no longer be downloaded with
a token: get the archives from image-net.org; :func:`prepare_train_folder` and
:func:`prepare_val_folder` turn extracted archives into that layout.
"""
import os
import shutil
from typing import Any, Dict, List, NoReturn, Sequence, Tuple

import torch
from torchvision.datasets import ImageFolder

from torch_mimicry.datasets.imagenet.imagenet_utils import verify_str_arg
from torch_mimicry.utils.io import StrPath

__all__ = ["ImageNet", "parse_devkit", "parse_meta", "parse_val_groundtruth", "prepare_train_folder",
           "prepare_val_folder"]

META_FILE = "meta.bin"


class ImageNet(ImageFolder):
    """ImageNet 2012 classification images of ``split`` (``'train'`` or ``'val'``) under ``root``.

    Attributes: ``wnids`` (WordNet ids, sorted), ``wnid_to_idx``, ``classes`` (class names from
    ``meta.bin`` if present, else the WordNet ids), ``class_to_idx``, ``imgs``, ``targets``.
    ``kwargs`` go to ``ImageFolder`` (``transform``, ``target_transform``, ``loader``).

    Raises:
        RuntimeError: ``download=True`` (ImageNet is not downloadable with a token any more).
        FileNotFoundError: no ``<root>/<split>`` folder.
    """

    classes: List[Any]  # WordNet ids, or the tuple of class names of each
    class_to_idx: Dict[str, int]

    def __init__(self, root: StrPath, token: str = "", split: str = "train", download: bool = False,
                 **kwargs: Any) -> None:
        self.root = root = os.path.expanduser(root)
        self.split = verify_str_arg(split, "split", ("train", "val"))
        if download:
            self.download()
        if not os.path.isdir(self.split_folder):
            raise FileNotFoundError(f"No ImageNet folder {self.split_folder!r}: expected <wnid>/ subfolders of JPEG "
                                    "files (get the archives from https://image-net.org and extract them, see "
                                    "prepare_train_folder / prepare_val_folder).")
        super().__init__(self.split_folder, **kwargs)
        self.root = root
        self.wnids = self.classes
        self.wnid_to_idx = self.class_to_idx
        wnid_to_classes = self._load_meta_file()
        if wnid_to_classes:
            self.classes = [wnid_to_classes.get(w, (w,)) for w in self.wnids]
            self.class_to_idx = {name: idx for idx, names in enumerate(self.classes) for name in names}

    def download(self) -> NoReturn:
        """Raises: ImageNet is not downloadable with a token any more (0.1.16 downloaded it)."""
        raise RuntimeError("ImageNet cannot be downloaded automatically: get ILSVRC2012_img_train.tar, "
                           "ILSVRC2012_img_val.tar and ILSVRC2012_devkit_t12.tar.gz from https://image-net.org and "
                           "extract them (see prepare_train_folder and prepare_val_folder).")

    @property
    def meta_file(self) -> str:
        """``<root>/meta.bin``: ``(wnid_to_classes, val_wnids)`` as 0.1.16 saved it."""
        return os.path.join(self.root, META_FILE)

    def _load_meta_file(self) -> Dict[str, Tuple[str, ...]]:
        if not os.path.isfile(self.meta_file):
            return {}
        meta = torch.load(self.meta_file, weights_only=True)
        return meta[0] if isinstance(meta, (tuple, list)) and meta and isinstance(meta[0], dict) else {}

    @property
    def split_folder(self) -> str:
        """``<root>/<split>``."""
        return os.path.join(self.root, self.split)

    def extra_repr(self) -> str:
        """``'Split: <split>'`` for the dataset's ``repr``."""
        return f"Split: {self.split}"


def parse_meta(devkit_root: StrPath, path: str = "data",
               filename: str = "meta.mat") -> Tuple[Dict[int, str], Dict[str, Tuple[str, ...]]]:
    """``(idx_to_wnid, wnid_to_classes)`` from the devkit's ``meta.mat`` (the 1000 leaf classes)."""
    import scipy.io
    meta = scipy.io.loadmat(os.path.join(devkit_root, path, filename), squeeze_me=True)["synsets"]
    leaves = [m for m in meta if int(m[4]) == 0]  # num_children == 0
    idx_to_wnid = {int(m[0]): str(m[1]) for m in leaves}
    wnid_to_classes = {str(m[1]): tuple(c.strip() for c in str(m[2]).split(",")) for m in leaves}
    return idx_to_wnid, wnid_to_classes


def parse_val_groundtruth(devkit_root: StrPath, path: str = "data",
                          filename: str = "ILSVRC2012_validation_ground_truth.txt") -> List[int]:
    """The validation images' class indices (1-based ILSVRC ids), in file order."""
    with open(os.path.join(devkit_root, path, filename)) as f:
        return [int(line) for line in f if line.strip()]


def parse_devkit(root: StrPath) -> Tuple[Dict[str, Tuple[str, ...]], List[str]]:
    """``(wnid_to_classes, val_wnids)`` from an extracted devkit folder ``root``."""
    idx_to_wnid, wnid_to_classes = parse_meta(root)
    val_wnids = [idx_to_wnid[idx] for idx in parse_val_groundtruth(root)]
    return wnid_to_classes, val_wnids


def prepare_train_folder(folder: StrPath) -> None:
    """Extracts every per-class ``<wnid>.tar`` in ``folder`` into ``folder/<wnid>/`` and removes the archive."""
    import tarfile
    for name in sorted(os.listdir(folder)):
        archive = os.path.join(folder, name)
        if name.endswith(".tar") and os.path.isfile(archive):
            target = os.path.join(folder, name[:-len(".tar")])
            os.makedirs(target, exist_ok=True)
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
            os.remove(archive)


def prepare_val_folder(folder: StrPath, wnids: Sequence[str]) -> None:
    """Moves the validation images of ``folder`` (sorted by name) into ``folder/<wnid>/`` folders,
    ``wnids[i]`` being the class of the i-th image."""
    images = sorted(f for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f)))
    if len(images) != len(wnids):
        raise ValueError(f"{len(images)} images in {folder!r} but {len(wnids)} class ids given.")
    for wnid in set(wnids):
        os.makedirs(os.path.join(folder, wnid), exist_ok=True)
    for wnid, image in zip(wnids, images):
        shutil.move(os.path.join(folder, image), os.path.join(folder, wnid, image))
