"""The single spectral-normalisation implementation used by every layer of the library.

Spectral normalisation (Miyato et al. 2018) divides a weight by an estimate of its largest
singular value, refined by one power iteration per training-mode forward pass. The library
uses PyTorch's hook-based implementation so that state dicts carry the keys ``weight_orig``,
``weight_u`` and ``weight_v``, the layout of checkpoints written by earlier Mimicry releases.
"""
import torch.nn as nn


def spectral_norm(module, n_power_iterations=1, eps=1e-12):
    """Applies spectral normalisation to ``module.weight`` in place and returns the module."""
    return nn.utils.spectral_norm(module, name="weight", n_power_iterations=n_power_iterations, eps=eps)


def has_spectral_norm(module):
    """True when ``module`` carries a spectral-norm hook on its weight."""
    return hasattr(module, "weight_orig") and hasattr(module, "weight_u")
