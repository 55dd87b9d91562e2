"""Spectral normalisation (Miyato et al. 2018): a weight divided by an estimate of its largest
singular value, refined by one power iteration per training-mode forward pass.

* :func:`spectral_norm` (the implementation every layer of the library uses) applies PyTorch's
  hook-based spectral norm: state dicts carry ``weight_orig``, ``weight_u`` and ``weight_v``.
* :class:`SNConv2d`, :class:`SNLinear`, :class:`SNEmbedding` (with the :class:`SpectralNorm`
  mixin) are the buffered layers of torch-mimicry 0.1.16 (buffers ``sn_u`` ``[1, out]`` and
  ``sn_sigma`` ``[1]``), kept for networks written with them and reached through
  ``SNConv2d(..., default=False)`` of ``torch_mimicry.modules``. They run one power iteration
  at every forward pass, also in eval mode, where the refined estimate is used but not stored.
  Their checkpoints load into hook-based layers too (``BaseModel.restore_checkpoint``).

Both start from random singular vectors. A forward pass with such vectors divides the weight by
a poor estimate of sigma (images of a fresh generator saturate at +-1 or become NaN in eval
mode), so the estimate is converged when a network is built: :func:`spectral_norm` runs
up to :data:`CONSTRUCTION_POWER_ITERATIONS` power iterations when it wraps a layer (as
``torch.nn.utils.parametrizations.spectral_norm`` does), and
:class:`~torch_mimicry.nets.basemodel.BaseModel` runs :func:`converge_spectral_norms` on the
whole network once its ``__init__`` has finished (after the weights' own initialisation).
Only the singular vectors (buffers) change; weights, state-dict keys and checkpoints do not.

The module itself is callable, ``spectral_norm(layer)``, as a shorthand for
:func:`spectral_norm`.
"""
import importlib
import sys
import types
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, TypeVar

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["spectral_norm", "has_spectral_norm", "converge_spectral_norms", "CONSTRUCTION_POWER_ITERATIONS",
           "CONSTRUCTION_TOLERANCE",
           "SpectralNorm", "SNConv2d", "SNLinear", "SNEmbedding"]

ModuleT = TypeVar("ModuleT", bound=nn.Module)

#: The most power iterations run on a freshly normalised layer and on a freshly built network
#: (PyTorch's parametrized spectral norm runs 15 at construction; more are needed where the two
#: largest singular values of a random weight are close).
CONSTRUCTION_POWER_ITERATIONS = 100
#: Iterations stop once the estimate of sigma changes by less than this (relative) in 5 of them.
CONSTRUCTION_TOLERANCE = 1e-4

#: The forward pre-hook class of ``torch.nn.utils.spectral_norm`` (its module shares the
#: function's name, hence the import by module path).
_HookSpectralNorm = importlib.import_module("torch.nn.utils.spectral_norm").SpectralNorm


def spectral_norm(module: ModuleT, n_power_iterations: int = 1, eps: float = 1e-12) -> ModuleT:
    """Applies spectral normalisation to ``module.weight`` in place and returns the module.

    ``n_power_iterations`` refine the estimate at each training-mode forward pass; when the
    layer is wrapped, up to :data:`CONSTRUCTION_POWER_ITERATIONS` iterations converge the random
    starting vectors on its current weight (:func:`converge_spectral_norms`).
    """
    nn.utils.spectral_norm(module, name="weight", n_power_iterations=n_power_iterations, eps=eps)
    converge_spectral_norms(module)
    return module


def _power_iterations(matrix: torch.Tensor, u: torch.Tensor, v: torch.Tensor, eps: float, iterations: int,
                      tolerance: float) -> None:
    """Power iterations on ``matrix`` ``[h, w]`` updating ``u`` ``[h]`` and ``v`` ``[w]`` in place, in
    rounds of 5, until the estimate ``u^T W v`` changes by less than ``tolerance`` (relative) in a
    round or ``iterations`` are done."""
    previous = None
    done = 0
    while done < iterations:
        for _ in range(min(5, iterations - done)):
            v.copy_(F.normalize(torch.mv(matrix.t(), u), dim=0, eps=eps))
            u.copy_(F.normalize(torch.mv(matrix, v), dim=0, eps=eps))
        done += 5
        sigma = float(torch.dot(u, torch.mv(matrix, v)))
        if previous is not None and abs(sigma - previous) <= tolerance * abs(sigma):
            return
        previous = sigma


def _converge_hooked(module: nn.Module, hook: Any, iterations: int, tolerance: float) -> None:
    """Converges the ``<name>_u`` / ``<name>_v`` buffers of a hook-based layer."""
    weight = getattr(module, hook.name + "_orig")
    if weight.is_meta:
        return
    matrix = hook.reshape_weight_to_matrix(weight.detach())
    _power_iterations(matrix, getattr(module, hook.name + "_u"), getattr(module, hook.name + "_v"), hook.eps,
                      iterations, tolerance)


def _converge_buffered(layer: "SpectralNorm", iterations: int, tolerance: float) -> None:
    """Converges the ``sn_u`` buffer (and ``sn_sigma``) of a 0.1.16 buffered layer."""
    if layer.weight.is_meta:
        return
    W = layer.weight.detach().reshape(layer.weight.shape[0], -1)
    u = layer.sn_u[0].clone()
    v = F.normalize(torch.mv(W.t(), u), dim=0, eps=layer.eps)
    _power_iterations(W, u, v, layer.eps, iterations, tolerance)
    layer.sn_u.copy_(u.unsqueeze(0))
    layer.sn_sigma.copy_(torch.dot(u, torch.mv(W, v)).reshape(1))


def converge_spectral_norms(module: nn.Module, iterations: int = CONSTRUCTION_POWER_ITERATIONS,
                            tolerance: float = CONSTRUCTION_TOLERANCE) -> int:
    """Power iterations in every spectrally normalised layer of ``module``, until each layer's
    estimate of its largest singular value changes by less than ``tolerance`` (relative) in 5
    iterations, or ``iterations`` are done.

    Refines the singular-vector estimates (buffers) on the current weights, so that a network's
    first forward pass, in eval mode too, divides each weight by a converged estimate of its
    largest singular value. Weights and parameters are not touched; no random numbers are drawn.

    Returns:
        int: the number of spectrally normalised layers found.
    """
    found = 0
    with torch.no_grad():
        for layer in module.modules():
            for hook in layer._forward_pre_hooks.values():
                if isinstance(hook, _HookSpectralNorm):
                    _converge_hooked(layer, hook, iterations, tolerance)
                    found += 1
            if isinstance(layer, SpectralNorm):
                _converge_buffered(layer, iterations, tolerance)
                found += 1
    return found


def has_spectral_norm(module: nn.Module) -> bool:
    """True when ``module`` is spectrally normalised (hook-based or buffered)."""
    return (hasattr(module, "weight_orig") and hasattr(module, "weight_u")) or isinstance(module, SpectralNorm)


class SpectralNorm:
    """Mixin giving a layer with a ``weight`` of ``n_dim`` rows a buffered spectral norm.

    Buffers: ``sn_u`` ``[1, n_dim]`` (left singular vector estimate, random at start) and
    ``sn_sigma`` ``[1]`` (the last estimate of the largest singular value).

    Args:
        n_dim (int): rows of the weight seen as a matrix (output channels / features).
        num_iters (int): power iterations per forward pass.
        eps (float): added to norms to avoid division by zero.
    """

    # Provided by the layer class this is mixed into (nn.Conv2d, nn.Linear, nn.Embedding).
    weight: torch.Tensor
    training: bool
    sn_u: torch.Tensor
    sn_sigma: torch.Tensor

    if TYPE_CHECKING:
        def register_buffer(self, name: str, tensor: Optional[torch.Tensor], persistent: bool = True) -> None: ...

    def __init__(self, n_dim: int, num_iters: int = 1, eps: float = 1e-12) -> None:
        self.num_iters = num_iters
        self.eps = eps
        self.register_buffer("sn_u", torch.randn(1, n_dim))
        self.register_buffer("sn_sigma", torch.ones(1))

    @property
    def u(self) -> torch.Tensor:
        """The singular vector estimate ``sn_u`` ``[1, n_dim]``."""
        return self.sn_u

    @property
    def sigma(self) -> torch.Tensor:
        """The last stored singular value estimate ``sn_sigma`` ``[1]``."""
        return self.sn_sigma

    def _power_iteration(self, W: torch.Tensor, u: torch.Tensor, num_iters: int,
                         eps: float = 1e-12) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``num_iters`` power iterations on ``W`` ``[out, in]`` from ``u`` ``[1, out]`` (no
        gradient); returns ``(sigma [1, 1] = u W v^T with gradient to W, u, v)``."""
        with torch.no_grad():
            for _ in range(num_iters):
                v = F.normalize(u @ W, dim=1, eps=eps)
                u = F.normalize(v @ W.t(), dim=1, eps=eps)
        return u @ (W @ v.t()), u, v

    def sn_weights(self) -> torch.Tensor:
        """The weight divided by its estimated largest singular value.

        In training mode the refined ``u`` and ``sigma`` are stored in the buffers.
        """
        W = self.weight.reshape(self.weight.shape[0], -1)
        sigma, u, _ = self._power_iteration(W, self.sn_u, self.num_iters, self.eps)
        if self.training:
            with torch.no_grad():
                self.sn_sigma.copy_(sigma.reshape(1))
                self.sn_u.copy_(u)
        return self.weight / sigma


def _sn_options(kwargs: Dict[str, Any]) -> Tuple[int, float]:
    return kwargs.pop("num_iters", 1), kwargs.pop("eps", 1e-12)


class SNConv2d(nn.Conv2d, SpectralNorm):
    """``nn.Conv2d`` with a buffered spectral norm (``num_iters=``, ``eps=`` besides
    ``nn.Conv2d``'s arguments)."""

    def __init__(self, in_channels: int, out_channels: int, *args: Any, **kwargs: Any) -> None:
        num_iters, eps = _sn_options(kwargs)
        nn.Conv2d.__init__(self, in_channels, out_channels, *args, **kwargs)
        SpectralNorm.__init__(self, n_dim=out_channels, num_iters=num_iters, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.sn_weights(), self.bias)


class SNLinear(nn.Linear, SpectralNorm):
    """``nn.Linear`` with a buffered spectral norm (``num_iters=``, ``eps=`` besides
    ``nn.Linear``'s arguments)."""

    def __init__(self, in_features: int, out_features: int, *args: Any, **kwargs: Any) -> None:
        num_iters, eps = _sn_options(kwargs)
        nn.Linear.__init__(self, in_features, out_features, *args, **kwargs)
        SpectralNorm.__init__(self, n_dim=out_features, num_iters=num_iters, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.sn_weights(), self.bias)


class SNEmbedding(nn.Embedding, SpectralNorm):
    """``nn.Embedding`` with a buffered spectral norm over its ``num_embeddings`` rows."""

    def __init__(self, num_embeddings: int, embedding_dim: int, *args: Any, **kwargs: Any) -> None:
        num_iters, eps = _sn_options(kwargs)
        nn.Embedding.__init__(self, num_embeddings, embedding_dim, *args, **kwargs)
        SpectralNorm.__init__(self, n_dim=num_embeddings, num_iters=num_iters, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.embedding(x, self.sn_weights(), self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)


class _CallableModule(types.ModuleType):
    """Makes ``torch_mimicry.modules.spectral_norm`` usable both as this module (its classes)
    and as the function :func:`spectral_norm`."""

    def __call__(self, module: ModuleT, n_power_iterations: int = 1, eps: float = 1e-12) -> ModuleT:
        return spectral_norm(module, n_power_iterations=n_power_iterations, eps=eps)


sys.modules[__name__].__class__ = _CallableModule
