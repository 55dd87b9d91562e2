"""Tests of the WGANGP family (torch_mimicry.nets.wgan_gp): shapes, training through the Trainer,
every loss type, the family's own loss terms, and compatibility with torch-mimicry 0.1.16."""
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.modules import losses
from torch_mimicry.nets import wgan_gp
from torch_mimicry.training.metric_log import MetricLog

RESOLUTIONS = (32, 48, 64, 128)
NUM_CLASSES = 5
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(wgan_gp, f"WGANGPGenerator{res}"), getattr(wgan_gp, f"WGANGPDiscriminator{res}")


def _small(res, **kwargs):
    """Tiny-width generator and discriminator at resolution ``res``."""
    G_cls, D_cls = _classes(res)
    netG = G_cls(ngf=16, nz=8, **kwargs)
    netD = D_cls(**dict(ndf=16 if res == 32 else 64), **kwargs)
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
    assert netG.loss_type == netD.loss_type == "wasserstein"


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


# Parameter counts at default widths of torch-mimicry 0.1.16's classes of the same names
# (measured with that package; tests/fixtures/original_reference.json holds the full record).
EXPECTED_PARAMS = {
    "WGANGPGenerator128": 32150787,
    "WGANGPDiscriminator128": 29017857,
    "WGANGPGenerator32": 4276739,
    "WGANGPDiscriminator32": 1053825,
    "WGANGPGenerator48": 4878083,
    "WGANGPDiscriminator48": 10141441,
    "WGANGPGenerator64": 12220675,
    "WGANGPDiscriminator64": 10141441
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_default_widths_match_original_parameter_counts(name):
    with torch.device("meta"):  # no memory or init cost
        net = getattr(wgan_gp, name)()
    assert net.count_params()[0] == EXPECTED_PARAMS[name]


def _run_fixture(name):
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(wgan_gp, name)(**io["kwargs"])
    assert net.restore_checkpoint(os.path.join(FIXTURES, f"{name}.pth")) == 3
    net.eval()
    inputs = io["inputs"]
    args = [inputs["z"]] if "z" in inputs else [inputs["x"].float()]
    if "y" in inputs:
        args.append(inputs["y"])
    with torch.no_grad():
        out = net(*args)
    return net, io, out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED_PARAMS
                                        if os.path.isfile(os.path.join(FIXTURES, f"{n}.pth"))))
def test_original_checkpoint_gives_original_outputs(name):
    _, io, out = _run_fixture(name)
    assert len(out) == len(io["outputs"])
    for ours, theirs in zip(out, io["outputs"]):
        assert ours.shape == theirs.shape
        assert (ours - theirs).abs().max().item() < 1e-4


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
    assert abs(log["errD"] - errD.item()) < 1e-5
    assert abs(log["errD_GP"] - gp.item()) < 1e-5
    assert netD.gp_scale == 10.0


def test_critic_mean_pools_and_has_no_spectral_norm():
    _, netD = _small(32)
    assert not any(k.endswith("weight_orig") for k in netD.state_dict())
    x = torch.rand(2, 3, 32, 32)
    from torch_mimicry.nets.dcgan import dcgan_base
    h = dcgan_base.resnet_features(x, dcgan_base.discriminator_blocks(netD)).mean(dim=(2, 3))
    assert torch.allclose(netD(x), netD.l5(h), atol=1e-6)
