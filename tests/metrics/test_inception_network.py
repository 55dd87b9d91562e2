"""The torch backend: TF1 resize, input mapping and checks, format independence."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from inception_fixtures import fixture_files, shared_home

from torch_mimicry.metrics.inception import features as feat_mod
from torch_mimicry.metrics.inception import (InceptionV3TF, images_to_uint8, inception_features,
                                             load_inception_weights, tf1_resize_bilinear, tf1_resize_matrix)


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    return fixture_files(tmp_path_factory)


@pytest.fixture(autouse=True)
def _home(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("MIMICRY_HOME", shared_home(tmp_path_factory))
    monkeypatch.delenv("MIMICRY_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")


def test_tf1_resize_matches_hand_computation():
    # 1 x 4 -> 1 x 6: scale = 4/6, source x = 0, 2/3, 4/3, 2, 8/3, 10/3 (no half-pixel offset),
    # the last one clamps to the last pixel.
    row = torch.tensor([[[[0.0, 10.0, 20.0, 40.0]]]], dtype=torch.float64)
    out = tf1_resize_bilinear(row, (1, 6))
    expected = [0.0, 10 * 2 / 3, 10 + 10 / 3, 20.0, 20 + 20 * 2 / 3, 40.0]
    np.testing.assert_allclose(out.flatten().numpy(), expected, rtol=1e-6)
    # 2 x 2 -> 3 x 3: source rows/cols 0, 2/3, 4/3 (clamped to 1).
    img = torch.tensor([[[[0.0, 30.0], [90.0, 120.0]]]], dtype=torch.float64)
    out = tf1_resize_bilinear(img, (3, 3))[0, 0].numpy()
    top = [0.0, 20.0, 30.0]
    mid = [60.0, 80.0, 90.0]  # 2/3 of the way to the bottom row
    np.testing.assert_allclose(out, [top, mid, [90.0, 110.0, 120.0]], rtol=1e-6)
    # Differs from PyTorch's half-pixel bilinear interpolation.
    assert not torch.allclose(tf1_resize_bilinear(img, (3, 3)), F.interpolate(img, (3, 3), mode="bilinear"))
    m = tf1_resize_matrix(32, 299)
    assert m.shape == (299, 32) and torch.allclose(m.sum(1), torch.ones(299, dtype=torch.float64))
    assert torch.equal(tf1_resize_bilinear(torch.ones(1, 3, 299, 299)), torch.ones(1, 3, 299, 299))


def test_uint8_mapping_rule():
    x = torch.tensor([-1.0, -0.5, 0.0, 0.2, 0.999, 1.0, 1.00005, -1.00005]).view(1, 1, 8, 1).expand(1, 3, 8, 1)
    got = images_to_uint8(x)[0, 0, :, 0].tolist()
    assert got == [0, 64, 128, 153, 255, 255, 255, 0]
    narrow = torch.linspace(-0.5, 0.5, 12).view(1, 3, 2, 2)  # no min-max stretching
    u = images_to_uint8(narrow)
    assert u.dtype == torch.uint8 and int(u.min()) == 64 and int(u.max()) == 191
    raw = torch.randint(0, 256, (2, 3, 4, 4), dtype=torch.uint8)
    assert torch.equal(images_to_uint8(raw), raw)
    assert torch.equal(images_to_uint8(raw.numpy()), raw)
    assert torch.equal(images_to_uint8(raw.double() / 127.5 - 1), raw)


@pytest.mark.parametrize("bad, match", [
    (torch.rand(2, 3, 8, 8) * 255, r"\[-1, 1\]"),
    (torch.full((1, 3, 4, 4), float("nan")), r"\[-1, 1\]"),
    (torch.zeros(2, 8, 8, 3), r"\[N, 3, H, W\]"),
    (torch.zeros(3, 8, 8), r"\[N, 3, H, W\]"),
    (torch.zeros(2, 3, 8, 8, dtype=torch.int64), "uint8"),
    ("images.png", "tensor"),
])
def test_bad_images_raise_before_any_work(bad, match, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("work started before the input check")

    monkeypatch.setattr(feat_mod, "get_inception_model", no_work)
    with pytest.raises(ValueError, match=match):
        inception_features(bad, weights="/no/such/file.pth")
    good = torch.zeros(1, 3, 8, 8, dtype=torch.uint8)
    if not isinstance(bad, str):
        with pytest.raises(ValueError, match=match):
            inception_features([good, bad], weights="/no/such/file.pth")


def test_bad_arguments():
    x = torch.zeros(1, 3, 8, 8, dtype=torch.uint8)
    for kwargs, match in (({"backend": "jax"}, "backend"), ({"batch_size": 0}, "batch_size"),
                          ({"dtype": torch.float16}, "dtype")):
        with pytest.raises(ValueError, match=match):
            inception_features(x, **kwargs)


def test_outputs_identical_for_pb_tgz_pth(files):
    images = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8)
    outs = {}
    with torch.inference_mode():
        for k, path in files.items():
            sd, _ = load_inception_weights(path)
            outs[k] = InceptionV3TF(sd).eval()(images)
    for k in ("pb", "tgz"):
        assert torch.equal(outs[k][0], outs["pth"][0]) and torch.equal(outs[k][1], outs["pth"][1])
    pool3, logits = outs["pth"]
    assert pool3.shape == (1, 2048) and logits.shape == (1, 1008)
    assert float(pool3.abs().max()) > 0 and torch.isfinite(logits).all()


def test_public_api_batches_dtypes_and_flags(files):
    sd, _ = load_inception_weights(files["pth"])
    images = torch.randint(0, 256, (3, 3, 20, 12), dtype=torch.uint8)
    tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    pool3, logits = inception_features(images, weights=files["pth"], batch_size=2, device="cpu")
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == tf32
    assert pool3.dtype == logits.dtype == torch.float64 and pool3.shape == (3, 2048) and logits.shape == (3, 1008)
    # Unbiased logits: pool3 @ W.
    torch.testing.assert_close(logits, pool3 @ sd["fc.weight"].double().t(), rtol=1e-4, atol=1e-4)
    # An iterable of batches (here a generator) gives the same features.
    p2, l2 = inception_features((images[i:i + 1] for i in range(3)), weights=files["pth"], device="cpu")
    torch.testing.assert_close(p2, pool3, rtol=1e-5, atol=1e-5 * float(pool3.abs().max()))
    # Float images in [-1, 1] go through the uint8 rule.
    p3, _ = inception_features(images.float() / 127.5 - 1, weights=files["pth"], device="cpu")
    torch.testing.assert_close(p3, pool3, rtol=1e-5, atol=1e-5 * float(pool3.abs().max()))
    # float64 network agrees with float32.
    p64, l64 = inception_features(images[:1], weights=files["pth"], device="cpu", dtype=torch.float64)
    assert float((p64 - pool3[:1]).abs().max()) < 1e-4 * float(p64.abs().max())
    assert float((l64 - logits[:1]).abs().max()) < 1e-4 * float(l64.abs().max())


def test_rebatch_keeps_order_and_groups_sizes():
    batches = [torch.full((n, 3, 2, 2), i, dtype=torch.uint8) for i, n in enumerate((1, 2, 3))]
    batches.append(torch.full((2, 3, 5, 5), 9, dtype=torch.uint8))
    chunks = list(feat_mod._rebatch(iter(batches), 4))
    assert [tuple(c.shape) for c in chunks] == [(4, 3, 2, 2), (2, 3, 2, 2), (2, 3, 5, 5)]
    assert torch.cat([c[:, 0, 0, 0] for c in chunks]).tolist() == [0, 1, 1, 2, 2, 2, 9, 9]
