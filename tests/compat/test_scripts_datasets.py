"""Research code written for torch-mimicry 0.1.16, run unchanged: datasets, on stand-in CIFAR-10
files kept in 0.1.16's folder layout (``<root>/cifar10/cifar-10-batches-py``)."""
import os
import socket
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import torch_mimicry as mmc
from torch_mimicry.datasets import data_utils, image_loader

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets"))
from test_load_dataset import cifar_images, make_cifar10  # noqa: E402

N = 2  # images per CIFAR batch file: 5 training files, 1 test file


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def root(tmp_path):
    make_cifar10(tmp_path / "cifar10", n=N)  # where 0.1.16 downloaded CIFAR-10
    return str(tmp_path)


def test_load_dataset_finds_files_in_the_0_1_16_layout(root):
    dataset = mmc.datasets.load_dataset(root=root, name="cifar10", check_integrity=False)
    assert len(dataset) == 5 * N
    image, label = dataset[0]
    assert image.shape == (3, 32, 32) and image.min() >= -1 and image.max() <= 1
    assert not os.path.exists(os.path.join(root, "cifar-10-batches-py"))  # nothing downloaded or copied


def test_data_utils_loaders(root):
    both = data_utils.load_cifar10_dataset(root, split="all", check_integrity=False)
    assert len(both) == 6 * N
    raw = mmc.datasets.load_dataset(root, "cifar10", transform_data=False, check_integrity=False)
    assert isinstance(raw[0][0], Image.Image)
    pil = data_utils.load_dataset(root, "cifar10", convert_tensor=False, check_integrity=False)
    assert np.array_equal(np.asarray(pil[1][0]), np.asarray(raw[1][0]))  # exact round trip to 8 bits
    fake = data_utils.load_fake_dataset(root, image_size=(3, 16, 16), size=5)
    assert len(fake) == 5 and fake[0][0].shape == (3, 16, 16)


def test_image_loader_gives_nhwc_arrays_in_0_255(root):
    np.random.seed(0)
    images = image_loader.get_dataset_images("cifar10", num_samples=3, root=root, check_integrity=False)
    assert images.shape == (3, 32, 32, 3) and images.dtype == np.uint8
    # training file b holds cifar_images(N, 10 * b): red 255, green 0, blue 10 * b + k
    training = np.concatenate([cifar_images(N, 10 * b) for b in range(5)]).reshape(-1, 3, 32, 32)
    training = training.transpose(0, 2, 3, 1)
    drawn = [int(np.flatnonzero((training == img).all(axis=(1, 2, 3)))[0]) for img in images]
    assert len(set(drawn)) == 3  # three different training images, exactly as stored
    custom = torch.utils.data.TensorDataset(torch.full((4, 3, 8, 8), -1.0), torch.zeros(4))
    assert mmc.datasets.get_dataset_images(custom, num_samples=2).max() == 0  # [-1, 1] mapped to [0, 255]
    custom = torch.utils.data.TensorDataset(torch.ones(4, 3, 8, 8), torch.zeros(4))
    assert (image_loader.sample_dataset_images(custom, 2) == 1).all()
    with pytest.raises(ValueError, match="less than num_samples"):
        image_loader.sample_dataset_images(custom, 5)
