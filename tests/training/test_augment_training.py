"""Trainer(augment=..., lecam=...): recorded in params.json, logged, checkpointed and resumed exactly,
with the library's families, a conditional family and the tutorial's SSGAN."""
import json
import os
import sys

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.augment import ADA, DiffAugment, ProgressiveAugmentation
from torch_mimicry.training import LeCam

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
from run_training import build  # noqa: E402
import ssgan_tutorial  # noqa: E402


def _same(a, b):
    for (key, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), key


def constant_criterion(trainer):
    """A criterion that never improves: PA-GAN levels up at every third check."""
    return 1.0


OPTIONS = {
    "diffaugment": lambda: {"augment": "diffaugment"},
    "ada": lambda: {"augment": ADA(p=0.2, interval=2, speed_kimg=0.05)},
    "pagan": lambda: {"augment": ProgressiveAugmentation(criterion=constant_criterion, check_interval=1)},
    "lecam": lambda: {"lecam": LeCam(weight=0.3, ema_start=2)},
    "diffaugment+lecam": lambda: {"augment": DiffAugment("translation,cutout"), "lecam": 0.3},
}


@pytest.mark.parametrize("option", OPTIONS)
def test_every_option_resumes_exactly(option, tmp_path):
    # a constant learning rate: a linear decay would depend on num_steps
    straight_G, straight_D, trainer = build(str(tmp_path / "a"), num_steps=4, lr_decay=None, **OPTIONS[option]())
    trainer.train()
    build(str(tmp_path / "b"), num_steps=2, lr_decay=None, **OPTIONS[option]())[2].train()
    resumed_G, resumed_D, resumed = build(str(tmp_path / "b"), num_steps=4, lr_decay=None, **OPTIONS[option]())
    resumed.train()
    _same(straight_G, resumed_G)
    _same(straight_D, resumed_D)
    for name in ("augment", "lecam"):
        a, b = getattr(trainer, name if name == "lecam" else "augmentation"), \
            getattr(resumed, name if name == "lecam" else "augmentation")
        assert (a is None) == (b is None)
        if a is not None:
            assert repr(a.state_dict()) == repr(b.state_dict())
    params = json.load(open(tmp_path / "b" / "params.json"))
    if "augment" in OPTIONS[option]():
        assert params["augment"]["name"] == trainer.augmentation.augmentation.name
    if "lecam" in OPTIONS[option]():
        assert params["lecam"]["weight"] == 0.3 and params["lecam"]["decay"] == 0.99


def test_options_are_part_of_the_run(tmp_path):
    build(str(tmp_path), num_steps=2, augment="diffaugment")[2].train()
    with pytest.raises(ValueError, match="'augment.policy' was 'color,translation,cutout'"):
        build(str(tmp_path), num_steps=3, augment=DiffAugment("cutout"))
    with pytest.raises(ValueError, match="augment"):
        build(str(tmp_path), num_steps=3)  # switched off on resume
    with pytest.raises(ValueError, match="Unknown augmentation 'flip'"):
        build(str(tmp_path / "x"), num_steps=1, augment="flip")
    with pytest.raises(ValueError, match="lecam must be"):
        build(str(tmp_path / "y"), num_steps=1, lecam="yes")


def test_ada_p_adapts_and_is_logged(tmp_path, capsys):
    ada = ADA(p=0.0, interval=1, speed_kimg=0.004)  # 4 real images move p by 1
    netG, netD, trainer = build(str(tmp_path), num_steps=2, augment=ada, n_dis=1, lr_decay=None)
    # a simulated discriminator that overfits: positive on every real image, so r_t = 1 > 0.6
    weight = next(netD.parameters())
    netD.forward = lambda x: torch.full((x.shape[0], 1), 5.0) + 0 * (x.mean() + weight.sum())
    trainer.train()
    assert ada.p == 1.0 and ada.last_rt == 1.0
    assert "ada_p: 1.0" in capsys.readouterr().out.replace("1.0000", "1.0")


def test_pagan_levels_up_on_its_schedule_through_the_trainer(tmp_path, capsys):
    scores = iter([1.0, 0.5, 0.25, 0.2, 0.25, 0.3, 0.3])
    checked = []

    def criterion(trainer):
        checked.append(trainer.global_step)
        return next(scores)

    pa = ProgressiveAugmentation(criterion=criterion, check_interval=2, max_level=3)
    _, _, trainer = build(str(tmp_path), num_steps=10, augment=pa, n_dis=1, save_steps=100)
    levels = []
    pa_log = pa.record_score

    def record(score):
        up = pa_log(score)
        levels.append((trainer.global_step, pa.level))
        return up

    pa.record_score = record
    trainer.train()
    assert checked == [2, 4, 6, 8, 10]
    # 1.0, 0.5, 0.25: halving, keep level 0; 0.2 is 0.175 below the mean 0.375 of 0.5 and 0.25 (> 5%): keep;
    # 0.25 is not below the mean 0.225 of 0.25 and 0.2: level 1 at step 10
    assert levels == [(2, 0), (4, 0), (6, 0), (8, 0), (10, 1)]
    out = capsys.readouterr().out
    assert "PA-GAN augmentation level 0 -> 1 at step 10" in out and "pa_level: 1" in out
    assert tuple(pa.bit_kernel.shape)[1] == 3 and trainer.optD.param_groups[-1]["params"][0] is pa.bit_kernel


@pytest.mark.parametrize("family", ["tutorial_ssgan", "biggan"])
def test_options_train_the_tutorial_ssgan_and_a_conditional_family(family, tmp_path):
    if family == "tutorial_ssgan":
        netG, netD = ssgan_tutorial.SSGANGenerator(nz=8, ngf=16), ssgan_tutorial.SSGANDiscriminator(ndf=16)
    else:
        netG = mmc.nets.biggan.BigGANGenerator32(num_classes=3, nz=8, ngf=4)
        netD = mmc.nets.biggan.BigGANDiscriminator32(num_classes=3, ndf=8)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.arange(8) % 3)
    for i, options in enumerate(({"augment": "ada", "lecam": 0.3},
                                 {"augment": ProgressiveAugmentation(level=2, criterion=constant_criterion)})):
        before = [p.detach().clone() for p in netD.parameters()]
        trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()),
                                       torch.optim.Adam(netG.parameters()),
                                       torch.utils.data.DataLoader(data, batch_size=4), num_steps=1,
                                       log_dir=str(tmp_path / str(i)), vis_steps=100, **options)
        assert trainer.train() == 1
        assert any(not torch.equal(a, b) for a, b in zip(before, netD.parameters()))
        # hooks taken off the networks at the end (the Trainer keeps its hooks object, unattached)
        assert not trainer.discriminator_hooks.active and not trainer.discriminator_hooks.plugins
        assert "forward" not in netD.__dict__ and not netD._forward_hooks and not netD._forward_pre_hooks


def test_pagan_default_criterion_is_checked_when_training_starts(tmp_path):
    netG, _, trainer = build(str(tmp_path), num_steps=1, augment="pagan")
    before = [p.detach().clone() for p in netG.parameters()]
    with pytest.raises(ValueError, match="10000 real samples requested but the dataset has only 20"):
        trainer.train()
    assert all(torch.equal(a, b) for a, b in zip(before, netG.parameters()))  # before any step
