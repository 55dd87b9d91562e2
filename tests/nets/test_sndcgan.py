"""Tests of the SNDCGAN family (torch_mimicry.nets.sndcgan): shapes, training through the Trainer,
every loss type, the family's own loss terms, and compatibility with torch-mimicry 0.1.16."""
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.modules import losses
from torch_mimicry.nets import sndcgan
from torch_mimicry.training.metric_log import MetricLog

RESOLUTIONS = (32, 48)
NUM_CLASSES = 5
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(sndcgan, f"SNDCGANGenerator{res}"), getattr(sndcgan, f"SNDCGANDiscriminator{res}")


def _small(res, **kwargs):
    """Tiny-width generator and discriminator at resolution ``res``."""
    G_cls, D_cls = _classes(res)
    netG = G_cls(ngf=16, nz=8, **kwargs)
    netD = D_cls(**dict(ndf=32), **kwargs)
    return netG, netD


def _warm_up(netD, res):
    """A few training-mode passes (spectral-norm estimates settle from their random start), then eval mode."""
    netD.train()
    with torch.no_grad():
        for _ in range(5):
            x = torch.rand(4, 3, res, res) * 2 - 1
            netD(x)
    netD.eval()
    return netD


def _real_batch(res, n=4):
    return torch.rand(n, 3, res, res) * 2 - 1, torch.arange(n) % NUM_CLASSES


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_shapes_and_ranges(res):
    netG, netD = _small(res)
    labels = torch.arange(3) % NUM_CLASSES
    images = netG.generate_images(3)
    assert images.shape == (3, 3, res, res)
    assert images.min() >= -1 and images.max() <= 1
    out = netD(images)
    assert out.shape == (3, 1)
    assert netG.loss_type == netD.loss_type == "ns"


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_trainer_runs_one_d_and_one_g_step(res, tmp_path):
    netG, netD = _small(res)
    images, labels = _real_batch(res, 8)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=4)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    d_before = [p.detach().clone() for p in netD.parameters()]
    g_before = [p.detach().clone() for p in netG.parameters()]
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader, num_steps=1,
                                   n_dis=1, log_dir=str(tmp_path), device="cpu", vis_steps=100, log_steps=100)
    trainer.train()
    assert any(not torch.equal(a, b) for a, b in zip(d_before, netD.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(g_before, netG.parameters()))
    assert all(p.requires_grad for p in list(netD.parameters()) + list(netG.parameters()))


@pytest.mark.parametrize("loss_type", losses.LOSS_TYPES)
def test_every_loss_type_trains(loss_type):
    netG, netD = _small(32, loss_type=loss_type)
    batch = _real_batch(32)
    optD = torch.optim.SGD(netD.parameters(), 0.01)
    optG = torch.optim.SGD(netG.parameters(), 0.01)
    log = netD.train_step(batch, netG, optD, MetricLog())
    log = netG.train_step(batch, netD, optG, log)
    assert all(torch.isfinite(torch.as_tensor(log[k])) for k in log.keys())
    assert {"errD", "errG"} <= set(log.keys())


def test_unknown_loss_type_is_rejected():
    with pytest.raises(ValueError, match="Unknown loss_type"):
        _small(32, loss_type="nope")


# ---------------------------------------------------------------------------------------------
# The standard CNN of Miyato et al. 2018


def test_default_parameter_counts_by_hand():
    def conv(cin, cout, k):
        return cin * cout * k * k + cout

    g = (128 * 16 * 512 + 16 * 512) + 2 * 512 + conv(512, 256, 4) + 2 * 256 + conv(256, 128, 4) + 2 * 128 \
        + conv(128, 64, 4) + 2 * 64 + conv(64, 3, 3)
    widths = [3, 64, 64, 128, 128, 256, 256, 512]
    d = sum(conv(widths[i], widths[i + 1], 3 if i % 2 == 0 else 4) for i in range(7)) + 16 * 512 + 1
    with torch.device("meta"):
        assert sndcgan.SNDCGANGenerator32().count_params()[0] == g
        assert sndcgan.SNDCGANDiscriminator32().count_params()[0] == d
        assert sndcgan.SNDCGANDiscriminator48().count_params()[0] == d - 16 * 512 + 36 * 512


def test_discriminator_layout():
    netD = sndcgan.SNDCGANDiscriminator32(ndf=32)
    assert [(c.kernel_size[0], c.stride[0]) for c in netD.convs] == [(3, 1), (4, 2)] * 3 + [(3, 1)]
    assert all(hasattr(c, "weight_orig") for c in netD.convs) and hasattr(netD.l_out, "weight_orig")
    assert netD.activation.negative_slope == 0.1
    netG = sndcgan.SNDCGANGenerator48(ngf=32)
    assert netG.generate_images(2).shape == (2, 3, 48, 48)
