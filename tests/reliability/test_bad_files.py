"""Every file the library reads is named when it is bad: checkpoints, trainer state, params.json,
dataset files of every supported format, Inception weights. The error comes before any long work
and the bad file (and every other) is left in place."""
import io
import os
import pickle
import shutil
import sys
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

import torch_mimicry as mmc
from torch_mimicry.datasets import load_dataset
from torch_mimicry.metrics.inception import weights as weights_mod
from torch_mimicry.nets.basemodel import CheckpointError
from torch_mimicry.training import checkpoints as layout
from torch_mimicry.utils import CorruptFileError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "datasets"))
from faults import assert_intact, snapshot, tiny_run  # noqa: E402
from test_load_dataset import make_celeba, make_cifar10, make_idx, make_stl10, save_image  # noqa: E402


def _truncate(path, keep=0.5):
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:int(len(data) * keep)])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("run")
    tiny_run(log_dir, num_steps=4, save_steps=2)[0].train()
    return log_dir


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------------------------------
# Checkpoints


def test_truncated_checkpoint_is_named(run_dir, tmp_path):
    log_dir = _copy(run_dir, tmp_path / "run")
    path = layout.checkpoint_path(str(log_dir), "netG", 4)
    _truncate(path)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    with pytest.raises(CheckpointError, match=rf"Checkpoint {path!r} cannot be read .*truncated or corrupt"):
        netG.restore_checkpoint(path)


def test_every_checkpoint_unusable_gives_each_reason(run_dir, tmp_path):
    log_dir = _copy(run_dir, tmp_path / "run")
    for step in (2, 4):
        _truncate(layout.checkpoint_path(str(log_dir), "netD", step))
    before = snapshot(log_dir)
    trainer, d_steps, _ = tiny_run(log_dir, num_steps=6)
    with pytest.raises(CheckpointError, match=r"No usable checkpoint .*step 4: Checkpoint .*netD_4_steps.pth.* "
                                              r"cannot be read.*step 2: .*netD_2_steps.pth"):
        trainer.train()
    assert d_steps.calls == 0
    assert_intact(before, log_dir, loadable=False)


def test_corrupt_trainer_state_is_named_and_the_previous_step_used(run_dir, tmp_path, capsys):
    log_dir = _copy(run_dir, tmp_path / "run")
    path = layout.checkpoint_path(str(log_dir), "trainer", 4)
    with open(path, "wb") as f:
        f.write(b"not a checkpoint")
    trainer, _, _ = tiny_run(log_dir, num_steps=5)
    assert trainer.train() == 5
    out = capsys.readouterr().out
    assert f"Trainer state {path!r} cannot be read" in out and "Resuming from step 2" in out


@pytest.mark.parametrize("case, match", [
    ("optimizer of another network", r"optimizer state in .*netD_4_steps.pth' does not fit the given Adam "
                                     r"\(ValueError: .*doesn't match the size"),
    ("parameters in another order", r"does not fit the parameters of the given Adam: its 'exp_avg' of parameter 0 "
                                    r"in group 0 has shape"),
    ("another optimizer class", r"was saved by another kind of optimizer \(its hyperparameters \['betas'\], the "
                                r"given SGD's \['momentum'\]\)"),
])
def test_optimizer_state_that_does_not_fit(run_dir, case, match):
    path = layout.checkpoint_path(str(run_dir), "netD", 4)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    params = list(netD.parameters())
    if case == "optimizer of another network":
        opt = torch.optim.Adam(mmc.nets.sngan.SNGANGenerator32(ngf=8).parameters())
    elif case == "parameters in another order":
        opt = torch.optim.Adam(params[::-1])
    else:
        opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    before_state = opt.state_dict()
    with pytest.raises(CheckpointError, match=match):
        netD.restore_checkpoint(path, opt)
    assert opt.state_dict()["state"] == before_state["state"]  # left as it was
    assert opt.state_dict()["param_groups"] == before_state["param_groups"]


def test_corrupt_params_json_is_named(run_dir, tmp_path):
    log_dir = _copy(run_dir, tmp_path / "run")
    (log_dir / "params.json").write_text('{"num_steps": 4, ')
    before = snapshot(log_dir)
    with pytest.raises(ValueError, match=r"params.json is not valid JSON .*restore it or use a new log_dir"):
        tiny_run(log_dir, num_steps=6)
    assert_intact(before, log_dir, loadable=False)


# ---------------------------------------------------------------------------------------
# Dataset files


def _cifar(tmp_path):
    make_cifar10(tmp_path, n=4)
    return os.path.join(tmp_path, "cifar-10-batches-py", "data_batch_3")


def _mnist(tmp_path):
    make_idx(tmp_path, "MNIST", "train", np.zeros((3, 28, 28)), np.array([1, 2, 3]))
    return os.path.join(tmp_path, "MNIST", "raw", "train-images-idx3-ubyte")


def _stl(tmp_path):
    make_stl10(tmp_path, n=2)
    return os.path.join(tmp_path, "stl10_binary", "unlabeled_X.bin")


DATASET_FILES = {
    "cifar10": (_cifar, dict(download=False, check_integrity=False), r"UnpicklingError"),
    "mnist": (_mnist, dict(download=False), r"bytes where its header \(3 x 28 x 28\) announces 2368"),
    "stl10_48": (_stl, dict(download=False, check_integrity=False), r"not a whole number of 96x96 RGB images"),
}


@pytest.mark.parametrize("name", sorted(DATASET_FILES))
def test_truncated_dataset_file_is_named(tmp_path, name):
    make, kwargs, reason = DATASET_FILES[name]
    path = make(tmp_path)
    _truncate(path, keep=0.4)
    before = snapshot(tmp_path)
    with pytest.raises(CorruptFileError, match=rf"Dataset '{name}': '{path}' is truncated or corrupt \(.*{reason}.*"
                                               r"Delete it and get the dataset again") as info:
        load_dataset(tmp_path, name, **kwargs)
    assert info.value.path == path and isinstance(info.value, RuntimeError)
    assert_intact(before, tmp_path, loadable=False)


def test_corrupt_celeba_list_is_reported(tmp_path):
    make_celeba(tmp_path)
    (tmp_path / "celeba" / "list_attr_celeba.txt").write_text("4\nnot the attribute table\n")
    with pytest.raises(CorruptFileError, match=r"Dataset 'celeba_64': the files under .*celeba' hold no images.*"
                                               r"list_attr_celeba.txt"):
        load_dataset(tmp_path, "celeba_64", download=False, check_integrity=False)


def test_corrupt_celeba_image_is_named_when_read(tmp_path):
    make_celeba(tmp_path)
    bad = tmp_path / "celeba" / "img_align_celeba" / "000002.jpg"
    bad.write_bytes(b"\xff\xd8 not a jpeg")
    ds = load_dataset(tmp_path, "celeba_64", download=False, check_integrity=False)
    with pytest.raises(CorruptFileError, match=rf"image '{bad}' cannot be read"):
        ds[1]


def test_corrupt_lsun_database_is_named(tmp_path):
    pytest.importorskip("lmdb")
    folder = tmp_path / "bedroom_train_lmdb"
    folder.mkdir()
    (folder / "data.mdb").write_bytes(b"\x00" * 5000)
    with pytest.raises(CorruptFileError, match=r"LMDB database '.*bedroom_train_lmdb/data.mdb' cannot be opened .*"
                                               r"unzip the archive again"):
        load_dataset(tmp_path, "lsun_bedroom_128")


def test_corrupt_lsun_image_is_named(tmp_path):
    lmdb = pytest.importorskip("lmdb")
    env = lmdb.open(str(tmp_path / "bedroom_train_lmdb"), map_size=1 << 22)
    with env.begin(write=True) as txn:
        buf = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buf, format="PNG")
        txn.put(b"good", buf.getvalue())
        txn.put(b"half", buf.getvalue()[:20])
    env.close()
    ds = load_dataset(tmp_path, "lsun_bedroom_128")
    with pytest.raises(CorruptFileError, match=r"image under key b'half' of the LMDB database .* cannot be decoded"):
        ds[ds.keys.index(b"half")]


def test_image_folder_of_mixed_sizes_names_two_files(tmp_path):
    save_image(tmp_path / "a" / "x.png", (255, 0, 0), (32, 32))
    save_image(tmp_path / "a" / "y.png", (0, 255, 0), (64, 48))
    with pytest.raises(ValueError, match=r"Dataset 'image_folder': Images of different sizes cannot be batched: "
                                         r"'.*x.png' is 32x32 and '.*y.png' is 64x48 .*Pass image_size=N"):
        load_dataset(tmp_path / "a", "image_folder")
    assert load_dataset(tmp_path / "a", "image_folder", image_size=32)[1][0].shape == (3, 32, 32)


@pytest.mark.parametrize("layout_kind", ["flat", "class folders"])
def test_unreadable_image_is_named_before_training(tmp_path, layout_kind):
    folder = tmp_path / "imgs" / ("cats" if layout_kind == "class folders" else "")
    save_image(folder / "a.png", (255, 0, 0), (16, 16))
    (folder / "b.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(CorruptFileError, match=r"image file '.*b.png' cannot be read .*Replace or delete it"):
        load_dataset(tmp_path / "imgs", "image_folder", image_size=16)
    ds = load_dataset(tmp_path / "imgs", "image_folder", image_size=16, check_files=False)
    with pytest.raises(CorruptFileError, match=r"b.png' cannot be read"):  # named when read, too
        ds[1]


# ---------------------------------------------------------------------------------------
# Inception weights


@pytest.fixture(scope="module")
def weight_files(tmp_path_factory):
    """Small files in the three formats (a truncated or renamed file is refused before its
    content is looked at, so the weights need not be the network's)."""
    folder = tmp_path_factory.mktemp("weights")
    graph = b"\n" + bytes(range(256)) * 40  # a GraphDef's first field, then garbage
    paths = {"pb": str(folder / "classify_image_graph_def.pb"), "tgz": str(folder / "inception-2015-12-05.tgz"),
             "pth": str(folder / "pt_inception-stand-in.pth")}
    with open(paths["pb"], "wb") as f:
        f.write(graph)
    with tarfile.open(paths["tgz"], "w:gz") as tar:
        info = tarfile.TarInfo("classify_image_graph_def.pb")
        info.size = len(graph)
        tar.addfile(info, io.BytesIO(graph))
    torch.save({"Conv2d_1a_3x3.conv.weight": torch.randn(32, 3, 3, 3)}, paths["pth"])
    return paths


@pytest.mark.parametrize("kind, match", [
    ("pth", r"cannot be read \(RuntimeError: PytorchStreamReader"),
    ("tgz", r"cannot be read \(EOFError"),
    ("pb", r"cannot be read \(ValueError: "),
])
def test_truncated_inception_weights_are_named(weight_files, tmp_path, monkeypatch, kind, match):
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path / "home"))
    path = str(tmp_path / os.path.basename(weight_files[kind]))
    shutil.copy(weight_files[kind], path)
    _truncate(path)
    before = snapshot(tmp_path)
    with pytest.raises(CorruptFileError, match=rf"Inception weights {path!r} {match}.*Delete it and provide"):
        weights_mod.load_inception_weights(path)
    assert_intact(before, tmp_path, loadable=False)


def test_inception_weights_of_unknown_format_or_wrong_hash(weight_files, tmp_path):
    junk = tmp_path / "weights.pth"
    junk.write_bytes(b"<html>404 not found</html>")
    with pytest.raises(CorruptFileError, match=r"neither a .tgz archive, a GraphDef .pb nor a PyTorch .pth file "
                                               r"\(first bytes b'<html>4"):
        weights_mod.load_inception_weights(str(junk))
    renamed = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    shutil.copy(weight_files["pth"], renamed)
    with pytest.raises(ValueError, match=r"SHA-256 [0-9a-f]+\.\.\. does not start with 6726825d"):
        weights_mod.load_inception_weights(str(renamed))


def test_truncated_cached_archive_says_it_will_be_downloaded_again(weight_files, tmp_path, monkeypatch):
    monkeypatch.setenv("MIMICRY_HOME", str(tmp_path))
    monkeypatch.delenv("MIMICRY_INCEPTION_WEIGHTS", raising=False)
    cached = os.path.join(weights_mod.cache_dir(), weights_mod.TGZ_NAME)
    os.makedirs(os.path.dirname(cached))
    shutil.copy(weight_files["tgz"], cached)
    _truncate(cached)
    with pytest.raises(CorruptFileError, match=r"Delete it: the next call downloads it again"):
        weights_mod.load_inception_weights(None)


def test_pickled_dataset_batch_of_another_kind(tmp_path):
    path = _cifar(tmp_path)
    with open(path, "wb") as f:
        pickle.dump([1, 2, 3], f)
    with pytest.raises(CorruptFileError, match=r"data_batch_3' is truncated or corrupt \(it holds a list"):
        load_dataset(tmp_path, "cifar10", download=False, check_integrity=False)
