"""Tests of SNGAN (torch_mimicry.nets.sngan): defaults, overrides, train steps and the block
layout; the checks every family shares are in test_families.py."""
import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.nets import sngan


def test_default_hyperparameters():
    G, D = sngan.SNGANGenerator32(), sngan.SNGANDiscriminator32()
    assert (G.nz, G.ngf, G.bottom_width, D.ndf) == (128, 256, 4, 128)
    G48 = sngan.SNGANGenerator48()
    assert (G48.ngf, G48.bottom_width) == (512, 6)


def test_overrides():
    G = sngan.SNGANGenerator32(nz=64, ngf=8, bottom_width=2, loss_type="ns")
    assert G.generate_images(2).shape == (2, 3, 16, 16)
    assert G.loss_type == "ns"
    with pytest.raises(ValueError, match="Unknown loss_type"):
        sngan.SNGANDiscriminator32(loss_type="nope")


def test_train_steps_update_and_log():
    netG, netD = sngan.SNGANGenerator32(ngf=16), sngan.SNGANDiscriminator32(ndf=16)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    batch = (torch.rand(4, 3, 32, 32) * 2 - 1, torch.zeros(4, dtype=torch.long))
    log = mmc.training.MetricLog()
    before = netD.block1.c1.weight_orig.clone()
    netD.train_step(batch, netG, optD, log)
    assert not torch.equal(before, netD.block1.c1.weight_orig)
    assert set(log.keys()) == {"errD", "D(x)", "D(G(z))"}
    assert 0 <= log["D(x)"] <= 1
    g_before = netG.l1.weight.clone()
    netG.train_step(batch, netD, optG, log)
    assert not torch.equal(g_before, netG.l1.weight)
    assert "errG" in log and log.get_group_name("errG") == "loss"


def test_discriminator_step_builds_no_graph_through_generator():
    netG, netD = sngan.SNGANGenerator32(ngf=8), sngan.SNGANDiscriminator32(ndf=8)
    optD = torch.optim.SGD(netD.parameters(), lr=0.1)
    netD.train_step((torch.zeros(2, 3, 32, 32), None), netG, optD, mmc.training.MetricLog())
    assert all(p.grad is None for p in netG.parameters())


def test_top_level_namespace():
    assert mmc.nets.sngan.SNGANGenerator32 is sngan.SNGANGenerator32
    from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear  # noqa: F401  (tutorial imports)
    from torch_mimicry.nets import gan
    assert issubclass(sngan.SNGANGenerator32, gan.BaseGenerator)


def test_later_discriminator_blocks_see_rectified_input():
    """Every block after the first gets the ReLU of its predecessor's output (shortcut included)."""
    netD = sngan.SNGANDiscriminator32(ndf=8).eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        h = netD.block1(x)
        for block in (netD.block2, netD.block3, netD.block4):
            h = block.residual(torch.relu(h)) + block.shortcut(torch.relu(h))
        expected = netD.l5(torch.relu(h).sum(dim=(2, 3)))
        assert torch.allclose(netD(x), expected, atol=1e-5)
