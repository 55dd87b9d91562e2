"""Research code written for torch-mimicry 0.1.16, run unchanged: networks, layers, utilities."""
import json
import math
import os

import numpy as np
import pytest
import torch
import torch.nn as nn
from PIL import Image

import torch_mimicry as mmc
from torch_mimicry.modules import spectral_norm
from torch_mimicry.modules.layers import SNConv2d, SNEmbedding, SNLinear
from torch_mimicry.nets import gan
from torch_mimicry.nets.basemodel import basemodel
from torch_mimicry.utils import common

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "original_checkpoints")


def test_conditional_sampling_with_c():
    netG = mmc.nets.cgan_pd.CGANPDGenerator32(10, 4, 8, 16)  # 0.1.16's order: num_classes, bottom_width, nz, ngf
    assert (netG.num_classes, netG.bottom_width, netG.nz, netG.ngf) == (10, 4, 8, 16)
    netG.eval()
    images = netG.generate_images(num_images=4, c=3)
    assert images.shape == (4, 3, 32, 32)
    torch.manual_seed(1)
    positional = netG.generate_images(4, 3)  # c is the second parameter, as in 0.1.16
    torch.manual_seed(1)
    with_labels, labels = netG.generate_images_with_labels(num_images=4, c=3)
    assert torch.equal(positional, with_labels) and labels.tolist() == [3, 3, 3, 3]
    with pytest.raises(ValueError, match="out of range"):
        netG.generate_images(num_images=2, c=10)
    netD = mmc.nets.cgan_pd.CGANPDDiscriminator32(num_classes=10, ndf=16)
    assert netD(images, labels).shape == (4, 1)
    with pytest.raises(ValueError, match="class-conditional"):
        netD(images)


def test_subclassing_the_conditional_bases_in_the_0_1_16_order():
    class MyGenerator(gan.BaseConditionalGenerator):
        def __init__(self):
            super().__init__(10, 8, 16, 4, "hinge")  # num_classes, nz, ngf, bottom_width, loss_type

    class MyDiscriminator(gan.BaseConditionalDiscriminator):
        def __init__(self):
            super().__init__(10, 32, "hinge")  # num_classes, ndf, loss_type

    g, d = MyGenerator(), MyDiscriminator()
    assert (g.num_classes, g.nz, g.ngf, g.bottom_width, g.loss_type) == (10, 8, 16, 4, "hinge")
    assert (d.num_classes, d.ndf, d.loss_type) == (10, 32, "hinge")


def test_spectral_norm_layers_with_default():
    assert hasattr(SNConv2d(3, 8, 3, 1, 1, default=True), "weight_orig")
    conv = SNConv2d(3, 8, 3, 1, 1, default=False)
    assert isinstance(conv, spectral_norm.SNConv2d) and isinstance(conv, spectral_norm.SpectralNorm)
    assert conv.sn_u.shape == (1, 8) and conv.sn_sigma.shape == (1,)
    assert conv(torch.randn(2, 3, 8, 8)).shape == (2, 8, 8, 8)
    emb = SNEmbedding(10, 4, default=False)
    assert isinstance(emb, spectral_norm.SNEmbedding) and emb(torch.tensor([1, 2])).shape == (2, 4)
    lin = SNLinear(16, 4, default=False)
    assert isinstance(lin, spectral_norm.SNLinear)
    top = torch.linalg.matrix_norm(lin.weight.detach(), 2).item()
    lin.train()
    for _ in range(60):
        lin(torch.randn(3, 16))
    assert lin.sigma.item() == pytest.approx(top, rel=1e-4)  # power iteration converged
    effective = lin.weight / lin.sigma
    assert torch.linalg.matrix_norm(effective.detach(), 2).item() == pytest.approx(1.0, rel=1e-4)
    u = lin.u.clone()
    lin.eval()
    lin(torch.randn(3, 16))
    assert torch.equal(u, lin.sn_u)  # eval mode does not store
    # the module is also callable, as the function of the library
    assert hasattr(spectral_norm(nn.Linear(4, 2)), "weight_orig")


class _Net(basemodel.BaseModel):
    def __init__(self, default):
        super().__init__()
        self.l1 = SNLinear(16, 8, default=default)
        self.l2 = SNLinear(8, 1, default=default)

    def forward(self, x):
        return self.l2(torch.relu(self.l1(x)))


def test_checkpoint_of_buffered_layers_loads_into_hook_layers(tmp_path):
    """A network written with 0.1.16's buffered SN layers (what ``mmc.modules.SNLinear`` named there)
    saves sn_u / sn_sigma; its checkpoint loads into the same network built with this library's
    layers and gives the same eval-mode output."""
    old = _Net(default=False)
    old.train()
    for _ in range(3):
        old(torch.randn(4, 16))
    path = old.save_checkpoint(str(tmp_path / "netD"), global_step=7)
    assert "l1.sn_u" in torch.load(path, weights_only=True)["model_state_dict"]
    new = _Net(default=True)
    assert new.restore_checkpoint(path) == 7
    x = torch.randn(5, 16)
    old.eval()
    new.eval()
    with torch.no_grad():
        assert torch.allclose(old(x), new(x), atol=1e-5)
    also = _Net(default=False)  # and into buffered layers unchanged
    also.restore_checkpoint(path)
    assert torch.equal(also.l1.sn_u, old.l1.sn_u)


@pytest.mark.parametrize("name", ["DCGANGeneratorCIFAR", "DCGANDiscriminatorCIFAR"])
def test_dcgan_cifar_checkpoints_of_0_1_16_give_its_outputs(name):
    io = torch.load(os.path.join(FIXTURES, f"{name}_io.pt"), weights_only=True)
    net = getattr(mmc.nets.dcgan, name)(**io["kwargs"])
    assert net.restore_checkpoint(os.path.join(FIXTURES, f"{name}.pth")) == 3
    net.eval()
    x = io["inputs"]["z"] if "z" in io["inputs"] else io["inputs"]["x"].float()
    with torch.no_grad():
        out = net(x)
    assert (out - io["outputs"][0]).abs().max().item() < 1e-4
    if "Generator" in name:
        assert 0.0 <= out.min().item() and out.max().item() <= 1.0  # sigmoid output


def test_dcgan_cifar_defaults_match_the_original():
    reference = json.load(open(os.path.join(FIXTURES, "..", "original_reference.json")))["models"]
    for name in ("DCGANGeneratorCIFAR", "DCGANDiscriminatorCIFAR"):
        with torch.device("meta"):
            net = getattr(mmc.nets.dcgan, name)()
        assert net.count_params()[0] == reference[name]["num_params"]
        assert [k for k in net.state_dict()] == [k for k, _ in reference[name]["state_dict"]]


def test_wgan_gp_resblocks():
    from torch_mimicry.nets.wgan_gp import wgan_gp_resblocks as wr
    torch.manual_seed(0)
    d = wr.DBlock(64, 64, downsample=True)
    assert d.norm1 is None and d.norm2 is None and not hasattr(d.c1, "weight_orig")
    # c_sc keeps PyTorch's default init (bound 1/sqrt(fan_in)), not the blocks' xavier init
    assert d.c_sc.weight.abs().max().item() <= 1 / math.sqrt(64) + 1e-6
    g = wr.GBlock(8, 4, upsample=True)
    assert g(torch.randn(2, 8, 4, 4)).shape == (2, 4, 8, 8)
    assert wr.DBlockOptimized(3, 8)(torch.randn(2, 3, 8, 8)).shape == (2, 8, 4, 4)
    assert mmc.nets.wgan_gp.GBlock is wr.GBlock


def test_utils_common(tmp_path):
    path = str(tmp_path / "out" / "scores.json")
    os.makedirs(os.path.dirname(path))
    common.write_to_json({"fid": [1.5, 2.5], "step": 3}, path)
    assert common.load_from_json(path) == {"fid": [1.5, 2.5], "step": 3}
    assert open(path).read().startswith('{\n    "fid"')  # indented by 4, as 0.1.16
    x = torch.rand(3, 8, 6)
    image_file = str(tmp_path / "new_folder" / "image.png")
    common.save_tensor_image(x, image_file)
    saved = np.asarray(Image.open(image_file))
    assert saved.shape == (8, 6, 3)
    assert np.array_equal(saved, torch.round(x * 255).to(torch.uint8).permute(1, 2, 0).numpy())
    images, labels = common.load_images(n=4, size=16)
    assert images.shape == (4, 3, 16, 16) and labels.shape == (4,) and not labels.any()
    assert mmc.utils.write_to_json is common.write_to_json


def test_loss_functions_from_modules():
    from torch_mimicry.modules import losses
    fake, real = torch.tensor([[0.5], [-1.0]]), torch.tensor([[2.0], [0.0]])
    assert mmc.modules.hinge_loss_dis(fake, real).item() == pytest.approx(
        losses.discriminator_loss("hinge", real, fake).item())
    assert mmc.modules.minimax_loss_gen(fake).item() == pytest.approx(losses.ns_loss_gen(fake).item(), rel=1e-6)
