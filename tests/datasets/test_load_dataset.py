"""Tests for torch_mimicry.datasets.load_dataset on stand-in files in the real on-disk formats.

The stand-in files are tiny, so they cannot match the published MD5 sums: they are read with
``check_integrity=False``, which runs the same torchvision readers on them; the default
``check_integrity=True`` is tested to warn about them and ``'strict'`` to reject them.
"""
import os
import pickle
import socket
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

import torch_mimicry.datasets as mds
from torch_mimicry.datasets import DATASET_NAMES, load_dataset

NO_CHECK = dict(check_integrity=False, download=False)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt fails at once, as on a machine without network."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


# ---------------------------------------------------------------------------------------
# Stand-in files


def cifar_images(n, offset):
    """n CIFAR rows (n, 3072): image k has red = 255, green = 0, blue = (offset + k) % 256."""
    img = np.zeros((n, 3, 32, 32), dtype=np.uint8)
    img[:, 0] = 255
    img[:, 2] = ((offset + np.arange(n)) % 256)[:, None, None]
    return img.reshape(n, 3072)


def make_cifar10(root, n=2):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for b, fname in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        entry = {
            "batch_label": f"batch {b}",
            "labels": [(b + k) % 10 for k in range(n)],
            "data": cifar_images(n, 10 * b),
            "filenames": [f"img_{b}_{k}.png" for k in range(n)],
        }
        with open(folder / fname, "wb") as f:
            pickle.dump(entry, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": [f"class{i}" for i in range(10)], "num_cases_per_batch": n, "num_vis": 3072}, f)


def make_cifar100(root, n=3):
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    for fname, offset in (("train", 0), ("test", 50)):
        entry = {
            "filenames": [f"{fname}_{k}.png" for k in range(n)],
            "batch_label": fname,
            "fine_labels": [offset + k for k in range(n)],
            "coarse_labels": [k % 20 for k in range(n)],
            "data": cifar_images(n, offset),
        }
        with open(folder / fname, "wb") as f:
            pickle.dump(entry, f)
    with open(folder / "meta", "wb") as f:
        pickle.dump({"fine_label_names": [f"f{i}" for i in range(100)],
                     "coarse_label_names": [f"c{i}" for i in range(20)]}, f)


def stl_images(n):
    """n images (n, 3, 96, 96) in (C, H, W): left half (columns < 48) white, right half black."""
    img = np.zeros((n, 3, 96, 96), dtype=np.uint8)
    img[:, :, :, :48] = 255
    return img


def make_stl10(root, n=2):
    folder = root / "stl10_binary"
    folder.mkdir(parents=True)
    # The binary files store each channel column-major, i.e. as (C, W, H).
    for fname in ("train_X.bin", "test_X.bin", "unlabeled_X.bin"):
        stl_images(n).transpose(0, 1, 3, 2).tofile(folder / fname)
    for fname in ("train_y.bin", "test_y.bin"):
        np.arange(1, n + 1, dtype=np.uint8).tofile(folder / fname)  # 1-based labels
    (folder / "class_names.txt").write_text("\n".join(f"c{i}" for i in range(10)) + "\n")


def make_celeba(root):
    folder = root / "celeba"
    images = folder / "img_align_celeba"
    images.mkdir(parents=True)
    names = ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"]
    partition = [0, 1, 1, 2]  # (torchvision cannot select a split holding a single image)
    for k, name in enumerate(names):
        # Real CelebA aligned images are 178 wide and 218 high; the 178 center crop removes
        # 20 rows at the top and bottom, so bands there get another colour (16 rows: whole
        # JPEG blocks, so that compression does not bleed them into the kept rows).
        arr = np.full((218, 178, 3), 255 if k % 2 == 0 else 0, dtype=np.uint8)
        arr[:16] = (255, 0, 0)
        arr[208:] = (0, 0, 255)
        Image.fromarray(arr).save(images / name, quality=100, subsampling=0)
    attrs = ["5_o_Clock_Shadow", "Arched_Eyebrows", "Smiling"]
    (folder / "list_eval_partition.txt").write_text("".join(f"{n} {p}\n" for n, p in zip(names, partition)))
    (folder / "identity_CelebA.txt").write_text("".join(f"{n} {100 + k}\n" for k, n in enumerate(names)))
    (folder / "list_bbox_celeba.txt").write_text(
        "4\nimage_id x_1 y_1 width height\n" + "".join(f"{n}    95  71 226 313\n" for n in names))
    (folder / "list_landmarks_align_celeba.txt").write_text(
        "4\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y "
        "rightmouth_x rightmouth_y\n" + "".join(f"{n}  69 109 106 113  77 142  73 152 108 154\n" for n in names))
    (folder / "list_attr_celeba.txt").write_text(
        "4\n" + " ".join(attrs) + " \n" + "".join(f"{n} -1  1  1\n" for n in names))


def save_image(path, colour, size):
    """Solid-colour RGB image of size (W, H) at path (format from the extension)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


# ---------------------------------------------------------------------------------------
# Names, resolution, argument checking


def test_names_and_default():
    assert isinstance(DATASET_NAMES, tuple) and len(set(DATASET_NAMES)) == len(DATASET_NAMES)
    assert mds.DEFAULT_DATASET == "synthetic" and mds.DEFAULT_DATASET in DATASET_NAMES


def test_dataset_resolution():
    expected = {"cifar10": 32, "cifar100": 32, "stl10_48": 48, "celeba_64": 64, "celeba_128": 128,
                "lsun_bedroom_128": 128, "imagenet_32": 32, "imagenet_128": 128, "fake_data": 32,
                "synthetic": 32, "mnist": 32, "fashion_mnist": 32}
    for name, res in expected.items():
        assert mds.dataset_resolution(name) == res
    assert mds.dataset_resolution("synthetic", image_size=64) == 64
    assert mds.dataset_resolution("fake_data", image_size=(3, 16, 16)) == 16
    assert mds.dataset_resolution("image_folder", image_size=24) == 24
    with pytest.raises(ValueError, match="image_size"):
        mds.dataset_resolution("image_folder")
    with pytest.raises(ValueError, match="cifar10"):
        mds.dataset_resolution("mnist_64")
    with pytest.raises(TypeError, match=r"image_size of 'synthetic' is an int .*\(3, 16, 16\)"):
        mds.dataset_resolution("synthetic", image_size=(3, 16, 16))


def test_unknown_name_lists_valid_names(tmp_path):
    with pytest.raises(ValueError) as info:
        load_dataset(tmp_path, "cifar11")
    for name in DATASET_NAMES:
        assert name in str(info.value)


def test_unknown_kwarg_rejected(tmp_path):
    with pytest.raises(TypeError, match="image_size"):
        load_dataset(tmp_path, "cifar10", image_size=32)
    with pytest.raises(TypeError, match="bogus"):
        load_dataset(None, "synthetic", bogus=1)


def test_bad_split_rejected(tmp_path):
    make_cifar10(tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_dataset(tmp_path, "cifar10", split="val", **NO_CHECK)


# ---------------------------------------------------------------------------------------
# CIFAR


def test_cifar10_train_and_test(tmp_path):
    make_cifar10(tmp_path)
    ds = load_dataset(tmp_path, "cifar10", **NO_CHECK)
    assert len(ds) == 10
    img, label = ds[0]
    assert img.dtype == torch.float32 and img.shape == (3, 32, 32)
    assert torch.all(img[0] == 1.0) and torch.all(img[1] == -1.0) and torch.all(img[2] == -1.0)
    assert isinstance(label, int) and label == 0
    img, label = ds[3]  # data_batch_2, second image: blue = 11
    assert label == 2
    assert torch.allclose(img[2], torch.full((32, 32), 11 / 255 * 2 - 1))
    test = load_dataset(tmp_path, "cifar10", split="test", **NO_CHECK)
    assert len(test) == 2 and test[1][1] == 6


def test_cifar100(tmp_path):
    make_cifar100(tmp_path)
    ds = load_dataset(tmp_path, "cifar100", **NO_CHECK)
    assert len(ds) == 3 and [ds[k][1] for k in range(3)] == [0, 1, 2]
    assert torch.all(ds[0][0][0] == 1.0) and torch.all(ds[0][0][1] == -1.0)
    test = load_dataset(tmp_path, "cifar100", split="test", **NO_CHECK)
    assert [test[k][1] for k in range(3)] == [50, 51, 52]


def test_cifar_md5_mismatch_warns_by_default_and_strict_raises(tmp_path):
    make_cifar10(tmp_path)
    with pytest.warns(UserWarning, match="MD5.*not comparable"):
        ds = load_dataset(tmp_path, "cifar10", download=False)
    assert len(ds) == 10 and ds[0][0].shape == (3, 32, 32)
    with pytest.raises(RuntimeError, match="MD5") as info:
        load_dataset(tmp_path, "cifar10", download=False, check_integrity="strict")
    assert "check_integrity=False" in str(info.value)
    with pytest.raises(ValueError, match="check_integrity must be"):
        load_dataset(tmp_path, "cifar10", download=False, check_integrity="maybe")


def test_cifar_missing_without_download(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "cifar10", download=False)
    msg = str(info.value)
    assert "cifar10" in msg and os.path.join(str(tmp_path), "cifar-10-batches-py") in msg
    assert "data_batch_1" in msg and "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in msg
    assert "download=False" in msg


def test_cifar_missing_download_fails_fast_offline(tmp_path):
    start = time.monotonic()
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "cifar100")  # download=True by default
    assert time.monotonic() - start < 5
    msg = str(info.value)
    assert "cifar-100-python" in msg and "download attempt failed" in msg
    assert info.value.__cause__ is not None  # the original error is chained, not printed in full


def test_cifar_partial_files_named(tmp_path):
    make_cifar10(tmp_path)
    os.remove(tmp_path / "cifar-10-batches-py" / "data_batch_3")
    with pytest.raises(FileNotFoundError, match="missing: data_batch_3"):
        load_dataset(tmp_path, "cifar10", **NO_CHECK)
    # The test split does not need the training batches.
    assert len(load_dataset(tmp_path, "cifar10", split="test", **NO_CHECK)) == 2


# ---------------------------------------------------------------------------------------
# STL-10


def test_stl10_unlabeled_resized(tmp_path):
    make_stl10(tmp_path)
    ds = load_dataset(tmp_path, "stl10_48", **NO_CHECK)
    assert len(ds) == 2
    img, label = ds[1]
    assert img.shape == (3, 48, 48) and img.dtype == torch.float32
    assert label == 0  # unlabeled split
    assert torch.all(img[:, :, :20] == 1.0) and torch.all(img[:, :, 28:] == -1.0)


def test_stl10_train_labels(tmp_path):
    make_stl10(tmp_path)
    ds = load_dataset(tmp_path, "stl10_48", split="train", **NO_CHECK)
    assert [ds[k][1] for k in range(2)] == [0, 1]


def test_stl10_missing(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "stl10_48", download=False)
    assert "unlabeled_X.bin" in str(info.value) and "stl10_binary" in str(info.value)


# ---------------------------------------------------------------------------------------
# CelebA


@pytest.mark.parametrize("name, size", [("celeba_64", 64), ("celeba_128", 128)])
def test_celeba(tmp_path, name, size):
    make_celeba(tmp_path)
    ds = load_dataset(tmp_path, name, **NO_CHECK)
    assert len(ds) == 4
    white, label = ds[0]
    black, _ = ds[1]
    assert white.shape == (3, size, size) and label == 0 and isinstance(label, int)
    # The coloured bands are cropped away; JPEG keeps solid white / black within 1 level.
    assert torch.allclose(white, torch.ones_like(white), atol=2 / 255)
    assert torch.allclose(black, -torch.ones_like(black), atol=2 / 255)
    assert len(load_dataset(tmp_path, name, split="valid", **NO_CHECK)) == 2


def test_celeba_missing(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "celeba_64")  # download attempted, fails offline
    msg = str(info.value)
    assert os.path.join(str(tmp_path), "celeba") in msg and "img_align_celeba" in msg
    assert "list_attr_celeba.txt" in msg and "mmlab.ie.cuhk.edu.hk" in msg


# ---------------------------------------------------------------------------------------
# ImageNet, image folders, LSUN


def make_imagenet(root):
    base = root / "imagenet" / "train"
    save_image(base / "n01440764" / "a.JPEG", (255, 255, 255), (60, 40))
    save_image(base / "n01440764" / "b.JPEG", (255, 255, 255), (40, 60))
    save_image(base / "n01443537" / "c.JPEG", (0, 0, 0), (50, 50))


@pytest.mark.parametrize("name, size", [("imagenet_32", 32), ("imagenet_128", 128)])
def test_imagenet_folder(tmp_path, name, size):
    make_imagenet(tmp_path)
    ds = load_dataset(tmp_path, name)
    assert len(ds) == 3 and [ds[k][1] for k in range(3)] == [0, 0, 1]
    for k in range(3):
        assert ds[k][0].shape == (3, size, size)
    assert torch.allclose(ds[0][0], torch.ones(3, size, size), atol=2 / 255)
    assert torch.allclose(ds[2][0], -torch.ones(3, size, size), atol=2 / 255)


def test_imagenet_missing(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "imagenet_32", download=True)
    msg = str(info.value)
    assert os.path.join(str(tmp_path), "imagenet", "train") in msg
    assert "ILSVRC2012_devkit_t12.tar.gz" in msg and "image-net.org" in msg


def test_image_folder_flat(tmp_path):
    save_image(tmp_path / "imgs" / "a.png", (255, 0, 255), (20, 10))
    save_image(tmp_path / "imgs" / "b.png", (0, 255, 0), (10, 20))
    (tmp_path / "imgs" / "notes.txt").write_text("not an image")
    ds = load_dataset(tmp_path / "imgs", "image_folder", image_size=8)
    assert len(ds) == 2
    img, label = ds[0]
    assert img.shape == (3, 8, 8) and label == 0
    assert torch.all(img[0] == 1) and torch.all(img[1] == -1) and torch.all(img[2] == 1)
    with pytest.raises(ValueError, match=r"a\.png' is 20x10 and .*b\.png' is 10x20.*image_size=N"):
        load_dataset(tmp_path / "imgs", "image_folder")  # sizes differ: batches could not be formed
    unresized = load_dataset(tmp_path / "imgs", "image_folder", check_files=False)
    assert unresized[1][0].shape == (3, 20, 10)
    squashed = load_dataset(tmp_path / "imgs", "image_folder", image_size=6, center_crop=False)
    assert squashed[1][0].shape == (3, 6, 6)


def test_image_folder_classes(tmp_path):
    save_image(tmp_path / "cats" / "1.png", (0, 0, 0), (16, 16))
    save_image(tmp_path / "dogs" / "2.png", (255, 255, 255), (16, 16))
    ds = load_dataset(tmp_path, "image_folder", image_size=16)
    assert [ds[k][1] for k in range(2)] == [0, 1]
    assert torch.all(ds[1][0] == 1.0) and torch.all(ds[0][0] == -1.0)


def test_image_folder_missing_or_empty(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_dataset(tmp_path / "nowhere", "image_folder")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no image files"):
        load_dataset(tmp_path / "empty", "image_folder")


def test_lsun_without_lmdb(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "lmdb", None)  # makes `import lmdb` fail
    with pytest.raises(ImportError, match="pip install lmdb"):
        load_dataset(tmp_path, "lsun_bedroom_128")


def test_lsun_missing(tmp_path):
    pytest.importorskip("lmdb")
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "lsun_bedroom_128")
    assert "bedroom_train_lmdb" in str(info.value) and str(tmp_path) in str(info.value)
    assert "github.com/fyu/lsun" in str(info.value)


def test_lsun_lmdb(tmp_path):
    lmdb = pytest.importorskip("lmdb")
    import io

    path = tmp_path / "bedroom_train_lmdb"
    env = lmdb.open(str(path), map_size=1 << 24)
    with env.begin(write=True) as txn:
        for k, (colour, size) in enumerate([((255, 255, 255), (200, 150)), ((0, 0, 0), (150, 200))]):
            buf = io.BytesIO()
            Image.new("RGB", size, colour).save(buf, format="WEBP", lossless=True)
            txn.put(f"key{k}".encode(), buf.getvalue())
    env.close()
    ds = load_dataset(tmp_path, "lsun_bedroom_128")
    assert len(ds) == 2
    img, label = ds[0]
    assert img.shape == (3, 128, 128) and label == 0 and torch.all(img == 1.0)
    restored = pickle.loads(pickle.dumps(ds))  # as sent to DataLoader workers
    assert torch.all(restored[1][0] == -1.0)
    assert not any(p.startswith("_cache_") for p in os.listdir("."))


# ---------------------------------------------------------------------------------------
# Fake and synthetic data


def test_fake_data():
    ds = load_dataset(None, "fake_data", size=5, num_classes=3)
    assert len(ds) == 5
    img, label = ds[2]
    assert img.shape == (3, 32, 32) and img.dtype == torch.float32
    assert img.min() >= -1 and img.max() <= 1 and isinstance(label, int) and 0 <= label < 3
    assert torch.equal(img, ds[2][0])
    assert load_dataset(None, "fake_data", size=1, image_size=(3, 8, 8))[0][0].shape == (3, 8, 8)


def test_synthetic_shape_range_and_labels():
    ds = load_dataset(None, "synthetic")
    assert len(ds) == 10000
    for k in range(8):
        img, label = ds[k]
        assert img.shape == (3, 32, 32) and img.dtype == torch.float32
        assert img.min() >= -1 and img.max() <= 1
        assert label == k % 4 and isinstance(label, int)
    assert ds[0][0].std() > 0.05  # not a flat image
    big = load_dataset(None, "synthetic", size=3, image_size=64)
    assert len(big) == 3 and big[2][0].shape == (3, 64, 64)
    with pytest.raises(IndexError):
        big[3]


def test_synthetic_determinism():
    a = load_dataset(None, "synthetic", seed=3)
    b = load_dataset("/does/not/matter", "synthetic", seed=3)
    torch.manual_seed(0)
    first = a[17][0]
    _ = [a[k] for k in range(5)]  # access order and global RNG state do not matter
    torch.manual_seed(123)
    assert torch.equal(first, a[17][0]) and torch.equal(first, b[17][0])
    assert not torch.equal(first, load_dataset(None, "synthetic", seed=4)[17][0])
    assert not torch.equal(a[17][0], a[21][0])  # same label, different image
    state = torch.get_rng_state()
    a[0]
    assert torch.equal(state, torch.get_rng_state())


def test_synthetic_lazy_and_batched():
    start = time.monotonic()
    ds = load_dataset(None, "synthetic", size=10 ** 9)
    assert time.monotonic() - start < 0.5 and len(ds) == 10 ** 9
    assert ds[10 ** 9 - 1][0].shape == (3, 32, 32)
    images, labels = next(iter(torch.utils.data.DataLoader(ds, batch_size=8)))
    assert images.shape == (8, 3, 32, 32) and labels.tolist() == [0, 1, 2, 3] * 2


def test_synthetic_bad_arguments():
    for kwargs in ({"size": 0}, {"image_size": 2}, {"seed": -1}, {"size": 1.5}):
        with pytest.raises(ValueError):
            load_dataset(None, "synthetic", **kwargs)


def test_root_required_for_file_datasets():
    with pytest.raises(ValueError, match="root"):
        load_dataset(None, "cifar10")


# ---------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST: IDX files (big-endian magic, dims, uint8 data), uncompressed in raw/


def make_idx(root, folder, prefix, images, labels):
    raw = os.path.join(root, folder, "raw")
    os.makedirs(raw, exist_ok=True)
    n, h, w = images.shape
    with open(os.path.join(raw, f"{prefix}-images-idx3-ubyte"), "wb") as f:
        f.write(np.array([0x0803, n, h, w], dtype=">i4").tobytes() + images.astype(np.uint8).tobytes())
    with open(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"), "wb") as f:
        f.write(np.array([0x0801, n], dtype=">i4").tobytes() + labels.astype(np.uint8).tobytes())


@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
@pytest.mark.parametrize("split,prefix", [("train", "train"), ("test", "t10k")])
def test_mnist_formats_as_rgb_32(tmp_path, name, folder, split, prefix):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[0] = 255  # white
    images[1, :, :14] = 255  # left half white
    make_idx(tmp_path, folder, prefix, images, np.array([7, 2, 9]))
    ds = load_dataset(tmp_path, name, split=split, download=False)
    assert len(ds) == 3
    x, y = ds[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and y == 7
    assert torch.allclose(x, torch.ones_like(x))
    x, y = ds[1]
    assert y == 2 and torch.equal(x[0], x[1]) and torch.equal(x[1], x[2])  # grey on 3 channels
    assert x[:, :, :14].min() > 0.9 and x[:, :, 18:].max() < -0.9
    x, _ = ds[2]
    assert torch.allclose(x, -torch.ones_like(x))


def test_mnist_missing_names_files_and_source(tmp_path):
    start = time.monotonic()
    with pytest.raises(FileNotFoundError) as info:
        load_dataset(tmp_path, "fashion_mnist", split="test")  # download=True, network refused
    assert time.monotonic() - start < 10
    msg = str(info.value)
    assert os.path.join(str(tmp_path), "FashionMNIST", "raw") in msg
    assert "t10k-images-idx3-ubyte" in msg and "t10k-labels-idx1-ubyte" in msg and "http" in msg
