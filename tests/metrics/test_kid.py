"""KID against a looped reference (MMD-GAN's polynomial_mmd_averages semantics)."""
import numpy as np
import pytest
import torch

from torch_mimicry.metrics import kid_from_features
from torch_mimicry.metrics.kid import draw_subsets, polynomial_mmd_subsets


def reference_mmd2(x, y):
    m, d = x.shape
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.sum() / m ** 2


def reference_kid(x, y, num_subsets, subset_size, seed):
    rng = np.random.RandomState(seed)
    values = []
    for _ in range(num_subsets):
        a = x[rng.choice(len(x), subset_size, replace=False)]
        b = y[rng.choice(len(y), subset_size, replace=False)]
        values.append(reference_mmd2(a, b))
    return np.mean(values), np.std(values), np.array(values)


def features(n, d, seed, shift=0.0):
    rng = np.random.RandomState(seed)
    return np.maximum(rng.randn(n, d) + shift, 0.0)


@pytest.mark.parametrize("method", ["auto", "gram", "subsets"])
@pytest.mark.parametrize("n1,n2,d,num_subsets,subset_size", [
    (200, 150, 16, 10, 30), (120, 300, 33, 4, 120), (500, 500, 64, 7, 50)])
def test_matches_looped_reference(method, n1, n2, d, num_subsets, subset_size):
    x, y = features(n1, d, 0), features(n2, d, 1, shift=0.1)
    mean, std, per = kid_from_features(x, y, num_subsets, subset_size, seed=3, method=method, return_subsets=True)
    ref_mean, ref_std, ref_per = reference_kid(x, y, num_subsets, subset_size, seed=3)
    assert mean == pytest.approx(ref_mean, rel=1e-6)
    assert std == pytest.approx(ref_std, rel=1e-6)
    np.testing.assert_allclose(per, ref_per, rtol=1e-6)


def test_torch_device_route_matches_reference():
    x, y = features(150, 24, 8), features(130, 24, 9, shift=0.2)
    mean, std, per = kid_from_features(x, y, 6, 40, seed=2, device="cpu", return_subsets=True)
    ref_mean, ref_std, ref_per = reference_kid(x, y, 6, 40, seed=2)
    assert mean == pytest.approx(ref_mean, rel=1e-6) and std == pytest.approx(ref_std, rel=1e-6)
    np.testing.assert_allclose(per, ref_per, rtol=1e-6)


def test_default_subset_size_is_n_over_num_subsets():
    x, y = features(105, 8, 2), features(100, 8, 3)
    assert kid_from_features(x, y, num_subsets=10, seed=1) == \
        pytest.approx(kid_from_features(x, y, num_subsets=10, subset_size=10, seed=1), rel=1e-12)


def test_hand_checked_case():
    # d = 1, X = {0, 0}, Y = {1, 1}: k(0,0) = 1, k(1,1) = 8, k(0,1) = 1 -> 1 + 8 - 2 = 7
    x = np.zeros((2, 1))
    y = np.ones((2, 1))
    mean, std = kid_from_features(x, y, num_subsets=1, subset_size=2)
    assert mean == pytest.approx(7.0, rel=1e-12) and std == 0.0


def test_seed_and_input_types():
    x, y = features(100, 8, 4), features(100, 8, 5, shift=0.5)
    a = kid_from_features(x, y, 5, 20, seed=0)
    assert kid_from_features(torch.from_numpy(x), torch.from_numpy(y), 5, 20, seed=0) == a
    assert kid_from_features(x, y, 5, 20, seed=1) != a


def test_subsets_are_without_replacement():
    ir, jf = draw_subsets(30, 40, 6, 25, seed=0)
    assert ir.shape == (6, 25) and jf.shape == (6, 25)
    assert all(len(set(row)) == 25 for row in ir) and all(len(set(row)) == 25 for row in jf)
    assert ir.max() < 30 and jf.max() < 40
    with pytest.raises(ValueError, match="method"):
        polynomial_mmd_subsets(np.ones((30, 2)), np.ones((40, 2)), ir, jf, method="nope")


def test_input_errors():
    x = features(50, 4, 6)
    with pytest.raises(ValueError, match="larger than the feature sets"):
        kid_from_features(x, x, num_subsets=2, subset_size=51)
    with pytest.raises(ValueError, match="at least 20 samples"):
        kid_from_features(x[:19], x, num_subsets=10)
    with pytest.raises(ValueError, match=">= 2"):
        kid_from_features(x, x, num_subsets=2, subset_size=1)
    with pytest.raises(ValueError, match="num_subsets"):
        kid_from_features(x, x, num_subsets=0)
    with pytest.raises(ValueError, match="dimension"):
        kid_from_features(x, features(50, 5, 7), num_subsets=2)
    bad = x.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        kid_from_features(bad, x, num_subsets=2)
