"""Improved precision and recall, density and coverage: k-nearest-neighbour manifolds of features.

For real features ``X`` (N rows) and generated features ``Y`` (M rows), ``r_k(x)`` is the
distance from ``x`` to its k-th nearest neighbour among the *other* rows of its own set, and
``B(x, r)`` the closed ball ``{y : ||y - x|| <= r}``.

* Precision (Kynkaanniemi et al. 2019, k=3): the share of ``y`` in ``Y`` inside some ball
  ``B(x, r_k(x))``, ``x`` in ``X``. Recall: the share of ``x`` in ``X`` inside some ball
  ``B(y, r_k(y))``, ``y`` in ``Y``.
* Density (Naeem et al. 2020, k=5): ``1 / (k M) sum_y #{x : y in B(x, r_k(x))}`` (about 1
  when ``Y`` is distributed like ``X``, unbounded above). Coverage: the share of ``x`` whose
  ball ``B(x, r_k(x))`` holds at least one ``y``.

The distances come from matrix products computed in float32 a block of rows at a time (the
memory stays bounded for any N, M: ``block_bytes`` per block), with a rigorous bound on each
float32 error. A decision the bound cannot settle (a distance within rounding of a radius,
a few pairs in a million) and every k-th neighbour radius are recomputed exactly in float64
from the feature differences, so the results are those of the float64 definitions above.
Self-distances are computed for one triangle only.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, NamedTuple, Optional, Tuple, Union

import numpy as np
import torch

from torch_mimicry.metrics._checks import as_float64_2d, check_same_dim

__all__ = ["PrecisionRecall", "DensityCoverage", "ManifoldScorer", "precision_recall_from_features",
           "density_coverage_from_features", "knn_radii"]

class PrecisionRecall(NamedTuple):
    """Improved precision and recall, each in [0, 1]."""
    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    """Density (>= 0, about 1 for matching distributions) and coverage (in [0, 1])."""
    density: float
    coverage: float


#: Features accepted by the functions: ``[N, D]`` numpy arrays or torch tensors.
Features = Union[np.ndarray, torch.Tensor]
Device = Union[str, torch.device, None]

#: Bytes of one float32 block of distances (the temporaries of a block take about 4 times this).
BLOCK_BYTES = 32 * 2**20
_UNIT_ROUNDOFF = 2.0 ** -24  # float32
_MARGIN = 8                  # extra neighbour candidates kept per row beyond k
_EXACT_CHUNK_BYTES = 32 * 2**20


@contextlib.contextmanager
def _no_tf32() -> Iterator[None]:
    flag = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = flag


class _Points:
    """Rows of one set: as given in float64 (exact distances) and, centred on a point shared by
    both sets (smaller norms, smaller float32 errors), in float32 (the fast pass)."""

    def __init__(self, x: Features, centre: torch.Tensor, device: torch.device) -> None:
        self.x64 = torch.as_tensor(x, dtype=torch.float64).to(device)
        centred = self.x64 - centre
        self.x32 = centred.to(torch.float32)
        self.sq64 = (centred * centred).sum(1)
        self.sq32 = self.sq64.to(torch.float32)
        self.n, self.dim = self.x64.shape


def _tau(dim: int) -> float:
    """Error bound factor: ``|d2_float32 - d2| <= tau * (|a|^2 + |b|^2)`` for rows a, b.

    The float32 dot product of ``dim`` terms errs by at most ``gamma_dim * sum|a_k b_k|``
    (any summation order), rounding the inputs to float32 adds ``2u`` and forming
    ``|a|^2 + |b|^2 - 2 a.b`` a few ``u`` more; ``sum|a_k b_k| <= (|a|^2 + |b|^2) / 2``.
    """
    return 1.01 * (dim + 8) * _UNIT_ROUNDOFF


def _approx_sq_dists(a: _Points, b: _Points, rows: slice, cols: slice = slice(None)) -> torch.Tensor:
    """float32 ``[r, c]`` squared distances ``|a_i|^2 + |b_j|^2 - 2 a_i.b_j``."""
    if a.x32.device.type == "cpu":
        # -2 a b^T by the BLAS of scipy (OpenBLAS: the faster float32 product on the CPUs measured),
        # computed as (b a^T)^T on the row-major arrays so that nothing is copied.
        from scipy.linalg.blas import sgemm
        prod = sgemm(-2.0, b.x32[cols].numpy().T, a.x32[rows].numpy().T, trans_a=1).T
        d2 = torch.from_numpy(prod).add_(b.sq32[cols].unsqueeze(0))
    else:
        d2 = torch.addmm(b.sq32[cols].unsqueeze(0), a.x32[rows], b.x32[cols].t(), beta=1.0, alpha=-2.0)
    return d2.add_(a.sq32[rows].unsqueeze(1))


def _exact_sq_dists(a: _Points, b: _Points, ia: torch.Tensor, ib: torch.Tensor) -> torch.Tensor:
    """float64 squared distances of the pairs ``(a[ia[t]], b[ib[t]])`` from the differences of the
    rows as given (so distances equal in the input, such as ties on a grid, stay equal)."""
    out = torch.empty(ia.shape[0], dtype=torch.float64, device=a.x64.device)
    chunk = max(1, _EXACT_CHUNK_BYTES // (8 * a.dim))
    for s in range(0, ia.shape[0], chunk):
        diff = torch.index_select(a.x64, 0, ia[s:s + chunk])
        diff.sub_(torch.index_select(b.x64, 0, ib[s:s + chunk]))
        out[s:s + chunk] = torch.linalg.vecdot(diff, diff)
    return out


def _block_rows(num_cols: int, block_bytes: int) -> int:
    return max(1, min(int(block_bytes // (4 * max(num_cols, 1))), 1 << 16))


def _merge(best_v: torch.Tensor, best_i: torch.Tensor, rows: slice, v: torch.Tensor, i: torch.Tensor) -> None:
    """Keeps the smallest ``best_v.shape[1]`` of the stored and new candidates of ``rows``."""
    vv = torch.cat([best_v[rows], v], 1)
    ii = torch.cat([best_i[rows], i], 1)
    top, pos = torch.topk(vv, best_v.shape[1], dim=1, largest=False)
    best_v[rows] = top
    best_i[rows] = torch.gather(ii, 1, pos)


class _Radii:
    """Squared k-th neighbour distances of the rows of a set: known within ``delta`` of ``approx``
    from the float32 pass, exact on demand (:meth:`exact`, computed once per row).

    With ``t`` the true value of a row and ``e`` its error bound, ``|approx - t| <= e`` (an
    order statistic moves no more than the values it is taken from); all rows at distance
    ``<= t`` have approximate values ``<= approx + 2e``, so they are among the kept candidates
    (unless the row overflows: more candidates than kept, then the whole row is recomputed),
    and rows with approximate values ``< approx - 2e`` are surely nearer than ``t``: only the
    rows in between need exact distances.
    """

    def __init__(self, p: _Points, k: int, best_v: torch.Tensor, best_i: torch.Tensor) -> None:
        self.p, self.k, self.best_v, self.best_i = p, k, best_v, best_i
        self.approx = best_v[:, k - 1].to(torch.float64)
        self.delta = _tau(p.dim) * (p.sq64 + p.sq64.max())
        self._exact = torch.full((p.n,), float("nan"), dtype=torch.float64, device=best_v.device)

    def exact(self, rows: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Exact values (float64) of ``rows`` (an index tensor; default all rows)."""
        p, k, dev = self.p, self.k, self.best_v.device
        rows = torch.arange(p.n, device=dev) if rows is None else rows
        todo = torch.unique(rows[torch.isnan(self._exact[rows])])
        if todo.numel():
            v, idx = self.best_v[todo], self.best_i[todo]
            t = v[:, k - 1:k]
            band = (2.0 * _tau(p.dim)) * (p.sq32[todo] + p.sq32.max()).unsqueeze(1)
            candidate = v <= t + band
            below = v < t - band
            ri, ci = (candidate & ~below).nonzero(as_tuple=True)
            exact = torch.full(v.shape, float("inf"), dtype=torch.float64, device=dev)
            exact[ri, ci] = _exact_sq_dists(p, p, todo[ri], idx[ri, ci])
            rank = k - below.sum(1, keepdim=True)                              # >= 1: t is not below
            values = torch.sort(exact, dim=1).values.gather(1, rank - 1).squeeze(1)
            overflow = candidate[:, -1] & torch.tensor(v.shape[1] < p.n - 1, device=dev)
            for pos in overflow.nonzero(as_tuple=True)[0].tolist():            # rare: the whole row, exactly
                r = int(todo[pos])
                cols = torch.arange(p.n, device=dev)
                cols = cols[cols != r]
                values[pos] = torch.kthvalue(_exact_sq_dists(p, p, torch.full_like(cols, r), cols), k).values
            self._exact[todo] = values
        return self._exact[rows]


def _knn_sq_radii(p: _Points, k: int, block_bytes: int = BLOCK_BYTES) -> _Radii:
    """:class:`_Radii`: the squared k-th neighbour distances of the rows of ``p`` (self excluded)."""
    n, dev = p.n, p.x64.device
    m = min(k + _MARGIN, n - 1)
    best_v = torch.full((n, m), float("inf"), dtype=torch.float32, device=dev)
    best_i = torch.zeros((n, m), dtype=torch.int64, device=dev)
    # at least 16 row blocks (of >= 256 rows): the triangle computed is then about half the square
    rows_per_block = min(_block_rows(n, block_bytes), max(256, -(-n // 16)))
    for start in range(0, n, rows_per_block):
        stop = min(n, start + rows_per_block)
        d2 = _approx_sq_dists(p, p, slice(start, stop), slice(start, None))   # [r, n - start]: upper part
        d2[:, :stop - start].fill_diagonal_(float("inf"))                     # not its own neighbour
        v, i = torch.topk(d2, min(m, d2.shape[1]), dim=1, largest=False)
        _merge(best_v, best_i, slice(start, stop), v, i + start)
        if stop < n:                                                           # the lower part, by symmetry
            v, i = torch.topk(d2[:, stop - start:], min(m, stop - start), dim=0, largest=False)
            _merge(best_v, best_i, slice(stop, n), v.t(), i.t() + start)
    return _Radii(p, k, best_v, best_i)


def _to_f32(x: torch.Tensor, direction: int) -> torch.Tensor:
    """float64 ``x`` as float32 rounded towards ``direction`` (+1: up, -1: down)."""
    y = x.to(torch.float32)
    off = (y.to(torch.float64) < x) if direction > 0 else (y.to(torch.float64) > x)
    return torch.where(off, torch.nextafter(y, torch.full_like(y, direction * float("inf"))), y)


class _Threshold:
    """The test ``d2 <= rho`` of float32 distances that err by at most ``err`` (float64 vectors,
    per row or per column), ``rho`` a :class:`_Radii` known within ``delta``: ``d2 <= lo`` is
    certainly inside, ``d2 > hi`` certainly outside; in between the exact values decide."""

    def __init__(self, radii: _Radii, err: torch.Tensor) -> None:
        self.radii, self.err = radii, err
        self.lo = _to_f32(radii.approx - radii.delta - err, -1)
        self.hi = _to_f32(radii.approx + radii.delta + err, +1)


def _inside_pairs(d2: torch.Tensor, thr: _Threshold, a: _Points, b: _Points, row_start: int,
                  per_row: bool) -> Tuple[torch.Tensor, torch.Tensor]:
    """Index pairs ``(i, j)`` (rows of the block, columns) with exact ``d2(a_i, b_j) <= rho``.

    Only the candidates ``d2 <= hi`` are listed (few: the balls are small). Those the float32
    value cannot settle against the approximate radius are compared with the exact radius of
    their row / column; those still within the float32 error of it are recomputed exactly.
    """
    shape = (-1, 1) if per_row else (1, -1)
    rows = slice(row_start, row_start + d2.shape[0])
    hi = thr.hi[rows] if per_row else thr.hi
    ci, cj = (d2 <= hi.view(shape)).nonzero(as_tuple=True)
    owner = ci if per_row else cj
    lo = thr.lo[rows] if per_row else thr.lo
    keep = d2[ci, cj] <= lo[owner]
    unsure = (~keep).nonzero(as_tuple=True)[0]
    if unsure.numel():
        ui, uj = ci[unsure], cj[unsure]
        who = ui + row_start if per_row else uj
        rho, err = thr.radii.exact(who), thr.err[who]
        value = d2[ui, uj].to(torch.float64)
        inside = value + err <= rho
        still = ~inside & (value - err <= rho)
        if bool(still.any()):
            si = still.nonzero(as_tuple=True)[0]
            inside[si] = _exact_sq_dists(a, b, ui[si] + row_start, uj[si]) <= rho[si]
        keep[unsure] = inside
    return ci[keep], cj[keep]


def _cross_counts(real: _Points, fake: _Points, radii_real: _Radii, radii_fake: Optional[_Radii] = None,
                  block_bytes: int = BLOCK_BYTES) -> Dict[str, torch.Tensor]:
    """Counts over real rows (in blocks) x fake columns.

    Returns:
        dict: ``fake_in_real`` (bool ``[M]``: inside some real ball), ``fake_count`` (int
        ``[M]``: number of real balls holding it), ``real_covered`` (bool ``[N]``: its ball
        holds a fake row) and, with ``radii_fake``, ``real_in_fake`` (bool ``[N]``: inside some
        fake ball).
    """
    dev = real.x64.device
    tau = _tau(real.dim)
    # |d2_float32 - d2| <= tau (|a|^2 + |b|^2) <= tau (|a|^2 + max |b|^2): one bound per row / column.
    in_real = _Threshold(radii_real, tau * (real.sq64 + fake.sq64.max()))
    in_fake = None if radii_fake is None else _Threshold(radii_fake, tau * (fake.sq64 + real.sq64.max()))
    out = {"fake_in_real": torch.zeros(fake.n, dtype=torch.bool, device=dev),
           "fake_count": torch.zeros(fake.n, dtype=torch.int64, device=dev),
           "real_covered": torch.zeros(real.n, dtype=torch.bool, device=dev)}
    if in_fake is not None:
        out["real_in_fake"] = torch.zeros(real.n, dtype=torch.bool, device=dev)
    rows_per_block = _block_rows(fake.n, block_bytes)
    for start in range(0, real.n, rows_per_block):
        d2 = _approx_sq_dists(real, fake, slice(start, min(real.n, start + rows_per_block)))
        i, j = _inside_pairs(d2, in_real, real, fake, start, per_row=True)
        out["fake_in_real"][j] = True
        out["fake_count"] += torch.bincount(j, minlength=fake.n)
        out["real_covered"][i + start] = True
        if in_fake is not None:
            i, _ = _inside_pairs(d2, in_fake, real, fake, start, per_row=False)
            out["real_in_fake"][i + start] = True
    return out


def _check_k(k: Any, n_real: int, n_fake: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int (nearest neighbours); got {k!r}.")
    for name, n in (("feat_real", n_real), ("feat_fake", n_fake)):
        if n < k + 1:
            raise ValueError(f"{name} has {n} rows; the k={k} nearest neighbours of a row need at least {k + 1}. "
                             "Use more samples or a smaller k.")
    return int(k)


class ManifoldScorer:
    """Real features prepared once, scored against any number of generated feature sets.

    The real rows' k-NN radii are computed on first use for each k and kept, so scoring many
    checkpoints or seeds against one real set computes them once.

    Args:
        feat_real: ``[N, D]`` numpy array or torch tensor.
        device: torch device of the computation (default CPU).
        block_bytes (int): bytes of one float32 block of distances.
    """

    def __init__(self, feat_real: Features, device: Device = None, block_bytes: int = BLOCK_BYTES) -> None:
        x = as_float64_2d(feat_real, "feat_real")
        self.device = torch.device(device if device is not None else "cpu")
        self.block_bytes = int(block_bytes)
        self._centre = torch.from_numpy(x.mean(0)).to(self.device)
        self.real = _Points(x, self._centre, self.device)
        self._rho_real: Dict[int, _Radii] = {}

    def _fake(self, feat_fake: Features, k: int) -> Tuple[_Points, int]:
        y = as_float64_2d(feat_fake, "feat_fake")
        check_same_dim(self.real.x64, y, "feat_real", "feat_fake")
        k = _check_k(k, self.real.n, y.shape[0])
        return _Points(y, self._centre, self.device), k

    def _real_radii(self, k: int) -> _Radii:
        if k not in self._rho_real:
            self._rho_real[k] = _knn_sq_radii(self.real, k, self.block_bytes)
        return self._rho_real[k]

    def precision_recall(self, feat_fake: Features, k: int = 3) -> PrecisionRecall:
        """:class:`PrecisionRecall` of ``feat_fake`` ``[M, D]``."""
        fake, k = self._fake(feat_fake, k)
        with _no_tf32(), torch.no_grad():
            rho_fake = _knn_sq_radii(fake, k, self.block_bytes)
            c = _cross_counts(self.real, fake, self._real_radii(k), rho_fake, self.block_bytes)
        return PrecisionRecall(float(c["fake_in_real"].double().mean()), float(c["real_in_fake"].double().mean()))

    def density_coverage(self, feat_fake: Features, k: int = 5) -> DensityCoverage:
        """:class:`DensityCoverage` of ``feat_fake`` ``[M, D]``."""
        fake, k = self._fake(feat_fake, k)
        with _no_tf32(), torch.no_grad():
            c = _cross_counts(self.real, fake, self._real_radii(k), None, self.block_bytes)
        density = float(c["fake_count"].double().sum()) / (k * fake.n)
        return DensityCoverage(density, float(c["real_covered"].double().mean()))


def knn_radii(features: Features, k: int, device: Device = None, block_bytes: int = BLOCK_BYTES) -> np.ndarray:
    """Distance of each row to its k-th nearest other row (the radius of its k-NN ball).

    Args:
        features: ``[N, D]`` numpy array or torch tensor, N > k.
        k (int): neighbour rank, >= 1.
        device: torch device of the computation (default CPU).

    Returns:
        numpy.ndarray: float64 ``[N]``.
    """
    x = as_float64_2d(features, "features")
    k = _check_k(k, x.shape[0], x.shape[0])
    device = torch.device(device if device is not None else "cpu")
    p = _Points(x, torch.from_numpy(x.mean(0)).to(device), device)
    with _no_tf32(), torch.no_grad():
        return _knn_sq_radii(p, k, block_bytes).exact().sqrt().cpu().numpy()


def precision_recall_from_features(feat_real: Features, feat_fake: Features, k: int = 3, device: Device = None,
                                   block_bytes: int = BLOCK_BYTES) -> PrecisionRecall:
    """Improved precision and recall (Kynkaanniemi et al. 2019) of ``feat_fake`` against ``feat_real``.

    Args:
        feat_real, feat_fake: ``[N, D]`` and ``[M, D]`` numpy arrays or torch tensors
            (Inception pool3 features; the paper uses N = M = 50000 with VGG-16 features).
        k (int): neighbourhood size of the manifolds (the paper's 3).
        device: torch device of the computation (default CPU; a GPU is much faster).
        block_bytes (int): bytes of one float32 block of distances.

    Returns:
        PrecisionRecall: ``(precision, recall)`` floats in [0, 1].

    Raises:
        ValueError: a set with at most k rows, different dimensions, NaN / inf values.
    """
    return ManifoldScorer(feat_real, device, block_bytes).precision_recall(feat_fake, k)


def density_coverage_from_features(feat_real: Features, feat_fake: Features, k: int = 5, device: Device = None,
                                   block_bytes: int = BLOCK_BYTES) -> DensityCoverage:
    """Density and coverage (Naeem et al. 2020) of ``feat_fake`` against ``feat_real``.

    Args:
        feat_real, feat_fake: ``[N, D]`` and ``[M, D]`` numpy arrays or torch tensors.
        k (int): neighbourhood size of the real balls (the paper's 5).
        device, block_bytes: as in :func:`precision_recall_from_features`.

    Returns:
        DensityCoverage: ``(density, coverage)``; density >= 0 (about 1 for matching
        distributions), coverage in [0, 1].
    """
    return ManifoldScorer(feat_real, device, block_bytes).density_coverage(feat_fake, k)
