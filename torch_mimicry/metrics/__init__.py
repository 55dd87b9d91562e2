"""GAN metrics: Inception Score, FID, KID, precision / recall, density / coverage and SWD,
from features or from generator checkpoints.

Formulas (numpy / torch features in, floats out, float64 inside):
:func:`fid_from_features`, :func:`fid_from_stats`, :func:`feature_statistics`,
:func:`kid_from_features`, :func:`inception_score_from_logits`,
:func:`precision_recall_from_features`, :func:`density_coverage_from_features`,
:func:`swd_from_images`; reference statistics files: :func:`load_reference_stats`,
:func:`save_reference_stats`, :func:`fid_from_reference`.
Generators: :func:`evaluate` (checkpoints x seeds, JSON records), :func:`fid_score`,
:func:`kid_score`, :func:`inception_score`. The Inception network is imported on first use.
"""
from torch_mimicry.metrics.fid import feature_statistics, fid_from_features, fid_from_stats, fid_score
from torch_mimicry.metrics.kid import kid_from_features, kid_score
from torch_mimicry.metrics.iscore import inception_score, inception_score_from_logits, inception_score_from_probs
from torch_mimicry.metrics.evaluation import METRICS, available_steps, evaluate, score_generator, score_images
from torch_mimicry.metrics.prdc import (DensityCoverage, PrecisionRecall, density_coverage_from_features,
                                        precision_recall_from_features)
from torch_mimicry.metrics.reference_stats import fid_from_reference, load_reference_stats, save_reference_stats
from torch_mimicry.metrics.swd import swd_from_images

__all__ = [
    "METRICS", "available_steps", "evaluate", "feature_statistics", "fid_from_features", "fid_from_stats",
    "fid_score", "inception_score", "inception_score_from_logits", "inception_score_from_probs",
    "kid_from_features", "kid_score", "score_generator", "score_images",
    "PrecisionRecall", "DensityCoverage", "precision_recall_from_features", "density_coverage_from_features",
    "load_reference_stats", "save_reference_stats", "fid_from_reference", "swd_from_images",
]
