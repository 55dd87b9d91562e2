"""Inception class probabilities and the Inception Score of image arrays, with the signatures of
torch-mimicry 0.1.16 (which ran them in TensorFlow; see ``metrics.inception_model``)."""
from typing import Any, Tuple

import numpy as np

from torch_mimicry.metrics.inception_model import inception_utils
from torch_mimicry.metrics.iscore import inception_score_from_logits

__all__ = ["get_predictions", "get_inception_score"]


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def get_predictions(images: Any, device: Any = None, batch_size: int = 50, print_every: int = 20, weights: Any = None,
                    backend: str = "torch") -> np.ndarray:
    """Softmax class probabilities of images.

    Args:
        images: ``[N, H, W, 3]`` (or ``[N, 3, H, W]``) array with values in [0, 255].
        device: where the network runs (default CUDA if available).
        batch_size (int): images per forward pass. print_every: kept for compatibility.
        weights, backend: see ``torch_mimicry.metrics.inception_features``.

    Returns:
        numpy.ndarray: ``[N, 1008]`` float64 probabilities (softmax of ``pool3 @ W``, no bias,
        as the reference Inception Score code).
    """
    _, logits = inception_utils.predictions(images, batch_size=batch_size, weights=weights, backend=backend,
                                            device=device)
    return _softmax(logits)


def get_inception_score(images: Any, splits: int = 10, device: Any = None, weights: Any = None, backend: str = "torch",
                        batch_size: int = 50) -> Tuple[float, float]:
    """Inception Score ``(mean, std)`` over ``splits`` parts of images with values in [0, 255]
    (``[N, H, W, 3]`` or ``[N, 3, H, W]``)."""
    _, logits = inception_utils.predictions(images, batch_size=batch_size, weights=weights, backend=backend,
                                            device=device)
    return inception_score_from_logits(logits, splits=splits)
