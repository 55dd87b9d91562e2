"""Frechet Inception Distance (FID) with the semantics of the TTUR reference code: the formulas,
from features or statistics (pure functions; no network, no files).

``FID = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr(sqrt(S1 S2))`` where ``mu`` and ``S`` are
the mean and the unbiased covariance (``np.cov(rowvar=False)``, ddof 1) of the Inception
pool3 features. The trace of the matrix square root is computed without ``sqrtm``: the
eigenvalues of ``S1 S2`` equal those of the symmetric positive semi-definite matrix
``B^T S2 B`` for any factor ``S1 = B B^T`` (Cholesky, or ``V diag(sqrt(w))`` from ``eigh``
when ``S1`` is singular), so ``tr(sqrt(S1 S2)) = sum(sqrt(eigvalsh(B^T S2 B)))``.

The helpers of torch-mimicry 0.1.16 are in ``fid.fid_utils`` (``calculate_frechet_distance``,
``calculate_activation_statistics``, also reachable from this package); the score of a
generator is ``torch_mimicry.metrics.fid_score`` (``metrics.compute_fid``).
"""
import warnings
from typing import Any, Tuple

import numpy as np
import scipy.linalg

from torch_mimicry.metrics._checks import Features, as_float64_2d, check_same_dim

__all__ = ["feature_statistics", "fid_from_stats", "fid_from_features", "trace_sqrt_product",
           "MIN_FID_SAMPLES_WITHOUT_WARNING"]

#: Below this many samples per set FID is strongly biased (and the covariance of 2048-d
#: features is singular); a UserWarning is issued.
MIN_FID_SAMPLES_WITHOUT_WARNING = 2048

#: Added to both covariance diagonals when the first attempt gives a non-finite value (TTUR).
FID_EPS = 1e-6

#: Relative size (to the largest eigenvalue) of a negative eigenvalue of ``S1 S2`` that
#: counts as a genuine defect of the inputs rather than rounding.
_NEG_EIG_TOL = 1e-6


def feature_statistics(features: Features) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of features.

    Args:
        features: ``[N, D]`` numpy array or torch tensor, N >= 2.

    Returns:
        tuple: ``(mu [D], sigma [D, D])`` float64 numpy arrays; ``sigma`` equals
        ``np.cov(features, rowvar=False)`` (ddof 1).
    """
    x = as_float64_2d(features, "features")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"A covariance needs at least 2 samples; got {n}. Use more images.")
    mu = x.mean(axis=0)
    xc = x - mu
    sigma = (xc.T @ xc) / (n - 1)
    sigma = (sigma + sigma.T) * 0.5  # exact symmetry
    return mu, sigma


def _factor(sigma: np.ndarray) -> np.ndarray:
    """A matrix ``B`` with ``sigma = B B^T`` (Cholesky, else from ``eigh`` clipped at 0)."""
    try:
        return scipy.linalg.cholesky(sigma, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        w, v = scipy.linalg.eigh(sigma, check_finite=False)
        return v * np.sqrt(np.clip(w, 0.0, None))


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``tr(sqrt(sigma1 @ sigma2))`` for symmetric PSD ``[D, D]`` matrices, as a float.

    Raises:
        ValueError: ``sigma1 @ sigma2`` has a clearly negative eigenvalue (an input is not
            positive semi-definite); the analogue of TTUR's "imaginary component" error.
    """
    b = _factor(sigma1)
    m = b.T @ sigma2 @ b
    m = (m + m.T) * 0.5
    w = scipy.linalg.eigvalsh(m, check_finite=False)
    if not np.all(np.isfinite(w)):
        return float("nan")
    top = max(float(w[-1]), 0.0)
    if w[0] < -_NEG_EIG_TOL * max(top, np.finfo(np.float64).tiny):
        raise ValueError(
            f"sigma1 @ sigma2 has a negative eigenvalue {w[0]:.3g} (largest {top:.3g}); the covariance "
            "matrices are not positive semi-definite. Check that they are covariances of real features.")
    return float(np.sqrt(np.clip(w, 0.0, None)).sum())


def fid_from_stats(mu1: Features, sigma1: Features, mu2: Features, sigma2: Features, eps: float = FID_EPS) -> float:
    """FID between two Gaussians given their means ``[D]`` and covariances ``[D, D]``.

    When the value is not finite, ``eps * I`` is added to both covariances and it is
    recomputed (with a warning), as in TTUR. Returns a float >= 0 (up to rounding).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape:
        raise ValueError(f"Means have different shapes {mu1.shape} and {mu2.shape}; they must come from the "
                         "same feature layer.")
    d = mu1.shape[0]
    if sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"Covariances must be [{d}, {d}] to match the means; got {sigma1.shape} and "
                         f"{sigma2.shape}.")
    for name, a in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} holds NaN or infinite values.")
    diff = mu1 - mu2
    tr_covmean = trace_sqrt_product(sigma1, sigma2)
    if not np.isfinite(tr_covmean):
        warnings.warn(f"FID computation gave a non-finite value; adding {eps} to the diagonal of both "
                      "covariances.", RuntimeWarning, stacklevel=2)
        offset = np.eye(d) * eps
        tr_covmean = trace_sqrt_product(sigma1 + offset, sigma2 + offset)
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean)


def fid_from_features(feat_real: Features, feat_fake: Features) -> float:
    """FID between two feature sets ``[N1, D]`` and ``[N2, D]`` (numpy or torch).

    Computed in float64. Warns (UserWarning) when either set has fewer than
    :data:`MIN_FID_SAMPLES_WITHOUT_WARNING` samples.

    Raises:
        ValueError: fewer than 2 samples in a set, different dimensions, NaN / inf values.
    """
    x = as_float64_2d(feat_real, "feat_real")
    y = as_float64_2d(feat_fake, "feat_fake")
    check_same_dim(x, y, "feat_real", "feat_fake")
    for name, a in (("feat_real", x), ("feat_fake", y)):
        if a.shape[0] < 2:
            raise ValueError(f"FID needs at least 2 samples per set; {name} has {a.shape[0]}. Use more images.")
    n_min = min(x.shape[0], y.shape[0])
    if n_min < MIN_FID_SAMPLES_WITHOUT_WARNING:
        warnings.warn(f"FID from {n_min} samples (< {MIN_FID_SAMPLES_WITHOUT_WARNING}) is strongly biased and "
                      "not comparable with published values (which use 10k-50k).", UserWarning, stacklevel=2)
    mu1, s1 = feature_statistics(x)
    mu2, s2 = feature_statistics(y)
    return fid_from_stats(mu1, s1, mu2, s2)


_ORIGINAL_NAMES = ("calculate_frechet_distance", "calculate_activation_statistics")


def __getattr__(name: str) -> Any:
    # torch-mimicry 0.1.16 exported its helpers from this package; they live in fid_utils,
    # imported on first use so that the formulas above import nothing of the metrics pipeline.
    if name in _ORIGINAL_NAMES or name == "fid_utils":
        import importlib
        fid_utils = importlib.import_module(__name__ + ".fid_utils")
        return fid_utils if name == "fid_utils" else getattr(fid_utils, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
