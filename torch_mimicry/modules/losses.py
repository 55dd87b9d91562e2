"""GAN losses. Every function takes raw discriminator outputs (logits), any shape, and
returns a scalar tensor (the mean over the batch).

Loss types: ``gan`` (minimax), ``ns`` (non-saturating), ``hinge`` and ``wasserstein``.
For ``gan`` and ``ns`` the discriminator loss is the same binary cross-entropy; they differ in
the generator loss.
"""
import torch
import torch.nn.functional as F

LOSS_TYPES = ("gan", "ns", "hinge", "wasserstein")


def check_loss_type(loss_type):
    """Raises a ValueError naming the valid choices when ``loss_type`` is not one of them."""
    if loss_type not in LOSS_TYPES:
        raise ValueError(f"Unknown loss_type {loss_type!r}: expected one of {', '.join(LOSS_TYPES)}.")
    return loss_type


def minimax_loss_dis(output_real, output_fake, real_label_val=1.0, fake_label_val=0.0):
    """-log D(x) - log(1 - D(G(z))): binary cross-entropy on logits."""
    real = F.binary_cross_entropy_with_logits(output_real, torch.full_like(output_real, real_label_val))
    fake = F.binary_cross_entropy_with_logits(output_fake, torch.full_like(output_fake, fake_label_val))
    return real + fake


def minimax_loss_gen(output_fake, fake_label_val=0.0):
    """log(1 - D(G(z))), the generator side of the original minimax game."""
    return -F.binary_cross_entropy_with_logits(output_fake, torch.full_like(output_fake, fake_label_val))


def ns_loss_gen(output_fake, real_label_val=1.0):
    """-log D(G(z)), the non-saturating generator loss."""
    return F.binary_cross_entropy_with_logits(output_fake, torch.full_like(output_fake, real_label_val))


def hinge_loss_dis(output_real, output_fake):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1.0 - output_real).mean() + F.relu(1.0 + output_fake).mean()


def hinge_loss_gen(output_fake):
    """-E[D(G(z))]."""
    return -output_fake.mean()


def wasserstein_loss_dis(output_real, output_fake):
    """E[D(G(z))] - E[D(x)], the critic loss of WGAN."""
    return output_fake.mean() - output_real.mean()


def wasserstein_loss_gen(output_fake):
    """-E[D(G(z))]."""
    return -output_fake.mean()


def discriminator_loss(loss_type, output_real, output_fake):
    """The discriminator loss of ``loss_type`` on real and fake logits."""
    check_loss_type(loss_type)
    if loss_type in ("gan", "ns"):
        return minimax_loss_dis(output_real, output_fake)
    if loss_type == "hinge":
        return hinge_loss_dis(output_real, output_fake)
    return wasserstein_loss_dis(output_real, output_fake)


def generator_loss(loss_type, output_fake):
    """The generator loss of ``loss_type`` on fake logits."""
    check_loss_type(loss_type)
    if loss_type == "gan":
        return minimax_loss_gen(output_fake)
    if loss_type == "ns":
        return ns_loss_gen(output_fake)
    if loss_type == "hinge":
        return hinge_loss_gen(output_fake)
    return wasserstein_loss_gen(output_fake)
