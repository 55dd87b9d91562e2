"""Tests of SSGAN's own terms (torch_mimicry.nets.ssgan); the checks every family shares
are in test_families.py."""
import os

import pytest
import torch

from family_suite import FAMILIES, FIXTURES
from torch_mimicry.nets import ssgan
from torch_mimicry.training.metric_log import MetricLog

FAMILY = FAMILIES["ssgan"]
_small = FAMILY.small
_warm_up = FAMILY.warm_up
_real_batch = FAMILY.real_batch
_run_fixture = FAMILY.run_fixture


# ---------------------------------------------------------------------------------------------
# Rotation self-supervision


def _frozen_step(net, other, batch, seed):
    """One train_step with a zero learning rate (weights unchanged) after seeding the RNG."""
    torch.manual_seed(seed)
    return net.train_step(batch, other, torch.optim.SGD(net.parameters(), lr=0.0), MetricLog())


@pytest.mark.parametrize("n", [4, 5, 6, 8, 9])
def test_rotate_batch_rotates_each_quarter_counter_clockwise(n):
    images = torch.rand(n, 3, 6, 6)
    rotated, labels = ssgan.rotate_batch(images)
    assert labels.tolist() == [i * 4 // n for i in range(n)]
    assert rotated.shape == images.shape
    for i in range(n):
        x, k = images[i], int(labels[i])
        expected = {0: x, 1: x.transpose(1, 2).flip(1), 2: x.flip(1).flip(2), 3: x.transpose(1, 2).flip(2)}[k]
        assert torch.equal(rotated[i], expected)
    # 90 degrees counter-clockwise: out[c, i, j] = x[c, j, W - 1 - i]
    k1 = labels.tolist().index(1)
    assert rotated[k1, 0, 0, 0] == images[k1, 0, 0, 5] and rotated[k1, 0, 5, 0] == images[k1, 0, 0, 0]


def test_rotations_match_original():
    extra = torch.load(os.path.join(FIXTURES, "SSGANDiscriminator32_io.pt"), weights_only=True)["extra"]
    rotated, labels = ssgan.rotate_batch(extra["images"].float())
    assert torch.equal(labels, extra["labels"])
    assert torch.equal(rotated, extra["rotated"].float())


@pytest.mark.parametrize("name", ["SSGANDiscriminator32", "SSGANDiscriminator48"])
def test_ss_loss_matches_original(name):
    netD, io, _ = _run_fixture(name)
    with torch.no_grad():
        loss, labels = netD.compute_ss_loss(io["extra"]["images"].float(), scale=1.0)
    assert torch.equal(labels, io["extra"]["labels"])
    assert abs(loss.item() - io["extra"]["ss_loss"].item()) < 1e-4


def test_ss_loss_hand_computation():
    _, netD = _small(32)
    _warm_up(netD, 32)
    images = torch.rand(8, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        loss, labels = netD.compute_ss_loss(images, scale=0.7)
        rotated = torch.stack([torch.rot90(images[i], i * 4 // 8, dims=(1, 2)) for i in range(8)])
        logits = netD(rotated)[1]
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    expected = -0.7 * sum(log_probs[i, i * 4 // 8] for i in range(8)) / 8
    assert labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert abs(loss.item() - expected.item()) < 1e-5 * max(1.0, expected.item())
    assert netD.ss_loss_scale == 1.0


@pytest.mark.parametrize("fuse", [False, True])
def test_d_and_g_step_loss_terms_by_hand(fuse):
    netG, netD = _small(32)
    netD.fuse_forwards = fuse
    netG.eval()
    _warm_up(netD, 32)  # eval mode: fixed spectral-norm vectors, so the hand computation sees the same weights
    real = _real_batch(32, 8)
    log = _frozen_step(netD, netG, real, seed=1)
    torch.manual_seed(1)
    with torch.no_grad():
        fake = netG.generate_images(8)
        out_real, out_fake = netD(real[0])[0], netD(fake)[0]
        rot_logits = netD(ssgan.rotate_batch(real[0])[0])[1]
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    hinge = torch.relu(1 - out_real).mean() + torch.relu(1 + out_fake).mean()
    assert abs(log.get_value("errD") - hinge.item()) < 1e-5
    assert abs(log.get_value("errD_SS") - 1.0 * torch.nn.functional.cross_entropy(rot_logits, labels).item()) < 1e-5
    assert log.get_group_name("errD_SS") == "loss_SS"

    log = _frozen_step(netG, netD, real, seed=2)
    torch.manual_seed(2)
    with torch.no_grad():
        fake = netG.generate_images(8)
        out_fake = netD(fake)[0]
        rot_logits = netD(ssgan.rotate_batch(fake)[0])[1]
    assert abs(log.get_value("errG") - (-out_fake.mean()).item()) < 1e-5
    assert abs(log.get_value("errG_SS") - 0.2 * torch.nn.functional.cross_entropy(rot_logits, labels).item()) < 1e-5


def test_fused_forwards_run_fewer_discriminator_passes():
    netG, netD = _small(32)
    real = _real_batch(32, 8)
    for fuse, d_passes, g_passes in ((False, 3, 2), (True, 1, 1)):
        netD.fuse_forwards = fuse
        calls = []
        forward = type(netD).forward
        netD.forward = lambda x, *a: (calls.append(x.shape[0]), forward(netD, x, *a))[1]
        _frozen_step(netD, netG, real, seed=0)
        assert len(calls) == d_passes and sum(calls) == 24
        calls.clear()
        _frozen_step(netG, netD, real, seed=0)
        assert len(calls) == g_passes and sum(calls) == 16
        del netD.forward


def test_fused_and_separate_passes_agree_in_eval_mode():
    netG, netD = _small(32)
    netG.eval()
    _warm_up(netD, 32)
    real = _real_batch(32, 8)
    logs = []
    for fuse in (False, True):
        netD.fuse_forwards = fuse
        logs.append(_frozen_step(netD, netG, real, seed=3))
    for key in ("errD", "errD_SS", "D(x)", "D(G(z))"):
        assert abs(logs[0].get_value(key) - logs[1].get_value(key)) < 1e-5


def test_default_hyperparameters():
    G, D = ssgan.SSGANGenerator32(ngf=8), ssgan.SSGANDiscriminator32(ndf=8)
    assert (G.ss_loss_scale, D.ss_loss_scale, D.fuse_forwards) == (0.2, 1.0, False)
