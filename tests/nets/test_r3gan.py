"""R3GAN's own terms: the official parameter counts, the blocks against formulas computed here, the
RpGAN + R1 + R2 steps against the loss written out by hand, and official weights (stand-in pickles
in the real format) giving the reference forward's images."""
import math
import pickle

import pytest
import torch
import torch.nn.functional as F

import r3gan_standins as standins
from torch_mimicry.augment import DiscriminatorHooks, DiscriminatorPlugin
from torch_mimicry.nets import r3gan
from torch_mimicry.nets.nvlabs_pickle import UnsafePickleError
from torch_mimicry.nets.r3gan import convert, layers
from torch_mimicry.training.metric_log import MetricLog


def _counts(G, D, **kwargs):
    with torch.device("meta"):
        return G(**kwargs).count_params()[0], D(**kwargs).count_params()[0]


def test_parameter_counts_equal_the_official_presets():
    # measured with the authors' training.networks.Generator / Discriminator (train.py's presets)
    assert _counts(r3gan.R3GANGenerator32, r3gan.R3GANDiscriminator32) == (20_732_160, 20_683_776)
    assert _counts(r3gan.R3GANGenerator32, r3gan.R3GANDiscriminator32, num_classes=10) == (20_781_952, 21_280_512)
    assert _counts(r3gan.R3GANGenerator64, r3gan.R3GANDiscriminator64) == (22_429_824, 22_381_440)
    assert _counts(r3gan.R3GANGenerator64, r3gan.R3GANDiscriminator64, plan="imagenet64",
                   num_classes=1000) == (103_570_432, 107_205_120)
    assert _counts(r3gan.R3GANGenerator, r3gan.R3GANDiscriminator, plan="ffhq256") == (23_057_952, 23_009_568)


def test_plans_are_data_and_scale_with_the_base_width():
    p = r3gan.PLANS["ffhq64"]
    assert (p.resolution, p.num_blocks, p.widths, p.cardinality) == (64, 10, (768,) * 4 + (384,), (96,) * 4 + (48,))
    small = p.scaled(16)  # 16 channels per group kept: 32 hidden -> 2 groups, 16 hidden -> 1
    assert (small.widths, small.cardinality) == ((16, 16, 16, 16, 8), (2, 2, 2, 2, 1))
    netG = r3gan.R3GANGenerator64(ngf=16, nz=8)
    assert netG.plan == small and netG.ngf == 16 and type(netG).__mro__[1] is r3gan.R3GANGenerator
    with pytest.raises(ValueError, match="whole channels"):
        p.scaled(7)
    with pytest.raises(ValueError, match="makes 64x64 images, not 32x32"):
        r3gan.R3GANGenerator32(plan="ffhq64")
    with pytest.raises(ValueError, match="Unknown R3GAN plan"):
        r3gan.R3GANDiscriminator(plan="cifar100")
    with pytest.raises(ValueError, match="pass gamma"):
        r3gan.R3GANDiscriminator(plan=r3gan.R3GANPlan((8, 8), (1, 1), (1, 1)))


def test_residual_block_starts_as_identity_with_variance_scaled_init():
    torch.manual_seed(0)
    block = layers.ResidualBlock(64, 8, 2, num_blocks=16)
    x = torch.randn(2, 64, 4, 4)
    assert torch.equal(block(x), x)  # the last 1x1 convolution starts at zero
    expected = layers.LEAKY_GAIN * 16 ** -0.25  # gain x L^(-1/4), over sqrt(fan-in)
    assert block.conv1.weight.std().item() == pytest.approx(expected / math.sqrt(64), rel=0.05)
    assert block.conv2.weight.std().item() == pytest.approx(expected / math.sqrt(16 * 9), rel=0.05)
    assert block.conv2.groups == 8 and block.conv1.bias is None and not list(block.act1.parameters())[0].any()
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm, torch.nn.LayerNorm))
                   for m in r3gan.R3GANDiscriminator32(ndf=16).modules())


def _resample_1d(v, up):
    """The [1, 3, 3, 1] filter on a 1D signal with zeros outside, written out."""
    x = lambda i: v[i] if 0 <= i < len(v) else 0.0  # noqa: E731
    if up:
        return [(x(i - 1) + 3 * x(i)) / 4 if m % 2 == 0 else (3 * x(i) + x(i + 1)) / 4
                for m in range(2 * len(v)) for i in [m // 2]]
    return [(x(2 * m - 1) + 3 * x(2 * m) + 3 * x(2 * m + 1) + x(2 * m + 2)) / 8 for m in range(len(v) // 2)]


@pytest.mark.parametrize("up", [True, False])
def test_lowpass_resampling_is_the_separable_binomial_filter(up):
    torch.manual_seed(1)
    img = torch.randn(4, 4, dtype=torch.float64)
    rows = torch.tensor([_resample_1d(r.tolist(), up) for r in img], dtype=torch.float64)
    expected = torch.tensor([_resample_1d(c.tolist(), up) for c in rows.t()], dtype=torch.float64).t()
    layer = layers.LowPassResample(1, 1, up=up).double()
    assert layer.conv is None
    assert torch.allclose(layer(img.view(1, 1, 4, 4))[0, 0], expected, atol=1e-12)
    changing = layers.LowPassResample(4, 2, up=up)
    assert changing.conv is not None and changing.conv.weight.shape == (2, 4, 1, 1)
    assert changing(torch.randn(1, 4, 8, 8)).shape == ((1, 2, 16, 16) if up else (1, 2, 4, 4))


#: The CIFAR-10 plan's shape at 16 channels (2 groups), one block per stage.
TINY = r3gan.R3GANPlan(widths=(16,) * 4, blocks=(1,) * 4, cardinality=(2,) * 4, nz=8)


def _nets(num_classes=0, seed=0):
    torch.manual_seed(seed)
    netG = r3gan.R3GANGenerator32(plan=TINY, nz=8, num_classes=num_classes)
    netD = r3gan.R3GANDiscriminator32(plan=TINY, num_classes=num_classes, gamma=0.7)
    with torch.no_grad():  # leave the identity start, so every block matters
        for p in list(netG.parameters()) + list(netD.parameters()):
            p.add_(torch.randn_like(p) * 0.05)
    return netG, netD


def _by_hand(netG, netD, real, labels, seed):
    """RpGAN + gamma/2 (R1 + R2) of the discriminator, and its gradients, written out."""
    torch.manual_seed(seed)
    with torch.no_grad():
        fake = netG(netG.sample_noise(real.shape[0]), labels)
    x, f = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
    out_x, out_f = netD(x, labels), netD(f, labels)
    gx, = torch.autograd.grad(out_x.sum(), x, create_graph=True)
    gf, = torch.autograd.grad(out_f.sum(), f, create_graph=True)
    errD = F.softplus(-(out_x - out_f)).mean()
    r1 = netD.gamma / 2 * gx.pow(2).sum(dim=(1, 2, 3)).mean()
    r2 = netD.gamma / 2 * gf.pow(2).sum(dim=(1, 2, 3)).mean()
    grads = torch.autograd.grad(errD + r1 + r2, list(netD.parameters()))
    return errD, r1, r2, grads


@pytest.mark.parametrize("num_classes", [0, 3])
def test_discriminator_step_is_rpgan_plus_r1_plus_r2(num_classes):
    netG, netD = _nets(num_classes)
    real = torch.rand(3, 3, 32, 32) * 2 - 1
    labels = torch.tensor([0, 2, 1]) if num_classes else None  # fakes take the real batch's labels
    errD, r1, r2, grads = _by_hand(netG, netD, real, labels, seed=5)
    torch.manual_seed(5)
    batch = (real, labels if num_classes else torch.zeros(3, dtype=torch.long))
    log = netD.train_step(batch, netG, torch.optim.SGD(netD.parameters(), lr=0.0), MetricLog())
    assert log.get_value("errD") == pytest.approx(errD.item(), rel=1e-5)
    assert log.get_value("errD_R1") == pytest.approx(r1.item(), rel=1e-4) and r1 > 0
    assert log.get_value("errD_R2") == pytest.approx(r2.item(), rel=1e-4) and r2 > 0
    for p, g in zip(netD.parameters(), grads):
        assert torch.allclose(p.grad, g, rtol=1e-4, atol=1e-7)
    assert not real.requires_grad and real.grad is None  # the batch is left as it was


def test_gamma_and_penalties_switch_the_terms():
    netG, netD = _nets()
    batch = (torch.rand(2, 3, 32, 32) * 2 - 1, torch.zeros(2, dtype=torch.long))
    opt = torch.optim.SGD(netD.parameters(), lr=0.0)
    netD.gamma = 0.0  # what a schedule does
    assert "errD_R1" not in netD.train_step(batch, netG, opt, MetricLog())
    netD.gamma, netD.penalties = 0.3, ("r1",)
    log = netD.train_step(batch, netG, opt, MetricLog())
    assert "errD_R1" in log and "errD_R2" not in log
    with pytest.raises(ValueError, match="penalties"):
        r3gan.R3GANDiscriminator32(plan=TINY, gamma=0.1, penalties=("r3",))


def test_generator_step_is_the_reverse_pairing_on_raw_images():
    netG, netD = _nets(num_classes=3)
    real, labels = torch.rand(3, 3, 32, 32) * 2 - 1, torch.tensor([2, 0, 1])
    torch.manual_seed(9)
    fake = netG(netG.sample_noise(3), labels)
    expected = F.softplus(netD(real, labels) - netD(fake, labels)).mean()
    torch.manual_seed(9)
    log = netG.train_step((real, labels), netD, torch.optim.SGD(netG.parameters(), lr=0.0), MetricLog())
    assert log.get_value("errG") == pytest.approx(expected.item(), rel=1e-5)


def test_sampling_clamps_but_forward_is_the_raw_output():
    netG, _ = _nets()
    with torch.no_grad():
        netG.to_rgb.weight.mul_(50)
        z = torch.randn(3, 8)
        raw = netG(z)
        torch.manual_seed(0)
        images = netG.generate_images(3)
    assert raw.abs().max() > 1 and images.min() >= -1 and images.max() <= 1
    with pytest.raises(ValueError, match="unconditional"):
        netG.generate_images(2, c=1)
    _, netD = _nets(num_classes=3)
    with pytest.raises(ValueError, match="labels"):
        netD(torch.zeros(1, 3, 32, 32))


class _Kinds(DiscriminatorPlugin):
    def __init__(self):
        self.kinds = []

    def observe(self, logits, call):
        self.kinds.append((call.phase, call.kind))


def test_hooks_see_the_real_batch_and_the_fakes_as_such():
    """The penalties' gradients need requires_grad inputs; the step sets it on the batch and fake
    tensors themselves, so augmentations and LeCam still tell reals from fakes."""
    netG, netD = _nets()
    plugin = _Kinds()
    hooks = DiscriminatorHooks(netD, netG, [plugin])
    batch = (torch.rand(2, 3, 32, 32) * 2 - 1, torch.zeros(2, dtype=torch.long))
    with hooks.step("D", batch):
        netD.train_step(batch, netG, torch.optim.SGD(netD.parameters(), lr=0.0), MetricLog())
    with hooks.step("G", batch):
        netG.train_step(batch, netD, torch.optim.SGD(netG.parameters(), lr=0.0), MetricLog())
    hooks.remove()
    assert plugin.kinds == [("D", "real"), ("D", "fake"), ("G", "fake"), ("G", "real")]


# -- official weights ---------------------------------------------------------------------------
CASES = {"unconditional": dict(), "conditional": dict(c_dim=5),
         "width_changes": dict(widths=(24, 16, 16, 8), cards=(3, 2, 2, 1), blocks=(1, 2, 2, 1), c_dim=4)}


@pytest.mark.parametrize("case", CASES)
def test_official_pickle_converts_to_the_reference_images(case, tmp_path):
    G, D = standins.make_networks(**CASES[case])
    G_ema, _ = standins.make_networks(**CASES[case], seed=1)
    path = standins.write_snapshot(tmp_path / "network-snapshot-000040.pkl", G, D, G_ema)
    nets = convert.load_official_pickle(path)
    c_dim = CASES[case].get("c_dim", 0)
    z = torch.randn(6, 8)
    y = torch.arange(6) % max(c_dim, 1)
    onehot = F.one_hot(y, c_dim).float() if c_dim else None
    with torch.no_grad():
        for name, ref in (("G_ema", G_ema), ("G", G)):
            ours = nets[name]
            assert isinstance(ours, r3gan.R3GANGenerator32) and ours.num_classes == c_dim
            assert ours.count_params()[0] == sum(p.numel() for p in ref.parameters())
            expected = ref(z, onehot)
            assert torch.allclose(ours(z, y if c_dim else None), expected, atol=1e-5)
            torch.manual_seed(3)
            images = ours.generate_images(6, c=y if c_dim else None)
            torch.manual_seed(3)
            assert torch.allclose(images, ref(torch.randn(6, 8), onehot).clamp(-1, 1), atol=1e-5)
        netD = nets["D"]
        assert isinstance(netD, r3gan.R3GANDiscriminator32) and netD.count_params()[0] == sum(
            p.numel() for p in D.parameters())
        assert torch.allclose(netD(expected, y if c_dim else None)[:, 0], D(expected, onehot), atol=1e-5)


def test_official_presets_are_recognised_and_bad_weights_refused(tmp_path):
    G, D = standins.make_networks()
    arch = convert.infer_architecture(G.state_dict())
    assert (arch.role, arch.nz, arch.num_classes, arch.plan.widths, arch.plan.cardinality) == (
        "G", 8, 0, (16,) * 4, (2,) * 4)
    sd = G.state_dict()
    sd["Model.MainLayers.1.Layers.0.Resampler.Kernel"] = torch.ones(4, 4) / 16
    with pytest.raises(convert.OfficialWeightsError, match=r"\[1, 2, 1\]"):
        convert.convert_official_state_dict(sd)
    sd = dict(D.state_dict(), **{"Model.Extra.weight": torch.zeros(1)})
    with pytest.raises(convert.OfficialWeightsError, match="no place for: Extra.weight"):
        convert.convert_official_state_dict(sd)
    bad = tmp_path / "bad.pkl"
    with standins.official_names(), open(bad, "wb") as f:  # a snapshot that would run code on load
        pickle.dump({"G_ema": G, "run": _RunsCode()}, f)
    with pytest.raises(UnsafePickleError, match="posix.system|os.system"):
        convert.load_official_pickle(bad)


class _RunsCode:
    def __reduce__(self):
        import os
        return (os.system, ("echo unsafe",))
