"""Reference statistics files: the real side of a score, read from disk.

Accepted ``.npz`` files:

* **TTUR format** (``fid_stats_cifar10_train.npz`` and the like): ``mu [D]`` and
  ``sigma [D, D]``, the mean and covariance (ddof 1) of pool3 features; FID only.
* **This library's statistics** (:func:`save_reference_stats`, ``mimicry stats``): the TTUR
  keys plus ``protocol`` (a JSON string: dataset, sample count, Inception weights hash,
  backend, resize) and ``num_samples``; with ``features`` also the pool3 rows, which KID and
  precision / recall / density / coverage need.
* **This library's feature cache** (``$MIMICRY_HOME/features/real_*.npz``): ``pool3`` rows
  and their cache ``key``.

A file is checked when it is read: ``mu`` and ``sigma`` of matching dimension, finite,
``sigma`` symmetric; the SHA-256 of its bytes identifies it in score records.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, Optional, Union

import numpy as np
import torch

from torch_mimicry.utils.io import atomic_write

__all__ = ["ReferenceStats", "load_reference_stats", "save_reference_stats", "fid_from_reference",
           "SYMMETRY_RTOL"]

#: Largest ``max|sigma - sigma^T| / max|sigma|`` accepted as symmetric.
SYMMETRY_RTOL = 1e-6


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class ReferenceStats:
    """The real-image statistics of one file.

    Attributes:
        path (str): the file.
        sha256 (str): hex digest of its bytes.
        format (str): ``'ttur'``, ``'mimicry-stats'`` or ``'mimicry-features'``.
        mu (numpy.ndarray): float64 ``[D]``.
        sigma (numpy.ndarray): float64 ``[D, D]``.
        features (numpy.ndarray or None): float64 ``[N, D]`` pool3 rows, when the file has them.
        num_samples (int or None): images the statistics come from, when recorded.
        protocol (dict or None): how the file was made, when recorded.
    """

    def __init__(self, path: str, sha256: str, fmt: str, mu: np.ndarray, sigma: np.ndarray,
                 features: Optional[np.ndarray] = None, num_samples: Optional[int] = None,
                 protocol: Optional[Dict[str, Any]] = None) -> None:
        self.path, self.sha256, self.format = path, sha256, fmt
        self.mu, self.sigma, self.features = mu, sigma, features
        self.num_samples, self.protocol = num_samples, protocol

    @property
    def dim(self) -> int:
        """Feature dimension D."""
        return int(self.mu.shape[0])

    def record(self) -> Dict[str, Any]:
        """What score records keep of the file: its name, hash, format and sample count."""
        return {"file": os.path.basename(self.path), "sha256": self.sha256, "format": self.format,
                "num_samples": self.num_samples}

    def __repr__(self) -> str:
        return (f"ReferenceStats({self.path!r}, format={self.format!r}, dim={self.dim}, "
                f"num_samples={self.num_samples}, sha256={self.sha256[:12]}...)")


def _statistics(features: Union[np.ndarray, torch.Tensor]) -> Any:
    from torch_mimicry.metrics.fid import feature_statistics
    return feature_statistics(features)


def _check(path: str, mu: np.ndarray, sigma: np.ndarray, expected_dim: Optional[int]) -> None:
    if mu.ndim != 1:
        raise ValueError(f"{path}: 'mu' must be a vector [D]; got shape {mu.shape}.")
    d = mu.shape[0]
    if sigma.shape != (d, d):
        raise ValueError(f"{path}: 'sigma' must be [{d}, {d}] to match 'mu' [{d}]; got shape {sigma.shape}.")
    if expected_dim is not None and d != int(expected_dim):
        raise ValueError(f"{path} holds statistics of {d}-dimensional features, but the feature extractor gives "
                         f"{int(expected_dim)} (Inception pool3: 2048). Use a file made with the same network "
                         "layer (TTUR's fid_stats_*.npz are pool3 statistics).")
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise ValueError(f"{path}: 'mu' or 'sigma' holds NaN or infinite values; the file is damaged.")
    scale = float(np.max(np.abs(sigma))) if sigma.size else 0.0
    asym = float(np.max(np.abs(sigma - sigma.T))) if sigma.size else 0.0
    if asym > SYMMETRY_RTOL * max(scale, np.finfo(np.float64).tiny):
        raise ValueError(f"{path}: 'sigma' is not symmetric (max |sigma - sigma^T| = {asym:.3g}, max |sigma| = "
                         f"{scale:.3g}); a covariance matrix is. The file is not a statistics file or is damaged.")


def load_reference_stats(path: Union[str, "os.PathLike[str]"], expected_dim: Optional[int] = None) -> ReferenceStats:
    """Reads and checks a reference statistics file (see the module docstring for the formats).

    Args:
        path (str): the ``.npz`` file.
        expected_dim (int): feature dimension the file must have (None: not checked).

    Returns:
        ReferenceStats

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a statistics file, wrong dimension, non-finite values, non-symmetric sigma.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Reference statistics file {path!r} not found. Write one with "
                                "`mimicry stats DATASET -o stats.npz`, or give a TTUR fid_stats_*.npz file.")
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError) as e:
        raise ValueError(f"{path} is not a readable .npz file ({e}).") from None
    protocol = num_samples = features = None
    if "protocol" in data:
        try:
            protocol = json.loads(str(data["protocol"]))
        except json.JSONDecodeError:
            raise ValueError(f"{path}: its 'protocol' entry is not JSON; the file is damaged.") from None
    if "num_samples" in data:
        num_samples = int(data["num_samples"])
    if "mu" in data and "sigma" in data:
        fmt = "mimicry-stats" if protocol is not None else "ttur"
        mu = np.asarray(data["mu"], dtype=np.float64)
        sigma = np.asarray(data["sigma"], dtype=np.float64)
        if "features" in data:
            features = np.asarray(data["features"], dtype=np.float64)
    elif "pool3" in data:
        fmt = "mimicry-features"
        features = np.asarray(data["pool3"], dtype=np.float64)
        if features.ndim != 2 or features.shape[0] < 2:
            raise ValueError(f"{path}: 'pool3' must be [N >= 2, D] features; got shape {features.shape}.")
        if not np.all(np.isfinite(features)):
            raise ValueError(f"{path}: 'pool3' holds NaN or infinite values; the file is damaged.")
        mu, sigma = _statistics(features)
        num_samples = features.shape[0]
        if "key" in data:
            try:
                protocol = json.loads(str(data["key"]))
            except json.JSONDecodeError:
                protocol = None
    else:
        raise ValueError(f"{path} holds {sorted(data)}; a reference statistics file needs 'mu' and 'sigma' (TTUR "
                         "format) or 'pool3' features (this library's feature cache).")
    _check(path, mu, sigma, expected_dim)
    if features is not None:
        if features.ndim != 2 or features.shape[1] != mu.shape[0]:
            raise ValueError(f"{path}: 'features' of shape {features.shape} do not match 'mu' [{mu.shape[0]}].")
        num_samples = features.shape[0] if num_samples is None else num_samples
    return ReferenceStats(path, _sha256(path), fmt, mu, sigma, features=features, num_samples=num_samples,
                          protocol=protocol)


def save_reference_stats(path: Union[str, "os.PathLike[str]"], features: Union[np.ndarray, torch.Tensor],
                         protocol: Optional[Dict[str, Any]] = None, keep_features: bool = False) -> str:
    """Writes the statistics of ``features`` as a TTUR-compatible ``.npz`` file (atomically).

    Args:
        path (str): output file (``.npz`` is appended when missing).
        features: ``[N, D]`` numpy array or torch tensor (N >= 2).
        protocol (dict): how the features were made (stored as JSON under ``protocol``).
        keep_features (bool): also store the rows (``features``, float32 when lossless,
            else float64) so that KID and precision / recall can use the file.

    Returns:
        str: the path written. The file holds ``mu`` and ``sigma`` (float64; TTUR's keys),
        ``num_samples``, ``protocol`` and optionally ``features``.
    """
    from torch_mimicry.metrics._checks import as_float64_2d
    x = as_float64_2d(features, "features")
    mu, sigma = _statistics(x)
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    arrays = {"mu": mu, "sigma": sigma, "num_samples": np.array(x.shape[0]),
              "protocol": np.array(json.dumps(protocol or {}, sort_keys=True))}
    if keep_features:
        f32 = x.astype(np.float32)
        arrays["features"] = f32 if np.array_equal(f32.astype(np.float64), x) else x
    atomic_write(path, lambda f: np.savez(f, **arrays), "wb")
    return path


def fid_from_reference(reference: Union[str, ReferenceStats], feat_fake: Union[np.ndarray, torch.Tensor]) -> float:
    """FID of generated features against a reference statistics file.

    Args:
        reference (str or ReferenceStats): the file (or one already read).
        feat_fake: ``[M, D]`` numpy array or torch tensor of generated pool3 features.

    Returns:
        float: the FID.
    """
    from torch_mimicry.metrics._checks import as_float64_2d
    from torch_mimicry.metrics.fid import fid_from_stats
    y = as_float64_2d(feat_fake, "feat_fake")
    ref = reference if isinstance(reference, ReferenceStats) else load_reference_stats(reference)
    if y.shape[1] != ref.dim:
        raise ValueError(f"{ref.path} holds {ref.dim}-dimensional statistics but the generated features have "
                         f"dimension {y.shape[1]}; both must come from the same network layer.")
    mu, sigma = _statistics(y)
    return fid_from_stats(ref.mu, ref.sigma, mu, sigma)
