"""Scoring generators and their checkpoints: :func:`evaluate`, :func:`score_generator`.

Generated images: image batch ``b`` (``batch_size`` images, the last batch possibly
smaller) is generated right after ``torch.manual_seed(batch_seed(seed, b))`` inside a
forked RNG state (the caller's RNG state is left untouched), with the generator in eval
mode under ``torch.no_grad()``; its previous mode is restored afterwards. Images in
[-1, 1] become uint8 ``round((x + 1) * 127.5)`` before the feature extractor. Seeding each
batch makes the images independent of how batches are split across processes.

Metrics (:data:`METRICS`): ``fid``, ``kid``, ``inception_score``, ``precision_recall`` and
``density_coverage`` (Inception pool3 features, real ones cached), and ``swd`` (image
pyramids, no network). The real side is a dataset (``dataset=``) or, for the feature
metrics, a reference statistics file (``real_stats=``).
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
from torch_mimicry.metrics.prdc import DensityCoverage, ManifoldScorer, PrecisionRecall
from torch_mimicry.metrics.real_stats import dataset_identity, real_features, real_indices, resolve_dataset
from torch_mimicry.metrics.reference_stats import fid_from_reference, load_reference_stats
from torch_mimicry.metrics import swd as swd_lib

__all__ = ["METRICS", "evaluate", "score_generator", "score_images", "generated_features", "batch_seed",
           "available_steps"]

#: Metric names accepted by :func:`evaluate`.
METRICS = ("fid", "kid", "inception_score", "precision_recall", "density_coverage", "swd")

_NAMES = {"fid": "FID", "kid": "KID", "inception_score": "Inception Score", "precision_recall": "Precision/Recall",
          "density_coverage": "Density/Coverage", "swd": "SWD x1e3"}

#: Metrics computed from two sets of Inception pool3 features, and their default k (k-NN metrics).
_FEATURE_PAIR_METRICS = ("fid", "kid", "precision_recall", "density_coverage")
_DEFAULT_K = {"precision_recall": 3, "density_coverage": 5}

_KNOWN_KWARGS = {
    "num_samples", "num_real_samples", "num_fake_samples", "dataset", "dataset_root", "root", "split",
    "dataset_kwargs", "dataset_key", "batch_size", "splits", "num_subsets", "subset_size", "weights", "backend",
    "real_seed", "cache_dir", "feat_file", "stats_file", "verbose", "log_dir", "kid_method", "print_every",
    "real_stats", "resize", "k",
} | set(swd_lib.SWD_DEFAULTS)


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


def _fake_batch_maker(netG, seed, batch_size, device):
    """``make_batch(start, stop)``: uint8 images ``start .. stop - 1`` of the run with ``seed``."""
    def make_batch(start, stop):
        with torch.random.fork_rng(devices=_fork_devices(device)):
            torch.manual_seed(batch_seed(seed, start // batch_size))
            images = netG.generate_images(num_images=stop - start, device=device)
        return features.to_uint8(images)
    return make_batch


def generated_features(netG, num_images, seed=0, batch_size=50, device=None, weights=None, backend="torch",
                       resize="tf1"):
    """Features of ``num_images`` images of ``netG`` (see the module docstring for the seeding).

    Returns:
        tuple: ``(pool3 [N, D1], logits [N, D2])`` float64 CPU tensors (on every rank when
        distributed).
    """
    if device is None:
        device = getattr(netG, "device", None)
    with _eval_mode(netG):
        return distributed.extract_batches(
            num_images, batch_size, _fake_batch_maker(netG, seed, batch_size, device),
            lambda batches: features.extract_with(batches, resize=resize, weights=weights, backend=backend,
                                                  batch_size=batch_size, device=device),
            desc=f"generated features (seed {seed})")


def _swd_levels(make_batch, num_images, batch_size, seed, settings):
    """SWD descriptors ``[level][num_images * nhoods, 3, k, k]`` of images from ``make_batch``
    (neighbourhood positions of batch ``b`` drawn with ``batch_seed(seed, b)``)."""
    kw = {k: settings[k] for k in ("nhood_size", "nhoods_per_image", "min_resolution")}

    def describe(start, stop):
        gen = torch.Generator().manual_seed(batch_seed(seed, start // batch_size))
        levels = swd_lib.swd_descriptors(make_batch(start, stop), generator=gen, **kw)
        return torch.cat([level.reshape(stop - start, -1) for level in levels], 1)  # one row per image

    def gather(batches):
        rows = torch.cat(list(batches))
        return rows, rows.new_zeros(rows.shape[0], 0)

    rows, _ = distributed.extract_batches(num_images, batch_size, describe, gather, desc="SWD descriptors")
    rows = rows.to(torch.float32)
    k = settings["nhood_size"]
    per_level = settings["nhoods_per_image"] * 3 * k * k
    return [rows[:, c:c + per_level].reshape(-1, 3, k, k) for c in range(0, rows.shape[1], per_level)]


def _check_resize(resize):
    from torch_mimicry.metrics.inception.resize import check_resize  # imports the network package: on use only
    return check_resize(resize)


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
        self.resize = _check_resize(kwargs.get("resize", "tf1"))
        self.k = None
        if metric in _DEFAULT_K:
            self.k = kwargs.get("k", _DEFAULT_K[metric])
            if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 1:
                raise ValueError(f"k must be a positive int (nearest neighbours); got {self.k!r}.")
            self.k = int(self.k)
        elif kwargs.get("k") is not None:
            raise TypeError(f"k applies to precision_recall and density_coverage, not {metric}.")
        self.swd = None
        if metric == "swd":
            self.swd = {n: int(kwargs.get(n, d)) for n, d in swd_lib.SWD_DEFAULTS.items()}
        elif any(n in kwargs for n in swd_lib.SWD_DEFAULTS):
            raise TypeError(f"{', '.join(n for n in swd_lib.SWD_DEFAULTS if n in kwargs)} apply to swd only.")
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
        self.reference = None
        if kwargs.get("real_stats") is not None:
            if metric not in _FEATURE_PAIR_METRICS:
                raise ValueError(f"real_stats= applies to {', '.join(_FEATURE_PAIR_METRICS)}; {_NAMES[metric]} "
                                 "does not compare with real features.")
            if self.dataset is not None:
                raise ValueError("Give either dataset= (real images) or real_stats= (a statistics file), not both.")
            self.reference = load_reference_stats(kwargs["real_stats"], expected_dim=features.FEATURE_DIM)
            if metric != "fid" and self.reference.features is None:
                raise ValueError(f"{_NAMES[metric]} needs the real features themselves, but {self.reference.path} "
                                 f"holds only their mean and covariance ({self.reference.format} format). Pass "
                                 "dataset=, or a file written by `mimicry stats --keep-features` or the feature cache.")

        def count(name):
            if kwargs.get(name) is None:
                raise ValueError(f"{name} must be given for {_NAMES[metric]}.")
            value = int(kwargs[name])
            if value < 1:
                raise ValueError(f"{name} must be positive; got {value}.")
            return value

        if self.reference is not None and metric != "kid":
            # The file fixes the real side; num_samples / num_fake_samples count the generated images.
            if kwargs.get("num_real_samples") is not None:
                raise ValueError("num_real_samples does not apply with real_stats= (the file fixes the real side); "
                                 "give num_fake_samples or num_samples.")
            self.num_real = self.reference.num_samples
            self.num_fake = count("num_fake_samples" if kwargs.get("num_fake_samples") is not None else "num_samples")
            least = 2 if metric == "fid" else self.k + 1
            if self.num_fake < least:
                raise ValueError(f"{_NAMES[metric]} needs at least {least} generated samples; got {self.num_fake}.")
        elif metric in ("fid", "precision_recall", "density_coverage"):
            for name in ("num_real_samples", "num_fake_samples"):  # num_samples: both counts
                if kwargs.get(name) is None and kwargs.get("num_samples") is not None:
                    kwargs[name] = kwargs["num_samples"]
            self.num_real = count("num_real_samples")
            self.num_fake = count("num_fake_samples")
            least = 2 if metric == "fid" else self.k + 1
            for name, n in (("num_real_samples", self.num_real), ("num_fake_samples", self.num_fake)):
                if n < least:
                    raise ValueError(f"{_NAMES[metric]} needs at least {least} samples per set; {name}={n}.")
        elif metric == "swd":
            self.num_real = self.num_fake = count("num_samples")
        elif metric == "kid":
            self.num_fake = count("num_samples")
            self.num_real = self.num_fake if self.reference is None else self.reference.features.shape[0]
            self.num_subsets = int(kwargs.get("num_subsets", 10))
            if self.num_subsets < 1:
                raise ValueError(f"num_subsets must be >= 1; got {self.num_subsets}.")
            sub = kwargs.get("subset_size")
            least = min(self.num_real, self.num_fake)
            self.subset_size = int(sub) if sub is not None else least // self.num_subsets
            if self.subset_size < 2 or self.subset_size > least:
                raise ValueError(
                    f"KID subsets of {self.subset_size} samples do not fit num_samples={least} "
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
        if metric != "inception_score" and self.reference is None:
            if self.dataset is None:
                raise ValueError(f"{_NAMES[metric]} needs real images: pass dataset= (a name for "
                                 "torch_mimicry.datasets.load_dataset with dataset_root=, or a Dataset)"
                                 + (" or real_stats= (a statistics file)." if metric in _FEATURE_PAIR_METRICS
                                    else "."))
            self.ds = resolve_dataset(self.dataset, root, self.split, kwargs.get("dataset_kwargs"))
            if self.num_real > len(self.ds):
                raise ValueError(f"{self.num_real} real samples requested but the dataset has only {len(self.ds)} "
                                 "images; use fewer samples or a larger split.")
            self.identity = dataset_identity(self.dataset, self.ds, self.split, kwargs.get("dataset_key"),
                                             kwargs.get("dataset_kwargs"))
            if metric == "swd":
                res = self.identity["resolution"]
                if not isinstance(res, int):
                    raise ValueError(f"SWD needs square images; the dataset's are {res}.")
                swd_lib.pyramid_resolutions(res, self.swd["min_resolution"])
        self.weights_id = features.weights_hash(self.weights) if metric != "swd" else None
        self._real = None
        self._scorer = None

    def protocol(self):
        """Everything that determines a score besides the generator weights and the seed."""
        p = {"metric": self.metric, "num_fake_samples": self.num_fake, "batch_size": self.batch_size,
             "image_format": "uint8", "fake_sampling": "per-batch-seed-v1"}
        if self.metric == "swd":
            p.update(self.swd, scale=1000, nhood_seed="per-batch-seed-v1", direction_seed="run-seed")
        else:
            p.update(weights_hash=self.weights_id, backend=self.backend, resize=self.resize)
        if self.metric == "inception_score":
            p["splits"] = self.splits
        elif self.reference is not None:
            p.update(num_real_samples=self.num_real, real_stats=self.reference.record())
        else:
            p.update(num_real_samples=self.num_real, real_seed=self.real_seed, dataset=self.identity)
        if self.metric == "kid":
            p.update(num_subsets=self.num_subsets, subset_size=self.subset_size, kernel="cubic-polynomial",
                     subset_seed="run-seed")
        if self.k is not None:
            p.update(k=self.k, distance="euclidean", ball="closed")
        return p

    def describe(self):
        """One line naming the protocol's sample counts, backend and weights (hash prefix)."""
        real = (f"{self.num_real if self.num_real is not None else '?'} real from {self.reference.path}"
                if self.reference is not None else f"{self.num_real} real")
        counts = (f"{self.num_fake} samples, {self.splits} splits" if self.metric == "inception_score" else
                  f"{real} / {self.num_fake} fake samples")
        if self.metric == "kid":
            counts += f", {self.num_subsets} subsets of {self.subset_size}"
        if self.k is not None:
            counts += f", k={self.k}"
        if self.metric == "swd":
            return counts + f", {self.swd['nhoods_per_image']} neighbourhoods of {self.swd['nhood_size']} px per image"
        return f"{counts}, backend {self.backend}, resize {self.resize}, Inception weights {self.weights_id[:12]}"

    def real(self, device):
        """The real side: pool3 features (from the cache or the file) or, for SWD, descriptors."""
        if self._real is None:
            if self.metric == "swd":
                idx = real_indices(len(self.ds), self.num_real, self.real_seed)

                def make_batch(start, stop):
                    return features.to_uint8(torch.stack([_dataset_image(self.ds, int(i)) for i in idx[start:stop]]))
                self._real = _swd_levels(make_batch, self.num_real, self.batch_size, self.real_seed, self.swd)
            elif self.reference is not None:
                self._real = torch.from_numpy(self.reference.features)
            else:
                self._real = real_features(self.ds, self.identity, self.num_real, real_seed=self.real_seed,
                                           weights_id=self.weights_id, weights=self.weights, backend=self.backend,
                                           batch_size=self.batch_size, device=device, cache_dir=self.cache_dir,
                                           feat_file=self.feat_file, verbose=self.verbose, resize=self.resize)
        return self._real

    def score(self, netG, seed, device):
        """The score of one seed: ``(score, std)`` for FID (std None), KID (mean/std over subsets)
        and IS (mean/std over splits); :class:`PrecisionRecall`, :class:`DensityCoverage`, or the
        SWD dict ``{'<resolution>': value, 'avg': mean}``."""
        if self.metric == "swd":
            if device is None:
                device = getattr(netG, "device", None)
            real = self.real(device)
            with _eval_mode(netG):
                fake = _swd_levels(_fake_batch_maker(netG, seed, self.batch_size, device), self.num_fake,
                                   self.batch_size, seed, self.swd)
            resolutions = swd_lib.pyramid_resolutions(self.identity["resolution"], self.swd["min_resolution"])
            return swd_lib.swd_from_descriptors(real, fake, resolutions, self.swd["dir_repeats"],
                                                self.swd["dirs_per_repeat"], seed=seed)
        pool3, logits = generated_features(netG, self.num_fake, seed=seed, batch_size=self.batch_size,
                                           device=device, weights=self.weights, backend=self.backend,
                                           resize=self.resize)
        if self.metric == "inception_score":
            return inception_score_from_logits(logits, splits=self.splits)
        if self.metric == "fid" and self.reference is not None:
            return fid_from_reference(self.reference, pool3), None
        real = self.real(device)
        if self.metric == "fid":
            return fid_from_features(real, pool3), None
        on_gpu = device is not None and torch.device(device).type == "cuda"
        if self.metric == "kid":
            return kid_from_features(real, pool3, num_subsets=self.num_subsets, subset_size=self.subset_size,
                                     seed=seed, method=self.kid_method, device=device if on_gpu else None)
        if self._scorer is None:  # the real k-NN radii are computed once per job
            self._scorer = ManifoldScorer(real, device=device if on_gpu else None)
        if self.metric == "precision_recall":
            return self._scorer.precision_recall(pool3, k=self.k)
        return self._scorer.density_coverage(pool3, k=self.k)

    def value(self, result):
        """What a record keeps of a :meth:`score` result: a float, or a dict of named floats."""
        if isinstance(result, (PrecisionRecall, DensityCoverage)):
            return {name: float(v) for name, v in result._asdict().items()}
        if isinstance(result, dict):
            return {name: float(v) for name, v in result.items()}
        return float(result[0])


def _dataset_image(ds, i):
    item = ds[i]
    return item[0] if isinstance(item, (tuple, list)) else item


def _format(value, spread=None):
    """``31.2`` / ``31.2 ± 0.4`` / ``precision 0.71 ± 0.01, recall 0.52 ± 0.02``."""
    if isinstance(value, dict):
        return ", ".join(f"{n} {_format(v, None if spread is None else spread[n])}" for n, v in value.items())
    return f"{value:.6g}" + (f" ± {spread:.4g}" if spread is not None else "")


def score_generator(metric, netG, seed=0, device=None, **kwargs):
    """One score of ``netG`` as it is (no checkpoint loading, no records).

    Returns:
        ``(fid, None)`` for FID, ``(mean, std)`` over subsets (KID) or splits (IS),
        ``PrecisionRecall(precision, recall)``, ``DensityCoverage(density, coverage)``, or for
        SWD ``{'<resolution>': SWD x 1e3, ..., 'avg': mean}``.
    """
    start = time.time()
    job = _Job(metric, kwargs)
    result = job.score(netG, seed, device)
    if isinstance(result, (PrecisionRecall, DensityCoverage, dict)):
        text = _format(job.value(result))
    else:
        text = _format(result[0], result[1])
    _log(f"{_NAMES[metric]}: {text} [seed {seed}, {time.time() - start:.1f} s]", job.verbose)
    return result


def score_images(images, num_samples=None, device=None, batch_size=50, splits=10, weights=None, backend="torch",
                 resize="tf1"):
    """Inception Score ``(mean, std)`` of given images.

    Args:
        images: uint8 ``[N, 3, H, W]`` tensor in [0, 255], float tensor in [-1, 1], or an
            iterable of such batches; the first ``num_samples`` are used (default all).
        resize (str): ``'tf1'`` or ``'clean'``.
    """
    _check_resize(resize)
    if isinstance(images, torch.Tensor):
        if num_samples is not None:
            images = images[:num_samples]
        batches = (features.to_uint8(images[i:i + batch_size]) for i in range(0, images.shape[0], batch_size))
    else:
        batches = (features.to_uint8(b) for b in images)
    _, logits = features.extract_with(batches, resize=resize, weights=weights, backend=backend, batch_size=batch_size,
                                      device=device)
    if num_samples is not None:
        if logits.shape[0] < num_samples:
            raise ValueError(f"num_samples={num_samples} but only {logits.shape[0]} images were given.")
        logits = logits[:num_samples]
    return inception_score_from_logits(logits, splits=splits)


_CKPT_RE = re.compile(r"^netG_(\d+)_steps\.pth$")


def available_steps(log_dir):
    """Sorted steps of the generator checkpoints ``<log_dir>/checkpoints/netG/netG_<step>_steps.pth``."""
    ckpt_dir = os.path.join(os.fspath(log_dir), "checkpoints", "netG")
    if not os.path.isdir(ckpt_dir):
        return []
    return sorted(int(m.group(1)) for m in map(_CKPT_RE.match, os.listdir(ckpt_dir)) if m)


def _requested_steps(log_dir, evaluate_range, evaluate_step):
    found = available_steps(log_dir)
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
            raise FileNotFoundError(f"No generator checkpoints (netG_<step>_steps.pth) in "
                                    f"{os.path.join(os.fspath(log_dir), 'checkpoints', 'netG')!r}.")
    missing = [s for s in steps if s not in found]
    if missing:
        raise FileNotFoundError(
            f"No generator checkpoint for step(s) {missing} in "
            f"{os.path.join(os.fspath(log_dir), 'checkpoints', 'netG')!r}; available steps: {found or 'none'}.")
    return steps


def evaluate(metric, netG, log_dir, evaluate_range=None, evaluate_step=None, num_runs=3, start_seed=0,
             overwrite=False, write_to_json=True, device=None, **kwargs):
    """Scores generator checkpoints over several seeds, recording the results.

    Args:
        metric (str): one of :data:`METRICS`: ``'fid'``, ``'kid'``, ``'inception_score'``,
            ``'precision_recall'``, ``'density_coverage'``, ``'swd'``.
        netG (Module): a generator of the checkpoints' architecture.
        log_dir (str): training log folder with ``checkpoints/netG/netG_<step>_steps.pth``.
        evaluate_range (tuple): ``(start, end, interval)``, end included.
        evaluate_step (int or list): step(s) to score. Neither: every checkpoint found.
        num_runs (int): seeds ``start_seed .. start_seed + num_runs - 1`` per step.
        overwrite (bool): recompute even when a record with the same protocol exists.
        write_to_json (bool): read and write ``<log_dir>/metrics/<metric>.json``.
        device: device of the generator and of the feature extractor (default: netG's).
        **kwargs: per metric

            - FID: ``num_real_samples``, ``num_fake_samples`` (required; ``num_samples``
              sets both), ``dataset``.
            - KID: ``num_samples`` (required; real = fake count), ``dataset``,
              ``num_subsets=10``, ``subset_size=num_samples // num_subsets``.
            - IS: ``num_samples`` (required), ``splits=10``.
            - precision_recall (``k=3``), density_coverage (``k=5``): ``num_real_samples``,
              ``num_fake_samples`` (``num_samples`` sets both), ``dataset``.
            - swd: ``num_samples`` (required; real = fake count), ``dataset``,
              ``nhood_size=7``, ``nhoods_per_image=128``, ``dir_repeats=4``,
              ``dirs_per_repeat=128``, ``min_resolution=16``.
            - Inception metrics: ``batch_size=50``, ``weights`` (Inception weights file, default
              the cached / downloaded ones), ``backend='torch'``, ``resize='tf1'`` (or
              ``'clean'``), ``verbose=True``.
            - ``real_stats``: a reference statistics file in place of ``dataset`` (FID: TTUR
              ``mu`` / ``sigma`` files too; KID, precision / recall, density / coverage: a
              file with the features); ``num_samples`` then counts the generated images.
            - real images: ``dataset`` (name for ``load_dataset`` or a Dataset),
              ``dataset_root`` (or ``root``; default ``./datasets``), ``split``, ``dataset_kwargs``, ``dataset_key``
              (names a custom Dataset in caches and records), ``real_seed=0`` (which real
              images are drawn), ``cache_dir`` (feature cache, default
              ``$MIMICRY_HOME/features``), ``feat_file`` / ``stats_file`` (explicit cache file).

    Returns:
        dict: ``{step: [score for each seed]}`` (FID value, KID mean over subsets, IS mean
        over splits; ``{'precision': p, 'recall': r}``, ``{'density': d, 'coverage': c}``,
        SWD ``{'<resolution>': value, ..., 'avg': mean}``), steps in the order evaluated.

    Raises:
        ValueError: unknown metric, missing or inconsistent arguments, too few samples.
        FileNotFoundError: a requested checkpoint is missing (checked for all steps first).
    """
    kwargs.pop("log_dir", None)
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    steps = _requested_steps(log_dir, evaluate_range, evaluate_step)
    job = _Job(metric, kwargs)
    num_runs = int(num_runs)
    if num_runs < 1:
        raise ValueError(f"num_runs must be >= 1; got {num_runs}.")
    seeds = list(range(int(start_seed), int(start_seed) + num_runs))
    protocol = job.protocol()
    path = records.records_path(log_dir, metric)
    rank, _ = distributed.rank_and_world_size()
    recs = distributed.broadcast_object(records.load_records(path) if write_to_json and rank == 0 else [])
    ckpt_dir = os.path.join(os.fspath(log_dir), "checkpoints", "netG")
    name = _NAMES[metric]
    results = {}
    for step in steps:
        rec = records.find_record(recs, step, protocol)
        stored = {} if rec is None or overwrite else {int(s): v for s, v in rec["scores"].items()}
        todo = [s for s in seeds if s not in stored]
        if not todo:
            _log(f"{name} at step {step} served from {path}.", job.verbose)
        else:
            netG.restore_checkpoint(os.path.join(ckpt_dir, f"netG_{step}_steps.pth"), optimizer=None)
            for seed in todo:
                start = time.time()
                stored[seed] = job.value(job.score(netG, seed, device))
                _log(f"{name} (step {step}) [seed {seed}]: {_format(stored[seed])} ({time.time() - start:.1f} s)",
                     job.verbose)
            if write_to_json and rank == 0:
                merged = {} if rec is None or overwrite else {int(s): v for s, v in rec["scores"].items()}
                merged.update(stored)
                new = records.make_record(metric, step, protocol, merged)
                records.save_record(path, new)
                recs = [r for r in recs if r is not rec] + [new]
        results[step] = [stored[s] for s in seeds]
        summary = records.make_record(metric, step, protocol, {s: stored[s] for s in seeds})
        _log(f"{name} (step {step}): {_format(summary['mean'], summary['std'])} "
             f"over seeds {seeds} [{job.describe()}]", job.verbose)
    return results
