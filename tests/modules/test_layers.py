import math

import pytest
import torch
import torch.nn as nn

from torch_mimicry.modules import (ConditionalBatchNorm2d, DBlock, DBlockOptimized, GBlock, SelfAttention,
                                   SNConv2d, SNEmbedding, SNLinear, spectral_norm)
from torch_mimicry.modules import spectral_norm as spectral_norm_layers
from torch_mimicry.modules.spectral_norm import converge_spectral_norms, has_spectral_norm
from torch_mimicry.nets.basemodel import BaseModel


def _largest_singular_value(weight):
    return torch.linalg.matrix_norm(weight.reshape(weight.shape[0], -1), ord=2).item()


@pytest.mark.parametrize("make", [lambda: SNLinear(20, 10), lambda: SNConv2d(4, 6, 3, 1, 1),
                                  lambda: SNEmbedding(7, 12)])
def test_spectral_norm_normalises_largest_singular_value(make):
    layer = make()
    assert has_spectral_norm(layer)
    layer.weight_orig.data.mul_(5.0)
    x = torch.randn(3, 20) if isinstance(layer, nn.Linear) else (
        torch.randn(2, 4, 5, 5) if isinstance(layer, nn.Conv2d) else torch.tensor([0, 3]))
    for _ in range(50):  # power iterations run in training-mode forwards
        layer(x)
    assert _largest_singular_value(layer.weight) == pytest.approx(1.0, abs=1e-3)
    assert sorted(k for k in layer.state_dict() if k.startswith("weight")) == ["weight_orig", "weight_u", "weight_v"]


def test_spectral_norm_eval_mode_does_not_update_u():
    layer = spectral_norm(nn.Linear(8, 8))
    layer.eval()
    u = layer.weight_u.clone()
    layer(torch.randn(2, 8))
    assert torch.equal(u, layer.weight_u)


def test_xavier_init_on_sn_layer_weight_reaches_the_parameter():
    # The tutorial initialises ``layer.weight.data`` right after construction.
    layer = SNLinear(16, 1)
    nn.init.constant_(layer.weight.data, 0.25)
    assert torch.all(layer.weight_orig == 0.25)


def _sigma_estimate(layer):
    """sigma = u^T W v of a hook-based layer, as its eval-mode forward uses it."""
    W = layer.weight_orig.reshape(layer.weight_orig.shape[0], -1)
    return torch.dot(layer.weight_u, torch.mv(W, layer.weight_v)).item()


@pytest.mark.parametrize("make", [lambda: SNLinear(64, 48), lambda: SNConv2d(16, 32, 3, 1, 1),
                                  lambda: SNEmbedding(10, 40)])
def test_spectral_norm_estimate_is_converged_when_the_layer_is_built(make):
    torch.manual_seed(3)
    layer = make()
    true_sigma = _largest_singular_value(layer.weight_orig.detach())
    assert _sigma_estimate(layer) == pytest.approx(true_sigma, rel=0.02)


class _ReinitialisedNet(BaseModel):
    """Wraps layers first, initialises their weights afterwards (as the tutorial and the families do)."""

    def __init__(self):
        super().__init__()
        self.l1 = SNLinear(32, 32)
        self.l2 = SNLinear(32, 1)
        nn.init.xavier_uniform_(self.l1.weight.data, 5.0)
        nn.init.xavier_uniform_(self.l2.weight.data, 1.0)
        self.old = spectral_norm_layers.SNLinear(32, 16)  # a buffered 0.1.16 layer

    def forward(self, x):
        return self.l2(self.l1(x))


class _SubclassedNet(_ReinitialisedNet):
    def __init__(self):
        super().__init__()
        nn.init.normal_(self.l1.weight.data, std=3.0)  # after the parent's __init__ returned


@pytest.mark.parametrize("cls", [_ReinitialisedNet, _SubclassedNet])
def test_a_network_converges_its_estimates_after_its_own_init(cls):
    torch.manual_seed(0)
    net = cls()
    for layer in (net.l1, net.l2):
        true_sigma = _largest_singular_value(layer.weight_orig.detach())
        assert _sigma_estimate(layer) == pytest.approx(true_sigma, rel=0.05)
    W = net.old.weight.detach()
    assert net.old.sn_sigma.item() == pytest.approx(_largest_singular_value(W), rel=0.05)
    u_before = net.l1.weight_u.clone()
    assert converge_spectral_norms(net) == 3  # layers found; a converged estimate barely moves
    assert torch.allclose(u_before, net.l1.weight_u, atol=0.05)
    assert set(net.state_dict()) == {"l1.weight_orig", "l1.weight_u", "l1.weight_v", "l1.bias", "l2.weight_orig",
                                     "l2.weight_u", "l2.weight_v", "l2.bias", "old.weight", "old.bias", "old.sn_u",
                                     "old.sn_sigma"}


def test_conditional_batch_norm_values():
    cbn = ConditionalBatchNorm2d(3, num_classes=2)
    with torch.no_grad():
        cbn.embed.weight.copy_(torch.tensor([[1.0, 2.0, 3.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 5.0, -1.0, 0.5]]))
    x = torch.randn(4, 3, 2, 2)
    y = torch.tensor([0, 1, 0, 1])
    out = cbn(x, y)
    normed = (x - x.mean(dim=(0, 2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(0, 2, 3), unbiased=False,
                                                                         keepdim=True) + 1e-5)
    gamma = cbn.embed.weight[y, :3][:, :, None, None]
    beta = cbn.embed.weight[y, 3:][:, :, None, None]
    assert torch.allclose(out, gamma * normed + beta, atol=1e-5)


def test_conditional_batch_norm_init():
    cbn = ConditionalBatchNorm2d(64, num_classes=10)
    assert torch.all(cbn.embed.weight[:, 64:] == 0)
    assert abs(cbn.embed.weight[:, :64].mean().item() - 1.0) < 0.01


def test_self_attention_starts_as_identity_and_learns():
    attn = SelfAttention(16)
    x = torch.randn(2, 16, 8, 8)
    assert torch.equal(attn(x), x)
    with torch.no_grad():
        attn.gamma.fill_(1.0)
    out = attn(x)
    assert out.shape == x.shape and not torch.allclose(out, x)
    with pytest.raises(ValueError, match="at least 8 channels"):
        SelfAttention(4)


def test_self_attention_matches_direct_computation():
    attn = SelfAttention(8, spectral_norm=False)
    with torch.no_grad():
        attn.gamma.fill_(0.5)
    x = torch.randn(1, 8, 4, 4)
    theta = attn.theta(x).reshape(1, 1, 16)
    phi = torch.nn.functional.max_pool2d(attn.phi(x), 2).reshape(1, 1, 4)
    g = torch.nn.functional.max_pool2d(attn.g(x), 2).reshape(1, 4, 4)
    weights = torch.softmax(theta[0].T @ phi[0], dim=-1)          # [16, 4]
    attended = (g[0] @ weights.T).reshape(1, 4, 4, 4)
    assert torch.allclose(attn(x), x + 0.5 * attn.o(attended), atol=1e-6)


def test_gblock_shapes_and_shortcut():
    block = GBlock(8, 4, upsample=True)
    assert block.learnable_sc and block.hidden_channels == 4
    assert block(torch.randn(2, 8, 4, 4)).shape == (2, 4, 8, 8)
    same = GBlock(8, 8)
    assert not same.learnable_sc and not hasattr(same, "c_sc")
    with torch.no_grad():  # zero residual -> identity
        same.c2.weight.zero_()
        same.c2.bias.zero_()
    x = torch.randn(2, 8, 4, 4)
    assert torch.allclose(same(x), x)


def test_conditional_gblock_needs_labels():
    block = GBlock(8, 8, upsample=True, num_classes=3)
    y = torch.tensor([0, 2])
    assert block(torch.randn(2, 8, 4, 4), y).shape == (2, 8, 8, 8)
    with pytest.raises(ValueError, match="class-conditional"):
        block(torch.randn(2, 8, 4, 4))


def test_dblock_shapes_and_shortcut_sees_raw_input():
    block = DBlock(4, 8, downsample=True).eval()  # eval: no power iteration between calls
    x = torch.randn(2, 4, 8, 8)
    out = block(x)
    assert out.shape == (2, 8, 4, 4)
    expected = block.residual(x) + torch.nn.functional.avg_pool2d(block.c_sc(x), 2)
    assert torch.allclose(out, expected, atol=1e-6)
    plain = DBlock(8, 8, downsample=False)
    assert not plain.learnable_sc
    x = torch.randn(2, 8, 4, 4)
    x_copy = x.clone()
    plain(x)
    assert torch.equal(x, x_copy)  # the input is not modified in place


def test_dblock_optimized():
    block = DBlockOptimized(3, 8).eval()
    x = torch.randn(2, 3, 8, 8)
    out = block(x)
    assert out.shape == (2, 8, 4, 4)
    pooled = torch.nn.functional.avg_pool2d(x, 2)
    c2 = block.c2
    h = torch.nn.functional.conv2d(torch.relu(block.c1(x)), c2.weight, c2.bias, padding=1)  # c2's unpooled conv
    assert torch.allclose(out, torch.nn.functional.avg_pool2d(h, 2) + block.c_sc(pooled), atol=1e-5)


def test_blocks_without_spectral_norm():
    assert not has_spectral_norm(DBlock(4, 4, spectral_norm=False).c1)
    assert has_spectral_norm(GBlock(4, 4, spectral_norm=True).c1)


def test_residual_init_gains():
    torch.manual_seed(0)
    block = DBlock(64, 64, hidden_channels=64)
    fan_in, fan_out = 64 * 9, 64 * 9
    bound = math.sqrt(2.0) * math.sqrt(6.0 / (fan_in + fan_out))
    w = block.c1.weight_orig
    assert w.abs().max().item() <= bound + 1e-6
    assert w.abs().max().item() > 0.9 * bound


@pytest.mark.parametrize("size", [8, 7, 2])
@pytest.mark.parametrize("sn", [False, True])
def test_pooled_conv_is_conv_then_average_pool(size, sn):
    from torch_mimicry.modules.layers import PooledConv2d, pooled_conv3x3
    conv = pooled_conv3x3(4, 5, spectral_norm=sn).eval()
    assert isinstance(conv, PooledConv2d) and has_spectral_norm(conv) == sn
    x = torch.randn(3, 4, size, size, dtype=torch.float64, requires_grad=True)
    conv.double()
    out = conv(x, pool=True)
    plain = torch.nn.functional.conv2d(x, conv.weight, conv.bias, padding=1)
    ref = torch.nn.functional.avg_pool2d(plain, 2)
    # Called alone it is the plain 3x3 convolution (what a network's own forward gets from block.c2)
    assert torch.equal(conv(x), plain)
    assert out.shape == ref.shape == (3, 5, size // 2, size // 2)
    assert torch.allclose(out, ref, rtol=0, atol=1e-12)
    grad = torch.randn_like(out)
    weight = conv.weight_orig if sn else conv.weight
    gx, gw = torch.autograd.grad(out, (x, weight), grad, retain_graph=True)
    rx, rw = torch.autograd.grad(ref, (x, weight), grad)
    assert torch.allclose(gx, rx, atol=1e-12) and torch.allclose(gw, rw, atol=1e-12)
    from torch_mimicry.modules.layers import Conv2d
    assert set(conv.state_dict()) == set(Conv2d(4, 5, 3, 1, padding=1, spectral_norm=sn).state_dict())


def test_block_shortcuts_pool_and_upsample_around_the_1x1_convolution():
    from torch_mimicry.modules.resblocks import downsample, upsample
    d = DBlock(4, 6, downsample=True, spectral_norm=False).double()
    g = GBlock(4, 6, upsample=True).double()
    x = torch.randn(2, 4, 6, 6, dtype=torch.float64)
    assert torch.allclose(d.shortcut(x), downsample(d.c_sc(x)), atol=1e-12)
    assert torch.allclose(g.shortcut(x), g.c_sc(upsample(x)), atol=1e-12)
    gn = GBlock(4, 6, upsample=True, upsample_mode="nearest").double()
    assert torch.allclose(gn.shortcut(x), gn.c_sc(upsample(x, "nearest")), atol=1e-12)
    assert torch.equal(upsample(x, "nearest")[:, :, ::2, ::2], x)


def test_linear_conditional_batch_norm_values():
    from torch_mimicry.modules import LinearConditionalBatchNorm2d
    cbn = LinearConditionalBatchNorm2d(3, cond_dim=2, spectral_norm=False)
    with torch.no_grad():
        cbn.gain.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))
        cbn.bias.weight.copy_(torch.tensor([[0.5, 0.0], [0.0, -1.0], [0.0, 0.0]]))
    x, cond = torch.randn(4, 3, 2, 2), torch.randn(4, 2)
    normed = (x - x.mean(dim=(0, 2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(0, 2, 3), unbiased=False,
                                                                         keepdim=True) + 1e-5)
    gain = 1 + cond @ cbn.gain.weight.t()
    bias = cond @ cbn.bias.weight.t()
    assert torch.allclose(cbn(x, cond), normed * gain[:, :, None, None] + bias[:, :, None, None], atol=1e-5)
    assert torch.allclose(cbn(x, torch.zeros(4, 2)), normed, atol=1e-5)  # plain BN at c = 0
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        cbn(x, torch.randn(4, 3))
    assert has_spectral_norm(LinearConditionalBatchNorm2d(3, 2).gain)


def test_vector_conditional_gblock():
    block = GBlock(4, 6, upsample=True, cond_dim=5, spectral_norm=True, upsample_mode="nearest")
    assert block(torch.randn(3, 4, 4, 4), torch.randn(3, 5)).shape == (3, 6, 8, 8)
    with pytest.raises(ValueError, match="block\\(x, y\\)"):
        block(torch.randn(3, 4, 4, 4))
    with pytest.raises(ValueError, match="not both"):
        GBlock(4, 6, num_classes=3, cond_dim=5)
    with pytest.raises(ValueError, match="upsample_mode"):
        GBlock(4, 6, upsample_mode="bicubic")
