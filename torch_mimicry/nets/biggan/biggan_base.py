"""BigGAN (Brock et al. 2019, *Large Scale GAN Training for High Fidelity Natural Image Synthesis*).

A class-conditional ResNet GAN whose ideas are:

* **Shared class embedding and hierarchical latent**: the generator embeds the label once
  (``shared``, ``shared_dim`` wide) and splits the noise ``z`` into ``num_blocks + 1`` chunks;
  the first chunk feeds the linear layer, each later chunk is concatenated with the embedding
  and conditions both batch norms of one residual block (``LinearConditionalBatchNorm2d``:
  ``BN(x) * (1 + W_g c) + W_b c``).
* **Projection discriminator** (Miyato & Koyama 2018) with "wide" residual blocks (the hidden
  width of a block is its output width), self-attention (SAGAN) at one resolution in both
  networks, spectral normalisation in both networks, orthogonal initialisation.
* **Truncation trick**: ``generate_images(..., truncation=t)`` draws ``z`` from a normal
  truncated to ``[-t, t]`` (values outside are resampled), trading variety for fidelity.
* **Orthogonal regularisation** of the generator (``ortho_reg``, the paper's beta): adds
  ``beta * sum_W ||W W^T * (1 - I)||_F^2`` over every weight of at least two dimensions except
  the shared embedding to the generator loss. The reference code (BigGAN-PyTorch) adds the
  gradient ``2 * strength * (W W^T * (1 - I)) W`` directly, which is this term's gradient with
  ``beta = strength / 2``.

Default loss ``'hinge'``. Layout and hyperparameters follow the reference configurations of
BigGAN-PyTorch (``docs/models.rst`` compares widths and parameter counts).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.modules import (DBlock, DBlockOptimized, GBlock, SelfAttention, SNConv2d, SNEmbedding,
                                   SNLinear)
from torch_mimicry.modules.regularizers import orthogonal_penalty
from torch_mimicry.nets import gan
from torch_mimicry.nets.cgan_pd.cgan_pd_base import conditional_forward_labels

#: Generator plans: ``(in, out)`` channel multipliers of ``ch`` (= ``ngf``) for each upsampling block.
GeneratorPlan = Tuple[Tuple[int, int], ...]
DiscriminatorPlan = Tuple[int, Tuple[Tuple[int, int, bool], ...]]

GENERATOR_PLANS: Dict[int, GeneratorPlan] = {
    32: ((4, 4), (4, 4), (4, 4)),
    64: ((16, 16), (16, 8), (8, 4), (4, 2)),
    128: ((16, 16), (16, 8), (8, 4), (4, 2), (2, 1)),
}

#: Discriminator plans: output multiplier of the first (optimised) block, then
#: ``(in, out, downsample)`` multipliers of ``ch`` (= ``ndf``) for each following block.
DISCRIMINATOR_PLANS: Dict[int, DiscriminatorPlan] = {
    32: (4, ((4, 4, True), (4, 4, False), (4, 4, False))),
    64: (1, ((1, 2, True), (2, 4, True), (4, 8, True), (8, 16, False))),
    128: (1, ((1, 2, True), (2, 4, True), (4, 8, True), (8, 16, True), (16, 16, False))),
}

INIT_STYLES = ("ortho", "N02", "xavier")


def _check_init(init: str) -> str:
    if init not in INIT_STYLES:
        raise ValueError(f"Unknown init {init!r}: expected one of {', '.join(INIT_STYLES)}.")
    return init


def init_weights(net: nn.Module, style: str) -> None:
    """Initialises every convolution, linear and embedding weight of ``net`` in place.

    ``'ortho'``: orthogonal (BigGAN's default); ``'N02'``: normal with std 0.02 (BigGAN-PyTorch's
    CIFAR-10 script); ``'xavier'``: xavier-uniform. Spectrally normalised layers are initialised
    through their ``weight_orig``. Biases and batch-norm parameters keep their defaults.
    """
    for module in net.modules():
        if not isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)):
            continue
        weight = getattr(module, "weight_orig", None)
        weight = weight if isinstance(weight, torch.Tensor) else module.weight
        with torch.no_grad():
            if style == "ortho":
                nn.init.orthogonal_(weight)
            elif style == "N02":
                nn.init.normal_(weight, 0.0, 0.02)
            else:
                nn.init.xavier_uniform_(weight)


def truncated_noise(num_images: int, nz: int, truncation: float, device: Any = None) -> torch.Tensor:
    """Noise ``[num_images, nz]`` from a standard normal truncated to ``[-truncation, truncation]``.

    Values are drawn from the truncated distribution directly (inverse CDF), which is the same
    distribution as resampling every value that falls outside the range.
    """
    if isinstance(truncation, bool) or not isinstance(truncation, (int, float)) or not truncation > 0:
        raise ValueError(f"truncation must be a positive number (a threshold on |z|), got {truncation!r}.")
    z = torch.empty(num_images, nz, device=device)
    return nn.init.trunc_normal_(z, mean=0.0, std=1.0, a=-float(truncation), b=float(truncation))


def _resolutions(bottom_width: int, num_blocks: int) -> List[int]:
    """Output side of each upsampling block."""
    return [bottom_width * 2 ** (i + 1) for i in range(num_blocks)]


def _attention_index(sides: List[int], attention_resolution: int, network: str) -> Optional[int]:
    """Index of the first block whose output side is ``attention_resolution`` (None for 0)."""
    if not attention_resolution:
        return None
    if attention_resolution not in sides:
        raise ValueError(f"attention_resolution={attention_resolution} is not a feature-map size of this {network} "
                         f"(sizes: {', '.join(map(str, sorted(set(sides))))}); use one of them, or 0 for none.")
    return sides.index(attention_resolution)


def build_generator(net: Any, plan: GeneratorPlan, attention_resolution: int) -> None:
    """Adds the layers of a BigGAN generator of ``plan`` (see ``GENERATOR_PLANS``) to ``net``.

    Layers: ``shared`` (class embedding, when ``net.shared_dim > 0``), ``l1`` (linear from the
    first latent chunk to ``bottom_width^2 * in[0] * ch``), ``block1`` ... (upsampling GBlocks,
    nearest-neighbour upsampling, batch norms conditioned on ``[embedding, z chunk]`` or on the
    label), ``attn_block`` after the block whose output side is ``attention_resolution``,
    ``bn`` (BatchNorm2d), ``conv_out`` (3x3 conv to RGB). All but the embedding are spectrally
    normalised (the reference leaves G's embedding unnormalised).
    """
    ch = net.ngf
    num_blocks = len(plan)
    net.num_blocks = num_blocks
    net.z_chunks = _split_sizes(net.nz, num_blocks + 1 if net.hierarchical else 1)
    cond: Dict[str, int]
    if net.shared_dim > 0:
        net.shared = nn.Embedding(net.num_classes, net.shared_dim)
        cond = {"cond_dim": net.shared_dim + (net.z_chunks[1] if net.hierarchical else 0)}
    else:
        cond = {"num_classes": net.num_classes}
    net.l1 = SNLinear(net.z_chunks[0], net.bottom_width ** 2 * plan[0][0] * ch)
    for i, (a, b) in enumerate(plan):
        setattr(net, f"block{i + 1}", GBlock(a * ch, b * ch, upsample=True, spectral_norm=True,
                                             upsample_mode="nearest", **cond))
    net.attention_index = _attention_index(_resolutions(net.bottom_width, num_blocks), attention_resolution,
                                           "generator")
    if net.attention_index is not None:
        net.attn_block = SelfAttention(plan[net.attention_index][1] * ch, spectral_norm=True)
    out_ch = plan[-1][1] * ch
    net.bn = nn.BatchNorm2d(out_ch)
    net.conv_out = SNConv2d(out_ch, 3, 3, 1, padding=1)
    init_weights(net, net.init)


def _split_sizes(nz: int, num_chunks: int) -> Tuple[int, ...]:
    """Chunk sizes of ``z``: equal chunks, the first one (the linear layer's) taking the remainder."""
    if nz < num_chunks:
        raise ValueError(f"nz={nz} is too small to give each of the {num_chunks} latent chunks (linear layer and "
                         "one per block) at least one value; raise nz or set hierarchical=False.")
    size = nz // num_chunks
    return (nz - size * (num_chunks - 1),) + (size,) * (num_chunks - 1)


def run_generator(net: Any, z: torch.Tensor, y: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Generator body: split ``z`` -> ``l1`` -> blocks (conditioned) -> attention -> BN -> ReLU
    -> conv -> tanh. ``z`` ``[N, nz]``, ``y`` labels ``[N]`` (uniformly drawn when None);
    returns images ``[N, 3, H, W]`` in [-1, 1]."""
    y = conditional_forward_labels(net, z, y)
    if z.dim() != 2 or z.shape[1] != net.nz:
        raise ValueError(f"Expected noise of shape [N, {net.nz}], got {tuple(z.shape)}.")
    zs = torch.split(z, net.z_chunks, dim=1)
    h = net.l1(zs[0]).view(z.shape[0], -1, net.bottom_width, net.bottom_width)
    conds: Sequence[torch.Tensor]
    if net.shared_dim > 0:
        embedding = net.shared(y)
        conds = [torch.cat([embedding, zs[i + 1]], dim=1) if net.hierarchical else embedding
                 for i in range(net.num_blocks)]
    else:
        conds = [y] * net.num_blocks
    for i in range(net.num_blocks):
        h = getattr(net, f"block{i + 1}")(h, conds[i])
        if i == net.attention_index:
            h = net.attn_block(h)
    return torch.tanh(net.conv_out(F.relu(net.bn(h))))


def build_discriminator(net: Any, plan: DiscriminatorPlan, image_size: int, attention_resolution: int) -> None:
    """Adds the layers of a BigGAN discriminator of ``plan`` (see ``DISCRIMINATOR_PLANS``) to ``net``.

    Layers: ``block1`` (optimised block on RGB), ``block2`` ... (wide DBlocks: hidden width =
    output width), ``attn_block`` after the block whose output side is ``attention_resolution``,
    ``linear`` (C -> 1) and ``embed`` (projection embedding ``[num_classes, C]``), all spectrally
    normalised.
    """
    ch = net.ndf
    first, rest = plan
    blocks: List[Union[DBlock, DBlockOptimized]] = [DBlockOptimized(3, first * ch)]
    sides, side = [image_size // 2], image_size // 2
    for a, b, down in rest:
        blocks.append(DBlock(a * ch, b * ch, hidden_channels=b * ch, downsample=down))
        side = side // 2 if down else side
        sides.append(side)
    for i, block in enumerate(blocks):
        setattr(net, f"block{i + 1}", block)
    net.num_blocks = len(blocks)
    net.attention_index = _attention_index(sides, attention_resolution, "discriminator")
    if net.attention_index is not None:
        net.attn_block = SelfAttention(blocks[net.attention_index].out_channels, spectral_norm=True)
    out_ch = blocks[-1].out_channels
    net.linear = SNLinear(out_ch, 1)
    net.embed = SNEmbedding(net.num_classes, out_ch)
    init_weights(net, net.init)


def run_discriminator(net: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Discriminator body: blocks (each fed the previous block's output as is) -> ReLU -> global
    sum pooling -> ``linear(h) + <embed(y), h>``. Returns logits ``[N, 1]``."""
    h = x
    for i in range(net.num_blocks):
        h = getattr(net, f"block{i + 1}")(h)
        if i == net.attention_index:
            h = net.attn_block(h)
    h = torch.sum(F.relu(h), dim=(2, 3))
    return net.linear(h) + torch.sum(net.embed(y) * h, dim=1, keepdim=True)


class BigGANBaseGenerator(gan.BaseConditionalGenerator):
    """Base class of BigGAN generators; ``forward(z, y=None)`` maps noise ``[N, nz]`` and labels
    ``[N]`` (uniformly drawn when None) to images ``[N, 3, H, W]`` in ``[-1, 1]``.

    Args:
        num_classes (int): number of classes.
        nz (int): noise size, split into ``num_blocks + 1`` chunks when ``hierarchical``.
        ngf (int): the channel multiplier ``ch`` (BigGAN-PyTorch's ``G_ch``).
        bottom_width (int): side of the first feature map (4).
        shared_dim (int): size of the shared class embedding (128); 0 gives every batch norm its
            own class embedding instead (BigGAN-PyTorch without ``--G_shared``), which requires
            ``hierarchical=False``.
        hierarchical (bool): split ``z`` across the blocks (True) or feed all of it to ``l1``.
        attention_resolution (int): feature-map side after which self-attention runs; 0: none.
        init (str): ``'ortho'`` (default), ``'N02'`` or ``'xavier'``.
        ortho_reg (float): beta of the orthogonal regularisation (0: off; the paper uses 1e-4).
        loss_type (str): default ``'hinge'``.
    """

    def __init__(self, num_classes: int, nz: int, ngf: int, bottom_width: int = 4, shared_dim: int = 128,
                 hierarchical: bool = True, loss_type: str = "hinge", init: str = "ortho", ortho_reg: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, num_classes=num_classes,
                         **kwargs)
        if isinstance(shared_dim, bool) or not isinstance(shared_dim, int) or shared_dim < 0:
            raise ValueError(f"shared_dim must be an int >= 0, got {shared_dim!r}.")
        if hierarchical and shared_dim == 0:
            raise ValueError("hierarchical=True concatenates latent chunks with the shared class embedding: "
                             "give shared_dim > 0, or set hierarchical=False.")
        if not isinstance(ortho_reg, (int, float)) or ortho_reg < 0:
            raise ValueError(f"ortho_reg must be a number >= 0, got {ortho_reg!r}.")
        self.shared_dim = shared_dim
        self.hierarchical = bool(hierarchical)
        self.init = _check_init(init)
        self.ortho_reg = float(ortho_reg)

    def sample_noise(self, num_images: int, device: Any = None, truncation: Optional[float] = None) -> torch.Tensor:
        """Noise ``[num_images, nz]``: standard normal, or truncated to ``[-truncation, truncation]``."""
        device = device if device is not None else self.device
        if truncation is None:
            return torch.randn(num_images, self.nz, device=device)
        return truncated_noise(num_images, self.nz, truncation, device)

    # Conditional generators take the class before the device, as in torch-mimicry 0.1.16,
    # which an unconditional generator's (num_images, device) signature cannot express.
    def generate_images(  # type: ignore[override]
            self, num_images: int, c: Union[None, int, torch.Tensor] = None, device: Any = None,
            truncation: Optional[float] = None) -> torch.Tensor:
        """Images ``[num_images, 3, H, W]`` in ``[-1, 1]`` of class ``c`` (an int, or labels
        ``[num_images]``; uniformly drawn classes when None); with ``truncation`` the noise is
        truncated to ``[-truncation, truncation]``."""
        return self.generate_images_with_labels(num_images, c=c, device=device, truncation=truncation)[0]

    def generate_images_with_labels(self, num_images: int, c: Union[None, int, torch.Tensor] = None, device: Any = None,
                                    truncation: Optional[float] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(images [N, 3, H, W] in [-1, 1], labels [N])``.

        Args:
            c (int or Tensor): one class for all images, or labels ``[N]``; random if None.
            truncation (float): threshold of the truncation trick (None: untruncated noise).
        """
        device = device if device is not None else self.device
        labels = self.make_labels(num_images, c, device)
        return self(self.sample_noise(num_images, device, truncation=truncation), labels), labels

    def orthogonality_weights(self) -> List[torch.Tensor]:
        """The weights under orthogonal regularisation: every parameter with at least two
        dimensions except the shared class embedding (as in the reference code)."""
        return [p for name, p in self.named_parameters() if p.dim() >= 2 and not name.startswith("shared.")]

    def orthogonal_loss(self) -> torch.Tensor:
        """``ortho_reg * sum_W ||W W^T * (1 - I)||_F^2`` (a scalar tensor)."""
        return self.ortho_reg * orthogonal_penalty(self.orthogonality_weights())

    def regularization_loss(self, log_data: Any) -> Optional[torch.Tensor]:
        """The orthogonal regularisation term when ``ortho_reg`` is above 0 (logged as
        ``errG_ortho``), else None; ``train_step`` adds it to the generator loss."""
        if self.ortho_reg <= 0:
            return None
        errG_ortho = self.orthogonal_loss()
        log_data.add_metric("errG_ortho", errG_ortho.detach(), group="loss_ortho")
        return errG_ortho


class BigGANBaseDiscriminator(gan.BaseConditionalDiscriminator):
    """Base class of BigGAN projection discriminators; ``forward(x, y)`` maps images
    ``[N, 3, H, W]`` and labels ``[N]`` to logits ``[N, 1]``.

    Args:
        num_classes (int): number of classes.
        ndf (int): the channel multiplier ``ch`` (BigGAN-PyTorch's ``D_ch``).
        init (str): ``'ortho'`` (default), ``'N02'`` or ``'xavier'``.
        loss_type (str): default ``'hinge'``.

    Training is the default conditional discriminator step.
    """

    def __init__(self, num_classes: int, ndf: int, loss_type: str = "hinge", init: str = "ortho",
                 **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, num_classes=num_classes, **kwargs)
        self.init = _check_init(init)
