"""GAN metrics: Inception Score, FID and KID, from features or from generator checkpoints.

Formulas (numpy / torch features in, floats out, float64 inside):
:func:`fid_from_features`, :func:`fid_from_stats`, :func:`feature_statistics`,
:func:`kid_from_features`, :func:`inception_score_from_logits`.
Generators: :func:`evaluate` (checkpoints x seeds, JSON records), :func:`fid_score`,
:func:`kid_score`, :func:`inception_score`. The Inception network is imported on first use.
"""
from torch_mimicry.metrics.fid import feature_statistics, fid_from_features, fid_from_stats, fid_score
from torch_mimicry.metrics.kid import kid_from_features, kid_score
from torch_mimicry.metrics.iscore import inception_score, inception_score_from_logits, inception_score_from_probs
from torch_mimicry.metrics.evaluation import METRICS, available_steps, evaluate, score_generator, score_images

__all__ = [
    "METRICS", "available_steps", "evaluate", "feature_statistics", "fid_from_features", "fid_from_stats",
    "fid_score", "inception_score", "inception_score_from_logits", "inception_score_from_probs",
    "kid_from_features", "kid_score", "score_generator", "score_images",
]
