"""Interception that cannot be skipped: augmentations, ADA's statistics and LeCam reach every
discriminator call of a step, whether code calls netD(x), netD.forward(x) or self.forward(x) inside
its own train_step (the seed tutorial's SSGAN as written, torch-mimicry 0.1.16's families), including
a concatenation of reals and fakes; a discriminator step that never shows the real batch to the
discriminator is refused before any weight changes; nothing is left on the networks afterwards."""
import copy
import os
import sys

import pytest
import torch
import torch.nn as nn

import torch_mimicry as mmc
from torch_mimicry.augment import ADA, DiffAugment, DiscriminatorHooks
from torch_mimicry.augment.hooks import InterceptionError
from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear
from torch_mimicry.nets import gan
from torch_mimicry.training import LeCam
from torch_mimicry.training.metric_log import MetricLog

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from test_tutorial import SSGANDiscriminator, SSGANGenerator  # noqa: E402  (the tutorial's code as written)


class Spy:
    """A plugin that records (phase, kind, rows of each kind) of every call."""

    def __init__(self):
        self.calls = []

    def observe(self, logits, call):
        self.calls.append((call.phase, call.kind, [(a, b, k) for a, b, k in call.segments]))


class OldStyleGenerator(gan.BaseGenerator):
    """Written as torch-mimicry 0.1.16 writes its families: generate_images calls self.forward."""

    def __init__(self, nz=8, ngf=16, bottom_width=4, loss_type="hinge", **kwargs):
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.l1 = nn.Linear(nz, bottom_width ** 2 * ngf)
        self.block2 = GBlock(ngf, ngf, upsample=True)
        self.block3 = GBlock(ngf, ngf, upsample=True)
        self.block4 = GBlock(ngf, ngf, upsample=True)
        self.c5 = nn.Conv2d(ngf, 3, 3, 1, padding=1)

    def forward(self, x):
        h = self.l1(x).view(x.shape[0], -1, self.bottom_width, self.bottom_width)
        h = self.block4(self.block3(self.block2(h)))
        return torch.tanh(self.c5(torch.relu(h)))

    def generate_images(self, num_images, device=None):
        noise = torch.randn((num_images, self.nz), device=device)
        return self.forward(noise)


class OldStyleDiscriminator(gan.BaseDiscriminator):
    """0.1.16's discriminator step: self.forward on reals and fakes."""

    def __init__(self, ndf=16, loss_type="hinge", concatenate=False, **kwargs):
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.concatenate = concatenate
        self.block1 = DBlockOptimized(3, ndf)
        self.block2 = DBlock(ndf, ndf, downsample=True)
        self.l5 = SNLinear(ndf, 1)

    def forward(self, x):
        h = torch.relu(self.block2(self.block1(x)))
        return self.l5(torch.sum(h, dim=(2, 3)))

    def train_step(self, real_batch, netG, optD, log_data, device=None, global_step=None, **kwargs):
        self.zero_grad()
        real_images, _ = real_batch
        n = real_images.shape[0]
        fake_images = netG.generate_images(num_images=n, device=device).detach()
        if self.concatenate:  # one pass over reals and fakes
            output = self.forward(torch.cat([real_images, fake_images]))
            output_real, output_fake = output[:n], output[n:]
        else:
            output_real = self.forward(real_images)
            output_fake = self.forward(fake_images)
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        errD.backward()
        optD.step()
        log_data.add_metric("errD", errD, group="loss")
        return log_data


class BlindDiscriminator(OldStyleDiscriminator):
    """A step that shows the discriminator a transformed copy of the reals only (never the batch)."""

    def train_step(self, real_batch, netG, optD, log_data, device=None, global_step=None, **kwargs):
        self.zero_grad()
        real_images, _ = real_batch
        fake_images = netG.generate_images(num_images=real_images.shape[0], device=device).detach()
        errD = self.compute_gan_loss(output_real=self.forward(real_images.flip(3)),
                                     output_fake=self.forward(fake_images))
        errD.backward()
        optD.step()
        log_data.add_metric("errD", errD, group="loss")
        return log_data


def _batch(n=4):
    return torch.rand(n, 3, 32, 32) * 2 - 1, torch.zeros(n, dtype=torch.long)


def _step(hooks, netD, netG, batch, phase="D"):
    optD = torch.optim.SGD(netD.parameters(), 0.0)
    optG = torch.optim.SGD(netG.parameters(), 0.0)
    with hooks.step(phase, batch, 0, optimizer=optD if phase == "D" else optG):
        if phase == "D":
            netD.train_step(batch, netG, optD, MetricLog())
        else:
            netG.train_step(batch, netD, optG, MetricLog())


@pytest.mark.parametrize("make", [
    lambda: (SSGANGenerator(nz=8, ngf=16), SSGANDiscriminator(ndf=16)),      # the seed tutorial, as written
    lambda: (OldStyleGenerator(), OldStyleDiscriminator()),                  # 0.1.16's way
])
def test_self_forward_calls_are_seen_in_both_steps(make):
    netG, netD = make()
    spy = Spy()
    hooks = DiscriminatorHooks(netD, netG, [spy])
    batch = _batch()
    _step(hooks, netD, netG, batch, "D")
    _step(hooks, netD, netG, batch, "G")
    kinds = [(phase, kind) for phase, kind, _ in spy.calls]
    assert ("D", "real") in kinds and ("D", "fake") in kinds  # self.forward(real), self.forward(fake)
    assert ("G", "fake") in kinds  # the outputs of generate_images -> self.forward(noise) count as fakes


def test_diffaugment_augments_the_tutorials_real_batch_in_the_discriminator_step():
    netG, netD = SSGANGenerator(nz=8, ngf=16), SSGANDiscriminator(ndf=16)
    seen = []
    inner = type(netD).forward

    def recording_forward(self, x):  # what the class's forward receives
        seen.append(x.detach().clone())
        return inner(self, x)

    type(netD).forward, restore = recording_forward, inner
    try:
        hooks = DiscriminatorHooks(netD, netG, [DiffAugment()])
        batch = _batch()
        _step(hooks, netD, netG, batch, "D")
    finally:
        type(netD).forward = restore
    assert len(seen) == 3  # real, fake, rotated real
    assert not torch.equal(seen[0], batch[0])  # the real batch reached the network augmented


def test_ada_p_rises_on_an_overfitting_tutorial_discriminator(tmp_path):
    """The tutorial's SSGAN as written, trained with augment='ada' on 8 images: D memorises them,
    sign(D(real)) -> 1 > 0.6, so p must rise (it stayed at 0 when self.forward was not seen)."""
    torch.manual_seed(0)
    netG, netD = SSGANGenerator(nz=8, ngf=16), SSGANDiscriminator(ndf=16)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, 32, 32) * 2 - 1, torch.zeros(8, dtype=torch.long))
    ada = ADA(interval=1, speed_kimg=0.05)  # p moves 0.08 per step of 4 images at r_t > target
    trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters(), 2e-3, betas=(0.0, 0.9)),
                                   torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9)),
                                   torch.utils.data.DataLoader(data, batch_size=4, shuffle=True), num_steps=6,
                                   n_dis=2, log_dir=str(tmp_path), vis_steps=100, log_steps=100, augment=ada)
    trainer.train()
    assert ada.last_rt is not None and ada.last_rt > 0.6
    assert ada.p > 0


def test_concatenated_reals_and_fakes_are_split_for_ada_and_lecam():
    netG, netD = OldStyleGenerator(), OldStyleDiscriminator(concatenate=True)
    spy, ada = Spy(), ADA(interval=1)
    lecam = LeCam(weight=0.5, ema_start=0)
    hooks = DiscriminatorHooks(netD, netG, [spy, ada, lecam])
    batch = _batch(4)
    _step(hooks, netD, netG, batch, "D")
    phase, kind, segments = spy.calls[0]
    assert (phase, kind) == ("D", "mixed") and segments == [(0, 4, "real"), (4, 8, "fake")]
    assert ada.last_rt is not None  # r_t from the 4 real rows
    assert lecam.anchor_real is not None and lecam.anchor_fake is not None


def test_lecam_gradient_on_a_concatenation_equals_its_formula():
    torch.manual_seed(0)
    netG, netD = OldStyleGenerator(), OldStyleDiscriminator()
    lecam = LeCam(weight=0.7, decay=0.5, ema_start=0)
    lecam.anchor_real, lecam.anchor_fake = 0.05, -0.02
    hooks = DiscriminatorHooks(netD, netG, [lecam])
    real = _batch()[0]
    state = copy.deepcopy(netD.state_dict())
    netD.zero_grad()
    with hooks.step("D", (real, None)):
        with torch.no_grad():
            fake = netG.generate_images(4)
        out = netD(torch.cat([real, fake]))
        netD.compute_gan_loss(out[:4], out[4:]).backward()
    got = [p.grad.clone() for p in netD.parameters()]
    a_real = 0.5 * 0.05 + 0.5 * out[:4].mean().item()
    a_fake = 0.5 * -0.02 + 0.5 * out[4:].mean().item()
    netD.load_state_dict(state)
    netD.zero_grad()
    out = netD(torch.cat([real, fake]))
    loss = netD.compute_gan_loss(out[:4], out[4:]) + 0.7 * mmc.modules.regularizers.lecam_penalty(
        out[:4], out[4:], a_real, a_fake)
    loss.backward()
    for g, p in zip(got, netD.parameters()):
        assert torch.allclose(g, p.grad, rtol=1e-5, atol=1e-7)


def test_copies_of_the_real_batch_count_as_real():
    netG, netD = OldStyleGenerator(), OldStyleDiscriminator()
    spy = Spy()
    hooks = DiscriminatorHooks(netD, netG, [spy])
    real = _batch()[0]
    with hooks.step("D", (real, None)):
        netD(real.detach())
        netD(real.clone().contiguous(memory_format=torch.channels_last))
        netD.forward(real.double().float())
        netD(real.flip(0))  # reordered: other images
    assert [kind for _, kind, _ in spy.calls] == ["real", "real", "real", "other"]


def test_a_step_that_never_shows_the_real_batch_is_refused_before_any_update(tmp_path):
    netG, netD = OldStyleGenerator(), BlindDiscriminator()
    data = torch.utils.data.TensorDataset(*_batch(8))
    before = [p.detach().clone() for p in netD.parameters()]
    trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()), torch.optim.Adam(netG.parameters()),
                                   torch.utils.data.DataLoader(data, batch_size=4), num_steps=1,
                                   log_dir=str(tmp_path), augment="diffaugment")
    with pytest.raises(InterceptionError, match="BlindDiscriminator was never called on the real images"):
        trainer.train()
    assert all(torch.equal(a, b) for a, b in zip(before, netD.parameters()))


def test_lecam_refuses_a_step_without_generated_images():
    netG, netD = OldStyleGenerator(), OldStyleDiscriminator()
    hooks = DiscriminatorHooks(netD, netG, [LeCam()])
    real = _batch()[0]
    with pytest.raises(InterceptionError, match="fake images"):
        with hooks.step("D", (real, None)):
            netD(real).mean().backward()


def test_nothing_is_left_on_the_networks(tmp_path):
    netG, netD = SSGANGenerator(nz=8, ngf=16), SSGANDiscriminator(ndf=16)
    data = torch.utils.data.TensorDataset(*_batch(8))
    trainer = mmc.training.Trainer(netD, netG, torch.optim.Adam(netD.parameters()), torch.optim.Adam(netG.parameters()),
                                   torch.utils.data.DataLoader(data, batch_size=4), num_steps=2,
                                   log_dir=str(tmp_path), augment="ada", lecam=0.3, ema_decay=0.9, vis_steps=100)
    trainer.train()
    for net in (netD, netG, trainer.netG_ema):
        assert "forward" not in net.__dict__
        assert not net._forward_hooks and not net._forward_pre_hooks
    # an EMA copy made during training runs its own weights, not netG's
    with torch.no_grad():
        z = torch.randn(2, 8)
        assert not torch.equal(trainer.netG_ema(z), netG(z))
