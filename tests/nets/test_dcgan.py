"""Tests of the DCGAN family (torch_mimicry.nets.dcgan): shapes, training through the Trainer,
every loss type, the family's own loss terms, and compatibility with torch-mimicry 0.1.16."""
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.modules import losses
from torch_mimicry.nets import dcgan
from torch_mimicry.training.metric_log import MetricLog

RESOLUTIONS = (32, 48, 64, 128)
NUM_CLASSES = 5
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(dcgan, f"DCGANGenerator{res}"), getattr(dcgan, f"DCGANDiscriminator{res}")


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


# Parameter counts at default widths of torch-mimicry 0.1.16's classes of the same names
# (measured with that package; tests/fixtures/original_reference.json holds the full record).
EXPECTED_PARAMS = {
    "DCGANGenerator128": 32150787,
    "DCGANDiscriminator128": 29017857,
    "DCGANGenerator32": 4276739,
    "DCGANDiscriminator32": 1053825,
    "DCGANGenerator48": 4878083,
    "DCGANDiscriminator48": 10141441,
    "DCGANGenerator64": 12220675,
    "DCGANDiscriminator64": 10141441
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_default_widths_match_original_parameter_counts(name):
    with torch.device("meta"):  # no memory or init cost
        net = getattr(dcgan, name)()
    assert net.count_params()[0] == EXPECTED_PARAMS[name]


def _run_fixture(name):
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(dcgan, name)(**io["kwargs"])
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
    assert abs(log_d["errD"] - RELATIVISTIC[loss_type](out_real, out_fake).item()) < 1e-5
    log_g = _frozen_step(netG, netD, real, seed=2)
    torch.manual_seed(2)
    with torch.no_grad():
        out_fake, out_real = netD(netG.generate_images(6)), netD(real[0])
    assert abs(log_g["errG"] - RELATIVISTIC[loss_type](out_fake, out_real).item()) < 1e-5


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
