"""Splitting feature extraction across the processes of a ``torch.distributed`` group.

Every rank processes a contiguous range of whole batches; the per-rank feature rows are
padded to a common length, exchanged with ``all_gather`` and concatenated in rank order,
so every rank ends with the rows in the same order a single process produces.
Without an initialised process group everything runs in the calling process.
"""
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple

import torch
import torch.distributed as dist

__all__ = ["is_distributed", "rank_and_world_size", "shard_batches", "all_gather_rows", "broadcast_object",
           "broadcast_tensor", "extract_batches"]


def is_distributed() -> bool:
    """True when a ``torch.distributed`` process group is initialised with more than one rank."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank_and_world_size() -> Tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` without a process group."""
    if is_distributed():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_batches(num_items: int, batch_size: int, rank: int, world_size: int) -> List[Tuple[int, int]]:
    """The batches ``[(start, stop), ...]`` of items a rank processes.

    The ``ceil(num_items / batch_size)`` batches (the last may be partial) are split into
    ``world_size`` contiguous runs of nearly equal length; rank ``r`` gets run ``r``.
    """
    num_batches = -(-num_items // batch_size)
    lo = rank * num_batches // world_size
    hi = (rank + 1) * num_batches // world_size
    return [(b * batch_size, min(num_items, (b + 1) * batch_size)) for b in range(lo, hi)]


def _comm_device() -> torch.device:
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_gather_rows(local: torch.Tensor) -> torch.Tensor:
    """Concatenates every rank's ``[n_r, D]`` tensor in rank order; returns ``[sum n_r, D]`` on the CPU.

    The ranks may hold different numbers of rows (including zero); rows are padded to the
    largest count before ``all_gather``. Without a process group ``local`` is returned.
    """
    if not is_distributed():
        return local.cpu()
    device = _comm_device()
    world = dist.get_world_size()
    count = torch.tensor([local.shape[0]], dtype=torch.int64, device=device)
    gathered_counts = [torch.zeros_like(count) for _ in range(world)]
    dist.all_gather(gathered_counts, count)
    counts = [int(c.item()) for c in gathered_counts]
    width = max(counts)
    padded = torch.zeros((width,) + tuple(local.shape[1:]), dtype=local.dtype, device=device)
    padded[:local.shape[0]] = local.to(device)
    gathered = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(gathered, padded)
    return torch.cat([g[:c].cpu() for g, c in zip(gathered, counts)], dim=0)


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``obj`` on every rank (a picklable object); ``obj`` itself without a group."""
    if not is_distributed():
        return obj
    holder = [obj]
    dist.broadcast_object_list(holder, src=src)
    return holder[0]


def broadcast_tensor(tensor: Optional[torch.Tensor], src: int = 0) -> Optional[torch.Tensor]:
    """Rank ``src``'s CPU tensor on every rank (other ranks pass None); ``tensor`` without a group."""
    if not is_distributed():
        return tensor
    meta = broadcast_object(None if tensor is None else (tuple(tensor.shape), tensor.dtype), src=src)
    device = _comm_device()
    if tensor is not None and dist.get_rank() == src:
        buf = tensor.to(device)
    else:
        buf = torch.empty(meta[0], dtype=meta[1], device=device)
    dist.broadcast(buf, src=src)
    return buf.cpu()


def _counted(batches: Iterable[torch.Tensor], bar: Any) -> Iterator[torch.Tensor]:
    """Yields the batches, advancing ``bar`` by the images of each one handed on."""
    try:
        for batch in batches:
            yield batch
            bar.update(int(batch.shape[0]))
    finally:
        bar.close()


def extract_batches(num_items: int, batch_size: int, make_batch: Callable[[int, int], torch.Tensor],
                    extract_fn: Callable[[Iterable[torch.Tensor]], Tuple[torch.Tensor, torch.Tensor]],
                    desc: Optional[str] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Features of ``num_items`` items, the batches split across ranks.

    Args:
        num_items (int): total number of items.
        batch_size (int): items per batch.
        make_batch (callable): ``make_batch(start, stop)`` returns the uint8 image batch of
            items ``start .. stop - 1``.
        extract_fn (callable): maps an iterable of image batches to ``(pool3, logits)``
            float64 tensors.
        desc (str): label of the progress bar over this rank's images (rank 0 on a
            terminal only; see :mod:`torch_mimicry.utils.progress`).

    Returns:
        tuple: ``(pool3 [num_items, D1], logits [num_items, D2])`` on every rank.

    Raises:
        ValueError: ``num_items`` or ``batch_size`` is below 1.
    """
    if num_items < 1 or batch_size < 1:
        raise ValueError(f"Feature extraction needs num_items >= 1 and batch_size >= 1; got num_items={num_items}, "
                         f"batch_size={batch_size}.")
    rank, world = rank_and_world_size()
    batches = shard_batches(num_items, batch_size, rank, world)
    result: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
    if batches:
        from torch_mimicry.utils.progress import progress
        bar = progress(total=batches[-1][1] - batches[0][0], desc=desc, unit="img")
        result = extract_fn(_counted((make_batch(start, stop) for start, stop in batches), bar))
    if world == 1:
        assert result is not None  # num_items >= 1: the only rank has every batch
        return result
    # Ranks without batches still take part; they learn the widths from the others.
    widths = broadcast_object(None if result is None else (result[0].shape[1], result[1].shape[1]),
                              src=_first_rank_with_work(num_items, batch_size, world))
    if result is None:
        result = (torch.zeros(0, widths[0], dtype=torch.float64), torch.zeros(0, widths[1], dtype=torch.float64))
    pool3 = all_gather_rows(result[0].to(torch.float64))
    logits = all_gather_rows(result[1].to(torch.float64))
    return pool3, logits


def _first_rank_with_work(num_items: int, batch_size: int, world: int) -> int:
    for r in range(world):
        if shard_batches(num_items, batch_size, r, world):
            return r
    return 0
