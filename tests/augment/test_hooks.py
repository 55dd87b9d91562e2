"""The hooks reach every discriminator call of a training step (library families, the tutorial's
SSGAN with its tuple output, conditional discriminators called as netD(x, y)); LeCam's gradient
is that of its formula; PA-GAN's bits and label flips give the XOR-label loss."""
import os
import sys

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.augment import DiffAugment, DiscriminatorHooks, ProgressiveAugmentation
from torch_mimicry.modules import losses
from torch_mimicry.modules.regularizers import lecam_penalty
from torch_mimicry.training import LeCam
from torch_mimicry.training.metric_log import MetricLog

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import ssgan_tutorial  # noqa: E402


class Spy:
    """A plugin that records every call it sees."""

    def __init__(self):
        self.calls = []

    def observe(self, logits, call):
        self.calls.append((call.phase, call.kind, call.batch_size))


def _nets(kind):
    if kind == "sngan":
        return mmc.nets.sngan.SNGANGenerator32(nz=8, ngf=16), mmc.nets.sngan.SNGANDiscriminator32(ndf=16)
    if kind == "biggan":
        return (mmc.nets.biggan.BigGANGenerator32(num_classes=3, nz=8, ngf=4),
                mmc.nets.biggan.BigGANDiscriminator32(num_classes=3, ndf=8))
    if kind == "wgan_gp":
        return mmc.nets.wgan_gp.WGANGPGenerator32(nz=8, ngf=16), mmc.nets.wgan_gp.WGANGPDiscriminator32(ndf=16)
    if kind == "tutorial_ssgan":
        return ssgan_tutorial.SSGANGenerator(nz=8, ngf=16), ssgan_tutorial.SSGANDiscriminator(ndf=16)
    raise KeyError(kind)


def _batch(n=4):
    return torch.rand(n, 3, 32, 32) * 2 - 1, torch.arange(n) % 3


def _steps(netG, netD, hooks, batch, global_step=0):
    log = MetricLog()
    with hooks.step("D", batch, global_step):
        netD.train_step(batch, netG, torch.optim.SGD(netD.parameters(), 0.0), log)
    with hooks.step("G", batch, global_step):
        netG.train_step(batch, netD, torch.optim.SGD(netG.parameters(), 0.0), log)
    return log


@pytest.mark.parametrize("kind, expected", [
    ("sngan", [("D", "real", 4), ("D", "fake", 4), ("G", "fake", 4)]),
    ("biggan", [("D", "real", 4), ("D", "fake", 4), ("G", "fake", 4)]),
    ("wgan_gp", [("D", "real", 4), ("D", "fake", 4), ("D", "other", 4), ("G", "fake", 4)]),
    ("tutorial_ssgan", [("D", "real", 4), ("D", "fake", 4), ("D", "other", 4), ("G", "fake", 4),
                        ("G", "other", 4)]),
])
def test_every_discriminator_call_of_a_step_is_seen_and_classified(kind, expected):
    netG, netD = _nets(kind)
    spy = Spy()
    hooks = DiscriminatorHooks(netD, netG, [spy])
    _steps(netG, netD, hooks, _batch())
    assert spy.calls == expected
    netD(_batch()[0], _batch()[1]) if kind == "biggan" else netD(_batch()[0])
    assert len(spy.calls) == len(expected)  # nothing outside a step
    hooks.remove()
    _steps(netG, netD, hooks, _batch())
    assert len(spy.calls) == len(expected)  # nothing once removed


@pytest.mark.parametrize("kind", ["sngan", "biggan", "tutorial_ssgan"])
def test_diffaugment_reaches_reals_and_fakes_in_both_steps(kind):
    netG, netD = _nets(kind)
    hooks = DiscriminatorHooks(netD, netG, [DiffAugment()])
    seen = []

    def record(module, args):  # registered after the augmentation's hook: sees what D sees
        seen.append((hooks.current_call.kind, hooks.current_call.phase, args[0].detach().clone()))

    netD.register_forward_pre_hook(record)
    fakes = []
    netG.register_forward_hook(lambda m, a, out: fakes.append(out.detach().clone()))
    batch = _batch()
    _steps(netG, netD, hooks, batch)
    kinds = {(phase, kind_) for kind_, phase, _ in seen}
    assert {("D", "real"), ("D", "fake"), ("G", "fake")} <= kinds
    for kind_, phase, images in seen:
        if kind_ == "real":
            assert not torch.equal(images, batch[0])
        if kind_ == "fake":
            assert all(not torch.equal(images, f) for f in fakes)
        assert images.min() >= -1 and images.max() <= 1


def test_generator_gradient_flows_through_the_augmentation():
    netG, netD = _nets("sngan")
    hooks = DiscriminatorHooks(netD, netG, [DiffAugment()])
    batch = _batch()
    netG.zero_grad()
    with hooks.step("G", batch):
        netD(netG.generate_images(4)).mean().backward()
    assert all(p.grad is not None for p in netG.parameters() if p.requires_grad)


# ---------------------------------------------------------------------------------------------
# LeCam


@pytest.mark.parametrize("one_sided", [True, False])
def test_lecam_adds_exactly_the_gradient_of_its_formula(one_sided):
    torch.manual_seed(0)
    netG, netD = _nets("sngan")
    lecam = LeCam(weight=0.7, decay=0.9, ema_start=0, one_sided=one_sided)
    lecam.anchor_real, lecam.anchor_fake = 0.05, 0.02  # anchors from earlier steps
    hooks = DiscriminatorHooks(netD, netG, [lecam])
    real = _batch()[0]
    state = {k: v.clone() for k, v in netD.state_dict().items()}

    # the regularised step: the user's code back-propagates errD only
    netD.zero_grad()
    with hooks.step("D", (real, None), global_step=5):
        with torch.no_grad():
            fake = netG.generate_images(4)  # fakes are netG's outputs within the step
        out_real, out_fake = netD(real), netD(fake)
        netD.compute_gan_loss(out_real, out_fake).backward()
    got = [p.grad.clone() for p in netD.parameters()]

    # by hand: the anchors after this step's update, then errD + weight * R_LC
    a_real = 0.9 * 0.05 + 0.1 * out_real.mean().item()
    a_fake = 0.9 * 0.02 + 0.1 * out_fake.mean().item()
    assert lecam.anchor_real == pytest.approx(a_real) and lecam.anchor_fake == pytest.approx(a_fake)
    netD.load_state_dict(state)  # same spectral-norm vectors as before the step
    netD.zero_grad()
    out_real, out_fake = netD(real), netD(fake)
    loss = netD.compute_gan_loss(out_real, out_fake) + 0.7 * lecam_penalty(out_real, out_fake, a_real, a_fake,
                                                                           one_sided=one_sided)
    loss.backward()
    for g, p in zip(got, netD.parameters()):
        assert torch.allclose(g, p.grad, rtol=1e-5, atol=1e-7)
    assert lecam.metrics()["errD_LC"] == pytest.approx(
        0.7 * lecam_penalty(out_real, out_fake, a_real, a_fake, one_sided=one_sided).item(), rel=1e-5)


def test_lecam_penalty_formula():
    real, fake = torch.tensor([1.0, -2.0, 3.0]), torch.tensor([0.5, -1.0])
    # one-sided: relu(real - a_F)^2 mean + relu(a_R - fake)^2 mean with a_R = 1, a_F = 0
    assert lecam_penalty(real, fake, 1.0, 0.0).item() == pytest.approx((1 + 0 + 9) / 3 + (0.25 + 4) / 2)
    assert lecam_penalty(real, fake, 1.0, 0.0, one_sided=False).item() == pytest.approx((1 + 4 + 9) / 3
                                                                                         + (0.25 + 4) / 2)


def test_lecam_anchors_follow_the_authors_schedule():
    lecam = LeCam(decay=0.99, ema_start=10)
    call = mmc.augment.DiscriminatorCall
    for step, value in ((0, 2.0), (9, 4.0)):   # before ema_start: the current mean
        lecam.observe(torch.full((3, 1), value), call("D", "real", step, 3))
        assert lecam.anchor_real == value
    lecam.observe(torch.full((3, 1), 6.0), call("D", "real", 10, 3))
    assert lecam.anchor_real == pytest.approx(0.99 * 4.0 + 0.01 * 6.0)
    lecam.observe(torch.full((3, 1), 100.0), call("G", "real", 11, 3))  # only the discriminator's step
    lecam.observe(torch.full((3, 1), 100.0), call("D", "other", 11, 3))
    assert lecam.anchor_real == pytest.approx(0.99 * 4.0 + 0.01 * 6.0) and lecam.anchor_fake is None
    other = LeCam()
    other.load_state_dict(lecam.state_dict())
    assert other.anchor_real == lecam.anchor_real and other.anchor_fake is None


# ---------------------------------------------------------------------------------------------
# PA-GAN through the hooks


class KeepCallData:
    def observe(self, logits, call):
        self.data = dict(call.data)


def test_pagan_bits_enter_the_first_convolution_and_the_loss_has_xor_labels():
    torch.manual_seed(1)
    netG, netD = _nets("sngan")
    pa, keep = ProgressiveAugmentation(level=2, max_level=4), KeepCallData()
    hooks = DiscriminatorHooks(netD, netG, [pa, keep])
    assert pa.layer == "block1.c1" and pa.label_flip == "negate"
    assert tuple(pa.bit_kernel.shape) == (16, 4, 3, 3)
    with torch.no_grad():
        pa.bit_kernel.normal_()
    netD.eval()
    real = _batch(8)[0]
    for seed in range(20):  # a draw with both parities
        torch.manual_seed(seed)
        with hooks.step("D", (real, None)):
            out = netD(real)
        bits, odd = keep.data["pa_bits"], keep.data["pa_flip"]
        if odd.any() and (~odd).any():
            break
    assert bits.shape == (8, 2) and torch.equal(odd, bits.sum(1).remainder(2) == 1)
    # by hand: the first convolution of the concatenation [image, bit planes] with [W, W_bits]
    conv = netD.block1.c1
    planes = bits[:, :, None, None].expand(8, 2, 32, 32)
    weight = torch.cat([conv.weight, pa.bit_kernel[:, :2]], dim=1)
    handle = conv.register_forward_hook(
        lambda m, args, output: torch.nn.functional.conv2d(torch.cat([args[0], planes], 1), weight, m.bias,
                                                           padding=1))
    with torch.no_grad():
        raw = netD(real)
    handle.remove()
    assert torch.allclose(out, torch.where(odd[:, None], -raw, raw), atol=1e-5)
    # hinge loss with the flipped outputs = hinge loss with XOR labels on the raw outputs
    fake_out = torch.randn(8, 1)
    flipped_loss = losses.hinge_loss_dis(fake_out, out)  # (output_fake, output_real)
    xor_real = torch.where(odd[:, None], torch.relu(1 + raw), torch.relu(1 - raw)).mean()
    assert flipped_loss.item() == pytest.approx(xor_real.item() + torch.relu(1 + fake_out).mean().item(), rel=1e-5)


def test_pagan_bit_kernel_learns_with_the_discriminator_only():
    netG, netD = _nets("sngan")
    pa = ProgressiveAugmentation(level=1)
    hooks = DiscriminatorHooks(netD, netG, [pa])
    optD = torch.optim.SGD(list(netD.parameters()) + pa.parameters(), 0.1)
    batch = _batch(8)  # 16 random bits in the step: some are 1
    with hooks.step("D", batch):
        netD.train_step(batch, netG, optD, MetricLog())
    assert pa.bit_kernel.abs().sum() > 0 and pa.bit_kernel[:, 1:].abs().sum() == 0  # only the used level
    before = pa.bit_kernel.detach().clone()
    with hooks.step("G", batch):
        netG.train_step(batch, netD, torch.optim.SGD(netG.parameters(), 0.1), MetricLog())
    assert pa.bit_kernel.grad is None
    assert torch.equal(before, pa.bit_kernel)


def test_pagan_refuses_relativistic_losses_and_uses_one_minus_for_lsgan():
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=16, loss_type="rahinge")
    with pytest.raises(ValueError, match="relativistic"):
        DiscriminatorHooks(netD, None, [ProgressiveAugmentation()])
    netD = mmc.nets.sngan.SNGANDiscriminator32(ndf=16, loss_type="lsgan")
    pa = ProgressiveAugmentation()
    DiscriminatorHooks(netD, None, [pa])
    assert pa.label_flip == "one_minus"
    # lsgan's real-class loss of 1 - o is its fake-class loss of o
    o = torch.randn(5, 1)
    assert torch.allclose(0.5 * ((1 - o) - 1) ** 2, 0.5 * o ** 2)


def test_pagan_at_level_0_leaves_the_discriminator_unchanged():
    netG, netD = _nets("sngan")
    netD.eval()
    real = _batch()[0]
    with torch.no_grad():
        plain = netD(real)
        hooks = DiscriminatorHooks(netD, netG, [ProgressiveAugmentation(level=0)])
        with hooks.step("D", (real, None)):
            assert torch.equal(netD(real), plain)
