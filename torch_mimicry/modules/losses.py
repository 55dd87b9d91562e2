"""GAN losses. Every function takes raw discriminator outputs (logits), any shape, and
returns a scalar tensor (the mean over the batch).

Loss types: ``gan`` (minimax), ``ns`` (non-saturating), ``hinge``, ``wasserstein``, ``lsgan``
(least squares, Mao et al. 2017) and the relativistic average losses ``rasgan``, ``ralsgan`` and
``rahinge`` (Jolicoeur-Martineau 2018), and ``rpgan``, the relativistic pairing loss of R3GAN
(Huang et al. 2024), which compares each real output with the fake output of the same batch
position. For ``gan`` and ``ns`` the discriminator loss is the same
binary cross-entropy; the generator losses are both ``-log D(G(z))`` (``gan`` as binary
cross-entropy against the real label, as torch-mimicry 0.1.16 computed it; ``ns`` as
``softplus(-x)``). Relativistic losses compare each
output with the mean output of the other kind, so their generator loss needs the
discriminator's output on real data too; like the paper's reference code they average the
real and fake terms (divide by 2). ``rpgan`` pairs outputs element by element, so its real and fake
outputs must have the same shape.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

LOSS_TYPES: Tuple[str, ...] = ("gan", "ns", "hinge", "wasserstein", "lsgan", "rasgan", "ralsgan", "rahinge",
                                "rpgan")
RELATIVISTIC_LOSS_TYPES: Tuple[str, ...] = ("rasgan", "ralsgan", "rahinge", "rpgan")


def check_loss_type(loss_type: str) -> str:
    """Raises a ValueError naming the valid choices when ``loss_type`` is not one of them."""
    if loss_type not in LOSS_TYPES:
        raise ValueError(f"Unknown loss_type {loss_type!r}: expected one of {', '.join(LOSS_TYPES)}.")
    return loss_type


# Argument order: the discriminator losses of torch-mimicry 0.1.16 took ``(output_fake,
# output_real)`` (hinge, minimax) or ``(output_real, output_fake)`` (wasserstein); positional calls
# written for it keep working. The library itself passes them by keyword.


def minimax_loss_dis(output_fake: Tensor, output_real: Tensor, real_label_val: float = 1.0,
                     fake_label_val: float = 0.0, **kwargs: Any) -> Tensor:
    """-log D(x) - log(1 - D(G(z))): binary cross-entropy on logits.

    ``**kwargs`` go to ``F.binary_cross_entropy_with_logits`` (e.g. ``reduction``).
    """
    real = F.binary_cross_entropy_with_logits(output_real, torch.full_like(output_real, real_label_val), **kwargs)
    fake = F.binary_cross_entropy_with_logits(output_fake, torch.full_like(output_fake, fake_label_val), **kwargs)
    return real + fake


def minimax_loss_gen(output_fake: Tensor, real_label_val: float = 1.0, **kwargs: Any) -> Tensor:
    """Binary cross-entropy of the fake logits against the real label: -log D(G(z)).

    The generator loss of ``loss_type='gan'``, as in torch-mimicry 0.1.16 (the form of the
    minimax game that does not saturate). ``**kwargs`` go to
    ``F.binary_cross_entropy_with_logits``.
    """
    return F.binary_cross_entropy_with_logits(output_fake, torch.full_like(output_fake, real_label_val), **kwargs)


def ns_loss_gen(output_fake: Tensor, real_label_val: float = 1.0) -> Tensor:
    """-log D(G(z)), the non-saturating generator loss."""
    return F.binary_cross_entropy_with_logits(output_fake, torch.full_like(output_fake, real_label_val))


def hinge_loss_dis(output_fake: Tensor, output_real: Tensor) -> Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1.0 - output_real).mean() + F.relu(1.0 + output_fake).mean()


def hinge_loss_gen(output_fake: Tensor) -> Tensor:
    """-E[D(G(z))]."""
    return -output_fake.mean()


def wasserstein_loss_dis(output_real: Tensor, output_fake: Tensor) -> Tensor:
    """E[D(G(z))] - E[D(x)], the critic loss of WGAN."""
    return output_fake.mean() - output_real.mean()


def wasserstein_loss_gen(output_fake: Tensor) -> Tensor:
    """-E[D(G(z))]."""
    return -output_fake.mean()


def ls_loss_dis(output_real: Tensor, output_fake: Tensor) -> Tensor:
    """0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2] (LSGAN with targets 0 and 1)."""
    return 0.5 * ((output_real - 1.0) ** 2).mean() + 0.5 * (output_fake ** 2).mean()


def ls_loss_gen(output_fake: Tensor) -> Tensor:
    """0.5 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ((output_fake - 1.0) ** 2).mean()


def _relativistic(output_a: Tensor, output_b: Tensor) -> Tuple[Tensor, Tensor]:
    """Outputs of ``a`` relative to the mean output of ``b``, and vice versa."""
    return output_a - output_b.mean(), output_b - output_a.mean()


def rasgan_loss(output_a: Tensor, output_b: Tensor) -> Tensor:
    """Relativistic average standard GAN loss for the side that wants ``a`` judged real and
    ``b`` fake: (BCE(a - E[b], 1) + BCE(b - E[a], 0)) / 2. The discriminator's loss is
    ``rasgan_loss(real, fake)``, the generator's ``rasgan_loss(fake, real)``."""
    rel_a, rel_b = _relativistic(output_a, output_b)
    return 0.5 * (F.binary_cross_entropy_with_logits(rel_a, torch.ones_like(rel_a))
                  + F.binary_cross_entropy_with_logits(rel_b, torch.zeros_like(rel_b)))


def ralsgan_loss(output_a: Tensor, output_b: Tensor) -> Tensor:
    """Relativistic average least-squares loss: (E[(a - E[b] - 1)^2] + E[(b - E[a] + 1)^2]) / 2."""
    rel_a, rel_b = _relativistic(output_a, output_b)
    return 0.5 * (((rel_a - 1.0) ** 2).mean() + ((rel_b + 1.0) ** 2).mean())


def rahinge_loss(output_a: Tensor, output_b: Tensor) -> Tensor:
    """Relativistic average hinge loss: (E[max(0, 1 - (a - E[b]))] + E[max(0, 1 + (b - E[a]))]) / 2."""
    rel_a, rel_b = _relativistic(output_a, output_b)
    return 0.5 * (F.relu(1.0 - rel_a).mean() + F.relu(1.0 + rel_b).mean())


def rpgan_loss(output_a: Tensor, output_b: Tensor) -> Tensor:
    """Relativistic pairing loss (R3GAN, Huang et al. 2024): ``E[softplus(-(a_i - b_i))]``.

    Each output of the side judged real is compared with the output at the same position of
    the side judged fake (not with a batch mean). The discriminator's loss is
    ``rpgan_loss(real, fake)``, the generator's ``rpgan_loss(fake, real)``.

    Args:
        output_a, output_b (Tensor): logits of the same shape (e.g. ``[N]`` or ``[N, 1]``).
    """
    if output_a.shape != output_b.shape:
        raise ValueError("The rpgan loss pairs real and fake outputs one to one: their shapes must agree, got "
                         f"{tuple(output_a.shape)} and {tuple(output_b.shape)} (use as many fakes as reals).")
    return F.softplus(output_b - output_a).mean()


_RELATIVISTIC: Dict[str, Callable[[Tensor, Tensor], Tensor]] = {"rasgan": rasgan_loss, "ralsgan": ralsgan_loss,
                                                                "rahinge": rahinge_loss, "rpgan": rpgan_loss}


def is_relativistic(loss_type: str) -> bool:
    """True when the generator loss of ``loss_type`` needs the discriminator's output on real data."""
    return loss_type in RELATIVISTIC_LOSS_TYPES


def discriminator_loss(loss_type: str, output_real: Tensor, output_fake: Tensor) -> Tensor:
    """The discriminator loss of ``loss_type`` on real and fake logits."""
    check_loss_type(loss_type)
    if loss_type in ("gan", "ns"):
        return minimax_loss_dis(output_fake=output_fake, output_real=output_real)
    if loss_type == "hinge":
        return hinge_loss_dis(output_fake=output_fake, output_real=output_real)
    if loss_type == "wasserstein":
        return wasserstein_loss_dis(output_real=output_real, output_fake=output_fake)
    if loss_type == "lsgan":
        return ls_loss_dis(output_real=output_real, output_fake=output_fake)
    return _RELATIVISTIC[loss_type](output_real, output_fake)


def generator_loss(loss_type: str, output_fake: Tensor, output_real: Optional[Tensor] = None) -> Tensor:
    """The generator loss of ``loss_type`` on fake logits.

    ``output_real`` (the discriminator's logits on a real batch) is required by the
    relativistic losses and ignored by the others.
    """
    check_loss_type(loss_type)
    if loss_type == "gan":
        return minimax_loss_gen(output_fake)
    if loss_type == "ns":
        return ns_loss_gen(output_fake)
    if loss_type == "hinge":
        return hinge_loss_gen(output_fake)
    if loss_type == "wasserstein":
        return wasserstein_loss_gen(output_fake)
    if loss_type == "lsgan":
        return ls_loss_gen(output_fake)
    if output_real is None:
        raise ValueError(f"The relativistic loss {loss_type!r} needs the discriminator's output on real images: "
                         "pass output_real.")
    return _RELATIVISTIC[loss_type](output_fake, output_real)
