"""Checks every GAN family passes at every resolution: output shapes and ranges, one D and one G
step through the Trainer, every loss type, default widths with the original's parameter counts,
and the original torch-mimicry 0.1.16 checkpoints giving the original's outputs."""
import pytest
import torch

import torch_mimicry as mmc
from family_suite import FAMILIES, original_parameter_counts
from torch_mimicry.modules import losses
from torch_mimicry.training.metric_log import MetricLog

AT_EVERY_RESOLUTION = [(f, r) for f in FAMILIES for r in FAMILIES[f].resolutions]
ORIGINAL_COUNTS = original_parameter_counts()
WITH_ORIGINAL = [(f, n) for f in FAMILIES for n in FAMILIES[f].class_names() if n in ORIGINAL_COUNTS]
WITH_FIXTURE = [(f, n) for f in FAMILIES for n in FAMILIES[f].fixture_names()]


@pytest.mark.parametrize("family, res", AT_EVERY_RESOLUTION)
def test_shapes_ranges_and_default_loss(family, res):
    fam = FAMILIES[family]
    netG, netD = fam.small(res)
    labels = torch.arange(3) % 5
    images = fam.generate(netG, 3, labels)
    assert images.shape == (3, 3, res, res)
    assert images.min() >= -1 and images.max() <= 1
    out = fam.discriminate(netD, images, labels)
    logits = out[0] if isinstance(out, tuple) else out
    assert logits.shape == (3, 1)
    assert netG.loss_type == netD.loss_type == fam.default_loss


@pytest.mark.parametrize("family, res", AT_EVERY_RESOLUTION)
def test_trainer_runs_one_d_and_one_g_step(family, res, tmp_path):
    fam = FAMILIES[family]
    netG, netD = fam.small(res)
    images, labels = fam.real_batch(res, 8)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=4)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    d_before = [p.detach().clone() for p in netD.parameters()]
    g_before = [p.detach().clone() for p in netG.parameters()]
    trainer = mmc.training.Trainer(netD=netD, netG=netG, optD=optD, optG=optG, dataloader=loader, num_steps=1,
                                   n_dis=1, log_dir=str(tmp_path), device="cpu", vis_steps=100, log_steps=100)
    assert trainer.train() == 1
    assert any(not torch.equal(a, b) for a, b in zip(d_before, netD.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(g_before, netG.parameters()))
    assert all(p.requires_grad for p in list(netD.parameters()) + list(netG.parameters()))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("loss_type", losses.LOSS_TYPES)
def test_every_loss_type_trains(family, loss_type):
    fam = FAMILIES[family]
    netG, netD = fam.small(32, loss_type=loss_type)
    batch = fam.real_batch(32)
    log = netD.train_step(batch, netG, torch.optim.SGD(netD.parameters(), 0.01), MetricLog())
    log = netG.train_step(batch, netD, torch.optim.SGD(netG.parameters(), 0.01), log)
    assert {"errD", "errG"} <= set(log.keys())
    assert all(torch.isfinite(torch.as_tensor(log[k])) for k in log.keys())


@pytest.mark.parametrize("family", FAMILIES)
def test_unknown_loss_type_is_rejected(family):
    with pytest.raises(ValueError, match="Unknown loss_type"):
        FAMILIES[family].small(32, loss_type="nope")


def test_every_original_class_has_a_counterpart():
    ours = {n for fam in FAMILIES.values() for n in fam.class_names()}
    # DCGAN*CIFAR (the 32 px pair with a sigmoid output) are checked in tests/compat
    assert {n for n in ORIGINAL_COUNTS if not n.endswith("CIFAR")} <= ours


@pytest.mark.parametrize("family, name", WITH_ORIGINAL)
def test_default_widths_match_original_parameter_counts(family, name):
    assert FAMILIES[family].default(name).count_params()[0] == ORIGINAL_COUNTS[name]


@pytest.mark.parametrize("family, name", WITH_FIXTURE)
def test_original_checkpoint_gives_original_outputs(family, name):
    """Checkpoints written by torch-mimicry 0.1.16's save_checkpoint (reduced widths, made by
    tests/fixtures/make_original_fixtures.py) load and give that release's eval-mode outputs."""
    _, io, out = FAMILIES[family].run_fixture(name)
    assert len(out) == len(io["outputs"])
    for ours, theirs in zip(out, io["outputs"]):
        assert ours.shape == theirs.shape
        assert (ours - theirs).abs().max().item() < 1e-4


def test_every_class_with_an_original_has_a_fixture():
    assert {n for _, n in WITH_ORIGINAL} <= {n for _, n in WITH_FIXTURE}


def _moderate_widths(fam):
    """Default widths, BigGAN at channel multiplier 16 (its defaults take seconds to initialise)."""
    return ({"ngf": 16}, {"ndf": 16}) if fam.package == "biggan" else ({}, {})


@pytest.mark.parametrize("family", FAMILIES)
def test_fresh_networks_give_proper_outputs_in_eval_mode(family):
    """Spectral-norm estimates are converged at construction: a freshly built generator in eval mode
    gives finite images that are not saturated at +-1, a fresh discriminator finite logits."""
    fam = FAMILIES[family]
    g_kw, d_kw = _moderate_widths(fam)
    labels = torch.arange(4) % 10
    for res in fam.resolutions:
        G_cls, D_cls = fam.classes(res)
        kw = {"num_classes": 10} if fam.conditional else {}
        netG, netD = G_cls(**g_kw, **kw).eval(), D_cls(**d_kw, **kw).eval()
        with torch.no_grad():
            images = fam.generate(netG, 4, labels)
            out = fam.discriminate(netD, images, labels)
        logits = out[0] if isinstance(out, tuple) else out
        assert torch.isfinite(images).all(), G_cls.__name__
        assert (images.abs() > 0.99).float().mean() < 0.2, f"{G_cls.__name__} saturates"
        assert images.std() > 1e-3, G_cls.__name__
        assert torch.isfinite(logits).all(), D_cls.__name__
