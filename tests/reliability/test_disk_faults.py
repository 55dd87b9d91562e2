"""Faults of the machine while files are written (full disk, read-only folder) or while training
runs (non-finite loss): the library's own error, naming what was written, the errno and the last
complete checkpoint; no torn or temporary file; the run resumes."""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest
import torch

from torch_mimicry.metrics import records
from torch_mimicry.metrics.real_stats import _save_cached
from torch_mimicry.training import checkpoints as layout
from torch_mimicry.utils import SaveError
from torch_mimicry.utils.io import atomic_json_dump, atomic_torch_save, atomic_write

sys.path.insert(0, os.path.dirname(__file__))
from faults import Disk, assert_intact, snapshot, tiny_run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

WRITERS = {
    "torch": lambda path: atomic_torch_save({"w": torch.arange(4000.0)}, path, what="test tensors"),
    "json": lambda path: atomic_json_dump({"values": list(range(2000))}, path, what="test record"),
    "bytes": lambda path: atomic_write(path, lambda f: f.write(b"x" * 20000), what="test bytes"),
}


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_full_disk_leaves_the_previous_file(tmp_path, monkeypatch, kind):
    path = str(tmp_path / f"state.{dict(torch='pth', json='json', bytes='bin')[kind]}")
    WRITERS[kind](path)
    before = snapshot(tmp_path)
    Disk(monkeypatch, free=1000).install()  # room for part of the file only: a torn write
    with pytest.raises(SaveError) as info:
        WRITERS[kind](path)
    e = info.value
    assert isinstance(e, OSError) and e.errno == errno.ENOSPC and e.path == path
    assert "Could not write the test " in str(e) and repr(path) in str(e) and "(ENOSPC)" in str(e)
    assert "free space" in str(e)
    monkeypatch.undo()
    assert_intact(before, tmp_path)
    new = str(tmp_path / "new.pth")
    Disk(monkeypatch, free=10).install()
    with pytest.raises(SaveError):
        WRITERS[kind](new)
    assert not os.path.exists(new)  # a file is complete or absent
    monkeypatch.undo()
    assert_intact(before, tmp_path)


def test_read_only_folder(tmp_path, monkeypatch):
    path = str(tmp_path / "params.json")
    atomic_json_dump({"a": 1}, path)
    before = snapshot(tmp_path)
    Disk(monkeypatch, free=10 ** 9).install().read_only(tmp_path)
    with pytest.raises(SaveError, match=r"Could not write the test record to .*permission denied \(EACCES\).*writable"):
        WRITERS["json"](path)
    monkeypatch.undo()
    assert_intact(before, tmp_path)


def test_other_failures_are_not_disguised(tmp_path):
    with pytest.raises(TypeError):  # not serialisable: the caller's bug, not the disk's
        atomic_json_dump({"a": object()}, str(tmp_path / "x.json"))
    with pytest.raises(ZeroDivisionError):
        atomic_write(str(tmp_path / "y.bin"), lambda f: 1 / 0)
    assert os.listdir(tmp_path) == []


def test_real_kernel_errors_in_a_child_process():
    """EFBIG from a file size limit (a write stopped part-way by the kernel) and EACCES from a
    read-only folder for an unprivileged user."""
    folder = tempfile.mkdtemp(prefix="mimicry_disk_")
    try:
        os.chmod(folder, 0o755)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd()] + sys.path))
        proc = subprocess.run([sys.executable, os.path.join(HERE, "disk_child.py"), folder], capture_output=True,
                              text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    limit = result["file_size_limit"]
    assert limit["type"] == "SaveError" and limit["errno"] == "EFBIG" and limit["is_oserror"]
    assert "generator checkpoint of step 4" in limit["message"] and "ulimit" in limit["message"]
    assert limit["left"] == []  # no torn netG_4_steps.pth, no temporary file
    locked = result["read_only"]
    assert locked["type"] == "SaveError" and locked["errno"] == "EACCES"
    assert "hyperparameters" in locked["message"] and "params.json" in locked["message"]
    assert locked["left"] == ["params.json"] and locked["content"] == {"num_steps": 2}


# ---------------------------------------------------------------------------------------
# During training


class _FillDiskAt:
    """Before the generator step ``step`` (1-based) runs, leaves room for ``room`` more bytes and
    takes a snapshot of the log_dir."""

    def __init__(self, netG, disk, log_dir, step, room):
        self.before = None
        original = netG.train_step

        def train_step(*args, global_step=None, **kwargs):
            if global_step == step - 1 and self.before is None:
                self.before = snapshot(log_dir)
                disk.free = room
            return original(*args, global_step=global_step, **kwargs)

        netG.train_step = train_step


def test_full_disk_during_a_checkpoint_keeps_the_last_one_and_resumes(tmp_path, monkeypatch):
    straight, _, _ = tiny_run(tmp_path / "straight", num_steps=6)
    straight.train()
    log_dir = tmp_path / "run"
    trainer, _, _ = tiny_run(log_dir, num_steps=6)
    d_size = os.path.getsize(layout.checkpoint_path(str(tmp_path / "straight"), "netD", 2))
    disk = Disk(monkeypatch, free=10 ** 9).install()
    fill = _FillDiskAt(trainer.netG, disk, str(log_dir), step=3, room=d_size + 2000)  # netD_4 fits, netG_4 torn
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(SaveError) as info:
        trainer.train()
    e = info.value
    assert e.errno == errno.ENOSPC and e.path == layout.checkpoint_path(str(log_dir), "netG", 4)
    msg = str(e)
    assert "SNGANGenerator32 checkpoint of step 4" in msg and "(ENOSPC)" in msg
    assert f"last complete checkpoint, step 2 in {str(log_dir)!r}" in msg and "train() resumes" in msg
    assert e.last_checkpoint == (str(log_dir), 2)
    assert signal.getsignal(signal.SIGINT) is handler  # the Trainer's handlers are gone
    monkeypatch.undo()  # space freed
    assert layout.candidate_steps(str(log_dir))[0] == [2]
    assert not os.path.exists(layout.checkpoint_path(str(log_dir), "netD", 4))  # no incomplete step
    assert_intact(fill.before, log_dir)
    resumed, _, _ = tiny_run(log_dir, num_steps=6)
    assert resumed.train() == 6
    for (key, a), b in zip(straight.netG.state_dict().items(), resumed.netG.state_dict().values()):
        assert torch.equal(a, b), key


def test_read_only_log_dir_is_refused_before_training(tmp_path, monkeypatch):
    log_dir = tmp_path / "run"
    tiny_run(log_dir, num_steps=2)[0].train()
    before = snapshot(log_dir)
    trainer, d_steps, _ = tiny_run(log_dir, num_steps=4)
    Disk(monkeypatch, free=10 ** 9).install().read_only(log_dir)
    with pytest.raises(SaveError) as info:
        trainer.train()
    assert info.value.errno == errno.EACCES and "params.json" in str(info.value)
    assert f"step 2 in {str(log_dir)!r}" in str(info.value)
    assert d_steps.calls == 0
    monkeypatch.undo()
    assert_intact(before, log_dir)


def test_full_disk_for_an_image_grid(tmp_path, monkeypatch):
    trainer, _, _ = tiny_run(tmp_path, num_steps=3, vis_steps=3, save_steps=1)
    disk = Disk(monkeypatch, free=10 ** 9).install()
    fill = _FillDiskAt(trainer.netG, disk, str(tmp_path), step=3, room=40000)  # the fixed noise fits, a grid not
    with pytest.raises(SaveError, match=r"image grid fake_samples_step_3.png .*\(ENOSPC\).*step 2"):
        trainer.train()
    monkeypatch.undo()
    assert_intact(fill.before, tmp_path)


def test_non_finite_loss_names_the_step_and_the_kept_checkpoint(tmp_path):
    trainer, _, _ = tiny_run(tmp_path, num_steps=5, save_steps=2)
    original = trainer.netD.train_step

    def poisoned(real_batch, *args, global_step=None, **kwargs):
        if global_step == 3:
            real_batch = (real_batch[0] * float("inf"), real_batch[1])
        return original(real_batch, *args, global_step=global_step, **kwargs)

    trainer.netD.train_step = poisoned
    with pytest.raises(FloatingPointError, match=r"global step 4.*latest checkpoint in .*: step 2"):
        trainer.train()
    assert layout.candidate_steps(str(tmp_path))[0] == [2]
    assert tiny_run(tmp_path, num_steps=5)[0].train() == 5  # resumes from step 2


# ---------------------------------------------------------------------------------------
# Metric records and caches


def test_metric_records_on_full_disk(tmp_path, monkeypatch):
    path = records.records_path(str(tmp_path), "fid")
    records.save_record(path, records.make_record("fid", 2, {"metric": "fid"}, {0: 30.0}))
    before = snapshot(tmp_path)
    Disk(monkeypatch, free=50).install()
    with pytest.raises(SaveError, match=r"metric records fid.json .*\(ENOSPC\)"):
        records.save_record(path, records.make_record("fid", 4, {"metric": "fid"}, {0: 20.0}))
    monkeypatch.undo()
    assert_intact(before, tmp_path)
    assert [r["step"] for r in records.load_records(path)] == [2]


def test_feature_cache_on_full_disk(tmp_path, monkeypatch):
    Disk(monkeypatch, free=100).install()
    with pytest.raises(SaveError, match=r"cache of real-image features .*\(ENOSPC\)"):
        _save_cached(str(tmp_path / "real.npz"), {"k": 1}, torch.zeros(50, 16, dtype=torch.float64))
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []
