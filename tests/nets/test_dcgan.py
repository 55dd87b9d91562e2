"""Tests of DCGAN's own terms (torch_mimicry.nets.dcgan); the checks every family shares
are in test_families.py."""

import pytest
import torch

from family_suite import FAMILIES
from torch_mimicry.training.metric_log import MetricLog

FAMILY = FAMILIES["dcgan"]
_small = FAMILY.small
_real_batch = FAMILY.real_batch


# ---------------------------------------------------------------------------------------------
# Relativistic losses through a family's train steps, and the discriminator block layout


def _frozen_step(net, other, batch, seed):
    torch.manual_seed(seed)
    return net.train_step(batch, other, torch.optim.SGD(net.parameters(), lr=0.0), MetricLog())


def _bce(logits, target):
    """Binary cross-entropy on logits: -log sigmoid(x) for target 1, -log(1 - sigmoid(x)) for 0."""
    softplus = torch.nn.functional.softplus
    return (target * softplus(-logits) + (1 - target) * softplus(logits)).mean()


RELATIVISTIC = {
    # loss(a, b) for the side that wants a judged real and b fake, written out by hand
    "rasgan": lambda a, b: 0.5 * (_bce(a - b.mean(), 1.0) + _bce(b - a.mean(), 0.0)),
    "ralsgan": lambda a, b: 0.5 * (((a - b.mean() - 1) ** 2).mean() + ((b - a.mean() + 1) ** 2).mean()),
    "rahinge": lambda a, b: 0.5 * (torch.relu(1 - (a - b.mean())).mean() + torch.relu(1 + (b - a.mean())).mean()),
}


@pytest.mark.parametrize("loss_type", sorted(RELATIVISTIC))
def test_relativistic_losses_by_hand(loss_type):
    netG, netD = _small(32, loss_type=loss_type)
    netG.eval()
    real = _real_batch(32, 6)
    log_d = _frozen_step(netD, netG, real, seed=1)
    torch.manual_seed(1)
    with torch.no_grad():
        out_fake, out_real = netD(netG.generate_images(6)), netD(real[0])
    assert abs(log_d.get_value("errD") - RELATIVISTIC[loss_type](out_real, out_fake).item()) < 1e-5
    log_g = _frozen_step(netG, netD, real, seed=2)
    torch.manual_seed(2)
    with torch.no_grad():
        out_fake, out_real = netD(netG.generate_images(6)), netD(real[0])
    assert abs(log_g.get_value("errG") - RELATIVISTIC[loss_type](out_fake, out_real).item()) < 1e-5


def test_no_spectral_norm_and_ns_loss():
    netG, netD = _small(32)
    assert not any(k.endswith("weight_orig") for k in netD.state_dict())
    assert netG.loss_type == netD.loss_type == "ns"


def test_later_blocks_and_their_shortcuts_see_rectified_input():
    """torch-mimicry 0.1.16's DBlock rectified its input in place before its shortcut read it;
    the ResNet discriminators here feed every block after the first the ReLU of its input."""
    _, netD = _small(32)
    netD.eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        h = netD.block1(x)
        for block in (netD.block2, netD.block3, netD.block4):
            h = block.residual(torch.relu(h)) + block.shortcut(torch.relu(h))
        expected = netD.l5(torch.relu(h).sum(dim=(2, 3)))
        assert torch.allclose(netD(x), expected, atol=1e-5)


def test_copies_use_their_own_layers():
    import copy
    netG, netD = _small(32)
    netG.eval()
    x, z = torch.rand(2, 3, 32, 32), torch.randn(2, 8)
    with torch.no_grad():
        d_out, g_out = netD(x), netG(z)
        d_copy, g_copy = copy.deepcopy(netD), copy.deepcopy(netG)
        d_copy.block2.c1.weight.mul_(2)
        g_copy.block3.c1.weight.mul_(2)
        assert torch.equal(netD(x), d_out) and not torch.equal(d_copy(x), d_out)
        assert torch.equal(netG(z), g_out) and not torch.equal(g_copy(z), g_out)
