"""Where torch-mimicry 0.1.16 kept dataset files: one folder per dataset under ``root``
(``root/cifar10/cifar-10-batches-py``, ``root/stl10/stl10_binary``, ...), where this library reads
them directly under ``root``. :func:`find_root` lets ``load_dataset`` use files already in the
old layout instead of downloading them again."""
import os
from typing import Dict, Optional, Tuple

__all__ = ["ORIGINAL_FOLDERS", "find_root"]

#: dataset name -> (0.1.16's folder under root, a path inside it that holds the files)
ORIGINAL_FOLDERS: Dict[str, Tuple[str, str]] = {
    "cifar10": ("cifar10", "cifar-10-batches-py"),
    "cifar100": ("cifar100", "cifar-100-python"),
    "stl10_48": ("stl10", "stl10_binary"),
    "celeba_64": ("celeba", os.path.join("celeba", "img_align_celeba")),
    "celeba_128": ("celeba", os.path.join("celeba", "img_align_celeba")),
}


def find_root(root: Optional[str], name: str) -> Optional[str]:
    """``root``, or ``root/<0.1.16 folder>`` when the files are there and not directly under ``root``."""
    entry = ORIGINAL_FOLDERS.get(name)
    if root is None or entry is None:
        return root
    folder, marker = entry
    if os.path.exists(os.path.join(root, marker)):
        return root
    old = os.path.join(root, folder)
    return old if os.path.exists(os.path.join(old, marker)) else root
