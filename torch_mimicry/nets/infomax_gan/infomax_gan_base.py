"""InfoMax-GAN (Lee et al. 2021): the discriminator also maximises the mutual information between
local features (a feature map) and global features (the pooled vector) of the same image, with
the InfoNCE objective of Deep InfoMax; both are first projected to an RKHS of dimension
``nrkhs`` by small residual heads. The discriminator applies it to real images, the generator
to its fakes through the discriminator's heads (``infomax_loss_scale`` 0.2 for both). ResNet
backbones of SNGAN; default GAN loss ``'hinge'``.
"""
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, cast

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.modules import SNConv2d, SNLinear
from torch_mimicry.nets import gan
from torch_mimicry.nets.gan.gan import Device
from torch_mimicry.nets.resnet_backbone import DiscriminatorPlan, make_dblocks, resnet_features

if TYPE_CHECKING:  # the training package imports the networks
    from torch_mimicry.training.metric_log import MetricLog

#: score given to "self" pairs (the other locations of the same image) among the negatives,
#: as in torch-mimicry 0.1.16 (they are masked to a constant rather than removed).
SELF_SCORE = -10.0


def infonce_loss(local_feat: torch.Tensor, global_feat: torch.Tensor) -> torch.Tensor:
    """InfoNCE between every location of each image's local features and its global feature.

    For image ``i`` and location ``k`` the positive score is ``<l_ik, g_i>``; the negatives are
    ``<l_jm, g_i>`` for every location ``m`` of every image ``j`` (``N * L`` scores, where the
    ``j == i`` ones are replaced by the constant ``SELF_SCORE``). The loss is the mean over
    ``i, k`` of ``-log softmax`` of the positive among ``[positive, negatives]``.

    Args:
        local_feat (Tensor): ``[N, R, H, W]`` (or ``[N, R, L]``) projected local features.
        global_feat (Tensor): ``[N, R]`` projected global features.

    Returns:
        Tensor: scalar loss (>= 0).
    """
    n = local_feat.shape[0]
    local_feat = local_feat.flatten(2)                                   # [N, R, L]
    scores = torch.einsum("ir,jrl->ijl", global_feat, local_feat)        # [N (global), N (local), L]
    positive = torch.diagonal(scores, dim1=0, dim2=1).t()                # [N, L]
    self_mask = torch.eye(n, dtype=torch.bool, device=scores.device)[:, :, None]
    negatives = scores.masked_fill(self_mask, SELF_SCORE).reshape(n, -1)  # [N, N * L]
    # -log(e^p / (e^p + sum e^neg)) = softplus(logsumexp(neg) - p)
    return F.softplus(torch.logsumexp(negatives, dim=1, keepdim=True) - positive).mean()


class InfoMaxGANBaseGenerator(gan.BaseGenerator):
    """Base class of InfoMax-GAN generators.

    Args:
        nz, ngf, bottom_width: as ``BaseGenerator``.
        loss_type (str): GAN loss, default ``'hinge'``.
        infomax_loss_scale (float): weight alpha of the InfoMax loss on fakes (default 0.2).
    """

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str = "hinge", infomax_loss_scale: float = 0.2,
                 **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.infomax_loss_scale = infomax_loss_scale

    def train_step(self, real_batch: Sequence[torch.Tensor], netD: nn.Module, optG: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One generator update on ``errG + errG_IM``; logs ``errG`` and ``errG_IM`` (group ``loss_IM``)."""
        self.zero_grad()
        real_images = real_batch[0]
        fake_images = self.generate_images(num_images=real_images.shape[0], device=device)
        infomax_netD = cast(InfoMaxGANBaseDiscriminator, netD)  # its projection heads and InfoMax loss
        output_fake, local_feat, global_feat = netD(fake_images)
        local_feat, global_feat = infomax_netD.project_features(local_feat, global_feat)
        output_real = None
        if self.needs_real_output():
            with torch.no_grad():
                output_real = netD(real_images)[0]
        errG = self.compute_gan_loss(output_fake, output_real=output_real)
        errG_IM = infomax_netD.compute_infomax_loss(local_feat, global_feat, scale=self.infomax_loss_scale)
        self.backward_and_step(errG + errG_IM, optG, scaler)
        log_data.add_metric("errG", errG.detach(), group="loss")
        log_data.add_metric("errG_IM", errG_IM.detach(), group="loss_IM")
        return log_data


class InfoMaxGANBaseDiscriminator(gan.BaseDiscriminator):
    """Base class of InfoMax-GAN discriminators.

    Subclasses call ``build_layers`` with their resolution's discriminator plan: it adds
    ``local_feat_blocks`` and ``global_feat_blocks`` (``nn.Sequential`` of discriminator blocks),
    ``linear`` and the projection heads ``local_nrkhs_{a,b,sc}`` (1x1 convs) and
    ``global_nrkhs_{a,b,sc}`` (linears). ``forward(x)`` returns ``(logits [N, 1],
    local features [N, C_l, h, w] (after ReLU), global features [N, C])``.

    Args:
        nrkhs (int): dimension R of the projection space (default 1024 in subclasses).
        ndf (int): base width.
        loss_type (str): GAN loss, default ``'hinge'``.
        infomax_loss_scale (float): weight beta of the InfoMax loss on real images (default 0.2).
    """

    def __init__(self, nrkhs: int, ndf: int, loss_type: str = "hinge", infomax_loss_scale: float = 0.2,
                 **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.nrkhs = nrkhs
        self.infomax_loss_scale = infomax_loss_scale

    def build_layers(self, plan: DiscriminatorPlan) -> None:
        """Adds the layers for ``plan`` (a ``resnet_backbone.DISCRIMINATOR_PLANS`` entry): the last
        block of the SNGAN discriminator makes the global features, the blocks before it the
        local ones; every linear layer and head gets xavier-uniform init (gain 1)."""
        blocks = make_dblocks(self.ndf, *plan)
        self.local_feat_blocks = nn.Sequential(*blocks[:-1])
        self.global_feat_blocks = nn.Sequential(blocks[-1])
        self.linear = SNLinear(self.ndf, 1)
        c_local = blocks[-2].out_channels
        self.local_nrkhs_a = SNConv2d(c_local, c_local, 1, 1, 0)
        self.local_nrkhs_b = SNConv2d(c_local, self.nrkhs, 1, 1, 0)
        self.local_nrkhs_sc = SNConv2d(c_local, self.nrkhs, 1, 1, 0)
        self.global_nrkhs_a = SNLinear(self.ndf, self.ndf)
        self.global_nrkhs_b = SNLinear(self.ndf, self.nrkhs)
        self.global_nrkhs_sc = SNLinear(self.ndf, self.nrkhs)
        for layer in (self.linear, self.local_nrkhs_a, self.local_nrkhs_b, self.local_nrkhs_sc,
                      self.global_nrkhs_a, self.global_nrkhs_b, self.global_nrkhs_sc):
            nn.init.xavier_uniform_(layer.weight.data, 1.0)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        local_feat = resnet_features(x, self.local_feat_blocks)
        global_feat = torch.sum(resnet_features(local_feat, self.global_feat_blocks), dim=(2, 3))
        return self.linear(global_feat), local_feat, global_feat

    def project_features(self, local_feat: torch.Tensor,
                         global_feat: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Projects ``[N, C_l, h, w]`` local and ``[N, C]`` global features to ``[N, R, h, w]`` and
        ``[N, R]``: ``sc(f) + b(relu(a(f)))`` for each."""
        local_proj = self.local_nrkhs_sc(local_feat) + self.local_nrkhs_b(F.relu(self.local_nrkhs_a(local_feat)))
        global_proj = self.global_nrkhs_sc(global_feat) + self.global_nrkhs_b(F.relu(self.global_nrkhs_a(global_feat)))
        return local_proj, global_proj

    def infonce_loss(self, l: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """InfoNCE of local features ``l`` ``[N, R, L]`` and global features ``m`` ``[N, R, 1]``
        (or ``[N, R]``), unscaled: :func:`infonce_loss` with torch-mimicry 0.1.16's argument layout."""
        return infonce_loss(l, m.reshape(m.shape[0], -1))

    def compute_infomax_loss(self, local_feat: torch.Tensor, global_feat: torch.Tensor,
                             scale: Optional[float] = None) -> torch.Tensor:
        """``scale * infonce_loss`` on projected features (``scale`` defaults to ``infomax_loss_scale``)."""
        if local_feat.shape[1] != self.nrkhs or global_feat.shape[1] != self.nrkhs:
            raise ValueError(f"Expected features projected to nrkhs={self.nrkhs} channels, got "
                             f"{local_feat.shape[1]} and {global_feat.shape[1]}: call project_features first.")
        scale = self.infomax_loss_scale if scale is None else scale
        return scale * infonce_loss(local_feat, global_feat)

    def train_step(self, real_batch: Sequence[torch.Tensor], netG: gan.BaseGenerator, optD: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One discriminator update on ``errD + errD_IM`` (InfoMax on real images); logs ``errD``,
        ``errD_IM`` (group ``loss_IM``), ``D(x)`` and ``D(G(z))``."""
        self.zero_grad()
        real_images, _ = real_batch
        with torch.no_grad():
            fake_images = netG.generate_images(num_images=real_images.shape[0], device=device)
        output_real, local_feat, global_feat = self(real_images)
        output_fake = self(fake_images)[0]
        local_feat, global_feat = self.project_features(local_feat, global_feat)
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        errD_IM = self.compute_infomax_loss(local_feat, global_feat)
        self.backward_and_step(errD + errD_IM, optD, scaler)
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        log_data.add_metric("errD_IM", errD_IM.detach(), group="loss_IM")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data


def __getattr__(name: str) -> Any:
    # torch-mimicry 0.1.16 named the discriminator base class BaseDiscriminator here (the name
    # is resolved on access so that the class is documented once, under its own name).
    if name == "BaseDiscriminator":
        return InfoMaxGANBaseDiscriminator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
