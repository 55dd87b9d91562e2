"""The ResNet backbones of SNGAN (Miyato et al. 2018), shared by every ResNet family of the
library (dcgan, wgan_gp, cgan_pd, ssgan, infomax_gan, sagan; sngan spells its layers out).

* ``GENERATOR_PLANS`` / ``DISCRIMINATOR_PLANS``: channel plans per resolution (SNGAN's);
  ``build_generator`` / ``build_discriminator`` add those layers to a network and
  ``run_generator`` is the generator body.
* ``resnet_features`` / ``resnet_logits`` run the discriminator blocks. Every block after the
  first is fed the ReLU of the previous block's output, *including its shortcut*. This
  reproduces torch-mimicry 0.1.16, whose ``DBlock`` applied an in-place ReLU to its own input
  before the shortcut read it, so checkpoints written by that release give the same outputs.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNConv2d, SNLinear

__all__ = ["GENERATOR_PLANS", "DISCRIMINATOR_PLANS", "build_generator", "run_generator", "make_dblocks",
           "build_discriminator", "discriminator_blocks", "resnet_features", "resnet_logits"]

#: Generator channel plans of the ResNet backbones: ``(in, out)`` width shifts of each
#: upsampling GBlock (a block has ``ngf >> shift`` channels).
GENERATOR_PLANS = {
    32: ((0, 0), (0, 0), (0, 0)),
    48: ((0, 1), (1, 2), (2, 3)),
    64: ((0, 1), (1, 2), (2, 3), (3, 4)),
    128: ((0, 0), (0, 1), (1, 2), (2, 3), (3, 4)),
}

#: Discriminator channel plans: the width shift of the first (optimised) block, then
#: ``(in, out, downsample)`` for each following DBlock (a block has ``ndf >> shift`` channels).
DISCRIMINATOR_PLANS = {
    32: (0, ((0, 0, True), (0, 0, False), (0, 0, False))),
    48: (4, ((4, 3, True), (3, 2, True), (2, 1, True), (1, 0, False))),
    64: (4, ((4, 3, True), (3, 2, True), (2, 1, True), (1, 0, True))),
    128: (4, ((4, 3, True), (3, 2, True), (2, 1, True), (1, 0, True), (0, 0, False))),
}


def build_generator(net, plan, num_classes=0, spectral_norm=False, xavier_output=True):
    """Adds the layers of a ResNet generator to ``net`` (which has ``nz``, ``ngf``, ``bottom_width``).

    Layers: ``l1`` (linear nz -> bottom_width^2 * ngf), ``block2``, ``block3``, ... (upsampling
    GBlocks of ``plan``), then ``b<k>`` (BatchNorm2d) and ``c<k>`` (3x3 conv to RGB), with
    ``k = len(plan) + 2``, and ``activation`` (ReLU). ``l1`` and ``c<k>`` get xavier-uniform init
    (gain 1; ``c<k>`` only when ``xavier_output``).

    The layer names are recorded in ``net.generator_layout`` for ``run_generator`` (names rather
    than modules, so that copies and replicas of ``net`` use their own layers).
    """
    linear = SNLinear if spectral_norm else nn.Linear
    conv = SNConv2d if spectral_norm else nn.Conv2d
    net.l1 = linear(net.nz, (net.bottom_width ** 2) * net.ngf)
    for i, (a, b) in enumerate(plan):
        setattr(net, f"block{i + 2}", GBlock(net.ngf >> a, net.ngf >> b, upsample=True, num_classes=num_classes,
                                             spectral_norm=spectral_norm))
    k = len(plan) + 2
    out_ch = net.ngf >> plan[-1][1]
    bn, c_out = nn.BatchNorm2d(out_ch), conv(out_ch, 3, 3, 1, padding=1)
    setattr(net, f"b{k}", bn)
    setattr(net, f"c{k}", c_out)
    net.activation = nn.ReLU(True)
    nn.init.xavier_uniform_(net.l1.weight.data, 1.0)
    if xavier_output:
        nn.init.xavier_uniform_(c_out.weight.data, 1.0)
    net.generator_layout = (tuple(f"block{i + 2}" for i in range(len(plan))), f"b{k}", f"c{k}")


def run_generator(net, z, y=None, hooks=None, output_activation=torch.tanh):
    """Generator body: ``l1`` -> reshape -> GBlocks (given ``y`` when conditional) -> BN -> ReLU
    -> conv -> tanh.

    Args:
        z (Tensor): noise ``[N, nz]``. y (Tensor): labels ``[N]`` for conditional blocks, else None.
        hooks (dict): optional ``{block index: module}`` applied after that block (e.g. attention).
        output_activation (callable): applied last (default tanh; the CIFAR DCGAN uses sigmoid).

    Returns:
        Tensor: images ``[N, 3, H, W]`` in ``[-1, 1]`` (with tanh).
    """
    block_names, bn_name, conv_name = net.generator_layout
    bn, conv = getattr(net, bn_name), getattr(net, conv_name)
    h = net.l1(z).view(z.shape[0], -1, net.bottom_width, net.bottom_width)
    for i, block in enumerate(getattr(net, name) for name in block_names):
        h = block(h) if y is None else block(h, y)
        if hooks and i in hooks:
            h = hooks[i](h)
    h = net.activation(bn(h))
    return output_activation(conv(h))


def make_dblocks(ndf, first, rest, spectral_norm=True):
    """The discriminator blocks of a plan (see ``DISCRIMINATOR_PLANS``) as a list."""
    blocks = [DBlockOptimized(3, ndf >> first, spectral_norm=spectral_norm)]
    for a, b, down in rest:
        blocks.append(DBlock(ndf >> a, ndf >> b, downsample=down, spectral_norm=spectral_norm))
    return blocks


def build_discriminator(net, plan, spectral_norm=True):
    """Adds ``block1`` (optimised block on RGB) and ``block2``, ... (DBlocks of ``plan``) to
    ``net`` (which has ``ndf``) plus ``activation``; their names go to ``net.discriminator_layout``
    (see ``discriminator_blocks``)."""
    blocks = make_dblocks(net.ndf, *plan, spectral_norm=spectral_norm)
    for i, block in enumerate(blocks):
        setattr(net, f"block{i + 1}", block)
    net.activation = nn.ReLU(True)
    net.discriminator_layout = tuple(f"block{i + 1}" for i in range(len(blocks)))


def discriminator_blocks(net):
    """The blocks added by ``build_discriminator``, in order, as a tuple of modules."""
    return tuple(getattr(net, name) for name in net.discriminator_layout)


def resnet_features(x, blocks, hooks=None):
    """Runs discriminator ``blocks`` on ``x`` and returns the ReLU of the last block's output.

    Args:
        x (Tensor): images ``[N, 3, H, W]`` (or features, for a partial stack).
        blocks (iterable of nn.Module): the first is applied to ``x`` as is; each later one
            to the ReLU of its predecessor's output.
        hooks (dict): optional ``{block index: module}`` applied to that block's output
            (e.g. self-attention), before the ReLU that feeds the next block.

    Returns:
        Tensor: ``[N, C, h, w]`` non-negative features.
    """
    h = x
    for i, block in enumerate(blocks):
        h = block(h if i == 0 else F.relu(h))
        if hooks and i in hooks:
            h = hooks[i](h)
    return F.relu(h)


def resnet_logits(x, blocks, linear, pool="sum", hooks=None):
    """``resnet_features`` -> global ``pool`` ('sum' or 'mean') over H, W -> ``linear``.

    Returns ``(logits [N, out], pooled features [N, C])``.
    """
    h = resnet_features(x, blocks, hooks=hooks)
    h = torch.sum(h, dim=(2, 3)) if pool == "sum" else torch.mean(h, dim=(2, 3))
    return linear(h), h
