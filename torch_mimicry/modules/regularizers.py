"""Regularisation terms, as pure functions of weights or discriminator outputs.

* ``orthogonal_penalty``: the modified orthogonal regularisation of BigGAN (Brock et al. 2019).
* ``lecam_penalty``: the LeCam regulariser of the discriminator (Tseng et al. 2021).
"""
from __future__ import annotations

from typing import Iterable, Union

import torch
import torch.nn.functional as F


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
