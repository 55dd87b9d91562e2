"""File helpers that torch-mimicry 0.1.16 carried for its ImageNet class. They are torchvision's
(``torchvision.datasets.utils``), re-exported here with the same arguments, plus two small ones
torchvision no longer has."""
import os
from typing import Callable, Dict, Optional

from torchvision.datasets.utils import (calculate_md5, check_integrity, check_md5, download_and_extract_archive,
                                        download_file_from_google_drive, download_url, extract_archive,
                                        iterable_to_str, list_dir, list_files, verify_str_arg)

from torch_mimicry.utils.io import StrPath

__all__ = ["gen_bar_updater", "calculate_md5", "check_md5", "check_integrity", "makedir_exist_ok", "download_url",
           "list_dir", "list_files", "download_file_from_google_drive", "extract_archive",
           "download_and_extract_archive", "iterable_to_str", "verify_str_arg"]


def makedir_exist_ok(dirpath: StrPath) -> None:
    """Creates ``dirpath`` (and its parents) unless it exists."""
    os.makedirs(dirpath, exist_ok=True)


def gen_bar_updater() -> Callable[[int, int, Optional[int]], None]:
    """A ``urllib`` report hook ``(count, block_size, total_size)`` printing download progress."""
    state: Dict[str, int] = {"last": -1}

    def bar_update(count: int, block_size: int, total_size: Optional[int]) -> None:
        if total_size and total_size > 0:
            percent = min(100, int(100 * count * block_size / total_size))
            if percent != state["last"]:
                state["last"] = percent
                print(f"\r{percent}%", end="", flush=True)

    return bar_update
