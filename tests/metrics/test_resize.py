"""The resize protocol: 'clean' matches PIL's float bicubic; the choice reaches caches and records."""
import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from torch_mimicry.metrics import evaluate
from torch_mimicry.metrics import features as features_mod
from torch_mimicry.metrics import records
from torch_mimicry.metrics.inception.resize import clean_resize, pil_bicubic_matrix

from test_evaluate import TinyGenerator, extractor, fid_kwargs, log_dir, stand_in_extract  # noqa: F401

#: |clean_resize - PIL| on [0, 255]: both compute in float32 (PIL's 'F' images), in other orders.
PIL_TOLERANCE = 1e-3


def pil_float_bicubic(images, size):
    """clean-fid's resize: each channel as a float32 PIL image, BICUBIC, clipped to [0, 255]."""
    out = [[np.asarray(Image.fromarray(ch.astype(np.float32), mode="F").resize(size[::-1], Image.BICUBIC))
            .clip(0, 255) for ch in img] for img in images]
    return np.asarray(out)


@pytest.mark.parametrize("shape, size", [((32, 32), (299, 299)), ((64, 48), (299, 299)),
                                         ((512, 400), (299, 299)), ((300, 17), (299, 5))])
def test_clean_resize_matches_pil(shape, size):
    rng = np.random.default_rng(sum(shape))
    images = rng.integers(0, 256, (2, 3) + shape, dtype=np.uint8)
    ours = clean_resize(torch.from_numpy(images), size).numpy()
    assert ours.dtype == np.float32 and ours.shape == (2, 3) + size
    assert np.abs(ours - pil_float_bicubic(images, size)).max() < PIL_TOLERANCE
    assert torch.equal(clean_resize(torch.from_numpy(images), shape), torch.from_numpy(images).float())


def test_weights_rows_sum_to_one():
    for n_in, n_out in ((32, 299), (500, 299), (7, 3)):
        np.testing.assert_allclose(pil_bicubic_matrix(n_in, n_out).sum(1), 1.0, rtol=1e-12)


def test_resize_is_recorded_and_keys_the_cache(log_dir, tmp_path, monkeypatch):
    seen = []

    def extract(images, resize="tf1", **kwargs):  # the stand-in sees which protocol it is asked for
        seen.append(resize)
        pool3, logits = stand_in_extract(images, **kwargs)
        return (pool3 + 1.0, logits) if resize == "clean" else (pool3, logits)

    monkeypatch.setattr(features_mod, "extract", extract)
    monkeypatch.setattr(features_mod, "weights_hash", lambda weights=None: "stand-in-hash")
    import warnings
    warnings.filterwarnings("ignore", message="FID from", category=UserWarning)
    net = TinyGenerator()
    tf1 = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, **fid_kwargs(tmp_path))
    clean = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, resize="clean", **fid_kwargs(tmp_path))
    assert set(seen) == {"tf1", "clean"}
    assert tf1[10][0] == pytest.approx(clean[10][0])  # a shift of both feature sets leaves FID unchanged
    assert len(os.listdir(tmp_path / "cache")) == 2   # one real-feature cache file per protocol
    recs = json.load(open(os.path.join(log_dir, "metrics", "fid.json")))["records"]
    assert sorted(r["protocol"]["resize"] for r in recs) == ["clean", "tf1"]
    with pytest.raises(ValueError, match="resize must be one of 'tf1', 'clean'"):
        evaluate("fid", net, log_dir, evaluate_step=10, resize="bilinear", **fid_kwargs(tmp_path))


def test_records_without_resize_are_tf1_records(extractor, log_dir, tmp_path):
    net = TinyGenerator()
    first = evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, **fid_kwargs(tmp_path))
    path = records.records_path(log_dir, "fid")
    data = json.load(open(path))
    for rec in data["records"]:
        del rec["protocol"]["resize"]  # as written before the protocol recorded it
    json.dump(data, open(path, "w"))
    extractor.images = 0
    assert evaluate("fid", net, log_dir, evaluate_step=10, num_runs=1, **fid_kwargs(tmp_path)) == first
    assert extractor.images == 0
    legacy = data["records"][0]["protocol"]
    assert records.find_record(data["records"], 10, dict(legacy, resize="tf1")) is not None
    assert records.find_record(data["records"], 10, dict(legacy, resize="clean")) is None


def test_clean_protocol_through_the_network(tmp_path_factory, monkeypatch):
    """'clean' feeds the network the float image clean_resize made; 'tf1' the uint8 image."""
    from inception_fixtures import fixture_files, shared_home
    from torch_mimicry.metrics.inception import get_inception_model, inception_features, tf1_resize_bilinear
    monkeypatch.setenv("MIMICRY_HOME", shared_home(tmp_path_factory))
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    weights = fixture_files(tmp_path_factory)["pth"]
    images = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8)
    clean, _ = inception_features(images, weights=weights, resize="clean", device="cpu")
    model = get_inception_model(weights, "cpu")
    with torch.no_grad():
        direct, _ = model(clean_resize(images, 299))
    torch.testing.assert_close(clean, direct.double(), rtol=1e-5, atol=1e-6)
    # the two protocols hand the network different pixels
    assert (clean_resize(images, 299) - tf1_resize_bilinear(images.float())).abs().max() > 1.0
