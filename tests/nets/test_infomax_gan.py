"""Tests of InfoMax-GAN's own terms (torch_mimicry.nets.infomax_gan); the checks every family shares
are in test_families.py."""

import pytest
import torch

from family_suite import FAMILIES
from torch_mimicry.nets import infomax_gan
from torch_mimicry.training.metric_log import MetricLog

FAMILY = FAMILIES["infomax_gan"]
RESOLUTIONS = FAMILY.resolutions
_small = FAMILY.small
_warm_up = FAMILY.warm_up
_real_batch = FAMILY.real_batch
_run_fixture = FAMILY.run_fixture


# ---------------------------------------------------------------------------------------------
# InfoNCE between local and global features


def _infonce_by_loops(local_feat, global_feat):
    n, r = local_feat.shape[:2]
    local = local_feat.reshape(n, r, -1)
    num_loc = local.shape[2]
    total = 0.0
    for i in range(n):
        negatives = []
        for j in range(n):
            for m in range(num_loc):
                negatives.append(-10.0 if j == i else float(local[j, :, m] @ global_feat[i]))
        for k in range(num_loc):
            positive = float(local[i, :, k] @ global_feat[i])
            log_denom = torch.logsumexp(torch.tensor([positive] + negatives, dtype=torch.float64), dim=0)
            total += -(positive - float(log_denom))
    return total / (n * num_loc)


def test_infonce_hand_computation():
    local_feat, global_feat = torch.randn(3, 4, 2, 2), torch.randn(3, 4)
    ours = infomax_gan.infonce_loss(local_feat, global_feat).item()
    expected = _infonce_by_loops(local_feat, global_feat)
    assert abs(ours - expected) < 1e-5 * max(1.0, expected)


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_projection_and_infomax_loss_match_original(res):
    netD, io, out = _run_fixture(f"InfoMaxGANDiscriminator{res}")
    with torch.no_grad():
        local_proj, global_proj = netD.project_features(out[1], out[2])
        loss = netD.compute_infomax_loss(local_proj, global_proj, scale=1.0)
    for ours, theirs in ((local_proj, io["extra"]["local_proj"]), (global_proj, io["extra"]["global_proj"])):
        # float32 projections reach ~1e3 here: compare relative to the largest value
        assert (ours - theirs).abs().max() < 1e-5 * max(1.0, theirs.abs().max().item())
    ref = io["extra"]["infomax_loss"].item()
    assert abs(loss.item() - ref) < 1e-4 * max(1.0, abs(ref))  # float32 sums of large scores


def test_local_features_are_rectified_and_projection_is_required():
    _, netD = _small(32)
    _, local_feat, global_feat = netD(torch.rand(2, 3, 32, 32) * 2 - 1)
    assert local_feat.min() >= 0 and global_feat.shape == (2, 16)
    with pytest.raises(ValueError, match="project_features"):
        netD.compute_infomax_loss(local_feat, global_feat)


def _frozen_step(net, other, batch, seed):
    torch.manual_seed(seed)
    return net.train_step(batch, other, torch.optim.SGD(net.parameters(), lr=0.0), MetricLog())


def test_d_and_g_step_loss_terms_by_hand():
    netG, netD = _small(32)
    netG.eval()
    _warm_up(netD, 32)
    real = _real_batch(32, 4)
    log = _frozen_step(netD, netG, real, seed=1)
    with torch.no_grad():
        torch.manual_seed(1)
        fake = netG.generate_images(4)
        out_real, local_feat, global_feat = netD(real[0])
        out_fake = netD(fake)[0]
        expected_im = 0.2 * _infonce_by_loops(*netD.project_features(local_feat, global_feat))
    assert abs(log.get_value("errD") - (torch.relu(1 - out_real).mean() + torch.relu(1 + out_fake).mean()).item()) < 1e-5
    assert abs(log.get_value("errD_IM") - expected_im) < 1e-5 * max(1.0, abs(expected_im))

    log = _frozen_step(netG, netD, real, seed=2)
    with torch.no_grad():
        torch.manual_seed(2)
        out_fake, local_feat, global_feat = netD(netG.generate_images(4))
        expected_im = 0.2 * _infonce_by_loops(*netD.project_features(local_feat, global_feat))
    assert abs(log.get_value("errG") - (-out_fake.mean()).item()) < 1e-5
    assert abs(log.get_value("errG_IM") - expected_im) < 1e-5 * max(1.0, abs(expected_im))
    assert log.get_group_name("errG_IM") == "loss_IM"
