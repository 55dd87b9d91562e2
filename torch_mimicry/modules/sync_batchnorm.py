"""Batch normalisation whose batch statistics span every rank of a ``torch.distributed`` group.

``torch.nn.SyncBatchNorm`` runs on GPUs only; :class:`SyncBatchNorm` here is that class with a
CPU path (any backend, e.g. ``gloo``), so distributed runs and their tests on CPUs normalise
exactly as a single process with the global batch would. On CUDA tensors PyTorch's own kernels
run. Without an initialised group of more than one rank, or in eval mode, it is plain batch
normalisation.
"""
from typing import Any, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


def _world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


class _SyncBatchNormCPU(torch.autograd.Function):
    """Normalisation with statistics all-reduced over ranks; the backward all-reduces the two
    gradient sums, so each rank gets the gradient of the sum of every rank's loss."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: Optional[torch.Tensor], bias: Optional[torch.Tensor],
                running_mean: Optional[torch.Tensor], running_var: Optional[torch.Tensor], eps: float,
                momentum: float) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        dims = [0] + list(range(2, x.dim()))
        count = torch.tensor([float(x.numel() // x.shape[1])], dtype=torch.float64)
        stats = torch.cat([count, x.sum(dims).double(), (x * x).sum(dims).double()])
        dist.all_reduce(stats)
        n = stats[0]
        c = x.shape[1]
        mean = stats[1:1 + c] / n
        var = (stats[1 + c:] / n - mean * mean).clamp_min(0)
        if running_mean is not None and running_var is not None:  # both or neither (track_running_stats)
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype), alpha=momentum)
                unbiased = var * n / max(n.item() - 1, 1)
                running_var.mul_(1 - momentum).add_(unbiased.to(running_var.dtype), alpha=momentum)
        shape = [1, c] + [1] * (x.dim() - 2)
        invstd = torch.rsqrt(var + eps).float().view(shape)
        xhat = (x - mean.float().view(shape)) * invstd
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.count = n.item()
        ctx.dtype = dtype
        out = xhat
        if weight is not None and bias is not None:  # both or neither (affine)
            out = out * weight.float().view(shape) + bias.float().view(shape)
        return out.to(dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:
        xhat, invstd, weight = ctx.saved_tensors
        dims = [0] + list(range(2, xhat.dim()))
        shape = [1, xhat.shape[1]] + [1] * (xhat.dim() - 2)
        dy = grad_out.float()
        grad_weight = (dy * xhat).sum(dims) if weight is not None else None
        grad_bias = dy.sum(dims) if weight is not None else None
        dxhat = dy * weight.float().view(shape) if weight is not None else dy
        sums = torch.cat([dxhat.sum(dims), (dxhat * xhat).sum(dims)]).double()
        dist.all_reduce(sums)
        c = xhat.shape[1]
        mean_dxhat = (sums[:c] / ctx.count).float().view(shape)
        mean_dxhat_xhat = (sums[c:] / ctx.count).float().view(shape)
        grad_x = invstd * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat)
        return (grad_x.to(ctx.dtype), grad_weight, grad_bias, None, None, None, None)


class SyncBatchNorm(nn.SyncBatchNorm):
    """``torch.nn.SyncBatchNorm`` that also synchronises CPU tensors (``gloo``).

    Shapes: ``[N, C, ...] -> [N, C, ...]``. Statistics are those of the batches of all ranks
    together; running statistics are updated with them (unbiased variance, as BatchNorm).
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        sync = self.training and _world_size() > 1
        if sync and input.device.type != "cpu":
            return super().forward(input)  # PyTorch's own kernels
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
        use_buffers = not self.training or self.track_running_stats
        running_mean = self.running_mean if use_buffers else None
        running_var = self.running_var if use_buffers else None
        if not sync:
            return F.batch_norm(input, running_mean, running_var, self.weight, self.bias,
                                self.training or running_mean is None, self._momentum(), self.eps)
        return _SyncBatchNormCPU.apply(input, self.weight, self.bias, running_mean, running_var, self.eps,
                                       self._momentum())

    def _momentum(self) -> float:
        if self.momentum is not None:
            return self.momentum
        count = int(self.num_batches_tracked.item()) if self.num_batches_tracked is not None else 1
        return 1.0 / max(count, 1)


def convert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Replaces every BatchNorm layer inside ``module`` by :class:`SyncBatchNorm`, in place.

    The new layers share the old ones' parameters (so optimizers built before the conversion
    keep working) and buffers. Returns ``module`` (a new layer if ``module`` itself is a
    BatchNorm layer).
    """
    if isinstance(module, nn.modules.batchnorm._BatchNorm) and not isinstance(module, SyncBatchNorm):
        sync = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                             module.track_running_stats)
        if module.affine:
            sync.weight, sync.bias = module.weight, module.bias
        sync.running_mean, sync.running_var = module.running_mean, module.running_var
        sync.num_batches_tracked = module.num_batches_tracked
        sync.train(module.training)
        return sync
    for name, child in module.named_children():
        converted = convert_sync_batchnorm(child)
        if converted is not child:
            setattr(module, name, converted)
    return module
