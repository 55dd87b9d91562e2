"""The restricted reader of NVlabs network pickles: stand-ins in the real format load as inert
records with the original key names, and pickles that would run code are refused (the marker file
their payload would write stays absent)."""
import collections
import io
import os
import pickle
import warnings

import numpy as np
import pytest
import torch

from nvlabs_standins import MARKER_NAME, EasyDict, module, module_src, nvlabs_names, tiny_network, write_snapshot
from torch_mimicry.nets.nvlabs_pickle import (NetworkPickleError, PickledObject, UnsafePickleError,
                                              load_network_pickle, loads_network_pickle)


def _snapshot(tmp_path):
    src = module_src(tmp_path)
    G, G_ema = tiny_network(src, seed=0), tiny_network(src, seed=1)
    entries = {"G": G, "D": module("Discriminator", src, params={"w": torch.ones(3)}), "G_ema": G_ema,
               "augment_pipe": None,
               "training_set_kwargs": {"class_name": "training.dataset.ImageFolderDataset", "path": "cifar10.zip",
                                       "use_labels": False, "resolution": 32}}
    return write_snapshot(tmp_path / "network-snapshot-000000.pkl", entries), G, G_ema


def test_snapshot_reads_as_records_with_the_original_keys(tmp_path):
    path, G, G_ema = _snapshot(tmp_path)
    data = load_network_pickle(path)
    assert set(data) == {"G", "D", "G_ema", "augment_pipe", "training_set_kwargs"}
    assert data["augment_pipe"] is None and data["training_set_kwargs"]["resolution"] == 32
    rec = data["G_ema"]
    assert isinstance(rec, PickledObject) and rec.class_name == "Generator" and rec.module is None
    assert rec.version == 6 and "stand-in for training/networks.py" in rec.module_src
    kwargs = rec.init_kwargs
    assert kwargs["img_resolution"] == 4 and kwargs["mapping_kwargs"] == {"num_layers": 1}
    assert type(kwargs["synthesis_kwargs"]) is dict  # EasyDict read back as a plain dict
    theirs = G_ema.state_dict()
    ours = rec.state_dict()
    assert list(ours) == list(theirs) == ["const", "mapping.w_avg", "mapping.fc0.weight", "mapping.fc0.bias"]
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)
    assert not torch.equal(ours["const"], data["G"].state_dict()["const"])  # G and G_ema kept apart
    assert rec.num_params() == sum(p.numel() for p in G_ema.parameters()) == 8 + 12 + 4
    assert "scratch" in dict(rec.named_buffers()) and "scratch" not in dict(rec.named_buffers(persistent_only=True))
    fc0 = rec.submodule("mapping.fc0")
    assert fc0.class_name == "FullyConnectedLayer" and fc0.init_kwargs["lr_multiplier"] == 0.01
    assert fc0.attributes["weight_gain"] == pytest.approx(0.01 / np.sqrt(3))
    assert np.array_equal(rec.attributes["filter"], np.arange(4, dtype=np.float32))
    assert rec.submodule("mbstd").attributes["group_size"] == 4 and not rec.submodule("mbstd").state_dict()
    assert [name for name, _ in rec.named_modules()] == ["", "mapping", "mapping.fc0", "mbstd"]
    with pytest.raises(KeyError, match="no submodule 'synthesis'.*mapping, mbstd"):
        rec.submodule("synthesis")
    assert not (tmp_path / MARKER_NAME).exists()


def test_plain_torch_modules_become_placeholder_records():
    """R3GAN's inner layers are plain classes: pickled as 'new instance, then set its state'."""
    linear = torch.nn.Linear(3, 2)
    with nvlabs_names():
        data = loads_network_pickle(pickle.dumps({"G": linear}, protocol=4))
    rec = data["G"]
    assert rec.class_name == "torch.nn.modules.linear.Linear" and rec.module == "torch.nn.modules.linear"
    assert rec.attributes["in_features"] == 3
    assert all(torch.equal(rec.state_dict()[k], v) for k, v in linear.state_dict().items())


class _Reduce:
    """An object that pickles as a call of ``fn(*args)``."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _evil_storage_bytes(marker):
    buf = io.BytesIO()
    torch.save(_Reduce(os.system, f"touch {marker}"), buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


def _malicious(marker):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TypedStorage: what torch itself pickles under a tensor
        storage = torch.ones(2).storage()
    return {
        "os.system": (pickle.dumps({"G": _Reduce(os.system, f"touch {marker}")}), r"global posix\.system"),
        "builtins.eval": (pickle.dumps(_Reduce(eval, f"open({str(marker)!r}, 'w')")), r"global builtins\.eval"),
        "subprocess": (b"csubprocess\nPopen\n(S'touch'\ntR.", r"global subprocess\.Popen"),
        "torch.load": (pickle.dumps(_Reduce(torch.load, "x.pt")), r"global torch\.serialization\.load"),
        "call of a code-base class": (b"ctraining.networks\nGenerator\n(tR.", r"calls training\.networks\.Generator"),
        "getattr inside a persistent state": (None, r"global builtins\.getattr"),
        "storage bytes that run code": (pickle.dumps(_Reduce(torch.storage._load_from_bytes,
                                                             _evil_storage_bytes(marker))), r"weights_only=True"),
        "numpy object dtype": (pickle.dumps(np.dtype(object)), r"not numeric"),
        "tensor with backward hooks": (pickle.dumps(_Reduce(torch._utils._rebuild_tensor_v2, storage, 0, (2,), (1,),
                                                            False, collections.OrderedDict({0: "hook"}))),
                                       r"backward hooks"),
        "persistent id": (b"\x80\x04P0\n.", r"persistent ids"),
    }


@pytest.mark.parametrize("case", list(_malicious("m")))
def test_pickles_that_would_run_code_are_refused(case, tmp_path):
    marker = tmp_path / MARKER_NAME
    payload, message = _malicious(marker)[case]
    if payload is None:  # the call hidden in a network's attributes
        net = module("Generator", module_src(tmp_path), attrs={"hook": _Reduce(getattr, "x", "upper")})
        path = write_snapshot(tmp_path / "evil.pkl", {"G": net})
    else:
        path = tmp_path / "evil.pkl"
        path.write_bytes(payload)
    with pytest.raises(UnsafePickleError, match=message) as info:
        load_network_pickle(path)
    assert "evil.pkl" in str(info.value) and "refused" in str(info.value)
    assert isinstance(info.value, pickle.UnpicklingError)
    assert not marker.exists()


def test_files_that_are_not_snapshots(tmp_path):
    with pytest.raises(FileNotFoundError, match="No network pickle"):
        load_network_pickle(tmp_path / "missing.pkl")
    path, _, _ = _snapshot(tmp_path)
    truncated = tmp_path / "truncated.pkl"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(NetworkPickleError, match="truncated, corrupt, or not a pickle"):
        load_network_pickle(truncated)
    with pytest.raises(NetworkPickleError, match="holds list, not a network snapshot"):
        loads_network_pickle(pickle.dumps([1, 2]))
    with open(path, "rb") as f:  # an open binary file works too
        assert load_network_pickle(f)["G"].class_name == "Generator"
    with nvlabs_names():
        data = loads_network_pickle(pickle.dumps({"kwargs": EasyDict(a=EasyDict(b=1))}))
    assert data["kwargs"] == {"a": {"b": 1}} and type(data["kwargs"]["a"]) is dict
