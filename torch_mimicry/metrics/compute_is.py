"""Inception Score of a generator (or of images) with the signature of torch-mimicry 0.1.16."""
from typing import Any, Tuple

from torch_mimicry.metrics.evaluation import score_generator, score_images

__all__ = ["inception_score"]


def inception_score(num_samples: Any, netG: Any, device: Any = None, batch_size: int = 50, splits: int = 10,
                    log_dir: str = "./log", seed: int = 0, print_every: int = 20, verbose: bool = True,
                    **kwargs: Any) -> Tuple[float, float]:
    """Inception Score of a generator or of given images.

    Args:
        num_samples (int): images to generate (for given images: the first
            ``num_samples`` are used; None uses all).
        netG: a generator with ``generate_images(num_images, device)``, or images: a uint8
            ``[N, 3, H, W]`` tensor in [0, 255], a float tensor in [-1, 1], or an iterable of
            such batches. ``inception_score(netG, num_samples)`` (swapped) is accepted too.
        device: device of the generator and of the feature extractor.
        batch_size (int): batch size of generation and feature extraction.
        splits (int): number of splits (10 in the reference).
        seed (int): seed of the generated images.
        log_dir, print_every: kept for compatibility; unused.
        **kwargs: ``weights``, ``backend`` of the feature extractor.

    Returns:
        tuple: ``(mean, std)`` over the splits.
    """
    if not isinstance(num_samples, (int, type(None))) or isinstance(netG, int):
        num_samples, netG = netG, num_samples
    if hasattr(netG, "generate_images"):
        if num_samples is None:
            raise ValueError("num_samples is required to score a generator.")
        return score_generator("inception_score", netG, seed=seed, device=device, batch_size=batch_size,
                               num_samples=num_samples, splits=splits, verbose=verbose, **kwargs)
    return score_images(netG, num_samples=num_samples, device=device, batch_size=batch_size, splits=splits,
                        **kwargs)
