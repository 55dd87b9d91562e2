"""Calls of the annotated metrics API that the type check must refuse (``make typecheck``).

Each line carries ``# type: ignore[<error code>]``; with ``warn_unused_ignores`` a line that
mypy stops refusing makes the check fail. This file is only type-checked, never run."""
import pathlib

import numpy as np
import torch

from torch_mimicry import metrics
from torch_mimicry.metrics import records
from torch_mimicry.metrics.inception import InceptionV3TF
from torch_mimicry.metrics.inception.features import inception_features
from torch_mimicry.nets.gan import BaseGenerator


def calls(netG: BaseGenerator, feat: np.ndarray, images: torch.Tensor, log_dir: pathlib.Path) -> None:
    metrics.fid_from_features(feat, [[0.0, 1.0]])  # type: ignore[arg-type]
    metrics.kid_from_features(feat, feat, num_subsets="10")  # type: ignore[call-overload]
    metrics.inception_score_from_logits(feat, splits=2.5)  # type: ignore[call-overload]
    mean, std = metrics.inception_score_from_logits(feat, return_splits=True)  # type: ignore[misc]
    metrics.evaluate("fid", netG, log_dir, evaluate_step="1000")  # type: ignore[arg-type]
    metrics.evaluate("fid", netG, 42)  # type: ignore[arg-type]
    metrics.evaluate("fid", "netG", log_dir)  # type: ignore[arg-type]
    metrics.score_images(images, num_samples="all")  # type: ignore[arg-type]
    inception_features(images, device=0)  # type: ignore[arg-type]
    InceptionV3TF({"fc.weight": feat})  # type: ignore[dict-item]
    records.make_record("fid", "10", {}, {0: 1.0})  # type: ignore[arg-type]
    fid: str = metrics.fid_from_features(feat, feat)  # type: ignore[assignment]
    kid_std: float = metrics.score_generator("fid", netG)[1]  # type: ignore[assignment]
    assert mean and std and fid and kid_std
