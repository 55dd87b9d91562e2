"""SSGAN (Chen et al. 2019): a GAN whose discriminator also predicts which of four rotations
(0, 90, 180, 270 degrees) was applied to an image. The discriminator learns the rotation task on
real images (``ss_loss_scale`` 1.0, the paper's beta) and the generator is rewarded when its
images' rotations are recognised (``ss_loss_scale`` 0.2, alpha). ResNet backbones of SNGAN with
spectral norm in the discriminator; default GAN loss ``'hinge'``.

Rotations follow torch-mimicry 0.1.16: a batch of N images is split by position into four
contiguous parts, image ``i`` gets rotation class ``i * 4 // N`` and is rotated by that many
quarter turns counter-clockwise; each image is rotated once (the batch is not replicated).
Here each part is rotated with one whole-tensor ``torch.rot90``.
"""
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, cast

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mimicry.nets import gan
from torch_mimicry.nets.gan.gan import Device

if TYPE_CHECKING:  # the training package imports the networks
    from torch_mimicry.training.metric_log import MetricLog

NUM_ROTATIONS = 4


def rotation_labels(num_images: int, device: Optional[Device] = None) -> torch.Tensor:
    """Rotation classes ``i * 4 // N`` of a batch of ``N`` images: int64 ``[N]`` in ``{0, 1, 2, 3}``."""
    return torch.arange(num_images, device=device) * NUM_ROTATIONS // num_images


def rotate_batch(images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rotates the k-th quarter of a batch by k quarter turns counter-clockwise.

    Args:
        images (Tensor): ``[N, C, H, W]`` with ``H == W``.

    Returns:
        tuple: ``(rotated [N, C, H, W], labels [N])``; ``rotated[i] = rot90(images[i], labels[i])``.
    """
    n = images.shape[0]
    labels = rotation_labels(n, images.device)
    # Class k covers positions [ceil(kN/4), ceil((k+1)N/4)).
    bounds = [-(-k * n // NUM_ROTATIONS) for k in range(NUM_ROTATIONS + 1)]
    parts = [torch.rot90(images[bounds[k]:bounds[k + 1]], k, dims=(2, 3)) for k in range(NUM_ROTATIONS)]
    return torch.cat(parts, dim=0), labels


class SSGANBaseGenerator(gan.BaseGenerator):
    """Base class of SSGAN generators.

    Args:
        nz, ngf, bottom_width: as ``BaseGenerator``.
        loss_type (str): GAN loss, default ``'hinge'``.
        ss_loss_scale (float): weight alpha of the rotation loss on fake images (default 0.2).
    """

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str = "hinge", ss_loss_scale: float = 0.2,
                 **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)
        self.ss_loss_scale = ss_loss_scale

    def train_step(self, real_batch: Sequence[torch.Tensor], netD: nn.Module, optG: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One generator update on ``errG + errG_SS``: the GAN loss on upright fakes plus the
        scaled rotation loss on the same fakes rotated. Logs ``errG`` (group ``loss``) and
        ``errG_SS`` (group ``loss_SS``)."""
        self.zero_grad()
        real_images = real_batch[0]
        fake_images = self.generate_images(num_images=real_images.shape[0], device=device)
        fake_rot, labels = rotate_batch(fake_images)
        # netD is an SSGAN discriminator (forward_parts, rotation logits)
        (output, _), (_, rot_logits) = cast(SSGANBaseDiscriminator, netD).forward_parts([fake_images, fake_rot])
        output_real = None
        if self.needs_real_output():
            with torch.no_grad():
                output_real = netD(real_images)[0]
        errG = self.compute_gan_loss(output, output_real=output_real)
        errG_SS = self.ss_loss_scale * F.cross_entropy(rot_logits, labels)
        self.backward_and_step(errG + errG_SS, optG, scaler)
        log_data.add_metric("errG", errG.detach(), group="loss")
        log_data.add_metric("errG_SS", errG_SS.detach(), group="loss_SS")
        return log_data


class SSGANBaseDiscriminator(gan.BaseDiscriminator):
    """Base class of SSGAN discriminators; ``forward(x)`` returns ``(logits [N, 1], rotation
    logits [N, 4])``.

    Args:
        ndf (int): base width.
        loss_type (str): GAN loss, default ``'hinge'``.
        ss_loss_scale (float): weight beta of the rotation loss on real images (default 1.0).
        fuse_forwards (bool): run the several batches of a training step (real, fake and rotated
            real; or fake and rotated fake) through one forward pass of their concatenation.
            The discriminator has no batch-dependent layers, so the outputs are those of
            separate passes, except that each training-mode pass runs one power iteration of
            every spectral norm: fused, a D step runs 1 instead of 3 and a G step 1 instead of
            2. Default False, which keeps the power-iteration schedule of the original
            implementation; True saves per-pass overhead.
    """

    def __init__(self, ndf: int, loss_type: str = "hinge", ss_loss_scale: float = 1.0, fuse_forwards: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.num_rotations = NUM_ROTATIONS
        self.ss_loss_scale = ss_loss_scale
        self.fuse_forwards = fuse_forwards

    def forward_parts(self, parts: Sequence[torch.Tensor]) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        """Discriminator outputs ``[(logits, rotation logits), ...]`` for each batch in ``parts``,
        in one pass over their concatenation when ``fuse_forwards`` is set."""
        if not self.fuse_forwards or len(parts) == 1:
            return [self(p) for p in parts]
        logits, rot_logits = self(torch.cat(list(parts), dim=0))
        sizes = [p.shape[0] for p in parts]
        return list(zip(logits.split(sizes), rot_logits.split(sizes)))

    def compute_ss_loss(self, images: torch.Tensor,
                        scale: Optional[float] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Scaled rotation cross-entropy on ``images`` (``[N, 3, H, W]``, upright).

        Returns:
            tuple: ``(scale * CE (scalar), rotation labels [N])``; ``scale`` defaults to
            ``self.ss_loss_scale``.
        """
        scale = self.ss_loss_scale if scale is None else scale
        rotated, labels = rotate_batch(images)
        _, rot_logits = self(rotated)
        return scale * F.cross_entropy(rot_logits, labels), labels

    def train_step(self, real_batch: Sequence[torch.Tensor], netG: gan.BaseGenerator, optD: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One discriminator update on ``errD + errD_SS``: the GAN loss on upright real and fake
        images plus the scaled rotation loss on the rotated real images. Logs ``errD``,
        ``errD_SS`` (group ``loss_SS``), ``D(x)`` and ``D(G(z))``."""
        self.zero_grad()
        real_images, _ = real_batch
        with torch.no_grad():
            fake_images = netG.generate_images(num_images=real_images.shape[0], device=device)
        real_rot, labels = rotate_batch(real_images)
        (output_real, _), (output_fake, _), (_, rot_logits) = self.forward_parts([real_images, fake_images, real_rot])
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        errD_SS = self.ss_loss_scale * F.cross_entropy(rot_logits, labels)
        self.backward_and_step(errD + errD_SS, optD, scaler)
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        log_data.add_metric("errD_SS", errD_SS.detach(), group="loss_SS")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data
