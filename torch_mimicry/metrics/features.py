"""The feature extractor used by the metrics, and image conversion.

:func:`extract` and :func:`weights_hash` forward to ``torch_mimicry.metrics.inception``
(imported on first use, so importing the metrics package stays cheap). Everything in the
metrics package calls them through this module, so replacing them here (e.g. with a fixed
random projection in tests) replaces the network everywhere.
"""
import torch

__all__ = ["inception_features", "extract", "weights_hash", "to_uint8"]


def inception_features(images, weights=None, backend="torch", batch_size=50, device=None, dtype=torch.float32):
    """Inception ``pool_3`` features and unbiased logits of images (``mmc.metrics.inception_features``).

    Args:
        images: uint8 ``[N, 3, H, W]`` tensor in [0, 255], float tensor in [-1, 1], or an
            iterable of such batches.
        weights: Inception weights file (default: ``$MIMICRY_INCEPTION_WEIGHTS``, the cache or
            a download; see ``torch_mimicry.metrics.inception.load_inception_weights``).
        backend (str): ``'torch'`` (PyTorch port) or ``'tf'`` (the original graph in TensorFlow).
        batch_size (int): images per forward pass. device: default CUDA if available.
        dtype: ``torch.float32`` or ``torch.float64`` (torch backend).

    Returns:
        tuple: ``(pool3 [N, 2048], logits [N, 1008])`` float64 CPU tensors.
    """
    from torch_mimicry.metrics.inception import inception_features as _inception_features
    return _inception_features(images, weights=weights, backend=backend, batch_size=batch_size, device=device,
                               dtype=dtype)


def extract(images, weights=None, backend="torch", batch_size=50, device=None):
    """Inception features of images.

    Args:
        images: uint8 ``[N, 3, H, W]`` tensor in [0, 255], float tensor in [-1, 1], or an
            iterable of such batches.

    Returns:
        tuple: ``(pool3 [N, 2048], logits [N, 1008])`` float64 CPU tensors.
    """
    from torch_mimicry.metrics.inception import inception_features
    return inception_features(images, weights=weights, backend=backend, batch_size=batch_size, device=device)


def weights_hash(weights=None):
    """SHA-256 hex digest identifying the Inception weights ``weights`` resolves to."""
    from torch_mimicry.metrics.inception import weights_hash as _weights_hash
    return _weights_hash(weights)


def to_uint8(images):
    """Maps float images in [-1, 1] to uint8 ``round((x + 1) * 127.5)`` clamped to [0, 255].

    Args:
        images (Tensor): ``[N, 3, H, W]`` float (or already uint8, returned unchanged).

    Returns:
        Tensor: uint8 ``[N, 3, H, W]`` on the CPU.
    """
    if images.dtype == torch.uint8:
        return images.cpu()
    x = images.detach().to(torch.float32)
    return torch.round((x + 1.0) * 127.5).clamp_(0, 255).to("cpu", torch.uint8)
