"""The digit score: the shipped classifier (its accuracy on the held-out split reproduced, its
SHA-256 checked), the Frechet distance in its features and the class coverage."""
import os
import shutil

import numpy as np
import pytest
import torch

pytest.importorskip("sklearn")

from torch_mimicry.datasets import load_dataset  # noqa: E402
from torch_mimicry.metrics import digits as dm  # noqa: E402
from torch_mimicry.metrics.fid import fid_from_features  # noqa: E402
from torch_mimicry.utils import CorruptFileError  # noqa: E402


def _tensors(split):
    ds = load_dataset(None, "digits", split=split)
    return torch.stack([ds[i][0] for i in range(len(ds))]), torch.tensor([ds[i][1] for i in range(len(ds))])


@pytest.fixture(scope="module")
def digits_all():
    return _tensors("all")


@pytest.fixture(scope="module")
def features_all(digits_all):
    return dm.digit_extract(digits_all[0])


def test_shipped_weights_reach_the_recorded_held_out_accuracy():
    images, labels = _tensors("test")
    assert len(labels) == 359
    predicted = dm.digit_probabilities(images).argmax(dim=1)
    accuracy = float((predicted == labels).double().mean())
    # at most one image of 359 may flip where another CPU rounds differently
    assert accuracy >= dm.DIGIT_CLASSIFIER_ACCURACY - 1.01 / 359 and dm.DIGIT_CLASSIFIER_ACCURACY > 0.98
    assert os.path.getsize(dm.DIGIT_CLASSIFIER_FILE) < 400_000
    assert sum(p.numel() for p in dm.load_digit_classifier().parameters()) == 47658


def test_a_tampered_weights_file_is_refused(tmp_path):
    tampered = tmp_path / "digit_classifier.pth"
    shutil.copy(dm.DIGIT_CLASSIFIER_FILE, tampered)
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match=r"Digit classifier weights .* have SHA-256 [0-9a-f]{16}\.\.\., not "
                                               r"7642ebea.*modified, truncated or replaced") as info:
        dm.load_digit_classifier(tampered)
    assert info.value.path == str(tampered)
    with pytest.raises(CorruptFileError, match="SHA-256"):
        dm.digit_features(torch.zeros(2, 3, 32, 32), weights=tampered)
    with pytest.raises(FileNotFoundError, match="tools/train_digit_classifier.py"):
        dm.load_digit_classifier(tmp_path / "none.pth")
    assert dm.digit_weights_hash() == dm.DIGIT_CLASSIFIER_SHA256


def test_features_and_probabilities(digits_all, features_all):
    images, labels = digits_all
    feats, logits = features_all
    assert feats.shape == (1797, dm.DIGIT_FEATURE_DIM) and logits.shape == (1797, 10)
    assert feats.dtype == torch.float64 and feats.min() >= 0
    assert int((feats == 0).all(dim=0).sum()) == 0  # every feature unit is used
    probs = dm.digit_probabilities(images[:10])
    assert torch.allclose(probs.sum(dim=1), torch.ones(10, dtype=torch.float64))
    assert torch.allclose(dm.digit_features(images[:10]), feats[:10], atol=1e-5)  # batch size: rounding only
    # batches, and uint8 images, give the same features: images are mapped to 8 bits first
    assert torch.allclose(dm.digit_features(iter([images[:4], images[4:10]]), batch_size=3), feats[:10], atol=1e-5)
    u8 = torch.round((images[:10] + 1) * 127.5).to(torch.uint8)
    assert torch.allclose(dm.digit_features(u8), feats[:10], atol=1e-5)
    with pytest.raises(ValueError, match=r"\[N, 3, 32, 32\].*got \(2, 3, 28, 28\)"):
        dm.digit_features(torch.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match=r"expected \[-1, 1\]"):
        dm.digit_features(torch.full((2, 3, 32, 32), 200.0))


def test_frechet_distance_small_for_real_halves_large_for_noise(digits_all, features_all):
    feats = features_all[0]
    perm = torch.randperm(1797, generator=torch.Generator().manual_seed(0))
    a, b = feats[perm[:898]], feats[perm[898:]]
    halves = dm.digit_frechet_distance(a, b)
    noise = torch.rand(898, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    to_noise = dm.digit_frechet_distance(a, dm.digit_features(noise))
    ones = dm.digit_frechet_distance(a, feats[digits_all[1] == 1])
    assert 0 < halves < 2.0 and to_noise > 50 * halves and ones > 20 * halves
    assert dm.digit_frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    with pytest.warns(UserWarning, match="2048"):  # the same formula as FID (which warns below 2048 samples)
        assert dm.digit_frechet_distance(a, b) == pytest.approx(fid_from_features(a, b), rel=1e-12)


def test_class_coverage_and_digit_inception_score(digits_all, features_all):
    probs = torch.softmax(features_all[1], dim=1)
    real = dm.digit_class_coverage(probs)
    assert real["coverage"] == 1.0 and real["classes_covered"] == list(range(10))
    assert real["normalized_entropy"] > 0.99 and real["entropy"] == pytest.approx(real["normalized_entropy"]
                                                                                    * np.log(10))
    assert sum(real["class_fractions"]) == pytest.approx(1.0)
    collapsed = dm.digit_class_coverage(probs[digits_all[1] == 3])
    assert collapsed["coverage"] == 0.1 and collapsed["classes_covered"] == [3]
    assert collapsed["normalized_entropy"] < 0.2
    is_real, _ = dm.digit_inception_score(probs)
    is_collapsed, _ = dm.digit_inception_score(probs[digits_all[1] == 3])
    assert 8.5 < is_real <= 10 and is_collapsed < 1.5
    with pytest.raises(ValueError, match="probabilities"):
        dm.digit_class_coverage(features_all[1])  # logits, not probabilities


def test_digit_scores_record_their_protocol(digits_all):
    images = digits_all[0]
    scores = dm.digit_scores(images[:300], images[300:600])
    assert scores["num_real"] == scores["num_fake"] == 300 and scores["coverage"] == 1.0
    assert 0 < scores["fd"] < 5 and scores["is_mean"] > 8
    protocol = scores["protocol"]
    assert protocol["weights_sha256"] == dm.DIGIT_CLASSIFIER_SHA256 and protocol["extractor"] == "digit_classifier"
    assert protocol["dataset_resize"]["mode"] == "bicubic" and protocol["dataset_resize"]["antialias"] is False
