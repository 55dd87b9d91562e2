"""evaluate() with precision / recall, density / coverage and SWD: values, records, errors."""
import json
import os

import pytest
import torch

from torch_mimicry.metrics import (density_coverage_from_features, evaluate, precision_recall_from_features,
                                   score_generator, swd_from_images)
from torch_mimicry.metrics import swd as swd_lib
from torch_mimicry.metrics.evaluation import generated_features
from torch_mimicry.metrics.real_stats import dataset_identity, real_features

from test_evaluate import ImageSet, TinyGenerator, extractor, log_dir  # noqa: F401 (fixtures)


def kw(tmp_path, **extra):
    base = dict(num_samples=40, dataset=ImageSet(), batch_size=10, cache_dir=str(tmp_path / "cache"), verbose=False)
    base.update(extra)
    return base


def test_precision_recall_and_density_coverage(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    pr = evaluate("precision_recall", net, log_dir, evaluate_step=[10, 20], num_runs=2, **kw(tmp_path))
    dc = evaluate("density_coverage", net, log_dir, evaluate_step=20, num_runs=1, k=4, **kw(tmp_path))
    assert extractor.images == 40 + 5 * 40  # the real features were extracted once (then cached)
    ds = ImageSet()
    real = real_features(ds, dataset_identity(ds, ds), 40, weights_id="stand-in-hash", batch_size=10,
                         use_cache=False)
    net.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_20_steps.pth"))
    fake, _ = generated_features(net, 40, seed=1, batch_size=10)
    assert pr[20][1] == precision_recall_from_features(real, fake, k=3)._asdict()
    fake0, _ = generated_features(net, 40, seed=0, batch_size=10)
    assert dc[20][0] == density_coverage_from_features(real, fake0, k=4)._asdict()

    rec = [r for r in json.load(open(os.path.join(log_dir, "metrics", "precision_recall.json")))["records"]
           if r["step"] == 20][0]
    assert rec["scores"]["1"] == pr[20][1] and set(rec["mean"]) == {"precision", "recall"}
    values = [pr[20][0]["recall"], pr[20][1]["recall"]]
    assert rec["mean"]["recall"] == pytest.approx(sum(values) / 2)
    assert rec["std"]["recall"] == pytest.approx(abs(values[0] - values[1]) / 2)
    p = rec["protocol"]
    assert p["k"] == 3 and p["num_real_samples"] == 40 and p["resize"] == "tf1" and p["ball"] == "closed"
    dc_rec = json.load(open(os.path.join(log_dir, "metrics", "density_coverage.json")))["records"][0]
    assert dc_rec["protocol"]["k"] == 4
    # served from the record
    extractor.images = 0
    assert evaluate("precision_recall", net, log_dir, evaluate_step=[10, 20], num_runs=2, **kw(tmp_path)) == pr
    assert extractor.images == 0
    # the one-seed entry point returns the named tuple
    got = score_generator("precision_recall", net, seed=1, **kw(tmp_path))
    assert got._asdict() == pr[20][1] and got.precision == got[0]


def test_swd_needs_no_network(monkeypatch, log_dir, tmp_path):
    from torch_mimicry.metrics import features as features_mod

    def no_network(*args, **kwargs):
        raise AssertionError("SWD must not call the feature extractor")
    monkeypatch.setattr(features_mod, "extract", no_network)
    monkeypatch.setattr(features_mod, "weights_hash", no_network)
    net = TinyGenerator()
    ds = ImageSet(n=40)
    small = dict(nhoods_per_image=16, dir_repeats=2, dirs_per_repeat=16, min_resolution=4, nhood_size=3)
    out = evaluate("swd", net, log_dir, evaluate_step=10, num_runs=2, num_samples=30, dataset=ds, batch_size=8,
                   verbose=False, **small)
    assert set(out[10][0]) == {"8", "4", "avg"} and out[10][0] != out[10][1]
    rec = json.load(open(os.path.join(log_dir, "metrics", "swd.json")))["records"][0]
    p = rec["protocol"]
    assert p["nhoods_per_image"] == 16 and p["scale"] == 1000 and "weights_hash" not in p and "resize" not in p
    assert rec["mean"]["avg"] == pytest.approx((out[10][0]["avg"] + out[10][1]["avg"]) / 2)
    # the generator against itself (the same images as real set) scores 0
    net.restore_checkpoint(os.path.join(log_dir, "checkpoints", "netG", "netG_10_steps.pth"))
    with torch.no_grad():
        net.eval()
        images = net.generate_images(16)
    assert swd_from_images(images, images, **{k: v for k, v in small.items()})["avg"] == 0.0
    with pytest.raises(ValueError, match="min_resolution=16"):
        evaluate("swd", net, log_dir, evaluate_step=10, num_samples=30, dataset=ds, verbose=False)
    assert swd_lib.SWD_DEFAULTS["nhood_size"] == 7


def test_errors_before_any_work(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    with pytest.raises(ValueError, match="Precision/Recall needs at least 4 samples"):
        evaluate("precision_recall", net, log_dir, evaluate_step=10, **kw(tmp_path, num_samples=3))
    with pytest.raises(ValueError, match="k must be a positive int"):
        evaluate("density_coverage", net, log_dir, evaluate_step=10, k=0, **kw(tmp_path))
    with pytest.raises(TypeError, match="k applies to"):
        evaluate("fid", net, log_dir, evaluate_step=10, k=3, **kw(tmp_path))
    with pytest.raises(TypeError, match="apply to swd only"):
        evaluate("kid", net, log_dir, evaluate_step=10, nhood_size=5, **kw(tmp_path))
    with pytest.raises(ValueError, match="SWD x1e3 needs real images"):
        evaluate("swd", net, log_dir, evaluate_step=10, num_samples=10)
    assert extractor.images == 0 and not os.path.exists(os.path.join(log_dir, "metrics"))
