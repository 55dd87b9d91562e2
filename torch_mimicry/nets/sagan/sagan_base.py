"""SAGAN (Zhang et al. 2019): cGAN-PD with self-attention in both networks and spectral norm in the
generator too. Default loss ``'hinge'``; training is the default conditional GAN step. The
attention layer's output is ``x + gamma * attention(x)`` with ``gamma`` starting at 0."""
from torch_mimicry.nets.cgan_pd import cgan_pd_base


class SAGANBaseGenerator(cgan_pd_base.CGANPDBaseGenerator):
    """Base class of SAGAN generators; see ``CGANPDBaseGenerator`` for arguments and ``forward``."""


class SAGANBaseDiscriminator(cgan_pd_base.CGANPDBaseDiscriminator):
    """Base class of SAGAN discriminators; see ``CGANPDBaseDiscriminator`` for arguments and ``forward``."""
