"""Input conversion and validation shared by the metric formulas."""
from typing import Union

import numpy as np
import torch

#: Features accepted by the metric formulas: ``[N, D]`` numpy arrays or torch tensors.
Features = Union[np.ndarray, torch.Tensor]


def as_float64_2d(x: Features, name: str) -> np.ndarray:
    """Returns ``x`` (numpy array or torch tensor, shape ``[N, D]``) as a float64 numpy array.

    Raises:
        ValueError: ``x`` is not two-dimensional or holds NaN / infinite values.
    """
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [num_samples, dim]; got shape {tuple(x.shape)}.")
    if not np.all(np.isfinite(x)):
        bad = int(np.count_nonzero(~np.isfinite(x).all(axis=1)))
        raise ValueError(f"{name} holds NaN or infinite values (in {bad} of {x.shape[0]} rows); "
                         "check the images and the feature extractor.")
    return x


def check_same_dim(a: Features, b: Features, name_a: str, name_b: str) -> None:
    """Raises ValueError when the feature dimensions (last axes) of ``a`` and ``b`` differ."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"{name_a} has dimension {a.shape[-1]} but {name_b} has dimension {b.shape[-1]}; "
                         "both must come from the same feature extractor layer.")
