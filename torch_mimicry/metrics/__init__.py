"""GAN metrics: Inception Score, FID, KID, precision / recall, density / coverage and SWD,
from features or from generator checkpoints.

Formulas (numpy / torch features in, floats out, float64 inside), pure functions in
``metrics.fid``, ``metrics.kid``, ``metrics.iscore``, ``metrics.prdc`` and ``metrics.swd``:
:func:`fid_from_features`, :func:`fid_from_stats`, :func:`feature_statistics`,
:func:`kid_from_features`, :func:`inception_score_from_logits`,
:func:`precision_recall_from_features`, :func:`density_coverage_from_features`,
:func:`swd_from_images`; reference statistics files: :func:`load_reference_stats`,
:func:`save_reference_stats`, :func:`fid_from_reference`.
Features: :func:`inception_features` (the 2015 Inception network, imported on first use);
``metrics.digits``: the digit classifier shipped with the package and its scores for the
``digits`` dataset (no download).
Generators: :func:`evaluate` (checkpoints x seeds, JSON records), :func:`score_generator`.

The functions and module paths of torch-mimicry 0.1.16 keep working: :func:`fid_score`,
:func:`kid_score`, :func:`inception_score` (``metrics.compute_fid``, ``compute_kid``,
``compute_is``), ``compute_metrics.evaluate``, ``fid.fid_utils``, ``kid.kid_utils``,
``inception_model.inception_utils`` and ``inception_score.inception_score_utils``.
"""
from torch_mimicry.metrics import fid, kid
# The package torch_mimicry.metrics.inception_score (0.1.16's helpers) is imported before the
# function of the same name is bound below, so ``metrics.inception_score`` is the function while
# ``from torch_mimicry.metrics.inception_score import inception_score_utils`` finds the package.
from torch_mimicry.metrics import inception_model, inception_score as _inception_score_package  # noqa: F401
from torch_mimicry.metrics.fid import feature_statistics, fid_from_features, fid_from_stats
from torch_mimicry.metrics.kid import kid_from_features
from torch_mimicry.metrics.iscore import inception_score_from_logits, inception_score_from_probs
from torch_mimicry.metrics.features import inception_features
from torch_mimicry.metrics.evaluation import METRICS, available_steps, evaluate, score_generator, score_images
from torch_mimicry.metrics.prdc import (DensityCoverage, PrecisionRecall, density_coverage_from_features,
                                        precision_recall_from_features)
from torch_mimicry.metrics.reference_stats import fid_from_reference, load_reference_stats, save_reference_stats
from torch_mimicry.metrics.swd import swd_from_images
from torch_mimicry.metrics import digits  # noqa: F401  (the digit classifier's score)
from torch_mimicry.metrics import compute_fid, compute_is, compute_kid, compute_metrics
from torch_mimicry.metrics.compute_fid import (compute_gen_dist_stats, compute_real_dist_stats, fid_score,
                                               get_dataset_images)
from torch_mimicry.metrics.compute_kid import compute_gen_dist_feat, compute_real_dist_feat, kid_score
from torch_mimicry.metrics.compute_is import inception_score

# ``import torch_mimicry.metrics.inception_score.inception_score_utils as m`` looks the submodule
# up as an attribute of what ``metrics.inception_score`` names: the function.
setattr(inception_score, "inception_score_utils", _inception_score_package.inception_score_utils)

__all__ = [
    "METRICS", "available_steps", "evaluate", "feature_statistics", "fid_from_features", "fid_from_stats",
    "fid_score", "inception_features", "inception_score", "inception_score_from_logits",
    "inception_score_from_probs", "kid_from_features", "kid_score", "score_generator", "score_images",
    "PrecisionRecall", "DensityCoverage", "precision_recall_from_features", "density_coverage_from_features",
    "load_reference_stats", "save_reference_stats", "fid_from_reference", "swd_from_images",
]
