"""Tests of the CGANPD family (torch_mimicry.nets.cgan_pd): shapes, training through the Trainer,
every loss type, the family's own loss terms, and compatibility with torch-mimicry 0.1.16."""
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.modules import losses
from torch_mimicry.nets import cgan_pd
from torch_mimicry.training.metric_log import MetricLog

RESOLUTIONS = (32, 48, 64, 128)
NUM_CLASSES = 5
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(cgan_pd, f"CGANPDGenerator{res}"), getattr(cgan_pd, f"CGANPDDiscriminator{res}")


def _small(res, **kwargs):
    """Tiny-width generator and discriminator at resolution ``res``."""
    G_cls, D_cls = _classes(res)
    netG = G_cls(num_classes=NUM_CLASSES, ngf=16, nz=8, **kwargs)
    netD = D_cls(num_classes=NUM_CLASSES, **dict(ndf=16 if res == 32 else 64), **kwargs)
    return netG, netD


def _warm_up(netD, res):
    """A few training-mode passes (spectral-norm estimates settle from their random start), then eval mode."""
    netD.train()
    with torch.no_grad():
        for _ in range(5):
            x = torch.rand(4, 3, res, res) * 2 - 1
            netD(x, torch.arange(4) % NUM_CLASSES)
    netD.eval()
    return netD


def _real_batch(res, n=4):
    return torch.rand(n, 3, res, res) * 2 - 1, torch.arange(n) % NUM_CLASSES


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_shapes_and_ranges(res):
    netG, netD = _small(res)
    labels = torch.arange(3) % NUM_CLASSES
    images = netG.generate_images_with_labels(3, c=labels)[0]
    assert images.shape == (3, 3, res, res)
    assert images.min() >= -1 and images.max() <= 1
    out = netD(images, labels)
    assert out.shape == (3, 1)
    assert netG.loss_type == netD.loss_type == "hinge"


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
    "CGANPDGenerator128": 32239491,
    "CGANPDDiscriminator128": 455777,
    "CGANPDGenerator32": 4304387,
    "CGANPDDiscriminator32": 1055105
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_default_widths_match_original_parameter_counts(name):
    with torch.device("meta"):  # no memory or init cost
        net = getattr(cgan_pd, name)(num_classes=10)
    assert net.count_params()[0] == EXPECTED_PARAMS[name]


def _run_fixture(name):
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(cgan_pd, name)(**io["kwargs"])
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
# Projection discriminator and conditional generator


def test_projection_term_hand_computation():
    _, netD = _small(32)
    _warm_up(netD, 32)
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    y1, y2 = torch.tensor([0, 1, 2]), torch.tensor([3, 3, 0])
    with torch.no_grad():
        diff = netD(x, y1) - netD(x, y2)
        from torch_mimicry.nets.dcgan import dcgan_base
        h = dcgan_base.resnet_features(x, dcgan_base.discriminator_blocks(netD)).sum(dim=(2, 3))
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
