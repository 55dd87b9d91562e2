"""Stand-ins for the network pickles of R3GAN's official code (github.com/brownvc/R3GAN), in their
real on-disk format, with a reference forward written here.

The authors' training loop pickles ``{'G', 'D', 'G_ema', 'training_set_kwargs', 'cur_nimg',
'G_opt_state', 'D_opt_state'}`` with plain ``pickle.dump``; its networks are ordinary (not
``torch_utils.persistence``) classes: ``training.networks.Generator`` / ``Discriminator`` wrapping
an ``R3GAN.Networks.Generator`` / ``Discriminator`` (attribute ``Model``) made of
``GeneratorStage`` / ``DiscriminatorStage`` (``Layers``), ``ResidualBlock`` (``LinearLayer1..3``,
``NonLinearity1..2``), ``Convolution`` (``Layer``, a ``torch.nn.Conv2d``), ``UpsampleLayer`` /
``DownsampleLayer`` (``Resampler`` with a ``Kernel`` buffer, ``LinearLayer`` where the width
changes), ``GenerativeBasis`` / ``DiscriminativeBasis`` and ``R3GAN.FusedOperators.BiasedActivationCUDA``
(``Bias``). The classes below carry those module paths, names and attributes, so a pickle of them
is byte for byte what the official code writes for the same tensors; :func:`official_names` makes
the paths resolvable while pickling.

Their ``forward`` is the reference: the official computation written out here (resampling by
zero insertion and a padded 4x4 filter, as ``upfirdn2d``'s reference path), in float32 (the
official code runs some stages in bfloat16, ``DataType``; the stand-ins record it but compute in
float32, as the converted networks do).
"""
import contextlib
import math
import pickle
import sys
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

GAIN = math.sqrt(2 / (1 + 0.2 ** 2))
_MODULES = ("training", "training.networks", "R3GAN", "R3GAN.Networks", "R3GAN.FusedOperators", "R3GAN.Resamplers")


def _kernel():
    k = torch.tensor([1.0, 3.0, 3.0, 1.0])
    k = torch.outer(k, k)
    return k / k.sum()


def _msr(layer, gain=1.0):
    with torch.no_grad():
        layer.weight.normal_(0, gain / math.sqrt(layer.weight[0].numel()))
    return layer


class BiasedActivationCUDA(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.Bias = nn.Parameter(torch.zeros(n))

    def forward(self, x):
        return F.leaky_relu(x + self.Bias.view(1, -1, 1, 1), 0.2)


class Convolution(nn.Module):
    def __init__(self, cin, cout, k, groups=1, gain=1.0):
        super().__init__()
        self.Layer = _msr(nn.Conv2d(cin, cout, k, padding=(k - 1) // 2, groups=groups, bias=False), gain)

    def forward(self, x):
        return F.conv2d(x, self.Layer.weight, padding=self.Layer.padding, groups=self.Layer.groups)


class ResidualBlock(nn.Module):
    def __init__(self, c, card, expansion, num_blocks):
        super().__init__()
        gain = GAIN * num_blocks ** -0.25
        self.LinearLayer1 = Convolution(c, c * expansion, 1, gain=gain)
        self.LinearLayer2 = Convolution(c * expansion, c * expansion, 3, groups=card, gain=gain)
        self.LinearLayer3 = Convolution(c * expansion, c, 1, gain=0)
        self.NonLinearity1 = BiasedActivationCUDA(c * expansion)
        self.NonLinearity2 = BiasedActivationCUDA(c * expansion)

    def forward(self, x):
        return x + self.LinearLayer3(self.NonLinearity2(self.LinearLayer2(self.NonLinearity1(self.LinearLayer1(x)))))


def _filter(x, kernel, up):
    """Per-channel resampling as upfirdn2d's reference: zero insertion (up), padding, 4x4 filter, stride (down)."""
    n, c, h, w = x.shape
    if up:
        y = torch.zeros(n, c, 2 * h, 2 * w, dtype=x.dtype)
        y[:, :, ::2, ::2] = x
        y = F.pad(y, (2, 1, 2, 1))
        weight = (4 * kernel).flip([0, 1]).expand(c, 1, 4, 4)
        return F.conv2d(y, weight, groups=c)
    weight = kernel.flip([0, 1]).expand(c, 1, 4, 4)
    return F.conv2d(F.pad(x, (1, 1, 1, 1)), weight, stride=2, groups=c)


class InterpolativeUpsamplerCUDA(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("Kernel", _kernel())

    def forward(self, x):
        return _filter(x, self.Kernel, up=True)


class InterpolativeDownsamplerCUDA(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("Kernel", _kernel())

    def forward(self, x):
        return _filter(x, self.Kernel, up=False)


class UpsampleLayer(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.Resampler = InterpolativeUpsamplerCUDA()
        if cin != cout:
            self.LinearLayer = Convolution(cin, cout, 1)

    def forward(self, x):
        return self.Resampler(self.LinearLayer(x) if hasattr(self, "LinearLayer") else x)


class DownsampleLayer(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.Resampler = InterpolativeDownsamplerCUDA()
        if cin != cout:
            self.LinearLayer = Convolution(cin, cout, 1)

    def forward(self, x):
        x = self.Resampler(x)
        return self.LinearLayer(x) if hasattr(self, "LinearLayer") else x


class GenerativeBasis(nn.Module):
    def __init__(self, din, cout):
        super().__init__()
        self.Basis = nn.Parameter(torch.randn(cout, 4, 4))
        self.LinearLayer = _msr(nn.Linear(din, cout, bias=False))

    def forward(self, x):
        return self.Basis.view(1, -1, 4, 4) * self.LinearLayer(x).view(x.shape[0], -1, 1, 1)


class DiscriminativeBasis(nn.Module):
    def __init__(self, cin, dout):
        super().__init__()
        self.Basis = _msr(nn.Conv2d(cin, cin, 4, groups=cin, bias=False))
        self.LinearLayer = _msr(nn.Linear(cin, dout, bias=False))

    def forward(self, x):
        return self.LinearLayer(self.Basis(x).view(x.shape[0], -1))


class GeneratorStage(nn.Module):
    def __init__(self, transition, blocks, dtype):
        super().__init__()
        self.Layers = nn.ModuleList([transition] + blocks)
        self.DataType = dtype

    def forward(self, x):
        for layer in self.Layers:
            x = layer(x)
        return x


class DiscriminatorStage(GeneratorStage):
    def __init__(self, transition, blocks, dtype):
        nn.Module.__init__(self)
        self.Layers = nn.ModuleList(blocks + [transition])
        self.DataType = dtype


class R3GANGeneratorNet(nn.Module):
    """``R3GAN.Networks.Generator``."""

    def __init__(self, nz, widths, cards, blocks, expansion, c_dim, embed, bf16_stages):
        super().__init__()
        L = sum(blocks)
        dt = [torch.bfloat16 if i in bf16_stages else torch.float32 for i in range(len(widths))]
        stages = [GeneratorStage(GenerativeBasis(nz + embed, widths[0]),
                                 [ResidualBlock(widths[0], cards[0], expansion, L) for _ in range(blocks[0])], dt[0])]
        stages += [GeneratorStage(UpsampleLayer(widths[i - 1], widths[i]),
                                  [ResidualBlock(widths[i], cards[i], expansion, L) for _ in range(blocks[i])], dt[i])
                   for i in range(1, len(widths))]
        self.MainLayers = nn.ModuleList(stages)
        self.AggregationLayer = Convolution(widths[-1], 3, 1)
        if c_dim:
            self.EmbeddingLayer = _msr(nn.Linear(c_dim, embed, bias=False))

    def forward(self, x, y=None):
        x = torch.cat([x, self.EmbeddingLayer(y)], dim=1) if hasattr(self, "EmbeddingLayer") else x
        for layer in self.MainLayers:
            x = layer(x)
        return self.AggregationLayer(x)


class R3GANDiscriminatorNet(nn.Module):
    """``R3GAN.Networks.Discriminator`` (widths in its own order, highest resolution first)."""

    def __init__(self, widths, cards, blocks, expansion, c_dim, embed, bf16_stages):
        super().__init__()
        L = sum(blocks)
        dt = [torch.bfloat16 if i in bf16_stages else torch.float32 for i in range(len(widths))]
        stages = [DiscriminatorStage(DownsampleLayer(widths[i], widths[i + 1]),
                                     [ResidualBlock(widths[i], cards[i], expansion, L) for _ in range(blocks[i])],
                                     dt[i]) for i in range(len(widths) - 1)]
        stages += [DiscriminatorStage(DiscriminativeBasis(widths[-1], embed if c_dim else 1),
                                      [ResidualBlock(widths[-1], cards[-1], expansion, L) for _ in range(blocks[-1])],
                                      dt[-1])]
        self.ExtractionLayer = Convolution(3, widths[0], 1)
        self.MainLayers = nn.ModuleList(stages)
        if c_dim:
            self.EmbeddingLayer = _msr(nn.Linear(c_dim, embed, bias=False), 1 / math.sqrt(embed))

    def forward(self, x, y=None):
        x = self.ExtractionLayer(x)
        for layer in self.MainLayers:
            x = layer(x)
        x = (x * self.EmbeddingLayer(y)).sum(dim=1, keepdim=True) if hasattr(self, "EmbeddingLayer") else x
        return x.view(x.shape[0])


class Generator(nn.Module):
    """``training.networks.Generator``: ``Model`` and the sizes the training loop reads."""

    def __init__(self, model, z_dim, c_dim, img_resolution):
        super().__init__()
        self.Model, self.z_dim, self.c_dim, self.img_resolution = model, z_dim, c_dim, img_resolution

    def forward(self, x, c):
        return self.Model(x, c)


class Discriminator(nn.Module):
    """``training.networks.Discriminator``."""

    def __init__(self, model):
        super().__init__()
        self.Model = model

    def forward(self, x, c):
        return self.Model(x, c)


_PLACES = {
    "training.networks": (Generator, Discriminator),
    "R3GAN.Networks": (Convolution, ResidualBlock, UpsampleLayer, DownsampleLayer, GenerativeBasis,
                       DiscriminativeBasis, GeneratorStage, DiscriminatorStage),
    "R3GAN.FusedOperators": (BiasedActivationCUDA,),
    "R3GAN.Resamplers": (InterpolativeUpsamplerCUDA, InterpolativeDownsamplerCUDA),
}
R3GANGeneratorNet.__name__ = R3GANGeneratorNet.__qualname__ = "Generator"
R3GANDiscriminatorNet.__name__ = R3GANDiscriminatorNet.__qualname__ = "Discriminator"
_NETS = {"Generator": R3GANGeneratorNet, "Discriminator": R3GANDiscriminatorNet}


@contextlib.contextmanager
def official_names():
    """Makes the official module paths (``training.networks``, ``R3GAN.Networks``, ...) resolve to
    these classes while pickling (pickle records a class by the path it resolves to)."""
    fake = {name: types.ModuleType(name) for name in _MODULES}
    originals = {}
    for path, classes in _PLACES.items():
        for cls in classes:
            originals[cls] = cls.__module__
            cls.__module__ = path
            setattr(fake[path], cls.__name__, cls)
    for name, cls in _NETS.items():
        originals[cls] = cls.__module__
        cls.__module__ = "R3GAN.Networks"
        setattr(fake["R3GAN.Networks"], name, cls)
    saved = {name: sys.modules.get(name) for name in fake}
    sys.modules.update(fake)
    try:
        yield
    finally:
        for cls, module in originals.items():
            cls.__module__ = module
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def make_networks(widths=(16, 16, 16, 16), cards=(2, 2, 2, 2), blocks=(2, 2, 2, 2), nz=8, c_dim=0, seed=0):
    """``(G, D)`` stand-ins of an official preset's shape (widths from the 4x4 stage up; the
    discriminator takes them reversed, as ``train.py`` does), every weight nonzero."""
    torch.manual_seed(seed)
    n = len(widths)
    G = Generator(R3GANGeneratorNet(nz, list(widths), list(cards), list(blocks), 2, c_dim, nz if c_dim else 0,
                                    bf16_stages={n - 1, n - 2, n - 3}), nz, c_dim, 4 * 2 ** (n - 1))
    D = Discriminator(R3GANDiscriminatorNet(list(widths)[::-1], list(cards)[::-1], list(blocks)[::-1], 2, c_dim,
                                            widths[0] if c_dim else 0, bf16_stages={0, 1, 2}))
    with torch.no_grad():  # trained-looking weights: the zero-initialised convolutions and biases too
        for p in list(G.parameters()) + list(D.parameters()):
            p.add_(torch.randn_like(p) * 0.05)
    return G.eval(), D.eval()


def write_snapshot(path, G, D, G_ema, cur_nimg=40000):
    """Pickles a snapshot dict as the official training loop does (with Adam states and dataset options)."""
    def opt_state(net):
        opt = torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.0, 0.99), eps=1e-8)
        for p in net.parameters():
            p.grad = torch.ones_like(p) * 1e-3
        opt.step()
        for p in net.parameters():
            p.grad = None
        return opt.state_dict()
    entries = dict(G=G, D=D, G_ema=G_ema, training_set_kwargs={"class_name": "training.dataset.ImageFolderDataset",
                                                               "path": "cifar10.zip", "use_labels": bool(G.c_dim),
                                                               "max_size": 50000, "xflip": True, "resolution": 32},
                   cur_nimg=cur_nimg)
    entries["D_opt_state"] = opt_state(D)
    entries["G_opt_state"] = opt_state(G)
    with official_names(), open(path, "wb") as f:
        pickle.dump(entries, f)
    return path
