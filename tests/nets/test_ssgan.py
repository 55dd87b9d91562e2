"""Tests of the SSGAN family (torch_mimicry.nets.ssgan): shapes, training through the Trainer,
every loss type, the family's own loss terms, and compatibility with torch-mimicry 0.1.16."""
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.modules import losses
from torch_mimicry.nets import ssgan
from torch_mimicry.training.metric_log import MetricLog

RESOLUTIONS = (32, 48, 64, 128)
NUM_CLASSES = 5
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(ssgan, f"SSGANGenerator{res}"), getattr(ssgan, f"SSGANDiscriminator{res}")


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
    assert out[0].shape == (3, 1) and out[1].shape == (3, 4)
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
    "SSGANGenerator128": 32150787,
    "SSGANDiscriminator128": 29021957,
    "SSGANGenerator32": 4276739,
    "SSGANDiscriminator32": 1054341,
    "SSGANGenerator48": 4878083,
    "SSGANDiscriminator48": 10145541,
    "SSGANGenerator64": 12220675,
    "SSGANDiscriminator64": 10145541
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_default_widths_match_original_parameter_counts(name):
    with torch.device("meta"):  # no memory or init cost
        net = getattr(ssgan, name)()
    assert net.count_params()[0] == EXPECTED_PARAMS[name]


def _run_fixture(name):
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(ssgan, name)(**io["kwargs"])
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
# Rotation self-supervision


def _frozen_step(net, other, batch, seed):
    """One train_step with a zero learning rate (weights unchanged) after seeding the RNG."""
    torch.manual_seed(seed)
    return net.train_step(batch, other, torch.optim.SGD(net.parameters(), lr=0.0), MetricLog())


@pytest.mark.parametrize("n", [4, 5, 6, 8, 9])
def test_rotate_batch_rotates_each_quarter_counter_clockwise(n):
    images = torch.rand(n, 3, 6, 6)
    rotated, labels = ssgan.rotate_batch(images)
    assert labels.tolist() == [i * 4 // n for i in range(n)]
    assert rotated.shape == images.shape
    for i in range(n):
        x, k = images[i], int(labels[i])
        expected = {0: x, 1: x.transpose(1, 2).flip(1), 2: x.flip(1).flip(2), 3: x.transpose(1, 2).flip(2)}[k]
        assert torch.equal(rotated[i], expected)
    # 90 degrees counter-clockwise: out[c, i, j] = x[c, j, W - 1 - i]
    k1 = labels.tolist().index(1)
    assert rotated[k1, 0, 0, 0] == images[k1, 0, 0, 5] and rotated[k1, 0, 5, 0] == images[k1, 0, 0, 0]


def test_rotations_match_original():
    extra = torch.load(os.path.join(FIXTURES, "SSGANDiscriminator32_io.pt"), weights_only=True)["extra"]
    rotated, labels = ssgan.rotate_batch(extra["images"].float())
    assert torch.equal(labels, extra["labels"])
    assert torch.equal(rotated, extra["rotated"].float())


@pytest.mark.parametrize("name", ["SSGANDiscriminator32", "SSGANDiscriminator48"])
def test_ss_loss_matches_original(name):
    netD, io, _ = _run_fixture(name)
    with torch.no_grad():
        loss, labels = netD.compute_ss_loss(io["extra"]["images"].float(), scale=1.0)
    assert torch.equal(labels, io["extra"]["labels"])
    assert abs(loss.item() - io["extra"]["ss_loss"].item()) < 1e-4


def test_ss_loss_hand_computation():
    _, netD = _small(32)
    _warm_up(netD, 32)
    images = torch.rand(8, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        loss, labels = netD.compute_ss_loss(images, scale=0.7)
        rotated = torch.stack([torch.rot90(images[i], i * 4 // 8, dims=(1, 2)) for i in range(8)])
        logits = netD(rotated)[1]
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    expected = -0.7 * sum(log_probs[i, i * 4 // 8] for i in range(8)) / 8
    assert labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert abs(loss.item() - expected.item()) < 1e-5 * max(1.0, expected.item())
    assert netD.ss_loss_scale == 1.0


@pytest.mark.parametrize("fuse", [False, True])
def test_d_and_g_step_loss_terms_by_hand(fuse):
    netG, netD = _small(32)
    netD.fuse_forwards = fuse
    netG.eval()
    _warm_up(netD, 32)  # eval mode: fixed spectral-norm vectors, so the hand computation sees the same weights
    real = _real_batch(32, 8)
    log = _frozen_step(netD, netG, real, seed=1)
    torch.manual_seed(1)
    with torch.no_grad():
        fake = netG.generate_images(8)
        out_real, out_fake = netD(real[0])[0], netD(fake)[0]
        rot_logits = netD(ssgan.rotate_batch(real[0])[0])[1]
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    hinge = torch.relu(1 - out_real).mean() + torch.relu(1 + out_fake).mean()
    assert abs(log["errD"] - hinge.item()) < 1e-5
    assert abs(log["errD_SS"] - 1.0 * torch.nn.functional.cross_entropy(rot_logits, labels).item()) < 1e-5
    assert log.get_group_name("errD_SS") == "loss_SS"

    log = _frozen_step(netG, netD, real, seed=2)
    torch.manual_seed(2)
    with torch.no_grad():
        fake = netG.generate_images(8)
        out_fake = netD(fake)[0]
        rot_logits = netD(ssgan.rotate_batch(fake)[0])[1]
    assert abs(log["errG"] - (-out_fake.mean()).item()) < 1e-5
    assert abs(log["errG_SS"] - 0.2 * torch.nn.functional.cross_entropy(rot_logits, labels).item()) < 1e-5


def test_fused_forwards_run_fewer_discriminator_passes():
    netG, netD = _small(32)
    real = _real_batch(32, 8)
    for fuse, d_passes, g_passes in ((False, 3, 2), (True, 1, 1)):
        netD.fuse_forwards = fuse
        calls = []
        forward = type(netD).forward
        netD.forward = lambda x, *a: (calls.append(x.shape[0]), forward(netD, x, *a))[1]
        _frozen_step(netD, netG, real, seed=0)
        assert len(calls) == d_passes and sum(calls) == 24
        calls.clear()
        _frozen_step(netG, netD, real, seed=0)
        assert len(calls) == g_passes and sum(calls) == 16
        del netD.forward


def test_fused_and_separate_passes_agree_in_eval_mode():
    netG, netD = _small(32)
    netG.eval()
    _warm_up(netD, 32)
    real = _real_batch(32, 8)
    logs = []
    for fuse in (False, True):
        netD.fuse_forwards = fuse
        logs.append(_frozen_step(netD, netG, real, seed=3))
    for key in ("errD", "errD_SS", "D(x)", "D(G(z))"):
        assert abs(logs[0][key] - logs[1][key]) < 1e-5


def test_default_hyperparameters():
    G, D = ssgan.SSGANGenerator32(ngf=8), ssgan.SSGANDiscriminator32(ndf=8)
    assert (G.ss_loss_scale, D.ss_loss_scale, D.fuse_forwards) == (0.2, 1.0, False)
