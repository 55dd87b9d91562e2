"""Calls of the networks and building blocks that the type check must accept (``make typecheck``).

This file is only type-checked, never run."""
from typing import List, Tuple

import torch
import torch.nn as nn

from torch_mimicry.modules import GBlock, SelfAttention, SNConv2d, SNLinear
from torch_mimicry.modules.resblocks import DBlock, DBlockOptimized
from torch_mimicry.modules.spectral_norm import has_spectral_norm, spectral_norm
from torch_mimicry.modules.sync_batchnorm import convert_sync_batchnorm
from torch_mimicry.nets import resnet_backbone
from torch_mimicry.nets.biggan import BigGANGenerator32
from torch_mimicry.nets.cgan_pd import CGANPDDiscriminator32, CGANPDGenerator32
from torch_mimicry.nets.infomax_gan import InfoMaxGANDiscriminator32, infonce_loss
from torch_mimicry.nets.sngan import SNGANDiscriminator32, SNGANGenerator32
from torch_mimicry.nets.ssgan import SSGANDiscriminator32, rotate_batch
from torch_mimicry.nets.wgan_gp import WGANGPDiscriminator32
from torch_mimicry.training.metric_log import MetricLog


def network_calls(optD: torch.optim.Optimizer, log_data: MetricLog) -> MetricLog:
    netG, netD = SNGANGenerator32(ngf=8), SNGANDiscriminator32(ndf=8, loss_type="ns")
    images: torch.Tensor = netG.generate_images(4, device="cpu")
    logits: torch.Tensor = netD.forward(images)
    D_x, D_Gz = netD.compute_probs(logits, logits)
    assert 0.0 <= D_x + D_Gz and netG.needs_real_output() is False
    real_batch = (images, torch.zeros(4, dtype=torch.long))
    log_data = netD.train_step(real_batch, netG, optD, log_data, device=torch.device("cpu"), global_step=1)

    condG = CGANPDGenerator32(num_classes=10, ngf=8)
    condD = CGANPDDiscriminator32(num_classes=10, ndf=8)
    fakes, labels = condG.generate_images_with_labels(4, c=torch.arange(4))
    one_class: torch.Tensor = condG.generate_images(4, 3, "cpu")  # c second, as in 0.1.16
    assert condD.forward(fakes, labels).shape == one_class.shape[:1] + (1,)
    log_data = condD.train_step([fakes, labels], condG, optD, log_data)

    biggan = BigGANGenerator32(num_classes=10, ngf=8)
    truncated: torch.Tensor = biggan.generate_images(4, c=1, truncation=0.5)

    ssgan = SSGANDiscriminator32(ndf=8, fuse_forwards=True)
    rotated, rot_labels = rotate_batch(truncated)
    outputs: List[Tuple[torch.Tensor, torch.Tensor]] = ssgan.forward_parts([truncated, rotated])
    ss_loss, _ = ssgan.compute_ss_loss(truncated, scale=0.5)

    infomax = InfoMaxGANDiscriminator32(nrkhs=16, ndf=8)
    _, local_feat, global_feat = infomax.forward(truncated)
    local_proj, global_proj = infomax.project_features(local_feat, global_feat)
    mi_loss: torch.Tensor = infonce_loss(local_proj, global_proj)
    mi_loss = mi_loss + infomax.compute_infomax_loss(local_proj, global_proj, scale=0.2)

    critic = WGANGPDiscriminator32(ndf=8, gp_scale=5.0)
    gp: torch.Tensor = critic.compute_gradient_penalty_loss(images, truncated, gp_scale=None)
    assert outputs and rot_labels.dtype == torch.long and (ss_loss + mi_loss + gp).ndim == 0
    return log_data


def module_calls(x: torch.Tensor) -> nn.Module:
    conv: nn.Conv2d = SNConv2d(3, 8, 3, 1, padding=1)
    buffered: nn.Linear = SNLinear(8, 1, default=False)
    linear: nn.Linear = spectral_norm(nn.Linear(8, 8), n_power_iterations=2)
    assert has_spectral_norm(conv) and has_spectral_norm(buffered) and has_spectral_norm(linear)
    h: torch.Tensor = GBlock(8, 8, upsample=True, num_classes=10).forward(conv(x), torch.zeros(2, dtype=torch.long))
    h = SelfAttention(8, spectral_norm=False).forward(h)
    h = DBlock(8, 16, downsample=True).forward(DBlockOptimized(8, 8).forward(h))
    blocks = resnet_backbone.make_dblocks(64, *resnet_backbone.DISCRIMINATOR_PLANS[32])
    logits, features = resnet_backbone.resnet_logits(h, blocks[1:], nn.Linear(64, 1), pool="mean")
    assert logits.shape[0] == features.shape[0]
    return convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(8)))
