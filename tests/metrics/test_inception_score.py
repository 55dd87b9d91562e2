"""Inception Score against a looped reference (improved-GAN semantics) and hand cases."""
import numpy as np
import pytest
import torch

from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics import inception_score, inception_score_from_logits, inception_score_from_probs


def reference_is(logits, splits):
    e = np.exp(logits - logits.max(1, keepdims=True))
    preds = e / e.sum(1, keepdims=True)
    scores = []
    n = preds.shape[0]
    for i in range(splits):
        part = preds[i * n // splits:(i + 1) * n // splits, :]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        scores.append(np.exp(np.mean(np.sum(kl, 1))))
    return np.mean(scores), np.std(scores)


@pytest.mark.parametrize("n,c,splits", [(100, 10, 10), (257, 1008, 10), (53, 7, 4), (30, 5, 1)])
def test_matches_looped_reference(n, c, splits):
    logits = np.random.RandomState(n).randn(n, c) * 3
    mean, std = inception_score_from_logits(logits, splits=splits)
    ref_mean, ref_std = reference_is(logits, splits)
    assert mean == pytest.approx(ref_mean, rel=1e-6)
    assert std == pytest.approx(ref_std, rel=1e-6, abs=1e-12)
    assert inception_score_from_logits(torch.from_numpy(logits), splits=splits) == (mean, std)


def test_uniform_logits_score_one():
    mean, std = inception_score_from_logits(np.zeros((40, 1008)), splits=4)
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_distinct_one_hot_classes_score_number_of_classes():
    c = 8
    logits = np.tile(np.eye(c) * 200.0, (3, 1))  # each split holds every class once
    mean, std = inception_score_from_logits(logits, splits=3)
    assert mean == pytest.approx(c, rel=1e-9) and std == pytest.approx(0.0, abs=1e-9)
    # exact zeros in probabilities are handled (0 * log 0 = 0)
    assert inception_score_from_probs(np.tile(np.eye(c), (3, 1)), splits=3) == pytest.approx((c, 0.0))


def test_probs_route_matches_logits_route():
    logits = np.random.RandomState(0).randn(60, 12)
    probs = torch.softmax(torch.from_numpy(logits), 1).numpy()
    assert inception_score_from_probs(probs, splits=6) == pytest.approx(
        inception_score_from_logits(logits, splits=6), rel=1e-10)


def test_errors():
    with pytest.raises(ValueError, match="at least 10 samples"):
        inception_score_from_logits(np.zeros((9, 5)), splits=10)
    with pytest.raises(ValueError, match="splits"):
        inception_score_from_logits(np.zeros((9, 5)), splits=0)
    bad = np.zeros((20, 5))
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        inception_score_from_logits(bad, splits=2)


def test_inception_score_of_given_images(monkeypatch):
    def stand_in(images, weights=None, backend="torch", batch_size=50, device=None):
        x = torch.cat(list(images)) if not isinstance(images, torch.Tensor) else images
        assert x.dtype == torch.uint8
        flat = x.reshape(x.shape[0], -1).double()
        return flat[:, :4], flat[:, :6] / 40.0

    monkeypatch.setattr(features_mod, "extract", stand_in)
    images = torch.rand(30, 3, 4, 4) * 2 - 1
    expected = inception_score_from_logits(
        features_mod.to_uint8(images).reshape(30, -1).double()[:20, :6] / 40.0, splits=5)
    assert inception_score(20, images, batch_size=7, splits=5) == pytest.approx(expected, rel=1e-12)
    assert inception_score(images, 20, batch_size=7, splits=5) == pytest.approx(expected, rel=1e-12)
