"""Base classes of unconditional GAN generators and discriminators.

A subclass builds its layers in ``__init__`` and defines ``forward``; the default
``train_step`` performs one optimisation step of the GAN loss chosen by ``loss_type``.
Override ``train_step`` to add a family's own loss terms (see SSGAN in the tutorial).
"""
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from torch_mimicry.modules import losses
from torch_mimicry.nets.basemodel import BaseModel

if TYPE_CHECKING:  # the training package imports the networks
    from torch_mimicry.training.metric_log import MetricLog

#: Where to make tensors: a ``torch.device`` or its name (``'cpu'``, ``'cuda:0'``).
Device = Union[str, torch.device]


class BaseGenerator(BaseModel):
    """Base class of unconditional generators.

    Args:
        nz (int): noise dimension.
        ngf (int): base width (channels) of the generator's feature maps.
        bottom_width (int): spatial size of the first feature map.
        loss_type (str): one of ``torch_mimicry.modules.losses.LOSS_TYPES``.

    ``forward(z)`` maps noise ``[N, nz]`` to images ``[N, 3, H, W]`` in ``[-1, 1]``.
    """

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.nz = nz
        self.ngf = ngf
        self.bottom_width = bottom_width
        self.loss_type = losses.check_loss_type(loss_type)

    def sample_noise(self, num_images: int, device: Optional[Device] = None) -> torch.Tensor:
        """Standard normal noise ``[num_images, nz]`` on ``device`` (default the model's)."""
        return torch.randn(num_images, self.nz, device=device if device is not None else self.device)

    def generate_images(self, num_images: int, device: Optional[Device] = None) -> torch.Tensor:
        """Images ``[num_images, 3, H, W]`` in ``[-1, 1]`` from fresh noise.

        Autograd records the computation when gradients are enabled (the generator step
        needs it); call under ``torch.no_grad()`` to sample only.
        """
        return self(self.sample_noise(num_images, device))

    def compute_gan_loss(self, output: torch.Tensor, output_real: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Generator loss of ``self.loss_type`` on the discriminator's logits for fake images.

        ``output_real`` (logits for a real batch) is needed by the relativistic losses only.
        """
        return losses.generator_loss(self.loss_type, output, output_real=output_real)

    def needs_real_output(self) -> bool:
        """True when the generator loss needs the discriminator's output on real images."""
        return losses.is_relativistic(self.loss_type)

    def train_step(self, real_batch: Sequence[torch.Tensor], netD: nn.Module, optG: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One generator update: generates a batch as large as ``real_batch``'s, scores it
        with ``netD``, steps ``optG`` on the GAN loss, and logs ``errG``.

        Returns:
            MetricLog: ``log_data`` with ``errG`` added (group ``'loss'``).
        """
        self.zero_grad()
        batch_size = real_batch[0].shape[0]
        fake_images = self.generate_images(num_images=batch_size, device=device)
        output = netD(fake_images)
        output_real = None
        if self.needs_real_output():
            with torch.no_grad():
                output_real = netD(real_batch[0])
        errG = self.compute_gan_loss(output, output_real=output_real)
        self.backward_and_step(errG, optG, scaler)
        log_data.add_metric("errG", errG.detach(), group="loss")
        return log_data


class BaseDiscriminator(BaseModel):
    """Base class of unconditional discriminators.

    Args:
        ndf (int): base width (channels) of the discriminator's feature maps.
        loss_type (str): one of ``torch_mimicry.modules.losses.LOSS_TYPES``.

    ``forward(x)`` maps images ``[N, 3, H, W]`` in ``[-1, 1]`` to logits ``[N, 1]``.
    """

    def __init__(self, ndf: int, loss_type: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ndf = ndf
        self.loss_type = losses.check_loss_type(loss_type)

    def compute_gan_loss(self, output_real: torch.Tensor, output_fake: torch.Tensor) -> torch.Tensor:
        """Discriminator loss of ``self.loss_type`` on logits for real and fake images."""
        return losses.discriminator_loss(self.loss_type, output_real, output_fake)

    def compute_probs(self, output_real: torch.Tensor, output_fake: torch.Tensor) -> Tuple[float, float]:
        """Mean sigmoid probabilities ``(D(x), D(G(z)))`` as Python floats in [0, 1]."""
        D_x = torch.sigmoid(output_real.detach()).mean().item()
        D_Gz = torch.sigmoid(output_fake.detach()).mean().item()
        return D_x, D_Gz

    def train_step(self, real_batch: Sequence[torch.Tensor], netG: BaseGenerator, optD: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One discriminator update on a real batch and as many generated images.

        Returns:
            MetricLog: ``log_data`` with ``errD`` (group ``'loss'``), ``D(x)`` and
            ``D(G(z))`` (group ``'prob'``) added.
        """
        self.zero_grad()
        real_images, _ = real_batch
        batch_size = real_images.shape[0]
        with torch.no_grad():
            fake_images = netG.generate_images(num_images=batch_size, device=device)
        output_real = self(real_images)
        output_fake = self(fake_images)
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        self.backward_and_step(errD, optD, scaler)
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data
