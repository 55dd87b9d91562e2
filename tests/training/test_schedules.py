"""Trainer-level schedules (torch_mimicry.training.schedules): values against the formulas computed
here and R3GAN's own cosine_decay_with_warmup, their targets set during training, params.json, and
a resumed run equal to an uninterrupted one."""
import json
import math

import numpy as np
import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.nets import r3gan
from torch_mimicry.training import schedules as S

TINY = r3gan.R3GANPlan(widths=(8,) * 4, blocks=(1,) * 4, cardinality=(1,) * 4, nz=8)


def official_cosine(cur_nimg, base_value, total_nimg, final_value):
    """R3GAN's training_loop.cosine_decay_with_warmup without warm-up or hold, as its presets use it."""
    decay = 0.5 * (1 + np.cos(np.pi * cur_nimg / float(total_nimg)))
    value = base_value + (1 - decay) * (final_value - base_value)
    return float(np.where(cur_nimg > total_nimg, final_value, value))


def test_shapes_at_given_progress():
    lr = S.Cosine(2e-4, 5e-5, 2e7)
    assert lr(0) == 2e-4 and lr(2e7) == 5e-5 and lr(3e7) == 5e-5
    assert lr(1e7) == pytest.approx(1.25e-4, rel=1e-12)
    assert lr(5e6) == pytest.approx(2e-4 - 1.5e-4 * (1 - math.cos(math.pi / 4)) / 2, rel=1e-12)
    for t in (0, 512, 1e6, 7.3e6, 1.99e7, 2e7, 2.5e7):
        assert lr(t) == pytest.approx(official_cosine(t, 2e-4, 2e7, 5e-5), rel=1e-12)
        assert S.Cosine(0.05, 0.005, 2e7)(t) == pytest.approx(official_cosine(t, 0.05, 2e7, 0.005), rel=1e-12)
    assert S.Linear(1.0, 3.0, 10)(2.5) == 1.5 and S.Linear(1.0, 3.0, 10)(11) == 3.0 and S.Constant(0.3)(1e9) == 0.3
    assert lr.hparams() == {"shape": "cosine", "start": 2e-4, "end": 5e-5, "duration": 2e7}
    with pytest.raises(ValueError, match="duration"):
        S.Cosine(1, 2, 0)
    with pytest.raises(ValueError, match="unit"):
        S.OptimizerSchedule("lr", lr, unit="epochs")


def test_ema_half_life_decay_is_the_official_one():
    ema = S.EMAHalfLife(S.Cosine(0.0, 5e6, 2e7), images_per_step=512)
    assert ema.decay_at(1) == 0.0  # half-life 0 at the start: a copy
    for step in (2, 1000, 39063, 50000):
        nimg = (step - 1) * 512  # the images before the iteration whose update this is
        expected = 0.5 ** (512 / max(official_cosine(nimg, 0, 2e7, 5e6), 1e-8))
        assert ema.decay_at(step) == pytest.approx(expected, rel=1e-12)
    assert ema.hparams() == {"half_life": {"shape": "cosine", "start": 0.0, "end": 5e6, "duration": 2e7},
                             "unit": "images", "images_per_step": 512}


def _nets(seed=0):
    torch.manual_seed(seed)
    return (r3gan.R3GANGenerator32(plan=TINY, nz=8), r3gan.R3GANDiscriminator32(plan=TINY, gamma=0.05))


def _trainer(log_dir, num_steps, netG=None, netD=None, n_dis=1, schedules=None, **kwargs):
    if netG is None:
        netG, netD = _nets()
    images = torch.rand(12, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, torch.zeros(12, dtype=torch.long)),
                                         batch_size=2, shuffle=True)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9), eps=1e-8)
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9), eps=1e-8)
    ada = mmc.augment.ADA(adaptive=False)
    # the CIFAR-10 preset's ramps, over 40 images instead of 20M
    components = schedules if schedules is not None else [
        S.OptimizerSchedule("lr", S.Cosine(2e-4, 5e-5, 40)),
        S.OptimizerSchedule("beta2", S.Cosine(0.9, 0.99, 40)),
        S.AttributeSchedule("netD", "gamma", S.Cosine(0.05, 0.005, 40)),
        S.EMAHalfLife(S.Cosine(0.0, 10.0, 40)),
        S.AugmentSchedule(ada, S.Cosine(0.0, 0.55, 40))]
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader, num_steps=num_steps,
                                   n_dis=n_dis, log_dir=str(log_dir), device="cpu", seed=0, save_steps=2,
                                   print_steps=100, vis_steps=100, log_steps=100, augment=ada,
                                   components=components, **kwargs)
    return trainer, ada


class _Record(mmc.training.components.TrainerComponent):
    """Reads the targets inside every step (after the schedules set them)."""

    name = "record"

    def __init__(self):
        self.seen = []

    def step_context(self, trainer, phase, real_batch):
        group = (trainer.optD if phase == "D" else trainer.optG).param_groups[0]
        self.seen.append((phase, trainer.global_step, group["lr"], group["betas"], trainer.netD.gamma))
        return super().step_context(trainer, phase, real_batch)


def test_targets_follow_the_schedules_during_training(tmp_path):
    trainer, ada = _trainer(tmp_path, 3)
    record = _Record()
    trainer.components.append(record)
    trainer.train()
    for phase, step, lr, betas, gamma in record.seen:
        t = step * 2  # images before the iteration: batch 2, one D step per G step
        assert lr == pytest.approx(official_cosine(t, 2e-4, 40, 5e-5), rel=1e-12)
        assert betas == (0.0, pytest.approx(official_cosine(t, 0.9, 40, 0.99), rel=1e-12))
        assert gamma == pytest.approx(official_cosine(t, 0.05, 40, 0.005), rel=1e-12)
    assert [(p, s) for p, s, *_ in record.seen] == [("D", 0), ("G", 0), ("D", 1), ("G", 1), ("D", 2), ("G", 2)]
    assert ada.p == pytest.approx(official_cosine(4, 0.0, 40, 0.55), rel=1e-12)
    params = json.load(open(tmp_path / "params.json"))
    assert params["schedule_beta2"] == {"hyperparameter": "beta2", "optimizers": ["D", "G"], "unit": "images",
                                        "images_per_step": None,
                                        "schedule": {"shape": "cosine", "start": 0.9, "end": 0.99, "duration": 40.0}}
    assert params["ema"]["half_life"]["end"] == 10.0 and params["schedule_netD_gamma"]["attribute"] == "gamma"
    state = torch.load(tmp_path / "checkpoints" / "trainer" / "trainer_3_steps.pth", weights_only=True)
    assert state["components"]["schedule_lr"] == {"images_per_step": 2}


def test_ema_follows_the_half_life(tmp_path):
    netG, netD = _nets()
    ema = S.EMAHalfLife(S.Linear(0.0, 4.0, 8))  # half-life (images) 0, 1, 2 before iterations 1, 2, 3
    trainer, _ = _trainer(tmp_path, 3, netG, netD, schedules=[ema])
    weights = []
    trainer.components.append(type("After", (mmc.training.components.TrainerComponent,), {
        "name": "after", "after_iteration": lambda self, t, log: weights.append(
            [p.detach().clone() for p in t.netG.parameters()])})())
    trainer.train()
    expected = weights[0]  # decay 0 after iteration 1: a copy
    for w, half_life in zip(weights[1:], (1.0, 2.0)):
        d = 0.5 ** (2 / half_life)
        expected = [d * e + (1 - d) * p for e, p in zip(expected, w)]
    for e, p in zip(expected, trainer.netG_ema.parameters()):
        assert torch.allclose(e, p, atol=1e-7)


def test_resumed_run_equals_an_uninterrupted_one(tmp_path):
    straight, _ = _trainer(tmp_path / "straight", 4)
    straight.train()
    first, _ = _trainer(tmp_path / "resumed", 2)
    first.train()
    second, ada = _trainer(tmp_path / "resumed", 4)
    assert second.train() == 4
    for a, b in ((straight.netG, second.netG), (straight.netD, second.netD), (straight.netG_ema, second.netG_ema)):
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(p, q), name
    for a, b in ((straight.optD, second.optD), (straight.optG, second.optG)):
        assert a.param_groups[0]["lr"] == b.param_groups[0]["lr"]
        assert a.param_groups[0]["betas"] == b.param_groups[0]["betas"]
    assert straight.netD.gamma == second.netD.gamma and ada.p == pytest.approx(official_cosine(6, 0, 40, 0.55))


def test_images_per_step_counts_every_discriminator_batch(tmp_path):
    lr = S.OptimizerSchedule("lr", S.Cosine(2e-4, 5e-5, 40), optimizers=("G",))
    trainer, _ = _trainer(tmp_path, 1, n_dis=2, schedules=[lr])
    trainer.train()
    assert lr.name == "schedule_lr_G" and lr.state_dict() == {"images_per_step": 4}
    assert trainer.optD.param_groups[0]["lr"] == 2e-4  # only optG is scheduled


def test_bad_schedules_are_refused(tmp_path):
    with pytest.raises(ValueError, match="adapts p itself"):
        S.AugmentSchedule(mmc.augment.ADA(), S.Constant(0.1))
    with pytest.raises(TypeError, match="Schedule"):
        S.OptimizerSchedule("lr", lambda t: 0.1)
    with pytest.raises(ValueError, match="'D' and / or 'G'"):
        S.OptimizerSchedule("lr", S.Constant(0.1), optimizers=("E",))
    cases = [
        ([S.OptimizerSchedule("lr", S.Constant(1e-4))], {"lr_decay": "linear"}, "lr_decay"),
        ([S.AttributeSchedule("netD", "beta", S.Constant(1.0))], {}, "no numeric attribute 'beta'"),
        ([S.OptimizerSchedule("momentum", S.Constant(0.5))], {}, "no numeric 'momentum'"),
        ([S.AugmentSchedule(mmc.augment.DiffAugment(), S.Constant(0.5))], {}, "not applied to the discriminator"),
    ]
    for i, (components, kwargs, message) in enumerate(cases):
        trainer, _ = _trainer(tmp_path / str(i), 1, schedules=components, **kwargs)
        with pytest.raises(ValueError, match=message):
            trainer.train()


def test_config_schedules_are_the_preset(tmp_path):
    """examples/configs/r3gan.yaml names the same schedules as mmc.nets.r3gan.preset_schedules('cifar10')."""
    import os
    from torch_mimicry.cli import config as cfg
    c = cfg.load_config(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "configs", "r3gan.yaml"))
    ada = cfg._augmentation(c["trainer"]["augment"])
    assert isinstance(ada, mmc.augment.ADA) and not ada.adaptive
    ours = {comp.name: comp.hparams() for comp in S.from_config(c["schedules"], ada)}
    assert ours == {comp.name: comp.hparams() for comp in r3gan.preset_schedules("cifar10", ada)}
    assert S.from_config({"optG.lr": 1e-4})[0].name == "schedule_lr_G"
    with pytest.raises(ValueError, match="schedules.lr"):
        S.from_config({"lr": {"shape": "step"}})
