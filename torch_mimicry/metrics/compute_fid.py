"""FID of a generator with the signatures of torch-mimicry 0.1.16: :func:`fid_score` and the
helpers :func:`compute_real_dist_stats`, :func:`compute_gen_dist_stats`.

``fid_score`` goes through this library's pipeline (``metrics.evaluation``): generated images
are mapped from [-1, 1] to uint8 by the fixed ``round((x + 1) * 127.5)`` and seeded per batch,
real features are cached, and the network is this library's Inception (torch backend by
default, ``backend='tf'`` for the original graph). A statistics file of 0.1.16 (``.npz`` with
``mu`` and ``sigma``) given as ``stats_file`` is used as the real statistics, as there.
"""
import os
import time
from typing import Any, Optional, Tuple

import numpy as np

from torch_mimicry.datasets.image_loader import get_dataset_images
from torch_mimicry.metrics.evaluation import generated_features, score_generator
from torch_mimicry.metrics.fid import feature_statistics, fid_from_stats
from torch_mimicry.metrics.inception_model import inception_utils
from torch_mimicry.utils.run_layout import RunLayout

__all__ = ["fid_score", "compute_real_dist_stats", "compute_gen_dist_stats", "get_dataset_images"]


def _original_stats(path: Any) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """``(mu, sigma)`` from a 0.1.16 / TTUR statistics file, or None (absent or another format)."""
    if path is None:
        return None
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    if not os.path.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            if "mu" in f.files and "sigma" in f.files:
                return f["mu"][:], f["sigma"][:]
    except (OSError, ValueError):
        return None
    return None


def _save_npz(path: str, **arrays: np.ndarray) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp.npz")
    # numpy's stub gives **kwds the type of its allow_pickle keyword
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    os.replace(tmp, path)


def compute_real_dist_stats(num_samples: int, sess: Any, batch_size: int, dataset: Any = None,
                            stats_file: Optional[str] = None, seed: int = 0, verbose: bool = True,
                            log_dir: str = "./log", **kwargs: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the Inception features of ``num_samples`` real images.

    Loads ``stats_file`` (keys ``mu``, ``sigma``) when it exists; otherwise samples the images
    with ``get_dataset_images`` (numpy's global random state), computes the statistics and
    saves them there (default
    ``<log_dir>/metrics/fid/statistics/fid_stats_<dataset>_<k>k_run_<seed>.npz``, as 0.1.16).
    ``sess`` is not used; ``**kwargs`` (``weights``, ``backend``, ``device``) reach the network.

    Returns:
        tuple: ``(mu [2048], sigma [2048, 2048])`` float64 arrays.
    """
    if stats_file is None:
        stats_file = os.path.join(RunLayout(log_dir).metrics_dir, "fid", "statistics",
                                  f"fid_stats_{dataset}_{num_samples // 1000}k_run_{seed}.npz")
    stats = _original_stats(stats_file)
    if stats is not None:
        if verbose:
            print(f"INFO: Loading existing statistics for real images from {stats_file}.")
        return stats
    images = get_dataset_images(dataset, num_samples=num_samples)
    act = inception_utils.get_activations(images, sess, batch_size=batch_size, verbose=verbose, **kwargs)
    mu, sigma = feature_statistics(act)
    _save_npz(stats_file if stats_file.endswith(".npz") else stats_file + ".npz", mu=mu, sigma=sigma)
    return mu, sigma


def compute_gen_dist_stats(netG: Any, num_samples: int, sess: Any, device: Any, seed: int, batch_size: int,
                           print_every: int = 20, verbose: bool = True, **kwargs: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the Inception features of ``num_samples`` images of ``netG``
    (generated in eval mode, batch ``b`` seeded from ``seed`` and ``b``). ``sess`` and
    ``print_every`` are not used; ``**kwargs`` (``weights``, ``backend``) reach the network.

    Returns:
        tuple: ``(mu [2048], sigma [2048, 2048])`` float64 arrays.
    """
    pool3, _ = generated_features(netG, num_samples, seed=seed, batch_size=batch_size, device=device, **kwargs)
    if verbose:
        print(f"INFO: Computed Inception features of {num_samples} generated images.")
    return feature_statistics(pool3)


def fid_score(num_real_samples: int, num_fake_samples: int, netG: Any, dataset: Any, seed: int = 0, device: Any = None,
              batch_size: int = 50, verbose: bool = True, stats_file: Optional[str] = None, log_dir: str = "./log",
              **kwargs: Any) -> float:
    """FID of generator ``netG`` against ``dataset`` (signature of torch-mimicry 0.1.16).

    Args:
        num_real_samples (int): real images used (drawn from ``dataset``).
        num_fake_samples (int): generated images used.
        netG (Module): generator with ``generate_images(num_images, device)``.
        dataset (str or Dataset): a name for ``torch_mimicry.datasets.load_dataset``
            (pass ``dataset_root=``, default ``./datasets``) or a Dataset of ``(image in
            [-1, 1], label)``.
        seed (int): seed of the generated images.
        device: device of the generator and of the feature extractor.
        batch_size (int): batch size of generation and feature extraction.
        verbose (bool): print progress and the score.
        stats_file (str): a statistics file of 0.1.16 (``mu``, ``sigma``), used as the real
            statistics; any other path caches the real features there (default: the feature
            cache, see ``torch_mimicry.metrics.real_stats``).
        log_dir (str): kept for compatibility; unused.
        **kwargs: ``weights``, ``backend``, ``dataset_root``, ``split``, ``real_seed``,
            ``cache_dir`` (see :func:`torch_mimicry.metrics.evaluate`).

    Returns:
        float: the FID.
    """
    stats = _original_stats(stats_file)
    if stats is None:
        return score_generator("fid", netG, seed=seed, device=device, dataset=dataset, batch_size=batch_size,
                               num_real_samples=num_real_samples, num_fake_samples=num_fake_samples,
                               verbose=verbose, feat_file=stats_file, **kwargs)[0]
    start = time.time()
    extractor = {k: kwargs[k] for k in ("weights", "backend") if k in kwargs}
    mu, sigma = compute_gen_dist_stats(netG, num_fake_samples, None, device, seed, batch_size, verbose=False,
                                       **extractor)
    score = fid_from_stats(stats[0], stats[1], mu, sigma)
    if verbose:
        print(f"INFO: FID: {score:.6g} against the statistics in {stats_file} [seed {seed}, "
              f"{time.time() - start:.1f} s]")
    return score
