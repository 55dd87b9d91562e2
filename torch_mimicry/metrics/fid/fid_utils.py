"""The FID helpers of torch-mimicry 0.1.16: the Frechet distance of two Gaussians and the
statistics of image activations (computed by this library's Inception network; see
``metrics.inception_model``)."""
from typing import Any, Tuple

import numpy as np

from torch_mimicry.metrics.fid import feature_statistics, fid_from_stats
from torch_mimicry.metrics.inception_model import inception_utils

__all__ = ["calculate_frechet_distance", "calculate_activation_statistics"]


def calculate_frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any, eps: float = 1e-6) -> np.float64:
    """Frechet distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)`` (means ``[D]``,
    covariances ``[D, D]``); ``eps * I`` is added to both covariances if the first attempt is
    not finite. Returns a ``numpy.float64``.

    Raises:
        ValueError: shapes that do not match, non-finite inputs, covariances that are not
            positive semi-definite.
    """
    return np.float64(fid_from_stats(mu1, sigma1, mu2, sigma2, eps=eps))


def calculate_activation_statistics(images: Any, sess: Any = None, batch_size: int = 50, verbose: bool = True,
                                    **kwargs: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Mean ``[2048]`` and covariance ``[2048, 2048]`` of the Inception ``pool_3`` features of
    images ``[N, H, W, 3]`` with values in [0, 255]. ``sess`` is not used; ``**kwargs``
    (``weights``, ``backend``, ``device``) go to ``get_activations``."""
    act = inception_utils.get_activations(images, sess, batch_size=batch_size, verbose=verbose, **kwargs)
    return feature_statistics(act)
