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
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.modules import DBlock, DBlockOptimized, GBlock, SNConv2d, SNLinear

__all__ = ["GENERATOR_PLANS", "DISCRIMINATOR_PLANS", "build_generator", "run_generator", "make_dblocks",
           "build_discriminator", "discriminator_blocks", "resnet_features", "resnet_logits"]

#: A generator plan: the ``(in, out)`` width shifts of each upsampling GBlock.
GeneratorPlan = Tuple[Tuple[int, int], ...]
#: A discriminator plan: the width shift of the first block, then ``(in, out, downsample)`` per DBlock.
DiscriminatorPlan = Tuple[int, Tuple[Tuple[int, int, bool], ...]]
#: ``{block index: module}``: applied to the output of that block (e.g. self-attention).
BlockHooks = Mapping[int, Callable[[torch.Tensor], torch.Tensor]]

#: Generator channel plans of the ResNet backbones: ``(in, out)`` width shifts of each
#: upsampling GBlock (a block has ``ngf >> shift`` channels).
GENERATOR_PLANS: Mapping[int, GeneratorPlan] = {
    32: ((0, 0), (0, 0), (0, 0)),
    48: ((0, 1), (1, 2), (2, 3)),
    64: ((0, 1), (1, 2), (2, 3), (3, 4)),
    128: ((0, 0), (0, 1), (1, 2), (2, 3), (3, 4)),
}

#: Discriminator channel plans: the width shift of the first (optimised) block, then
#: ``(in, out, downsample)`` for each following DBlock (a block has ``ndf >> shift`` channels).
DISCRIMINATOR_PLANS: Mapping[int, DiscriminatorPlan] = {
    32: (0, ((0, 0, True), (0, 0, False), (0, 0, False))),
    48: (4, ((4, 3, True), (3, 2, True), (2, 1, True), (1, 0, False))),
    64: (4, ((4, 3, True), (3, 2, True), (2, 1, True), (1, 0, True))),
    128: (4, ((4, 3, True), (3, 2, True), (2, 1, True), (1, 0, True), (0, 0, False))),
}


def build_generator(net: nn.Module, plan: GeneratorPlan, num_classes: int = 0, spectral_norm: bool = False,
                    xavier_output: bool = True) -> None:
    """Adds the layers of a ResNet generator to ``net`` (which has ``nz``, ``ngf``, ``bottom_width``).

    Layers: ``l1`` (linear nz -> bottom_width^2 * ngf), ``block2``, ``block3``, ... (upsampling
    GBlocks of ``plan``), then ``b<k>`` (BatchNorm2d) and ``c<k>`` (3x3 conv to RGB), with
    ``k = len(plan) + 2``, and ``activation`` (ReLU). ``l1`` and ``c<k>`` get xavier-uniform init
    (gain 1; ``c<k>`` only when ``xavier_output``).

    The layer names are recorded in ``net.generator_layout`` for ``run_generator`` (names rather
    than modules, so that copies and replicas of ``net`` use their own layers).
    """
    g: Any = net  # layers are added, and attributes read, by name
    linear: Callable[..., nn.Linear] = SNLinear if spectral_norm else nn.Linear
    conv: Callable[..., nn.Conv2d] = SNConv2d if spectral_norm else nn.Conv2d
    g.l1 = linear(g.nz, (g.bottom_width ** 2) * g.ngf)
    for i, (a, b) in enumerate(plan):
        setattr(g, f"block{i + 2}", GBlock(g.ngf >> a, g.ngf >> b, upsample=True, num_classes=num_classes,
                                           spectral_norm=spectral_norm))
    k = len(plan) + 2
    out_ch = g.ngf >> plan[-1][1]
    bn, c_out = nn.BatchNorm2d(out_ch), conv(out_ch, 3, 3, 1, padding=1)
    setattr(g, f"b{k}", bn)
    setattr(g, f"c{k}", c_out)
    g.activation = nn.ReLU(True)
    nn.init.xavier_uniform_(g.l1.weight.data, 1.0)
    if xavier_output:
        nn.init.xavier_uniform_(c_out.weight.data, 1.0)
    g.generator_layout = (tuple(f"block{i + 2}" for i in range(len(plan))), f"b{k}", f"c{k}")


def run_generator(net: nn.Module, z: torch.Tensor, y: Optional[torch.Tensor] = None, hooks: Optional[BlockHooks] = None,
                  output_activation: Callable[[torch.Tensor], torch.Tensor] = torch.tanh) -> torch.Tensor:
    """Generator body: ``l1`` -> reshape -> GBlocks (given ``y`` when conditional) -> BN -> ReLU
    -> conv -> tanh.

    Args:
        z (Tensor): noise ``[N, nz]``. y (Tensor): labels ``[N]`` for conditional blocks, else None.
        hooks (dict): optional ``{block index: module}`` applied after that block (e.g. attention).
        output_activation (callable): applied last (default tanh; the CIFAR DCGAN uses sigmoid).

    Returns:
        Tensor: images ``[N, 3, H, W]`` in ``[-1, 1]`` (with tanh).
    """
    g: Any = net  # layers are read by name
    block_names, bn_name, conv_name = g.generator_layout
    bn, conv = getattr(g, bn_name), getattr(g, conv_name)
    h = g.l1(z).view(z.shape[0], -1, g.bottom_width, g.bottom_width)
    for i, block in enumerate(getattr(g, name) for name in block_names):
        h = block(h) if y is None else block(h, y)
        if hooks and i in hooks:
            h = hooks[i](h)
    h = g.activation(bn(h))
    return output_activation(conv(h))


def make_dblocks(ndf: int, first: int, rest: Sequence[Tuple[int, int, bool]],
                 spectral_norm: bool = True) -> List[Union[DBlockOptimized, DBlock]]:
    """The discriminator blocks of a plan (see ``DISCRIMINATOR_PLANS``) as a list."""
    blocks: List[Union[DBlockOptimized, DBlock]] = [DBlockOptimized(3, ndf >> first, spectral_norm=spectral_norm)]
    for a, b, down in rest:
        blocks.append(DBlock(ndf >> a, ndf >> b, downsample=down, spectral_norm=spectral_norm))
    return blocks


def build_discriminator(net: nn.Module, plan: DiscriminatorPlan, spectral_norm: bool = True) -> None:
    """Adds ``block1`` (optimised block on RGB) and ``block2``, ... (DBlocks of ``plan``) to
    ``net`` (which has ``ndf``) plus ``activation``; their names go to ``net.discriminator_layout``
    (see ``discriminator_blocks``)."""
    d: Any = net  # layers are added, and attributes read, by name
    blocks = make_dblocks(d.ndf, *plan, spectral_norm=spectral_norm)
    for i, block in enumerate(blocks):
        setattr(d, f"block{i + 1}", block)
    d.activation = nn.ReLU(True)
    d.discriminator_layout = tuple(f"block{i + 1}" for i in range(len(blocks)))


def discriminator_blocks(net: nn.Module) -> Tuple[nn.Module, ...]:
    """The blocks added by ``build_discriminator``, in order, as a tuple of modules."""
    layout: Tuple[str, ...] = getattr(net, "discriminator_layout")
    return tuple(getattr(net, name) for name in layout)


def resnet_features(x: torch.Tensor, blocks: Iterable[nn.Module], hooks: Optional[BlockHooks] = None) -> torch.Tensor:
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


def resnet_logits(x: torch.Tensor, blocks: Iterable[nn.Module], linear: nn.Module, pool: str = "sum",
                  hooks: Optional[BlockHooks] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """``resnet_features`` -> global ``pool`` ('sum' or 'mean') over H, W -> ``linear``.

    Returns ``(logits [N, out], pooled features [N, C])``.
    """
    h = resnet_features(x, blocks, hooks=hooks)
    h = torch.sum(h, dim=(2, 3)) if pool == "sum" else torch.mean(h, dim=(2, 3))
    return linear(h), h
