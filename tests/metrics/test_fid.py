"""FID against a straightforward sqrtm-based reference and hand-checked cases."""
import warnings

import numpy as np
import pytest
import scipy.linalg
import torch

from torch_mimicry.metrics import fid as fid_mod
from torch_mimicry.metrics import feature_statistics, fid_from_features, fid_from_stats


def reference_fid(x, y, eps=1e-6):
    """The textbook computation: np.cov, scipy.linalg.sqrtm, eps fallback, real part."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + off) @ (s2 + off))
    covmean = np.real(covmean)
    d = mu1 - mu2
    return d @ d + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def features(n, d, seed, shift=0.0, scale=1.0):
    """Non-negative, correlated features resembling pool3 activations."""
    rng = np.random.RandomState(seed)
    mix = np.random.RandomState(1000 + d).randn(d, d) / np.sqrt(d)
    return np.maximum(rng.randn(n, d) @ mix * scale + shift, 0.0)


@pytest.mark.parametrize("n1,n2,d", [(400, 300, 32), (900, 700, 128)])
def test_matches_sqrtm_reference(n1, n2, d):
    x = features(n1, d, 0)
    y = features(n2, d, 1, shift=0.1, scale=1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = fid_from_features(x, y)
    ref = reference_fid(x, y)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_torch_input_and_float32_match_numpy():
    x = features(300, 16, 2)
    y = features(300, 16, 3, shift=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = fid_from_features(x, y)
        b = fid_from_features(torch.from_numpy(x), torch.from_numpy(y))
        c = fid_from_features(x.astype(np.float32), y.astype(np.float32))
    assert a == b
    assert c == pytest.approx(a, rel=1e-5)


def test_identical_sets_give_zero():
    x = features(400, 24, 4)
    with pytest.warns(UserWarning, match="biased"):
        value = fid_from_features(x, x)
    assert abs(value) < 1e-8 * np.trace(np.cov(x, rowvar=False))


def test_hand_checked_gaussians():
    # 1-D: (0 - 1)^2 + 1 + 4 - 2 * sqrt(1 * 4) = 2
    assert fid_from_stats(np.array([0.0]), np.array([[1.0]]), np.array([1.0]), np.array([[4.0]])) == \
        pytest.approx(2.0, rel=1e-12)
    # diagonal covariances: ||dmu||^2 + sum (sqrt(a) - sqrt(b))^2
    a = np.array([1.0, 2.0, 9.0])
    b = np.array([4.0, 0.5, 1.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = 1.0 + 4.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert fid_from_stats(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


def test_singular_covariances_are_handled():
    # fewer samples than dimensions: rank-deficient covariances
    x = features(20, 40, 5)
    y = features(25, 40, 6, shift=0.3)
    with pytest.warns(UserWarning):
        value = fid_from_features(x, y)
    assert np.isfinite(value) and value > 0


def test_feature_statistics_is_np_cov():
    x = features(50, 7, 7)
    mu, sigma = feature_statistics(x)
    np.testing.assert_allclose(mu, x.mean(0), rtol=1e-13)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-12, atol=1e-14)


def test_non_finite_first_attempt_retries_with_eps(monkeypatch):
    calls = []
    real = fid_mod.trace_sqrt_product

    def flaky(s1, s2):
        calls.append(np.trace(s1))
        return float("nan") if len(calls) == 1 else real(s1, s2)

    monkeypatch.setattr(fid_mod, "trace_sqrt_product", flaky)
    s = np.diag([1.0, 2.0])
    with pytest.warns(RuntimeWarning, match="diagonal"):
        value = fid_from_stats(np.zeros(2), s, np.zeros(2), s)
    assert len(calls) == 2 and calls[1] == pytest.approx(3.0 + 2e-6)
    assert abs(value) < 1e-5


def test_not_positive_semidefinite_raises():
    bad = np.array([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="positive semi-definite"):
        fid_from_stats(np.zeros(2), np.eye(2), np.zeros(2), bad)


def test_input_errors():
    x = features(10, 4, 8)
    with pytest.raises(ValueError, match="at least 2 samples"):
        fid_from_features(x, x[:1])
    with pytest.raises(ValueError, match="dimension"):
        fid_from_features(x, features(10, 5, 9))
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fid_from_features(x, bad)
    with pytest.raises(ValueError, match="2-D"):
        fid_from_features(x[0], x)
    with pytest.raises(ValueError, match="shapes"):
        fid_from_stats(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_warning_only_below_2048_samples():
    with pytest.warns(UserWarning, match="2048"):
        fid_from_features(features(100, 4, 10), features(3000, 4, 11))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fid_from_features(features(2048, 4, 10), features(2048, 4, 11))
