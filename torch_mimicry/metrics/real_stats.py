"""Features of real images, cached on disk.

``num_samples`` images are drawn from the dataset without replacement by
``np.random.RandomState(real_seed)`` (all of them, in order, when ``num_samples`` equals the
dataset's length), sorted by index, mapped to uint8 and passed through the feature
extractor. The pool3 features are cached in ``<cache_dir>/real_*.npz`` (default
``cache_dir``: ``$MIMICRY_HOME/features``, ``$MIMICRY_HOME`` defaulting to
``~/.cache/torch_mimicry``), keyed by dataset, split, resolution, sample count, seed,
weights hash, backend and resize protocol; the key is stored inside the file and checked on
load.
"""
import hashlib
import json
import os
from typing import Any, Dict, Mapping, Optional, Protocol, Union, cast

import numpy as np
import torch

from torch_mimicry.metrics import distributed, features
from torch_mimicry.metrics.features import Device, Weights
from torch_mimicry.utils.io import atomic_write

__all__ = ["mimicry_home", "default_cache_dir", "dataset_identity", "resolve_dataset", "real_indices",
           "real_features"]


class SizedDataset(Protocol):
    """A map-style dataset with a length: ``ds[i]`` is ``(image [3, H, W], label)`` or an image."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


def mimicry_home() -> str:
    """``$MIMICRY_HOME``, default ``~/.cache/torch_mimicry``."""
    return os.environ.get("MIMICRY_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "torch_mimicry")


def default_cache_dir() -> str:
    """``$MIMICRY_HOME/features``."""
    return os.path.join(mimicry_home(), "features")


#: Where named datasets are looked for when no ``dataset_root`` is given (the tutorial's folder).
DEFAULT_DATASET_ROOT = "./datasets"


def resolve_dataset(dataset: Union[str, SizedDataset], dataset_root: Union[str, "os.PathLike[str]", None] = None,
                    split: Optional[str] = None, dataset_kwargs: Optional[Mapping[str, Any]] = None) -> SizedDataset:
    """A Dataset from a name of ``torch_mimicry.datasets.load_dataset`` (files under
    ``dataset_root``, default ``./datasets``) or a Dataset given as is."""
    if isinstance(dataset, str):
        from torch_mimicry.datasets import load_dataset
        kwargs = dict(dataset_kwargs or {})
        if split is not None:
            kwargs["split"] = split
        loaded = load_dataset(DEFAULT_DATASET_ROOT if dataset_root is None else dataset_root, dataset, **kwargs)
        return cast(SizedDataset, loaded)  # every dataset load_dataset makes has a length
    if isinstance(dataset, torch.utils.data.Dataset):
        return dataset
    raise ValueError(f"dataset must be a dataset name (str) or a torch Dataset; got {type(dataset).__name__}.")


def dataset_identity(dataset: Union[str, SizedDataset], ds: SizedDataset, split: Optional[str] = None,
                     dataset_key: Optional[str] = None,
                     dataset_kwargs: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A short JSON-able description identifying the real images (part of cache keys and records)."""
    if dataset_key is not None:
        name = str(dataset_key)
    elif isinstance(dataset, str):
        name = dataset
        if dataset_kwargs:
            name += json.dumps({k: v for k, v in sorted(dataset_kwargs.items()) if k != "download"},
                               sort_keys=True, default=str)
    else:
        # A Dataset of the user's: its class, length and a digest of its first and last images.
        h = hashlib.sha256()
        for i in sorted({0, len(ds) - 1}) if len(ds) else []:
            h.update(features.to_uint8(_image(ds, i)[None], what=f"The real images of {type(ds).__name__} (item {i})")
                     .numpy().tobytes())
        name = f"custom:{type(ds).__name__}:{len(ds)}:{h.hexdigest()[:16]}"
    return {"name": name, "split": "default" if split is None else str(split), "resolution": _resolution(ds)}


def _image(ds: SizedDataset, i: int) -> torch.Tensor:
    item = ds[i]
    img = item[0] if isinstance(item, (tuple, list)) else item
    if not isinstance(img, torch.Tensor):
        raise ValueError(f"Dataset items must be (image tensor, label) or image tensors; got {type(img).__name__}.")
    return img


def _resolution(ds: SizedDataset) -> Union[int, str]:
    if len(ds) == 0:
        raise ValueError("The dataset is empty.")
    shape = tuple(_image(ds, 0).shape)
    if len(shape) != 3:
        raise ValueError(f"Dataset images must be [3, H, W]; got shape {shape}.")
    return int(shape[-1]) if shape[-1] == shape[-2] else f"{shape[-2]}x{shape[-1]}"


def real_indices(dataset_len: int, num_samples: int, real_seed: int = 0) -> np.ndarray:
    """Sorted indices of the real images used: all when ``num_samples == dataset_len``.

    Raises:
        ValueError: ``num_samples`` exceeds ``dataset_len``.
    """
    if num_samples > dataset_len:
        raise ValueError(f"{num_samples} real samples requested but the dataset has only {dataset_len} images; "
                         "use fewer samples or a larger split.")
    if num_samples == dataset_len:
        return np.arange(dataset_len)
    rng = np.random.RandomState(real_seed)
    return np.sort(rng.choice(dataset_len, num_samples, replace=False))


def _cache_file(cache_dir: Union[str, "os.PathLike[str]"], key: Dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in key["dataset"]["name"])[:40]
    return os.path.join(cache_dir, f"real_{safe}_{key['num_samples']}_{digest}.npz")


def _load_cached(path: str, key: Dict[str, Any]) -> Optional[torch.Tensor]:
    try:
        with np.load(path, allow_pickle=False) as f:
            if json.loads(str(f["key"])) != json.loads(json.dumps(key, sort_keys=True)):
                return None
            return torch.from_numpy(f["pool3"].astype(np.float64))
    except (OSError, KeyError, ValueError):
        return None


def _save_cached(path: str, key: Dict[str, Any], pool3: torch.Tensor) -> None:
    arr = pool3.numpy()
    f32 = arr.astype(np.float32)
    if np.array_equal(f32.astype(np.float64), arr):  # lossless: store half the bytes
        arr = f32
    atomic_write(path, lambda f: np.savez(f, pool3=arr, key=np.array(json.dumps(key, sort_keys=True))),
                 what="cache of real-image features")


def real_features(ds: SizedDataset, identity: Mapping[str, Any], num_samples: int, real_seed: int = 0,
                  weights_id: Optional[str] = None, weights: Weights = None, backend: str = "torch",
                  batch_size: int = 50, device: Device = None,
                  cache_dir: Union[str, "os.PathLike[str]", None] = None, feat_file: Optional[str] = None,
                  use_cache: bool = True, verbose: bool = False, resize: str = "tf1") -> torch.Tensor:
    """Pool3 features ``[num_samples, D]`` (float64 CPU tensor) of real images, cached on disk.

    Args:
        ds (Dataset): items ``(image [3, H, W] in [-1, 1], label)``.
        identity (dict): from :func:`dataset_identity`.
        weights_id (str): hash of the extractor weights (part of the cache key).
        feat_file (str): explicit cache file (``.npz``) instead of one in ``cache_dir``.
        resize (str): ``'tf1'`` or ``'clean'`` (see ``torch_mimicry.metrics.inception.resize``).
    """
    key = {"dataset": identity, "num_samples": int(num_samples), "real_seed": int(real_seed),
           "weights_hash": weights_id, "backend": backend, "resize": resize}
    path = feat_file if feat_file is not None else _cache_file(cache_dir or default_cache_dir(), key)
    if feat_file is not None and not path.endswith(".npz"):
        path += ".npz"
    rank, _ = distributed.rank_and_world_size()
    cached = None
    if use_cache and rank == 0 and os.path.exists(path):
        cached = _load_cached(path, key)
    if distributed.broadcast_object(cached is not None):  # rank 0 read the cache: share its copy
        if verbose and rank == 0:
            print(f"INFO: Loaded real features from {path}")
        # rank 0 holds the tensor; the others receive it
        return cast(torch.Tensor, distributed.broadcast_tensor(cached))
    idx = real_indices(len(ds), num_samples, real_seed)

    def make_batch(start: int, stop: int) -> torch.Tensor:
        return features.to_uint8(torch.stack([_image(ds, int(i)) for i in idx[start:stop]]),
                                 what=f"The real images of {identity.get('name', 'the dataset')!r} (items "
                                      f"{int(idx[start])}..{int(idx[stop - 1])})")

    if verbose:
        print(f"INFO: Computing features of {num_samples} real images...")
    pool3, _ = distributed.extract_batches(
        len(idx), batch_size, make_batch,
        lambda batches: features.extract_with(batches, resize=resize, weights=weights, backend=backend,
                                              batch_size=batch_size, device=device),
        desc="real features")
    pool3 = torch.as_tensor(pool3, dtype=torch.float64).cpu()
    if use_cache and rank == 0:
        _save_cached(path, key, pool3)
    return pool3
