"""Scoring generators and their checkpoints: :func:`evaluate`, :func:`score_generator`.

Generated images: image batch ``b`` (``batch_size`` images, the last batch possibly
smaller) is generated right after ``torch.manual_seed(batch_seed(seed, b))`` inside a
forked RNG state (the caller's RNG state is left untouched), with the generator in eval
mode under ``torch.no_grad()``; its previous mode is restored afterwards. Images in
[-1, 1] become uint8 ``round((x + 1) * 127.5)`` before the feature extractor. Seeding each
batch makes the images independent of how batches are split across processes.
"""
import contextlib
import os
import re
import time

import numpy as np
import torch

from torch_mimicry.metrics import distributed, features, records
from torch_mimicry.metrics.fid import fid_from_features
from torch_mimicry.metrics.iscore import inception_score_from_logits
from torch_mimicry.metrics.kid import kid_from_features
from torch_mimicry.metrics.real_stats import dataset_identity, real_features, resolve_dataset

__all__ = ["METRICS", "evaluate", "score_generator", "score_images", "generated_features", "batch_seed",
           "available_steps"]

#: Metric names accepted by :func:`evaluate`.
METRICS = ("fid", "kid", "inception_score")

_NAMES = {"fid": "FID", "kid": "KID", "inception_score": "Inception Score"}

_KNOWN_KWARGS = {
    "num_samples", "num_real_samples", "num_fake_samples", "dataset", "dataset_root", "root", "split",
    "dataset_kwargs", "dataset_key", "batch_size", "splits", "num_subsets", "subset_size", "weights", "backend",
    "real_seed", "cache_dir", "feat_file", "stats_file", "verbose", "log_dir", "kid_method", "print_every",
}


def batch_seed(seed, batch_index):
    """Seed of generated batch ``batch_index`` for run seed ``seed`` (a 63-bit int)."""
    return (int(seed) * 1_000_003 + int(batch_index) * 7_919 + 12_345) % (2**63 - 1)


@contextlib.contextmanager
def _eval_mode(netG):
    was_training = netG.training
    netG.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        netG.train(was_training)


def _fork_devices(device):
    device = torch.device(device) if device is not None else None
    if device is not None and device.type == "cuda":
        return [device.index if device.index is not None else torch.cuda.current_device()]
    return []


def generated_features(netG, num_images, seed=0, batch_size=50, device=None, weights=None, backend="torch"):
    """Features of ``num_images`` images of ``netG`` (see the module docstring for the seeding).

    Returns:
        tuple: ``(pool3 [N, D1], logits [N, D2])`` float64 CPU tensors (on every rank when
        distributed).
    """
    if device is None:
        device = getattr(netG, "device", None)

    def make_batch(start, stop):
        with torch.random.fork_rng(devices=_fork_devices(device)):
            torch.manual_seed(batch_seed(seed, start // batch_size))
            images = netG.generate_images(num_images=stop - start, device=device)
        return features.to_uint8(images)

    with _eval_mode(netG):
        return distributed.extract_batches(
            num_images, batch_size, make_batch,
            lambda batches: features.extract(batches, weights=weights, backend=backend, batch_size=batch_size,
                                             device=device))


def _log(msg, verbose):
    if verbose and distributed.rank_and_world_size()[0] == 0:
        print(f"INFO: {msg}", flush=True)


class _Job:
    """A validated metric request: everything but the generator weights and the seed."""

    def __init__(self, metric, kwargs):
        kwargs = dict(kwargs)
        if metric not in METRICS:
            raise ValueError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
        unknown = set(kwargs) - _KNOWN_KWARGS
        if unknown:
            raise TypeError(f"Unexpected arguments for {metric}: {', '.join(sorted(unknown))}. "
                            f"Accepted: {', '.join(sorted(_KNOWN_KWARGS))}.")
        self.metric = metric
        self.batch_size = int(kwargs.get("batch_size", 50))
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1; got {self.batch_size}.")
        self.weights = kwargs.get("weights")
        self.backend = kwargs.get("backend", "torch")
        self.verbose = bool(kwargs.get("verbose", True))
        self.real_seed = int(kwargs.get("real_seed", 0))
        self.cache_dir = kwargs.get("cache_dir")
        self.feat_file = kwargs.get("feat_file", kwargs.get("stats_file"))
        self.kid_method = kwargs.get("kid_method", "auto")
        self.dataset = kwargs.get("dataset")
        self.split = kwargs.get("split")
        root = kwargs.get("dataset_root", kwargs.get("root"))
        self.num_real = self.num_fake = None
        self.splits = self.num_subsets = self.subset_size = None

        def count(name):
            if kwargs.get(name) is None:
                raise ValueError(f"{name} must be given for {_NAMES[metric]}.")
            value = int(kwargs[name])
            if value < 1:
                raise ValueError(f"{name} must be positive; got {value}.")
            return value

        if metric == "fid":
            for name in ("num_real_samples", "num_fake_samples"):  # num_samples: both counts
                if kwargs.get(name) is None and kwargs.get("num_samples") is not None:
                    kwargs[name] = kwargs["num_samples"]
            self.num_real = count("num_real_samples")
            self.num_fake = count("num_fake_samples")
            for name, n in (("num_real_samples", self.num_real), ("num_fake_samples", self.num_fake)):
                if n < 2:
                    raise ValueError(f"FID needs at least 2 samples per set; {name}={n}.")
        elif metric == "kid":
            self.num_real = self.num_fake = count("num_samples")
            self.num_subsets = int(kwargs.get("num_subsets", 10))
            if self.num_subsets < 1:
                raise ValueError(f"num_subsets must be >= 1; got {self.num_subsets}.")
            sub = kwargs.get("subset_size")
            self.subset_size = int(sub) if sub is not None else self.num_real // self.num_subsets
            if self.subset_size < 2 or self.subset_size > self.num_real:
                raise ValueError(
                    f"KID subsets of {self.subset_size} samples do not fit num_samples={self.num_real} "
                    f"(need 2 <= subset_size <= num_samples; the default subset_size is num_samples // num_subsets). "
                    "Use more samples, fewer subsets or another subset_size.")
        else:
            self.num_fake = count("num_samples")
            self.splits = int(kwargs.get("splits", 10))
            if self.splits < 1 or self.num_fake < self.splits:
                raise ValueError(f"Inception Score with splits={self.splits} needs num_samples >= splits "
                                 f"(and splits >= 1); got num_samples={self.num_fake}.")
        self.ds = None
        self.identity = None
        if metric in ("fid", "kid"):
            if self.dataset is None:
                raise ValueError(f"{_NAMES[metric]} needs real images: pass dataset= (a name for "
                                 "torch_mimicry.datasets.load_dataset with dataset_root=, or a Dataset).")
            self.ds = resolve_dataset(self.dataset, root, self.split, kwargs.get("dataset_kwargs"))
            if self.num_real > len(self.ds):
                raise ValueError(f"{self.num_real} real samples requested but the dataset has only {len(self.ds)} "
                                 "images; use fewer samples or a larger split.")
            self.identity = dataset_identity(self.dataset, self.ds, self.split, kwargs.get("dataset_key"),
                                             kwargs.get("dataset_kwargs"))
        self.weights_id = features.weights_hash(self.weights)
        self._real = None

    def protocol(self):
        """Everything that determines a score besides the generator weights and the seed."""
        p = {"metric": self.metric, "num_fake_samples": self.num_fake, "batch_size": self.batch_size,
             "weights_hash": self.weights_id, "backend": self.backend, "image_format": "uint8",
             "fake_sampling": "per-batch-seed-v1"}
        if self.metric == "inception_score":
            p["splits"] = self.splits
        else:
            p.update(num_real_samples=self.num_real, real_seed=self.real_seed, dataset=self.identity)
        if self.metric == "kid":
            p.update(num_subsets=self.num_subsets, subset_size=self.subset_size, kernel="cubic-polynomial",
                     subset_seed="run-seed")
        return p

    def describe(self):
        """One line naming the protocol's sample counts, backend and weights (hash prefix)."""
        counts = (f"{self.num_fake} samples, {self.splits} splits" if self.metric == "inception_score" else
                  f"{self.num_real} real / {self.num_fake} fake samples")
        if self.metric == "kid":
            counts += f", {self.num_subsets} subsets of {self.subset_size}"
        return f"{counts}, backend {self.backend}, Inception weights {self.weights_id[:12]}"

    def real(self, device):
        if self._real is None:
            self._real = real_features(self.ds, self.identity, self.num_real, real_seed=self.real_seed,
                                       weights_id=self.weights_id, weights=self.weights, backend=self.backend,
                                       batch_size=self.batch_size, device=device, cache_dir=self.cache_dir,
                                       feat_file=self.feat_file, verbose=self.verbose)
        return self._real

    def score(self, netG, seed, device):
        """``(score, std)`` for one seed: FID (std None), KID mean/std over subsets, IS mean/std over splits."""
        pool3, logits = generated_features(netG, self.num_fake, seed=seed, batch_size=self.batch_size,
                                           device=device, weights=self.weights, backend=self.backend)
        if self.metric == "inception_score":
            return inception_score_from_logits(logits, splits=self.splits)
        real = self.real(device)
        if self.metric == "fid":
            return fid_from_features(real, pool3), None
        on_gpu = device is not None and torch.device(device).type == "cuda"
        return kid_from_features(real, pool3, num_subsets=self.num_subsets, subset_size=self.subset_size,
                                 seed=seed, method=self.kid_method, device=device if on_gpu else None)


def score_generator(metric, netG, seed=0, device=None, **kwargs):
    """One score of ``netG`` as it is (no checkpoint loading, no records).

    Returns:
        tuple: ``(fid, None)`` for FID, ``(mean, std)`` over subsets (KID) or splits (IS).
    """
    start = time.time()
    job = _Job(metric, kwargs)
    result = job.score(netG, seed, device)
    _log(f"{_NAMES[metric]}: {result[0]:.6g}" + (f" ± {result[1]:.4g}" if result[1] is not None else "")
         + f" [seed {seed}, {time.time() - start:.1f} s]", job.verbose)
    return result


def score_images(images, num_samples=None, device=None, batch_size=50, splits=10, weights=None, backend="torch"):
    """Inception Score ``(mean, std)`` of given images.

    Args:
        images: uint8 ``[N, 3, H, W]`` tensor in [0, 255], float tensor in [-1, 1], or an
            iterable of such batches; the first ``num_samples`` are used (default all).
    """
    if isinstance(images, torch.Tensor):
        if num_samples is not None:
            images = images[:num_samples]
        batches = (features.to_uint8(images[i:i + batch_size]) for i in range(0, images.shape[0], batch_size))
    else:
        batches = (features.to_uint8(b) for b in images)
    _, logits = features.extract(batches, weights=weights, backend=backend, batch_size=batch_size, device=device)
    if num_samples is not None:
        if logits.shape[0] < num_samples:
            raise ValueError(f"num_samples={num_samples} but only {logits.shape[0]} images were given.")
        logits = logits[:num_samples]
    return inception_score_from_logits(logits, splits=splits)


_CKPT_RE = re.compile(r"^netG_(\d+)_steps\.pth$")


#: Checkpoint folder of the EMA generator written by ``Trainer(ema_decay=...)``.
EMA_NAME = "netG_ema"


def available_steps(log_dir, name="netG"):
    """Sorted steps of the checkpoints ``<log_dir>/checkpoints/<name>/<name>_<step>_steps.pth``
    (``name`` ``'netG'`` or ``'netG_ema'``)."""
    ckpt_dir = os.path.join(os.fspath(log_dir), "checkpoints", name)
    if not os.path.isdir(ckpt_dir):
        return []
    pattern = _CKPT_RE if name == "netG" else re.compile(rf"^{re.escape(name)}_(\d+)_steps\.pth$")
    return sorted(int(m.group(1)) for m in map(pattern.match, os.listdir(ckpt_dir)) if m)


def _requested_steps(log_dir, evaluate_range, evaluate_step, name="netG"):
    found = available_steps(log_dir, name)
    if evaluate_range is not None and evaluate_step is not None:
        raise ValueError("Give only one of evaluate_step and evaluate_range.")
    if evaluate_range is not None:
        if (not isinstance(evaluate_range, (tuple, list)) or len(evaluate_range) != 3
                or not all(isinstance(v, (int, np.integer)) for v in evaluate_range) or evaluate_range[2] <= 0):
            raise ValueError(f"evaluate_range must be (start, end, interval) ints with interval > 0 (end "
                             f"included); got {evaluate_range!r}.")
        start, end, interval = (int(v) for v in evaluate_range)
        steps = list(range(start, end + 1, interval))
    elif evaluate_step is not None:
        steps = [int(s) for s in (evaluate_step if isinstance(evaluate_step, (list, tuple)) else [evaluate_step])]
    else:
        steps = found
        if not steps:
            raise FileNotFoundError(f"No generator checkpoints ({name}_<step>_steps.pth) in "
                                    f"{os.path.join(os.fspath(log_dir), 'checkpoints', name)!r}.")
    missing = [s for s in steps if s not in found]
    if missing:
        raise FileNotFoundError(
            f"No generator checkpoint for step(s) {missing} in "
            f"{os.path.join(os.fspath(log_dir), 'checkpoints', name)!r}; available steps: {found or 'none'}.")
    return steps


def evaluate(metric, netG, log_dir, evaluate_range=None, evaluate_step=None, num_runs=3, start_seed=0,
             overwrite=False, write_to_json=True, device=None, use_ema=None, **kwargs):
    """Scores generator checkpoints over several seeds, recording the results.

    Args:
        metric (str): ``'fid'``, ``'kid'`` or ``'inception_score'``.
        netG (Module): a generator of the checkpoints' architecture.
        log_dir (str): training log folder with ``checkpoints/netG/netG_<step>_steps.pth``.
        evaluate_range (tuple): ``(start, end, interval)``, end included.
        evaluate_step (int or list): step(s) to score. Neither: every checkpoint found.
        num_runs (int): seeds ``start_seed .. start_seed + num_runs - 1`` per step.
        overwrite (bool): recompute even when a record with the same protocol exists.
        write_to_json (bool): read and write ``<log_dir>/metrics/<metric>.json``.
        device: device of the generator and of the feature extractor (default: netG's).
        use_ema (bool): score the EMA generator's checkpoints (``checkpoints/netG_ema/``, written
            by ``Trainer(ema_decay=...)``) instead of the generator's. Default: the EMA ones when
            the run has them. The choice is recorded in the protocol (``generator: 'ema'``).
        **kwargs: per metric

            - FID: ``num_real_samples``, ``num_fake_samples`` (required; ``num_samples``
              sets both), ``dataset``.
            - KID: ``num_samples`` (required; real = fake count), ``dataset``,
              ``num_subsets=10``, ``subset_size=num_samples // num_subsets``.
            - IS: ``num_samples`` (required), ``splits=10``.
            - all: ``batch_size=50``, ``weights`` (Inception weights file, default the
              cached / downloaded ones), ``backend='torch'``, ``verbose=True``.
            - real images: ``dataset`` (name for ``load_dataset`` or a Dataset),
              ``dataset_root`` (or ``root``; default ``./datasets``), ``split``, ``dataset_kwargs``, ``dataset_key``
              (names a custom Dataset in caches and records), ``real_seed=0`` (which real
              images are drawn), ``cache_dir`` (feature cache, default
              ``$MIMICRY_HOME/features``), ``feat_file`` / ``stats_file`` (explicit cache file).

    Returns:
        dict: ``{step: [score for each seed]}`` (FID value, KID mean over subsets, IS mean
        over splits), steps in the order evaluated.

    Raises:
        ValueError: unknown metric, missing or inconsistent arguments, too few samples.
        FileNotFoundError: a requested checkpoint is missing (checked for all steps first).
    """
    kwargs.pop("log_dir", None)
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    if use_ema is None:
        use_ema = bool(available_steps(log_dir, EMA_NAME))
    elif use_ema and not available_steps(log_dir, EMA_NAME):
        raise FileNotFoundError(f"use_ema=True but {os.path.join(os.fspath(log_dir), 'checkpoints', EMA_NAME)!r} "
                                "holds no EMA generator checkpoints (train with Trainer(ema_decay=...)).")
    ckpt_name = EMA_NAME if use_ema else "netG"
    steps = _requested_steps(log_dir, evaluate_range, evaluate_step, ckpt_name)
    job = _Job(metric, kwargs)
    num_runs = int(num_runs)
    if num_runs < 1:
        raise ValueError(f"num_runs must be >= 1; got {num_runs}.")
    seeds = list(range(int(start_seed), int(start_seed) + num_runs))
    protocol = job.protocol()
    if use_ema:
        protocol["generator"] = "ema"
    path = records.records_path(log_dir, metric)
    rank, _ = distributed.rank_and_world_size()
    recs = distributed.broadcast_object(records.load_records(path) if write_to_json and rank == 0 else [])
    ckpt_dir = os.path.join(os.fspath(log_dir), "checkpoints", ckpt_name)
    name = _NAMES[metric]
    results = {}
    for step in steps:
        rec = records.find_record(recs, step, protocol)
        stored = {} if rec is None or overwrite else {int(s): v for s, v in rec["scores"].items()}
        todo = [s for s in seeds if s not in stored]
        if not todo:
            _log(f"{name} at step {step} served from {path}.", job.verbose)
        else:
            netG.restore_checkpoint(os.path.join(ckpt_dir, f"{ckpt_name}_{step}_steps.pth"), optimizer=None)
            for seed in todo:
                start = time.time()
                stored[seed] = float(job.score(netG, seed, device)[0])
                _log(f"{name} (step {step}) [seed {seed}]: {stored[seed]:.6g} ({time.time() - start:.1f} s)",
                     job.verbose)
            if write_to_json and rank == 0:
                merged = {} if rec is None or overwrite else {int(s): v for s, v in rec["scores"].items()}
                merged.update(stored)
                new = records.make_record(metric, step, protocol, merged)
                records.save_record(path, new)
                recs = [r for r in recs if r is not rec] + [new]
        results[step] = [stored[s] for s in seeds]
        _log(f"{name} (step {step}{', EMA generator' if use_ema else ''}): {np.mean(results[step]):.6g} ± "
             f"{np.std(results[step]):.4g} over seeds {seeds} [{job.describe()}]", job.verbose)
    return results
