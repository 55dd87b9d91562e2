"""Distributed data-parallel training on ``torch.distributed`` (launched with ``torchrun``).

Launch any training script on several processes, one per GPU, with PyTorch's own launcher::

    torchrun --nproc_per_node=4 train.py                                   # one node, 4 GPUs
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 \\
             --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py        # on each of 2 nodes

When a process group is initialised, or torchrun's environment variables (``WORLD_SIZE`` > 1,
``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR``) are set and the Trainer initialises the group itself
(``nccl`` for CUDA devices, ``gloo`` for the CPU), :class:`DistributedTraining` (the Trainer's
``strategy``; without a group it is the single-process strategy, whose collective operations
return their inputs):

* moves each process to its own GPU (``cuda:LOCAL_RANK``) when training on CUDA;
* starts every rank from rank 0's weights, and keeps them identical: before each optimizer
  step the gradients of its parameters are averaged over the ranks (an optimizer step
  pre-hook, so any ``train_step`` works: one calling ``netD(...)``, ``netG.generate_images(...)``
  and custom losses), and after each iteration the networks' buffers (batch-norm statistics,
  spectral-norm vectors) are copied from rank 0;
* optionally converts BatchNorm layers to :class:`~torch_mimicry.modules.sync_batchnorm.SyncBatchNorm`
  (``sync_bn=True``), whose statistics span the global batch;
* gives each rank its own noise (the RNGs are seeded ``seed + rank``) and its own shard of the
  data (``torch_mimicry.training.data.shard_dataloader``): ``batch_size`` is per process, so
  the global batch is ``world_size * batch_size``;
* lets rank 0 alone write params.json, TensorBoard logs, image grids and checkpoints.

Checkpoints hold no trace of the number of processes beyond the data position, so a run
written by N ranks resumes on M ranks or on one process, and the reverse. The log directory
must be readable by every rank (a shared file system on several nodes).
"""
import atexit
import os
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, TypeVar, Union

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.hooks import RemovableHandle

from torch_mimicry.modules.sync_batchnorm import convert_sync_batchnorm

_T = TypeVar("_T")

#: Largest number of elements all-reduced in one call (bounds the temporary memory).
BUCKET_ELEMENTS = 1 << 25


def environment_world_size() -> int:
    """``WORLD_SIZE`` set by torchrun (1 when unset)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def init_process_group_from_environment(device: Union[str, torch.device]) -> bool:
    """Initialises the default process group from torchrun's variables if none exists yet.

    Returns True when this call initialised it (the group is then destroyed at exit).

    Raises:
        RuntimeError: the variables are incomplete (run the script with torchrun).
    """
    if not dist.is_available() or dist.is_initialized() or environment_world_size() < 2:
        return False
    missing = [v for v in ("RANK", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
    if missing:
        raise RuntimeError(f"WORLD_SIZE={os.environ['WORLD_SIZE']} is set but {', '.join(missing)} are not: launch "
                           "distributed training with torchrun (e.g. torchrun --nproc_per_node=2 train.py).")
    device = torch.device(device)
    backend = "nccl" if device.type == "cuda" and dist.is_nccl_available() else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    store = _attempt_store()
    if store is None:
        dist.init_process_group(backend=backend)
    else:
        dist.init_process_group(backend=backend, store=store, rank=int(os.environ["RANK"]),
                                world_size=environment_world_size())
    atexit.register(_destroy_group)
    return True


def _attempt_store() -> Optional["dist.Store"]:
    """Under ``torchrun --max-restarts``, the rendezvous store of this attempt: torchrun's store
    under the prefix ``attempt_<TORCHELASTIC_RESTART_COUNT>``; None outside torchrun.

    torchrun keeps one store for all attempts, so after a restart the keys of the failed attempt
    (such as the dead ranks' gloo addresses) are still there, and a rank could read them before
    their new values are set; a prefix per attempt keeps attempts apart.
    """
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT")
    if attempt is None:
        return None
    from torch.distributed.constants import default_pg_timeout
    agent_store = os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == str(True)
    store = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), environment_world_size(),
                          is_master=not agent_store and int(os.environ["RANK"]) == 0, timeout=default_pg_timeout,
                          multi_tenant=True)
    return dist.PrefixStore(f"torch_mimicry/attempt_{attempt}", store)


def _destroy_group() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def rank_and_world_size() -> Tuple[int, int]:
    """``(rank, world_size)`` of the default group; ``(0, 1)`` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _comm_device(default: Union[str, torch.device]) -> torch.device:
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device(default) if torch.device(default).type == "cpu" else torch.device("cpu")


class DistributedTraining:
    """The Trainer's strategy: keeps the networks of every rank identical and lets rank 0 write
    (see the module docstring).

    Args:
        sync_bn (bool): convert BatchNorm layers to SyncBatchNorm.

    Attributes:
        active (bool): a process group of more than one rank exists.
        rank, world_size (int): this process's rank and the number of processes.
    """

    #: Key of :meth:`hparams` in ``params.json`` (which may change when a run resumes).
    name = "distributed"

    def __init__(self, sync_bn: bool = False) -> None:
        self.sync_bn = bool(sync_bn)
        self.rank, self.world_size = rank_and_world_size()
        self.active = self.world_size > 1
        self.backend: Optional[str] = dist.get_backend() if self.active else None
        self._handles: List[RemovableHandle] = []
        self._averaged: Set[int] = set()
        self._device = torch.device("cpu")

    def hparams(self) -> Dict[str, Any]:
        """The settings recorded in ``params.json``."""
        return {"world_size": self.world_size, "backend": self.backend, "sync_bn": self.sync_bn}

    @property
    def is_main_process(self) -> bool:
        """True on rank 0 (the process that writes files)."""
        return self.rank == 0

    @staticmethod
    def local_device(device: Union[str, torch.device]) -> torch.device:
        """``device`` with the index of this process's GPU (``LOCAL_RANK``) for CUDA devices."""
        device = torch.device(device)
        if device.type == "cuda" and dist.is_available() and dist.is_initialized():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", torch.cuda.current_device())))
        return device

    # ------------------------------------------------------------------------------------
    def setup(self, networks: Sequence[nn.Module], optimizers: Sequence[torch.optim.Optimizer],
              device: Union[str, torch.device]) -> None:
        """Starts every rank from rank 0's weights (SyncBatchNorm first, if asked) and averages the
        gradients of ``optimizers`` before each of their steps."""
        if not self.active:
            return
        self._device = _comm_device(device)
        if self.sync_bn:
            for net in networks:
                convert_sync_batchnorm(net)
        for net in networks:
            self.broadcast_module(net)
        for opt in optimizers:
            self._handles.append(opt.register_step_pre_hook(self._pre_step))

    def close(self) -> None:
        """Removes the optimizer hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def begin_step(self) -> None:
        """Called before each ``train_step``."""
        self._averaged.clear()

    def synchronize_buffers(self, networks: Iterable[nn.Module]) -> None:
        """Copies the networks' buffers (batch-norm statistics, spectral-norm vectors) from rank 0,
        after each iteration."""
        if self.active:
            for net in networks:
                self.broadcast_module(net, parameters=False)

    # ------------------------------------------------------------------------------------
    def _pre_step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if id(optimizer) in self._averaged:  # already averaged before the scaler unscaled them
            self._averaged.discard(id(optimizer))
            return
        self.average_gradients(optimizer)

    def average_gradients_now(self, optimizer: torch.optim.Optimizer) -> None:
        """Averages ``optimizer``'s gradients now and skips it in the coming ``step()``."""
        self.average_gradients(optimizer)
        self._averaged.add(id(optimizer))

    def average_gradients(self, optimizer: torch.optim.Optimizer) -> None:
        """Replaces the gradient of every parameter of ``optimizer`` by its mean over the ranks.

        A parameter without a gradient counts as a zero gradient where another rank has one,
        and keeps ``grad=None`` where no rank has one.
        """
        params = [p for group in optimizer.param_groups for p in group["params"]]
        if not params:
            return
        world = float(self.world_size)
        has_grad = torch.tensor([p.grad is not None for p in params], dtype=torch.float32, device=self._device)
        dist.all_reduce(has_grad)
        live = [p for p, flag in zip(params, has_grad.tolist()) if flag > 0]
        for p in live:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        for bucket in _buckets(live):
            flat = torch.cat([_grad(p).reshape(-1).to(self._device, torch.float32) for p in bucket])
            dist.all_reduce(flat)
            flat.div_(world)
            offset = 0
            for p in bucket:
                n = p.numel()
                _grad(p).copy_(flat[offset:offset + n].view(p.shape))
                offset += n

    def broadcast_module(self, module: nn.Module, parameters: bool = True) -> None:
        """Copies ``module``'s floating-point buffers (and parameters) from rank 0 to every rank."""
        tensors = list(module.buffers())
        if parameters:
            tensors += list(module.parameters())
        tensors = [t for t in tensors if t.is_floating_point() or t.dtype in (torch.int64, torch.int32)]
        for bucket in _buckets(tensors):
            groups: Dict[torch.dtype, List[torch.Tensor]] = {}
            for t in bucket:
                groups.setdefault(t.dtype, []).append(t)
            for dtype, group in groups.items():
                flat = torch.cat([t.detach().reshape(-1).to(self._device) for t in group])
                dist.broadcast(flat, src=0)
                offset = 0
                with torch.no_grad():
                    for t in group:
                        n = t.numel()
                        t.copy_(flat[offset:offset + n].view(t.shape))
                        offset += n

    # ------------------------------------------------------------------------------------
    def any_flag(self, *flags: object) -> List[bool]:
        """Each flag OR-ed over the ranks (a list of bools); the flags themselves without a group."""
        if not self.active:
            return [bool(f) for f in flags]
        t = torch.tensor([float(bool(f)) for f in flags], device=self._device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return [bool(v > 0) for v in t.tolist()]

    def sum(self, values: Sequence[float]) -> List[float]:
        """Each value summed over the ranks, in float64 (the values themselves without a group)."""
        if not self.active:
            return [float(v) for v in values]
        t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=self._device)
        dist.all_reduce(t)
        return [float(v) for v in t.tolist()]

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """A tensor averaged over the ranks (the tensor itself without a group)."""
        if not self.active:
            return value
        value = value.detach().clone().to(self._device)
        dist.all_reduce(value)
        return value / float(self.world_size)

    def gather(self, obj: Any) -> List[Any]:
        """Every rank's ``obj`` in rank order (``[obj]`` without a group)."""
        if not self.active:
            return [obj]
        out: List[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out

    def broadcast(self, obj: _T) -> _T:
        """Rank 0's ``obj`` on every rank."""
        if not self.active:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        """Waits until every rank arrives here (nothing without a group)."""
        if self.active:
            dist.barrier()


def _grad(p: torch.Tensor) -> torch.Tensor:
    """``p.grad`` of a parameter that has one."""
    assert p.grad is not None  # average_gradients gave every live parameter a gradient
    return p.grad


def _buckets(tensors: Iterable[torch.Tensor]) -> Iterator[List[torch.Tensor]]:
    bucket: List[torch.Tensor] = []
    size = 0
    for t in tensors:
        if bucket and size + t.numel() > BUCKET_ELEMENTS:
            yield bucket
            bucket, size = [], 0
        bucket.append(t)
        size += t.numel()
    if bucket:
        yield bucket
