"""Inception weights: the three file formats, caching, hashing and the no-weights error."""
import functools
import http.server
import json
import os
import shutil
import threading
import time

import pytest
import torch
from inception_fixtures import build_graphdef, fixture_files, shared_home

from torch_mimicry.metrics.inception import graphdef, weights as W
from torch_mimicry.metrics.inception import detect_format, load_inception_weights, weights_hash


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    return fixture_files(tmp_path_factory)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("MIMICRY_HOME", shared_home(tmp_path_factory))
    monkeypatch.delenv("MIMICRY_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.delenv("MIMICRY_OFFLINE", raising=False)
    monkeypatch.setenv("MIMICRY_INCEPTION_URL", "http://127.0.0.1:9/inception-2015-12-05.tgz")  # closed port
    W._MEMO.clear()
    yield
    W._MEMO.clear()


def test_formats_detected_from_content(files, tmp_path):
    assert {k: detect_format(v) for k, v in files.items()} == {"pb": "pb", "tgz": "tgz", "pth": "pth"}
    misnamed = tmp_path / "weights.pth"
    shutil.copy(files["pb"], misnamed)
    assert detect_format(str(misnamed)) == "pb"
    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"hello world")
    with pytest.raises(ValueError, match="neither"):
        detect_format(str(junk))


def test_three_formats_give_identical_weights_and_hash(files):
    loaded = {k: load_inception_weights(p) for k, p in files.items()}
    ref_sd, ref_hash = loaded["pth"]
    assert set(ref_sd) == set(graphdef.canonical_keys())
    for k in ("pb", "tgz"):
        sd, h = loaded[k]
        assert h == ref_hash
        assert set(sd) == set(ref_sd)
        for key in ref_sd:
            assert torch.equal(sd[key], ref_sd[key]), (k, key)
    assert weights_hash(files["tgz"]) == ref_hash == W.state_dict_hash(ref_sd)
    assert len(ref_hash) == 64 and int(ref_hash, 16) >= 0


def test_converter_maps_graph_nodes(files):
    g, arrays = build_graphdef(0)
    sd = graphdef.graphdef_to_state_dict(g)
    w = arrays["mixed_4/tower/conv_1/conv2d_params"]  # HWIO [1, 7, 128, 128]
    assert torch.equal(sd["Mixed_6b.branch7x7_2.conv.weight"], torch.from_numpy(w).permute(3, 2, 0, 1))
    assert torch.equal(sd["Mixed_7c.branch_pool.bn.running_var"],
                       torch.from_numpy(arrays["mixed_10/tower_2/conv/batchnorm/moving_variance"]))
    assert torch.equal(sd["fc.weight"], torch.from_numpy(arrays["softmax/weights"]).t())
    assert len(graphdef.CONV_LAYERS) == 94


def test_scale_after_normalization_false_ignores_gamma():
    g, _ = build_graphdef(1, scale_after_normalization=False)
    sd = graphdef.graphdef_to_state_dict(g)
    assert all(torch.equal(sd[s.key + ".bn.weight"], torch.ones(s.out_ch)) for s in graphdef.CONV_LAYERS)


def test_converter_rejects_other_graphs():
    g, _ = build_graphdef(0)
    for node in g.node:
        if node.name == "mixed_5/tower/conv/conv2d_params":
            node.name = "renamed"
    with pytest.raises(ValueError, match="mixed_5/tower/conv/conv2d_params"):
        graphdef.graphdef_to_state_dict(g)


def test_pth_with_hub_hash_suffix_is_verified(files, tmp_path):
    bad = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    shutil.copy(files["pth"], bad)
    with pytest.raises(ValueError, match="6726825d"):
        load_inception_weights(str(bad))


def test_env_var_selects_file(files, monkeypatch):
    monkeypatch.setenv("MIMICRY_INCEPTION_WEIGHTS", files["pth"])
    assert weights_hash() == weights_hash(files["pb"])
    monkeypatch.setenv("MIMICRY_INCEPTION_WEIGHTS", files["pth"] + ".missing")
    with pytest.raises(FileNotFoundError, match="MIMICRY_INCEPTION_WEIGHTS"):
        weights_hash()


def _assert_clear_error(err):
    msg = str(err)
    for needle in ("weights=", "MIMICRY_INCEPTION_WEIGHTS", ".tgz", ".pb", ".pth", "MIMICRY_HOME", "download"):
        assert needle in msg, needle


def test_no_weights_offline_fails_fast_with_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "empty_home"))
    start = time.monotonic()
    with pytest.raises(FileNotFoundError) as info:
        load_inception_weights()
    assert time.monotonic() - start < 10
    _assert_clear_error(info.value)
    assert "127.0.0.1:9" in str(info.value)
    assert not (tmp_path / "empty_home" / "inception" / "inception-2015-12-05.tgz").exists()
    monkeypatch.setenv("MIMICRY_OFFLINE", "1")
    with pytest.raises(W.WeightsNotFoundError) as info:
        weights_hash()
    _assert_clear_error(info.value)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        weights_hash(str(tmp_path / "nothing.tgz"))


def test_default_cache_converts_once_and_verifies(files, monkeypatch, tmp_path):
    home = tmp_path / "home"
    monkeypatch.setenv("MIMICRY_HOME", str(home))
    cache = home / "inception"
    cache.mkdir(parents=True)
    shutil.copy(files["tgz"], cache / "inception-2015-12-05.tgz")
    expected = weights_hash(files["pth"])
    W._MEMO.clear()
    assert weights_hash() == expected
    record = json.loads((cache / "inception-2015-12-05.pt.json").read_text())
    assert record["weights_sha256"] == expected
    assert record["source_sha256"] == W._file_sha256(str(cache / "inception-2015-12-05.tgz"))

    # Second use: read from the converted cache, no conversion.
    real_convert = W.graphdef_to_state_dict
    calls = []

    def counting(data):
        calls.append(1)
        return real_convert(data)

    monkeypatch.setattr(W, "graphdef_to_state_dict", counting)
    W._MEMO.clear()
    assert weights_hash() == expected and not calls

    # A cached file that no longer matches its recorded hash is converted again.
    sd = torch.load(cache / "inception-2015-12-05.pt", weights_only=True)
    sd["fc.bias"] = sd["fc.bias"] + 1
    torch.save(sd, cache / "inception-2015-12-05.pt")
    W._MEMO.clear()
    assert weights_hash() == expected and len(calls) == 1


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_from_a_local_server(files, monkeypatch, tmp_path):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=os.path.dirname(files["tgz"])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
        monkeypatch.setenv("MIMICRY_INCEPTION_URL", "http://127.0.0.1:%d/inception-2015-12-05.tgz"
                           % server.server_address[1])
        assert weights_hash() == weights_hash(files["pth"])
        assert (tmp_path / "home" / "inception" / "inception-2015-12-05.tgz").is_file()
        assert not (tmp_path / "home" / "inception" / "inception-2015-12-05.tgz.part").exists()
    finally:
        server.shutdown()
        server.server_close()
