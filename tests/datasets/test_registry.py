"""The dataset registry: one record per dataset, asked by load_dataset and dataset_resolution;
a user's dataset registered in one call; torchvision's own integrity check in use."""
import ast
import os
import sys

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.datasets import (DATASET_NAMES, DatasetRecord, dataset_names, dataset_record, dataset_resolution,
                                    load_dataset, register_dataset, unregister_dataset)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_load_dataset import make_cifar10  # noqa: E402

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "torch_mimicry", "datasets")


class Squares(torch.utils.data.Dataset):
    def __init__(self, n, size, value):
        self.n, self.size, self.value = n, size, value

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.full((3, self.size, self.size), self.value), i % 2


def build_squares(record, root, n=3, value=0.5):
    return Squares(n, record.resolution_for(), value)


@pytest.fixture
def squares():
    record = register_dataset(DatasetRecord(name="test_squares", builder=build_squares, resolution=16, num_classes=2,
                                            labels="index % 2", source="made by the test", needs_root=False))
    yield record
    unregister_dataset("test_squares")


def test_every_builtin_name_has_one_record():
    assert DATASET_NAMES == dataset_names()[:len(DATASET_NAMES)]
    assert {"digits", "digits_subset", "cifar10", "synthetic"} <= set(DATASET_NAMES)
    for name in DATASET_NAMES:
        record = dataset_record(name)
        assert record.name == name and callable(record.builder)
        assert "download" in record.accepted_kwargs()
    cifar = dataset_record("cifar10")
    assert cifar.folder == "cifar-10-batches-py" and cifar.num_classes == 10 and cifar.downloadable
    assert [f for f, _ in cifar.files["test"]] == ["test_batch", "batches.meta"]
    assert all(md5 and len(md5) == 32 for _, md5 in cifar.files["train"])  # torchvision's published sums
    assert dataset_record("digits").describe()["preprocessing"].startswith("8x8 values 0..16")


def test_a_user_dataset_is_one_registration(squares, tmp_path):
    assert "test_squares" in dataset_names() and "test_squares" not in DATASET_NAMES
    assert dataset_resolution("test_squares") == 16
    ds = load_dataset(None, "test_squares", n=5, value=-0.25)
    assert len(ds) == 5 and ds[3][1] == 1 and torch.all(ds[0][0] == -0.25) and ds[0][0].shape == (3, 16, 16)
    with pytest.raises(TypeError, match=r"load_dataset\('test_squares'\) got unexpected keyword argument\(s\) "
                                        r"\['split'\]; accepted: \['n', 'value'\]"):
        load_dataset(None, "test_squares", split="train")
    with pytest.raises(ValueError, match="already registered.*replace=True"):
        register_dataset(DatasetRecord(name="test_squares", builder=build_squares, resolution=8))
    # the rest of the library asks the registry too: 0.1.16's keywords and image sampling
    pil = mmc.datasets.data_utils.load_dataset(None, "test_squares", convert_tensor=False, value=-0.25)
    assert pil[0][0].size == (16, 16) and pil[0][0].getpixel((0, 0)) == (96, 96, 96)
    images = mmc.datasets.get_dataset_images("test_squares", num_samples=2, n=4, value=-0.25)
    assert images.shape == (2, 16, 16, 3) and (images == 96).all()


def test_registration_refuses_bad_records():
    with pytest.raises(TypeError, match="builder must take \\(record, root, \\*\\*kwargs\\)"):
        DatasetRecord(name="x", builder=lambda root: None, resolution=32)
    with pytest.raises(ValueError, match="resolution must be a positive int"):
        DatasetRecord(name="x", builder=build_squares, resolution=0)
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        DatasetRecord(name="", builder=build_squares, resolution=32)
    with pytest.raises(TypeError, match="takes a DatasetRecord"):
        register_dataset("cifar10")
    with pytest.raises(ValueError, match="Unknown dataset 'nothing'; valid names are: cifar10, "):
        unregister_dataset("nothing")


def test_torchvision_integrity_check_runs_and_its_refusal_is_translated(tmp_path, monkeypatch):
    """The reader is torchvision's own class with its MD5 check; its refusal becomes the
    library's message naming the files of the split."""
    import torchvision.datasets as tvd
    calls = []
    original = tvd.CIFAR10._check_integrity

    def spy(self):
        calls.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(tvd.CIFAR10, "_check_integrity", spy)
    make_cifar10(tmp_path)
    with pytest.raises(RuntimeError, match=r"Dataset 'cifar10': test_batch, batches.meta under .* failed the MD5 "
                                           r"check") as info:
        load_dataset(tmp_path, "cifar10", split="test", download=False, check_integrity="strict")
    assert calls == ["CIFAR10"]  # torchvision's check, on torchvision's class
    assert "Dataset not found or corrupted" in str(info.value.__cause__)  # torchvision's refusal, chained
    calls.clear()
    assert len(load_dataset(tmp_path, "cifar10", split="test", download=False, check_integrity=False)) == 2
    assert calls == []  # check_integrity=False: the check is not run


def test_no_import_cycle_between_data_utils_and_load():
    def imports(module):
        tree = ast.parse(open(os.path.join(PACKAGE, module + ".py")).read())
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        return names

    assert "torch_mimicry.datasets.load" in imports("data_utils")  # data_utils builds on load ...
    for module in ("load", "original_keywords", "registry", "files", "builders", "catalog"):
        assert not any("data_utils" in n for n in imports(module)), module  # ... and nothing asks back
    assert not any(n.startswith("torch_mimicry") for n in imports("registry"))  # the bottom of the package


def test_original_keywords_reach_datasets_without_fixed_resolution_or_transform(tmp_path):
    from PIL import Image
    Image.new("RGB", (8, 6), (10, 20, 30)).save(tmp_path / "a.png")
    pil = load_dataset(tmp_path, "image_folder", convert_tensor=False)  # no image_size: none needed
    assert pil[0][0].size == (8, 6) and pil[0][0].getpixel((0, 0)) == (10, 20, 30)
    shapes = load_dataset(None, "synthetic", size=4, convert_tensor=False)  # synthetic takes no transform
    assert shapes[1][0].size == (32, 32) and shapes[1][1] == 1


def test_a_missing_dataset_is_both_file_not_found_and_the_value_error_of_0_1_16(tmp_path):
    from torch_mimicry.datasets import data_utils
    from torch_mimicry.utils.errors import DatasetNotFoundError
    with pytest.raises(ValueError) as info:  # what 0.1.16 raised for a missing folder
        data_utils.load_lsun_bedroom_dataset(root=str(tmp_path / "does_not_exist"))
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, DatasetNotFoundError)
    with pytest.raises(FileNotFoundError, match="cifar10"):
        mmc.datasets.load_dataset(root=str(tmp_path), name="cifar10", download=False)
