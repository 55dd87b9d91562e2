"""Regularisation terms, as pure functions of weights or discriminator outputs.

* ``orthogonal_penalty``: the modified orthogonal regularisation of BigGAN (Brock et al. 2019).
* ``lecam_penalty``: the LeCam regulariser of the discriminator (Tseng et al. 2021).
* ``zero_centred_gradient_penalty``, ``r1_penalty``, ``r2_penalty``: the squared norm of the
  discriminator's gradient with respect to its input, on real images (R1, Mescheder et al. 2018)
  or on generated ones (R2), as StyleGAN2 and R3GAN (Huang et al. 2024) use them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional, Union

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from torch.amp import GradScaler


def orthogonal_penalty(weights: Iterable[torch.Tensor]) -> torch.Tensor:
    """``sum_W || W W^T * (1 - I) ||_F^2`` (Brock et al. 2019, Eq. 3, without the factor beta).

    Each weight is reshaped to ``[out, -1]`` (one row per filter), so the term pushes the
    filters of a layer towards mutual orthogonality without constraining their norms.

    Args:
        weights (iterable of Tensor): weights with at least 2 dimensions.

    Returns:
        Tensor: a scalar >= 0 (0 for an empty iterable).
    """
    total: Union[torch.Tensor, None] = None
    for w in weights:
        if w.dim() < 2:
            raise ValueError("orthogonal_penalty takes weights with at least 2 dimensions, "
                             f"got shape {tuple(w.shape)}.")
        w = w.reshape(w.shape[0], -1)
        gram = w @ w.t()
        off_diagonal = gram - torch.diag_embed(torch.diagonal(gram))
        term = off_diagonal.pow(2).sum()
        total = term if total is None else total + term
    return total if total is not None else torch.zeros(())


def lecam_penalty(output_real: torch.Tensor, output_fake: torch.Tensor, anchor_real: Union[float, torch.Tensor],
                  anchor_fake: Union[float, torch.Tensor], one_sided: bool = True) -> torch.Tensor:
    """The LeCam regulariser of Tseng et al. 2021 on raw discriminator outputs.

    Two-sided (the paper's Eq. 3): ``E[(D(x) - a_F)^2] + E[(D(G(z)) - a_R)^2]``.
    One-sided (the authors' released code, the default): ``E[relu(D(x) - a_F)^2] +
    E[relu(a_R - D(G(z)))^2]``: only real outputs above the fake anchor and fake outputs below
    the real anchor are pulled back. The anchors ``a_R``, ``a_F`` are moving averages of the
    discriminator's mean outputs on real and fake images, treated as constants.

    Args:
        output_real, output_fake (Tensor): outputs on real and on generated images (any shape).
        anchor_real, anchor_fake (float or 0-d Tensor): the anchors ``a_R`` and ``a_F``.

    Returns:
        Tensor: a scalar >= 0.
    """
    a_real = torch.as_tensor(anchor_real, dtype=output_real.dtype, device=output_real.device).detach()
    a_fake = torch.as_tensor(anchor_fake, dtype=output_fake.dtype, device=output_fake.device).detach()
    real_gap = output_real - a_fake
    fake_gap = a_real - output_fake
    if one_sided:
        real_gap, fake_gap = F.relu(real_gap), F.relu(fake_gap)
    return real_gap.pow(2).mean() + fake_gap.pow(2).mean()


def zero_centred_gradient_penalty(output: torch.Tensor, images: torch.Tensor,
                                  scaler: Optional["GradScaler"] = None) -> torch.Tensor:
    """``E_i ||d sum(D) / d x_i||^2``: the mean over images of the squared gradient norm.

    The gradient is kept in the graph (``create_graph=True``), so the penalty back-propagates to
    the discriminator's weights (a double backward).

    Args:
        output (Tensor): discriminator outputs ``[N]`` or ``[N, 1]`` computed from ``images``.
        images (Tensor): ``[N, C, H, W]`` with ``requires_grad=True`` (the tensor ``output``
            was computed from: ``x = x.detach().requires_grad_(True)`` before calling ``D``).
        scaler (GradScaler): under float16 mixed precision the gradient is taken of the scaled
            output and unscaled, so it does not underflow.

    Returns:
        Tensor: a scalar >= 0.
    """
    if not images.requires_grad:
        raise ValueError("zero_centred_gradient_penalty needs the images the output was computed from, with "
                         "requires_grad=True: x = x.detach().requires_grad_(True), then output = netD(x).")
    total = output.float().sum()
    if scaler is not None:
        total = scaler.scale(total)
    grad, = torch.autograd.grad(outputs=total, inputs=images, create_graph=True)
    if scaler is not None:
        grad = grad / scaler.get_scale()
    return grad.float().pow(2).flatten(1).sum(1).mean()


def r1_penalty(output_real: torch.Tensor, real_images: torch.Tensor, gamma: float,
               scaler: Optional["GradScaler"] = None) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): ``gamma / 2 * E ||grad_x D(x)||^2`` on real images.

    Args:
        output_real (Tensor): ``D(real_images)``, ``[N]`` or ``[N, 1]``.
        real_images (Tensor): ``[N, C, H, W]`` with ``requires_grad=True``.
        gamma (float): the weight (R3GAN CIFAR-10: 0.05 at the start; StyleGAN2-ADA CIFAR-10: 0.01).
    """
    return 0.5 * float(gamma) * zero_centred_gradient_penalty(output_real, real_images, scaler)


def r2_penalty(output_fake: torch.Tensor, fake_images: torch.Tensor, gamma: float,
               scaler: Optional["GradScaler"] = None) -> torch.Tensor:
    """R2: ``gamma / 2 * E ||grad_x D(x)||^2`` on generated images (R3GAN pairs it with R1).

    Arguments as :func:`r1_penalty`, with generated images (detached from the generator).
    """
    return 0.5 * float(gamma) * zero_centred_gradient_penalty(output_fake, fake_images, scaler)
