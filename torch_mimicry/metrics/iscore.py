"""Inception Score (IS) with the semantics of the improved-GAN reference code.

``p(y|x)`` is the softmax of the Inception logits. The samples are cut into ``splits``
contiguous parts ``preds[i*N//splits : (i+1)*N//splits]``; per part the score is
``exp(mean_x KL(p(y|x) || p(y)))`` with ``p(y)`` the part's mean prediction. IS is the
mean of the part scores, reported with their standard deviation (ddof 0).
"""
import warnings
from typing import Literal, Tuple, Union, overload

import numpy as np

from torch_mimicry.metrics._checks import Features, as_float64_2d

__all__ = ["inception_score_from_logits", "inception_score_from_probs"]


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _split_scores(probs: np.ndarray, log_probs: np.ndarray, splits: int) -> np.ndarray:
    n = probs.shape[0]
    scores = np.empty(splits)
    for i in range(splits):
        lo, hi = i * n // splits, (i + 1) * n // splits
        p, logp = probs[lo:hi], log_probs[lo:hi]
        log_py = np.log(p.mean(axis=0, keepdims=True))
        # p * (log p - log p(y)), with 0 * log 0 taken as 0
        with np.errstate(invalid="ignore", divide="ignore"):
            kl = np.where(p > 0, p * (logp - log_py), 0.0)
        scores[i] = np.exp(kl.sum(axis=1).mean())
    return scores


def _check_splits(n: int, splits: int) -> int:
    splits = int(splits)
    if splits < 1:
        raise ValueError(f"splits must be >= 1; got {splits}.")
    if n < splits:
        raise ValueError(f"Inception Score with {splits} splits needs at least {splits} samples; got {n}. "
                         "Use more samples or fewer splits.")
    return splits


def _warn_if_probabilities(logits: np.ndarray) -> None:
    """Warns when every row is non-negative and sums to 1: softmax outputs passed as logits
    (a second softmax flattens them and the score comes out near 1)."""
    if logits.size and logits.shape[1] > 1 and logits.min() >= 0.0 and logits.max() <= 1.0 \
            and np.allclose(logits.sum(axis=1), 1.0, atol=1e-3):
        warnings.warn("inception_score_from_logits got rows that are probabilities (non-negative, each summing to 1), "
                      "not logits: applying softmax again would give a score near 1. Pass the probabilities to "
                      "inception_score_from_probs instead (or pass the logits, before the softmax).", UserWarning,
                      stacklevel=3)


@overload
def inception_score_from_logits(logits: Features, splits: int = 10,
                                return_splits: Literal[False] = False) -> Tuple[float, float]: ...


@overload
def inception_score_from_logits(logits: Features, splits: int,
                                return_splits: Literal[True]) -> Tuple[float, float, np.ndarray]: ...


@overload
def inception_score_from_logits(logits: Features, *,
                                return_splits: Literal[True]) -> Tuple[float, float, np.ndarray]: ...


@overload
def inception_score_from_logits(logits: Features, splits: int = 10, return_splits: bool = False
                                ) -> Union[Tuple[float, float], Tuple[float, float, np.ndarray]]: ...


def inception_score_from_logits(logits: Features, splits: int = 10, return_splits: bool = False
                                ) -> Union[Tuple[float, float], Tuple[float, float, np.ndarray]]:
    """IS from Inception logits ``[N, C]`` (numpy or torch; float64 inside).

    Returns:
        tuple: ``(mean, std)`` floats in ``[1, C]``, plus the ``[splits]`` per-split scores
        when ``return_splits``.

    Raises:
        ValueError: fewer samples than splits, NaN / inf values, not 2-D.
    """
    logits = as_float64_2d(logits, "logits")
    splits = _check_splits(logits.shape[0], splits)
    _warn_if_probabilities(logits)
    log_probs = _log_softmax(logits)
    scores = _split_scores(np.exp(log_probs), log_probs, splits)
    result = (float(np.mean(scores)), float(np.std(scores)))
    return result + (scores,) if return_splits else result


def inception_score_from_probs(probs: Features, splits: int = 10) -> Tuple[float, float]:
    """IS from class probabilities ``[N, C]`` (rows summing to 1). Returns ``(mean, std)``."""
    probs = as_float64_2d(probs, "probs")
    splits = _check_splits(probs.shape[0], splits)
    if np.any(probs < 0):
        raise ValueError("probs holds negative values; pass softmax outputs (or use inception_score_from_logits).")
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)
    scores = _split_scores(probs, log_probs, splits)
    return float(np.mean(scores)), float(np.std(scores))
