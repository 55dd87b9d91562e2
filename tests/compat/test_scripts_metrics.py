"""Research code written for torch-mimicry 0.1.16, run unchanged: the metric functions and their
module paths (which ran TensorFlow there and run this library's Inception network here).

Most tests replace the feature extractor by a fixed random projection (as tests/metrics do);
one runs the real network with stand-in weights.
"""
import os
import sys
import warnings

import numpy as np
import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.metrics import compute_fid, compute_is, compute_kid, compute_metrics
from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics.fid import fid_utils
from torch_mimicry.metrics.inception_model import inception_utils
from torch_mimicry.metrics.inception_score import inception_score_utils
from torch_mimicry.metrics.kid import kid_utils

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "metrics"))
from inception_fixtures import fixture_files, shared_home  # noqa: E402


def stand_in_extract(images, weights=None, backend="torch", batch_size=50, device=None):
    """Deterministic per image: a fixed random projection of the pixels (16-d 'pool3', 10-d logits)."""
    batches = [images] if isinstance(images, torch.Tensor) else list(images)
    x = torch.cat([b if b.dtype == torch.uint8 else features_mod.to_uint8(b) for b in batches])
    flat = x.reshape(x.shape[0], -1).double() / 127.5 - 1.0
    g = torch.Generator().manual_seed(flat.shape[1])
    proj = torch.randn(flat.shape[1], 26, generator=g, dtype=torch.float64) / flat.shape[1] ** 0.5
    out = flat @ proj
    return torch.relu(out[:, :16]), out[:, 16:] * 4.0


@pytest.fixture
def extractor(monkeypatch, tmp_path):
    monkeypatch.setattr(features_mod, "extract", stand_in_extract)
    monkeypatch.setattr(features_mod, "weights_hash", lambda weights=None: "stand-in-hash")
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)


class TinyGenerator(mmc.nets.gan.BaseGenerator):
    def __init__(self):
        super().__init__(nz=4, ngf=1, bottom_width=8, loss_type="hinge")
        self.l1 = torch.nn.Linear(4, 3 * 8 * 8)

    def forward(self, x):
        return torch.tanh(self.l1(x)).view(-1, 3, 8, 8)


def _dataset(n=30):
    g = torch.Generator().manual_seed(5)
    return torch.utils.data.TensorDataset(torch.rand(n, 3, 8, 8, generator=g) * 2 - 1, torch.zeros(n, dtype=torch.long))


def _nhwc(n, seed=0):
    return np.random.RandomState(seed).randint(0, 256, size=(n, 8, 8, 3)).astype(np.uint8)


def test_score_functions_with_their_0_1_16_signatures(extractor, tmp_path):
    netG = TinyGenerator()
    fid = mmc.metrics.fid_score(num_real_samples=20, num_fake_samples=20, netG=netG, dataset=_dataset(), seed=0,
                                device="cpu", batch_size=10, verbose=False, log_dir=str(tmp_path))
    assert isinstance(fid, float) and fid > 0
    kid_mean, kid_std = mmc.metrics.kid_score(num_samples=20, netG=netG, dataset=_dataset(), seed=0, device="cpu",
                                              num_subsets=2, batch_size=10, verbose=False)
    assert np.isfinite(kid_mean) and kid_std >= 0
    is_mean, is_std = mmc.metrics.inception_score(num_samples=20, netG=netG, device="cpu", batch_size=10, splits=2,
                                                  log_dir=str(tmp_path), seed=0, print_every=20)
    assert is_mean >= 1.0 and is_std >= 0
    assert compute_fid.fid_score is mmc.metrics.fid_score and compute_kid.kid_score is mmc.metrics.kid_score
    assert compute_is.inception_score is mmc.metrics.inception_score


def test_statistics_and_feature_files_of_0_1_16_are_used(extractor, tmp_path):
    netG = TinyGenerator()
    mu = np.linspace(0, 1, 16)
    sigma = np.eye(16) * 0.5
    stats_file = str(tmp_path / "fid_stats_custom.npz")
    np.savez(stats_file, mu=mu, sigma=sigma)
    fid = mmc.metrics.fid_score(num_real_samples=20, num_fake_samples=20, netG=netG, dataset=_dataset(),
                                stats_file=stats_file, batch_size=10, verbose=False)
    pool3, _ = mmc.metrics.evaluation.generated_features(netG, 20, seed=0, batch_size=10)
    assert fid == pytest.approx(mmc.metrics.fid_from_stats(mu, sigma, *mmc.metrics.feature_statistics(pool3)))
    with np.load(stats_file) as f:
        assert sorted(f.files) == ["mu", "sigma"]  # left as it was
    feat_file = str(tmp_path / "kid_feat_custom.npz")
    real = np.random.RandomState(0).rand(20, 16)
    np.savez(feat_file, feat=real)
    kid = mmc.metrics.kid_score(num_samples=20, netG=netG, dataset=_dataset(), feat_file=feat_file, num_subsets=2,
                                batch_size=10, verbose=False)
    assert kid == pytest.approx(mmc.metrics.kid_from_features(real, pool3, num_subsets=2, seed=0))


def test_evaluate_at_its_0_1_16_path(extractor, tmp_path):
    netG = TinyGenerator()
    log_dir = str(tmp_path / "log")
    netG.save_checkpoint(directory=os.path.join(log_dir, "checkpoints", "netG"), global_step=2)
    scores = compute_metrics.evaluate(metric="inception_score", netG=netG, log_dir=log_dir, evaluate_step=2,
                                      num_runs=2, num_samples=10, splits=2, device="cpu")
    assert list(scores) == [2] and len(scores[2]) == 2
    assert compute_metrics.evaluate is mmc.metrics.evaluate


def test_helpers_of_fid_kid_and_is(extractor, tmp_path):
    images = _nhwc(12)
    pool3, logits = stand_in_extract(torch.from_numpy(images).permute(0, 3, 1, 2))
    mu, sigma = fid_utils.calculate_activation_statistics(images, None, batch_size=5, verbose=False)
    ref_mu, ref_sigma = mmc.metrics.feature_statistics(pool3)
    assert np.allclose(mu, ref_mu) and np.allclose(sigma, ref_sigma)
    act = inception_utils.get_activations(images, sess=None, batch_size=5, verbose=False)
    assert act.shape == (12, 16) and np.allclose(act, pool3.numpy())
    d = fid_utils.calculate_frechet_distance(mu, sigma, mu + 1.0, sigma)
    assert isinstance(d, np.float64) and d == pytest.approx(16.0, rel=1e-6)  # ||1||^2 over 16 dims

    probs = inception_score_utils.get_predictions(images, batch_size=5)
    assert probs.shape == (12, 10) and np.allclose(probs.sum(1), 1.0)
    assert inception_score_utils.get_inception_score(images, splits=2) == pytest.approx(
        mmc.metrics.inception_score_from_logits(logits, splits=2))

    a, b = np.random.RandomState(1).randn(6, 5), np.random.RandomState(2).randn(6, 5) + 0.5
    k = lambda x, y: (x @ y.T / 5 + 1) ** 3  # noqa: E731
    by_hand = ((k(a, a).sum() - np.trace(k(a, a)) + k(b, b).sum() - np.trace(k(b, b))) / 30
               - 2 * k(a, b).sum() / 36)
    assert kid_utils.polynomial_mmd(a, b) == pytest.approx(by_hand)
    np.random.seed(0)
    mmds = kid_utils.polynomial_mmd_averages(a, b, n_subsets=2, subset_size=3)
    np.random.seed(0)
    expected = []
    for _ in range(2):
        g, r = np.random.choice(6, 3, replace=False), np.random.choice(6, 3, replace=False)
        expected.append(kid_utils.polynomial_mmd(a[g], b[r]))
    assert np.allclose(mmds, expected)
    np.random.seed(0)
    quadratic = kid_utils.polynomial_mmd_averages(a, b, n_subsets=2, subset_size=3, degree=2)
    assert not np.allclose(quadratic, expected)


def test_real_statistics_helpers_write_and_reuse_their_files(extractor, tmp_path):
    stats_file = str(tmp_path / "stats.npz")
    mu, sigma = compute_fid.compute_real_dist_stats(num_samples=10, sess=None, batch_size=5, dataset=_dataset(),
                                                    stats_file=stats_file, verbose=False)
    with np.load(stats_file) as f:
        assert np.allclose(f["mu"], mu) and np.allclose(f["sigma"], sigma)
    again = compute_fid.compute_real_dist_stats(10, None, 5, dataset="unused: read from the file",
                                                stats_file=stats_file, verbose=False)
    assert np.array_equal(again[0], mu)
    feat_file = str(tmp_path / "feat.npz")
    feat = compute_kid.compute_real_dist_feat(10, None, _dataset(), 5, feat_file=feat_file, verbose=False)
    assert feat.shape == (10, 16)
    with np.load(feat_file) as f:
        assert np.array_equal(f["feat"], feat)
    netG = TinyGenerator()
    gen_mu, _ = compute_fid.compute_gen_dist_stats(netG, 10, None, "cpu", 0, 5, verbose=False)
    gen_feat = compute_kid.compute_gen_dist_feat(netG, 10, None, "cpu", 0, 5, verbose=False)
    assert np.allclose(gen_mu, gen_feat.mean(0))


def test_helpers_run_the_real_network(tmp_path_factory, monkeypatch):
    """With the original graph file where 0.1.16 kept it, create_inception_graph + get_activations
    give this library's Inception features (stand-in random weights)."""
    files = fixture_files(tmp_path_factory)
    monkeypatch.setenv("MIMICRY_HOME", shared_home(tmp_path_factory))
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    monkeypatch.delenv("MIMICRY_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setitem(inception_utils._STATE, "weights", None)
    inception_utils.create_inception_graph(os.path.dirname(files["pb"]))
    images = _nhwc(3)
    act = inception_utils.get_activations(images, None, batch_size=2, verbose=False)
    pool3, _ = mmc.metrics.inception_features(torch.from_numpy(images).permute(0, 3, 1, 2), weights=files["pb"],
                                              batch_size=2)
    assert act.shape == (3, 2048) and np.allclose(act, pool3.numpy())
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        inception_utils.get_activations(images.astype(np.float32) / 127.5 - 300.0, None)
