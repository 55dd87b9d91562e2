import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.training import checkpoints as layout

sys.path.insert(0, os.path.dirname(__file__))
from run_training import build  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(__file__), "run_training.py")


def _assert_same_weights(a, b):
    for (key, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), key


def _steps(log_dir):
    return layout.candidate_steps(str(log_dir))[0]


def test_training_run_layout(tmp_path, capsys):
    netG, netD, trainer = build(str(tmp_path), num_steps=4, save_steps=2, vis_steps=2, log_steps=2)
    assert trainer.train() == 4
    out = capsys.readouterr().out
    assert "[Global Step: 4/4]" in out and "errD" in out and "sec/idx" in out and "Training Ended" in out
    assert _steps(tmp_path) == [4, 2]
    for name in ("netD", "netG", "trainer"):
        assert os.path.isfile(tmp_path / "checkpoints" / name / f"{name}_4_steps.pth")
    for png in ("fake_samples_step_2.png", "fixed_fake_samples_step_4.png"):
        assert os.path.isfile(tmp_path / "images" / png)
    params = json.load(open(tmp_path / "params.json"))
    assert params["n_dis"] == 2 and params["batch_size"] == 4 and params["optD"]["lr"] == 2e-4
    assert params["netG"]["class"] == "SNGANGenerator32" and params["netG"]["ngf"] == 8
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(tmp_path / "data"))
    ckpt = torch.load(tmp_path / "checkpoints" / "netG" / "netG_4_steps.pth", weights_only=True)
    assert ckpt["global_step"] == 4 and ckpt["optimizer_state_dict"] is not None


def test_each_generator_step_uses_n_dis_fresh_batches(tmp_path):
    seen = []

    class Recording(mmc.nets.sngan.SNGANDiscriminator32):
        def train_step(self, real_batch, *args, **kwargs):
            seen.append(real_batch[0][0, 0, 0, 0].item())
            return super().train_step(real_batch, *args, **kwargs)

    netG, netD = mmc.nets.sngan.SNGANGenerator32(ngf=8), Recording(ndf=8)
    data = torch.utils.data.TensorDataset(torch.arange(12.0)[:, None, None, None].expand(12, 3, 32, 32) / 12,
                                          torch.zeros(12, dtype=torch.long))
    dl = torch.utils.data.DataLoader(data, batch_size=1, shuffle=False)
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=torch.optim.SGD(netD.parameters(), 0.0),
                                   optG=torch.optim.SGD(netG.parameters(), 0.0), dataloader=dl, num_steps=5,
                                   n_dis=3, log_dir=str(tmp_path), print_steps=100)
    trainer.train()
    assert len(seen) == 15
    assert seen[:12] == pytest.approx([i / 12 for i in range(12)])  # in order, no batch reused
    assert seen[12:] == pytest.approx([0.0, 1 / 12, 2 / 12])       # second epoch


def test_resume_continues_exactly(tmp_path):
    netG_a, netD_a, t = build(str(tmp_path / "a"), num_steps=7, lr_decay=None)
    t.train()
    _, _, t = build(str(tmp_path / "b"), num_steps=3, lr_decay=None)
    t.train()
    netG_b, netD_b, t = build(str(tmp_path / "b"), num_steps=7, lr_decay=None)
    t.train()
    _assert_same_weights(netG_a, netG_b)
    _assert_same_weights(netD_a, netD_b)
    assert t.optG.state_dict()["state"][0]["step"] == 7


class _InterruptAt:
    """A discriminator step hook that sends SIGINT to this process at one global step."""

    def __init__(self, netD, step):
        original = netD.train_step

        sent = []

        def train_step(*args, global_step=None, **kwargs):
            if global_step == step and not sent:
                sent.append(True)
                os.kill(os.getpid(), signal.SIGINT)
            return original(*args, global_step=global_step, **kwargs)

        netD.train_step = train_step


def test_ctrl_c_saves_after_finishing_the_step_and_resume_is_exact(tmp_path, capsys):
    netG_a, _, t = build(str(tmp_path / "a"), num_steps=6, save_steps=100)
    t.train()
    _, netD, t = build(str(tmp_path / "b"), num_steps=6, save_steps=100)
    _InterruptAt(netD, step=2)
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN when run as a background job
    assert t.train() == 3
    out = capsys.readouterr().out
    assert "Saving checkpoints from keyboard interrupt" in out
    assert _steps(tmp_path / "b") == [3]
    assert signal.getsignal(signal.SIGINT) is handler_before  # handlers restored
    netG_b, _, t = build(str(tmp_path / "b"), num_steps=6, save_steps=100)
    t.train()
    _assert_same_weights(netG_a, netG_b)  # linear decay too: same num_steps


def test_ctrl_c_in_a_child_process(tmp_path):
    log_dir = str(tmp_path / "run")
    proc = subprocess.Popen([sys.executable, SCRIPT, log_dir, "1000", "--sleep", "0.2", "--save-steps", "1000"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Global Step: 2/1000" in line:
            proc.send_signal(signal.SIGINT)
            break
    out, _ = proc.communicate(timeout=120)
    out = "".join(lines) + out
    assert proc.returncode == 0, out
    assert "Saving checkpoints from keyboard interrupt" in out
    steps = _steps(log_dir)
    assert len(steps) == 1 and 2 <= steps[0] < 1000


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    straight, _, t = build(str(tmp_path / "straight"), num_steps=8)
    t.train()
    log_dir = str(tmp_path / "killed")
    proc = subprocess.Popen([sys.executable, SCRIPT, log_dir, "8", "--sleep", "0.15",
                             "--threads", str(torch.get_num_threads())],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not _steps(log_dir):
        time.sleep(0.05)
    time.sleep(0.5)  # kill at an arbitrary moment after the first checkpoint
    proc.kill()
    proc.wait()
    steps = _steps(log_dir)
    assert steps and steps[0] < 8, "the run was killed before finishing"
    resumed, _, t = build(log_dir, num_steps=8)
    t.train()
    _assert_same_weights(straight, resumed)


def test_corrupt_latest_checkpoint_falls_back_to_previous(tmp_path, capsys):
    straight, _, t = build(str(tmp_path / "a"), num_steps=6, lr_decay=None)
    t.train()
    log_dir = str(tmp_path / "b")
    build(log_dir, num_steps=4, lr_decay=None)[2].train()
    path = layout.checkpoint_path(log_dir, "netG", 4)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:100])
    resumed, _, t = build(log_dir, num_steps=6, lr_decay=None)
    t.train()
    out = capsys.readouterr().out
    assert "checkpoint of step 4 is unusable" in out and "truncated or corrupt" in out
    assert "Resuming from step 2" in out
    assert len(data) > 100 and os.path.getsize(layout.checkpoint_path(log_dir, "netG", 6)) > 100
    _assert_same_weights(straight, resumed)


def test_changed_hyperparameter_refuses_to_resume(tmp_path):
    log_dir = str(tmp_path)
    build(log_dir, num_steps=2)[2].train()
    with pytest.raises(ValueError, match="'n_dis' was 2 in the saved run and is 1 now"):
        build(log_dir, num_steps=4, n_dis=1)
    with pytest.raises(ValueError, match="'optD.lr' was 0.0002"):
        build(log_dir, num_steps=4, lr=1e-4)
    with pytest.raises(ValueError, match="'lr_decay'"):
        build(log_dir, num_steps=4, lr_decay=None)
    # num_steps and intervals may change
    netG, _, t = build(log_dir, num_steps=3, save_steps=1, print_steps=5, vis_steps=7, log_steps=9)
    assert t.train() == 3
    assert json.load(open(os.path.join(log_dir, "params.json")))["num_steps"] == 3


def test_non_finite_loss_stops_without_checkpoint(tmp_path):
    netG, netD, t = build(str(tmp_path), num_steps=5, save_steps=2)
    original = netD.train_step

    def poisoned(real_batch, *args, global_step=None, **kwargs):
        if global_step == 3:
            real_batch = (real_batch[0] * float("nan"), real_batch[1])
        return original(real_batch, *args, global_step=global_step, **kwargs)

    netD.train_step = poisoned
    with pytest.raises(FloatingPointError, match=r"Non-finite errD.*global step 4.*latest checkpoint.*step 2"):
        t.train()
    assert _steps(tmp_path) == [2]


def test_keep_last(tmp_path):
    build(str(tmp_path), num_steps=8, save_steps=2, keep_last=2)[2].train()
    assert _steps(tmp_path) == [8, 6]
    assert sorted(os.listdir(tmp_path / "checkpoints" / "netG")) == ["netG_6_steps.pth", "netG_8_steps.pth"]


def test_resume_from_explicit_files(tmp_path):
    log_dir = str(tmp_path)
    build(log_dir, num_steps=4, save_steps=2)[2].train()
    g2 = layout.checkpoint_path(log_dir, "netG", 2)
    d2 = layout.checkpoint_path(log_dir, "netD", 2)
    d4 = layout.checkpoint_path(log_dir, "netD", 4)
    with pytest.raises(ValueError, match="generator checkpoint is at step 2 and the discriminator.*step 4"):
        build(log_dir, num_steps=4, netG_ckpt_file=g2, netD_ckpt_file=d4)[2].train()
    _, _, t = build(log_dir, num_steps=3, netG_ckpt_file=g2, netD_ckpt_file=d2)
    assert t.train() == 3
    with pytest.raises(FileNotFoundError, match="netG_ckpt_file"):
        build(log_dir, num_steps=3, netG_ckpt_file=str(tmp_path / "missing.pth"), netD_ckpt_file=d2)


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_dis=0), "n_dis must be a positive integer"),
    (dict(num_steps=-1), "num_steps must be a positive integer"),
    (dict(lr_decay="cosine"), "Unknown lr_decay 'cosine'"),
    (dict(save_steps=0), "save_steps must be a positive integer"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(4, 3, 32, 32), torch.zeros(4)),
                                     batch_size=2)
    args = dict(netD=netD, netG=netG, optD=torch.optim.SGD(netD.parameters(), 0.1),
                optG=torch.optim.SGD(netG.parameters(), 0.1), dataloader=dl, num_steps=2, log_dir=str(tmp_path))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        mmc.training.Trainer(**args)


def test_bad_models_and_empty_data(tmp_path):
    netG = mmc.nets.sngan.SNGANGenerator32(ngf=8)
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=8)
    opt = torch.optim.SGD(netD.parameters(), 0.1)
    dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(1, 3, 32, 32)), batch_size=2,
                                     drop_last=True)
    with pytest.raises(TypeError, match="netD must be a torch_mimicry network"):
        mmc.training.Trainer(torch.nn.Linear(2, 2), netG, opt, opt, dl, num_steps=1, log_dir=str(tmp_path))
    with pytest.raises(ValueError, match="yields no batches"):
        mmc.training.Trainer(netD, netG, opt, opt, dl, num_steps=1, log_dir=str(tmp_path))


def test_frozen_network_is_restored_after_steps(tmp_path):
    netG, netD, t = build(str(tmp_path), num_steps=1)
    netG.l1.bias.requires_grad_(False)  # a user's own frozen parameter stays frozen
    t.train()
    assert all(p.requires_grad for n, p in netG.named_parameters() if n != "l1.bias")
    assert not netG.l1.bias.requires_grad
    assert all(p.requires_grad for p in netD.parameters())


def test_channels_last_on_cpu_by_default_with_the_same_arithmetic(tmp_path):
    netG_cl, netD_cl, t = build(str(tmp_path / "cl"), num_steps=3, plain=True)
    assert t.channels_last
    assert netD_cl.block1.c1.weight_orig.is_contiguous(memory_format=torch.channels_last)
    seen = []
    original_step = netD_cl.train_step
    netD_cl.train_step = lambda batch, *a, **k: (seen.append(batch[0].is_contiguous(
        memory_format=torch.channels_last)), original_step(batch, *a, **k))[1]
    t.train()
    assert seen and all(seen)
    assert json.load(open(tmp_path / "cl" / "params.json"))["channels_last"] is True

    netG, netD, t = build(str(tmp_path / "nchw"), num_steps=3, channels_last=False, plain=True)
    assert not t.channels_last and netD.block1.c1.weight_orig.is_contiguous()
    t.train()
    # Same fp32 math in another summation order: the networks compute the same functions. (Not
    # compared weight by weight: Adam turns the rounding noise of gradients that are zero in exact
    # arithmetic, such as those of biases followed by batch norm, into steps of size lr.)
    z, x = torch.randn(4, netG.nz), torch.rand(4, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        for a, b in ((netG_cl(z), netG(z)), (netD_cl(x), netD(x))):
            assert (a - b).abs().max() <= 1e-3 * b.abs().max()
    # a run may resume in the other format, and its checkpoints load into either
    _, _, t = build(str(tmp_path / "nchw"), num_steps=4, channels_last=True, plain=True)
    assert t.train() == 4


def test_channels_last_default_leaves_networks_with_their_own_code_alone(tmp_path):
    # SlowDiscriminator overrides train_step: code of the user's, which may reshape with .view
    _, netD, t = build(str(tmp_path / "own"), num_steps=1)
    assert not t.channels_last and netD.block1.c1.weight_orig.is_contiguous()
    _, netD, t = build(str(tmp_path / "forced"), num_steps=1, channels_last=True)
    assert t.channels_last and netD.block1.c1.weight_orig.is_contiguous(memory_format=torch.channels_last)

