"""The ImageNet dataset class and helpers of torch-mimicry 0.1.16 (``torch_mimicry.datasets.imagenet``).
``load_dataset(root, 'imagenet_32' | 'imagenet_128')`` is the way to load ImageNet for training."""
from torch_mimicry.datasets.imagenet import imagenet, imagenet_utils
from torch_mimicry.datasets.imagenet.imagenet import (ImageNet, parse_devkit, parse_meta, parse_val_groundtruth,
                                                      prepare_train_folder, prepare_val_folder)
from torch_mimicry.datasets.imagenet.imagenet_utils import (check_integrity, download_and_extract_archive,
                                                            extract_archive, verify_str_arg)

__all__ = ["ImageNet", "parse_devkit", "parse_meta", "parse_val_groundtruth", "prepare_train_folder",
           "prepare_val_folder", "check_integrity", "download_and_extract_archive", "extract_archive",
           "verify_str_arg", "imagenet", "imagenet_utils"]
