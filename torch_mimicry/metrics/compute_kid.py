"""KID of a generator with the signatures of torch-mimicry 0.1.16: :func:`kid_score` and the
helpers :func:`compute_real_dist_feat`, :func:`compute_gen_dist_feat` (see ``compute_fid`` for
how this library computes them). A features file of 0.1.16 (``.npz`` with ``feat``) given as
``feat_file`` is used as the real features, as there."""
import os
import time
from typing import Any, Optional, Tuple

import numpy as np

from torch_mimicry.datasets.image_loader import get_dataset_images
from torch_mimicry.metrics.compute_fid import _save_npz
from torch_mimicry.metrics.evaluation import generated_features, score_generator
from torch_mimicry.metrics.inception_model import inception_utils
from torch_mimicry.metrics.kid import kid_from_features
from torch_mimicry.utils.run_layout import RunLayout

__all__ = ["kid_score", "compute_real_dist_feat", "compute_gen_dist_feat", "get_dataset_images"]


def _original_features(path: Any) -> Optional[np.ndarray]:
    """Real features ``[N, D]`` from a 0.1.16 features file, or None (absent or another format)."""
    if path is None:
        return None
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    if not os.path.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            if "feat" in f.files:
                return f["feat"][:]
    except (OSError, ValueError):
        return None
    return None


def compute_real_dist_feat(num_samples: int, sess: Any, dataset: Any, batch_size: int, seed: int = 0,
                           verbose: bool = True, feat_file: Optional[str] = None, log_dir: str = "./log",
                           **kwargs: Any) -> np.ndarray:
    """Inception features of ``num_samples`` real images.

    Loads ``feat_file`` (key ``feat``) when it exists; otherwise samples the images with
    ``get_dataset_images`` (numpy's global random state), computes the features and saves them
    there (default ``<log_dir>/metrics/kid/features/kid_feat_<dataset>_<k>k_run_<seed>.npz``).
    ``sess`` is not used; ``**kwargs`` (``weights``, ``backend``, ``device``) reach the network.

    Returns:
        numpy.ndarray: ``[num_samples, 2048]`` float64.
    """
    if feat_file is None:
        feat_file = os.path.join(RunLayout(log_dir).metrics_dir, "kid", "features",
                                 f"kid_feat_{dataset}_{num_samples // 1000}k_run_{seed}.npz")
    feat = _original_features(feat_file)
    if feat is not None:
        if verbose:
            print(f"INFO: Loading existing features for real images from {feat_file}.")
        return feat
    images = get_dataset_images(dataset, num_samples=num_samples)
    feat = inception_utils.get_activations(images, sess, batch_size=batch_size, verbose=verbose, **kwargs)
    _save_npz(feat_file if feat_file.endswith(".npz") else feat_file + ".npz", feat=feat)
    return feat


def compute_gen_dist_feat(netG: Any, num_samples: int, sess: Any, device: Any, seed: int, batch_size: int,
                          print_every: int = 20, verbose: bool = True, **kwargs: Any) -> np.ndarray:
    """Inception features ``[num_samples, 2048]`` (float64 numpy) of images of ``netG``
    (generated in eval mode, batch ``b`` seeded from ``seed`` and ``b``). ``sess`` and
    ``print_every`` are not used; ``**kwargs`` (``weights``, ``backend``) reach the network."""
    pool3, _ = generated_features(netG, num_samples, seed=seed, batch_size=batch_size, device=device, **kwargs)
    if verbose:
        print(f"INFO: Computed Inception features of {num_samples} generated images.")
    return pool3.numpy()


def kid_score(num_samples: int, netG: Any, dataset: Any, seed: int = 0, device: Any = None, num_subsets: int = 10,
              batch_size: int = 50, verbose: bool = True, feat_file: Optional[str] = None, log_dir: str = "./log",
              **kwargs: Any) -> Tuple[float, float]:
    """KID of generator ``netG`` against ``dataset`` (signature of torch-mimicry 0.1.16).

    Uses ``num_samples`` real and ``num_samples`` generated images and ``num_subsets`` subsets
    of ``num_samples // num_subsets`` rows unless ``subset_size=`` is given (subsets drawn with
    ``np.random.RandomState(seed)``). ``feat_file``: a features file of 0.1.16 (``feat``), used
    as the real features; any other path caches the real features there. Other arguments as
    in :func:`torch_mimicry.metrics.fid_score`.

    Returns:
        tuple: ``(mean, std)`` of the per-subset MMD^2 values.
    """
    feat = _original_features(feat_file)
    if feat is None:
        return score_generator("kid", netG, seed=seed, device=device, dataset=dataset, batch_size=batch_size,
                               num_samples=num_samples, num_subsets=num_subsets, verbose=verbose,
                               feat_file=feat_file, **kwargs)
    start = time.time()
    extractor = {k: kwargs[k] for k in ("weights", "backend") if k in kwargs}
    fake = compute_gen_dist_feat(netG, num_samples, None, device, seed, batch_size, verbose=False, **extractor)
    result = kid_from_features(feat[:num_samples], fake, num_subsets=num_subsets,
                               subset_size=kwargs.get("subset_size"), seed=seed)
    if verbose:
        print(f"INFO: KID: {result[0]:.6g} ± {result[1]:.4g} against the features in {feat_file} [seed {seed}, "
              f"{time.time() - start:.1f} s]")
    return result
