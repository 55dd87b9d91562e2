"""Calls of the annotated metrics API that the type check must accept (``make typecheck``).

This file is only type-checked, never run."""
import pathlib
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

from torch_mimicry import metrics
from torch_mimicry.metrics import distributed, records
from torch_mimicry.metrics.evaluation import available_steps, batch_seed, generated_features
from torch_mimicry.metrics.fid import feature_statistics, trace_sqrt_product
from torch_mimicry.metrics.features import to_uint8
from torch_mimicry.metrics.inception import InceptionV3TF, canonical_keys, load_inception_weights, weights_hash
from torch_mimicry.metrics.inception.features import images_to_uint8, inception_features
from torch_mimicry.metrics.kid import draw_subsets, polynomial_mmd_subsets
from torch_mimicry.metrics.real_stats import dataset_identity, real_indices, resolve_dataset
from torch_mimicry.nets.gan import BaseGenerator


def formulas(feat: np.ndarray, logits: torch.Tensor) -> None:
    fid: float = metrics.fid_from_features(feat, torch.from_numpy(feat))
    mu, sigma = feature_statistics(feat)
    assert fid + metrics.fid_from_stats(mu, sigma, mu, sigma, eps=1e-6) + trace_sqrt_product(sigma, sigma) >= 0
    kid_mean, kid_std = metrics.kid_from_features(feat, feat, num_subsets=10, subset_size=None, device="cpu")
    _, _, per_subset = metrics.kid_from_features(feat, feat, 10, 50, return_subsets=True)
    is_mean, is_std = metrics.inception_score_from_logits(logits, splits=10)
    _, _, per_split = metrics.inception_score_from_logits(logits, 5, True)
    probs: Tuple[float, float] = metrics.inception_score_from_probs(logits.softmax(1))
    idx_real, idx_fake = draw_subsets(100, 100, num_subsets=4, subset_size=10, seed=0)
    mmd: np.ndarray = polynomial_mmd_subsets(feat, feat, idx_real, idx_fake, method="gram")
    assert kid_mean + kid_std + is_mean + is_std + sum(probs) and per_subset.shape and per_split.shape and mmd.size


def generators(netG: BaseGenerator, images: torch.Tensor, log_dir: pathlib.Path) -> None:
    fid, no_std = metrics.score_generator("fid", netG, seed=0, device="cpu", dataset="cifar10", num_samples=100)
    kid: Tuple[float, float] = metrics.score_generator("kid", netG, num_samples=100)
    pr = metrics.score_generator("precision_recall", netG, device=torch.device("cpu"), num_samples=100)
    swd: Dict[str, float] = metrics.score_generator("swd", netG, num_samples=100)
    assert no_std is None and fid + kid[0] + pr.precision + swd["avg"] >= 0
    scores: Dict[int, List[float]] = metrics.evaluate("fid", netG, log_dir, evaluate_range=(0, 100, 10), num_runs=1,
                                                      num_samples=100)
    by_step = metrics.evaluate("kid", netG, str(log_dir), evaluate_step=[10, 20], use_ema=False, num_samples=100)
    is_mean, is_std = metrics.score_images(images, num_samples=None, splits=10, resize="clean")
    pool3, logits = generated_features(netG, 100, seed=1, batch_size=50, weights=None)
    steps: List[int] = available_steps(log_dir, name="netG_ema")
    assert scores and by_step and is_mean + is_std and pool3.shape == logits.shape and steps
    assert batch_seed(0, 1) >= 0


def inception(images: torch.Tensor, weights_file: pathlib.Path) -> None:
    pool3, logits = inception_features(images, weights=weights_file, backend="torch", batch_size=50, device=None,
                                       dtype=torch.float64, resize="tf1")
    pool3, logits = inception_features([images, images.numpy()], weights=str(weights_file))
    sd, digest = load_inception_weights(weights_file)
    net = InceptionV3TF(sd, dtype=torch.float32)
    out: Tuple[torch.Tensor, torch.Tensor] = net(images)
    assert weights_hash(sd) == digest and len(canonical_keys()) and out and pool3.shape == logits.shape
    u8: torch.Tensor = images_to_uint8(images) if images.ndim == 4 else to_uint8(images, what="the batch")
    assert u8.dtype == torch.uint8
    features = metrics.inception_features(images, weights=weights_file, device="cpu")
    assert features[0].shape


def bookkeeping(log_dir: pathlib.Path, dataset: torch.utils.data.TensorDataset) -> None:
    path: str = records.records_path(log_dir, "fid")
    record = records.make_record("fid", 10, {"metric": "fid"}, {0: 31.2, 1: 30.9})
    records.save_record(path, record)
    found: Optional[records.Record] = records.find_record(records.load_records(path), 10, {"metric": "fid"})
    rank, world = distributed.rank_and_world_size()
    shards: List[Tuple[int, int]] = distributed.shard_batches(100, 50, rank, world)
    ds = resolve_dataset(dataset)
    identity = dataset_identity(ds, ds, split="train")
    indices: np.ndarray = real_indices(len(ds), 10, real_seed=0)
    assert found is not None and shards and identity["name"] and indices.size
