"""Tests of WGAN-GP's own terms (torch_mimicry.nets.wgan_gp); the checks every family shares
are in test_families.py."""

import pytest
import torch

from family_suite import FAMILIES
from torch_mimicry.nets import wgan_gp
from torch_mimicry.training.metric_log import MetricLog

FAMILY = FAMILIES["wgan_gp"]
RESOLUTIONS = FAMILY.resolutions
_small = FAMILY.small
_real_batch = FAMILY.real_batch
_run_fixture = FAMILY.run_fixture


# ---------------------------------------------------------------------------------------------
# Gradient penalty


class _QuadraticCritic(wgan_gp.WGANGPBaseDiscriminator):
    """D(x) = 0.5 * ||x||^2, whose input gradient is x itself."""

    def __init__(self):
        super().__init__(ndf=1)

    def forward(self, x):
        return 0.5 * (x ** 2).flatten(1).sum(dim=1, keepdim=True)


class _LinearCritic(wgan_gp.WGANGPBaseDiscriminator):
    """D(x) = <w, x>, whose input gradient is w everywhere."""

    def __init__(self, w):
        super().__init__(ndf=1)
        self.w = torch.nn.Parameter(w)

    def forward(self, x):
        return x.flatten(1) @ self.w.flatten()[:, None]


def test_gradient_penalty_hand_computation():
    real, fake = torch.rand(5, 3, 4, 4), torch.rand(5, 3, 4, 4)
    w = torch.randn(3, 4, 4)
    gp = _LinearCritic(w).compute_gradient_penalty_loss(real, fake)
    assert abs(gp.item() - 10.0 * (w.norm().item() - 1) ** 2) < 1e-3
    torch.manual_seed(7)
    gp = _QuadraticCritic().compute_gradient_penalty_loss(real, fake, gp_scale=3.0)
    torch.manual_seed(7)
    alpha = torch.rand(5, 1)
    x_hat = alpha[:, :, None, None] * real + (1 - alpha[:, :, None, None]) * fake
    expected = 3.0 * ((x_hat.flatten(1).norm(dim=1) - 1) ** 2).mean()
    assert abs(gp.item() - expected.item()) < 1e-5


def test_gradient_penalty_is_differentiable_in_the_weights():
    critic = _LinearCritic(torch.randn(3, 4, 4))
    critic.compute_gradient_penalty_loss(torch.rand(2, 3, 4, 4), torch.rand(2, 3, 4, 4)).backward()
    w = critic.w.detach()
    expected = 10.0 * 2 * (w.norm() - 1) * w / w.norm()
    assert torch.allclose(critic.w.grad, expected, atol=1e-4)


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_gradient_penalty_matches_original(res):
    netD, io, _ = _run_fixture(f"WGANGPDiscriminator{res}")
    torch.manual_seed(io["extra"]["gp_seed"])
    gp = netD.compute_gradient_penalty_loss(io["inputs"]["x"].float(), io["extra"]["fake"].float(), gp_scale=10.0)
    assert abs(gp.item() - io["extra"]["gp"].item()) < 1e-4 * max(1.0, abs(io["extra"]["gp"].item()))


def test_d_step_minimises_wasserstein_plus_penalty():
    netG, netD = _small(32)
    netG.eval()
    real = _real_batch(32, 4)
    torch.manual_seed(5)
    log = netD.train_step(real, netG, torch.optim.SGD(netD.parameters(), lr=0.0), MetricLog())
    torch.manual_seed(5)
    with torch.no_grad():
        fake = netG.generate_images(4)
        errD = netD(fake).mean() - netD(real[0]).mean()
    gp = netD.compute_gradient_penalty_loss(real[0], fake)
    assert abs(log.get_value("errD") - errD.item()) < 1e-5
    assert abs(log.get_value("errD_GP") - gp.item()) < 1e-5
    assert netD.gp_scale == 10.0


def test_critic_mean_pools_and_has_no_spectral_norm():
    _, netD = _small(32)
    assert not any(k.endswith("weight_orig") for k in netD.state_dict())
    x = torch.rand(2, 3, 32, 32)
    from torch_mimicry.nets import resnet_backbone
    h = resnet_backbone.resnet_features(x, resnet_backbone.discriminator_blocks(netD)).mean(dim=(2, 3))
    assert torch.allclose(netD(x), netD.l5(h), atol=1e-6)
