"""The built-in datasets: one :class:`~torch_mimicry.datasets.registry.DatasetRecord` each,
registered here (the files and checksums come from torchvision's own tables)."""
import os
from typing import Dict, Optional, Tuple

from torchvision import datasets as tvd

from torch_mimicry.datasets import builders, digits
from torch_mimicry.datasets.registry import DatasetRecord, dataset_names, register_dataset

__all__ = ["BUILTIN_NAMES"]

_Files = Dict[str, Tuple[Tuple[str, Optional[str]], ...]]


def _cifar_files(tv_cls: type) -> _Files:
    meta = ((tv_cls.meta["filename"], tv_cls.meta["md5"]),)  # type: ignore[attr-defined]
    return {"train": tuple((f, md5) for f, md5 in tv_cls.train_list) + meta,  # type: ignore[attr-defined]
            "test": tuple((f, md5) for f, md5 in tv_cls.test_list) + meta}  # type: ignore[attr-defined]


def _stl10_files() -> _Files:
    md5 = dict(tvd.STL10.train_list + tvd.STL10.test_list)
    needed = {"train": ("train_X.bin", "train_y.bin"), "test": ("test_X.bin", "test_y.bin"),
              "unlabeled": ("unlabeled_X.bin",), "train+unlabeled": ("train_X.bin", "train_y.bin", "unlabeled_X.bin")}
    return {split: tuple((f, md5[f]) for f in files) for split, files in needed.items()}


def _celeba_files() -> _Files:
    files = (("img_align_celeba/", None),) + tuple(
        (filename, md5) for _, md5, filename in tvd.CelebA.file_list if not filename.endswith(".zip"))
    return {split: files for split in ("all", "train", "valid", "test")}


def _imagenet_files() -> _Files:
    meta = tvd.imagenet.ARCHIVE_META
    return {split: (meta["devkit"], meta[split]) for split in ("train", "val")}


def _mnist_files() -> _Files:
    return {split: ((f"{prefix}-images-idx3-ubyte", None), (f"{prefix}-labels-idx1-ubyte", None))
            for split, prefix in (("train", "train"), ("test", "t10k"))}


for _tv_cls, _name, _classes in ((tvd.CIFAR10, "cifar10", 10), (tvd.CIFAR100, "cifar100", 100)):
    register_dataset(DatasetRecord(
        name=_name, builder=builders.cifar_builder(_tv_cls), resolution=32, num_classes=_classes,
        labels=f"class index 0-{_classes - 1}", source=_tv_cls.url, folder=_tv_cls.base_folder,
        files=_cifar_files(_tv_cls), downloadable=True))

register_dataset(DatasetRecord(
    name="stl10_48", builder=builders.build_stl10, resolution=48, num_classes=10,
    labels="class index 0-9 (0 for the unlabeled images)", source=tvd.STL10.url, folder=tvd.STL10.base_folder,
    files=_stl10_files(), downloadable=True, preprocessing="resize 96x96 to 48x48 (bilinear, antialiased)"))

for _size in (64, 128):
    register_dataset(DatasetRecord(
        name=f"celeba_{_size}", builder=builders.build_celeba, resolution=_size, labels="0 (no labels)",
        source="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html", folder=tvd.CelebA.base_folder,
        files=_celeba_files(), downloadable=True,
        preprocessing=f"center crop 178x178, resize to {_size}x{_size} (bilinear, antialiased)",
        license="non-commercial research purposes only (CelebA agreement)"))

register_dataset(DatasetRecord(
    name="lsun_bedroom_128", builder=builders.build_lsun, resolution=128, source="https://github.com/fyu/lsun",
    preprocessing="resize the short side to 128 (bilinear, antialiased), center crop 128x128"))

for _size in (32, 128):
    register_dataset(DatasetRecord(
        name=f"imagenet_{_size}", builder=builders.build_imagenet, resolution=_size, num_classes=1000,
        labels="class index (sorted WordNet ids)", source="https://image-net.org/download.php", folder="imagenet",
        files=_imagenet_files(),
        preprocessing=f"resize the short side to {_size} (bilinear, antialiased), center crop {_size}x{_size}",
        license="non-commercial research and educational use (ImageNet terms of access)"))

for _tv_mnist, _name in ((tvd.MNIST, "mnist"), (tvd.FashionMNIST, "fashion_mnist")):
    register_dataset(DatasetRecord(
        name=_name, builder=builders.mnist_builder(_tv_mnist), resolution=32, num_classes=10,
        labels="class index 0-9", source=_tv_mnist.mirrors[0], folder=os.path.join(_tv_mnist.__name__, "raw"),
        files=_mnist_files(), downloadable=True,
        preprocessing="resize 28x28 to 32x32 (bilinear, antialiased), grey repeated on 3 channels",
        license="MIT" if _name == "fashion_mnist" else ""))

register_dataset(DatasetRecord(
    name="fake_data", builder=builders.build_fake_data, resolution=builders.fake_data_resolution, num_classes=10,
    labels="random in [0, num_classes)", source="torchvision.datasets.FakeData", needs_root=False))

register_dataset(DatasetRecord(
    name="image_folder", builder=builders.build_image_folder, resolution=builders.image_folder_resolution,
    labels="index of the class subfolder (sorted), 0 for a flat folder", source="your own images",
    preprocessing="with image_size=N: resize the short side to N, center crop N x N"))

register_dataset(DatasetRecord(
    name="synthetic", builder=builders.build_synthetic, resolution=builders.synthetic_resolution, num_classes=4,
    labels="shape index 0-3 (disc, square, ring, cross) = index % 4", source="generated on the fly",
    needs_root=False, license="MIT (part of this library)"))

register_dataset(DatasetRecord(
    name="digits", builder=digits.build_digits, resolution=32, num_classes=10, labels="the digit, 0-9",
    source=digits.DIGITS_SOURCE, files={split: () for split in digits.DIGITS_SPLITS}, needs_root=False,
    preprocessing=digits.DIGITS_PREPROCESSING, license=digits.DIGITS_LICENSE))

register_dataset(DatasetRecord(
    name="digits_subset", builder=digits.build_digits_subset, resolution=32, num_classes=10,
    labels="the digit, 0-9", source=digits.DIGITS_SOURCE, needs_root=False,
    preprocessing=(f"{digits.DIGITS_PREPROCESSING}; {digits.DIGITS_SUBSET_PER_CLASS} images per class drawn by "
                   f"np.random.RandomState({digits.DIGITS_SUBSET_SEED}) (class by class, 0..9)"),
    license=digits.DIGITS_LICENSE))

#: The names registered by this module, in order.
BUILTIN_NAMES: Tuple[str, ...] = dataset_names()
