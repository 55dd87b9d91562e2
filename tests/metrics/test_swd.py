"""Sliced Wasserstein distance: the pyramid against scipy's mirrored convolution, known values."""
import numpy as np
import pytest
import scipy.ndimage
import torch

from torch_mimicry.datasets import load_dataset
from torch_mimicry.metrics import swd_from_images
from torch_mimicry.metrics import swd


def scipy_pyramid(images, num_levels):
    """Laplacian pyramid written with scipy: 5x5 binomial kernel, mirrored borders, as cv2.pyrDown/pyrUp."""
    k = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).astype(np.float32)[None, None] / 256.0

    def down(x):
        return scipy.ndimage.convolve(x, k, mode="mirror")[:, :, ::2, ::2]

    def up(x):
        z = np.zeros(x.shape[:2] + (2 * x.shape[2], 2 * x.shape[3]), dtype=x.dtype)
        z[:, :, ::2, ::2] = x
        return scipy.ndimage.convolve(z, 4 * k, mode="mirror")

    levels = [images.astype(np.float32)]
    for _ in range(1, num_levels):
        levels.append(down(levels[-1]))
        levels[-2] = levels[-2] - up(levels[-1])
    return levels


def test_laplacian_pyramid_matches_scipy():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 3, 64, 64), dtype=np.uint8)
    ours = swd.laplacian_pyramid(torch.from_numpy(images), 3)
    for a, b in zip(ours, scipy_pyramid(images, 3)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.numpy(), b, atol=1e-3)
    # the levels add back up to the image
    rebuilt = ours[-1]
    for level in reversed(ours[:-1]):
        rebuilt = level + swd._up(rebuilt)
    np.testing.assert_allclose(rebuilt.numpy(), images, atol=1e-3)


def test_resolutions_and_descriptors():
    assert swd.pyramid_resolutions(128) == [128, 64, 32, 16]
    assert swd.pyramid_resolutions(32) == [32, 16] and swd.pyramid_resolutions(48) == [48, 24]
    images = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    levels = swd.swd_descriptors(images, nhoods_per_image=5, generator=torch.Generator().manual_seed(0))
    assert [tuple(l.shape) for l in levels] == [(10, 3, 7, 7), (10, 3, 7, 7)]
    with pytest.raises(ValueError, match="at least min_resolution=16"):
        swd.pyramid_resolutions(8)
    with pytest.raises(ValueError, match="square"):
        swd.swd_descriptors(torch.zeros(1, 3, 32, 16, dtype=torch.uint8))


def test_one_dimensional_case_is_the_wasserstein_distance():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((500, 1)), rng.standard_normal((500, 1)) * 2 + 1
    expected = np.abs(np.sort(a[:, 0]) - np.sort(b[:, 0])).mean()
    got = swd.sliced_wasserstein(torch.from_numpy(a), torch.from_numpy(b), dir_repeats=2, dirs_per_repeat=3)
    assert got == pytest.approx(expected, rel=1e-12)


def test_zero_for_identical_sets_and_growing_with_a_shift():
    ds = load_dataset(None, "synthetic", size=48, image_size=32)
    real = torch.stack([ds[i][0] for i in range(len(ds))])
    kw = dict(nhoods_per_image=32, dir_repeats=2, dirs_per_repeat=32, seed=3)
    same = swd_from_images(real, real.clone(), **kw)
    assert set(same) == {"32", "16", "avg"} and all(v == 0.0 for v in same.values())
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(real.shape, generator=g)
    values = [swd_from_images(real, (real + s * noise).clamp(-1, 1), **kw)["avg"] for s in (0.02, 0.1, 0.3)]
    assert 0 < values[0] < values[1] < values[2]
    # a different seed moves the estimate, not the ordering
    other = swd_from_images(real, (real + 0.3 * noise).clamp(-1, 1), **dict(kw, seed=4))["avg"]
    assert other != values[2] and other > values[1]


def test_errors():
    a = torch.zeros(4, 3, 32, 32, dtype=torch.uint8)
    with pytest.raises(ValueError, match="equal count"):
        swd_from_images(a, a[:3])
    with pytest.raises(ValueError, match="uint8"):
        swd_from_images(a.int(), a.int())
