"""Inception ``pool_3`` activations of image arrays, with the signatures of torch-mimicry 0.1.16.

That release ran the 2015 TensorFlow graph in a TensorFlow session (``sess``). Here the same
network runs on this library's PyTorch port by default, or on the original graph with
``backend='tf'`` (TensorFlow in a child process); ``sess`` is accepted and not used. The weights
are found as everywhere in the library (``weights=``, ``$MIMICRY_INCEPTION_WEIGHTS``, the cache,
a download); :func:`create_inception_graph` also picks up a graph file already in its folder.
"""
import os
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch

from torch_mimicry.metrics import features

__all__ = ["get_activations", "create_inception_graph", "images_to_nchw_uint8", "predictions"]

_GRAPH_FILE = "classify_image_graph_def.pb"
_STATE: Dict[str, Optional[str]] = {"weights": None}  # a graph file registered by create_inception_graph


def images_to_nchw_uint8(images: Any) -> torch.Tensor:
    """A batch of images as a uint8 tensor ``[N, 3, H, W]``.

    Args:
        images: numpy array or tensor ``[N, H, W, 3]`` (as 0.1.16 fed TensorFlow) or
            ``[N, 3, H, W]``, with values in [0, 255] (uint8 or float; floats are rounded and
            clipped).

    Raises:
        ValueError: not a 4-D batch with 3 channels, or float values far outside [0, 255]
            (e.g. images in [-1, 1] passed by mistake).
    """
    arr = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    if arr.ndim != 4 or 3 not in (arr.shape[1], arr.shape[3]):
        raise ValueError(f"Expected images [N, H, W, 3] (or [N, 3, H, W]) with values in [0, 255]; got shape "
                         f"{arr.shape}.")
    if arr.shape[3] == 3:
        arr = arr.transpose(0, 3, 1, 2)
    if arr.dtype != np.uint8:
        arr = arr.astype(np.float64)
        if arr.size and (np.nanmin(arr) < -0.5 or np.nanmax(arr) > 255.5 or not np.all(np.isfinite(arr))):
            raise ValueError(f"Expected image values in [0, 255]; got values in [{np.nanmin(arr):g}, "
                             f"{np.nanmax(arr):g}]. Map images in [-1, 1] with (x + 1) * 127.5.")
        if arr.size and np.nanmax(arr) <= 1.0:
            import warnings
            warnings.warn("All image values lie in [0, 1]; the Inception network expects [0, 255]. Scale them "
                          "by 255 if they are images in [0, 1].", UserWarning, stacklevel=3)
        arr = np.clip(np.round(arr), 0, 255).astype(np.uint8)
    return torch.from_numpy(np.ascontiguousarray(arr))


def _weights(weights: Any) -> Any:
    return weights if weights is not None else _STATE["weights"]


def predictions(images: Any, batch_size: int = 50, weights: Any = None, backend: str = "torch",
                device: Any = None) -> Tuple[np.ndarray, np.ndarray]:
    """``(pool3 [N, 2048], logits [N, 1008])`` float64 numpy arrays of images in [0, 255]."""
    x = images_to_nchw_uint8(images)
    batches = [x[i:i + batch_size] for i in range(0, x.shape[0], batch_size)]
    pool3, logits = features.extract(batches, weights=_weights(weights), backend=backend, batch_size=batch_size,
                                     device=device)
    return torch.as_tensor(pool3).double().numpy(), torch.as_tensor(logits).double().numpy()


def get_activations(images: Any, sess: Any = None, batch_size: int = 50, verbose: bool = True, weights: Any = None,
                    backend: str = "torch", device: Any = None) -> np.ndarray:
    """Inception ``pool_3`` features of images.

    Args:
        images: ``[N, H, W, 3]`` (or ``[N, 3, H, W]``) array with values in [0, 255].
        sess: accepted for compatibility and not used (see the module docstring).
        batch_size (int): images per forward pass.
        verbose (bool): print the number of images processed.
        weights, backend, device: see ``torch_mimicry.metrics.inception_features``.

    Returns:
        numpy.ndarray: ``[N, 2048]`` float64 (every image; 0.1.16 left a last partial batch
        uncomputed).
    """
    pool3, _ = predictions(images, batch_size=batch_size, weights=weights, backend=backend, device=device)
    if verbose:
        print(f"INFO: Computed Inception features of {pool3.shape[0]} images.", flush=True)
    return pool3


def create_inception_graph(inception_path: Optional[str] = None) -> None:
    """Makes sure the Inception weights are available before features are computed.

    If ``<inception_path>/classify_image_graph_def.pb`` exists (where 0.1.16 downloaded it),
    that graph is used by this module's functions from now on; otherwise the library's weights
    are loaded (from ``$MIMICRY_INCEPTION_WEIGHTS``, the cache, or a download).

    Raises:
        FileNotFoundError: no weights can be found or downloaded (the message lists the ways to
            provide them).
    """
    from torch_mimicry.metrics.inception import load_inception_weights
    graph = os.path.join(inception_path, _GRAPH_FILE) if inception_path else None
    if graph is not None and os.path.isfile(graph):
        _STATE["weights"] = graph
    load_inception_weights(_STATE["weights"])
