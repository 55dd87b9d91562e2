"""Tests of cGAN-PD's own terms (torch_mimicry.nets.cgan_pd); the checks every family shares
are in test_families.py."""

import torch

from family_suite import FAMILIES
from torch_mimicry.training.metric_log import MetricLog

FAMILY = FAMILIES["cgan_pd"]
_small = FAMILY.small
_warm_up = FAMILY.warm_up
_real_batch = FAMILY.real_batch


# ---------------------------------------------------------------------------------------------
# Projection discriminator and conditional generator


def test_projection_term_hand_computation():
    _, netD = _small(32)
    _warm_up(netD, 32)
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    y1, y2 = torch.tensor([0, 1, 2]), torch.tensor([3, 3, 0])
    with torch.no_grad():
        diff = netD(x, y1) - netD(x, y2)
        from torch_mimicry.nets import resnet_backbone
        h = resnet_backbone.resnet_features(x, resnet_backbone.discriminator_blocks(netD)).sum(dim=(2, 3))
        layer = netD.l_y
        sigma = layer.weight_u @ layer.weight_orig @ layer.weight_v
        embed = layer.weight_orig / sigma
    expected = ((embed[y1] - embed[y2]) * h).sum(dim=1, keepdim=True)
    assert torch.allclose(diff, expected, atol=1e-4)


def test_generator_conditions_on_labels_and_draws_them_when_missing():
    netG, _ = _small(32)
    netG.eval()
    z = torch.randn(2, 8)
    with torch.no_grad():
        a, b = netG(z, torch.tensor([0, 0])), netG(z, torch.tensor([1, 1]))
        assert not torch.allclose(a, b)
        assert netG(z).shape == (2, 3, 32, 32)
    assert "block2.b1.embed.weight" in netG.state_dict()


def test_d_step_uses_real_labels():
    netG, netD = _small(32)
    seen = []
    forward = type(netD).forward
    netD.forward = lambda x, y: (seen.append(y.clone()), forward(netD, x, y))[1]
    images, labels = _real_batch(32, 4)
    netD.train_step((images, labels), netG, torch.optim.SGD(netD.parameters(), lr=0.0), MetricLog())
    assert torch.equal(seen[0], labels) and len(seen) == 2
