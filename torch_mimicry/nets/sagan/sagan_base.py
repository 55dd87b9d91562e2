"""SAGAN (Zhang et al. 2019): cGAN-PD with self-attention in both networks and spectral norm in the
generator too. Default loss ``'hinge'``; training is the default conditional GAN step. The
attention layer's output is ``x + gamma * attention(x)`` with ``gamma`` starting at 0."""
import torch

from torch_mimicry.nets.cgan_pd import cgan_pd_base


def _scalar_gamma_to_vector(state_dict):
    """torch-mimicry 0.1.16 stored attention ``gamma`` as a 0-d tensor; here it has shape ``[1]``."""
    out = type(state_dict)() if isinstance(state_dict, dict) else {}
    for key, value in state_dict.items():
        if key.endswith("attn_block.gamma") and isinstance(value, torch.Tensor) and value.dim() == 0:
            value = value.reshape(1)
        out[key] = value
    return out


class SAGANBaseGenerator(cgan_pd_base.CGANPDBaseGenerator):
    """Base class of SAGAN generators; see ``CGANPDBaseGenerator`` for arguments and ``forward``."""

    def convert_state_dict(self, state_dict):
        return _scalar_gamma_to_vector(super().convert_state_dict(state_dict))


class SAGANBaseDiscriminator(cgan_pd_base.CGANPDBaseDiscriminator):
    """Base class of SAGAN discriminators; see ``CGANPDBaseDiscriminator`` for arguments and ``forward``."""

    def convert_state_dict(self, state_dict):
        return _scalar_gamma_to_vector(super().convert_state_dict(state_dict))
