"""evaluate() end to end on tiny generator checkpoints, with a stand-in feature extractor."""
import importlib.util
import json
import os
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn

from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics import (evaluate, fid_from_features, fid_score, inception_score,
                                   inception_score_from_logits, kid_from_features, kid_score)
from torch_mimicry.metrics.evaluation import available_steps, generated_features
from torch_mimicry.metrics.real_stats import real_features, dataset_identity

RES = 8
NZ = 6


def stand_in_extract(images, weights=None, backend="torch", batch_size=50, device=None):
    """Deterministic per image: a fixed random projection of the pixels (16-d 'pool3', 10-d logits)."""
    batches = [images] if isinstance(images, torch.Tensor) else list(images)
    x = torch.cat([b if b.dtype == torch.uint8 else features_mod.to_uint8(b) for b in batches])
    flat = x.reshape(x.shape[0], -1).double() / 127.5 - 1.0
    g = torch.Generator().manual_seed(flat.shape[1])
    proj = torch.randn(flat.shape[1], 26, generator=g, dtype=torch.float64) / flat.shape[1] ** 0.5
    out = flat @ proj
    return torch.relu(out[:, :16]), out[:, 16:] * 4.0


class Counter:
    def __init__(self):
        self.images = 0

    def __call__(self, images, **kwargs):
        batches = [images] if isinstance(images, torch.Tensor) else list(images)
        self.images += sum(b.shape[0] for b in batches)
        return stand_in_extract(batches, **kwargs)


@pytest.fixture
def extractor(monkeypatch, tmp_path):
    counter = Counter()
    monkeypatch.setattr(features_mod, "extract", counter)
    monkeypatch.setattr(features_mod, "weights_hash", lambda weights=None: "stand-in-hash")
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)
    return counter


def _generator_base():
    try:
        from torch_mimicry.nets.gan import BaseGenerator
        return BaseGenerator
    except ImportError:  # pragma: no cover
        return None


class TinyGenerator(_generator_base() or nn.Module):
    """nz -> 3 x 8 x 8 images in [-1, 1] through one linear layer and dropout (train/eval differ)."""

    def __init__(self):
        if _generator_base() is not None:
            super().__init__(nz=NZ, ngf=4, bottom_width=RES, loss_type="hinge")
        else:  # pragma: no cover
            super().__init__()
            self.nz = NZ
        self.fc = nn.Linear(NZ, 3 * RES * RES)
        self.drop = nn.Dropout(0.5)

    def forward(self, z):
        return torch.tanh(self.drop(self.fc(z))).view(-1, 3, RES, RES)

    if _generator_base() is None:  # pragma: no cover
        def generate_images(self, num_images, device=None):
            return self.forward(torch.randn(num_images, self.nz, device=device))

        def restore_checkpoint(self, ckpt_file, optimizer=None):
            ckpt = torch.load(ckpt_file, weights_only=True)
            self.load_state_dict(ckpt["model_state_dict"])
            return ckpt["global_step"]


class ImageSet(torch.utils.data.Dataset):
    def __init__(self, n=120, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.rand(n, 3, RES, RES, generator=g) * 1.6 - 0.9

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.x[i], 0


@pytest.fixture
def log_dir(tmp_path):
    d = tmp_path / "log"
    ckpt_dir = d / "checkpoints" / "netG"
    ckpt_dir.mkdir(parents=True)
    for step in (10, 20, 30):
        torch.manual_seed(step)
        net = TinyGenerator()
        torch.save({"model_state_dict": net.state_dict(), "optimizer_state_dict": None, "global_step": step},
                   ckpt_dir / f"netG_{step}_steps.pth")
    (ckpt_dir / "notes.txt").write_text("not a checkpoint")
    return str(d)


def fid_kwargs(tmp_path, **kw):
    base = dict(num_real_samples=40, num_fake_samples=33, dataset=ImageSet(), batch_size=10,
                cache_dir=str(tmp_path / "cache"), verbose=False)
    base.update(kw)
    return base


def test_fid_end_to_end_and_record(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    net.train()
    out = evaluate("fid", net, log_dir, evaluate_range=(10, 20, 10), num_runs=2, start_seed=5,
                   **fid_kwargs(tmp_path))
    assert list(out) == [10, 20] and all(len(v) == 2 for v in out.values())
    assert net.training  # mode restored

    # the same numbers by hand: real subset, generated images, formula
    ds = ImageSet()
    net.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_20_steps.pth"))
    ident = dataset_identity(ds, ds)
    real = real_features(ds, ident, 40, weights_id="stand-in-hash", batch_size=10, use_cache=False)
    fake, _ = generated_features(net, 33, seed=6, batch_size=10)
    assert fake.shape == (33, 16)  # partial last batch kept
    assert out[20][1] == pytest.approx(fid_from_features(real, fake), rel=1e-12)

    path = os.path.join(log_dir, "metrics", "fid.json")
    data = json.load(open(path))
    assert len(data["records"]) == 2
    rec = [r for r in data["records"] if r["step"] == 20][0]
    assert rec["metric"] == "fid" and rec["seeds"] == [5, 6]
    assert rec["scores"] == {"5": out[20][0], "6": out[20][1]}
    assert rec["mean"] == pytest.approx(np.mean(out[20])) and rec["std"] == pytest.approx(np.std(out[20]))
    p = rec["protocol"]
    assert p["num_real_samples"] == 40 and p["num_fake_samples"] == 33 and p["batch_size"] == 10
    assert p["weights_hash"] == "stand-in-hash" and p["backend"] == "torch"
    assert p["dataset"]["name"].startswith("custom:ImageSet:120:") and p["dataset"]["split"] == "default"
    assert p["dataset"]["resolution"] == RES
    import torch_mimicry
    assert rec["library_version"] == torch_mimicry.__version__ and rec["torch_version"] == torch.__version__
    assert not [f for f in os.listdir(os.path.dirname(path)) if f.endswith(".tmp")]


def test_served_from_record_overwrite_and_new_seeds(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    first = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=2, **fid_kwargs(tmp_path))
    assert extractor.images == 40 + 2 * 33
    again = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=2, **fid_kwargs(tmp_path))
    assert again == first and extractor.images == 40 + 2 * 33  # nothing computed
    more = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=3, **fid_kwargs(tmp_path))
    assert more[10][:2] == first[10] and extractor.images == 40 + 3 * 33  # only seed 2 computed (real cached)
    rec = json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"]
    assert len(rec) == 1 and rec[0]["seeds"] == [0, 1, 2]
    redo = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=2, overwrite=True, **fid_kwargs(tmp_path))
    assert redo == first and extractor.images == 40 + 5 * 33
    # another protocol: a second record, not served from the first
    evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, **fid_kwargs(tmp_path, num_fake_samples=30))
    assert len(json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"]) == 2
    # num_samples sets both FID counts
    both = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, write_to_json=False,
                    **fid_kwargs(tmp_path, num_real_samples=None, num_fake_samples=None, num_samples=33))
    assert extractor.images == 40 + 5 * 33 + 30 + 33 + 33
    extractor.images -= 2 * 33
    assert both[10][0] != first[10][0]
    # write_to_json=False neither reads nor writes
    evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, write_to_json=False, **fid_kwargs(tmp_path))
    assert extractor.images == 40 + 5 * 33 + 30 + 33


def test_real_features_cached_on_disk(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, **fid_kwargs(tmp_path))
    files = os.listdir(tmp_path / "cache")
    assert len(files) == 1 and files[0].startswith("real_custom-ImageSet") and files[0].endswith(".npz")
    extractor.images = 0
    # KID with the same real images reuses the cached features
    evaluate("kid", net, log_dir, evaluate_step=10, num_runs=1, num_samples=40, num_subsets=4,
             dataset=ImageSet(), batch_size=10, cache_dir=str(tmp_path / "cache"), verbose=False)
    assert extractor.images == 40
    # another real seed is another cache entry
    evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, real_seed=1, **fid_kwargs(tmp_path))
    assert len(os.listdir(tmp_path / "cache")) == 2


def test_kid_and_inception_score(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    kid = evaluate("kid", net, log_dir, evaluate_step=[20, 30], num_runs=2, num_samples=40, num_subsets=4,
                   dataset=ImageSet(), batch_size=10, cache_dir=str(tmp_path / "cache"), verbose=False)
    net.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_30_steps.pth"))
    ds = ImageSet()
    real = real_features(ds, dataset_identity(ds, ds), 40, weights_id="stand-in-hash", batch_size=10,
                         use_cache=False)
    fake, _ = generated_features(net, 40, seed=1, batch_size=10)
    assert kid[30][1] == pytest.approx(kid_from_features(real, fake, num_subsets=4, seed=1)[0], rel=1e-12)
    rec = json.load(open(os.path.join(log_dir, "metrics", "kid.json")))["records"][0]
    assert rec["protocol"]["num_subsets"] == 4 and rec["protocol"]["subset_size"] == 10

    iscore = evaluate("inception_score", net, log_dir, num_runs=1, num_samples=25, splits=5, batch_size=10,
                      verbose=False)
    assert list(iscore) == [10, 20, 30]  # every checkpoint when no step is given
    _, logits = generated_features(net, 25, seed=0, batch_size=10)
    assert iscore[30][0] == pytest.approx(inception_score_from_logits(logits, splits=5)[0], rel=1e-12)
    assert json.load(open(os.path.join(log_dir, "metrics", "inception_score.json")))["records"][0][
        "protocol"]["splits"] == 5


def test_compat_functions_match_evaluate(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    fid = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, start_seed=3, **fid_kwargs(tmp_path))
    kw = fid_kwargs(tmp_path)
    assert fid_score(kw.pop("num_real_samples"), kw.pop("num_fake_samples"), net, kw.pop("dataset"), seed=3,
                     **kw) == pytest.approx(fid[10][0], rel=1e-12)
    kid = evaluate("kid", net, log_dir, evaluate_step=10, num_runs=1, num_samples=40, num_subsets=4,
                   dataset=ImageSet(), batch_size=10, verbose=False, cache_dir=str(tmp_path / "c"))
    mean, std = kid_score(40, net, ImageSet(), seed=0, num_subsets=4, batch_size=10, verbose=False,
                          cache_dir=str(tmp_path / "c"))
    assert mean == pytest.approx(kid[10][0], rel=1e-12) and std >= 0
    iscore = evaluate("inception_score", net, log_dir, evaluate_step=10, num_runs=1, num_samples=20, splits=2,
                      batch_size=10, verbose=False)
    assert inception_score(20, net, splits=2, batch_size=10, verbose=False)[0] == pytest.approx(iscore[10][0])
    assert inception_score(net, 20, splits=2, batch_size=10, verbose=False)[0] == pytest.approx(iscore[10][0])


def test_generation_is_seeded_per_batch_and_leaves_rng_alone(extractor):
    net = TinyGenerator()
    state = torch.get_rng_state()
    a, _ = generated_features(net, 23, seed=1, batch_size=5)
    assert torch.equal(torch.get_rng_state(), state)
    b, _ = generated_features(net, 23, seed=1, batch_size=5)
    c, _ = generated_features(net, 23, seed=2, batch_size=5)
    assert torch.equal(a, b) and not torch.equal(a, c) and a.shape == (23, 16)
    assert torch.equal(a[:20], generated_features(net, 20, seed=1, batch_size=5)[0])


def test_named_dataset(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    out = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, num_real_samples=30, num_fake_samples=20,
                   dataset="synthetic", dataset_kwargs={"size": 50, "image_size": RES}, batch_size=10,
                   cache_dir=str(tmp_path / "cache"), verbose=False)
    assert np.isfinite(out[10][0])
    rec = json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"][0]
    assert rec["protocol"]["dataset"]["name"].startswith("synthetic")


def test_errors_before_any_work(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    with pytest.raises(ValueError, match="Unknown metric 'fidd'"):
        evaluate("fidd", net, log_dir, evaluate_step=10)
    with pytest.raises(FileNotFoundError, match=r"\[5, 15, 25\].*available steps: \[10, 20, 30\]"):
        evaluate("fid", net, log_dir, evaluate_range=(5, 30, 5), **fid_kwargs(tmp_path))
    with pytest.raises(FileNotFoundError, match="No generator checkpoints"):
        evaluate("inception_score", net, str(tmp_path / "empty"), num_samples=20)
    with pytest.raises(ValueError, match="only one of"):
        evaluate("inception_score", net, log_dir, evaluate_step=10, evaluate_range=(10, 20, 10), num_samples=20)
    with pytest.raises(ValueError, match="evaluate_range"):
        evaluate("inception_score", net, log_dir, evaluate_range=(10, 20), num_samples=20)
    with pytest.raises(ValueError, match="num_fake_samples must be given"):
        evaluate("fid", net, log_dir, evaluate_step=10, num_real_samples=10, dataset=ImageSet())
    with pytest.raises(ValueError, match="needs real images"):
        evaluate("kid", net, log_dir, evaluate_step=10, num_samples=40)
    with pytest.raises(ValueError, match="do not fit"):
        evaluate("kid", net, log_dir, evaluate_step=10, num_samples=15, dataset=ImageSet())
    with pytest.raises(ValueError, match="num_samples >= splits"):
        evaluate("inception_score", net, log_dir, evaluate_step=10, num_samples=5, splits=10)
    with pytest.raises(ValueError, match="only 120 images"):
        evaluate("fid", net, log_dir, evaluate_step=10, **fid_kwargs(tmp_path, num_real_samples=500))
    with pytest.raises(ValueError, match="at least 2 samples"):
        evaluate("fid", net, log_dir, evaluate_step=10, **fid_kwargs(tmp_path, num_fake_samples=1))
    with pytest.raises(TypeError, match="num_sample"):
        evaluate("inception_score", net, log_dir, evaluate_step=10, num_sample=20)
    assert extractor.images == 0
    assert not os.path.exists(os.path.join(log_dir, "metrics"))
    assert available_steps(log_dir) == [10, 20, 30]


def _inception_available():
    return importlib.util.find_spec("torch_mimicry.metrics.inception") is not None


@pytest.mark.skipif(not _inception_available(), reason="torch_mimicry.metrics.inception is not available")
def test_inception_network_integration(log_dir, tmp_path, monkeypatch):
    """Runs the real network when test weights can be made; skipped otherwise."""
    inception = importlib.import_module("torch_mimicry.metrics.inception")
    maker = getattr(inception, "make_test_weights", None)
    weights = os.environ.get("MIMICRY_INCEPTION_WEIGHTS")
    if maker is not None:
        weights = maker(str(tmp_path / "inception_test.pth"))
    if weights is None:
        pytest.skip("no Inception weights available offline")
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    out = evaluate("inception_score", TinyGenerator(), log_dir, evaluate_step=10, num_runs=1, num_samples=10,
                   splits=2, batch_size=5, weights=weights, verbose=False)
    assert 1.0 <= out[10][0] <= 1008.0

