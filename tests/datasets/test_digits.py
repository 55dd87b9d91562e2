"""load_dataset('digits') and 'digits_subset': scikit-learn's 8x8 UCI digits at 32 px, in [-1, 1],
with labels, fixed splits, a seeded class-balanced subset, and a clear error without scikit-learn."""
import hashlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

pytest.importorskip("sklearn")

import torch_mimicry as mmc  # noqa: E402
from torch_mimicry.datasets import dataset_resolution, load_dataset  # noqa: E402
from torch_mimicry.datasets import digits as dg  # noqa: E402
from torch_mimicry.datasets.preprocessing import pipeline  # noqa: E402

#: SHA-256 of the 1797 upsampled 32x32 uint8 images: pins the recorded resize.
UPSAMPLED_SHA256 = "18262877db6d822efb8971fa27772909c7ed6eaef19e38104d97ffcae6d46de4"


def test_digits_images_labels_and_range():
    ds = load_dataset(None, "digits")
    assert len(ds) == 1797 and dataset_resolution("digits") == 32 and dataset_resolution("digits_subset") == 32
    images = torch.stack([ds[i][0] for i in range(len(ds))])
    labels = np.array([ds[i][1] for i in range(len(ds))])
    assert images.shape == (1797, 3, 32, 32) and images.dtype == torch.float32
    assert images.min() == -1.0 and images.max() == 1.0
    assert torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 1], images[:, 2])  # grey
    u8 = (images + 1) * 127.5
    assert torch.allclose(u8, u8.round(), atol=1e-4)  # 8-bit images
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert isinstance(ds[0][1], int)
    # white ink on black: the left border and the corners are background, the centre holds ink on average
    assert images[:, :, :, 0].mean() < -0.99 and images[:, :, :4, :4].mean() < -0.99  # left column, corner
    assert images[:, :, 12:20, 12:20].mean() > 0.1
    # the same 8-bit image through ToTensor and Normalize(0.5, 0.5) is bit for bit the item
    via_pil = load_dataset(None, "digits", transform=pipeline())
    assert all(torch.equal(via_pil[i][0], ds[i][0]) for i in (0, 1, 500, 1796))


def test_the_recorded_resize():
    images, labels = dg.load_uci_digits()
    up = dg.upsample_digits(images)
    assert up.shape == (1797, 32, 32) and up.dtype == torch.uint8
    assert hashlib.sha256(up.numpy().tobytes()).hexdigest() == UPSAMPLED_SHA256
    # it is the documented interpolate call, quantised as documented
    x = torch.tensor(images[:5], dtype=torch.float64)[:, None]
    ref = F.interpolate(x, size=(32, 32), mode="bicubic", align_corners=False, antialias=False)[:, 0]
    assert torch.equal(up[:5], torch.round(ref.clamp(0, 16) * 255 / 16).to(torch.uint8))
    # a flat 8x8 image stays flat; full ink is 255
    assert torch.all(dg.upsample_digits(np.full((1, 8, 8), 16)) == 255)
    assert dg.DIGITS_RESIZE["mode"] in mmc.datasets.dataset_record("digits").preprocessing
    assert "antialias=False" in mmc.datasets.dataset_record("digits").preprocessing
    with pytest.raises(ValueError, match=r"\[N, 8, 8\]"):
        dg.upsample_digits(np.zeros((2, 4, 4)))


def test_fixed_stratified_split():
    _, labels = dg.load_uci_digits()
    train, test = dg.digits_indices("train"), dg.digits_indices("test")
    assert len(train) == 1438 and len(test) == 359
    assert len(np.intersect1d(train, test)) == 0 and len(np.union1d(train, test)) == 1797
    assert np.bincount(labels[test]).tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    assert test[:5].tolist() == dg.digits_indices("test")[:5].tolist()  # fixed
    ds = load_dataset(None, "digits", split="test")
    assert len(ds) == 359 and torch.equal(ds[0][0], load_dataset(None, "digits")[int(test[0])][0])
    assert ds[0][1] == int(labels[test[0]])
    with pytest.raises(ValueError, match=r"split must be one of \['all', 'train', 'test'\], got 'val'"):
        load_dataset(None, "digits", split="val")


def test_digits_subset_is_seeded_and_class_balanced():
    sub = load_dataset(None, "digits_subset")
    assert len(sub) == 180
    assert np.bincount([sub[i][1] for i in range(180)]).tolist() == [18] * 10
    indices = dg.digits_subset_indices()
    full = load_dataset(None, "digits")
    assert torch.equal(sub[7][0], full[int(indices[7])][0])
    assert np.array_equal(indices, dg.digits_subset_indices(18, 0))  # the same draw every time
    assert not np.array_equal(indices, dg.digits_subset_indices(18, 1))
    small = load_dataset(None, "digits_subset", per_class=3, seed=5)
    assert len(small) == 30
    with pytest.raises(ValueError, match=r"per_class must be an int in \[1, 174\]"):
        load_dataset(None, "digits_subset", per_class=175)


def test_digits_feed_a_conditional_trainer_batch():
    loader = torch.utils.data.DataLoader(load_dataset(None, "digits_subset"), batch_size=16, shuffle=False)
    images, labels = next(iter(loader))
    assert images.shape == (16, 3, 32, 32) and labels.dtype == torch.int64 and 0 <= labels.min() <= labels.max() < 10
    netG = mmc.nets.cgan_pd.CGANPDGenerator32(num_classes=10, ngf=8)
    netD = mmc.nets.cgan_pd.CGANPDDiscriminator32(num_classes=10, ndf=8)
    assert netD(images, labels).shape == (16, 1) and netG.num_classes == 10


def test_missing_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    dg._read_sklearn_digits.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"scikit-learn is not installed: pip install scikit-learn \(or pip "
                                              r"install 'torch-mimicry\[digits\]'\)"):
            load_dataset(None, "digits")
    finally:
        dg._read_sklearn_digits.cache_clear()


def test_content_check(monkeypatch):
    monkeypatch.setattr(dg, "DIGITS_SHA256", "0" * 64)
    with pytest.warns(UserWarning, match="not comparable"):
        assert len(load_dataset(None, "digits")) == 1797
    with pytest.raises(RuntimeError, match=r"SHA-256 .* check_integrity=False"):
        load_dataset(None, "digits", check_integrity="strict")
    assert len(load_dataset(None, "digits", check_integrity=False)) == 1797
