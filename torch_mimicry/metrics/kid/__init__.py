"""Kernel Inception Distance (KID) with the semantics of MMD-GAN's ``polynomial_mmd_averages``.

Per subset, ``m`` real and ``m`` fake feature rows are drawn without replacement
(``rng.choice(n_real, m, replace=False)`` then ``rng.choice(n_fake, m, replace=False)`` with
``rng = np.random.RandomState(seed)``), and the unbiased estimator of MMD^2 with the cubic
polynomial kernel ``k(x, y) = (x.y / d + 1)^3`` is

    sum_{i!=j} k(x_i, x_j) / (m (m-1)) + sum_{i!=j} k(y_i, y_j) / (m (m-1))
    - 2 sum_{i,j} k(x_i, y_j) / m^2.

KID is the mean of the per-subset values, reported with their standard deviation (ddof 0,
as ``np.std`` in the original library).

Every kernel sum over a subset is ``w^T K w'`` for 0/1 indicator vectors ``w``, so all
subsets are evaluated together: either from the full kernel matrices computed block by
block (``'gram'``, cheap when the feature sets are not much larger than the subsets), or
from stacked subset matrices with batched matrix products (``'subsets'``). ``'auto'``
picks the route with fewer floating point operations.
"""
from typing import Any, Literal, Optional, Tuple, Union, overload

import numpy as np
import torch

from torch_mimicry.metrics._checks import Features, as_float64_2d, check_same_dim

__all__ = ["kid_from_features", "polynomial_mmd_subsets", "draw_subsets"]

#: Memory (bytes) a block of intermediate float64 results may use.
_BLOCK_BYTES = 256 * 2**20
#: Kernel row blocks of the 'gram' route: small enough that the allocator reuses their memory
#: (fresh pages for every large temporary cost more than the arithmetic on them).
_GRAM_BLOCK_BYTES = 16 * 2**20

#: Per-subset kernel sums ``(K(x, x) off-diagonal, K(y, y) off-diagonal, K(x, y))``, each ``[S]``.
_Sums = Tuple[np.ndarray, np.ndarray, np.ndarray]


def draw_subsets(n_real: int, n_fake: int, num_subsets: int, subset_size: int,
                 seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Row indices of every subset, drawn as the reference loop draws them.

    Returns:
        tuple: ``(idx_real, idx_fake)`` int64 arrays ``[num_subsets, subset_size]``.
    """
    rng = np.random.RandomState(seed)
    idx_real = np.empty((num_subsets, subset_size), dtype=np.int64)
    idx_fake = np.empty((num_subsets, subset_size), dtype=np.int64)
    for s in range(num_subsets):
        idx_real[s] = rng.choice(n_real, subset_size, replace=False)
        idx_fake[s] = rng.choice(n_fake, subset_size, replace=False)
    return idx_real, idx_fake


def _kernel(a: np.ndarray, b: np.ndarray, d: int) -> np.ndarray:
    """``(a @ b^T / d + 1)^3`` for ``[..., r, D]`` and ``[..., c, D]`` arrays."""
    k = np.matmul(a, np.swapaxes(b, -1, -2))
    k /= d
    k += 1.0
    rows = k.reshape(-1, k.shape[-1])  # cube in place, a few rows at a time: no second full-size array
    step = max(1, (1 << 20) // max(k.shape[-1], 1))
    for start in range(0, rows.shape[0], step):
        block = rows[start:start + step]
        block *= block * block
    return k


def _indicators(idx: np.ndarray, n: int) -> np.ndarray:
    w = np.zeros((idx.shape[0], n), dtype=np.float64)
    np.put_along_axis(w, idx, 1.0, axis=1)
    return w


def _gram_quadratic_forms(a: np.ndarray, wa: np.ndarray, b: Optional[np.ndarray] = None,
                          wb: Optional[np.ndarray] = None) -> np.ndarray:
    """``[S]`` values ``wa_s^T K(a, b) wb_s`` with K computed in row blocks.

    With ``b=None`` (``b = a``), only the strictly off-diagonal part of the symmetric
    K(a, a) is summed, and only the blocks on or above the diagonal are computed.
    """
    d = a.shape[1]
    symmetric = b is None
    if b is None:
        b, wb = a, wa
    assert wb is not None, "wb goes with b"
    rows = max(1, int(_GRAM_BLOCK_BYTES // (8 * max(b.shape[0], 1))))
    out = np.zeros(wa.shape[0], dtype=np.float64)
    if not symmetric:
        wbt = np.ascontiguousarray(wb.T)
        for start in range(0, a.shape[0], rows):
            k = _kernel(a[start:start + rows], b, d)          # [r, nb]
            out += np.einsum("rs,sr->s", k @ wbt, wa[:, start:start + rows])
        return out
    n = a.shape[0]
    rows = min(rows, max(256, -(-n // 16)))  # at least 16 row blocks: about half of K is computed
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        k = _kernel(a[start:stop], a[start:], d)              # [r, n - start]
        k[:, :stop - start] = np.triu(k[:, :stop - start], 1)  # diagonal block: strictly upper part
        out += 2.0 * np.einsum("rs,sr->s", k @ np.ascontiguousarray(wa[:, start:].T), wa[:, start:stop])
    return out


def _mmd_gram(x: np.ndarray, y: np.ndarray, idx_real: np.ndarray, idx_fake: np.ndarray) -> _Sums:
    wx = _indicators(idx_real, x.shape[0])
    wy = _indicators(idx_fake, y.shape[0])
    kxx = _gram_quadratic_forms(x, wx)            # off-diagonal sums only
    kyy = _gram_quadratic_forms(y, wy)
    kxy = _gram_quadratic_forms(x, wx, y, wy)
    return kxx, kyy, kxy


def _offdiag_sums(k: np.ndarray) -> np.ndarray:
    return k.sum(axis=(1, 2)) - np.trace(k, axis1=1, axis2=2)


def _mmd_subsets(x: np.ndarray, y: np.ndarray, idx_real: np.ndarray, idx_fake: np.ndarray) -> _Sums:
    s, m = idx_real.shape
    d = x.shape[1]
    per_subset = 8 * (2 * m * d + 2 * m * m)
    chunk = max(1, int(_BLOCK_BYTES // per_subset))
    kxx = np.empty(s)
    kyy = np.empty(s)
    kxy = np.empty(s)
    for start in range(0, s, chunk):
        sl = slice(start, start + chunk)
        xs = x[idx_real[sl]]                          # [c, m, D]
        ys = y[idx_fake[sl]]
        kxx[sl] = _offdiag_sums(_kernel(xs, xs, d))
        kyy[sl] = _offdiag_sums(_kernel(ys, ys, d))
        kxy[sl] = _kernel(xs, ys, d).sum(axis=(1, 2))
    return kxx, kyy, kxy


def _mmd_subsets_torch(x: np.ndarray, y: np.ndarray, idx_real: np.ndarray, idx_fake: np.ndarray,
                       device: Union[str, torch.device]) -> _Sums:
    """The ``'subsets'`` route with torch batched matmuls on ``device`` (float64)."""
    s, m = idx_real.shape
    d = x.shape[1]
    xt = torch.from_numpy(x).to(device)
    yt = torch.from_numpy(y).to(device)
    ir = torch.from_numpy(idx_real).to(device)
    jf = torch.from_numpy(idx_fake).to(device)
    chunk = max(1, int(_BLOCK_BYTES * 4 // (8 * (2 * m * d + 2 * m * m))))
    out = torch.empty(3, s, dtype=torch.float64, device=device)

    def kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (torch.bmm(a, b.transpose(1, 2)) / d + 1.0) ** 3

    for start in range(0, s, chunk):
        sl = slice(start, start + chunk)
        xs, ys = xt[ir[sl]], yt[jf[sl]]
        for row, k in ((0, kernel(xs, xs)), (1, kernel(ys, ys))):
            out[row, sl] = k.sum((1, 2)) - torch.diagonal(k, dim1=1, dim2=2).sum(1)
        out[2, sl] = kernel(xs, ys).sum((1, 2))
    kxx, kyy, kxy = out.cpu().numpy()
    return kxx, kyy, kxy


def polynomial_mmd_subsets(feat_real: Features, feat_fake: Features, idx_real: np.ndarray, idx_fake: np.ndarray,
                           method: str = "auto", device: Union[str, torch.device, None] = None) -> np.ndarray:
    """Unbiased cubic-kernel MMD^2 of each subset.

    Args:
        feat_real, feat_fake: ``[N1, D]``, ``[N2, D]`` float64 (numpy or torch).
        idx_real, idx_fake: ``[S, m]`` row indices (distinct within a row), m >= 2.
        method (str): ``'auto'``, ``'gram'`` or ``'subsets'``.
        device: None computes with numpy on the CPU; a torch device (e.g. ``'cuda'``)
            computes the ``'subsets'`` route with torch batched matmuls there.

    Returns:
        numpy.ndarray: ``[S]`` float64 MMD^2 values.
    """
    x = as_float64_2d(feat_real, "feat_real")
    y = as_float64_2d(feat_fake, "feat_fake")
    idx_real = np.asarray(idx_real, dtype=np.int64)
    idx_fake = np.asarray(idx_fake, dtype=np.int64)
    s, m = idx_real.shape
    if method not in ("auto", "gram", "subsets"):
        raise ValueError(f"method must be 'auto', 'gram' or 'subsets'; got {method!r}.")
    if device is not None:
        kxx, kyy, kxy = _mmd_subsets_torch(x, y, idx_real, idx_fake, device)
        return (kxx + kyy) / (m * (m - 1)) - 2.0 * kxy / (m * m)
    if method == "auto":
        n1, n2 = x.shape[0], y.shape[0]
        gram_cost = 0.5 * n1 * n1 + 0.5 * n2 * n2 + n1 * n2
        subset_cost = s * 3.0 * m * m
        method = "gram" if gram_cost < subset_cost else "subsets"
    if method == "gram":
        kxx, kyy, kxy = _mmd_gram(x, y, idx_real, idx_fake)
    else:
        kxx, kyy, kxy = _mmd_subsets(x, y, idx_real, idx_fake)
    mmd2 = (kxx + kyy) / (m * (m - 1)) - 2.0 * kxy / (m * m)
    return mmd2


@overload
def kid_from_features(feat_real: Features, feat_fake: Features, num_subsets: int = 10,
                      subset_size: Optional[int] = None, seed: int = 0, method: str = "auto",
                      return_subsets: Literal[False] = False,
                      device: Union[str, torch.device, None] = None) -> Tuple[float, float]: ...


@overload
def kid_from_features(feat_real: Features, feat_fake: Features, num_subsets: int = 10,
                      subset_size: Optional[int] = None, seed: int = 0, method: str = "auto", *,
                      return_subsets: Literal[True],
                      device: Union[str, torch.device, None] = None) -> Tuple[float, float, np.ndarray]: ...


@overload
def kid_from_features(feat_real: Features, feat_fake: Features, num_subsets: int = 10,
                      subset_size: Optional[int] = None, seed: int = 0, method: str = "auto",
                      return_subsets: bool = False, device: Union[str, torch.device, None] = None
                      ) -> Union[Tuple[float, float], Tuple[float, float, np.ndarray]]: ...


def kid_from_features(feat_real: Features, feat_fake: Features, num_subsets: int = 10,
                      subset_size: Optional[int] = None, seed: int = 0, method: str = "auto",
                      return_subsets: bool = False, device: Union[str, torch.device, None] = None
                      ) -> Union[Tuple[float, float], Tuple[float, float, np.ndarray]]:
    """KID between feature sets ``[N1, D]`` and ``[N2, D]`` (numpy or torch, float64 inside).

    Args:
        num_subsets (int): number of subsets (>= 1).
        subset_size (int): rows per subset, default ``min(N1, N2) // num_subsets`` (the
            original library's choice); MMD-GAN's protocol is 100 subsets of 1000.
        seed (int): seed of ``np.random.RandomState`` drawing the subsets.
        method (str): ``'auto'``, ``'gram'`` or ``'subsets'`` (same values, different speed).
        device: None: numpy on the CPU; a torch device such as ``'cuda'``: torch batched
            matmuls there (float64), the fast choice on a GPU.
        return_subsets (bool): also return the ``[num_subsets]`` per-subset values.

    Returns:
        tuple: ``(mean, std)`` floats (std with ddof 0), plus the per-subset array when
        ``return_subsets``.

    Raises:
        ValueError: a subset needs more rows than a set has, a subset of fewer than 2 rows,
            different dimensions, NaN / inf values.
    """
    x = as_float64_2d(feat_real, "feat_real")
    y = as_float64_2d(feat_fake, "feat_fake")
    check_same_dim(x, y, "feat_real", "feat_fake")
    num_subsets = int(num_subsets)
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1; got {num_subsets}.")
    n_min = min(x.shape[0], y.shape[0])
    if subset_size is None:
        subset_size = n_min // num_subsets
        if subset_size < 2:
            raise ValueError(f"KID with {num_subsets} subsets of min(N_real, N_fake) // num_subsets = {subset_size} "
                             f"rows needs at least {2 * num_subsets} samples per set; got {x.shape[0]} real and "
                             f"{y.shape[0]} fake. Use more samples or fewer subsets.")
    subset_size = int(subset_size)
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2 for the unbiased MMD estimator; got {subset_size}.")
    if subset_size > n_min:
        raise ValueError(f"subset_size {subset_size} is larger than the feature sets ({x.shape[0]} real, "
                         f"{y.shape[0]} fake); subsets are drawn without replacement. Use a smaller subset_size "
                         "or more samples.")
    idx_real, idx_fake = draw_subsets(x.shape[0], y.shape[0], num_subsets, subset_size, seed)
    mmds = polynomial_mmd_subsets(x, y, idx_real, idx_fake, method=method, device=device)
    result = (float(np.mean(mmds)), float(np.std(mmds)))
    return result + (mmds,) if return_subsets else result


_ORIGINAL_NAMES = ("polynomial_mmd", "polynomial_mmd_averages")


def __getattr__(name: str) -> Any:
    # torch-mimicry 0.1.16 exported its helpers from this package; they live in kid_utils,
    # imported on first use so that the formulas above import nothing more.
    if name in _ORIGINAL_NAMES or name == "kid_utils":
        import importlib
        kid_utils = importlib.import_module(__name__ + ".kid_utils")
        return kid_utils if name == "kid_utils" else getattr(kid_utils, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
