"""The run layout owns every path of a log folder; the Trainer, EMA, the evaluator, the metrics and
the command line write and find files where it says."""
import os

import torch

import torch_mimicry as mmc
from torch_mimicry.utils import run_layout
from torch_mimicry.utils.run_layout import RunLayout, find_run


def _touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").close()


def test_paths_and_steps(tmp_path):
    layout = RunLayout(tmp_path)
    assert layout.checkpoint_path("netG", 7) == os.path.join(str(tmp_path), "checkpoints", "netG", "netG_7_steps.pth")
    assert layout.params_file == os.path.join(str(tmp_path), "params.json")
    assert layout.best_file == os.path.join(str(tmp_path), "checkpoints", "best", "best.json")
    assert layout.metric_records("fid") == os.path.join(str(tmp_path), "metrics", "fid.json")
    assert layout.steps("netG") == [] and layout.latest_step() is None and not layout.is_run()
    for name in ("netD", "netG"):
        for step in (5, 10, 20):
            _touch(layout.checkpoint_path(name, step))
    _touch(os.path.join(layout.checkpoint_dir("netG"), "netD_30_steps.pth"))  # another name's file: not netG's
    _touch(os.path.join(layout.checkpoint_dir("netG"), "notes.txt"))
    assert layout.steps("netG") == [5, 10, 20] and layout.latest_step("netG") == 20
    assert layout.complete_steps() == ([20, 10, 5], False)  # no trainer state: where netD and netG both exist
    _touch(layout.checkpoint_path("trainer", 10))
    _touch(layout.checkpoint_path("trainer", 20))
    _touch(layout.checkpoint_path("netG_ema", 10))
    assert layout.complete_steps() == ([20, 10], True)
    assert layout.complete_steps(["netG_ema"]) == ([10], True)
    layout.remove_step(10, ["netG_ema"])
    assert layout.steps("trainer") == [20] and layout.steps("netG_ema") == [] and layout.steps("netD") == [5, 20]
    assert run_layout.parse_checkpoint_name("netG_ema_12_steps.pth") == ("netG_ema", 12)
    assert run_layout.parse_checkpoint_name("netG_12_steps.pth.tmp") is None


def test_find_run(tmp_path):
    layout = RunLayout(tmp_path / "run")
    ckpt = layout.checkpoint_path("netD", 40)
    _touch(ckpt)
    found, step = find_run(ckpt)
    assert found.root == os.path.abspath(layout.root) and step == 40
    found, step = find_run(layout.metric_records("fid"))
    assert found.root == os.path.abspath(layout.root) and step is None
    assert find_run(tmp_path / "elsewhere" / "file.txt") == (None, None)


def test_training_writes_where_the_layout_says(tmp_path):
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=16, nz=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=16)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=torch.optim.Adam(netD.parameters()),
                                   optG=torch.optim.Adam(netG.parameters()),
                                   dataloader=torch.utils.data.DataLoader(data, batch_size=4), num_steps=2,
                                   log_dir=str(tmp_path), device="cpu", save_steps=1, vis_steps=2, ema_decay=0.9)
    trainer.train()
    layout = RunLayout(tmp_path)
    for name in ("netD", "netG", "trainer", "netG_ema"):
        assert layout.steps(name) == [1, 2], name
    assert os.path.isfile(layout.params_file)
    assert os.listdir(layout.tensorboard_dir) and os.listdir(layout.images_dir)
    assert mmc.metrics.available_steps(str(tmp_path), "netG_ema") == [1, 2]


def test_tracker_and_metric_record_paths(tmp_path):
    layout = RunLayout(tmp_path)
    assert layout.tracker_run_file("wandb") == os.path.join(str(tmp_path), "trackers", "wandb.json")
    assert layout.trackers_dir == os.path.join(str(tmp_path), "trackers")
    assert layout.metric_record_files() == {}
    for name in ("kid", "fid"):
        _touch(layout.metric_records(name))
    _touch(os.path.join(layout.metrics_dir, ".fid.json.tmp"))  # a write in progress: not a records file
    assert layout.metric_record_files() == {"fid": layout.metric_records("fid"), "kid": layout.metric_records("kid")}
