"""Research code written for torch-mimicry 0.1.16, run unchanged: training.

Each test is a script in the 0.1.16 style (its imports, its calls, its expectations), on tiny
networks and a few steps.
"""
import os

import pytest
import torch
import torch.nn.functional as F
import torch.optim as optim

import torch_mimicry as mmc
from torch_mimicry.modules import SNLinear
from torch_mimicry.modules.resblocks import DBlock, DBlockOptimized
from torch_mimicry.nets import gan
from torch_mimicry.training import Logger, LRScheduler, MetricLog, Trainer


class ViewDiscriminator(gan.BaseDiscriminator):
    """A discriminator of one's own that flattens its feature map with ``.view`` (a common line)."""

    def __init__(self, ndf=8, loss_type="hinge", **kwargs):
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.block1 = DBlockOptimized(3, self.ndf)
        self.block2 = DBlock(self.ndf, self.ndf, downsample=True)
        self.l3 = SNLinear(self.ndf * 8 * 8, 1)

    def forward(self, x):
        h = F.relu(self.block2(self.block1(x)))
        return self.l3(h.view(h.shape[0], -1))


def _data(n=8):
    data = torch.utils.data.TensorDataset(torch.rand(n, 3, 32, 32) * 2 - 1, torch.zeros(n, dtype=torch.long))
    return torch.utils.data.DataLoader(data, batch_size=4, shuffle=True)


def _setup(netD=None, netG=None):
    netG = netG or mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netD = netD or ViewDiscriminator()
    optD = optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    return netD, netG, optD, optG


def test_own_discriminator_with_view_trains_under_default_settings(tmp_path):
    netD, netG, optD, optG = _setup()
    trainer = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=2,
                      log_dir=str(tmp_path / "default"), n_dis=1, lr_decay="linear", vis_steps=1000)
    trainer.train()
    assert os.path.isfile(tmp_path / "default" / "checkpoints" / "netG" / "netG_2_steps.pth")
    # What the default avoids: in channels-last memory the same .view fails.
    netD, netG, optD, optG = _setup()
    forced = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=2,
                     log_dir=str(tmp_path / "forced"), channels_last=True)
    with pytest.raises(RuntimeError, match="view"):
        forced.train()


def test_block_layers_called_by_own_code_compute_what_they_did():
    """A forward of one's own that runs a DBlock's layers itself (c2, then pooling) gets 0.1.16's
    tensors: c2 is a plain 3x3 convolution when called alone."""
    block = DBlock(4, 6, downsample=True, spectral_norm=False).double().eval()
    x = torch.randn(2, 4, 8, 8, dtype=torch.float64)
    h = block.c2(F.relu(block.c1(F.relu(x))))
    assert h.shape == (2, 6, 8, 8)
    by_hand = F.avg_pool2d(h, 2) + F.avg_pool2d(block.c_sc(x), 2)
    assert torch.allclose(block(x), by_hand, atol=1e-12)
    opt = DBlockOptimized(3, 5, spectral_norm=True).double().eval()
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    assert opt.c2(F.relu(opt.c1(x))).shape == (2, 5, 8, 8)


def test_trainer_attributes_after_construction(tmp_path):
    netD, netG, optD, optG = _setup()
    log_dir = str(tmp_path / "run")
    trainer = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=3, log_dir=log_dir)
    assert os.path.isdir(trainer.log_dir) and trainer.log_dir == log_dir
    assert trainer.netG_ckpt_dir == os.path.join(log_dir, "checkpoints", "netG")
    assert trainer.netD_ckpt_dir == os.path.join(log_dir, "checkpoints", "netD")
    assert isinstance(trainer.scheduler, LRScheduler) and isinstance(trainer.logger, Logger)
    assert trainer.params["n_dis"] == 1 and trainer.num_steps == 3 and trainer.device == torch.device("cpu")
    trainer.train()
    # resuming from given files: their folders are the checkpoint folders
    netD, netG, optD, optG = _setup()
    g_file = os.path.join(log_dir, "checkpoints", "netG", "netG_3_steps.pth")
    d_file = os.path.join(log_dir, "checkpoints", "netD", "netD_3_steps.pth")
    again = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=3, log_dir=log_dir,
                    netG_ckpt_file=g_file, netD_ckpt_file=d_file)
    assert again.netG_ckpt_dir == os.path.dirname(os.path.abspath(g_file))


def test_infinite_intervals_mean_never(tmp_path, capsys):
    netD, netG, optD, optG = _setup(netD=mmc.nets.sngan.SNGANDiscriminator32(ndf=8))
    inf = float("inf")
    trainer = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=3,
                      log_dir=str(tmp_path), print_steps=inf, vis_steps=inf, log_steps=inf, save_steps=inf)
    assert trainer.train() == 3
    out = capsys.readouterr().out
    assert "Global Step" not in out and "Training Ended" in out
    assert os.listdir(tmp_path / "checkpoints" / "netG") == ["netG_3_steps.pth"]  # only the final one
    assert not os.path.isdir(tmp_path / "images")
    with pytest.raises(ValueError, match="save_steps must be a positive integer"):
        Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=3,
                log_dir=str(tmp_path / "bad"), save_steps=0)


def test_save_and_restore_checkpoint_as_in_0_1_16(tmp_path):
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    optG = optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    ckpt_dir = os.path.join(str(tmp_path), "checkpoints", "netG")
    netG.save_checkpoint(directory=ckpt_dir, global_step=5, optimizer=optG)
    ckpt_file = os.path.join(ckpt_dir, "netG_5_steps.pth")  # the file name 0.1.16 gave it
    assert os.path.isfile(ckpt_file)
    restored = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    assert restored.restore_checkpoint(ckpt_file=ckpt_file, optimizer=optG) == 5
    assert all(torch.equal(a, b) for a, b in zip(netG.state_dict().values(), restored.state_dict().values()))
    assert netG.count_params()[0] == sum(p.numel() for p in netG.parameters())


def test_metric_log_logger_and_scheduler_as_in_0_1_16(tmp_path):
    log_data = MetricLog()
    log_data.add_metric("errD", torch.tensor(0.123456), group="loss")
    log_data.add_metric("lr", 0.000123456, group="lr", precision=6)
    assert log_data["errD"] == 0.1235 and log_data["lr"] == 0.000123  # read rounded
    for name, entry in log_data.items():
        assert set(entry) == {"value", "group", "precision"}
    assert log_data.get_group_name("errD") == "loss"
    assert log_data.get_value("errD") == pytest.approx(0.123456)  # the stored value is exact

    logger = Logger(str(tmp_path), 10, 5, torch.device("cpu"), flush_secs=30)
    assert logger.num_epochs == 2 and isinstance(logger.num_epochs, int)
    text = logger.print_log(global_step=1, log_data=log_data, time_taken=0.5)
    assert "errD: 0.1235" in text and "[Global Step: 1/10]" in text
    logger.write_summaries(log_data=log_data, global_step=1)
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    logger.vis_images(netG=netG, global_step=1, num_images=4)
    from PIL import Image
    grid = Image.open(tmp_path / "images" / "fake_samples_step_1.png")
    assert grid.size == (4 * 34 + 2, 34 + 2)  # 4 images of 32 px in one row, 2 px padding
    logger.close_writers()

    p, q = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    optD, optG = optim.Adam([p], 2e-4), optim.Adam([q], 1e-4)
    with pytest.raises(NotImplementedError):
        LRScheduler(lr_decay="exponential", optD=optD, optG=optG, num_steps=10)
    scheduler = LRScheduler(lr_decay="linear", optD=optD, optG=optG, num_steps=10)
    assert scheduler.lr_D == 2e-4 and scheduler.lr_G == 1e-4
    lr = scheduler.linear_decay(optimizer=optD, global_step=5, lr_value_range=(2e-4, 0.0), lr_step_range=(0, 10))
    assert lr == pytest.approx(1e-4) and optD.param_groups[0]["lr"] == pytest.approx(1e-4)
    log_data = scheduler.step(log_data=MetricLog(), global_step=10)
    assert log_data["lr_D"] == 0.0 and log_data.get_group_name("lr_G") == "lr"


def test_training_with_amp(tmp_path):
    """amp=True as in 0.1.16 (float16 with a gradient scaler on CUDA; bfloat16 on this CPU)."""
    netD, netG, optD, optG = _setup(netD=mmc.nets.sngan.SNGANDiscriminator32(ndf=8))
    trainer = Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(), num_steps=2,
                      log_dir=str(tmp_path), amp=True)
    assert trainer.train() == 2


ORIGINAL_RUN = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_run")


def _original_run_setup(lr=2e-4, n_dis=2):
    netG = mmc.nets.sngan.SNGANGenerator32(nz=8, ngf=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    optD = optim.Adam(netD.parameters(), lr, betas=(0.0, 0.9))
    optG = optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    return dict(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=_data(16), n_dis=n_dis, lr_decay="linear")


def test_a_run_started_by_0_1_16_resumes_here(tmp_path, capsys):
    """tests/fixtures/original_run is the log_dir of a 2-step run of 0.1.16's Trainer
    (made by tests/fixtures/make_original_run.py); training continues from its checkpoints."""
    import shutil
    import warnings
    log_dir = str(tmp_path / "run")
    shutil.copytree(ORIGINAL_RUN, log_dir)
    with pytest.raises(ValueError, match="optD.lr"):  # a changed learning rate is refused, as 0.1.16 did
        Trainer(num_steps=4, log_dir=log_dir, **_original_run_setup(lr=1e-3))
    with pytest.raises(ValueError, match="n_dis"):
        Trainer(num_steps=4, log_dir=log_dir, **_original_run_setup(n_dis=1))
    setup = _original_run_setup()
    trainer = Trainer(num_steps=4, log_dir=log_dir, save_steps=2, **setup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no trainer state (RNG, data position) in a 0.1.16 run
        assert trainer.train() == 4
    assert "Resuming from step 2" in capsys.readouterr().out
    assert os.path.isfile(os.path.join(log_dir, "checkpoints", "netG", "netG_4_steps.pth"))
    # the fixed noise of the 0.1.16 run is kept for the image grids
    noise = torch.load(os.path.join(ORIGINAL_RUN, "viz", "fixed_noise_nz_8.pth"), weights_only=True)
    assert torch.equal(trainer.logger.fixed_noise(setup["netG"]), noise)
