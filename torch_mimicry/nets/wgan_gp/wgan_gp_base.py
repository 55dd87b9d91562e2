"""WGAN-GP (Gulrajani et al. 2017): a critic trained with the Wasserstein loss plus a gradient
penalty ``gp_scale * E[(||grad_x D(x_hat)||_2 - 1)^2]`` on random interpolates ``x_hat`` of real
and fake images. The backbones are the ResNet ones of SNGAN without spectral norm or
normalisation in the critic, whose features are mean-pooled (the other families sum-pool)."""
from typing import TYPE_CHECKING, Any, Optional, Sequence

import torch

from torch_mimicry.nets import gan
from torch_mimicry.nets.gan.gan import Device

if TYPE_CHECKING:  # the training package imports the networks
    from torch_mimicry.training.metric_log import MetricLog


def reset_shortcuts(net: torch.nn.Module) -> None:
    """Gives every 1x1 shortcut convolution ``c_sc`` of ``net`` PyTorch's default init, as
    torch-mimicry 0.1.16 did for WGAN-GP (its blocks replaced ``c_sc`` after the xavier init)."""
    for module in net.modules():
        c_sc = getattr(module, "c_sc", None)
        if isinstance(c_sc, torch.nn.Conv2d):
            c_sc.reset_parameters()


class WGANGPBaseGenerator(gan.BaseGenerator):
    """Base class of WGAN-GP generators (default loss ``'wasserstein'``); the generator step is the
    default GAN step."""

    def __init__(self, nz: int, ngf: int, bottom_width: int, loss_type: str = "wasserstein", **kwargs: Any) -> None:
        super().__init__(nz=nz, ngf=ngf, bottom_width=bottom_width, loss_type=loss_type, **kwargs)


class WGANGPBaseDiscriminator(gan.BaseDiscriminator):
    """Base class of WGAN-GP critics.

    Args:
        ndf (int): base width.
        loss_type (str): GAN loss (default ``'wasserstein'``); the penalty is added to any of them.
        gp_scale (float): weight of the gradient penalty (lambda, default 10).
    """

    def __init__(self, ndf: int, loss_type: str = "wasserstein", gp_scale: float = 10.0, **kwargs: Any) -> None:
        super().__init__(ndf=ndf, loss_type=loss_type, **kwargs)
        self.gp_scale = gp_scale

    def compute_gradient_penalty_loss(self, real_images: torch.Tensor, fake_images: torch.Tensor,
                                      gp_scale: Optional[float] = 10.0,
                                      scaler: Optional["torch.amp.GradScaler"] = None) -> torch.Tensor:
        """Gradient penalty on interpolates ``alpha * real + (1 - alpha) * fake``.

        ``alpha ~ U(0, 1)`` is drawn per sample (shape ``[N, 1, 1, 1]``, from the CPU generator so
        that a seeded run draws the same values on any device). The gradient of the summed
        critic output with respect to the interpolates is kept in the graph (``create_graph``),
        so the penalty can be backpropagated to the critic's weights.

        Args:
            real_images, fake_images (Tensor): ``[N, 3, H, W]``; both are detached.
            gp_scale (float): weight (default 10, as in torch-mimicry 0.1.16; ``train_step`` passes
                ``self.gp_scale``; None means ``self.gp_scale``).
            scaler (GradScaler): under float16 mixed precision, the gradient is taken of the
                scaled output and unscaled, so it does not underflow.

        Returns:
            Tensor: scalar ``gp_scale * mean_i (||g_i||_2 - 1)^2``, norms over C*H*W.
        """
        gp_scale = self.gp_scale if gp_scale is None else gp_scale
        n = real_images.shape[0]
        alpha = torch.rand(n, 1, 1, 1).to(real_images.device, real_images.dtype)
        interpolates = (alpha * real_images.detach() + (1 - alpha) * fake_images.detach()).requires_grad_(True)
        output = self(interpolates)
        if scaler is None:
            grad, = torch.autograd.grad(outputs=output.sum(), inputs=interpolates, create_graph=True)
        else:
            grad, = torch.autograd.grad(outputs=scaler.scale(output.sum()), inputs=interpolates, create_graph=True)
            grad = grad / scaler.get_scale()
        return gp_scale * ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()

    def train_step(self, real_batch: Sequence[torch.Tensor], netG: gan.BaseGenerator, optD: torch.optim.Optimizer,
                   log_data: "MetricLog", device: Optional[Device] = None, global_step: Optional[int] = None,
                   scaler: Optional["torch.amp.GradScaler"] = None, **kwargs: Any) -> "MetricLog":
        """One critic update on ``errD + errD_GP``; logs ``errD`` (GAN loss only, group ``loss``),
        ``errD_GP`` (group ``loss_GP``), ``D(x)`` and ``D(G(z))``."""
        self.zero_grad()
        real_images, _ = real_batch
        with torch.no_grad():
            fake_images = netG.generate_images(num_images=real_images.shape[0], device=device)
        output_real = self(real_images)
        output_fake = self(fake_images)
        errD = self.compute_gan_loss(output_real=output_real, output_fake=output_fake)
        errD_GP = self.compute_gradient_penalty_loss(real_images, fake_images, gp_scale=self.gp_scale, scaler=scaler)
        self.backward_and_step(errD + errD_GP, optD, scaler)
        D_x, D_Gz = self.compute_probs(output_real=output_real, output_fake=output_fake)
        log_data.add_metric("errD", errD.detach(), group="loss")
        log_data.add_metric("errD_GP", errD_GP.detach(), group="loss_GP")
        log_data.add_metric("D(x)", D_x, group="prob")
        log_data.add_metric("D(G(z))", D_Gz, group="prob")
        return log_data
