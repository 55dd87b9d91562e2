"""The KID helpers of torch-mimicry 0.1.16 (from MMD-GAN): the unbiased MMD^2 of two feature
sets under a polynomial kernel, and its values over random subsets."""
from typing import Any, Optional

import numpy as np

from torch_mimicry.metrics._checks import as_float64_2d, check_same_dim
from torch_mimicry.metrics.kid import polynomial_mmd_subsets

__all__ = ["polynomial_mmd", "polynomial_mmd_averages"]


def _kernel(a: np.ndarray, b: np.ndarray, degree: float, gamma: Optional[float], coef0: float) -> np.ndarray:
    gamma = 1.0 / a.shape[1] if gamma is None else gamma
    return (gamma * (a @ b.T) + coef0) ** degree


def polynomial_mmd(codes_g: Any, codes_r: Any, degree: float = 3, gamma: Optional[float] = None,
                   coef0: float = 1) -> np.float64:
    """Unbiased MMD^2 between feature sets ``[m, D]`` (same ``m``) under the kernel
    ``(gamma <x, y> + coef0) ** degree`` (``gamma`` default ``1 / D``). Returns a ``numpy.float64``."""
    x = as_float64_2d(codes_g, "codes_g")
    y = as_float64_2d(codes_r, "codes_r")
    check_same_dim(x, y, "codes_g", "codes_r")
    m = x.shape[0]
    if y.shape[0] != m or m < 2:
        raise ValueError(f"polynomial_mmd needs two sets of the same size m >= 2; got {x.shape[0]} and {y.shape[0]}.")
    kxx = _kernel(x, x, degree, gamma, coef0)
    kyy = _kernel(y, y, degree, gamma, coef0)
    kxy = _kernel(x, y, degree, gamma, coef0)
    off = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return np.float64(off - 2.0 * kxy.sum() / (m * m))


def polynomial_mmd_averages(codes_g: Any, codes_r: Any, n_subsets: int = 50, subset_size: int = 1000,
                            **kernel_args: Any) -> np.ndarray:
    """MMD^2 of ``n_subsets`` random subsets of ``subset_size`` rows of each set.

    Subsets are drawn without replacement with numpy's global random state, for each subset
    first from ``codes_g`` then from ``codes_r`` (seed it with ``np.random.seed`` for a
    reproducible value). As in 0.1.16, ``n_subsets`` is capped at the smaller set's size ``m``
    and ``subset_size`` at ``m // n_subsets``. ``kernel_args``: ``degree``, ``gamma``, ``coef0``
    of :func:`polynomial_mmd`.

    Returns:
        numpy.ndarray: ``[n_subsets]`` float64 values.
    """
    x = as_float64_2d(codes_g, "codes_g")
    y = as_float64_2d(codes_r, "codes_r")
    check_same_dim(x, y, "codes_g", "codes_r")
    unknown = set(kernel_args) - {"degree", "gamma", "coef0"}
    if unknown:
        raise TypeError(f"Unexpected kernel arguments {sorted(unknown)}; accepted: degree, gamma, coef0.")
    m = min(x.shape[0], y.shape[0])
    n_subsets = min(m, int(n_subsets))
    subset_size = min(int(subset_size), m // n_subsets)
    if subset_size < 2:
        raise ValueError(f"Subsets of {subset_size} rows are too small for the unbiased MMD (sets of {x.shape[0]} "
                         f"and {y.shape[0]} rows, {n_subsets} subsets).")
    idx_g = np.empty((n_subsets, subset_size), dtype=np.int64)
    idx_r = np.empty((n_subsets, subset_size), dtype=np.int64)
    for i in range(n_subsets):
        idx_g[i] = np.random.choice(len(x), subset_size, replace=False)
        idx_r[i] = np.random.choice(len(y), subset_size, replace=False)
    degree, gamma, coef0 = kernel_args.get("degree", 3), kernel_args.get("gamma"), kernel_args.get("coef0", 1)
    if degree == 3 and coef0 == 1 and gamma in (None, 1.0 / x.shape[1]):
        return polynomial_mmd_subsets(x, y, idx_g, idx_r)
    return np.array([polynomial_mmd(x[g], y[r], degree, gamma, coef0) for g, r in zip(idx_g, idx_r)])
