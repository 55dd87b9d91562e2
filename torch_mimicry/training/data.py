"""Endless, resumable batches from a DataLoader, sharded across ranks in distributed training."""
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional

import torch
from torch.utils.data import (BatchSampler, DataLoader, DistributedSampler, IterableDataset, RandomSampler,
                              SequentialSampler)


def shard_dataloader(dataloader: Iterable[Any], rank: int, world_size: int, seed: int = 0) -> Iterable[Any]:
    """A DataLoader like ``dataloader`` that gives rank ``rank`` its shard of every epoch.

    The user's loader is rebuilt around a ``DistributedSampler`` (shuffled when the loader
    shuffled, with ``seed``) and keeps its batch size (per process), workers, collate function,
    pinning and ``drop_last``. A loader that already has a ``DistributedSampler`` is returned
    unchanged.

    Raises:
        ValueError: ``dataloader`` is not a DataLoader, or it has an iterable dataset, a custom
            sampler or batch sampler, which the Trainer cannot shard.
    """
    where = "give the DataLoader a torch.utils.data.DistributedSampler yourself (it is then used as it is)"
    if not isinstance(dataloader, DataLoader):
        raise ValueError(f"Distributed training shards a torch.utils.data.DataLoader, got {type(dataloader).__name__}:"
                         f" pass a DataLoader, or shard the batches per rank yourself.")
    sampler = dataloader.sampler
    if isinstance(sampler, DistributedSampler):
        return dataloader
    if isinstance(dataloader.dataset, IterableDataset):
        raise ValueError(f"Distributed training cannot shard an IterableDataset ({type(dataloader.dataset).__name__}):"
                         f" {where}, or shard the iterable per rank.")
    if dataloader.batch_size is None or not isinstance(dataloader.batch_sampler, BatchSampler) \
            or type(dataloader.batch_sampler) is not BatchSampler:
        raise ValueError(f"Distributed training cannot shard a DataLoader with a custom batch_sampler: {where}.")
    if not isinstance(sampler, (RandomSampler, SequentialSampler)):
        raise ValueError(f"Distributed training cannot shard a DataLoader with a custom sampler "
                         f"({type(sampler).__name__}): {where}.")
    shard: DistributedSampler[Any] = DistributedSampler(
        dataloader.dataset, num_replicas=world_size, rank=rank, shuffle=isinstance(sampler, RandomSampler), seed=seed,
        drop_last=dataloader.drop_last)
    kwargs: Dict[str, Any] = dict(
        batch_size=dataloader.batch_size, sampler=shard, num_workers=dataloader.num_workers,
        collate_fn=dataloader.collate_fn, pin_memory=dataloader.pin_memory, drop_last=dataloader.drop_last,
        timeout=dataloader.timeout, worker_init_fn=dataloader.worker_init_fn,
        multiprocessing_context=dataloader.multiprocessing_context, generator=dataloader.generator,
        persistent_workers=dataloader.persistent_workers)
    if dataloader.num_workers > 0:
        kwargs["prefetch_factor"] = dataloader.prefetch_factor
    return DataLoader(dataloader.dataset, **kwargs)


class BatchStream:
    """Batches from ``dataloader`` epoch after epoch, with a position that can be saved and restored.

    At the start of each epoch the torch RNG state and the loader's own generators are recorded
    (they decide a shuffled loader's order and its workers' seeds), and a ``DistributedSampler``
    gets the epoch number. Restoring a position rebuilds that epoch's iterator from the recorded
    state and skips the batches already used, so the run continues with the same batches.

    Args:
        dataloader (DataLoader): yields batches; ``len(dataloader)`` may be undefined.
        world_size (int): processes the run trains on (positions saved with another count are
            rescaled to the same fraction of the epoch).
    """

    def __init__(self, dataloader: Iterable[Any], world_size: int = 1) -> None:
        self.dataloader = dataloader
        self.world_size = world_size
        self.epoch = 0
        self.batches_in_epoch = 0
        self._iter: Optional[Iterator[Any]] = None
        self._epoch_rng: Optional[Dict[str, Any]] = None

    def _generators(self) -> List[torch.Generator]:
        gens = [getattr(self.dataloader, "generator", None),
                getattr(getattr(self.dataloader, "sampler", None), "generator", None)]
        return [g for g in gens if isinstance(g, torch.Generator)]

    def new_epoch(self, count: bool = True) -> None:
        """Starts the next epoch (``count=False``: restart the current one)."""
        if count and self._iter is not None:
            self.epoch += 1
        self._epoch_rng = {"torch": torch.get_rng_state(), "loader": [g.get_state() for g in self._generators()]}
        sampler = getattr(self.dataloader, "sampler", None)
        if isinstance(sampler, DistributedSampler):
            sampler.set_epoch(self.epoch)
        self._iter = iter(self.dataloader)
        self.batches_in_epoch = 0

    def _iterator(self) -> Iterator[Any]:
        """The current epoch's iterator, starting the first epoch if none has started."""
        if self._iter is None:
            self.new_epoch()
        assert self._iter is not None  # new_epoch made it
        return self._iter

    def next(self) -> Any:
        """The next batch, starting a new epoch when the current one is used up."""
        try:
            batch = next(self._iterator())
        except StopIteration:
            self.new_epoch()
            try:
                batch = next(self._iterator())
            except StopIteration:
                raise ValueError("The dataloader yielded no batches in a new epoch.") from None
        self.batches_in_epoch += 1
        return batch

    def state_dict(self) -> Dict[str, Any]:
        """Epoch, batches used in it, the epoch's RNG state and the number of processes."""
        return {"epoch": self.epoch, "batches_in_epoch": self.batches_in_epoch, "epoch_rng": self._epoch_rng,
                "world_size": self.world_size}

    def load_state_dict(self, state: Optional[Mapping[str, Any]]) -> None:
        """Recreates the saved epoch's iterator and skips the batches already used.

        The caller's torch RNG state is left as it was.
        """
        if not state or state.get("epoch_rng") is None:
            self.new_epoch()
            return
        epoch_rng = state["epoch_rng"]
        rng_now = torch.get_rng_state()
        torch.set_rng_state(epoch_rng["torch"])
        for gen, gen_state in zip(self._generators(), epoch_rng["loader"]):
            gen.set_state(gen_state)
        self.epoch = int(state.get("epoch", 0))
        self._iter = None
        self.new_epoch(count=False)
        skip = int(state.get("batches_in_epoch", 0))
        saved_world = int(state.get("world_size", 1))
        if saved_world != self.world_size:
            skip = skip * saved_world // self.world_size
        for _ in range(skip):
            self.next()
        torch.set_rng_state(rng_now)
