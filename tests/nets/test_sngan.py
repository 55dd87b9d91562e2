import json
import os

import pytest
import torch

import torch_mimicry as mmc
from torch_mimicry.nets import sngan

RESOLUTIONS = (32, 48, 64, 128)
REFERENCE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_reference.json")
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def _classes(res):
    return getattr(sngan, f"SNGANGenerator{res}"), getattr(sngan, f"SNGANDiscriminator{res}")


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_shapes_and_ranges_small_widths(res):
    G_cls, D_cls = _classes(res)
    netG, netD = G_cls(ngf=32, nz=16), D_cls(ndf=32)
    images = netG.generate_images(3)
    assert images.shape == (3, 3, res, res)
    assert images.min() >= -1 and images.max() <= 1
    out = netD(images)
    assert out.shape == (3, 1)
    assert netG.loss_type == "hinge" and netD.loss_type == "hinge"


# Parameter counts of torch-mimicry 0.1.16's classes of the same names at default widths,
# measured with that package (tests/fixtures/original_reference.json holds the full record).
EXPECTED_PARAMS = {
    "SNGANGenerator32": 4276739, "SNGANDiscriminator32": 1053825,
    "SNGANGenerator48": 4878083, "SNGANDiscriminator48": 10141441,
    "SNGANGenerator64": 12220675, "SNGANDiscriminator64": 10141441,
    "SNGANGenerator128": 32150787, "SNGANDiscriminator128": 29017857,
}


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_default_widths_match_original_parameter_counts(res):
    for cls in _classes(res):
        assert cls().count_params()[0] == EXPECTED_PARAMS[cls.__name__]


def test_expected_counts_agree_with_reference_record():
    if not os.path.isfile(REFERENCE):
        pytest.skip("reference record not present")
    with open(REFERENCE) as f:
        ref = json.load(f)
    found = {}

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in EXPECTED_PARAMS and isinstance(value, dict):
                    count = value.get("num_params", value.get("param_count", value.get("parameter_count")))
                    if count is not None:
                        found[key] = count
                walk(value)

    walk(ref)
    assert found, "no SNGAN entries in the reference record"
    for name, count in found.items():
        assert count == EXPECTED_PARAMS[name], name


def test_default_hyperparameters():
    G, D = sngan.SNGANGenerator32(), sngan.SNGANDiscriminator32()
    assert (G.nz, G.ngf, G.bottom_width, D.ndf) == (128, 256, 4, 128)
    G48 = sngan.SNGANGenerator48()
    assert (G48.ngf, G48.bottom_width) == (512, 6)


def test_overrides():
    G = sngan.SNGANGenerator32(nz=64, ngf=8, bottom_width=2, loss_type="ns")
    assert G.generate_images(2).shape == (2, 3, 16, 16)
    assert G.loss_type == "ns"
    with pytest.raises(ValueError, match="Unknown loss_type"):
        sngan.SNGANDiscriminator32(loss_type="nope")


def test_train_steps_update_and_log():
    netG, netD = sngan.SNGANGenerator32(ngf=16), sngan.SNGANDiscriminator32(ndf=16)
    optD = torch.optim.Adam(netD.parameters(), 2e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), 2e-4, betas=(0.0, 0.9))
    batch = (torch.rand(4, 3, 32, 32) * 2 - 1, torch.zeros(4, dtype=torch.long))
    log = mmc.training.MetricLog()
    before = netD.block1.c1.weight_orig.clone()
    netD.train_step(batch, netG, optD, log)
    assert not torch.equal(before, netD.block1.c1.weight_orig)
    assert set(log.keys()) == {"errD", "D(x)", "D(G(z))"}
    assert 0 <= log["D(x)"] <= 1
    g_before = netG.l1.weight.clone()
    netG.train_step(batch, netD, optG, log)
    assert not torch.equal(g_before, netG.l1.weight)
    assert "errG" in log and log.get_group_name("errG") == "loss"


def test_discriminator_step_builds_no_graph_through_generator():
    netG, netD = sngan.SNGANGenerator32(ngf=8), sngan.SNGANDiscriminator32(ndf=8)
    optD = torch.optim.SGD(netD.parameters(), lr=0.1)
    netD.train_step((torch.zeros(2, 3, 32, 32), None), netG, optD, mmc.training.MetricLog())
    assert all(p.grad is None for p in netG.parameters())


def test_top_level_namespace():
    assert mmc.nets.sngan.SNGANGenerator32 is sngan.SNGANGenerator32
    from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNLinear  # noqa: F401  (tutorial imports)
    from torch_mimicry.nets import gan
    assert issubclass(sngan.SNGANGenerator32, gan.BaseGenerator)


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_original_checkpoint_gives_original_outputs(name):
    """Checkpoints written by torch-mimicry 0.1.16's save_checkpoint (reduced widths, made by
    tests/fixtures/make_original_fixtures.py) load and give that release's eval-mode outputs."""
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(sngan, name)(**io["kwargs"])
    assert net.restore_checkpoint(os.path.join(FIXTURES, f"{name}.pth")) == 3
    net.eval()
    x = io["inputs"]["z"] if "z" in io["inputs"] else io["inputs"]["x"].float()
    with torch.no_grad():
        out = net(x)
    assert out.shape == io["outputs"][0].shape
    assert (out - io["outputs"][0]).abs().max().item() < 1e-4


def test_later_discriminator_blocks_see_rectified_input():
    """Every block after the first gets the ReLU of its predecessor's output (shortcut included)."""
    netD = sngan.SNGANDiscriminator32(ndf=8).eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        h = netD.block1(x)
        for block in (netD.block2, netD.block3, netD.block4):
            h = block.residual(torch.relu(h)) + block.shortcut(torch.relu(h))
        expected = netD.l5(torch.relu(h).sum(dim=(2, 3)))
        assert torch.allclose(netD(x), expected, atol=1e-5)
