"""The torch backend against the original graph run by TensorFlow (in a child process)."""
import sys

import pytest
import torch
from inception_fixtures import fixture_files, shared_home

from torch_mimicry.metrics.inception import inception_features, tensorflow_available

pytestmark = pytest.mark.skipif(not tensorflow_available(),
                                reason="tensorflow is not installed (pip install 'torch-mimicry[tf]')")


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    return fixture_files(tmp_path_factory)


@pytest.fixture(autouse=True)
def _home(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("MIMICRY_HOME", shared_home(tmp_path_factory))
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")


def test_torch_backend_matches_tensorflow_graph(files):
    gen = torch.Generator().manual_seed(1)
    batches = [torch.randint(0, 256, (2, 3, 32, 40), dtype=torch.uint8, generator=gen),  # upsampled
               torch.randint(0, 256, (1, 3, 331, 310), dtype=torch.uint8, generator=gen),  # downsampled
               torch.randint(0, 256, (1, 3, 299, 299), dtype=torch.uint8, generator=gen)]  # as is
    # (TensorBoard's SummaryWriter, used by earlier tests, imports TensorFlow when it is installed)
    tf_before = "tensorflow" in sys.modules
    ref_pool, ref_logits = inception_features(batches, weights=files["tgz"], backend="tf", batch_size=2)
    assert tf_before or "tensorflow" not in sys.modules  # TensorFlow ran in a child process only
    pool, logits = inception_features(batches, weights=files["pb"], backend="torch", device="cpu")
    assert ref_pool.shape == pool.shape == (4, 2048) and ref_logits.shape == logits.shape == (4, 1008)
    for ours, ref in ((pool, ref_pool), (logits, ref_logits)):
        rel = float((ours - ref).abs().max() / ref.abs().max())
        assert rel < 1e-4, rel


def test_tf_backend_needs_the_graph(files):
    with pytest.raises(ValueError, match="original graph"):
        inception_features(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), weights=files["pth"], backend="tf")
