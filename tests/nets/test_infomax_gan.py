"""Tests of the InfoMaxGAN family (torch_mimicry.nets.infomax_gan): shapes, training through the Trainer,
every loss type, the family's own loss terms, and compatibility with torch-mimicry 0.1.16."""
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.modules import losses
from torch_mimicry.nets import infomax_gan
from torch_mimicry.training.metric_log import MetricLog

RESOLUTIONS = (32, 48, 64, 128)
NUM_CLASSES = 5
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(infomax_gan, f"InfoMaxGANGenerator{res}"), getattr(infomax_gan, f"InfoMaxGANDiscriminator{res}")


def _small(res, **kwargs):
    """Tiny-width generator and discriminator at resolution ``res``."""
    G_cls, D_cls = _classes(res)
    netG = G_cls(ngf=16, nz=8, **kwargs)
    netD = D_cls(**dict(ndf=16 if res == 32 else 64, nrkhs=32), **kwargs)
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
    assert out[0].shape == (3, 1) and out[2].shape == (3, netD.ndf) and out[1].shape[:2] == (3, out[1].shape[1])
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
    "InfoMaxGANGenerator128": 32150787,
    "InfoMaxGANDiscriminator128": 35315457,
    "InfoMaxGANGenerator32": 4276739,
    "InfoMaxGANDiscriminator32": 1615233,
    "InfoMaxGANGenerator48": 4878083,
    "InfoMaxGANDiscriminator48": 14603521,
    "InfoMaxGANGenerator64": 12220675,
    "InfoMaxGANDiscriminator64": 14603521
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_default_widths_match_original_parameter_counts(name):
    with torch.device("meta"):  # no memory or init cost
        net = getattr(infomax_gan, name)()
    assert net.count_params()[0] == EXPECTED_PARAMS[name]


def _run_fixture(name):
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(infomax_gan, name)(**io["kwargs"])
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
    assert abs(log["errD"] - (torch.relu(1 - out_real).mean() + torch.relu(1 + out_fake).mean()).item()) < 1e-5
    assert abs(log["errD_IM"] - expected_im) < 1e-5 * max(1.0, abs(expected_im))

    log = _frozen_step(netG, netD, real, seed=2)
    with torch.no_grad():
        torch.manual_seed(2)
        out_fake, local_feat, global_feat = netD(netG.generate_images(4))
        expected_im = 0.2 * _infonce_by_loops(*netD.project_features(local_feat, global_feat))
    assert abs(log["errG"] - (-out_fake.mean()).item()) < 1e-5
    assert abs(log["errG_IM"] - expected_im) < 1e-5 * max(1.0, abs(expected_im))
    assert log.get_group_name("errG_IM") == "loss_IM"
