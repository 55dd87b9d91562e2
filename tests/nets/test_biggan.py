"""Tests of BigGAN's own terms (torch_mimicry.nets.biggan); the checks every family shares are in
test_families.py."""
import pytest
import torch

from family_suite import FAMILIES
from torch_mimicry.modules.regularizers import orthogonal_penalty
from torch_mimicry.nets import biggan
from torch_mimicry.training.metric_log import MetricLog

FAMILY = FAMILIES["biggan"]
_small = FAMILY.small

# Parameter counts of BigGAN-PyTorch's Generator / Discriminator (BigGAN.py at commit 9845943),
# measured by instantiating them with the options of its launch scripts.
REFERENCE_COUNTS = {
    # scripts/launch_BigGAN_bs256x8.sh: ch 96, dim_z 120, shared_dim 128, hier, attention at 64
    "imagenet128": (70433988, 87982370),
    # scripts/launch_cifar_ema.sh: ch 64, dim_z 128, per-layer class embeddings, no attention
    "cifar10": (4304387, 4207361),
}


def _count(net):
    return sum(p.numel() for p in net.parameters())


def test_imagenet128_configuration_has_the_reference_parameter_counts():
    with torch.device("meta"):
        netG = biggan.BigGANGenerator128(num_classes=1000)
        netD = biggan.BigGANDiscriminator128(num_classes=1000)
    assert (_count(netG), _count(netD)) == REFERENCE_COUNTS["imagenet128"]
    assert netG.z_chunks == (20,) * 6 and netG.block1.b1.cond_dim == 128 + 20


def test_reference_cifar_configuration_has_the_reference_parameter_counts():
    with torch.device("meta"):
        netG = biggan.BigGANGenerator32(num_classes=10, shared_dim=0, hierarchical=False, attention_resolution=0)
        netD = biggan.BigGANDiscriminator32(num_classes=10, attention_resolution=0)
    assert (_count(netG), _count(netD)) == REFERENCE_COUNTS["cifar10"]


@pytest.mark.parametrize("res", FAMILY.resolutions)
def test_different_classes_give_different_images_from_the_same_noise(res):
    netG, _ = _small(res)
    netG.eval()
    z = torch.randn(1, netG.nz).repeat(2, 1)
    with torch.no_grad():
        images = netG(z, torch.tensor([0, 1]))
        again = netG(z, torch.tensor([1, 1]))
    assert (images[0] - images[1]).abs().max() > 1e-3
    assert torch.allclose(images[1], again[0], atol=1e-6)  # the label, not the position, decides


def test_every_latent_chunk_reaches_the_image():
    netG, _ = _small(32)
    netG.eval()
    z, y = torch.randn(1, 8), torch.tensor([2])
    with torch.no_grad():
        base = netG(z, y)
        start = 0
        for size in netG.z_chunks:
            moved = z.clone()
            moved[:, start:start + size] += 1.0
            assert (netG(moved, y) - base).abs().max() > 1e-4
            start += size


@pytest.mark.parametrize("truncation", [0.04, 0.5, 2.0])
def test_truncated_noise_is_bounded(truncation):
    netG, _ = _small(32)
    z = netG.sample_noise(2000, truncation=truncation)
    assert z.shape == (2000, netG.nz)
    assert z.abs().max().item() <= truncation
    assert z.std().item() > 0.2 * min(truncation, 1.0)  # not collapsed onto 0


def test_truncation_trick_in_sampling():
    netG, _ = _small(32)
    torch.manual_seed(3)
    images, labels = netG.generate_images_with_labels(6, c=2, truncation=0.5)
    assert images.shape == (6, 3, 32, 32) and torch.all(labels == 2)
    assert images.min() >= -1 and images.max() <= 1
    assert netG.generate_images(3, truncation=1.0).shape == (3, 3, 32, 32)
    netG.eval()  # generate_images takes the class as 0.1.16's conditional generators do
    torch.manual_seed(4)
    same = netG.generate_images(4, 3, truncation=0.5)
    torch.manual_seed(4)
    assert torch.equal(same, netG.generate_images_with_labels(4, c=3, truncation=0.5)[0])
    for bad in (0, -1.0, "1", True):
        with pytest.raises(ValueError, match="truncation"):
            netG.sample_noise(2, truncation=bad)


def test_attention_sits_at_the_requested_resolution():
    netG, netD = _small(128)
    assert netG.attention_index == 3 and netG.attn_block.num_feat == 2 * 4   # after the 64x64 block, 2ch
    assert netD.attention_index == 0 and netD.attn_block.num_feat == 8       # after block1 (64x64), ch
    with pytest.raises(ValueError, match="attention_resolution=24"):
        biggan.BigGANGenerator32(num_classes=3, ngf=4, nz=8, attention_resolution=24)
    netG0 = biggan.BigGANGenerator32(num_classes=3, ngf=4, nz=8, attention_resolution=0)
    assert netG0.attention_index is None and not hasattr(netG0, "attn_block")


def test_spectral_norm_in_both_networks_but_not_the_shared_embedding():
    netG, netD = _small(32)
    g_keys, d_keys = netG.state_dict().keys(), netD.state_dict().keys()
    for layer in ("l1", "block1.c1", "block1.c_sc", "block1.b1.gain", "block1.b1.bias", "conv_out",
                  "attn_block.theta"):
        assert f"{layer}.weight_orig" in g_keys
    assert "shared.weight" in g_keys
    for layer in ("block1.c1", "block2.c_sc", "linear", "embed", "attn_block.o"):
        assert f"{layer}.weight_orig" in d_keys


def test_orthogonal_initialisation():
    netG, netD = _small(32)
    for w in (netG.block1.c1.weight_orig, netD.block2.c1.weight_orig, netD.linear.weight_orig):
        w = w.detach().reshape(w.shape[0], -1)
        rows = min(w.shape)
        gram = w @ w.t() if w.shape[0] <= w.shape[1] else w.t() @ w
        assert torch.allclose(gram, torch.eye(rows), atol=1e-4)
    netN = biggan.BigGANGenerator32(num_classes=3, ngf=4, nz=8, init="N02")
    assert netN.block1.c1.weight_orig.std().item() == pytest.approx(0.02, rel=0.2)
    with pytest.raises(ValueError, match="Unknown init"):
        biggan.BigGANDiscriminator32(num_classes=3, ndf=8, init="kaiming")


def test_hierarchical_latent_needs_the_shared_embedding():
    with pytest.raises(ValueError, match="shared_dim > 0"):
        biggan.BigGANGenerator32(num_classes=3, shared_dim=0)
    with pytest.raises(ValueError, match="nz=4 is too small"):
        biggan.BigGANGenerator128(num_classes=3, nz=4, ngf=4)


def test_orthogonal_regularisation_is_added_to_the_generator_loss():
    netG = biggan.BigGANGenerator32(num_classes=5, nz=8, ngf=4, ortho_reg=1e-2)
    _, netD = _small(32)
    weights = netG.orthogonality_weights()
    assert all(w is not netG.shared.weight for w in weights) and len(weights) > 10
    # the term and its gradient: 4 beta (W W^T * (1 - I)) W, i.e. BigGAN-PyTorch's update with strength 2 beta
    expected = 1e-2 * sum(((w.reshape(w.shape[0], -1) @ w.reshape(w.shape[0], -1).t())
                           * (1 - torch.eye(w.shape[0]))).pow(2).sum() for w in weights)
    assert torch.allclose(netG.orthogonal_loss(), expected)
    netG.zero_grad()
    netG.orthogonal_loss().backward()
    w = netG.block1.c1.weight_orig
    m = w.detach().reshape(w.shape[0], -1)
    ref_grad = 4 * 1e-2 * ((m @ m.t()) * (1 - torch.eye(m.shape[0]))) @ m
    assert torch.allclose(w.grad.reshape(w.shape[0], -1), ref_grad, atol=1e-7)
    log = netG.train_step(FAMILY.real_batch(32), netD, torch.optim.SGD(netG.parameters(), 0.01), MetricLog())
    assert log["errG_ortho"] > 0


def test_orthogonal_penalty_of_orthogonal_rows_is_zero():
    q, _ = torch.linalg.qr(torch.randn(6, 6))
    assert orthogonal_penalty([q * 3.0]).item() == pytest.approx(0.0, abs=1e-9)  # norms are free
    w = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    assert orthogonal_penalty([w]).item() == pytest.approx(2.0)  # off-diagonal 1 twice
