"""Inception ``pool_3`` features and logits of images, with either backend."""
import contextlib
from collections.abc import Iterable
from typing import Any, Dict, Iterator, List, Optional, Protocol, Tuple, Union

import numpy as np
import torch

from torch_mimicry.metrics.inception.network import INPUT_SIZE, InceptionV3TF
from torch_mimicry.metrics.inception.resize import check_resize, clean_resize
from torch_mimicry.metrics.inception.weights import WeightsSource, graphdef_path, load_inception_weights
from torch_mimicry.utils.images import check_image_values

__all__ = ["inception_features", "images_to_uint8", "get_inception_model"]

_MODELS: Dict[Tuple[str, str, torch.dtype], InceptionV3TF] = {}  # (weights sha256, device, dtype) -> InceptionV3TF

#: One batch of images (tensor or numpy array), or an iterable of batches.
ImageBatches = Union[torch.Tensor, np.ndarray, "Iterable[Union[torch.Tensor, np.ndarray]]"]


class ProgressBar(Protocol):
    """What ``progress=`` needs: ``update(n)``, told the number of images done."""

    def update(self, n: int) -> Any:
        """Called after each batch with ``n``, the number of images in it."""
        ...


def images_to_uint8(images: Union[torch.Tensor, np.ndarray]) -> torch.Tensor:
    """Validates one batch and maps it to uint8.

    Args:
        images: uint8 ``[N, 3, H, W]`` in [0, 255], or float ``[N, 3, H, W]`` in [-1, 1]
            (tensor or numpy array). Floats become ``round((x + 1) * 127.5)`` clamped to
            [0, 255], as when saving a PNG (no min-max stretching).

    Returns:
        Tensor: uint8 ``[N, 3, H, W]`` on the CPU.

    Raises:
        ValueError: wrong type, dtype, shape or value range.
    """
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not torch.is_tensor(images):
        raise ValueError("expected images as a tensor [N, 3, H, W] (uint8 in [0, 255] or float in [-1, 1]) or an "
                         "iterable of such tensors, got %s" % type(images).__name__)
    if images.dim() != 4 or images.shape[1] != 3 or images.shape[2] < 1 or images.shape[3] < 1:
        raise ValueError("expected images of shape [N, 3, H, W], got %s" % (tuple(images.shape),))
    if images.dtype == torch.uint8:
        return images.detach().cpu()
    # the range rule shared with the Trainer and the metrics (torch_mimicry.utils.images)
    check_image_values(images, what="images", allow_uint8=True, warn_unit_range=False)
    x = images.detach().to(torch.float32)  # float32 arithmetic, as torch_mimicry.metrics.features.to_uint8
    return torch.round((x + 1.0) * 127.5).clamp_(0, 255).to("cpu", torch.uint8)


def _batches(images: ImageBatches) -> Iterator[torch.Tensor]:
    """Yields validated uint8 batches; a list/tuple is validated completely before any work."""
    if torch.is_tensor(images) or isinstance(images, np.ndarray):
        yield images_to_uint8(images)
        return
    if isinstance(images, (str, bytes)) or not isinstance(images, Iterable):
        images_to_uint8(images)  # raises the ValueError
    if isinstance(images, (list, tuple)):
        checked = [images_to_uint8(b) for b in images]
        if not checked:
            raise ValueError("expected at least one batch of images, got an empty %s" % type(images).__name__)
        yield from checked
        return
    for batch in images:
        yield images_to_uint8(batch)


def get_inception_model(weights: WeightsSource = None, device: Union[str, torch.device] = "cpu",
                        dtype: torch.dtype = torch.float32) -> InceptionV3TF:
    """The torch-backend network on ``device`` (cached for the last weights/device/dtype)."""
    sd, digest = load_inception_weights(weights)
    key = (digest, str(device), dtype)
    model = _MODELS.get(key)
    if model is None:
        _MODELS.clear()
        model = InceptionV3TF(sd, dtype=dtype).to(device).eval()
        _MODELS[key] = model
    return model


@contextlib.contextmanager
def _exact_float32() -> Iterator[None]:
    """Disables TF32 in matmuls and convolutions, restoring the previous flags afterwards."""
    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul
        torch.backends.cudnn.allow_tf32 = cudnn


def _rebatch(batches: "Iterable[torch.Tensor]", size: int) -> Iterator[torch.Tensor]:
    """Yields chunks of ``size`` images (fewer at the end or where the image size changes)."""
    pending: List[torch.Tensor] = []
    count = 0
    for batch in batches:
        if pending and batch.shape[1:] != pending[0].shape[1:]:
            yield torch.cat(pending)
            pending, count = [], 0
        pending.append(batch)
        count += batch.shape[0]
        if count >= size:
            merged = torch.cat(pending) if len(pending) > 1 else pending[0]
            full = (count // size) * size
            for i in range(0, full, size):
                yield merged[i:i + size]
            pending = [merged[full:]] if full < count else []
            count -= full
    if count:
        yield torch.cat(pending) if len(pending) > 1 else pending[0]


def inception_features(images: ImageBatches, weights: WeightsSource = None, backend: str = "torch",
                       batch_size: int = 50, device: Union[str, torch.device, None] = None,
                       dtype: torch.dtype = torch.float32, resize: str = "tf1",
                       progress: Optional[ProgressBar] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Inception ``pool_3`` features and unbiased logits of images (the FID / IS network).

    Args:
        images: uint8 tensor ``[N, 3, H, W]`` in [0, 255] (any ``H, W``; resized to 299 like
            TensorFlow 1), float tensor in [-1, 1] (mapped by ``round((x + 1) * 127.5)``), or
            an iterable of such batches.
        weights: see :func:`load_inception_weights` (``None``: env var / cache / download).
        backend (str): ``'torch'`` (PyTorch port, default) or ``'tf'`` (original graph run by
            TensorFlow in a child process).
        batch_size (int): images per forward pass.
        device: torch device (default: CUDA if available, else CPU). With ``'tf'`` a CUDA
            device lets TensorFlow use the GPU.
        dtype: ``torch.float32`` (TF32 disabled) or ``torch.float64``; torch backend only.
        resize (str): ``'tf1'`` (the graph's own bilinear resize, default) or ``'clean'``
            (clean-fid's anti-aliased bicubic resize to 299 before the network); see
            :mod:`torch_mimicry.metrics.inception.resize`.
        progress: an object with ``update(n)`` told the number of images of each batch
            done (e.g. a bar of :func:`torch_mimicry.utils.progress.progress`).

    Returns:
        tuple: ``(pool3 [N, 2048], logits [N, 1008])`` float64 CPU tensors; ``logits`` is
        ``pool3 @ softmax/weights`` without bias (as improved-gan's Inception Score).

    Raises:
        ValueError: bad images, arguments or weights file. FileNotFoundError: no weights.
    """
    if backend not in ("torch", "tf"):
        raise ValueError("backend must be 'torch' or 'tf', got %r" % (backend,))
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError("batch_size must be a positive int, got %r" % (batch_size,))
    if dtype not in (torch.float32, torch.float64):
        raise ValueError("dtype must be torch.float32 or torch.float64, got %r" % (dtype,))
    check_resize(resize)
    if isinstance(images, (str, bytes)) or not isinstance(images, (torch.Tensor, np.ndarray, Iterable)):
        images_to_uint8(images)  # raises the ValueError
    if torch.is_tensor(images) or isinstance(images, np.ndarray) or isinstance(images, (list, tuple)):
        batches: Iterable[torch.Tensor] = list(_batches(images))  # all checks before any work
    else:
        batches = _batches(images)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    pools: List[torch.Tensor] = []
    logits: List[torch.Tensor] = []
    if backend == "torch":
        model = get_inception_model(weights, device, dtype)
        with _exact_float32(), torch.inference_mode():
            for chunk in _rebatch(batches, batch_size):
                x = chunk.to(device, non_blocking=True)
                if resize == "clean":
                    x = clean_resize(x, INPUT_SIZE, dtype=dtype)
                p, l = model(x)
                pools.append(p.to("cpu", torch.float64))
                logits.append(l.to("cpu", torch.float64))
                if progress is not None:
                    progress.update(chunk.shape[0])
    else:
        from torch_mimicry.metrics.inception.tf_backend import TFInception
        with TFInception(graphdef_path(weights), use_gpu=device.type == "cuda") as net:
            for chunk in _rebatch(batches, batch_size):
                p, l = net.run(clean_resize(chunk, INPUT_SIZE).numpy() if resize == "clean" else chunk.numpy())
                pools.append(torch.from_numpy(p).to(torch.float64))
                logits.append(torch.from_numpy(l).to(torch.float64))
                if progress is not None:
                    progress.update(chunk.shape[0])
    if not pools:
        return torch.zeros(0, 2048, dtype=torch.float64), torch.zeros(0, 1008, dtype=torch.float64)
    return torch.cat(pools), torch.cat(logits)
