"""Precision / recall and density / coverage against a direct implementation of the papers' definitions."""
import numpy as np
import pytest
import torch

from torch_mimicry.metrics import (DensityCoverage, PrecisionRecall, density_coverage_from_features,
                                   precision_recall_from_features)
from torch_mimicry.metrics import prdc


def direct(real, fake, k):
    """The definitions, written out with full float64 distance matrices from the differences."""
    def sq_dists(a, b):
        return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)

    r_real = np.sort(sq_dists(real, real), axis=1)[:, k]  # column 0 is the row itself
    r_fake = np.sort(sq_dists(fake, fake), axis=1)[:, k]
    d = sq_dists(real, fake)                              # [N, M]
    in_real_ball = d <= r_real[:, None]                   # fake j inside the ball of real i
    in_fake_ball = d <= r_fake[None, :]                   # real i inside the ball of fake j
    return {"precision": in_real_ball.any(0).mean(), "recall": in_fake_ball.any(1).mean(),
            "density": in_real_ball.sum(0).mean() / k, "coverage": in_real_ball.any(1).mean()}


def check(real, fake, k, block_bytes=prdc.BLOCK_BYTES):
    ref = direct(real, fake, k)
    pr = precision_recall_from_features(real, fake, k=k, block_bytes=block_bytes)
    dc = density_coverage_from_features(real, fake, k=k, block_bytes=block_bytes)
    assert isinstance(pr, PrecisionRecall) and isinstance(dc, DensityCoverage)
    assert pr.precision == ref["precision"] and pr.recall == ref["recall"]
    assert dc.density == pytest.approx(ref["density"], rel=1e-14) and dc.coverage == ref["coverage"]
    return ref


@pytest.mark.parametrize("seed", range(6))
def test_equal_to_direct_definitions_on_random_sets(seed):
    rng = np.random.default_rng(seed)
    n, m, d = rng.integers(8, 90), rng.integers(8, 90), rng.integers(2, 40)
    real = rng.standard_normal((n, d))
    fake = rng.standard_normal((m, d)) * rng.uniform(0.6, 1.4) + rng.uniform(-0.5, 0.5)
    for k in (1, 3, 5):
        # tiny blocks: many row blocks, the symmetric k-NN pass merges candidates across them
        check(real, fake, k, block_bytes=4 * 7 * max(n, m))
        check(real, fake, k)


def test_ties_and_far_offsets_are_decided_exactly():
    rng = np.random.default_rng(7)
    # integer grid points: many distances equal a radius exactly (closed balls count them)
    real = rng.integers(0, 3, (70, 6)).astype(np.float64)
    fake = rng.integers(0, 3, (60, 6)).astype(np.float64)
    check(real, fake, 3, block_bytes=4 * 9 * 70)
    # a tiny spread far from the origin: float32 distances alone would be meaningless
    real = rng.standard_normal((50, 16)) * 1e-3 + 1e4
    fake = rng.standard_normal((55, 16)) * 1e-3 + 1e4
    ref = check(real, fake, 3)
    assert 0 < ref["precision"] < 1 and 0 < ref["recall"] < 1


def test_known_cases_identical_and_disjoint_sets():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((60, 12))
    assert precision_recall_from_features(x, x) == (1.0, 1.0)
    density, coverage = density_coverage_from_features(x, x)
    # each row lies in its own ball and in the balls of the k rows it is a neighbour of: (k + 1) / k
    assert coverage == 1.0 and density == pytest.approx(6 / 5, rel=1e-14)
    far = x + 1000.0
    assert precision_recall_from_features(x, far) == (0.0, 0.0)
    assert density_coverage_from_features(x, far) == (0.0, 0.0)


def test_inputs_torch_and_numpy_and_radii():
    rng = np.random.default_rng(4)
    real, fake = rng.standard_normal((40, 8)), rng.standard_normal((30, 8)) + 0.3
    a = precision_recall_from_features(torch.from_numpy(real), torch.from_numpy(fake).float().double())
    assert a == precision_recall_from_features(real, fake)
    radii = prdc.knn_radii(real, 3)
    ref = np.sqrt(np.sort(((real[:, None] - real[None]) ** 2).sum(-1), axis=1)[:, 3])
    np.testing.assert_allclose(radii, ref, rtol=1e-12)
    # one prepared real set scores several fake sets; the real radii are computed once
    scorer = prdc.ManifoldScorer(real)
    assert scorer.precision_recall(fake) == precision_recall_from_features(real, fake)
    assert scorer.density_coverage(fake, k=3) == density_coverage_from_features(real, fake, k=3)
    assert sorted(scorer._rho_real) == [3]


def test_memory_is_bounded_by_the_block_size():
    for cols in (100, 10_000, 50_000, 200_000):
        rows = prdc._block_rows(cols, prdc.BLOCK_BYTES)
        assert rows >= 1 and (rows == 1 or rows * cols * 4 <= prdc.BLOCK_BYTES)
    assert prdc._block_rows(50_000, prdc.BLOCK_BYTES) * 50_000 * 4 <= 32 * 2**20


def test_errors():
    x = np.zeros((5, 4))
    with pytest.raises(ValueError, match="at least 4"):
        precision_recall_from_features(x, np.ones((3, 4)), k=3)
    with pytest.raises(ValueError, match="dimension"):
        precision_recall_from_features(x, np.ones((5, 3)), k=1)
    with pytest.raises(ValueError, match="k must be a positive int"):
        density_coverage_from_features(x, x, k=0)
    bad = np.ones((5, 4))
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        density_coverage_from_features(x, bad, k=1)
