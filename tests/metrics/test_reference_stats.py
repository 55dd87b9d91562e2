"""Reference statistics files: TTUR format, this library's files, checks, and evaluate(real_stats=)."""
import json
import os

import numpy as np
import pytest

from torch_mimicry.metrics import (evaluate, fid_from_features, fid_from_reference, kid_from_features,
                                   load_reference_stats, precision_recall_from_features, save_reference_stats)
from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics.evaluation import generated_features
from torch_mimicry.metrics.real_stats import dataset_identity, real_features

from test_evaluate import ImageSet, TinyGenerator, extractor, fid_kwargs, log_dir  # noqa: F401 (fixtures)


@pytest.fixture
def dim16(monkeypatch):
    monkeypatch.setattr(features_mod, "FEATURE_DIM", 16)


def _features(seed, n=300, d=16):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) * 0.3 + rng.standard_normal(d)


@pytest.mark.filterwarnings("ignore:FID from")
def test_ttur_file_gives_the_fid_of_its_features(tmp_path):
    real, fake = _features(0), _features(1) + 0.2
    path = str(tmp_path / "fid_stats_custom.npz")
    np.savez(path, mu=real.mean(0), sigma=np.cov(real, rowvar=False))  # as TTUR writes them
    ref = load_reference_stats(path)
    assert ref.format == "ttur" and ref.dim == 16 and ref.num_samples is None and ref.features is None
    assert fid_from_reference(path, fake) == pytest.approx(fid_from_features(real, fake), rel=1e-10)
    # this library's own file: the same numbers, with the protocol, optionally the features
    own = save_reference_stats(str(tmp_path / "own"), real, protocol={"dataset": "x"}, keep_features=True)
    assert own.endswith("own.npz")
    ref2 = load_reference_stats(own, expected_dim=16)
    assert ref2.format == "mimicry-stats" and ref2.num_samples == 300 and ref2.protocol == {"dataset": "x"}
    assert fid_from_reference(ref2, fake) == fid_from_features(real, fake)
    np.testing.assert_array_equal(ref2.features, real)
    assert len(ref2.sha256) == 64 and ref2.sha256 != ref.sha256


def test_bad_files_are_refused_clearly(tmp_path):
    real = _features(0)
    good = dict(mu=real.mean(0), sigma=np.cov(real, rowvar=False))
    np.savez(tmp_path / "ok.npz", **good)
    with pytest.raises(ValueError, match="16-dimensional features, but the feature extractor gives 2048"):
        load_reference_stats(str(tmp_path / "ok.npz"), expected_dim=2048)
    sigma = good["sigma"].copy()
    sigma[0, 1] += 1.0
    np.savez(tmp_path / "asym.npz", mu=good["mu"], sigma=sigma)
    with pytest.raises(ValueError, match="not symmetric"):
        load_reference_stats(str(tmp_path / "asym.npz"))
    np.savez(tmp_path / "shape.npz", mu=good["mu"], sigma=good["sigma"][:8, :8])
    with pytest.raises(ValueError, match=r"must be \[16, 16\]"):
        load_reference_stats(str(tmp_path / "shape.npz"))
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="needs 'mu' and 'sigma'"):
        load_reference_stats(str(tmp_path / "other.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_reference_stats(str(tmp_path / "junk.npz"))
    with pytest.raises(FileNotFoundError, match="mimicry stats"):
        load_reference_stats(str(tmp_path / "missing.npz"))
    with pytest.raises(ValueError, match="dimension 8"):
        fid_from_reference(str(tmp_path / "ok.npz"), np.zeros((10, 8)))


def test_evaluate_with_real_stats_equals_the_dataset(extractor, log_dir, tmp_path, dim16):
    net = TinyGenerator()
    by_dataset = evaluate("fid", net, log_dir, evaluate_step=[10, 20], num_runs=2, **fid_kwargs(tmp_path))
    ds = ImageSet()
    real = real_features(ds, dataset_identity(ds, ds), 40, weights_id="stand-in-hash", batch_size=10,
                         use_cache=False)
    path = str(tmp_path / "ttur.npz")
    np.savez(path, mu=real.numpy().mean(0), sigma=np.cov(real.numpy(), rowvar=False))
    by_file = evaluate("fid", net, log_dir, evaluate_step=[10, 20], num_runs=2, real_stats=path,
                       num_fake_samples=33, batch_size=10, verbose=False)
    for step in (10, 20):
        assert by_file[step] == pytest.approx(by_dataset[step], rel=1e-9)
    recs = json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"]
    with_file = [r for r in recs if "real_stats" in r["protocol"]]
    assert len(with_file) == 2 and len(recs) == 4
    p = with_file[0]["protocol"]
    assert p["real_stats"]["sha256"] == load_reference_stats(path).sha256 and p["real_stats"]["format"] == "ttur"
    assert "dataset" not in p and p["num_real_samples"] is None and p["resize"] == "tf1"

    # KID and precision / recall need the features: a file that keeps them works, a TTUR file is refused
    own = save_reference_stats(str(tmp_path / "own.npz"), real, keep_features=True)
    kid = evaluate("kid", net, log_dir, evaluate_step=10, num_runs=1, real_stats=own, num_samples=40,
                   num_subsets=4, batch_size=10, verbose=False)
    net.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_10_steps.pth"))
    fake, _ = generated_features(net, 40, seed=0, batch_size=10)
    assert kid[10][0] == pytest.approx(kid_from_features(real, fake, num_subsets=4, seed=0)[0], rel=1e-12)
    pr = evaluate("precision_recall", net, log_dir, evaluate_step=10, num_runs=1, real_stats=own, num_samples=40,
                  batch_size=10, verbose=False)
    assert pr[10][0] == precision_recall_from_features(real, fake)._asdict()
    with pytest.raises(ValueError, match="holds only their mean and covariance"):
        evaluate("kid", net, log_dir, evaluate_step=10, real_stats=path, num_samples=40, verbose=False)
    with pytest.raises(ValueError, match="either dataset= .* or real_stats="):
        evaluate("fid", net, log_dir, evaluate_step=10, real_stats=path, **fid_kwargs(tmp_path))
    with pytest.raises(ValueError, match="real_stats= applies to"):
        evaluate("inception_score", net, log_dir, evaluate_step=10, real_stats=path, num_samples=20)


def test_feature_cache_files_are_reference_files(extractor, log_dir, tmp_path, dim16):
    evaluate("fid", TinyGenerator(), log_dir, evaluate_step=10, num_runs=1, **fid_kwargs(tmp_path))
    cache = [os.path.join(tmp_path / "cache", f) for f in os.listdir(tmp_path / "cache")]
    ref = load_reference_stats(cache[0], expected_dim=16)
    assert ref.format == "mimicry-features" and ref.num_samples == 40 and ref.protocol["resize"] == "tf1"
